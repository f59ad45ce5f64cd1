//! The message glyph shared by both views: a shape per message type, a filling code inside, and
//! text badges for its marks, so nothing is told by colour alone.

use crate::anim::{glyph_path, kind_class, Point};
use crate::model::Marks;
use crate::state::{Selection, UiAction};
use crate::views::{attr, el, el_on, num, select, text, title as title_of, Dispatch};
use exactly_once_core::scenario::Filling;
use exactly_once_core::world::MsgRef;
use std::rc::Rc;
use yew::html::{onclick, onkeydown};
use yew::prelude::*;
use yew::virtual_dom::AttrValue;

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
    // The class as one string: `classes!` with conditions goes through an IndexSet.
    let mut class = format!("msg {}", kind_class(m.kind));
    for (on, c) in [
        (o.highlighted, " hl"),
        (o.dim, " dim"),
        (o.marks.ghost, " ghost"),
    ] {
        if on {
            class.push_str(c);
        }
    }
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
    let title: AttrValue = format!(
        "{} #{}{}",
        long_label(m),
        id.short(),
        if all.is_empty() {
            String::new()
        } else {
            format!(" [{all}]")
        }
    )
    .into();
    // Keyboard: Tab reaches every message, Enter inspects it (Space stays play/pause).
    let d = o.d.clone();
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" {
            e.stop_propagation();
            d.dispatch(UiAction::Select(Some(Selection::Message(id))));
        }
    });
    let mut parts = vec![title_of(title.clone())];
    if o.highlighted {
        parts.push(el(
            "circle",
            &["class", "cx", "cy", "r"],
            vec![
                attr("hl-ring"),
                Some(num(at.x)),
                Some(num(at.y)),
                Some(num(o.r * 1.9)),
            ],
            Vec::new(),
        ));
    }
    parts.push(el(
        "path",
        &["d"],
        vec![Some(glyph_path(m.kind, at, o.r).into())],
        Vec::new(),
    ));
    parts.push(text(
        "fill-code",
        at.x,
        at.y + o.r * 0.35,
        filling_code(m.filling).into(),
    ));
    if !badges.is_empty() {
        parts.push(text(
            "badge",
            at.x + o.r * 0.9,
            at.y - o.r * 1.2,
            badges.into(),
        ));
    }
    if let Some(l) = o.label {
        parts.push(text("glyph-label", at.x, at.y + o.r * 2.4, l.into()));
    }
    el_on(
        "g",
        &["class", "data-msg", "tabindex", "role", "aria-label"],
        vec![
            Some(class.into()),
            Some(id.short().into()),
            Some(AttrValue::Static("0")),
            Some(AttrValue::Static("button")),
            Some(title),
        ],
        vec![
            Rc::new(onclick::Wrapper::new(select(o.d, Selection::Message(id)))),
            Rc::new(onkeydown::Wrapper::new(onkeydown)),
        ],
        parts,
    )
}
