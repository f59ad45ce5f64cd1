//! Manual mode: instead of the seeded scheduler, the user picks the next step among the choices
//! the core enables (deliver this copy, run this attempt's next step with or without a chaos
//! rule firing, start a script step, let time pass), as when stepping a model checker by hand.

use crate::settings::format_script;
use crate::state::{UiAction, UiState};
use crate::views::on_click;
use crate::views::topology::op_name;
use crate::views::{attr, el_on, node, seconds, txt, Dispatch};
use exactly_once_core::world::Choice;
use exactly_once_core::World;
use std::rc::Rc;
use yew::html::onclick;
use yew::prelude::*;

/// One enabled choice in words.
pub fn describe_choice(w: &World, c: &Choice) -> String {
    match c {
        Choice::Request { step, pass } => {
            let what = w
                .scenario()
                .script
                .get(*step as usize)
                .map(|s| format_script(std::slice::from_ref(s)))
                .unwrap_or_default();
            if *pass == 0 {
                format!("Frontend: start script step {step} ({what})")
            } else {
                format!("Frontend: pass {pass} of script step {step} ({what})")
            }
        }
        Choice::Deliver { endpoint, copy } => {
            let msg = w.queues[endpoint.index()]
                .iter()
                .find(|c| c.id == *copy)
                .map(|c| c.msg.reference().to_string())
                .unwrap_or_default();
            format!(
                "{endpoint}: deliver copy c{} {msg} to an idle instance",
                copy.0
            )
        }
        Choice::Step { attempt, fire } => {
            let a = w.attempts.iter().find(|a| a.id == *attempt);
            let (who, next) = a.map_or((String::new(), String::new()), |a| {
                (
                    format!(
                        "{} instance {} ({})",
                        a.endpoint,
                        a.instance,
                        a.msg.reference()
                    ),
                    a.plan.last().map(op_name).unwrap_or_default(),
                )
            });
            let rules: Vec<String> = (0..64u32)
                .filter(|b| fire & (1u64 << b) != 0)
                .map(|b| {
                    if (b as usize) < w.scenario().chaos.len() {
                        format!("chaos rule {b}")
                    } else {
                        "a global chaos knob".to_string()
                    }
                })
                .collect();
            if rules.is_empty() {
                format!("{who}: run the next step ({next})")
            } else {
                format!(
                    "{who}: run the next step ({next}) with {} firing",
                    rules.join(" and ")
                )
            }
        }
        Choice::AdvanceTime { to_ms } => format!(
            "nothing else can happen: time passes to {}",
            seconds(*to_ms)
        ),
    }
}

pub fn manual(s: &UiState, d: &Dispatch) -> Html {
    let act = |a: UiAction| on_click(d, a);
    let Some(path) = &s.manual else {
        return html! {
            <section class="manual" data-testid="manual">
                <p class="help">{ "Take over the scheduler: from the playhead on, you pick every next step among the ones the core enables, as when stepping a model checker by hand. The chosen path is kept with the scenario." }</p>
                <button type="button" onclick={act(UiAction::EnterManual)} data-testid="manual-start" disabled={s.run.is_none()}>{ "Take over at the playhead" }</button>
            </section>
        };
    };
    let Some(run) = s.run.as_ref().filter(|r| r.manual) else {
        return html! { <section class="manual" data-testid="manual"><p>{ "Computing…" }</p></section> };
    };
    let mut choices = Vec::new();
    run.last_world.choices(&mut choices);
    html! {
        <section class="manual" data-testid="manual">
            <p><strong>{ "Manual mode" }</strong>{ format!(" · {} steps on the path · virtual time {}", path.len(), seconds(run.last_world.now_ms)) }</p>
            <p class="manual-actions">
                <button type="button" onclick={act(UiAction::UndoChoice)} data-testid="manual-undo" disabled={path.is_empty()}>{ "Undo the last step" }</button>
                <button type="button" onclick={act(UiAction::FinishWithScheduler)} data-testid="manual-finish" disabled={choices.is_empty()}
                    title="The seeded scheduler takes the remaining steps; they stay on the path">{ "Let the scheduler finish" }</button>
                <button type="button" onclick={act(UiAction::LeaveManual)} data-testid="manual-leave">{ "Back to the seeded scheduler" }</button>
            </p>
            if choices.is_empty() {
                <p>{ "Nothing more can happen: the run is over, and the verdict is final." }</p>
            } else {
                <h3>{ format!("Pick the next step · {} enabled", choices.len()) }</h3>
                <ol class="choices" start="0">
                    { for choices.iter().enumerate().map(|(i, c)| node("li", Some(i.into()), &[], Vec::new(), Vec::new(), vec![el_on(
                        "button",
                        &["type", "data-testid"],
                        vec![attr("button"), Some(format!("choice-{i}").into())],
                        vec![Rc::new(onclick::Wrapper::new(act(UiAction::Choose(i as u32))))],
                        vec![txt(describe_choice(&run.last_world, c).into())],
                    )])) }
                </ol>
            }
        </section>
    }
}
