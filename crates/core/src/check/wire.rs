//! The checker's messages between the page and the web worker that runs it, and the compact
//! results they carry.
//!
//! The page never links the explorer: it sends a [`Job`] (as JSON) to the worker, which runs the
//! core's checker and answers with [`Update`]s: progress, then a summary of the report. A summary
//! is everything the page shows, computed here: verdicts, scope sentences, a scenario
//! counterexample's choice path (replayed by [`crate::sim::replay`] in the player) and a reference
//! model counterexample as a [`ModelTrace`]: every state with its variables in TLA+ notation,
//! what changed, and which invariants are false in it. The player steps through that trace; it
//! decides nothing.

use serde::{Deserialize, Deserializer, Serialize};

use super::explorer::{Counterexample, Progress, Report, Status};
use super::message_handler::{HandlerState, MessageHandler, Step, Variant};
use super::model::Model;
use super::scenario_model::ScenarioReport;
use crate::enum_serde::{read_open_struct, read_open_variant, Kind, Shape, Val};
use crate::scenario::{CheckBounds, Scenario};

/// What the page asks the worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Job {
    /// "Find a failing trace" in a scenario, within its bounds.
    Scenario {
        scenario: Box<Scenario>,
        bounds: CheckBounds,
    },
    /// Model-check the reference model, `variant` by [`Variant::name`].
    Model {
        variant: String,
        max_failures: u32,
        messages: u32,
        max_states: u64,
    },
    /// Stop the search in flight at the next slice and report what it saw.
    Cancel,
}

/// What the worker tells the page.
/// Deserialised through [`crate::enum_serde::read_open_variant`] (as the derive would).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Update {
    /// The worker is loaded and listens: the page sends its job.
    Ready,
    /// A slice is done; `elapsed_us` is the worker's wall time since the job started.
    Progress { progress: Progress, elapsed_us: u64 },
    /// The scenario check ended (complete, at a bound, or cancelled).
    ScenarioDone {
        report: ScenarioSummary,
        elapsed_us: u64,
    },
    /// The reference model check ended.
    ModelDone {
        report: ModelSummary,
        elapsed_us: u64,
    },
    /// The job could not start or the worker failed: a sentence for the page.
    Failed(String),
}

impl Job {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<Job, String> {
        serde_json::from_str(text).map_err(|e| format!("bad job: {e}"))
    }
}

impl Update {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<Update, String> {
        serde_json::from_str(text).map_err(|e| format!("bad message from the checker: {e}"))
    }
}

/// Where a scenario counterexample breaks the invariant, as the simulator's replay shows it.
/// Deserialised through [`crate::enum_serde::read_open_struct`] (as the derive would).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ViolationAt {
    pub event: u32,
    pub message: String,
}

/// A shortest failing trace of a scenario, as a choice path for the player.
/// Deserialised through [`crate::enum_serde::read_open_struct`] (as the derive would).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PathSummary {
    /// Choice indices for [`crate::sim::replay`].
    pub path: Vec<u32>,
    /// Events of the replayed path.
    pub events: u32,
    /// `None` only if the replay disagrees with the checker (a bug).
    pub violation: Option<ViolationAt>,
    pub replay_error: Option<String>,
}

/// One invariant of a scenario check.
/// Deserialised through [`crate::enum_serde::read_open_struct`] (as the derive would).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScenarioVerdictSummary {
    pub name: String,
    /// `None`: no explored trace breaks it.
    pub counterexample: Option<PathSummary>,
}

/// A scenario check's result, as the page shows it.
/// Deserialised through [`crate::enum_serde::read_open_struct`] (as the derive would).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScenarioSummary {
    pub distinct_states: u64,
    pub generated_states: u64,
    pub steps_fully_explored: u32,
    pub bytes_per_state: u64,
    pub status: Status,
    /// What "holds" means for this run ([`ScenarioReport::scope`]).
    pub scope: String,
    pub invariants: Vec<ScenarioVerdictSummary>,
}

impl ScenarioReport {
    /// The report without the replayed events (the player replays the path itself).
    pub fn summary(&self) -> ScenarioSummary {
        ScenarioSummary {
            distinct_states: self.distinct_states,
            generated_states: self.generated_states,
            steps_fully_explored: self.steps_fully_explored(),
            bytes_per_state: self.bytes_per_state(),
            status: self.status,
            scope: self.scope(),
            invariants: self
                .invariants
                .iter()
                .map(|v| ScenarioVerdictSummary {
                    name: v.name.name().to_string(),
                    counterexample: v.counterexample.as_ref().map(|cx| PathSummary {
                        path: cx.path.clone(),
                        events: cx.events.len() as u32,
                        violation: cx.violation.as_ref().map(|v| ViolationAt {
                            event: v.event,
                            message: v.message.clone(),
                        }),
                        replay_error: cx.replay_error.clone(),
                    }),
                })
                .collect(),
        }
    }
}

/// One state of a reference-model counterexample.
/// Deserialised through [`crate::enum_serde::read_open_struct`] (as the derive would).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModelTraceState {
    /// The step that led here (`Init` for the first state).
    pub step: String,
    /// Every variable and its value in TLA+ notation, in the spec's order.
    pub vars: Vec<(String, String)>,
    /// Names of the variables whose value differs from the previous state's.
    pub changed: Vec<String>,
    /// Indices into [`ModelTrace::invariants`] of the invariants false in this state.
    pub violated: Vec<u32>,
}

/// A reference-model counterexample the player steps through.
/// Deserialised through [`crate::enum_serde::read_open_struct`] (as the derive would).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModelTrace {
    /// e.g. `MessageHandler variant 1, MaxFailures = 1, NoMessages = 1`.
    pub title: String,
    /// The invariant this trace is the shortest counterexample to.
    pub invariant: String,
    /// Every invariant of the model, in its order.
    pub invariants: Vec<String>,
    /// Initial state first; the last one breaks [`ModelTrace::invariant`].
    pub states: Vec<ModelTraceState>,
}

impl ModelTrace {
    /// The first state (0-based) in which invariant `i` is false.
    pub fn first_violation(&self, i: u32) -> Option<usize> {
        self.states.iter().position(|s| s.violated.contains(&i))
    }

    /// The first state in which any invariant is false.
    pub fn first_any_violation(&self) -> Option<usize> {
        self.states.iter().position(|s| !s.violated.is_empty())
    }
}

/// One invariant of a reference model check.
/// Deserialised through [`crate::enum_serde::read_open_struct`] (as the derive would).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModelVerdictSummary {
    pub name: String,
    /// The shortest counterexample, when violated.
    pub counterexample: Option<ModelTrace>,
}

/// A reference model check's result (TLC's figures and the verdicts).
/// Deserialised through [`crate::enum_serde::read_open_struct`] (as the derive would).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModelSummary {
    /// [`Variant::name`].
    pub variant: String,
    pub max_failures: u32,
    pub messages: u32,
    pub distinct_states: u64,
    pub generated_states: u64,
    pub depth: u32,
    pub status: Status,
    pub bytes_per_state: u64,
    pub invariants: Vec<ModelVerdictSummary>,
}

impl MessageHandler {
    /// The title of this model's traces.
    pub fn title(&self) -> String {
        format!(
            "MessageHandler variant {}, MaxFailures = {}, NoMessages = {}",
            self.variant().name(),
            self.max_failures(),
            self.messages()
        )
    }

    /// A counterexample to `invariant` in TLA+ terms: per state, the step, the variables, what
    /// changed and which invariants are false.
    pub fn trace(&self, invariant: &str, cx: &Counterexample<HandlerState, Step>) -> ModelTrace {
        let names = self.invariant_names();
        let mut states: Vec<ModelTraceState> = Vec::with_capacity(cx.states.len());
        for (i, state) in cx.states.iter().enumerate() {
            let step = match (i.checked_sub(1), cx.choices.get(i.wrapping_sub(1))) {
                (Some(prev), Some(choice)) => cx
                    .states
                    .get(prev)
                    .map_or_else(String::new, |p| self.describe_step(p, *choice)),
                _ => "Init".to_string(),
            };
            let vars: Vec<(String, String)> = self
                .decode(state)
                .rows()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            let changed = match states.last() {
                None => Vec::new(),
                Some(prev) => vars
                    .iter()
                    .zip(&prev.vars)
                    .filter(|(a, b)| a.1 != b.1)
                    .map(|(a, _)| a.0.clone())
                    .collect(),
            };
            let bits = self.violated_invariants(state);
            let violated = (0..names.len() as u32)
                .filter(|b| bits & (1u64 << b) != 0)
                .collect();
            states.push(ModelTraceState {
                step,
                vars,
                changed,
                violated,
            });
        }
        ModelTrace {
            title: self.title(),
            invariant: invariant.to_string(),
            invariants: names,
            states,
        }
    }

    /// The summary of an exploration of this model.
    pub fn summary(&self, report: &Report<HandlerState, Step>) -> ModelSummary {
        ModelSummary {
            variant: self.variant().name().to_string(),
            max_failures: self.max_failures(),
            messages: self.messages(),
            distinct_states: report.distinct_states,
            generated_states: report.generated_states,
            depth: report.depth,
            status: report.status,
            bytes_per_state: report.bytes_per_state(),
            invariants: report
                .invariants
                .iter()
                .map(|inv| ModelVerdictSummary {
                    name: inv.name.clone(),
                    counterexample: inv.counterexample().map(|cx| self.trace(&inv.name, cx)),
                })
                .collect(),
        }
    }
}

/// The message for a value [`read_open_struct`] did not read as its kinds say (never: it reads
/// every field as its kind or fails).
const KINDS: &str = "read_open_struct reads the kinds it is given";

impl<'de> Deserialize<'de> for Update {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const VARIANTS: &[&str] = &["Ready", "Progress", "ScenarioDone", "ModelDone", "Failed"];
        const SHAPES: &[Shape] = &[
            Shape::Unit,
            Shape::Struct {
                expecting: "struct variant Update::Progress",
                fields: &["progress", "elapsed_us"],
                kinds: &[Kind::Progress, Kind::U64],
            },
            Shape::Struct {
                expecting: "struct variant Update::ScenarioDone",
                fields: &["report", "elapsed_us"],
                kinds: &[Kind::ScenarioSummary, Kind::U64],
            },
            Shape::Struct {
                expecting: "struct variant Update::ModelDone",
                fields: &["report", "elapsed_us"],
                kinds: &[Kind::ModelSummary, Kind::U64],
            },
            Shape::Newtype(Kind::Str),
        ];
        Ok(match read_open_variant(d, "Update", VARIANTS, SHAPES)? {
            (0, _) => Update::Ready,
            (1, [Val::Progress(progress), Val::U64(elapsed_us), ..]) => Update::Progress {
                progress: *progress,
                elapsed_us,
            },
            (2, [Val::ScenarioSummary(report), Val::U64(elapsed_us), ..]) => Update::ScenarioDone {
                report: *report,
                elapsed_us,
            },
            (3, [Val::ModelSummary(report), Val::U64(elapsed_us), ..]) => Update::ModelDone {
                report: *report,
                elapsed_us,
            },
            (4, [Val::Str(text), ..]) => Update::Failed(text),
            _ => unreachable!("SHAPES gives every variant its fields' kinds"),
        })
    }
}

impl<'de> Deserialize<'de> for Progress {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use Kind::{Status, U32, U64};
        const FIELDS: &[&str] = &[
            "distinct_states",
            "generated_states",
            "depth",
            "queued_states",
            "violated_invariants",
            "status",
        ];
        let kinds = &[U64, U64, U32, U64, U32, Status];
        match read_open_struct(d, "Progress", "struct Progress", FIELDS, kinds, 0)? {
            [Val::U64(distinct_states), Val::U64(generated_states), Val::U32(depth), Val::U64(queued_states), Val::U32(violated_invariants), Val::Status(status), ..] => {
                Ok(Progress {
                    distinct_states,
                    generated_states,
                    depth,
                    queued_states,
                    violated_invariants,
                    status,
                })
            }
            _ => unreachable!("{KINDS}"),
        }
    }
}

impl<'de> Deserialize<'de> for ViolationAt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const FIELDS: &[&str] = &["event", "message"];
        let kinds = &[Kind::U32, Kind::Str];
        match read_open_struct(d, "ViolationAt", "struct ViolationAt", FIELDS, kinds, 0)? {
            [Val::U32(event), Val::Str(message), ..] => Ok(ViolationAt { event, message }),
            _ => unreachable!("{KINDS}"),
        }
    }
}

impl<'de> Deserialize<'de> for PathSummary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use Kind::{OptStr, OptViolation, U32s, U32};
        const FIELDS: &[&str] = &["path", "events", "violation", "replay_error"];
        let kinds = &[U32s, U32, OptViolation, OptStr];
        // `violation` and `replay_error` are options.
        match read_open_struct(
            d,
            "PathSummary",
            "struct PathSummary",
            FIELDS,
            kinds,
            0b1100,
        )? {
            [Val::U32s(path), Val::U32(events), violation, replay_error, ..] => Ok(PathSummary {
                path,
                events,
                violation: match violation {
                    Val::OptViolation(v) => v,
                    _ => None,
                },
                replay_error: match replay_error {
                    Val::OptStr(e) => e,
                    _ => None,
                },
            }),
            _ => unreachable!("{KINDS}"),
        }
    }
}

impl<'de> Deserialize<'de> for ScenarioVerdictSummary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const FIELDS: &[&str] = &["name", "counterexample"];
        let kinds = &[Kind::Str, Kind::OptPath];
        let expecting = "struct ScenarioVerdictSummary";
        // `counterexample` is an option.
        match read_open_struct(d, "ScenarioVerdictSummary", expecting, FIELDS, kinds, 0b10)? {
            [Val::Str(name), counterexample, ..] => Ok(ScenarioVerdictSummary {
                name,
                counterexample: match counterexample {
                    Val::OptPath(p) => p.map(|p| *p),
                    _ => None,
                },
            }),
            _ => unreachable!("{KINDS}"),
        }
    }
}

impl<'de> Deserialize<'de> for ScenarioSummary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use Kind::{ScenarioVerdicts, Status, Str, U32, U64};
        const FIELDS: &[&str] = &[
            "distinct_states",
            "generated_states",
            "steps_fully_explored",
            "bytes_per_state",
            "status",
            "scope",
            "invariants",
        ];
        let kinds = &[U64, U64, U32, U64, Status, Str, ScenarioVerdicts];
        match read_open_struct(
            d,
            "ScenarioSummary",
            "struct ScenarioSummary",
            FIELDS,
            kinds,
            0,
        )? {
            [Val::U64(distinct_states), Val::U64(generated_states), Val::U32(steps_fully_explored), Val::U64(bytes_per_state), Val::Status(status), Val::Str(scope), Val::ScenarioVerdicts(invariants), ..] => {
                Ok(ScenarioSummary {
                    distinct_states,
                    generated_states,
                    steps_fully_explored,
                    bytes_per_state,
                    status,
                    scope,
                    invariants,
                })
            }
            _ => unreachable!("{KINDS}"),
        }
    }
}

impl<'de> Deserialize<'de> for ModelTraceState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use Kind::{Str, StrPairs, Strs, U32s};
        const FIELDS: &[&str] = &["step", "vars", "changed", "violated"];
        let kinds = &[Str, StrPairs, Strs, U32s];
        let expecting = "struct ModelTraceState";
        match read_open_struct(d, "ModelTraceState", expecting, FIELDS, kinds, 0)? {
            [Val::Str(step), Val::StrPairs(vars), Val::Strs(changed), Val::U32s(violated), ..] => {
                Ok(ModelTraceState {
                    step,
                    vars,
                    changed,
                    violated,
                })
            }
            _ => unreachable!("{KINDS}"),
        }
    }
}

impl<'de> Deserialize<'de> for ModelTrace {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use Kind::{Str, Strs, TraceStates};
        const FIELDS: &[&str] = &["title", "invariant", "invariants", "states"];
        let kinds = &[Str, Str, Strs, TraceStates];
        match read_open_struct(d, "ModelTrace", "struct ModelTrace", FIELDS, kinds, 0)? {
            [Val::Str(title), Val::Str(invariant), Val::Strs(invariants), Val::TraceStates(states), ..] => {
                Ok(ModelTrace {
                    title,
                    invariant,
                    invariants,
                    states,
                })
            }
            _ => unreachable!("{KINDS}"),
        }
    }
}

impl<'de> Deserialize<'de> for ModelVerdictSummary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const FIELDS: &[&str] = &["name", "counterexample"];
        let kinds = &[Kind::Str, Kind::OptModelTrace];
        let expecting = "struct ModelVerdictSummary";
        // `counterexample` is an option.
        match read_open_struct(d, "ModelVerdictSummary", expecting, FIELDS, kinds, 0b10)? {
            [Val::Str(name), counterexample, ..] => Ok(ModelVerdictSummary {
                name,
                counterexample: match counterexample {
                    Val::OptModelTrace(t) => t.map(|t| *t),
                    _ => None,
                },
            }),
            _ => unreachable!("{KINDS}"),
        }
    }
}

impl<'de> Deserialize<'de> for ModelSummary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use Kind::{ModelVerdicts, Status, Str, U32, U64};
        const FIELDS: &[&str] = &[
            "variant",
            "max_failures",
            "messages",
            "distinct_states",
            "generated_states",
            "depth",
            "status",
            "bytes_per_state",
            "invariants",
        ];
        let kinds = &[Str, U32, U32, U64, U64, U32, Status, U64, ModelVerdicts];
        match read_open_struct(d, "ModelSummary", "struct ModelSummary", FIELDS, kinds, 0)? {
            [Val::Str(variant), Val::U32(max_failures), Val::U32(messages), Val::U64(distinct_states), Val::U64(generated_states), Val::U32(depth), Val::Status(status), Val::U64(bytes_per_state), Val::ModelVerdicts(invariants), ..] => {
                Ok(ModelSummary {
                    variant,
                    max_failures,
                    messages,
                    distinct_states,
                    generated_states,
                    depth,
                    status,
                    bytes_per_state,
                    invariants,
                })
            }
            _ => unreachable!("{KINDS}"),
        }
    }
}

/// Parses a variant's name as the page sends it.
pub fn variant_named(name: &str) -> Result<Variant, String> {
    Variant::from_name(name).ok_or_else(|| format!("no variant {name:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Bounds, Explorer, ScenarioChecker};
    use crate::presets;

    #[test]
    fn jobs_and_updates_survive_json() {
        let scenario = presets::get("c05-before").expect("preset").scenario;
        let job = Job::Scenario {
            scenario: Box::new(scenario),
            bounds: CheckBounds::default(),
        };
        assert_eq!(Job::from_json(&job.to_json()), Ok(job));
        let mut checker = ScenarioChecker::new(
            &presets::get("c05-before").expect("preset").scenario,
            &CheckBounds::default(),
        )
        .expect("checker");
        let report = checker.run_to_end().summary();
        let ghost = report
            .invariants
            .iter()
            .find(|v| v.name == "NoGhostMessages")
            .and_then(|v| v.counterexample.clone())
            .expect("the ghost is found");
        assert!(!ghost.path.is_empty());
        assert!(ghost.violation.is_some() && ghost.replay_error.is_none());
        let update = Update::ScenarioDone {
            report,
            elapsed_us: 12,
        };
        assert_eq!(Update::from_json(&update.to_json()), Ok(update));
        assert!(Update::from_json("{").is_err());
    }

    #[test]
    fn a_model_trace_names_steps_changes_and_the_broken_invariant() {
        // Variant 1 at (1, 1): TLC's 44 states and a 10-state ghost counterexample.
        let model = MessageHandler::new(Variant::SendThenUpdate, 1, 1).expect("model");
        let mut x = Explorer::new(model.clone(), Bounds::default()).expect("explorer");
        let summary = model.summary(&x.run_to_end());
        assert_eq!(summary.distinct_states, 44);
        let ghost = summary
            .invariants
            .iter()
            .find(|v| v.name == "NoGhostMessages")
            .and_then(|v| v.counterexample.clone())
            .expect("violated");
        assert_eq!(ghost.states.len(), 10);
        assert_eq!(ghost.states[0].step, "Init");
        assert!(ghost.states[0].changed.is_empty());
        assert!(ghost.states[9].step.contains("given up"));
        let i = ghost
            .invariants
            .iter()
            .position(|n| n == "NoGhostMessages")
            .expect("named") as u32;
        assert_eq!(ghost.first_violation(i), Some(9));
        assert_eq!(ghost.first_any_violation(), Some(9));
        // State 5: SendOutgoingMsg failed, so failures and pc changed.
        assert!(ghost.states[4].changed.iter().any(|v| v == "failures"));
        assert!(ghost.states[4].changed.iter().any(|v| v == "pc"));
        assert_eq!(ghost.states[0].vars[0].0, "pc");
        let back =
            serde_json::from_str::<ModelTrace>(&serde_json::to_string(&ghost).expect("serialises"))
                .expect("parses");
        assert_eq!(back, ghost);
    }
}
