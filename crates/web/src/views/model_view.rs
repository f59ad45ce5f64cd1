//! The model-checking view of the workshop's reference model, the `MessageHandler` TLA+
//! specification: pick an exercise variant and the constants `MaxFailures` and `NoMessages`, let
//! the core's explorer run in slices (progress, Cancel), see TLC's figures (distinct and generated
//! states, depth) and which invariants break, and watch a counterexample state by state with the
//! spec's variables, the changed ones marked.
//!
//! The reference model is not a messaging scenario, so its traces are stepped here rather than in
//! the player. Kept mounted while other tabs are shown, like the scenario checker.

use crate::checker::{
    changed_vars, drive, duration, model_trace, parse_constant, parse_model_states,
    progress_fraction, progress_line, states_per_second, status_text, thousands, var_rows, Flight,
    ModelStep, Tick, MODEL_DEFAULT_MAX_STATES, MODEL_MAX_CONSTANT,
};
use exactly_once_core::check::{Bounds, Explorer, MessageHandler, Status, Variant};
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ModelViewProps {
    /// Whether the Model tab is shown (the view stays mounted either way).
    pub visible: bool,
}

/// What one finished exploration found.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelResult {
    pub variant: Variant,
    pub max_failures: u32,
    pub messages: u32,
    pub distinct_states: u64,
    pub generated_states: u64,
    pub depth: u32,
    pub status: Status,
    pub elapsed_ms: f64,
    /// Per invariant: its name and, when violated, its shortest counterexample.
    pub invariants: Vec<(String, Option<Rc<Vec<ModelStep>>>)>,
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

/// One counterexample, stepped state by state.
fn watch(
    name: &str,
    trace: &[ModelStep],
    at: usize,
    set_at: Callback<usize>,
    node: NodeRef,
) -> Html {
    let last = trace.len().saturating_sub(1);
    let at = at.min(last);
    let Some(cur) = trace.get(at) else {
        return html! {};
    };
    let changed = changed_vars(
        at.checked_sub(1)
            .and_then(|i| trace.get(i))
            .map(|s| &s.vars),
        &cur.vars,
    );
    let go = |to: usize| {
        let set_at = set_at.clone();
        Callback::from(move |_: MouseEvent| set_at.emit(to))
    };
    let rows = var_rows(&cur.vars).into_iter().map(|(var, value)| {
        let is_changed = changed.contains(&var);
        html! {
            <tr class={classes!(is_changed.then_some("changed"))} data-var={var} data-changed={is_changed.to_string()}>
                <th scope="row">{ var }</th>
                <td>{ value }{ if is_changed { " ← changed" } else { "" } }</td>
            </tr>
        }
    });
    html! {
        <div ref={node} class="model-watch" data-testid="model-watch" data-invariant-watched={name.to_string()}
            data-state={(at + 1).to_string()} data-states={trace.len().to_string()}>
            <h4>{ format!("Counterexample to {name}: {} states", trace.len()) }</h4>
            <div class="model-stepper">
                <button type="button" onclick={go(0)} disabled={at == 0} aria-label="first state" data-testid="model-first">{ "|◀ first" }</button>
                <button type="button" onclick={go(at.saturating_sub(1))} disabled={at == 0} aria-label="previous state" data-testid="model-prev">{ "◀ prev" }</button>
                <span class="model-at" data-testid="model-state-index">{ format!("state {} of {}", at + 1, trace.len()) }</span>
                <button type="button" onclick={go((at + 1).min(last))} disabled={at == last} aria-label="next state" data-testid="model-next">{ "next ▶" }</button>
                <button type="button" onclick={go(last)} disabled={at == last} aria-label="last state" data-testid="model-last">{ "last ▶|" }</button>
            </div>
            <p class="model-step" data-testid="model-step">{ format!("{}. {}", at + 1, cur.step) }</p>
            <table class="model-vars" data-testid="model-vars"><tbody>{ for rows }</tbody></table>
            if at == last {
                <p class="model-end">{ format!("{name} is false in this state.") }</p>
            }
            <ol class="model-steps">
                { for trace.iter().enumerate().map(|(i, s)| {
                    let set_at = set_at.clone();
                    let onclick = Callback::from(move |_: MouseEvent| set_at.emit(i));
                    html! {
                        <li class={classes!((i == at).then_some("current"))}>
                            <button type="button" class="link" {onclick}>{ s.step.clone() }</button>
                        </li>
                    }
                }) }
            </ol>
        </div>
    }
}

fn result_view(
    r: &ModelResult,
    watching: Option<(usize, usize)>,
    on_watch: Callback<(usize, usize)>,
) -> Html {
    let rate = states_per_second(r.distinct_states, r.elapsed_ms)
        .map_or_else(String::new, |s| format!(", {} states/s", thousands(s)));
    let rows = r.invariants.iter().enumerate().map(|(i, (name, trace))| match trace {
        None => html! {
            <li class="inv holds" data-model-invariant={name.clone()} data-status="holds">
                <span class="status">{ "✓ holds" }</span>
                <span class="name">{ name.clone() }</span>
            </li>
        },
        Some(trace) => {
            let on_watch = on_watch.clone();
            let onclick = Callback::from(move |_: MouseEvent| on_watch.emit((i, 0)));
            let active = watching.is_some_and(|(w, _)| w == i);
            html! {
                <li class={classes!("inv", "violated", active.then_some("watching"))} data-model-invariant={name.clone()}
                    data-status="violated" data-states={trace.len().to_string()}>
                    <span class="status">{ "✗ VIOLATED" }</span>
                    <span class="name">{ name.clone() }</span>
                    { format!(" · shortest counterexample: {} states ", trace.len()) }
                    <button type="button" {onclick} data-testid={format!("model-watch-{name}")}>{ "Watch" }</button>
                </li>
            }
        }
    });
    let broken = r.invariants.iter().filter(|(_, t)| t.is_some()).count();
    let complete = r.status == Status::Complete;
    let headline = match (broken, complete) {
        (0, true) => "Every invariant holds in every reachable state.".to_string(),
        (0, false) => "No invariant breaks in the states explored.".to_string(),
        (1, _) => "1 invariant breaks.".to_string(),
        (n, _) => format!("{n} invariants break."),
    };
    html! {
        <div class="model-result" data-testid="model-result" data-distinct={r.distinct_states.to_string()}
            data-generated={r.generated_states.to_string()} data-depth={r.depth.to_string()} data-status={r.status.as_str()}>
            <p class="headline">{ headline }</p>
            <p class="figures" data-testid="model-figures">
                { format!("Variant {}, MaxFailures = {}, NoMessages = {}: ", r.variant.name(), r.max_failures, r.messages) }
                <strong data-testid="model-distinct">{ thousands(r.distinct_states) }</strong>
                { format!(" distinct states, {} generated, depth {}, in {}{} · {}",
                    thousands(r.generated_states), r.depth, duration(r.elapsed_ms), rate, status_text(r.status)) }
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
    let watching = use_state(|| None::<(usize, usize)>);
    // A click on Watch scrolls the stepper into view (the side panel is short); stepping does not.
    let watch_node = use_node_ref();
    let scroll_to_watch = use_mut_ref(|| false);
    {
        let node = watch_node.clone();
        let pending = scroll_to_watch.clone();
        use_effect_with(*watching, move |_| {
            if std::mem::take(&mut *pending.borrow_mut()) {
                if let Some(el) = node.cast::<web_sys::Element>() {
                    el.scroll_into_view();
                }
            }
        });
    }
    let flight: Rc<RefCell<Flight>> = use_mut_ref(Flight::default);
    {
        let flight = flight.clone();
        use_effect_with((), move |_| move || flight.borrow().cancel());
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
        let watching = watching.clone();
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
            let model = match MessageHandler::new(variant, max_failures, messages) {
                Ok(m) => m,
                Err(e) => {
                    phase.set(Phase::Failed(format!(
                        "These constants do not fit the model: {e}"
                    )));
                    return;
                }
            };
            let bounds = Bounds {
                max_distinct_states: max_states,
                ..Bounds::default()
            };
            let mut explorer = match Explorer::new(model, bounds) {
                Ok(x) => x,
                Err(e) => {
                    phase.set(Phase::Failed(format!("The explorer cannot start: {e}")));
                    return;
                }
            };
            let (token, serial) = flight.borrow_mut().start();
            watching.set(None);
            phase.set(Phase::Running {
                tick: Tick {
                    progress: explorer.progress(),
                    elapsed_ms: 0.0,
                },
                max_states,
            });
            let phase = phase.clone();
            let watching = watching.clone();
            let flight = flight.clone();
            yew::platform::spawn_local(async move {
                let current = |flight: &Rc<RefCell<Flight>>| flight.borrow().is_current(serial);
                let last = drive(&mut explorer, &token, |tick| {
                    if current(&flight) {
                        phase.set(Phase::Running { tick, max_states });
                    }
                })
                .await;
                if !current(&flight) {
                    return;
                }
                let report = explorer.report();
                let model = explorer.model();
                let invariants: Vec<(String, Option<Rc<Vec<ModelStep>>>)> = report
                    .invariants
                    .iter()
                    .map(|inv| {
                        (
                            inv.name.clone(),
                            inv.counterexample()
                                .map(|cx| Rc::new(model_trace(model, cx))),
                        )
                    })
                    .collect();
                // The first broken invariant is watched at once: what the user came for.
                let first = invariants.iter().position(|(_, t)| t.is_some());
                phase.set(Phase::Done(Rc::new(ModelResult {
                    variant,
                    max_failures,
                    messages,
                    distinct_states: report.distinct_states,
                    generated_states: report.generated_states,
                    depth: report.depth,
                    status: report.status,
                    elapsed_ms: last.elapsed_ms,
                    invariants,
                })));
                watching.set(first.map(|i| (i, 0)));
            });
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
    let on_watch = {
        let watching = watching.clone();
        let node = watch_node.clone();
        let pending = scroll_to_watch.clone();
        Callback::from(move |w: (usize, usize)| {
            if *watching == Some(w) {
                // Nothing re-renders: scroll now.
                if let Some(el) = node.cast::<web_sys::Element>() {
                    el.scroll_into_view();
                }
            } else {
                *pending.borrow_mut() = true;
                watching.set(Some(w));
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
                    <progress max="1" value={format!("{fraction:.3}")} aria-label="model checking progress"></progress>
                    <p class="check-progress" aria-live="polite">{ progress_line(tick) }</p>
                    <button type="button" onclick={oncancel} data-testid="model-cancel">{ "Cancel" }</button>
                </div>
            }
        }
        Phase::Done(result) => {
            let watched = watching.and_then(|(i, at)| {
                let (name, trace) = result.invariants.get(i)?;
                let trace = trace.clone()?;
                let watching = watching.clone();
                let set_at = Callback::from(move |to: usize| watching.set(Some((i, to))));
                Some(watch(name, &trace, at, set_at, watch_node.clone()))
            });
            html! {
                <>
                    { result_view(result, *watching, on_watch) }
                    { for watched }
                </>
            }
        }
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
