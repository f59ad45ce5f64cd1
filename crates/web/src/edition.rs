//! The page's two bundles. A visit loads the player (`Player`): the stage, the controls, the
//! inspector, the trace and the verdict, everything needed to open a preset or a link and watch
//! it go wrong. The editing panels (Settings, Share, Check, Model, Manual, Chapters) are the full
//! bundle (`Full`), loaded the first time the page needs one of them, as the checker's worker is
//! loaded when a check starts: that keeps what every visit downloads within issue #4's budget.
//!
//! Both bundles are this crate: the same `App`, generic over its edition, so the player is the
//! full page with the editing panels compiled out, never a second implementation. Opening one of
//! those panels in the player hands the page over: the player writes the moment (the share link,
//! or the open chapter's link), the tab and whether it plays, at what speed, into
//! `window.__eopHandoff`, and keeps it current while it asks `index.html`'s loader for the full
//! bundle; the full app, once loaded, stops the player in the same task and goes on from there.

use crate::state::{Tab, UiState};
use wasm_bindgen::{JsCast, JsValue};

/// Which bundle a page is.
pub trait Edition: 'static {
    /// True for the bundle with the editing panels.
    const FULL: bool;
}

/// The bundle every visit loads.
pub struct Player;

impl Edition for Player {
    const FULL: bool = false;
}

/// The bundle with the editing panels.
pub struct Full;

impl Edition for Full {
    const FULL: bool = true;
}

/// The window property the player leaves its moment and tab in for the full app.
const HANDOFF: &str = "__eopHandoff";
/// The window property holding the function that stops the player (set by the player).
const STOP_PLAYER: &str = "__eopStopPlayer";
/// `index.html`'s loader of the full bundle: a function returning a promise.
const LOAD_FULL: &str = "__eopLoadFull";

/// The tabs the player shows itself; every other tab is an editing panel.
pub fn player_tab(tab: Tab) -> bool {
    matches!(tab, Tab::Inspector | Tab::Trace)
}

/// True when the page shows something only the full bundle has: an editing tab, a chapter, manual
/// mode or the reference model's trace.
pub fn needs_full(s: &UiState) -> bool {
    !player_tab(s.tab) || s.chapter.is_some() || s.manual.is_some() || s.model_trace.is_some()
}

/// What the player hands over.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Handoff {
    /// The moment as a share-link fragment (`#v1.…`), when the scenario fits in a link; else the
    /// full app opens what the address names, as on a reload.
    pub fragment: Option<String>,
    /// An open chapter as its link (the address's query, `chapter=…`), which the full app opens
    /// instead of the address's own.
    pub query: Option<String>,
    /// The tab to show.
    pub tab: Option<Tab>,
    /// Whether the player was playing, and at what speed: the full app goes on the same way.
    pub playing: bool,
    pub speed: Option<f64>,
}

/// The tab's name in a handoff: its test id (`tab-settings`, …).
fn tab_name(tab: Tab) -> &'static str {
    crate::app::TABS
        .iter()
        .find(|(t, _, _)| *t == tab)
        .map_or("", |(_, _, testid)| testid)
}

/// The tab a handoff names; `None` for anything else.
fn tab_named(name: &str) -> Option<Tab> {
    crate::app::TABS
        .iter()
        .find(|(_, _, testid)| *testid == name)
        .map(|(t, _, _)| *t)
}

/// The handoff of the page `s`: its moment (an open chapter's link, else the share link), its
/// tab and whether it plays.
pub fn handoff_of(s: &UiState) -> Handoff {
    let query = s.chapter.as_ref().map(|c| {
        let at = if c.is_model() { c.model_at } else { s.cursor };
        let mut q = crate::chapter_state::query_of(c, at, s.display.presenting);
        if s.display.embed {
            q.push_str("&embed");
        }
        q
    });
    let fragment = (query.is_none() && crate::share::shareable(&s.scenario))
        .then(|| exactly_once_core::link::encode(&crate::share::moment_of(s, true)));
    Handoff {
        fragment,
        query,
        tab: Some(s.tab),
        playing: s.playing,
        speed: Some(s.speed),
    }
}

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// Leaves `h` for the full app.
pub fn write_handoff(h: &Handoff) {
    let Some(w) = window() else { return };
    let o = js_sys::Object::new();
    if let Some(f) = &h.fragment {
        let _ = js_sys::Reflect::set(&o, &"fragment".into(), &f.as_str().into());
    }
    if let Some(q) = &h.query {
        let _ = js_sys::Reflect::set(&o, &"query".into(), &q.as_str().into());
    }
    if let Some(t) = h.tab {
        let _ = js_sys::Reflect::set(&o, &"tab".into(), &tab_name(t).into());
    }
    let _ = js_sys::Reflect::set(&o, &"playing".into(), &h.playing.into());
    if let Some(x) = h.speed {
        let _ = js_sys::Reflect::set(&o, &"speed".into(), &x.into());
    }
    let _ = js_sys::Reflect::set(&w, &HANDOFF.into(), &o);
}

/// The player's handoff, once: reading it removes it, so a later reload starts afresh.
pub fn take_handoff() -> Option<Handoff> {
    let w = window()?;
    let o = js_sys::Reflect::get(&w, &HANDOFF.into()).ok()?;
    if o.is_undefined() || o.is_null() {
        return None;
    }
    let _ = js_sys::Reflect::delete_property(w.unchecked_ref::<js_sys::Object>(), &HANDOFF.into());
    let field = |key: &str| js_sys::Reflect::get(&o, &key.into()).ok();
    let text = |key: &str| field(key).and_then(|v| v.as_string());
    Some(Handoff {
        fragment: text("fragment"),
        query: text("query"),
        tab: text("tab").as_deref().and_then(tab_named),
        playing: field("playing").and_then(|v| v.as_bool()) == Some(true),
        speed: field("speed").and_then(|v| v.as_f64()),
    })
}

/// Loads the full bundle through `index.html`'s loader; its start takes over the page. Errs with
/// why it could not be loaded.
pub async fn load_full() -> Result<(), String> {
    let w = window().ok_or("no window")?;
    let load = js_sys::Reflect::get(&w, &LOAD_FULL.into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or("the page has no loader for it")?;
    let promise = load
        .call0(&w)
        .map_err(describe)?
        .dyn_into::<js_sys::Promise>()
        .map_err(|_| "its loader did not start".to_string())?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(describe)
}

fn describe(e: JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

/// The player's `stop`, callable by the full app: registered when the player mounts.
pub fn register_stop(stop: impl FnOnce() + 'static) {
    let Some(w) = window() else { return };
    let f = wasm_bindgen::closure::Closure::once_into_js(stop);
    let _ = js_sys::Reflect::set(&w, &STOP_PLAYER.into(), &f);
}

/// Stops the player, if one is running (the full app calls this just before it mounts, in the
/// same task, so the page is never blank).
pub fn stop_player() {
    let Some(w) = window() else { return };
    let Ok(f) = js_sys::Reflect::get(&w, &STOP_PLAYER.into()) else {
        return;
    };
    let _ =
        js_sys::Reflect::delete_property(w.unchecked_ref::<js_sys::Object>(), &STOP_PLAYER.into());
    if let Some(f) = f.dyn_ref::<js_sys::Function>() {
        let _ = f.call0(&JsValue::NULL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tab_has_a_handoff_name_of_its_own() {
        for (t, _, _) in crate::app::TABS {
            assert_eq!(tab_named(tab_name(t)), Some(t));
        }
        assert_eq!(tab_named("nonsense"), None);
    }

    #[test]
    fn a_chapter_is_handed_over_as_its_link_and_anything_else_as_its_share_link() {
        use crate::chapter_state::{parse_query, reduce, ChapterAction, Opening};
        let mut s = UiState {
            tab: Tab::Settings,
            cursor: 3,
            ..UiState::default()
        };
        let h = handoff_of(&s);
        assert_eq!(h.tab, Some(Tab::Settings));
        assert!(h.query.is_none());
        let moment = exactly_once_core::link::decode(h.fragment.as_deref().expect("a link"))
            .expect("a share link");
        assert_eq!(moment.scenario, *s.scenario);
        assert_eq!(moment.at_event, Some(3));
        s.display.embed = true;
        let opened = reduce(
            std::rc::Rc::new(s),
            ChapterAction::Open(Opening {
                id: "ghost-message".into(),
                fixed: false,
                recorded: Vec::new(),
                at: None,
            }),
        );
        assert!(needs_full(&opened));
        let h = handoff_of(&opened);
        assert!(
            h.fragment.is_none(),
            "a chapter is its link, not a scenario"
        );
        let query = h.query.expect("the chapter's link");
        assert_eq!(
            parse_query(&query).map(|o| o.id).as_deref(),
            Some("ghost-message")
        );
        assert!(crate::presenter::Display::from_query(&query).embed);
    }

    #[test]
    fn the_player_hands_over_for_editing_tabs_chapters_and_manual_mode() {
        let mut s = UiState::default();
        assert!(!needs_full(&s), "the default page is the player's");
        s.tab = Tab::Trace;
        assert!(!needs_full(&s));
        for t in [
            Tab::Settings,
            Tab::Manual,
            Tab::Check,
            Tab::Model,
            Tab::Share,
            Tab::Chapters,
        ] {
            s.tab = t;
            assert!(needs_full(&s), "{t:?}");
        }
        s.tab = Tab::Inspector;
        s.manual = Some(std::rc::Rc::new(Vec::new()));
        assert!(needs_full(&s));
    }
}
