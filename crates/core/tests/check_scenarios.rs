//! The exhaustive checker on the presets: every `-before` preset's violations are found, each with
//! a counterexample no longer than the seeded run's and which the simulator replays to the same
//! violation; the outbox + inbox (c13-after) and token (c14-after) fixes hold within the bounds.

use exactly_once_core::check::{
    Model, ScenarioChecker, ScenarioCounterexample, ScenarioModel, ScenarioReport, Status,
};
use exactly_once_core::invariants::InvariantName;
use exactly_once_core::prng::Ratio;
use exactly_once_core::scenario::{CheckBounds, CheckedScenario, Scenario};
use exactly_once_core::{presets, replay, Choice, Simulator};
use std::collections::BTreeMap;

/// Small bounds: every preset's world is finite and small (a few thousand states at most), and the
/// longest seeded run of a `-before` preset reaches its last violation at step 103.
fn small_bounds() -> CheckBounds {
    CheckBounds {
        max_states: 20_000,
        max_steps: 150,
        max_chaos_fires: 1,
    }
}

fn scenario(id: &str) -> Scenario {
    presets::get(id)
        .unwrap_or_else(|| panic!("preset {id} missing"))
        .scenario
}

fn check(s: &Scenario, bounds: &CheckBounds) -> ScenarioReport {
    ScenarioChecker::new(s, bounds)
        .unwrap_or_else(|e| panic!("checker refused: {e}"))
        .run_to_end()
}

/// The seeded run's violations: for each invariant, the number of choices after which it first
/// held.
fn seeded_violations(s: &Scenario) -> BTreeMap<InvariantName, usize> {
    let mut sim = Simulator::new(s).expect("valid preset");
    let mut events_after_step = Vec::new();
    while sim.step() {
        events_after_step.push(sim.events().len() as u32);
    }
    sim.report()
        .first_violation
        .iter()
        .map(|(name, v)| {
            let step = events_after_step
                .iter()
                .position(|end| *end > v.event)
                .map_or(events_after_step.len(), |p| p + 1);
            (*name, step)
        })
        .collect()
}

/// The counterexample replays through `sim::replay` to the same invariant, broken by the events of
/// its last step (not before: it is a shortest trace).
fn assert_replays(s: &Scenario, id: &str, name: InvariantName, cex: &ScenarioCounterexample) {
    assert_eq!(cex.replay_error, None, "{id} {name:?}");
    let reported = cex
        .violation
        .as_ref()
        .unwrap_or_else(|| panic!("{id} {name:?}: the replay does not report the violation"));
    let run = replay(s, &cex.path).expect("the path replays");
    let violation = run
        .invariants
        .first_violation
        .get(&name)
        .unwrap_or_else(|| panic!("{id} {name:?}: sim::replay does not break it"));
    assert_eq!(violation, reported, "{id} {name:?}");
    assert_eq!(run.path, cex.path, "{id} {name:?}");
    let Some((_, before_last)) = cex.path.split_last() else {
        panic!("{id} {name:?}: the initial state cannot break a ledger or end invariant");
    };
    let prefix = replay(s, before_last).expect("the prefix replays");
    assert!(
        violation.event >= prefix.events.len() as u32,
        "{id} {name:?}: broken at event {} before the last step (which starts at {})",
        violation.event,
        prefix.events.len()
    );
    if InvariantName::PER_MESSAGE.contains(&name) {
        assert!(
            prefix.invariants.holds(name),
            "{id} {name:?}: already broken one step earlier"
        );
    } else {
        // End invariants are checked where nothing more can happen.
        assert!(run.world.is_quiescent(), "{id} {name:?}");
    }
}

#[test]
fn every_before_preset_violation_is_found_with_a_trace_no_longer_than_the_seeded_run() {
    let mut checked = 0;
    for preset in presets::all()
        .into_iter()
        .filter(|p| p.id.ends_with("-before"))
    {
        let id = preset.id.as_str();
        let s = &preset.scenario;
        let seeded = seeded_violations(s);
        let report = check(s, &small_bounds());
        assert_eq!(report.status, Status::Complete, "{id}: the world is small");
        assert_eq!(report.truncated_states, 0, "{id}");
        for (name, seeded_step) in &seeded {
            let verdict = report
                .verdict(*name)
                .expect("every invariant has a verdict");
            let cex = verdict.counterexample.as_ref().unwrap_or_else(|| {
                panic!("{id}: the seeded run breaks {name:?} at step {seeded_step}, the checker finds nothing")
            });
            assert!(
                cex.len_steps() <= *seeded_step,
                "{id} {name:?}: {} steps, the seeded run needed {seeded_step}",
                cex.len_steps()
            );
        }
        for verdict in &report.invariants {
            if let Some(cex) = &verdict.counterexample {
                assert_replays(s, id, verdict.name, cex);
            }
        }
        if seeded.is_empty() {
            // c01, c13, c15 and n04 show problems that break no invariant (a natural re-ordering
            // that recovers, a leftover outbox entry, an orphan outbox document, a flag without
            // concurrency control that happens to work); the exhaustive check agrees.
            assert!(report.invariants.iter().all(|v| v.holds()), "{id}");
        }
        checked += 1;
    }
    assert_eq!(checked, 26);
}

#[test]
fn outbox_inbox_and_token_fixes_hold_within_the_bounds() {
    for id in ["c13-after", "c14-after"] {
        let report = check(&scenario(id), &small_bounds());
        // Complete: every reachable state of the scenario was explored, not just a prefix.
        assert_eq!(report.status, Status::Complete, "{id}");
        assert!(report.invariants.iter().all(|v| v.holds()), "{id}");
        assert!(
            report.distinct_states > 50,
            "{id}: {}",
            report.distinct_states
        );
    }
}

#[test]
fn outbox_inbox_fix_survives_any_single_crash_duplicate_commit_failure_or_lost_ack() {
    let mut s = scenario("c13-after");
    let rate = Some(Ratio::new(1, 10));
    s.knobs.crash_rate = rate;
    s.knobs.duplicate_rate = rate;
    s.knobs.commit_failure_rate = rate;
    s.knobs.lost_ack_rate = rate;
    let report = check(&s, &small_bounds());
    assert_eq!(report.status, Status::Complete);
    assert!(report.invariants.iter().all(|v| v.holds()), "{report:?}");
    assert!(
        report
            .scope()
            .contains("steps with at most 1 probabilistic chaos firing breaks it"),
        "{}",
        report.scope()
    );
    let plain = check(&scenario("c13-after"), &small_bounds());
    assert!(report.distinct_states > 4 * plain.distinct_states);
}

#[test]
fn chaos_budget_bounds_the_firings_of_probabilistic_rules() {
    let plain = check(&scenario("c01-before"), &small_bounds());
    let mut s = scenario("c01-before");
    s.knobs.crash_rate = Some(Ratio::new(1, 10));
    let none = check(
        &s,
        &CheckBounds {
            max_chaos_fires: 0,
            ..small_bounds()
        },
    );
    // With no firing allowed the knob changes nothing.
    assert_eq!(none.distinct_states, plain.distinct_states);
    assert!(none.invariants.iter().all(|v| v.holds()));
    for fires in [1u32, 2] {
        let bounds = CheckBounds {
            max_chaos_fires: fires,
            ..small_bounds()
        };
        let report = check(&s, &bounds);
        assert_eq!(report.status, Status::Complete, "{fires}");
        assert!(report.distinct_states > none.distinct_states, "{fires}");
        for verdict in &report.invariants {
            if let Some(cex) = &verdict.counterexample {
                let fired: u32 = cex
                    .choices
                    .iter()
                    .map(|c| match c {
                        Choice::Step { fire, .. } => fire.count_ones(),
                        _ => 0,
                    })
                    .sum();
                assert!(fired <= fires, "{:?} fired {fired}", verdict.name);
                assert_replays(&s, "c01-before+crash", verdict.name, cex);
            }
        }
    }
}

#[test]
fn sliced_and_parallel_runs_give_the_same_report() {
    let s = scenario("c14-before");
    let bounds = small_bounds();
    let whole = check(&s, &bounds);
    let mut checker = ScenarioChecker::new(&s, &bounds).expect("valid");
    let mut slices = 0;
    while checker.run(97).status == Status::Running {
        slices += 1;
    }
    assert!(slices > 5);
    let sliced = checker.report();
    assert_eq!(sliced.distinct_states, whole.distinct_states);
    assert_eq!(sliced.generated_states, whole.generated_states);
    assert_eq!(sliced.invariants, whole.invariants);
    // The parallel explorer is native only (the page runs the budgeted one in a worker).
    #[cfg(not(target_arch = "wasm32"))]
    {
        let parallel =
            exactly_once_core::check::check_scenario_parallel(&s, &bounds, 2).expect("valid");
        assert_eq!(parallel.distinct_states, whole.distinct_states);
        assert_eq!(parallel.generated_states, whole.generated_states);
        assert_eq!(parallel.invariants, whole.invariants);
    }
}

#[test]
fn bounds_cut_the_search_and_the_report_says_how_far_it_went() {
    let s = scenario("c14-before");
    let report = check(
        &s,
        &CheckBounds {
            max_steps: 40,
            ..small_bounds()
        },
    );
    assert_eq!(report.status, Status::DepthBoundReached);
    assert_eq!(report.steps_fully_explored(), 40);
    assert!(report.scope().starts_with("no trace of up to 40 steps"));
    // Its violation needs 68 steps.
    assert!(report.invariants.iter().all(|v| v.holds()));
    let report = check(
        &s,
        &CheckBounds {
            max_states: 300,
            ..small_bounds()
        },
    );
    assert_eq!(report.status, Status::StateBoundReached);
    assert_eq!(report.distinct_states, 300);
    assert!(report.scope().contains("state bound of 300 reached"));
}

#[test]
fn model_choices_are_the_worlds_choice_indices() {
    let mut s = scenario("c14-before");
    s.knobs.crash_rate = Some(Ratio::new(1, 2));
    let model = ScenarioModel::new(&s, &small_bounds()).expect("valid");
    let mut states = Vec::new();
    model.init_states(&mut states);
    let mut state = states.remove(0);
    let mut world_choices = Vec::new();
    let mut choices = Vec::new();
    for _ in 0..60 {
        choices.clear();
        model.choices(&state, &mut choices);
        state.world.choices(&mut world_choices);
        if choices.is_empty() {
            break;
        }
        for c in &choices {
            assert_eq!(world_choices[c.index as usize], c.choice);
        }
        // Take the last choice: it fires the most rules the budget allows.
        let last = choices[choices.len() - 1];
        state = model.apply(&state, last);
    }
    assert!(state.chaos_fires <= 1);
}

#[test]
fn bad_bounds_and_scenarios_are_refused_with_every_reason() {
    let bad = CheckBounds {
        max_states: 0,
        max_steps: 0,
        max_chaos_fires: 99,
    };
    let errs = match ScenarioChecker::new(&scenario("c01-before"), &bad) {
        Ok(_) => panic!("bad bounds accepted"),
        Err(e) => e.to_string(),
    };
    for path in [
        "check.max_states",
        "check.max_steps",
        "check.max_chaos_fires",
    ] {
        assert!(errs.contains(path), "{errs}");
    }
    let mut invalid = scenario("c01-before");
    invalid.format = 99;
    let errs = match ScenarioChecker::new(&invalid, &small_bounds()) {
        Ok(_) => panic!("invalid scenario accepted"),
        Err(e) => e.to_string(),
    };
    assert!(errs.contains("format"), "{errs}");

    let mut text: serde_json::Value =
        serde_json::from_str(&scenario("c13-after").to_json()).expect("json");
    text["check"] = serde_json::json!({ "max_states": 500, "max_steps": 30 });
    let parsed = CheckedScenario::from_json(&text.to_string()).expect("valid with a check section");
    assert_eq!(parsed.scenario, scenario("c13-after"));
    assert_eq!(
        parsed.check,
        CheckBounds {
            max_states: 500,
            max_steps: 30,
            ..CheckBounds::default()
        }
    );
    text["check"] = serde_json::json!({ "max_sates": 500 });
    let err = CheckedScenario::from_json(&text.to_string()).expect_err("unknown bound");
    assert_eq!(err.path, "check");
    assert!(CheckedScenario::from_json("[1, 2").is_err());
}

#[test]
fn a_state_with_too_many_choices_is_cut_and_the_report_says_so() {
    use exactly_once_core::scenario::{ChaosRule, Effect, StepName, Target, When};
    // Sixteen probabilistic crash rules all match every handler step: with a budget of sixteen
    // firings a step offers 2^16 choices, more than the explorer's parent links can name.
    let mut s = scenario("c01-before");
    s.chaos = (0..16)
        .map(|_| ChaosRule {
            target: Target::default(),
            when: When::Probability(Ratio::new(1, 100)),
            effect: Effect::Crash {
                after: StepName::Any,
            },
            once_group: None,
        })
        .collect();
    let report = check(
        &s,
        &CheckBounds {
            max_states: 2_000,
            max_steps: 150,
            max_chaos_fires: 16,
        },
    );
    assert!(report.truncated_states > 0);
    assert!(report.scope().contains("only the first 256 were explored"));
}

#[test]
fn out_of_document_outbox_survives_a_crash_at_any_step() {
    // Spec C-15: NoLostMessages and AtMostOneOutputMsg (ConsistentOutput) under a crash at every
    // step. The crash knob may fire at any handler step; here at most twice per trace.
    let mut s = scenario("c15-after");
    s.knobs.crash_rate = Some(Ratio::new(1, 10));
    let report = check(
        &s,
        &CheckBounds {
            max_chaos_fires: 2,
            ..small_bounds()
        },
    );
    assert_eq!(report.status, Status::Complete);
    assert!(report.distinct_states > 5_000, "{}", report.distinct_states);
    assert!(report.invariants.iter().all(|v| v.holds()), "{report:?}");
}
