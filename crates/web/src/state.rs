//! The page's whole state: one `Reducible` with a closed action enum. Everything a share link or a
//! presenter beat needs (scenario, moment, view, selection) lives here as plain data; the
//! computed run is kept behind an `Rc` and replaced only when the scenario changes.

use crate::compute::Computed;
use crate::settings;
use exactly_once_core::check::wire::ModelTrace;
use exactly_once_core::ids::{MsgId, OrderId};
use exactly_once_core::invariants::InvariantName;
use exactly_once_core::scenario::{ChaosRule, Endpoint, Scenario, ScenarioError};
use exactly_once_core::trace::EventKind;
use exactly_once_core::vec_map::VecMap;
use exactly_once_core::World;
use exactly_once_core::{presets, workloads};
use serde_json::Value;
use std::cell::{Ref, RefCell};
use std::rc::Rc;
use yew::Reducible;

/// The preset the page opens on: something visibly goes wrong within seconds of pressing play.
pub const DEFAULT_PRESET: &str = "c05-before";

/// Playback rate at 1x: events per second of wall time.
pub const EVENTS_PER_SECOND: f64 = 5.0;

/// The speeds offered (the issue asks for 0.1x to 20x).
pub const SPEEDS: [f64; 9] = [0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0];

/// A speed the player offers: 0.1x to 20x; anything that is not a number is 1x.
pub fn speed_in_range(x: f64) -> f64 {
    if x.is_finite() {
        x.clamp(SPEEDS[0], SPEEDS[SPEEDS.len() - 1])
    } else {
        1.0
    }
}
pub const SPEED_LABELS: [&str; 9] = [
    "0.1x", "0.25x", "0.5x", "1x", "2x", "3x", "5x", "10x", "20x",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Topology,
    Sequence,
}

impl View {
    pub fn name(self) -> &'static str {
        match self {
            View::Topology => "topology",
            View::Sequence => "sequence",
        }
    }
}

/// The world at the playhead and how many steps of the run it has applied.
#[derive(Default)]
pub struct WorldCache {
    pub applied: Option<usize>,
    pub world: Option<World>,
}

/// A moment of a run: a virtual time survives an edit of the scenario, an event index comes from
/// a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moment {
    Time(u64),
    Event(u32),
    /// The last event (manual mode shows what the chosen step did).
    End,
}

/// The side panel's tab.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Inspector,
    Settings,
    Trace,
    Manual,
    /// "Find a failing trace": the exhaustive checker over the current scenario.
    Check,
    /// Model-checking the workshop's reference model (the MessageHandler TLA+ spec).
    Model,
    /// Links, saved scenarios, import and export.
    Share,
    /// The guided chapters (`views::chapters`).
    Chapters,
}

/// What the inspector shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    Message(MsgId),
    Document(Endpoint, OrderId),
    Queue(Endpoint),
    Instance(Endpoint, u32),
    Stores(Endpoint),
    ErrorQueue,
    Tokens,
    Event(u32),
}

/// The closed set of things a user (or a test, a link, a presenter) can do.
#[derive(Clone, Debug)]
pub enum UiAction {
    Play,
    Pause,
    TogglePlay,
    StepForward,
    StepBack,
    /// Go to an event (the playhead shows it done).
    Seek(u32),
    SeekStart,
    SeekEnd,
    /// To the first violation of one invariant, or of any when `None`; highlights its messages.
    JumpToViolation(Option<InvariantName>),
    Restart,
    SetSpeed(f64),
    /// One notch faster (+1) or slower (-1) among [`SPEEDS`].
    SpeedStep(i32),
    /// An animation frame at this timestamp (ms).
    Frame(f64),
    SelectPreset(String),
    Select(Option<Selection>),
    SetView(View),
    SetTab(Tab),
    /// Writes a value into the scenario at a dotted path; re-runs when the result is valid.
    EditField {
        path: String,
        value: Value,
    },
    /// A field's text could not even be read (shown next to it; nothing else changes).
    InputError {
        path: String,
        message: String,
    },
    /// The script editor's text.
    EditScript(String),
    AddRule,
    RemoveRule(usize),
    /// A "what if" made into a chaos rule; the run is recomputed and the moment kept.
    AddChaosRule(ChaosRule),
    /// A one-line message for the user (a "what if" that found no rule), `None` to dismiss.
    Notice(Option<String>),
    /// Manual mode: the user takes over the scheduler at the playhead.
    EnterManual,
    /// Manual mode: take choice `i` of the enabled choices at the end of the path.
    Choose(u32),
    UndoChoice,
    LeaveManual,
    /// Manual mode: the seeded scheduler takes the remaining steps from the end of the path, and
    /// they join the path (still manual, so the user can undo them or pick otherwise).
    FinishWithScheduler,
    /// The checker's counterexample: replay its choice path in the player (as manual mode does)
    /// with the playhead on event `at` (the violation), and say so in a notice.
    LoadPath {
        path: Rc<Vec<u32>>,
        at: u32,
        note: String,
    },
    /// The manual path no longer fits the scenario (after an edit).
    ManualFailed {
        generation: u32,
        message: String,
    },
    SetSeed(u64),
    RunProgress {
        generation: u32,
        events: usize,
    },
    RunReady {
        generation: u32,
        run: Rc<Computed>,
    },
    RunInvalid {
        generation: u32,
        errors: Vec<ScenarioError>,
    },
    /// A reference-model counterexample (Model tab) takes over the player: the playhead steps
    /// through its states, the stage shows the spec's variables and the verdict panel its
    /// invariants, until [`UiAction::CloseModelTrace`] or the scenario's next run.
    LoadModelTrace(Rc<ModelTrace>),
    /// Back to the scenario's run, at the moment it was left.
    CloseModelTrace,
    /// Opens a shared moment (a link, a saved or imported scenario): its scenario, moment, view
    /// and selection replace the page's, and `notice` (a bad link's banner) is shown.
    OpenMoment {
        moment: Box<exactly_once_core::link::SharedMoment>,
        notice: Option<String>,
    },
    /// Presenter mode, blanking, the key help, the theme (`presenter`).
    Display(crate::presenter::DisplayAction),
    /// The guided chapters: open one, apply its fix, step its beats (`chapter_state`).
    Chapter(crate::chapter_state::ChapterAction),
}

#[derive(Clone)]
pub struct UiState {
    pub preset_id: Option<String>,
    /// The scenario that runs: always the last valid one.
    pub scenario: Rc<Scenario>,
    /// What the settings form shows, possibly invalid.
    pub draft: Rc<Value>,
    /// Why the draft does not run (empty when it is the running scenario).
    pub problems: Rc<Vec<ScenarioError>>,
    /// Field text that could not be read, by path.
    pub input_errors: Rc<VecMap<String, String>>,
    /// The script editor's text and its errors (kept while the text does not parse).
    pub script_text: Rc<String>,
    pub script_errors: Rc<Vec<String>>,
    /// Bumped for every scenario to compute; late results of older ones are dropped.
    pub generation: u32,
    pub run: Option<Rc<Computed>>,
    /// Events computed so far while a run is being computed.
    pub computing: Option<usize>,
    /// Where the playhead goes when the next run arrives (an edit keeps the moment).
    pub keep_moment: Option<Moment>,
    /// The event the playhead is on, and how far its animation is (1 = done).
    pub cursor: u32,
    pub progress: f64,
    pub playing: bool,
    pub speed: f64,
    pub last_frame: Option<f64>,
    pub view: View,
    pub tab: Tab,
    pub selection: Option<Selection>,
    /// A one-line message shown above the stage.
    pub notice: Option<Rc<String>>,
    /// Manual mode: the choice path the user built (the scheduler's choices up to where they
    /// took over, then theirs). `None`: the seeded scheduler decides.
    pub manual: Option<Rc<Vec<u32>>>,
    /// Messages to highlight (the ones a violation names).
    pub highlight: Rc<Vec<MsgId>>,
    /// The world at the cursor: a cache shared by the states of one run and moved forward in
    /// place while playing (cloning a soak's world on every frame would cost more than a frame).
    pub world: Rc<RefCell<WorldCache>>,
    /// How the page is shown: presenter mode, embed, blank, theme (`presenter`).
    pub display: crate::presenter::Display,
    /// The open chapter, if any, and the chapters visited and fixed (`chapter_state`).
    pub chapter: Option<Rc<crate::chapter_state::ChapterState>>,
    pub chapter_progress: Rc<crate::chapter_state::Progress>,
    /// The reference-model counterexample in the player (the playhead indexes its states), and
    /// where the scenario's playhead was when it was loaded.
    pub model_trace: Option<(Rc<ModelTrace>, u32)>,
}

impl PartialEq for UiState {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Default for UiState {
    fn default() -> Self {
        UiState::with_preset(DEFAULT_PRESET)
    }
}

/// The scenario as a JSON value for the form. Through text, on purpose: the core already
/// (de)serialises scenarios as text, and a second, `Value`-based instantiation of every serde impl
/// would cost tens of kilobytes of bundle.
fn scenario_json(s: &Scenario) -> Value {
    serde_json::from_str(&s.to_json()).unwrap_or(Value::Null)
}

impl UiState {
    /// A page showing a preset (the default one when the id is unknown).
    pub fn with_preset(id: &str) -> UiState {
        let preset = presets::get(id).or_else(|| presets::get(DEFAULT_PRESET));
        let (preset_id, scenario) = match preset {
            Some(p) => (Some(p.id), p.scenario),
            None => (
                None,
                presets::all()
                    .into_iter()
                    .next()
                    .map(|p| p.scenario)
                    .unwrap_or_else(empty_scenario),
            ),
        };
        UiState::with_scenario(preset_id, scenario)
    }

    /// A page showing any valid scenario (a preset's, a benchmark's, later a link's).
    pub fn with_scenario(preset_id: Option<String>, scenario: Scenario) -> UiState {
        UiState {
            preset_id,
            draft: Rc::new(scenario_json(&scenario)),
            script_text: Rc::new(settings::format_script(&scenario.script)),
            scenario: Rc::new(scenario),
            problems: Rc::default(),
            input_errors: Rc::default(),
            script_errors: Rc::default(),
            generation: 1,
            run: None,
            computing: Some(0),
            keep_moment: None,
            cursor: 0,
            progress: 0.0,
            playing: false,
            speed: 1.0,
            last_frame: None,
            view: View::Topology,
            tab: Tab::Inspector,
            selection: None,
            highlight: Rc::default(),
            notice: None,
            manual: None,
            world: Rc::default(),
            display: Default::default(),
            chapter: None,
            chapter_progress: Rc::default(),
            model_trace: None,
        }
    }

    /// The state a URL query asks for: `?preset=c05-before&view=sequence&at=26`, or the
    /// core's soak workload with `?soak=10000` (user commands), to see and time a long run, or
    /// the burst `?flight=500` (messages in flight at once, from the moment they are all queued).
    pub fn from_query(query: &str) -> UiState {
        let mut preset = DEFAULT_PRESET.to_string();
        let mut view = View::Topology;
        let mut at = None;
        let mut soak = None;
        let mut flight = None;
        for pair in query.trim_start_matches('?').split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "preset" if !v.is_empty() => preset = v.to_string(),
                "view" if v == "sequence" => view = View::Sequence,
                "at" => at = v.parse::<u32>().ok(),
                "soak" => soak = v.parse::<u32>().ok(),
                "flight" => flight = v.parse::<u32>().ok(),
                _ => {}
            }
        }
        let mut s = match (soak, flight) {
            (Some(commands), _) => {
                UiState::with_scenario(None, workloads::soak(commands, (commands / 20).max(1)))
            }
            (None, Some(messages)) => UiState::with_scenario(None, workloads::in_flight(messages)),
            (None, None) => UiState::with_preset(&preset),
        };
        s.view = view;
        s.keep_moment = at.map(Moment::Event);
        if flight.is_some() && soak.is_none() && at.is_none() {
            // The moment every message is in Orders' queue.
            s.keep_moment = Some(Moment::Time(workloads::IN_FLIGHT_SENT_BY_MS));
        }
        s
    }

    /// Events in the run (0 while computing), or states of the model trace in the player.
    pub fn len(&self) -> u32 {
        if let Some((trace, _)) = &self.model_trace {
            return trace.states.len() as u32;
        }
        self.run.as_ref().map_or(0, |r| r.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The virtual time of the playhead.
    pub fn now_ms(&self) -> u64 {
        self.run
            .as_ref()
            .and_then(|r| r.events.get(self.cursor as usize))
            .map_or(0, |e| e.at_ms)
    }

    /// Whether the run is at its last event with nothing left to animate.
    pub fn at_end(&self) -> bool {
        self.is_empty() || (self.cursor + 1 >= self.len() && self.progress >= 1.0)
    }

    pub(crate) fn set_cursor(&mut self, event: u32, progress: f64) {
        let last = self.len().saturating_sub(1);
        self.cursor = event.min(last);
        self.progress = progress.clamp(0.0, 1.0);
        self.refresh_world();
    }

    /// The world at the cursor, once the run is there.
    pub fn world_ref(&self) -> Option<Ref<'_, World>> {
        Ref::filter_map(self.world.borrow(), |c| c.world.as_ref()).ok()
    }

    /// Keeps the cached world in step with the cursor: a few steps forward in place while
    /// playing, a replay from the nearest checkpoint for a jump.
    fn refresh_world(&mut self) {
        if self.model_trace.is_some() {
            return;
        }
        let Some(run) = &self.run else {
            *self.world.borrow_mut() = WorldCache::default();
            return;
        };
        let target = run.step_of(self.cursor) + 1;
        let mut cache = self.world.borrow_mut();
        if let (Some(applied), Some(world)) = (cache.applied, cache.world.as_mut()) {
            if applied == target {
                return;
            }
            if applied < target
                && target - applied <= crate::compute::CHECKPOINT_EVERY * 4
                && run.advance_world(world, applied, target)
            {
                cache.applied = Some(target);
                return;
            }
        }
        cache.world = run.world_at(self.cursor);
        cache.applied = cache.world.as_ref().map(|_| target);
    }

    /// How much of a playback unit an event takes: clock ticks go by quickly.
    fn weight(&self, event: u32) -> f64 {
        if self.model_trace.is_some() {
            return 1.0;
        }
        match self
            .run
            .as_ref()
            .and_then(|r| r.events.get(event as usize))
            .map(|e| &e.kind)
        {
            Some(EventKind::TimeAdvanced { .. }) => 0.3,
            _ => 1.0,
        }
    }

    /// Advances the animation by `dt_ms` of wall time.
    fn advance(&mut self, dt_ms: f64) {
        let mut budget = dt_ms / 1000.0 * EVENTS_PER_SECOND * self.speed;
        let len = self.len();
        let start = self.cursor;
        while budget > 0.0 {
            let w = self.weight(self.cursor);
            let left = (1.0 - self.progress) * w;
            if budget < left {
                self.progress += budget / w;
                break;
            }
            budget -= left;
            if self.cursor + 1 < len {
                self.cursor += 1;
                self.progress = 0.0;
            } else {
                self.progress = 1.0;
                self.playing = false;
                break;
            }
        }
        if self.cursor != start {
            self.refresh_world();
        }
    }

    fn edit_scenario(&mut self, draft: Value) {
        match Scenario::from_json(&draft.to_string()) {
            Err(e) => {
                self.draft = Rc::new(draft);
                self.problems = Rc::new(vec![e]);
            }
            Ok(sc) => {
                // Normalised: a subscriber switched on gets every default field to edit.
                self.draft = Rc::new(scenario_json(&sc));
                match sc.validate() {
                    Err(errs) => self.problems = Rc::new(errs),
                    Ok(()) => {
                        self.problems = Rc::default();
                        if sc != *self.scenario {
                            self.keep_moment = Some(Moment::Time(self.now_ms()));
                            self.script_text = Rc::new(settings::format_script(&sc.script));
                            self.scenario = Rc::new(sc);
                            self.generation += 1;
                            self.computing = Some(0);
                            self.playing = false;
                        }
                    }
                }
            }
        }
    }

    /// Asks for a new run of the current scenario (and manual path), landing on `moment`.
    fn start_run(&mut self, moment: Moment) {
        self.keep_moment = Some(moment);
        self.generation += 1;
        self.computing = Some(0);
        self.playing = false;
    }

    pub(crate) fn first_violation(
        &self,
        which: Option<InvariantName>,
    ) -> Option<(u32, Vec<MsgId>)> {
        let run = self.run.as_ref()?;
        run.report
            .first_violation
            .values()
            .filter(|v| which.is_none_or(|w| w == v.invariant))
            .min_by_key(|v| v.event)
            .map(|v| (v.event, v.messages.clone()))
    }
}

/// A scenario that runs nothing; only used if the preset list were ever empty.
fn empty_scenario() -> Scenario {
    Scenario {
        format: exactly_once_core::scenario::FORMAT,
        seed: 0,
        limits: Default::default(),
        frontend: Default::default(),
        orders: Default::default(),
        shipping: None,
        marketing: None,
        script: Vec::new(),
        chaos: Vec::new(),
        knobs: Default::default(),
    }
}

impl Reducible for UiState {
    type Action = UiAction;

    fn reduce(self: Rc<Self>, action: UiAction) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            UiAction::Play => {
                if (s.run.is_none() && s.model_trace.is_none()) || s.playing {
                    return self;
                }
                if s.at_end() {
                    s.set_cursor(0, 0.0);
                }
                s.playing = true;
                s.last_frame = None;
            }
            UiAction::Pause => {
                if !s.playing {
                    return self;
                }
                s.playing = false;
            }
            UiAction::TogglePlay => {
                let next = if s.playing {
                    UiAction::Pause
                } else {
                    UiAction::Play
                };
                return self.reduce(next);
            }
            UiAction::StepForward => {
                s.playing = false;
                if s.progress < 1.0 {
                    s.progress = 1.0;
                } else {
                    let c = s.cursor + 1;
                    s.set_cursor(c, 1.0);
                }
            }
            UiAction::StepBack => {
                s.playing = false;
                let c = s.cursor.saturating_sub(1);
                s.set_cursor(c, 1.0);
            }
            UiAction::Seek(i) => {
                s.set_cursor(i, 1.0);
            }
            UiAction::SeekStart => {
                s.playing = false;
                s.set_cursor(0, 0.0);
            }
            UiAction::SeekEnd => {
                s.playing = false;
                let last = s.len().saturating_sub(1);
                s.set_cursor(last, 1.0);
            }
            UiAction::JumpToViolation(_) if s.model_trace.is_some() => {
                let at = s
                    .model_trace
                    .as_ref()
                    .and_then(|(t, _)| t.first_any_violation());
                let Some(at) = at else {
                    return self;
                };
                s.playing = false;
                s.set_cursor(at as u32, 1.0);
            }
            UiAction::JumpToViolation(which) => {
                let Some((event, messages)) = s.first_violation(which) else {
                    return self;
                };
                s.playing = false;
                s.set_cursor(event, 1.0);
                s.selection = messages.first().map(|m| Selection::Message(*m));
                s.highlight = Rc::new(messages);
                s.tab = Tab::Inspector;
            }
            UiAction::Restart => {
                s.set_cursor(0, 0.0);
                s.playing = s.run.is_some();
                s.last_frame = None;
            }
            UiAction::SetSpeed(x) => {
                let x = speed_in_range(x);
                if x == s.speed {
                    return self;
                }
                s.speed = x;
            }
            UiAction::SpeedStep(delta) => {
                let at = SPEEDS
                    .iter()
                    .position(|x| *x >= s.speed)
                    .unwrap_or(SPEEDS.len() - 1) as i32;
                let next = (at + delta).clamp(0, SPEEDS.len() as i32 - 1) as usize;
                return self.reduce(UiAction::SetSpeed(SPEEDS[next]));
            }
            UiAction::Frame(ts) => {
                if !s.playing {
                    return self;
                }
                // A hidden tab or a long pause must not jump the playhead far ahead.
                let dt = s.last_frame.map_or(0.0, |t| (ts - t).clamp(0.0, 100.0));
                s.last_frame = Some(ts);
                s.advance(dt);
            }
            UiAction::SelectPreset(id) => {
                if presets::get(&id).is_none() {
                    return self;
                }
                let mut n = UiState::with_preset(&id);
                n.generation = s.generation + 1;
                n.view = s.view;
                n.speed = s.speed;
                n.tab = s.tab;
                n.display = s.display.clone();
                n.chapter_progress = s.chapter_progress.clone();
                return Rc::new(n);
            }
            UiAction::Select(sel) => {
                if sel == s.selection {
                    return self;
                }
                s.selection = sel;
                if sel.is_some() {
                    s.tab = Tab::Inspector;
                }
                if let Some(Selection::Message(id)) = sel {
                    if !s.highlight.contains(&id) {
                        s.highlight = Rc::new(vec![id]);
                    }
                }
            }
            UiAction::SetView(v) => {
                if v == s.view {
                    return self;
                }
                s.view = v;
            }
            UiAction::SetTab(t) => {
                if t == s.tab {
                    return self;
                }
                s.tab = t;
            }
            UiAction::EditField { path, value } => {
                let mut draft = (*s.draft).clone();
                if let Err(e) = settings::set_path(&mut draft, &path, value) {
                    let mut errs = (*s.input_errors).clone();
                    errs.insert(path, e);
                    s.input_errors = Rc::new(errs);
                    return Rc::new(s);
                }
                if s.input_errors.contains_key(&path) {
                    let mut errs = (*s.input_errors).clone();
                    errs.remove(&path);
                    s.input_errors = Rc::new(errs);
                }
                s.edit_scenario(draft);
            }
            UiAction::InputError { path, message } => {
                let mut errs = (*s.input_errors).clone();
                errs.insert(path, message);
                s.input_errors = Rc::new(errs);
            }
            UiAction::EditScript(text) => {
                s.script_text = Rc::new(text.clone());
                match settings::parse_script(&text) {
                    Err(errs) => s.script_errors = Rc::new(errs),
                    Ok(steps) => {
                        s.script_errors = Rc::default();
                        let mut draft = (*s.draft).clone();
                        let steps = serde_json::to_string(&steps)
                            .ok()
                            .and_then(|t| serde_json::from_str(&t).ok())
                            .unwrap_or(Value::Null);
                        if settings::set_path(&mut draft, "script", steps).is_ok() {
                            s.edit_scenario(draft);
                            // Keep the user's own text (spacing, comments) while it is valid.
                            s.script_text = Rc::new(text);
                        }
                    }
                }
            }
            UiAction::AddRule => {
                let mut draft = (*s.draft).clone();
                let mut rules = settings::get_path(&draft, "chaos")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                rules.push(settings::new_rule());
                if settings::set_path(&mut draft, "chaos", Value::Array(rules)).is_ok() {
                    s.edit_scenario(draft);
                }
            }
            UiAction::RemoveRule(i) => {
                let mut draft = (*s.draft).clone();
                let mut rules = settings::get_path(&draft, "chaos")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                if i >= rules.len() {
                    return self;
                }
                rules.remove(i);
                if settings::set_path(&mut draft, "chaos", Value::Array(rules)).is_ok() {
                    s.edit_scenario(draft);
                }
            }
            UiAction::AddChaosRule(rule) => {
                let mut draft = (*s.draft).clone();
                let mut rules = settings::get_path(&draft, "chaos")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let text = serde_json::to_string(&rule).unwrap_or_default();
                let Ok(value) = serde_json::from_str::<Value>(&text) else {
                    return self;
                };
                rules.push(value);
                if settings::set_path(&mut draft, "chaos", Value::Array(rules)).is_ok() {
                    s.notice = Some(Rc::new(format!(
                        "Added chaos rule {}: {}. It is in Settings, like every other rule.",
                        s.scenario.chaos.len(),
                        crate::whatif::describe_rule(&rule)
                    )));
                    s.edit_scenario(draft);
                }
            }
            UiAction::Notice(text) => {
                s.notice = text.map(Rc::new);
            }
            UiAction::OpenMoment { moment, notice } => {
                let preset = crate::share::preset_of(&moment.scenario);
                let mut opened = crate::share::state_of(*moment, preset);
                // A new generation, so that a late run of the old scenario is never taken for it.
                opened.generation = s.generation + 1;
                opened.speed = s.speed;
                opened.tab = s.tab;
                opened.display = s.display.clone();
                opened.chapter_progress = s.chapter_progress.clone();
                opened.notice = notice.map(Rc::new);
                return Rc::new(opened);
            }
            UiAction::EnterManual => {
                if s.model_trace.is_some() {
                    return self;
                }
                let Some(run) = &s.run else {
                    return self;
                };
                if s.manual.is_some() {
                    return self;
                }
                if run.len() > crate::whatif::MAX_EVENTS {
                    s.notice = Some(Rc::new(format!(
                        "Manual mode works on runs up to {} events; this one has {}.",
                        crate::whatif::MAX_EVENTS,
                        run.len()
                    )));
                    return Rc::new(s);
                }
                // At the very start nothing has happened yet; otherwise the step of the playhead
                // counts as taken.
                let applied = if s.cursor == 0 && s.progress < 1.0 {
                    0
                } else {
                    run.step_of(s.cursor) + 1
                };
                s.manual = Some(Rc::new(run.path[..applied.min(run.path.len())].to_vec()));
                s.start_run(Moment::End);
                s.tab = Tab::Manual;
            }
            UiAction::Choose(i) => {
                let Some(path) = &s.manual else {
                    return self;
                };
                let mut p = (**path).clone();
                p.push(i);
                s.manual = Some(Rc::new(p));
                s.start_run(Moment::End);
            }
            UiAction::UndoChoice => {
                let Some(path) = &s.manual else {
                    return self;
                };
                let mut p = (**path).clone();
                if p.pop().is_none() {
                    return self;
                }
                s.manual = Some(Rc::new(p));
                s.start_run(Moment::End);
            }
            UiAction::LoadModelTrace(trace) => {
                let at = trace.states.len().saturating_sub(1) as u32;
                let back = s.model_trace.take().map_or(s.cursor, |(_, back)| back);
                s.notice = Some(Rc::new(format!(
                    "Playing the reference model's shortest counterexample to {} ({} states; {}). The playhead is on the state that breaks it; step back and forth, or go back to the scenario.",
                    trace.invariant,
                    trace.states.len(),
                    trace.title
                )));
                s.model_trace = Some((trace, back));
                s.playing = false;
                s.set_cursor(at, 1.0);
            }
            UiAction::CloseModelTrace => {
                let Some((_, back)) = s.model_trace.take() else {
                    return self;
                };
                s.playing = false;
                s.notice = None;
                s.set_cursor(back, 1.0);
            }
            UiAction::LoadPath { path, at, note } => {
                s.model_trace = None;
                s.manual = Some(path);
                s.notice = Some(Rc::new(note));
                s.start_run(Moment::Event(at));
            }
            UiAction::FinishWithScheduler => {
                let Some(path) = s.manual.clone() else {
                    return self;
                };
                let mut sim = match exactly_once_core::sim::resume(&s.scenario, &path) {
                    Ok(sim) => sim,
                    Err(e) => {
                        s.notice = Some(Rc::new(format!("The scheduler cannot continue: {e}.")));
                        return Rc::new(s);
                    }
                };
                // Bounded like manual mode itself: a path the page replays at once.
                let limit = crate::whatif::MAX_EVENTS as usize;
                while sim.events().len() <= limit && sim.step() {}
                if sim.events().len() > limit {
                    s.notice = Some(Rc::new(format!(
                        "The scheduler's run from here is longer than manual mode's {limit} events; pick the steps yourself, or go back to the seeded scheduler."
                    )));
                    return Rc::new(s);
                }
                let added = sim.path().len() - path.len();
                s.notice = Some(Rc::new(format!(
                    "The seeded scheduler took the last {added} steps; undo any of them to pick otherwise."
                )));
                s.manual = Some(Rc::new(sim.path().to_vec()));
                s.start_run(Moment::End);
            }
            UiAction::LeaveManual => {
                if s.manual.take().is_none() {
                    return self;
                }
                let at = s.now_ms();
                s.start_run(Moment::Time(at));
            }
            UiAction::ManualFailed {
                generation,
                message,
            } => {
                if generation != s.generation {
                    return self;
                }
                s.manual = None;
                s.notice = Some(Rc::new(format!(
                    "Manual mode ended: {message}. The seeded scheduler runs the scenario again."
                )));
                let at = s.now_ms();
                s.start_run(Moment::Time(at));
            }
            UiAction::SetSeed(seed) => {
                return self.reduce(UiAction::EditField {
                    path: "seed".into(),
                    value: Value::from(seed),
                });
            }
            UiAction::RunProgress { generation, events } => {
                if generation != s.generation {
                    return self;
                }
                s.computing = Some(events);
            }
            UiAction::RunReady { generation, run } => {
                if generation != s.generation {
                    return self;
                }
                let len = run.len();
                let moment = s.keep_moment.take();
                // The scenario's new run takes the player back from a model trace.
                if s.model_trace.take().is_some() {
                    s.notice = None;
                }
                s.run = Some(run.clone());
                s.computing = None;
                s.world = Rc::default();
                match moment {
                    Some(Moment::Event(event)) => {
                        s.set_cursor(event.min(len.saturating_sub(1)), 1.0);
                    }
                    Some(Moment::End) => {
                        s.set_cursor(len.saturating_sub(1), 1.0);
                    }
                    Some(Moment::Time(at_ms)) => {
                        let event = run.event_at_time(at_ms);
                        s.set_cursor(event, 1.0);
                    }
                    None => s.set_cursor(0, 0.0),
                }
                s.highlight = Rc::default();
                if let Some(c) = &s.chapter {
                    s.chapter = Some(Rc::new(c.resolved_in(&run)));
                }
            }
            UiAction::Chapter(action) => return crate::chapter_state::reduce(self, action),
            UiAction::Display(action) => match s.display.apply(action) {
                Some(display) => s.display = display,
                None => return self,
            },
            UiAction::RunInvalid { generation, errors } => {
                if generation != s.generation {
                    return self;
                }
                s.computing = None;
                s.problems = Rc::new(errors);
            }
        }
        Rc::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::compute;

    fn ready(mut s: Rc<UiState>) -> Rc<UiState> {
        let run = Rc::new(compute(&s.scenario).expect("valid"));
        let generation = s.generation;
        s = s.reduce(UiAction::RunReady { generation, run });
        s
    }

    #[test]
    fn playing_reaches_the_ghost_within_seconds() {
        let mut s = ready(Rc::new(UiState::default()));
        s = s.reduce(UiAction::Play);
        let ghost = s.run.as_ref().expect("run").report.first_violation
            [&InvariantName::NoGhostMessages]
            .event;
        let mut t = 0.0;
        while s.cursor < ghost && t < 60_000.0 {
            t += 16.0;
            s = s.reduce(UiAction::Frame(t));
        }
        assert!(t < 8_000.0, "the ghost appears after {t} ms of playback");
        assert!(s.world_ref().is_some());
        // Played forward in place, the world is the one a replay gives.
        let replayed = s
            .run
            .as_ref()
            .expect("run")
            .world_at(s.cursor)
            .expect("world");
        assert_eq!(s.world_ref().expect("world").stores, replayed.stores);
        assert_eq!(s.world_ref().expect("world").now_ms, replayed.now_ms);
    }

    #[test]
    fn speed_steps_through_the_offered_speeds_and_stops_at_the_ends() {
        let mut s = Rc::new(UiState::default());
        s = s.reduce(UiAction::SpeedStep(1));
        assert_eq!(s.speed, 2.0);
        for _ in 0..20 {
            s = s.reduce(UiAction::SpeedStep(1));
        }
        assert_eq!(s.speed, 20.0);
        for _ in 0..20 {
            s = s.reduce(UiAction::SpeedStep(-1));
        }
        assert_eq!(s.speed, 0.1);
    }

    #[test]
    fn no_op_actions_return_the_same_state() {
        let s = ready(Rc::new(UiState::default()));
        let same = s.clone().reduce(UiAction::Pause);
        assert!(Rc::ptr_eq(&s, &same));
        let same = s.clone().reduce(UiAction::SetView(View::Topology));
        assert!(Rc::ptr_eq(&s, &same));
    }

    #[test]
    fn a_valid_edit_reruns_and_keeps_the_moment() {
        let mut s = ready(Rc::new(UiState::default()));
        s = s.reduce(UiAction::Seek(20));
        let at = s.now_ms();
        let g = s.generation;
        s = s.reduce(UiAction::EditField {
            path: "orders.add_item.order".into(),
            value: Value::from("store_then_publish"),
        });
        assert_eq!(s.generation, g + 1);
        assert!(s.problems.is_empty());
        s = ready(s);
        assert!(s.now_ms() <= at && s.now_ms() + 20 >= at);
        assert!(s
            .run
            .as_ref()
            .expect("run")
            .report
            .holds(InvariantName::NoGhostMessages));
    }

    #[test]
    fn an_invalid_edit_is_reported_and_the_last_valid_scenario_keeps_running() {
        let s = ready(Rc::new(UiState::default()));
        let before = s.scenario.clone();
        let s = s.reduce(UiAction::EditField {
            path: "orders.endpoint.concurrency".into(),
            value: Value::from(0u64),
        });
        assert_eq!(*s.scenario, *before);
        assert!(s
            .problems
            .iter()
            .any(|p| p.path == "orders.endpoint.concurrency"));
        let s = s.reduce(UiAction::EditScript(
            "100 ms: add Pineapple to order 1".into(),
        ));
        assert_eq!(s.script_errors.len(), 1);
        assert_eq!(*s.scenario, *before);
    }

    #[test]
    fn jump_to_violation_selects_and_highlights_its_messages() {
        let s = ready(Rc::new(UiState::default()));
        let s = s.reduce(UiAction::JumpToViolation(Some(
            InvariantName::NoGhostMessages,
        )));
        let v =
            &s.run.as_ref().expect("run").report.first_violation[&InvariantName::NoGhostMessages];
        assert_eq!(s.cursor, v.event);
        assert_eq!(*s.highlight, v.messages);
        assert_eq!(s.selection, Some(Selection::Message(v.messages[0])));
    }

    #[test]
    fn a_what_if_rule_reruns_and_keeps_the_moment() {
        let s = ready(Rc::new(UiState::with_preset("c05-after")));
        let add = *s
            .run
            .as_ref()
            .expect("run")
            .index
            .messages
            .iter()
            .find(|(_, m)| m.msg.kind == exactly_once_core::scenario::MsgKind::AddItem)
            .expect("AddItem")
            .0;
        let rule = crate::whatif::change_send(
            s.run.as_ref().expect("run"),
            add,
            crate::whatif::SendChange::Duplicate,
        )
        .expect("rule");
        let s = s.reduce(UiAction::Seek(20));
        let at = s.now_ms();
        let s = ready(s.reduce(UiAction::AddChaosRule(rule)));
        assert_eq!(s.scenario.chaos.len(), 2);
        assert!(s.notice.is_some());
        assert!(s.now_ms() <= at);
        assert!(!s.run.as_ref().expect("run").index.messages[&add]
            .duplicated_at
            .is_empty());
    }

    fn ready_manual(s: Rc<UiState>) -> Rc<UiState> {
        let path = s.manual.clone().expect("manual");
        let run = Rc::new(crate::compute::compute_path(&s.scenario, &path).expect("path"));
        let generation = s.generation;
        s.reduce(UiAction::RunReady { generation, run })
    }

    #[test]
    fn manual_mode_takes_over_at_the_playhead_and_steps_by_choice() {
        let s = ready(Rc::new(UiState::default()));
        let s = s.reduce(UiAction::Seek(12));
        let s = ready_manual(s.reduce(UiAction::EnterManual));
        let taken = s.manual.as_ref().expect("manual").len();
        assert!(s.run.as_ref().expect("run").manual);
        assert_eq!(s.tab, Tab::Manual);
        assert!(s.cursor >= 11);
        let before = s.len();
        let s = ready_manual(s.reduce(UiAction::Choose(0)));
        assert_eq!(s.manual.as_ref().expect("manual").len(), taken + 1);
        assert!(s.len() > before);
        assert_eq!(s.cursor + 1, s.len());
        let s = ready_manual(s.reduce(UiAction::UndoChoice));
        assert_eq!(s.len(), before);
        let s = ready(s.reduce(UiAction::LeaveManual));
        assert!(s.manual.is_none());
        assert!(!s.run.as_ref().expect("run").manual);
    }

    #[test]
    fn the_scheduler_finishes_a_manual_path_and_its_steps_join_the_path() {
        let s = ready(Rc::new(UiState::default()));
        // Taken over early and handed straight back: the user's prefix, then the scheduler's
        // steps to the end of the run (the core's `sim::resume`).
        let s = ready_manual(s.reduce(UiAction::Seek(3)).reduce(UiAction::EnterManual));
        let prefix = s.manual.clone().expect("manual");
        let s = ready_manual(s.reduce(UiAction::FinishWithScheduler));
        let path = s.manual.clone().expect("still manual");
        assert!(path.starts_with(&prefix) && path.len() > prefix.len());
        let resumed = exactly_once_core::sim::resume(&s.scenario, &prefix)
            .expect("resumes")
            .into_run();
        assert_eq!(*path, resumed.path);
        assert_eq!(s.run.as_ref().expect("run").events, resumed.events);
        assert!(s
            .notice
            .as_ref()
            .is_some_and(|n| n.contains("scheduler took the last")));
        // Undo one of the scheduler's steps, pick another, and let it finish again: the path
        // keeps the user's choice and runs to the end.
        let s = ready_manual(s.reduce(UiAction::UndoChoice));
        let kept = s.manual.as_ref().expect("manual").len();
        let mut choices = Vec::new();
        s.run
            .as_ref()
            .expect("run")
            .last_world
            .choices(&mut choices);
        let pick = (choices.len() - 1) as u32;
        let s = ready_manual(s.reduce(UiAction::Choose(pick)));
        let s = ready_manual(s.reduce(UiAction::FinishWithScheduler));
        let path = s.manual.clone().expect("manual");
        assert_eq!(path[kept], pick);
        s.run
            .as_ref()
            .expect("run")
            .last_world
            .choices(&mut choices);
        assert!(choices.is_empty(), "the run is over");
    }

    /// The Model tab's counterexample plays in the player: the playhead steps through its
    /// states, J jumps to the broken state, and closing it returns to the scenario's moment.
    #[test]
    fn a_model_trace_takes_over_the_player_and_gives_it_back() {
        use exactly_once_core::check::{Bounds, Explorer, MessageHandler, Variant};
        let model = MessageHandler::new(Variant::SendThenUpdate, 1, 1).expect("model");
        let mut x = Explorer::new(model.clone(), Bounds::default()).expect("explorer");
        let trace = model
            .summary(&x.run_to_end())
            .invariants
            .into_iter()
            .find_map(|v| v.counterexample)
            .expect("a counterexample");
        let s = ready(Rc::new(UiState::default())).reduce(UiAction::Seek(7));
        let s = s.reduce(UiAction::LoadModelTrace(Rc::new(trace)));
        assert_eq!(s.len(), 10);
        assert_eq!(s.cursor, 9, "the playhead is on the broken state");
        assert!(s.notice.is_some());
        let s = s.reduce(UiAction::SeekStart).reduce(UiAction::StepForward);
        assert_eq!(s.cursor, 0);
        let s = s.reduce(UiAction::StepForward);
        assert_eq!(s.cursor, 1);
        let mut s = s.reduce(UiAction::Play);
        let mut t = 0.0;
        while s.playing && t < 10_000.0 {
            t += 16.0;
            s = s.reduce(UiAction::Frame(t));
        }
        assert_eq!(s.cursor, 9, "playing reaches the last state and stops");
        let s = s
            .reduce(UiAction::SeekStart)
            .reduce(UiAction::JumpToViolation(None));
        assert_eq!(s.cursor, 9);
        // Manual mode is about the scenario: not while a model trace plays.
        let same = s.clone().reduce(UiAction::EnterManual);
        assert!(Rc::ptr_eq(&s, &same));
        let s = s.reduce(UiAction::CloseModelTrace);
        assert!(s.model_trace.is_none());
        assert_eq!(s.cursor, 7);
        assert_eq!(s.len(), s.run.as_ref().expect("run").len());
        assert!(s.world_ref().is_some());
    }

    #[test]
    fn stale_runs_are_dropped() {
        let s = Rc::new(UiState::default());
        let run = Rc::new(compute(&s.scenario).expect("valid"));
        let s2 = s.clone().reduce(UiAction::RunReady {
            generation: s.generation + 7,
            run,
        });
        assert!(Rc::ptr_eq(&s, &s2));
    }

    #[test]
    fn query_opens_a_preset_and_a_view() {
        let s = UiState::from_query("?preset=c07-before&view=sequence");
        assert_eq!(s.preset_id.as_deref(), Some("c07-before"));
        assert_eq!(s.view, View::Sequence);
        let s = UiState::from_query("?soak=200");
        assert_eq!(s.preset_id, None);
        assert!(s.scenario.script.len() >= 200);
        assert!(s.scenario.validate().is_ok());
        let s = UiState::from_query("?preset=nope");
        assert_eq!(s.preset_id.as_deref(), Some(DEFAULT_PRESET));
    }

    #[test]
    fn query_opens_the_burst_at_the_moment_its_messages_are_queued() {
        let s = UiState::from_query("?flight=500");
        assert_eq!(s.preset_id, None);
        assert_eq!(s.scenario.script.len(), 500);
        assert_eq!(
            s.keep_moment,
            Some(Moment::Time(workloads::IN_FLIGHT_SENT_BY_MS))
        );
        let run = Rc::new(crate::compute::compute(&s.scenario).expect("valid"));
        let generation = s.generation;
        let s = Rc::new(s).reduce(UiAction::RunReady { generation, run });
        let world = s.world_ref().expect("world");
        assert!(world.queues[Endpoint::Orders.index()].len() >= 480);
    }
}
