//! Guided chapters: the workshop's arc as data. Each chapter is a text file in `chapters/`
//! (`NN-id.txt`, embedded at build time, so a speaker edits prose, presets, fixes and beats
//! without touching Rust). A chapter runs a preset (or the built-in reference model), names the
//! anomaly to look for, the fix that removes it (dotted-path edits of the scenario, the same edits
//! the settings editor makes), and its beats: bookmarked moments resolved in the deterministic
//! trace, so a talk advances the same way every time.
//!
//! The file format, line by line (the header ends at the first blank line; the rest is the
//! explanation, paragraphs separated by blank lines):
//!
//! ```text
//! title: Database failure and the ghost message
//! preset: c05-before                       (or `model: 1` with `fixed model: 2`)
//! anomaly: NoGhostMessages                 (an invariant, or `leftover outbox`)
//! look for: Shipping hears of SwissCheese, which Orders never stored.
//! question: What does Shipping believe when the commit fails after the publish?
//! fix: Store first, then publish
//! set: orders.add_item.order = "store_then_publish"   (a JSON value; repeatable)
//! beat: The commit fails | first commit_failed at orders   (repeatable)
//! ```
//!
//! Beat targets: `start`, `end`, `anomaly`, `event N`, or `<nth> <event kind> [at <endpoint>]
//! [of <MessageKind>]` where nth is `first`, `second`, `third`, `last` or `Nth` (`4th`), the event
//! kind is the trace's snake_case name (`delivered`, `published`, `commit_failed`, …) and the
//! message kind filters on the message the event concerns (`AddItem`, `ItemAdded`, …).

use crate::check::wire::ModelTrace;
use crate::check::{Bounds, Explorer, MessageHandler, Variant};
use crate::invariants::{InvariantName, Report};
use crate::json_path::set_path;
use crate::presets;
use crate::scenario::{Endpoint, Scenario};
use crate::sim::Run;
use crate::trace::Event;
use crate::world::World;
use serde_json::Value;

include!(concat!(env!("OUT_DIR"), "/chapters_list.rs"));

/// At most this many beats per chapter, including recorded ones (a link carries them).
pub const MAX_BEATS: usize = 32;
/// At most this many characters in a beat label.
pub const MAX_BEAT_LABEL_CHARS: usize = 80;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chapter {
    /// From the file name: `04-ghost-message.txt` is chapter 4, id `ghost-message`.
    pub id: String,
    pub number: u32,
    pub title: String,
    pub question: String,
    pub explanation: Vec<String>,
    pub look_for: String,
    pub source: Source,
    pub anomaly: Anomaly,
    pub fix: Fix,
    pub beats: Vec<BeatSpec>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Preset(String),
    /// The reference model (`MessageHandler`): before and after the fix are two variants.
    Model {
        variant: Variant,
        fixed_variant: Variant,
        max_failures: u32,
        messages: u32,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Anomaly {
    Invariant(InvariantName),
    /// Outbox entries (in the document or in the outbox store) left when the run ends: garbage
    /// that no invariant of the business sees, but the inbox chapter is about.
    LeftoverOutbox,
    /// An invariant of the reference model, by its TLA+ name.
    ModelInvariant(String),
}

impl Anomaly {
    pub fn name(&self) -> String {
        match self {
            Anomaly::Invariant(n) => n.name().to_string(),
            Anomaly::LeftoverOutbox => "leftover outbox".to_string(),
            Anomaly::ModelInvariant(n) => n.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub label: String,
    /// Dotted-path edits of the scenario JSON (empty for model chapters: the variant changes).
    pub edits: Vec<(String, Value)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BeatSpec {
    pub label: String,
    pub at: BeatAt,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BeatAt {
    Start,
    End,
    Anomaly,
    Event(u32),
    Nth {
        nth: Nth,
        kind: String,
        endpoint: Option<Endpoint>,
        message: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nth {
    /// 1-based.
    Index(u32),
    Last,
}

/// A beat resolved in a run: the event index the playhead goes to (for the model chapter, the
/// state index in the counterexample).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Beat {
    pub label: String,
    pub event: u32,
}

/// Every chapter, in order. A file that does not parse is left out here and caught by the tests
/// (and by [`problems`]).
pub fn all() -> Vec<Chapter> {
    CHAPTER_FILES
        .iter()
        .filter_map(|(name, text)| parse(name, text).ok())
        .collect()
}

pub fn get(id: &str) -> Option<Chapter> {
    all().into_iter().find(|c| c.id == id)
}

/// The raw files, for tests and tools.
pub fn files() -> &'static [(&'static str, &'static str)] {
    CHAPTER_FILES
}

/// One sentence per chapter file that does not parse.
pub fn problems() -> Vec<String> {
    CHAPTER_FILES
        .iter()
        .filter_map(|(name, text)| parse(name, text).err().map(|e| format!("{name}: {e}")))
        .collect()
}

/// Parses one chapter file; `name` is its file name without the extension (`04-ghost-message`).
pub fn parse(name: &str, text: &str) -> Result<Chapter, String> {
    let (num, id) = name
        .split_once('-')
        .ok_or_else(|| format!("the file name {name:?} is not NN-id"))?;
    let number: u32 = num
        .parse()
        .map_err(|_| format!("the file name {name:?} does not start with a chapter number"))?;
    let mut title = None;
    let mut question = None;
    let mut look_for = None;
    let mut preset = None;
    let mut model = None;
    let mut fixed_model = None;
    let mut max_failures = 1;
    let mut messages = 1;
    let mut anomaly = None;
    let mut fix_label = None;
    let mut edits = Vec::new();
    let mut beats = Vec::new();
    let mut lines = text.lines().enumerate();
    for (n, line) in lines.by_ref() {
        let line = line.trim();
        if line.is_empty() {
            break;
        }
        if line.starts_with('#') {
            continue;
        }
        let at = |e: String| format!("line {}: {e}", n + 1);
        let (key, value) = line
            .split_once(':')
            .ok_or_else(|| at(format!("{line:?} is not `key: value`")))?;
        let value = value.trim();
        match key.trim() {
            "title" => title = Some(value.to_string()),
            "question" => question = Some(value.to_string()),
            "look for" => look_for = Some(value.to_string()),
            "preset" => preset = Some(value.to_string()),
            "model" => model = Some(variant(value).map_err(at)?),
            "fixed model" => fixed_model = Some(variant(value).map_err(at)?),
            "max failures" => max_failures = small_number(value).map_err(at)?,
            "messages" => messages = small_number(value).map_err(at)?,
            "anomaly" => anomaly = Some(value.to_string()),
            "fix" => fix_label = Some(value.to_string()),
            "set" => {
                let (path, json) = value
                    .split_once('=')
                    .ok_or_else(|| at("`set:` needs `path = value`".into()))?;
                let v: Value = serde_json::from_str(json.trim())
                    .map_err(|e| at(format!("the value of {} is not JSON: {e}", path.trim())))?;
                edits.push((path.trim().to_string(), v));
            }
            "beat" => beats.push(parse_beat(value).map_err(at)?),
            other => return Err(at(format!("unknown key {other:?}"))),
        }
    }
    let mut explanation = Vec::new();
    let mut para = String::new();
    for (_, line) in lines {
        let line = line.trim();
        if line.is_empty() {
            if !para.is_empty() {
                explanation.push(std::mem::take(&mut para));
            }
        } else {
            if !para.is_empty() {
                para.push(' ');
            }
            para.push_str(line);
        }
    }
    if !para.is_empty() {
        explanation.push(para);
    }
    let need = |v: Option<String>, key: &str| v.ok_or_else(|| format!("`{key}:` is missing"));
    let anomaly_text = need(anomaly, "anomaly")?;
    let source = match (preset, model, fixed_model) {
        (Some(p), None, None) => {
            if presets::files().iter().all(|(id, _)| *id != p) {
                return Err(format!("there is no preset {p:?}"));
            }
            Source::Preset(p)
        }
        (None, Some(variant), Some(fixed_variant)) => Source::Model {
            variant,
            fixed_variant,
            max_failures,
            messages,
        },
        (None, Some(_), None) => return Err("`model:` needs `fixed model:`".into()),
        _ => return Err("a chapter runs either `preset:` or `model:`".into()),
    };
    let anomaly = match &source {
        Source::Model { .. } => Anomaly::ModelInvariant(anomaly_text),
        Source::Preset(_) if anomaly_text == "leftover outbox" => Anomaly::LeftoverOutbox,
        Source::Preset(_) => InvariantName::ALL
            .iter()
            .find(|i| i.name() == anomaly_text)
            .map(|i| Anomaly::Invariant(*i))
            .ok_or_else(|| format!("{anomaly_text:?} is not an invariant"))?,
    };
    if matches!(source, Source::Preset(_)) && edits.is_empty() {
        return Err("a preset chapter needs at least one `set:` line for its fix".into());
    }
    if beats.is_empty() {
        return Err("a chapter needs at least one `beat:`".into());
    }
    if beats.len() > MAX_BEATS {
        return Err(format!("at most {MAX_BEATS} beats"));
    }
    let chapter = Chapter {
        id: id.to_string(),
        number,
        title: need(title, "title")?,
        question: need(question, "question")?,
        explanation,
        look_for: need(look_for, "look for")?,
        source,
        anomaly,
        fix: Fix {
            label: need(fix_label, "fix")?,
            edits,
        },
        beats,
    };
    // The fix must make a valid scenario (the model chapters are checked by the tests: exploring
    // here would link the explorer into every user of the chapter list).
    if let Source::Preset(_) = chapter.source {
        chapter.scenario(true)?;
    }
    Ok(chapter)
}

fn variant(v: &str) -> Result<Variant, String> {
    Variant::from_name(v).ok_or_else(|| format!("{v:?} is not a model variant (1-6 or final)"))
}

fn small_number(v: &str) -> Result<u32, String> {
    v.parse::<u32>()
        .ok()
        .filter(|n| (1..=4).contains(n))
        .ok_or_else(|| format!("{v:?} is not a number from 1 to 4"))
}

/// `label | target`.
pub fn parse_beat(text: &str) -> Result<BeatSpec, String> {
    let (label, target) = text
        .split_once('|')
        .ok_or_else(|| "a beat is `label | target`".to_string())?;
    let label = label.trim();
    if label.is_empty() || label.chars().count() > MAX_BEAT_LABEL_CHARS {
        return Err(format!(
            "a beat label has 1 to {MAX_BEAT_LABEL_CHARS} characters"
        ));
    }
    Ok(BeatSpec {
        label: label.to_string(),
        at: parse_target(target.trim())?,
    })
}

fn parse_target(t: &str) -> Result<BeatAt, String> {
    let words: Vec<&str> = t.split_whitespace().collect();
    match words.as_slice() {
        ["start"] => return Ok(BeatAt::Start),
        ["end"] => return Ok(BeatAt::End),
        ["anomaly"] => return Ok(BeatAt::Anomaly),
        ["event", n] | ["step", n] => {
            return n
                .parse()
                .map(BeatAt::Event)
                .map_err(|_| format!("{n:?} is not an event number"))
        }
        _ => {}
    }
    let [nth, kind, rest @ ..] = words.as_slice() else {
        return Err(format!("{t:?} is not a beat target"));
    };
    let nth = match *nth {
        "first" => Nth::Index(1),
        "second" => Nth::Index(2),
        "third" => Nth::Index(3),
        "last" => Nth::Last,
        other => other
            .strip_suffix("th")
            .and_then(|n| n.parse().ok())
            .filter(|n| *n > 0)
            .map(Nth::Index)
            .ok_or_else(|| format!("{other:?} is not first, second, third, last or Nth"))?,
    };
    let mut endpoint = None;
    let mut message = None;
    let mut rest = rest.iter();
    while let Some(word) = rest.next() {
        let value = rest
            .next()
            .ok_or_else(|| format!("{word:?} needs a value"))?;
        match *word {
            "at" => {
                endpoint = Some(
                    Endpoint::ALL
                        .iter()
                        .copied()
                        .find(|e| e.name().eq_ignore_ascii_case(value))
                        .ok_or_else(|| format!("{value:?} is not an endpoint"))?,
                )
            }
            "of" => message = Some(value.to_string()),
            other => return Err(format!("{other:?}: expected `at` or `of`")),
        }
    }
    Ok(BeatAt::Nth {
        nth,
        kind: kind.to_string(),
        endpoint,
        message,
    })
}

impl Chapter {
    /// The scenario of a preset chapter, before or after the fix.
    pub fn scenario(&self, fixed: bool) -> Result<Scenario, String> {
        let Source::Preset(id) = &self.source else {
            return Err(format!("chapter {} runs the reference model", self.id));
        };
        let preset = presets::get(id).ok_or_else(|| format!("there is no preset {id:?}"))?;
        if !fixed {
            return Ok(preset.scenario);
        }
        apply_edits(&preset.scenario, &self.fix.edits)
    }

    /// Where the anomaly shows in a run of this chapter's scenario: the event at which its
    /// invariant first broke, or the last event for leftover outbox entries; `None` when absent.
    pub fn anomaly_at(&self, run: &Run) -> Option<u32> {
        self.anomaly_in(&run.events, &run.invariants, &run.world)
    }

    /// [`Chapter::anomaly_at`] from the parts of a run a page keeps (its trace, the verdict and
    /// the world at the end), so nothing has to be copied into a [`Run`] first.
    pub fn anomaly_in(&self, events: &[Event], invariants: &Report, world: &World) -> Option<u32> {
        match &self.anomaly {
            Anomaly::Invariant(name) => invariants.first_violation.get(name).map(|v| v.event),
            Anomaly::LeftoverOutbox => {
                // A subscriber that is not deployed has an empty store: all four can be read.
                let left = world.stores.iter().any(|s| {
                    !s.outbox.is_empty() || s.docs.values().any(|d| !d.doc.outbox.is_empty())
                });
                left.then(|| events.len().saturating_sub(1) as u32)
            }
            Anomaly::ModelInvariant(_) => None,
        }
    }

    /// The beats of this chapter in a run, in playhead order; a beat whose moment does not occur
    /// in this run (say "anomaly" after the fix) is left out.
    pub fn beats(&self, run: &Run) -> Vec<Beat> {
        self.beats_in(&run.events, &run.invariants, &run.world)
    }

    /// [`Chapter::beats`] from the parts of a run (see [`Chapter::anomaly_in`]).
    pub fn beats_in(&self, events: &[Event], invariants: &Report, world: &World) -> Vec<Beat> {
        resolve_beats(
            &self.beats,
            events,
            self.anomaly_in(events, invariants, world),
        )
    }

    /// The reference-model chapter's check, before or after the fix: the shortest counterexample
    /// of its anomaly in TLA+ terms (`None` when the invariant holds).
    pub fn model_check(&self, fixed: bool) -> Result<Option<ModelTrace>, String> {
        let Source::Model {
            variant,
            fixed_variant,
            max_failures,
            messages,
        } = &self.source
        else {
            return Err(format!("chapter {} runs a preset", self.id));
        };
        let v = if fixed { *fixed_variant } else { *variant };
        let model = MessageHandler::new(v, *max_failures, *messages).map_err(|e| e.to_string())?;
        let mut explorer = Explorer::new(model, Bounds::default()).map_err(|e| e.to_string())?;
        let report = explorer.run_to_end();
        let Anomaly::ModelInvariant(name) = &self.anomaly else {
            return Err("a model chapter names a model invariant".into());
        };
        let result = report
            .invariant(name)
            .ok_or_else(|| format!("the reference model has no invariant {name:?}"))?;
        Ok(result
            .counterexample()
            .map(|cx| explorer.model().trace(name, cx)))
    }

    /// Beats of the model chapter over a counterexample of `states` states.
    pub fn model_beats(&self, states: usize) -> Vec<Beat> {
        // A counterexample ends in the state that breaks the invariant: that is its anomaly.
        let last = states.saturating_sub(1) as u32;
        resolve(&self.beats, &[], last, Some(last))
    }
}

/// The scenario with dotted-path edits applied, validated.
pub fn apply_edits(scenario: &Scenario, edits: &[(String, Value)]) -> Result<Scenario, String> {
    // Through text, not `to_value`/`from_value`: the page already (de)serialises scenarios as
    // text, and a `Value`-based instantiation of every serde impl costs tens of kilobytes of bundle.
    let text = serde_json::to_string(scenario).map_err(|e| e.to_string())?;
    let mut v: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    for (path, value) in edits {
        set_path(&mut v, path, value.clone())?;
    }
    let s: Scenario = serde_json::from_str(&v.to_string())
        .map_err(|e| format!("the fix: {}", without_position(&e)))?;
    s.validate().map_err(|errs| {
        let texts: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        format!("the fix makes an invalid scenario: {}", texts.join("; "))
    })?;
    Ok(s)
}

/// A serde_json error's message without the ` at line L column C` that parsing text adds (the
/// text parsed here is generated, so its positions mean nothing to the reader).
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&suffix) {
        Some(message) if e.line() > 0 => message.to_string(),
        _ => text,
    }
}

/// Resolves beat targets in a trace; beats are returned sorted by event (stable for equal
/// events) and a beat whose moment does not occur is left out.
pub fn resolve_beats(specs: &[BeatSpec], events: &[Event], anomaly: Option<u32>) -> Vec<Beat> {
    resolve(
        specs,
        events,
        events.len().saturating_sub(1) as u32,
        anomaly,
    )
}

/// Beats over moments `0..=last`, matching event targets against `events` (none for the
/// reference model, whose moments are the states of a counterexample).
fn resolve(specs: &[BeatSpec], events: &[Event], last: u32, anomaly: Option<u32>) -> Vec<Beat> {
    let mut out: Vec<Beat> = specs
        .iter()
        .filter_map(|b| {
            let event = match &b.at {
                BeatAt::Start => Some(0),
                BeatAt::End => Some(last),
                BeatAt::Anomaly => anomaly,
                BeatAt::Event(n) => (*n <= last).then_some(*n),
                BeatAt::Nth {
                    nth,
                    kind,
                    endpoint,
                    message,
                } => {
                    let mut matching = events.iter().filter(|e| {
                        e.kind.name() == kind
                            && endpoint.is_none_or(|ep| e.endpoint == ep)
                            && message.as_ref().is_none_or(|want| {
                                e.kind.msg_ref().is_some_and(|m| m.kind.name() == want)
                            })
                    });
                    match nth {
                        Nth::Last => matching.next_back(),
                        Nth::Index(i) => matching.nth(*i as usize - 1),
                    }
                    .map(|e| e.index)
                }
            }?;
            Some(Beat {
                label: b.label.clone(),
                event,
            })
        })
        .collect();
    crate::vec_map::sort_by_u32_key(&mut out, |b| b.event);
    out
}
