//! The seeded simulator: picks choices with the scenario's one PRNG, in slices if asked, and
//! records the path of choice indices so that a run can be replayed exactly (share links, checker).

use crate::invariants::{Monitor, Report};
use crate::prng::Prng;
use crate::scenario::{Endpoint, Scenario, ScenarioError};
use crate::store::EndpointStore;
use crate::trace::{Event, Halt};
use crate::vec_map::VecMap;
use crate::world::{Choice, MsgRef, Received, World};
use serde::Serialize;

/// Where a sliced run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    Running,
    /// Nothing more can happen.
    Quiescent,
    /// A limit stopped the run.
    Halted(Halt),
}

/// What is left of the world at the end, for display and tests.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FinalState {
    pub now_ms: u64,
    pub stores: VecMap<Endpoint, EndpointStore>,
    pub tokens: usize,
    pub error_queue: Vec<(Endpoint, MsgRef)>,
    pub received: Vec<Received>,
    /// Copies still in queues.
    pub in_flight: Vec<(Endpoint, MsgRef)>,
    pub halted: Option<Halt>,
}

impl FinalState {
    pub fn of(w: &World) -> FinalState {
        let mut stores = VecMap::new();
        for e in Endpoint::ALL {
            if w.is_deployed(e) {
                stores.insert(e, w.stores[e.index()].clone());
            }
        }
        FinalState {
            now_ms: w.now_ms,
            stores,
            tokens: w.tokens.tokens.len(),
            error_queue: w.error_queue.clone(),
            received: w.received.clone(),
            in_flight: Endpoint::ALL
                .iter()
                .flat_map(|e| w.queues[e.index()].iter().map(|c| (*e, c.msg.reference())))
                .collect(),
            halted: w.halted,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Run {
    pub events: Vec<Event>,
    pub world: World,
    pub final_state: FinalState,
    pub invariants: Report,
    /// The index of each choice taken among the choices enabled at that point.
    pub path: Vec<u32>,
    pub handler_steps: u64,
}

impl Run {
    pub fn trace_text(&self) -> String {
        crate::trace::render(&self.events)
    }
    /// `{ "invariants": …, "final_state": …, "events": <count> }`
    pub fn summary_json(&self) -> serde_json::Value {
        serde_json::json!({
            "invariants": self.invariants.to_json(),
            "final_state": serde_json::to_value(&self.final_state).unwrap_or(serde_json::Value::Null),
            "events": self.events.len(),
        })
    }
}

/// A replayed path that does not fit the scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplayError {
    Invalid(Vec<ScenarioError>),
    /// At step `at` the path names choice `index` but only `enabled` choices exist.
    OutOfRange {
        at: u32,
        index: u32,
        enabled: u32,
    },
}

impl std::fmt::Display for ReplayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplayError::Invalid(errs) => {
                write!(f, "invalid scenario: ")?;
                for e in errs {
                    write!(f, "{e}; ")?;
                }
                Ok(())
            }
            ReplayError::OutOfRange { at, index, enabled } => write!(
                f,
                "step {at} of the path picks choice {index}, but only {enabled} are enabled there"
            ),
        }
    }
}

pub struct Simulator {
    world: World,
    prng: Prng,
    events: Vec<Event>,
    monitor: Monitor,
    choices: Vec<Choice>,
    path: Vec<u32>,
    handler_steps: u64,
    finished: bool,
}

impl Simulator {
    pub fn new(scenario: &Scenario) -> Result<Simulator, Vec<ScenarioError>> {
        let world = World::new(scenario)?;
        Ok(Simulator {
            world,
            prng: Prng::new(scenario.seed),
            events: Vec::new(),
            monitor: Monitor::default(),
            choices: Vec::new(),
            path: Vec::new(),
            handler_steps: 0,
            finished: false,
        })
    }

    pub fn world(&self) -> &World {
        &self.world
    }
    pub fn events(&self) -> &[Event] {
        &self.events
    }
    pub fn path(&self) -> &[u32] {
        &self.path
    }
    pub fn handler_steps(&self) -> u64 {
        self.handler_steps
    }
    pub fn report(&self) -> &Report {
        &self.monitor.report
    }

    /// Picks one action uniformly, rolls the probabilistic rules it may fire, and returns the
    /// choice with its index in the full list of [`World::choices`] (for the recorded path).
    fn pick(&mut self) -> Option<(Choice, u32)> {
        // The masks are rolled only for the entries up to the picked one: the entries before it
        // give the index offset, the picked one its dice.
        self.world.bare_actions(&mut self.choices);
        if self.choices.is_empty() {
            return None;
        }
        let k = self.prng.below(self.choices.len() as u32) as usize;
        let mut choice = self.choices[k];
        let mut fire = 0u64;
        let mut mask = 0u64;
        if let Choice::Step { attempt, .. } = choice {
            mask = self.world.step_mask(attempt);
            // The set bits, lowest first.
            let mut rest = mask;
            while rest != 0 {
                let bit = rest.trailing_zeros();
                rest &= rest - 1;
                if let Some(r) = self.world.rule_ratio(bit) {
                    if self.prng.chance(r) {
                        fire |= 1u64 << bit;
                    }
                }
            }
            choice = Choice::Step { attempt, fire };
        }
        // Entries before k expand to 2^(bits of their mask) choices each; within entry k the
        // subsets come in increasing order, so `fire`'s rank is its bits packed along `mask`.
        let before: u64 = self.choices[..k]
            .iter()
            .map(|c| match c {
                Choice::Step { attempt, .. } => {
                    1u64 << self.world.step_mask(*attempt).count_ones().min(63)
                }
                _ => 1,
            })
            .sum();
        let index = before.saturating_add(pack_bits(fire, mask));
        Some((choice, u32::try_from(index).unwrap_or(u32::MAX)))
    }

    /// Takes `choice`, which is enabled and has `index` in the full list of choices.
    fn take(&mut self, choice: Choice, index: u32) {
        if matches!(choice, Choice::Step { .. }) {
            self.handler_steps += 1;
        }
        let first = self.events.len();
        self.world.apply_enabled(&choice, &mut self.events);
        self.path.push(index);
        self.monitor.observe(&self.world, &self.events[first..]);
    }

    fn end(&mut self) {
        if !self.finished {
            self.finished = true;
            let last = self.events.last().map_or(0, |e| e.index);
            self.monitor.finish(&self.world, last);
        }
    }

    /// One choice; false when the run is over.
    pub fn step(&mut self) -> bool {
        match self.pick() {
            Some((choice, index)) => {
                self.take(choice, index);
                true
            }
            None => {
                self.end();
                false
            }
        }
    }

    /// Up to `budget_steps` choices (so a page can run a long scenario in slices).
    pub fn run(&mut self, budget_steps: u32) -> Progress {
        for _ in 0..budget_steps {
            if !self.step() {
                break;
            }
        }
        self.progress()
    }

    pub fn progress(&self) -> Progress {
        if let Some(h) = self.world.halted {
            Progress::Halted(h)
        } else if self.finished {
            Progress::Quiescent
        } else {
            Progress::Running
        }
    }

    pub fn into_run(mut self) -> Run {
        while self.step() {}
        self.end();
        self.parts()
    }

    /// The run as far as it went, without taking another step. The end-of-run checks run only
    /// if nothing more can happen: a hand-picked path may stop anywhere.
    pub fn stop(mut self) -> Run {
        self.world.choices(&mut self.choices);
        if self.choices.is_empty() {
            self.end();
        }
        self.parts()
    }

    fn parts(self) -> Run {
        Run {
            final_state: FinalState::of(&self.world),
            events: self.events,
            world: self.world,
            invariants: self.monitor.report,
            path: self.path,
            handler_steps: self.handler_steps,
        }
    }

    /// Takes choice `index` of the choices enabled now (indices into [`World::choices`], as the
    /// recorded path holds them): one step of a replayed or hand-picked path.
    pub fn choose(&mut self, index: u32) -> Result<(), ReplayError> {
        self.world.choices(&mut self.choices);
        let Some(choice) = self.choices.get(index as usize).copied() else {
            return Err(ReplayError::OutOfRange {
                at: self.path.len() as u32,
                index,
                enabled: self.choices.len() as u32,
            });
        };
        self.take(choice, index);
        Ok(())
    }
}

/// Runs a scenario to quiescence (or to a limit).
pub fn run_to_end(scenario: &Scenario) -> Result<Run, Vec<ScenarioError>> {
    Ok(Simulator::new(scenario)?.into_run())
}

/// Replays an explicit path of choice indices through the same `apply`, then stops.
pub fn replay(scenario: &Scenario, path: &[u32]) -> Result<Run, ReplayError> {
    let mut sim = Simulator::new(scenario).map_err(ReplayError::Invalid)?;
    sim.follow(path)?;
    sim.end();
    Ok(sim.parts())
}

/// `path` first (a manual session, a counterexample), then the seeded scheduler from there on:
/// what "let the scheduler finish" continues with. The scheduler's generator starts from the
/// scenario's seed at that point, so the same scenario and path always continue the same way.
pub fn resume(scenario: &Scenario, path: &[u32]) -> Result<Simulator, ReplayError> {
    let mut sim = Simulator::new(scenario).map_err(ReplayError::Invalid)?;
    sim.follow(path)?;
    Ok(sim)
}

impl Simulator {
    /// Takes the choices of `path` (indices into [`World::choices`] at each point).
    fn follow(&mut self, path: &[u32]) -> Result<(), ReplayError> {
        path.iter().try_for_each(|index| self.choose(*index))
    }
}

/// The bits of `value` at the positions set in `mask`, packed to the low end (like x86 PEXT).
fn pack_bits(value: u64, mask: u64) -> u64 {
    let mut out = 0u64;
    let mut rest = mask;
    let mut k = 0;
    while rest != 0 {
        let bit = rest.trailing_zeros();
        rest &= rest - 1;
        if value & (1u64 << bit) != 0 {
            out |= 1u64 << k;
        }
        k += 1;
    }
    out
}
