//! The page's benchmark instrumentation. The `?bench` harness (see [`harness`]) ships only in
//! builds with the cargo feature `bench`, which `cargo xtask bench` turns on for its own build;
//! the shipped page carries none of it. The User Timing marks below stay callable from the page's
//! code in every build and cost nothing without the feature.

#[cfg(feature = "bench")]
mod harness;
#[cfg(feature = "bench")]
pub use harness::{requested, run};

/// A User Timing mark (`performance.mark`), so that `cargo xtask bench` can tell where the time of
/// a long frame went. Costs a call into the browser, so only the `bench` build makes it.
pub fn mark(name: &str) {
    if !cfg!(feature = "bench") {
        return;
    }
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
    }
}

/// A User Timing measure from the mark `start` to now (`performance.measure`).
pub fn measure(name: &str, start: &str) {
    if !cfg!(feature = "bench") {
        return;
    }
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.measure_with_start_mark(name, start);
    }
}
