//! Presenter mode: the stage, large, with the chapter's question, what to look for and the
//! anomaly beside it and the beats below; no editing panels. Keyboard only (see
//! `presenter::KEY_HELP`, shown on "?"), readable from the back of a room on a 1280x720
//! projector. Also the embed layout (`?embed`): the player alone, for an iframe in slides.

use crate::chapter_state::{next_step, ChapterAction};
use crate::presenter::{DisplayAction, Theme, KEY_HELP};
use crate::state::{UiAction, UiState};
use crate::views::chapters::{anomaly_line, fix_button, model_stage};
use crate::views::form::raw;
use crate::views::on_click;
use crate::views::{seconds, verdict_panel, Dispatch};
use yew::prelude::*;

/// The key help overlay.
pub fn help_overlay(d: &Dispatch) -> Html {
    let close = on_click(d, UiAction::Display(DisplayAction::ToggleHelp));
    html! {
        <div class="help-overlay" role="dialog" aria-label="keys" data-testid="help-overlay">
            <div class="help-box">
                <h2>{ "Keys" }</h2>
                <table>
                    { for KEY_HELP.iter().map(|(k, what)| html! { <tr><th>{ *k }</th><td>{ *what }</td></tr> }) }
                </table>
                <p>{ "A clicker's next and back are PageDown and PageUp: after a chapter's last beat, next applies the fix, then opens the next chapter." }</p>
                <button type="button" onclick={close}>{ "Close (Esc)" }</button>
            </div>
        </div>
    }
}

/// The theme picker (normal and presenter layouts).
pub fn theme_select(s: &UiState, d: &Dispatch) -> Html {
    let d = d.clone();
    let onchange = Callback::from(move |e: Event| {
        let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
        if let Some(t) = Theme::from_name(&el.value()) {
            d.dispatch(UiAction::Display(DisplayAction::SetTheme(t)));
        }
    });
    html! {
        <label class="theme-pick"><span class="label-text">{ "Theme " }</span>
            <select {onchange} data-testid="theme" aria-label="colour theme">
                { for Theme::ALL.iter().map(|t| html! {
                    <option value={t.name()} selected={*t == s.display.theme}>{ t.label() }</option>
                }) }
            </select>
        </label>
    }
}

/// The event at the playhead, in words, for both layouts: `class` is the layout's, `chaos_class`
/// the same with the chaos mark.
pub fn now_event(s: &UiState, class: &'static str, chaos_class: &'static str) -> Option<Html> {
    let e = s.run.as_ref()?.events.get(s.cursor as usize)?;
    let chaos = crate::model::chaos_label(&e.kind).is_some();
    Some(html! {
        <p class={if chaos { chaos_class } else { class }} data-testid="now" aria-live="polite">
            <span class="t">{ format!("#{} · {}", e.index, seconds(e.at_ms)) }</span>
            <span class="ep">{ e.endpoint.name() }</span>
            { crate::model::event_text(e) }
        </p>
    })
}

/// The banner's notice with its dismiss button (normal and embed layouts; `class` is the layout's).
pub fn notice(s: &UiState, d: &Dispatch, class: &'static str) -> Html {
    let Some(text) = &s.notice else {
        return Html::default();
    };
    html! {
        <p {class} role="status" data-testid="notice">
            { text.to_string() }
            <button type="button" aria-label="dismiss" onclick={on_click(d, UiAction::Notice(None))}>{ "×" }</button>
        </p>
    }
}

/// The data the end-to-end suite reads off `<main>` (see `app`), on every layout.
pub fn main_attrs(s: &UiState) -> (String, String, String, String) {
    (
        s.preset_id.clone().unwrap_or_default(),
        s.run.is_some().to_string(),
        s.cursor.to_string(),
        s.len().to_string(),
    )
}

/// The presenter layout around `stage`.
pub fn presenter(s: &UiState, d: &Dispatch, stage: Html) -> Html {
    let (preset, ready, cursor, events) = main_attrs(s);
    let chapter = s.chapter.clone();
    let now = now_event(s, "p-now", "p-now chaos");
    let anomaly_now = chapter.as_ref().is_some_and(|c| {
        matches!(
            c.anomaly_state(s.cursor),
            crate::chapter_state::AnomalyState::Shown(_)
        )
    });
    let stage = match &chapter {
        Some(c) if c.is_model() => model_stage(c),
        _ => stage,
    };
    let title = match &chapter {
        Some(c) => html! {
            <h1>
                <span class="p-num">{ format!("{}/{}", c.chapter.number, crate::chapter_state::all().len()) }</span>
                { c.chapter.title.clone() }
                <span class={classes!("p-phase", if c.fixed { "after" } else { "before" })} data-testid="phase">{ if c.fixed { "after the fix" } else { "before the fix" } }</span>
            </h1>
        },
        None => html! {
            <h1>{ s.preset_id.clone().map_or_else(|| "Exactly-Once Playground".to_string(), |p| format!("Scenario {p}")) }</h1>
        },
    };
    let side = match &chapter {
        Some(c) => {
            let current = c.current_beat(s.cursor, s.progress >= 1.0);
            let beat_label = current
                .and_then(|i| c.beats.get(i))
                .map(|b| b.label.clone())
                .unwrap_or_else(|| "Start".to_string());
            html! {
                <>
                    <p class="p-question"><span class="p-label">{ "Ask" }</span>{ c.chapter.question.clone() }</p>
                    <p class="p-look"><span class="p-label">{ "Look for" }</span>{ c.chapter.look_for.clone() }</p>
                    { anomaly_line(c, s.cursor) }
                    <p class="p-beat" data-testid="beat" data-beat={current.map_or(-1, |i| i as i64).to_string()} data-beats={c.beats.len().to_string()}>
                        <span class="p-label">{ format!("Beat {} of {}", current.map_or(0, |i| i + 1), c.beats.len()) }</span>
                        { beat_label }
                    </p>
                </>
            }
        }
        None => raw("<p class=\"p-look\">Open a chapter with the number keys (1 … 9, 0, two digits quickly for 11 …), or press ? for the keys.</p>"),
    };
    let dots = match &chapter {
        Some(c) => {
            let current = c.current_beat(s.cursor, s.progress >= 1.0);
            html! {
                <ol class="p-beats" aria-label="beats">
                    { for c.beats.iter().enumerate().map(|(i, b)| html! {
                        <li class={classes!((current == Some(i)).then_some("current"), current.is_some_and(|c| i < c).then_some("past"), b.recorded.then_some("recorded"))}
                            title={b.label.clone()}>{ b.label.clone() }</li>
                    }) }
                </ol>
            }
        }
        None => html! {},
    };
    let footer_next = chapter
        .as_ref()
        .map(|c| next_step(c, s.cursor, s.progress >= 1.0))
        .unwrap_or_default();
    let leave = on_click(d, UiAction::Display(DisplayAction::Escape));
    html! {
        <main class={classes!("playground", "presenter", anomaly_now.then_some("anomaly-shown"))} data-testid="playground" data-presenter="true"
            data-preset={preset} data-ready={ready} data-cursor={cursor} data-events={events}
            data-chapter={chapter.as_ref().map(|c| c.chapter.id.clone()).unwrap_or_default()}>
            <header class="p-head">
                { title }
                { raw("<span class=\"p-keys\">? keys · Esc leaves</span>") }
            </header>
            <div class="p-body">
                <section class={classes!("p-stage", anomaly_now.then_some("flash"))} aria-label="simulation">{ crate::views::stage_frame(stage) }</section>
                <aside class="p-side">
                    if let Some(text) = &s.notice {
                        <p class="p-notice" role="status" data-testid="notice">{ text.to_string() }</p>
                    }
                    { side }
                    if let Some(c) = &chapter {
                        <div class="p-fix">{ fix_button(d, c) }</div>
                    }
                    if !chapter.as_ref().is_some_and(|c| c.is_model()) {
                        { verdict_panel::verdict(s, d) }
                    }
                </aside>
            </div>
            <footer class="p-foot">
                { dots }
                <div class="p-status">
                    if let Some(c) = chapter.as_ref().filter(|c| c.is_model()) {
                        <p class="p-now" data-testid="now">{
                            if c.model_states().is_empty() {
                                "no counterexample: the checker explored every trace".to_string()
                            } else {
                                format!("state {} of {} of the checker's trace", c.model_at, c.model_states().len() - 1)
                            }
                        }</p>
                    } else {
                        { for now }
                    }
                    <span class="p-next" data-testid="next-step">{ footer_next }</span>
                    <button type="button" class="p-leave" onclick={leave} data-testid="leave-presenter">{ "Leave (Esc)" }</button>
                </div>
            </footer>
            if s.display.blank {
                <div class="blank" data-testid="blank" aria-label="blank screen (B)"></div>
            }
            if s.display.help {
                { help_overlay(d) }
            }
        </main>
    }
}

/// `?embed`: the stage and the player's controls only (no chrome), for an iframe in slides.
pub fn embed(s: &UiState, d: &Dispatch, stage: Html) -> Html {
    let (preset, ready, cursor, events) = main_attrs(s);
    html! {
        <main class="playground embed" data-testid="playground" data-embed="true"
            data-preset={preset} data-ready={ready} data-cursor={cursor} data-events={events}>
            <section class="stage" aria-label="simulation">
                <div class="stage-body">{ crate::views::stage_frame(stage) }</div>
                // A broken link or an unknown chapter says so even without the page's chrome.
                { notice(s, d, "notice embed-notice") }
            </section>
            { crate::views::controls::controls(s, d) }
        </main>
    }
}

/// Keeps `ChapterAction` in this module's vocabulary for the key map (see `app`).
pub fn beat_action(next: bool) -> UiAction {
    UiAction::Chapter(if next {
        ChapterAction::NextBeat
    } else {
        ChapterAction::PreviousBeat
    })
}

/// The normal layout's top-bar additions: presenter mode, the theme, the keys.
pub fn topbar_extras(s: &UiState, d: &Dispatch) -> Html {
    let present = on_click(d, UiAction::Display(DisplayAction::EnterPresenter));
    let help = on_click(d, UiAction::Display(DisplayAction::ToggleHelp));
    html! {
        <span class="topbar-extras">
            <button type="button" onclick={present} data-testid="enter-presenter" title="Presenter mode (P)">{ "▣ Present" }</button>
            { theme_select(s, d) }
            <button type="button" onclick={help} data-testid="keys-help" title="Keys (?)" aria-label="keys">{ "?" }</button>
        </span>
    }
}

/// The first state's display settings (query, stored theme), progress and chapter link.
pub fn with_display_and_chapter(mut state: UiState, query: &str) -> UiState {
    use crate::chapter_state::{parse_query, ChapterAction, Progress, PROGRESS_KEY};
    let mut display = crate::presenter::Display::from_query(query);
    if !query.contains("theme=") {
        if let Some(t) = crate::browser::storage_get(crate::presenter::THEME_KEY)
            .as_deref()
            .and_then(Theme::from_name)
        {
            display.theme = t;
        }
    }
    state.display = display;
    state.chapter_progress = std::rc::Rc::new(Progress::parse(
        crate::browser::storage_get(PROGRESS_KEY).as_deref(),
    ));
    if let Some(o) = parse_query(query) {
        let opened = crate::chapter_state::reduce(std::rc::Rc::new(state), ChapterAction::Open(o));
        state = std::rc::Rc::try_unwrap(opened).unwrap_or_else(|rc| (*rc).clone());
    }
    state
}

/// The theme on `<html>` and in storage, the chapter's link in the address bar, the progress in
/// storage: each follows the state.
#[hook]
pub fn use_display_effects(state: &UseReducerHandle<UiState>) {
    {
        let theme = state.display.theme;
        let embed = state.display.embed;
        use_effect_with(theme, move |_| {
            crate::browser::set_theme_attribute(theme.name());
            if !embed {
                if let Err(e) =
                    crate::browser::storage_set(crate::presenter::THEME_KEY, theme.name())
                {
                    web_sys::console::warn_1(&format!("theme: {e}").into());
                }
            }
        });
    }
    {
        let progress = state.chapter_progress.clone();
        use_effect_with(progress, move |p| {
            if !p.visited.is_empty() {
                if let Err(e) =
                    crate::browser::storage_set(crate::chapter_state::PROGRESS_KEY, &p.to_text())
                {
                    web_sys::console::warn_1(&format!("chapter progress: {e}").into());
                }
            }
        });
    }
    {
        let last_key = use_mut_ref(|| None::<(String, bool)>);
        let s = (**state).clone();
        let deps = (
            s.chapter
                .as_ref()
                .map(|c| (c.chapter.id.clone(), c.fixed, c.recorded.len(), c.model_at)),
            s.cursor,
            s.playing,
            s.display.presenting,
            s.run.is_some(),
        );
        use_effect_with(deps, move |_| {
            let Some(c) = &s.chapter else {
                *last_key.borrow_mut() = None;
                return;
            };
            if s.playing || s.display.embed || !c.follows(&s.scenario) {
                return;
            }
            let key = (c.chapter.id.clone(), c.fixed);
            let push = last_key.borrow().as_ref().is_some_and(|k| *k != key);
            let at = if c.is_model() {
                c.model_at
            } else if s.run.is_some() {
                s.cursor
            } else {
                return;
            };
            crate::browser::set_query(
                &crate::chapter_state::query_of(c, at, s.display.presenting),
                push,
            );
            *last_key.borrow_mut() = Some(key);
        });
    }
}

/// What the key handler knows of the page (refreshed on every render), and the last digit typed.
#[derive(Default)]
pub struct KeyContext {
    presenting: bool,
    overlay: bool,
    chapter_open: bool,
    last_digit: Option<(u32, f64)>,
}

impl KeyContext {
    pub fn update(&mut self, s: &UiState) {
        self.presenting = s.display.presenting;
        self.overlay = s.display.help || s.display.blank;
        self.chapter_open = s.chapter.is_some();
    }
}

/// The presenter's keys (beyond the player's): true when the key was used.
pub fn handle_key(
    key: &str,
    context: &std::rc::Rc<std::cell::RefCell<KeyContext>>,
    d: &Dispatch,
) -> bool {
    use crate::presenter::{chapter_number, key_command, KeyCommand};
    let Some(command) = key_command(key) else {
        return false;
    };
    let mut c = context.borrow_mut();
    let action = match command {
        KeyCommand::Display(a) => {
            let wanted = match a {
                DisplayAction::EnterPresenter => !c.presenting,
                DisplayAction::Escape => c.presenting || c.overlay,
                DisplayAction::ToggleBlank | DisplayAction::NextTheme => c.presenting,
                DisplayAction::ToggleHelp | DisplayAction::SetTheme(_) => true,
            };
            if !wanted {
                return false;
            }
            UiAction::Display(a)
        }
        KeyCommand::NextBeat | KeyCommand::PreviousBeat if c.chapter_open => {
            beat_action(command == KeyCommand::NextBeat)
        }
        KeyCommand::RecordBeat if c.chapter_open => UiAction::Chapter(ChapterAction::Record(None)),
        KeyCommand::ToggleFix if c.chapter_open => UiAction::Chapter(ChapterAction::ToggleFix),
        KeyCommand::Digit(digit) if c.presenting || c.chapter_open => {
            let now = js_sys::Date::now();
            let count = crate::chapter_state::all().len() as u32;
            let Some(n) = chapter_number(c.last_digit, digit, now, count) else {
                return false;
            };
            // A second digit completes the number; after it a digit starts a new one.
            c.last_digit = (n < 10).then_some((n, now));
            UiAction::Chapter(ChapterAction::Number(n))
        }
        KeyCommand::Fullscreen => {
            let d = d.clone();
            crate::browser::toggle_fullscreen(move |why| {
                d.dispatch(UiAction::Notice(Some(format!("Full screen: {why}."))));
            });
            return true;
        }
        _ => return false,
    };
    drop(c);
    d.dispatch(action);
    true
}
