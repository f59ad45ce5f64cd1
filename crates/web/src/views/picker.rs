//! The preset picker, grouped by workshop exercise, and the one-line hint of what to try.

use crate::state::{UiAction, UiState};
use crate::views::form::escape;
use crate::views::on_click;
use crate::views::Dispatch;
use exactly_once_core::presets;
use std::cell::RefCell;
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

/// The picker's options, grouped by exercise in the workshop's order (a group is where its
/// exercise first appears), `current` selected: markup, since the list is long and only changes
/// with the current preset (the last one built is kept, the page re-renders every frame).
fn options(current: &str) -> AttrValue {
    thread_local! {
        static BUILT: RefCell<Option<(String, AttrValue)>> = const { RefCell::new(None) };
    }
    BUILT.with(|built| {
        if let Some((id, html)) = &*built.borrow() {
            if id == current {
                return html.clone();
            }
        }
        let mut groups: Vec<(String, String)> = Vec::new();
        for p in presets::all() {
            let option = format!(
                r#"<option value="{}"{}>{} · {}</option>"#,
                escape(&p.id),
                if p.id == current { " selected" } else { "" },
                escape(&p.id),
                escape(&p.title)
            );
            match groups.iter_mut().find(|(ex, _)| *ex == p.exercise) {
                Some((_, options)) => options.push_str(&option),
                None => groups.push((p.exercise, option)),
            }
        }
        let mut html = String::from(if current.is_empty() {
            r#"<option value="" selected disabled>a scenario that is not a preset</option>"#
        } else {
            ""
        });
        for (ex, options) in groups {
            html += &format!(r#"<optgroup label="{}">{options}</optgroup>"#, escape(&ex));
        }
        let html = AttrValue::from(html);
        *built.borrow_mut() = Some((current.to_string(), html.clone()));
        html
    })
}

/// The preset picker, and the way to the fix of a "before" preset.
pub fn picker(current: Option<&str>, d: &Dispatch) -> Html {
    let onchange = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let el: HtmlSelectElement = e.target_unchecked_into();
            d.dispatch(UiAction::SelectPreset(el.value()));
        })
    };
    let current = current.unwrap_or_default();
    // The page renders every frame: the fix's id is looked up among the files, not parsed.
    let fix = current
        .strip_suffix("-before")
        .map(|stem| format!("{stem}-after"))
        .filter(|id| presets::files().iter().any(|(name, _)| name == id));
    let open_fix = fix.map(|id| {
        html! { <button type="button" onclick={on_click(d, UiAction::SelectPreset(id.clone()))} data-testid="open-fix">{ format!("Show the fix ({id})") }</button> }
    });
    html! {
        <div class="picker">
            <label>{ "Scenario " }
                <select {onchange} data-testid="preset-select" aria-label="preset scenario">
                    { Html::from_html_unchecked(options(current)) }
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
