//! The workshop's invariants (§4.1, §6) over the world's ledger, plus three business checks.
//! Ledger invariants are checked after every event for the logical message the event touched;
//! the business ones speak of the end and are checked at quiescence (or when a limit stops a run).

use crate::ids::{MsgId, OrderId};
use crate::scenario::{Action, Endpoint, Filling, MsgKind};
use crate::trace::Event;
use crate::vec_map::{VecMap, VecSet};
use crate::world::{Intent, Ledger, World};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum InvariantName {
    NoGhostMessages,
    NoLostMessages,
    NoLostWrite,
    NoDuplicatedProcessings,
    ConsistentOutput,
    ConsistentStateAndOutput,
    OrdersMatchIntent,
    ShippingMatchesOrders,
    FirstItemAddedOnce,
}

impl InvariantName {
    pub const ALL: [InvariantName; 9] = [
        InvariantName::NoGhostMessages,
        InvariantName::NoLostMessages,
        InvariantName::NoLostWrite,
        InvariantName::NoDuplicatedProcessings,
        InvariantName::ConsistentOutput,
        InvariantName::ConsistentStateAndOutput,
        InvariantName::OrdersMatchIntent,
        InvariantName::ShippingMatchesOrders,
        InvariantName::FirstItemAddedOnce,
    ];
    /// Checked per logical message after every event.
    pub const PER_MESSAGE: [InvariantName; 6] = [
        InvariantName::NoGhostMessages,
        InvariantName::NoLostMessages,
        InvariantName::NoLostWrite,
        InvariantName::NoDuplicatedProcessings,
        InvariantName::ConsistentOutput,
        InvariantName::ConsistentStateAndOutput,
    ];
    pub fn name(self) -> &'static str {
        match self {
            InvariantName::NoGhostMessages => "NoGhostMessages",
            InvariantName::NoLostMessages => "NoLostMessages",
            InvariantName::NoLostWrite => "NoLostWrite",
            InvariantName::NoDuplicatedProcessings => "NoDuplicatedProcessings",
            InvariantName::ConsistentOutput => "ConsistentOutput",
            InvariantName::ConsistentStateAndOutput => "ConsistentStateAndOutput",
            InvariantName::OrdersMatchIntent => "OrdersMatchIntent",
            InvariantName::ShippingMatchesOrders => "ShippingMatchesOrders",
            InvariantName::FirstItemAddedOnce => "FirstItemAddedOnce",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub invariant: InvariantName,
    /// The index of the event after which it first held (for end checks: the last event).
    pub event: u32,
    /// The messages involved.
    pub messages: Vec<MsgId>,
    pub message: String,
}

fn ids_of(l: &Ledger) -> Vec<MsgId> {
    let mut v: Vec<MsgId> = l.changes.iter().map(|c| c.msg).collect();
    v.extend(l.outputs.iter().map(|o| o.id));
    v.dedup();
    v
}

fn short_list(ids: impl Iterator<Item = MsgId>) -> String {
    ids.map(|i| format!("#{}", i.short()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One ledger invariant for one logical message; `None` when it holds.
pub fn check_ledger(
    name: InvariantName,
    key: (Endpoint, Intent),
    l: &Ledger,
) -> Option<(Vec<MsgId>, String)> {
    let (ep, intent) = key;
    match name {
        InvariantName::NoGhostMessages => {
            if l.is_finished() && !l.outputs.is_empty() && l.changes.is_empty() && !l.noop {
                return Some((
                    ids_of(l),
                    format!(
                        "{ep} finished {intent} and published {} ({}) but committed no state change: a ghost message",
                        l.outputs.iter().map(|o| o.content.kind.name()).collect::<Vec<_>>().join(", "),
                        short_list(l.outputs.iter().map(|o| o.id))
                    ),
                ));
            }
            None
        }
        InvariantName::NoLostMessages => {
            let c = l.changes.first()?;
            if !l.is_finished() {
                return None;
            }
            let missing: Vec<_> = c
                .intended
                .iter()
                .filter(|want| !l.outputs.iter().any(|o| &o.content == *want))
                .collect();
            if missing.is_empty() {
                return None;
            }
            Some((
                ids_of(l),
                format!(
                    "{ep} finished {intent} (change #{} at v{}) but never published {}",
                    c.msg.short(),
                    c.version,
                    missing
                        .iter()
                        .map(|m| m.kind.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ))
        }
        InvariantName::NoLostWrite => {
            if l.acked && l.changes.is_empty() && !l.noop {
                return Some((
                    ids_of(l),
                    format!("{ep} acked {intent} without ever committing its change: a lost write"),
                ));
            }
            None
        }
        InvariantName::NoDuplicatedProcessings => {
            if l.changes.len() > 1 {
                return Some((
                    ids_of(l),
                    format!(
                        "{ep} committed {} state changes for {intent}: {}",
                        l.changes.len(),
                        l.changes
                            .iter()
                            .map(|c| format!(
                                "#{} a{} -> {} v{}",
                                c.msg.short(),
                                c.attempt.0,
                                c.doc,
                                c.version
                            ))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                ));
            }
            None
        }
        InvariantName::ConsistentOutput => {
            for (i, a) in l.outputs.iter().enumerate() {
                for b in &l.outputs[i + 1..] {
                    if a.content.kind == b.content.kind && (a.id != b.id || a.content != b.content)
                    {
                        return Some((
                            vec![a.id, b.id],
                            format!(
                                "{ep} published {} for {intent} twice with different ids or content: #{} and #{}",
                                a.content.kind,
                                a.id.short(),
                                b.id.short()
                            ),
                        ));
                    }
                }
            }
            None
        }
        InvariantName::ConsistentStateAndOutput => {
            let c = l.changes.first()?;
            if !l.is_finished() {
                return None;
            }
            let want: VecSet<_> = c.intended.iter().collect();
            let got: VecSet<_> = l.outputs.iter().map(|o| &o.content).collect();
            if want == got {
                return None;
            }
            let show = |s: &VecSet<&crate::world::Content>| {
                s.iter()
                    .map(|c| c.kind.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            Some((
                ids_of(l),
                format!(
                    "{ep} published [{}] for {intent}, but its committed state v{} called for [{}]",
                    show(&got),
                    c.version,
                    show(&want)
                ),
            ))
        }
        _ => None,
    }
}

/// Every ledger invariant over the whole state (what an exhaustive checker evaluates per state).
pub fn check_state(world: &World) -> Vec<(InvariantName, Vec<MsgId>, String)> {
    let mut v = Vec::new();
    for (key, l) in world.ledgers.iter() {
        for name in InvariantName::PER_MESSAGE {
            if let Some((ids, msg)) = check_ledger(name, *key, l) {
                v.push((name, ids, msg));
            }
        }
    }
    v
}

/// What the user asked for, command by command in script order.
fn intended_orders(world: &World) -> VecMap<OrderId, Vec<Filling>> {
    let sc = world.scenario();
    let dead = |step: usize, kind: MsgKind| {
        world
            .ledgers
            .get(&(
                Endpoint::Orders,
                Intent {
                    step: step as u32,
                    kind,
                },
            ))
            .is_some_and(|l| l.dead && l.changes.is_empty())
    };
    let mut orders: VecMap<OrderId, Vec<Filling>> = VecMap::new();
    for (i, s) in sc.script.iter().enumerate() {
        match s.action {
            Action::SubmitOrder { order } if !dead(i, MsgKind::SubmitOrder) => {
                orders.get_or_default(order);
            }
            Action::Import { order, filling } => {
                if !dead(i, MsgKind::SubmitOrder) {
                    orders.get_or_default(order);
                }
                if !dead(i, MsgKind::AddItem) {
                    if let Some(o) = orders.get_mut(&order) {
                        o.push(filling);
                    }
                }
            }
            Action::AddItem { order, filling } if !dead(i, MsgKind::AddItem) => {
                if let Some(o) = orders.get_mut(&order) {
                    o.push(filling);
                }
            }
            Action::RemoveItem { order, filling } if !dead(i, MsgKind::RemoveItem) => {
                if let Some(o) = orders.get_mut(&order) {
                    if let Some(p) = o.iter().position(|x| *x == filling) {
                        o.remove(p);
                    }
                }
            }
            _ => {}
        }
    }
    orders
}

/// Cart contents at the first Submit of each cart (set semantics), for carts that were submitted.
fn intended_carts(world: &World) -> VecMap<OrderId, Vec<Filling>> {
    let sc = world.scenario();
    let mut carts: VecMap<OrderId, Vec<Filling>> = VecMap::new();
    let mut submitted: VecMap<OrderId, Vec<Filling>> = VecMap::new();
    for s in &sc.script {
        match s.action {
            Action::CartAdd { cart, filling } => {
                let c = carts.get_or_default(cart);
                if !submitted.contains_key(&cart) && !c.contains(&filling) {
                    c.push(filling);
                }
            }
            Action::CartRemove { cart, filling } if !submitted.contains_key(&cart) => {
                carts.get_or_default(cart).retain(|f| *f != filling);
            }
            Action::Submit { cart } => {
                let items = carts.get(&cart).cloned().unwrap_or_default();
                submitted.get_or_insert_with(cart, || items);
            }
            _ => {}
        }
    }
    submitted
}

/// The lines in `Filling` order (the enum's declaration order is its `Ord`).
fn sorted(v: &[Filling]) -> Vec<Filling> {
    let mut v = v.to_vec();
    crate::vec_map::sort_by_u32_key(&mut v, |f| *f as u32);
    v
}

/// The business invariants, which speak of the end of a run.
pub fn check_end(world: &World) -> Vec<(InvariantName, Vec<MsgId>, String)> {
    let mut v = Vec::new();
    let orders = &world.stores[Endpoint::Orders.index()].docs;
    // OrdersMatchIntent
    if world.config().cart_mode {
        for (cart, items) in intended_carts(world) {
            let made: Vec<_> = orders
                .iter()
                .filter(|(_, s)| s.doc.cart == Some(cart))
                .collect();
            let ok = made.len() == 1 && sorted(&made[0].1.doc.lines) == sorted(&items);
            if !ok {
                v.push((
                    InvariantName::OrdersMatchIntent,
                    Vec::new(),
                    format!(
                        "cart {cart} was submitted once with {:?}, Orders holds {} order(s) for it: {:?}",
                        items,
                        made.len(),
                        made.iter().map(|(k, s)| (k.0, s.doc.lines.clone())).collect::<Vec<_>>()
                    ),
                ));
            }
        }
    } else {
        for (order, lines) in intended_orders(world) {
            let actual = orders.get(&order).map(|s| s.doc.lines.clone());
            if actual.as_ref().map(|l| sorted(l)) != Some(sorted(&lines)) {
                v.push((
                    InvariantName::OrdersMatchIntent,
                    Vec::new(),
                    format!(
                        "the user's commands give {order} = {lines:?}, Orders holds {actual:?}"
                    ),
                ));
            }
        }
    }
    // ShippingMatchesOrders
    if world.is_deployed(Endpoint::Shipping) {
        let shipping = &world.stores[Endpoint::Shipping.index()].docs;
        let keys: VecSet<OrderId> = orders.keys().chain(shipping.keys()).copied().collect();
        for k in keys {
            let o = orders
                .get(&k)
                .map(|s| sorted(&s.doc.lines))
                .unwrap_or_default();
            let s = shipping
                .get(&k)
                .map(|s| sorted(&s.doc.lines))
                .unwrap_or_default();
            if o != s {
                v.push((
                    InvariantName::ShippingMatchesOrders,
                    Vec::new(),
                    format!("{k}: Orders has {o:?}, Shipping's packing list has {s:?}"),
                ));
            }
        }
    }
    // FirstItemAddedOnce
    if world.scenario().orders.add_item.first_item_added {
        let mut had_item: VecSet<OrderId> = VecSet::new();
        let mut firsts: VecMap<OrderId, VecSet<MsgId>> = VecMap::new();
        for ((ep, intent), l) in world.ledgers.iter() {
            if *ep != Endpoint::Orders {
                continue;
            }
            if intent.kind == MsgKind::AddItem {
                had_item.extend(l.changes.iter().map(|c| c.doc));
            }
            for o in &l.outputs {
                if o.content.kind == MsgKind::FirstItemAdded {
                    firsts.get_or_default(o.content.order).insert(o.id);
                }
            }
        }
        for order in had_item {
            let ids = firsts.remove(&order).unwrap_or_default();
            if ids.len() != 1 {
                v.push((
                    InvariantName::FirstItemAddedOnce,
                    ids.iter().copied().collect(),
                    format!(
                        "{order} got items but {} distinct FirstItemAdded were published{}",
                        ids.len(),
                        if ids.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", short_list(ids.iter().copied()))
                        }
                    ),
                ));
            }
        }
    }
    v
}

/// The result of a run: for each invariant, whether it held and where it first broke.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub first_violation: VecMap<InvariantName, Violation>,
}

impl Report {
    pub fn holds(&self, name: InvariantName) -> bool {
        !self.first_violation.contains_key(&name)
    }
    pub fn violated(&self) -> Vec<InvariantName> {
        self.first_violation.keys().copied().collect()
    }
    pub fn all_hold(&self) -> bool {
        self.first_violation.is_empty()
    }
    /// `{ "<Name>": { "holds": bool, "first_violation": … } }`
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self.verdicts()).unwrap_or_default()
    }

    /// The form of [`Report::to_json`] for a serialiser: writing it straight into a JSON text
    /// spares the page the `serde_json::Value` serialiser (see [`crate::trace::export_json`]).
    pub fn verdicts(&self) -> Verdicts<'_> {
        Verdicts(self)
    }
}

/// Every invariant by name, whether it holds and where it first broke (see [`Report::verdicts`]).
pub struct Verdicts<'a>(&'a Report);

impl Serialize for Verdicts<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(InvariantName::ALL.iter().map(|name| {
            let v = self.0.first_violation.get(name);
            let verdict = Verdict {
                holds: v.is_none(),
                first_violation: v.map(|v| FirstViolation {
                    event: v.event,
                    messages: &v.messages,
                    message: &v.message,
                }),
            };
            (name.name(), verdict)
        }))
    }
}

#[derive(Serialize)]
struct Verdict<'a> {
    holds: bool,
    first_violation: Option<FirstViolation<'a>>,
}

/// The messages as their ids' text (how [`MsgId`] serialises).
#[derive(Serialize)]
struct FirstViolation<'a> {
    event: u32,
    messages: &'a [MsgId],
    message: &'a str,
}

/// Watches a run: re-checks the logical messages each new event touched.
#[derive(Clone, Debug, Default)]
pub struct Monitor {
    pub report: Report,
}

impl Monitor {
    pub fn observe(&mut self, world: &World, new_events: &[Event]) {
        for (j, e) in new_events.iter().enumerate() {
            let Some(key) = e.key else { continue };
            // Each logical message once per step (its first event carries the lowest index).
            if new_events[..j].iter().any(|x| x.key == Some(key)) {
                continue;
            }
            let Some(l) = world.ledgers.get(&key) else {
                continue;
            };
            for name in InvariantName::PER_MESSAGE {
                if self.report.first_violation.contains_key(&name) {
                    continue;
                }
                if let Some((messages, message)) = check_ledger(name, key, l) {
                    self.report.first_violation.insert(
                        name,
                        Violation {
                            invariant: name,
                            event: e.index,
                            messages,
                            message,
                        },
                    );
                }
            }
        }
    }

    pub fn finish(&mut self, world: &World, last_event: u32) {
        for (name, messages, message) in check_end(world) {
            self.report
                .first_violation
                .get_or_insert_with(name, || Violation {
                    invariant: name,
                    event: last_event,
                    messages,
                    message,
                });
        }
    }
}
