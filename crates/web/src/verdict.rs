//! One plain sentence per violated invariant, in the workshop's words, built from the core's
//! verdict (which event, which messages) and the trace: the detailed text of the core stays
//! available next to it.

use crate::model::TraceIndex;
use exactly_once_core::invariants::{InvariantName, Violation};
use exactly_once_core::scenario::{Endpoint, MsgKind};
use exactly_once_core::trace::Event;
use exactly_once_core::world::MsgRef;

/// What one invariant promises, for the verdict panel's "holds" lines and tooltips.
pub fn promise(name: InvariantName) -> &'static str {
    match name {
        InvariantName::NoGhostMessages => {
            "nothing is published for a message whose state change was never stored"
        }
        InvariantName::NoLostMessages => {
            "every stored change is followed by the messages it calls for"
        }
        InvariantName::NoLostWrite => "no message is acknowledged without its state change",
        InvariantName::NoDuplicatedProcessings => {
            "each logical message changes the state at most once"
        }
        InvariantName::ConsistentOutput => {
            "every copy of an outgoing message has the same id and content"
        }
        InvariantName::ConsistentStateAndOutput => {
            "what is published matches the state that was stored"
        }
        InvariantName::OrdersMatchIntent => "each order ends as the user's commands say",
        InvariantName::ShippingMatchesOrders => "Shipping's packing list equals the order",
        InvariantName::FirstItemAddedOnce => {
            "Marketing hears FirstItemAdded exactly once per order with items"
        }
    }
}

/// "order 1", as people say it.
fn order_text(m: &MsgRef) -> String {
    format!("order {}", m.order.0)
}

/// "SwissCheese was added to order 1" for an event, "add SwissCheese to order 1" for a command.
pub fn describe(m: &MsgRef) -> String {
    let filling = m
        .filling
        .map(|f| format!("{f:?}"))
        .unwrap_or_else(|| "an item".to_string());
    match m.kind {
        MsgKind::SubmitOrder => format!("submit {}", order_text(m)),
        MsgKind::SendSubmitOrder => format!("send the submit of {}", order_text(m)),
        MsgKind::AddItem => format!("add {filling} to {}", order_text(m)),
        MsgKind::RemoveItem => format!("remove {filling} from {}", order_text(m)),
        MsgKind::ItemAdded => format!("{filling} was added to {}", order_text(m)),
        MsgKind::ItemRemoved => format!("{filling} was removed from {}", order_text(m)),
        MsgKind::FirstItemAdded => format!("{} got its first item", order_text(m)),
    }
}

fn names(to: &[Endpoint]) -> String {
    match to {
        [] => "nobody".to_string(),
        [one] => one.name().to_string(),
        many => many
            .iter()
            .map(|e| e.name())
            .collect::<Vec<_>>()
            .join(" and "),
    }
}

/// The plain sentence for a violation.
pub fn sentence(v: &Violation, events: &[Event], ix: &TraceIndex) -> String {
    let at = events.get(v.event as usize);
    let endpoint = at.map_or(Endpoint::Orders, |e| e.endpoint);
    let incoming = at
        .and_then(|e| e.caused_by)
        .and_then(|id| ix.messages.get(&id))
        .or_else(|| {
            // The first named message that someone handled (not one it published).
            v.messages
                .iter()
                .filter_map(|id| ix.messages.get(id))
                .find(|m| m.to.contains(&endpoint) || m.from != endpoint)
        });
    let outputs: Vec<_> = v
        .messages
        .iter()
        .filter_map(|id| ix.messages.get(id))
        .filter(|m| m.from == endpoint && m.msg.kind.is_event() || m.parent.is_some())
        .collect();
    match v.invariant {
        InvariantName::NoGhostMessages => {
            if let Some(out) = v
                .messages
                .iter()
                .filter_map(|id| ix.messages.get(id))
                .find(|m| m.from == endpoint)
            {
                let told = match out.msg.kind {
                    MsgKind::SubmitOrder | MsgKind::AddItem | MsgKind::RemoveItem => {
                        format!("was asked to {}", describe(&out.msg))
                    }
                    _ => format!("was told that {}", describe(&out.msg)),
                };
                format!(
                    "{} {told}, but {} never stored it: a ghost message.",
                    names(&out.to),
                    out.from
                )
            } else {
                format!("{endpoint} published a message for a change it never stored: a ghost message.")
            }
        }
        InvariantName::NoLostMessages => match incoming {
            Some(m) => format!(
                "{endpoint} stored the change for \"{}\" but never published all the messages it calls for: a lost message.",
                describe(&m.msg)
            ),
            None => format!("{endpoint} stored a change but never published what it calls for: a lost message."),
        },
        InvariantName::NoLostWrite => match incoming {
            Some(m) => format!(
                "{endpoint} acknowledged \"{}\" without ever storing its change: a lost write.",
                describe(&m.msg)
            ),
            None => format!("{endpoint} acknowledged a message without storing its change: a lost write."),
        },
        InvariantName::NoDuplicatedProcessings => match incoming {
            Some(m) => format!(
                "{endpoint} applied \"{}\" more than once: one message, two state changes.",
                describe(&m.msg)
            ),
            None => format!("{endpoint} applied one message more than once."),
        },
        InvariantName::ConsistentOutput => {
            let kind = outputs
                .first()
                .map_or("a message".to_string(), |m| m.msg.kind.name().to_string());
            format!(
                "{endpoint} published {kind} twice for one incoming message with different ids: subscribers cannot tell it is a repeat."
            )
        }
        InvariantName::ConsistentStateAndOutput => match incoming {
            Some(m) => format!(
                "What {endpoint} published for \"{}\" does not match the state it stored.",
                describe(&m.msg)
            ),
            None => format!("What {endpoint} published does not match the state it stored."),
        },
        InvariantName::OrdersMatchIntent => {
            format!("The order does not end as the user asked: {}.", v.message)
        }
        InvariantName::ShippingMatchesOrders => {
            format!("Shipping would pack something else than the order holds: {}.", v.message)
        }
        InvariantName::FirstItemAddedOnce => {
            format!("Marketing did not hear FirstItemAdded exactly once: {}.", v.message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exactly_once_core::presets;

    fn sentences(id: &str) -> Vec<(InvariantName, String)> {
        let p = presets::get(id).expect("preset");
        let run = exactly_once_core::run_to_end(&p.scenario).expect("valid");
        let ix = TraceIndex::build(&run.events, &run.invariants);
        run.invariants
            .first_violation
            .values()
            .map(|v| (v.invariant, sentence(v, &run.events, &ix)))
            .collect()
    }

    #[test]
    fn the_ghost_message_sentence() {
        let s = sentences("c05-before");
        let ghost = &s
            .iter()
            .find(|(n, _)| *n == InvariantName::NoGhostMessages)
            .expect("ghost")
            .1;
        assert_eq!(
            ghost,
            "Shipping was told that SwissCheese was added to order 1, but Orders never stored it: a ghost message."
        );
    }

    #[test]
    fn the_reordering_sentence_names_the_command() {
        let s = sentences("c07-before");
        let dup = &s
            .iter()
            .find(|(n, _)| *n == InvariantName::NoDuplicatedProcessings)
            .expect("dup")
            .1;
        assert!(dup.contains("add Mushrooms to order 1"), "{dup}");
        for (_, text) in &s {
            assert!(text.ends_with('.'), "{text}");
        }
    }
}
