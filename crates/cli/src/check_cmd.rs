//! `exactly-once check`: exhaustive checking from the command line.
//!
//! ```text
//! exactly-once check model:message-handler --variant <1|2|3|4|5|6|final>
//!     --max-failures N --messages N [--threads N] [--max-states N] [--max-depth N] [--json]
//! exactly-once check <preset-id | scenario.json> [--max-states N] [--max-depth N]
//!     [--max-chaos-fires N] [--threads N] [--json]
//! ```
//!
//! A scenario file may carry a `check` section (`max_states`, `max_steps`, `max_chaos_fires`);
//! the flags override it, and a preset uses the defaults of [`CheckBounds`]. For a scenario,
//! `--max-depth` and the JSON `depth` count choices (steps), not states: every trace of up to
//! `depth` steps was explored. Each violated invariant's `path` replays with `sim::replay`.
//!
//! Exit codes: 0 when every invariant holds within the bounds, 1 when one is violated, 2 for a bad
//! argument (with the reason on stderr). Wall-clock seconds are measured here; the core has no
//! clock.

use std::time::Instant;

use exactly_once_core::check::{
    check_scenario_parallel, explore_parallel, Bounds, Explorer, HandlerState, MessageHandler,
    Report, ScenarioChecker, ScenarioReport, Status, Step, Variant,
};
use exactly_once_core::scenario::{
    CheckBounds, CheckedScenario, MAX_CHECK_CHAOS_FIRES_CEILING, MAX_CHECK_STATES_CEILING,
    MAX_CHECK_STEPS_CEILING,
};
use serde_json::{json, Map, Value};

/// Exit code when every invariant holds within the bounds.
pub const EXIT_HOLDS: i32 = 0;
/// Exit code when an invariant is violated.
pub const EXIT_VIOLATED: i32 = 1;
/// Exit code for a bad argument.
pub const EXIT_USAGE: i32 = 2;

/// The only model target so far.
const MODEL_TARGET: &str = "model:message-handler";
/// More threads than this is a typo, not a machine.
const MAX_THREADS: usize = 256;
/// States expanded per slice of the single-threaded explorer (it is budgeted for the page).
const SLICE_STATES: u64 = 1 << 16;

const USAGE: &str =
    "usage: exactly-once check model:message-handler --variant <1|2|3|4|5|6|final> \
--max-failures N --messages N [--threads N] [--max-states N] [--max-depth N] [--json]
       exactly-once check <preset-id | scenario.json> [--max-states N] [--max-depth STEPS] \
[--max-chaos-fires N] [--threads N] [--json]";

/// What `check model:message-handler` was asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelCheckArgs {
    /// The exercise variant (table rows of the workshop spec §4.2).
    pub variant: Variant,
    /// `MaxFailures`.
    pub max_failures: u32,
    /// `NoMessages`.
    pub messages: u32,
    /// 1: the budgeted single-threaded explorer; more: the parallel one.
    pub threads: usize,
    /// Explorer bounds.
    pub bounds: Bounds,
    /// Print JSON instead of text.
    pub json: bool,
}

/// Runs `exactly-once check ...`; `args` are the arguments after `check` (a leading `check` is
/// skipped too). Returns the process exit code.
pub fn run(args: &[String]) -> i32 {
    let args = match args.first() {
        Some(first) if first == "check" => &args[1..],
        _ => args,
    };
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        println!("{USAGE}");
        return EXIT_HOLDS;
    }
    if let Some(target) = args.first() {
        if !target.starts_with("model:") && !target.starts_with('-') {
            return run_scenario(args);
        }
    }
    let parsed = match parse(args) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("exactly-once check: {message}\n{USAGE}");
            return EXIT_USAGE;
        }
    };
    let model = match MessageHandler::new(parsed.variant, parsed.max_failures, parsed.messages) {
        Ok(model) => model,
        Err(error) => {
            eprintln!("exactly-once check: {error}");
            return EXIT_USAGE;
        }
    };
    let started = Instant::now();
    let report = match check_model(&model, &parsed) {
        Ok(report) => report,
        Err(message) => {
            eprintln!("exactly-once check: {message}");
            return EXIT_USAGE;
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let text = if parsed.json {
        format!("{}\n", report_json(&model, &parsed, &report, seconds))
    } else {
        report_text(&model, &parsed, &report, seconds)
    };
    if crate::emit(&text) != 0 {
        return EXIT_USAGE;
    }
    if report.invariants.iter().all(|result| result.holds()) {
        EXIT_HOLDS
    } else {
        EXIT_VIOLATED
    }
}

/// Parses the arguments after `check`; the error is the message for stderr.
pub fn parse(args: &[String]) -> Result<ModelCheckArgs, String> {
    let Some(target) = args.first() else {
        return Err(format!(
            "what to check is missing: a preset id, a scenario file or `{MODEL_TARGET}`"
        ));
    };
    if target != MODEL_TARGET {
        if target.starts_with("model:") {
            return Err(format!(
                "unknown model `{target}`; the built-in model is `{MODEL_TARGET}`"
            ));
        }
        if target.starts_with('-') {
            return Err(format!(
                "the first argument must say what to check (a preset id, a scenario file or `{MODEL_TARGET}`), got `{target}`"
            ));
        }
        return Err(format!(
            "`{target}` is a preset or scenario file: see `parse_scenario_args`"
        ));
    }
    let mut parsed = ModelCheckArgs {
        variant: Variant::Final,
        max_failures: 1,
        messages: 1,
        threads: 1,
        bounds: Bounds::default(),
        json: false,
    };
    let mut variant_given = false;
    let mut rest = args[1..].iter();
    while let Some(flag) = rest.next() {
        if flag == "--json" {
            parsed.json = true;
            continue;
        }
        let mut value = || rest.next().ok_or_else(|| format!("`{flag}` needs a value"));
        match flag.as_str() {
            "--variant" => {
                let name = value()?;
                parsed.variant = Variant::from_name(name).ok_or_else(|| {
                    format!("unknown variant `{name}`: expected 1, 2, 3, 4, 5, 6 or final")
                })?;
                variant_given = true;
            }
            "--max-failures" => parsed.max_failures = number(flag, value()?, 0, 64)? as u32,
            "--messages" => parsed.messages = number(flag, value()?, 1, 16)? as u32,
            "--threads" => parsed.threads = number(flag, value()?, 1, MAX_THREADS as u64)? as usize,
            "--max-states" => {
                parsed.bounds.max_distinct_states =
                    number(flag, value()?, 1, u64::from(u32::MAX) - 1)?
            }
            "--max-depth" => {
                parsed.bounds.max_depth = number(flag, value()?, 1, u64::from(u32::MAX))? as u32
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if !variant_given {
        return Err("`--variant` is missing: 1, 2, 3, 4, 5, 6 or final".to_string());
    }
    Ok(parsed)
}

fn number(flag: &str, text: &str, min: u64, max: u64) -> Result<u64, String> {
    let value: u64 = text
        .parse()
        .map_err(|_| format!("`{flag}` needs a whole number, got `{text}`"))?;
    if value < min || value > max {
        return Err(format!(
            "`{flag}` must be between {min} and {max}, got {value}"
        ));
    }
    Ok(value)
}

/// Runs the explorer the arguments ask for.
pub fn check_model(
    model: &MessageHandler,
    args: &ModelCheckArgs,
) -> Result<Report<HandlerState, Step>, String> {
    if args.threads > 1 {
        return explore_parallel(model, args.bounds, args.threads).map_err(|e| e.to_string());
    }
    let mut explorer = Explorer::new(model.clone(), args.bounds).map_err(|e| e.to_string())?;
    while !explorer.run(SLICE_STATES).status.is_finished() {}
    Ok(explorer.report())
}

/// The trace of a counterexample: the initial state, then each step with the state it led to.
fn trace_json(model: &MessageHandler, report: &Report<HandlerState, Step>, name: &str) -> Value {
    let Some(trace) = report.invariant(name).and_then(|r| r.counterexample()) else {
        return Value::Array(Vec::new());
    };
    let mut entries = vec![json!({ "step": "Init", "state": model.decode(&trace.states[0]) })];
    for (index, pair) in trace.states.windows(2).enumerate() {
        entries.push(json!({
            "step": model.describe_step(&pair[0], trace.choices[index]),
            "choice": trace.choice_positions[index],
            "state": model.decode(&pair[1]),
        }));
    }
    Value::Array(entries)
}

/// The `--json` document.
pub fn report_json(
    model: &MessageHandler,
    args: &ModelCheckArgs,
    report: &Report<HandlerState, Step>,
    seconds: f64,
) -> Value {
    let mut invariants = Map::new();
    for result in &report.invariants {
        let mut entry = Map::new();
        entry.insert("holds".to_string(), Value::Bool(result.holds()));
        if let Some(trace) = result.counterexample() {
            entry.insert("length_states".to_string(), json!(trace.len_states()));
        }
        entry.insert("trace".to_string(), trace_json(model, report, &result.name));
        invariants.insert(result.name.clone(), Value::Object(entry));
    }
    json!({
        "model": MODEL_TARGET,
        "variant": args.variant.name(),
        "max_failures": args.max_failures,
        "messages": args.messages,
        "threads": args.threads,
        "status": report.status.as_str(),
        "distinct_states": report.distinct_states,
        "generated_states": report.generated_states,
        "depth": report.depth,
        "seconds": seconds,
        "distinct_states_per_second": per_second(report.distinct_states, seconds),
        "bytes_per_state": report.bytes_per_state(),
        "collision_probability": 1.0 / report.collision_one_in as f64,
        "invariants": Value::Object(invariants),
    })
}

fn per_second(count: u64, seconds: f64) -> u64 {
    if seconds > 0.0 {
        (count as f64 / seconds) as u64
    } else {
        0
    }
}

fn bounds_phrase(args: &ModelCheckArgs, report: &Report<HandlerState, Step>) -> String {
    match report.status {
        Status::Complete => "in all reachable states".to_string(),
        Status::StateBoundReached => format!(
            "in the first {} states (state bound reached)",
            args.bounds.max_distinct_states
        ),
        Status::DepthBoundReached => format!(
            "in traces of up to {} states (depth bound reached)",
            args.bounds.max_depth
        ),
        Status::Running | Status::Cancelled | Status::StoppedAtViolation => {
            format!("in the {} states explored", report.distinct_states)
        }
    }
}

/// The human-readable report.
pub fn report_text(
    model: &MessageHandler,
    args: &ModelCheckArgs,
    report: &Report<HandlerState, Step>,
    seconds: f64,
) -> String {
    let mut out = format!(
        "MessageHandler variant {} ({}), MaxFailures = {}, NoMessages = {}\n\
         {} distinct states, {} generated, depth {}, {:.3} s ({} distinct states/s), {} bytes/state, {}\n",
        args.variant.name(),
        args.variant.description(),
        args.max_failures,
        args.messages,
        report.distinct_states,
        report.generated_states,
        report.depth,
        seconds,
        per_second(report.distinct_states, seconds),
        report.bytes_per_state(),
        report.status.as_str(),
    );
    let scope = bounds_phrase(args, report);
    for result in &report.invariants {
        match result.counterexample() {
            None => out.push_str(&format!("  {}: holds {scope}\n", result.name)),
            Some(trace) => {
                out.push_str(&format!(
                    "  {}: VIOLATED, shortest trace {} states:\n",
                    result.name,
                    trace.len_states()
                ));
                out.push_str(&format!(
                    "      1. Init: {}\n",
                    model.decode(&trace.states[0])
                ));
                for (index, pair) in trace.states.windows(2).enumerate() {
                    out.push_str(&format!(
                        "      {}. {}: {}\n",
                        index + 2,
                        model.describe_step(&pair[0], trace.choices[index]),
                        model.decode(&pair[1])
                    ));
                }
            }
        }
    }
    out
}

/// What `check <preset-id | scenario.json>` was asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioCheckArgs {
    /// The preset id or file name, as given.
    pub target: String,
    /// The scenario and its bounds (file section, then flags).
    pub checked: CheckedScenario,
    /// 1: the budgeted single-threaded checker; more: the parallel one.
    pub threads: usize,
    /// Print JSON instead of text.
    pub json: bool,
}

/// Loads a preset (default bounds) or a scenario file (a bare scenario or a preset file, either
/// with an optional `check` section).
fn load_checked(target: &str) -> Result<CheckedScenario, String> {
    let text = match crate::source::read(target)? {
        crate::source::Source::Preset(scenario) => {
            return Ok(CheckedScenario {
                scenario: *scenario,
                check: CheckBounds::default(),
            })
        }
        crate::source::Source::File(text) => text,
    };
    let mut value: Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{target}: not a valid scenario (line {} column {}: {e})",
            e.line(),
            e.column()
        )
    })?;
    // A preset file wraps the scenario: `{ "id", "title", ..., "scenario": { ... } }`.
    let is_preset = value.get("id").is_some() && value.get("scenario").is_some();
    let mut scenario_value = if is_preset {
        value["scenario"].take()
    } else {
        value
    };
    CheckedScenario::from_value(&mut scenario_value)
        .map_err(|e| format!("{target}: not a valid scenario ({e})"))
}

/// Parses the arguments after `check` for a preset or scenario file.
pub fn parse_scenario_args(args: &[String]) -> Result<ScenarioCheckArgs, String> {
    let Some(target) = args.first() else {
        return Err("what to check is missing: a preset id or a scenario file".to_string());
    };
    let mut checked = load_checked(target)?;
    let mut threads = 1;
    let mut json = false;
    let mut rest = args[1..].iter();
    while let Some(flag) = rest.next() {
        if flag == "--json" {
            json = true;
            continue;
        }
        let mut value = || rest.next().ok_or_else(|| format!("`{flag}` needs a value"));
        match flag.as_str() {
            "--max-states" => {
                checked.check.max_states = number(flag, value()?, 1, MAX_CHECK_STATES_CEILING)?
            }
            "--max-depth" | "--max-steps" => {
                checked.check.max_steps =
                    number(flag, value()?, 1, u64::from(MAX_CHECK_STEPS_CEILING))? as u32
            }
            "--max-chaos-fires" => {
                checked.check.max_chaos_fires =
                    number(flag, value()?, 0, u64::from(MAX_CHECK_CHAOS_FIRES_CEILING))? as u32
            }
            "--threads" => threads = number(flag, value()?, 1, MAX_THREADS as u64)? as usize,
            "--variant" | "--max-failures" | "--messages" => {
                return Err(format!(
                    "`{flag}` is an option of `{MODEL_TARGET}`, not of a scenario check"
                ))
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if let Err(errs) = checked.check.validate() {
        let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
        return Err(format!("bad bounds: {}", text.join("; ")));
    }
    Ok(ScenarioCheckArgs {
        target: target.clone(),
        checked,
        threads,
        json,
    })
}

/// Runs the scenario checker the arguments ask for; the error lists every problem.
pub fn check_scenario(args: &ScenarioCheckArgs) -> Result<ScenarioReport, String> {
    let CheckedScenario { scenario, check } = &args.checked;
    if args.threads > 1 {
        return check_scenario_parallel(scenario, check, args.threads).map_err(|e| e.to_string());
    }
    let mut checker = ScenarioChecker::new(scenario, check).map_err(|e| e.to_string())?;
    while !checker.run(SLICE_STATES).status.is_finished() {}
    Ok(checker.report())
}

fn run_scenario(args: &[String]) -> i32 {
    let parsed = match parse_scenario_args(args) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("exactly-once check: {message}\n{USAGE}");
            return EXIT_USAGE;
        }
    };
    let started = Instant::now();
    let report = match check_scenario(&parsed) {
        Ok(report) => report,
        Err(message) => {
            eprintln!("exactly-once check: the scenario cannot be checked: {message}");
            return EXIT_USAGE;
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let text = if parsed.json {
        format!("{}\n", scenario_report_json(&parsed, &report, seconds))
    } else {
        scenario_report_text(&parsed, &report, seconds)
    };
    // A closed pipe (`| head`) ends the output quietly; any other write error is reported.
    if crate::emit(&text) != 0 {
        return EXIT_USAGE;
    }
    if report.invariants.iter().all(|v| v.holds()) {
        EXIT_HOLDS
    } else {
        EXIT_VIOLATED
    }
}

/// The `--json` document of a scenario check: the core's [`ScenarioReport::to_json`] plus what
/// only the command line knows (target, threads, wall-clock seconds and rates).
pub fn scenario_report_json(
    args: &ScenarioCheckArgs,
    report: &ScenarioReport,
    seconds: f64,
) -> Value {
    let mut document = report.to_json();
    if let Value::Object(fields) = &mut document {
        fields.insert("target".to_string(), json!(args.target));
        fields.insert("threads".to_string(), json!(args.threads));
        fields.insert("seconds".to_string(), json!(seconds));
        fields.insert(
            "distinct_states_per_second".to_string(),
            json!(per_second(report.distinct_states, seconds)),
        );
        fields.insert(
            "collision_probability".to_string(),
            json!(1.0 / report.collision_one_in as f64),
        );
    }
    document
}

/// The human-readable report of a scenario check.
pub fn scenario_report_text(
    args: &ScenarioCheckArgs,
    report: &ScenarioReport,
    seconds: f64,
) -> String {
    let mut out = format!(
        "{}: {} distinct states, {} generated, traces of up to {} steps, {:.3} s ({} distinct states/s), {} bytes/state, {}\n",
        args.target,
        report.distinct_states,
        report.generated_states,
        report.steps_fully_explored(),
        seconds,
        per_second(report.distinct_states, seconds),
        report.bytes_per_state(),
        report.status.as_str(),
    );
    let scope = report.scope();
    for verdict in &report.invariants {
        let name = verdict.name.name();
        match &verdict.counterexample {
            None => out.push_str(&format!(
                "  {name}: holds: {}\n",
                scope.replace("breaks it", &format!("breaks {name}"))
            )),
            Some(trace) => {
                out.push_str(&format!(
                    "  {name}: VIOLATED, shortest trace {} steps, path {:?}\n",
                    trace.len_steps(),
                    trace.path
                ));
                for event in &trace.events {
                    out.push_str(&format!("      {event}\n"));
                }
                match (&trace.violation, &trace.replay_error) {
                    (Some(v), _) => out.push_str(&format!(
                        "      => {name} first broken at event #{}: {}\n",
                        v.event, v.message
                    )),
                    (None, Some(e)) => out.push_str(&format!(
                        "      => the simulator could not replay the path: {e}\n"
                    )),
                    (None, None) => out.push_str(
                        "      => the simulator's replay does not report the violation\n",
                    ),
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|arg| arg.to_string()).collect()
    }

    #[test]
    fn parses_the_documented_form() {
        let parsed = parse(&strings(&[
            "model:message-handler",
            "--variant",
            "final",
            "--max-failures",
            "3",
            "--messages",
            "3",
            "--threads",
            "2",
            "--json",
        ]))
        .expect("valid");
        assert_eq!(parsed.variant, Variant::Final);
        assert_eq!(
            (parsed.max_failures, parsed.messages, parsed.threads),
            (3, 3, 2)
        );
        assert!(parsed.json);
    }

    #[test]
    fn bad_arguments_are_usage_errors() {
        for bad in [
            &[][..],
            &["model:message-handler"][..],
            &["model:message-handler", "--variant", "7"][..],
            &["model:message-handler", "--variant", "1", "--messages", "0"][..],
            &["model:message-handler", "--variant", "1", "--messages"][..],
            &["model:message-handler", "--variant", "1", "--threads", "x"][..],
            &["model:message-handler", "--variant", "1", "--frobnicate"][..],
            &["model:nope", "--variant", "1"][..],
            &["pierogi-before"][..],
        ] {
            assert!(parse(&strings(bad)).is_err(), "{bad:?}");
            assert_eq!(run(&strings(bad)), EXIT_USAGE, "{bad:?}");
        }
    }

    #[test]
    fn json_report_has_the_documented_fields() {
        let args = parse(&strings(&[
            "model:message-handler",
            "--variant",
            "1",
            "--max-failures",
            "1",
            "--messages",
            "1",
        ]))
        .expect("valid");
        let model = MessageHandler::new(args.variant, 1, 1).expect("fits");
        let report = check_model(&model, &args).expect("runs");
        let document = report_json(&model, &args, &report, 0.5);
        assert_eq!(document["distinct_states"], 44);
        assert_eq!(document["generated_states"], 47);
        assert_eq!(document["depth"], 14);
        assert_eq!(document["seconds"], 0.5);
        let ghost = &document["invariants"]["NoGhostMessages"];
        assert_eq!(ghost["holds"], false);
        assert_eq!(ghost["trace"].as_array().map(Vec::len), Some(10));
        assert_eq!(document["invariants"]["NoLostMessages"]["holds"], true);
        assert_eq!(
            document["invariants"]["NoLostMessages"]["trace"],
            Value::Array(Vec::new())
        );
        assert_eq!(
            run(&strings(&[
                "check",
                "model:message-handler",
                "--variant",
                "1",
                "--json"
            ])),
            EXIT_VIOLATED
        );
        assert_eq!(
            run(&strings(&["model:message-handler", "--variant", "6"])),
            EXIT_HOLDS
        );
    }

    #[test]
    fn threads_give_the_same_counts() {
        let base = [
            "model:message-handler",
            "--variant",
            "final",
            "--max-failures",
            "3",
            "--messages",
            "3",
        ];
        let one = parse(&strings(&base)).expect("valid");
        let mut two = one.clone();
        two.threads = 2;
        let model = MessageHandler::new(Variant::Final, 3, 3).expect("fits");
        let first = check_model(&model, &one).expect("runs");
        let second = check_model(&model, &two).expect("runs");
        assert_eq!(first.distinct_states, 31_181);
        assert_eq!(second.distinct_states, 31_181);
        assert_eq!(first.generated_states, second.generated_states);
    }
}
