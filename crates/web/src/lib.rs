//! The Exactly-Once Playground page: a Yew app (client-side rendering) over the deterministic core.
//!
//! The page never owns business logic: it asks the core for a run and animates the resulting trace.
//! Pure parts (state, geometry, verdict sentences, settings paths) are plain modules tested
//! natively; `app` and `views` render them.

pub mod anim;
pub mod app;
pub mod bench;
pub mod browser;
pub mod chapter_state;
pub mod checker;
pub mod compute;
pub mod edition;
pub mod model;
pub mod panic_overlay;
pub mod presenter;
pub mod settings;
pub mod share;
pub mod state;
pub mod verdict;
pub mod views;
pub mod whatif;
pub mod worker_client;

/// Installs the panic overlay and mounts the app of edition `E` (see `edition`) in an element of
/// its own on `<body>`. The full bundle first stops the player it replaces, in the same task, so
/// the page is never blank; the player's element goes with it, and with it the event listeners
/// Yew keeps on its app's root.
pub fn start<E: edition::Edition>() {
    panic_overlay::install();
    #[cfg(feature = "bench")]
    if bench::requested() {
        bench::run();
        return;
    }
    let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    else {
        return;
    };
    let Some(root) = body
        .owner_document()
        .and_then(|d| d.create_element("div").ok())
    else {
        return;
    };
    // The root must not change the layout of the page it holds.
    let _ = root.set_attribute("style", "display: contents");
    let _ = body.append_child(&root);
    if E::FULL {
        edition::stop_player();
    }
    let app = yew::Renderer::<app::App<E>>::with_root(root.clone()).render();
    if !E::FULL {
        edition::register_stop(move || {
            app.destroy();
            root.remove();
        });
    }
}
