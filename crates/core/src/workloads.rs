//! Generated workloads for benchmarks and stress runs: the same scenario natively (cargo bench),
//! in the browser (the page's bench mode) and in tests, so the figures compare like with like.

use crate::ids::OrderId;
use crate::prng::Ratio;
use crate::scenario::*;

/// The largest soak the generator builds; the scenario's own limits bound everything else.
pub const MAX_SOAK_COMMANDS: u32 = 100_000;

/// The soak of the benchmarks: `commands` user commands (`orders` SubmitOrders, then AddItem and
/// RemoveItem spread over the orders) through Orders, Shipping and Marketing, every handler with
/// outbox + inbox, and chaos on: duplicates, delays, commit failures, crashes, lost acks and
/// handlers slowed past their lease.
pub fn soak(commands: u32, orders: u32) -> Scenario {
    let commands = commands.clamp(1, MAX_SOAK_COMMANDS);
    let orders = orders.clamp(1, commands);
    let fillings = [
        Filling::Meat,
        Filling::Mushrooms,
        Filling::QuarkAndPotatoes,
        Filling::Strawberry,
    ];
    let mut script = Vec::new();
    for o in 1..=orders {
        script.push(ScriptStep {
            at_ms: u64::from(o),
            action: Action::SubmitOrder { order: OrderId(o) },
        });
    }
    let mut i = 0u32;
    while script.len() < commands as usize {
        let order = OrderId(1 + (i * 7919) % orders);
        let filling = fillings[(i % 4) as usize];
        let action = if i % 5 == 4 {
            Action::RemoveItem { order, filling }
        } else {
            Action::AddItem { order, filling }
        };
        script.push(ScriptStep {
            at_ms: 1_000 + u64::from(i) * 10,
            action,
        });
        i += 1;
    }
    let endpoint = EndpointSettings {
        concurrency: 8,
        lease_ms: 30_000,
        immediate_retries: 20,
        unrecoverable: Vec::new(),
        step_ms: 1,
    };
    let logic = HandlerLogic {
        consistency: Consistency::OutboxInbox,
        ..HandlerLogic::default()
    };
    Scenario {
        format: 1,
        seed: 2024,
        limits: Limits {
            max_events: 5_000_000,
            max_queue_len: 100_000,
            max_script_steps: commands,
            max_time_ms: 86_400_000,
            max_request_retries: 10,
        },
        frontend: FrontendSettings::default(),
        orders: OrdersSettings {
            endpoint: endpoint.clone(),
            submit_order: logic.clone(),
            add_item: HandlerLogic {
                first_item_added: true,
                ..logic.clone()
            },
            remove_item: logic.clone(),
            order_key: OrderKey::FromMessage,
        },
        shipping: Some(SubscriberSettings {
            endpoint: endpoint.clone(),
            logic: logic.clone(),
        }),
        marketing: Some(SubscriberSettings { endpoint, logic }),
        script,
        chaos: vec![ChaosRule {
            target: Target {
                endpoint: Some(Endpoint::Orders),
                ..Target::default()
            },
            when: When::Probability(Ratio::new(1, 5_000)),
            effect: Effect::Slow {
                after: StepName::Commit,
                delay_ms: 40_000,
            },
            once_group: None,
        }],
        knobs: Knobs {
            duplicate_rate: Some(Ratio::new(1, 10)),
            delay_rate: Some(Ratio::new(1, 20)),
            delay_ms: 2_000,
            commit_failure_rate: Some(Ratio::new(1, 50)),
            crash_rate: Some(Ratio::new(1, 200)),
            lost_ack_rate: Some(Ratio::new(1, 50)),
        },
    }
}

/// The largest burst [`in_flight`] builds.
pub const MAX_IN_FLIGHT: u32 = 5_000;

/// The virtual time by which every command of [`in_flight`] has reached Orders' queue (the
/// Frontend takes a millisecond per step); Orders is still busy with its first messages.
pub const IN_FLIGHT_SENT_BY_MS: u64 = 1_000;

/// Many messages in flight at once, for the frame-rate benchmark: `messages` user commands all at
/// virtual time 1 (SubmitOrder for a tenth of them as orders, then AddItem and RemoveItem spread
/// over those orders), sent by a fast Frontend to an Orders endpoint whose handler steps take a
/// minute each, so the copies pile up in its queue and stay there while the run is played. One
/// send in ten is duplicated, so the queue also carries marks.
pub fn in_flight(messages: u32) -> Scenario {
    let messages = messages.clamp(1, MAX_IN_FLIGHT);
    let orders = (messages / 10).max(1);
    let fillings = [
        Filling::Meat,
        Filling::Mushrooms,
        Filling::QuarkAndPotatoes,
        Filling::Strawberry,
    ];
    let mut script = Vec::new();
    for i in 0..messages {
        let action = if i < orders {
            Action::SubmitOrder {
                order: OrderId(1 + i),
            }
        } else {
            let order = OrderId(1 + (i * 7919) % orders);
            let filling = fillings[(i % 4) as usize];
            if i % 5 == 4 {
                Action::RemoveItem { order, filling }
            } else {
                Action::AddItem { order, filling }
            }
        };
        script.push(ScriptStep { at_ms: 1, action });
    }
    let slow = EndpointSettings {
        concurrency: 8,
        lease_ms: 86_400_000,
        immediate_retries: 5,
        unrecoverable: Vec::new(),
        step_ms: 60_000,
    };
    let subscriber = EndpointSettings {
        concurrency: 4,
        ..EndpointSettings::default()
    };
    Scenario {
        format: 1,
        seed: 500,
        limits: Limits {
            max_events: 1_000_000,
            max_queue_len: 4 * MAX_IN_FLIGHT,
            max_script_steps: messages,
            max_time_ms: 864_000_000,
            max_request_retries: 10,
        },
        frontend: FrontendSettings {
            endpoint: EndpointSettings {
                step_ms: 1,
                ..EndpointSettings::default()
            },
            ..FrontendSettings::default()
        },
        orders: OrdersSettings {
            endpoint: slow,
            submit_order: HandlerLogic::default(),
            add_item: HandlerLogic {
                first_item_added: true,
                ..HandlerLogic::default()
            },
            remove_item: HandlerLogic::default(),
            order_key: OrderKey::FromMessage,
        },
        shipping: Some(SubscriberSettings {
            endpoint: subscriber.clone(),
            logic: HandlerLogic::default(),
        }),
        marketing: Some(SubscriberSettings {
            endpoint: subscriber,
            logic: HandlerLogic::default(),
        }),
        script,
        chaos: Vec::new(),
        knobs: Knobs {
            duplicate_rate: Some(Ratio::new(1, 10)),
            ..Knobs::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soak_is_valid_and_sized_as_asked() {
        let s = soak(1_000, 50);
        assert_eq!(s.script.len(), 1_000);
        assert!(s.validate().is_ok(), "{:?}", s.validate());
        assert_eq!(soak(0, 0).script.len(), 1);
    }

    #[test]
    fn in_flight_keeps_its_messages_in_orders_queue() {
        let s = in_flight(500);
        assert!(s.validate().is_ok(), "{:?}", s.validate());
        let mut sim = crate::Simulator::new(&s).expect("valid");
        while sim.world().now_ms <= IN_FLIGHT_SENT_BY_MS && sim.step() {}
        let w = sim.world();
        let queued = w.queues[Endpoint::Orders.index()].len();
        let busy = w
            .attempts
            .iter()
            .filter(|a| a.endpoint == Endpoint::Orders)
            .count();
        assert!(
            queued + busy >= 500,
            "{queued} queued, {busy} being handled"
        );
        assert!(queued >= 480, "{queued}");
        // The whole run ends (quiescent), within its limits.
        let run = crate::run_to_end(&s).expect("valid");
        assert!(run.world.halted.is_none());
        assert!(run.world.queues.iter().all(Vec::is_empty));
    }
}
