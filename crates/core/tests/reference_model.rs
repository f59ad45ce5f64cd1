//! The reference model against TLC: the `MessageHandler` TLA+ specification and its exercise
//! variants (spec §4.2 and §4.3) must give TLC's distinct-state counts, generated-state counts,
//! depths, violated invariants and shortest counterexample lengths. Matching them is what shows
//! the explorer (breadth-first order, fingerprints, parent links, bounds) is right.

use exactly_once_core::check::{
    replay, Bounds, Explorer, MessageHandler, Model, Progress, Report, Status, Step, Variant,
};

type HandlerReport = Report<<MessageHandler as Model>::State, Step>;

fn model(variant: Variant, max_failures: u32, messages: u32) -> MessageHandler {
    MessageHandler::new(variant, max_failures, messages).expect("constants fit the encoding")
}

fn check(variant: Variant, max_failures: u32, messages: u32) -> HandlerReport {
    Explorer::new(model(variant, max_failures, messages), Bounds::default())
        .expect("default bounds are valid")
        .run_to_end()
}

/// (invariant, TLC's shortest counterexample length in states) for every violated invariant.
fn violations(report: &HandlerReport) -> Vec<(&str, usize)> {
    report
        .invariants
        .iter()
        .filter_map(|result| {
            result
                .counterexample()
                .map(|trace| (result.name.as_str(), trace.len_states()))
        })
        .collect()
}

/// One row of the table in spec §4.2, at MaxFailures = 1, NoMessages = 1.
struct Row {
    variant: Variant,
    distinct: u64,
    generated: u64,
    depth: u32,
    violated: &'static [(&'static str, usize)],
}

const TABLE: [Row; 7] = [
    Row {
        variant: Variant::SendThenUpdate,
        distinct: 44,
        generated: 47,
        depth: 14,
        violated: &[
            ("NoGhostMessages", 10),
            ("NoLostWrite", 9),
            ("NoDuplicatedProcessings", 12),
            ("ConsistentOutput", 10),
        ],
    },
    Row {
        variant: Variant::UpdateThenSend,
        distinct: 44,
        generated: 47,
        depth: 14,
        violated: &[
            ("NoLostMessages", 10),
            ("NoLostWrite", 9),
            ("NoDuplicatedProcessings", 10),
            ("ConsistentOutput", 12),
        ],
    },
    Row {
        variant: Variant::AtomicUpdateAndSend,
        distinct: 25,
        generated: 27,
        depth: 12,
        violated: &[
            ("NoLostWrite", 9),
            ("NoDuplicatedProcessings", 10),
            ("ConsistentOutput", 10),
        ],
    },
    Row {
        variant: Variant::AtomicWithDedup,
        distinct: 23,
        generated: 26,
        depth: 11,
        violated: &[("NoLostWrite", 9)],
    },
    Row {
        variant: Variant::SplitSendOwnTxId,
        distinct: 88,
        generated: 90,
        depth: 20,
        violated: &[("ConsistentOutput", 12)],
    },
    Row {
        variant: Variant::SplitSendDbTxId,
        distinct: 63,
        generated: 69,
        depth: 17,
        violated: &[],
    },
    Row {
        variant: Variant::Final,
        distinct: 54,
        generated: 60,
        depth: 14,
        violated: &[],
    },
];

#[test]
fn every_variant_at_one_and_one_matches_tlc() {
    for row in &TABLE {
        let report = check(row.variant, 1, 1);
        let name = row.variant.name();
        assert_eq!(report.status, Status::Complete, "variant {name}");
        assert_eq!(report.distinct_states, row.distinct, "variant {name}");
        assert_eq!(report.generated_states, row.generated, "variant {name}");
        assert_eq!(report.depth, row.depth, "variant {name}");
        assert_eq!(violations(&report), row.violated.to_vec(), "variant {name}");
        // TypeInvariant is checked in every TLC run of the table and never fails.
        assert!(report.invariant("TypeInvariant").is_some_and(|r| r.holds()));
    }
}

#[test]
fn final_spec_at_three_and_three_matches_tlc() {
    let report = check(Variant::Final, 3, 3);
    assert_eq!(report.status, Status::Complete);
    assert_eq!(
        (
            report.distinct_states,
            report.generated_states,
            report.depth
        ),
        (31_181, 41_513, 30)
    );
    assert!(violations(&report).is_empty());
}

#[test]
fn final_spec_at_four_and_four_matches_tlc() {
    let report = check(Variant::Final, 4, 4);
    assert_eq!(report.status, Status::Complete);
    assert_eq!(
        (
            report.distinct_states,
            report.generated_states,
            report.depth
        ),
        (1_062_474, 1_515_294, 38)
    );
    assert!(violations(&report).is_empty());
    // The memory goal: fingerprints + parent links + frontier within 32 bytes per state.
    assert!(
        report.bytes_per_state() <= 32,
        "{} bytes per state",
        report.bytes_per_state()
    );
    assert!(report.collision_one_in > 1_000_000);
}

#[test]
fn counterexamples_replay_to_a_violating_state() {
    for row in &TABLE {
        let model = model(row.variant, 1, 1);
        let report = check(row.variant, 1, 1);
        for (index, result) in report.invariants.iter().enumerate() {
            let Some(trace) = result.counterexample() else {
                continue;
            };
            assert_eq!(trace.states.len(), trace.choices.len() + 1);
            // Step by step: each state is the previous one under the recorded choice.
            for (step, pair) in trace.states.windows(2).enumerate() {
                let mut enabled = Vec::new();
                model.choices(&pair[0], &mut enabled);
                let position = usize::from(trace.choice_positions[step]);
                assert_eq!(enabled[position], trace.choices[step]);
                assert_eq!(model.apply(&pair[0], trace.choices[step]), pair[1]);
            }
            // From the share-link form (initial state + choice positions) alone.
            let replayed = replay(&model, trace.init_index, &trace.choice_positions)
                .expect("the path replays");
            assert_eq!(&replayed, trace);
            let last = trace.states.last().expect("at least the initial state");
            assert_ne!(model.violated_invariants(last) & (1 << index), 0);
            // Shortest: no earlier state on the path breaks the invariant.
            for earlier in &trace.states[..trace.states.len() - 1] {
                assert_eq!(model.violated_invariants(earlier) & (1 << index), 0);
            }
        }
    }
}

#[test]
fn counterexamples_tell_the_workshop_stories() {
    // Variant 1, ghost message: attempt 1 fails in Send; attempt 2 sends tx 1, UpdateDb fails at
    // the limit and the message is given up with an output and no db change.
    let model1 = model(Variant::SendThenUpdate, 1, 1);
    let report = check(Variant::SendThenUpdate, 1, 1);
    let trace = report
        .invariant("NoGhostMessages")
        .and_then(|r| r.counterexample())
        .expect("violated");
    let end = model1.decode(trace.states.last().expect("non-empty"));
    assert_eq!(end.queue_out, vec![(1, 1)]);
    assert!(end.db.is_empty());
    assert_eq!(end.processed, vec![1]);
    assert_eq!(trace.choices[3], Step::Fail);

    // Variant 5, inconsistent output: attempt 1 writes and sends tx 0 and Ack fails; attempt 2
    // leaves the db alone and sends tx 1.
    let model5 = model(Variant::SplitSendOwnTxId, 1, 1);
    let report = check(Variant::SplitSendOwnTxId, 1, 1);
    let trace = report
        .invariant("ConsistentOutput")
        .and_then(|r| r.counterexample())
        .expect("violated");
    let end = model5.decode(trace.states.last().expect("non-empty"));
    assert_eq!(end.queue_out, vec![(1, 0), (1, 1)]);
    assert_eq!(end.db, vec![(1, 0)]);
    assert_eq!(
        model5.describe_step(&trace.states[5], trace.choices[5]),
        "AckInMsg fails (failures[1] = 1)"
    );
}

#[test]
fn slices_give_the_same_report_as_one_run() {
    for variant in Variant::ALL {
        let whole = check(variant, 2, 2);
        let mut explorer =
            Explorer::new(model(variant, 2, 2), Bounds::default()).expect("valid bounds");
        let mut last: Option<Progress> = None;
        loop {
            let progress = explorer.run(7);
            if let Some(previous) = last {
                assert!(progress.distinct_states >= previous.distinct_states);
                assert!(progress.generated_states >= previous.generated_states);
                assert!(progress.depth >= previous.depth);
            }
            last = Some(progress);
            if progress.status.is_finished() {
                break;
            }
        }
        assert_eq!(explorer.report(), whole, "variant {}", variant.name());
    }
}

#[test]
fn bounds_stop_the_search() {
    let bounded = |bounds: Bounds| {
        Explorer::new(model(Variant::Final, 2, 2), bounds)
            .expect("valid bounds")
            .run_to_end()
    };
    let report = bounded(Bounds {
        max_distinct_states: 100,
        ..Bounds::default()
    });
    assert_eq!(report.status, Status::StateBoundReached);
    assert_eq!(report.distinct_states, 100);

    let report = bounded(Bounds {
        max_depth: 5,
        ..Bounds::default()
    });
    assert_eq!(report.status, Status::DepthBoundReached);
    assert_eq!(report.depth, 5);

    // A depth bound at or past the graph's depth changes nothing.
    let full = check(Variant::Final, 2, 2);
    let report = bounded(Bounds {
        max_depth: full.depth,
        ..Bounds::default()
    });
    assert_eq!(report, full);

    // Stopping at the first violation finds the same shortest trace.
    let full = check(Variant::SendThenUpdate, 1, 1);
    let report = Explorer::new(
        model(Variant::SendThenUpdate, 1, 1),
        Bounds {
            stop_at_first_violation: true,
            ..Bounds::default()
        },
    )
    .expect("valid bounds")
    .run_to_end();
    assert_eq!(report.status, Status::StoppedAtViolation);
    let first = violations(&report);
    assert_eq!(first, vec![("NoLostWrite", 9)]);
    assert_eq!(
        report.invariant("NoLostWrite"),
        full.invariant("NoLostWrite")
    );
    assert!(report.distinct_states < full.distinct_states);
}

#[test]
fn cancel_keeps_the_verdicts_so_far() {
    let mut explorer =
        Explorer::new(model(Variant::Final, 3, 3), Bounds::default()).expect("valid bounds");
    let progress = explorer.run(1000);
    assert_eq!(progress.status, Status::Running);
    explorer.cancel();
    let report = explorer.report();
    assert_eq!(report.status, Status::Cancelled);
    assert!(report.distinct_states > 1000 && report.distinct_states < 31_181);
    assert_eq!(explorer.run(1000).status, Status::Cancelled);
    // The page's worker posts progress as JSON; the status reads as in the CLI.
    let progress = serde_json::to_value(explorer.progress()).expect("serializes");
    assert_eq!(progress["status"], Status::Cancelled.as_str());
}

#[test]
fn constants_that_do_not_fit_are_refused() {
    assert!(MessageHandler::new(Variant::Final, 1, 0).is_err());
    assert!(MessageHandler::new(Variant::SplitSendDbTxId, 8, 8).is_err());
    let fits = model(Variant::Final, 4, 4);
    assert!(fits.state_bits() <= 128);
    assert!(Explorer::new(
        fits,
        Bounds {
            max_depth: 0,
            ..Bounds::default()
        }
    )
    .is_err());
}

#[cfg(not(target_arch = "wasm32"))]
mod parallel {
    use super::*;
    use exactly_once_core::check::explore_parallel;

    #[test]
    fn threads_give_the_same_report() {
        for variant in Variant::ALL {
            for constants in [(1, 1), (2, 2)] {
                let sequential = check(variant, constants.0, constants.1);
                for threads in [1, 2, 3] {
                    let mut parallel = explore_parallel(
                        &model(variant, constants.0, constants.1),
                        Bounds::default(),
                        threads,
                    )
                    .expect("valid bounds");
                    // Only the memory figures differ.
                    parallel.memory = sequential.memory;
                    assert_eq!(parallel, sequential, "variant {}", variant.name());
                }
            }
        }
    }

    #[test]
    fn threads_give_the_same_counterexamples_on_wide_levels() {
        // 255,536 states on 38 levels: most levels are wide enough to be split between threads.
        let sequential = check(Variant::SendThenUpdate, 1, 3);
        assert_eq!(sequential.distinct_states, 255_536);
        assert_eq!(violations(&sequential).len(), 4);
        let mut parallel =
            explore_parallel(&model(Variant::SendThenUpdate, 1, 3), Bounds::default(), 2)
                .expect("valid bounds");
        parallel.memory = sequential.memory;
        assert_eq!(parallel, sequential);
    }

    #[test]
    fn two_threads_count_the_final_spec_at_four_and_four() {
        let report =
            explore_parallel(&model(Variant::Final, 4, 4), Bounds::default(), 2).expect("valid");
        assert_eq!(report.status, Status::Complete);
        assert_eq!(
            (
                report.distinct_states,
                report.generated_states,
                report.depth
            ),
            (1_062_474, 1_515_294, 38)
        );
        assert!(violations(&report).is_empty());
    }

    #[test]
    fn parallel_bounds_match_the_sequential_explorer() {
        let bounds = Bounds {
            max_distinct_states: 5_000,
            ..Bounds::default()
        };
        let sequential = Explorer::new(model(Variant::SplitSendOwnTxId, 2, 3), bounds)
            .expect("valid")
            .run_to_end();
        let parallel =
            explore_parallel(&model(Variant::SplitSendOwnTxId, 2, 3), bounds, 2).expect("valid");
        assert_eq!(parallel.status, Status::StateBoundReached);
        assert_eq!(parallel.distinct_states, sequential.distinct_states);
        assert_eq!(parallel.invariants, sequential.invariants);
    }
}
