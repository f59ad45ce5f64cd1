//! Rendering: pure `fn(&UiState, &Dispatch) -> Html` helpers per panel (the state is the only
//! input, so a frame re-renders cheaply and no closure captures stale state), plus the settings
//! form as a component that only re-renders when the draft changes.

pub mod chapters;
pub mod checker_panel;
pub mod controls;
pub mod form;
pub mod glyph;
pub mod inspector;
pub mod manual;
pub mod model_stage;
pub mod model_view;
pub mod picker;
pub mod presenter;
pub mod sequence;
pub mod settings_panel;
pub mod share_panel;
pub mod topology;
pub mod trace_list;
pub mod verdict_panel;

use crate::state::{Selection, UiAction, UiState};
use std::rc::Rc;
use yew::virtual_dom::{
    AttrValue, AttributeOrProperty, Attributes, Key, Listener, Listeners, VList, VNode, VTag, VText,
};
use yew::{Callback, Html, MouseEvent, NodeRef};

/// How views send actions.
pub type Dispatch = yew::UseReducerDispatcher<UiState>;

/// A click that dispatches `action`. Every button that only dispatches goes through this one
/// closure type: each distinct closure is its own callback, drop and vtable code in the bundle.
pub fn on_click(d: &Dispatch, action: UiAction) -> Callback<MouseEvent> {
    let d = d.clone();
    Callback::from(move |_: MouseEvent| d.dispatch(action.clone()))
}

/// A click that selects `sel` for the inspector, and goes no further: a message glyph sits inside
/// an instance and a document inside its card, and the click means the innermost one. The one
/// closure type of every selecting click on the stage.
pub fn select(d: &Dispatch, sel: Selection) -> Callback<MouseEvent> {
    let d = d.clone();
    Callback::from(move |e: MouseEvent| {
        e.stop_propagation();
        d.dispatch(UiAction::Select(Some(sel)));
    })
}

/// The stage's drawing in a box of its own (`.stage-frame`: absolutely placed, size and layout
/// contained), in every layout that shows it. The text that changes with every event around the
/// stage (the event line, the controls) then never lays the drawing out again: without the box,
/// each step relaid the whole SVG out (about 500 elements, 3 to 15 ms a frame).
pub fn stage_frame(stage: Html) -> Html {
    el("div", &["class"], vec![attr("stage-frame")], vec![stage])
}

/// An element without listeners, built by one shared function: each `html!` element inlines its
/// own node ref, attribute box and children at every call site, and a `class` that is not a
/// literal goes through `Classes` (an IndexSet). The stage draws the same few shapes hundreds of
/// times, so they are made here. `values[i]` is the value of `keys[i]`; `None` leaves it out.
pub fn el(
    tag: &'static str,
    keys: &'static [&'static str],
    values: Vec<Option<AttrValue>>,
    children: Vec<Html>,
) -> Html {
    node(tag, None, keys, values, Vec::new(), children)
}

/// [`el`] with listeners (`Rc::new(yew::html::onclick::Wrapper::new(callback))`).
pub fn el_on(
    tag: &'static str,
    keys: &'static [&'static str],
    values: Vec<Option<AttrValue>>,
    listeners: Vec<Rc<dyn Listener>>,
    children: Vec<Html>,
) -> Html {
    node(tag, None, keys, values, listeners, children)
}

/// [`el_on`] with a key, for an element of a keyed list (see [`list`]).
pub fn node(
    tag: &'static str,
    key: Option<Key>,
    keys: &'static [&'static str],
    values: Vec<Option<AttrValue>>,
    listeners: Vec<Rc<dyn Listener>>,
    children: Vec<Html>,
) -> Html {
    let values = values
        .into_iter()
        .map(|v| v.map(AttributeOrProperty::Attribute))
        .collect();
    let listeners = if listeners.is_empty() {
        Listeners::None
    } else {
        Listeners::Pending(listeners.into_iter().map(Some).collect())
    };
    // What `html!` itself calls for an element (yew 0.23); `VTag::new` would lower-case the tag
    // name again on every frame.
    VNode::from(VTag::__new_other(
        AttrValue::Static(tag),
        NodeRef::default(),
        key,
        Attributes::Dynamic { keys, values },
        listeners,
        VNode::from(VList::with_children(children, None)),
    ))
}

/// A static attribute value, left out when empty (as `html!` does with an empty class).
pub fn attr(c: &'static str) -> Option<AttrValue> {
    (!c.is_empty()).then_some(AttrValue::Static(c))
}

/// `<text class x y>body</text>`, the stage's most frequent element.
pub fn text(c: &'static str, x: f64, y: f64, body: AttrValue) -> Html {
    el(
        "text",
        &["class", "x", "y"],
        vec![attr(c), Some(num(x)), Some(num(y))],
        vec![txt(body)],
    )
}

/// An element with only children.
pub fn tag(name: &'static str, children: Vec<Html>) -> Html {
    el(name, &[], Vec::new(), children)
}

/// A fragment: nested in a parent's children, a keyed list stays keyed on its own.
pub fn list(children: Vec<Html>) -> Html {
    VNode::from(VList::with_children(children, None))
}

/// `<title>` (the tooltip of an SVG group).
pub fn title(v: AttrValue) -> Html {
    el("title", &[], Vec::new(), vec![txt(v)])
}

/// A text node (`{ string }` in `html!` goes through `ToString`, another copy).
pub fn txt(v: AttrValue) -> Html {
    VNode::VText(VText::new(v))
}

/// `<rect class x y width height rx>`.
pub fn rect(c: &'static str, x: f64, y: f64, w: f64, h: f64, rx: &'static str) -> Html {
    el(
        "rect",
        &["class", "x", "y", "width", "height", "rx"],
        vec![
            attr(c),
            Some(num(x)),
            Some(num(y)),
            Some(num(w)),
            Some(num(h)),
            attr(rx),
        ],
        Vec::new(),
    )
}

/// `<line class x1 y1 x2 y2 marker-end>`.
pub fn line(
    c: &'static str,
    x1: f64,
    y1: f64,
    x2: f64,
    y2: f64,
    marker: Option<&'static str>,
) -> Html {
    el(
        "line",
        &["class", "x1", "y1", "x2", "y2", "marker-end"],
        vec![
            attr(c),
            Some(num(x1)),
            Some(num(y1)),
            Some(num(x2)),
            Some(num(y2)),
            marker.map(AttrValue::Static),
        ],
        Vec::new(),
    )
}

/// An SVG coordinate with one decimal (see `anim::num`).
pub fn num(v: f64) -> AttrValue {
    crate::anim::num(v).into()
}

/// `0.130 s`: virtual time as people read it.
pub fn seconds(ms: u64) -> String {
    format!("{}.{:03} s", ms / 1000, ms % 1000)
}
