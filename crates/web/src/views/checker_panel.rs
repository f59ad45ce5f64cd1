//! "Find a failing trace": the core's exhaustive checker over the current scenario, run in the
//! checker's web worker (the page stays responsive), with a progress bar, Cancel, editable bounds and, per invariant, either
//! the bounded "no trace of up to N steps breaks X" or the shortest failing trace, which the user
//! loads into the player (and so into the verdict panel) to step through it.
//!
//! A component with its own state, kept mounted while other tabs are shown, so that a search
//! keeps running and its result stays while the user looks at the stage or the inspector.

use crate::checker::{
    duration, holds_sentence, progress_fraction, progress_line, states_per_second, status_text,
    thousands, BoundsText, Flight, Tick, FIELD_MAX_CHAOS_FIRES, FIELD_MAX_STATES, FIELD_MAX_STEPS,
};
use crate::state::UiAction;
use crate::views::Dispatch;
use exactly_once_core::check::wire::{Job, ScenarioSummary, ScenarioVerdictSummary, Update};
use exactly_once_core::scenario::{CheckBounds, Scenario};
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::HtmlInputElement;
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

fn bound_field(
    label: &str,
    key: &'static str,
    value: &str,
    error: Option<&String>,
    help: &str,
    onedit: Callback<(&'static str, String)>,
) -> Html {
    let handler = Callback::from(move |e: Event| {
        if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
            onedit.emit((key, input.value()));
        }
    });
    let oninput = {
        let handler = handler.clone();
        Callback::from(move |e: InputEvent| handler.emit(e.into()))
    };
    let id = format!("check-{}", key.replace('_', "-"));
    html! {
        <div class={classes!("check-field", error.is_some().then_some("invalid"))}>
            <label for={id.clone()}>{ label.to_string() }</label>
            <input id={id.clone()} type="text" inputmode="numeric" value={value.to_string()} data-testid={id.clone()}
                title={help.to_string()} onchange={handler} {oninput} aria-invalid={error.is_some().to_string()} />
            if let Some(e) = error {
                <span class="field-error" role="alert" data-testid={format!("error-{id}")}>{ e.clone() }</span>
            }
        </div>
    }
}

fn verdict_row(v: &ScenarioVerdictSummary, report: &ScenarioSummary, d: &Dispatch) -> Html {
    let name = v.name.as_str();
    let attr = AttrValue::from(v.name.clone());
    match &v.counterexample {
        None => html! {
            <li class="inv holds" data-check-invariant={attr.clone()} data-status="holds">
                <span class="status">{ "✓ holds" }</span>
                <span class="name">{ attr.clone() }</span>
                <p class="sentence">{ holds_sentence(&report.scope, name) }</p>
            </li>
        },
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
                    let d = d.clone();
                    let path = Rc::new(cx.path.clone());
                    let at = violation.event;
                    let note = format!(
                        "Loaded the checker's shortest trace that breaks {name} ({steps} steps). The playhead is on the violation; step back and forth, or leave manual mode to return to the seeded run."
                    );
                    let onclick = Callback::from(move |_: MouseEvent| {
                        d.dispatch(UiAction::LoadPath {
                            path: path.clone(),
                            at,
                            note: note.clone(),
                        })
                    });
                    html! {
                        <button type="button" {onclick} data-testid={format!("check-load-{name}")}>{ "Load into player" }</button>
                    }
                });
            html! {
                <li class="inv violated" data-check-invariant={attr.clone()} data-status="violated" data-steps={steps.to_string()}>
                    <span class="status">{ "✗ VIOLATED" }</span>
                    <span class="name">{ attr.clone() }</span>
                    <p class="sentence">{ format!("Shortest failing trace: {steps} step{}.", if steps == 1 { "" } else { "s" }) }</p>
                    <p class="core-text">{ detail }</p>
                    { for load }
                </li>
            }
        }
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

    let onedit = {
        let text = text.clone();
        Callback::from(move |(key, value): (&'static str, String)| {
            let mut t = (*text).clone();
            match key {
                FIELD_MAX_STATES => t.max_states = value,
                FIELD_MAX_STEPS => t.max_steps = value,
                _ => t.max_chaos_fires = value,
            }
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
    let oncancel = {
        let flight = flight.clone();
        Callback::from(move |_: MouseEvent| flight.borrow().cancel())
    };

    let body = match &*phase {
        Phase::Idle => html! {},
        Phase::Failed(message) => {
            html! { <p class="field-error" role="alert" data-testid="check-failed">{ message.clone() }</p> }
        }
        Phase::Running { tick, bounds } => {
            let fraction = progress_fraction(
                &tick.progress,
                bounds.max_states,
                bounds.max_steps.saturating_add(1),
            );
            html! {
                <div class="check-running" data-testid="check-running">
                    <progress max="1" value={crate::checker::fraction_value(fraction)} aria-label="search progress"></progress>
                    <p class="check-progress" data-testid="check-progress" aria-live="polite">{ progress_line(tick) }</p>
                    <button type="button" onclick={oncancel} data-testid="check-cancel">{ "Cancel" }</button>
                </div>
            }
        }
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
            <h3>{ "Find a failing trace" }</h3>
            <p class="check-intro">{ "Explores every trace of this scenario within the bounds, over the very choices the simulator makes (which copy is delivered, which step runs, which chaos rule fires). Breadth-first, so the first failing trace found is a shortest one." }</p>
            <div class="check-bounds">
                { bound_field("Max states", FIELD_MAX_STATES, &text.max_states, errors.get(FIELD_MAX_STATES),
                    "stop after this many distinct states", onedit.clone()) }
                { bound_field("Max steps", FIELD_MAX_STEPS, &text.max_steps, errors.get(FIELD_MAX_STEPS),
                    "do not extend a trace beyond this many steps", onedit.clone()) }
                { bound_field("Max chaos firings", FIELD_MAX_CHAOS_FIRES, &text.max_chaos_fires, errors.get(FIELD_MAX_CHAOS_FIRES),
                    "at most this many probabilistic chaos firings (duplicates, failures, crashes…) per trace", onedit) }
            </div>
            <button type="button" class="primary" onclick={onrun} disabled={running || parsed.is_err()} data-testid="check-run">
                { "Find a failing trace" }
            </button>
            { body }
        </section>
    }
}
