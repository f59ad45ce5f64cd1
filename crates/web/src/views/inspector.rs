//! The inspector: whatever is selected, at the playhead. Messages show their lineage and how
//! their id was made; documents their versions and what made each; queues their copies with the
//! lease time left; stores their inbox, outbox and tokens.

use crate::state::{Selection, UiAction, UiState};
use crate::verdict::describe;
use crate::views::on_click;
use crate::views::topology::op_name;
use crate::views::{attr, el, el_on, list, seconds, tag, txt, Dispatch};
use crate::whatif::{change_send, crash_instance, fail_next_commit, SendChange};
use exactly_once_core::deterministic_id::deterministic_guid;
use exactly_once_core::ids::MsgId;
use exactly_once_core::scenario::Endpoint;
use exactly_once_core::world::{CopyState, Message};
use exactly_once_core::World;
use std::rc::Rc;
use yew::prelude::*;

fn msg_link(d: &Dispatch, s: &UiState, id: MsgId) -> Html {
    let label = s
        .run
        .as_ref()
        .and_then(|r| r.index.messages.get(&id))
        .map_or_else(|| format!("#{}", id.short()), |m| m.msg.to_string());
    link(
        on_click(d, UiAction::Select(Some(Selection::Message(id)))),
        label,
    )
}

fn event_link(d: &Dispatch, s: &UiState, i: u32) -> Html {
    let at = s
        .run
        .as_ref()
        .and_then(|r| r.events.get(i as usize))
        .map_or(0, |e| e.at_ms);
    link(
        on_click(d, UiAction::Seek(i)),
        format!("#{i} ({})", seconds(at)),
    )
}

/// `<button class="link">`: every link of the inspector.
fn link(onclick: Callback<MouseEvent>, label: String) -> Html {
    el_on(
        "button",
        &["type", "class"],
        vec![attr("button"), attr("link")],
        vec![Rc::new(yew::html::onclick::Wrapper::new(onclick))],
        vec![txt(label.into())],
    )
}

/// Links to events, or `none` when there are none.
fn event_links(d: &Dispatch, s: &UiState, events: &[u32], none: &'static str) -> Html {
    if events.is_empty() {
        return txt(none.into());
    }
    list(events.iter().map(|e| event_link(d, s, *e)).collect())
}

/// The full message (with headers such as the token) wherever the world still holds it.
fn find_message(w: &World, id: MsgId) -> Option<Message> {
    for q in &w.queues {
        if let Some(c) = q.iter().find(|c| c.msg.id == id) {
            return Some(c.msg.clone());
        }
    }
    if let Some(a) = w.attempts.iter().find(|a| a.msg.id == id) {
        return Some(a.msg.clone());
    }
    w.attempts
        .iter()
        .flat_map(|a| a.outs.iter())
        .find(|m| m.id == id)
        .cloned()
}

/// How an id was made: one of the workshop's DeterministicGuid suffixes, checked against the
/// core's own function, or a fresh GUID.
/// Whether the handler that sent this message keeps its outgoing messages in an outbox (then a
/// re-publish replays the stored message with its stored id).
fn stored_in_outbox(run: &crate::compute::Computed, info: &crate::model::MsgInfo) -> bool {
    let parent_kind = info
        .parent
        .and_then(|p| run.index.messages.get(&p))
        .map(|p| p.msg.kind);
    parent_kind
        .and_then(|k| run.scenario.handler(info.from, k))
        .is_some_and(|h| !h.consistency.is_plain())
}

pub fn id_derivation(id: MsgId, parent: Option<MsgId>, stored: bool) -> String {
    if let Some(p) = parent {
        let text = p.to_string();
        for suffix in [
            "Orders",
            "Orders-ItemAdded",
            "Orders-ItemRemoved",
            "Orders-FirstItemAdded",
            "Frontend",
            "Frontend-SubmitOrder",
            "Shipping",
            "Marketing",
        ] {
            if deterministic_guid(&text, suffix) == id {
                return format!("DeterministicGuid(\"{text}\", \"{suffix}\"): every retry of the same incoming message gets this same id");
            }
        }
    }
    if stored {
        "a fresh GUID (Guid.NewGuid()), stored in the outbox with the change: every re-publish replays it with this same id".to_string()
    } else {
        "a fresh GUID (Guid.NewGuid()): a retry would publish it under another id".to_string()
    }
}

/// How a "what if" button finds its rule, when clicked (the search runs the scenario a few times).
type MakeRule = Box<dyn Fn() -> Result<exactly_once_core::scenario::ChaosRule, String>>;

/// A "what if" button: computes the rule when clicked.
fn what_if(d: &Dispatch, label: &'static str, testid: &'static str, make: MakeRule) -> Html {
    let d = d.clone();
    let onclick = Callback::from(move |_: MouseEvent| match make() {
        Ok(rule) => d.dispatch(UiAction::AddChaosRule(rule)),
        Err(why) => d.dispatch(UiAction::Notice(Some(format!(
            "No \"what if\" here: {why}."
        )))),
    });
    el_on(
        "button",
        &["type", "class", "data-testid"],
        vec![attr("button"), attr("whatif"), attr(testid)],
        vec![Rc::new(yew::html::onclick::Wrapper::new(onclick))],
        vec![txt(label.into())],
    )
}

/// `<p class="whatifs">` with its lead and its buttons.
fn what_ifs(lead: &'static str, buttons: Vec<Html>) -> Html {
    let mut children = vec![txt(lead.into())];
    children.extend(buttons);
    el("p", &["class"], vec![attr("whatifs")], children)
}

/// A `<dt>`/`<dd>` pair of the inspector's lists.
fn kv(k: &'static str, v: Html) -> Html {
    list(vec![tag("dt", vec![txt(k.into())]), tag("dd", vec![v])])
}

/// [`kv`] with a plain text value.
fn kv_text(k: &'static str, v: String) -> Html {
    kv(k, txt(v.into()))
}

/// `<li>` of parts.
fn li(children: Vec<Html>) -> Html {
    tag("li", children)
}

/// `<ul>` of items.
fn ul(items: Vec<Html>) -> Html {
    tag("ul", items)
}

fn message_view(s: &UiState, d: &Dispatch, w: &World, id: MsgId) -> Html {
    let Some(run) = &s.run else {
        return Html::default();
    };
    let Some(info) = run.index.messages.get(&id) else {
        return tag(
            "p",
            vec![txt(
                format!("Message #{} is not in this run.", id.short()).into()
            )],
        );
    };
    let full = find_message(w, id);
    let marks = run.index.marks(id, s.cursor).badges().join(" ");
    let copies: Vec<Html> = Endpoint::ALL
        .iter()
        .flat_map(|e| w.queues[e.index()].iter().map(move |c| (e, c)))
        .filter(|(_, c)| c.msg.id == id)
        .map(|(e, c)| {
            let state = match c.state {
                CopyState::Ready => "ready".to_string(),
                CopyState::Delayed { until_ms } => {
                    format!("delayed {} ms more", until_ms.saturating_sub(w.now_ms))
                }
                CopyState::Leased { until_ms } => format!(
                    "in flight, lease {} ms left",
                    until_ms.saturating_sub(w.now_ms)
                ),
            };
            li(vec![txt(format!(
                "c{} in {e}'s queue: {state}, delivered {}×",
                c.id.0, c.deliveries
            )
            .into())])
        })
        .collect();
    let kind = info.msg.kind;
    let mut rows = vec![
        kv("id", tag("code", vec![txt(id.to_string().into())])),
        kv_text(
            "type",
            format!(
                "{kind}{}",
                if kind.is_event() {
                    " (event)"
                } else {
                    " (command)"
                }
            ),
        ),
        kv_text("order", info.msg.order.to_string()),
        kv_text(
            "filling",
            info.msg
                .filling
                .map_or("—".to_string(), |f| format!("{f:?}")),
        ),
    ];
    if let Some(m) = &full {
        if !m.items.is_empty() {
            rows.push(kv_text("items", format!("{:?}", m.items)));
        }
        rows.push(kv_text(
            "token header",
            m.token.map_or("none".to_string(), |t| format!("t{}", t.0)),
        ));
    }
    let to = if info.to.is_empty() {
        "nobody (never sent)".to_string()
    } else {
        info.to
            .iter()
            .map(|e| e.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    rows.push(kv_text("from → to", format!("{} → {to}", info.from)));
    rows.push(kv("sent at", event_link(d, s, info.sent_at)));
    rows.push(kv(
        "caused by",
        info.parent
            .map_or(txt("the user's script".into()), |p| msg_link(d, s, p)),
    ));
    rows.push(kv(
        "caused",
        if info.children.is_empty() {
            txt("nothing".into())
        } else {
            list(info.children.iter().map(|c| msg_link(d, s, *c)).collect())
        },
    ));
    rows.push(kv_text(
        "id derivation",
        id_derivation(id, info.parent, stored_in_outbox(run, info)),
    ));
    rows.push(kv(
        "deliveries",
        event_links(d, s, &info.deliveries, "none"),
    ));
    for (k, events) in [
        ("duplicated at", &info.duplicated_at),
        ("lease expired at", &info.lease_expired_at),
        ("publish failed at", &info.failed_at),
    ] {
        if !events.is_empty() {
            rows.push(kv(k, event_links(d, s, events, "")));
        }
    }
    if run.index.is_ghost(id, s.cursor) {
        rows.push(kv(
            "verdict",
            tag(
                "strong",
                vec![txt(
                    "a ghost message: its sender never stored the change it announces".into(),
                )],
            ),
        ));
    }
    rows.push(kv(
        "copies now",
        if copies.is_empty() {
            txt("none in any queue".into())
        } else {
            ul(copies)
        },
    ));
    let mut parts = vec![tag("h3", vec![txt(info.msg.to_string().into())])];
    if !marks.is_empty() {
        parts.push(el(
            "p",
            &["class"],
            vec![attr("badges")],
            vec![txt(marks.into())],
        ));
    }
    parts.push(el(
        "p",
        &["class"],
        vec![attr("plain")],
        vec![txt(describe(&info.msg).into())],
    ));
    parts.push(tag("dl", rows));
    if !matches!(info.from, Endpoint::Shipping | Endpoint::Marketing) {
        let buttons = [
            (SendChange::Duplicate, "duplicated", "whatif-duplicated"),
            (SendChange::Delay, "delayed 10 s", "whatif-delayed 10 s"),
            (SendChange::Drop, "dropped", "whatif-dropped"),
        ]
        .into_iter()
        .map(|(change, label, testid)| {
            let run = run.clone();
            what_if(
                d,
                label,
                testid,
                Box::new(move || change_send(&run, id, change)),
            )
        })
        .collect();
        parts.push(what_ifs("What if its send had been… ", buttons));
    }
    el(
        "div",
        &["class", "data-testid", "data-msg"],
        vec![
            attr("inspect-msg"),
            attr("inspect-message"),
            Some(id.short().into()),
        ],
        parts,
    )
}

fn document_view(
    s: &UiState,
    d: &Dispatch,
    w: &World,
    e: Endpoint,
    order: exactly_once_core::ids::OrderId,
) -> Html {
    let Some(run) = &s.run else {
        return Html::default();
    };
    let stored = w.stores[e.index()].docs.get(&order);
    let value = stored
        .map(|st| exactly_once_core::json_path::to_pretty_string(&st.doc))
        .unwrap_or_else(|| "not stored yet".to_string());
    let history = run
        .index
        .versions
        .get(&(e, order))
        .cloned()
        .unwrap_or_default();
    let fail = {
        let run = run.clone();
        let cursor = s.cursor;
        what_if(
            d,
            "the next commit of this store failed",
            "whatif-fail-commit",
            Box::new(move || fail_next_commit(&run, cursor, e)),
        )
    };
    let versions = history
        .iter()
        .map(|v| {
            el(
                "li",
                &["class"],
                vec![attr(if v.event > s.cursor { "future" } else { "" })],
                vec![
                    txt(format!("v{} ({:?}) at ", v.version, v.why).into()),
                    event_link(d, s, v.event),
                    txt(" by ".into()),
                    v.caused_by
                        .map_or(txt("the Frontend".into()), |m| msg_link(d, s, m)),
                ],
            )
        })
        .collect();
    el(
        "div",
        &["class", "data-testid"],
        vec![attr("inspect-doc"), attr("inspect-document")],
        vec![
            tag(
                "h3",
                vec![txt(format!(
                    "{e}'s {order}{}",
                    stored.map_or(String::new(), |st| format!(" · v{}", st.version))
                )
                .into())],
            ),
            el(
                "pre",
                &["class"],
                vec![attr("json")],
                vec![txt(value.into())],
            ),
            what_ifs("What if… ", vec![fail]),
            tag("h4", vec![txt("Version history".into())]),
            el("ol", &["class"], vec![attr("history")], versions),
        ],
    )
}

/// A titled panel of the inspector: `<div data-testid><h3>title</h3>…</div>`.
fn panel(class: &'static str, testid: &'static str, h3: String, mut body: Vec<Html>) -> Html {
    body.insert(0, tag("h3", vec![txt(h3.into())]));
    el(
        "div",
        &["class", "data-testid"],
        vec![attr(class), attr(testid)],
        body,
    )
}

fn queue_view(s: &UiState, d: &Dispatch, w: &World, e: Endpoint) -> Html {
    let q = &w.queues[e.index()];
    let items = q
        .iter()
        .map(|c| {
            let state = match c.state {
                CopyState::Ready => "visible".to_string(),
                CopyState::Delayed { until_ms } => format!(
                    "delayed: visible in {} ms",
                    until_ms.saturating_sub(w.now_ms)
                ),
                CopyState::Leased { until_ms } => format!(
                    "in flight: lease {} ms left",
                    until_ms.saturating_sub(w.now_ms)
                ),
            };
            li(vec![
                txt(format!("c{} ", c.id.0).into()),
                msg_link(d, s, c.msg.id),
                txt(format!(
                    " · {state} · delivered {}× · failed {}×",
                    c.deliveries, c.failures
                )
                .into()),
            ])
        })
        .collect();
    let mut body = vec![ul(items)];
    if q.is_empty() {
        body.push(tag("p", vec![txt("Empty.".into())]));
    }
    panel(
        "inspect-queue",
        "inspect-queue",
        format!("{e}'s queue · {} copies", q.len()),
        body,
    )
}

fn instance_view(s: &UiState, d: &Dispatch, w: &World, e: Endpoint, i: u32) -> Html {
    let a = w
        .attempts
        .iter()
        .find(|a| a.endpoint == e && a.instance == i && a.copy.is_some());
    let body = match a {
        None => vec![tag("p", vec![txt("Idle.".into())])],
        Some(a) => {
            let crash = s.run.clone().map(|run| {
                let cursor = s.cursor;
                what_if(
                    d,
                    "it crashed after its next step",
                    "whatif-crash",
                    Box::new(move || {
                        let world = run.world_at(cursor).ok_or("no world at this moment")?;
                        crash_instance(&run, &world, cursor, e, i)
                    }),
                )
            });
            vec![
                tag(
                    "dl",
                    vec![
                        kv_text("attempt", format!("a{}", a.id.0)),
                        kv("handling", msg_link(d, s, a.msg.id)),
                        kv_text(
                            "next steps",
                            a.plan
                                .iter()
                                .rev()
                                .map(op_name)
                                .collect::<Vec<_>>()
                                .join(" → "),
                        ),
                        kv_text(
                            "loaded",
                            format!(
                                "{} {}",
                                a.doc_key,
                                a.version.map_or("(none)".to_string(), |v| format!("v{v}"))
                            ),
                        ),
                        kv(
                            "to publish",
                            list(a.outs.iter().map(|m| msg_link(d, s, m.id)).collect()),
                        ),
                    ],
                ),
                what_ifs("What if… ", crash.into_iter().collect()),
            ]
        }
    };
    panel(
        "inspect-instance",
        "inspect-instance",
        format!("{e} instance {i}"),
        body,
    )
}

fn stores_view(s: &UiState, d: &Dispatch, w: &World, e: Endpoint) -> Html {
    let st = &w.stores[e.index()];
    let fail = s.run.clone().map(|run| {
        let cursor = s.cursor;
        what_if(
            d,
            "its next commit failed",
            "whatif-fail-commit",
            Box::new(move || fail_next_commit(&run, cursor, e)),
        )
    });
    let h4 = |t: String| tag("h4", vec![txt(t.into())]);
    panel(
        "inspect-stores",
        "inspect-stores",
        format!("{e}'s store"),
        vec![
            what_ifs("What if… ", fail.into_iter().collect()),
            h4(format!("Documents · {}", st.docs.len())),
            ul(st
                .docs
                .iter()
                .map(|(k, v)| {
                    li(vec![link(
                        on_click(d, UiAction::Select(Some(Selection::Document(e, *k)))),
                        format!("{k} v{}", v.version),
                    )])
                })
                .collect()),
            h4(format!("Inbox (processed ids) · {}", st.inbox.len())),
            ul(st
                .inbox
                .iter()
                .map(|id| li(vec![msg_link(d, s, *id)]))
                .collect()),
            h4(format!("Outbox documents · {}", st.outbox.len())),
            ul(st
                .outbox
                .iter()
                .map(|(tx, doc)| {
                    li(vec![
                        txt(format!("tx{} for ", tx.0).into()),
                        msg_link(d, s, doc.owner),
                        txt(format!(": {} message(s)", doc.messages.len()).into()),
                    ])
                })
                .collect()),
        ],
    )
}

pub fn inspector(s: &UiState, d: &Dispatch) -> Html {
    let Some(world) = s.world_ref() else {
        return html! { <p>{ "Computing…" }</p> };
    };
    let w = &*world;
    let body = match s.selection {
        None => html! {
            <p class="help">{ "Select a message, a queue, a handler instance, a document or a store in the view to inspect it here, at the playhead." }</p>
        },
        Some(Selection::Message(id)) => message_view(s, d, w, id),
        Some(Selection::Document(e, o)) => document_view(s, d, w, e, o),
        Some(Selection::Queue(e)) => queue_view(s, d, w, e),
        Some(Selection::Instance(e, i)) => instance_view(s, d, w, e, i),
        Some(Selection::Stores(e)) => stores_view(s, d, w, e),
        Some(Selection::ErrorQueue) => panel(
            "",
            "inspect-error-queue",
            format!("Error queue · {}", w.error_queue.len()),
            vec![ul(w
                .error_queue
                .iter()
                .map(|(e, m)| {
                    li(vec![
                        txt(format!("from {e}: ").into()),
                        msg_link(d, s, m.id),
                    ])
                })
                .collect())],
        ),
        Some(Selection::Tokens) => panel(
            "",
            "inspect-tokens",
            format!("Token store · {}", w.tokens.tokens.len()),
            vec![ul(w
                .tokens
                .tokens
                .iter()
                .map(|((t, e), v)| li(vec![txt(format!("t{} for {e} (version {v})", t.0).into())]))
                .collect())],
        ),
        Some(Selection::Event(i)) => tag("p", vec![txt("Event ".into()), event_link(d, s, i)]),
    };
    let clear = on_click(d, UiAction::Select(None));
    html! {
        <section class="inspector" data-testid="inspector">
            if s.selection.is_some() {
                <button type="button" class="close" onclick={clear} aria-label="clear the selection">{ "×" }</button>
            }
            { body }
        </section>
    }
}
