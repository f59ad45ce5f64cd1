//! `exactly-once check` end to end: the binary's JSON, exit codes and error messages.

use std::process::{Command, Output};

fn exactly_once(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exactly-once"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON document")
}

#[test]
fn variant_one_reports_tlc_counts_and_shortest_traces() {
    let output = exactly_once(&[
        "check",
        "model:message-handler",
        "--variant",
        "1",
        "--max-failures",
        "1",
        "--messages",
        "1",
        "--json",
    ]);
    // 1: an invariant is violated.
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(report["distinct_states"], 44);
    assert_eq!(report["generated_states"], 47);
    assert_eq!(report["depth"], 14);
    assert!(report["seconds"].as_f64().is_some());
    for (name, holds, trace_len) in [
        ("NoGhostMessages", false, 10),
        ("NoLostMessages", true, 0),
        ("NoLostWrite", false, 9),
        ("NoDuplicatedProcessings", false, 12),
        ("ConsistentOutput", false, 10),
        ("TypeInvariant", true, 0),
    ] {
        let invariant = &report["invariants"][name];
        assert_eq!(invariant["holds"], holds, "{name}");
        assert_eq!(
            invariant["trace"].as_array().map(Vec::len),
            Some(trace_len),
            "{name}"
        );
    }
}

#[test]
fn final_spec_holds_with_one_and_two_threads() {
    for threads in ["1", "2"] {
        let output = exactly_once(&[
            "check",
            "model:message-handler",
            "--variant",
            "final",
            "--max-failures",
            "3",
            "--messages",
            "3",
            "--threads",
            threads,
            "--json",
        ]);
        assert_eq!(output.status.code(), Some(0));
        let report = json(&output);
        assert_eq!(report["distinct_states"], 31_181);
        assert_eq!(report["generated_states"], 41_513);
        assert_eq!(report["depth"], 30);
        assert_eq!(report["invariants"]["ConsistentOutput"]["holds"], true);
    }
}

#[test]
fn bad_arguments_exit_2_with_a_message() {
    for args in [
        &["check", "model:message-handler", "--variant", "9"][..],
        &[
            "check",
            "model:message-handler",
            "--variant",
            "1",
            "--messages",
            "zero",
        ][..],
        &[
            "check",
            "model:message-handler",
            "--variant",
            "1",
            "--bogus",
        ][..],
        &[
            "check",
            "model:message-handler",
            "--variant",
            "6",
            "--max-failures",
            "8",
            "--messages",
            "8",
        ][..],
    ] {
        let output = exactly_once(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!output.stderr.is_empty(), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn presets_are_not_checkable_yet() {
    let output = exactly_once(&["check", "some-preset"]);
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("not supported yet"), "{message}");
}
