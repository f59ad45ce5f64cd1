//! The checker web worker's logic, free of the browser: start a [`Job`], run it in slices whose
//! budget follows the measured speed, honour Cancel between slices, and turn the core's report
//! into the [`Update`] the page shows. `main.rs` is the thin glue to the worker's globals.

use exactly_once_core::check::wire::{variant_named, Job, Update};
use exactly_once_core::check::{
    Bounds, Explorer, MessageHandler, Progress, ScenarioChecker, Status,
};

/// Wall time one slice aims at: progress reaches the page a few times a second and Cancel
/// answers within a slice, while slice boundaries cost nothing measurable.
pub const SLICE_MS: f64 = 100.0;

/// States in the first slice: small, because a scenario state can cost a millisecond to expand.
pub const FIRST_BUDGET: u64 = 16;

/// Budgets stay within these (the core counts a budget in expanded states).
pub const MIN_BUDGET: u64 = 1;
pub const MAX_BUDGET: u64 = 1 << 24;

/// The budget of the next slice so that it takes about `target_ms`: proportional to the last
/// slice's speed, but at most 4x up or down at once (the first levels of a search are much
/// cheaper or dearer than the later ones, and one odd slice must not make the next one long).
pub fn next_budget(budget: u64, elapsed_ms: f64, target_ms: f64) -> u64 {
    let budget = budget.clamp(MIN_BUDGET, MAX_BUDGET);
    let wanted = if elapsed_ms.is_finite() && elapsed_ms > 0.05 {
        (budget as f64 * target_ms / elapsed_ms) as u64
    } else {
        budget.saturating_mul(4)
    };
    wanted
        .clamp((budget / 4).max(MIN_BUDGET), budget.saturating_mul(4))
        .clamp(MIN_BUDGET, MAX_BUDGET)
}

/// A search in flight.
pub enum Search {
    Scenario(Box<ScenarioChecker>),
    Model(Box<Explorer<MessageHandler>>),
}

impl Search {
    /// Starts `job`, or says in a sentence why it cannot start (`Cancel` is not a search).
    pub fn start(job: Job) -> Result<Search, String> {
        match job {
            Job::Scenario { scenario, bounds } => ScenarioChecker::new(&scenario, &bounds)
                .map(|c| Search::Scenario(Box::new(c)))
                .map_err(|e| format!("The checker cannot start: {e}")),
            Job::Model {
                variant,
                max_failures,
                messages,
                max_states,
            } => {
                let variant = variant_named(&variant)?;
                let model = MessageHandler::new(variant, max_failures, messages)
                    .map_err(|e| format!("These constants do not fit the model: {e}"))?;
                let bounds = Bounds {
                    max_distinct_states: max_states,
                    ..Bounds::default()
                };
                Explorer::new(model, bounds)
                    .map(|x| Search::Model(Box::new(x)))
                    .map_err(|e| format!("The explorer cannot start: {e}"))
            }
            Job::Cancel => Err("nothing to cancel".to_string()),
        }
    }

    /// Expands up to `budget` states.
    pub fn run(&mut self, budget: u64) -> Progress {
        match self {
            Search::Scenario(c) => c.run(budget),
            Search::Model(x) => x.run(budget),
        }
    }

    pub fn cancel(&mut self) {
        match self {
            Search::Scenario(c) => c.cancel(),
            Search::Model(x) => x.cancel(),
        }
    }

    pub fn progress(&self) -> Progress {
        match self {
            Search::Scenario(c) => c.progress(),
            Search::Model(x) => x.progress(),
        }
    }

    /// The result for the page (a scenario's counterexamples are replayed by the simulator
    /// here, so the page shows what its player will show).
    pub fn finish(&self, elapsed_us: u64) -> Update {
        match self {
            Search::Scenario(c) => Update::ScenarioDone {
                report: c.report().summary(),
                elapsed_us,
            },
            Search::Model(x) => Update::ModelDone {
                report: x.model().summary(&x.report()),
                elapsed_us,
            },
        }
    }
}

/// Runs `search` to its end in slices of about `slice_ms` as measured by `now_ms`, calling
/// `between` after each unfinished slice with its progress: `between` reports it and returns
/// whether the user cancelled. Returns the final update.
pub async fn drive<F, Fut>(
    search: &mut Search,
    now_ms: impl Fn() -> f64,
    slice_ms: f64,
    mut between: F,
) -> Update
where
    F: FnMut(Update) -> Fut,
    Fut: core::future::Future<Output = bool>,
{
    let start = now_ms();
    let micros = |now: f64| ((now - start).max(0.0) * 1000.0) as u64;
    let mut budget = FIRST_BUDGET;
    loop {
        let slice_start = now_ms();
        let progress = search.run(budget);
        let slice_end = now_ms();
        if progress.status.is_finished() {
            return search.finish(micros(slice_end));
        }
        let cancelled = between(Update::Progress {
            progress,
            elapsed_us: micros(slice_end),
        })
        .await;
        if cancelled {
            search.cancel();
            debug_assert_eq!(search.progress().status, Status::Cancelled);
            return search.finish(micros(now_ms()));
        }
        budget = next_budget(budget, slice_end - slice_start, slice_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exactly_once_core::check::wire::Job;
    use exactly_once_core::presets;
    use exactly_once_core::scenario::CheckBounds;
    use std::cell::Cell;

    /// Polls a future that never waits (the test's `between` is ready at once).
    fn block_on<F: core::future::Future>(f: F) -> F::Output {
        use core::task::{Context, Poll, Waker};
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut f = std::pin::pin!(f);
        loop {
            if let Poll::Ready(out) = f.as_mut().poll(&mut cx) {
                return out;
            }
        }
    }

    fn model_job(variant: &str, f: u32, m: u32) -> Job {
        Job::Model {
            variant: variant.into(),
            max_failures: f,
            messages: m,
            max_states: 1_000_000,
        }
    }

    #[test]
    fn the_budget_follows_the_measured_speed_within_limits() {
        assert_eq!(next_budget(100, 50.0, 100.0), 200);
        assert_eq!(next_budget(100, 1000.0, 100.0), 25);
        assert_eq!(next_budget(100, 0.0, 100.0), 400);
        assert_eq!(next_budget(100, f64::NAN, 100.0), 400);
        assert_eq!(next_budget(MAX_BUDGET, 1.0, 100.0), MAX_BUDGET);
        assert_eq!(next_budget(1, 1e9, 100.0), MIN_BUDGET);
    }

    #[test]
    fn a_model_job_reaches_tlc_counts_in_slices_and_reports_progress() {
        let mut search = Search::start(model_job("final", 3, 3)).expect("starts");
        let clock = Cell::new(0.0);
        let slices = Cell::new(0);
        let update = block_on(drive(
            &mut search,
            || {
                // Every reading of the clock is 10 ms later: slices grow to the target.
                clock.set(clock.get() + 10.0);
                clock.get()
            },
            100.0,
            |u| {
                assert!(matches!(u, Update::Progress { .. }));
                slices.set(slices.get() + 1);
                async { false }
            },
        ));
        assert!(slices.get() > 1);
        let Update::ModelDone { report, elapsed_us } = update else {
            panic!("not a model report: {update:?}");
        };
        assert_eq!(report.distinct_states, 31_181);
        assert_eq!(report.status, Status::Complete);
        assert!(elapsed_us > 0);
        assert!(report.invariants.iter().all(|v| v.counterexample.is_none()));
    }

    #[test]
    fn cancel_stops_at_a_slice_boundary_with_the_states_seen_so_far() {
        let mut search = Search::start(model_job("1", 2, 2)).expect("starts");
        let update = block_on(drive(&mut search, || 0.0, 100.0, |_| async { true }));
        let Update::ModelDone { report, .. } = update else {
            panic!("not a model report: {update:?}");
        };
        assert_eq!(report.status, Status::Cancelled);
        assert!(report.distinct_states > 0);
    }

    #[test]
    fn a_scenario_job_finds_the_ghost_as_a_path_the_player_replays() {
        let scenario = presets::get("c05-before").expect("preset").scenario;
        let mut search = Search::start(Job::Scenario {
            scenario: Box::new(scenario.clone()),
            bounds: CheckBounds::default(),
        })
        .expect("starts");
        let update = block_on(drive(&mut search, || 0.0, 100.0, |_| async { false }));
        let Update::ScenarioDone { report, .. } = update else {
            panic!("not a scenario report: {update:?}");
        };
        let ghost = report
            .invariants
            .iter()
            .find(|v| v.name == "NoGhostMessages")
            .and_then(|v| v.counterexample.clone())
            .expect("the ghost is found");
        let run = exactly_once_core::sim::replay(&scenario, &ghost.path).expect("replays");
        let violation = ghost.violation.expect("the replay shows it");
        assert_eq!(run.events.len() as u32, ghost.events);
        assert!(run
            .invariants
            .first_violation
            .values()
            .any(|v| v.event == violation.event));
    }

    #[test]
    fn jobs_that_cannot_start_say_why() {
        assert!(Search::start(model_job("9", 1, 1))
            .err()
            .is_some_and(|e| e.contains("no variant")));
        assert!(Search::start(model_job("1", 99, 99))
            .err()
            .is_some_and(|e| e.contains("do not fit")));
        assert!(Search::start(Job::Cancel).is_err());
    }
}
