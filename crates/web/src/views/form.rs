//! Building blocks the panels share. Each is one non-generic function called with data: every
//! `html!` element and every distinct closure is its own code in the bundle, so a pattern the
//! panels repeat is written once here.

use crate::checker::{fraction_value, progress_line, Flight, Tick};
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Markup with no listeners and no changing parts, as one string the browser parses: the bundle
/// then holds its text instead of the code that builds each element. The text must be escaped
/// HTML and have no whitespace between elements (it would become text nodes).
pub fn raw(html: &'static str) -> Html {
    Html::from_html_unchecked(AttrValue::Static(html))
}

/// `text` as HTML text or attribute value.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The value of the input an event came from.
fn input_value(e: &Event) -> Option<String> {
    e.target_dyn_into::<HtmlInputElement>().map(|i| i.value())
}

/// A labelled number field of the check forms. `id` is also its test id; an error marks the
/// field invalid and is shown below it; both typing and a change report the text to `onedit`.
pub fn check_field(
    label: &str,
    id: &'static str,
    value: &str,
    error: Option<&str>,
    help: Option<&'static str>,
    onedit: Callback<String>,
) -> Html {
    let oninput = {
        let onedit = onedit.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(v) = input_value(&e) {
                onedit.emit(v);
            }
        })
    };
    let onchange = Callback::from(move |e: Event| {
        if let Some(v) = input_value(&e) {
            onedit.emit(v);
        }
    });
    let invalid = error.is_some();
    html! {
        <div class={if invalid { "check-field invalid" } else { "check-field" }}>
            <label for={id}>{ label.to_string() }</label>
            <input {id} type="text" inputmode="numeric" value={value.to_string()} data-testid={id}
                title={help} {onchange} {oninput} aria-invalid={if invalid { "true" } else { "false" }} />
            if let Some(e) = error {
                <span class="field-error" role="alert" data-testid={format!("error-{id}")}>{ e.to_string() }</span>
            }
        </div>
    }
}

/// A search in the checker's worker, running: its progress bar and line, and Cancel. The test ids
/// are the box's, its progress line's (if it has one) and Cancel's.
pub fn search_running(
    testids: (&'static str, Option<&'static str>, &'static str),
    label: &'static str,
    fraction: f64,
    tick: &Tick,
    flight: &Rc<RefCell<Flight>>,
) -> Html {
    let (testid, progress_testid, cancel_testid) = testids;
    let oncancel = {
        let flight = flight.clone();
        Callback::from(move |_: MouseEvent| flight.borrow().cancel())
    };
    html! {
        <div class="check-running" data-testid={testid}>
            <progress max="1" value={fraction_value(fraction)} aria-label={label}></progress>
            <p class="check-progress" data-testid={progress_testid} aria-live="polite">{ progress_line(tick) }</p>
            <button type="button" onclick={oncancel} data-testid={cancel_testid}>{ "Cancel" }</button>
        </div>
    }
}
