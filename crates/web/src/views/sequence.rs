//! The sequence view: one lane per endpoint, queue and store; one row per event; arrows for
//! sends, deliveries, loads and commits. Only a window of rows around the playhead is drawn, so a
//! trace of any length stays cheap and the current event is always in view.

use crate::anim::{glyph_path, kind_class, lane_x, lanes, window_start, Lane, Point};
use crate::state::{Selection, UiAction, UiState};
use crate::views::glyph::long_label;
use crate::views::{
    attr, el, el_on, line, list, node, num, on_click, rect, seconds, select, text, txt, Dispatch,
};
use exactly_once_core::scenario::Endpoint;
use exactly_once_core::trace::{Event, EventKind, FailOutcome};
use exactly_once_core::world::MsgRef;
use std::cmp::Ordering;
use std::rc::Rc;
use yew::html::onclick;
use yew::prelude::*;
use yew::virtual_dom::AttrValue;

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
    let mut parts = vec![Html::from_html_unchecked(AttrValue::Static(
        r#"<defs><marker id="seq-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" class="arrowhead"/></marker></defs>"#,
    ))];
    for (i, l) in ls.iter().enumerate() {
        let x = lane_x(i, n, WIDTH, GUTTER);
        let c = match l {
            Lane::Queue(_) => "lane queue",
            Lane::Handler(_) => "lane handler",
            Lane::Store(_) => "lane store",
            Lane::ErrorQueue => "lane errorq",
        };
        parts.push(el(
            "g",
            &["class"],
            vec![attr(c)],
            vec![
                line("", x, HEAD - 6.0, x, height, None),
                text("", x, 22.0, l.label().into()),
            ],
        ));
    }
    let mut rows = Vec::new();
    for i in start..end {
        let e = &run.events[i as usize];
        let y = HEAD + f64::from(i - start) * ROW + ROW / 2.0;
        let body = if let EventKind::TimeAdvanced { to_ms } = e.kind {
            el(
                "g",
                &["class"],
                vec![attr("tick")],
                vec![
                    line("", GUTTER, y, WIDTH - 10.0, y, None),
                    text(
                        "",
                        WIDTH - 14.0,
                        y - 3.0,
                        format!("time → {}", seconds(to_ms)).into(),
                    ),
                ],
            )
        } else if let Some((from, tos, label, msg, chaos)) = arrow_of(e) {
            let x1 = x_of(from).unwrap_or(GUTTER);
            let mut row = Vec::new();
            for x2 in tos.iter().filter_map(|t| x_of(*t)) {
                row.push(line(
                    if chaos { "arrow chaos" } else { "arrow" },
                    x1,
                    y,
                    x2,
                    y,
                    Some("url(#seq-arrow)"),
                ));
            }
            let x2 = tos.first().and_then(|t| x_of(*t)).unwrap_or(x1);
            let mid = (x1 + x2) / 2.0;
            let hl = msg.is_some_and(|m| s.highlight.contains(&m.id));
            let ghost = msg.is_some_and(|m| run.index.is_ghost(m.id, s.cursor));
            if let Some(m) = msg {
                let c = format!("msg {}{}", kind_class(m.kind), if hl { " hl" } else { "" });
                row.push(el_on(
                    "path",
                    &["class", "d"],
                    vec![
                        Some(c.into()),
                        Some(
                            glyph_path(
                                m.kind,
                                Point {
                                    x: x1.min(x2) + 12.0,
                                    y,
                                },
                                6.0,
                            )
                            .into(),
                        ),
                    ],
                    vec![Rc::new(onclick::Wrapper::new(select(
                        d,
                        Selection::Message(m.id),
                    )))],
                    Vec::new(),
                ));
            }
            // The mark is a text node of its own, as before: one node reflows the glyphs a little.
            row.push(el(
                "text",
                &["class", "x", "y"],
                vec![attr("arrow-label"), Some(num(mid)), Some(num(y - 4.0))],
                vec![
                    txt(label.into()),
                    txt(AttrValue::Static(if ghost { " · GHOST" } else { "" })),
                ],
            ));
            el(
                "g",
                &["class"],
                vec![attr(if hl { "arrow-row hl" } else { "arrow-row" })],
                row,
            )
        } else {
            let x = x_of(Lane::Handler(e.endpoint)).unwrap_or(GUTTER);
            el(
                "g",
                &["class"],
                vec![attr(if crate::model::chaos_label(&e.kind).is_some() {
                    "note-row chaos"
                } else {
                    "note-row"
                })],
                vec![
                    el(
                        "circle",
                        &["cx", "cy", "r"],
                        vec![Some(num(x)), Some(num(y)), Some("4".into())],
                        Vec::new(),
                    ),
                    text("", x + 8.0, y + 4.0, crate::model::event_text(e).into()),
                ],
            )
        };
        let c = match i.cmp(&s.cursor) {
            Ordering::Less => "row",
            Ordering::Equal => "row current",
            Ordering::Greater => "row future",
        };
        rows.push(node(
            "g",
            Some(i.into()),
            &["class", "data-event"],
            vec![attr(c), Some(i.to_string().into())],
            vec![Rc::new(onclick::Wrapper::new(on_click(
                d,
                UiAction::Seek(i),
            )))],
            vec![
                rect("row-bg", 0.0, y - ROW / 2.0, WIDTH, ROW, ""),
                text(
                    "gutter",
                    8.0,
                    y + 4.0,
                    format!("#{i} {}", seconds(e.at_ms)).into(),
                ),
                body,
            ],
        ));
    }
    parts.push(list(rows));
    html! {
        <div class="sequence-wrap">
            <svg class="sequence" data-testid="sequence" viewBox={format!("0 0 {} {}", num(WIDTH), num(height))} preserveAspectRatio="xMidYMin meet" role="img" aria-label="Sequence view of the trace">
                { for parts }
            </svg>
            <div class="sequence-note">{ format!("events {}–{} of {total}; the playhead row is outlined", start, end.saturating_sub(1)) }</div>
        </div>
    }
}
