#![cfg(not(target_arch = "wasm32"))]
//! Share links (format v1): every preset fits in a short link and reopens the same run at the same
//! moment; garbage never panics the decoder; released links keep decoding forever (golden files).

use exactly_once_core::link::{
    base64url_encode, decode, encode, LinkError, SharedMoment, View, MAX_LINK_CHARS,
};
use exactly_once_core::{presets, replay, run_to_end, Scenario};
use proptest::prelude::*;

const SUITE_SEED: u64 = 0x1111_2024;

/// The suite is deterministic like the core: a fixed proptest seed, so CI never meets a case no
/// earlier run met. Explore new cases with `PROPTEST_RNG_SEED=<n>` (and `PROPTEST_CASES=<n>`).
fn cases(n: u32) -> ProptestConfig {
    let mut config = ProptestConfig::with_cases(n);
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = proptest::test_runner::RngSeed::Fixed(SUITE_SEED);
    }
    if let Some(n) = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config.cases = n;
    }
    config
}
use std::path::PathBuf;

/// Links go in chat messages and on slides: every preset's link, with a moment, stays under this.
const PRESET_LINK_CHARS_MAX: usize = 2_000;

#[test]
fn every_preset_link_is_short_and_reopens_the_same_moment() {
    let mut longest = (0, String::new());
    for preset in presets::all() {
        let run = run_to_end(&preset.scenario).expect("preset is valid");
        let last = run.events.len() as u32;
        for at in [0, last / 3, last / 2, last.saturating_sub(1)] {
            let moment = SharedMoment {
                at_event: Some(at),
                selected: Some("order-1".into()),
                ..SharedMoment::of(preset.scenario.clone())
            };
            let link = encode(&moment);
            let fragment_chars = link.len() + 1; // with the '#'
            assert!(
                fragment_chars < PRESET_LINK_CHARS_MAX,
                "{}: {fragment_chars} characters",
                preset.id
            );
            if fragment_chars > longest.0 {
                longest = (fragment_chars, preset.id.clone());
            }
            let opened = decode(&format!("#{link}")).expect("own link decodes");
            assert_eq!(opened, moment, "{}", preset.id);
            // The same trace, so the same state at that moment.
            let reopened = run_to_end(&opened.scenario).expect("valid");
            assert_eq!(reopened.events.len(), run.events.len(), "{}", preset.id);
            let i = at as usize;
            if i < run.events.len() {
                assert_eq!(
                    format!("{:?}", reopened.events[i]),
                    format!("{:?}", run.events[i]),
                    "{} event {i}",
                    preset.id
                );
            }
            assert_eq!(reopened.trace_text(), run.trace_text(), "{}", preset.id);
        }
    }
    println!(
        "longest preset link: {} characters ({})",
        longest.0, longest.1
    );
}

#[test]
fn a_link_with_an_explicit_path_replays_that_path() {
    let preset = presets::get("c07-before").expect("preset");
    let run = run_to_end(&preset.scenario).expect("valid");
    let moment = SharedMoment {
        path: Some(run.path.clone()),
        view: View::Sequence,
        ..SharedMoment::of(preset.scenario.clone())
    };
    let opened = decode(&encode(&moment)).expect("decodes");
    let path = opened.path.expect("path kept");
    let replayed = replay(&opened.scenario, &path).expect("path replays");
    assert_eq!(replayed.trace_text(), run.trace_text());
}

#[test]
fn tampered_links_are_refused_with_a_reason() {
    let link = encode(&SharedMoment::of(
        presets::get("c05-before").expect("preset").scenario,
    ));
    // Cut off.
    let cut = &link[..link.len() / 2];
    assert!(matches!(
        decode(cut),
        Err(LinkError::ChecksumMismatch | LinkError::BadCharacters | LinkError::Truncated)
    ));
    // One character changed.
    let mut bytes = link.clone().into_bytes();
    let i = bytes.len() - 5;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    let changed = String::from_utf8(bytes).expect("ascii");
    assert_eq!(decode(&changed), Err(LinkError::ChecksumMismatch));
    // A valid encoding of an invalid scenario.
    let mut scenario = presets::get("c05-before").expect("preset").scenario;
    scenario.orders.endpoint.concurrency = 0;
    let invalid = encode(&SharedMoment::of(scenario));
    match decode(&invalid) {
        Err(LinkError::InvalidScenario(errors)) => assert!(!errors.is_empty()),
        other => panic!("expected an invalid scenario, got {other:?}"),
    }
    // Every error reads as a sentence.
    let message = decode("#v2.abc").expect_err("unknown version").to_string();
    assert!(message.contains("v2"), "{message}");
}

/// A payload with a correct checksum, so the decoder gets past the cheap checks.
fn with_checksum(data: &[u8]) -> String {
    // FNV-1a 32, as the format defines it.
    let mut h: u32 = 0x811c_9dc5;
    for b in data {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    let mut payload = h.to_be_bytes().to_vec();
    payload.extend_from_slice(data);
    format!("v1.{}", base64url_encode(&payload))
}

proptest! {
    #![proptest_config(cases(2_000))]

    #[test]
    fn arbitrary_strings_never_panic_the_decoder(text in ".{0,300}") {
        let _ = decode(&text);
        let _ = decode(&format!("#v1.{text}"));
    }

    #[test]
    fn arbitrary_bytes_behind_a_valid_checksum_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        prop_assert!(decode(&with_checksum(&bytes)).is_err());
        // Deflated garbage JSON gets as far as the scenario parser.
        let deflated = miniz_oxide::deflate::compress_to_vec(&bytes, 6);
        prop_assert!(decode(&with_checksum(&deflated)).is_err());
    }
}

#[test]
fn oversized_links_are_refused() {
    let long = format!("#v1.{}", "A".repeat(MAX_LINK_CHARS + 1));
    assert!(matches!(decode(&long), Err(LinkError::TooLong { .. })));
}

// ---- Golden links: released links keep working --------------------------------------------

/// Presets whose links (at a moment) are frozen in tests/golden/links-v1.txt.
const GOLDEN_PRESETS: [&str; 8] = [
    "c05-before",
    "c05-after",
    "c07-before",
    "c10-before",
    "c13-after",
    "c14-after",
    "c16-before",
    "n06-before",
];

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden")
}

/// The golden file: one `<name> <link>` per line; beside it `<name>.scenario.json`, the scenario
/// the link must decode to forever. `UPDATE_GOLDEN=1 cargo test --test links` writes missing
/// entries (never rewrites existing ones: a released link is frozen).
#[test]
fn golden_v1_links_decode_to_the_same_scenario_forever() {
    let dir = golden_dir();
    let file = dir.join("links-v1.txt");
    let update = std::env::var("UPDATE_GOLDEN").is_ok();
    if update {
        std::fs::create_dir_all(&dir).expect("golden dir");
        let existing = std::fs::read_to_string(&file).unwrap_or_default();
        let mut out = existing.clone();
        for id in GOLDEN_PRESETS {
            if existing
                .lines()
                .any(|l| l.split_whitespace().next() == Some(id))
            {
                continue;
            }
            let scenario = presets::get(id).expect("preset").scenario;
            let events = run_to_end(&scenario).expect("valid").events.len() as u32;
            let moment = SharedMoment {
                at_event: Some(events / 2),
                ..SharedMoment::of(scenario.clone())
            };
            out.push_str(&format!("{id} #{}\n", encode(&moment)));
            std::fs::write(dir.join(format!("{id}.scenario.json")), scenario.to_json())
                .expect("write golden scenario");
        }
        std::fs::write(&file, out).expect("write golden links");
    }
    let text = std::fs::read_to_string(&file).expect("tests/golden/links-v1.txt exists");
    let mut checked = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (name, link) = line.split_once(' ').expect("`<name> <link>`");
        let expected_json = std::fs::read_to_string(dir.join(format!("{name}.scenario.json")))
            .expect("golden scenario");
        let expected = Scenario::from_json(&expected_json).expect("golden scenario parses");
        let moment = decode(link).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(moment.scenario, expected, "{name}");
        assert!(moment.at_event.is_some(), "{name}");
        checked += 1;
    }
    assert_eq!(checked, GOLDEN_PRESETS.len());
}
