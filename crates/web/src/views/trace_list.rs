//! The trace as text, a window around the playhead: the same lines as the command line prints,
//! each one a button that moves the playhead there.

use crate::anim::window_start;
use crate::state::{UiAction, UiState};
use crate::views::on_click;
use crate::views::{attr, el, el_on, node, seconds, txt, Dispatch};
use std::cmp::Ordering;
use std::rc::Rc;
use yew::html::onclick;
use yew::prelude::*;
use yew::virtual_dom::AttrValue;

const ROWS: u32 = 40;

pub fn trace_list(s: &UiState, d: &Dispatch) -> Html {
    let Some(run) = &s.run else {
        return Html::default();
    };
    let start = window_start(s.cursor, run.len(), ROWS);
    let end = (start + ROWS).min(run.len());
    let rows = (start..end)
        .map(|i| {
            let e = &run.events[i as usize];
            let chaos = crate::model::chaos_label(&e.kind).is_some();
            let class = match (i.cmp(&s.cursor), chaos) {
                (Ordering::Less, false) => "",
                (Ordering::Less, true) => "chaos",
                (Ordering::Equal, false) => "current",
                (Ordering::Equal, true) => "current chaos",
                (Ordering::Greater, false) => "future",
                (Ordering::Greater, true) => "chaos future",
            };
            let span =
                |c: &'static str, t: AttrValue| el("span", &["class"], vec![attr(c)], vec![txt(t)]);
            node(
                "li",
                Some(i.into()),
                &["class"],
                vec![attr(class)],
                Vec::new(),
                vec![el_on(
                    "button",
                    &["type"],
                    vec![attr("button")],
                    vec![Rc::new(onclick::Wrapper::new(on_click(
                        d,
                        UiAction::Seek(i),
                    )))],
                    vec![
                        span("t", format!("#{i} {}", seconds(e.at_ms)).into()),
                        span("ep", e.endpoint.name().into()),
                        txt(crate::model::event_text(e).into()),
                    ],
                )],
            )
        })
        .collect();
    el(
        "ol",
        &["class", "data-testid", "start"],
        vec![attr("trace"), attr("trace"), Some(start.to_string().into())],
        rows,
    )
}
