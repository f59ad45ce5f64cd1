//! The guided chapters: the list (with progress), the open chapter's card (explanation, the
//! question for the audience, what to look for, the anomaly as the playhead reaches it, the fix,
//! the beats), and the reference-model chapter's counterexample on the stage.

use crate::chapter_state::{next_step, AnomalyState, ChapterAction, ChapterState, Opening};
use crate::state::{UiAction, UiState};
use crate::views::form::raw;
use crate::views::on_click;
use crate::views::Dispatch;
use exactly_once_core::chapters;
use web_sys::HtmlInputElement;
use yew::prelude::*;

fn act(d: &Dispatch, action: ChapterAction) -> Callback<MouseEvent> {
    on_click(d, UiAction::Chapter(action))
}

/// Every chapter, in order, marked ✓ (fix applied), • (opened) or not yet.
pub fn chapter_list(s: &UiState, d: &Dispatch) -> Html {
    let open = s.chapter.as_ref().map(|c| c.chapter.id.clone());
    let problems = crate::chapter_state::problems();
    html! {
        <section class="chapter-list" data-testid="chapter-list">
            { raw("<h3>Chapters</h3><p class=\"help\">The workshop's story, one chapter at a time: run it, look for the anomaly, apply the fix and compare. Number keys open a chapter; P presents.</p>") }
            <ol>
                { for crate::chapter_state::all().iter().map(|ch| {
                    let mark = s.chapter_progress.mark(&ch.id);
                    let current = open.as_deref() == Some(ch.id.as_str());
                    let onclick = act(d, ChapterAction::Open(Opening { id: ch.id.clone(), fixed: false, recorded: Vec::new(), at: None }));
                    html! {
                        <li class={classes!(current.then_some("current"), (!mark.is_empty()).then_some("seen"))}>
                            <button type="button" class="link" {onclick} data-testid={format!("open-chapter-{}", ch.id)}
                                data-progress={if mark == "✓" { "fixed" } else if mark.is_empty() { "new" } else { "visited" }}>
                                <span class="mark" aria-hidden="true">{ if mark.is_empty() { "\u{00a0}" } else { mark } }</span>
                                { format!("{}. {}", ch.number, ch.title) }
                            </button>
                        </li>
                    }
                }) }
            </ol>
            if !problems.is_empty() {
                <ul class="field-error">{ for problems.iter().map(|p| html! { <li>{ p.clone() }</li> }) }</ul>
            }
            { raw("<p class=\"help\">✓ fix applied · • opened. Progress stays in this browser.</p>") }
        </section>
    }
}

/// The anomaly line: what to look for and where it is relative to the playhead.
pub fn anomaly_line(c: &ChapterState, cursor: u32) -> Html {
    let state = c.anomaly_state(cursor);
    let name = c.chapter.anomaly.name();
    let text = match state {
        AnomalyState::Unknown => format!("{name}: computing…"),
        AnomalyState::Ahead(at) if c.is_model() => {
            format!("{name}: the checker's trace breaks it at state {at}")
        }
        AnomalyState::Ahead(at) => format!("{name}: happens at event #{at}, ahead of the playhead"),
        AnomalyState::Shown(at) if c.is_model() => format!("✗ {name} broken at state {at}"),
        AnomalyState::Shown(at) => format!("✗ {name} at event #{at}"),
        AnomalyState::Absent => format!("✓ no {name} in this run"),
    };
    let now = matches!(state, AnomalyState::Shown(at) if at == cursor || c.is_model());
    html! {
        <p class={classes!("anomaly", state.name(), now.then_some("anomaly-now"))} data-testid="anomaly" data-anomaly={state.name()}>{ text }</p>
    }
}

/// The beats as buttons; the current one is marked.
pub fn beat_list(s: &UiState, d: &Dispatch, c: &ChapterState) -> Html {
    let current = c.current_beat(s.cursor, s.progress >= 1.0);
    let first_recorded = c.chapter.beats.len();
    let _ = first_recorded;
    html! {
        <ol class="beats" data-testid="beats">
            { for c.beats.iter().enumerate().map(|(i, b)| {
                let on = current == Some(i);
                html! {
                    <li class={classes!(on.then_some("current"), b.recorded.then_some("recorded"))} data-event={b.event.to_string()}>
                        <button type="button" class="link" onclick={act(d, ChapterAction::GoToBeat(i))} data-testid={format!("beat-{i}")}>
                            { b.label.clone() }
                        </button>
                        if b.recorded {
                            { recorded_remove(d, c, b.event, &b.label) }
                        }
                    </li>
                }
            }) }
        </ol>
    }
}

fn recorded_remove(d: &Dispatch, c: &ChapterState, event: u32, label: &str) -> Html {
    let Some(i) = c
        .recorded
        .iter()
        .position(|r| r.event == event && r.label == label)
    else {
        return html! {};
    };
    html! {
        <button type="button" class="remove-beat" aria-label="remove this recorded beat" title="remove this recorded beat"
            onclick={act(d, ChapterAction::RemoveRecorded(i))}>{ "×" }</button>
    }
}

/// The fix toggle: "Apply the fix" before, "Show before" after.
pub fn fix_button(d: &Dispatch, c: &ChapterState) -> Html {
    let label = if c.fixed {
        "↶ Show before the fix".to_string()
    } else {
        format!("✓ Apply the fix: {}", c.chapter.fix.label)
    };
    html! {
        <button type="button" class={classes!("fix", (!c.fixed).then_some("primary"))} data-testid="apply-fix"
            aria-pressed={c.fixed.to_string()} onclick={act(d, ChapterAction::ToggleFix)}>{ label }</button>
    }
}

/// The open chapter's card, above the stage in the normal layout.
pub fn chapter_card(s: &UiState, d: &Dispatch) -> Html {
    let Some(c) = &s.chapter else {
        return html! {};
    };
    let ch = &c.chapter;
    let label_ref = NodeRef::default();
    let record = {
        let d = d.clone();
        let label_ref = label_ref.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let label = label_ref
                .cast::<HtmlInputElement>()
                .map(|i| {
                    let v = i.value();
                    i.set_value("");
                    v
                })
                .filter(|v| !v.trim().is_empty());
            d.dispatch(UiAction::Chapter(ChapterAction::Record(label)));
        })
    };
    let edits: Vec<String> = ch
        .fix
        .edits
        .iter()
        .map(|(path, value)| format!("{path} = {value}"))
        .collect();
    html! {
        <section class={classes!("chapter-card", if c.fixed { "after" } else { "before" })} data-testid="chapter" data-chapter={ch.id.clone()} data-fixed={c.fixed.to_string()}>
            <div class="chapter-head">
                <h2>{ format!("{}. {}", ch.number, ch.title) }<small>{ if c.fixed { " · after the fix" } else { " · before the fix" } }</small></h2>
                <button type="button" onclick={on_click(d, UiAction::Display(crate::presenter::DisplayAction::EnterPresenter))}
                    data-testid="present" title="Presenter mode (P)">{ "Present" }</button>
                <button type="button" aria-label="close the chapter" title="close the chapter" onclick={act(d, ChapterAction::Close)}>{ "×" }</button>
            </div>
            <details class="explanation">
                <summary>{ "Explanation" }</summary>
                { for ch.explanation.iter().map(|p| html! { <p>{ p.clone() }</p> }) }
            </details>
            if !c.follows(&s.scenario) {
                { raw("<p class=\"warn\" data-testid=\"chapter-edited\">You edited this chapter's scenario: the address bar now links to your edit. \u{201c}Apply the fix\u{201d} or \u{201c}Show before\u{201d} reopens the chapter's own.</p>") }
            }
            <p class="question"><b>{ "Ask: " }</b>{ ch.question.clone() }</p>
            <p class="look-for"><b>{ "Look for: " }</b>{ ch.look_for.clone() }</p>
            { anomaly_line(c, s.cursor) }
            <div class="chapter-actions">
                { fix_button(d, c) }
                <button type="button" onclick={act(d, ChapterAction::PreviousBeat)} data-testid="prev-beat" title="previous beat (PageUp or ,)">{ "◀ beat" }</button>
                <button type="button" onclick={act(d, ChapterAction::NextBeat)} data-testid="next-beat" title="next beat (PageDown or .)">{ "beat ▶" }</button>
                <span class="next-step">{ next_step(c, s.cursor, s.progress >= 1.0) }</span>
                <form class="record" onsubmit={record}>
                    <input ref={label_ref} type="text" maxlength={chapters::MAX_BEAT_LABEL_CHARS.to_string()} placeholder="new beat's label (optional)" data-testid="beat-label" aria-label="label of a new beat" />
                    <button type="submit" data-testid="record-beat" title="record a beat at the playhead (R)">{ "Record beat here" }</button>
                </form>
            </div>
            { beat_list(s, d, c) }
            if !edits.is_empty() {
                <p class="fix-edits help">{ format!("The fix sets {}.", edits.join(", ")) }</p>
            }
        </section>
    }
}

/// How many states of the model's trace are on screen at once.
const MODEL_WINDOW: u32 = 10;

/// The first state on screen: the window ends at the state the playhead is on.
fn first_shown(c: &ChapterState) -> u32 {
    (c.model_at + 1).saturating_sub(MODEL_WINDOW)
}

/// The reference-model chapter's stage: the shortest counterexample, state by state.
pub fn model_stage(c: &ChapterState) -> Html {
    let states = c.model_states();
    let body = match c.model.as_deref() {
        Some(Err(e)) => {
            html! { <p class="field-error">{ format!("The reference model could not be checked: {e}") }</p> }
        }
        Some(Ok(None)) => html! {
            <p class="model-holds" data-testid="model-holds">{ format!("✓ The checker explored every trace: {} holds.", c.chapter.anomaly.name()) }</p>
        },
        _ => html! {
            // The states up to the one shown, the last few of them: the trace grows as beats
            // step through it, as the player's does.
            <ol class="model-trace" start={first_shown(c).to_string()}>
                { for states.iter().enumerate().skip(first_shown(c) as usize).take_while(|(i, _)| *i as u32 <= c.model_at.max(MODEL_WINDOW - 1)).map(|(i, st)| {
                    let i = i as u32;
                    // The step, then what it changed (the first state: every variable).
                    let shown: Vec<String> = st
                        .vars
                        .iter()
                        .filter(|(var, _)| i == 0 || st.changed.contains(var))
                        .map(|(var, value)| format!("{var} = {value}"))
                        .collect();
                    html! {
                        <li class={classes!((i == c.model_at).then_some("current"), (i > c.model_at).then_some("future"))}>
                            <b class="model-step-name">{ st.step.clone() }</b>{ " " }
                            <code>{ shown.join(", ") }</code>
                        </li>
                    }
                }) }
            </ol>
        },
    };
    let variant = if c.fixed {
        "after the fix"
    } else {
        "before the fix"
    };
    html! {
        <div class="model-stage" data-testid="model-stage" data-states={states.len().to_string()} data-at={c.model_at.to_string()}>
            <h3>{ format!("The reference model (MessageHandler), {variant}: the shortest trace to {}", c.chapter.anomaly.name()) }</h3>
            { body }
            { raw("<p class=\"help\">The Model tab explores the same model with other bounds and variants.</p>") }
        </div>
    }
}
