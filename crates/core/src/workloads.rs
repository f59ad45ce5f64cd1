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
}
