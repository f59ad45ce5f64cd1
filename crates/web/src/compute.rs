//! Computing a run in slices, and the world at any event of it.
//!
//! The page never simulates inside the render loop: a [`Builder`] drives the core's [`Simulator`]
//! a bounded number of steps at a time (the app yields to the browser between slices), and the
//! finished [`Computed`] keeps the trace plus a few checkpoints of the world so that the inspector
//! and the topology can show the exact core state at any event by replaying at most
//! [`CHECKPOINT_EVERY`] steps through `World::choices`/`World::apply`.

use crate::model::TraceIndex;
use exactly_once_core::invariants::Report;
use exactly_once_core::scenario::{Scenario, ScenarioError};
use exactly_once_core::trace::Event;
use exactly_once_core::{Simulator, World};

/// A world is cloned every this many steps at first; replaying fewer steps than this is a few
/// microseconds.
pub const CHECKPOINT_EVERY: usize = 32;
/// At most this many checkpoints are kept: a long run doubles the spacing instead, so memory
/// stays bounded (a late world of a soak is large) and a replay stays a few thousand steps.
pub const MAX_CHECKPOINTS: usize = 128;

/// A finished run, as the page shows it.
pub struct Computed {
    pub scenario: Scenario,
    pub events: Vec<Event>,
    pub report: Report,
    /// The choice index taken at each step (the core's replay path).
    pub path: Vec<u32>,
    /// `events.len()` after each step: the events of step `s` are `step_end[s-1]..step_end[s]`.
    pub step_end: Vec<u32>,
    /// `(steps applied, world)`, the first one being the initial world.
    checkpoints: Vec<(usize, World)>,
    pub index: TraceIndex,
    /// Why the run stopped early, if a limit stopped it.
    pub halted: Option<String>,
    /// The world after the last step (manual mode lists its choices).
    pub last_world: World,
    /// In manual mode: the run is the user's path, not the seeded scheduler's.
    pub manual: bool,
    /// The scrubber's markers, bucketed (see `model::marker_slots`).
    pub marker_slots: Vec<(u64, crate::model::Marker)>,
}

impl std::fmt::Debug for Computed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Computed({} events)", self.events.len())
    }
}

impl PartialEq for Computed {
    /// Two computed runs are "the same" for rendering when they come from the same scenario; the
    /// trace is a pure function of it.
    fn eq(&self, other: &Self) -> bool {
        self.scenario == other.scenario && self.events.len() == other.events.len()
    }
}

impl Computed {
    /// The number of events.
    pub fn len(&self) -> u32 {
        self.events.len() as u32
    }
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The step that produced event `event` (the last step when past the end).
    pub fn step_of(&self, event: u32) -> usize {
        let s = self.step_end.partition_point(|&end| end <= event);
        s.min(self.step_end.len().saturating_sub(1))
    }

    /// The world right after the step that produced event `event`: the state the page shows
    /// while that event is the current one. `None` only for a run without any step.
    pub fn world_at(&self, event: u32) -> Option<World> {
        if self.step_end.is_empty() {
            return self.checkpoints.first().map(|(_, w)| w.clone());
        }
        let applied = self.step_of(event) + 1;
        let (start, base) = self.checkpoints.iter().rev().find(|(n, _)| *n <= applied)?;
        let mut world = base.clone();
        let mut choices = Vec::new();
        let mut scratch = Vec::new();
        for index in &self.path[*start..applied] {
            world.choices(&mut choices);
            let choice = choices.get(*index as usize)?;
            // The choice was just taken from `choices`, so it is enabled.
            world.apply_enabled(choice, &mut scratch);
            scratch.clear();
        }
        Some(world)
    }

    /// Moves `world` (which has applied `from` steps of this run) forward to `to` steps, in place.
    /// False if the path does not fit (the world is then unusable and must be replaced).
    pub fn advance_world(&self, world: &mut World, from: usize, to: usize) -> bool {
        let Some(steps) = self.path.get(from..to) else {
            return false;
        };
        let mut choices = Vec::new();
        let mut scratch = Vec::new();
        for index in steps {
            world.choices(&mut choices);
            let Some(choice) = choices.get(*index as usize) else {
                return false;
            };
            world.apply_enabled(choice, &mut scratch);
            scratch.clear();
        }
        true
    }

    /// The index of the last event at or before virtual time `at_ms` (to keep "the same moment"
    /// across an edit of the scenario).
    pub fn event_at_time(&self, at_ms: u64) -> u32 {
        let n = self.events.partition_point(|e| e.at_ms <= at_ms);
        n.saturating_sub(1) as u32
    }
}

/// A run being computed.
pub struct Builder {
    scenario: Scenario,
    sim: Simulator,
    step_end: Vec<u32>,
    checkpoints: Vec<(usize, World)>,
    spacing: usize,
    index: TraceIndex,
    indexed: usize,
    checkpoint_due: bool,
    done: bool,
    /// Checkpoints no longer kept, waiting to be freed a few at a time.
    thinned: Vec<World>,
    /// The trace length at which [`Builder::space_for_estimate`] estimates the run again.
    next_estimate_at: usize,
}

/// The trace length at which a [`Builder`] first estimates the length of the run.
pub const ESTIMATE_AT_EVENTS: usize = 1 << 15;

impl Builder {
    /// Fails with every validation problem of the scenario.
    pub fn new(scenario: &Scenario) -> Result<Builder, Vec<ScenarioError>> {
        let sim = Simulator::new(scenario)?;
        let initial = sim.world().clone();
        Ok(Builder {
            scenario: scenario.clone(),
            sim,
            step_end: Vec::new(),
            checkpoints: vec![(0, initial)],
            spacing: CHECKPOINT_EVERY,
            index: TraceIndex::default(),
            indexed: 0,
            checkpoint_due: false,
            done: false,
            thinned: Vec::new(),
            next_estimate_at: ESTIMATE_AT_EVENTS,
        })
    }

    /// Runs up to `budget_steps` steps; true when the run is over. A due checkpoint ends the call
    /// and is taken at the start of the next one: cloning a late world of a long run takes tens
    /// of milliseconds, so it gets a slice of its own instead of stretching one past a frame.
    pub fn advance(&mut self, budget_steps: u32) -> bool {
        // Worlds thinned out of the checkpoints are freed one per call: freeing half of the
        // checkpoints of a long run at once takes tens of milliseconds.
        drop(self.thinned.pop());
        if self.checkpoint_due {
            self.checkpoint_due = false;
            let applied = self.step_end.len();
            self.checkpoints.push((applied, self.sim.world().clone()));
            if self.checkpoints.len() > MAX_CHECKPOINTS {
                self.spacing *= 2;
                let spacing = self.spacing;
                let (keep, thinned): (Vec<_>, Vec<_>) = std::mem::take(&mut self.checkpoints)
                    .into_iter()
                    .partition(|(n, _)| n.is_multiple_of(spacing));
                self.checkpoints = keep;
                self.thinned.extend(thinned.into_iter().map(|(_, w)| w));
            }
            return self.done && self.thinned.is_empty();
        }
        for _ in 0..budget_steps {
            if self.done {
                break;
            }
            if self.sim.step() {
                let events = self.sim.events();
                self.step_end.push(events.len() as u32);
                for e in &events[self.indexed..] {
                    self.index.observe(e);
                }
                self.indexed = events.len();
                if self.step_end.len().is_multiple_of(self.spacing) {
                    self.checkpoint_due = true;
                    break;
                }
            } else {
                self.done = true;
            }
        }
        self.space_for_estimate();
        // Done once the thinned checkpoints are freed too (one per call, see above).
        self.done && self.thinned.is_empty()
    }

    /// A checkpoint is due: the next [`Builder::advance`] clones the world (a slice of its own).
    pub fn checkpoint_due(&self) -> bool {
        self.checkpoint_due
    }

    /// Once the trace reaches [`ESTIMATE_AT_EVENTS`], and again each time it doubles, estimates
    /// the length of the run from how far through the script it is and spaces the checkpoints
    /// for it: doubling the spacing step by step would clone hundreds of ever larger worlds only
    /// to drop half of them each time. (Reserving room for the estimated trace was tried too: in
    /// the browser, growing the memory by tens of megabytes at once took longer than a frame.)
    fn space_for_estimate(&mut self) {
        let events = self.sim.events().len();
        if events < self.next_estimate_at {
            return;
        }
        self.next_estimate_at = events.saturating_mul(2);
        let world = self.sim.world();
        let script = world.scenario().script.len().max(1);
        let done = (world.next_script as usize).clamp(1, script);
        let limit = world.scenario().limits.max_events as usize;
        let estimate = (events / done)
            .saturating_mul(script)
            .saturating_add(events / 4)
            .min(limit);
        let steps = self.step_end.len().max(1);
        let estimated_steps = estimate.saturating_mul(steps) / events.max(1);
        let mut spacing = self.spacing;
        while estimated_steps / spacing > MAX_CHECKPOINTS {
            spacing *= 2;
        }
        if spacing != self.spacing {
            self.spacing = spacing;
            let (keep, thinned): (Vec<_>, Vec<_>) = std::mem::take(&mut self.checkpoints)
                .into_iter()
                .partition(|(n, _)| n.is_multiple_of(spacing));
            self.checkpoints = keep;
            self.thinned.extend(thinned.into_iter().map(|(_, w)| w));
        }
    }

    /// Events so far (for the progress indicator).
    pub fn events_so_far(&self) -> usize {
        self.sim.events().len()
    }

    /// The finished run (runs what is left first).
    pub fn finish(mut self) -> Computed {
        while !self.advance(u32::MAX) {}
        if self.checkpoint_due {
            self.advance(0);
        }
        // Moves the trace out of the simulator: a soak's trace is far too big to copy.
        let run = self.sim.into_run();
        let mut index = self.index;
        index.conclude(&run.invariants);
        Computed {
            scenario: self.scenario,
            halted: run.world.halted.map(|h| format!("{h:?}")),
            last_world: run.world,
            manual: false,
            marker_slots: crate::model::marker_slots(&index.markers, run.events.len() as u32),
            events: run.events,
            report: run.invariants,
            path: run.path,
            step_end: self.step_end,
            checkpoints: self.checkpoints,
            index,
        }
    }
}

/// Manual mode: the run is exactly `path` (choice indices, as the core records them), taken
/// by the core's simulator step by step (`Simulator::choose`, the same steps `replay` takes),
/// with the invariants watched after every step. The end-of-run checks only run once nothing
/// more can happen (`Simulator::stop`).
pub fn compute_path(scenario: &Scenario, path: &[u32]) -> Result<Computed, String> {
    let mut sim = Simulator::new(scenario).map_err(|errs| {
        errs.iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let mut checkpoints = vec![(0, sim.world().clone())];
    let mut step_end = Vec::new();
    let mut index = TraceIndex::default();
    for (k, i) in path.iter().enumerate() {
        let first = sim.events().len();
        sim.choose(*i).map_err(|e| e.to_string())?;
        for e in &sim.events()[first..] {
            index.observe(e);
        }
        step_end.push(sim.events().len() as u32);
        if (k + 1).is_multiple_of(CHECKPOINT_EVERY) {
            checkpoints.push((k + 1, sim.world().clone()));
        }
    }
    let run = sim.stop();
    index.conclude(&run.invariants);
    let marker_slots = crate::model::marker_slots(&index.markers, run.events.len() as u32);
    Ok(Computed {
        scenario: scenario.clone(),
        halted: run.world.halted.map(|h| format!("{h:?}")),
        events: run.events,
        report: run.invariants,
        path: path.to_vec(),
        step_end,
        checkpoints,
        index,
        last_world: run.world,
        manual: true,
        marker_slots,
    })
}

/// Computes a whole run at once (tests, small scenarios).
pub fn compute(scenario: &Scenario) -> Result<Computed, Vec<ScenarioError>> {
    Ok(Builder::new(scenario)?.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use exactly_once_core::presets;

    #[test]
    fn world_at_matches_a_straight_run() {
        let p = presets::get("c07-before").expect("preset");
        let c = compute(&p.scenario).expect("valid");
        let straight = exactly_once_core::run_to_end(&p.scenario).expect("valid");
        assert_eq!(c.events, straight.events);
        assert_eq!(c.report, straight.invariants);
        let last = c.world_at(c.len() - 1).expect("world");
        assert_eq!(last.now_ms, straight.world.now_ms);
        assert_eq!(last.stores, straight.world.stores);
        // A moment in the middle: the world's clock is that of the event's step.
        let mid = c.len() / 2;
        let w = c.world_at(mid).expect("world");
        assert!(w.now_ms >= c.events[mid as usize].at_ms);
    }

    #[test]
    fn checkpoints_stay_bounded_on_a_long_run() {
        let sc = exactly_once_core::workloads::soak(300, 20);
        let c = compute(&sc).expect("valid");
        assert!(c.checkpoints.len() <= MAX_CHECKPOINTS + 1);
        let straight = exactly_once_core::run_to_end(&sc).expect("valid");
        assert_eq!(c.events.len(), straight.events.len());
        let w = c.world_at(c.len() - 1).expect("world");
        assert_eq!(w.stores, straight.world.stores);
        let ix = TraceIndex::build(&straight.events, &straight.invariants);
        assert_eq!(c.index, ix);
    }

    #[test]
    fn every_checkpoint_and_moment_equals_a_recomputation() {
        // A run long enough for the checkpoints to be thinned out several times.
        let sc = exactly_once_core::workloads::soak(150, 10);
        let c = compute(&sc).expect("valid");
        assert!(c.step_end.len() > CHECKPOINT_EVERY * MAX_CHECKPOINTS);
        // Checkpoints share ledgers with the running world (copy on write): a later change of
        // the running world must not show in an earlier checkpoint.
        for (applied, world) in &c.checkpoints {
            let replayed = exactly_once_core::sim::replay(&sc, &c.path[..*applied]).expect("path");
            assert_eq!(*world, replayed.world, "checkpoint after {applied} steps");
        }
        for event in [0, 1, c.len() / 3, c.len() / 2, c.len() - 2, c.len() - 1] {
            let applied = c.step_of(event) + 1;
            let replayed = exactly_once_core::sim::replay(&sc, &c.path[..applied]).expect("path");
            assert_eq!(
                c.world_at(event).expect("world"),
                replayed.world,
                "event {event}"
            );
            // Moving a world forward in place gives the same world too.
            let mut w = c.world_at(0).expect("world");
            assert!(c.advance_world(&mut w, c.step_of(0) + 1, applied));
            assert_eq!(w, replayed.world, "advanced to event {event}");
        }
    }

    #[test]
    fn spacing_checkpoints_for_a_long_run_changes_nothing_in_it() {
        let sc = exactly_once_core::workloads::soak(1_000, 50);
        let c = compute(&sc).expect("valid");
        assert!(c.events.len() > ESTIMATE_AT_EVENTS);
        assert!(c.checkpoints.len() <= MAX_CHECKPOINTS + 1);
        let w = c.world_at(c.len() / 2).expect("world");
        let applied = c.step_of(c.len() / 2) + 1;
        let replayed = exactly_once_core::sim::replay(&sc, &c.path[..applied]).expect("path");
        assert_eq!(w, replayed.world);
        let straight = exactly_once_core::run_to_end(&sc).expect("valid");
        assert_eq!(c.events, straight.events);
        assert_eq!(c.path, straight.path);
    }

    #[test]
    fn a_builder_is_done_only_once_the_thinned_checkpoints_are_freed() {
        let sc = exactly_once_core::workloads::soak(150, 10);
        let mut b = Builder::new(&sc).expect("valid");
        let mut calls = 0u32;
        while !b.advance(100) {
            calls += 1;
            assert!(calls < 1_000_000);
        }
        assert!(b.thinned.is_empty());
        assert!(b.checkpoints.len() <= MAX_CHECKPOINTS);
    }

    #[test]
    fn a_manual_path_equal_to_the_seeded_one_gives_the_same_run() {
        let p = presets::get("c05-before").expect("preset");
        let seeded = compute(&p.scenario).expect("valid");
        let manual = compute_path(&p.scenario, &seeded.path).expect("valid path");
        assert_eq!(manual.events, seeded.events);
        assert_eq!(manual.report, seeded.report);
        // A prefix stops there, with choices left and the end-of-run checks not yet made.
        let half = compute_path(&p.scenario, &seeded.path[..10]).expect("prefix");
        let mut choices = Vec::new();
        half.last_world.choices(&mut choices);
        assert!(!choices.is_empty());
        assert!(half.report.first_violation.is_empty());
        assert!(compute_path(&p.scenario, &[99]).is_err());
    }

    #[test]
    fn event_at_time_finds_the_same_moment() {
        let p = presets::get("c05-before").expect("preset");
        let c = compute(&p.scenario).expect("valid");
        let i = c.event_at_time(100);
        assert!(c.events[i as usize].at_ms <= 100);
        assert!(c.events[i as usize + 1].at_ms > 100);
        assert_eq!(c.event_at_time(0), c.event_at_time(0).min(c.len()));
    }
}
