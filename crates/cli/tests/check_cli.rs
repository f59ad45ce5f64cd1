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
fn a_before_preset_gives_its_shortest_failing_trace_as_a_replayable_path() {
    let output = exactly_once(&["check", "c06-before", "--json"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let report = json(&output);
    assert_eq!(report["status"], "complete");
    for field in [
        "distinct_states",
        "generated_states",
        "depth",
        "bytes_per_state",
    ] {
        assert!(report[field].as_u64().is_some_and(|n| n > 0), "{field}");
    }
    assert!(report["seconds"].as_f64().is_some());
    let lost = &report["invariants"]["NoLostMessages"];
    assert_eq!(lost["holds"], false);
    let path = lost["path"].as_array().expect("path");
    assert_eq!(lost["length_steps"].as_u64(), Some(path.len() as u64));
    // The seeded run breaks it at step 29 as well: nothing shorter exists.
    assert_eq!(path.len(), 29);
    let trace = lost["trace"].as_array().expect("trace");
    assert!(trace.iter().any(|line| line
        .as_str()
        .is_some_and(|l| l.contains("publish of ItemAdded"))));
    assert_eq!(lost["event"].as_u64(), Some(trace.len() as u64 - 1));
    let ghost = &report["invariants"]["NoGhostMessages"];
    assert_eq!(ghost["holds"], true);
    assert_eq!(ghost["trace"], serde_json::json!([]));

    let text = exactly_once(&["check", "c06-before"]);
    assert_eq!(text.status.code(), Some(1));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("NoLostMessages: VIOLATED, shortest trace 29 steps"),
        "{text}"
    );
    assert!(text.contains("first broken at event #"), "{text}");
    assert!(
        text.contains(
            "no trace of up to 29 steps breaks NoGhostMessages, and there is no longer one"
        ),
        "{text}"
    );
}

#[test]
fn the_token_fix_holds_with_one_and_two_threads() {
    for threads in ["1", "2"] {
        let output = exactly_once(&[
            "check",
            "c14-after",
            "--max-states",
            "20000",
            "--max-depth",
            "150",
            "--threads",
            threads,
            "--json",
        ]);
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        let report = json(&output);
        assert_eq!(report["status"], "complete");
        assert_eq!(
            report["threads"].as_u64(),
            Some(threads.parse().expect("n"))
        );
        let invariants = report["invariants"].as_object().expect("invariants");
        assert_eq!(invariants.len(), 9);
        assert!(invariants.values().all(|v| v["holds"] == true));
    }
}

#[test]
fn a_scenario_file_brings_its_own_bounds_and_flags_override_them() {
    let dir = std::env::temp_dir().join(format!("eo-check-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("c13-after.json");
    let scenario_text = {
        let mut value: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../core/presets/c13-after.json"
            ))
            .expect("preset file"),
        )
        .expect("json");
        let mut scenario = value["scenario"].take();
        scenario["check"] = serde_json::json!({ "max_steps": 20 });
        scenario.to_string()
    };
    std::fs::write(&file, scenario_text).expect("write");
    let path = file.to_string_lossy().to_string();
    let output = exactly_once(&["check", &path]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("no trace of up to 20 steps"), "{text}");
    let output = exactly_once(&["check", &path, "--max-depth", "150", "--json"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json(&output)["status"], "complete");

    let bad = dir.join("bad-bounds.json");
    std::fs::write(&bad, r#"{"format": 1, "check": {"max_steps": 0}}"#).expect("write");
    let output = exactly_once(&["check", &bad.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("check.max_steps"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_scenario_checks_exit_2_with_a_message() {
    for (args, expected) in [
        (
            &["check", "no-such-preset"][..],
            "neither a preset id nor a readable file",
        ),
        (&["check", "/nonexistent/x.json"][..], "cannot read"),
        (
            &["check", "c01-before", "--max-states", "0"][..],
            "--max-states",
        ),
        (
            &["check", "c01-before", "--max-depth", "x"][..],
            "--max-depth",
        ),
        (
            &["check", "c01-before", "--max-chaos-fires", "99"][..],
            "--max-chaos-fires",
        ),
        (
            &["check", "c01-before", "--variant", "1"][..],
            "model:message-handler",
        ),
        (
            &["check", "c01-before", "--frobnicate"][..],
            "unknown argument",
        ),
        (&["check", "c01-before", "--threads"][..], "needs a value"),
    ] {
        let output = exactly_once(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(message.contains(expected), "{args:?}: {message}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}
