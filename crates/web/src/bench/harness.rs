//! The page's benchmark mode (`?bench`): runs the core's soak workload on the page's thread and
//! the exhaustive checker on the reference model in the checker's web worker (as the Model tab
//! does), inside the release build, in this browser, and writes the figures as JSON into
//! `<pre id="bench-result">` (read by `cargo xtask bench`). It measures; it decides nothing, and
//! it renders no playground.

use crate::worker_client::CheckWorker;
use exactly_once_core::check::wire::{Job, Update};
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

/// The final spec at MaxFailures = 4, NoMessages = 4 (TLC: 1,062,474 distinct states), run to
/// its end in the worker; the time is the worker's own, from its job's start to its report.
async fn checker() -> serde_json::Value {
    let job = Job::Model {
        variant: "final".into(),
        max_failures: 4,
        messages: 4,
        max_states: 20_000_000,
    };
    let (sender, receiver) = futures_channel();
    let started = now_ms();
    let worker = CheckWorker::start(&job, move |update| {
        if !matches!(update, Update::Progress { .. }) {
            sender(update);
        }
    });
    let worker = match worker {
        Ok(w) => w,
        Err(e) => return json!({ "error": e }),
    };
    let update = receiver.await;
    let wall_seconds = (now_ms() - started) / 1000.0;
    drop(worker);
    match update {
        Some(Update::ModelDone { report, elapsed_us }) => {
            let seconds = elapsed_us as f64 / 1e6;
            json!({
                "model": "MessageHandler_final MaxFailures=4 NoMessages=4",
                "where": "checker web worker",
                "distinct_states": report.distinct_states,
                "generated_states": report.generated_states,
                "depth": report.depth,
                "status": report.status.as_str(),
                "seconds": seconds,
                "seconds_with_worker_start": wall_seconds,
                "distinct_states_per_second": report.distinct_states as f64 / seconds.max(1e-9),
                "bytes_per_distinct_state": report.bytes_per_state,
            })
        }
        Some(Update::Failed(message)) => json!({ "error": message }),
        _ => json!({ "error": "the worker ended without a model report" }),
    }
}

/// A one-shot channel: the sender stores the first value and wakes the receiver.
fn futures_channel() -> (
    impl Fn(Update) + 'static,
    impl std::future::Future<Output = Option<Update>>,
) {
    use std::cell::RefCell;
    use std::rc::Rc;
    let slot: Rc<RefCell<Option<Update>>> = Rc::default();
    let sender = {
        let slot = slot.clone();
        move |update: Update| {
            let mut slot = slot.borrow_mut();
            if slot.is_none() {
                *slot = Some(update);
            }
        }
    };
    let receiver = async move {
        // The worker's messages arrive between tasks: look every few milliseconds.
        loop {
            if let Some(update) = slot.borrow_mut().take() {
                return Some(update);
            }
            gloo_timers::future::TimeoutFuture::new(5).await;
        }
    };
    (sender, receiver)
}

/// Runs both measurements and writes the result into the page.
pub fn run() {
    wasm_bindgen_futures::spawn_local(async {
        let soak = soak();
        let checker = checker().await;
        write(&json!({ "soak": soak, "checker": checker }));
    });
}

fn write(result: &serde_json::Value) {
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
