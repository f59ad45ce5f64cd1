//! The trace: one [`Event`] per thing that happened, with virtual time and causal links (the
//! incoming message an attempt handles, the parent of every published message), and a one-line
//! text rendering per event.

use crate::ids::{AttemptId, CopyId, MsgId, OrderId, TokenId, TxId};
use crate::scenario::{Endpoint, EndpointSet, ErrorKind, StepName};
use crate::world::{CommitWhy, Intent, MsgRef};
use serde::ser::SerializeStructVariant;
use serde::{Serialize, Serializer};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    pub index: u32,
    pub at_ms: u64,
    pub endpoint: Endpoint,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt: Option<AttemptId>,
    /// The incoming message being handled when this happened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caused_by: Option<MsgId>,
    /// The logical message whose ledger this event changed (for the invariants).
    #[serde(skip)]
    pub key: Option<(Endpoint, Intent)>,
    pub kind: EventKind,
}

/// Why a run stopped before quiescence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Halt {
    MaxEvents,
    MaxTime,
    QueueFull(Endpoint),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Applied,
    Duplicate(&'static str),
    NoOp(&'static str),
    Rejected(&'static str),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailOutcome {
    /// Immediate retry: the copy is visible again.
    Retry {
        failures: u32,
    },
    ErrorQueue,
    /// Another attempt holds the copy now: this failure changes nothing in the queue.
    LeaseLost,
    /// The importer tries the record again at `at_ms`.
    NextPass {
        at_ms: u64,
    },
    RequestFailed,
}

/// Serialised by hand (below), as the derive with `rename_all = "snake_case"` would.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    RequestStarted {
        step: u32,
        pass: u32,
    },
    RequestDone,
    Published {
        msg: MsgRef,
        to: EndpointSet,
        delay_ms: u64,
        parent: Option<MsgId>,
    },
    Duplicated {
        msg: MsgRef,
        to: EndpointSet,
        delay_ms: u64,
    },
    Dropped {
        msg: MsgRef,
    },
    PublishFailed {
        msg: MsgRef,
        broker_has_it: bool,
    },
    PublishStalled {
        msg: MsgRef,
        delay_ms: u64,
    },
    Delivered {
        copy: CopyId,
        msg: MsgRef,
        instance: u32,
        delivery: u32,
    },
    LeaseExpired {
        copy: CopyId,
        msg: MsgRef,
    },
    Arrived {
        copy: CopyId,
        msg: MsgRef,
    },
    Loaded {
        order: OrderId,
        version: Option<u32>,
    },
    Decided {
        outcome: Outcome,
    },
    Committed {
        order: OrderId,
        version: u32,
        why: CommitWhy,
    },
    Conflict {
        order: OrderId,
        expected: Option<u32>,
        found: Option<u32>,
    },
    CommitFailed {
        order: OrderId,
    },
    InboxChecked {
        processed: bool,
    },
    InboxMarked {
        id: MsgId,
    },
    TokenChecked {
        token: TokenId,
        exists: bool,
    },
    TokensCreated {
        tokens: Vec<TokenId>,
    },
    TokenDeleted {
        token: TokenId,
    },
    OutboxStaged {
        tx: TxId,
    },
    OutboxFetched {
        tx: TxId,
        found: bool,
    },
    OutboxDeleted {
        tx: TxId,
    },
    RecordDeleted {
        order: OrderId,
    },
    Acked {
        copy: CopyId,
    },
    AckFailed {
        copy: CopyId,
    },
    Failed {
        error: ErrorKind,
        outcome: FailOutcome,
    },
    Crashed {
        after: StepName,
    },
    Slowed {
        after: StepName,
        delay_ms: u64,
    },
    Hung {
        after: StepName,
        delay_ms: u64,
    },
    TimeAdvanced {
        to_ms: u64,
    },
    Halted {
        reason: Halt,
    },
}

/// A field of an event's JSON, of any of the types events carry: the derive's `Serialize` for
/// [`EventKind`] writes each field of each variant in code of its own (kilobytes of page bundle);
/// [`EventKind::serialize`] lists its variant's fields as these and writes them in one loop.
#[derive(Clone, Copy)]
enum F<'a> {
    /// Filler after a variant's last field; never written.
    Nil,
    U32(&'a u32),
    Msg(&'a MsgRef),
    To(&'a EndpointSet),
    U64(&'a u64),
    OptMsgId(&'a Option<MsgId>),
    Bool(&'a bool),
    Copy(&'a CopyId),
    Order(&'a OrderId),
    OptU32(&'a Option<u32>),
    Outcome(&'a Outcome),
    Why(&'a CommitWhy),
    MsgId(&'a MsgId),
    Token(&'a TokenId),
    Tokens(&'a Vec<TokenId>),
    Tx(&'a TxId),
    Error(&'a ErrorKind),
    Fail(&'a FailOutcome),
    Step(&'a StepName),
    Halt(&'a Halt),
}

impl Serialize for F<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            F::Nil => s.serialize_unit(),
            F::U32(x) => x.serialize(s),
            F::Msg(x) => x.serialize(s),
            F::To(x) => x.serialize(s),
            F::U64(x) => x.serialize(s),
            F::OptMsgId(x) => x.serialize(s),
            F::Bool(x) => x.serialize(s),
            F::Copy(x) => x.serialize(s),
            F::Order(x) => x.serialize(s),
            F::OptU32(x) => x.serialize(s),
            F::Outcome(x) => x.serialize(s),
            F::Why(x) => x.serialize(s),
            F::MsgId(x) => x.serialize(s),
            F::Token(x) => x.serialize(s),
            F::Tokens(x) => x.serialize(s),
            F::Tx(x) => x.serialize(s),
            F::Error(x) => x.serialize(s),
            F::Fail(x) => x.serialize(s),
            F::Step(x) => x.serialize(s),
            F::Halt(x) => x.serialize(s),
        }
    }
}

/// The JSON of `#[derive(Serialize)]` with `rename_all = "snake_case"`: a unit variant as its
/// name, a struct variant as `{"name": {fields…}}`, variant indices in declaration order.
impl Serialize for EventKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use EventKind::*;
        const NIL: (&str, F<'static>) = ("", F::Nil);
        let (index, len, fields): (u32, usize, [(&'static str, F<'_>); 4]) = match self {
            RequestStarted { step, pass } => (
                0,
                2,
                [("step", F::U32(step)), ("pass", F::U32(pass)), NIL, NIL],
            ),
            RequestDone => (1, 0, [NIL; 4]),
            Published {
                msg,
                to,
                delay_ms,
                parent,
            } => (
                2,
                4,
                [
                    ("msg", F::Msg(msg)),
                    ("to", F::To(to)),
                    ("delay_ms", F::U64(delay_ms)),
                    ("parent", F::OptMsgId(parent)),
                ],
            ),
            Duplicated { msg, to, delay_ms } => (
                3,
                3,
                [
                    ("msg", F::Msg(msg)),
                    ("to", F::To(to)),
                    ("delay_ms", F::U64(delay_ms)),
                    NIL,
                ],
            ),
            Dropped { msg } => (4, 1, [("msg", F::Msg(msg)), NIL, NIL, NIL]),
            PublishFailed { msg, broker_has_it } => (
                5,
                2,
                [
                    ("msg", F::Msg(msg)),
                    ("broker_has_it", F::Bool(broker_has_it)),
                    NIL,
                    NIL,
                ],
            ),
            PublishStalled { msg, delay_ms } => (
                6,
                2,
                [
                    ("msg", F::Msg(msg)),
                    ("delay_ms", F::U64(delay_ms)),
                    NIL,
                    NIL,
                ],
            ),
            Delivered {
                copy,
                msg,
                instance,
                delivery,
            } => (
                7,
                4,
                [
                    ("copy", F::Copy(copy)),
                    ("msg", F::Msg(msg)),
                    ("instance", F::U32(instance)),
                    ("delivery", F::U32(delivery)),
                ],
            ),
            LeaseExpired { copy, msg } => (
                8,
                2,
                [("copy", F::Copy(copy)), ("msg", F::Msg(msg)), NIL, NIL],
            ),
            Arrived { copy, msg } => (
                9,
                2,
                [("copy", F::Copy(copy)), ("msg", F::Msg(msg)), NIL, NIL],
            ),
            Loaded { order, version } => (
                10,
                2,
                [
                    ("order", F::Order(order)),
                    ("version", F::OptU32(version)),
                    NIL,
                    NIL,
                ],
            ),
            Decided { outcome } => (11, 1, [("outcome", F::Outcome(outcome)), NIL, NIL, NIL]),
            Committed {
                order,
                version,
                why,
            } => (
                12,
                3,
                [
                    ("order", F::Order(order)),
                    ("version", F::U32(version)),
                    ("why", F::Why(why)),
                    NIL,
                ],
            ),
            Conflict {
                order,
                expected,
                found,
            } => (
                13,
                3,
                [
                    ("order", F::Order(order)),
                    ("expected", F::OptU32(expected)),
                    ("found", F::OptU32(found)),
                    NIL,
                ],
            ),
            CommitFailed { order } => (14, 1, [("order", F::Order(order)), NIL, NIL, NIL]),
            InboxChecked { processed } => {
                (15, 1, [("processed", F::Bool(processed)), NIL, NIL, NIL])
            }
            InboxMarked { id } => (16, 1, [("id", F::MsgId(id)), NIL, NIL, NIL]),
            TokenChecked { token, exists } => (
                17,
                2,
                [
                    ("token", F::Token(token)),
                    ("exists", F::Bool(exists)),
                    NIL,
                    NIL,
                ],
            ),
            TokensCreated { tokens } => (18, 1, [("tokens", F::Tokens(tokens)), NIL, NIL, NIL]),
            TokenDeleted { token } => (19, 1, [("token", F::Token(token)), NIL, NIL, NIL]),
            OutboxStaged { tx } => (20, 1, [("tx", F::Tx(tx)), NIL, NIL, NIL]),
            OutboxFetched { tx, found } => (
                21,
                2,
                [("tx", F::Tx(tx)), ("found", F::Bool(found)), NIL, NIL],
            ),
            OutboxDeleted { tx } => (22, 1, [("tx", F::Tx(tx)), NIL, NIL, NIL]),
            RecordDeleted { order } => (23, 1, [("order", F::Order(order)), NIL, NIL, NIL]),
            Acked { copy } => (24, 1, [("copy", F::Copy(copy)), NIL, NIL, NIL]),
            AckFailed { copy } => (25, 1, [("copy", F::Copy(copy)), NIL, NIL, NIL]),
            Failed { error, outcome } => (
                26,
                2,
                [
                    ("error", F::Error(error)),
                    ("outcome", F::Fail(outcome)),
                    NIL,
                    NIL,
                ],
            ),
            Crashed { after } => (27, 1, [("after", F::Step(after)), NIL, NIL, NIL]),
            Slowed { after, delay_ms } => (
                28,
                2,
                [
                    ("after", F::Step(after)),
                    ("delay_ms", F::U64(delay_ms)),
                    NIL,
                    NIL,
                ],
            ),
            Hung { after, delay_ms } => (
                29,
                2,
                [
                    ("after", F::Step(after)),
                    ("delay_ms", F::U64(delay_ms)),
                    NIL,
                    NIL,
                ],
            ),
            TimeAdvanced { to_ms } => (30, 1, [("to_ms", F::U64(to_ms)), NIL, NIL, NIL]),
            Halted { reason } => (31, 1, [("reason", F::Halt(reason)), NIL, NIL, NIL]),
        };
        if len == 0 {
            return s.serialize_unit_variant("EventKind", index, self.name());
        }
        let mut v = s.serialize_struct_variant("EventKind", index, self.name(), len)?;
        for (key, field) in &fields[..len] {
            v.serialize_field(key, field)?;
        }
        v.end()
    }
}

fn ver(v: Option<u32>) -> String {
    v.map_or_else(|| "none".to_string(), |v| format!("v{v}"))
}

fn list(to: &EndpointSet) -> String {
    if to.is_empty() {
        return "nobody".into();
    }
    to.iter().map(|e| e.name()).collect::<Vec<_>>().join("+")
}

impl fmt::Display for Event {
    /// One line: index, time, endpoint, attempt, what happened.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "#{:<5} {:>6}.{:03}s {:<9}",
            self.index,
            self.at_ms / 1000,
            self.at_ms % 1000,
            self.endpoint.name()
        )?;
        match self.attempt {
            Some(a) => write!(f, " a{:<4}", a.0)?,
            None => write!(f, "      ")?,
        }
        write!(f, " ")?;
        use EventKind::*;
        match &self.kind {
            RequestStarted { step, pass } => {
                if *pass == 0 {
                    write!(f, "script step {step} starts")
                } else {
                    write!(f, "script step {step} pass {pass} starts")
                }
            }
            RequestDone => write!(f, "request done"),
            Published {
                msg,
                to,
                delay_ms,
                parent,
            } => {
                write!(f, "publish {msg} -> {}", list(to))?;
                if *delay_ms > 0 {
                    write!(f, " (delayed {delay_ms} ms)")?;
                }
                if let Some(p) = parent {
                    write!(f, " [caused by #{}]", p.short())?;
                }
                Ok(())
            }
            Duplicated { msg, to, delay_ms } => {
                write!(
                    f,
                    "chaos: duplicate of {msg} -> {} after {delay_ms} ms",
                    list(to)
                )
            }
            Dropped { msg } => write!(f, "chaos: {msg} dropped, not sent"),
            PublishFailed { msg, broker_has_it } => {
                if *broker_has_it {
                    write!(
                        f,
                        "chaos: publish of {msg} reached the broker but the ack was lost"
                    )
                } else {
                    write!(f, "chaos: publish of {msg} failed, not sent")
                }
            }
            PublishStalled { msg, delay_ms } => {
                write!(
                    f,
                    "chaos: publish of {msg} hangs {delay_ms} ms, then times out"
                )
            }
            Delivered {
                copy,
                msg,
                instance,
                delivery,
            } => write!(
                f,
                "deliver {msg} (copy c{}, delivery {delivery}) to instance {instance}",
                copy.0
            ),
            LeaseExpired { copy, msg } => {
                write!(f, "lease of c{} {msg} expired: visible again", copy.0)
            }
            Arrived { copy, msg } => write!(f, "delayed c{} {msg} arrives", copy.0),
            Loaded { order, version } => write!(f, "load {order} ({})", ver(*version)),
            Decided { outcome } => match outcome {
                Outcome::Applied => write!(f, "business logic applied"),
                Outcome::Duplicate(r) => write!(f, "duplicate: {r}"),
                Outcome::NoOp(r) => write!(f, "no change: {r}"),
                Outcome::Rejected(r) => write!(f, "rejected: {r}"),
            },
            Committed {
                order,
                version,
                why,
            } => write!(f, "commit {order} v{version} ({why:?})"),
            Conflict {
                order,
                expected,
                found,
            } => write!(
                f,
                "concurrency conflict on {order}: expected {}, found {}",
                ver(*expected),
                ver(*found)
            ),
            CommitFailed { order } => write!(f, "chaos: store of {order} fails (database error)"),
            InboxChecked { processed } => write!(
                f,
                "inbox check: {}",
                if *processed { "processed" } else { "new" }
            ),
            InboxMarked { id } => write!(f, "inbox: mark #{} processed", id.short()),
            TokenChecked { token, exists } => write!(
                f,
                "token t{} {}",
                token.0,
                if *exists {
                    "exists"
                } else {
                    "is gone: duplicate"
                }
            ),
            TokensCreated { tokens } => write!(
                f,
                "create tokens {}",
                tokens
                    .iter()
                    .map(|t| format!("t{}", t.0))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            TokenDeleted { token } => write!(f, "delete token t{}", token.0),
            OutboxStaged { tx } => write!(f, "outbox: stage transaction tx{}", tx.0),
            OutboxFetched { tx, found } => write!(
                f,
                "outbox: tx{} {}",
                tx.0,
                if *found { "found" } else { "already gone" }
            ),
            OutboxDeleted { tx } => write!(f, "outbox: delete tx{}", tx.0),
            RecordDeleted { order } => write!(f, "importer: record {order} deleted"),
            Acked { copy } => write!(f, "ack c{}", copy.0),
            AckFailed { copy } => write!(f, "ack of c{} failed: lease lost", copy.0),
            Failed { error, outcome } => {
                write!(f, "attempt failed ({}): ", error.name())?;
                match outcome {
                    FailOutcome::Retry { failures } => write!(f, "immediate retry {failures}"),
                    FailOutcome::ErrorQueue => write!(f, "moved to the error queue"),
                    FailOutcome::LeaseLost => write!(f, "lease already lost"),
                    FailOutcome::NextPass { at_ms } => {
                        write!(f, "next importer pass at {at_ms} ms")
                    }
                    FailOutcome::RequestFailed => write!(f, "request failed"),
                }
            }
            Crashed { after } => write!(f, "chaos: crash after {}", after.name()),
            Hung { after, delay_ms } => write!(
                f,
                "chaos: hangs {delay_ms} ms after {}, then throws (timeout)",
                after.name()
            ),
            Slowed { after, delay_ms } => {
                write!(f, "chaos: pause {delay_ms} ms after {}", after.name())
            }
            TimeAdvanced { to_ms } => write!(f, "time -> {to_ms} ms"),
            Halted { reason } => write!(f, "run stopped: {reason:?}"),
        }
    }
}

/// The whole trace as text, one line per event.
pub fn render(events: &[Event]) -> String {
    let mut s = String::new();
    for e in events {
        s.push_str(&e.to_string());
        s.push('\n');
    }
    s
}

/// A run as the page's "Export trace" writes it:
/// `{"events":[…],"format":1,"invariants":{…},"path":[…],"scenario":{…}}`. Written straight into
/// text, through the serialiser that writes scenarios and share links, so that the page carries no
/// `serde_json::Value` serialiser for events.
pub fn export_json(
    scenario: &crate::scenario::Scenario,
    events: &[Event],
    report: &crate::invariants::Report,
    path: &[u32],
) -> String {
    #[derive(Serialize)]
    struct Export<'a> {
        events: &'a [Event],
        format: u32,
        invariants: crate::invariants::Verdicts<'a>,
        path: &'a [u32],
        scenario: &'a crate::scenario::Scenario,
    }
    serde_json::to_string(&Export {
        events,
        format: 1,
        invariants: report.verdicts(),
        path,
        scenario,
    })
    .unwrap_or_default()
}

/// FNV-1a, 64 bits: written out here so that every platform computes the same value
/// (std's `DefaultHasher` may change between Rust releases).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl EventKind {
    /// The event's name in the trace's JSON (`commit_failed`), which chapter beats match on.
    pub fn name(&self) -> &'static str {
        use EventKind::*;
        match self {
            RequestStarted { .. } => "request_started",
            RequestDone => "request_done",
            Published { .. } => "published",
            Duplicated { .. } => "duplicated",
            Dropped { .. } => "dropped",
            PublishFailed { .. } => "publish_failed",
            PublishStalled { .. } => "publish_stalled",
            Delivered { .. } => "delivered",
            LeaseExpired { .. } => "lease_expired",
            Arrived { .. } => "arrived",
            Loaded { .. } => "loaded",
            Decided { .. } => "decided",
            Committed { .. } => "committed",
            Conflict { .. } => "conflict",
            CommitFailed { .. } => "commit_failed",
            InboxChecked { .. } => "inbox_checked",
            InboxMarked { .. } => "inbox_marked",
            TokenChecked { .. } => "token_checked",
            TokensCreated { .. } => "tokens_created",
            TokenDeleted { .. } => "token_deleted",
            OutboxStaged { .. } => "outbox_staged",
            OutboxFetched { .. } => "outbox_fetched",
            OutboxDeleted { .. } => "outbox_deleted",
            RecordDeleted { .. } => "record_deleted",
            Acked { .. } => "acked",
            AckFailed { .. } => "ack_failed",
            Failed { .. } => "failed",
            Crashed { .. } => "crashed",
            Slowed { .. } => "slowed",
            Hung { .. } => "hung",
            TimeAdvanced { .. } => "time_advanced",
            Halted { .. } => "halted",
        }
    }

    /// The message this event carries, if any (its kind, order and filling).
    pub fn msg_ref(&self) -> Option<&MsgRef> {
        use EventKind::*;
        match self {
            Published { msg, .. }
            | Duplicated { msg, .. }
            | Dropped { msg }
            | PublishFailed { msg, .. }
            | PublishStalled { msg, .. }
            | Delivered { msg, .. }
            | LeaseExpired { msg, .. }
            | Arrived { msg, .. } => Some(msg),
            _ => None,
        }
    }

    /// The message this event is about, if any (an inbox mark names one without carrying it).
    pub fn message(&self) -> Option<MsgId> {
        match self {
            EventKind::InboxMarked { id } => Some(*id),
            other => other.msg_ref().map(|m| m.id),
        }
    }
}

/// A message's lineage: the indices of every event about the message, its ancestors (what
/// caused it) and its descendants (what its handling published), or that happened while one of
/// them was being handled. In trace order.
pub fn lineage(events: &[Event], id: MsgId) -> Vec<u32> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut parent: BTreeMap<MsgId, MsgId> = BTreeMap::new();
    let mut children: BTreeMap<MsgId, Vec<MsgId>> = BTreeMap::new();
    for e in events {
        if let EventKind::Published {
            msg,
            parent: Some(p),
            ..
        } = &e.kind
        {
            if parent.insert(msg.id, *p).is_none() {
                children.entry(*p).or_default().push(msg.id);
            }
        }
    }
    let mut family: BTreeSet<MsgId> = BTreeSet::new();
    let mut up = Some(id);
    // Bounded by the number of distinct messages: a parent chain cannot be longer.
    let mut guard = parent.len() + 1;
    while let Some(m) = up {
        if !family.insert(m) || guard == 0 {
            break;
        }
        guard -= 1;
        up = parent.get(&m).copied();
    }
    let mut todo = vec![id];
    while let Some(m) = todo.pop() {
        for c in children.get(&m).map(Vec::as_slice).unwrap_or(&[]) {
            if family.insert(*c) {
                todo.push(*c);
            }
        }
    }
    events
        .iter()
        .filter(|e| {
            e.kind.message().is_some_and(|m| family.contains(&m))
                || e.caused_by.is_some_and(|m| family.contains(&m))
        })
        .map(|e| e.index)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{presets, run_to_end};
    use serde_json::{json, Value};

    /// The export reads as the `serde_json::Value` the page built before it wrote the text
    /// itself; only the order of object keys may differ.
    #[test]
    fn the_export_is_the_value_the_page_used_to_build() {
        for id in ["c01-before", "c05-before", "c10-after"] {
            let p = presets::get(id).expect("preset");
            let run = run_to_end(&p.scenario).expect("runs");
            assert!(id != "c05-before" || !run.invariants.all_hold());
            let invariants: serde_json::Map<String, Value> = crate::invariants::InvariantName::ALL
                .iter()
                .map(|name| {
                    let v = run.invariants.first_violation.get(name);
                    let verdict = json!({
                        "holds": v.is_none(),
                        "first_violation": v.map(|v| json!({
                            "event": v.event,
                            "messages": v.messages.iter().map(|m| m.to_string()).collect::<Vec<_>>(),
                            "message": v.message,
                        })),
                    });
                    (name.name().to_string(), verdict)
                })
                .collect();
            assert_eq!(run.invariants.to_json(), Value::Object(invariants.clone()));
            let before = json!({
                "format": 1,
                "scenario": serde_json::from_str::<Value>(&p.scenario.to_json()).expect("json"),
                "path": run.path,
                "invariants": invariants,
                "events": run.events,
            });
            let text = super::export_json(&p.scenario, &run.events, &run.invariants, &run.path);
            assert_eq!(
                serde_json::from_str::<Value>(&text).expect("json"),
                before,
                "{id}"
            );
        }
    }

    /// The derive's `Serialize` for [`EventKind`], to compare the hand-written one with.
    #[derive(Serialize)]
    #[serde(remote = "EventKind", rename_all = "snake_case")]
    enum Derived {
        RequestStarted {
            step: u32,
            pass: u32,
        },
        RequestDone,
        Published {
            msg: MsgRef,
            to: EndpointSet,
            delay_ms: u64,
            parent: Option<MsgId>,
        },
        Duplicated {
            msg: MsgRef,
            to: EndpointSet,
            delay_ms: u64,
        },
        Dropped {
            msg: MsgRef,
        },
        PublishFailed {
            msg: MsgRef,
            broker_has_it: bool,
        },
        PublishStalled {
            msg: MsgRef,
            delay_ms: u64,
        },
        Delivered {
            copy: CopyId,
            msg: MsgRef,
            instance: u32,
            delivery: u32,
        },
        LeaseExpired {
            copy: CopyId,
            msg: MsgRef,
        },
        Arrived {
            copy: CopyId,
            msg: MsgRef,
        },
        Loaded {
            order: OrderId,
            version: Option<u32>,
        },
        Decided {
            outcome: Outcome,
        },
        Committed {
            order: OrderId,
            version: u32,
            why: CommitWhy,
        },
        Conflict {
            order: OrderId,
            expected: Option<u32>,
            found: Option<u32>,
        },
        CommitFailed {
            order: OrderId,
        },
        InboxChecked {
            processed: bool,
        },
        InboxMarked {
            id: MsgId,
        },
        TokenChecked {
            token: TokenId,
            exists: bool,
        },
        TokensCreated {
            tokens: Vec<TokenId>,
        },
        TokenDeleted {
            token: TokenId,
        },
        OutboxStaged {
            tx: TxId,
        },
        OutboxFetched {
            tx: TxId,
            found: bool,
        },
        OutboxDeleted {
            tx: TxId,
        },
        RecordDeleted {
            order: OrderId,
        },
        Acked {
            copy: CopyId,
        },
        AckFailed {
            copy: CopyId,
        },
        Failed {
            error: ErrorKind,
            outcome: FailOutcome,
        },
        Crashed {
            after: StepName,
        },
        Slowed {
            after: StepName,
            delay_ms: u64,
        },
        Hung {
            after: StepName,
            delay_ms: u64,
        },
        TimeAdvanced {
            to_ms: u64,
        },
        Halted {
            reason: Halt,
        },
    }

    /// Every event of every preset's run is written as the derive writes it.
    #[test]
    fn events_are_written_as_the_derive_writes_them() {
        let mut names = std::collections::BTreeSet::new();
        for p in presets::all() {
            let run = run_to_end(&p.scenario).expect("runs");
            // No preset drops a message: a drop of each published one stands in.
            let drops = run.events.iter().filter_map(|e| match &e.kind {
                EventKind::Published { msg, .. } => Some(EventKind::Dropped { msg: *msg }),
                _ => None,
            });
            for kind in run.events.iter().map(|e| e.kind.clone()).chain(drops) {
                let e = Event {
                    kind,
                    ..run.events[0].clone()
                };
                let mut derived = Vec::new();
                Derived::serialize(&e.kind, &mut serde_json::Serializer::new(&mut derived))
                    .expect("json");
                let ours = serde_json::to_string(&e.kind).expect("json");
                assert_eq!(ours.as_bytes(), derived.as_slice(), "{}", p.id);
                names.insert(e.kind.name());
            }
        }
        assert_eq!(names.len(), 32, "every variant: {names:?}");
    }
}
