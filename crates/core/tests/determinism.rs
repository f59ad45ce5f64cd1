//! Same scenario and seed ⇒ identical trace; a replayed path gives the same trace; the reference
//! trace hash is pinned (the lead asserts the same value in a wasm32 test).

use exactly_once_core::{presets, reference_trace_hash, replay, run_to_end, Simulator};

#[test]
fn every_preset_run_twice_gives_an_identical_trace() {
    for p in presets::all() {
        let a = run_to_end(&p.scenario).unwrap();
        let b = run_to_end(&p.scenario).unwrap();
        assert_eq!(a.trace_text(), b.trace_text(), "{}", p.id);
        assert_eq!(a.path, b.path, "{}", p.id);
        assert_eq!(a.world, b.world, "{}", p.id);
    }
}

#[test]
fn replaying_the_path_reproduces_the_run() {
    for p in presets::all() {
        let a = run_to_end(&p.scenario).unwrap();
        let b = replay(&p.scenario, &a.path).unwrap();
        assert_eq!(a.trace_text(), b.trace_text(), "{}", p.id);
        assert_eq!(a.invariants, b.invariants, "{}", p.id);
    }
}

#[test]
fn a_path_that_does_not_fit_is_an_error_not_a_panic() {
    let p = presets::get("c01-before").unwrap();
    assert!(replay(&p.scenario, &[0, 99]).is_err());
}

#[test]
fn running_in_slices_equals_running_at_once() {
    for id in ["c02-before", "c10-after", "n08-before"] {
        let p = presets::get(id).unwrap();
        let whole = run_to_end(&p.scenario).unwrap();
        let mut sim = Simulator::new(&p.scenario).unwrap();
        while let exactly_once_core::sim::Progress::Running = sim.run(7) {}
        let sliced = sim.into_run();
        assert_eq!(whole.trace_text(), sliced.trace_text(), "{id}");
    }
}

#[test]
fn other_seeds_change_the_schedule_but_stay_deterministic() {
    let p = presets::get("c01-before").unwrap();
    let mut s = p.scenario.clone();
    s.seed = 12345;
    assert_eq!(
        run_to_end(&s).unwrap().trace_text(),
        run_to_end(&s).unwrap().trace_text()
    );
}

/// If this value changes, traces changed: check it was intended, then update it here and in the
/// wasm test.
#[test]
fn reference_trace_hash_is_pinned() {
    assert_eq!(reference_trace_hash(), REFERENCE_TRACE_HASH);
}

const REFERENCE_TRACE_HASH: u64 = 7512702563171247769;

#[test]
fn lineage_links_a_command_to_the_events_it_caused() {
    use exactly_once_core::scenario::{Endpoint, MsgKind};
    use exactly_once_core::trace::{lineage, EventKind};
    let p = presets::get("c10-after").unwrap();
    let run = run_to_end(&p.scenario).unwrap();
    // The first AddItem(Strawberry) sent by the Frontend.
    let add = run
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Published { msg, .. } if msg.kind == MsgKind::AddItem => Some(msg.id),
            _ => None,
        })
        .unwrap();
    let idx = lineage(&run.events, add);
    let kinds: Vec<&EventKind> = idx.iter().map(|i| &run.events[*i as usize].kind).collect();
    // Its FirstItemAdded (flushed by the second AddItem's attempt) and Marketing's handling of it
    // belong to its lineage.
    assert!(kinds.iter().any(
        |k| matches!(k, EventKind::Published { msg, .. } if msg.kind == MsgKind::FirstItemAdded)
    ));
    assert!(idx.iter().any(|i| {
        let e = &run.events[*i as usize];
        e.endpoint == Endpoint::Marketing && matches!(e.kind, EventKind::Delivered { .. })
    }));
    assert!(idx.windows(2).all(|w| w[0] < w[1]), "in trace order");
}

/// The soak workload (every chaos knob on, probabilistic rules rolled by the simulator) keeps the
/// exact trace and path it had before the simulator's hot loop was optimised: a change of the
/// choice order, of the dice or of the path indices shows up here.
#[test]
fn soak_trace_and_path_are_pinned() {
    let sc = exactly_once_core::workloads::soak(400, 25);
    let run = exactly_once_core::run_to_end(&sc).expect("valid soak");
    let trace = exactly_once_core::trace::fnv1a64(run.trace_text().as_bytes());
    let path_text: String = run.path.iter().map(|i| format!("{i},")).collect();
    let path = exactly_once_core::trace::fnv1a64(path_text.as_bytes());
    eprintln!(
        "soak(400, 25): {} events, trace {trace:#x}, path {path:#x}",
        run.events.len()
    );
    assert_eq!((trace, path), SOAK_HASHES);
    // The path indices are those of `World::choices`: replaying them gives the same run.
    let replayed = exactly_once_core::sim::replay(&sc, &run.path).expect("path fits");
    assert_eq!(replayed.trace_text(), run.trace_text());
}

const SOAK_HASHES: (u64, u64) = (0x2f2d13da291e2d9a, 0x26a732d67e73146d);

#[test]
fn resuming_a_path_lets_the_seeded_scheduler_finish_the_run() {
    for p in presets::all().iter().take(12) {
        let seeded = run_to_end(&p.scenario).expect("runs");
        // From no path at all, the scheduler finishes exactly as the seeded run does.
        let from_start = exactly_once_core::sim::resume(&p.scenario, &[])
            .expect("resumes")
            .into_run();
        assert_eq!(from_start.events, seeded.events, "{}", p.id);
        // From a hand-picked prefix (the last enabled choice at each of 3 steps), the run goes on
        // to the end, keeps the prefix, and is itself a path that replays to the same run.
        let mut prefix = Vec::new();
        let mut world = exactly_once_core::World::new(&p.scenario).expect("valid");
        let mut choices = Vec::new();
        let mut events = Vec::new();
        for _ in 0..3 {
            world.choices(&mut choices);
            let Some(last) = choices.len().checked_sub(1) else {
                break;
            };
            prefix.push(last as u32);
            world.apply_enabled(&choices[last], &mut events);
        }
        let resumed = exactly_once_core::sim::resume(&p.scenario, &prefix)
            .expect("resumes")
            .into_run();
        assert!(resumed.path.starts_with(&prefix), "{}", p.id);
        assert!(
            resumed.world.halted.is_some() || {
                resumed.world.choices(&mut choices);
                choices.is_empty()
            }
        );
        let again = replay(&p.scenario, &resumed.path).expect("replays");
        assert_eq!(again.events, resumed.events, "{}", p.id);
        assert_eq!(again.invariants, resumed.invariants, "{}", p.id);
    }
    let p = presets::get("c05-before").expect("preset");
    assert!(exactly_once_core::sim::resume(&p.scenario, &[999]).is_err());
}
