//! The preset picker, grouped by workshop exercise, and the one-line hint of what to try.

use crate::state::{UiAction, UiState};
use crate::views::on_click;
use crate::views::Dispatch;
use exactly_once_core::presets::{self, Preset};
use std::collections::BTreeMap;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// What to try with a preset, in one line.
pub fn hint(id: &str) -> String {
    match id {
        "c05-before" => "Press Play (Space): Shipping hears about SwissCheese, then Orders' store fails. Then, in Settings, set AddItem's order of operations to store_then_publish.".into(),
        "c07-before" => "Press Play: the late copy of AddItem(Mushrooms) re-adds what the user removed. Then set the duplicate check of AddItem and RemoveItem to processed_ids.".into(),
        "c11-before" => "Press Play: the in-document outbox publishes ItemAdded twice with one id. Then set Marketing's duplicate check to processed_ids.".into(),
        _ if id.ends_with("-before") => {
            let after = id.replace("-before", "-after");
            match presets::get(&after) {
                Some(p) => format!("Press Play and watch the verdict; then compare with the fix, {after}: {}.", p.title),
                None => "Press Play and watch the verdict.".into(),
            }
        }
        _ => "Press Play: with the fix every invariant of this exercise should hold.".into(),
    }
}

/// Presets grouped by exercise, in the workshop's order.
pub fn grouped() -> Vec<(String, Vec<Preset>)> {
    let mut groups: BTreeMap<String, Vec<Preset>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for p in presets::all() {
        if !groups.contains_key(&p.exercise) {
            order.push(p.exercise.clone());
        }
        groups.entry(p.exercise.clone()).or_default().push(p);
    }
    order
        .into_iter()
        .filter_map(|ex| groups.remove(&ex).map(|v| (ex, v)))
        .collect()
}

#[derive(Properties, PartialEq)]
pub struct PickerProps {
    pub current: Option<String>,
    pub dispatch: Dispatch,
}

/// A component: the preset list is long and does not change while the player runs.
#[component]
pub fn Picker(props: &PickerProps) -> Html {
    let groups = use_memo((), |_| grouped());
    let onchange = {
        let d = props.dispatch.clone();
        Callback::from(move |e: Event| {
            let el: HtmlSelectElement = e.target_unchecked_into();
            d.dispatch(UiAction::SelectPreset(el.value()));
        })
    };
    let current = props.current.clone().unwrap_or_default();
    let fix = presets::get(&current.replace("-before", "-after"))
        .filter(|_| current.ends_with("-before"));
    let open_fix = fix.as_ref().map(|p| {
        let d = props.dispatch.clone();
        let id = p.id.clone();
        let onclick = on_click(&d, UiAction::SelectPreset(id.clone()));
        html! { <button type="button" {onclick} data-testid="open-fix">{ format!("Show the fix ({})", p.id) }</button> }
    });
    html! {
        <div class="picker">
            <label>{ "Scenario " }
                <select {onchange} data-testid="preset-select" aria-label="preset scenario">
                    if current.is_empty() {
                        <option value="" selected=true disabled=true>{ "a scenario that is not a preset" }</option>
                    }
                    { for groups.iter().map(|(ex, ps)| html! {
                        <optgroup label={ex.clone()}>
                            { for ps.iter().map(|p| html! {
                                <option value={p.id.clone()} selected={p.id == current}>{ format!("{} · {}", p.id, p.title) }</option>
                            }) }
                        </optgroup>
                    }) }
                </select>
            </label>
            { for open_fix }
        </div>
    }
}

pub fn hint_line(s: &UiState) -> Html {
    let Some(id) = s.preset_id.clone() else {
        let script = &s.scenario.script;
        // `?flight=N` (the core's `workloads::in_flight`): every command at the same moment.
        let burst =
            script.len() > 1 && script.first().map(|x| x.at_ms) == script.last().map(|x| x.at_ms);
        let text = if burst {
            format!("Burst: {} user commands sent at once; Orders' handler takes a minute per step, so the messages wait in its queue.", script.len())
        } else {
            format!("Soak: {} user commands through Orders, Shipping and Marketing with outbox + inbox and chaos on.", script.len())
        };
        return html! {
            <p class="hint" data-testid="hint">{ text }</p>
        };
    };
    let edited = presets::get(&id).is_some_and(|p| p.scenario != *s.scenario);
    html! {
        <p class="hint" data-testid="hint">
            { hint(&id) }
            if edited { <span class="edited">{ " · edited" }</span> }
        </p>
    }
}
