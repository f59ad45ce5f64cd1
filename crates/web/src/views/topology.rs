//! The topology view: Frontend, each endpoint's queue, handler instances and store, the error
//! queue and the publish/subscribe links, with the current event's message moving along its edge.
//! Resting state comes from the core's `World` at the playhead; only the motion is derived here.

use crate::anim::{along, Card, Layout, Point, VIEW_H, VIEW_W};
use crate::compute::Computed;
use crate::model::Marks;
use crate::state::{Selection, UiAction, UiState};
use crate::views::glyph::{fmt, glyph, long_label, GlyphOpts};
use crate::views::{seconds, Dispatch};
use exactly_once_core::ids::MsgId;
use exactly_once_core::scenario::{Endpoint, MsgKind};
use exactly_once_core::trace::{Event, EventKind, FailOutcome};
use exactly_once_core::world::{CopyState, MsgRef, Op};
use exactly_once_core::World;
use yew::prelude::*;

fn layout_for(world: &World) -> Layout {
    let sc = world.scenario();
    let mut conc = [None; 4];
    for e in Endpoint::ALL {
        conc[e.index()] = sc.endpoint_settings(e).map(|s| s.concurrency);
    }
    Layout::new(conc)
}

/// The next step of an attempt, in the workshop's words.
pub fn op_name(op: &Op) -> String {
    match op {
        Op::Commit(_) => "commit".into(),
        Op::Publish(_) => "publish".into(),
        Op::Finish => "finish".into(),
        Op::Fail(_) => "fail".into(),
        Op::Ack => "ack".into(),
        other => other
            .step_name()
            .map_or_else(|| format!("{other:?}"), |s| s.name().replace('_', " ")),
    }
}

fn select(d: &Dispatch, sel: Selection) -> Callback<MouseEvent> {
    let d = d.clone();
    Callback::from(move |e: MouseEvent| {
        e.stop_propagation();
        d.dispatch(UiAction::Select(Some(sel)));
    })
}

struct Ctx<'a> {
    s: &'a UiState,
    run: &'a Computed,
    world: &'a World,
    layout: Layout,
    d: &'a Dispatch,
    now: u32,
}

impl Ctx<'_> {
    fn marks(&self, id: MsgId) -> Marks {
        self.run.index.marks(id, self.now)
    }
    fn hl(&self, id: MsgId) -> bool {
        self.s.highlight.contains(&id) || self.s.selection == Some(Selection::Message(id))
    }
    fn opts(&self, id: MsgId, r: f64) -> GlyphOpts<'_> {
        GlyphOpts {
            r,
            marks: self.marks(id),
            highlighted: self.hl(id),
            dim: false,
            label: None,
            d: self.d,
        }
    }
    /// Where the attempt of an event runs.
    fn instance_point(&self, e: &Event) -> Option<Point> {
        let card = self.layout.card(e.endpoint)?;
        if e.endpoint == Endpoint::Frontend {
            return Some(card.out_port());
        }
        let i = e
            .attempt
            .and_then(|a| self.run.index.attempt_instance.get(&a).copied())
            .unwrap_or(0);
        Some(card.instance(i))
    }
}

/// The message glyphs moving for the current event, with their start and end.
fn motions(c: &Ctx, e: &Event) -> Vec<(MsgRef, Point, Point, Option<String>, f64)> {
    let mut v = Vec::new();
    let from = c.instance_point(e);
    let queue_entry = |to: Endpoint| c.layout.card(to).map(Card::queue_entry);
    match &e.kind {
        EventKind::Published { msg, to, .. } | EventKind::Duplicated { msg, to, .. } => {
            for t in to.iter() {
                if let (Some(a), Some(b)) = (from, queue_entry(t)) {
                    v.push((*msg, a, b, Some(long_label(msg)), 1.0));
                }
            }
        }
        EventKind::PublishFailed { msg, .. }
        | EventKind::Dropped { msg }
        | EventKind::PublishStalled { msg, .. } => {
            let to = c
                .run
                .index
                .messages
                .get(&msg.id)
                .and_then(|m| m.to.first().copied())
                .or(match msg.kind {
                    MsgKind::ItemAdded | MsgKind::ItemRemoved => Some(Endpoint::Shipping),
                    MsgKind::FirstItemAdded => Some(Endpoint::Marketing),
                    _ => Some(Endpoint::Orders),
                });
            if let (Some(a), Some(b)) = (from, to.and_then(queue_entry)) {
                // It never gets there: the glyph stops half way.
                v.push((*msg, a, b, Some(format!("{} ✗", long_label(msg))), 0.5));
            }
        }
        EventKind::Delivered { msg, instance, .. } => {
            if let Some(card) = c.layout.card(e.endpoint) {
                v.push((
                    *msg,
                    card.queue_slot(0),
                    card.instance(*instance),
                    Some(long_label(msg)),
                    1.0,
                ));
            }
        }
        EventKind::LeaseExpired { msg, .. } => {
            if let (Some(card), Some(a)) = (c.layout.card(e.endpoint), from) {
                v.push((
                    *msg,
                    a,
                    card.queue_entry(),
                    Some("lease expired ↻".into()),
                    1.0,
                ));
            }
        }
        EventKind::Failed {
            outcome: FailOutcome::ErrorQueue,
            ..
        } => {
            let msg = e
                .caused_by
                .and_then(|id| c.run.index.messages.get(&id))
                .map(|m| m.msg);
            if let (Some(msg), Some(a)) = (msg, from) {
                let n = c.world.error_queue.len().saturating_sub(1);
                v.push((
                    msg,
                    a,
                    c.layout.error_slot(n),
                    Some("to the error queue".into()),
                    1.0,
                ));
            }
        }
        _ => {}
    }
    v
}

/// A short caption for store and instance events that move no message.
fn flash(c: &Ctx, e: &Event) -> Option<(Point, String, &'static str)> {
    let card = c.layout.card(e.endpoint)?;
    let at = c.instance_point(e)?;
    Some(match &e.kind {
        EventKind::Committed { order, version, .. } => (
            card.store_port(),
            format!("commit {order} v{version}"),
            "ok",
        ),
        EventKind::CommitFailed { order } => (
            card.store_port(),
            format!("✗ store of {order} fails"),
            "bad",
        ),
        EventKind::Conflict { order, .. } => {
            (card.store_port(), format!("✗ conflict on {order}"), "bad")
        }
        EventKind::Loaded { order, version } => (
            card.store_port(),
            format!(
                "load {order} {}",
                version.map_or("(none)".into(), |v| format!("v{v}"))
            ),
            "info",
        ),
        EventKind::Acked { .. } => (at, "✓ ack".into(), "ok"),
        EventKind::AckFailed { .. } => (at, "✗ ack failed".into(), "bad"),
        EventKind::Crashed { after } => (at, format!("✗ CRASH after {}", after.name()), "bad"),
        EventKind::Hung { delay_ms, .. } => (at, format!("hangs {delay_ms} ms"), "bad"),
        EventKind::Slowed { delay_ms, .. } => (at, format!("paused {delay_ms} ms"), "info"),
        EventKind::Decided { .. } => (at, "logic".into(), "info"),
        EventKind::Failed { error, .. } => (at, format!("✗ {}", error.name()), "bad"),
        EventKind::InboxChecked { processed } => (
            card.store_port(),
            format!("inbox: {}", if *processed { "processed" } else { "new" }),
            "info",
        ),
        EventKind::InboxMarked { .. } => (card.store_port(), "inbox: mark".into(), "info"),
        EventKind::OutboxStaged { tx } => (
            card.store_port(),
            format!("outbox: stage tx{}", tx.0),
            "info",
        ),
        EventKind::TokenChecked { exists, .. } => (
            at,
            if *exists {
                "token ok".into()
            } else {
                "✗ token gone: duplicate".into()
            },
            if *exists { "info" } else { "bad" },
        ),
        _ => return None,
    })
}

fn card_view(c: &Ctx, card: &Card) -> Html {
    let e = card.endpoint;
    let w = c.world;
    let now_ms = w.now_ms;
    let sc = w.scenario();
    let f = card.frame;
    // Queue: copies in broker order; the head (next to deliver) on the right.
    let copies = &w.queues[e.index()];
    let cap = card.queue_capacity();
    let queue_glyphs: Html = copies
        .iter()
        .take(cap)
        .enumerate()
        .map(|(i, copy)| {
            let mut o = c.opts(copy.msg.id, 9.0);
            let extra = match copy.state {
                CopyState::Leased { until_ms } => {
                    o.dim = true;
                    format!("leased, {} ms left", until_ms.saturating_sub(now_ms))
                }
                CopyState::Delayed { until_ms } => {
                    o.marks.delayed = true;
                    format!("delayed, visible in {} ms", until_ms.saturating_sub(now_ms))
                }
                CopyState::Ready => "ready".to_string(),
            };
            if copy.deliveries > 1 {
                o.marks.redelivered = true;
            }
            html! { <g key={copy.id.0} class="copy"><title>{ extra }</title>{ glyph(&copy.msg.reference(), card.queue_slot(i), o) }</g> }
        })
        .collect();
    let overflow = copies.len().saturating_sub(cap);
    let queue_label = match e {
        Endpoint::Frontend if !sc.frontend.submit_via_send_local => {
            "no queue (requests)".to_string()
        }
        _ => format!("queue · {}", copies.len()),
    };
    // Instances.
    let attempts: Vec<_> = w.attempts.iter().filter(|a| a.endpoint == e).collect();
    let instances: Html = if e == Endpoint::Frontend {
        attempts
            .iter()
            .take(3)
            .enumerate()
            .map(|(i, a)| {
                let next = a.plan.last().map(op_name).unwrap_or_default();
                let text = match a.request {
                    Some(r) => format!("script step {} · next: {next}", r.step),
                    None => format!("{} · next: {next}", a.msg.kind),
                };
                html! {
                    <text class="req" x={fmt(card.instances.x + 8.0)} y={fmt(card.instances.y + 22.0 + i as f64 * 20.0)}>{ text }</text>
                }
            })
            .collect()
    } else {
        let r = card.instance_radius();
        (0..card.instances_drawn)
            .map(|i| {
                let p = card.instance(i);
                let a = attempts.iter().find(|a| a.instance == i && a.copy.is_some());
                let busy = a.is_some();
                let step = a
                    .and_then(|a| a.plan.last())
                    .map_or_else(|| "idle".to_string(), op_name);
                let msg = a.map(|a| a.msg.reference());
                html! {
                    <g key={i} class={classes!("instance", busy.then_some("busy"))} onclick={select(c.d, Selection::Instance(e, i))}>
                        <title>{ format!("{e} instance {i}: {}", if busy { format!("next step {step}") } else { "idle".into() }) }</title>
                        <circle cx={fmt(p.x)} cy={fmt(p.y)} r={fmt(r)} />
                        if let Some(m) = msg {
                            { glyph(&m, p, c.opts(m.id, (r * 0.5).min(12.0))) }
                        }
                        // Neighbours' labels alternate between two rows so that they never overlap.
                        <text class={classes!("step", (card.instances_drawn > 4).then_some("small"))} x={fmt(p.x)}
                            y={fmt(p.y + r + 13.0 + if card.instances_drawn > 4 && i % 2 == 1 { 12.0 } else { 0.0 })}>{ step }</text>
                    </g>
                }
            })
            .collect()
    };
    let more_instances = sc
        .endpoint_settings(e)
        .map_or(0, |s| s.concurrency.saturating_sub(card.instances_drawn));
    // Store: documents with their versions.
    let store = &w.stores[e.index()];
    let flashing = c
        .run
        .events
        .get(c.now as usize)
        .and_then(|ev| match ev.kind {
            EventKind::Committed { order, .. } if ev.endpoint == e => Some(order),
            _ => None,
        });
    let max_docs = ((card.store.h - 40.0) / 20.0).max(1.0) as usize;
    let docs: Html = store
        .docs
        .iter()
        .take(max_docs)
        .enumerate()
        .map(|(i, (order, stored))| {
            let doc = &stored.doc;
            let mut value = if e == Endpoint::Marketing {
                format!(
                    "added {} · removed {} · first {}",
                    doc.counts[0], doc.counts[1], doc.counts[2]
                )
            } else if doc.lines.is_empty() {
                "(no lines)".to_string()
            } else {
                doc.lines
                    .iter()
                    .map(|l| format!("{l:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if doc.submitted {
                value.push_str(" · submitted");
            }
            let pending = doc.outgoing.len()
                + doc
                    .outbox
                    .iter()
                    .filter(|o| o.messages.is_some())
                    .count();
            if pending > 0 {
                value.push_str(&format!(" · outbox {pending}"));
            }
            let y = card.store.y + 36.0 + i as f64 * 20.0;
            let sel = Selection::Document(e, *order);
            html! {
                <g key={order.0} class={classes!("doc", (flashing == Some(*order)).then_some("flash"), (c.s.selection == Some(sel)).then_some("selected"))} onclick={select(c.d, sel)}>
                    <title>{ format!("{order} version {}: {value}", stored.version) }</title>
                    <rect x={fmt(card.store.x + 6.0)} y={fmt(y - 14.0)} width={fmt(card.store.w - 12.0)} height="18" rx="3" />
                    <text x={fmt(card.store.x + 12.0)} y={fmt(y)}>
                        <tspan class="doc-key">{ format!("{order} ") }</tspan>
                        <tspan class="doc-ver">{ format!("v{} ", stored.version) }</tspan>
                        { value }
                    </text>
                </g>
            }
        })
        .collect();
    let mut extras = Vec::new();
    if !store.inbox.is_empty() {
        extras.push(format!("inbox {}", store.inbox.len()));
    }
    if !store.outbox.is_empty() {
        extras.push(format!("outbox docs {}", store.outbox.len()));
    }
    let store_title = if extras.is_empty() {
        "store".to_string()
    } else {
        format!("store · {}", extras.join(" · "))
    };
    html! {
        <g class="card" key={e.name()} data-endpoint={e.name()}>
            <rect class="frame" x={fmt(f.x)} y={fmt(f.y)} width={fmt(f.w)} height={fmt(f.h)} rx="8" />
            <text class="card-title" x={fmt(f.x + 12.0)} y={fmt(f.y + 24.0)}>{ e.name() }</text>
            <g class="queue-box" onclick={select(c.d, Selection::Queue(e))}>
                <rect x={fmt(card.queue.x)} y={fmt(card.queue.y)} width={fmt(card.queue.w)} height={fmt(card.queue.h)} rx="4" />
                <text class="box-label" x={fmt(card.queue.x + 6.0)} y={fmt(card.queue.y + 13.0)}>{ queue_label }</text>
                if overflow > 0 {
                    <text class="box-label" x={fmt(card.queue.x + 6.0)} y={fmt(card.queue.y + 50.0)}>{ format!("+{overflow}") }</text>
                }
            </g>
            { queue_glyphs }
            <text class="box-label" x={fmt(card.instances.x + 6.0)} y={fmt(card.instances.y + 4.0)}>
                { if e == Endpoint::Frontend { "requests".to_string() } else if more_instances > 0 { format!("handler instances (+{more_instances} more)") } else { "handler instances".to_string() } }
            </text>
            { instances }
            <g class="store-box" onclick={select(c.d, Selection::Stores(e))}>
                <rect x={fmt(card.store.x)} y={fmt(card.store.y)} width={fmt(card.store.w)} height={fmt(card.store.h)} rx="4" />
                <text class="box-label" x={fmt(card.store.x + 6.0)} y={fmt(card.store.y + 14.0)}>{ store_title }</text>
            </g>
            { docs }
            if store.docs.len() > max_docs {
                <text class="box-label" x={fmt(card.store.x + 6.0)} y={fmt(card.store.y + card.store.h - 6.0)}>{ format!("+{} more documents", store.docs.len() - max_docs) }</text>
            }
        </g>
    }
}

/// An edge with its message types stacked above the middle, one per line, so that the labels fit
/// the narrow gaps between cards.
fn edge(a: Point, b: Point, label: &str, class: &'static str) -> Html {
    let lines: Vec<&str> = label.split(" · ").filter(|l| !l.is_empty()).collect();
    let mid_x = (a.x + b.x) / 2.0;
    let top = (a.y + b.y) / 2.0 - 10.0 - 15.0 * lines.len() as f64;
    html! {
        <g class={classes!("edge", class)}>
            <line x1={fmt(a.x)} y1={fmt(a.y)} x2={fmt(b.x)} y2={fmt(b.y)} marker-end="url(#arrow)" />
            { for lines.iter().enumerate().map(|(i, l)| html! {
                <text x={fmt(mid_x)} y={fmt(top + 15.0 * (i as f64 + 1.0))}>{ l.to_string() }</text>
            }) }
        </g>
    }
}

pub fn topology(s: &UiState, d: &Dispatch) -> Html {
    let (Some(run), Some(world)) = (&s.run, s.world_ref()) else {
        return html! { <div class="stage-empty">{ "Computing the run…" }</div> };
    };
    let world = &*world;
    let c = Ctx {
        s,
        run,
        world,
        layout: layout_for(world),
        d,
        now: s.cursor,
    };
    let sc = world.scenario();
    let orders = c.layout.card(Endpoint::Orders).copied();
    let mut edges = Vec::new();
    if let (Some(fe), Some(o)) = (c.layout.card(Endpoint::Frontend), orders) {
        edges.push(edge(
            fe.out_port(),
            o.queue_entry(),
            "send · SubmitOrder · AddItem · RemoveItem",
            "send",
        ));
    }
    if let Some(o) = orders {
        for (e, label) in [
            (Endpoint::Shipping, "publish · ItemAdded · ItemRemoved"),
            (
                Endpoint::Marketing,
                "publish · ItemAdded · ItemRemoved · FirstItemAdded",
            ),
        ] {
            if let Some(sub) = c.layout.card(e) {
                edges.push(edge(o.out_port(), sub.queue_entry(), label, "pubsub"));
            }
        }
        let eq = c.layout.error_queue;
        edges.push(edge(
            Point {
                x: o.frame.x + o.frame.w / 2.0,
                y: o.frame.y + o.frame.h,
            },
            Point {
                x: eq.x + eq.w / 2.0,
                y: eq.y + 4.0,
            },
            "",
            "to-error",
        ));
    }
    let cards: Html = c
        .layout
        .cards
        .iter()
        .map(|card| card_view(&c, card))
        .collect();
    // Error queue.
    let eq = c.layout.error_queue;
    let error_glyphs: Html = world
        .error_queue
        .iter()
        .take(12)
        .enumerate()
        .map(|(i, (_, m))| glyph(m, c.layout.error_slot(i), c.opts(m.id, 9.0)))
        .collect();
    let tokens_used = [
        &sc.orders.add_item,
        &sc.orders.remove_item,
        &sc.orders.submit_order,
    ]
    .iter()
    .any(|h| h.consistency.uses_tokens());
    let tk = c.layout.tokens;
    // The current event's motion.
    let ev = run.events.get(s.cursor as usize);
    let moving: Html = match ev {
        Some(e) if s.progress < 1.0 => motions(&c, e)
            .into_iter()
            .map(|(m, a, b, label, reach)| {
                let p = along(a, b, s.progress * reach);
                let mut o = c.opts(m.id, 12.0);
                o.label = label;
                html! { <g class="moving">{ glyph(&m, p, o) }</g> }
            })
            .collect(),
        _ => Html::default(),
    };
    let flash_html = ev.and_then(|e| flash(&c, e)).map(|(p, text, kind)| {
        html! { <text class={classes!("flash-text", kind)} x={fmt(p.x)} y={fmt(p.y - 22.0)}>{ text }</text> }
    });
    html! {
        <svg class="topology" data-testid="topology" viewBox={format!("0 0 {} {}", fmt(VIEW_W), fmt(VIEW_H))} preserveAspectRatio="xMidYMid meet" role="img" aria-label="Topology: endpoints, queues, handler instances and stores">
            <defs>
                <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M0 0L10 5L0 10z" class="arrowhead" />
                </marker>
            </defs>
            { for edges }
            { cards }
            <g class="error-queue" onclick={select(d, Selection::ErrorQueue)} data-testid="error-queue">
                <rect x={fmt(eq.x)} y={fmt(eq.y)} width={fmt(eq.w)} height={fmt(eq.h)} rx="6" />
                <text class="box-label" x={fmt(eq.x + 8.0)} y={fmt(eq.y + 16.0)}>{ format!("error queue · {}", world.error_queue.len()) }</text>
            </g>
            { error_glyphs }
            if tokens_used {
                <g class="tokens" onclick={select(d, Selection::Tokens)}>
                    <rect x={fmt(tk.x)} y={fmt(tk.y)} width={fmt(tk.w)} height={fmt(tk.h)} rx="6" />
                    <text class="box-label" x={fmt(tk.x + 8.0)} y={fmt(tk.y + 16.0)}>{ format!("token store · {}", world.tokens.tokens.len()) }</text>
                </g>
            }
            { moving }
            { flash_html }
            <text class="clock" x="20" y="28">{ format!("virtual time {}", seconds(world.now_ms)) }</text>
        </svg>
    }
}
