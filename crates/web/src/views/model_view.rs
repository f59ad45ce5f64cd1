//! The model-checking view of the workshop's reference model, the `MessageHandler` TLA+
//! specification: pick an exercise variant and the constants `MaxFailures` and `NoMessages`, let
//! the core's explorer run in the checker's web worker (progress, Cancel), see TLC's figures
//! (distinct and generated states, depth) and which invariants break, and load a counterexample
//! into the player, where the stage shows the spec's variables state by state and the verdict
//! panel the broken invariant.
//!
//! Kept mounted while other tabs are shown, like the scenario checker.

use crate::checker::{
    duration, parse_constant, parse_model_states, progress_fraction, states_per_second,
    status_text, thousands, Flight, Tick, MODEL_DEFAULT_MAX_STATES, MODEL_MAX_CONSTANT,
};
use crate::state::UiAction;
use crate::views::form::{check_field, raw, search_running};
use crate::views::on_click;
use crate::views::Dispatch;
use exactly_once_core::check::wire::{Job, ModelSummary, Update};
use exactly_once_core::check::{Bounds, Status, Variant};
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ModelViewProps {
    /// Whether the Model tab is shown (the view stays mounted either way).
    pub visible: bool,
    pub dispatch: Dispatch,
}

/// What one finished exploration found, and how long it took in the worker.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelResult {
    pub report: ModelSummary,
    pub elapsed_ms: f64,
}

#[derive(Clone)]
enum Phase {
    Idle,
    Running { tick: Tick, max_states: u64 },
    Done(Rc<ModelResult>),
    Failed(String),
}

/// The form as typed.
#[derive(Clone, PartialEq)]
struct Form {
    variant: String,
    max_failures: String,
    messages: String,
    max_states: String,
}

impl Default for Form {
    fn default() -> Self {
        Form {
            variant: Variant::SendThenUpdate.name().to_string(),
            max_failures: "1".to_string(),
            messages: "1".to_string(),
            max_states: MODEL_DEFAULT_MAX_STATES.to_string(),
        }
    }
}

fn variant_label(v: Variant) -> String {
    match v {
        Variant::Final => format!("final: {}", v.description()),
        _ => format!("{}: {}", v.name(), v.description()),
    }
}

/// Where the form keeps one field's text.
type FormText = fn(&mut Form) -> &mut String;

/// The constants and the bound: name, whether the label names the constants' range, the input id
/// (also its test id) and where the form keeps the text (the values are listed in the same order
/// in the view).
const MODEL_FIELDS: [(&str, bool, &str, FormText); 3] = [
    ("MaxFailures", true, "model-max-failures", |f| {
        &mut f.max_failures
    }),
    ("NoMessages", true, "model-messages", |f| &mut f.messages),
    ("Max states", false, "model-max-states", |f| {
        &mut f.max_states
    }),
];

fn result_view(r: &ModelResult, d: &Dispatch) -> Html {
    let m = &r.report;
    let rate = states_per_second(m.distinct_states, r.elapsed_ms)
        .map_or_else(String::new, |s| format!(", {} states/s", thousands(s)));
    let rows = m.invariants.iter().map(|inv| {
        let name = AttrValue::from(inv.name.clone());
        // One row shape for both outcomes: what differs is data.
        let (class, status, label, states, load) = match &inv.counterexample {
            None => ("inv holds", "holds", "✓ holds", None, None),
            Some(trace) => {
                let states = trace.states.len();
                let onclick = on_click(d, UiAction::LoadModelTrace(Rc::new(trace.clone())));
                let load = html! {
                    <>
                        { format!(" · shortest counterexample: {states} states ") }
                        <button type="button" {onclick} data-testid={format!("model-load-{name}")}>{ "Load into player" }</button>
                    </>
                };
                ("inv violated", "violated", "✗ VIOLATED", Some(states.to_string()), Some(load))
            }
        };
        html! {
            <li {class} data-model-invariant={name.clone()} data-status={status} data-states={states}>
                <span class="status">{ label }</span>
                <span class="name">{ name }</span>
                { for load }
            </li>
        }
    });
    let broken = m
        .invariants
        .iter()
        .filter(|v| v.counterexample.is_some())
        .count();
    let complete = m.status == Status::Complete;
    let headline = match (broken, complete) {
        (0, true) => "Every invariant holds in every reachable state.".to_string(),
        (0, false) => "No invariant breaks in the states explored.".to_string(),
        (1, _) => "1 invariant breaks.".to_string(),
        (n, _) => format!("{n} invariants break."),
    };
    html! {
        <div class="model-result" data-testid="model-result" data-distinct={m.distinct_states.to_string()}
            data-generated={m.generated_states.to_string()} data-depth={m.depth.to_string()} data-status={m.status.as_str()}>
            <p class="headline">{ headline }</p>
            <p class="figures" data-testid="model-figures">
                { format!("Variant {}, MaxFailures = {}, NoMessages = {}: ", m.variant, m.max_failures, m.messages) }
                <strong data-testid="model-distinct">{ thousands(m.distinct_states) }</strong>
                { format!(" distinct states, {} generated, depth {}, in {}{} · {}",
                    thousands(m.generated_states), m.depth, duration(r.elapsed_ms), rate, status_text(m.status)) }
            </p>
            <ul class="model-invariants">{ for rows }</ul>
        </div>
    }
}

/// The reference model's model-checking view.
#[component]
pub fn ModelView(props: &ModelViewProps) -> Html {
    let form = use_state(Form::default);
    let phase = use_state(|| Phase::Idle);
    let flight: Rc<RefCell<Flight>> = use_mut_ref(Flight::default);
    {
        let flight = flight.clone();
        use_effect_with((), move |_| move || flight.borrow().terminate());
    }

    let edit = |field: FormText| {
        let form = form.clone();
        Callback::from(move |value: String| {
            let mut f = (*form).clone();
            *field(&mut f) = value;
            form.set(f);
        })
    };
    let variant = Variant::from_name(&form.variant);
    let max_failures = parse_constant(&form.max_failures);
    let messages = parse_constant(&form.messages);
    let max_states = parse_model_states(&form.max_states);
    let running = matches!(*phase, Phase::Running { .. });
    let ready = variant.is_some() && max_failures.is_ok() && messages.is_ok() && max_states.is_ok();

    let onrun = {
        let phase = phase.clone();
        let flight = flight.clone();
        let inputs = (
            variant,
            max_failures.clone().ok(),
            messages.clone().ok(),
            max_states.clone().ok(),
        );
        Callback::from(move |_: MouseEvent| {
            let (Some(variant), Some(max_failures), Some(messages), Some(max_states)) = inputs
            else {
                return;
            };
            let job = Job::Model {
                variant: variant.name().to_string(),
                max_failures,
                messages,
                max_states,
            };
            Flight::run_job(
                &flight,
                &phase,
                &job,
                move |tick| Phase::Running { tick, max_states },
                |update| match update {
                    Update::ModelDone { report, elapsed_us } => {
                        Some(Phase::Done(Rc::new(ModelResult {
                            report,
                            elapsed_ms: elapsed_us as f64 / 1000.0,
                        })))
                    }
                    _ => None,
                },
                Phase::Failed,
            );
        })
    };
    let onvariant = {
        let form = form.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<HtmlSelectElement>() {
                let mut f = (*form).clone();
                f.variant = select.value();
                form.set(f);
            }
        })
    };
    let body = match &*phase {
        Phase::Idle => html! {},
        Phase::Failed(message) => {
            html! { <p class="field-error" role="alert" data-testid="model-failed">{ message.clone() }</p> }
        }
        Phase::Running { tick, max_states } => search_running(
            ("model-running", None, "model-cancel"),
            "model checking progress",
            progress_fraction(&tick.progress, *max_states, Bounds::default().max_depth),
            tick,
            &flight,
        ),
        Phase::Done(result) => result_view(result, &props.dispatch),
    };

    html! {
        <section class="model-view" hidden={!props.visible} data-testid="model-view" aria-label="model checking the reference model">
            { raw(concat!(
                "<h3>Model-check MessageHandler</h3><p class=\"check-intro\">The workshop's TLA+ exercise, built in: every reachable ",
                "state of the chosen variant, breadth-first as TLC explores it, with TLC's counts.</p>"
            )) }
            <div class="check-field">
                <label for="model-variant">{ "Variant" }</label>
                <select id="model-variant" data-testid="model-variant" onchange={onvariant}>
                    { for Variant::ALL.iter().map(|v| html! {
                        <option value={v.name()} selected={form.variant == v.name()}>{ variant_label(*v) }</option>
                    }) }
                </select>
            </div>
            <div class="check-bounds">
                { for MODEL_FIELDS.iter().zip([
                    (&form.max_failures, max_failures.err()),
                    (&form.messages, messages.err()),
                    (&form.max_states, max_states.err()),
                ]).map(|(&(name, ranged, id, field), (value, error))| {
                    let label = if ranged { format!("{name} (1–{MODEL_MAX_CONSTANT})") } else { name.to_string() };
                    check_field(&label, id, value, error.as_deref(), None, edit(field))
                }) }
            </div>
            <button type="button" class="primary" onclick={onrun} disabled={running || !ready} data-testid="model-run">
                { "Check the model" }
            </button>
            { body }
        </section>
    }
}
