//! Presets are data: JSON files in `presets/`, embedded at build time. Each has an id such as
//! `c05-before` / `c05-after`, a title, the workshop exercise, a short description and a scenario.

use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};

/// Deserialised through [`crate::enum_serde::read_struct`] (unknown fields denied).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Preset {
    pub id: String,
    pub title: String,
    pub exercise: String,
    pub description: String,
    pub scenario: Scenario,
}

impl<'de> Deserialize<'de> for Preset {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use crate::enum_serde::{read_struct, Kind, Val};
        const FIELDS: &[&str] = &["id", "title", "exercise", "description", "scenario"];
        let kinds = &[Kind::Str, Kind::Str, Kind::Str, Kind::Str, Kind::Scenario];
        match read_struct(d, "Preset", "struct Preset", FIELDS, kinds, 0)? {
            [Val::Str(id), Val::Str(title), Val::Str(exercise), Val::Str(description), Val::Scenario(scenario), ..] => {
                Ok(Preset {
                    id,
                    title,
                    exercise,
                    description,
                    scenario: *scenario,
                })
            }
            _ => unreachable!("read_struct reads the kinds it is given"),
        }
    }
}

include!(concat!(env!("OUT_DIR"), "/presets_list.rs"));

/// Every preset, in id order. A file that does not parse is skipped here and caught by the tests.
pub fn all() -> Vec<Preset> {
    PRESET_FILES
        .iter()
        .filter_map(|(_, text)| serde_json::from_str::<Preset>(text).ok())
        .collect()
}

pub fn get(id: &str) -> Option<Preset> {
    PRESET_FILES
        .iter()
        .find(|(name, _)| *name == id)
        .and_then(|(_, text)| serde_json::from_str::<Preset>(text).ok())
}

/// The raw files, for tests that must see a parse error instead of a missing preset.
pub fn files() -> &'static [(&'static str, &'static str)] {
    PRESET_FILES
}
