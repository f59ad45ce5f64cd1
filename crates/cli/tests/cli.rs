//! The `exactly-once` binary: listing, running, JSON output, clear errors with exit code 2.

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_exactly-once"))
}

fn out(args: &[&str]) -> (i32, String, String) {
    let o = bin().args(args).output().expect("binary runs");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn presets_json_lists_id_title_exercise() {
    let (code, stdout, _) = out(&["presets", "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let arr = v.as_array().unwrap();
    assert!(arr.len() >= 52);
    for p in arr {
        let keys: Vec<&String> = p.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 3);
        assert!(p["id"].is_string() && p["title"].is_string() && p["exercise"].is_string());
    }
    assert!(arr.iter().any(|p| p["id"] == "c05-before"));
}

#[test]
fn run_json_reports_invariants_state_and_event_count() {
    let (code, stdout, _) = out(&["run", "c05-before", "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["invariants"]["NoGhostMessages"]["holds"], false);
    assert!(v["invariants"]["NoGhostMessages"]["first_violation"]["event"].is_u64());
    assert_eq!(v["invariants"]["NoLostMessages"]["holds"], true);
    assert!(v["invariants"]["NoLostMessages"]["first_violation"].is_null());
    assert!(v["events"].as_u64().unwrap() > 10);
    assert_eq!(
        v["final_state"]["stores"]["orders"]["docs"]["1"]["doc"]["lines"],
        serde_json::json!([])
    );
}

#[test]
fn run_without_json_prints_one_line_per_event() {
    let (code, stdout, _) = out(&["run", "c04-before"]);
    assert_eq!(code, 0);
    assert!(stdout.lines().any(|l| l.starts_with("#0 ")));
    assert!(stdout.contains("VIOLATED  NoDuplicatedProcessings"));
}

#[test]
fn seed_override_and_file_input() {
    let dir = std::env::temp_dir().join(format!("eo-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let preset = exactly_once_core::presets::get("c04-after").unwrap();
    let file = dir.join("scenario.json");
    std::fs::write(&file, preset.scenario.to_json()).unwrap();
    let (code, stdout, stderr) = out(&["run", file.to_str().unwrap(), "--seed", "7", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["invariants"]["NoDuplicatedProcessings"]["holds"], true);
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        "{\"format\": 1, \"orders\": {\"endpoint\": {\"concurrency\": 0}}}",
    )
    .unwrap();
    let (code, _, stderr) = out(&["run", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("orders.endpoint.concurrency"), "{stderr}");
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{ not json").unwrap();
    let (code, _, stderr) = out(&["run", broken.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not a valid scenario"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    let (code, _, stderr) = out(&["run", "no-such-preset"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("neither a preset id nor a readable file"),
        "{stderr}"
    );
    let (code, _, stderr) = out(&["run", "/nonexistent/x.json"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read"), "{stderr}");
    let (code, _, stderr) = out(&["run", "c01-before", "--seed", "abc"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--seed"), "{stderr}");
    let (code, _, _) = out(&["frobnicate"]);
    assert_eq!(code, 2);
    let (code, _, _) = out(&["run"]);
    assert_eq!(code, 2);
}

#[test]
fn version_and_help() {
    let (code, stdout, _) = out(&["--version"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("exactly-once "));
    let (code, stdout, _) = out(&["--help"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("USAGE"));
}

#[test]
fn link_encode_then_decode_gives_back_the_preset_scenario() {
    let (code, fragment, err) = out(&["link", "encode", "c05-before", "--at", "12"]);
    assert_eq!(code, 0, "{err}");
    let fragment = fragment.trim();
    assert!(fragment.starts_with("#v1."), "{fragment}");
    let url = format!("https://example.test/playground/{fragment}");
    let (code, json, err) = out(&["link", "decode", &url]);
    assert_eq!(code, 0, "{err}");
    let scenario = exactly_once_core::Scenario::from_json(&json).expect("decode prints a scenario");
    let preset = exactly_once_core::presets::get("c05-before").expect("preset");
    assert_eq!(scenario, preset.scenario);
}

#[test]
fn a_bad_link_is_a_clear_error_with_exit_code_2() {
    for bad in ["#v1.AAAA-broken", "#v7.abc", "not a link"] {
        let (code, _, err) = out(&["link", "decode", bad]);
        assert_eq!(code, 2, "{bad}");
        assert!(err.contains("cannot open this link"), "{bad}: {err}");
    }
    let (code, _, err) = out(&["link", "encode", "no-such-preset"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn chapters_lists_the_arc_with_beats_and_rejects_an_unknown_chapter() {
    let out = Command::new(env!("CARGO_BIN_EXE_exactly-once"))
        .args(["chapters"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(" 4. Database failure and the ghost message [ghost-message]"));
    assert!(text.contains("before (c05-before): NoGhostMessages at event #26"));
    assert!(text.contains("after  (Store first, then publish): no NoGhostMessages"));
    assert!(text.contains("15. Model checking the message handler"));
    let one = Command::new(env!("CARGO_BIN_EXE_exactly-once"))
        .args(["chapters", "the-inbox"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&one.stdout);
    assert!(text.contains("12. The inbox") && !text.contains("13. Tokens"));
    let bad = Command::new(env!("CARGO_BIN_EXE_exactly-once"))
        .args(["chapters", "no-such-chapter"])
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
}
