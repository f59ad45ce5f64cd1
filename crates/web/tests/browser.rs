//! Component tests in a real browser (headless Chromium through wasm-bindgen-test-runner).
#![cfg(target_arch = "wasm32")]

mod common;

use common::document;
use exactly_once_web::edition::{Full, Player};
use exactly_once_web::panic_overlay;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

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
    let host = mount();
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

/// Mounts a fresh full page in its own host element.
fn mount() -> web_sys::Element {
    common::mount::<Full>()
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

/// The runner's address, to put back with [`restore_address`].
fn address() -> String {
    web_sys::window()
        .expect("window")
        .location()
        .href()
        .expect("href")
}

/// Puts the runner's address back and forgets the autosave, so that the tests after a test whose
/// app wrote its moment there open the default scenario again.
fn restore_address(before: &str) {
    let w = web_sys::window().expect("window");
    let _ = w.history().expect("history").replace_state_with_url(
        &wasm_bindgen::JsValue::NULL,
        "",
        Some(before),
    );
    if let Ok(Some(storage)) = w.local_storage() {
        let _ = storage.remove_item(exactly_once_web::share::AUTOSAVE_KEY);
    }
}

fn text_of(host: &web_sys::Element, testid: &str) -> String {
    host.query_selector(&format!("[data-testid=\"{testid}\"]"))
        .ok()
        .flatten()
        .and_then(|e| e.text_content())
        .unwrap_or_default()
}

/// The player has no editing panels: asked for one, it hands its moment and the tab over to the
/// full bundle. This test page has no loader for that bundle, so the player must say so and keep
/// working.
#[wasm_bindgen_test]
async fn the_player_hands_an_editing_tab_over_and_keeps_working_without_the_full_bundle() {
    use exactly_once_web::edition::take_handoff;
    use exactly_once_web::state::Tab;
    let before = address();
    let host = common::mount::<Player>();
    until("the run", || main_attr(&host, "data-ready") == "true").await;
    assert_eq!(main_attr(&host, "data-edition"), "player");
    click(&host, "violation-NoGhostMessages");
    until("the playhead on the violation", || {
        main_attr(&host, "data-cursor") != "0"
    })
    .await;
    let cursor = main_attr(&host, "data-cursor");
    click(&host, "tab-settings");
    until("the player to say the editor is missing", || {
        text_of(&host, "opening-full").contains("could not be loaded")
    })
    .await;
    assert!(
        host.query_selector("[data-testid=\"field-orders.add_item.order\"]")
            .expect("query")
            .is_none(),
        "the player has no settings form"
    );
    let handoff = take_handoff().expect("the player left its moment for the full bundle");
    assert_eq!(handoff.tab, Some(Tab::Settings));
    assert!(!handoff.playing);
    assert_eq!(handoff.speed, Some(1.0));
    let fragment = handoff.fragment.expect("a moment");
    let moment = exactly_once_core::link::decode(&fragment).expect("a share link");
    assert_eq!(moment.at_event.map(|m| m.to_string()), Some(cursor.clone()));
    // Still the player: its own tabs work.
    click(&host, "tab-inspector");
    until("the inspector", || {
        host.query_selector("[data-testid=opening-full]")
            .ok()
            .flatten()
            .is_none()
    })
    .await;
    assert_eq!(main_attr(&host, "data-cursor"), cursor);
    host.remove();
    restore_address(&before);
}

/// The full bundle opens the player's moment on the player's tab, and plays on at its speed.
#[wasm_bindgen_test]
async fn the_full_app_opens_the_moment_and_tab_the_player_handed_over() {
    use exactly_once_web::edition::{write_handoff, Handoff};
    use exactly_once_web::state::Tab;
    use wasm_bindgen::JsCast;
    let preset = exactly_once_core::presets::get("c07-before").expect("preset");
    let moment = exactly_once_core::link::SharedMoment {
        scenario: preset.scenario.clone(),
        at_event: Some(7),
        path: None,
        view: exactly_once_core::link::View::Topology,
        selected: None,
    };
    let before = address();
    write_handoff(&Handoff {
        fragment: Some(exactly_once_core::link::encode(&moment)),
        query: None,
        tab: Some(Tab::Share),
        playing: true,
        speed: Some(0.25),
    });
    let host = mount();
    until("the run", || main_attr(&host, "data-ready") == "true").await;
    assert!(
        exactly_once_web::edition::take_handoff().is_none(),
        "the handoff is read once, by the app's first render"
    );
    assert_eq!(main_attr(&host, "data-edition"), "full");
    assert_eq!(main_attr(&host, "data-preset"), "c07-before");
    // It plays on from event 7, at the player's speed (the speed list's second entry: 0.25x).
    until("playing", || {
        attr(&host, "[data-testid=play]", "aria-pressed").as_deref() == Some("true")
    })
    .await;
    let cursor: u32 = main_attr(&host, "data-cursor").parse().expect("a cursor");
    assert!((7..12).contains(&cursor), "{cursor}");
    let speed: web_sys::HtmlSelectElement = host
        .query_selector("[data-testid=speed]")
        .expect("query")
        .expect("the speed")
        .dyn_into()
        .expect("select");
    assert_eq!(speed.value(), "1");
    assert!(host
        .query_selector("[data-testid=share-panel]")
        .expect("query")
        .is_some());
    host.remove();
    restore_address(&before);
}
