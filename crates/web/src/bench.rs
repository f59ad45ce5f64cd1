//! The page's benchmark mode (`?bench`): runs the core's soak workload and the exhaustive checker
//! on the reference model inside the release build, in this browser, and writes the figures as
//! JSON into `<pre id="bench-result">` (read by `cargo xtask bench`). It measures; it decides
//! nothing, and it renders no playground.

use exactly_once_core::check::{Bounds, Explorer, MessageHandler, Variant};
use exactly_once_core::sim::Progress;
use exactly_once_core::{workloads, Simulator};
use serde_json::json;

/// The soak of the native benchmark (`cargo bench -p exactly-once-core --bench soak`).
const SOAK_COMMANDS: u32 = 10_000;
const SOAK_ORDERS: u32 = 500;
/// Simulator steps per slice, as the page computes long runs.
const SLICE_STEPS: u32 = 10_000;

/// True when the page was opened with `?bench` in its query.
pub fn requested() -> bool {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .is_some_and(|q| q.trim_start_matches('?').split('&').any(|p| p == "bench"))
}

/// A User Timing mark (`performance.mark`), so that `cargo xtask bench` can tell where the time of
/// a long frame went. Costs a call into the browser; nothing else reads it.
pub fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
    }
}

/// A User Timing measure from the mark `start` to now (`performance.measure`).
pub fn measure(name: &str, start: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.measure_with_start_mark(name, start);
    }
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Rounds of the soak, as natively (`SOAK_ROUNDS` defaults to 3 there): the first round also
/// pays for the engine compiling the wasm code to its optimising tier, so the best round compares
/// like with like and the first is reported too.
const SOAK_ROUNDS: u32 = 3;

fn soak_once(
    scenario: &exactly_once_core::scenario::Scenario,
) -> Result<(f64, u64, usize), String> {
    let started = now_ms();
    let mut sim = Simulator::new(scenario).map_err(|e| format!("soak scenario invalid: {e:?}"))?;
    while sim.run(SLICE_STEPS) == Progress::Running {}
    let seconds = (now_ms() - started) / 1000.0;
    Ok((seconds, sim.handler_steps(), sim.events().len()))
}

fn soak() -> serde_json::Value {
    let scenario = workloads::soak(SOAK_COMMANDS, SOAK_ORDERS);
    let mut rounds = Vec::new();
    let (mut steps, mut events) = (0, 0);
    for _ in 0..SOAK_ROUNDS {
        match soak_once(&scenario) {
            Ok((seconds, s, e)) => {
                rounds.push(seconds);
                steps = s;
                events = e;
            }
            Err(error) => return json!({ "error": error }),
        }
    }
    let first = rounds.first().copied().unwrap_or(0.0);
    let best = rounds.iter().copied().fold(f64::MAX, f64::min);
    json!({
        "commands": SOAK_COMMANDS,
        "handler_steps": steps,
        "events": events,
        "rounds_seconds": rounds,
        "seconds": best,
        "handler_steps_per_second": steps as f64 / best.max(1e-9),
        "first_round_handler_steps_per_second": steps as f64 / first.max(1e-9),
    })
}

fn checker() -> serde_json::Value {
    let model = match MessageHandler::new(Variant::Final, 4, 4) {
        Ok(m) => m,
        Err(e) => return json!({ "error": format!("{e:?}") }),
    };
    let mut explorer = match Explorer::new(model, Bounds::default()) {
        Ok(x) => x,
        Err(e) => return json!({ "error": format!("{e:?}") }),
    };
    let started = now_ms();
    let report = explorer.run_to_end();
    let seconds = (now_ms() - started) / 1000.0;
    json!({
        "model": "MessageHandler_final MaxFailures=4 NoMessages=4",
        "distinct_states": report.distinct_states,
        "generated_states": report.generated_states,
        "depth": report.depth,
        "seconds": seconds,
        "distinct_states_per_second": report.distinct_states as f64 / seconds.max(1e-9),
        "bytes_per_distinct_state": report.bytes_per_state(),
    })
}

/// Runs both measurements and writes the result into the page.
pub fn run() {
    let result = json!({ "soak": soak(), "checker": checker() });
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(pre) = document.create_element("pre") else {
        return;
    };
    pre.set_id("bench-result");
    pre.set_text_content(Some(&result.to_string()));
    if let Some(body) = document.body() {
        let _ = body.append_child(&pre);
    }
}
