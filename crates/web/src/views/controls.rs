//! Player controls: play/pause, step, restart, end, speed, the scrubber with its markers, jump to
//! the first violation and the seed.

use crate::compute::Computed;
use crate::model::MarkerKind;
use crate::state::{UiAction, UiState, SPEEDS, SPEED_LABELS};
use crate::views::on_click;
use crate::views::{attr, el_on, list, seconds, txt, Dispatch};
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::html::onclick;
use yew::prelude::*;

fn button(
    d: &Dispatch,
    action: UiAction,
    label: &'static str,
    title: &'static str,
    testid: &'static str,
) -> Html {
    el_on(
        "button",
        &["type", "title", "aria-label", "data-testid"],
        vec![attr("button"), attr(title), attr(title), attr(testid)],
        vec![Rc::new(onclick::Wrapper::new(on_click(d, action)))],
        vec![txt(label.into())],
    )
}

pub fn controls(s: &UiState, d: &Dispatch) -> Html {
    let len = s.len();
    let last = len.saturating_sub(1);
    let play_label = if s.playing {
        "❚❚ Pause"
    } else {
        "▶ Play"
    };
    let speed_change = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let el: HtmlInputElement = e.target_unchecked_into();
            if let Some(x) = el.value().parse::<usize>().ok().and_then(|i| SPEEDS.get(i)) {
                d.dispatch(UiAction::SetSpeed(*x));
            }
        })
    };
    let scrub = {
        let d = d.clone();
        Callback::from(move |e: InputEvent| {
            let el: HtmlInputElement = e.target_unchecked_into();
            if let Ok(i) = el.value().parse::<u32>() {
                d.dispatch(UiAction::Seek(i));
            }
        })
    };
    let has_violation = match &s.model_trace {
        Some((trace, _)) => trace.first_any_violation().is_some(),
        None => s
            .run
            .as_ref()
            .is_some_and(|r| !r.report.first_violation.is_empty()),
    };
    let seed_change = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let el: HtmlInputElement = e.target_unchecked_into();
            match el.value().trim().parse::<u64>() {
                Ok(seed) => d.dispatch(UiAction::SetSeed(seed)),
                Err(_) => d.dispatch(UiAction::InputError {
                    path: "seed".into(),
                    message: format!("\"{}\" is not a whole number (0 or more)", el.value()),
                }),
            }
        })
    };
    let new_seed = {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| {
            // A fresh seed from the browser; the run itself stays deterministic for that seed.
            let seed = (js_sys::Math::random() * 1_000_000.0) as u64;
            d.dispatch(UiAction::SetSeed(seed));
        })
    };
    let seed_error = s.input_errors.get("seed").cloned();
    let position = match &s.run {
        _ if s.model_trace.is_some() => format!("state {} / {}", s.cursor + 1, len),
        Some(run) if !run.is_empty() => {
            format!("event {} / {} · {}", s.cursor, last, seconds(s.now_ms()))
        }
        _ => "no events".to_string(),
    };
    html! {
        <footer class="controls" data-testid="controls">
            <div class="buttons">
                { button(d, UiAction::Restart, "⟲ Restart", "Restart from the beginning and play", "restart") }
                { button(d, UiAction::SeekStart, "|◀ Start", "Go to the start (Home)", "seek-start") }
                { button(d, UiAction::StepBack, "◀ 1", "Step back one event (←)", "step-back") }
                <button type="button" class="play" onclick={on_click(d, UiAction::TogglePlay)}
                    title="Play or pause (Space or K)" data-testid="play" aria-pressed={s.playing.to_string()}>{ play_label }</button>
                { button(d, UiAction::StepForward, "1 ▶", "Step forward one event (→)", "step-forward") }
                { button(d, UiAction::SeekEnd, "End ▶|", "Go to the end (End)", "seek-end") }
                <label class="speed">{ "speed " }
                    <select onchange={speed_change} data-testid="speed" aria-label="playback speed">
                        { for SPEEDS.iter().zip(SPEED_LABELS).enumerate().map(|(i, (x, label))| html! { <option value={i.to_string()} selected={(*x - s.speed).abs() < 1e-9}>{ label }</option> }) }
                    </select>
                </label>
            </div>
            <div class="scrubber">
                <input type="range" min="0" max={last.to_string()} value={s.cursor.to_string()} oninput={scrub}
                    aria-label="timeline: event at the playhead" data-testid="scrubber" disabled={len == 0} />
                if let (Some(run), None) = (&s.run, &s.model_trace) {
                    <Markers run={run.clone()} dispatch={d.clone()} />
                }
                <span class="position" data-testid="position">{ position }</span>
            </div>
            <div class="extras">
                <button type="button" class="jump" disabled={!has_violation} data-testid="jump-violation" title="Jump to the first violation (J)"
                    onclick={on_click(d, UiAction::JumpToViolation(None))}>{ "Jump to violation" }</button>
                <label class="seed">{ "seed " }
                    <input type="text" inputmode="numeric" value={s.scenario.seed.to_string()} onchange={seed_change} data-testid="seed" aria-label="seed" size="8" />
                </label>
                <button type="button" onclick={new_seed} data-testid="new-seed" title="Pick a new seed">{ "New seed" }</button>
                if let Some(err) = seed_error {
                    <span class="field-error" role="alert">{ err }</span>
                }
                if let Some(n) = s.computing {
                    <span class="computing" data-testid="computing" role="status">{ format!("computing… {n} events") }</span>
                }
            </div>
        </footer>
    }
}

#[derive(Properties)]
pub struct MarkersProps {
    pub run: Rc<Computed>,
    pub dispatch: Dispatch,
}

impl PartialEq for MarkersProps {
    /// The same run: the markers depend on nothing else.
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.run, &other.run) && self.dispatch == other.dispatch
    }
}

/// The scrubber's markers: a button per slot (`model::MARKER_SLOTS`), in a component that
/// re-renders only when the run changes, not on every animation frame.
#[component]
fn Markers(props: &MarkersProps) -> Html {
    let d = &props.dispatch;
    let markers = props
        .run
        .marker_slots
        .iter()
        .map(|(slot, m)| {
            let (class, glyph) = match m.kind {
                MarkerKind::Chaos => ("marker chaos", "▲"),
                MarkerKind::Violation => ("marker violation", "■"),
            };
            // Position in percent, an integer (see `anim::num` for why no float formatting).
            el_on(
                "button",
                &["type", "class", "style", "title", "aria-label", "tabindex"],
                vec![
                    attr("button"),
                    attr(class),
                    Some(format!("left: {slot}%").into()),
                    Some(format!("#{} {}", m.event, m.label).into()),
                    Some(format!("go to event {}: {}", m.event, m.label).into()),
                    attr("-1"),
                ],
                vec![Rc::new(onclick::Wrapper::new(on_click(
                    d,
                    UiAction::Seek(m.event),
                )))],
                vec![txt(glyph.into())],
            )
        })
        .collect();
    html! { <div class="markers" aria-hidden="true">{ list(markers) }</div> }
}
