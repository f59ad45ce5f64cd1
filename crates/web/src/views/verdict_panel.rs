//! The verdict: every invariant, holds or violated; a violation names its first event (click:
//! jump there and highlight its messages) and says what went wrong in one sentence.

use crate::state::{UiAction, UiState};
use crate::verdict::{promise, sentence};
use crate::views::on_click;
use crate::views::{seconds, Dispatch};
use exactly_once_core::invariants::InvariantName;
use yew::prelude::*;

pub fn verdict(s: &UiState, d: &Dispatch) -> Html {
    if let Some((trace, _)) = &s.model_trace {
        return crate::views::model_stage::verdict(s, trace, d);
    }
    let Some(run) = &s.run else {
        return html! { <section class="verdict" data-testid="verdict"><h2>{ "Verdict" }</h2><p>{ "Computing…" }</p></section> };
    };
    let rows: Html = InvariantName::ALL
        .iter()
        .map(|name| {
            let v = run.report.first_violation.get(name);
            match v {
                None => html! {
                    <li class="inv holds" data-invariant={name.name()} data-status="holds" title={promise(*name)}>
                        <span class="status">{ "✓ holds" }</span>
                        <span class="name">{ name.name() }</span>
                    </li>
                },
                Some(v) => {
                    let reached = s.cursor >= v.event;
                    let d = d.clone();
                    let n = *name;
                    let onclick = on_click(&d, UiAction::JumpToViolation(Some(n)));
                    let at = run.events.get(v.event as usize).map_or(0, |e| e.at_ms);
                    html! {
                        <li class={classes!("inv", "violated", (!reached).then_some("ahead"))} data-invariant={name.name()} data-status="violated">
                            <span class="status">{ "✗ VIOLATED" }</span>
                            <span class="name">{ name.name() }</span>
                            <p class="sentence">{ sentence(v, &run.events, &run.index) }</p>
                            <button type="button" class="link" {onclick} data-testid={format!("violation-{}", name.name())}>
                                { format!("first at event #{} ({}){}", v.event, seconds(at), if reached { "" } else { " · ahead of the playhead" }) }
                            </button>
                            <details><summary>{ "details" }</summary><p class="core-text">{ v.message.clone() }</p></details>
                        </li>
                    }
                }
            }
        })
        .collect();
    let summary = if run.report.first_violation.is_empty() {
        "every invariant holds".to_string()
    } else {
        format!(
            "{} of {} violated",
            run.report.first_violation.len(),
            InvariantName::ALL.len()
        )
    };
    html! {
        <section class="verdict" data-testid="verdict" aria-live="polite">
            <h2>{ "Verdict " }<small>{ summary }</small></h2>
            if run.manual && { let mut c = Vec::new(); run.last_world.choices(&mut c); !c.is_empty() } {
                <p class="warn" data-testid="verdict-not-final">{ "Manual mode, run not over: the end-of-run checks (OrdersMatchIntent, ShippingMatchesOrders, FirstItemAddedOnce) are made once nothing more can happen." }</p>
            }
            if let Some(h) = &run.halted {
                <p class="warn">{ format!("The run stopped at a limit: {h}.") }</p>
            }
            <ul>{ rows }</ul>
        </section>
    }
}
