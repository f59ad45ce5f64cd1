//! Component tests in a real browser (headless Chromium through wasm-bindgen-test-runner).
#![cfg(target_arch = "wasm32")]

use exactly_once_web::{app::App, panic_overlay};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

/// Yields to the browser so that Yew's scheduled render runs.
async fn next_tick() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .expect("window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
            .expect("setTimeout");
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .expect("tick");
}

#[wasm_bindgen_test]
async fn app_renders_the_playground() {
    let host = document().create_element("div").expect("div");
    document()
        .body()
        .expect("body")
        .append_child(&host)
        .expect("append");
    yew::Renderer::<App>::with_root(host.clone()).render();
    next_tick().await;
    let main = host
        .query_selector("[data-testid=playground]")
        .expect("query")
        .expect("the playground is rendered");
    assert!(main
        .text_content()
        .unwrap_or_default()
        .contains("Exactly-Once Playground"));
}

#[wasm_bindgen_test]
fn error_overlay_shows_the_message() {
    assert!(document()
        .get_element_by_id(panic_overlay::OVERLAY_ID)
        .is_none());
    panic_overlay::show("something broke");
    let overlay = document()
        .get_element_by_id(panic_overlay::OVERLAY_ID)
        .expect("overlay is shown");
    assert!(overlay
        .text_content()
        .unwrap_or_default()
        .contains("something broke"));
    assert_eq!(overlay.get_attribute("role").as_deref(), Some("alert"));
    overlay.remove();
}
