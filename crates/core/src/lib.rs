//! Exactly-Once Playground core: a deterministic simulation of message-driven services.
//!
//! Pure and deterministic: no I/O, no wall clock, no OS randomness, no hash-ordered iteration.
//! The same scenario and seed give the same trace natively and in wasm32.

pub mod check;

/// The version of this crate, shown by the CLI and the page.
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
