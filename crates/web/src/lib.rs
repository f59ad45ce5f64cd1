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
        yew::Renderer::<app::App<E>>::with_root(root).render();
        return;
    }
    // An address the player cannot show (a chapter's link, manual mode's) goes straight to the
    // full bundle, which reads the address as on a reload; the player mounts only if that
    // bundle cannot be loaded, and then says why.
    let first = app::initial_state(None);
    if edition::needs_full(&first) {
        root.set_text_content(Some("Opening the playground…"));
        let placeholder = root.clone();
        edition::register_stop(move || placeholder.remove());
        yew::platform::spawn_local(async move {
            if edition::load_full().await.is_err() {
                root.set_text_content(None);
                mount_player(root);
            }
        });
        return;
    }
    app::set_first_state(first);
    mount_player(root);
}

/// Mounts the player in `root`; the full bundle's start stops it.
fn mount_player(root: web_sys::Element) {
    let app = yew::Renderer::<app::App<edition::Player>>::with_root(root.clone()).render();
    edition::register_stop(move || {
        app.destroy();
        root.remove();
    });
}
