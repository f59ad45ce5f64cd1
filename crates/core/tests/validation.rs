//! Invalid scenarios give every problem at once, each with the reason; nothing panics.

use exactly_once_core::scenario::{
    Action, ChaosRule, Consistency, DuplicateCheck, Effect, Endpoint, OperationOrder, Scenario,
    ScriptStep, StepName, SubscriberSettings, Target, When,
};
use exactly_once_core::{presets, run_to_end, World};

fn base() -> Scenario {
    presets::get("c01-before")
        .expect("c01-before ships with the crate")
        .scenario
}

fn paths(s: &Scenario) -> Vec<String> {
    match s.validate() {
        Ok(()) => Vec::new(),
        Err(errs) => errs.into_iter().map(|e| e.path).collect(),
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut s = base();
    s.format = 2;
    s.orders.endpoint.concurrency = 0;
    s.orders.add_item.consistency = Consistency::OutboxInbox;
    s.orders.add_item.duplicate_check = DuplicateCheck::ProcessedIds;
    s.orders.add_item.order = OperationOrder::PublishThenStore;
    s.orders.remove_item.republish_on_duplicate = true;
    s.chaos.push(ChaosRule {
        target: Target::default(),
        when: When::Nth { n: 0 },
        effect: Effect::Drop,
        once_group: None,
    });
    let p = paths(&s);
    for want in [
        "format",
        "orders.endpoint.concurrency",
        "orders.add_item.duplicate_check",
        "orders.add_item.order",
        "orders.remove_item.republish_on_duplicate",
        "chaos[0].when",
    ] {
        assert!(p.iter().any(|x| x == want), "missing {want} in {p:?}");
    }
    let errs = s.validate().unwrap_err();
    assert!(errs.iter().all(|e| !e.message.is_empty()));
    assert!(World::new(&s).is_err());
    assert!(run_to_end(&s).is_err());
}

#[test]
fn nonsensical_combinations_say_why() {
    let mut s = base();
    s.orders.add_item.first_item_added = true; // no Marketing deployed
    s.orders.submit_order.first_item_added = true; // not AddItem
    s.shipping = Some(SubscriberSettings::default());
    s.shipping.as_mut().unwrap().logic.consistency = Consistency::Tokens; // Orders sends no tokens
    s.chaos.push(ChaosRule {
        target: Target {
            endpoint: Some(Endpoint::Orders),
            ..Target::default()
        },
        when: When::First,
        effect: Effect::Crash {
            after: StepName::MarkInbox,
        }, // plain handlers have no inbox
        once_group: None,
    });
    s.chaos.push(ChaosRule {
        target: Target {
            endpoint: Some(Endpoint::Marketing), // not deployed
            ..Target::default()
        },
        when: When::Every,
        effect: Effect::Drop,
        once_group: None,
    });
    s.script.push(ScriptStep {
        at_ms: 0,
        action: Action::Submit {
            cart: exactly_once_core::ids::OrderId(1),
        },
    });
    let errs = s.validate().unwrap_err();
    let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    let all = text.join("\n");
    assert!(all.contains("FirstItemAdded has no subscriber"), "{all}");
    assert!(
        all.contains("only Orders' AddItem handler publishes FirstItemAdded"),
        "{all}"
    );
    assert!(all.contains("token dedup needs tokens"), "{all}");
    assert!(all.contains("mark_inbox"), "{all}");
    assert!(all.contains("Marketing is not deployed"), "{all}");
    assert!(all.contains("mixes console commands"), "{all}");
}

#[test]
fn limits_are_bounded() {
    let mut s = base();
    s.limits.max_events = 0;
    s.limits.max_script_steps = 1;
    let p = paths(&s);
    assert!(p.contains(&"limits.max_events".to_string()));
    assert!(p.contains(&"script".to_string()), "{p:?}");
}

#[test]
fn bad_json_gives_a_located_message() {
    let err = Scenario::from_json("{ \"format\": 1, \"seed\": \"x\" }").unwrap_err();
    assert!(err.path.starts_with("line 1"), "{err}");
    let err = Scenario::from_json("{ \"format\": 1, \"unknown_field\": 3 }").unwrap_err();
    assert!(err.message.contains("unknown_field"), "{err}");
}

#[test]
fn a_scenario_round_trips_through_json() {
    for p in presets::all() {
        let text = p.scenario.to_json();
        let back = Scenario::from_json(&text).unwrap();
        assert_eq!(back, p.scenario, "{}", p.id);
    }
}

#[test]
fn the_event_limit_stops_a_run() {
    let mut s = presets::get("c02-before").unwrap().scenario;
    s.limits.max_events = 20;
    let r = run_to_end(&s).unwrap();
    assert!(r.events.len() <= 21);
    assert_eq!(
        r.world.halted,
        Some(exactly_once_core::trace::Halt::MaxEvents)
    );
}
