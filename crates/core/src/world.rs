//! The world: queues, stores, running attempts and the audit ledger, as one state machine.
//!
//! [`World::choices`] lists what may happen next, in a deterministic order; [`World::apply`] is the
//! only way the world changes. The simulator picks choices with the scenario's PRNG; an exhaustive
//! checker or a share link drives the same two functions. The world holds no trace: it can be
//! cloned, compared and hashed to fingerprint states.

use crate::ids::{fresh_msg_id, AttemptId, CopyId, MsgId, OrderId, TokenId, TxId};
use crate::scenario::{
    Action, ChaosRule, Consistency, Effect, Endpoint, Filling, MsgKind, Scenario, ScenarioError,
    StepName, Target, When,
};
use crate::store::{Doc, EndpointStore, TokenStore};
use crate::trace::{Event, EventKind, Halt};
use crate::vec_map::VecMap;
use serde::Serialize;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// At most this many of the oldest visible copies of a queue are candidates for the next delivery:
/// a near-FIFO broker that still re-orders, and a bounded number of choices per state.
pub const DELIVERY_WINDOW: u32 = 4;

/// The logical message a copy belongs to, independent of transport ids: the script step that
/// started it and the message kind. A sender-side duplicate with a fresh id has the same intent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Intent {
    pub step: u32,
    pub kind: MsgKind,
}

impl fmt::Display for Intent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@step{}", self.kind, self.step)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Message {
    pub id: MsgId,
    pub kind: MsgKind,
    pub order: OrderId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filling: Option<Filling>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Filling>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenId>,
    pub intent: Intent,
    /// The intent of the incoming message whose processing produced this one (ledger attribution).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<Intent>,
    /// The incoming message id that caused it (lineage).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<MsgId>,
}

impl Message {
    pub fn content(&self) -> Content {
        Content {
            kind: self.kind,
            order: self.order,
            filling: self.filling,
            items: self.items.clone(),
        }
    }
    pub fn reference(&self) -> MsgRef {
        MsgRef {
            id: self.id,
            kind: self.kind,
            order: self.order,
            filling: self.filling,
        }
    }
}

/// What a message says, without its identity: two outputs of one input must say the same.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Content {
    pub kind: MsgKind,
    pub order: OrderId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filling: Option<Filling>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Filling>,
}

/// A message as events mention it: small and `Copy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct MsgRef {
    pub id: MsgId,
    pub kind: MsgKind,
    pub order: OrderId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filling: Option<Filling>,
}

impl fmt::Display for MsgRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({}", self.kind, self.order.0)?;
        if let Some(x) = self.filling {
            write!(f, ",{x:?}")?;
        }
        write!(f, ")#{}", self.id.short())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CopyState {
    Ready,
    Delayed { until_ms: u64 },
    Leased { until_ms: u64 },
}

/// One physical copy of a message in an endpoint's queue.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Copy {
    pub id: CopyId,
    pub msg: Message,
    pub state: CopyState,
    /// The attempt holding the current receipt: only it may ack or release the copy.
    pub holder: Option<AttemptId>,
    pub failures: u32,
    pub deliveries: u32,
}

/// Why a commit happens: only `Business` commits carry a business change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitWhy {
    Business,
    MarkDispatched,
    RemoveEntry,
    TokensGenerated,
    RemoveTransaction,
    ClearTransaction,
    ClearOutgoing,
    MarkSubmitted,
    /// NE-1: only the new order is written.
    OrderOnly,
    /// NE-2: cart and order written without any version check.
    Unversioned,
}

/// One atomic step of an attempt. Plans are built from these, mirroring the pseudo-code of §3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Op {
    Load,
    InboxCheck,
    TokenCheck,
    Logic,
    Commit(CommitWhy),
    Publish(u32),
    CreateTokens,
    OutboxPut,
    OutboxGet,
    OutboxDelete,
    MarkInbox,
    DeleteToken,
    DeleteRecord,
    Ack,
    /// A Frontend request ends.
    Finish,
    /// A failure decided earlier takes effect now (a publish that times out after a while).
    Fail(crate::scenario::ErrorKind),
}

impl Op {
    pub fn step_name(self) -> Option<StepName> {
        Some(match self {
            Op::Load => StepName::Load,
            Op::InboxCheck => StepName::InboxCheck,
            Op::TokenCheck => StepName::TokenCheck,
            Op::Logic => StepName::Logic,
            Op::Commit(_) => StepName::Commit,
            Op::Publish(_) => StepName::Publish,
            Op::CreateTokens => StepName::CreateTokens,
            Op::OutboxPut => StepName::OutboxPut,
            Op::OutboxGet => StepName::OutboxGet,
            Op::OutboxDelete => StepName::OutboxDelete,
            Op::MarkInbox => StepName::MarkInbox,
            Op::DeleteToken => StepName::DeleteToken,
            Op::DeleteRecord => StepName::DeleteRecord,
            Op::Ack | Op::Finish | Op::Fail(_) => return None,
        })
    }
}

/// A Frontend request started by a script step (and its later passes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Request {
    pub step: u32,
    pub pass: u32,
}

/// One attempt at handling one delivered copy, or one Frontend request.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Attempt {
    pub id: AttemptId,
    pub endpoint: Endpoint,
    pub instance: u32,
    pub copy: Option<CopyId>,
    pub request: Option<Request>,
    pub msg: Message,
    /// Remaining steps, the next one last.
    pub plan: Vec<Op>,
    pub ready_at_ms: u64,
    pub key: Option<(Endpoint, Intent)>,
    pub doc_key: OrderId,
    pub doc: Option<Doc>,
    pub version: Option<u32>,
    pub outs: Vec<Message>,
    pub intended: Vec<Content>,
    pub changed: bool,
    pub tx: Option<TxId>,
    pub mark: Option<MsgId>,
    pub token_version: Option<u32>,
    /// NE-1..3: an order created in the same batch as the cart write.
    pub new_order: Option<(OrderId, Doc)>,
}

impl Attempt {
    /// Makes `ops` the next steps, in the given order.
    pub fn then(&mut self, ops: &[Op]) {
        for op in ops.iter().rev() {
            self.plan.push(*op);
        }
    }
    pub fn publish_all_then(&mut self, rest: &[Op]) {
        let n = self.outs.len() as u32;
        let mut ops: Vec<Op> = (0..n).map(Op::Publish).collect();
        ops.extend_from_slice(rest);
        self.then(&ops);
    }
}

/// A committed business change, for the invariants.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ChangeRec {
    pub attempt: AttemptId,
    pub msg: MsgId,
    pub doc: OrderId,
    pub version: u32,
    /// What the handler meant to publish, computed from the state this change produced.
    pub intended: Vec<Content>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct OutputRec {
    pub id: MsgId,
    pub content: Content,
}

/// Everything that happened to one logical message at one endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Ledger {
    pub changes: Vec<ChangeRec>,
    pub outputs: Vec<OutputRec>,
    /// Some copy was acked.
    pub acked: bool,
    /// Some copy went to the error queue.
    pub dead: bool,
    /// A Frontend request for it ended.
    pub finished: bool,
    /// The business logic ran and decided nothing was to change (not a duplicate).
    pub noop: bool,
}

impl Ledger {
    pub fn is_finished(&self) -> bool {
        self.acked || self.dead || self.finished
    }
}

/// The ledgers by `(endpoint, intent)`, as sorted vectors, one per endpoint (by
/// [`Endpoint::index`], which follows `Endpoint`'s order). A run adds the ledgers of ever later
/// script steps, so a new one lands at or near the end of its endpoint's vector; one vector for
/// all endpoints would move the later endpoints' ledgers at every insert. Iterates, compares and
/// hashes like the `BTreeMap<(Endpoint, Intent), Arc<Ledger>>` it replaces (the same words: state
/// fingerprints are unchanged), without a B-tree's code in the wasm.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Ledgers {
    by_endpoint: [VecMap<(Endpoint, Intent), Arc<Ledger>>; 4],
}

impl Ledgers {
    pub fn get(&self, key: &(Endpoint, Intent)) -> Option<&Arc<Ledger>> {
        self.by_endpoint[key.0.index()].get(key)
    }
    pub fn get_or_default(&mut self, key: (Endpoint, Intent)) -> &mut Arc<Ledger> {
        self.by_endpoint[key.0.index()].get_or_default(key)
    }
    pub fn len(&self) -> usize {
        self.by_endpoint.iter().map(VecMap::len).sum()
    }
    pub fn is_empty(&self) -> bool {
        self.by_endpoint.iter().all(VecMap::is_empty)
    }
    /// In key order: by endpoint, then by intent.
    pub fn iter(&self) -> impl Iterator<Item = (&(Endpoint, Intent), &Arc<Ledger>)> {
        self.by_endpoint.iter().flat_map(VecMap::iter)
    }
    pub fn values(&self) -> impl Iterator<Item = &Arc<Ledger>> {
        self.iter().map(|(_, l)| l)
    }
}

/// `BTreeMap`'s words: the length, then each key and value in key order.
impl Hash for Ledgers {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.len());
        for (key, ledger) in self.iter() {
            key.hash(state);
            ledger.hash(state);
        }
    }
}

impl fmt::Debug for Ledgers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// What a subscriber (or Orders) was handed, in order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Received {
    pub endpoint: Endpoint,
    pub msg: MsgRef,
}

/// Immutable for a run. Shared between cloned states and left out of equality and hashing, so
/// that fingerprints depend on the evolving state only.
#[derive(Debug)]
pub struct Config {
    pub scenario: Scenario,
    pub rules: Vec<ChaosRule>,
    pub cart_mode: bool,
    /// The logical submit of a cart: all its Submit clicks share the first click's step.
    pub submit_step: VecMap<OrderId, u32>,
    /// Bit i set = rule i is probabilistic (only the first 64 rules can be; validation caps them).
    pub probabilistic: u64,
    /// `probabilistic`, split by the hook of each rule (indexed by [`hook_index`]): a step's
    /// probe only ever matches rules of its own hook.
    pub probabilistic_by_hook: [u64; 3],
    /// Every rule by hook, when there are at most 64 rules (`None`: more, consult them all).
    pub rules_by_hook: Option<[u64; 3]>,
}

/// The index of a hook in [`Config::probabilistic_by_hook`].
pub fn hook_index(hook: crate::scenario::Hook) -> usize {
    match hook {
        crate::scenario::Hook::Send => 0,
        crate::scenario::Hook::Commit => 1,
        crate::scenario::Hook::AfterStep => 2,
    }
}

#[derive(Clone, Debug)]
pub struct Shared(pub Arc<Config>);

impl PartialEq for Shared {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for Shared {}
impl Hash for Shared {
    fn hash<H: Hasher>(&self, _: &mut H) {}
}

/// A choice point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// Start pass `pass` of script step `step` (pass 0 = the script itself, later = importer passes).
    Request { step: u32, pass: u32 },
    /// Deliver this copy to the lowest-numbered idle instance (instances are interchangeable).
    Deliver { endpoint: Endpoint, copy: CopyId },
    /// Run the attempt's next step; bit `i` of `fire` = probabilistic chaos rule `i` fires.
    Step { attempt: AttemptId, fire: u64 },
    /// Nothing else can happen now: move virtual time to the next timer.
    AdvanceTime { to_ms: u64 },
}

/// A choice that is not enabled in this state (a stale share link, a wrong replay).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotEnabled(pub Choice);

impl fmt::Display for NotEnabled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "choice {:?} is not enabled in this state", self.0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct World {
    pub(crate) cfg: Shared,
    pub now_ms: u64,
    pub next_script: u32,
    pub pending_requests: Vec<(u64, Request)>,
    pub(crate) fresh: u64,
    pub(crate) next_copy: u32,
    pub(crate) next_attempt: u32,
    pub queues: [Vec<Copy>; 4],
    /// Running attempts in start order. Boxed: an attempt is large and steps take it out and
    /// put it back, which would otherwise move every later attempt twice.
    pub attempts: Vec<Box<Attempt>>,
    pub stores: [EndpointStore; 4],
    pub tokens: TokenStore,
    pub error_queue: Vec<(Endpoint, MsgRef)>,
    pub received: Vec<Received>,
    pub(crate) chaos_hits: Vec<u32>,
    pub(crate) groups_fired: Vec<u32>,
    /// Shared between clones of the world until one of them changes a ledger (copy on write):
    /// a checkpoint of a long run copies pointers, not every ledger.
    pub ledgers: Ledgers,
    pub events_total: u32,
    pub halted: Option<Halt>,
}

impl World {
    /// A world at time 0 for a valid scenario; an invalid one gives every problem.
    pub fn new(scenario: &Scenario) -> Result<World, Vec<ScenarioError>> {
        scenario.validate()?;
        let mut rules = scenario.chaos.clone();
        let any = Target::default();
        let k = &scenario.knobs;
        let knob_rules = [
            (k.duplicate_rate, Effect::Duplicate { delay_ms: 0 }),
            (
                k.delay_rate,
                Effect::Delay {
                    delay_ms: k.delay_ms,
                },
            ),
            (k.commit_failure_rate, Effect::FailCommit),
            (
                k.crash_rate,
                Effect::Crash {
                    after: StepName::Any,
                },
            ),
            (
                k.lost_ack_rate,
                Effect::FailPublish {
                    broker_has_it: true,
                    after_ms: 0,
                },
            ),
        ];
        for (rate, effect) in knob_rules {
            if let Some(r) = rate {
                rules.push(ChaosRule {
                    target: any.clone(),
                    when: When::Probability(r),
                    effect,
                    once_group: None,
                });
            }
        }
        let mut submit_step = VecMap::new();
        for (i, s) in scenario.script.iter().enumerate() {
            if let Action::Submit { cart } = s.action {
                submit_step.get_or_insert_with(cart, || i as u32);
            }
        }
        let cart_mode = scenario.script.iter().any(|s| s.action.is_cart());
        let n_rules = rules.len();
        let probabilistic = rules
            .iter()
            .enumerate()
            .take(64)
            .filter(|(_, r)| matches!(r.when, When::Probability(_)))
            .fold(0u64, |m, (i, _)| m | (1u64 << i));
        let mut probabilistic_by_hook = [0u64; 3];
        for (i, r) in rules.iter().enumerate().take(64) {
            if probabilistic & (1u64 << i) != 0 {
                probabilistic_by_hook[hook_index(r.effect.hook())] |= 1u64 << i;
            }
        }
        let rules_by_hook = (rules.len() <= 64).then(|| {
            let mut by_hook = [0u64; 3];
            for (i, r) in rules.iter().enumerate() {
                by_hook[hook_index(r.effect.hook())] |= 1u64 << i;
            }
            by_hook
        });
        Ok(World {
            cfg: Shared(Arc::new(Config {
                scenario: scenario.clone(),
                rules,
                cart_mode,
                submit_step,
                probabilistic,
                probabilistic_by_hook,
                rules_by_hook,
            })),
            now_ms: 0,
            next_script: 0,
            pending_requests: Vec::new(),
            fresh: 0,
            next_copy: 0,
            next_attempt: 0,
            queues: Default::default(),
            attempts: Vec::new(),
            stores: Default::default(),
            tokens: TokenStore::default(),
            error_queue: Vec::new(),
            received: Vec::new(),
            chaos_hits: vec![0; n_rules],
            groups_fired: Vec::new(),
            ledgers: Ledgers::default(),
            events_total: 0,
            halted: None,
        })
    }

    pub fn scenario(&self) -> &Scenario {
        &self.cfg.0.scenario
    }

    pub fn config(&self) -> &Config {
        &self.cfg.0
    }

    /// The probability of chaos rule `i`, for a simulator rolling a `Step`'s `fire` bits.
    pub fn rule_ratio(&self, i: u32) -> Option<crate::prng::Ratio> {
        match self.cfg.0.rules.get(i as usize)?.when {
            When::Probability(r) => Some(r),
            _ => None,
        }
    }

    pub(crate) fn fresh_id(&mut self) -> MsgId {
        self.fresh += 1;
        fresh_msg_id(self.cfg.0.scenario.seed, self.fresh)
    }

    pub(crate) fn fresh_u64(&mut self) -> u64 {
        self.fresh += 1;
        self.fresh
    }

    pub fn is_deployed(&self, e: Endpoint) -> bool {
        self.cfg.0.scenario.endpoint_settings(e).is_some()
    }

    pub(crate) fn busy_instances(&self, e: Endpoint) -> Vec<u32> {
        self.attempts
            .iter()
            .filter(|a| a.endpoint == e && a.copy.is_some())
            .map(|a| a.instance)
            .collect()
    }

    /// The enabled choices, in a deterministic order: requests, deliveries, steps, then (only if
    /// nothing else is enabled) time.
    pub fn choices(&self, out: &mut Vec<Choice>) {
        self.enumerate(out, None, false);
    }

    /// One entry per action (a `Step` with `fire: 0`), and in `masks` the probabilistic rules each
    /// entry may fire. The full list of [`World::choices`] expands entry `j` into
    /// `1 << masks[j].count_ones()` choices, in the same order: the simulator rolls the bits
    /// itself instead of scanning every subset.
    pub fn actions(&self, out: &mut Vec<Choice>, masks: &mut Vec<u64>) {
        masks.clear();
        self.enumerate(out, Some(masks), false);
    }

    /// The entries of [`World::actions`] without their masks (the simulator's hot loop asks
    /// [`World::step_mask`] only for the entries it needs).
    pub(crate) fn bare_actions(&self, out: &mut Vec<Choice>) {
        self.enumerate(out, None, true);
    }

    /// The mask [`World::actions`] gives the `Step` entry of this attempt (0 for no such attempt).
    pub(crate) fn step_mask(&self, attempt: AttemptId) -> u64 {
        self.attempts
            .iter()
            .find(|a| a.id == attempt)
            .map_or(0, |a| self.roll_mask(a))
    }

    fn enumerate(&self, out: &mut Vec<Choice>, mut masks: Option<&mut Vec<u64>>, bare: bool) {
        out.clear();
        if self.halted.is_some() {
            return;
        }
        let push = |out: &mut Vec<Choice>, c: Choice, masks: &mut Option<&mut Vec<u64>>| {
            out.push(c);
            if let Some(m) = masks.as_deref_mut() {
                m.push(0);
            }
        };
        let sc = &self.cfg.0.scenario;
        if let Some(s) = sc.script.get(self.next_script as usize) {
            if s.at_ms <= self.now_ms {
                let c = Choice::Request {
                    step: self.next_script,
                    pass: 0,
                };
                push(out, c, &mut masks);
            }
        }
        for (at, r) in &self.pending_requests {
            if *at <= self.now_ms {
                let c = Choice::Request {
                    step: r.step,
                    pass: r.pass,
                };
                push(out, c, &mut masks);
            }
        }
        // Busy instances per endpoint, in one pass over the attempts.
        let mut busy_of = [0u32; 4];
        for a in &self.attempts {
            if a.copy.is_some() {
                busy_of[a.endpoint.index()] += 1;
            }
        }
        for e in Endpoint::ALL {
            let Some(settings) = sc.endpoint_settings(e) else {
                continue;
            };
            let busy = busy_of[e.index()];
            if busy >= settings.concurrency {
                continue;
            }
            let mut seen = 0;
            for c in &self.queues[e.index()] {
                if c.state == CopyState::Ready {
                    let ch = Choice::Deliver {
                        endpoint: e,
                        copy: c.id,
                    };
                    push(out, ch, &mut masks);
                    seen += 1;
                    if seen >= DELIVERY_WINDOW {
                        break;
                    }
                }
            }
        }
        for a in &self.attempts {
            if a.ready_at_ms <= self.now_ms {
                if bare {
                    out.push(Choice::Step {
                        attempt: a.id,
                        fire: 0,
                    });
                    continue;
                }
                let mask = self.roll_mask(a);
                if let Some(m) = masks.as_deref_mut() {
                    out.push(Choice::Step {
                        attempt: a.id,
                        fire: 0,
                    });
                    m.push(mask);
                    continue;
                }
                // Every subset of the probabilistic rules that may fire here, 0 (none) first.
                let mut sub: u64 = 0;
                loop {
                    out.push(Choice::Step {
                        attempt: a.id,
                        fire: sub,
                    });
                    if sub == mask {
                        break;
                    }
                    sub = (sub.wrapping_sub(mask)) & mask;
                }
            }
        }
        if out.is_empty() {
            if let Some(t) = self.next_timer() {
                push(out, Choice::AdvanceTime { to_ms: t }, &mut masks);
            }
        }
    }

    /// The earliest future moment at which something becomes possible.
    pub fn next_timer(&self) -> Option<u64> {
        let mut t: Option<u64> = None;
        let mut consider = |x: u64| {
            if x > self.now_ms {
                t = Some(t.map_or(x, |y| y.min(x)));
            }
        };
        if let Some(s) = self.cfg.0.scenario.script.get(self.next_script as usize) {
            consider(s.at_ms);
        }
        for (at, _) in &self.pending_requests {
            consider(*at);
        }
        for q in &self.queues {
            for c in q {
                match c.state {
                    CopyState::Delayed { until_ms } | CopyState::Leased { until_ms } => {
                        consider(until_ms)
                    }
                    CopyState::Ready => {}
                }
            }
        }
        for a in &self.attempts {
            consider(a.ready_at_ms);
        }
        t
    }

    /// Nothing left to do: no choice is enabled (or a limit stopped the run).
    pub fn is_quiescent(&self) -> bool {
        let mut v = Vec::new();
        self.choices(&mut v);
        v.is_empty()
    }

    /// The only way the world changes. Events describing the change are appended to `events`.
    pub fn apply(&mut self, choice: &Choice, events: &mut Vec<Event>) -> Result<(), NotEnabled> {
        let mut enabled = Vec::new();
        self.choices(&mut enabled);
        if !enabled.contains(choice) {
            return Err(NotEnabled(*choice));
        }
        self.apply_enabled(choice, events);
        Ok(())
    }

    /// `apply` without re-checking that the choice is enabled: for a caller that just took it from
    /// `choices` (the simulator's hot loop).
    pub fn apply_enabled(&mut self, choice: &Choice, events: &mut Vec<Event>) {
        let first = events.len();
        match *choice {
            Choice::Request { step, pass } => self.start_request(step, pass, events),
            Choice::Deliver { endpoint, copy } => self.deliver(endpoint, copy, events),
            Choice::Step { attempt, fire } => self.step_attempt(attempt, fire, events),
            Choice::AdvanceTime { to_ms } => self.advance_time(to_ms, events),
        }
        let limits = &self.cfg.0.scenario.limits;
        if self.halted.is_none() {
            let total = u64::from(self.events_total) + (events.len() - first) as u64;
            if total >= u64::from(limits.max_events) {
                self.halt(Halt::MaxEvents, events);
            } else if let Some((e, _)) = Endpoint::ALL
                .iter()
                .map(|e| (*e, self.queues[e.index()].len()))
                .find(|(_, n)| *n as u64 > u64::from(limits.max_queue_len))
            {
                self.halt(Halt::QueueFull(e), events);
            }
        }
        for (i, e) in events[first..].iter_mut().enumerate() {
            e.index = self.events_total + i as u32;
        }
        self.events_total = self
            .events_total
            .saturating_add((events.len() - first) as u32);
    }

    /// Stops the run; the event's index is set by `apply_enabled` with the others.
    pub(crate) fn halt(&mut self, why: Halt, events: &mut Vec<Event>) {
        self.halted = Some(why);
        events.push(Event {
            index: 0,
            at_ms: self.now_ms,
            endpoint: Endpoint::Frontend,
            attempt: None,
            caused_by: None,
            key: None,
            kind: EventKind::Halted { reason: why },
        });
    }

    pub(crate) fn event(&self, endpoint: Endpoint, kind: EventKind) -> Event {
        Event {
            index: 0,
            at_ms: self.now_ms,
            endpoint,
            attempt: None,
            caused_by: None,
            key: None,
            kind,
        }
    }

    pub(crate) fn ledger(&mut self, key: (Endpoint, Intent)) -> &mut Ledger {
        Arc::make_mut(self.ledgers.get_or_default(key))
    }

    /// Which chaos rules match this hook, honouring counts and once-groups. Counts are updated.
    pub(crate) fn fire_rules(&mut self, probe: &Probe, fire: u64) -> Vec<Effect> {
        let mut fired = Vec::new();
        match self.cfg.0.rules_by_hook {
            // Only the rules of the probe's hook can match it, in rule order.
            Some(by_hook) => {
                let mut rest = by_hook[hook_index(probe.hook)];
                while rest != 0 {
                    let i = rest.trailing_zeros() as usize;
                    rest &= rest - 1;
                    self.fire_rule(i, probe, fire, &mut fired);
                }
            }
            None => {
                for i in 0..self.cfg.0.rules.len() {
                    self.fire_rule(i, probe, fire, &mut fired);
                }
            }
        }
        fired
    }

    /// Rule `i` at this hook: counts it if it matches and adds its effect to `fired` if it fires.
    fn fire_rule(&mut self, i: usize, probe: &Probe, fire: u64, fired: &mut Vec<Effect>) {
        let Some(rule) = self.cfg.0.rules.get(i) else {
            return;
        };
        if !probe.matches(rule) {
            return;
        }
        if let Some(g) = rule.once_group {
            if self.groups_fired.contains(&g) {
                return;
            }
        }
        self.chaos_hits[i] = self.chaos_hits[i].saturating_add(1);
        let n = self.chaos_hits[i];
        let yes = match rule.when {
            When::First => n == 1,
            When::Nth { n: k } => n == k,
            When::Every => true,
            When::EveryNth { n: k, from } => n >= from && k > 0 && (n - from).is_multiple_of(k),
            When::Probability(_) => i < 64 && fire & (1u64 << i) != 0,
        };
        if yes {
            if let Some(g) = rule.once_group {
                self.groups_fired.push(g);
            }
            fired.push(rule.effect);
        }
    }

    /// The probabilistic rules that the attempt's next step may fire (bit i = rule i).
    pub(crate) fn roll_mask(&self, a: &Attempt) -> u64 {
        if self.cfg.0.probabilistic == 0 {
            return 0;
        }
        let Some(op) = a.plan.last() else { return 0 };
        let probes = self.probes_for(a, *op);
        let mut mask = 0u64;
        for p in probes.iter() {
            // Only the rules of the probe's hook can match it; the set bits, lowest first.
            let mut rest = self.cfg.0.probabilistic_by_hook[hook_index(p.hook)] & !mask;
            while rest != 0 {
                let i = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                let Some(rule) = self.cfg.0.rules.get(i) else {
                    continue;
                };
                if let Some(g) = rule.once_group {
                    if self.groups_fired.contains(&g) {
                        continue;
                    }
                }
                if p.matches(rule) {
                    mask |= 1 << i;
                }
            }
        }
        mask
    }

    /// The hooks a step of this attempt consults (at most two: its own hook, then after-step).
    /// Fixed-size and allocation-free: this runs for every ready attempt at every choice.
    pub(crate) fn probes_for(&self, a: &Attempt, op: Op) -> Probes {
        let incoming = Probe {
            hook: crate::scenario::Hook::AfterStep,
            endpoint: a.endpoint,
            kind: a.msg.kind,
            filling: a.msg.filling,
            doc_fillings: 0,
            step: op.step_name(),
        };
        let own = match op {
            Op::Publish(i) => a.outs.get(i as usize).map(|m| Probe {
                hook: crate::scenario::Hook::Send,
                endpoint: a.endpoint,
                kind: m.kind,
                filling: m.filling,
                doc_fillings: 0,
                step: None,
            }),
            Op::Commit(_) | Op::DeleteRecord => {
                let mut bits = a.doc.as_ref().map_or(0, |d| filling_bits(&d.lines));
                if let Some((_, d)) = &a.new_order {
                    bits |= filling_bits(&d.lines);
                }
                Some(Probe {
                    hook: crate::scenario::Hook::Commit,
                    doc_fillings: bits,
                    ..incoming
                })
            }
            _ => None,
        };
        let after = if op.step_name().is_some() {
            Some(incoming)
        } else {
            None
        };
        Probes([own, after])
    }
}

fn filling_bits(lines: &[Filling]) -> u8 {
    lines.iter().fold(0u8, |b, f| b | (1u8 << (*f as u8)))
}

/// The (at most two) probes of one step.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Probes(pub [Option<Probe>; 2]);

impl Probes {
    pub fn iter(&self) -> impl Iterator<Item = &Probe> {
        self.0.iter().flatten()
    }
    pub fn find(&self, hook: crate::scenario::Hook) -> Option<Probe> {
        self.iter().find(|p| p.hook == hook).copied()
    }
}

/// One consultation of the chaos rules.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Probe {
    pub hook: crate::scenario::Hook,
    pub endpoint: Endpoint,
    pub kind: MsgKind,
    pub filling: Option<Filling>,
    /// The fillings in the document being committed, one bit per filling.
    pub doc_fillings: u8,
    pub step: Option<StepName>,
}

impl Probe {
    pub fn matches(&self, rule: &ChaosRule) -> bool {
        if rule.effect.hook() != self.hook {
            return false;
        }
        if let Effect::Slow { after, .. } | Effect::Crash { after } | Effect::Hang { after, .. } =
            rule.effect
        {
            match self.step {
                Some(s) if after == StepName::Any || after == s => {}
                _ => return false,
            }
        }
        let t = &rule.target;
        if t.endpoint.is_some_and(|e| e != self.endpoint) {
            return false;
        }
        if t.message.is_some_and(|k| k != self.kind) {
            return false;
        }
        if let Some(f) = t.filling {
            if self.filling != Some(f) && self.doc_fillings & (1u8 << (f as u8)) == 0 {
                return false;
            }
        }
        true
    }
}

/// The consistency settings of the handler for this attempt (`Plain` for Frontend requests).
pub(crate) fn consistency_of(sc: &Scenario, a: &Attempt) -> Consistency {
    if a.request.is_some() {
        return Consistency::Plain;
    }
    sc.handler(a.endpoint, a.msg.kind)
        .map(|h| h.consistency)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    // The checker's fingerprint: what these types feed the hasher is what state dedup sees.
    use crate::check::fingerprint::fingerprint_of as fingerprint;
    use std::collections::BTreeMap;

    /// The per-endpoint ledgers iterate and hash as the one `BTreeMap` they replace did.
    #[test]
    fn ledgers_hash_and_iterate_like_a_btree_map() {
        let mut ledgers = Ledgers::default();
        let mut map: BTreeMap<(Endpoint, Intent), Arc<Ledger>> = BTreeMap::new();
        let keys = [
            (Endpoint::Shipping, 3, MsgKind::ItemAdded),
            (Endpoint::Orders, 2, MsgKind::AddItem),
            (Endpoint::Orders, 1, MsgKind::SubmitOrder),
            (Endpoint::Frontend, 4, MsgKind::AddItem),
            (Endpoint::Marketing, 3, MsgKind::ItemAdded),
        ];
        for (i, (e, step, kind)) in keys.into_iter().enumerate() {
            let key = (e, Intent { step, kind });
            let ledger = Ledger {
                acked: i % 2 == 0,
                ..Ledger::default()
            };
            *ledgers.get_or_default(key) = Arc::new(ledger.clone());
            map.insert(key, Arc::new(ledger));
        }
        assert_eq!(
            ledgers.iter().collect::<Vec<_>>(),
            map.iter().collect::<Vec<_>>()
        );
        assert_eq!(fingerprint(&ledgers), fingerprint(&map));
        assert_eq!(format!("{ledgers:?}"), format!("{map:?}"));
    }
}
