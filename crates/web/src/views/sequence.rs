//! The sequence view: one lane per endpoint, queue and store; one row per event; arrows for
//! sends, deliveries, loads and commits. Only a window of rows around the playhead is drawn, so a
//! trace of any length stays cheap and the current event is always in view.

use crate::anim::{glyph_path, kind_class, lane_x, lanes, window_start, Lane, Point};
use crate::state::{Selection, UiAction, UiState};
use crate::views::glyph::{fmt, long_label};
use crate::views::{seconds, Dispatch};
use exactly_once_core::scenario::Endpoint;
use exactly_once_core::trace::{Event, EventKind, FailOutcome};
use exactly_once_core::world::MsgRef;
use yew::prelude::*;

const ROW: f64 = 26.0;
const HEAD: f64 = 40.0;
const GUTTER: f64 = 130.0;
const WIDTH: f64 = 1200.0;
pub const ROWS: u32 = 34;

/// From lane, to lanes, the label, the message it carries, and whether it is a chaos arrow.
type Arrow = (Lane, Vec<Lane>, String, Option<MsgRef>, bool);

fn arrow_of(e: &Event) -> Option<Arrow> {
    let h = Lane::Handler(e.endpoint);
    let st = Lane::Store(e.endpoint);
    Some(match &e.kind {
        EventKind::Published { msg, to, .. } => (
            h,
            to.iter().map(Lane::Queue).collect(),
            long_label(msg),
            Some(*msg),
            false,
        ),
        EventKind::Duplicated { msg, to, .. } => (
            h,
            to.iter().map(Lane::Queue).collect(),
            format!("duplicate {}", long_label(msg)),
            Some(*msg),
            true,
        ),
        EventKind::Delivered { msg, instance, .. } => (
            Lane::Queue(e.endpoint),
            vec![h],
            format!("deliver to instance {instance}"),
            Some(*msg),
            false,
        ),
        EventKind::LeaseExpired { msg, .. } => (
            h,
            vec![Lane::Queue(e.endpoint)],
            "lease expired ↻".into(),
            Some(*msg),
            true,
        ),
        EventKind::Loaded { order, version } => (
            st,
            vec![h],
            format!(
                "load {order} {}",
                version.map_or("(none)".into(), |v| format!("v{v}"))
            ),
            None,
            false,
        ),
        EventKind::Committed { order, version, .. } => (
            h,
            vec![st],
            format!("commit {order} v{version}"),
            None,
            false,
        ),
        EventKind::CommitFailed { order } => {
            (h, vec![st], format!("✗ store of {order} fails"), None, true)
        }
        EventKind::Failed {
            outcome: FailOutcome::ErrorQueue,
            error,
        } => (
            h,
            vec![Lane::ErrorQueue],
            format!("✗ {} → error queue", error.name()),
            None,
            true,
        ),
        _ => return None,
    })
}

pub fn sequence(s: &UiState, d: &Dispatch) -> Html {
    let Some(run) = &s.run else {
        return html! { <div class="stage-empty">{ "Computing the run…" }</div> };
    };
    let sc = &run.scenario;
    let deployed = Endpoint::ALL.map(|e| sc.endpoint_settings(e).is_some());
    let cart = sc.script.iter().any(|st| st.action.is_cart());
    let ls = lanes(deployed, sc.frontend.submit_via_send_local, cart);
    let n = ls.len();
    let x_of = |l: Lane| {
        ls.iter()
            .position(|x| *x == l)
            .map(|i| lane_x(i, n, WIDTH, GUTTER))
    };
    let total = run.len();
    let start = window_start(s.cursor, total, ROWS);
    let end = (start + ROWS).min(total);
    let height = HEAD + f64::from(ROWS) * ROW + 10.0;
    let lane_html: Html = ls
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let x = lane_x(i, n, WIDTH, GUTTER);
            let class = match l {
                Lane::Queue(_) => "lane queue",
                Lane::Handler(_) => "lane handler",
                Lane::Store(_) => "lane store",
                Lane::ErrorQueue => "lane errorq",
            };
            html! {
                <g class={class}>
                    <line x1={fmt(x)} y1={fmt(HEAD - 6.0)} x2={fmt(x)} y2={fmt(height)} />
                    <text x={fmt(x)} y="22">{ l.label() }</text>
                </g>
            }
        })
        .collect();
    let rows: Html = (start..end)
        .map(|i| {
            let e = &run.events[i as usize];
            let y = HEAD + f64::from(i - start) * ROW + ROW / 2.0;
            let current = i == s.cursor;
            let past = i <= s.cursor;
            let d2 = d.clone();
            let onclick = Callback::from(move |_: MouseEvent| d2.dispatch(UiAction::Seek(i)));
            let body = if let EventKind::TimeAdvanced { to_ms } = e.kind {
                html! {
                    <g class="tick">
                        <line x1={fmt(GUTTER)} y1={fmt(y)} x2={fmt(WIDTH - 10.0)} y2={fmt(y)} />
                        <text x={fmt(WIDTH - 14.0)} y={fmt(y - 3.0)}>{ format!("time → {}", seconds(to_ms)) }</text>
                    </g>
                }
            } else if let Some((from, tos, label, msg, chaos)) = arrow_of(e) {
                let x1 = x_of(from).unwrap_or(GUTTER);
                let arrows: Html = tos
                    .iter()
                    .filter_map(|t| x_of(*t))
                    .map(|x2| {
                        html! { <line class={classes!("arrow", chaos.then_some("chaos"))} x1={fmt(x1)} y1={fmt(y)} x2={fmt(x2)} y2={fmt(y)} marker-end="url(#seq-arrow)" /> }
                    })
                    .collect();
                let x2 = tos.first().and_then(|t| x_of(*t)).unwrap_or(x1);
                let mid = (x1 + x2) / 2.0;
                let hl = msg.is_some_and(|m| s.highlight.contains(&m.id));
                let ghost = msg.is_some_and(|m| run.index.is_ghost(m.id, s.cursor));
                let icon = msg.map(|m| {
                    let id = m.id;
                    let d3 = d.clone();
                    let pick = Callback::from(move |ev: MouseEvent| {
                        ev.stop_propagation();
                        d3.dispatch(UiAction::Select(Some(Selection::Message(id))));
                    });
                    html! {
                        <path class={classes!("msg", kind_class(m.kind), hl.then_some("hl"))} onclick={pick}
                            d={glyph_path(m.kind, Point { x: x1.min(x2) + 12.0, y }, 6.0)} />
                    }
                });
                html! {
                    <g class={classes!("arrow-row", hl.then_some("hl"))}>
                        { arrows }
                        { icon }
                        <text class="arrow-label" x={fmt(mid)} y={fmt(y - 4.0)}>{ label }{ if ghost { " · GHOST" } else { "" } }</text>
                    </g>
                }
            } else {
                let x = x_of(Lane::Handler(e.endpoint)).unwrap_or(GUTTER);
                html! {
                    <g class={classes!("note-row", crate::model::chaos_label(&e.kind).map(|_| "chaos"))}>
                        <circle cx={fmt(x)} cy={fmt(y)} r="4" />
                        <text x={fmt(x + 8.0)} y={fmt(y + 4.0)}>{ crate::model::event_text(e) }</text>
                    </g>
                }
            };
            html! {
                <g key={i} class={classes!("row", current.then_some("current"), (!past).then_some("future"))} {onclick} data-event={i.to_string()}>
                    <rect class="row-bg" x="0" y={fmt(y - ROW / 2.0)} width={fmt(WIDTH)} height={fmt(ROW)} />
                    <text class="gutter" x="8" y={fmt(y + 4.0)}>{ format!("#{i} {}", seconds(e.at_ms)) }</text>
                    { body }
                </g>
            }
        })
        .collect();
    html! {
        <div class="sequence-wrap">
            <svg class="sequence" data-testid="sequence" viewBox={format!("0 0 {} {}", fmt(WIDTH), fmt(height))} preserveAspectRatio="xMidYMin meet" role="img" aria-label="Sequence view of the trace">
                <defs>
                    <marker id="seq-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                        <path d="M0 0L10 5L0 10z" class="arrowhead" />
                    </marker>
                </defs>
                { lane_html }
                { rows }
            </svg>
            <div class="sequence-note">{ format!("events {}–{} of {total}; the playhead row is outlined", start, end.saturating_sub(1)) }</div>
        </div>
    }
}
