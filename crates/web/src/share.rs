//! Share links, autosave and saved scenarios: the page's side of the core's link format.
//!
//! The URL fragment holds the whole scenario and the moment (`#v1.…`, see
//! `exactly_once_core::link`). Scrubbing replaces the history entry; an explicit share or a
//! scenario change pushes one, so Back and Forward walk through what the user did. The edited
//! scenario is autosaved to localStorage, and named scenarios can be saved, opened, renamed and
//! deleted. Everything that reads outside input (links, storage, files) goes through the core's
//! validation and comes back as a sentence for the banner, never a panic.

use crate::state::{Moment, Selection, UiState, View};
use exactly_once_core::ids::{MsgId, OrderId};
use exactly_once_core::link::{self, LinkError, SharedMoment};
use exactly_once_core::scenario::Endpoint;
use serde::Serialize;
use std::rc::Rc;

/// localStorage key of the autosaved work (a link fragment: versioned and validated on load).
pub const AUTOSAVE_KEY: &str = "exactly-once-playground.autosave.v1";
/// localStorage key of the named saved scenarios.
pub const SAVED_KEY: &str = "exactly-once-playground.saved.v1";
/// How many named scenarios are kept; saving one more is refused with a message.
pub const MAX_SAVED: usize = 100;
/// Longest name of a saved scenario.
pub const MAX_NAME_CHARS: usize = 80;
/// Scenarios with longer scripts (the soak workloads) are not put in the URL or autosaved: their
/// link would pass the decoder's length limit, and encoding them on every pause costs frames.
pub const MAX_SHARED_SCRIPT_STEPS: usize = 1_000;

/// Whether the scenario is small enough to live in a link.
pub fn shareable(scenario: &exactly_once_core::Scenario) -> bool {
    scenario.script.len() <= MAX_SHARED_SCRIPT_STEPS
}

// ---- State <-> link ---------------------------------------------------------------------

/// The selection as short text for a link (`m:<id>`, `d:<endpoint>:<order>`, …).
pub fn selection_text(selection: &Selection) -> String {
    let ep = |e: &Endpoint| e.index();
    match selection {
        Selection::Message(id) => format!("m:{:x}", id.0),
        Selection::Document(e, order) => format!("d:{}:{}", ep(e), order.0),
        Selection::Queue(e) => format!("q:{}", ep(e)),
        Selection::Instance(e, n) => format!("i:{}:{n}", ep(e)),
        Selection::Stores(e) => format!("s:{}", ep(e)),
        Selection::ErrorQueue => "e".into(),
        Selection::Tokens => "t".into(),
        Selection::Event(i) => format!("v:{i}"),
    }
}

/// Reads [`selection_text`] back; `None` for anything else (a selection is a nicety: a damaged one
/// is dropped, not an error).
pub fn parse_selection(text: &str) -> Option<Selection> {
    let endpoint = |s: &str| -> Option<Endpoint> {
        let i: usize = s.parse().ok()?;
        Endpoint::ALL.get(i).copied()
    };
    let mut parts = text.split(':');
    let kind = parts.next()?;
    let a = parts.next();
    let b = parts.next();
    if parts.next().is_some() {
        return None;
    }
    Some(match (kind, a, b) {
        ("m", Some(id), None) => Selection::Message(MsgId(u128::from_str_radix(id, 16).ok()?)),
        ("d", Some(e), Some(o)) => Selection::Document(endpoint(e)?, OrderId(o.parse().ok()?)),
        ("q", Some(e), None) => Selection::Queue(endpoint(e)?),
        ("i", Some(e), Some(n)) => Selection::Instance(endpoint(e)?, n.parse().ok()?),
        ("s", Some(e), None) => Selection::Stores(endpoint(e)?),
        ("e", None, None) => Selection::ErrorQueue,
        ("t", None, None) => Selection::Tokens,
        ("v", Some(i), None) => Selection::Event(i.parse().ok()?),
        _ => return None,
    })
}

/// What a link of the page's current state carries. `at_moment: false` links to the start.
pub fn moment_of(state: &UiState, at_moment: bool) -> SharedMoment {
    moment_from(
        &state.scenario,
        state.cursor,
        state.view,
        state.selection.as_ref(),
        state.manual.as_deref(),
        at_moment,
    )
}

/// The link of a scenario shown at event `cursor` (or at its start), in `view`, with `selection`
/// and an explicit choice `path` (manual mode, a checker's counterexample).
pub fn moment_from(
    scenario: &exactly_once_core::Scenario,
    cursor: u32,
    view: View,
    selection: Option<&Selection>,
    path: Option<&Vec<u32>>,
    at_moment: bool,
) -> SharedMoment {
    SharedMoment {
        scenario: scenario.clone(),
        at_event: at_moment.then_some(cursor),
        path: path.cloned(),
        view: match view {
            View::Topology => link::View::Topology,
            View::Sequence => link::View::Sequence,
        },
        selected: if at_moment {
            selection.map(selection_text)
        } else {
            None
        },
    }
}

/// The page state a link opens: its scenario, landing on its moment, view and selection.
pub fn state_of(moment: SharedMoment, preset_id: Option<String>) -> UiState {
    let mut state = UiState::with_scenario(preset_id, moment.scenario);
    state.view = match moment.view {
        link::View::Topology => View::Topology,
        link::View::Sequence => View::Sequence,
    };
    state.keep_moment = moment.at_event.map(Moment::Event);
    state.manual = moment.path.map(Rc::new);
    state.selection = moment.selected.as_deref().and_then(parse_selection);
    state
}

/// The preset whose scenario this is, so the picker can show its name.
pub fn preset_of(scenario: &exactly_once_core::Scenario) -> Option<String> {
    exactly_once_core::presets::all()
        .into_iter()
        .find(|p| p.scenario == *scenario)
        .map(|p| p.id)
}

// ---- Opening the page -------------------------------------------------------------------

/// Where the page's first state came from, and what the banner should say.
pub struct Opened {
    pub state: UiState,
    /// A sentence for the banner when a link could not be opened.
    pub banner: Option<String>,
}

/// The first state: the link in the fragment; else the `?preset=…` query; else the autosaved
/// work; else the default scenario. A bad link says why and falls back to the autosave.
pub fn open(fragment: &str, query: &str, autosaved: Option<&str>) -> Opened {
    let fragment = fragment.trim_start_matches('#');
    let from_autosave = |banner: Option<String>| -> Opened {
        let state = autosaved
            .and_then(|text| link::decode(text).ok())
            .map(|m| {
                let preset = preset_of(&m.scenario);
                state_of(m, preset)
            })
            .unwrap_or_default();
        Opened { state, banner }
    };
    if !fragment.is_empty() {
        return match link::decode(fragment) {
            Ok(moment) => {
                let preset = preset_of(&moment.scenario);
                Opened {
                    state: state_of(moment, preset),
                    banner: None,
                }
            }
            Err(e) => from_autosave(Some(banner_text(&e, autosaved.is_some()))),
        };
    }
    if query
        .trim_start_matches('?')
        .split('&')
        .any(|p| !p.is_empty())
    {
        return Opened {
            state: UiState::from_query(query),
            banner: None,
        };
    }
    from_autosave(None)
}

/// The banner for a link that could not be opened.
pub fn banner_text(error: &LinkError, had_autosave: bool) -> String {
    let fallback = if had_autosave {
        "your last autosaved work is open instead"
    } else {
        "the default scenario is open instead"
    };
    format!("This link could not be opened: {error}. Nothing was lost: {fallback}.")
}

// ---- Saved scenarios ----------------------------------------------------------------------

/// One named saved scenario (stored as a link: versioned, checked and validated on open).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Saved {
    pub name: String,
    pub link: String,
}

/// The saved list as written (`[{"name": …, "link": …}, …]`), read through `serde_json::Value`,
/// whose parser the page has anyway, instead of a derived `Deserialize` with a parser of its own
/// (about a kilobyte of page bundle). `None` when the text is not such a list.
fn saved_list(text: &str) -> Option<Vec<Saved>> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let text_of = |item: &serde_json::Value, key: &str| Some(item.get(key)?.as_str()?.to_string());
    value
        .as_array()?
        .iter()
        .map(|item| {
            Some(Saved {
                name: text_of(item, "name")?,
                link: text_of(item, "link")?,
            })
        })
        .collect()
}

/// Reads the saved list; damaged storage reads as an empty list plus a message.
pub fn parse_saved(text: Option<&str>) -> (Vec<Saved>, Option<String>) {
    match text {
        None => (Vec::new(), None),
        Some(t) => match saved_list(t) {
            Some(list) => (list, None),
            None => (
                Vec::new(),
                Some("The saved scenarios in this browser are damaged and were not read.".into()),
            ),
        },
    }
}

fn check_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("A saved scenario needs a name.".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("Names are at most {MAX_NAME_CHARS} characters."));
    }
    Ok(name.to_string())
}

/// Saves (or overwrites) `name`.
pub fn save_named(list: &mut Vec<Saved>, name: &str, moment: &SharedMoment) -> Result<(), String> {
    let name = check_name(name)?;
    let link = link::encode(moment);
    if let Some(existing) = list.iter_mut().find(|s| s.name == name) {
        existing.link = link;
        return Ok(());
    }
    if list.len() >= MAX_SAVED {
        return Err(format!(
            "At most {MAX_SAVED} scenarios can be saved: delete one first."
        ));
    }
    list.push(Saved { name, link });
    Ok(())
}

/// Renames `from` to `to` (refused if `to` exists).
pub fn rename(list: &mut [Saved], from: &str, to: &str) -> Result<(), String> {
    let to = check_name(to)?;
    if from != to && list.iter().any(|s| s.name == to) {
        return Err(format!(
            "A scenario named \u{201c}{to}\u{201d} already exists."
        ));
    }
    let entry = list
        .iter_mut()
        .find(|s| s.name == from)
        .ok_or_else(|| format!("No saved scenario is named \u{201c}{from}\u{201d}."))?;
    entry.name = to;
    Ok(())
}

pub fn delete(list: &mut Vec<Saved>, name: &str) {
    list.retain(|s| s.name != name);
}

/// Opens a saved scenario.
pub fn open_saved(list: &[Saved], name: &str) -> Result<SharedMoment, String> {
    let entry = list
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| format!("No saved scenario is named \u{201c}{name}\u{201d}."))?;
    link::decode(&entry.link)
        .map_err(|e| format!("\u{201c}{name}\u{201d} could not be opened: {e}."))
}

// ---- Import -------------------------------------------------------------------------------

/// Reads an imported scenario file (a bare scenario or a preset file); every problem is listed.
pub fn import_scenario(text: &str) -> Result<exactly_once_core::Scenario, String> {
    const MAX_IMPORT_BYTES: usize = 1_048_576;
    if text.len() > MAX_IMPORT_BYTES {
        return Err(format!(
            "The file is larger than {MAX_IMPORT_BYTES} bytes; a scenario is far smaller."
        ));
    }
    let scenario = match serde_json::from_str::<exactly_once_core::presets::Preset>(text) {
        Ok(preset) => preset.scenario,
        Err(_) => exactly_once_core::Scenario::from_json(text)
            .map_err(|e| format!("The file is not a playground scenario: {e}."))?,
    };
    scenario.validate().map_err(|errors| {
        let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
        format!("The file's scenario is not valid: {}.", list.join("; "))
    })?;
    Ok(scenario)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preset_moment(id: &str) -> SharedMoment {
        SharedMoment::of(
            exactly_once_core::presets::get(id)
                .expect("preset")
                .scenario,
        )
    }

    #[test]
    fn selections_round_trip_through_text() {
        let all = [
            Selection::Message(MsgId(0x1234_5678_9abc_def0_1234_5678_9abc_def0)),
            Selection::Document(Endpoint::Orders, OrderId(7)),
            Selection::Queue(Endpoint::Shipping),
            Selection::Instance(Endpoint::Marketing, 2),
            Selection::Stores(Endpoint::Frontend),
            Selection::ErrorQueue,
            Selection::Tokens,
            Selection::Event(42),
        ];
        for s in all {
            assert_eq!(parse_selection(&selection_text(&s)), Some(s));
        }
        for bad in ["", "x", "m:zz", "d:9:1", "q", "e:1", "v:1:2", "i:1"] {
            assert_eq!(parse_selection(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_link_opens_its_scenario_at_its_moment() {
        let mut moment = preset_moment("c07-before");
        moment.at_event = Some(12);
        moment.view = link::View::Sequence;
        moment.selected = Some("q:1".into());
        let opened = open(&format!("#{}", link::encode(&moment)), "", None);
        assert!(opened.banner.is_none());
        assert_eq!(*opened.state.scenario, moment.scenario);
        assert_eq!(opened.state.preset_id.as_deref(), Some("c07-before"));
        assert_eq!(opened.state.keep_moment, Some(Moment::Event(12)));
        assert_eq!(opened.state.view, View::Sequence);
        assert_eq!(
            opened.state.selection,
            Some(Selection::Queue(Endpoint::Orders))
        );
    }

    #[test]
    fn a_bad_link_opens_the_autosave_with_a_banner() {
        let autosave = link::encode(&preset_moment("c11-before"));
        let opened = open("#v1.garbage", "", Some(&autosave));
        let banner = opened.banner.expect("banner");
        assert!(banner.contains("could not be opened"), "{banner}");
        assert!(banner.contains("autosaved"), "{banner}");
        assert_eq!(opened.state.preset_id.as_deref(), Some("c11-before"));
        // Without an autosave: the default scenario.
        let opened = open("#v1.garbage", "", None);
        assert!(opened.banner.expect("banner").contains("default scenario"));
        assert_eq!(
            opened.state.preset_id.as_deref(),
            Some(crate::state::DEFAULT_PRESET)
        );
        // A damaged autosave is ignored, not fatal.
        let opened = open("", "", Some("not a link"));
        assert!(opened.banner.is_none());
        assert_eq!(
            opened.state.preset_id.as_deref(),
            Some(crate::state::DEFAULT_PRESET)
        );
    }

    #[test]
    fn the_query_wins_over_the_autosave_and_the_fragment_over_both() {
        let autosave = link::encode(&preset_moment("c11-before"));
        let opened = open("", "?preset=c02-before", Some(&autosave));
        assert_eq!(opened.state.preset_id.as_deref(), Some("c02-before"));
        let linked = link::encode(&preset_moment("c03-after"));
        let opened = open(&linked, "?preset=c02-before", Some(&autosave));
        assert_eq!(opened.state.preset_id.as_deref(), Some("c03-after"));
    }

    #[test]
    fn saved_scenarios_save_rename_open_and_delete() {
        let mut list = Vec::new();
        save_named(&mut list, "  ghost demo ", &preset_moment("c05-before")).expect("saved");
        save_named(&mut list, "outbox", &preset_moment("c12-after")).expect("saved");
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].name, "ghost demo");
        assert!(save_named(&mut list, " ", &preset_moment("c05-before")).is_err());
        assert!(rename(&mut list, "ghost demo", "outbox").is_err());
        rename(&mut list, "ghost demo", "ghost").expect("renamed");
        let opened = open_saved(&list, "ghost").expect("opens");
        assert_eq!(opened.scenario, preset_moment("c05-before").scenario);
        assert!(open_saved(&list, "ghost demo").is_err());
        delete(&mut list, "ghost");
        assert_eq!(list.len(), 1);
        let text = serde_json::to_string(&list).expect("json");
        assert_eq!(parse_saved(Some(&text)), (list, None));
        for damaged in [
            "{broken",
            "{}",
            "[{\"name\": \"x\"}]",
            "[{\"name\": 1, \"link\": \"l\"}]",
        ] {
            let (empty, message) = parse_saved(Some(damaged));
            assert!(empty.is_empty() && message.is_some(), "{damaged}");
        }
        assert_eq!(parse_saved(Some("[]")), (Vec::new(), None));
    }

    #[test]
    fn soak_workloads_are_too_large_for_a_link_and_presets_are_not() {
        assert!(!shareable(&exactly_once_core::workloads::soak(10_000, 500)));
        for p in exactly_once_core::presets::all() {
            assert!(shareable(&p.scenario), "{}", p.id);
        }
    }

    #[test]
    fn imports_say_what_is_wrong() {
        let scenario = exactly_once_core::presets::get("c05-after")
            .expect("preset")
            .scenario;
        assert_eq!(import_scenario(&scenario.to_json()), Ok(scenario.clone()));
        assert!(import_scenario("{")
            .expect_err("not json")
            .contains("not a playground scenario"));
        let mut invalid = scenario;
        invalid.orders.endpoint.concurrency = 0;
        assert!(import_scenario(&invalid.to_json())
            .expect_err("invalid")
            .contains("not valid"));
    }
}
