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

use exactly_once_core::ids::OrderId;
use exactly_once_core::prng::Ratio;
use exactly_once_core::scenario::*;
use exactly_once_core::Simulator;
use std::time::Instant;

const COMMANDS: u32 = 10_000;
const ORDERS: u32 = 500;

fn soak_scenario() -> Scenario {
    let fillings = [
        Filling::Meat,
        Filling::Mushrooms,
        Filling::QuarkAndPotatoes,
        Filling::Strawberry,
    ];
    let mut script = Vec::new();
    for o in 1..=ORDERS {
        script.push(ScriptStep {
            at_ms: u64::from(o),
            action: Action::SubmitOrder { order: OrderId(o) },
        });
    }
    let mut i = 0u32;
    while script.len() < COMMANDS as usize {
        let order = OrderId(1 + (i * 7919) % ORDERS);
        let filling = fillings[(i % 4) as usize];
        let action = if i % 5 == 4 {
            Action::RemoveItem { order, filling }
        } else {
            Action::AddItem { order, filling }
        };
        script.push(ScriptStep {
            at_ms: 1_000 + u64::from(i) * 10,
            action,
        });
        i += 1;
    }
    let endpoint = EndpointSettings {
        concurrency: 8,
        lease_ms: 30_000,
        immediate_retries: 20,
        unrecoverable: Vec::new(),
        step_ms: 1,
    };
    let logic = HandlerLogic {
        consistency: Consistency::OutboxInbox,
        ..HandlerLogic::default()
    };
    Scenario {
        format: 1,
        seed: 2024,
        limits: Limits {
            max_events: 5_000_000,
            max_queue_len: 100_000,
            max_script_steps: COMMANDS,
            max_time_ms: 86_400_000,
            max_request_retries: 10,
        },
        frontend: FrontendSettings::default(),
        orders: OrdersSettings {
            endpoint: endpoint.clone(),
            submit_order: logic.clone(),
            add_item: HandlerLogic {
                first_item_added: true,
                ..logic.clone()
            },
            remove_item: logic.clone(),
            order_key: OrderKey::FromMessage,
        },
        shipping: Some(SubscriberSettings {
            endpoint: endpoint.clone(),
            logic: logic.clone(),
        }),
        marketing: Some(SubscriberSettings { endpoint, logic }),
        script,
        chaos: vec![ChaosRule {
            target: Target {
                endpoint: Some(Endpoint::Orders),
                ..Target::default()
            },
            when: When::Probability(Ratio::new(1, 5_000)),
            effect: Effect::Slow {
                after: StepName::Commit,
                delay_ms: 40_000,
            },
            once_group: None,
        }],
        knobs: Knobs {
            duplicate_rate: Some(Ratio::new(1, 10)),
            delay_rate: Some(Ratio::new(1, 20)),
            delay_ms: 2_000,
            commit_failure_rate: Some(Ratio::new(1, 50)),
            crash_rate: Some(Ratio::new(1, 200)),
            lost_ack_rate: Some(Ratio::new(1, 50)),
        },
    }
}

fn main() {
    let scenario = soak_scenario();
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
