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

/// Mounts a fresh App in its own host element.
fn mount() -> web_sys::Element {
    let host = document().create_element("div").expect("div");
    document()
        .body()
        .expect("body")
        .append_child(&host)
        .expect("append");
    yew::Renderer::<App>::with_root(host.clone()).render();
    host
}

/// Waits (yielding to the browser) until `ready` holds, at most about five seconds.
async fn until(what: &str, mut ready: impl FnMut() -> bool) {
    for _ in 0..500 {
        if ready() {
            return;
        }
        next_tick().await;
    }
    panic!("timed out waiting for {what}");
}

fn attr(host: &web_sys::Element, selector: &str, name: &str) -> Option<String> {
    host.query_selector(selector)
        .ok()
        .flatten()
        .and_then(|e| e.get_attribute(name))
}

fn main_attr(host: &web_sys::Element, name: &str) -> String {
    attr(host, "[data-testid=playground]", name).unwrap_or_default()
}

fn status(host: &web_sys::Element, invariant: &str) -> Option<String> {
    attr(
        host,
        &format!("[data-invariant={invariant}]"),
        "data-status",
    )
}

#[wasm_bindgen_test]
async fn the_default_scenario_computes_and_shows_the_ghost() {
    let host = mount();
    until("the run", || main_attr(&host, "data-ready") == "true").await;
    assert_eq!(main_attr(&host, "data-preset"), "c05-before");
    assert_eq!(
        status(&host, "NoGhostMessages").as_deref(),
        Some("violated")
    );
    assert_eq!(status(&host, "NoLostMessages").as_deref(), Some("holds"));
    let sentence = host
        .query_selector("[data-invariant=NoGhostMessages] .sentence")
        .expect("query")
        .and_then(|e| e.text_content())
        .unwrap_or_default();
    assert!(sentence.contains("a ghost message"), "{sentence}");
    // The topology draws the endpoints of the scenario.
    for e in ["Frontend", "Orders", "Shipping"] {
        assert!(
            host.query_selector(&format!("[data-endpoint={e}]"))
                .expect("query")
                .is_some(),
            "{e} is drawn"
        );
    }
    host.remove();
}

fn click(host: &web_sys::Element, testid: &str) {
    use wasm_bindgen::JsCast;
    host.query_selector(&format!("[data-testid=\"{testid}\"]"))
        .expect("query")
        .unwrap_or_else(|| panic!("no {testid}"))
        .dyn_into::<web_sys::HtmlElement>()
        .expect("html element")
        .click();
}

#[wasm_bindgen_test]
async fn jumping_to_the_violation_selects_the_ghost_and_an_edit_fixes_it() {
    use wasm_bindgen::JsCast;
    let host = mount();
    until("the run", || main_attr(&host, "data-ready") == "true").await;
    click(&host, "violation-NoGhostMessages");
    until("the inspector", || {
        attr(&host, "[data-testid=inspect-message]", "data-msg").is_some()
    })
    .await;
    let msg = attr(&host, "[data-testid=inspect-message]", "data-msg").unwrap_or_default();
    assert!(host
        .query_selector(&format!(
            "[data-testid=topology] .msg.hl[data-msg=\"{msg}\"]"
        ))
        .expect("query")
        .is_some());
    assert_ne!(main_attr(&host, "data-cursor"), "0");
    // Settings: store, then publish.
    click(&host, "tab-settings");
    until("the settings form", || {
        host.query_selector("[data-testid=\"field-orders.add_item.order\"]")
            .ok()
            .flatten()
            .is_some()
    })
    .await;
    let select: web_sys::HtmlSelectElement = host
        .query_selector("[data-testid=\"field-orders.add_item.order\"]")
        .expect("query")
        .expect("the order select")
        .dyn_into()
        .expect("select");
    select.set_value("store_then_publish");
    select
        .dispatch_event(&web_sys::Event::new("change").expect("event"))
        .expect("dispatch");
    until("the fixed verdict", || {
        status(&host, "NoGhostMessages").as_deref() == Some("holds")
            && main_attr(&host, "data-ready") == "true"
    })
    .await;
    host.remove();
}
