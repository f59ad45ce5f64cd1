//! The topology view: Frontend, each endpoint's queue, handler instances and store, the error
//! queue and the publish/subscribe links, with the current event's message moving along its edge.
//! Resting state comes from the core's `World` at the playhead; only the motion is derived here.

use crate::anim::{along, Card, Layout, Point, VIEW_H, VIEW_W};
use crate::compute::Computed;
use crate::model::Marks;
use crate::state::{Selection, UiState};
use crate::views::glyph::{glyph, long_label, GlyphOpts};
use crate::views::{
    attr, el, line, list, node, num, rect, seconds, select, text, title, txt, Dispatch,
};
use exactly_once_core::ids::MsgId;
use exactly_once_core::scenario::{Endpoint, MsgKind};
use exactly_once_core::trace::{Event, EventKind, FailOutcome};
use exactly_once_core::world::{CopyState, MsgRef, Op};
use exactly_once_core::World;
use std::rc::Rc;
use yew::prelude::*;
use yew::virtual_dom::{AttrValue, Key};

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
            "flash-text ok",
        ),
        EventKind::CommitFailed { order } => (
            card.store_port(),
            format!("✗ store of {order} fails"),
            "flash-text bad",
        ),
        EventKind::Conflict { order, .. } => (
            card.store_port(),
            format!("✗ conflict on {order}"),
            "flash-text bad",
        ),
        EventKind::Loaded { order, version } => (
            card.store_port(),
            format!(
                "load {order} {}",
                version.map_or("(none)".into(), |v| format!("v{v}"))
            ),
            "flash-text info",
        ),
        EventKind::Acked { .. } => (at, "✓ ack".into(), "flash-text ok"),
        EventKind::AckFailed { .. } => (at, "✗ ack failed".into(), "flash-text bad"),
        EventKind::Crashed { after } => (
            at,
            format!("✗ CRASH after {}", after.name()),
            "flash-text bad",
        ),
        EventKind::Hung { delay_ms, .. } => (at, format!("hangs {delay_ms} ms"), "flash-text bad"),
        EventKind::Slowed { delay_ms, .. } => {
            (at, format!("paused {delay_ms} ms"), "flash-text info")
        }
        EventKind::Decided { .. } => (at, "logic".into(), "flash-text info"),
        EventKind::Failed { error, .. } => (at, format!("✗ {}", error.name()), "flash-text bad"),
        EventKind::InboxChecked { processed } => (
            card.store_port(),
            format!("inbox: {}", if *processed { "processed" } else { "new" }),
            "flash-text info",
        ),
        EventKind::InboxMarked { .. } => {
            (card.store_port(), "inbox: mark".into(), "flash-text info")
        }
        EventKind::OutboxStaged { tx } => (
            card.store_port(),
            format!("outbox: stage tx{}", tx.0),
            "flash-text info",
        ),
        EventKind::TokenChecked { exists, .. } => (
            at,
            if *exists {
                "token ok".into()
            } else {
                "✗ token gone: duplicate".into()
            },
            if *exists {
                "flash-text info"
            } else {
                "flash-text bad"
            },
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
    let mut parts = vec![
        rect("frame", f.x, f.y, f.w, f.h, "8"),
        text("card-title", f.x + 12.0, f.y + 24.0, e.name().into()),
    ];
    // Queue: copies in broker order; the head (next to deliver) on the right.
    let copies = &w.queues[e.index()];
    let cap = card.queue_capacity();
    let q = card.queue;
    let mut queue_box = vec![
        rect("", q.x, q.y, q.w, q.h, "4"),
        text(
            "box-label",
            q.x + 6.0,
            q.y + 13.0,
            match e {
                Endpoint::Frontend if !sc.frontend.submit_via_send_local => {
                    "no queue (requests)".into()
                }
                _ => format!("queue · {}", copies.len()).into(),
            },
        ),
    ];
    let overflow = copies.len().saturating_sub(cap);
    if overflow > 0 {
        queue_box.push(text(
            "box-label",
            q.x + 6.0,
            q.y + 50.0,
            format!("+{overflow}").into(),
        ));
    }
    parts.push(clickable(
        "queue-box",
        None,
        select(c.d, Selection::Queue(e)),
        queue_box,
    ));
    let mut queued = Vec::new();
    for (i, copy) in copies.iter().take(cap).enumerate() {
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
        queued.push(node(
            "g",
            Some(copy.id.0.into()),
            &["class"],
            vec![attr("copy")],
            Vec::new(),
            vec![
                title(extra.into()),
                glyph(&copy.msg.reference(), card.queue_slot(i), o),
            ],
        ));
    }
    parts.push(list(queued));
    // Instances.
    let attempts: Vec<_> = w.attempts.iter().filter(|a| a.endpoint == e).collect();
    let more_instances = sc
        .endpoint_settings(e)
        .map_or(0, |s| s.concurrency.saturating_sub(card.instances_drawn));
    parts.push(text(
        "box-label",
        card.instances.x + 6.0,
        card.instances.y + 4.0,
        if e == Endpoint::Frontend {
            "requests".into()
        } else if more_instances > 0 {
            format!("handler instances (+{more_instances} more)").into()
        } else {
            "handler instances".into()
        },
    ));
    if e == Endpoint::Frontend {
        for (i, a) in attempts.iter().take(3).enumerate() {
            let next = a.plan.last().map(op_name).unwrap_or_default();
            let body = match a.request {
                Some(r) => format!("script step {} · next: {next}", r.step),
                None => format!("{} · next: {next}", a.msg.kind),
            };
            parts.push(text(
                "req",
                card.instances.x + 8.0,
                card.instances.y + 22.0 + i as f64 * 20.0,
                body.into(),
            ));
        }
    } else {
        let r = card.instance_radius();
        let many = card.instances_drawn > 4;
        let mut circles = Vec::new();
        for i in 0..card.instances_drawn {
            let p = card.instance(i);
            let a = attempts
                .iter()
                .find(|a| a.instance == i && a.copy.is_some());
            let step = a
                .and_then(|a| a.plan.last())
                .map_or_else(|| "idle".to_string(), op_name);
            let mut inner = vec![
                title(
                    match a {
                        Some(_) => format!("{e} instance {i}: next step {step}"),
                        None => format!("{e} instance {i}: idle"),
                    }
                    .into(),
                ),
                el(
                    "circle",
                    &["cx", "cy", "r"],
                    vec![Some(num(p.x)), Some(num(p.y)), Some(num(r))],
                    Vec::new(),
                ),
            ];
            if let Some(m) = a.map(|a| a.msg.reference()) {
                inner.push(glyph(&m, p, c.opts(m.id, (r * 0.5).min(12.0))));
            }
            // Neighbours' labels alternate between two rows so that they never overlap.
            inner.push(text(
                if many { "step small" } else { "step" },
                p.x,
                p.y + r + 13.0 + if many && i % 2 == 1 { 12.0 } else { 0.0 },
                step.into(),
            ));
            circles.push(clickable(
                if a.is_some() {
                    "instance busy"
                } else {
                    "instance"
                },
                Some(i.into()),
                select(c.d, Selection::Instance(e, i)),
                inner,
            ));
        }
        parts.push(list(circles));
    }
    // Store: documents with their versions.
    let store = &w.stores[e.index()];
    let st = card.store;
    let mut extras = String::new();
    if !store.inbox.is_empty() {
        extras.push_str(&format!(" · inbox {}", store.inbox.len()));
    }
    if !store.outbox.is_empty() {
        extras.push_str(&format!(" · outbox docs {}", store.outbox.len()));
    }
    parts.push(clickable(
        "store-box",
        None,
        select(c.d, Selection::Stores(e)),
        vec![
            rect("", st.x, st.y, st.w, st.h, "4"),
            text(
                "box-label",
                st.x + 6.0,
                st.y + 14.0,
                format!("store{extras}").into(),
            ),
        ],
    ));
    let flashing = c
        .run
        .events
        .get(c.now as usize)
        .and_then(|ev| match ev.kind {
            EventKind::Committed { order, .. } if ev.endpoint == e => Some(order),
            _ => None,
        });
    let max_docs = ((st.h - 40.0) / 20.0).max(1.0) as usize;
    let mut docs = Vec::new();
    for (i, (order, stored)) in store.docs.iter().take(max_docs).enumerate() {
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
        let pending =
            doc.outgoing.len() + doc.outbox.iter().filter(|o| o.messages.is_some()).count();
        if pending > 0 {
            value.push_str(&format!(" · outbox {pending}"));
        }
        let y = st.y + 36.0 + i as f64 * 20.0;
        let sel = Selection::Document(e, *order);
        let class = match (flashing == Some(*order), c.s.selection == Some(sel)) {
            (false, false) => "doc",
            (true, false) => "doc flash",
            (false, true) => "doc selected",
            (true, true) => "doc flash selected",
        };
        let line = el(
            "text",
            &["x", "y"],
            vec![Some(num(st.x + 12.0)), Some(num(y))],
            vec![
                span("doc-key", format!("{order} ")),
                span("doc-ver", format!("v{} ", stored.version)),
                txt(value.clone().into()),
            ],
        );
        docs.push(clickable(
            class,
            Some(order.0.into()),
            select(c.d, sel),
            vec![
                title(format!("{order} version {}: {value}", stored.version).into()),
                rect("", st.x + 6.0, y - 14.0, st.w - 12.0, 18.0, "3"),
                line,
            ],
        ));
    }
    parts.push(list(docs));
    if store.docs.len() > max_docs {
        parts.push(text(
            "box-label",
            st.x + 6.0,
            st.y + st.h - 6.0,
            format!("+{} more documents", store.docs.len() - max_docs).into(),
        ));
    }
    node(
        "g",
        Some(e.name().into()),
        &["class", "data-endpoint"],
        vec![attr("card"), Some(e.name().into())],
        Vec::new(),
        parts,
    )
}

/// `<tspan class>text</tspan>`.
fn span(c: &'static str, body: String) -> Html {
    el("tspan", &["class"], vec![attr(c)], vec![txt(body.into())])
}

/// A `<g>` that selects something for the inspector when clicked.
fn clickable(
    c: &'static str,
    key: Option<Key>,
    onclick: Callback<MouseEvent>,
    children: Vec<Html>,
) -> Html {
    node(
        "g",
        key,
        &["class"],
        vec![attr(c)],
        vec![Rc::new(yew::html::onclick::Wrapper::new(onclick))],
        children,
    )
}

/// An edge with its message types stacked above the middle, one per line, so that the labels fit
/// the narrow gaps between cards.
fn edge(a: Point, b: Point, label: &'static str, c: &'static str) -> Html {
    let lines: Vec<&'static str> = label.split(" · ").filter(|l| !l.is_empty()).collect();
    let mid_x = (a.x + b.x) / 2.0;
    let top = (a.y + b.y) / 2.0 - 10.0 - 15.0 * lines.len() as f64;
    let mut parts = vec![line("", a.x, a.y, b.x, b.y, Some("url(#arrow)"))];
    for (i, l) in lines.iter().enumerate() {
        parts.push(text(
            "",
            mid_x,
            top + 15.0 * (i as f64 + 1.0),
            AttrValue::Static(l),
        ));
    }
    el("g", &["class"], vec![attr(c)], parts)
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
    // The arrowhead never changes: static markup, no element code.
    let mut parts = vec![Html::from_html_unchecked(AttrValue::Static(
        r#"<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" class="arrowhead"/></marker></defs>"#,
    ))];
    if let (Some(fe), Some(o)) = (c.layout.card(Endpoint::Frontend), orders) {
        parts.push(edge(
            fe.out_port(),
            o.queue_entry(),
            "send · SubmitOrder · AddItem · RemoveItem",
            "edge send",
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
                parts.push(edge(o.out_port(), sub.queue_entry(), label, "edge pubsub"));
            }
        }
        let eq = c.layout.error_queue;
        parts.push(edge(
            Point {
                x: o.frame.x + o.frame.w / 2.0,
                y: o.frame.y + o.frame.h,
            },
            Point {
                x: eq.x + eq.w / 2.0,
                y: eq.y + 4.0,
            },
            "",
            "edge to-error",
        ));
    }
    parts.push(list(
        c.layout
            .cards
            .iter()
            .map(|card| card_view(&c, card))
            .collect(),
    ));
    // Error queue.
    let eq = c.layout.error_queue;
    parts.push(html! {
        <g class="error-queue" onclick={select(d, Selection::ErrorQueue)} data-testid="error-queue">
            { rect("", eq.x, eq.y, eq.w, eq.h, "6") }
            { text("box-label", eq.x + 8.0, eq.y + 16.0, format!("error queue · {}", world.error_queue.len()).into()) }
        </g>
    });
    for (i, (_, m)) in world.error_queue.iter().take(12).enumerate() {
        parts.push(glyph(m, c.layout.error_slot(i), c.opts(m.id, 9.0)));
    }
    let tokens_used = [
        &sc.orders.add_item,
        &sc.orders.remove_item,
        &sc.orders.submit_order,
    ]
    .iter()
    .any(|h| h.consistency.uses_tokens());
    if tokens_used {
        let tk = c.layout.tokens;
        parts.push(clickable(
            "tokens",
            None,
            select(d, Selection::Tokens),
            vec![
                rect("", tk.x, tk.y, tk.w, tk.h, "6"),
                text(
                    "box-label",
                    tk.x + 8.0,
                    tk.y + 16.0,
                    format!("token store · {}", world.tokens.tokens.len()).into(),
                ),
            ],
        ));
    }
    // The current event's motion.
    let ev = run.events.get(s.cursor as usize);
    if let Some(e) = ev.filter(|_| s.progress < 1.0) {
        for (m, a, b, label, reach) in motions(&c, e) {
            let p = along(a, b, s.progress * reach);
            let mut o = c.opts(m.id, 12.0);
            o.label = label;
            parts.push(el(
                "g",
                &["class"],
                vec![attr("moving")],
                vec![glyph(&m, p, o)],
            ));
        }
    }
    if let Some((p, body, kind)) = ev.and_then(|e| flash(&c, e)) {
        parts.push(text(kind, p.x, p.y - 22.0, body.into()));
    }
    parts.push(text(
        "clock",
        20.0,
        28.0,
        format!("virtual time {}", seconds(world.now_ms)).into(),
    ));
    html! {
        <svg class="topology" data-testid="topology" viewBox={format!("0 0 {} {}", num(VIEW_W), num(VIEW_H))} preserveAspectRatio="xMidYMid meet" role="img" aria-label="Topology: endpoints, queues, handler instances and stores">
            { for parts }
        </svg>
    }
}
