//! The model-checking view of the workshop's reference model, the `MessageHandler` TLA+
//! specification: pick an exercise variant and the constants `MaxFailures` and `NoMessages`, let
//! the core's explorer run in the checker's web worker (progress, Cancel), see TLC's figures
//! (distinct and generated states, depth) and which invariants break, and load a counterexample
//! into the player, where the stage shows the spec's variables state by state and the verdict
//! panel the broken invariant.
//!
//! Kept mounted while other tabs are shown, like the scenario checker.

use crate::checker::{
    duration, parse_constant, parse_model_states, progress_fraction, progress_line,
    states_per_second, status_text, thousands, Flight, Tick, MODEL_DEFAULT_MAX_STATES,
    MODEL_MAX_CONSTANT,
};
use crate::state::UiAction;
use crate::views::on_click;
use crate::views::Dispatch;
use exactly_once_core::check::wire::{Job, ModelSummary, Update};
use exactly_once_core::check::{Bounds, Status, Variant};
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
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

fn text_field(
    label: &str,
    testid: &'static str,
    value: &str,
    error: Option<String>,
    onedit: Callback<String>,
) -> Html {
    let onchange = {
        let onedit = onedit.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                onedit.emit(input.value());
            }
        })
    };
    let oninput = Callback::from(move |e: InputEvent| {
        if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
            onedit.emit(input.value());
        }
    });
    html! {
        <div class={classes!("check-field", error.is_some().then_some("invalid"))}>
            <label for={testid}>{ label.to_string() }</label>
            <input id={testid} type="text" inputmode="numeric" value={value.to_string()} data-testid={testid}
                {onchange} {oninput} aria-invalid={error.is_some().to_string()} />
            if let Some(e) = error {
                <span class="field-error" role="alert" data-testid={format!("error-{testid}")}>{ e }</span>
            }
        </div>
    }
}

fn result_view(r: &ModelResult, d: &Dispatch) -> Html {
    let m = &r.report;
    let rate = states_per_second(m.distinct_states, r.elapsed_ms)
        .map_or_else(String::new, |s| format!(", {} states/s", thousands(s)));
    let rows = m.invariants.iter().map(|inv| match &inv.counterexample {
        None => html! {
            <li class="inv holds" data-model-invariant={inv.name.clone()} data-status="holds">
                <span class="status">{ "✓ holds" }</span>
                <span class="name">{ inv.name.clone() }</span>
            </li>
        },
        Some(trace) => {
            let trace = Rc::new(trace.clone());
            let states = trace.states.len();
            let d = d.clone();
            let onclick = {
                let trace = trace.clone();
                on_click(&d, UiAction::LoadModelTrace(trace.clone()))
            };
            html! {
                <li class="inv violated" data-model-invariant={inv.name.clone()}
                    data-status="violated" data-states={states.to_string()}>
                    <span class="status">{ "✗ VIOLATED" }</span>
                    <span class="name">{ inv.name.clone() }</span>
                    { format!(" · shortest counterexample: {states} states ") }
                    <button type="button" {onclick} data-testid={format!("model-load-{}", inv.name)}>{ "Load into player" }</button>
                </li>
            }
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

    let edit = |apply: fn(&mut Form, String)| {
        let form = form.clone();
        Callback::from(move |value: String| {
            let mut f = (*form).clone();
            apply(&mut f, value);
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
    let oncancel = {
        let flight = flight.clone();
        Callback::from(move |_: MouseEvent| flight.borrow().cancel())
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
        Phase::Running { tick, max_states } => {
            let fraction =
                progress_fraction(&tick.progress, *max_states, Bounds::default().max_depth);
            html! {
                <div class="check-running" data-testid="model-running">
                    <progress max="1" value={crate::checker::fraction_value(fraction)} aria-label="model checking progress"></progress>
                    <p class="check-progress" aria-live="polite">{ progress_line(tick) }</p>
                    <button type="button" onclick={oncancel} data-testid="model-cancel">{ "Cancel" }</button>
                </div>
            }
        }
        Phase::Done(result) => result_view(result, &props.dispatch),
    };

    html! {
        <section class="model-view" hidden={!props.visible} data-testid="model-view" aria-label="model checking the reference model">
            <h3>{ "Model-check MessageHandler" }</h3>
            <p class="check-intro">{ "The workshop's TLA+ exercise, built in: every reachable state of the chosen variant, breadth-first as TLC explores it, with TLC's counts." }</p>
            <div class="check-field">
                <label for="model-variant">{ "Variant" }</label>
                <select id="model-variant" data-testid="model-variant" onchange={onvariant}>
                    { for Variant::ALL.iter().map(|v| html! {
                        <option value={v.name()} selected={form.variant == v.name()}>{ variant_label(*v) }</option>
                    }) }
                </select>
            </div>
            <div class="check-bounds">
                { text_field(&format!("MaxFailures (1–{MODEL_MAX_CONSTANT})"), "model-max-failures", &form.max_failures,
                    max_failures.err(), edit(|f, v| f.max_failures = v)) }
                { text_field(&format!("NoMessages (1–{MODEL_MAX_CONSTANT})"), "model-messages", &form.messages,
                    messages.err(), edit(|f, v| f.messages = v)) }
                { text_field("Max states", "model-max-states", &form.max_states,
                    max_states.err(), edit(|f, v| f.max_states = v)) }
            </div>
            <button type="button" class="primary" onclick={onrun} disabled={running || !ready} data-testid="model-run">
                { "Check the model" }
            </button>
            { body }
        </section>
    }
}
