//! A scenario: everything a run needs, as versioned, serialisable data (`format: 1`).
//! [`Scenario::validate`] reports every problem at once, each with the reason it is a problem.

use crate::enum_serde::{read_struct, read_variant, Kind, Shape, Val};
use crate::ids::OrderId;
use crate::prng::Ratio;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The only scenario format this build reads.
pub const FORMAT: u32 = 1;

/// Hard ceilings on the limits a scenario may ask for: they keep one run bounded in time and memory.
pub const MAX_EVENTS_CEILING: u32 = 5_000_000;
pub const MAX_SCRIPT_STEPS_CEILING: u32 = 100_000;
pub const MAX_QUEUE_LEN_CEILING: u32 = 100_000;
pub const MAX_CONCURRENCY: u32 = 64;
pub const MAX_RETRIES_CEILING: u32 = 100;
/// With the five knob rules this stays within the 64 rules a choice's `fire` bits can name.
pub const MAX_CHAOS_RULES: usize = 48;
pub const MAX_ORDER_ID: u32 = 1_000_000;
pub const MAX_PROBABILISTIC_RULES: usize = 16;
pub const MAX_DELAY_MS: u64 = 86_400_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    Frontend,
    Orders,
    Shipping,
    Marketing,
}

crate::enum_serde::unit_enum_serde!(Endpoint {
    Frontend => "frontend",
    Orders => "orders",
    Shipping => "shipping",
    Marketing => "marketing",
});

impl Endpoint {
    pub const ALL: [Endpoint; 4] = [
        Endpoint::Frontend,
        Endpoint::Orders,
        Endpoint::Shipping,
        Endpoint::Marketing,
    ];
    pub fn index(self) -> usize {
        self as usize
    }
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Frontend => "Frontend",
            Endpoint::Orders => "Orders",
            Endpoint::Shipping => "Shipping",
            Endpoint::Marketing => "Marketing",
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of endpoints as bits: where a message was routed. `Copy`, so events need no allocation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EndpointSet(pub u8);

impl EndpointSet {
    pub fn insert(&mut self, e: Endpoint) {
        self.0 |= 1 << e.index();
    }
    pub fn contains(self, e: Endpoint) -> bool {
        self.0 & (1 << e.index()) != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn iter(self) -> impl Iterator<Item = Endpoint> {
        Endpoint::ALL.into_iter().filter(move |e| self.contains(*e))
    }
}

impl Serialize for EndpointSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// Pierogi fillings, in the workshop's enum order (§1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Filling {
    Meat,
    Mushrooms,
    QuarkAndPotatoes,
    SwissCheese,
    Strawberry,
}

crate::enum_serde::unit_enum_serde!(Filling {
    Meat => "Meat",
    Mushrooms => "Mushrooms",
    QuarkAndPotatoes => "QuarkAndPotatoes",
    SwissCheese => "SwissCheese",
    Strawberry => "Strawberry",
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MsgKind {
    SubmitOrder,
    AddItem,
    RemoveItem,
    ItemAdded,
    ItemRemoved,
    FirstItemAdded,
    /// Frontend → itself (SendLocal): the sync-async boundary of C-14 and N-08.
    SendSubmitOrder,
}

crate::enum_serde::unit_enum_serde!(MsgKind {
    SubmitOrder => "SubmitOrder",
    AddItem => "AddItem",
    RemoveItem => "RemoveItem",
    ItemAdded => "ItemAdded",
    ItemRemoved => "ItemRemoved",
    FirstItemAdded => "FirstItemAdded",
    SendSubmitOrder => "SendSubmitOrder",
});

impl MsgKind {
    pub fn name(self) -> &'static str {
        match self {
            MsgKind::SubmitOrder => "SubmitOrder",
            MsgKind::AddItem => "AddItem",
            MsgKind::RemoveItem => "RemoveItem",
            MsgKind::ItemAdded => "ItemAdded",
            MsgKind::ItemRemoved => "ItemRemoved",
            MsgKind::FirstItemAdded => "FirstItemAdded",
            MsgKind::SendSubmitOrder => "SendSubmitOrder",
        }
    }
    pub fn is_event(self) -> bool {
        matches!(
            self,
            MsgKind::ItemAdded | MsgKind::ItemRemoved | MsgKind::FirstItemAdded
        )
    }
}

impl fmt::Display for MsgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything is bounded: a run stops with a named reason when it reaches a limit.
/// Deserialised through [`crate::enum_serde::read_struct`] (unknown fields denied, missing ones
/// from `Default`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Limits {
    pub max_events: u32,
    pub max_queue_len: u32,
    pub max_script_steps: u32,
    /// Virtual time at which the run stops (C-02 never ends on its own).
    pub max_time_ms: u64,
    /// Importer / user resubmission passes per script step.
    pub max_request_retries: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_events: 100_000,
            max_queue_len: 10_000,
            max_script_steps: 1_000,
            max_time_ms: 3_600_000,
            max_request_retries: 10,
        }
    }
}

/// Which errors skip the immediate retries and go to the error queue at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorKind {
    /// A store commit failed (`DatabaseErrorException`).
    DatabaseError,
    /// A publish or send failed (`Broker failure`, `Timeout`).
    BrokerError,
    /// Optimistic concurrency: the document changed since it was loaded.
    Concurrency,
    /// AddItem/RemoveItem for an order that does not exist (yet).
    OrderNotFound,
    /// An injected crash of the attempt.
    Crash,
    /// A token could not be deleted: someone else consumed it.
    TokenLost,
}

crate::enum_serde::unit_enum_serde!(ErrorKind {
    DatabaseError => "database_error",
    BrokerError => "broker_error",
    Concurrency => "concurrency",
    OrderNotFound => "order_not_found",
    Crash => "crash",
    TokenLost => "token_lost",
});

impl ErrorKind {
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::DatabaseError => "database error",
            ErrorKind::BrokerError => "broker error",
            ErrorKind::Concurrency => "concurrency conflict",
            ErrorKind::OrderNotFound => "order not found",
            ErrorKind::Crash => "crash",
            ErrorKind::TokenLost => "token lost",
        }
    }
}

/// Transport and host settings of one endpoint.
/// Deserialised through [`crate::enum_serde::read_struct`] (unknown fields denied, missing ones
/// from `Default`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct EndpointSettings {
    /// Handler instances that run at once (`LimitMessageProcessingConcurrencyTo`).
    pub concurrency: u32,
    /// A delivered copy not acked within this time becomes visible again.
    pub lease_ms: u64,
    /// Immediate retries after a failed attempt, then the error queue.
    pub immediate_retries: u32,
    pub unrecoverable: Vec<ErrorKind>,
    /// Virtual duration of each atomic handler step.
    pub step_ms: u64,
}

impl Default for EndpointSettings {
    fn default() -> Self {
        EndpointSettings {
            concurrency: 1,
            lease_ms: 60_000,
            immediate_retries: 5,
            unrecoverable: Vec::new(),
            step_ms: 10,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum OperationOrder {
    /// PU: publish, then store (H1, H2).
    PublishThenStore,
    /// UP: store, then publish (H3 on).
    #[default]
    StoreThenPublish,
}

crate::enum_serde::unit_enum_serde!(OperationOrder {
    PublishThenStore => "publish_then_store",
    StoreThenPublish => "store_then_publish",
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum DuplicateCheck {
    #[default]
    None,
    /// The business state says so (the line is there already, the order exists).
    BusinessState,
    /// The incoming message id is in the document's `ProcessedMessages`.
    ProcessedIds,
}

crate::enum_serde::unit_enum_serde!(DuplicateCheck {
    None => "none",
    BusinessState => "business_state",
    ProcessedIds => "processed_ids",
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum OutgoingIds {
    /// A fresh id per publish (`Guid.NewGuid()`).
    #[default]
    Random,
    /// §3.2 `DeterministicGuid(incoming id, suffix)`.
    Deterministic,
}

crate::enum_serde::unit_enum_serde!(OutgoingIds {
    Random => "random",
    Deterministic => "deterministic",
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum DispatchMode {
    /// The send happens at the call and survives a later failure (`PublishImmediately`).
    #[default]
    Immediate,
    /// Sends go out only after the handler completed (NServiceBus' default).
    Batched,
}

crate::enum_serde::unit_enum_serde!(DispatchMode {
    Immediate => "immediate",
    Batched => "batched",
});

/// How a handler ties its state change to its outgoing messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Consistency {
    /// H1–H7: the handler loads, stores and publishes by itself.
    #[default]
    Plain,
    /// H8 / §3.4: outgoing messages stored in the document, flushed by whoever loads it next.
    InDocumentOutbox,
    /// §3.5: `OutboxState[incoming id]`: absent / pending messages / dispatched.
    Outbox,
    /// §3.6: outbox entry removed after dispatch, processed ids kept in a separate inbox.
    OutboxInbox,
    /// §3.6 before the C-13 follow-up: the duplicate branch returns without removing a leftover
    /// outbox entry (a crash after marking the inbox leaves it forever).
    OutboxInboxWithoutCleanup,
    /// §3.7 with the `TokensGenerated` checkpoint (Ex14-After).
    Tokens,
    /// §3.7 without the checkpoint: a retry generates new tokens (the bug the checkpoint fixes).
    TokensWithoutCheckpoint,
    /// §3.8: outgoing messages staged in an outbox store under a transaction id.
    OutOfDocumentOutbox,
    /// §3.9 as shipped in Ex16-After: finishing another message's transaction marks the wrong id.
    SingleTransactionIdShipped,
    /// §3.9 corrected: the pending transaction remembers its owner.
    SingleTransactionId,
}

crate::enum_serde::unit_enum_serde!(Consistency {
    Plain => "plain",
    InDocumentOutbox => "in_document_outbox",
    Outbox => "outbox",
    OutboxInbox => "outbox_inbox",
    OutboxInboxWithoutCleanup => "outbox_inbox_without_cleanup",
    Tokens => "tokens",
    TokensWithoutCheckpoint => "tokens_without_checkpoint",
    OutOfDocumentOutbox => "out_of_document_outbox",
    SingleTransactionIdShipped => "single_transaction_id_shipped",
    SingleTransactionId => "single_transaction_id",
});

impl Consistency {
    pub fn uses_inbox(self) -> bool {
        matches!(
            self,
            Consistency::OutboxInbox
                | Consistency::OutboxInboxWithoutCleanup
                | Consistency::OutOfDocumentOutbox
                | Consistency::SingleTransactionIdShipped
                | Consistency::SingleTransactionId
        )
    }
    pub fn uses_tokens(self) -> bool {
        matches!(
            self,
            Consistency::Tokens | Consistency::TokensWithoutCheckpoint
        )
    }
    pub fn is_plain(self) -> bool {
        self == Consistency::Plain
    }
}

/// The logic settings of one message handler (Orders' three handlers, each subscriber, the
/// Frontend's SendSubmitOrder handler).
/// Deserialised through [`crate::enum_serde::read_struct`] (unknown fields denied, missing ones
/// from `Default`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default, Serialize)]
pub struct HandlerLogic {
    pub order: OperationOrder,
    pub duplicate_check: DuplicateCheck,
    /// On a suspected duplicate, publish again (H4: a duplicate may be a retry after a failed publish).
    pub republish_on_duplicate: bool,
    pub outgoing_ids: OutgoingIds,
    pub dispatch: DispatchMode,
    pub consistency: Consistency,
    /// AddItem only: publish `FirstItemAdded` when the order's line count becomes 1 (Ex10+).
    pub first_item_added: bool,
}

/// How Orders keys the order a `SubmitOrder` creates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum OrderKey {
    /// The order id carried by the message (classic track; NE-10 `Order.Id = CartId`).
    #[default]
    FromMessage,
    /// A fresh id per processing (`Guid.NewGuid()`, NE-1..9).
    Fresh,
}

crate::enum_serde::unit_enum_serde!(OrderKey {
    FromMessage => "from_message",
    Fresh => "fresh",
});

/// Deserialised through [`crate::enum_serde::read_struct`] (unknown fields denied, missing ones
/// from `Default`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default, Serialize)]
pub struct OrdersSettings {
    pub endpoint: EndpointSettings,
    pub submit_order: HandlerLogic,
    pub add_item: HandlerLogic,
    pub remove_item: HandlerLogic,
    pub order_key: OrderKey,
}

/// Shipping (packing list per order) or Marketing (counts per order): a subscriber with its own
/// transport settings and dedup logic.
/// Deserialised through [`crate::enum_serde::read_struct`] (unknown fields denied, missing ones
/// from `Default`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default, Serialize)]
pub struct SubscriberSettings {
    pub endpoint: EndpointSettings,
    pub logic: HandlerLogic,
}

/// What the Frontend's Submit does with the cart (§2 N-01…N-08, C-14).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SubmitFlow {
    /// NE-1: create an order with a fresh id straight in the database, every time.
    #[default]
    CreateOrderDirectly,
    /// NE-2: `if Submitted throw; Submitted = true; Put(cart, order)` without versions.
    FlagWithoutConcurrencyControl,
    /// NE-3: the same batch, the cart conditional on its version, the order created if absent.
    FlagWithOptimisticConcurrency,
    /// NE-4/5: save `Submitted`, then send `SubmitOrder`.
    SaveThenSend,
    /// NE-6: send, then save `Submitted` (the "USB rule").
    SendThenSave,
    /// NE-7/8: `Accepted` first, send, then `Submitted`.
    AcceptedThenSend,
    /// C-14's SendSubmitOrderHandler: `if !Submitted { Send; Submitted = true }`, one commit.
    SubmitOnce,
}

crate::enum_serde::unit_enum_serde!(SubmitFlow {
    CreateOrderDirectly => "create_order_directly",
    FlagWithoutConcurrencyControl => "flag_without_concurrency_control",
    FlagWithOptimisticConcurrency => "flag_with_optimistic_concurrency",
    SaveThenSend => "save_then_send",
    SendThenSave => "send_then_save",
    AcceptedThenSend => "accepted_then_send",
    SubmitOnce => "submit_once",
});

/// Deserialised through [`crate::enum_serde::read_struct`] (unknown fields denied, missing ones
/// from `Default`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct FrontendSettings {
    pub submit_flow: SubmitFlow,
    /// Submit goes through `SendLocal(SendSubmitOrder)` and a handler with retries (NE-8, C-14).
    pub submit_via_send_local: bool,
    /// Transport settings of the Frontend's own queue (SendSubmitOrder) and step duration of requests.
    pub endpoint: EndpointSettings,
    pub send_submit_order: HandlerLogic,
    /// The importer's next pass after a failed one (C-03: 2 s).
    pub importer_retry_ms: u64,
}

impl Default for FrontendSettings {
    fn default() -> Self {
        FrontendSettings {
            submit_flow: SubmitFlow::default(),
            submit_via_send_local: false,
            endpoint: EndpointSettings::default(),
            send_submit_order: HandlerLogic::default(),
            importer_retry_ms: 2_000,
        }
    }
}

/// One step of the user's script, at a virtual time.
/// Deserialised through [`crate::enum_serde::read_struct`] (unknown fields denied).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ScriptStep {
    pub at_ms: u64,
    pub action: Action,
}

/// Deserialised through [`crate::enum_serde::read_variant`] (unknown fields denied).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Console `submit X`: fire-and-forget send of `SubmitOrder`.
    SubmitOrder {
        order: OrderId,
    },
    /// Console `add F to X`.
    AddItem {
        order: OrderId,
        filling: Filling,
    },
    /// Console `remove F from X`.
    RemoveItem {
        order: OrderId,
        filling: Filling,
    },
    /// C-03 importer record: sends SubmitOrder + AddItem, then deletes the record; a failed pass
    /// is repeated `importer_retry_ms` later with new messages.
    Import {
        order: OrderId,
        filling: Filling,
    },
    /// Synchronous cart write (set semantics).
    CartAdd {
        cart: OrderId,
        filling: Filling,
    },
    CartRemove {
        cart: OrderId,
        filling: Filling,
    },
    /// The user clicks Submit on a cart (a second click is a resubmission).
    Submit {
        cart: OrderId,
    },
}

impl Action {
    pub fn order(&self) -> OrderId {
        match self {
            Action::SubmitOrder { order }
            | Action::AddItem { order, .. }
            | Action::RemoveItem { order, .. }
            | Action::Import { order, .. } => *order,
            Action::CartAdd { cart, .. }
            | Action::CartRemove { cart, .. }
            | Action::Submit { cart } => *cart,
        }
    }
    pub fn filling(&self) -> Option<Filling> {
        match self {
            Action::AddItem { filling, .. }
            | Action::RemoveItem { filling, .. }
            | Action::Import { filling, .. }
            | Action::CartAdd { filling, .. }
            | Action::CartRemove { filling, .. } => Some(*filling),
            Action::SubmitOrder { .. } | Action::Submit { .. } => None,
        }
    }
    pub fn is_cart(&self) -> bool {
        matches!(
            self,
            Action::CartAdd { .. } | Action::CartRemove { .. } | Action::Submit { .. }
        )
    }
}

/// The atomic steps of handlers and Frontend requests; chaos rules name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StepName {
    Load,
    InboxCheck,
    TokenCheck,
    Logic,
    Commit,
    Publish,
    CreateTokens,
    OutboxPut,
    OutboxGet,
    OutboxDelete,
    MarkInbox,
    DeleteToken,
    DeleteRecord,
    Ack,
    /// Matches every step (crash rate knob, property tests).
    Any,
}

crate::enum_serde::unit_enum_serde!(StepName {
    Load => "load",
    InboxCheck => "inbox_check",
    TokenCheck => "token_check",
    Logic => "logic",
    Commit => "commit",
    Publish => "publish",
    CreateTokens => "create_tokens",
    OutboxPut => "outbox_put",
    OutboxGet => "outbox_get",
    OutboxDelete => "outbox_delete",
    MarkInbox => "mark_inbox",
    DeleteToken => "delete_token",
    DeleteRecord => "delete_record",
    Ack => "ack",
    Any => "any",
});

impl StepName {
    pub fn name(self) -> &'static str {
        match self {
            StepName::Load => "load",
            StepName::InboxCheck => "inbox_check",
            StepName::TokenCheck => "token_check",
            StepName::Logic => "logic",
            StepName::Commit => "commit",
            StepName::Publish => "publish",
            StepName::CreateTokens => "create_tokens",
            StepName::OutboxPut => "outbox_put",
            StepName::OutboxGet => "outbox_get",
            StepName::OutboxDelete => "outbox_delete",
            StepName::MarkInbox => "mark_inbox",
            StepName::DeleteToken => "delete_token",
            StepName::DeleteRecord => "delete_record",
            StepName::Ack => "ack",
            StepName::Any => "any",
        }
    }
}

/// Which events a chaos rule looks at. Empty fields match anything.
/// Deserialised through [`crate::enum_serde::read_struct`] (unknown fields denied, missing ones
/// from `Default`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Target {
    /// The sending endpoint for send effects; the handling endpoint otherwise.
    pub endpoint: Option<Endpoint>,
    /// The outgoing message for send effects; the incoming message otherwise.
    pub message: Option<MsgKind>,
    /// The message's filling, or (for a commit) any filling in the document being stored.
    pub filling: Option<Filling>,
}

/// Deserialised through [`crate::enum_serde::read_variant`] (unknown fields denied).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    First,
    /// The n-th matching occurrence (1-based).
    Nth {
        n: u32,
    },
    Every,
    /// Occurrences `from`, `from + n`, `from + 2n`, … (1-based): "every other send" is `{n: 2, from: 1}`.
    EveryNth {
        n: u32,
        from: u32,
    },
    Probability(Ratio),
}

/// Deserialised through [`crate::enum_serde::read_variant`] (unknown fields denied).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Send effect: one more copy with the same message id, at once or `delay_ms` later.
    Duplicate { delay_ms: u64 },
    /// Send effect: the copy becomes visible `delay_ms` later (re-ordering).
    Delay { delay_ms: u64 },
    /// Send effect: silently not sent.
    Drop,
    /// Send effect: the send throws, after `after_ms`; `broker_has_it` = the message was sent and
    /// only the acknowledgement was lost.
    FailPublish { broker_has_it: bool, after_ms: u64 },
    /// Commit effect: the store throws `DatabaseError` before writing.
    FailCommit,
    /// Step effect: the attempt pauses `delay_ms` after the named step (past its lease, maybe).
    Slow { after: StepName, delay_ms: u64 },
    /// Step effect: the attempt crashes right after the named step.
    Crash { after: StepName },
    /// Step effect: the attempt hangs `delay_ms` after the named step, then throws (C-10's
    /// "Timeout" when the broker call happens inside the handler, as in an outbox's capture).
    Hang { after: StepName, delay_ms: u64 },
}

impl Effect {
    pub fn hook(&self) -> Hook {
        match self {
            Effect::Duplicate { .. }
            | Effect::Delay { .. }
            | Effect::Drop
            | Effect::FailPublish { .. } => Hook::Send,
            Effect::FailCommit => Hook::Commit,
            Effect::Slow { .. } | Effect::Crash { .. } | Effect::Hang { .. } => Hook::AfterStep,
        }
    }
}

/// A struct variant's shape for [`read_variant`], with the derive's "struct variant" wording.
macro_rules! fields {
    ($ty:ident :: $variant:ident { $($field:literal: $kind:ident),+ }) => {
        Shape::Struct {
            expecting: concat!("struct variant ", stringify!($ty), "::", stringify!($variant)),
            fields: &[$($field),+],
            kinds: &[$(Kind::$kind),+],
        }
    };
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const SHAPES: &[Shape] = &[
            fields!(Action::SubmitOrder { "order": U32 }),
            fields!(Action::AddItem { "order": U32, "filling": Filling }),
            fields!(Action::RemoveItem { "order": U32, "filling": Filling }),
            fields!(Action::Import { "order": U32, "filling": Filling }),
            fields!(Action::CartAdd { "cart": U32, "filling": Filling }),
            fields!(Action::CartRemove { "cart": U32, "filling": Filling }),
            fields!(Action::Submit { "cart": U32 }),
        ];
        const NAMES: &[&str] = &[
            "submit_order",
            "add_item",
            "remove_item",
            "import",
            "cart_add",
            "cart_remove",
            "submit",
        ];
        let (i, values) = read_variant(d, "Action", NAMES, SHAPES)?;
        Ok(match (i, values) {
            (0, [Val::U32(o), ..]) => Action::SubmitOrder { order: OrderId(o) },
            (1, [Val::U32(o), Val::Filling(filling), ..]) => Action::AddItem {
                order: OrderId(o),
                filling,
            },
            (2, [Val::U32(o), Val::Filling(filling), ..]) => Action::RemoveItem {
                order: OrderId(o),
                filling,
            },
            (3, [Val::U32(o), Val::Filling(filling), ..]) => Action::Import {
                order: OrderId(o),
                filling,
            },
            (4, [Val::U32(c), Val::Filling(filling), ..]) => Action::CartAdd {
                cart: OrderId(c),
                filling,
            },
            (5, [Val::U32(c), Val::Filling(filling), ..]) => Action::CartRemove {
                cart: OrderId(c),
                filling,
            },
            (6, [Val::U32(c), ..]) => Action::Submit { cart: OrderId(c) },
            _ => unreachable!("SHAPES gives every variant its fields' kinds"),
        })
    }
}

impl<'de> Deserialize<'de> for When {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const SHAPES: &[Shape] = &[
            Shape::Unit,
            fields!(When::Nth { "n": U32 }),
            Shape::Unit,
            fields!(When::EveryNth { "n": U32, "from": U32 }),
            Shape::Newtype(Kind::Ratio),
        ];
        const NAMES: &[&str] = &["first", "nth", "every", "every_nth", "probability"];
        let (i, values) = read_variant(d, "When", NAMES, SHAPES)?;
        Ok(match (i, values) {
            (0, _) => When::First,
            (1, [Val::U32(n), ..]) => When::Nth { n },
            (2, _) => When::Every,
            (3, [Val::U32(n), Val::U32(from), ..]) => When::EveryNth { n, from },
            (4, [Val::Ratio(r), ..]) => When::Probability(r),
            _ => unreachable!("SHAPES gives every variant its fields' kinds"),
        })
    }
}

impl Effect {
    /// The JSON names of the variants, in declaration order (also the chaos editor's choices).
    pub const NAMES: &'static [&'static str] = &[
        "duplicate",
        "delay",
        "drop",
        "fail_publish",
        "fail_commit",
        "slow",
        "crash",
        "hang",
    ];
}

impl<'de> Deserialize<'de> for Effect {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const SHAPES: &[Shape] = &[
            fields!(Effect::Duplicate { "delay_ms": U64 }),
            fields!(Effect::Delay { "delay_ms": U64 }),
            Shape::Unit,
            fields!(Effect::FailPublish { "broker_has_it": Bool, "after_ms": U64 }),
            Shape::Unit,
            fields!(Effect::Slow { "after": Step, "delay_ms": U64 }),
            fields!(Effect::Crash { "after": Step }),
            fields!(Effect::Hang { "after": Step, "delay_ms": U64 }),
        ];
        let (i, values) = read_variant(d, "Effect", Effect::NAMES, SHAPES)?;
        Ok(match (i, values) {
            (0, [Val::U64(delay_ms), ..]) => Effect::Duplicate { delay_ms },
            (1, [Val::U64(delay_ms), ..]) => Effect::Delay { delay_ms },
            (2, _) => Effect::Drop,
            (3, [Val::Bool(broker_has_it), Val::U64(after_ms), ..]) => Effect::FailPublish {
                broker_has_it,
                after_ms,
            },
            (4, _) => Effect::FailCommit,
            (5, [Val::Step(after), Val::U64(delay_ms), ..]) => Effect::Slow { after, delay_ms },
            (6, [Val::Step(after), ..]) => Effect::Crash { after },
            (7, [Val::Step(after), Val::U64(delay_ms), ..]) => Effect::Hang { after, delay_ms },
            _ => unreachable!("SHAPES gives every variant its fields' kinds"),
        })
    }
}

crate::enum_serde::deserialize_all_default!(EndpointSettings {
    concurrency: U32,
    lease_ms: U64,
    immediate_retries: U32,
    unrecoverable: ErrorKinds,
    step_ms: U64
});

crate::enum_serde::deserialize_all_default!(OrdersSettings { endpoint: Endpoint => *, submit_order: Logic, add_item: Logic, remove_item: Logic, order_key: OrderKey });

crate::enum_serde::deserialize_all_default!(SubscriberSettings { endpoint: Endpoint => *, logic: Logic });

crate::enum_serde::deserialize_all_default!(FrontendSettings { submit_flow: SubmitFlow, submit_via_send_local: Bool, endpoint: Endpoint => *, send_submit_order: Logic, importer_retry_ms: U64 });

impl<'de> Deserialize<'de> for ScriptStep {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const FIELDS: &[&str] = &["at_ms", "action"];
        let kinds = &[Kind::U64, Kind::Action];
        match read_struct(d, "ScriptStep", "struct ScriptStep", FIELDS, kinds, 0)? {
            [Val::U64(at_ms), Val::Action(action), ..] => Ok(ScriptStep {
                at_ms,
                action: *action,
            }),
            _ => unreachable!("read_struct reads the kinds it is given"),
        }
    }
}

impl<'de> Deserialize<'de> for ChaosRule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const FIELDS: &[&str] = &["target", "when", "effect", "once_group"];
        let kinds = &[Kind::Target, Kind::When, Kind::Effect, Kind::OptU32];
        // `target` and `once_group` have defaults.
        match read_struct(d, "ChaosRule", "struct ChaosRule", FIELDS, kinds, 0b1001)? {
            [target, Val::When(when), Val::Effect(effect), once_group, ..] => Ok(ChaosRule {
                target: match target {
                    Val::Target(t) => *t,
                    _ => Target::default(),
                },
                when: *when,
                effect: *effect,
                once_group: match once_group {
                    Val::OptU32(g) => g,
                    _ => None,
                },
            }),
            _ => unreachable!("read_struct reads the kinds it is given"),
        }
    }
}

impl<'de> Deserialize<'de> for Scenario {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use Kind::{Chaos, Frontend, Knobs, Limits, OptSubscriber, Orders, Script, U32, U64};
        const FIELDS: &[&str] = &[
            "format",
            "seed",
            "limits",
            "frontend",
            "orders",
            "shipping",
            "marketing",
            "script",
            "chaos",
            "knobs",
        ];
        let kinds = &[
            U32,
            U64,
            Limits,
            Frontend,
            Orders,
            OptSubscriber,
            OptSubscriber,
            Script,
            Chaos,
            Knobs,
        ];
        // Every field but `format` has a default.
        let [Val::U32(format), seed, limits, frontend, orders, shipping, marketing, script, chaos, knobs] =
            read_struct(d, "Scenario", "struct Scenario", FIELDS, kinds, !1)?
        else {
            unreachable!("read_struct reads the kinds it is given")
        };
        Ok(Scenario {
            format,
            seed: match seed {
                Val::U64(x) => x,
                _ => 0,
            },
            limits: match limits {
                Val::Limits(x) => *x,
                _ => Default::default(),
            },
            frontend: match frontend {
                Val::Frontend(x) => *x,
                _ => Default::default(),
            },
            orders: match orders {
                Val::Orders(x) => *x,
                _ => Default::default(),
            },
            shipping: match shipping {
                Val::OptSubscriber(x) => x.map(|b| *b),
                _ => None,
            },
            marketing: match marketing {
                Val::OptSubscriber(x) => x.map(|b| *b),
                _ => None,
            },
            script: match script {
                Val::Script(x) => x,
                _ => Vec::new(),
            },
            chaos: match chaos {
                Val::Chaos(x) => x,
                _ => Vec::new(),
            },
            knobs: match knobs {
                Val::Knobs(x) => *x,
                _ => Default::default(),
            },
        })
    }
}

crate::enum_serde::deserialize_all_default!(Limits {
    max_events: U32,
    max_queue_len: U32,
    max_script_steps: U32,
    max_time_ms: U64,
    max_request_retries: U32
});

crate::enum_serde::deserialize_all_default!(Target {
    endpoint: OptEndpoint,
    message: OptMessage,
    filling: OptFilling
});

crate::enum_serde::deserialize_all_default!(Knobs {
    duplicate_rate: OptRatio,
    delay_rate: OptRatio,
    delay_ms: U64,
    commit_failure_rate: OptRatio,
    crash_rate: OptRatio,
    lost_ack_rate: OptRatio
});

crate::enum_serde::deserialize_all_default!(HandlerLogic {
    order: Order,
    duplicate_check: DuplicateCheck,
    republish_on_duplicate: Bool,
    outgoing_ids: OutgoingIds,
    dispatch: Dispatch,
    consistency: Consistency,
    first_item_added: Bool
});

/// Where in a step a rule is consulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hook {
    Send,
    Commit,
    AfterStep,
}

/// Deserialised through [`crate::enum_serde::read_struct`] (unknown fields denied, missing ones
/// from their defaults).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ChaosRule {
    pub target: Target,
    pub when: When,
    pub effect: Effect,
    /// Rules sharing a group fire at most once in total (the workshop's one shared `failed` flag).
    pub once_group: Option<u32>,
}

/// Global knobs for random runs; each becomes a probabilistic rule after the explicit ones.
/// Deserialised through [`crate::enum_serde::read_struct`] (unknown fields denied, missing ones
/// from `Default`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Knobs {
    /// Every send or publish is duplicated (same id) with this probability.
    pub duplicate_rate: Option<Ratio>,
    /// Every send or publish is delayed by `delay_ms` with this probability.
    pub delay_rate: Option<Ratio>,
    pub delay_ms: u64,
    /// Every handler commit fails (DatabaseError) with this probability.
    pub commit_failure_rate: Option<Ratio>,
    /// Every handler step crashes with this probability.
    pub crash_rate: Option<Ratio>,
    /// Every send or publish loses its acknowledgement with this probability.
    pub lost_ack_rate: Option<Ratio>,
}

/// Deserialised through [`crate::enum_serde::read_struct`] (unknown fields denied, missing ones
/// from their defaults: all but `format`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Scenario {
    pub format: u32,
    pub seed: u64,
    pub limits: Limits,
    pub frontend: FrontendSettings,
    pub orders: OrdersSettings,
    /// Subscribes to ItemAdded and ItemRemoved; absent = not deployed.
    pub shipping: Option<SubscriberSettings>,
    /// Subscribes to all three events; absent = not deployed.
    pub marketing: Option<SubscriberSettings>,
    pub script: Vec<ScriptStep>,
    pub chaos: Vec<ChaosRule>,
    pub knobs: Knobs,
}

/// One problem of a scenario: where it is and why it is a problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl Scenario {
    /// Parses JSON; the error says where the text is wrong.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        serde_json::from_str(text).map_err(|e| ScenarioError {
            path: format!("line {} column {}", e.line(), e.column()),
            message: e.to_string(),
        })
    }

    /// Pretty JSON, through the compact serialiser (see [`crate::json_path::pretty`]).
    pub fn to_json(&self) -> String {
        crate::json_path::to_pretty_string(self)
    }

    /// Settings of an endpoint, `None` for a subscriber that is not deployed.
    pub fn endpoint_settings(&self, e: Endpoint) -> Option<&EndpointSettings> {
        match e {
            Endpoint::Frontend => Some(&self.frontend.endpoint),
            Endpoint::Orders => Some(&self.orders.endpoint),
            Endpoint::Shipping => self.shipping.as_ref().map(|s| &s.endpoint),
            Endpoint::Marketing => self.marketing.as_ref().map(|s| &s.endpoint),
        }
    }

    /// The handler logic that handles `kind` at `e`, if that endpoint handles it.
    pub fn handler(&self, e: Endpoint, kind: MsgKind) -> Option<&HandlerLogic> {
        match (e, kind) {
            (Endpoint::Orders, MsgKind::SubmitOrder) => Some(&self.orders.submit_order),
            (Endpoint::Orders, MsgKind::AddItem) => Some(&self.orders.add_item),
            (Endpoint::Orders, MsgKind::RemoveItem) => Some(&self.orders.remove_item),
            (Endpoint::Frontend, MsgKind::SendSubmitOrder) => {
                Some(&self.frontend.send_submit_order)
            }
            (Endpoint::Shipping, MsgKind::ItemAdded | MsgKind::ItemRemoved) => {
                self.shipping.as_ref().map(|s| &s.logic)
            }
            (
                Endpoint::Marketing,
                MsgKind::ItemAdded | MsgKind::ItemRemoved | MsgKind::FirstItemAdded,
            ) => self.marketing.as_ref().map(|s| &s.logic),
            _ => None,
        }
    }

    /// Every problem at once; an empty list means the scenario can run.
    pub fn validate(&self) -> Result<(), Vec<ScenarioError>> {
        let mut errs = Vec::new();
        let mut err = |path: &str, message: String| {
            errs.push(ScenarioError {
                path: path.to_string(),
                message,
            })
        };
        if self.format != FORMAT {
            err(
                "format",
                format!(
                    "this build reads scenario format {FORMAT}, the file says {}",
                    self.format
                ),
            );
        }
        let l = &self.limits;
        if l.max_events == 0 || l.max_events > MAX_EVENTS_CEILING {
            err(
                "limits.max_events",
                format!("must be between 1 and {MAX_EVENTS_CEILING} so a run always ends"),
            );
        }
        if l.max_script_steps > MAX_SCRIPT_STEPS_CEILING {
            err(
                "limits.max_script_steps",
                format!("must be at most {MAX_SCRIPT_STEPS_CEILING}"),
            );
        }
        if l.max_queue_len == 0 || l.max_queue_len > MAX_QUEUE_LEN_CEILING {
            err(
                "limits.max_queue_len",
                format!("must be between 1 and {MAX_QUEUE_LEN_CEILING}"),
            );
        }
        if l.max_time_ms == 0 {
            err(
                "limits.max_time_ms",
                "must be above 0: nothing could happen".into(),
            );
        }
        if l.max_request_retries > MAX_RETRIES_CEILING {
            err(
                "limits.max_request_retries",
                format!("must be at most {MAX_RETRIES_CEILING}"),
            );
        }
        if self.script.len() as u64 > u64::from(l.max_script_steps) {
            err(
                "script",
                format!(
                    "has {} steps, more than limits.max_script_steps = {}",
                    self.script.len(),
                    l.max_script_steps
                ),
            );
        }
        for e in Endpoint::ALL {
            if let Some(s) = self.endpoint_settings(e) {
                let p = match e {
                    Endpoint::Frontend => "frontend.endpoint",
                    Endpoint::Orders => "orders.endpoint",
                    Endpoint::Shipping => "shipping.endpoint",
                    Endpoint::Marketing => "marketing.endpoint",
                };
                if s.concurrency == 0 || s.concurrency > MAX_CONCURRENCY {
                    err(
                        &format!("{p}.concurrency"),
                        format!("must be between 1 and {MAX_CONCURRENCY}: with 0 instances nothing is ever handled"),
                    );
                }
                if s.lease_ms == 0 || s.lease_ms > MAX_DELAY_MS {
                    err(
                        &format!("{p}.lease_ms"),
                        format!("must be between 1 and {MAX_DELAY_MS}: a zero lease redelivers every message at once"),
                    );
                }
                if s.immediate_retries > MAX_RETRIES_CEILING {
                    err(
                        &format!("{p}.immediate_retries"),
                        format!("must be at most {MAX_RETRIES_CEILING}"),
                    );
                }
                if s.step_ms > MAX_DELAY_MS {
                    err(
                        &format!("{p}.step_ms"),
                        format!("must be at most {MAX_DELAY_MS}"),
                    );
                }
            }
        }
        let handlers: [(&str, Endpoint, MsgKind, Option<&HandlerLogic>); 6] = [
            (
                "orders.submit_order",
                Endpoint::Orders,
                MsgKind::SubmitOrder,
                Some(&self.orders.submit_order),
            ),
            (
                "orders.add_item",
                Endpoint::Orders,
                MsgKind::AddItem,
                Some(&self.orders.add_item),
            ),
            (
                "orders.remove_item",
                Endpoint::Orders,
                MsgKind::RemoveItem,
                Some(&self.orders.remove_item),
            ),
            (
                "frontend.send_submit_order",
                Endpoint::Frontend,
                MsgKind::SendSubmitOrder,
                Some(&self.frontend.send_submit_order),
            ),
            (
                "shipping.logic",
                Endpoint::Shipping,
                MsgKind::ItemAdded,
                self.shipping.as_ref().map(|s| &s.logic),
            ),
            (
                "marketing.logic",
                Endpoint::Marketing,
                MsgKind::ItemAdded,
                self.marketing.as_ref().map(|s| &s.logic),
            ),
        ];
        for (p, e, kind, h) in handlers {
            let Some(h) = h else { continue };
            let outbox = !h.consistency.is_plain();
            if outbox && h.duplicate_check != DuplicateCheck::None {
                err(&format!("{p}.duplicate_check"), format!(
                    "must be none with consistency {:?}: the outbox entry (or inbox/token) already is the duplicate check", h.consistency));
            }
            if outbox && h.order == OperationOrder::PublishThenStore {
                err(&format!("{p}.order"), format!(
                    "publish_then_store contradicts consistency {:?}: an outbox stores the messages before anything is published", h.consistency));
            }
            if outbox && h.dispatch == DispatchMode::Batched {
                err(&format!("{p}.dispatch"), format!(
                    "batched only applies to plain handlers: consistency {:?} always dispatches after its commit", h.consistency));
            }
            if outbox && h.republish_on_duplicate {
                err(&format!("{p}.republish_on_duplicate"), format!(
                    "consistency {:?} republishes the stored messages by itself; the flag is for plain handlers", h.consistency));
            }
            if h.duplicate_check == DuplicateCheck::None && h.republish_on_duplicate && !outbox {
                err(&format!("{p}.republish_on_duplicate"),
                    "needs a duplicate_check: without one no message is ever suspected to be a duplicate".into());
            }
            if h.first_item_added && !(e == Endpoint::Orders && kind == MsgKind::AddItem) {
                err(
                    &format!("{p}.first_item_added"),
                    "only Orders' AddItem handler publishes FirstItemAdded".into(),
                );
            }
            let publishes = matches!(
                (e, kind),
                (Endpoint::Orders, MsgKind::AddItem | MsgKind::RemoveItem)
                    | (Endpoint::Frontend, MsgKind::SendSubmitOrder)
            );
            if !publishes && h.outgoing_ids == OutgoingIds::Deterministic {
                err(&format!("{p}.outgoing_ids"),
                    "this handler publishes nothing, so its outgoing ids cannot be deterministic or random".into());
            }
            if e == Endpoint::Frontend
                && !self.frontend.submit_via_send_local
                && *h != HandlerLogic::default()
            {
                err(p,
                    "the SendSubmitOrder handler only runs with frontend.submit_via_send_local = true".into());
            }
        }
        if self.orders.add_item.first_item_added && self.marketing.is_none() {
            err(
                "orders.add_item.first_item_added",
                "FirstItemAdded has no subscriber: deploy marketing to see it".into(),
            );
        }
        if self.orders.order_key == OrderKey::Fresh
            && self.script.iter().any(|s| !s.action.is_cart())
        {
            err(
                "orders.order_key",
                "fresh order ids are for carts (NE-1..9): console AddItem/RemoveItem address an order by its id and would never find one created under a fresh id".into(),
            );
        }
        if self.orders.order_key == OrderKey::Fresh
            && self.orders.submit_order.duplicate_check == DuplicateCheck::BusinessState
        {
            err("orders.order_key", "a fresh order id per message cannot be checked against existing orders: use from_message (primary-key dedup) or another duplicate check".into());
        }
        // A subscriber that deduplicates by token needs tokens on what it receives.
        for (p, sub) in [
            ("shipping.logic", &self.shipping),
            ("marketing.logic", &self.marketing),
        ] {
            if let Some(s) = sub {
                if s.logic.consistency.uses_tokens() {
                    let publishers_tokenise = self.orders.add_item.consistency.uses_tokens()
                        && self.orders.remove_item.consistency.uses_tokens();
                    if !publishers_tokenise {
                        err(p, "token dedup needs tokens on incoming messages, but Orders' AddItem/RemoveItem handlers do not use tokens: their events would carry none and bypass the check".into());
                    }
                }
            }
        }
        if self.frontend.submit_via_send_local
            && matches!(
                self.frontend.submit_flow,
                SubmitFlow::CreateOrderDirectly
                    | SubmitFlow::FlagWithoutConcurrencyControl
                    | SubmitFlow::FlagWithOptimisticConcurrency
            )
        {
            err("frontend.submit_flow", "a flow that writes the order straight into the database has no message to send locally: use save_then_send, send_then_save, accepted_then_send or submit_once".into());
        }
        if self.frontend.submit_flow != SubmitFlow::SubmitOnce
            && !self.frontend.send_submit_order.consistency.is_plain()
        {
            err("frontend.send_submit_order.consistency", "only the submit_once flow runs inside an outbox; the other flows commit and send step by step".into());
        }
        if !self.frontend.submit_via_send_local
            && self.frontend.submit_flow == SubmitFlow::SubmitOnce
        {
            err(
                "frontend.submit_flow",
                "submit_once is the SendSubmitOrder handler of C-14: set submit_via_send_local"
                    .into(),
            );
        }
        if self.frontend.importer_retry_ms == 0 || self.frontend.importer_retry_ms > MAX_DELAY_MS {
            err(
                "frontend.importer_retry_ms",
                format!("must be between 1 and {MAX_DELAY_MS}"),
            );
        }
        let has_cart = self.script.iter().any(|s| s.action.is_cart());
        let has_console = self.script.iter().any(|s| !s.action.is_cart());
        if has_cart && has_console {
            err("script", "mixes console commands (submit_order/add_item/remove_item/import) with cart actions (cart_add/cart_remove/submit); the two boundaries model different exercises".into());
        }
        for (i, s) in self.script.iter().enumerate() {
            let p = format!("script[{i}]");
            if s.action.order().0 > MAX_ORDER_ID {
                err(
                    &p,
                    format!(
                        "order id {} is above the limit {MAX_ORDER_ID}",
                        s.action.order().0
                    ),
                );
            }
            if s.at_ms > l.max_time_ms {
                err(
                    &format!("{p}.at_ms"),
                    format!(
                        "{} is after limits.max_time_ms = {}: the step would never run",
                        s.at_ms, l.max_time_ms
                    ),
                );
            }
        }
        if self.chaos.len() > MAX_CHAOS_RULES {
            err(
                "chaos",
                format!(
                    "has {} rules, at most {MAX_CHAOS_RULES} are allowed",
                    self.chaos.len()
                ),
            );
        }
        for (i, r) in self.chaos.iter().enumerate() {
            let p = format!("chaos[{i}]");
            match r.when {
                When::Nth { n: 0 } => err(
                    &format!("{p}.when"),
                    "nth is 1-based: n = 0 never matches".into(),
                ),
                When::EveryNth { n, from } if n == 0 || from == 0 => err(
                    &format!("{p}.when"),
                    "every_nth needs n >= 1 and from >= 1 (1-based)".into(),
                ),
                When::Probability(ratio) if !ratio.is_valid() => err(
                    &format!("{p}.when"),
                    format!(
                        "probability {}/{} is not between 0 and 1 (den must be > 0, num <= den)",
                        ratio.num, ratio.den
                    ),
                ),
                _ => {}
            }
            if let Some(e) = r.target.endpoint {
                if self.endpoint_settings(e).is_none() {
                    err(
                        &format!("{p}.target.endpoint"),
                        format!("{e} is not deployed in this scenario"),
                    );
                }
                if r.effect.hook() == Hook::Send
                    && matches!(e, Endpoint::Shipping | Endpoint::Marketing)
                {
                    err(
                        &format!("{p}.effect"),
                        format!("{e} sends nothing, so a send effect on it never fires"),
                    );
                }
            }
            if let Some(k) = r.target.message {
                if r.effect.hook() == Hook::Send
                    && matches!(k, MsgKind::SendSubmitOrder)
                    && !self.frontend.submit_via_send_local
                {
                    err(
                        &format!("{p}.target.message"),
                        "SendSubmitOrder is only sent with frontend.submit_via_send_local".into(),
                    );
                }
            }
            match r.effect {
                Effect::Duplicate { delay_ms }
                | Effect::Delay { delay_ms }
                | Effect::Slow { delay_ms, .. }
                | Effect::Hang { delay_ms, .. }
                    if delay_ms > MAX_DELAY_MS =>
                {
                    err(
                        &format!("{p}.effect"),
                        format!("delay_ms must be at most {MAX_DELAY_MS}"),
                    )
                }
                Effect::FailPublish { after_ms, .. } if after_ms > MAX_DELAY_MS => err(
                    &format!("{p}.effect"),
                    format!("after_ms must be at most {MAX_DELAY_MS}"),
                ),
                Effect::Delay { delay_ms: 0 } => err(
                    &format!("{p}.effect"),
                    "delay with delay_ms = 0 changes nothing".into(),
                ),
                Effect::Slow {
                    after: StepName::Any,
                    ..
                }
                | Effect::Hang {
                    after: StepName::Any,
                    ..
                } => err(
                    &format!("{p}.effect"),
                    "slow or hang after any step would stall every step; name one step".into(),
                ),
                _ => {}
            }
            if let Effect::Slow { after, .. }
            | Effect::Crash { after }
            | Effect::Hang { after, .. } = r.effect
            {
                if after == StepName::Ack {
                    err(
                        &format!("{p}.effect.after"),
                        "nothing happens after the ack: the attempt is over; name an earlier step"
                            .into(),
                    );
                } else if after != StepName::Any && !self.step_exists(r.target.endpoint, after) {
                    err(&format!("{p}.effect.after"), format!(
                        "no handler targeted by this rule has a {} step with its consistency settings", after.name()));
                }
            }
        }
        let knob_rules = [
            self.knobs.duplicate_rate,
            self.knobs.delay_rate,
            self.knobs.commit_failure_rate,
            self.knobs.crash_rate,
            self.knobs.lost_ack_rate,
        ]
        .iter()
        .filter(|r| r.is_some())
        .count();
        let probabilistic = self
            .chaos
            .iter()
            .filter(|r| matches!(r.when, When::Probability(_)))
            .count()
            + knob_rules;
        if probabilistic > MAX_PROBABILISTIC_RULES {
            err(
                "chaos",
                format!("{probabilistic} probabilistic rules (knobs included), at most {MAX_PROBABILISTIC_RULES}: an exhaustive checker explores every subset of them that may fire at one step"),
            );
        }
        let k = &self.knobs;
        for (name, r) in [
            ("knobs.duplicate_rate", k.duplicate_rate),
            ("knobs.delay_rate", k.delay_rate),
            ("knobs.commit_failure_rate", k.commit_failure_rate),
            ("knobs.crash_rate", k.crash_rate),
            ("knobs.lost_ack_rate", k.lost_ack_rate),
        ] {
            if let Some(r) = r {
                if !r.is_valid() {
                    err(
                        name,
                        format!(
                            "{}/{} is not a probability (den must be > 0, num <= den)",
                            r.num, r.den
                        ),
                    );
                }
            }
        }
        if k.delay_rate.is_some() && (k.delay_ms == 0 || k.delay_ms > MAX_DELAY_MS) {
            err(
                "knobs.delay_ms",
                format!("delay_rate needs delay_ms between 1 and {MAX_DELAY_MS}"),
            );
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs)
        }
    }

    /// Whether some handler at `endpoint` (any endpoint when `None`) ever runs the named step.
    fn step_exists(&self, endpoint: Option<Endpoint>, step: StepName) -> bool {
        let mut logics: Vec<(Endpoint, &HandlerLogic)> = vec![
            (Endpoint::Orders, &self.orders.submit_order),
            (Endpoint::Orders, &self.orders.add_item),
            (Endpoint::Orders, &self.orders.remove_item),
            (Endpoint::Frontend, &self.frontend.send_submit_order),
        ];
        if let Some(s) = &self.shipping {
            logics.push((Endpoint::Shipping, &s.logic));
        }
        if let Some(s) = &self.marketing {
            logics.push((Endpoint::Marketing, &s.logic));
        }
        let frontend_request_steps = [
            StepName::Load,
            StepName::Commit,
            StepName::Publish,
            StepName::DeleteRecord,
            StepName::Logic,
        ];
        if (endpoint.is_none() || endpoint == Some(Endpoint::Frontend))
            && frontend_request_steps.contains(&step)
        {
            return true;
        }
        logics
            .iter()
            .filter(|(e, _)| endpoint.is_none() || endpoint == Some(*e))
            .any(|(_, h)| steps_of(h.consistency).contains(&step))
    }
}

/// The steps a handler with this consistency may run, before its ack (for validating chaos rules).
pub fn steps_of(c: Consistency) -> &'static [StepName] {
    use StepName::*;
    match c {
        Consistency::Plain | Consistency::InDocumentOutbox | Consistency::Outbox => {
            &[Load, Logic, Commit, Publish]
        }
        Consistency::OutboxInbox | Consistency::OutboxInboxWithoutCleanup => {
            &[Load, InboxCheck, Logic, Commit, Publish, MarkInbox]
        }
        Consistency::Tokens | Consistency::TokensWithoutCheckpoint => &[
            Load,
            TokenCheck,
            Logic,
            Commit,
            CreateTokens,
            Publish,
            DeleteToken,
            Ack,
        ],
        Consistency::OutOfDocumentOutbox
        | Consistency::SingleTransactionIdShipped
        | Consistency::SingleTransactionId => &[
            Load,
            InboxCheck,
            Logic,
            OutboxPut,
            Commit,
            OutboxGet,
            Publish,
            OutboxDelete,
            MarkInbox,
            Ack,
        ],
    }
}

/// The most distinct states a scenario check may ask for: the explorer's parent links are `u32`,
/// and at a few kilobytes per frontier world more would not fit a browser's 4 GB wasm memory.
pub const MAX_CHECK_STATES_CEILING: u64 = 50_000_000;
/// The longest trace, in choices, a scenario check may ask for.
pub const MAX_CHECK_STEPS_CEILING: u32 = 100_000;
/// The most probabilistic chaos firings one checked trace may contain (each firing multiplies the
/// branching of every step it may happen at).
pub const MAX_CHECK_CHAOS_FIRES_CEILING: u32 = 16;

/// The bounds of an exhaustive check of a scenario (the optional `check` section of a scenario
/// file). Deterministic chaos rules (`first`, `nth`, `every`, ...) are part of the scenario and
/// need no budget; a probabilistic rule (or knob) may fire at every step it matches, which would
/// make the world's branching unbounded, so the number of such firings per trace is budgeted.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CheckBounds {
    /// Stop after this many distinct states.
    pub max_states: u64,
    /// Do not extend traces beyond this many choices.
    pub max_steps: u32,
    /// At most this many probabilistic chaos firings (duplicates, failures, crashes, ...) per trace.
    pub max_chaos_fires: u32,
}

impl Default for CheckBounds {
    fn default() -> Self {
        CheckBounds {
            // A few hundred MB of frontier worlds at most: fits the page's wasm memory.
            max_states: 200_000,
            // The seeded runs of the presets reach their violations within about a hundred choices.
            max_steps: 200,
            max_chaos_fires: 1,
        }
    }
}

impl CheckBounds {
    /// Every problem at once, with paths under `check.`.
    pub fn validate(&self) -> Result<(), Vec<ScenarioError>> {
        let mut errs = Vec::new();
        if self.max_states == 0 || self.max_states > MAX_CHECK_STATES_CEILING {
            errs.push(ScenarioError {
                path: "check.max_states".into(),
                message: format!(
                    "{} distinct states: must be between 1 and {MAX_CHECK_STATES_CEILING}",
                    self.max_states
                ),
            });
        }
        if self.max_steps == 0 || self.max_steps > MAX_CHECK_STEPS_CEILING {
            errs.push(ScenarioError {
                path: "check.max_steps".into(),
                message: format!(
                    "{} steps: must be between 1 and {MAX_CHECK_STEPS_CEILING}",
                    self.max_steps
                ),
            });
        }
        if self.max_chaos_fires > MAX_CHECK_CHAOS_FIRES_CEILING {
            errs.push(ScenarioError {
                path: "check.max_chaos_fires".into(),
                message: format!(
                    "{} firings: at most {MAX_CHECK_CHAOS_FIRES_CEILING} (each one multiplies the branching of every step)",
                    self.max_chaos_fires
                ),
            });
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs)
        }
    }
}

/// A scenario file for the checker: the scenario with an optional `check` section beside its own
/// fields. (The section is not a field of [`Scenario`] itself so that the scenario format, share
/// links and every `Scenario { .. }` literal stay as they are.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedScenario {
    pub scenario: Scenario,
    pub check: CheckBounds,
}

impl CheckedScenario {
    /// Parses a scenario object that may carry a `check` section; the error says where the text is
    /// wrong.
    pub fn from_json(text: &str) -> Result<CheckedScenario, ScenarioError> {
        let mut value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ScenarioError {
                path: format!("line {} column {}", e.line(), e.column()),
                message: e.to_string(),
            })?;
        Self::from_value(&mut value)
    }

    /// As [`CheckedScenario::from_json`], from a parsed object (which loses its `check` key).
    pub fn from_value(value: &mut serde_json::Value) -> Result<CheckedScenario, ScenarioError> {
        let check = match value.as_object_mut().and_then(|o| o.remove("check")) {
            None => CheckBounds::default(),
            Some(section) => serde_json::from_value(section).map_err(|e| ScenarioError {
                path: "check".into(),
                message: e.to_string(),
            })?,
        };
        let scenario = serde_json::from_value(value.clone()).map_err(|e| ScenarioError {
            path: "scenario".into(),
            message: e.to_string(),
        })?;
        Ok(CheckedScenario { scenario, check })
    }
}
