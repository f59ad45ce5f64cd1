//! The Frontend: the user's script. Console commands are fire-and-forget sends; the importer
//! re-runs a failed pass later with new messages; the shopping cart is written synchronously and
//! its Submit runs one of the submit flows of the sync-async boundary (N-01…N-08, C-14), either
//! inside the user's request or in the SendSubmitOrder handler behind `SendLocal`.

use crate::handler::Next;
use crate::ids::{AttemptId, OrderId, TokenId};
use crate::scenario::{Action, Endpoint, Filling, MsgKind, SubmitFlow};
use crate::store::Doc;
use crate::trace::{Event, EventKind, Outcome};
use crate::world::{Attempt, CommitWhy, Intent, Message, Op, Request, World};

impl World {
    pub(crate) fn start_request(&mut self, step: u32, pass: u32, events: &mut Vec<Event>) {
        if pass == 0 {
            self.next_script = step + 1;
        } else {
            self.pending_requests
                .retain(|(_, r)| !(r.step == step && r.pass == pass));
        }
        let sc = &self.cfg.0.scenario;
        let Some(action) = sc.script.get(step as usize).map(|s| s.action.clone()) else {
            return;
        };
        let via_local = sc.frontend.submit_via_send_local;
        let orders_tokens = |k: MsgKind| {
            sc.handler(Endpoint::Orders, k)
                .is_some_and(|h| h.consistency.uses_tokens())
        };
        let (t_submit, t_add, t_remove) = (
            orders_tokens(MsgKind::SubmitOrder),
            orders_tokens(MsgKind::AddItem),
            orders_tokens(MsgKind::RemoveItem),
        );
        let submit_step = *self.cfg.0.submit_step.get(&action.order()).unwrap_or(&step);
        let id = AttemptId(self.next_attempt);
        self.next_attempt += 1;
        let mut outs = Vec::new();
        let mut key = None;
        let (kind, plan): (MsgKind, Vec<Op>) = match action {
            Action::SubmitOrder { order } => {
                outs.push(self.command(MsgKind::SubmitOrder, order, None, step, t_submit));
                (MsgKind::SubmitOrder, vec![Op::Publish(0), Op::Finish])
            }
            Action::AddItem { order, filling } => {
                outs.push(self.command(MsgKind::AddItem, order, Some(filling), step, t_add));
                (MsgKind::AddItem, vec![Op::Publish(0), Op::Finish])
            }
            Action::RemoveItem { order, filling } => {
                outs.push(self.command(MsgKind::RemoveItem, order, Some(filling), step, t_remove));
                (MsgKind::RemoveItem, vec![Op::Publish(0), Op::Finish])
            }
            Action::Import { order, filling } => {
                outs.push(self.command(MsgKind::SubmitOrder, order, None, step, t_submit));
                outs.push(self.command(MsgKind::AddItem, order, Some(filling), step, t_add));
                (
                    MsgKind::AddItem,
                    vec![Op::Publish(0), Op::Publish(1), Op::DeleteRecord, Op::Finish],
                )
            }
            Action::CartAdd { .. } => (MsgKind::AddItem, vec![Op::Load, Op::Logic]),
            Action::CartRemove { .. } => (MsgKind::RemoveItem, vec![Op::Load, Op::Logic]),
            Action::Submit { cart } => {
                if via_local {
                    outs.push(self.command(
                        MsgKind::SendSubmitOrder,
                        cart,
                        None,
                        submit_step,
                        false,
                    ));
                    // The request itself is a click, not the SendSubmitOrder handler: rules that
                    // target SendSubmitOrder steps must not match it.
                    (MsgKind::SubmitOrder, vec![Op::Publish(0), Op::Finish])
                } else {
                    key = Some((
                        Endpoint::Frontend,
                        Intent {
                            step: submit_step,
                            kind: MsgKind::SubmitOrder,
                        },
                    ));
                    (MsgKind::SubmitOrder, vec![Op::Load, Op::Logic])
                }
            }
        };
        let intent_step = if matches!(action, Action::Submit { .. }) {
            submit_step
        } else {
            step
        };
        let msg = Message {
            id: self.fresh_id(),
            kind,
            order: action.order(),
            filling: action.filling(),
            items: Vec::new(),
            token: None,
            intent: Intent {
                step: intent_step,
                kind,
            },
            cause: None,
            parent: None,
        };
        if let Some(k) = key {
            // A resubmission reopens the logical submit: it is in progress again until it ends.
            self.ledger(k).finished = false;
        }
        let mut ev = self.event(Endpoint::Frontend, EventKind::RequestStarted { step, pass });
        ev.attempt = Some(id);
        events.push(ev);
        let mut a = Attempt {
            id,
            endpoint: Endpoint::Frontend,
            instance: 0,
            copy: None,
            request: Some(Request { step, pass }),
            doc_key: msg.order,
            msg,
            plan: Vec::new(),
            ready_at_ms: self.now_ms,
            key,
            doc: None,
            version: None,
            outs,
            intended: Vec::new(),
            changed: false,
            tx: None,
            mark: None,
            token_version: None,
            new_order: None,
        };
        a.then(&plan);
        // Tokens the Frontend created for its commands (the boundary issues the first token).
        let tokens: Vec<TokenId> = a.outs.iter().filter_map(|m| m.token).collect();
        for m in &a.outs {
            if let Some(t) = m.token {
                for e in self.destinations(m.kind).iter() {
                    self.tokens.tokens.insert((t, e), 1);
                }
            }
        }
        if !tokens.is_empty() {
            let mut ev = self.event(
                Endpoint::Frontend,
                EventKind::TokensCreated {
                    tokens: tokens.clone(),
                },
            );
            ev.attempt = Some(id);
            events.push(ev);
        }
        self.attempts.push(Box::new(a));
    }

    /// A console command with a fresh id (and a token, when its handler deduplicates by token).
    pub(crate) fn command(
        &mut self,
        kind: MsgKind,
        order: OrderId,
        filling: Option<Filling>,
        step: u32,
        with_token: bool,
    ) -> Message {
        let id = self.fresh_id();
        let token = if with_token {
            Some(TokenId(self.fresh_u64()))
        } else {
            None
        };
        Message {
            id,
            kind,
            order,
            filling,
            items: Vec::new(),
            token,
            intent: Intent { step, kind },
            cause: None,
            parent: None,
        }
    }

    /// Cart writes and the Submit flows of the sync-async boundary (N-01…N-08).
    pub(crate) fn frontend_logic(&mut self, a: &mut Attempt, events: &mut Vec<Event>) -> Next {
        let end = if a.copy.is_some() {
            Op::Ack
        } else {
            Op::Finish
        };
        let f = a.msg.filling;
        if a.request.is_some() && matches!(a.msg.kind, MsgKind::AddItem | MsgKind::RemoveItem) {
            {
                let d = a.doc.get_or_insert_with(Doc::default);
                let Some(f) = f else { return Next::Done };
                let changed = if a.msg.kind == MsgKind::AddItem {
                    if d.lines.contains(&f) {
                        false
                    } else {
                        d.lines.push(f);
                        true
                    }
                } else if let Some(p) = d.lines.iter().position(|x| *x == f) {
                    d.lines.remove(p);
                    true
                } else {
                    false
                };
                // A cart that was accepted or submitted must not change: the message content
                // would differ between sends (N-07).
                if d.accepted || d.submitted {
                    events.push(
                        self.decided(a, Outcome::Rejected("cart already accepted or submitted")),
                    );
                    a.then(&[end]);
                } else if changed {
                    events.push(self.decided(a, Outcome::Applied));
                    a.then(&[Op::Commit(CommitWhy::Unversioned), end]);
                } else {
                    events.push(self.decided(a, Outcome::NoOp("set semantics: nothing to change")));
                    a.then(&[end]);
                }
                return Next::Continue;
            }
        }
        let flow = self.cfg.0.scenario.frontend.submit_flow;
        let cart = a.doc.clone().unwrap_or_default();
        let ids = self.cfg.0.scenario.frontend.send_submit_order.outgoing_ids;
        let reject = |w: &World, a: &Attempt, events: &mut Vec<Event>| {
            let outcome = if a.copy.is_some() {
                Outcome::Duplicate("cart already submitted: logged and ignored")
            } else {
                Outcome::Rejected("cart already submitted")
            };
            events.push(w.decided(a, outcome));
        };
        match flow {
            SubmitFlow::CreateOrderDirectly
            | SubmitFlow::FlagWithoutConcurrencyControl
            | SubmitFlow::FlagWithOptimisticConcurrency => {
                if flow != SubmitFlow::CreateOrderDirectly && cart.submitted {
                    reject(self, a, events);
                    a.then(&[end]);
                    return Next::Continue;
                }
                let order_id = self.fresh_order_id();
                let order = Doc {
                    lines: cart.lines.clone(),
                    cart: Some(a.msg.order),
                    ..Doc::default()
                };
                a.new_order = Some((order_id, order));
                a.changed = true;
                events.push(self.decided(a, Outcome::Applied));
                let why = match flow {
                    SubmitFlow::CreateOrderDirectly => CommitWhy::OrderOnly,
                    SubmitFlow::FlagWithoutConcurrencyControl => {
                        if let Some(d) = a.doc.as_mut() {
                            d.submitted = true;
                        }
                        CommitWhy::Unversioned
                    }
                    _ => {
                        if let Some(d) = a.doc.as_mut() {
                            d.submitted = true;
                        }
                        CommitWhy::Business
                    }
                };
                a.then(&[Op::Commit(why), end]);
            }
            SubmitFlow::SaveThenSend
            | SubmitFlow::SendThenSave
            | SubmitFlow::AcceptedThenSend
            | SubmitFlow::SubmitOnce => {
                if cart.submitted {
                    reject(self, a, events);
                    a.then(&[end]);
                    return Next::Continue;
                }
                if a.doc.is_none() {
                    a.doc = Some(Doc::default());
                }
                a.outs = self.build_outs(a, ids);
                a.intended = a.outs.iter().map(Message::content).collect();
                a.changed = true;
                events.push(self.decided(a, Outcome::Applied));
                match flow {
                    SubmitFlow::SaveThenSend => {
                        if let Some(d) = a.doc.as_mut() {
                            d.submitted = true;
                        }
                        a.then(&[Op::Commit(CommitWhy::Business), Op::Publish(0), end]);
                    }
                    SubmitFlow::SendThenSave => {
                        if let Some(d) = a.doc.as_mut() {
                            d.submitted = true;
                        }
                        a.then(&[Op::Publish(0), Op::Commit(CommitWhy::Business), end]);
                    }
                    _ => {
                        if cart.accepted {
                            a.changed = false;
                            a.then(&[Op::Publish(0), Op::Commit(CommitWhy::MarkSubmitted), end]);
                        } else {
                            if let Some(d) = a.doc.as_mut() {
                                d.accepted = true;
                            }
                            a.then(&[
                                Op::Commit(CommitWhy::Business),
                                Op::Publish(0),
                                Op::Commit(CommitWhy::MarkSubmitted),
                                end,
                            ]);
                        }
                    }
                }
            }
        }
        Next::Continue
    }

    /// A new order id for `Guid.NewGuid()` orders: above every id a script may use.
    pub(crate) fn fresh_order_id(&mut self) -> OrderId {
        let n = u32::try_from(self.fresh_u64()).unwrap_or(u32::MAX);
        OrderId(crate::scenario::MAX_ORDER_ID.saturating_add(n))
    }
}
