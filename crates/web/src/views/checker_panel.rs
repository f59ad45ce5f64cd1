//! "Find a failing trace": the core's exhaustive checker over the current scenario, run in the
//! checker's web worker (the page stays responsive), with a progress bar, Cancel, editable bounds and, per invariant, either
//! the bounded "no trace of up to N steps breaks X" or the shortest failing trace, which the user
//! loads into the player (and so into the verdict panel) to step through it.
//!
//! A component with its own state, kept mounted while other tabs are shown, so that a search
//! keeps running and its result stays while the user looks at the stage or the inspector.

use crate::checker::{
    duration, holds_sentence, progress_fraction, states_per_second, status_text, thousands,
    BoundsText, Flight, Tick, FIELD_MAX_CHAOS_FIRES, FIELD_MAX_STATES, FIELD_MAX_STEPS,
};
use crate::state::UiAction;
use crate::views::form::{check_field, raw, search_running};
use crate::views::on_click;
use crate::views::Dispatch;
use exactly_once_core::check::wire::{Job, ScenarioSummary, ScenarioVerdictSummary, Update};
use exactly_once_core::scenario::{CheckBounds, Scenario};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CheckerProps {
    /// The scenario the player runs: the one to check.
    pub scenario: Rc<Scenario>,
    pub dispatch: Dispatch,
    /// Whether the Check tab is shown (the panel stays mounted either way).
    pub visible: bool,
}

#[derive(Clone)]
enum Phase {
    Idle,
    Running {
        tick: Tick,
        bounds: CheckBounds,
    },
    Done {
        report: Rc<ScenarioSummary>,
        elapsed_ms: f64,
    },
    Failed(String),
}

/// The bounds form: label, field key, input id (also its test id) and help, per field.
const BOUND_FIELDS: [(&str, &str, &str, &str); 3] = [
    (
        "Max states",
        FIELD_MAX_STATES,
        "check-max-states",
        "stop after this many distinct states",
    ),
    (
        "Max steps",
        FIELD_MAX_STEPS,
        "check-max-steps",
        "do not extend a trace beyond this many steps",
    ),
    (
        "Max chaos firings",
        FIELD_MAX_CHAOS_FIRES,
        "check-max-chaos-fires",
        "at most this many probabilistic chaos firings (duplicates, failures, crashes…) per trace",
    ),
];

/// The text of one bounds field.
fn bound_text<'a>(t: &'a BoundsText, key: &str) -> &'a str {
    match key {
        FIELD_MAX_STATES => &t.max_states,
        FIELD_MAX_STEPS => &t.max_steps,
        _ => &t.max_chaos_fires,
    }
}

/// The text of one bounds field, to edit.
fn bound_text_mut<'a>(t: &'a mut BoundsText, key: &str) -> &'a mut String {
    match key {
        FIELD_MAX_STATES => &mut t.max_states,
        FIELD_MAX_STEPS => &mut t.max_steps,
        _ => &mut t.max_chaos_fires,
    }
}

fn verdict_row(v: &ScenarioVerdictSummary, report: &ScenarioSummary, d: &Dispatch) -> Html {
    let name = v.name.as_str();
    // One row shape for both outcomes: what differs is data.
    let (class, status, label, sentence, detail, steps, load) = match &v.counterexample {
        None => (
            "inv holds",
            "holds",
            "✓ holds",
            holds_sentence(&report.scope, name),
            None,
            None,
            None,
        ),
        Some(cx) => {
            let steps = cx.path.len();
            let detail = match (&cx.violation, &cx.replay_error) {
                (_, Some(e)) => format!("the player could not replay this trace: {e}"),
                (Some(violation), None) => format!(
                    "breaks at event #{} of {}: {}",
                    violation.event, cx.events, violation.message
                ),
                (None, None) => "the player's replay does not show the violation".to_string(),
            };
            let load = cx
                .violation
                .as_ref()
                .filter(|_| cx.replay_error.is_none())
                .map(|violation| {
                    let onclick = on_click(d, UiAction::LoadPath {
                        path: Rc::new(cx.path.clone()),
                        at: violation.event,
                        note: format!(
                            "Loaded the checker's shortest trace that breaks {name} ({steps} steps). The playhead is on the violation; step back and forth, or leave manual mode to return to the seeded run."
                        ),
                    });
                    html! {
                        <button type="button" {onclick} data-testid={format!("check-load-{name}")}>{ "Load into player" }</button>
                    }
                });
            (
                "inv violated",
                "violated",
                "✗ VIOLATED",
                format!(
                    "Shortest failing trace: {steps} step{}.",
                    if steps == 1 { "" } else { "s" }
                ),
                Some(detail),
                Some(steps.to_string()),
                load,
            )
        }
    };
    let name = AttrValue::from(v.name.clone());
    html! {
        <li {class} data-check-invariant={name.clone()} data-status={status} data-steps={steps}>
            <span class="status">{ label }</span>
            <span class="name">{ name }</span>
            <p class="sentence">{ sentence }</p>
            if let Some(detail) = detail {
                <p class="core-text">{ detail }</p>
            }
            { for load }
        </li>
    }
}

fn summary(report: &ScenarioSummary, elapsed_ms: f64) -> Html {
    let rate = states_per_second(report.distinct_states, elapsed_ms)
        .map_or_else(String::new, |r| format!(", {} states/s", thousands(r)));
    let broken = report
        .invariants
        .iter()
        .filter(|v| v.counterexample.is_some())
        .count();
    let headline = match broken {
        0 => "No trace within the bounds breaks an invariant.".to_string(),
        1 => "1 invariant breaks.".to_string(),
        n => format!("{n} invariants break."),
    };
    html! {
        <div class="check-summary" data-testid="check-summary" data-status={report.status.as_str()}
            data-distinct={report.distinct_states.to_string()} data-broken={broken.to_string()}>
            <p class="headline">{ headline }</p>
            <p class="figures">{ format!(
                "{} distinct states, {} generated, traces up to {} steps, in {}{} · {} bytes per state · {}",
                thousands(report.distinct_states),
                thousands(report.generated_states),
                report.steps_fully_explored,
                duration(elapsed_ms),
                rate,
                thousands(report.bytes_per_state),
                status_text(report.status),
            ) }</p>
        </div>
    }
}

/// The "Find a failing trace" panel.
#[component]
pub fn CheckerPanel(props: &CheckerProps) -> Html {
    let text = use_state(BoundsText::default);
    let phase = use_state(|| Phase::Idle);
    let flight: Rc<RefCell<Flight>> = use_mut_ref(Flight::default);

    // A different scenario: the result (and a search in flight) speaks of the old one.
    {
        let phase = phase.clone();
        let flight = flight.clone();
        use_effect_with(props.scenario.clone(), move |_| {
            flight.borrow_mut().stop();
            phase.set(Phase::Idle);
        });
    }
    // Leaving the page: stop working for nobody.
    {
        let flight = flight.clone();
        use_effect_with((), move |_| move || flight.borrow().terminate());
    }

    let edit = |key: &'static str| {
        let text = text.clone();
        Callback::from(move |value: String| {
            let mut t = (*text).clone();
            *bound_text_mut(&mut t, key) = value;
            text.set(t);
        })
    };
    let parsed = text.bounds();
    let errors = parsed.as_ref().err().cloned().unwrap_or_default();
    let running = matches!(*phase, Phase::Running { .. });

    let onrun = {
        let phase = phase.clone();
        let flight = flight.clone();
        let scenario = props.scenario.clone();
        let bounds = parsed.clone().ok();
        Callback::from(move |_: MouseEvent| {
            let Some(bounds) = bounds.clone() else {
                return;
            };
            let job = Job::Scenario {
                scenario: Box::new((*scenario).clone()),
                bounds: bounds.clone(),
            };
            Flight::run_job(
                &flight,
                &phase,
                &job,
                move |tick| Phase::Running {
                    tick,
                    bounds: bounds.clone(),
                },
                |update| match update {
                    Update::ScenarioDone { report, elapsed_us } => Some(Phase::Done {
                        report: Rc::new(report),
                        elapsed_ms: elapsed_us as f64 / 1000.0,
                    }),
                    _ => None,
                },
                Phase::Failed,
            );
        })
    };
    let body = match &*phase {
        Phase::Idle => html! {},
        Phase::Failed(message) => {
            html! { <p class="field-error" role="alert" data-testid="check-failed">{ message.clone() }</p> }
        }
        Phase::Running { tick, bounds } => search_running(
            ("check-running", Some("check-progress"), "check-cancel"),
            "search progress",
            progress_fraction(
                &tick.progress,
                bounds.max_states,
                bounds.max_steps.saturating_add(1),
            ),
            tick,
            &flight,
        ),
        Phase::Done { report, elapsed_ms } => html! {
            <>
                { summary(report, *elapsed_ms) }
                <ul class="check-verdicts" data-testid="check-verdicts">
                    { for report.invariants.iter().map(|v| verdict_row(v, report, &props.dispatch)) }
                </ul>
            </>
        },
    };

    html! {
        <section class="checker" hidden={!props.visible} data-testid="checker" aria-label="find a failing trace">
            { raw(concat!(
                "<h3>Find a failing trace</h3><p class=\"check-intro\">Explores every trace of this scenario within the bounds, ",
                "over the very choices the simulator makes (which copy is delivered, which step runs, which chaos rule fires). ",
                "Breadth-first, so the first failing trace found is a shortest one.</p>"
            )) }
            <div class="check-bounds">
                { for BOUND_FIELDS.iter().map(|&(label, key, id, help)| {
                    check_field(label, id, bound_text(&text, key), errors.get(key).map(String::as_str), Some(help), edit(key))
                }) }
            </div>
            <button type="button" class="primary" onclick={onrun} disabled={running || parsed.is_err()} data-testid="check-run">
                { "Find a failing trace" }
            </button>
            { body }
        </section>
    }
}
