//! The verdict: every invariant, holds or violated; a violation names its first event (click:
//! jump there and highlight its messages) and says what went wrong in one sentence.

use crate::state::{UiAction, UiState};
use crate::verdict::{promise, sentence};
use crate::views::on_click;
use crate::views::{attr, el, el_on, seconds, tag, txt, Dispatch};
use exactly_once_core::invariants::InvariantName;
use std::rc::Rc;
use yew::html::onclick;
use yew::prelude::*;
use yew::virtual_dom::AttrValue;

pub fn verdict(s: &UiState, d: &Dispatch) -> Html {
    if let Some((trace, _)) = &s.model_trace {
        return crate::views::model_stage::verdict(s, trace, d);
    }
    let Some(run) = &s.run else {
        return html! { <section class="verdict" data-testid="verdict"><h2>{ "Verdict" }</h2><p>{ "Computing…" }</p></section> };
    };
    let rows = InvariantName::ALL
        .iter()
        .map(|name| match run.report.first_violation.get(name) {
            None => holds(name.name().into(), Some(promise(*name).into())),
            Some(v) => {
                let reached = s.cursor >= v.event;
                let at = run.events.get(v.event as usize).map_or(0, |e| e.at_ms);
                violated(Violated {
                    name: name.name().into(),
                    ahead: !reached,
                    state: None,
                    sentence: sentence(v, &run.events, &run.index),
                    onclick: on_click(d, UiAction::JumpToViolation(Some(*name))),
                    link: format!(
                        "first at event #{} ({}){}",
                        v.event,
                        seconds(at),
                        if reached {
                            ""
                        } else {
                            " · ahead of the playhead"
                        }
                    ),
                    details: Some(v.message.clone()),
                })
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
            { tag("ul", rows) }
        </section>
    }
}

/// An invariant that holds, in either verdict (the run's or the model trace's).
pub fn holds(name: AttrValue, promise: Option<AttrValue>) -> Html {
    el(
        "li",
        &["class", "data-invariant", "data-status", "title"],
        vec![
            attr("inv holds"),
            Some(name.clone()),
            attr("holds"),
            promise,
        ],
        vec![span("status", "✓ holds".into()), span("name", name)],
    )
}

/// A violated invariant's row: what the verdicts show of it.
pub struct Violated {
    pub name: AttrValue,
    /// The playhead has not reached its first violation yet.
    pub ahead: bool,
    /// `data-state`: the model trace's state of the first violation.
    pub state: Option<AttrValue>,
    pub sentence: String,
    /// The link to its first violation, and its text.
    pub onclick: Callback<MouseEvent>,
    pub link: String,
    /// The core's own text, folded.
    pub details: Option<String>,
}

pub fn violated(v: Violated) -> Html {
    let testid = format!("violation-{}", v.name);
    let mut parts = vec![
        span("status", "✗ VIOLATED".into()),
        span("name", v.name.clone()),
        el(
            "p",
            &["class"],
            vec![attr("sentence")],
            vec![txt(v.sentence.into())],
        ),
        el_on(
            "button",
            &["type", "class", "data-testid"],
            vec![attr("button"), attr("link"), Some(testid.into())],
            vec![Rc::new(onclick::Wrapper::new(v.onclick))],
            vec![txt(v.link.into())],
        ),
    ];
    if let Some(details) = v.details {
        parts.push(tag(
            "details",
            vec![
                tag("summary", vec![txt("details".into())]),
                el(
                    "p",
                    &["class"],
                    vec![attr("core-text")],
                    vec![txt(details.into())],
                ),
            ],
        ));
    }
    el(
        "li",
        &["class", "data-invariant", "data-status", "data-state"],
        vec![
            attr(if v.ahead {
                "inv violated ahead"
            } else {
                "inv violated"
            }),
            Some(v.name),
            attr("violated"),
            v.state,
        ],
        parts,
    )
}

/// `<span class>text</span>`.
fn span(c: &'static str, body: AttrValue) -> Html {
    el("span", &["class"], vec![attr(c)], vec![txt(body)])
}
