//! What the page derives from a trace once per run: every message with its lineage and the marks
//! the topology draws (duplicate, redelivery, delay, failed publish, ghost), each document's
//! version history, and the timeline markers. Pure data over `trace::Event`s: no business rule is
//! re-implemented here, only looked up.

use exactly_once_core::ids::{AttemptId, MsgId, OrderId};
use exactly_once_core::invariants::{InvariantName, Report};
use exactly_once_core::scenario::Endpoint;
use exactly_once_core::trace::{Event, EventKind, FailOutcome};
use exactly_once_core::vec_map::VecMap;
use exactly_once_core::world::{CommitWhy, MsgRef};
use std::collections::BTreeMap;

/// Everything the trace says about one message id.
#[derive(Clone, Debug, PartialEq)]
pub struct MsgInfo {
    pub msg: MsgRef,
    /// Who sent it.
    pub from: Endpoint,
    pub to: Vec<Endpoint>,
    /// The first event that sent it.
    pub sent_at: u32,
    /// The incoming message whose handling sent it.
    pub parent: Option<MsgId>,
    /// Messages sent while handling it.
    pub children: Vec<MsgId>,
    /// Events that delivered one of its copies.
    pub deliveries: Vec<u32>,
    /// Events where chaos made one more copy.
    pub duplicated_at: Vec<u32>,
    /// Events where a copy's lease expired (a redelivery follows).
    pub lease_expired_at: Vec<u32>,
    /// A copy of it was held back (re-ordering).
    pub delayed: bool,
    /// Events where its publish failed or was dropped.
    pub failed_at: Vec<u32>,
    /// Events where it was sent again (a republish with the same id).
    pub resent_at: Vec<u32>,
}

/// One committed version of one document.
#[derive(Clone, Debug, PartialEq)]
pub struct Version {
    pub version: u32,
    pub event: u32,
    pub why: CommitWhy,
    /// The incoming message being handled when the version was written.
    pub caused_by: Option<MsgId>,
}

/// The kinds of timeline markers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerKind {
    Chaos,
    Violation,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    pub event: u32,
    pub kind: MarkerKind,
    pub label: String,
}

/// How many slots the scrubber's markers are bucketed into: one per percent of the run. Each is a
/// button in the page, and the bar is 140 px wide on a 1366x768 laptop, so finer slots only
/// stack glyphs on the same pixels while their elements slow the frame that shows a long run
/// (500 slots, all filled by the soak's chaos, made it a 70 ms frame).
pub const MARKER_SLOTS: u64 = 100;

/// The timeline's markers, one per slot at most (`(slot, marker)`, slot in `0..=MARKER_SLOTS`):
/// a long run has tens of thousands of chaos events, and a violation wins its slot over chaos.
/// Computed once per run, not on every frame.
pub fn marker_slots(markers: &[Marker], events: u32) -> Vec<(u64, Marker)> {
    let last = u64::from(events.saturating_sub(1));
    let mut slots: VecMap<u64, &Marker> = VecMap::new();
    for m in markers {
        let slot = (u64::from(m.event) * MARKER_SLOTS)
            .checked_div(last)
            .unwrap_or(0);
        let entry = slots.get_or_insert_with(slot, || m);
        if m.kind == MarkerKind::Violation && entry.kind != MarkerKind::Violation {
            *entry = m;
        }
    }
    slots.into_iter().map(|(k, m)| (k, m.clone())).collect()
}

/// Every message of a run by id. The infos are kept in order of first send and found through a
/// `BTreeMap<MsgId, u32>` of positions: a B-tree because a long run has tens of thousands of
/// messages whose random ids would land anywhere in a sorted vector, and of positions because the
/// core's inbox is the same map type, so the wasm holds one B-tree's code for both.
#[derive(Clone, Debug, Default)]
pub struct Messages {
    at: BTreeMap<MsgId, u32>,
    infos: Vec<MsgInfo>,
}

impl Messages {
    pub fn get(&self, id: &MsgId) -> Option<&MsgInfo> {
        self.at.get(id).map(|i| &self.infos[*i as usize])
    }
    pub fn get_mut(&mut self, id: &MsgId) -> Option<&mut MsgInfo> {
        self.at.get(id).map(|i| &mut self.infos[*i as usize])
    }
    pub fn contains_key(&self, id: &MsgId) -> bool {
        self.at.contains_key(id)
    }
    /// The info of `id`, made by `make` if the id is new.
    pub fn get_or_insert_with(
        &mut self,
        id: MsgId,
        make: impl FnOnce() -> MsgInfo,
    ) -> &mut MsgInfo {
        let next = self.infos.len() as u32;
        let i = *self.at.entry(id).or_insert(next) as usize;
        if i == self.infos.len() {
            self.infos.push(make());
        }
        &mut self.infos[i]
    }
    pub fn len(&self) -> usize {
        self.infos.len()
    }
    pub fn is_empty(&self) -> bool {
        self.infos.is_empty()
    }
    /// By id, as a `BTreeMap<MsgId, MsgInfo>` iterates.
    pub fn iter(&self) -> impl Iterator<Item = (&MsgId, &MsgInfo)> {
        self.at.iter().map(|(id, i)| (id, &self.infos[*i as usize]))
    }
    /// By id, as a `BTreeMap<MsgId, MsgInfo>` iterates.
    pub fn values(&self) -> impl Iterator<Item = &MsgInfo> {
        self.iter().map(|(_, m)| m)
    }
}

/// Equal when they hold the same infos by id, whatever the order they were added in (as two
/// `BTreeMap`s are).
impl PartialEq for Messages {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl std::ops::Index<&MsgId> for Messages {
    type Output = MsgInfo;
    /// Panics when the id is absent, as `BTreeMap`'s index does.
    fn index(&self, id: &MsgId) -> &MsgInfo {
        self.get(id).expect("no message with this id")
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraceIndex {
    pub messages: Messages,
    /// In order of first send.
    pub message_order: Vec<MsgId>,
    pub versions: VecMap<(Endpoint, OrderId), Vec<Version>>,
    pub markers: Vec<Marker>,
    /// Messages the NoGhostMessages verdict names, with the event from which they are ghosts.
    pub ghosts: VecMap<MsgId, u32>,
    /// The handler instance each attempt ran on (attempts are numbered in delivery order, so
    /// each one is appended).
    pub attempt_instance: VecMap<AttemptId, u32>,
}

/// A one-word description of a chaos event, for markers and the trace list.
pub fn chaos_label(kind: &EventKind) -> Option<&'static str> {
    Some(match kind {
        EventKind::Duplicated { .. } => "duplicate",
        EventKind::Dropped { .. } => "dropped",
        EventKind::PublishFailed { .. } => "publish failed",
        EventKind::PublishStalled { .. } => "publish hangs",
        EventKind::LeaseExpired { .. } => "lease expired",
        EventKind::CommitFailed { .. } => "commit failed",
        EventKind::Crashed { .. } => "crash",
        EventKind::Slowed { .. } => "slowed",
        EventKind::Hung { .. } => "hang",
        EventKind::AckFailed { .. } => "ack failed",
        EventKind::Conflict { .. } => "concurrency conflict",
        EventKind::Failed {
            outcome: FailOutcome::ErrorQueue,
            ..
        } => "to error queue",
        _ => return None,
    })
}

/// What happened, without the index, time, endpoint and attempt columns of the core's one-line
/// rendering (the views show those in their own places).
pub fn event_text(e: &Event) -> String {
    let bare = Event {
        index: 0,
        at_ms: 0,
        endpoint: Endpoint::Frontend,
        attempt: None,
        caused_by: None,
        key: None,
        kind: e.kind.clone(),
    };
    let line = bare.to_string();
    // The columns have a fixed width once index, time and attempt are zero or absent.
    let prefix = Event {
        kind: EventKind::RequestDone,
        ..bare
    }
    .to_string()
    .len()
        - "request done".len();
    line.get(prefix..).unwrap_or(&line).trim().to_string()
}

impl TraceIndex {
    pub fn build(events: &[Event], report: &Report) -> TraceIndex {
        let mut ix = TraceIndex::default();
        for e in events {
            ix.observe(e);
        }
        ix.conclude(report);
        ix
    }

    /// Takes one more event into account (the page indexes a long run slice by slice, while it
    /// is computed, so that no single task takes long).
    pub fn observe(&mut self, e: &Event) {
        let ix = self;
        match &e.kind {
            EventKind::Published {
                msg,
                to,
                delay_ms,
                parent,
            } => {
                if let Some(info) = ix.messages.get_mut(&msg.id) {
                    info.resent_at.push(e.index);
                    info.delayed |= *delay_ms > 0;
                } else {
                    ix.message_order.push(msg.id);
                    ix.messages.get_or_insert_with(msg.id, || MsgInfo {
                        msg: *msg,
                        from: e.endpoint,
                        to: to.iter().collect(),
                        sent_at: e.index,
                        parent: *parent,
                        children: Vec::new(),
                        deliveries: Vec::new(),
                        duplicated_at: Vec::new(),
                        lease_expired_at: Vec::new(),
                        delayed: *delay_ms > 0,
                        failed_at: Vec::new(),
                        resent_at: Vec::new(),
                    });
                    if let Some(p) = parent {
                        if let Some(pi) = ix.messages.get_mut(p) {
                            pi.children.push(msg.id);
                        }
                    }
                }
            }
            EventKind::Duplicated { msg, delay_ms, .. } => {
                if let Some(info) = ix.messages.get_mut(&msg.id) {
                    info.duplicated_at.push(e.index);
                    info.delayed |= *delay_ms > 0;
                }
            }
            EventKind::Delivered { msg, instance, .. } => {
                if let Some(a) = e.attempt {
                    ix.attempt_instance.insert(a, *instance);
                }
                if let Some(info) = ix.messages.get_mut(&msg.id) {
                    info.deliveries.push(e.index);
                }
            }
            EventKind::LeaseExpired { msg, .. } => {
                if let Some(info) = ix.messages.get_mut(&msg.id) {
                    info.lease_expired_at.push(e.index);
                }
            }
            EventKind::Dropped { msg }
            | EventKind::PublishFailed { msg, .. }
            | EventKind::PublishStalled { msg, .. } => {
                // A failed publish may be the first time the page hears of the message.
                let known = ix.messages.contains_key(&msg.id);
                let info = ix.messages.get_or_insert_with(msg.id, || MsgInfo {
                    msg: *msg,
                    from: e.endpoint,
                    to: Vec::new(),
                    sent_at: e.index,
                    parent: e.caused_by,
                    children: Vec::new(),
                    deliveries: Vec::new(),
                    duplicated_at: Vec::new(),
                    lease_expired_at: Vec::new(),
                    delayed: false,
                    failed_at: Vec::new(),
                    resent_at: Vec::new(),
                });
                info.failed_at.push(e.index);
                if !known {
                    ix.message_order.push(msg.id);
                }
            }
            EventKind::Committed {
                order,
                version,
                why,
            } => {
                ix.versions
                    .get_or_default((e.endpoint, *order))
                    .push(Version {
                        version: *version,
                        event: e.index,
                        why: *why,
                        caused_by: e.caused_by,
                    });
            }
            _ => {}
        }
        if let Some(label) = chaos_label(&e.kind) {
            ix.markers.push(Marker {
                event: e.index,
                kind: MarkerKind::Chaos,
                label: label.to_string(),
            });
        }
    }

    /// Adds what the verdict says: violation markers and the ghost messages.
    pub fn conclude(&mut self, report: &Report) {
        for (name, v) in &report.first_violation {
            self.markers.push(Marker {
                event: v.event,
                kind: MarkerKind::Violation,
                label: name.name().to_string(),
            });
            if *name == InvariantName::NoGhostMessages {
                for id in &v.messages {
                    self.ghosts.insert(*id, v.event);
                }
            }
        }
    }

    /// Whether `id` is a ghost by event `now` (the verdict has been reached).
    pub fn is_ghost(&self, id: MsgId, now: u32) -> bool {
        self.ghosts.get(&id).is_some_and(|at| *at <= now)
    }

    /// The marks to draw on a message glyph at event `now`.
    pub fn marks(&self, id: MsgId, now: u32) -> Marks {
        let Some(info) = self.messages.get(&id) else {
            return Marks::default();
        };
        Marks {
            duplicate: info.duplicated_at.iter().any(|e| *e <= now)
                || info.resent_at.iter().any(|e| *e <= now),
            redelivered: info.lease_expired_at.iter().any(|e| *e <= now),
            delayed: info.delayed,
            failed_publish: info.failed_at.iter().any(|e| *e <= now),
            ghost: self.is_ghost(id, now),
        }
    }
}

/// The visible marks of a message glyph.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    pub duplicate: bool,
    pub redelivered: bool,
    pub delayed: bool,
    pub failed_publish: bool,
    pub ghost: bool,
}

impl Marks {
    /// Short text badges: the marks must read without colour.
    pub fn badges(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.ghost {
            v.push("GHOST");
        }
        if self.duplicate {
            v.push("×2");
        }
        if self.redelivered {
            v.push("↻");
        }
        if self.delayed {
            v.push("late");
        }
        if self.failed_publish {
            v.push("✗");
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exactly_once_core::presets;

    #[test]
    fn the_ghost_of_c05_is_marked_from_its_verdict_on() {
        let p = presets::get("c05-before").expect("preset");
        let run = exactly_once_core::run_to_end(&p.scenario).expect("valid");
        let ix = TraceIndex::build(&run.events, &run.invariants);
        let v = &run.invariants.first_violation[&InvariantName::NoGhostMessages];
        let ghost = v.messages[0];
        assert!(!ix.is_ghost(ghost, v.event - 1));
        assert!(ix.is_ghost(ghost, v.event));
        let info = &ix.messages[&ghost];
        assert_eq!(info.from, Endpoint::Orders);
        assert_eq!(info.to, vec![Endpoint::Shipping]);
        // Lineage: the ghost was caused by the AddItem, which lists it among its effects.
        let parent = info.parent.expect("parent");
        assert!(ix.messages[&parent].children.contains(&ghost));
        assert!(ix
            .markers
            .iter()
            .any(|m| m.kind == MarkerKind::Chaos && m.label == "commit failed"));
        assert!(ix.marks(ghost, v.event).badges().contains(&"GHOST"));
    }

    #[test]
    fn markers_are_bucketed_and_violations_win() {
        let m = |event, kind| Marker {
            event,
            kind,
            label: String::new(),
        };
        let all = vec![
            m(1000, MarkerKind::Chaos),
            m(1001, MarkerKind::Violation),
            m(1002, MarkerKind::Chaos),
            m(90_000, MarkerKind::Chaos),
        ];
        let slots = marker_slots(&all, 100_001);
        assert_eq!(slots.len(), 2);
        assert_eq!(slots[0].1.kind, MarkerKind::Violation);
        assert_eq!(slots[1].0, 90);
        assert!(marker_slots(&all, 0).len() == 1);
        // A chaos event on every event of a long run still fills at most one button per slot,
        // the last event's included.
        let dense: Vec<Marker> = (0..100_001).map(|e| m(e, MarkerKind::Chaos)).collect();
        let slots = marker_slots(&dense, 100_001);
        assert_eq!(slots.len() as u64, MARKER_SLOTS + 1);
        assert_eq!(slots.last().map(|s| s.0), Some(MARKER_SLOTS));
    }

    #[test]
    fn event_text_drops_the_columns() {
        let p = presets::get("c05-before").expect("preset");
        let run = exactly_once_core::run_to_end(&p.scenario).expect("valid");
        let commit = run
            .events
            .iter()
            .find(|e| matches!(e.kind, EventKind::CommitFailed { .. }))
            .expect("a failed commit");
        assert_eq!(
            event_text(commit),
            "chaos: store of order-1 fails (database error)"
        );
    }

    #[test]
    fn c07_marks_the_delayed_duplicate() {
        let p = presets::get("c07-before").expect("preset");
        let run = exactly_once_core::run_to_end(&p.scenario).expect("valid");
        let ix = TraceIndex::build(&run.events, &run.invariants);
        let add = ix
            .messages
            .values()
            .find(|m| m.msg.kind == exactly_once_core::scenario::MsgKind::AddItem)
            .expect("an AddItem");
        assert!(add.delayed);
        assert!(!add.duplicated_at.is_empty());
        // Orders' document has a history of versions, each made by a message.
        let hist = &ix.versions[&(Endpoint::Orders, OrderId(1))];
        assert!(hist.len() >= 3);
        assert!(hist.windows(2).all(|w| w[0].version < w[1].version));
    }
}
