//! Exhaustive checking: a bounded breadth-first explorer and the built-in reference model.
//!
//! * [`Model`]: the interface a checkable system implements (initial states, enabled choices in a
//!   deterministic order, successor, named invariants).
//! * [`Explorer`]: breadth-first search in budgeted slices ([`Explorer::run`]) with a fingerprint
//!   set and compact parent links; the first violation of an invariant is a shortest one.
//! * [`explore_parallel`] (native only): the same search, level by level, on several threads,
//!   with the same counts and the same counterexamples.
//! * [`MessageHandler`]: the workshop's `MessageHandler` TLA+ specification and its variants.
//! * [`ScenarioModel`] / [`ScenarioChecker`]: the messaging world of a scenario, over the very
//!   choices the simulator makes, with counterexamples as simulator paths.
//! * [`wire`]: the jobs and updates the page and its checker web worker exchange, and the
//!   summaries (verdicts, choice paths, reference-model traces) the page shows.

pub mod explorer;
pub mod fingerprint;
pub mod message_handler;
pub mod model;
#[cfg(not(target_arch = "wasm32"))]
pub mod parallel;
pub mod scenario_model;
pub mod wire;

pub use explorer::{
    replay, Bounds, CheckError, Counterexample, Explorer, InvariantResult, MemoryUsage, Progress,
    Report, Status, Verdict,
};
pub use message_handler::{HandlerState, HandlerVars, MessageHandler, ModelError, Step, Variant};
pub use model::{Model, MAX_CHOICES_PER_STATE, MAX_INVARIANTS};
#[cfg(not(target_arch = "wasm32"))]
pub use parallel::explore_parallel;
#[cfg(not(target_arch = "wasm32"))]
pub use scenario_model::check_scenario_parallel;
pub use scenario_model::{
    ScenarioCheckError, ScenarioChecker, ScenarioChoice, ScenarioCounterexample, ScenarioModel,
    ScenarioReport, ScenarioState, ScenarioVerdict,
};
