//! The page's side of the exhaustive checker, in a real browser: the slice driver (it yields,
//! reports progress, honours Cancel and reaches the core's counts), the bounds form, and the
//! sentences and numbers the panels show.
#![cfg(target_arch = "wasm32")]

use exactly_once_core::check::{
    Bounds, Explorer, MessageHandler, Progress, ScenarioChecker, Status, Variant,
};
use exactly_once_core::invariants::InvariantName;
use exactly_once_core::presets;
use exactly_once_core::scenario::CheckBounds;
use exactly_once_web::checker::{
    changed_vars, drive, holds_sentence, model_trace, next_budget, parse_constant, parse_count,
    parse_model_states, progress_fraction, progress_line, states_per_second, thousands, var_rows,
    BoundsText, CancelToken, Tick, FIELD_MAX_CHAOS_FIRES, FIELD_MAX_STATES, FIELD_MAX_STEPS,
    MAX_BUDGET, MIN_BUDGET,
};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn explorer(variant: Variant, max_failures: u32, messages: u32) -> Explorer<MessageHandler> {
    let model = MessageHandler::new(variant, max_failures, messages).expect("model");
    Explorer::new(model, Bounds::default()).expect("explorer")
}

#[wasm_bindgen_test]
async fn the_driver_reaches_tlc_counts_for_variant_1() {
    let mut x = explorer(Variant::SendThenUpdate, 1, 1);
    let last = drive(&mut x, &CancelToken::default(), |_| {}).await;
    assert_eq!(last.progress.status, Status::Complete);
    assert_eq!(last.progress.distinct_states, 44);
    let report = x.report();
    let ghost = report.invariant("NoGhostMessages").expect("listed");
    let trace = model_trace(x.model(), ghost.counterexample().expect("violated"));
    assert_eq!(trace.len(), 10, "TLC's counterexample has 10 states");
    assert_eq!(trace[0].step, "Init");
    assert!(trace[9].step.contains("given up"), "{}", trace[9].step);
}

#[wasm_bindgen_test]
async fn the_driver_yields_between_slices_and_reports_progress() {
    // The final spec at 3 and 3 has 31,181 states: many slices of a few states at first.
    let mut x = explorer(Variant::Final, 3, 3);
    let ticks = Rc::new(Cell::new(0u32));
    let yielded = Rc::new(Cell::new(false));
    {
        // A timer that only fires if the driver gives the thread back to the browser.
        let yielded = yielded.clone();
        wasm_bindgen_futures::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(0).await;
            yielded.set(true);
        });
    }
    let seen = ticks.clone();
    let last = drive(&mut x, &CancelToken::default(), move |t| {
        assert_eq!(t.progress.status, Status::Running);
        seen.set(seen.get() + 1);
    })
    .await;
    assert_eq!(last.progress.distinct_states, 31_181);
    assert!(ticks.get() >= 2, "only {} progress ticks", ticks.get());
    assert!(yielded.get(), "the driver never yielded to the browser");
}

#[wasm_bindgen_test]
async fn cancel_stops_the_search_at_the_next_slice() {
    let mut x = explorer(Variant::Final, 3, 3);
    let token = CancelToken::default();
    let canceller = token.clone();
    let last = drive(&mut x, &token, move |_| canceller.cancel()).await;
    assert_eq!(last.progress.status, Status::Cancelled);
    assert!(last.progress.distinct_states < 31_181);
}

#[wasm_bindgen_test]
async fn the_scenario_checker_finds_the_ghost_of_c05_before() {
    let scenario = presets::get("c05-before").expect("preset").scenario;
    let mut c = ScenarioChecker::new(&scenario, &CheckBounds::default()).expect("checker");
    let last = drive(&mut c, &CancelToken::default(), |_| {}).await;
    assert!(last.progress.status.is_finished());
    let report = c.report();
    let ghost = report
        .verdict(InvariantName::NoGhostMessages)
        .and_then(|v| v.counterexample.as_ref())
        .expect("NoGhostMessages is violated");
    assert!(ghost.violation.is_some() && ghost.replay_error.is_none());
    let lost = report
        .verdict(InvariantName::NoLostMessages)
        .expect("listed");
    assert!(lost.holds());
    let sentence = holds_sentence(&report.scope(), "NoLostMessages");
    assert!(
        sentence.starts_with("no trace of up to ") && sentence.contains("breaks NoLostMessages"),
        "{sentence}"
    );
}

#[wasm_bindgen_test]
fn budgets_follow_the_slice_time_within_limits() {
    assert_eq!(next_budget(100, 24.0, 12.0), 50);
    assert_eq!(next_budget(100, 6.0, 12.0), 200);
    // At most 4x up or down at once.
    assert_eq!(next_budget(100, 0.0, 12.0), 400);
    assert_eq!(next_budget(100, 1000.0, 12.0), 25);
    assert_eq!(next_budget(1, 1000.0, 12.0), MIN_BUDGET);
    assert_eq!(next_budget(MAX_BUDGET, 0.0, 12.0), MAX_BUDGET);
    assert_eq!(next_budget(100, f64::NAN, 12.0), 400);
}

#[wasm_bindgen_test]
fn numbers_are_worded_for_people() {
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(1_000), "1,000");
    assert_eq!(thousands(1_062_474), "1,062,474");
    assert_eq!(states_per_second(44, 0.0), None);
    assert_eq!(states_per_second(1_000, 500.0), Some(2_000));
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
async fn a_counterexample_marks_the_variables_each_step_changes() {
    let mut x = explorer(Variant::SendThenUpdate, 1, 1);
    drive(&mut x, &CancelToken::default(), |_| {}).await;
    let report = x.report();
    let ghost = report
        .invariant("NoGhostMessages")
        .and_then(|r| r.counterexample())
        .expect("violated");
    let trace = model_trace(x.model(), ghost);
    assert!(changed_vars(None, &trace[0].vars).is_empty());
    // MainLoop -> Receive changes only pc.
    assert_eq!(changed_vars(Some(&trace[0].vars), &trace[1].vars), ["pc"]);
    // The last step gives the message up: it leaves queueIn and enters processed.
    let last = changed_vars(Some(&trace[8].vars), &trace[9].vars);
    assert!(
        last.contains(&"queueIn") && last.contains(&"processed"),
        "{last:?}"
    );
    let rows = var_rows(&trace[9].vars);
    let names: Vec<&str> = rows.iter().map(|(n, _)| *n).collect();
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
    assert_eq!(rows[2].1, "{[id |-> 1, txId |-> 1]}");
    assert_eq!(rows[4].1, "{1}");
}
