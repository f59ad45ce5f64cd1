//! What the browser tests share.

use exactly_once_web::app::App;
use exactly_once_web::edition::Edition;

pub fn document() -> web_sys::Document {
    web_sys::window()
        .expect("window")
        .document()
        .expect("document")
}

/// Mounts a fresh app of edition `E` (the player or the full page) in a host element of its own.
pub fn mount<E: Edition>() -> web_sys::Element {
    let host = document().create_element("div").expect("div");
    document()
        .body()
        .expect("body")
        .append_child(&host)
        .expect("append");
    yew::Renderer::<App<E>>::with_root(host.clone()).render();
    host
}
