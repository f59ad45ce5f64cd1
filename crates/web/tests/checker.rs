//! The page's side of the exhaustive checker, in a real browser: the sentences and numbers the
//! panels show, the bounds form, and the core's reference-model traces as the player gets them
//! (computed here with the core, as the worker computes them). The worker's slice driver is
//! tested natively in `crates/worker`; the worker itself end to end (`xtask/src/e2e/checker.rs`).
#![cfg(target_arch = "wasm32")]

use exactly_once_core::check::{Bounds, Explorer, MessageHandler, Progress, Status, Variant};
use exactly_once_core::scenario::CheckBounds;
use exactly_once_web::checker::{
    duration, fraction_value, holds_sentence, parse_constant, parse_count, parse_model_states,
    progress_fraction, progress_line, states_per_second, thousands, BoundsText, Tick,
    FIELD_MAX_CHAOS_FIRES, FIELD_MAX_STATES, FIELD_MAX_STEPS,
};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn numbers_are_worded_for_people() {
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(1_000), "1,000");
    assert_eq!(thousands(1_062_474), "1,062,474");
    assert_eq!(states_per_second(44, 0.0), None);
    assert_eq!(states_per_second(1_000, 500.0), Some(2_000));
    assert_eq!(duration(56.4), "56 ms");
    assert_eq!(duration(1_234.0), "1.23 s");
    assert_eq!(duration(59_996.0), "60.00 s");
    assert_eq!(duration(f64::NAN), "0 ms");
    assert_eq!(fraction_value(0.25), "0.250");
    assert_eq!(fraction_value(1.0), "1.000");
    assert_eq!(fraction_value(-3.0), "0.000");
    let tick = Tick {
        progress: Progress {
            distinct_states: 12_345,
            generated_states: 20_000,
            depth: 15,
            queued_states: 300,
            violated_invariants: 2,
            status: Status::Running,
        },
        elapsed_ms: 1_000.0,
    };
    assert_eq!(
        progress_line(&tick),
        "12,345 states (20,000 generated) · depth 14 · 300 queued · 12,345 states/s · 2 invariants broken so far"
    );
    assert!((progress_fraction(&tick.progress, 100_000, 16) - 15.0 / 16.0).abs() < 1e-9);
    assert!((progress_fraction(&tick.progress, 10_000, 1_000) - 1.0).abs() < 1e-9);
    assert_eq!(
        holds_sentence(
            "no trace of up to 30 steps breaks it (depth bound reached)",
            "NoLostWrite"
        ),
        "no trace of up to 30 steps breaks NoLostWrite (depth bound reached)"
    );
}

#[wasm_bindgen_test]
fn the_bounds_form_reports_each_bad_field() {
    assert_eq!(BoundsText::default().bounds(), Ok(CheckBounds::default()));
    assert_eq!(parse_count(" 1,000 "), Ok(1_000));
    assert!(parse_count("ten").is_err());
    assert!(parse_count("").is_err());
    let bad = BoundsText {
        max_states: "lots".into(),
        max_steps: "0".into(),
        max_chaos_fires: "99".into(),
    };
    let errors = bad.bounds().expect_err("three problems");
    assert!(errors[FIELD_MAX_STATES].contains("not a whole number"));
    // The core's own validation speaks for the ranges.
    assert!(errors[FIELD_MAX_STEPS].contains("between 1 and"));
    assert!(errors[FIELD_MAX_CHAOS_FIRES].contains("at most"));
    assert_eq!(parse_constant("4"), Ok(4));
    assert!(parse_constant("5").is_err());
    assert!(parse_constant("0").is_err());
    assert!(parse_model_states("0").is_err());
    assert_eq!(parse_model_states("2,000,000"), Ok(2_000_000));
}

#[wasm_bindgen_test]
fn a_counterexample_marks_the_variables_each_step_changes() {
    let model = MessageHandler::new(Variant::SendThenUpdate, 1, 1).expect("model");
    let mut x = Explorer::new(model.clone(), Bounds::default()).expect("explorer");
    let summary = model.summary(&x.run_to_end());
    assert_eq!(summary.distinct_states, 44);
    let trace = summary
        .invariants
        .iter()
        .find(|v| v.name == "NoGhostMessages")
        .and_then(|v| v.counterexample.clone())
        .expect("violated");
    assert_eq!(trace.states.len(), 10, "TLC's counterexample has 10 states");
    assert!(trace.states[0].changed.is_empty());
    // MainLoop -> Receive changes only pc.
    assert_eq!(trace.states[1].changed, ["pc"]);
    // The last step gives the message up: it leaves queueIn and enters processed.
    let last = &trace.states[9].changed;
    assert!(
        last.iter().any(|v| v == "queueIn") && last.iter().any(|v| v == "processed"),
        "{last:?}"
    );
    let names: Vec<&str> = trace.states[9]
        .vars
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "pc",
            "queueIn",
            "queueOut",
            "db",
            "processed",
            "failures",
            "txCounter",
            "msg",
            "txId"
        ]
    );
    assert_eq!(trace.states[9].vars[2].1, "{[id |-> 1, txId |-> 1]}");
    assert_eq!(trace.states[9].vars[4].1, "{1}");
}
