//! The messaging world of a scenario as a [`Model`]: the exhaustive checker for scenarios.
//!
//! The model has no rules of its own. Its choices are exactly [`World::choices`] (which request
//! starts, which copy is delivered next, which attempt runs its next step and which probabilistic
//! chaos rules fire at it, when virtual time advances — and with it lease expiries, delays and
//! timeouts), and its successor is [`World::apply_enabled`]: one semantics for the simulator, the
//! checker and share links. Each model choice remembers its index in the world's full choice list,
//! so a counterexample is a path that [`crate::sim::replay`] replays as is.
//!
//! Bounds ([`CheckBounds`]): distinct states, trace length in choices, and a budget of
//! probabilistic chaos firings per trace (a `Step` whose `fire` bits exceed what is left is not
//! offered; the no-fire variant always is, so a state is terminal for the model exactly when it is
//! terminal for the world). Deterministic chaos rules and the scenario's own limits (events,
//! virtual time, queue length, retries) are part of the world and keep it finite.
//!
//! Invariants: the ledger invariants of [`check_state`] in every state, and the end-of-run ones of
//! [`check_end`] in states with no enabled choice (quiescent or halted by a limit), as the
//! simulator's monitor checks them at the end of a run.

use core::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use super::explorer::{Bounds, CheckError, Explorer, MemoryUsage, Progress, Report, Status};
use super::model::{Model, MAX_CHOICES_PER_STATE};
use crate::invariants::{check_end, check_state, InvariantName, Violation};
use crate::scenario::{CheckBounds, Scenario, ScenarioError};
use crate::sim::replay as sim_replay;
use crate::trace::Event;
use crate::world::{Attempt, Choice, Copy, Ledger, World};

/// One state: the world and the probabilistic chaos firings its trace used so far (two worlds
/// with different budgets left have different futures, so the budget is part of the state).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ScenarioState {
    pub world: World,
    pub chaos_fires: u32,
}

/// A world choice and its index in the full list of [`World::choices`] (what a path stores).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ScenarioChoice {
    pub index: u32,
    pub choice: Choice,
}

/// The messaging world of one scenario, as the explorers see it.
#[derive(Debug)]
pub struct ScenarioModel {
    init: World,
    max_chaos_fires: u32,
    /// States that offered more than [`MAX_CHOICES_PER_STATE`] choices and were cut to that many:
    /// any verdict then speaks only of the explored choices, and the report says so.
    truncated_states: AtomicU64,
}

impl Clone for ScenarioModel {
    fn clone(&self) -> Self {
        ScenarioModel {
            init: self.init.clone(),
            max_chaos_fires: self.max_chaos_fires,
            truncated_states: AtomicU64::new(self.truncated_states()),
        }
    }
}

impl ScenarioModel {
    /// The model of a valid scenario under valid bounds; otherwise every problem at once.
    pub fn new(scenario: &Scenario, bounds: &CheckBounds) -> Result<Self, Vec<ScenarioError>> {
        let mut errs = Vec::new();
        let world = World::new(scenario).map_err(|e| errs.extend(e)).ok();
        if let Err(e) = bounds.validate() {
            errs.extend(e);
        }
        match world {
            Some(init) if errs.is_empty() => Ok(ScenarioModel {
                init,
                max_chaos_fires: bounds.max_chaos_fires,
                truncated_states: AtomicU64::new(0),
            }),
            _ => Err(errs),
        }
    }

    /// How many states had their choices cut to [`MAX_CHOICES_PER_STATE`].
    pub fn truncated_states(&self) -> u64 {
        self.truncated_states.load(Ordering::Relaxed)
    }

    /// The world at time 0.
    pub fn initial_world(&self) -> &World {
        &self.init
    }

    /// The world's choices the chaos budget still allows, each with its index in `all` (the full
    /// list of [`World::choices`]), at most [`MAX_CHOICES_PER_STATE`] of them.
    fn keep_affordable(
        &self,
        state: &ScenarioState,
        all: &[Choice],
        out: &mut Vec<ScenarioChoice>,
    ) {
        let left = self.max_chaos_fires.saturating_sub(state.chaos_fires);
        for (index, choice) in all.iter().enumerate() {
            if let Choice::Step { fire, .. } = choice {
                if fire.count_ones() > left {
                    continue;
                }
            }
            if out.len() == MAX_CHOICES_PER_STATE {
                self.truncated_states.fetch_add(1, Ordering::Relaxed);
                return;
            }
            out.push(ScenarioChoice {
                index: index as u32,
                choice: *choice,
            });
        }
    }
}

/// Buffers reused across calls (one set per thread, so the parallel explorer's threads do not
/// share them): allocating them for every state and successor was a measurable share of the time.
#[derive(Default)]
struct Scratch {
    choices: Vec<Choice>,
    events: Vec<Event>,
    actions: Vec<Choice>,
    masks: Vec<u64>,
}

std::thread_local! {
    static SCRATCH: core::cell::RefCell<Scratch> = core::cell::RefCell::new(Scratch::default());
}

/// Bit `i` of a violation mask is `InvariantName::ALL[i]`.
fn bit_of(name: InvariantName) -> u64 {
    let position = InvariantName::ALL
        .iter()
        .position(|n| *n == name)
        .unwrap_or(0);
    1u64 << position
}

impl Model for ScenarioModel {
    type State = ScenarioState;
    type Choice = ScenarioChoice;

    fn init_states(&self, out: &mut Vec<ScenarioState>) {
        out.push(ScenarioState {
            world: self.init.clone(),
            chaos_fires: 0,
        });
    }

    fn choices(&self, state: &ScenarioState, out: &mut Vec<ScenarioChoice>) {
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            state.world.choices(&mut scratch.choices);
            self.keep_affordable(state, &scratch.choices, out);
        });
    }

    fn apply(&self, state: &ScenarioState, choice: ScenarioChoice) -> ScenarioState {
        let mut next = state.clone();
        // The events describe the step for a trace; the checker rebuilds them by replaying a
        // counterexample, so here they are dropped.
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            scratch.events.clear();
            next.world
                .apply_enabled(&choice.choice, &mut scratch.events);
        });
        if let Choice::Step { fire, .. } = choice.choice {
            next.chaos_fires += fire.count_ones();
        }
        next
    }

    fn invariant_names(&self) -> Vec<String> {
        InvariantName::ALL
            .iter()
            .map(|n| n.name().to_string())
            .collect()
    }

    fn violated_invariants(&self, state: &ScenarioState) -> u64 {
        let mut mask = 0;
        for (name, _, _) in check_state(&state.world) {
            mask |= bit_of(name);
        }
        // Quiescent = no action at all; `actions` lists one entry per action instead of one per
        // subset of chaos firings, so this is cheaper than `World::is_quiescent`.
        let quiescent = SCRATCH.with(|scratch| {
            let scratch = &mut *scratch.borrow_mut();
            state
                .world
                .actions(&mut scratch.actions, &mut scratch.masks);
            scratch.actions.is_empty()
        });
        if quiescent {
            for (name, _, _) in check_end(&state.world) {
                mask |= bit_of(name);
            }
        }
        mask
    }

    fn state_heap_bytes(&self, state: &ScenarioState) -> usize {
        world_heap_bytes(&state.world)
    }
}

/// Per-entry overhead of a `BTreeMap` (node headers and spare slots, amortised): an estimate.
const BTREE_ENTRY_OVERHEAD_BYTES: usize = 16;

/// An estimate of the heap a world owns (vectors at their length, the inbox's B-tree with a
/// per-entry overhead), for the memory report: worlds are only held in the two frontier levels.
fn world_heap_bytes(w: &World) -> usize {
    use core::mem::size_of;
    let queues: usize = w.queues.iter().map(|q| q.len() * size_of::<Copy>()).sum();
    let attempts: usize = w
        .attempts
        .iter()
        .map(|a| {
            size_of::<Box<Attempt>>()
                + size_of::<Attempt>()
                + a.plan.len() * size_of::<crate::world::Op>()
                + a.outs.len() * size_of::<crate::world::Message>()
                + a.intended.len() * size_of::<crate::world::Content>()
        })
        .sum();
    let stores: usize = w
        .stores
        .iter()
        .map(|s| {
            s.docs.len() * (size_of::<crate::store::Doc>() + 64)
                + s.inbox.len() * (16 + 4 + BTREE_ENTRY_OVERHEAD_BYTES)
                + s.outbox.len() * 64
        })
        .sum();
    let ledgers: usize = w
        .ledgers
        .values()
        .map(|l| {
            size_of::<Ledger>()
                + 32
                + l.changes.len() * size_of::<crate::world::ChangeRec>()
                + l.outputs.len() * size_of::<crate::world::OutputRec>()
        })
        .sum();
    queues
        + attempts
        + stores
        + ledgers
        + w.received.len() * size_of::<crate::world::Received>()
        + w.error_queue.len() * 48
        + w.pending_requests.len() * 16
        + w.tokens.tokens.len() * 32
}

/// A shortest counterexample, as the simulator replays it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioCounterexample {
    /// Choice indices for [`crate::sim::replay`] (and a share link).
    pub path: Vec<u32>,
    /// The choices taken, in order.
    pub choices: Vec<Choice>,
    /// The events of the replayed path.
    pub events: Vec<Event>,
    /// The violation the replay's monitor reports for this invariant (event where it first held
    /// and why); `None` only if the replay disagrees with the checker, which is a bug.
    pub violation: Option<Violation>,
    /// Why the replay failed, if it did (a bug as well: the path came from the same world).
    pub replay_error: Option<String>,
}

impl ScenarioCounterexample {
    /// Length in choices.
    pub fn len_steps(&self) -> usize {
        self.path.len()
    }
}

/// The verdict on one invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioVerdict {
    pub name: InvariantName,
    /// `None`: no explored trace breaks it.
    pub counterexample: Option<ScenarioCounterexample>,
}

impl ScenarioVerdict {
    pub fn holds(&self) -> bool {
        self.counterexample.is_none()
    }
}

/// The result of checking a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioReport {
    pub distinct_states: u64,
    pub generated_states: u64,
    /// Breadth-first levels, in states (initial state = 1): traces have up to `depth - 1` choices.
    pub depth: u32,
    pub status: Status,
    pub bounds: CheckBounds,
    /// States whose choices were cut to [`MAX_CHOICES_PER_STATE`] (0 in every preset).
    pub truncated_states: u64,
    /// Probabilistic chaos rules (knobs included) of the scenario: the firing budget only matters
    /// when there are some.
    pub probabilistic_rules: u32,
    pub memory: MemoryUsage,
    /// Birthday bound on a fingerprint collision, "one in N".
    pub collision_one_in: u64,
    /// One per [`InvariantName::ALL`], in that order.
    pub invariants: Vec<ScenarioVerdict>,
}

impl ScenarioReport {
    /// Builds the report from an explorer's, replaying every counterexample through the simulator.
    pub fn from_report(
        model: &ScenarioModel,
        scenario: &Scenario,
        bounds: &CheckBounds,
        report: &Report<ScenarioState, ScenarioChoice>,
    ) -> ScenarioReport {
        let invariants = InvariantName::ALL
            .iter()
            .map(|name| ScenarioVerdict {
                name: *name,
                counterexample: report
                    .invariant(name.name())
                    .and_then(|r| r.counterexample())
                    .map(|trace| {
                        let path: Vec<u32> = trace.choices.iter().map(|c| c.index).collect();
                        let choices = trace.choices.iter().map(|c| c.choice).collect();
                        counterexample(scenario, *name, path, choices)
                    }),
            })
            .collect();
        ScenarioReport {
            distinct_states: report.distinct_states,
            generated_states: report.generated_states,
            depth: report.depth,
            status: report.status,
            bounds: bounds.clone(),
            truncated_states: model.truncated_states(),
            probabilistic_rules: model.init.config().probabilistic.count_ones(),
            memory: report.memory,
            collision_one_in: report.collision_one_in,
            invariants,
        }
    }

    /// The report as JSON (for the command line and for a web worker's messages to the page):
    /// `{ "status", "distinct_states", "generated_states", "depth" (steps fully explored),
    /// "bytes_per_state", "collision_one_in", "truncated_states", "bounds": {..}, "scope",
    /// "invariants": { "<Name>": { "holds", "trace": [event lines], "path": [choice indices],
    /// "length_steps", "event", "message" } } }`. Wall-clock figures are the caller's to add.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{json, Map, Value};
        let mut invariants = Map::new();
        for verdict in &self.invariants {
            let mut entry = Map::new();
            entry.insert("holds".into(), Value::Bool(verdict.holds()));
            match &verdict.counterexample {
                None => {
                    entry.insert("trace".into(), json!([]));
                    entry.insert("path".into(), json!([]));
                }
                Some(trace) => {
                    let lines: Vec<String> = trace.events.iter().map(ToString::to_string).collect();
                    entry.insert("trace".into(), json!(lines));
                    entry.insert("path".into(), json!(trace.path));
                    entry.insert("length_steps".into(), json!(trace.len_steps()));
                    if let Some(v) = &trace.violation {
                        entry.insert("event".into(), json!(v.event));
                        entry.insert("message".into(), json!(v.message));
                    }
                    if let Some(e) = &trace.replay_error {
                        entry.insert("replay_error".into(), json!(e));
                    }
                }
            }
            invariants.insert(verdict.name.name().to_string(), Value::Object(entry));
        }
        json!({
            "status": self.status.as_str(),
            "distinct_states": self.distinct_states,
            "generated_states": self.generated_states,
            "depth": self.steps_fully_explored(),
            "bytes_per_state": self.bytes_per_state(),
            "collision_one_in": self.collision_one_in,
            "truncated_states": self.truncated_states,
            "bounds": {
                "max_states": self.bounds.max_states,
                "max_steps": self.bounds.max_steps,
                "max_chaos_fires": self.bounds.max_chaos_fires,
            },
            "scope": self.scope(),
            "invariants": Value::Object(invariants),
        })
    }

    /// Memory per distinct state in bytes (fingerprints, parent links, peak frontier), rounded up.
    pub fn bytes_per_state(&self) -> u64 {
        self.memory.bytes_per_state(self.distinct_states)
    }

    pub fn verdict(&self, name: InvariantName) -> Option<&ScenarioVerdict> {
        self.invariants.iter().find(|v| v.name == name)
    }

    /// Every trace of up to this many choices was explored (for the ones the bounds allow).
    pub fn steps_fully_explored(&self) -> u32 {
        match self.status {
            Status::DepthBoundReached => self.bounds.max_steps,
            // Complete: every reachable state; the others: the level being expanded was fully
            // discovered (and checked) before its expansion began.
            _ => self.depth.saturating_sub(1),
        }
    }

    /// What "holds" means for this run, e.g. "no trace of up to 40 steps with at most 1
    /// probabilistic chaos firing breaks it (depth bound reached)".
    pub fn scope(&self) -> String {
        let fires = match (self.probabilistic_rules, self.bounds.max_chaos_fires) {
            (0, _) => String::new(),
            (_, 1) => " with at most 1 probabilistic chaos firing".to_string(),
            (_, n) => format!(" with at most {n} probabilistic chaos firings"),
        };
        let steps = self.steps_fully_explored();
        let mut s = match self.status {
            Status::Complete => format!(
                "no trace of up to {steps} steps{fires} breaks it, and there is no longer one: all {} reachable states explored",
                self.distinct_states
            ),
            Status::DepthBoundReached => {
                format!("no trace of up to {steps} steps{fires} breaks it (depth bound reached)")
            }
            Status::StateBoundReached => format!(
                "no trace of up to {steps} steps{fires} breaks it (state bound of {} reached)",
                self.bounds.max_states
            ),
            Status::Running | Status::Cancelled | Status::StoppedAtViolation => format!(
                "no trace of up to {steps} steps{fires} breaks it (search {})",
                self.status.as_str()
            ),
        };
        if self.truncated_states > 0 {
            s.push_str(&format!(
                "; {} states offered more than {MAX_CHOICES_PER_STATE} choices and only the first {MAX_CHOICES_PER_STATE} were explored",
                self.truncated_states
            ));
        }
        s
    }
}

/// Replays a counterexample path through the simulator and keeps its events and its verdict.
fn counterexample(
    scenario: &Scenario,
    name: InvariantName,
    path: Vec<u32>,
    choices: Vec<Choice>,
) -> ScenarioCounterexample {
    match sim_replay(scenario, &path) {
        Ok(run) => ScenarioCounterexample {
            violation: run.invariants.first_violation.get(&name).cloned(),
            path,
            choices,
            events: run.events,
            replay_error: None,
        },
        Err(e) => ScenarioCounterexample {
            path,
            choices,
            events: Vec::new(),
            violation: None,
            replay_error: Some(e.to_string()),
        },
    }
}

/// Explorer bounds for scenario bounds: depth counts states, the initial state included.
pub fn explorer_bounds(bounds: &CheckBounds) -> Bounds {
    Bounds {
        max_distinct_states: bounds.max_states,
        max_depth: bounds.max_steps.saturating_add(1),
        stop_at_first_violation: false,
    }
}

/// Why a scenario check could not start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioCheckError {
    /// The scenario or the bounds are not valid: every problem.
    Invalid(Vec<ScenarioError>),
    /// The explorer refused (cannot happen with validated bounds).
    Explorer(CheckError),
}

impl core::fmt::Display for ScenarioCheckError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ScenarioCheckError::Invalid(errs) => {
                let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
                write!(f, "{}", text.join("; "))
            }
            ScenarioCheckError::Explorer(e) => write!(f, "{e}"),
        }
    }
}

/// The budgeted checker of one scenario: what the page runs in slices in a web worker.
///
/// ```text
/// let mut checker = ScenarioChecker::new(&scenario, &bounds)?;
/// while checker.run(2_000).status == Status::Running { /* post progress, yield */ }
/// let report = checker.report();
/// ```
pub struct ScenarioChecker {
    scenario: Scenario,
    bounds: CheckBounds,
    explorer: Explorer<ScenarioModel>,
}

impl ScenarioChecker {
    pub fn new(scenario: &Scenario, bounds: &CheckBounds) -> Result<Self, ScenarioCheckError> {
        let model = ScenarioModel::new(scenario, bounds).map_err(ScenarioCheckError::Invalid)?;
        let explorer =
            Explorer::new(model, explorer_bounds(bounds)).map_err(ScenarioCheckError::Explorer)?;
        Ok(ScenarioChecker {
            scenario: scenario.clone(),
            bounds: bounds.clone(),
            explorer,
        })
    }

    /// Expands up to `budget_states` states (a slice of work) and says where the search stands.
    pub fn run(&mut self, budget_states: u64) -> Progress {
        self.explorer.run(budget_states)
    }

    /// Counters for a progress bar.
    pub fn progress(&self) -> Progress {
        self.explorer.progress()
    }

    /// Stops the search; the report then speaks of the states seen so far.
    pub fn cancel(&mut self) {
        self.explorer.cancel();
    }

    /// Runs to the end (or a bound) and reports.
    pub fn run_to_end(&mut self) -> ScenarioReport {
        while !self.run(1 << 12).status.is_finished() {}
        self.report()
    }

    /// The report so far, counterexamples replayed through the simulator.
    pub fn report(&self) -> ScenarioReport {
        ScenarioReport::from_report(
            self.explorer.model(),
            &self.scenario,
            &self.bounds,
            &self.explorer.report(),
        )
    }
}

/// The same check on `threads` threads (native only), with the same counts and counterexamples.
#[cfg(not(target_arch = "wasm32"))]
pub fn check_scenario_parallel(
    scenario: &Scenario,
    bounds: &CheckBounds,
    threads: usize,
) -> Result<ScenarioReport, ScenarioCheckError> {
    let model = ScenarioModel::new(scenario, bounds).map_err(ScenarioCheckError::Invalid)?;
    let report = super::parallel::explore_parallel(&model, explorer_bounds(bounds), threads)
        .map_err(ScenarioCheckError::Explorer)?;
    Ok(ScenarioReport::from_report(
        &model, scenario, bounds, &report,
    ))
}
