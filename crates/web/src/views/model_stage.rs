//! The player on a reference-model counterexample (loaded from the Model tab): the stage shows
//! the `MessageHandler` spec's variables at the playhead's state, the changed ones marked, and
//! the verdict panel which invariants the trace breaks and at which state. The core computed
//! every state, change and verdict ([`ModelTrace`]); this only shows them.

use crate::state::{UiAction, UiState};
use crate::views::on_click;
use crate::views::verdict_panel::{holds, violated, Violated};
use crate::views::{tag, Dispatch};
use exactly_once_core::check::wire::ModelTrace;
use yew::prelude::*;

fn back_button(d: &Dispatch) -> Html {
    let onclick = on_click(d, UiAction::CloseModelTrace);
    html! {
        <button type="button" {onclick} data-testid="model-close">{ "Back to the scenario" }</button>
    }
}

/// The playhead's state of the trace.
fn at(s: &UiState, trace: &ModelTrace) -> usize {
    (s.cursor as usize).min(trace.states.len().saturating_sub(1))
}

/// The stage: the variables of the state at the playhead.
pub fn stage(s: &UiState, trace: &ModelTrace, d: &Dispatch) -> Html {
    let i = at(s, trace);
    let Some(state) = trace.states.get(i) else {
        return html! {};
    };
    let rows = state.vars.iter().map(|(var, value)| {
        let changed = state.changed.contains(var);
        html! {
            <tr class={classes!(changed.then_some("changed"))} data-var={var.clone()} data-changed={changed.to_string()}>
                <th scope="row">{ var.clone() }</th>
                <td>{ value.clone() }{ if changed { " ← changed" } else { "" } }</td>
            </tr>
        }
    });
    let broken: Vec<&str> = state
        .violated
        .iter()
        .filter_map(|b| trace.invariants.get(*b as usize).map(String::as_str))
        .collect();
    html! {
        <div class="model-stage" data-testid="model-stage" data-invariant={trace.invariant.clone()}
            data-state={(i + 1).to_string()} data-states={trace.states.len().to_string()}>
            <h3>{ trace.title.clone() }</h3>
            <p class="model-step" data-testid="model-step">{ format!("State {} of {}: {}", i + 1, trace.states.len(), state.step) }</p>
            <table class="model-vars" data-testid="model-vars"><tbody>{ for rows }</tbody></table>
            if !broken.is_empty() {
                <p class="model-end" data-testid="model-broken">{ format!("False in this state: {}.", broken.join(", ")) }</p>
            }
            <ol class="model-steps">
                { for trace.states.iter().enumerate().map(|(j, st)| {
                    let onclick = on_click(d, UiAction::Seek(j as u32));
                    html! {
                        <li class={classes!((j == i).then_some("current"))}>
                            <button type="button" class="link" {onclick}>{ st.step.clone() }</button>
                        </li>
                    }
                }) }
            </ol>
            { back_button(d) }
        </div>
    }
}

/// The line above the stage: the step that led to the playhead's state.
pub fn now_line(s: &UiState, trace: &ModelTrace) -> Html {
    let i = at(s, trace);
    let step = trace.states.get(i).map_or("", |st| st.step.as_str());
    html! {
        <p class="now" data-testid="now" aria-live="polite">
            <span class="t">{ format!("state {} / {}", i + 1, trace.states.len()) }</span>
            <span class="ep">{ "MessageHandler" }</span>
            { step.to_string() }
        </p>
    }
}

/// The verdict panel: every invariant of the model, holds along this trace or violated from
/// some state on (click: the playhead goes there).
pub fn verdict(s: &UiState, trace: &ModelTrace, d: &Dispatch) -> Html {
    let i = at(s, trace);
    let rows = trace
        .invariants
        .iter()
        .enumerate()
        .map(|(b, name)| match trace.first_violation(b as u32) {
            None => holds(name.clone().into(), None),
            Some(first) => {
                let reached = i >= first;
                violated(Violated {
                    name: name.clone().into(),
                    ahead: !reached,
                    state: Some((first + 1).to_string().into()),
                    sentence: format!(
                        "{name} is false in state {} of this trace, after: {}",
                        first + 1,
                        trace.states[first].step
                    ),
                    onclick: on_click(d, UiAction::Seek(first as u32)),
                    link: format!(
                        "first at state {}{}",
                        first + 1,
                        if reached {
                            ""
                        } else {
                            " · ahead of the playhead"
                        }
                    ),
                    details: None,
                })
            }
        })
        .collect();
    let broken = (0..trace.invariants.len() as u32)
        .filter(|b| trace.first_violation(*b).is_some())
        .count();
    html! {
        <section class="verdict" data-testid="verdict" data-model-trace="true" aria-live="polite">
            <h2>{ "Verdict " }<small>{ format!("reference model: {broken} of {} violated on this trace", trace.invariants.len()) }</small></h2>
            <p class="warn">{ format!("{}: the shortest counterexample to {}.", trace.title, trace.invariant) }</p>
            { tag("ul", rows) }
            { back_button(d) }
        </section>
    }
}
