//! Presenter mode in a real browser: the keys reach the app, full screen refused by a headless
//! browser is a sentence and not an error, the theme and the chapter link land where CSS and
//! the address bar read them.
#![cfg(target_arch = "wasm32")]

mod common;

use common::document;
use exactly_once_web::edition::Full;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .expect("window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .expect("setTimeout");
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .expect("tick");
}

fn press(key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    let e =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("event");
    document().dispatch_event(&e).expect("dispatch");
}

fn exists(selector: &str) -> bool {
    document().query_selector(selector).ok().flatten().is_some()
}

#[wasm_bindgen_test]
async fn presenter_keys_open_help_and_escape_leaves() {
    common::mount::<Full>();
    sleep_ms(10).await;
    assert!(exists("[data-testid=playground]"));
    assert!(!exists("[data-presenter=true]"));
    press("p");
    sleep_ms(10).await;
    assert!(exists("[data-presenter=true]"), "P enters presenter mode");
    assert!(
        !exists(".side-tabs"),
        "presenter mode hides the editing panels"
    );
    press("?");
    sleep_ms(10).await;
    assert!(exists("[data-testid=help-overlay]"));
    press("Escape");
    sleep_ms(10).await;
    assert!(!exists("[data-testid=help-overlay]"));
    assert!(
        exists("[data-presenter=true]"),
        "the first Escape only closes the help"
    );
    press("b");
    sleep_ms(10).await;
    assert!(exists("[data-testid=blank]"));
    press("Escape");
    press("Escape");
    sleep_ms(10).await;
    assert!(!exists("[data-testid=blank]"));
    assert!(!exists("[data-presenter=true]"));
    assert!(exists(".side-tabs"));
}

#[wasm_bindgen_test]
async fn full_screen_refused_is_a_sentence_not_an_error() {
    let said: Rc<RefCell<Option<String>>> = Rc::default();
    let out = said.clone();
    exactly_once_web::browser::toggle_fullscreen(move |why| *out.borrow_mut() = Some(why));
    sleep_ms(200).await;
    let granted = document().fullscreen_element().is_some();
    // A headless browser refuses full screen without a user gesture; either way nothing throws.
    assert!(granted || said.borrow().as_deref().is_some_and(|s| !s.is_empty()));
}

#[wasm_bindgen_test]
fn theme_and_chapter_link_reach_the_page() {
    exactly_once_web::browser::set_theme_attribute("contrast");
    let root = document().document_element().expect("html");
    assert_eq!(
        root.get_attribute("data-theme").as_deref(),
        Some("contrast")
    );
    let before = web_sys::window()
        .expect("w")
        .location()
        .href()
        .expect("href");
    exactly_once_web::browser::set_query("chapter=ghost-message&at=3", false);
    let location = web_sys::window().expect("w").location();
    assert_eq!(
        location.search().expect("search"),
        "?chapter=ghost-message&at=3"
    );
    assert_eq!(location.hash().expect("hash"), "");
    // Put the runner's own address back.
    let _ = web_sys::window()
        .expect("w")
        .history()
        .expect("history")
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&before));
}
