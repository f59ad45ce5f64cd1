//! The broker: a queue per endpoint, publish/subscribe routing, at-least-once delivery with a
//! lease (a copy not acked in time becomes visible again, even while its first attempt still
//! runs), delayed copies, and the passage of virtual time that makes them visible.

use crate::ids::{AttemptId, CopyId};
use crate::scenario::{Endpoint, EndpointSet, MsgKind};
use crate::trace::{Event, EventKind, Halt};
use crate::world::{Attempt, Copy, CopyState, Message, Op, World};

impl World {
    pub(crate) fn advance_time(&mut self, to_ms: u64, events: &mut Vec<Event>) {
        if to_ms > self.cfg.0.scenario.limits.max_time_ms {
            self.now_ms = self.cfg.0.scenario.limits.max_time_ms;
            self.halt(Halt::MaxTime, events);
            return;
        }
        self.now_ms = to_ms;
        events.push(self.event(Endpoint::Frontend, EventKind::TimeAdvanced { to_ms }));
        for e in Endpoint::ALL {
            for i in 0..self.queues[e.index()].len() {
                let c = &mut self.queues[e.index()][i];
                match c.state {
                    CopyState::Leased { until_ms } if until_ms <= to_ms => {
                        c.state = CopyState::Ready;
                        let (copy, msg) = (c.id, c.msg.reference());
                        events.push(self.event(e, EventKind::LeaseExpired { copy, msg }));
                    }
                    CopyState::Delayed { until_ms } if until_ms <= to_ms => {
                        c.state = CopyState::Ready;
                        let (copy, msg) = (c.id, c.msg.reference());
                        events.push(self.event(e, EventKind::Arrived { copy, msg }));
                    }
                    _ => {}
                }
            }
        }
    }

    pub(crate) fn deliver(&mut self, endpoint: Endpoint, copy: CopyId, events: &mut Vec<Event>) {
        let Some((concurrency, lease_ms)) = self
            .cfg
            .0
            .scenario
            .endpoint_settings(endpoint)
            .map(|s| (s.concurrency, s.lease_ms))
        else {
            return;
        };
        let Some(ci) = self.queues[endpoint.index()]
            .iter()
            .position(|c| c.id == copy)
        else {
            return;
        };
        let busy = self.busy_instances(endpoint);
        let instance = (0..concurrency).find(|i| !busy.contains(i)).unwrap_or(0);
        let id = AttemptId(self.next_attempt);
        self.next_attempt += 1;
        let c = &mut self.queues[endpoint.index()][ci];
        c.state = CopyState::Leased {
            until_ms: self.now_ms.saturating_add(lease_ms),
        };
        c.holder = Some(id);
        c.deliveries += 1;
        let msg = c.msg.clone();
        let delivery = c.deliveries;
        let mut ev = self.event(
            endpoint,
            EventKind::Delivered {
                copy,
                msg: msg.reference(),
                instance,
                delivery,
            },
        );
        ev.attempt = Some(id);
        ev.caused_by = Some(msg.id);
        events.push(ev);
        let key = Some((endpoint, msg.intent));
        self.attempts.push(Box::new(Attempt {
            id,
            endpoint,
            instance,
            copy: Some(copy),
            request: None,
            doc_key: msg.order,
            msg,
            plan: vec![Op::Load],
            ready_at_ms: self.now_ms,
            key,
            doc: None,
            version: None,
            outs: Vec::new(),
            intended: Vec::new(),
            changed: false,
            tx: None,
            mark: None,
            token_version: None,
            new_order: None,
        }));
    }

    /// Puts a message into the queues it is routed to. Returns the endpoints it went to.
    pub(crate) fn route(&mut self, msg: &Message, delay_ms: u64) -> EndpointSet {
        let to = self.destinations(msg.kind);
        for e in to.iter() {
            let id = CopyId(self.next_copy);
            self.next_copy += 1;
            let state = if delay_ms == 0 {
                CopyState::Ready
            } else {
                CopyState::Delayed {
                    until_ms: self.now_ms.saturating_add(delay_ms),
                }
            };
            self.queues[e.index()].push(Copy {
                id,
                msg: msg.clone(),
                state,
                holder: None,
                failures: 0,
                deliveries: 0,
            });
        }
        to
    }

    /// Where a message of this kind goes: commands to their handler, events to the deployed
    /// subscribers.
    pub(crate) fn destinations(&self, kind: MsgKind) -> EndpointSet {
        let mut to = EndpointSet::default();
        match kind {
            MsgKind::SubmitOrder | MsgKind::AddItem | MsgKind::RemoveItem => {
                to.insert(Endpoint::Orders)
            }
            MsgKind::SendSubmitOrder => to.insert(Endpoint::Frontend),
            MsgKind::ItemAdded | MsgKind::ItemRemoved => {
                if self.is_deployed(Endpoint::Shipping) {
                    to.insert(Endpoint::Shipping);
                }
                if self.is_deployed(Endpoint::Marketing) {
                    to.insert(Endpoint::Marketing);
                }
            }
            MsgKind::FirstItemAdded => {
                if self.is_deployed(Endpoint::Marketing) {
                    to.insert(Endpoint::Marketing);
                }
            }
        }
        to
    }
}
