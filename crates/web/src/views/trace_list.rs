//! The trace as text, a window around the playhead: the same lines as the command line prints,
//! each one a button that moves the playhead there.

use crate::anim::window_start;
use crate::state::{UiAction, UiState};
use crate::views::on_click;
use crate::views::{seconds, Dispatch};
use yew::prelude::*;

const ROWS: u32 = 40;

pub fn trace_list(s: &UiState, d: &Dispatch) -> Html {
    let Some(run) = &s.run else {
        return Html::default();
    };
    let start = window_start(s.cursor, run.len(), ROWS);
    let end = (start + ROWS).min(run.len());
    html! {
        <ol class="trace" data-testid="trace" start={start.to_string()}>
            { for (start..end).map(|i| {
                let e = &run.events[i as usize];
                let onclick = on_click(d, UiAction::Seek(i));
                let chaos = crate::model::chaos_label(&e.kind).is_some();
                html! {
                    <li key={i} class={classes!((i == s.cursor).then_some("current"), chaos.then_some("chaos"), (i > s.cursor).then_some("future"))}>
                        <button type="button" {onclick}>
                            <span class="t">{ format!("#{i} {}", seconds(e.at_ms)) }</span>
                            <span class="ep">{ e.endpoint.name() }</span>
                            { crate::model::event_text(e) }
                        </button>
                    </li>
                }
            }) }
        </ol>
    }
}
