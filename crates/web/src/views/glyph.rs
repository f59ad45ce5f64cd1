//! The message glyph shared by both views: a shape per message type, a filling code inside, and
//! text badges for its marks, so nothing is told by colour alone.

use crate::anim::{glyph_path, kind_class, Point};
use crate::model::Marks;
use crate::state::{Selection, UiAction};
use crate::views::Dispatch;
use exactly_once_core::scenario::Filling;
use exactly_once_core::world::MsgRef;
use yew::prelude::*;

/// Two letters per filling, drawn inside the glyph.
pub fn filling_code(f: Option<Filling>) -> &'static str {
    match f {
        Some(Filling::Meat) => "Me",
        Some(Filling::Mushrooms) => "Mu",
        Some(Filling::QuarkAndPotatoes) => "QP",
        Some(Filling::SwissCheese) => "SC",
        Some(Filling::Strawberry) => "St",
        None => "",
    }
}

/// "AddItem(SwissCheese)": the full label of a moving message.
pub fn long_label(m: &MsgRef) -> String {
    match m.filling {
        Some(f) => format!("{}({f:?})", m.kind),
        None => format!("{}({})", m.kind, m.order.0),
    }
}

pub struct GlyphOpts<'a> {
    pub r: f64,
    pub marks: Marks,
    pub highlighted: bool,
    pub dim: bool,
    pub label: Option<String>,
    pub d: &'a Dispatch,
}

pub fn glyph(m: &MsgRef, at: Point, o: GlyphOpts) -> Html {
    let id = m.id;
    let d = o.d.clone();
    let onclick = Callback::from(move |e: MouseEvent| {
        e.stop_propagation();
        d.dispatch(UiAction::Select(Some(Selection::Message(id))));
    });
    let class = classes!(
        "msg",
        kind_class(m.kind),
        o.highlighted.then_some("hl"),
        o.dim.then_some("dim"),
        o.marks.ghost.then_some("ghost"),
    );
    let all_badges = o.marks.badges();
    // Small glyphs (in a queue) carry their most important mark only; all of them are in the
    // tooltip and the inspector.
    let badges = if o.r < 10.0 {
        all_badges
            .first()
            .map(|b| b.to_string())
            .unwrap_or_default()
    } else {
        all_badges.join(" ")
    };
    let all = all_badges.join(" ");
    let title = format!(
        "{} #{}{}",
        long_label(m),
        id.short(),
        if all.is_empty() {
            String::new()
        } else {
            format!(" [{all}]")
        }
    );
    // Keyboard: Tab reaches every message, Enter inspects it (Space stays play/pause).
    let d = o.d.clone();
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" {
            e.stop_propagation();
            d.dispatch(UiAction::Select(Some(Selection::Message(id))));
        }
    });
    html! {
        <g {class} {onclick} {onkeydown} data-msg={id.short()} tabindex="0" role="button" aria-label={title.clone()}>
            <title>{ title }</title>
            if o.highlighted {
                <circle class="hl-ring" cx={fmt(at.x)} cy={fmt(at.y)} r={fmt(o.r * 1.9)} />
            }
            <path d={glyph_path(m.kind, at, o.r)} />
            <text class="fill-code" x={fmt(at.x)} y={fmt(at.y + o.r * 0.35)}>{ filling_code(m.filling) }</text>
            if !badges.is_empty() {
                <text class="badge" x={fmt(at.x + o.r * 0.9)} y={fmt(at.y - o.r * 1.2)}>{ badges }</text>
            }
            if let Some(l) = o.label {
                <text class="glyph-label" x={fmt(at.x)} y={fmt(at.y + o.r * 2.4)}>{ l }</text>
            }
        </g>
    }
}

/// SVG numbers with one decimal: shorter DOM, no visible difference.
pub fn fmt(v: f64) -> String {
    crate::anim::num(v)
}
