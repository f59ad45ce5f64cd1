//! The simulation is deterministic across platforms: the reference trace computed in the browser
//! (wasm32) hashes to the same value that `crates/core/tests/determinism.rs` pins natively.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn reference_trace_hash_equals_the_native_one() {
    assert_eq!(
        exactly_once_core::reference_trace_hash(),
        7_512_702_563_171_247_769
    );
}

#[wasm_bindgen_test]
fn every_preset_runs_twice_to_the_same_trace_in_the_browser() {
    for preset in exactly_once_core::presets::all() {
        let first = exactly_once_core::run_to_end(&preset.scenario).expect("preset is valid");
        let second = exactly_once_core::run_to_end(&preset.scenario).expect("preset is valid");
        assert_eq!(first.trace_text(), second.trace_text(), "{}", preset.id);
    }
}
