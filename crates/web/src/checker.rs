//! The exhaustive checker as the page runs it: a slice driver that keeps the page responsive,
//! the bounds form's parsing, and the sentences and numbers the checker panels show.
//!
//! The core decides everything (which states exist, which invariants break, what "holds within
//! the bounds" means); this module only schedules the core's budgeted `run` between browser
//! frames and words its results. Pure functions are tested in `tests/checker.rs`.

use exactly_once_core::check::{
    Counterexample, Explorer, HandlerState, HandlerVars, MessageHandler, Model, Progress,
    ScenarioChecker, Status, Step,
};
use exactly_once_core::scenario::CheckBounds;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Wall time one slice of checking may take before the page gets the thread back: well under a
/// frame, so that Cancel, scrolling and the player stay responsive while the search runs.
pub const SLICE_MS: f64 = 12.0;

/// States in the first slice: small, because a scenario state can cost a millisecond to expand.
pub const FIRST_BUDGET: u64 = 16;

/// Budgets stay within these (the core counts a budget in expanded states).
pub const MIN_BUDGET: u64 = 1;
pub const MAX_BUDGET: u64 = 1 << 20;

/// Anything the core can explore in budgeted slices.
pub trait Sliced {
    /// Expands up to `budget` states; says where the search stands.
    fn run_slice(&mut self, budget: u64) -> Progress;
    fn cancel(&mut self);
    fn progress(&self) -> Progress;
}

impl Sliced for ScenarioChecker {
    fn run_slice(&mut self, budget: u64) -> Progress {
        self.run(budget)
    }
    fn cancel(&mut self) {
        ScenarioChecker::cancel(self);
    }
    fn progress(&self) -> Progress {
        ScenarioChecker::progress(self)
    }
}

impl<M: Model> Sliced for Explorer<M> {
    fn run_slice(&mut self, budget: u64) -> Progress {
        self.run(budget)
    }
    fn cancel(&mut self) {
        Explorer::cancel(self);
    }
    fn progress(&self) -> Progress {
        Explorer::progress(self)
    }
}

/// The budget of the next slice so that it takes about `target_ms`: proportional to the last
/// slice's speed, but at most 4x up or down at once (the first levels of a search are much
/// cheaper or dearer than the later ones, and one odd slice must not make the next one freeze).
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

/// Shared between a running search and its Cancel button.
#[derive(Clone, Default, Debug)]
pub struct CancelToken(Rc<Cell<bool>>);

impl CancelToken {
    pub fn cancel(&self) {
        self.0.set(true);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.get()
    }
}

/// The search in flight: its token, and a serial number so that a search the user replaced (or
/// whose input changed) never writes its result over a newer one.
#[derive(Default)]
pub struct Flight {
    serial: u32,
    token: CancelToken,
}

impl Flight {
    /// Cancels the search in flight (if any) and starts a new one: its token and serial.
    pub fn start(&mut self) -> (CancelToken, u32) {
        self.stop();
        self.token = CancelToken::default();
        (self.token.clone(), self.serial)
    }

    /// Cancels the search in flight; whatever it still reports is stale.
    pub fn stop(&mut self) {
        self.token.cancel();
        self.serial += 1;
    }

    /// Whether the search with `serial` is still the one in flight.
    pub fn is_current(&self, serial: u32) -> bool {
        self.serial == serial
    }

    /// Cancels without invalidating (leaving the page: nobody reads the result any more).
    pub fn cancel(&self) {
        self.token.cancel();
    }
}

/// Where a search stands after a slice, with the wall time since it started.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tick {
    pub progress: Progress,
    pub elapsed_ms: f64,
}

/// Milliseconds from the page's clock (monotonic where the browser has `performance`).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// Runs `job` to its end in slices of about [`SLICE_MS`], yielding to the browser between them
/// and reporting each slice to `on_progress`. A cancelled token cancels the job at the next
/// slice boundary (the core then reports what it saw so far). Returns the last tick.
pub async fn drive<J: Sliced>(
    job: &mut J,
    cancel: &CancelToken,
    mut on_progress: impl FnMut(Tick),
) -> Tick {
    let start = now_ms();
    let mut budget = FIRST_BUDGET;
    loop {
        if cancel.is_cancelled() {
            job.cancel();
            return Tick {
                progress: job.progress(),
                elapsed_ms: now_ms() - start,
            };
        }
        let slice_start = now_ms();
        let progress = job.run_slice(budget);
        let slice_end = now_ms();
        let tick = Tick {
            progress,
            elapsed_ms: slice_end - start,
        };
        if progress.status.is_finished() {
            return tick;
        }
        on_progress(tick);
        budget = next_budget(budget, slice_end - slice_start, SLICE_MS);
        gloo_timers::future::TimeoutFuture::new(0).await;
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
    if elapsed_ms >= 1000.0 {
        format!("{:.2} s", elapsed_ms / 1000.0)
    } else {
        format!("{:.0} ms", elapsed_ms.max(0.0))
    }
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
    pub fn bounds(&self) -> Result<CheckBounds, BTreeMap<&'static str, String>> {
        let mut errors = BTreeMap::new();
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
                errors.entry(key).or_insert(p.message);
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

/// One state of a reference-model counterexample: the step that led to it and its variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelStep {
    pub step: String,
    pub vars: HandlerVars,
}

/// A counterexample of the reference model in TLA+ terms, initial state first.
pub fn model_trace(
    model: &MessageHandler,
    trace: &Counterexample<HandlerState, Step>,
) -> Vec<ModelStep> {
    let mut out = Vec::with_capacity(trace.states.len());
    if let Some(first) = trace.states.first() {
        out.push(ModelStep {
            step: "Init".to_string(),
            vars: model.decode(first),
        });
    }
    for (pair, choice) in trace.states.windows(2).zip(&trace.choices) {
        out.push(ModelStep {
            step: model.describe_step(&pair[0], *choice),
            vars: model.decode(&pair[1]),
        });
    }
    out
}

/// The variables of a state as the spec names them, each with its value in TLA+ notation.
pub fn var_rows(v: &HandlerVars) -> Vec<(&'static str, String)> {
    let ids = |ids: &[u32]| {
        let list: Vec<String> = ids.iter().map(u32::to_string).collect();
        format!("{{{}}}", list.join(", "))
    };
    let records = |records: &[(u32, u32)]| {
        let list: Vec<String> = records
            .iter()
            .map(|(id, tx)| format!("[id |-> {id}, txId |-> {tx}]"))
            .collect();
        format!("{{{}}}", list.join(", "))
    };
    let failures = if v.failures.len() == 1 {
        v.failures[0].to_string()
    } else {
        let list: Vec<String> = v.failures.iter().map(u32::to_string).collect();
        format!("<<{}>>", list.join(", "))
    };
    let or_default =
        |value: Option<u32>| value.map_or("defaultInitValue".to_string(), |x| x.to_string());
    vec![
        ("pc", format!("\"{}\"", v.pc)),
        ("queueIn", ids(&v.queue_in)),
        ("queueOut", records(&v.queue_out)),
        ("db", records(&v.db)),
        ("processed", ids(&v.processed)),
        ("failures", failures),
        ("txCounter", v.tx_counter.to_string()),
        ("msg", or_default(v.msg)),
        ("txId", or_default(v.tx_id)),
    ]
}

/// The variables whose value differs between two consecutive states (none for the first).
pub fn changed_vars(prev: Option<&HandlerVars>, cur: &HandlerVars) -> Vec<&'static str> {
    let Some(prev) = prev else {
        return Vec::new();
    };
    var_rows(prev)
        .into_iter()
        .zip(var_rows(cur))
        .filter(|(a, b)| a.1 != b.1)
        .map(|(a, _)| a.0)
        .collect()
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
