//! The atomic steps of handlers and Frontend requests. Each step is one `Op` of an attempt's
//! plan; the plans follow the pseudo-code of §3 so that other messages interleave between steps
//! exactly where the workshop's traces need it.

use crate::deterministic_id::deterministic_guid;
use crate::ids::{AttemptId, TokenId, TxId};
use crate::scenario::{
    Action, Consistency, DispatchMode, DuplicateCheck, Effect, Endpoint, ErrorKind, Filling,
    HandlerLogic, Hook, MsgKind, OperationOrder, OrderKey, OutgoingIds, SubmitFlow,
};
use crate::store::{Doc, OutboxDoc, OutboxEntry, PendingTx};
use crate::trace::{Event, EventKind, FailOutcome, Outcome};
use crate::world::{
    consistency_of, Attempt, ChangeRec, CommitWhy, Intent, Message, Op, OutputRec, Probe, Received,
    Request, World,
};

/// What a step did to its attempt.
pub(crate) enum Next {
    Continue,
    Done,
    Fail(ErrorKind),
}

/// The business decision of a handler on its loaded document.
pub(crate) enum Business {
    Applied,
    /// The business state says this was done already (state-based dedup).
    Duplicate(&'static str),
    /// Nothing to change, and not because of a duplicate.
    NoOp(&'static str),
    Fail(ErrorKind),
}

impl World {
    pub(crate) fn step_attempt(&mut self, attempt: AttemptId, fire: u64, events: &mut Vec<Event>) {
        let Some(i) = self.attempts.iter().position(|a| a.id == attempt) else {
            return;
        };
        let mut a = self.attempts.remove(i);
        let Some(op) = a.plan.pop() else {
            return;
        };
        let first = events.len();
        let step_ms = self
            .cfg
            .0
            .scenario
            .endpoint_settings(a.endpoint)
            .map_or(0, |s| s.step_ms);
        a.ready_at_ms = self.now_ms.saturating_add(step_ms);
        let mut next = self.run_op(&mut a, op, fire, events);
        if let Next::Continue = next {
            if let Some(name) = op.step_name() {
                let probe = self.probes_for(&a, op).find(Hook::AfterStep);
                if let Some(probe) = probe {
                    let probe = Probe {
                        step: Some(name),
                        ..probe
                    };
                    for effect in self.fire_rules(&probe, fire) {
                        match effect {
                            Effect::Crash { .. } => {
                                events.push(
                                    self.event(a.endpoint, EventKind::Crashed { after: name }),
                                );
                                next = Next::Fail(ErrorKind::Crash);
                                break;
                            }
                            Effect::Hang { delay_ms, .. } => {
                                // Wait, then throw: nothing of the step after this one happens.
                                a.ready_at_ms = a.ready_at_ms.saturating_add(delay_ms);
                                a.plan.push(Op::Fail(ErrorKind::BrokerError));
                                events.push(self.event(
                                    a.endpoint,
                                    EventKind::Hung {
                                        after: name,
                                        delay_ms,
                                    },
                                ));
                                break;
                            }
                            Effect::Slow { delay_ms, .. } => {
                                a.ready_at_ms = a.ready_at_ms.saturating_add(delay_ms);
                                events.push(self.event(
                                    a.endpoint,
                                    EventKind::Slowed {
                                        after: name,
                                        delay_ms,
                                    },
                                ));
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        match next {
            Next::Continue => {
                if a.plan.is_empty() {
                    // Every plan ends in Ack/Finish; an empty one would leak the attempt.
                    a.plan.push(if a.copy.is_some() {
                        Op::Ack
                    } else {
                        Op::Finish
                    });
                }
            }
            Next::Done => {}
            Next::Fail(e) => self.fail_attempt(&mut a, e, events),
        }
        for ev in &mut events[first..] {
            if ev.attempt.is_none() {
                ev.attempt = Some(a.id);
            }
            if ev.caused_by.is_none() && a.copy.is_some() {
                ev.caused_by = Some(a.msg.id);
            }
        }
        if let Next::Continue = next {
            self.attempts.insert(i, a);
        }
    }

    fn logic(&self, a: &Attempt) -> HandlerLogic {
        self.cfg
            .0
            .scenario
            .handler(a.endpoint, a.msg.kind)
            .cloned()
            .unwrap_or_default()
    }

    fn run_op(&mut self, a: &mut Attempt, op: Op, fire: u64, events: &mut Vec<Event>) -> Next {
        let ep = a.endpoint;
        match op {
            Op::Load => {
                let sc = &self.cfg.0.scenario;
                if ep == Endpoint::Orders
                    && a.msg.kind == MsgKind::SubmitOrder
                    && sc.orders.order_key == OrderKey::Fresh
                {
                    a.doc_key = self.fresh_order_id();
                    a.doc = None;
                    a.version = None;
                } else {
                    let (doc, version) = self.stores[ep.index()].load(a.doc_key);
                    a.doc = doc;
                    a.version = version;
                }
                events.push(self.event(
                    ep,
                    EventKind::Loaded {
                        order: a.doc_key,
                        version: a.version,
                    },
                ));
                if matches!(ep, Endpoint::Shipping | Endpoint::Marketing) {
                    self.received.push(Received {
                        endpoint: ep,
                        msg: a.msg.reference(),
                    });
                }
                let c = consistency_of(&self.cfg.0.scenario, a);
                match c {
                    Consistency::OutboxInbox
                    | Consistency::OutboxInboxWithoutCleanup
                    | Consistency::OutOfDocumentOutbox => a.then(&[Op::InboxCheck]),
                    Consistency::Tokens | Consistency::TokensWithoutCheckpoint => {
                        if a.msg.token.is_some() {
                            a.then(&[Op::TokenCheck])
                        } else {
                            a.then(&[Op::Logic])
                        }
                    }
                    Consistency::SingleTransactionIdShipped | Consistency::SingleTransactionId => {
                        match a.doc.as_ref().and_then(|d| d.tx) {
                            Some(p) => {
                                // Someone's committed but unfinished transaction: finish it first.
                                a.tx = Some(p.tx);
                                a.mark = Some(match (c, p.owner) {
                                    (Consistency::SingleTransactionId, Some(owner)) => owner,
                                    _ => a.msg.id,
                                });
                                a.outs.clear();
                                a.then(&[
                                    Op::OutboxGet,
                                    Op::MarkInbox,
                                    Op::Commit(CommitWhy::ClearTransaction),
                                    Op::InboxCheck,
                                ]);
                            }
                            None => a.then(&[Op::InboxCheck]),
                        }
                    }
                    _ => {
                        if a.plan.is_empty() {
                            a.then(&[Op::Logic]);
                        }
                    }
                }
                Next::Continue
            }
            Op::InboxCheck => {
                let processed = self.stores[ep.index()].inbox.contains(&a.msg.id);
                events.push(self.event(ep, EventKind::InboxChecked { processed }));
                let c = consistency_of(&self.cfg.0.scenario, a);
                if processed {
                    let id = a.msg.id;
                    let leftover = match (c, a.doc.as_mut()) {
                        (Consistency::OutboxInbox, Some(d)) => d.remove_entry(id),
                        (Consistency::OutOfDocumentOutbox, Some(d)) => {
                            let before = d.tx_ids.len();
                            d.tx_ids.retain(|(m, _)| *m != id);
                            before != d.tx_ids.len()
                        }
                        _ => false,
                    };
                    if leftover {
                        a.then(&[Op::Commit(CommitWhy::RemoveEntry), Op::Ack]);
                    } else {
                        a.then(&[Op::Ack]);
                    }
                } else {
                    a.then(&[Op::Logic]);
                }
                Next::Continue
            }
            Op::TokenCheck => {
                let token = a.msg.token.unwrap_or(TokenId(0));
                let found = self.tokens.tokens.get(&(token, ep)).copied();
                events.push(self.event(
                    ep,
                    EventKind::TokenChecked {
                        token,
                        exists: found.is_some(),
                    },
                ));
                match found {
                    None => {
                        let id = a.msg.id;
                        let leftover = a.doc.as_mut().is_some_and(|d| d.remove_entry(id));
                        if leftover {
                            a.then(&[Op::Commit(CommitWhy::RemoveEntry), Op::Ack]);
                        } else {
                            a.then(&[Op::Ack]);
                        }
                    }
                    Some(v) => {
                        a.token_version = Some(v);
                        a.then(&[Op::Logic]);
                    }
                }
                Next::Continue
            }
            Op::Logic => self.op_logic(a, events),
            Op::Commit(why) => self.op_commit(a, why, fire, events),
            Op::Publish(i) => self.op_publish(a, i, fire, events),
            Op::CreateTokens => {
                let mut created = Vec::new();
                for m in a.outs.iter_mut() {
                    self.fresh += 1;
                    let t = TokenId(self.fresh);
                    m.token = Some(t);
                    created.push(t);
                }
                for m in &a.outs {
                    if let Some(t) = m.token {
                        for e in self.destinations(m.kind).iter() {
                            self.tokens.tokens.insert((t, e), 1);
                        }
                    }
                }
                if consistency_of(&self.cfg.0.scenario, a) == Consistency::Tokens {
                    let id = a.msg.id;
                    let outs = a.outs.clone();
                    if let Some(e) = a.doc.as_mut().and_then(|d| d.entry_mut(id)) {
                        e.messages = Some(outs);
                        e.tokens_generated = true;
                    }
                }
                events.push(self.event(ep, EventKind::TokensCreated { tokens: created }));
                Next::Continue
            }
            Op::DeleteToken => {
                let token = a.msg.token.unwrap_or(TokenId(0));
                let current = self.tokens.tokens.get(&(token, ep)).copied();
                if current.is_some() && current == a.token_version {
                    self.tokens.tokens.remove(&(token, ep));
                    events.push(self.event(ep, EventKind::TokenDeleted { token }));
                    Next::Continue
                } else {
                    Next::Fail(ErrorKind::TokenLost)
                }
            }
            Op::OutboxPut => {
                let tx = a.tx.unwrap_or(TxId(0));
                self.stores[ep.index()].outbox.insert(
                    tx,
                    OutboxDoc {
                        owner: a.msg.id,
                        messages: a.outs.clone(),
                    },
                );
                events.push(self.event(ep, EventKind::OutboxStaged { tx }));
                Next::Continue
            }
            Op::OutboxGet => {
                let tx = a.tx.unwrap_or(TxId(0));
                let found = self.stores[ep.index()]
                    .outbox
                    .get(&tx)
                    .map(|d| d.messages.clone());
                events.push(self.event(
                    ep,
                    EventKind::OutboxFetched {
                        tx,
                        found: found.is_some(),
                    },
                ));
                if let Some(msgs) = found {
                    a.outs = msgs;
                    a.publish_all_then(&[Op::OutboxDelete]);
                }
                Next::Continue
            }
            Op::OutboxDelete => {
                let tx = a.tx.unwrap_or(TxId(0));
                self.stores[ep.index()].outbox.remove(&tx);
                events.push(self.event(ep, EventKind::OutboxDeleted { tx }));
                Next::Continue
            }
            Op::MarkInbox => {
                let id = a.mark.unwrap_or(a.msg.id);
                self.stores[ep.index()].inbox.insert(id);
                events.push(self.event(ep, EventKind::InboxMarked { id }));
                Next::Continue
            }
            Op::DeleteRecord => {
                let probe = self.probes_for(a, op).find(Hook::Commit);
                if let Some(p) = probe {
                    if self.fire_rules(&p, fire).contains(&Effect::FailCommit) {
                        events.push(self.event(ep, EventKind::CommitFailed { order: a.doc_key }));
                        return Next::Fail(ErrorKind::DatabaseError);
                    }
                }
                events.push(self.event(ep, EventKind::RecordDeleted { order: a.doc_key }));
                Next::Continue
            }
            Op::Ack => {
                let q = &mut self.queues[ep.index()];
                let pos = q
                    .iter()
                    .position(|c| Some(c.id) == a.copy && c.holder == Some(a.id));
                match pos {
                    Some(p) => {
                        let c = q.remove(p);
                        let mut ev = self.event(ep, EventKind::Acked { copy: c.id });
                        ev.key = a.key;
                        events.push(ev);
                        if let Some(k) = a.key {
                            self.ledger(k).acked = true;
                        }
                    }
                    None => {
                        events.push(self.event(
                            ep,
                            EventKind::AckFailed {
                                copy: a.copy.unwrap_or(crate::ids::CopyId(0)),
                            },
                        ));
                    }
                }
                Next::Done
            }
            Op::Finish => {
                let mut ev = self.event(ep, EventKind::RequestDone);
                ev.key = a.key;
                events.push(ev);
                if let Some(k) = a.key {
                    self.ledger(k).finished = true;
                }
                Next::Done
            }
            Op::Fail(e) => Next::Fail(e),
        }
    }

    /// The business logic of every handler, on the attempt's loaded document.
    fn business(&self, a: &mut Attempt, check: DuplicateCheck) -> Business {
        let ep = a.endpoint;
        let f = a.msg.filling;
        let kind = a.msg.kind;
        match (ep, kind) {
            (Endpoint::Orders, MsgKind::SubmitOrder) => {
                if a.doc.is_some() && check == DuplicateCheck::BusinessState {
                    return Business::Duplicate("order exists: duplicate SubmitOrder ignored");
                }
                // Behind an outbox the handler keeps its own existence check (only Ex2's plain
                // handler lacks it): a SubmitOrder with another id for an existing order is a no-op.
                if a.doc.is_some()
                    && !self.cfg.0.cart_mode
                    && !consistency_of(&self.cfg.0.scenario, a).is_plain()
                {
                    return Business::NoOp("order exists: SubmitOrder ignored");
                }
                if self.cfg.0.cart_mode {
                    if let Some(d) = a.doc.as_mut() {
                        // Ex14+: `order.Lines = Items` on whatever the repository returned (an upsert).
                        d.lines = a.msg.items.clone();
                        return Business::Applied;
                    }
                }
                // Without a check a second SubmitOrder creates over the existing order and the
                // create-if-absent write conflicts (ConsistentInMemoryStore, Ex2).
                a.doc = Some(Doc {
                    lines: a.msg.items.clone(),
                    cart: if self.cfg.0.cart_mode {
                        Some(a.msg.order)
                    } else {
                        None
                    },
                    ..Doc::default()
                });
                a.version = None;
                Business::Applied
            }
            (Endpoint::Orders, MsgKind::AddItem) => {
                let Some(d) = a.doc.as_mut() else {
                    return Business::Fail(ErrorKind::OrderNotFound);
                };
                let Some(f) = f else {
                    return Business::NoOp("no filling");
                };
                if check == DuplicateCheck::BusinessState && d.lines.contains(&f) {
                    return Business::Duplicate("line already there: duplicate AddItem ignored");
                }
                d.lines.push(f);
                Business::Applied
            }
            (Endpoint::Orders, MsgKind::RemoveItem) => {
                let Some(d) = a.doc.as_mut() else {
                    return Business::Fail(ErrorKind::OrderNotFound);
                };
                let Some(f) = f else {
                    return Business::NoOp("no filling");
                };
                match d.lines.iter().position(|x| *x == f) {
                    Some(p) => {
                        d.lines.remove(p);
                        Business::Applied
                    }
                    None if check == DuplicateCheck::BusinessState => {
                        Business::Duplicate("no such line: potential duplicate RemoveItem")
                    }
                    None => Business::NoOp("no such line"),
                }
            }
            (Endpoint::Shipping, MsgKind::ItemAdded | MsgKind::ItemRemoved) => {
                let d = a.doc.get_or_insert_with(Doc::default);
                let Some(f) = f else {
                    return Business::NoOp("no filling");
                };
                if kind == MsgKind::ItemAdded {
                    if check == DuplicateCheck::BusinessState && d.lines.contains(&f) {
                        return Business::Duplicate("already on the packing list");
                    }
                    d.lines.push(f);
                    Business::Applied
                } else {
                    match d.lines.iter().position(|x| *x == f) {
                        Some(p) => {
                            d.lines.remove(p);
                            Business::Applied
                        }
                        None if check == DuplicateCheck::BusinessState => {
                            Business::Duplicate("not on the packing list")
                        }
                        None => Business::NoOp("not on the packing list"),
                    }
                }
            }
            (Endpoint::Marketing, _) => {
                let d = a.doc.get_or_insert_with(Doc::default);
                let i = Doc::count_index(kind);
                if kind == MsgKind::FirstItemAdded
                    && check == DuplicateCheck::BusinessState
                    && d.counts[i] > 0
                {
                    return Business::Duplicate("FirstItemAdded already counted");
                }
                d.counts[i] = d.counts[i].saturating_add(1);
                Business::Applied
            }
            (Endpoint::Frontend, MsgKind::SendSubmitOrder) => {
                let d = a.doc.get_or_insert_with(Doc::default);
                if d.submitted {
                    return Business::Duplicate("cart already submitted");
                }
                d.submitted = true;
                Business::Applied
            }
            _ => Business::NoOp("no handler"),
        }
    }

    /// The messages a handler publishes, computed from the document as it is now.
    fn outputs_from(&self, a: &Attempt) -> Vec<(MsgKind, Option<Filling>, Vec<Filling>)> {
        let doc = a.doc.as_ref();
        match (a.endpoint, a.msg.kind) {
            (Endpoint::Orders, MsgKind::AddItem) => {
                let mut v = vec![(MsgKind::ItemAdded, a.msg.filling, Vec::new())];
                let h = &self.cfg.0.scenario.orders.add_item;
                if h.first_item_added && doc.is_some_and(|d| d.lines.len() == 1) {
                    // H7 publishes FirstItemAdded before ItemAdded; the outboxes of §3.4/§3.5
                    // record ItemAdded first.
                    let first = (MsgKind::FirstItemAdded, None, Vec::new());
                    if h.consistency.is_plain() {
                        v.insert(0, first);
                    } else {
                        v.push(first);
                    }
                }
                v
            }
            (Endpoint::Orders, MsgKind::RemoveItem) => {
                vec![(MsgKind::ItemRemoved, a.msg.filling, Vec::new())]
            }
            (Endpoint::Frontend, MsgKind::SendSubmitOrder | MsgKind::SubmitOrder) => vec![(
                MsgKind::SubmitOrder,
                None,
                doc.map(|d| d.lines.clone()).unwrap_or_default(),
            )],
            _ => Vec::new(),
        }
    }

    fn suffix(endpoint: Endpoint, kind: MsgKind) -> &'static str {
        // The suffixes of the shipped Ex10 code (§3.2, §7).
        match (endpoint, kind) {
            (Endpoint::Orders, MsgKind::ItemAdded) => "Orders-ItemAdded",
            (Endpoint::Orders, MsgKind::FirstItemAdded) => "Orders-FirstItemAdded",
            (Endpoint::Orders, _) => "Orders",
            (Endpoint::Frontend, _) => "Frontend",
            (Endpoint::Shipping, _) => "Shipping",
            (Endpoint::Marketing, _) => "Marketing",
        }
    }

    /// Builds outgoing messages with ids as the handler's settings say.
    pub(crate) fn build_outs(&mut self, a: &Attempt, ids: OutgoingIds) -> Vec<Message> {
        let specs = self.outputs_from(a);
        // Only §3.2 needs the id's text; formatting it for random ids would be wasted work.
        let incoming = if ids == OutgoingIds::Deterministic {
            a.msg.id.to_string()
        } else {
            String::new()
        };
        let mut v = Vec::with_capacity(specs.len());
        for (kind, filling, items) in specs {
            let id = match ids {
                OutgoingIds::Random => self.fresh_id(),
                OutgoingIds::Deterministic => {
                    deterministic_guid(&incoming, Self::suffix(a.endpoint, kind))
                }
            };
            v.push(Message {
                id,
                kind,
                order: a.msg.order,
                filling,
                items,
                token: None,
                intent: Intent {
                    step: a.msg.intent.step,
                    kind,
                },
                cause: a.key.map(|k| k.1),
                parent: Some(a.msg.id),
            });
        }
        v
    }

    pub(crate) fn decided(&self, a: &Attempt, outcome: Outcome) -> Event {
        let mut ev = self.event(a.endpoint, EventKind::Decided { outcome });
        ev.key = a.key;
        ev
    }

    fn op_logic(&mut self, a: &mut Attempt, events: &mut Vec<Event>) -> Next {
        if a.request.is_some()
            || (a.endpoint == Endpoint::Frontend
                && self.cfg.0.scenario.frontend.submit_flow != SubmitFlow::SubmitOnce)
        {
            return self.frontend_logic(a, events);
        }
        let h = self.logic(a);
        let c = h.consistency;
        let check = if c.is_plain() {
            h.duplicate_check
        } else {
            DuplicateCheck::None
        };
        match c {
            Consistency::Plain => {
                let id = a.msg.id;
                let seen = h.duplicate_check == DuplicateCheck::ProcessedIds
                    && a.doc.as_ref().is_some_and(|d| d.processed.contains(&id));
                let b = if seen {
                    Business::Duplicate("message id already processed")
                } else {
                    self.business(a, check)
                };
                match b {
                    Business::Fail(e) => return Next::Fail(e),
                    Business::NoOp(r) => {
                        // Nothing to store; the handler still publishes what it always publishes.
                        events.push(self.decided(a, Outcome::NoOp(r)));
                        if let Some(k) = a.key {
                            self.ledger(k).noop = true;
                        }
                        a.outs = self.build_outs(a, h.outgoing_ids);
                        a.publish_all_then(&[Op::Ack]);
                    }
                    Business::Applied => {
                        if h.duplicate_check == DuplicateCheck::ProcessedIds {
                            if let Some(d) = a.doc.as_mut() {
                                d.processed.push(id);
                            }
                        }
                        events.push(self.decided(a, Outcome::Applied));
                        a.changed = true;
                        a.outs = self.build_outs(a, h.outgoing_ids);
                        a.intended = a.outs.iter().map(Message::content).collect();
                        // Batched dispatch sends only after the handler returned, i.e. after the store.
                        let pu = h.order == OperationOrder::PublishThenStore
                            && h.dispatch == DispatchMode::Immediate;
                        if pu {
                            a.publish_all_then(&[Op::Commit(CommitWhy::Business), Op::Ack]);
                        } else {
                            let n = a.outs.len() as u32;
                            let mut ops = vec![Op::Commit(CommitWhy::Business)];
                            ops.extend((0..n).map(Op::Publish));
                            ops.push(Op::Ack);
                            a.then(&ops);
                        }
                    }
                    Business::Duplicate(r) => {
                        events.push(self.decided(a, Outcome::Duplicate(r)));
                        a.outs = if h.republish_on_duplicate {
                            self.build_outs(a, h.outgoing_ids)
                        } else {
                            Vec::new()
                        };
                        a.publish_all_then(&[Op::Ack]);
                    }
                }
                Next::Continue
            }
            Consistency::InDocumentOutbox => {
                let id = a.msg.id;
                let seen = a.doc.as_ref().is_some_and(|d| d.processed.contains(&id));
                let mut ops = Vec::new();
                if seen {
                    events
                        .push(self.decided(a, Outcome::Duplicate("message id already processed")));
                } else {
                    match self.business(a, DuplicateCheck::None) {
                        Business::Fail(e) => return Next::Fail(e),
                        b => {
                            let outs = self.outs_of_decision(a, &b, h.outgoing_ids);
                            if let Some(d) = a.doc.as_mut() {
                                d.processed.push(id);
                                d.outgoing.extend(outs);
                            }
                            self.record_decision(a, &b, events);
                            ops.push(Op::Commit(CommitWhy::Business));
                        }
                    }
                }
                // Whatever is pending in the document, whoever left it, goes out now (§3.4).
                a.outs = a
                    .doc
                    .as_ref()
                    .map(|d| d.outgoing.clone())
                    .unwrap_or_default();
                if !a.outs.is_empty() {
                    ops.extend((0..a.outs.len() as u32).map(Op::Publish));
                    ops.push(Op::Commit(CommitWhy::ClearOutgoing));
                }
                ops.push(Op::Ack);
                a.then(&ops);
                Next::Continue
            }
            Consistency::Outbox
            | Consistency::OutboxInbox
            | Consistency::OutboxInboxWithoutCleanup
            | Consistency::Tokens
            | Consistency::TokensWithoutCheckpoint => {
                let id = a.msg.id;
                let entry = a.doc.as_ref().and_then(|d| d.entry(id)).cloned();
                let mut ops = Vec::new();
                let entry = match entry {
                    Some(e) => {
                        events.push(
                            self.decided(a, Outcome::Duplicate("outbox entry exists: resume it")),
                        );
                        e
                    }
                    None => match self.business(a, DuplicateCheck::None) {
                        Business::Fail(e) => return Next::Fail(e),
                        b => {
                            // A handler that decided "duplicate" or "nothing to do" sends nothing.
                            let outs = self.outs_of_decision(a, &b, h.outgoing_ids);
                            let e = OutboxEntry {
                                incoming: id,
                                messages: Some(outs),
                                tokens_generated: false,
                            };
                            if let Some(d) = a.doc.as_mut() {
                                d.outbox.push(e.clone());
                            }
                            self.record_decision(a, &b, events);
                            ops.push(Op::Commit(CommitWhy::Business));
                            e
                        }
                    },
                };
                let Some(msgs) = entry.messages else {
                    // Processed and dispatched (§3.5's null).
                    ops.push(Op::Ack);
                    a.then(&ops);
                    return Next::Continue;
                };
                a.outs = msgs;
                if c.uses_tokens() && !entry.tokens_generated {
                    ops.push(Op::CreateTokens);
                    if c == Consistency::Tokens {
                        ops.push(Op::Commit(CommitWhy::TokensGenerated));
                    }
                }
                ops.extend((0..a.outs.len() as u32).map(Op::Publish));
                match c {
                    Consistency::Outbox => ops.push(Op::Commit(CommitWhy::MarkDispatched)),
                    Consistency::OutboxInbox | Consistency::OutboxInboxWithoutCleanup => {
                        a.mark = Some(id);
                        ops.push(Op::MarkInbox);
                        ops.push(Op::Commit(CommitWhy::RemoveEntry));
                    }
                    _ => {
                        if a.msg.token.is_some() {
                            ops.push(Op::DeleteToken);
                        }
                        ops.push(Op::Commit(CommitWhy::RemoveEntry));
                    }
                }
                ops.push(Op::Ack);
                a.then(&ops);
                Next::Continue
            }
            Consistency::OutOfDocumentOutbox => {
                let id = a.msg.id;
                a.mark = Some(id);
                let existing = a
                    .doc
                    .as_ref()
                    .and_then(|d| d.tx_ids.iter().find(|(m, _)| *m == id).map(|(_, t)| *t));
                match existing {
                    Some(tx) => {
                        events.push(
                            self.decided(
                                a,
                                Outcome::Duplicate("transaction id recorded: resume it"),
                            ),
                        );
                        a.tx = Some(tx);
                        a.outs.clear();
                        a.then(&[
                            Op::OutboxGet,
                            Op::MarkInbox,
                            Op::Commit(CommitWhy::RemoveTransaction),
                            Op::Ack,
                        ]);
                    }
                    None => match self.business(a, DuplicateCheck::None) {
                        Business::Fail(e) => return Next::Fail(e),
                        b => {
                            let tx = TxId(self.fresh_u64());
                            a.tx = Some(tx);
                            a.outs = self.outs_of_decision(a, &b, h.outgoing_ids);
                            if let Some(d) = a.doc.as_mut() {
                                d.tx_ids.push((id, tx));
                            }
                            self.record_decision(a, &b, events);
                            a.then(&transaction_ops(a.outs.len(), CommitWhy::RemoveTransaction));
                        }
                    },
                }
                Next::Continue
            }
            Consistency::SingleTransactionIdShipped | Consistency::SingleTransactionId => {
                let id = a.msg.id;
                match self.business(a, DuplicateCheck::None) {
                    Business::Fail(e) => Next::Fail(e),
                    b => {
                        let tx = TxId(self.fresh_u64());
                        a.tx = Some(tx);
                        a.mark = Some(id);
                        a.outs = self.outs_of_decision(a, &b, h.outgoing_ids);
                        let owner = if c == Consistency::SingleTransactionId {
                            Some(id)
                        } else {
                            None
                        };
                        if let Some(d) = a.doc.as_mut() {
                            d.tx = Some(PendingTx { tx, owner });
                        }
                        self.record_decision(a, &b, events);
                        a.then(&transaction_ops(a.outs.len(), CommitWhy::ClearTransaction));
                        Next::Continue
                    }
                }
            }
        }
    }

    fn op_commit(
        &mut self,
        a: &mut Attempt,
        why: CommitWhy,
        fire: u64,
        events: &mut Vec<Event>,
    ) -> Next {
        let ep = a.endpoint;
        let probe = self.probes_for(a, Op::Commit(why)).find(Hook::Commit);
        if let Some(p) = probe {
            if self.fire_rules(&p, fire).contains(&Effect::FailCommit) {
                events.push(self.event(ep, EventKind::CommitFailed { order: a.doc_key }));
                return Next::Fail(ErrorKind::DatabaseError);
            }
        }
        let id = a.msg.id;
        if let Some(d) = a.doc.as_mut() {
            match why {
                CommitWhy::MarkDispatched => {
                    if let Some(e) = d.entry_mut(id) {
                        e.messages = None;
                    }
                }
                CommitWhy::RemoveEntry => {
                    d.remove_entry(id);
                }
                CommitWhy::RemoveTransaction => d.tx_ids.retain(|(m, _)| *m != id),
                CommitWhy::ClearTransaction => d.tx = None,
                CommitWhy::ClearOutgoing => d.outgoing.clear(),
                CommitWhy::MarkSubmitted => d.submitted = true,
                _ => {}
            }
        }
        let key = a.doc_key;
        // The order created in the same batch (NE-1..3) must not exist yet.
        let order_ok = match &a.new_order {
            Some((oid, _)) => self.stores[Endpoint::Orders.index()].check(*oid, None),
            None => Ok(()),
        };
        let cart_ok = match why {
            CommitWhy::OrderOnly | CommitWhy::Unversioned => Ok(()),
            _ => self.stores[ep.index()].check(key, a.version),
        };
        if let Err(c) = cart_ok.and(order_ok) {
            events.push(self.event(
                ep,
                EventKind::Conflict {
                    order: key,
                    expected: c.expected,
                    found: c.found,
                },
            ));
            return Next::Fail(ErrorKind::Concurrency);
        }
        let mut version = a.version.unwrap_or(0);
        if why != CommitWhy::OrderOnly {
            if let Some(d) = a.doc.clone() {
                version = self.stores[ep.index()].write(key, d);
                a.version = Some(version);
            }
        }
        if let Some((oid, d)) = a.new_order.take() {
            self.stores[Endpoint::Orders.index()].write(oid, d);
            events.push(self.event(
                Endpoint::Orders,
                EventKind::Committed {
                    order: oid,
                    version: 1,
                    why,
                },
            ));
        }
        let mut ev = self.event(
            ep,
            EventKind::Committed {
                order: key,
                version,
                why,
            },
        );
        if a.changed {
            a.changed = false;
            if let Some(k) = a.key {
                ev.key = Some(k);
                let rec = ChangeRec {
                    attempt: a.id,
                    msg: a.msg.id,
                    doc: key,
                    version,
                    intended: a.intended.clone(),
                };
                self.ledger(k).changes.push(rec);
            }
        }
        events.push(ev);
        Next::Continue
    }

    fn op_publish(&mut self, a: &mut Attempt, i: u32, fire: u64, events: &mut Vec<Event>) -> Next {
        let ep = a.endpoint;
        let Some(msg) = a.outs.get(i as usize).cloned() else {
            return Next::Continue;
        };
        let probe = self.probes_for(a, Op::Publish(i)).find(Hook::Send);
        let effects = match probe {
            Some(p) => self.fire_rules(&p, fire),
            None => Vec::new(),
        };
        let mut delay_ms = 0;
        let mut extra: Vec<u64> = Vec::new();
        let mut drop = false;
        let mut fail: Option<(bool, u64)> = None;
        for e in &effects {
            match *e {
                Effect::Duplicate { delay_ms } => extra.push(delay_ms),
                Effect::Delay { delay_ms: d } => delay_ms = delay_ms.max(d),
                Effect::Drop => drop = true,
                Effect::FailPublish {
                    broker_has_it,
                    after_ms,
                } if fail.is_none() => {
                    fail = Some((broker_has_it, after_ms));
                }
                _ => {}
            }
        }
        let r = msg.reference();
        if let Some((false, after_ms)) = fail {
            if after_ms > 0 {
                // The broker call hangs, then throws: nothing was sent (C-10's "Timeout").
                events.push(self.event(
                    ep,
                    EventKind::PublishStalled {
                        msg: r,
                        delay_ms: after_ms,
                    },
                ));
                a.ready_at_ms = self.now_ms.saturating_add(after_ms);
                a.plan.push(Op::Fail(ErrorKind::BrokerError));
                return Next::Continue;
            }
            events.push(self.event(
                ep,
                EventKind::PublishFailed {
                    msg: r,
                    broker_has_it: false,
                },
            ));
            return Next::Fail(ErrorKind::BrokerError);
        }
        if drop {
            events.push(self.event(ep, EventKind::Dropped { msg: r }));
            return Next::Continue;
        }
        let to = self.route(&msg, delay_ms);
        let mut ev = self.event(
            ep,
            EventKind::Published {
                msg: r,
                to,
                delay_ms,
                parent: msg.parent,
            },
        );
        if let Some(cause) = msg.cause {
            let k = (ep, cause);
            ev.key = Some(k);
            let out = OutputRec {
                id: msg.id,
                content: msg.content(),
            };
            let l = self.ledger(k);
            if !l.outputs.contains(&out) {
                l.outputs.push(out);
            }
        }
        events.push(ev);
        for d in extra {
            let to = self.route(&msg, d);
            events.push(self.event(
                ep,
                EventKind::Duplicated {
                    msg: r,
                    to,
                    delay_ms: d,
                },
            ));
        }
        if let Some((true, after_ms)) = fail {
            // The broker has the message; only the acknowledgement is lost.
            events.push(self.event(
                ep,
                EventKind::PublishFailed {
                    msg: r,
                    broker_has_it: true,
                },
            ));
            if after_ms > 0 {
                a.ready_at_ms = self.now_ms.saturating_add(after_ms);
                a.plan.push(Op::Fail(ErrorKind::BrokerError));
                return Next::Continue;
            }
            return Next::Fail(ErrorKind::BrokerError);
        }
        Next::Continue
    }

    fn fail_attempt(&mut self, a: &mut Attempt, error: ErrorKind, events: &mut Vec<Event>) {
        let ep = a.endpoint;
        let settings = self
            .cfg
            .0
            .scenario
            .endpoint_settings(ep)
            .cloned()
            .unwrap_or_default();
        let outcome = if let Some(copy) = a.copy {
            let q = &mut self.queues[ep.index()];
            match q
                .iter()
                .position(|c| c.id == copy && c.holder == Some(a.id))
            {
                None => FailOutcome::LeaseLost,
                Some(p) => {
                    if settings.unrecoverable.contains(&error)
                        || q[p].failures >= settings.immediate_retries
                    {
                        let c = q.remove(p);
                        self.error_queue.push((ep, c.msg.reference()));
                        if let Some(k) = a.key {
                            self.ledger(k).dead = true;
                        }
                        FailOutcome::ErrorQueue
                    } else {
                        let c = &mut q[p];
                        c.failures += 1;
                        c.state = crate::world::CopyState::Ready;
                        c.holder = None;
                        FailOutcome::Retry {
                            failures: c.failures,
                        }
                    }
                }
            }
        } else if let Some(r) = a.request {
            let is_import = matches!(
                self.cfg
                    .0
                    .scenario
                    .script
                    .get(r.step as usize)
                    .map(|s| &s.action),
                Some(Action::Import { .. })
            );
            if is_import && r.pass < self.cfg.0.scenario.limits.max_request_retries {
                let at_ms = self
                    .now_ms
                    .saturating_add(self.cfg.0.scenario.frontend.importer_retry_ms);
                self.pending_requests.push((
                    at_ms,
                    Request {
                        step: r.step,
                        pass: r.pass + 1,
                    },
                ));
                FailOutcome::NextPass { at_ms }
            } else {
                if let Some(k) = a.key {
                    self.ledger(k).finished = true;
                }
                FailOutcome::RequestFailed
            }
        } else {
            FailOutcome::RequestFailed
        };
        let mut ev = self.event(ep, EventKind::Failed { error, outcome });
        ev.key = a.key;
        events.push(ev);
    }
}

impl World {
    /// A business no-op (not a duplicate) is a legitimate end without a state change.
    /// What a handler publishes for its business decision: the messages it builds when the
    /// change applied, nothing for "duplicate" or "nothing to do"; remembered as what the attempt
    /// intended, for ConsistentStateAndOutput.
    fn outs_of_decision(
        &mut self,
        a: &mut Attempt,
        b: &Business,
        ids: OutgoingIds,
    ) -> Vec<Message> {
        let outs = if matches!(b, Business::Applied) {
            self.build_outs(a, ids)
        } else {
            Vec::new()
        };
        a.intended = outs.iter().map(Message::content).collect();
        outs
    }

    /// Records the business decision of an attempt: its event, whether it changed state, and a
    /// deliberate no-op in the ledger.
    fn record_decision(&mut self, a: &mut Attempt, b: &Business, events: &mut Vec<Event>) {
        events.push(self.decided(a, outcome_of(b)));
        a.changed = matches!(b, Business::Applied);
        self.note_noop(a, b);
    }

    fn note_noop(&mut self, a: &Attempt, b: &Business) {
        if let (Business::NoOp(_), Some(k)) = (b, a.key) {
            self.ledger(k).noop = true;
        }
    }
}

/// The steps of a transaction-id outbox (§3.8, §3.9) once the business logic ran: stage the
/// messages outside the entity, commit the entity (the commit point), publish each message,
/// delete the staged messages, mark the inbox, commit the entity again (`finish`), ack.
fn transaction_ops(messages: usize, finish: CommitWhy) -> Vec<Op> {
    let mut ops = vec![Op::OutboxPut, Op::Commit(CommitWhy::Business)];
    ops.extend((0..messages as u32).map(Op::Publish));
    ops.extend([Op::OutboxDelete, Op::MarkInbox, Op::Commit(finish), Op::Ack]);
    ops
}

fn outcome_of(b: &Business) -> Outcome {
    match b {
        Business::Applied => Outcome::Applied,
        Business::Duplicate(r) => Outcome::Duplicate(r),
        Business::NoOp(r) => Outcome::NoOp(r),
        Business::Fail(_) => Outcome::Rejected("failed"),
    }
}
