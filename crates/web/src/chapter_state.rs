//! The guided chapters on the page: which chapter is open, whether its fix is applied, its beats
//! resolved in the run on screen (the core's `chapters` resolves them; this only moves the
//! playhead), the beats a speaker recorded, the chapter link and the progress kept in
//! localStorage. Everything here is plain data and pure functions, tested natively.

use crate::compute::Computed;
use crate::state::{Moment, Selection, UiState};
use exactly_once_core::chapters::{self, Anomaly, Beat, Chapter, Source};
use exactly_once_core::check::wire::{ModelTrace, ModelTraceState};
use exactly_once_core::vec_map::VecSet;
use serde::{Deserialize, Serialize};
use std::rc::Rc;

/// localStorage key of the chapters visited and fixed.
pub const PROGRESS_KEY: &str = "exactly-once-playground.chapters.v1";

/// A beat as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownBeat {
    pub label: String,
    pub event: u32,
    /// Recorded by the speaker (kept in the chapter's link), not written in the chapter file.
    pub recorded: bool,
}

/// The reference-model chapter's check: the shortest counterexample's states (`None`: the
/// invariant holds), or why it could not be checked.
pub type ModelResult = Result<Option<ModelTrace>, String>;

/// An open chapter.
#[derive(Clone, Debug, PartialEq)]
pub struct ChapterState {
    pub chapter: Rc<Chapter>,
    /// The fix is applied (the run shows "after").
    pub fixed: bool,
    /// Beats recorded at the playhead; event indices of the run they were recorded in.
    pub recorded: Vec<Beat>,
    /// Every beat in this run (the chapter's and the recorded ones), in playhead order; empty
    /// until the run is computed.
    pub beats: Rc<Vec<ShownBeat>>,
    /// Where the anomaly shows in the run on screen; `None` when it does not happen (or the run
    /// is not computed yet: see `resolved`).
    pub anomaly_at: Option<u32>,
    /// Beats and anomaly come from the run on screen.
    pub resolved: bool,
    /// The model chapter: its check, and the state the playhead is on.
    pub model: Option<Rc<ModelResult>>,
    pub model_at: u32,
    /// The model's state `model_at` is shown as reached (a beat moved there), as the player's
    /// playhead is "done" with its event.
    pub model_started: bool,
    /// The scenario the chapter runs (`None` for the model chapter): an edit away from it is the
    /// user's own work, linked and autosaved as any other.
    pub scenario: Option<Rc<exactly_once_core::Scenario>>,
}

/// Whether the anomaly is on screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnomalyState {
    /// The run is still being computed.
    Unknown,
    /// It happens in this run, later than the playhead.
    Ahead(u32),
    /// The playhead is at or past it.
    Shown(u32),
    /// It does not happen in this run.
    Absent,
}

impl AnomalyState {
    pub fn name(self) -> &'static str {
        match self {
            AnomalyState::Unknown => "unknown",
            AnomalyState::Ahead(_) => "ahead",
            AnomalyState::Shown(_) => "present",
            AnomalyState::Absent => "absent",
        }
    }
}

impl ChapterState {
    pub fn new(chapter: Chapter, fixed: bool, recorded: Vec<Beat>) -> ChapterState {
        let model = matches!(chapter.source, Source::Model { .. })
            .then(|| Rc::new(chapter.model_check(fixed)));
        let mut c = ChapterState {
            chapter: Rc::new(chapter),
            fixed,
            recorded,
            beats: Rc::default(),
            anomaly_at: None,
            resolved: false,
            model,
            model_at: 0,
            model_started: false,
            scenario: None,
        };
        if c.model.is_some() {
            c.resolve_model();
        }
        c
    }

    pub fn is_model(&self) -> bool {
        self.model.is_some()
    }

    /// Whether `scenario` is still the chapter's own (not edited in Settings since).
    pub fn follows(&self, scenario: &Rc<exactly_once_core::Scenario>) -> bool {
        self.scenario
            .as_ref()
            .is_none_or(|s| Rc::ptr_eq(s, scenario) || **s == **scenario)
    }

    /// The model chapter's counterexample states (empty when it holds or failed).
    pub fn model_states(&self) -> &[ModelTraceState] {
        match self.model.as_deref() {
            Some(Ok(Some(trace))) => &trace.states,
            _ => &[],
        }
    }

    fn resolve_model(&mut self) {
        let states = self.model_states().len();
        let last = states.saturating_sub(1) as u32;
        self.anomaly_at = (states > 0).then_some(last);
        let beats = if states > 0 {
            self.chapter.model_beats(states)
        } else {
            // The invariant holds: only the start is a moment to show.
            self.chapter.model_beats(1).into_iter().take(1).collect()
        };
        self.beats = Rc::new(merge(beats, &self.recorded, last));
        self.resolved = true;
    }

    /// The beats again after the recorded ones changed.
    fn rebuilt(&self, run: Option<&Computed>) -> ChapterState {
        let mut c = self.clone();
        if c.is_model() {
            c.resolve_model();
            return c;
        }
        match run {
            Some(run) if self.resolved => c.resolved_in(run),
            _ => c,
        }
    }

    /// Beats and anomaly resolved in `run` (a run of this chapter's scenario).
    pub fn resolved_in(&self, run: &Computed) -> ChapterState {
        let mut c = self.clone();
        if c.is_model() {
            return c;
        }
        c.anomaly_at = c
            .chapter
            .anomaly_in(&run.events, &run.report, &run.last_world);
        c.beats = Rc::new(merge(
            c.chapter
                .beats_in(&run.events, &run.report, &run.last_world),
            &c.recorded,
            run.len().saturating_sub(1),
        ));
        c.resolved = true;
        c
    }

    /// Where the anomaly is relative to the playhead (`cursor`, or the model's state).
    pub fn anomaly_state(&self, cursor: u32) -> AnomalyState {
        if !self.resolved {
            return AnomalyState::Unknown;
        }
        let at_cursor = if self.is_model() {
            self.model_at
        } else {
            cursor
        };
        match self.anomaly_at {
            None => AnomalyState::Absent,
            Some(a) if at_cursor >= a => AnomalyState::Shown(a),
            Some(a) => AnomalyState::Ahead(a),
        }
    }

    /// The beat the playhead is on or last passed (index into `beats`).
    pub fn current_beat(&self, cursor: u32, done: bool) -> Option<usize> {
        let (at, done) = self.position(cursor, done);
        self.beats
            .iter()
            .rposition(|b| b.event < at || (b.event == at && done))
    }

    /// Where the chapter's playhead is: the player's (`cursor`, `done` with its event) or, for
    /// the model chapter, its state.
    pub fn position(&self, cursor: u32, done: bool) -> (u32, bool) {
        if self.is_model() {
            (self.model_at, self.model_started)
        } else {
            (cursor, done)
        }
    }
}

/// The chapter's beats and the recorded ones (those inside the run), in playhead order.
fn merge(beats: Vec<Beat>, recorded: &[Beat], last: u32) -> Vec<ShownBeat> {
    let mut all: Vec<ShownBeat> = beats
        .into_iter()
        .map(|b| ShownBeat {
            label: b.label,
            event: b.event,
            recorded: false,
        })
        .chain(
            recorded
                .iter()
                .filter(|b| b.event <= last)
                .map(|b| ShownBeat {
                    label: b.label.clone(),
                    event: b.event,
                    recorded: true,
                }),
        )
        .collect();
    exactly_once_core::vec_map::sort_by_u32_key(&mut all, |b| b.event);
    // Beats at one event are one stop of the playhead: one beat, their labels joined.
    let mut out: Vec<ShownBeat> = Vec::with_capacity(all.len());
    for b in all {
        match out.last_mut() {
            Some(last) if last.event == b.event => {
                last.label = format!("{} · {}", last.label, b.label);
                last.recorded &= b.recorded;
            }
            _ => out.push(b),
        }
    }
    out
}

/// The next beat after the playhead: the first beat later than `at`, or at `at` when that event
/// has not happened yet (`done` false: the playhead sits before it).
pub fn next_beat(beats: &[ShownBeat], at: u32, done: bool) -> Option<&ShownBeat> {
    beats
        .iter()
        .find(|b| b.event > at || (b.event == at && !done))
}

/// The previous beat: the last beat earlier than `at`.
pub fn previous_beat(beats: &[ShownBeat], at: u32) -> Option<&ShownBeat> {
    beats.iter().rev().find(|b| b.event < at)
}

// ---- Actions ---------------------------------------------------------------------------

/// What a speaker (or a link, or a key) does with chapters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChapterAction {
    Open(Opening),
    /// Chapter `n` (1-based), before its fix, at its start (the number keys).
    Number(u32),
    /// Apply the fix, or show the run before it; the moment in virtual time is kept.
    ToggleFix,
    /// The next beat; after the last beat, the fix (before it is applied), then the next chapter.
    NextBeat,
    /// The previous beat; before the first, the run before the fix, then the previous chapter.
    PreviousBeat,
    /// The beat at this index of `beats`.
    GoToBeat(usize),
    /// Records a beat at the playhead, with this label (or the event's own text).
    Record(Option<String>),
    RemoveRecorded(usize),
    Close,
}

/// What "next" does from here, as the presenter's footer says it.
pub fn next_step(c: &ChapterState, cursor: u32, done: bool) -> String {
    let (at, done) = c.position(cursor, done);
    if let Some(b) = next_beat(&c.beats, at, done) {
        return format!("next: {}", b.label);
    }
    if !c.fixed {
        return format!("next: apply the fix ({})", c.chapter.fix.label);
    }
    match all().iter().find(|ch| ch.number == c.chapter.number + 1) {
        Some(ch) => format!("next: chapter {} · {}", ch.number, ch.title),
        None => "the last chapter".to_string(),
    }
}

fn open(prev: &UiState, o: Opening, moment: Option<Moment>) -> Result<UiState, String> {
    let chapter = chapters::get(&o.id).ok_or_else(|| {
        format!(
            "There is no chapter \u{201c}{}\u{201d}: pick one from the Chapters list.",
            o.id
        )
    })?;
    let c = ChapterState::new(chapter, o.fixed, o.recorded);
    let mut own_scenario = None;
    let mut n = if c.is_model() {
        // The reference model needs no run of the player: the scenario on screen stays.
        let mut n = prev.clone();
        n.notice = None;
        n
    } else {
        let scenario = c
            .chapter
            .scenario(o.fixed)
            .map_err(|e| format!("Chapter {} could not be opened: {e}.", c.chapter.number))?;
        let mut n = UiState::with_scenario(crate::share::preset_of(&scenario), scenario);
        own_scenario = Some(n.scenario.clone());
        n.generation = prev.generation + 1;
        n.view = prev.view;
        n.speed = prev.speed;
        n.tab = prev.tab;
        n.display = prev.display.clone();
        n.keep_moment = o.at.map(Moment::Event).or(moment);
        n
    };
    n.chapter_progress = Rc::new(
        prev.chapter_progress
            .with(&c.chapter.id, o.fixed)
            .unwrap_or_else(|| (*prev.chapter_progress).clone()),
    );
    let mut c = c;
    c.scenario = own_scenario;
    if c.is_model() {
        c.model_at =
            o.at.unwrap_or(0)
                .min(c.model_states().len().saturating_sub(1) as u32);
        c.model_started = o.at.is_some() || moment.is_some();
    }
    n.chapter = Some(Rc::new(c));
    Ok(n)
}

fn by_number(number: u32) -> Option<Chapter> {
    all().iter().find(|c| c.number == number).cloned()
}

thread_local! {
    static ALL: Rc<Vec<Chapter>> = Rc::new(chapters::all());
    static PROBLEMS: Rc<Vec<String>> = Rc::new(chapters::problems());
}

/// Every chapter, parsed once per page (the views render them on every frame).
pub fn all() -> Rc<Vec<Chapter>> {
    ALL.with(Rc::clone)
}

/// The chapter files that do not parse, one sentence each (parsed once per page).
pub fn problems() -> Rc<Vec<String>> {
    PROBLEMS.with(Rc::clone)
}

fn reopen(state: Rc<UiState>, o: Opening, moment: Option<Moment>) -> Rc<UiState> {
    match open(&state, o, moment) {
        Ok(n) => Rc::new(n),
        Err(message) => {
            let mut s = (*state).clone();
            s.notice = Some(Rc::new(message));
            Rc::new(s)
        }
    }
}

/// Moves the playhead (or the model's state) to a beat's moment; at the anomaly, its messages
/// are highlighted as the verdict's jump does.
fn go_to(state: &UiState, event: u32) -> UiState {
    let mut s = state.clone();
    s.playing = false;
    let Some(c) = s.chapter.clone() else {
        return s;
    };
    if c.is_model() {
        let mut c = (*c).clone();
        c.model_at = event;
        c.model_started = true;
        s.chapter = Some(Rc::new(c));
        return s;
    }
    s.set_cursor(event, 1.0);
    if let (Some(at), Anomaly::Invariant(name)) = (c.anomaly_at, &c.chapter.anomaly) {
        if at == event {
            if let Some((_, messages)) = s.first_violation(Some(*name)) {
                s.selection = messages.first().map(|m| Selection::Message(*m));
                s.highlight = Rc::new(messages);
                return s;
            }
        }
    }
    s.highlight = Rc::default();
    s
}

/// The page after a chapter action.
pub fn reduce(state: Rc<UiState>, action: ChapterAction) -> Rc<UiState> {
    let opening = |c: &ChapterState, fixed: bool| Opening {
        id: c.chapter.id.clone(),
        fixed,
        recorded: c.recorded.clone(),
        at: None,
    };
    match action {
        ChapterAction::Open(o) => reopen(state, o, None),
        ChapterAction::Number(n) => match by_number(n) {
            Some(ch) => reopen(
                state,
                Opening {
                    id: ch.id,
                    fixed: false,
                    recorded: Vec::new(),
                    at: None,
                },
                None,
            ),
            None => state,
        },
        ChapterAction::Close => {
            if state.chapter.is_none() {
                return state;
            }
            let mut s = (*state).clone();
            s.chapter = None;
            Rc::new(s)
        }
        ChapterAction::ToggleFix => {
            let Some(c) = state.chapter.clone() else {
                return state;
            };
            let at = state.now_ms();
            let mut o = opening(&c, !c.fixed);
            if c.is_model() {
                o.at = Some(c.model_at);
            }
            reopen(state, o, Some(Moment::Time(at)))
        }
        ChapterAction::NextBeat => {
            let Some(c) = state.chapter.clone() else {
                return state;
            };
            if !c.resolved {
                return state;
            }
            let (at, done) = c.position(state.cursor, state.progress >= 1.0);
            if let Some(b) = next_beat(&c.beats, at, done) {
                return Rc::new(go_to(&state, b.event));
            }
            if !c.fixed {
                // The fix is the next beat: the run after it, from its start.
                let mut o = opening(&c, true);
                o.at = None;
                return reopen(state, o, None);
            }
            match by_number(c.chapter.number + 1) {
                Some(next) => reopen(
                    state,
                    Opening {
                        id: next.id,
                        fixed: false,
                        recorded: Vec::new(),
                        at: None,
                    },
                    None,
                ),
                None => state,
            }
        }
        ChapterAction::PreviousBeat => {
            let Some(c) = state.chapter.clone() else {
                return state;
            };
            if !c.resolved {
                return state;
            }
            let (at, _) = c.position(state.cursor, true);
            if let Some(b) = previous_beat(&c.beats, at) {
                return Rc::new(go_to(&state, b.event));
            }
            if c.fixed {
                return reopen(state, opening(&c, false), Some(Moment::End));
            }
            match c.chapter.number.checked_sub(1).and_then(by_number) {
                Some(prev) => reopen(
                    state,
                    Opening {
                        id: prev.id,
                        fixed: true,
                        recorded: Vec::new(),
                        at: None,
                    },
                    Some(Moment::End),
                ),
                None => state,
            }
        }
        ChapterAction::GoToBeat(i) => {
            let Some(event) = state
                .chapter
                .as_ref()
                .and_then(|c| c.beats.get(i))
                .map(|b| b.event)
            else {
                return state;
            };
            Rc::new(go_to(&state, event))
        }
        ChapterAction::Record(label) => {
            let Some(c) = state.chapter.clone() else {
                return state;
            };
            let mut s = (*state).clone();
            if c.beats.len() >= chapters::MAX_BEATS {
                s.notice = Some(Rc::new(format!(
                    "A chapter holds at most {} beats: remove a recorded one first.",
                    chapters::MAX_BEATS
                )));
                return Rc::new(s);
            }
            let event = if c.is_model() { c.model_at } else { s.cursor };
            let label = label
                .map(|l| clip(&l))
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| default_label(&s, &c, event));
            if c.recorded
                .iter()
                .any(|b| b.event == event && b.label == label)
            {
                return state;
            }
            let mut c = (*c).clone();
            c.recorded.push(Beat { label, event });
            s.chapter = Some(Rc::new(c.rebuilt(s.run.as_deref())));
            s.notice = Some(Rc::new(format!(
                "Beat recorded at event #{event}; it is part of this chapter's link."
            )));
            Rc::new(s)
        }
        ChapterAction::RemoveRecorded(i) => {
            let Some(c) = state.chapter.clone() else {
                return state;
            };
            if i >= c.recorded.len() {
                return state;
            }
            let mut s = (*state).clone();
            let mut c = (*c).clone();
            c.recorded.remove(i);
            s.chapter = Some(Rc::new(c.rebuilt(s.run.as_deref())));
            Rc::new(s)
        }
    }
}

/// A recorded beat's label when the speaker gives none: the event, as the trace says it.
fn default_label(s: &UiState, c: &ChapterState, event: u32) -> String {
    if c.is_model() {
        return clip(&format!("State {event}"));
    }
    s.run
        .as_ref()
        .and_then(|r| r.events.get(event as usize))
        .map(|e| clip(&format!("#{event} {}", crate::model::event_text(e))))
        .unwrap_or_else(|| format!("Event #{event}"))
}

// ---- Links ------------------------------------------------------------------------------

/// What a chapter link asks for: `?chapter=ghost-message&fixed&beats=40.The%20retry&at=12`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opening {
    pub id: String,
    pub fixed: bool,
    pub recorded: Vec<Beat>,
    pub at: Option<u32>,
}

/// Reads a chapter link's query; `None` when it names no chapter. Beats that cannot be read are
/// dropped (a beat is a bookmark, not the scenario).
pub fn parse_query(query: &str) -> Option<Opening> {
    let mut opening = Opening {
        id: String::new(),
        fixed: false,
        recorded: Vec::new(),
        at: None,
    };
    for pair in query.trim_start_matches('?').split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "chapter" => opening.id = decode(v),
            "fixed" => opening.fixed = v != "0",
            "at" => opening.at = v.parse().ok(),
            "beats" => {
                opening.recorded = v
                    .split('~')
                    .filter_map(|b| {
                        let (event, label) = b.split_once('.')?;
                        Some(Beat {
                            event: event.parse().ok()?,
                            label: clip(&decode(label)),
                        })
                    })
                    .take(chapters::MAX_BEATS)
                    .collect();
            }
            _ => {}
        }
    }
    (!opening.id.is_empty()).then_some(opening)
}

/// The chapter link's query (without `?`): the chapter, the fix, the recorded beats, the
/// playhead, and presenter mode when on.
pub fn query_of(c: &ChapterState, at: u32, presenting: bool) -> String {
    let mut q = format!("chapter={}", encode(&c.chapter.id));
    if c.fixed {
        q.push_str("&fixed");
    }
    if !c.recorded.is_empty() {
        let beats: Vec<String> = c
            .recorded
            .iter()
            .map(|b| format!("{}.{}", b.event, encode(&b.label)))
            .collect();
        q.push_str("&beats=");
        q.push_str(&beats.join("~"));
    }
    if at > 0 {
        q.push_str(&format!("&at={at}"));
    }
    if presenting {
        q.push_str("&presenter");
    }
    q
}

/// A beat label as recorded: one line, at most the core's label length.
pub fn clip(label: &str) -> String {
    let one_line: String = label
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    one_line
        .trim()
        .chars()
        .take(chapters::MAX_BEAT_LABEL_CHARS)
        .collect()
}

/// Percent-encoding of everything but unreserved characters (a label may hold anything).
pub fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Reads [`encode`] (and `+` as a space); broken escapes are kept as text.
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---- Progress ---------------------------------------------------------------------------

/// Chapters opened and chapters whose fix was applied, kept in localStorage.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub visited: VecSet<String>,
    pub fixed: VecSet<String>,
}

impl Progress {
    /// Reads the stored progress; anything unreadable is a fresh start.
    pub fn parse(text: Option<&str>) -> Progress {
        text.and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }

    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The progress after seeing `id` (with its fix when `fixed`); `None` when unchanged.
    pub fn with(&self, id: &str, fixed: bool) -> Option<Progress> {
        let mut p = self.clone();
        let changed = p.visited.insert(id.to_string()) | (fixed && p.fixed.insert(id.to_string()));
        changed.then_some(p)
    }

    /// "✓" fixed, "•" visited, "" not yet.
    pub fn mark(&self, id: &str) -> &'static str {
        if self.fixed.contains(id) {
            "✓"
        } else if self.visited.contains(id) {
            "•"
        } else {
            ""
        }
    }
}

/// The anomaly's name as the page says it.
pub fn anomaly_name(a: &Anomaly) -> String {
    a.name()
}

#[cfg(test)]
mod tests {
    use super::*;
    use yew::Reducible;

    fn beats(events: &[u32]) -> Vec<ShownBeat> {
        events
            .iter()
            .map(|e| ShownBeat {
                label: format!("b{e}"),
                event: *e,
                recorded: false,
            })
            .collect()
    }

    #[test]
    fn beats_step_forward_and_back_from_the_playhead() {
        let b = beats(&[0, 5, 9]);
        // At the very start nothing has happened: the first beat is event 0 itself.
        assert_eq!(next_beat(&b, 0, false).map(|b| b.event), Some(0));
        assert_eq!(next_beat(&b, 0, true).map(|b| b.event), Some(5));
        assert_eq!(next_beat(&b, 7, true).map(|b| b.event), Some(9));
        assert_eq!(next_beat(&b, 9, true), None);
        assert_eq!(previous_beat(&b, 9).map(|b| b.event), Some(5));
        assert_eq!(previous_beat(&b, 6).map(|b| b.event), Some(5));
        assert_eq!(previous_beat(&b, 0), None);
    }

    #[test]
    fn chapter_links_round_trip_with_recorded_beats() {
        let chapter = chapters::get("ghost-message").expect("chapter");
        let c = ChapterState::new(
            chapter,
            true,
            vec![Beat {
                label: "Look: the retry & the 2nd try/ü".into(),
                event: 17,
            }],
        );
        let q = query_of(&c, 12, true);
        assert!(
            q.starts_with("chapter=ghost-message&fixed&beats=17."),
            "{q}"
        );
        let o = parse_query(&format!("?{q}")).expect("opening");
        assert_eq!(o.id, "ghost-message");
        assert!(o.fixed);
        assert_eq!(o.at, Some(12));
        assert_eq!(o.recorded, c.recorded);
        assert_eq!(parse_query("?preset=c05-before"), None);
        // Damaged beats are dropped, not errors.
        let o = parse_query("?chapter=x&beats=zz.a~3.ok~4").expect("opening");
        assert_eq!(o.recorded.len(), 1);
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("a%2"), "a%2");
    }

    #[test]
    fn every_chapter_resolves_beats_and_its_fix_removes_the_anomaly_on_the_page() {
        let all = chapters::all();
        assert!(all.len() >= 15, "{} chapters", all.len());
        for ch in all {
            let id = ch.id.clone();
            for fixed in [false, true] {
                let c = ChapterState::new(ch.clone(), fixed, Vec::new());
                let mut c = if c.is_model() {
                    c
                } else {
                    let scenario = ch.scenario(fixed).expect("scenario");
                    let run = crate::compute::compute(&scenario).expect("run");
                    c.resolved_in(&run)
                };
                assert!(c.resolved, "{id}");
                assert!(!c.beats.is_empty(), "{id} (fixed: {fixed}) has no beats");
                assert!(
                    c.beats.windows(2).all(|w| w[0].event <= w[1].event),
                    "{id}: beats out of order"
                );
                let last = c.beats.last().map_or(0, |b| b.event);
                c.model_at = last;
                let state = c.anomaly_state(last);
                if fixed {
                    assert_eq!(state, AnomalyState::Absent, "{id} after the fix");
                } else {
                    assert!(
                        matches!(state, AnomalyState::Shown(_)),
                        "{id}: at the last beat the anomaly is {state:?}"
                    );
                }
            }
        }
    }

    fn ready(s: Rc<UiState>) -> Rc<UiState> {
        if s.computing.is_none() {
            return s;
        }
        let run = Rc::new(crate::compute::compute(&s.scenario).expect("run"));
        let generation = s.generation;
        s.reduce(crate::state::UiAction::RunReady { generation, run })
    }

    fn press(s: Rc<UiState>, action: ChapterAction) -> Rc<UiState> {
        ready(s.reduce(crate::state::UiAction::Chapter(action)))
    }

    #[test]
    fn next_beat_walks_the_chapter_then_applies_the_fix_then_opens_the_next_chapter() {
        let o = parse_query("?chapter=ghost-message").expect("link");
        let mut s = press(Rc::new(UiState::default()), ChapterAction::Open(o));
        let c = s.chapter.clone().expect("chapter");
        assert!(c.resolved && !c.fixed);
        assert_eq!(
            s.scenario.seed,
            chapters::get("ghost-message")
                .expect("ch")
                .scenario(false)
                .expect("sc")
                .seed
        );
        let beats: Vec<u32> = c.beats.iter().map(|b| b.event).collect();
        let mut seen = Vec::new();
        for _ in 0..beats.len() {
            s = press(s, ChapterAction::NextBeat);
            seen.push(s.cursor);
        }
        assert_eq!(seen, beats);
        let anomaly = c.anomaly_at.expect("the ghost happens");
        assert_eq!(c.anomaly_state(s.cursor), AnomalyState::Shown(anomaly));
        // Stepping back from the last beat lands on the one before it.
        let back = press(s.clone(), ChapterAction::PreviousBeat);
        assert_eq!(back.cursor, beats[beats.len() - 2]);
        // Past the last beat: the fix, from the start of its run.
        s = press(s, ChapterAction::NextBeat);
        let c = s.chapter.clone().expect("chapter");
        assert!(c.fixed);
        assert_eq!(s.cursor, 0);
        assert_eq!(c.anomaly_state(s.len()), AnomalyState::Absent);
        assert!(s.chapter_progress.fixed.contains("ghost-message"));
        for _ in 0..c.beats.len() {
            s = press(s, ChapterAction::NextBeat);
        }
        s = press(s, ChapterAction::NextBeat);
        let c = s.chapter.clone().expect("chapter");
        assert_eq!(c.chapter.number, 5);
        assert!(!c.fixed);
        // A recorded beat joins the beats and the link.
        let s = press(s, ChapterAction::GoToBeat(1));
        let at = s.cursor + 2;
        let s = s.reduce(crate::state::UiAction::Seek(at));
        let s = press(s, ChapterAction::Record(Some("Here".into())));
        let c = s.chapter.clone().expect("chapter");
        assert!(c
            .beats
            .iter()
            .any(|b| b.recorded && b.event == at && b.label == "Here"));
        assert!(query_of(&c, s.cursor, false).contains(&format!("beats={at}.Here")));
        // An unknown chapter says so and changes nothing else.
        let o = parse_query("?chapter=nope").expect("link");
        let s2 = press(s.clone(), ChapterAction::Open(o));
        assert!(s2.notice.as_deref().is_some_and(|n| n.contains("nope")));
        assert_eq!(s2.scenario, s.scenario);
    }

    #[test]
    fn an_edit_in_settings_leaves_the_chapters_own_scenario_and_the_fix_restores_it() {
        let o = parse_query("?chapter=ghost-message").expect("link");
        let s = press(Rc::new(UiState::default()), ChapterAction::Open(o));
        assert!(s.chapter.as_ref().expect("chapter").follows(&s.scenario));
        let s = ready(s.reduce(crate::state::UiAction::SetSeed(77)));
        let c = s.chapter.clone().expect("still open");
        assert!(!c.follows(&s.scenario));
        assert!(c.resolved);
        let s = press(s, ChapterAction::ToggleFix);
        let c = s.chapter.clone().expect("chapter");
        assert!(c.fixed && c.follows(&s.scenario));
        assert_ne!(s.scenario.seed, 77);
    }

    #[test]
    fn progress_marks_visited_and_fixed() {
        let p = Progress::parse(Some("not json"));
        assert_eq!(p, Progress::default());
        let p = p.with("ghost-message", false).expect("changed");
        assert_eq!(p.mark("ghost-message"), "•");
        assert!(p.with("ghost-message", false).is_none());
        let p = p.with("ghost-message", true).expect("changed");
        assert_eq!(p.mark("ghost-message"), "✓");
        assert_eq!(Progress::parse(Some(&p.to_text())), p);
    }
}
