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

/// Installs the panic overlay and mounts the app on `<body>`.
pub fn start() {
    panic_overlay::install();
    #[cfg(feature = "bench")]
    if bench::requested() {
        bench::run();
        return;
    }
    yew::Renderer::<app::App>::new().render();
}
