//! The root component: owns the one reducer, computes runs in slices (yielding to the browser
//! between them), drives the animation with requestAnimationFrame while playing, and maps the
//! keyboard to actions.

use crate::compute::Builder;
use crate::edition::{take_handoff, Edition, Handoff};
use crate::state::{Tab, UiAction, UiState, View};
use crate::views::on_click;
use crate::views::picker::{hint_line, picker};
use crate::views::settings_panel::SettingsPanel;
use crate::views::{
    controls, inspector, manual, sequence, topology, trace_list, verdict_panel, Dispatch,
};
use gloo_render::{request_animation_frame, AnimationFrame};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Steps per slice before checking the clock; a slice stops after [`SLICE_MS`] of wall time so
/// that no frame waits long for the simulation.
const SLICE_STEPS: u32 = 100;
const SLICE_MS: f64 = 8.0;

/// The first state: the share link in the fragment, else the `?preset=` query, else the
/// autosaved work, else the default scenario; a link that cannot be opened says why in the banner.
/// The full bundle, loaded by the player, opens the player's moment (its chapter's link or its
/// share link) and tab instead (`handoff`).
pub fn initial_state(handoff: Option<&Handoff>) -> UiState {
    let (fragment, query) = crate::browser::location_parts();
    let (fragment, query) = match handoff {
        Some(Handoff { query: Some(q), .. }) => (String::new(), q.clone()),
        Some(Handoff {
            fragment: Some(f), ..
        }) => (f.clone(), query),
        _ => (fragment, query),
    };
    let autosaved = crate::browser::storage_get(crate::share::AUTOSAVE_KEY);
    let opened = crate::share::open(&fragment, &query, autosaved.as_deref());
    let mut state = opened.state;
    state.notice = opened.banner.map(Rc::new);
    let mut state = crate::views::presenter::with_display_and_chapter(state, &query);
    if let Some(h) = handoff {
        if let Some(tab) = h.tab {
            state.tab = tab;
        }
        if let Some(x) = h.speed {
            state.speed = crate::state::speed_in_range(x);
        }
    }
    state
}

thread_local! {
    /// The first state, when the page's start already worked it out (the player asks whether it
    /// can show the address at all): the app takes it instead of reading the address again.
    static FIRST_STATE: std::cell::RefCell<Option<UiState>> = const { std::cell::RefCell::new(None) };
}

/// Leaves the first state for the app about to mount (see [`FIRST_STATE`]).
pub fn set_first_state(state: UiState) {
    FIRST_STATE.with(|f| *f.borrow_mut() = Some(state));
}

/// Computes the scenario of `generation` in slices and hands the run to the reducer.
fn spawn_compute(state: &UiState, d: Dispatch, latest: Rc<Cell<u32>>) {
    let generation = state.generation;
    let scenario = state.scenario.clone();
    let manual = state.manual.clone();
    latest.set(generation);
    // One task for both kinds of run: each spawned future is a type with its own task code.
    yew::platform::spawn_local(async move {
        if let Some(path) = manual {
            // A manual path is short (a user clicked it together) and is replayed at once.
            match crate::compute::compute_path(&scenario, &path) {
                Ok(run) => d.dispatch(UiAction::RunReady {
                    generation,
                    run: Rc::new(run),
                }),
                Err(message) => d.dispatch(UiAction::ManualFailed {
                    generation,
                    message,
                }),
            }
            return;
        }
        let mut builder = match Builder::new(&scenario) {
            Ok(b) => b,
            Err(errors) => {
                d.dispatch(UiAction::RunInvalid { generation, errors });
                return;
            }
        };
        let mut last_checkpoint_ms = 0.0;
        loop {
            let start = js_sys::Date::now();
            let mut done = false;
            crate::bench::mark("eop-slice-start");
            let mut first = true;
            while !done && js_sys::Date::now() - start < SLICE_MS {
                // A checkpoint (cloning the world) that would not fit in what is left of this
                // slice, going by the last one, waits for the next slice.
                let checkpoint = builder.checkpoint_due();
                let elapsed = js_sys::Date::now() - start;
                if checkpoint && !first && elapsed + last_checkpoint_ms > SLICE_MS {
                    break;
                }
                let before = js_sys::Date::now();
                done = builder.advance(SLICE_STEPS);
                first = false;
                if checkpoint {
                    last_checkpoint_ms = js_sys::Date::now() - before;
                }
            }
            crate::bench::measure("eop-slice", "eop-slice-start");
            if done {
                break;
            }
            if latest.get() != generation {
                // A newer scenario replaced this one: stop working for nobody.
                return;
            }
            d.dispatch(UiAction::RunProgress {
                generation,
                events: builder.events_so_far(),
            });
            gloo_timers::future::TimeoutFuture::new(0).await;
        }
        // Finishing (moving the trace out, the end-of-run checks) and showing the run each get a
        // task of their own, so that neither adds to a slice.
        gloo_timers::future::TimeoutFuture::new(0).await;
        if latest.get() != generation {
            return;
        }
        crate::bench::mark("eop-finish-start");
        let run = Rc::new(builder.finish());
        crate::bench::measure("eop-finish", "eop-finish-start");
        gloo_timers::future::TimeoutFuture::new(0).await;
        if latest.get() == generation {
            crate::bench::mark("eop-show-start");
            d.dispatch(UiAction::RunReady { generation, run });
            crate::bench::measure("eop-show", "eop-show-start");
        }
    });
}

/// Keys that control the player; `None` for keys the page leaves alone.
pub fn key_action(key: &str) -> Option<UiAction> {
    Some(match key {
        " " | "k" | "K" => UiAction::TogglePlay,
        "ArrowRight" => UiAction::StepForward,
        "ArrowLeft" => UiAction::StepBack,
        "Home" => UiAction::SeekStart,
        "End" => UiAction::SeekEnd,
        "j" | "J" => UiAction::JumpToViolation(None),
        "+" | "=" => UiAction::SpeedStep(1),
        "-" | "_" => UiAction::SpeedStep(-1),
        "t" | "T" => UiAction::SetView(View::Topology),
        "s" | "S" => UiAction::SetView(View::Sequence),
        _ => return None,
    })
}

/// A tab of a tab list: `active` marks the shown one.
fn tab(
    active: bool,
    label: &'static str,
    testid: &'static str,
    onclick: Callback<MouseEvent>,
) -> Html {
    html! {
        <button type="button" role="tab" class={if active { "tab active" } else { "tab" }} aria-selected={if active { "true" } else { "false" }} {onclick}
            data-testid={testid}>{ label }</button>
    }
}

/// The side panel's tabs, in order: tab, label and test id.
pub const TABS: [(Tab, &str, &str); 8] = [
    (Tab::Chapters, "Chapters", "tab-chapters"),
    (Tab::Inspector, "Inspector", "tab-inspector"),
    (Tab::Settings, "Settings", "tab-settings"),
    (Tab::Trace, "Trace", "tab-trace"),
    (Tab::Manual, "Manual", "tab-manual"),
    (Tab::Check, "Check", "tab-check"),
    (Tab::Model, "Model", "tab-model"),
    (Tab::Share, "Share", "tab-share"),
];

/// The stage's views: view, label and test id.
const VIEWS: [(View, &str, &str); 2] = [
    (View::Topology, "Topology", "view-topology"),
    (View::Sequence, "Sequence", "view-sequence"),
];

/// The playground's root component: the player, or the full page with the editing panels (see
/// `edition`).
#[component]
pub fn App<E: Edition>() -> Html {
    // The full bundle opens the player's moment, tab and speed (read once), and plays on if the
    // player was playing, once its run is computed.
    let handoff = use_memo((), |_| if E::FULL { take_handoff() } else { None });
    let state = use_reducer(|| {
        FIRST_STATE
            .with(|f| f.borrow_mut().take())
            .unwrap_or_else(|| initial_state(handoff.as_ref().as_ref()))
    });
    let d = state.dispatcher();
    {
        let play = handoff.as_ref().as_ref().is_some_and(|h| h.playing);
        let resumed = use_mut_ref(|| !play);
        let d = d.clone();
        use_effect_with(state.run.is_some(), move |ready| {
            if *ready && !*resumed.borrow() {
                *resumed.borrow_mut() = true;
                d.dispatch(UiAction::Play);
            }
        });
    }
    let latest_gen: Rc<Cell<u32>> = {
        let cell = use_memo((), |_| Rc::new(Cell::new(0u32)));
        (*cell).clone()
    };
    // Unmounted (the player handing over to the full bundle): a run being computed stops at its
    // next slice, as when a newer scenario replaces it.
    {
        let latest_gen = latest_gen.clone();
        use_effect_with((), move |_| move || latest_gen.set(u32::MAX));
    }

    // The player, asked for an editing panel, a chapter or manual mode: hand over to the full
    // bundle. While it loads, the handoff follows the page (it may be playing); the bundle is
    // asked for once. `handing_over` holds why it could not be loaded, if it could not (the
    // player keeps working, and asking again retries).
    let handing_over = use_state_eq(|| None::<Rc<str>>);
    let requested = use_mut_ref(|| false);
    {
        let needs_full = !E::FULL && crate::edition::needs_full(&state);
        let handoff = needs_full.then(|| crate::edition::handoff_of(&state));
        let handing_over = handing_over.clone();
        use_effect_with(handoff, move |handoff| {
            match handoff {
                Some(h) => crate::edition::write_handoff(h),
                None => {
                    *requested.borrow_mut() = false;
                    handing_over.set(None);
                }
            }
            if handoff.is_some() && !*requested.borrow() {
                *requested.borrow_mut() = true;
                yew::platform::spawn_local(async move {
                    if let Err(e) = crate::edition::load_full().await {
                        handing_over.set(Some(Rc::from(format!(
                            "The editing panels could not be loaded ({e}). The player keeps working: the Inspector and Trace tabs are here."
                        ))));
                    }
                });
            }
        });
    }

    // A new scenario: compute it in slices.
    {
        let s = (*state).clone();
        let d = d.clone();
        let latest_gen = latest_gen.clone();
        use_effect_with(state.generation, move |_| {
            spawn_compute(&s, d, latest_gen);
        });
    }

    // The URL and the autosave follow the page: a scenario change pushes a history entry and is
    // autosaved; moving the playhead (paused), the view or the selection replaces the entry, so
    // Back and Forward walk through scenario changes, not through every step.
    {
        let synced_generation = use_mut_ref(|| 0u32);
        let s = (*state).clone();
        use_effect_with(
            (
                state.generation,
                state.cursor,
                state.run.is_some(),
                state.playing,
                state.view,
                state.selection,
                state.chapter.is_some(),
            ),
            move |_| {
                // A chapter's link is its query (see the chapter effect below), not a fragment.
                if s.chapter.as_ref().is_none_or(|c| !c.follows(&s.scenario))
                    && s.run.is_some()
                    && !s.playing
                    && s.model_trace.is_none()
                    && crate::share::shareable(&s.scenario)
                {
                    let fragment =
                        exactly_once_core::link::encode(&crate::share::moment_of(&s, true));
                    let previous = *synced_generation.borrow();
                    let scenario_changed = previous != s.generation;
                    crate::browser::set_fragment(&fragment, scenario_changed && previous != 0);
                    if scenario_changed && !s.display.embed {
                        let work =
                            exactly_once_core::link::encode(&crate::share::moment_of(&s, false));
                        if let Err(e) =
                            crate::browser::storage_set(crate::share::AUTOSAVE_KEY, &work)
                        {
                            web_sys::console::warn_1(&format!("autosave: {e}").into());
                        }
                    }
                    *synced_generation.borrow_mut() = s.generation;
                }
            },
        );
    }

    // Back and Forward: open the moment the URL now names.
    {
        let d = d.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|w| {
                gloo_events::EventListener::new(&w, "popstate", move |_| {
                    let (fragment, query) = crate::browser::location_parts();
                    if fragment.trim_start_matches('#').is_empty() {
                        if let Some(o) = crate::chapter_state::parse_query(&query) {
                            d.dispatch(UiAction::Chapter(
                                crate::chapter_state::ChapterAction::Open(o),
                            ));
                        }
                        return;
                    }
                    match exactly_once_core::link::decode(&fragment) {
                        Ok(moment) => d.dispatch(UiAction::OpenMoment {
                            moment: Box::new(moment),
                            notice: None,
                        }),
                        Err(e) => d.dispatch(UiAction::Notice(Some(format!(
                            "This link could not be opened: {e}."
                        )))),
                    }
                })
            });
            move || drop(listener)
        });
    }

    // While playing: one action per animation frame.
    {
        let d = d.clone();
        use_effect_with(state.playing, move |playing| {
            let handle: Rc<RefCell<Option<AnimationFrame>>> = Rc::default();
            fn schedule(h: Rc<RefCell<Option<AnimationFrame>>>, d: Dispatch) {
                let next = h.clone();
                let frame = request_animation_frame(move |ts| {
                    d.dispatch(UiAction::Frame(ts));
                    schedule(next, d);
                });
                *h.borrow_mut() = Some(frame);
            }
            if *playing {
                schedule(handle.clone(), d);
            }
            move || {
                // Dropping the pending frame cancels it and breaks the loop.
                handle.borrow_mut().take();
            }
        });
    }

    // The theme, the chapter's link and the progress follow the page.
    crate::views::presenter::use_display_effects(&state);

    // What the key handler needs to know of the page (it is installed once).
    let keys_context = use_mut_ref(crate::views::presenter::KeyContext::default);
    keys_context.borrow_mut().update(&state);

    // Keyboard: the player's keys anywhere except in text fields.
    {
        let d = d.clone();
        let keys_context = keys_context.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().and_then(|w| w.document()).map(|doc| {
                // Not passive: Space and the arrows must not also scroll the page.
                let options = gloo_events::EventListenerOptions::enable_prevent_default();
                gloo_events::EventListener::new_with_options(&doc, "keydown", options, move |e| {
                    let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
                        return;
                    };
                    if e.ctrl_key() || e.meta_key() || e.alt_key() {
                        return;
                    }
                    let typing = e
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        .map(|el| el.tag_name().to_ascii_lowercase())
                        .is_some_and(|t| t == "input" || t == "textarea" || t == "select");
                    if typing {
                        return;
                    }
                    if let Some(action) = key_action(&e.key()) {
                        e.prevent_default();
                        d.dispatch(action);
                    } else if crate::views::presenter::handle_key(&e.key(), &keys_context, &d) {
                        e.prevent_default();
                    }
                })
            });
            move || drop(listener)
        });
    }

    let s = &*state;
    let stage = match (&s.model_trace, s.view) {
        (Some((trace, _)), _) => crate::views::model_stage::stage(s, trace, &d),
        (None, View::Topology) => topology::topology(s, &d),
        (None, View::Sequence) => sequence::sequence(s, &d),
    };
    if s.display.embed {
        return crate::views::presenter::embed(s, &d, stage);
    }
    if s.display.presenting {
        return crate::views::presenter::presenter(s, &d, stage);
    }
    let stage = match &s.chapter {
        Some(c) if E::FULL && c.is_model() => crate::views::chapters::model_stage(c),
        _ => stage,
    };
    // The player says the full bundle is on its way (or why it is not coming): in the side panel
    // for an editing tab, else (a chapter, manual mode) above the stage.
    let mut opening = (!E::FULL && crate::edition::needs_full(s)).then(|| {
        let text = (*handing_over)
            .clone()
            .unwrap_or_else(|| Rc::from("Opening the editing panels…"));
        html! { <p class="notice" role="status" data-testid="opening-full">{ text }</p> }
    });
    let side = match s.tab {
        Tab::Inspector => inspector::inspector(s, &d),
        Tab::Trace => trace_list::trace_list(s, &d),
        _ if !E::FULL => opening.take().unwrap_or_default(),
        Tab::Manual => manual::manual(s, &d),
        Tab::Chapters => crate::views::chapters::chapter_list(s, &d),
        // Always mounted below (a search keeps running while another tab is shown).
        Tab::Check | Tab::Model => html! {},
        Tab::Share => html! {
            <crate::views::share_panel::SharePanel scenario={s.scenario.clone()} preset_id={s.preset_id.clone()}
                cursor={s.cursor} view={s.view} selection={s.selection} manual={s.manual.clone()} run={s.run.clone()}
                dispatch={d.clone()} />
        },
        Tab::Settings => html! {
            <SettingsPanel draft={s.draft.clone()} problems={s.problems.clone()} input_errors={s.input_errors.clone()}
                script_text={s.script_text.clone()} script_errors={s.script_errors.clone()} preset_id={s.preset_id.clone()} dispatch={d.clone()} />
        },
    };
    let model_now = s
        .model_trace
        .as_ref()
        .map(|(trace, _)| crate::views::model_stage::now_line(s, trace));
    let now_line = model_now
        .is_none()
        .then(|| crate::views::presenter::now_event(s, "now", "now chaos"))
        .flatten();
    let (preset, ready, cursor, events) = crate::views::presenter::main_attrs(s);
    html! {
        <main class="playground" data-testid="playground" data-edition={if E::FULL { "full" } else { "player" }} data-preset={preset} data-ready={ready} data-cursor={cursor} data-events={events}>
            <header class="topbar">
                <h1>{ "Exactly-Once Playground" }</h1>
                { picker(s.preset_id.as_deref(), &d) }
                { crate::views::presenter::topbar_extras(s, &d) }
                <span class="version">{ format!("core {}", exactly_once_core::version()) }</span>
            </header>
            <div class="banners">
                if s.chapter.is_none() {
                    { hint_line(s) }
                }
                if E::FULL {
                    { crate::views::chapters::chapter_card(s, &d) }
                }
                { for opening }
                { crate::views::presenter::notice(s, &d, "notice") }
            </div>
            <div class="workspace">
                <section class="stage" aria-label="simulation">
                    <div class="stage-bar" role="tablist">
                        { for VIEWS.iter().map(|&(view, label, testid)| tab(s.view == view, label, testid, on_click(&d, UiAction::SetView(view)))) }
                        if s.manual.is_some() {
                            <span class="manual-badge" title="You pick every step (Manual tab)">{ "MANUAL" }</span>
                        }
                        { for model_now }
                        { for now_line }
                    </div>
                    <div class="stage-body">{ crate::views::stage_frame(stage) }</div>
                    { legend() }
                </section>
                <aside class="side">
                    { verdict_panel::verdict(s, &d) }
                    <div class="side-tabs" role="tablist">
                        { for TABS.iter().map(|&(t, label, testid)| tab(s.tab == t, label, testid, on_click(&d, UiAction::SetTab(t)))) }
                    </div>
                    <div class="side-body">
                        { side }
                        if E::FULL {
                            <crate::views::checker_panel::CheckerPanel scenario={s.scenario.clone()} dispatch={d.clone()} visible={s.tab == Tab::Check} />
                            <crate::views::model_view::ModelView visible={s.tab == Tab::Model} dispatch={d.clone()} />
                        }
                    </div>
                </aside>
            </div>
            { controls::controls(s, &d) }
            if s.display.help {
                { crate::views::presenter::help_overlay(&d) }
            }
        </main>
    }
}

/// The legend: shapes per message type and the marks, so the view reads without colour. It never
/// changes, so it is markup built once and parsed by the browser.
fn legend() -> Html {
    use crate::anim::{glyph_path, kind_class, Point};
    use exactly_once_core::scenario::MsgKind;
    thread_local! {
        static LEGEND: AttrValue = {
            let mut html = String::from(r#"<div class="legend" aria-label="legend">"#);
            for &k in MsgKind::VARIANTS {
                html += &format!(
                    r#"<span class="item"><svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true"><path class="msg {}" d="{}"></path></svg>{}</span>"#,
                    kind_class(k),
                    glyph_path(k, Point { x: 9.0, y: 9.0 }, 6.0),
                    k.name()
                );
            }
            html += concat!(
                r#"<span class="item">×2 duplicate · ↻ redelivered · late = delayed · ✗ failed publish · GHOST · Me/Mu/QP/SC/St = filling</span>"#,
                r#"<span class="item keys">Keys: Space/K play · ←/→ step · Home/End · J first violation · +/− speed · T/S topology/sequence · Tab + Enter inspect a message</span></div>"#
            );
            html.into()
        };
    }
    Html::from_html_unchecked(LEGEND.with(AttrValue::clone))
}
