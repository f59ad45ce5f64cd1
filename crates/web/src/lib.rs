//! The Exactly-Once Playground page: a Yew app (client-side rendering) over the deterministic core.
//!
//! The page never owns business logic: it asks the core for a run and animates the resulting trace.

pub mod app;
pub mod panic_overlay;

/// Installs the panic overlay and mounts the app on `<body>`.
pub fn start() {
    panic_overlay::install();
    yew::Renderer::<app::App>::new().render();
}
