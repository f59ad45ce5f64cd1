//! The guided chapters are data; these tests hold every chapter file to what the page promises:
//! the anomaly shows before the fix and is gone after it, the fix changes only the settings it
//! names, and every beat lands in the deterministic trace.

use exactly_once_core::chapters::{self, Anomaly, BeatAt, Source};
use exactly_once_core::json_path::get_path;
use exactly_once_core::run_to_end;

#[test]
fn every_chapter_file_parses_and_the_arc_is_complete() {
    assert_eq!(chapters::problems(), Vec::<String>::new());
    let all = chapters::all();
    assert_eq!(all.len(), chapters::files().len());
    assert_eq!(all.len(), 15, "the workshop's arc has 15 chapters");
    for (i, c) in all.iter().enumerate() {
        assert_eq!(
            c.number as usize,
            i + 1,
            "{}: chapters are numbered 1..N in order",
            c.id
        );
        assert!(!c.explanation.is_empty(), "{}: explanation", c.id);
        assert!(c.question.ends_with('?'), "{}: the question asks", c.id);
        assert!(chapters::get(&c.id).is_some());
    }
    let mut ids: Vec<&str> = all.iter().map(|c| c.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "chapter ids are unique");
    assert!(
        matches!(all[14].source, Source::Model { .. }),
        "the arc ends with model checking"
    );
}

#[test]
fn each_fix_removes_its_anomaly_and_every_beat_lands() {
    for c in chapters::all() {
        let Source::Preset(_) = &c.source else {
            continue;
        };
        let before = run_to_end(&c.scenario(false).expect("before")).expect("runs");
        let after = run_to_end(&c.scenario(true).expect("after")).expect("runs");
        let at = c.anomaly_at(&before);
        assert!(
            at.is_some(),
            "{}: {} must show before the fix",
            c.id,
            c.anomaly.name()
        );
        assert_eq!(
            c.anomaly_at(&after),
            None,
            "{}: the fix must remove {}",
            c.id,
            c.anomaly.name()
        );
        let beats = c.beats(&before);
        assert_eq!(
            beats.len(),
            c.beats.len(),
            "{}: every beat lands before the fix: {beats:?}",
            c.id
        );
        assert!(
            beats.windows(2).all(|w| w[0].event <= w[1].event),
            "{}: beats in order",
            c.id
        );
        assert!(beats
            .iter()
            .all(|b| (b.event as usize) < before.events.len()));
        if c.beats.iter().any(|b| b.at == BeatAt::Anomaly) {
            assert!(
                beats.iter().any(|b| Some(b.event) == at),
                "{}: the anomaly beat",
                c.id
            );
        }
        // After the fix the anomaly beat has nothing to point at; the others may still land.
        assert!(
            c.beats(&after).len() < beats.len() || !c.beats.iter().any(|b| b.at == BeatAt::Anomaly)
        );
    }
}

#[test]
fn a_fix_changes_exactly_the_settings_it_names() {
    for c in chapters::all() {
        let Source::Preset(_) = &c.source else {
            continue;
        };
        let before = serde_json::to_value(c.scenario(false).expect("before")).expect("json");
        let after = serde_json::to_value(c.scenario(true).expect("after")).expect("json");
        for (path, value) in &c.fix.edits {
            assert_eq!(get_path(&after, path), Some(value), "{}: {path}", c.id);
            assert_ne!(
                get_path(&before, path),
                Some(value),
                "{}: {path} is already set",
                c.id
            );
        }
        // Undo the edits on the fixed scenario: what remains equals the scenario before the fix.
        let mut undone = after.clone();
        for (path, _) in &c.fix.edits {
            let old = get_path(&before, path)
                .cloned()
                .unwrap_or(serde_json::Value::Null);
            exactly_once_core::json_path::set_path(&mut undone, path, old).expect("path");
        }
        let strip = |mut v: serde_json::Value| {
            // A path that did not exist before comes back as null: compare without nulls.
            fn drop_nulls(v: &mut serde_json::Value) {
                if let Some(m) = v.as_object_mut() {
                    m.retain(|_, x| !x.is_null());
                    m.values_mut().for_each(drop_nulls);
                }
            }
            drop_nulls(&mut v);
            v
        };
        assert_eq!(
            strip(undone),
            strip(before),
            "{}: the fix changes only what it names",
            c.id
        );
    }
}

#[test]
fn the_model_chapter_finds_the_anomaly_before_and_not_after() {
    let c = chapters::all()
        .into_iter()
        .find(|c| matches!(c.source, Source::Model { .. }))
        .expect("a model chapter");
    assert!(matches!(c.anomaly, Anomaly::ModelInvariant(_)));
    let trace = c
        .model_check(false)
        .expect("checks")
        .expect("a counterexample");
    assert_eq!(trace.invariant, "NoGhostMessages");
    let states = trace.states;
    // TLC's table: variant 1 at MaxFailures=1, NoMessages=1 breaks NoGhostMessages in 10 states.
    assert_eq!(states.len(), 10);
    assert_eq!(c.model_check(true).expect("checks"), None);
    let beats = c.model_beats(states.len());
    assert_eq!(beats.first().map(|b| b.event), Some(0));
    assert_eq!(beats.last().map(|b| b.event), Some(9));
}

#[test]
fn a_broken_chapter_file_says_what_and_where() {
    let good = chapters::files()
        .iter()
        .find(|(n, _)| n.starts_with("04-"))
        .map(|(_, t)| *t)
        .expect("chapter 4");
    assert!(chapters::parse("04-ghost-message", good).is_ok());
    let cases = [
        ("ghost", good, "NN-id"),
        (
            "04-x",
            &good.replace("preset: c05-before", "preset: c99-before"),
            "no preset",
        ),
        (
            "04-x",
            &good.replace("anomaly: NoGhostMessages", "anomaly: NoGhosts"),
            "not an invariant",
        ),
        ("04-x", &good.replace("title:", "titel:"), "unknown key"),
        (
            "04-x",
            &good.replace("| first delivered", "| fifth delivered"),
            "line",
        ),
        (
            "04-x",
            &good.replace("| first delivered at orders", "| first delivered at mars"),
            "not an endpoint",
        ),
        (
            "04-x",
            &good.replace("\"store_then_publish\"", "store_then_publish"),
            "not JSON",
        ),
        (
            "04-x",
            &good.replace("\"store_then_publish\"", "\"sideways\""),
            "the fix",
        ),
        (
            "04-x",
            &good.replace("look for:", "# look for:"),
            "`look for:` is missing",
        ),
    ];
    for (name, text, want) in cases {
        let err = chapters::parse(name, text).expect_err(want);
        assert!(err.contains(want), "{want:?} not in {err:?}");
    }
}

#[test]
fn recorded_beats_parse_and_resolve_by_event_number() {
    let b = chapters::parse_beat("Look here | event 12").expect("parses");
    assert_eq!(b.at, BeatAt::Event(12));
    assert!(chapters::parse_beat("no target").is_err());
    assert!(chapters::parse_beat(&format!("{} | start", "x".repeat(81))).is_err());
    let c = chapters::get("ghost-message").expect("chapter");
    let run = run_to_end(&c.scenario(false).expect("scenario")).expect("runs");
    let beats = chapters::resolve_beats(std::slice::from_ref(&b), &run.events, None);
    assert_eq!(beats[0].event, 12);
    let far = chapters::parse_beat("Too far | event 100000").expect("parses");
    assert!(chapters::resolve_beats(&[far], &run.events, None).is_empty());
}

#[test]
fn event_names_are_the_traces_json_names() {
    // Beats match on `EventKind::name` and `msg_ref`; they must agree with the trace's JSON, which
    // is what a speaker sees in an exported trace.
    for p in exactly_once_core::presets::all() {
        let run = run_to_end(&p.scenario).expect("runs");
        for e in &run.events {
            let v = serde_json::to_value(&e.kind).expect("json");
            let (name, body) = match &v {
                serde_json::Value::String(s) => (s.clone(), None),
                serde_json::Value::Object(m) => {
                    let (k, b) = m.iter().next().expect("one key");
                    (k.clone(), Some(b.clone()))
                }
                other => panic!("{other}"),
            };
            assert_eq!(e.kind.name(), name, "{}", p.id);
            let kind = body
                .as_ref()
                .and_then(|b| b.get("msg"))
                .and_then(|m| m.get("kind"))
                .and_then(|k| k.as_str().map(str::to_string));
            assert_eq!(
                e.kind.msg_ref().map(|m| m.kind.name().to_string()),
                kind,
                "{}",
                p.id
            );
        }
    }
}

#[test]
fn a_fix_that_breaks_the_format_says_what_is_wrong_without_text_positions() {
    // The fix goes through generated JSON text: positions in it would mean nothing to a speaker.
    let p = exactly_once_core::presets::get("c05-before").expect("preset");
    let edits = vec![("orders.add_item".to_string(), serde_json::json!("nope"))];
    assert_eq!(
        chapters::apply_edits(&p.scenario, &edits),
        Err("the fix: invalid type: string \"nope\", expected struct HandlerLogic".to_string())
    );
    let edits = vec![("seed".to_string(), serde_json::json!(-1))];
    assert_eq!(
        chapters::apply_edits(&p.scenario, &edits),
        Err("the fix: invalid value: integer `-1`, expected u64".to_string())
    );
}
