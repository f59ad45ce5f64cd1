//! Soak benchmark (not a timed test): 10,000 user commands through Frontend, Orders, Shipping and
//! Marketing with chaos on. Prints handler steps per second.
//!
//! `cargo bench -p exactly-once-core --bench soak`

// A benchmark measures wall-clock time by definition; the simulation it drives stays on
// virtual time. The ban on `Instant` protects the core library, not this harness.
// A native measurement: on wasm32 the program is empty (the browser figure is measured separately).
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use exactly_once_core::Simulator;
use std::time::Instant;

const COMMANDS: u32 = 10_000;
const ORDERS: u32 = 500;

fn main() {
    let scenario = exactly_once_core::workloads::soak(COMMANDS, ORDERS);
    let mut best = f64::MAX;
    let mut summary = String::new();
    // SOAK_ROUNDS=1 for a single round under a profiler.
    let rounds: u32 = std::env::var("SOAK_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    for round in 0..rounds {
        let start = Instant::now();
        let mut sim = match Simulator::new(&scenario) {
            Ok(s) => s,
            Err(errs) => {
                eprintln!("soak scenario invalid: {errs:?}");
                std::process::exit(2);
            }
        };
        // Run in slices, as the page does, and watch the queues.
        let mut max_queue = 0usize;
        let mut progress = sim.run(10_000);
        while progress == exactly_once_core::sim::Progress::Running {
            max_queue = max_queue.max(sim.world().queues.iter().map(Vec::len).max().unwrap_or(0));
            if std::env::var("SOAK_VERBOSE").is_ok() && sim.path().len() % 50_000 < 10_000 {
                eprintln!(
                    "t={} queues {:?} attempts {}",
                    sim.world().now_ms,
                    sim.world().queues.iter().map(Vec::len).collect::<Vec<_>>(),
                    sim.world().attempts.len()
                );
            }
            progress = sim.run(10_000);
        }
        let secs = start.elapsed().as_secs_f64();
        let steps = sim.handler_steps();
        let events = sim.events().len();
        let choices = sim.path().len();
        best = best.min(secs);
        summary = format!(
            "{COMMANDS} commands: {steps} handler steps, {choices} choices, {events} events, {progress:?}; \
             longest queue seen {max_queue}; violated: {:?}",
            sim.report().violated()
        );
        println!(
            "round {round}: {:.3} s, {:.0} handler steps/s, {:.0} events/s",
            secs,
            steps as f64 / secs,
            events as f64 / secs
        );
        if round + 1 == rounds {
            println!("{summary}");
            println!(
                "best: {:.0} handler steps per second ({} steps in {:.3} s)",
                steps as f64 / best,
                steps,
                best
            );
        }
    }
    let _ = summary;
}
