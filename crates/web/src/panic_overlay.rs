//! A panic in the page must never leave a blank or frozen page: the hook shows the message in a
//! visible overlay (and the console), and records it where the end-to-end suite looks for errors.

use wasm_bindgen::{JsCast, JsValue};

/// The id of the overlay element; the end-to-end suite fails when it is present.
pub const OVERLAY_ID: &str = "eop-error-overlay";

/// Installs the panic hook: console message first (so nothing is lost), then the overlay.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show(&format!("a bug in the page: {info}"));
    }));
}

/// Shows `message` in the error overlay, creating it if needed, and records it in
/// `window.__eopErrors`. Safe to call outside a browser: it then does nothing.
pub fn show(message: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Ok(errors) = js_sys::Reflect::get(&window, &JsValue::from_str("__eopErrors")) {
        if let Ok(array) = errors.dyn_into::<js_sys::Array>() {
            array.push(&JsValue::from_str(message));
        }
    }
    let Some(document) = window.document() else {
        return;
    };
    let overlay = match document.get_element_by_id(OVERLAY_ID) {
        Some(existing) => existing,
        None => {
            let Ok(created) = document.create_element("div") else {
                return;
            };
            created.set_id(OVERLAY_ID);
            let _ = created.set_attribute("role", "alert");
            let Some(body) = document.body() else {
                return;
            };
            let _ = body.append_child(&created);
            created
        }
    };
    let Ok(line) = document.create_element("div") else {
        return;
    };
    line.set_text_content(Some(&format!(
        "The playground stopped: {message}. Reload the page to start again."
    )));
    let _ = overlay.append_child(&line);
}
