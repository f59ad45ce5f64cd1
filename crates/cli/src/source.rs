//! Where a command's scenario comes from: a preset id, or a file (a bare scenario or a preset
//! file). One reading for `run`, `check` and `link encode`, so they accept and refuse the same.

use exactly_once_core::{presets, Scenario};

/// What a command-line argument names.
pub enum Source {
    /// A built-in preset's scenario.
    Preset(Box<Scenario>),
    /// The text of a file.
    File(String),
}

/// Reads `what` as a preset id, else as a file path; the error says which it was taken for.
pub fn read(what: &str) -> Result<Source, String> {
    if let Some(p) = presets::get(what) {
        return Ok(Source::Preset(Box::new(p.scenario)));
    }
    let looks_like_file = what.ends_with(".json") || what.contains('/') || what.contains('\\');
    match std::fs::read_to_string(what) {
        Ok(text) => Ok(Source::File(text)),
        Err(e) if looks_like_file => Err(format!("cannot read {what}: {e}")),
        Err(_) => Err(format!(
            "`{what}` is neither a preset id nor a readable file; `exactly-once presets` lists the ids"
        )),
    }
}
