//! The workshop's `MessageHandler` TLA+ specification, as a model the explorer checks.
//!
//! This is the PlusCal translation TLC explores (spec §4.1-§4.3): one process `Handler = 1` with the
//! labels as steps, `pc` and the process-local `msg` and `txId` part of the state (both start as
//! `defaultInitValue`), and the variables `queueIn`, `queueOut`, `db`, `processed`, `failures`,
//! `txCounter`. Every exercise variant of §4.2 is a [`Variant`]. Its distinct-state counts equal
//! TLC's, which is what shows the explorer is right.
//!
//! A state packs into a `u128`: the sets of records become bit sets (`db` and `queueOut` hold
//! records `[id, txId]`, one bit per id and transaction number), and the scalars become bit fields.
//! The encoding is canonical (one value per TLA+ state), so distinct packed values are distinct
//! TLA+ states.

use serde::Serialize;

use super::fingerprint::fingerprint_u128;
use super::model::Model;

/// The exercise variants, numbered as the rows of the table in spec §4.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    /// 1: as shipped: `SendOutgoingMsg` → `UpdateDb` → `AckInMsg`, give up a message at its
    /// `MaxFailures`-th failure.
    SendThenUpdate,
    /// 2: `UpdateDb` → `SendOutgoingMsg` (to prevent ghost messages).
    UpdateThenSend,
    /// 3: one atomic `UpdateDbAndSend` step (models a distributed transaction).
    AtomicUpdateAndSend,
    /// 4: variant 3 with dedup: the atomic update happens only if no db record has the id.
    AtomicWithDedup,
    /// 5: split steps again, `Fails(id)` allows `MaxFailures + 1` failures per message, no give-up,
    /// dedup in `Update`, `Send` sends the handler's own `txId`.
    SplitSendOwnTxId,
    /// 6: variant 5, but `Send` sends the `txId` the db recorded.
    SplitSendDbTxId,
    /// `MessageHandler_final.tla` (§4.3): `Process` merged into `Receive`, one global failure
    /// counter.
    Final,
}

impl Variant {
    /// All variants, in table order.
    pub const ALL: [Variant; 7] = [
        Variant::SendThenUpdate,
        Variant::UpdateThenSend,
        Variant::AtomicUpdateAndSend,
        Variant::AtomicWithDedup,
        Variant::SplitSendOwnTxId,
        Variant::SplitSendDbTxId,
        Variant::Final,
    ];

    /// Parses the command-line name: `1`..`6` or `final`.
    pub fn from_name(name: &str) -> Option<Variant> {
        match name {
            "1" => Some(Variant::SendThenUpdate),
            "2" => Some(Variant::UpdateThenSend),
            "3" => Some(Variant::AtomicUpdateAndSend),
            "4" => Some(Variant::AtomicWithDedup),
            "5" => Some(Variant::SplitSendOwnTxId),
            "6" => Some(Variant::SplitSendDbTxId),
            "final" => Some(Variant::Final),
            _ => None,
        }
    }

    /// The command-line name: `1`..`6` or `final`.
    pub fn name(self) -> &'static str {
        match self {
            Variant::SendThenUpdate => "1",
            Variant::UpdateThenSend => "2",
            Variant::AtomicUpdateAndSend => "3",
            Variant::AtomicWithDedup => "4",
            Variant::SplitSendOwnTxId => "5",
            Variant::SplitSendDbTxId => "6",
            Variant::Final => "final",
        }
    }

    /// One line for the page: what changed in the spec.
    pub fn description(self) -> &'static str {
        match self {
            Variant::SendThenUpdate => {
                "as shipped: Send -> UpdateDb -> Ack, a message is given up at its MaxFailures-th failure"
            }
            Variant::UpdateThenSend => "UpdateDb -> Send (to prevent ghost messages)",
            Variant::AtomicUpdateAndSend => "atomic UpdateDbAndSend (a distributed transaction)",
            Variant::AtomicWithDedup => "atomic UpdateDbAndSend, only if the db has no record of the message",
            Variant::SplitSendOwnTxId => {
                "split steps, MaxFailures + 1 failures per message, dedup in Update, Send with its own txId"
            }
            Variant::SplitSendDbTxId => "as 5, but Send uses the txId the db recorded",
            Variant::Final => "MessageHandler_final.tla: Process merged into Receive, one global failure counter",
        }
    }

    /// Variants 1-4 give a message up (move it to `processed`) when it fails at the limit.
    fn gives_up(self) -> bool {
        matches!(
            self,
            Variant::SendThenUpdate
                | Variant::UpdateThenSend
                | Variant::AtomicUpdateAndSend
                | Variant::AtomicWithDedup
        )
    }

    /// The first fallible label after the transaction number is taken.
    fn first_fallible(self) -> Label {
        match self {
            Variant::SendThenUpdate => Label::SendOutgoingMsg,
            Variant::AtomicUpdateAndSend | Variant::AtomicWithDedup => Label::UpdateDbAndSend,
            _ => Label::UpdateDb,
        }
    }

    /// The label after a successful `label`.
    fn after(self, label: Label) -> Label {
        match (self, label) {
            (Variant::SendThenUpdate, Label::SendOutgoingMsg) => Label::UpdateDb,
            (Variant::SendThenUpdate, Label::UpdateDb) => Label::AckInMsg,
            (_, Label::UpdateDb) => Label::SendOutgoingMsg,
            (_, Label::SendOutgoingMsg) | (_, Label::UpdateDbAndSend) => Label::AckInMsg,
            // The end of the `while TRUE` body goes back to its test.
            _ => Label::MainLoop,
        }
    }
}

/// The PlusCal labels (values of `pc[1]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Label {
    /// The `while TRUE` test.
    MainLoop,
    /// `await queueIn /= {}`, pick a message (final: also take a transaction number).
    Receive,
    /// Take a transaction number (`txId := txCounter; txCounter := txCounter + 1`).
    Process,
    /// Write the db record (`Update` in variants 5, 6 and final).
    UpdateDb,
    /// Send the outgoing message (`Send` in variants 5, 6 and final).
    SendOutgoingMsg,
    /// Variants 3 and 4: write and send in one step.
    UpdateDbAndSend,
    /// Remove the message from `queueIn` and mark it processed.
    AckInMsg,
}

impl Label {
    const ALL: [Label; 7] = [
        Label::MainLoop,
        Label::Receive,
        Label::Process,
        Label::UpdateDb,
        Label::SendOutgoingMsg,
        Label::UpdateDbAndSend,
        Label::AckInMsg,
    ];

    /// The label as the given variant's spec spells it.
    pub fn name_in(self, variant: Variant) -> &'static str {
        let short = matches!(
            variant,
            Variant::SplitSendOwnTxId | Variant::SplitSendDbTxId | Variant::Final
        );
        match self {
            Label::MainLoop => "MainLoop",
            Label::Receive => "Receive",
            Label::Process => "Process",
            Label::UpdateDb if short => "Update",
            Label::UpdateDb => "UpdateDb",
            Label::SendOutgoingMsg if short => "Send",
            Label::SendOutgoingMsg => "SendOutgoingMsg",
            Label::UpdateDbAndSend => "UpdateDbAndSend",
            Label::AckInMsg => "AckInMsg",
        }
    }
}

/// One step of the handler: which disjunct of the next-state relation is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Step {
    /// `MainLoop`: go to `Receive`.
    Loop,
    /// `Receive`: take the message with this id (1-based) from `queueIn`.
    Receive(u8),
    /// `Process`: take a transaction number.
    Process,
    /// The fallible step at `pc` fails (`Fail` macro).
    Fail,
    /// The fallible step at `pc` succeeds.
    Succeed,
    /// Variant 6 and final `Send`: succeeds, re-sending the db record with this transaction number.
    SendRecorded(u8),
}

/// The invariants, in bit order of [`Model::violated_invariants`].
pub const INVARIANT_NAMES: [&str; 6] = [
    "TypeInvariant",
    "NoGhostMessages",
    "NoLostMessages",
    "NoLostWrite",
    "NoDuplicatedProcessings",
    "ConsistentOutput",
];

const TYPE_INVARIANT: u64 = 1 << 0;
const NO_GHOST_MESSAGES: u64 = 1 << 1;
const NO_LOST_MESSAGES: u64 = 1 << 2;
const NO_LOST_WRITE: u64 = 1 << 3;
const NO_DUPLICATED_PROCESSINGS: u64 = 1 << 4;
const CONSISTENT_OUTPUT: u64 = 1 << 5;

/// A packed state of the model (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HandlerState(pub u128);

/// Why constants were refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelError {
    /// `NoMessages` must be 1 to 16.
    BadMessageCount(u32),
    /// The state would not fit the 128-bit encoding.
    TooLarge {
        /// Bits the encoding would need.
        bits: u32,
    },
}

impl core::fmt::Display for ModelError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ModelError::BadMessageCount(count) => {
                write!(f, "NoMessages must be between 1 and 16, got {count}")
            }
            ModelError::TooLarge { bits } => write!(
                f,
                "these constants need a {bits}-bit state; the reference model packs states into 128 bits"
            ),
        }
    }
}

impl std::error::Error for ModelError {}

/// Bit positions of the fields of a [`HandlerState`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Layout {
    /// `NoMessages`.
    messages: u32,
    /// How many transaction numbers can ever be taken: the width of a `db`/`queueOut` row.
    max_tx: u32,
    /// Width of one failure counter.
    failure_width: u32,
    /// `failures` is a function of the message id (variants 1-6) rather than one counter (final).
    failures_per_message: bool,
    queue_in_at: u32,
    processed_at: u32,
    failures_at: u32,
    tx_counter_at: u32,
    tx_counter_width: u32,
    db_at: u32,
    queue_out_at: u32,
    msg_at: u32,
    msg_width: u32,
    tx_id_at: u32,
    pc_at: u32,
    total_bits: u32,
}

const PC_WIDTH: u32 = 3;

/// Bits needed for the values `0..=max`.
fn bits_for(max: u32) -> u32 {
    u32::BITS - max.leading_zeros()
}

impl Layout {
    fn new(variant: Variant, max_failures: u32, messages: u32) -> Result<Layout, ModelError> {
        if !(1..=16).contains(&messages) {
            return Err(ModelError::BadMessageCount(messages));
        }
        // Transaction numbers taken = receives. Variants 1-4: a message is received at most
        // MaxFailures + 1 times (MaxFailures failures, then a give-up or an ack). Variants 5-6:
        // MaxFailures + 1 failures are allowed, then the next attempt cannot fail. Final: the
        // MaxFailures + 1 failures are shared by all messages, plus one successful receive each.
        let failures_cap = u64::from(max_failures) + 1;
        let receives: u64 = match variant {
            v if v.gives_up() => u64::from(messages) * failures_cap,
            Variant::Final => u64::from(messages) + failures_cap,
            _ => u64::from(messages) * (failures_cap + 1),
        };
        // The largest value a failure counter reaches: MaxFailures where a message is given up
        // at the limit, MaxFailures + 1 where `Fails` allows failing while the counter <= MaxFailures.
        let max_failure_count = if variant.gives_up() {
            u64::from(max_failures)
        } else {
            failures_cap
        };
        if receives > 64 || max_failure_count > 255 {
            return Err(ModelError::TooLarge { bits: 129 });
        }
        let max_tx = receives as u32;
        let failure_width = bits_for(max_failure_count as u32);
        let failures_per_message = variant != Variant::Final;
        let tx_counter_width = bits_for(max_tx);
        let msg_width = bits_for(messages);

        let queue_in_at = 0;
        let processed_at = queue_in_at + messages;
        let failures_at = processed_at + messages;
        let failure_fields = if failures_per_message { messages } else { 1 };
        let tx_counter_at = failures_at + failure_fields * failure_width;
        let db_at = tx_counter_at + tx_counter_width;
        let queue_out_at = db_at + messages * max_tx;
        let msg_at = queue_out_at + messages * max_tx;
        // `txId` is stored plus one, so that zero is `defaultInitValue`.
        let tx_id_at = msg_at + msg_width;
        let pc_at = tx_id_at + tx_counter_width;
        let total_bits = pc_at + PC_WIDTH;
        if total_bits > 128 {
            return Err(ModelError::TooLarge { bits: total_bits });
        }
        Ok(Layout {
            messages,
            max_tx,
            failure_width,
            failures_per_message,
            queue_in_at,
            processed_at,
            failures_at,
            tx_counter_at,
            tx_counter_width,
            db_at,
            queue_out_at,
            msg_at,
            msg_width,
            tx_id_at,
            pc_at,
            total_bits,
        })
    }

    #[inline]
    fn get(state: u128, at: u32, width: u32) -> u64 {
        if width == 0 {
            return 0;
        }
        ((state >> at) as u64) & (u64::MAX >> (64 - width))
    }

    #[inline]
    fn set(state: u128, at: u32, width: u32, value: u64) -> u128 {
        if width == 0 {
            return state;
        }
        let mask = u128::from(u64::MAX >> (64 - width)) << at;
        (state & !mask) | ((u128::from(value) << at) & mask)
    }

    #[inline]
    fn queue_in(&self, state: u128) -> u64 {
        Self::get(state, self.queue_in_at, self.messages)
    }
    #[inline]
    fn processed(&self, state: u128) -> u64 {
        Self::get(state, self.processed_at, self.messages)
    }
    /// `failures[id]` (0-based id), or the global counter of the final spec.
    #[inline]
    fn failures(&self, state: u128, id0: u32) -> u64 {
        let slot = if self.failures_per_message { id0 } else { 0 };
        Self::get(
            state,
            self.failures_at + slot * self.failure_width,
            self.failure_width,
        )
    }
    #[inline]
    fn set_failures(&self, state: u128, id0: u32, value: u64) -> u128 {
        let slot = if self.failures_per_message { id0 } else { 0 };
        Self::set(
            state,
            self.failures_at + slot * self.failure_width,
            self.failure_width,
            value,
        )
    }
    #[inline]
    fn tx_counter(&self, state: u128) -> u64 {
        Self::get(state, self.tx_counter_at, self.tx_counter_width)
    }
    /// The transaction numbers of the `db` records of message `id0` (0-based), as a bit set.
    #[inline]
    fn db_row(&self, state: u128, id0: u32) -> u64 {
        Self::get(state, self.db_at + id0 * self.max_tx, self.max_tx)
    }
    /// The transaction numbers of the `queueOut` records of message `id0`, as a bit set.
    #[inline]
    fn out_row(&self, state: u128, id0: u32) -> u64 {
        Self::get(state, self.queue_out_at + id0 * self.max_tx, self.max_tx)
    }
    /// `msg` as a 1-based id; 0 is `defaultInitValue`.
    #[inline]
    fn msg(&self, state: u128) -> u64 {
        Self::get(state, self.msg_at, self.msg_width)
    }
    /// `txId` plus one; 0 is `defaultInitValue`.
    #[inline]
    fn tx_id_plus_one(&self, state: u128) -> u64 {
        Self::get(state, self.tx_id_at, self.tx_counter_width)
    }
    #[inline]
    fn pc(&self, state: u128) -> u64 {
        Self::get(state, self.pc_at, PC_WIDTH)
    }
    #[inline]
    fn with_pc(&self, state: u128, label: Label) -> u128 {
        Self::set(state, self.pc_at, PC_WIDTH, label as u64)
    }
    #[inline]
    fn with_db(&self, state: u128, id0: u32, tx: u64) -> u128 {
        state | (1u128 << (self.db_at + id0 * self.max_tx + tx as u32))
    }
    #[inline]
    fn with_out(&self, state: u128, id0: u32, tx: u64) -> u128 {
        state | (1u128 << (self.queue_out_at + id0 * self.max_tx + tx as u32))
    }
    /// `queueIn := queueIn \ {msg}; processed := processed \cup {msg}`.
    #[inline]
    fn with_acked(&self, state: u128, id0: u32) -> u128 {
        let without = state & !(1u128 << (self.queue_in_at + id0));
        without | (1u128 << (self.processed_at + id0))
    }
}

/// The reference model: one variant with its constants `MaxFailures` and `NoMessages`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageHandler {
    variant: Variant,
    max_failures: u32,
    messages: u32,
    layout: Layout,
}

/// A state in TLA+ terms, for traces on the page and in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HandlerVars {
    /// `pc[1]`, as the variant's spec spells it.
    pub pc: &'static str,
    /// Ids of the messages in `queueIn`.
    pub queue_in: Vec<u32>,
    /// `queueOut` records as `(id, txId)`.
    pub queue_out: Vec<(u32, u32)>,
    /// `db` records as `(id, txId)`.
    pub db: Vec<(u32, u32)>,
    /// Ids of the messages in `processed`.
    pub processed: Vec<u32>,
    /// `failures[id]` for ids 1..NoMessages (variants 1-6), or the one global counter (final).
    pub failures: Vec<u32>,
    /// `txCounter`.
    pub tx_counter: u32,
    /// `msg.id`; `None` is `defaultInitValue`.
    pub msg: Option<u32>,
    /// `txId`; `None` is `defaultInitValue`.
    pub tx_id: Option<u32>,
}

impl core::fmt::Display for HandlerVars {
    /// TLA+-like: `pc=Send queueIn={1} queueOut={[1,tx0]} db={[1,tx0]} processed={} failures=1 ...`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let ids = |ids: &[u32]| {
            let list: Vec<String> = ids.iter().map(u32::to_string).collect();
            format!("{{{}}}", list.join(","))
        };
        let records = |records: &[(u32, u32)]| {
            let list: Vec<String> = records
                .iter()
                .map(|(id, tx)| format!("[{id},tx{tx}]"))
                .collect();
            format!("{{{}}}", list.join(","))
        };
        let failures: Vec<String> = self.failures.iter().map(u32::to_string).collect();
        let or_default =
            |value: Option<u32>| value.map_or("default".to_string(), |v| v.to_string());
        write!(
            f,
            "pc={} queueIn={} queueOut={} db={} processed={} failures={} txCounter={} msg={} txId={}",
            self.pc,
            ids(&self.queue_in),
            records(&self.queue_out),
            records(&self.db),
            ids(&self.processed),
            failures.join(","),
            self.tx_counter,
            or_default(self.msg),
            or_default(self.tx_id),
        )
    }
}

impl HandlerVars {
    /// Every variable as the spec names it, with its value in TLA+ notation, in the spec's order.
    pub fn rows(&self) -> Vec<(&'static str, String)> {
        let ids = |ids: &[u32]| {
            let list: Vec<String> = ids.iter().map(u32::to_string).collect();
            format!("{{{}}}", list.join(", "))
        };
        let records = |records: &[(u32, u32)]| {
            let list: Vec<String> = records
                .iter()
                .map(|(id, tx)| format!("[id |-> {id}, txId |-> {tx}]"))
                .collect();
            format!("{{{}}}", list.join(", "))
        };
        let failures = if self.failures.len() == 1 {
            self.failures[0].to_string()
        } else {
            let list: Vec<String> = self.failures.iter().map(u32::to_string).collect();
            format!("<<{}>>", list.join(", "))
        };
        let or_default =
            |value: Option<u32>| value.map_or("defaultInitValue".to_string(), |x| x.to_string());
        vec![
            ("pc", format!("\"{}\"", self.pc)),
            ("queueIn", ids(&self.queue_in)),
            ("queueOut", records(&self.queue_out)),
            ("db", records(&self.db)),
            ("processed", ids(&self.processed)),
            ("failures", failures),
            ("txCounter", self.tx_counter.to_string()),
            ("msg", or_default(self.msg)),
            ("txId", or_default(self.tx_id)),
        ]
    }
}

impl MessageHandler {
    /// The model of `variant` with `MaxFailures = max_failures` and `NoMessages = messages`.
    pub fn new(variant: Variant, max_failures: u32, messages: u32) -> Result<Self, ModelError> {
        let layout = Layout::new(variant, max_failures, messages)?;
        Ok(MessageHandler {
            variant,
            max_failures,
            messages,
            layout,
        })
    }

    /// The variant.
    pub fn variant(&self) -> Variant {
        self.variant
    }

    /// `MaxFailures`.
    pub fn max_failures(&self) -> u32 {
        self.max_failures
    }

    /// `NoMessages`.
    pub fn messages(&self) -> u32 {
        self.messages
    }

    /// Bits one packed state uses (at most 128).
    pub fn state_bits(&self) -> u32 {
        self.layout.total_bits
    }

    fn label(&self, state: u128) -> Label {
        // Only `Label as u64` values are ever stored, and TypeInvariant checks the range.
        Label::ALL
            .get(self.layout.pc(state) as usize)
            .copied()
            .unwrap_or(Label::MainLoop)
    }

    /// The state in TLA+ terms.
    pub fn decode(&self, state: &HandlerState) -> HandlerVars {
        let layout = &self.layout;
        let packed = state.0;
        let ids = |set: u64| -> Vec<u32> {
            (0..layout.messages)
                .filter(|id0| set & (1 << id0) != 0)
                .map(|id0| id0 + 1)
                .collect()
        };
        let records = |row: &dyn Fn(u32) -> u64| -> Vec<(u32, u32)> {
            let mut out = Vec::new();
            for id0 in 0..layout.messages {
                let bits = row(id0);
                for tx in 0..layout.max_tx {
                    if bits & (1 << tx) != 0 {
                        out.push((id0 + 1, tx));
                    }
                }
            }
            out
        };
        let failure_slots = if layout.failures_per_message {
            layout.messages
        } else {
            1
        };
        let msg = layout.msg(packed);
        let tx_id = layout.tx_id_plus_one(packed);
        HandlerVars {
            pc: self.label(packed).name_in(self.variant),
            queue_in: ids(layout.queue_in(packed)),
            queue_out: records(&|id0| layout.out_row(packed, id0)),
            db: records(&|id0| layout.db_row(packed, id0)),
            processed: ids(layout.processed(packed)),
            failures: (0..failure_slots)
                .map(|slot| layout.failures(packed, slot) as u32)
                .collect(),
            tx_counter: layout.tx_counter(packed) as u32,
            msg: (msg != 0).then_some(msg as u32),
            tx_id: (tx_id != 0).then(|| tx_id as u32 - 1),
        }
    }

    /// A one-line description of `step` taken in `state`, e.g. `UpdateDb fails (failures[1] = 1)`.
    pub fn describe_step(&self, state: &HandlerState, step: Step) -> String {
        let packed = state.0;
        let label = self.label(packed).name_in(self.variant);
        let id = self.layout.msg(packed);
        match step {
            Step::Loop => "MainLoop".to_string(),
            Step::Receive(id) => format!("Receive: take message {id}"),
            Step::Process => format!("Process: txId := {}", self.layout.tx_counter(packed)),
            Step::Fail => {
                let id0 = id.saturating_sub(1) as u32;
                let count = self.layout.failures(packed, id0);
                if self.variant.gives_up() && count == u64::from(self.max_failures) {
                    format!("{label} fails at the limit: message {id} is given up")
                } else if self.layout.failures_per_message {
                    format!("{label} fails (failures[{id}] = {})", count + 1)
                } else {
                    format!("{label} fails (failures = {})", count + 1)
                }
            }
            Step::Succeed => format!("{label} succeeds"),
            Step::SendRecorded(tx) => format!("{label} succeeds, sending the recorded txId {tx}"),
        }
    }

    /// Whether the fallible step of message `id0` may fail now (`Fails` / the `either` of `Fail`).
    #[inline]
    fn may_fail(&self, packed: u128, id0: u32) -> bool {
        if self.variant.gives_up() {
            // `either Fail(msg.id) or ...`: failing is always possible; at the limit it gives up.
            true
        } else {
            // `Fails == IF failures <= MaxFailures THEN {TRUE, FALSE} ELSE {FALSE}`.
            self.layout.failures(packed, id0) <= u64::from(self.max_failures)
        }
    }

    /// The `Fail` macro, then `goto MainLoop`.
    #[inline]
    fn fail(&self, packed: u128, id0: u32) -> u128 {
        let layout = &self.layout;
        let count = layout.failures(packed, id0);
        let next = if self.variant.gives_up() && count == u64::from(self.max_failures) {
            layout.with_acked(packed, id0)
        } else {
            layout.set_failures(packed, id0, count + 1)
        };
        layout.with_pc(next, Label::MainLoop)
    }

    /// `txId := txCounter; txCounter := txCounter + 1`.
    #[inline]
    fn take_tx(&self, packed: u128) -> u128 {
        let layout = &self.layout;
        let counter = layout.tx_counter(packed);
        debug_assert!(
            counter < u64::from(layout.max_tx),
            "txCounter bound too small"
        );
        let packed = Layout::set(
            packed,
            layout.tx_id_at,
            layout.tx_counter_width,
            counter + 1,
        );
        Layout::set(
            packed,
            layout.tx_counter_at,
            layout.tx_counter_width,
            counter + 1,
        )
    }

    /// The success branch of the fallible step at `label`.
    #[inline]
    fn succeed(&self, packed: u128, label: Label, id0: u32) -> u128 {
        let layout = &self.layout;
        let tx = layout.tx_id_plus_one(packed).saturating_sub(1);
        let no_record = layout.db_row(packed, id0) == 0;
        let next = match (self.variant, label) {
            (
                Variant::SplitSendOwnTxId | Variant::SplitSendDbTxId | Variant::Final,
                Label::UpdateDb,
            ) => {
                if no_record {
                    layout.with_db(packed, id0, tx)
                } else {
                    packed
                }
            }
            (_, Label::UpdateDb) => layout.with_db(packed, id0, tx),
            (_, Label::SendOutgoingMsg) => layout.with_out(packed, id0, tx),
            (Variant::AtomicWithDedup, Label::UpdateDbAndSend) => {
                if no_record {
                    layout.with_out(layout.with_db(packed, id0, tx), id0, tx)
                } else {
                    packed
                }
            }
            (_, Label::UpdateDbAndSend) => {
                layout.with_out(layout.with_db(packed, id0, tx), id0, tx)
            }
            (_, Label::AckInMsg) => layout.with_acked(packed, id0),
            (_, Label::MainLoop | Label::Receive | Label::Process) => packed,
        };
        layout.with_pc(next, self.variant.after(label))
    }

    /// Whether `Send` re-sends what the db recorded (`with chg \in {chg \in db : chg.id = msg.id}`).
    fn sends_recorded(&self) -> bool {
        matches!(self.variant, Variant::SplitSendDbTxId | Variant::Final)
    }
}

impl Model for MessageHandler {
    type State = HandlerState;
    type Choice = Step;

    fn init_states(&self, out: &mut Vec<HandlerState>) {
        // queueIn holds every message; everything else is empty, zero or defaultInitValue (0),
        // and pc = "MainLoop" (0).
        let all_messages = (1u128 << self.layout.messages) - 1;
        out.push(HandlerState(all_messages << self.layout.queue_in_at));
    }

    fn choices(&self, state: &HandlerState, out: &mut Vec<Step>) {
        let packed = state.0;
        let layout = &self.layout;
        match self.label(packed) {
            Label::MainLoop => out.push(Step::Loop),
            Label::Receive => {
                // `await Cardinality(queueIn) > 0; with m \in queueIn`: one successor per message;
                // none (a terminal state) when the queue is empty.
                let queue = layout.queue_in(packed);
                for id0 in 0..layout.messages {
                    if queue & (1 << id0) != 0 {
                        out.push(Step::Receive(id0 as u8 + 1));
                    }
                }
            }
            Label::Process => out.push(Step::Process),
            label => {
                let id0 = layout.msg(packed).saturating_sub(1) as u32;
                if self.may_fail(packed, id0) {
                    out.push(Step::Fail);
                }
                if label == Label::SendOutgoingMsg && self.sends_recorded() {
                    // One successor per db record of the message; none disables the branch.
                    let row = layout.db_row(packed, id0);
                    for tx in 0..layout.max_tx {
                        if row & (1 << tx) != 0 {
                            out.push(Step::SendRecorded(tx as u8));
                        }
                    }
                } else {
                    out.push(Step::Succeed);
                }
            }
        }
    }

    fn apply(&self, state: &HandlerState, step: Step) -> HandlerState {
        let packed = state.0;
        let layout = &self.layout;
        let id0 = layout.msg(packed).saturating_sub(1) as u32;
        let next = match step {
            Step::Loop => layout.with_pc(packed, Label::Receive),
            Step::Receive(id) => {
                let packed = Layout::set(packed, layout.msg_at, layout.msg_width, u64::from(id));
                if self.variant == Variant::Final {
                    layout.with_pc(self.take_tx(packed), self.variant.first_fallible())
                } else {
                    layout.with_pc(packed, Label::Process)
                }
            }
            Step::Process => layout.with_pc(self.take_tx(packed), self.variant.first_fallible()),
            Step::Fail => self.fail(packed, id0),
            Step::Succeed => self.succeed(packed, self.label(packed), id0),
            Step::SendRecorded(tx) => {
                let sent = layout.with_out(packed, id0, u64::from(tx));
                layout.with_pc(sent, self.variant.after(Label::SendOutgoingMsg))
            }
        };
        HandlerState(next)
    }

    fn invariant_names(&self) -> Vec<String> {
        INVARIANT_NAMES
            .iter()
            .map(|name| name.to_string())
            .collect()
    }

    fn violated_invariants(&self, state: &HandlerState) -> u64 {
        let packed = state.0;
        let layout = &self.layout;
        let mut violated = 0;
        // TypeInvariant's conjuncts (records with ids in MessageIds and natural txIds) hold by
        // construction of the bit sets; what can go wrong is the packing itself, so this checks
        // that every field is in its range and no bit lies outside the layout.
        let stray_bits = layout.total_bits < 128 && packed >> layout.total_bits != 0;
        let max_failures_allowed = if self.variant.gives_up() {
            u64::from(self.max_failures)
        } else {
            u64::from(self.max_failures) + 1
        };
        let failure_slots = if layout.failures_per_message {
            layout.messages
        } else {
            1
        };
        let failures_out_of_range =
            (0..failure_slots).any(|slot| layout.failures(packed, slot) > max_failures_allowed);
        if stray_bits
            || failures_out_of_range
            || layout.pc(packed) >= Label::ALL.len() as u64
            || layout.msg(packed) > u64::from(layout.messages)
            || layout.tx_counter(packed) > u64::from(layout.max_tx)
            || layout.tx_id_plus_one(packed) > layout.tx_counter(packed)
        {
            violated |= TYPE_INVARIANT;
        }
        let processed = layout.processed(packed);
        for id0 in 0..layout.messages {
            let db_row = layout.db_row(packed, id0);
            let out_row = layout.out_row(packed, id0);
            if processed & (1 << id0) != 0 {
                if out_row != 0 && db_row == 0 {
                    violated |= NO_GHOST_MESSAGES;
                }
                if db_row != 0 && out_row == 0 {
                    violated |= NO_LOST_MESSAGES;
                }
                if db_row == 0 {
                    violated |= NO_LOST_WRITE;
                }
            }
            // Two records of one id with different txIds = more than one bit in the row.
            if db_row & db_row.wrapping_sub(1) != 0 {
                violated |= NO_DUPLICATED_PROCESSINGS;
            }
            if out_row & out_row.wrapping_sub(1) != 0 {
                violated |= CONSISTENT_OUTPUT;
            }
        }
        violated
    }

    fn fingerprint(&self, state: &HandlerState) -> u64 {
        fingerprint_u128(state.0)
    }
}
