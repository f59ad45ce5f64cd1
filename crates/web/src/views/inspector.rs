//! The inspector: whatever is selected, at the playhead. Messages show their lineage and how
//! their id was made; documents their versions and what made each; queues their copies with the
//! lease time left; stores their inbox, outbox and tokens.

use crate::state::{Selection, UiAction, UiState};
use crate::verdict::describe;
use crate::views::on_click;
use crate::views::topology::op_name;
use crate::views::{seconds, Dispatch};
use crate::whatif::{change_send, crash_instance, fail_next_commit, SendChange};
use exactly_once_core::deterministic_id::deterministic_guid;
use exactly_once_core::ids::MsgId;
use exactly_once_core::scenario::Endpoint;
use exactly_once_core::world::{CopyState, Message};
use exactly_once_core::World;
use yew::prelude::*;

fn msg_link(d: &Dispatch, s: &UiState, id: MsgId) -> Html {
    let label = s
        .run
        .as_ref()
        .and_then(|r| r.index.messages.get(&id))
        .map_or_else(|| format!("#{}", id.short()), |m| m.msg.to_string());
    let d = d.clone();
    let onclick = Callback::from(move |_: MouseEvent| {
        d.dispatch(UiAction::Select(Some(Selection::Message(id))))
    });
    html! { <button type="button" class="link" {onclick}>{ label }</button> }
}

fn event_link(d: &Dispatch, s: &UiState, i: u32) -> Html {
    let at = s
        .run
        .as_ref()
        .and_then(|r| r.events.get(i as usize))
        .map_or(0, |e| e.at_ms);
    let onclick = on_click(d, UiAction::Seek(i));
    html! { <button type="button" class="link" {onclick}>{ format!("#{i} ({})", seconds(at)) }</button> }
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

/// A "what if" button: computes the rule when clicked (the search runs the scenario a few times).
fn what_if(
    d: &Dispatch,
    label: &str,
    testid: String,
    make: impl Fn() -> Result<exactly_once_core::scenario::ChaosRule, String> + 'static,
) -> Html {
    let d = d.clone();
    let onclick = Callback::from(move |_: MouseEvent| match make() {
        Ok(rule) => d.dispatch(UiAction::AddChaosRule(rule)),
        Err(why) => d.dispatch(UiAction::Notice(Some(format!(
            "No \"what if\" here: {why}."
        )))),
    });
    html! { <button type="button" class="whatif" {onclick} data-testid={testid}>{ label.to_string() }</button> }
}

fn kv(k: &str, v: Html) -> Html {
    html! { <><dt>{ k.to_string() }</dt><dd>{ v }</dd></> }
}

fn message_view(s: &UiState, d: &Dispatch, w: &World, id: MsgId) -> Html {
    let Some(run) = &s.run else {
        return Html::default();
    };
    let Some(info) = run.index.messages.get(&id) else {
        return html! { <p>{ format!("Message #{} is not in this run.", id.short()) }</p> };
    };
    let full = find_message(w, id);
    let marks = run.index.marks(id, s.cursor).badges().join(" ");
    let copies: Vec<String> = Endpoint::ALL
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
            format!(
                "c{} in {e}'s queue: {state}, delivered {}×",
                c.id.0, c.deliveries
            )
        })
        .collect();
    html! {
        <div class="inspect-msg" data-testid="inspect-message" data-msg={id.short()}>
            <h3>{ info.msg.to_string() }</h3>
            if !marks.is_empty() { <p class="badges">{ marks }</p> }
            <p class="plain">{ describe(&info.msg) }</p>
            <dl>
                { kv("id", html! { <code>{ id.to_string() }</code> }) }
                { kv("type", html! { { format!("{}{}", info.msg.kind, if info.msg.kind.is_event() { " (event)" } else { " (command)" }) } }) }
                { kv("order", html! { { info.msg.order.to_string() } }) }
                { kv("filling", html! { { info.msg.filling.map_or("—".to_string(), |f| format!("{f:?}")) } }) }
                if let Some(m) = &full {
                    if !m.items.is_empty() { { kv("items", html! { { format!("{:?}", m.items) } }) } }
                    { kv("token header", html! { { m.token.map_or("none".to_string(), |t| format!("t{}", t.0)) } }) }
                }
                { kv("from → to", html! { { format!("{} → {}", info.from, if info.to.is_empty() { "nobody (never sent)".to_string() } else { info.to.iter().map(|e| e.name()).collect::<Vec<_>>().join(", ") }) } }) }
                { kv("sent at", event_link(d, s, info.sent_at)) }
                { kv("caused by", info.parent.map_or(html! { { "the user's script" } }, |p| msg_link(d, s, p))) }
                { kv("caused", if info.children.is_empty() { html! { { "nothing" } } } else { html! { <>{ for info.children.iter().map(|c| msg_link(d, s, *c)) }</> } }) }
                { kv("id derivation", html! { { id_derivation(id, info.parent, stored_in_outbox(run, info)) } }) }
                { kv("deliveries", if info.deliveries.is_empty() { html! { { "none" } } } else { html! { <>{ for info.deliveries.iter().map(|e| event_link(d, s, *e)) }</> } }) }
                if !info.duplicated_at.is_empty() { { kv("duplicated at", html! { <>{ for info.duplicated_at.iter().map(|e| event_link(d, s, *e)) }</> }) } }
                if !info.lease_expired_at.is_empty() { { kv("lease expired at", html! { <>{ for info.lease_expired_at.iter().map(|e| event_link(d, s, *e)) }</> }) } }
                if !info.failed_at.is_empty() { { kv("publish failed at", html! { <>{ for info.failed_at.iter().map(|e| event_link(d, s, *e)) }</> }) } }
                if run.index.is_ghost(id, s.cursor) { { kv("verdict", html! { <strong>{ "a ghost message: its sender never stored the change it announces" }</strong> }) } }
                { kv("copies now", if copies.is_empty() { html! { { "none in any queue" } } } else { html! { <ul>{ for copies.iter().map(|c| html! { <li>{ c.clone() }</li> }) }</ul> } }) }
            </dl>
            if !matches!(info.from, Endpoint::Shipping | Endpoint::Marketing) {
                <p class="whatifs">{ "What if its send had been… " }
                    { for [(SendChange::Duplicate, "duplicated"), (SendChange::Delay, "delayed 10 s"), (SendChange::Drop, "dropped")].into_iter().map(|(change, label)| {
                        let run = run.clone();
                        what_if(d, label, format!("whatif-{label}"), move || change_send(&run, id, change))
                    }) }
                </p>
            }
        </div>
    }
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
            "whatif-fail-commit".into(),
            move || fail_next_commit(&run, cursor, e),
        )
    };
    html! {
        <div class="inspect-doc" data-testid="inspect-document">
            <h3>{ format!("{e}'s {order}") }{ stored.map_or(String::new(), |st| format!(" · v{}", st.version)) }</h3>
            <pre class="json">{ value }</pre>
            <p class="whatifs">{ "What if… " }{ fail }</p>
            <h4>{ "Version history" }</h4>
            <ol class="history">
                { for history.iter().map(|v| html! {
                    <li class={classes!((v.event > s.cursor).then_some("future"))}>
                        { format!("v{} ({:?}) at ", v.version, v.why) }{ event_link(d, s, v.event) }
                        { " by " }{ v.caused_by.map_or(html! { { "the Frontend" } }, |m| msg_link(d, s, m)) }
                    </li>
                }) }
            </ol>
        </div>
    }
}

fn queue_view(s: &UiState, d: &Dispatch, w: &World, e: Endpoint) -> Html {
    let q = &w.queues[e.index()];
    html! {
        <div class="inspect-queue" data-testid="inspect-queue">
            <h3>{ format!("{e}'s queue · {} copies", q.len()) }</h3>
            <ul>
                { for q.iter().map(|c| {
                    let state = match c.state {
                        CopyState::Ready => "visible".to_string(),
                        CopyState::Delayed { until_ms } => format!("delayed: visible in {} ms", until_ms.saturating_sub(w.now_ms)),
                        CopyState::Leased { until_ms } => format!("in flight: lease {} ms left", until_ms.saturating_sub(w.now_ms)),
                    };
                    html! { <li>{ format!("c{} ", c.id.0) }{ msg_link(d, s, c.msg.id) }{ format!(" · {state} · delivered {}× · failed {}×", c.deliveries, c.failures) }</li> }
                }) }
            </ul>
            if q.is_empty() { <p>{ "Empty." }</p> }
        </div>
    }
}

fn instance_view(s: &UiState, d: &Dispatch, w: &World, e: Endpoint, i: u32) -> Html {
    let a = w
        .attempts
        .iter()
        .find(|a| a.endpoint == e && a.instance == i && a.copy.is_some());
    html! {
        <div class="inspect-instance" data-testid="inspect-instance">
            <h3>{ format!("{e} instance {i}") }</h3>
            { match a {
                None => html! { <p>{ "Idle." }</p> },
                Some(a) => html! { <>
                    <dl>
                        { kv("attempt", html! { { format!("a{}", a.id.0) } }) }
                        { kv("handling", msg_link(d, s, a.msg.id)) }
                        { kv("next steps", html! { { a.plan.iter().rev().map(op_name).collect::<Vec<_>>().join(" → ") } }) }
                        { kv("loaded", html! { { format!("{} {}", a.doc_key, a.version.map_or("(none)".to_string(), |v| format!("v{v}"))) } }) }
                        { kv("to publish", html! { <>{ for a.outs.iter().map(|m| msg_link(d, s, m.id)) }</> }) }
                    </dl>
                    <p class="whatifs">{ "What if… " }
                        { s.run.clone().map(|run| {
                            let cursor = s.cursor;
                            what_if(d, "it crashed after its next step", "whatif-crash".into(), move || {
                                let world = run.world_at(cursor).ok_or("no world at this moment")?;
                                crash_instance(&run, &world, cursor, e, i)
                            })
                        }) }
                    </p>
                </> },
            } }
        </div>
    }
}

fn stores_view(s: &UiState, d: &Dispatch, w: &World, e: Endpoint) -> Html {
    let st = &w.stores[e.index()];
    html! {
        <div class="inspect-stores" data-testid="inspect-stores">
            <h3>{ format!("{e}'s store") }</h3>
            <p class="whatifs">{ "What if… " }
                { s.run.clone().map(|run| {
                    let cursor = s.cursor;
                    what_if(d, "its next commit failed", "whatif-fail-commit".into(), move || fail_next_commit(&run, cursor, e))
                }) }
            </p>
            <h4>{ format!("Documents · {}", st.docs.len()) }</h4>
            <ul>{ for st.docs.iter().map(|(k, v)| {
                let d2 = d.clone(); let (e2, k2) = (e, *k);
                let onclick = Callback::from(move |_: MouseEvent| d2.dispatch(UiAction::Select(Some(Selection::Document(e2, k2)))));
                html! { <li><button type="button" class="link" {onclick}>{ format!("{k} v{}", v.version) }</button></li> }
            }) }</ul>
            <h4>{ format!("Inbox (processed ids) · {}", st.inbox.len()) }</h4>
            <ul>{ for st.inbox.iter().map(|id| html! { <li>{ msg_link(d, s, *id) }</li> }) }</ul>
            <h4>{ format!("Outbox documents · {}", st.outbox.len()) }</h4>
            <ul>{ for st.outbox.iter().map(|(tx, doc)| html! {
                <li>{ format!("tx{} for ", tx.0) }{ msg_link(d, s, doc.owner) }{ format!(": {} message(s)", doc.messages.len()) }</li>
            }) }</ul>
        </div>
    }
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
        Some(Selection::ErrorQueue) => html! {
            <div data-testid="inspect-error-queue">
                <h3>{ format!("Error queue · {}", w.error_queue.len()) }</h3>
                <ul>{ for w.error_queue.iter().map(|(e, m)| html! { <li>{ format!("from {e}: ") }{ msg_link(d, s, m.id) }</li> }) }</ul>
            </div>
        },
        Some(Selection::Tokens) => html! {
            <div data-testid="inspect-tokens">
                <h3>{ format!("Token store · {}", w.tokens.tokens.len()) }</h3>
                <ul>{ for w.tokens.tokens.iter().map(|((t, e), v)| html! { <li>{ format!("t{} for {e} (version {v})", t.0) }</li> }) }</ul>
            </div>
        },
        Some(Selection::Event(i)) => html! { <p>{ "Event " }{ event_link(d, s, i) }</p> },
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
