//! Exactly-Once Playground core: a deterministic simulation of message-driven services.
//!
//! A Frontend runs the user's script (console commands, an importer, or a shopping cart with its
//! submit flow); Orders handles `SubmitOrder`/`AddItem`/`RemoveItem` and publishes `ItemAdded`,
//! `ItemRemoved` and `FirstItemAdded`; Shipping keeps a packing list and Marketing counts events.
//! Between them sits an at-least-once broker with leases, immediate retries and an error queue, and
//! each endpoint has a versioned document store with optimistic concurrency, an inbox, an
//! out-of-document outbox and a shared token store. Every handler's logic (order of operations,
//! duplicate check, outgoing ids, dispatch, the outbox/inbox/token strategies of the workshop) and
//! every chaos rule comes from a [`scenario::Scenario`]. The [`world::World`] is a state machine:
//! [`world::World::choices`] lists what may happen next and [`world::World::apply`] is the only way
//! it changes; the [`sim::Simulator`] picks choices with the scenario's one seeded ChaCha8
//! generator, and [`invariants`] watches the workshop's invariants after every event.
//!
//! Pure and deterministic: no I/O, no wall clock, no OS randomness, no hash-ordered iteration.
//! The same scenario and seed give the same trace natively and in wasm32.

pub mod broker;
pub mod chapters;
pub mod check;
pub mod deterministic_id;
mod enum_serde;
mod frontend;
mod handler;
pub mod ids;
pub mod invariants;
pub mod json_path;
pub mod link;
pub mod presets;
pub mod prng;
pub mod scenario;
pub mod sim;
pub mod store;
pub mod trace;
pub mod vec_map;
pub mod workloads;
pub mod world;

pub use scenario::Scenario;
pub use sim::{replay, run_to_end, Run, Simulator};
pub use world::{Choice, World};

/// The version of this crate, shown by the CLI and the page.
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// The preset whose trace pins [`reference_trace_hash`].
pub const REFERENCE_PRESET: &str = "c10-before";

/// A platform-independent 64-bit FNV-1a hash of the text trace of [`REFERENCE_PRESET`]: the same
/// value natively and in wasm32 shows that the simulation is deterministic across platforms.
pub fn reference_trace_hash() -> u64 {
    let Some(p) = presets::get(REFERENCE_PRESET) else {
        return 0;
    };
    match run_to_end(&p.scenario) {
        Ok(run) => trace::fnv1a64(run.trace_text().as_bytes()),
        Err(_) => 0,
    }
}
