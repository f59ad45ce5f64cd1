//! Direct manipulation ("what if"): a click on a message, a handler instance or a store becomes a
//! targeted chaos rule, so it is part of the scenario (and of any link) like every other rule.
//!
//! The core's rules count matching occurrences (`nth`), and which occurrences match is the core's
//! business. So the page does not count them itself: it tries `nth = 1, 2, …` and keeps the first
//! rule whose run, computed by the core, agrees with the old one up to the chosen moment and shows
//! the intended effect there. FIXME(core): a core helper that returns the occurrence number of a
//! probe at an event would make this one run instead of a search.

use crate::compute::Computed;
use exactly_once_core::ids::MsgId;
use exactly_once_core::scenario::{ChaosRule, Effect, Endpoint, Scenario, Target, When};
use exactly_once_core::trace::{Event, EventKind};
use exactly_once_core::World;

/// Searching stops here: beyond it the rule would be too far from the moment to be meant.
pub const MAX_NTH: u32 = 64;
/// Runs longer than this are too long to search interactively.
pub const MAX_EVENTS: u32 = 20_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendChange {
    Duplicate,
    Delay,
    Drop,
}

fn search(
    scenario: &Scenario,
    prefix: &[Event],
    make: impl Fn(u32) -> ChaosRule,
    accept: impl Fn(&[Event]) -> bool,
) -> Result<ChaosRule, String> {
    for n in 1..=MAX_NTH {
        let rule = make(n);
        let mut sc = scenario.clone();
        sc.chaos.push(rule.clone());
        if sc.validate().is_err() {
            continue;
        }
        let Ok(run) = exactly_once_core::run_to_end(&sc) else {
            continue;
        };
        if run.events.len() < prefix.len() || run.events[..prefix.len()] != *prefix {
            // This occurrence is earlier than the moment: the past would change.
            continue;
        }
        if accept(&run.events[prefix.len()..]) {
            return Ok(rule);
        }
    }
    Err(format!(
        "no rule among the first {MAX_NTH} occurrences does exactly that here"
    ))
}

fn check_size(run: &Computed) -> Result<(), String> {
    if run.len() > MAX_EVENTS {
        return Err(format!(
            "\"what if\" works on runs up to {MAX_EVENTS} events; this one has {}",
            run.len()
        ));
    }
    Ok(())
}

/// Duplicate, delay or drop the send of message `id`.
pub fn change_send(run: &Computed, id: MsgId, change: SendChange) -> Result<ChaosRule, String> {
    check_size(run)?;
    let info = run
        .index
        .messages
        .get(&id)
        .ok_or("that message is not in this run")?;
    if matches!(info.from, Endpoint::Shipping | Endpoint::Marketing) {
        return Err(format!("{} sends nothing", info.from));
    }
    let at = info.sent_at as usize;
    let target = Target {
        endpoint: Some(info.from),
        message: Some(info.msg.kind),
        filling: info.msg.filling,
    };
    let effect = match change {
        SendChange::Duplicate => Effect::Duplicate { delay_ms: 0 },
        // Long enough to let later messages overtake it, as in the workshop's re-ordering.
        SendChange::Delay => Effect::Delay { delay_ms: 10_000 },
        SendChange::Drop => Effect::Drop,
    };
    search(
        &run.scenario,
        &run.events[..at],
        |n| ChaosRule {
            target: target.clone(),
            when: When::Nth { n },
            effect,
            once_group: None,
        },
        |rest| {
            let Some(first) = rest.first() else {
                return false;
            };
            match (change, &first.kind) {
                (SendChange::Drop, EventKind::Dropped { msg }) => msg.id == id,
                (SendChange::Delay, EventKind::Published { msg, delay_ms, .. }) => {
                    msg.id == id && *delay_ms > 0
                }
                (SendChange::Duplicate, EventKind::Published { msg, .. }) => msg.id == id
                    && rest.iter().take(4).any(
                        |e| matches!(&e.kind, EventKind::Duplicated { msg, .. } if msg.id == id),
                    ),
                _ => false,
            }
        },
    )
}

/// Crash the attempt on `instance` of `endpoint` right after the step it runs next.
pub fn crash_instance(
    run: &Computed,
    world: &World,
    cursor: u32,
    endpoint: Endpoint,
    instance: u32,
) -> Result<ChaosRule, String> {
    check_size(run)?;
    let a = world
        .attempts
        .iter()
        .find(|a| a.endpoint == endpoint && a.instance == instance && a.copy.is_some())
        .ok_or("this instance is idle: nothing to crash")?;
    let step = a
        .plan
        .last()
        .and_then(|op| op.step_name())
        .ok_or("this attempt has no step left that can crash")?;
    let attempt = a.id;
    let target = Target {
        endpoint: Some(endpoint),
        message: Some(a.msg.kind),
        filling: a.msg.filling,
    };
    let upto = (run.step_end.get(run.step_of(cursor)).copied().unwrap_or(0) as usize)
        .min(run.events.len());
    search(
        &run.scenario,
        &run.events[..upto],
        |n| ChaosRule {
            target: target.clone(),
            when: When::Nth { n },
            effect: Effect::Crash { after: step },
            once_group: None,
        },
        |rest| {
            // The attempt's next events end with the crash, and nothing else crashed first.
            rest.iter()
                .find(|e| matches!(e.kind, EventKind::Crashed { .. }))
                .is_some_and(|e| {
                    e.attempt == Some(attempt)
                        && matches!(e.kind, EventKind::Crashed { after } if after == step)
                })
        },
    )
}

/// Make the next commit of `endpoint`'s store fail.
pub fn fail_next_commit(
    run: &Computed,
    cursor: u32,
    endpoint: Endpoint,
) -> Result<ChaosRule, String> {
    check_size(run)?;
    let upto = (run.step_end.get(run.step_of(cursor)).copied().unwrap_or(0) as usize)
        .min(run.events.len());
    search(
        &run.scenario,
        &run.events[..upto],
        |n| ChaosRule {
            target: Target {
                endpoint: Some(endpoint),
                message: None,
                filling: None,
            },
            when: When::Nth { n },
            effect: Effect::FailCommit,
            once_group: None,
        },
        |rest| {
            rest.iter()
                .find(|e| {
                    e.endpoint == endpoint
                        && matches!(
                            e.kind,
                            EventKind::Committed { .. } | EventKind::CommitFailed { .. }
                        )
                })
                .is_some_and(|e| matches!(e.kind, EventKind::CommitFailed { .. }))
        },
    )
}

/// A rule in the words of the settings form, for the notice after a "what if".
pub fn describe_rule(r: &ChaosRule) -> String {
    let effect = match r.effect {
        Effect::Duplicate { .. } => "duplicate".to_string(),
        Effect::Delay { delay_ms } => format!("delay {delay_ms} ms"),
        Effect::Drop => "drop".to_string(),
        Effect::FailCommit => "fail the commit".to_string(),
        Effect::Crash { after } => format!("crash after {}", after.name()),
        Effect::FailPublish { .. } => "fail the publish".to_string(),
        Effect::Slow { after, .. } => format!("slow down after {}", after.name()),
        Effect::Hang { after, .. } => format!("hang after {}", after.name()),
    };
    let n = match r.when {
        When::Nth { n } => format!("occurrence {n}"),
        _ => "matching occurrences".to_string(),
    };
    let mut target = Vec::new();
    if let Some(e) = r.target.endpoint {
        target.push(e.name().to_string());
    }
    if let Some(k) = r.target.message {
        target.push(k.name().to_string());
    }
    if let Some(f) = r.target.filling {
        target.push(format!("{f:?}"));
    }
    format!("{effect} at {n} of {}", target.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::compute;
    use exactly_once_core::invariants::InvariantName;
    use exactly_once_core::presets;
    use exactly_once_core::scenario::MsgKind;

    fn run(id: &str) -> Computed {
        compute(&presets::get(id).expect("preset").scenario).expect("valid")
    }

    #[test]
    fn duplicating_the_add_item_of_c05_after_adds_a_copy_with_the_same_id() {
        let r = run("c05-after");
        let add = *r
            .index
            .messages
            .iter()
            .find(|(_, m)| m.msg.kind == MsgKind::AddItem)
            .expect("AddItem")
            .0;
        let rule = change_send(&r, add, SendChange::Duplicate).expect("a rule");
        let mut sc = r.scenario.clone();
        sc.chaos.push(rule);
        let new = compute(&sc).expect("valid");
        assert!(new.index.messages[&add].duplicated_at.len() == 1);
    }

    #[test]
    fn dropping_the_ghost_publish_of_c05_before_removes_the_ghost() {
        let r = run("c05-before");
        let ghost = r.report.first_violation[&InvariantName::NoGhostMessages].messages[0];
        let rule = change_send(&r, ghost, SendChange::Drop).expect("a rule");
        let mut sc = r.scenario.clone();
        sc.chaos.push(rule);
        let new = compute(&sc).expect("valid");
        assert!(new.report.holds(InvariantName::NoGhostMessages));
    }

    #[test]
    fn a_store_failure_and_a_crash_at_the_playhead() {
        let r = run("c05-after");
        // Just after the SubmitOrder was delivered: the next commit of Orders is its creation.
        let at = r
            .events
            .iter()
            .position(|e| matches!(e.kind, EventKind::Delivered { .. }))
            .expect("a delivery") as u32;
        let rule = fail_next_commit(&r, at, Endpoint::Orders).expect("a rule");
        let mut sc = r.scenario.clone();
        sc.chaos.push(rule);
        let new = compute(&sc).expect("valid");
        assert!(new
            .events
            .iter()
            .any(|e| matches!(e.kind, EventKind::CommitFailed { .. })));
        let world = r.world_at(at).expect("world");
        let rule = crash_instance(&r, &world, at, Endpoint::Orders, 0).expect("a rule");
        assert!(matches!(rule.effect, Effect::Crash { .. }));
        assert!(crash_instance(&r, &world, at, Endpoint::Orders, 5).is_err());
    }
}
