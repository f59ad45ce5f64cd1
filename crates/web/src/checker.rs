//! The exhaustive checker as the page runs it: in a web worker ([`crate::worker_client`]), one
//! search at a time per panel ([`Flight`]), the bounds form's parsing, and the sentences and
//! numbers the checker panels show.
//!
//! The core decides everything (which states exist, which invariants break, what "holds within
//! the bounds" means) and runs in the worker; this module only starts and stops searches and words
//! their results. Pure functions are tested in `tests/checker.rs`.

use crate::worker_client::CheckWorker;
use exactly_once_core::check::wire::{Job, Update};
use exactly_once_core::check::{Progress, Status};
use exactly_once_core::scenario::CheckBounds;
use exactly_once_core::vec_map::VecMap;
use std::cell::RefCell;
use std::rc::Rc;

/// The search in flight: its worker, and a serial number so that a search the user replaced (or
/// whose input changed) never writes its result over a newer one.
#[derive(Default)]
pub struct Flight {
    serial: u32,
    worker: Option<CheckWorker>,
}

impl Flight {
    /// Stops the search in flight (if any) and starts `job` in a fresh worker; `on_update` gets
    /// the new search's updates only (a replaced search's late messages are dropped).
    pub fn start(
        flight: &Rc<RefCell<Flight>>,
        job: &Job,
        on_update: impl Fn(Update) + 'static,
    ) -> Result<(), String> {
        let serial = {
            let mut f = flight.borrow_mut();
            f.stop();
            f.serial
        };
        let weak = Rc::downgrade(flight);
        let worker = CheckWorker::start(job, move |update| {
            let Some(flight) = weak.upgrade() else {
                return;
            };
            if !flight.borrow().is_current(serial) {
                return;
            }
            if !matches!(update, Update::Progress { .. }) {
                // Done or failed: the worker's memory (fingerprints, frontier) goes back now.
                flight.borrow().terminate();
            }
            on_update(update);
        })?;
        flight.borrow_mut().worker = Some(worker);
        Ok(())
    }

    /// Starts `job` and keeps a panel's phase up to date: `running(tick)` at once and on every
    /// progress report, `done(update)` for the result, `failed(message)` if the worker cannot
    /// start or the search fails. (Both checker panels drive their searches this way.)
    pub fn run_job<P: 'static>(
        flight: &Rc<RefCell<Flight>>,
        phase: &yew::UseStateHandle<P>,
        job: &Job,
        running: impl Fn(Tick) -> P + 'static,
        done: impl Fn(Update) -> Option<P> + 'static,
        failed: fn(String) -> P,
    ) {
        phase.set(running(Tick::starting()));
        let on_update = {
            let phase = phase.clone();
            move |update: Update| match update {
                Update::Progress {
                    progress,
                    elapsed_us,
                } => phase.set(running(Tick::from_worker(progress, elapsed_us))),
                Update::Failed(message) => phase.set(failed(message)),
                other => {
                    if let Some(p) = done(other) {
                        phase.set(p);
                    }
                }
            }
        };
        if let Err(message) = Flight::start(flight, job, on_update) {
            phase.set(failed(message));
        }
    }

    /// Stops the search in flight; whatever it still reports is stale.
    pub fn stop(&mut self) {
        if let Some(worker) = self.worker.take() {
            worker.terminate();
        }
        self.serial += 1;
    }

    /// Whether the search with `serial` is still the one in flight.
    pub fn is_current(&self, serial: u32) -> bool {
        self.serial == serial
    }

    /// Asks the search to stop at its next slice and report what it saw (the Cancel button).
    pub fn cancel(&self) {
        if let Some(worker) = &self.worker {
            worker.cancel();
        }
    }

    /// Ends the worker at once (leaving the page: nobody reads the result any more).
    pub fn terminate(&self) {
        if let Some(worker) = &self.worker {
            worker.terminate();
        }
    }
}

/// Where a search stands after a slice, with the wall time since it started.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tick {
    pub progress: Progress,
    pub elapsed_ms: f64,
}

impl Tick {
    /// The worker's progress message as a tick.
    pub fn from_worker(progress: Progress, elapsed_us: u64) -> Tick {
        Tick {
            progress,
            elapsed_ms: elapsed_us as f64 / 1000.0,
        }
    }

    /// Before the worker's first report.
    pub fn starting() -> Tick {
        Tick {
            progress: Progress {
                distinct_states: 0,
                generated_states: 0,
                depth: 0,
                queued_states: 0,
                violated_invariants: 0,
                status: Status::Running,
            },
            elapsed_ms: 0.0,
        }
    }
}

/// `1062474` → `1,062,474`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Distinct states per second of wall time, `None` before any time has passed.
pub fn states_per_second(states: u64, elapsed_ms: f64) -> Option<u64> {
    (elapsed_ms.is_finite() && elapsed_ms > 0.0)
        .then(|| (states as f64 * 1000.0 / elapsed_ms).round() as u64)
}

/// `1.234 s` or `56 ms`.
pub fn duration(elapsed_ms: f64) -> String {
    // Integer arithmetic: no float formatting machinery in the page's bundle.
    let ms = if elapsed_ms.is_finite() {
        elapsed_ms.max(0.0)
    } else {
        0.0
    };
    if ms >= 1000.0 {
        let hundredths = (ms / 10.0).round() as u64;
        format!("{}.{:02} s", hundredths / 100, hundredths % 100)
    } else {
        format!("{} ms", ms.round() as u64)
    }
}

/// A progress bar's value in [0, 1] with three decimals (`0.250`).
pub fn fraction_value(fraction: f64) -> String {
    let thousandths = if fraction.is_finite() {
        (fraction.clamp(0.0, 1.0) * 1000.0).round() as u64
    } else {
        0
    };
    format!("{}.{:03}", thousandths / 1000, thousandths % 1000)
}

/// The progress line under the bar: states, depth in steps, what is queued, and the rate.
pub fn progress_line(tick: &Tick) -> String {
    let p = &tick.progress;
    let rate = states_per_second(p.distinct_states, tick.elapsed_ms)
        .map_or_else(|| "…".to_string(), |r| format!("{} states/s", thousands(r)));
    let violated = match p.violated_invariants {
        0 => String::new(),
        1 => " · 1 invariant broken so far".to_string(),
        n => format!(" · {n} invariants broken so far"),
    };
    format!(
        "{} states ({} generated) · depth {} · {} queued · {}{}",
        thousands(p.distinct_states),
        thousands(p.generated_states),
        p.depth.saturating_sub(1),
        thousands(p.queued_states),
        rate,
        violated
    )
}

/// How full the progress bar is: the larger of the state bound and the depth bound used up
/// (the search ends at whichever comes first, or earlier when the state graph is exhausted).
pub fn progress_fraction(p: &Progress, max_states: u64, max_depth_states: u32) -> f64 {
    let by_states = p.distinct_states as f64 / max_states.max(1) as f64;
    let by_depth = f64::from(p.depth) / f64::from(max_depth_states.max(1));
    by_states.max(by_depth).clamp(0.0, 1.0)
}

/// The core's scope sentence ("no trace of up to N steps … breaks it …") about one invariant.
pub fn holds_sentence(scope: &str, invariant: &str) -> String {
    scope.replacen("breaks it", &format!("breaks {invariant}"), 1)
}

/// What the search's end means, in a few words.
pub fn status_text(status: Status) -> &'static str {
    match status {
        Status::Running => "running",
        Status::Complete => "every reachable state explored",
        Status::StateBoundReached => "stopped at the state bound",
        Status::DepthBoundReached => "stopped at the step bound",
        Status::StoppedAtViolation => "stopped at the first violation",
        Status::Cancelled => "cancelled: the verdicts speak of the states seen so far",
    }
}

/// A whole number typed into a bounds field, or why not.
pub fn parse_count(text: &str) -> Result<u64, String> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '_' && *c != ' ')
        .collect();
    if cleaned.is_empty() {
        return Err("enter a whole number".to_string());
    }
    cleaned
        .parse::<u64>()
        .map_err(|_| format!("\u{201c}{}\u{201d} is not a whole number", text.trim()))
}

/// The bounds form as typed: "max states", "max steps", "max chaos firings".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundsText {
    pub max_states: String,
    pub max_steps: String,
    pub max_chaos_fires: String,
}

impl Default for BoundsText {
    fn default() -> Self {
        let b = CheckBounds::default();
        BoundsText {
            max_states: b.max_states.to_string(),
            max_steps: b.max_steps.to_string(),
            max_chaos_fires: b.max_chaos_fires.to_string(),
        }
    }
}

/// Field keys of [`BoundsText`], as the core names them in its validation paths.
pub const FIELD_MAX_STATES: &str = "max_states";
pub const FIELD_MAX_STEPS: &str = "max_steps";
pub const FIELD_MAX_CHAOS_FIRES: &str = "max_chaos_fires";

impl BoundsText {
    /// The bounds, or a message per field: first whether the text is a number, then the core's
    /// own validation (its ceilings are the core's to decide).
    pub fn bounds(&self) -> Result<CheckBounds, VecMap<&'static str, String>> {
        let mut errors = VecMap::new();
        let mut read = |key: &'static str, text: &str| match parse_count(text) {
            Ok(n) => n,
            Err(e) => {
                errors.insert(key, e);
                0
            }
        };
        let max_states = read(FIELD_MAX_STATES, &self.max_states);
        let max_steps = read(FIELD_MAX_STEPS, &self.max_steps);
        let max_chaos_fires = read(FIELD_MAX_CHAOS_FIRES, &self.max_chaos_fires);
        let narrow = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        let bounds = CheckBounds {
            max_states,
            max_steps: narrow(max_steps),
            max_chaos_fires: narrow(max_chaos_fires),
        };
        if let Err(problems) = bounds.validate() {
            for p in problems {
                let key = p.path.trim_start_matches("check.");
                let key = [FIELD_MAX_STATES, FIELD_MAX_STEPS, FIELD_MAX_CHAOS_FIRES]
                    .into_iter()
                    .find(|k| *k == key)
                    .unwrap_or(FIELD_MAX_STATES);
                errors.get_or_insert_with(key, || p.message);
            }
        }
        if errors.is_empty() {
            Ok(bounds)
        } else {
            Err(errors)
        }
    }
}

/// The reference model's constants as typed, and the largest values the page offers: beyond 4
/// the variants' state spaces no longer fit a few seconds in the browser (and most no longer fit
/// the model's 128-bit state).
pub const MODEL_MAX_CONSTANT: u32 = 4;

/// Default state bound of the model view: about two seconds of wasm, tens of MB of memory.
pub const MODEL_DEFAULT_MAX_STATES: u64 = 2_000_000;

/// The model view's ceiling on its state bound (what the page's memory holds comfortably).
pub const MODEL_MAX_STATES_CEILING: u64 = 20_000_000;

/// `MaxFailures` or `NoMessages` as typed, or why not.
pub fn parse_constant(text: &str) -> Result<u32, String> {
    let n = parse_count(text)?;
    if (1..=u64::from(MODEL_MAX_CONSTANT)).contains(&n) {
        Ok(n as u32)
    } else {
        Err(format!(
            "between 1 and {MODEL_MAX_CONSTANT} here (larger constants take minutes)"
        ))
    }
}

/// The model view's state bound as typed, or why not.
pub fn parse_model_states(text: &str) -> Result<u64, String> {
    let n = parse_count(text)?;
    if (1..=MODEL_MAX_STATES_CEILING).contains(&n) {
        Ok(n)
    } else {
        Err(format!(
            "between 1 and {}",
            thousands(MODEL_MAX_STATES_CEILING)
        ))
    }
}

#[cfg(test)]
mod tests {
    use crate::state::{UiAction, UiState};
    use exactly_once_core::check::ScenarioChecker;
    use exactly_once_core::invariants::InvariantName;
    use exactly_once_core::scenario::CheckBounds;
    use std::rc::Rc;
    use yew::Reducible;

    /// "Load into player": the checker's shortest ghost trace of c05-before, replayed by the
    /// player, shows the same violation at the same event, with the playhead on it.
    #[test]
    fn a_counterexample_loads_into_the_player_at_its_violation() {
        let s = Rc::new(UiState::with_preset("c05-before"));
        let mut checker =
            ScenarioChecker::new(&s.scenario, &CheckBounds::default()).expect("checker");
        let report = checker.run_to_end();
        let cx = report
            .verdict(InvariantName::NoGhostMessages)
            .and_then(|v| v.counterexample.clone())
            .expect("the ghost is found");
        let violation = cx.violation.clone().expect("the replay shows it");
        let s = s.reduce(UiAction::LoadPath {
            path: Rc::new(cx.path.clone()),
            at: violation.event,
            note: "loaded".into(),
        });
        assert_eq!(s.manual.as_deref(), Some(&cx.path));
        assert!(s.notice.is_some());
        let run = Rc::new(crate::compute::compute_path(&s.scenario, &cx.path).expect("replays"));
        let generation = s.generation;
        let s = s.reduce(UiAction::RunReady { generation, run });
        let run = s.run.as_ref().expect("run");
        assert_eq!(
            run.report.first_violation[&InvariantName::NoGhostMessages].event,
            violation.event
        );
        assert_eq!(s.cursor, violation.event);
        assert_eq!(run.events.len(), cx.events.len());
    }
}
