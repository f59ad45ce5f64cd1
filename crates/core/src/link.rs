//! Share links: the whole scenario plus the moment (playhead), the view and the selected item, in
//! a URL fragment that opens exactly what was shared, today and in a year.
//!
//! Format version 1: `#v1.` followed by base64url (no padding) of
//! `checksum (4 bytes, big-endian FNV-1a-32 of the rest) ++ raw DEFLATE of the compact JSON of a
//! [`SharedMoment`]`. The version prefix lets later formats coexist: a decoder for every released
//! version is kept, and `tests/golden_links.rs` holds links of each version that must keep
//! decoding to the same scenario. The fragment is never sent to a server, so it works on static
//! hosting.
//!
//! Decoding is total: any string gives either a validated [`SharedMoment`] or a [`LinkError`] that
//! says in plain words what is wrong. Input length and inflated size are bounded, so a
//! decompression bomb is refused rather than inflated.

use crate::scenario::{Scenario, ScenarioError};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The newest format version this build writes.
pub const CURRENT_VERSION: u32 = 1;
/// Longest link text accepted (characters after `#`); browsers and chat tools cope with far more,
/// but nothing the playground writes comes near it.
pub const MAX_LINK_CHARS: usize = 16_384;
/// Largest inflated payload accepted: bounds the work a hostile link can cause.
pub const MAX_INFLATED_BYTES: usize = 262_144;
/// Compression effort (miniz levels 0–10): the best ratio; links are small, so time is negligible.
const DEFLATE_LEVEL: u8 = 10;

/// Which view the page shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum View {
    #[default]
    Topology,
    Sequence,
}

crate::enum_serde::unit_enum_serde!(View {
    Topology => "topology",
    Sequence => "sequence",
});

/// What a link carries: the scenario and where the viewer was in its run.
/// Deserialised through [`crate::enum_serde::read_struct`] (unknown fields denied, missing ones
/// but `scenario` from their defaults).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SharedMoment {
    pub scenario: Scenario,
    /// The playhead: index of the event shown (`None` = the start of the run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_event: Option<u32>,
    /// An explicit choice path (manual mode, a checker's counterexample) replacing the seeded
    /// scheduler; `None` = the seeded run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Vec<u32>>,
    pub view: View,
    /// The selected item (a message, document or queue id as the page names it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected: Option<String>,
}

impl<'de> Deserialize<'de> for SharedMoment {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use crate::enum_serde::{read_struct, Kind, Val};
        const FIELDS: &[&str] = &["scenario", "at_event", "path", "view", "selected"];
        let kinds = &[
            Kind::Scenario,
            Kind::OptU32,
            Kind::OptU32s,
            Kind::View,
            Kind::OptStr,
        ];
        // Every field but `scenario` has a default.
        match read_struct(d, "SharedMoment", "struct SharedMoment", FIELDS, kinds, !1)? {
            [Val::Scenario(scenario), at_event, path, view, selected, ..] => Ok(SharedMoment {
                scenario: *scenario,
                at_event: match at_event {
                    Val::OptU32(x) => x,
                    _ => None,
                },
                path: match path {
                    Val::OptU32s(x) => x,
                    _ => None,
                },
                view: match view {
                    Val::View(x) => x,
                    _ => View::default(),
                },
                selected: match selected {
                    Val::OptStr(x) => x,
                    _ => None,
                },
            }),
            _ => unreachable!("read_struct reads the kinds it is given"),
        }
    }
}

impl SharedMoment {
    /// A link to the start of `scenario`'s seeded run.
    pub fn of(scenario: Scenario) -> SharedMoment {
        SharedMoment {
            scenario,
            at_event: None,
            path: None,
            view: View::Topology,
            selected: None,
        }
    }
}

/// Why a link could not be opened, in words a user can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// Nothing after `#`.
    Empty,
    /// The text does not start with `v<number>.`.
    NotALink,
    /// A version this build does not know (a newer playground wrote it).
    UnknownVersion(String),
    /// Longer than [`MAX_LINK_CHARS`].
    TooLong { chars: usize },
    /// A character outside base64url: the link was mangled (e.g. by line wrapping).
    BadCharacters,
    /// Too short to hold a checksum and data: cut off while copying.
    Truncated,
    /// The checksum does not match: the link was cut or changed.
    ChecksumMismatch,
    /// The data does not inflate.
    Corrupt(String),
    /// Inflates to more than [`MAX_INFLATED_BYTES`].
    TooLarge,
    /// The data is not a scenario of this version.
    NotAScenario(String),
    /// A well-formed scenario that does not validate.
    InvalidScenario(Vec<ScenarioError>),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::Empty => write!(f, "the link has no scenario in it (nothing after '#')"),
            LinkError::NotALink => {
                write!(f, "this is not a playground link (it should start with '#v1.')")
            }
            LinkError::UnknownVersion(v) => write!(
                f,
                "the link is format {v}, which this playground does not know (it reads v1): \
                 it was probably made by a newer version"
            ),
            LinkError::TooLong { chars } => write!(
                f,
                "the link is {chars} characters long; links longer than {MAX_LINK_CHARS} are refused"
            ),
            LinkError::BadCharacters => write!(
                f,
                "the link contains characters a playground link never has: it was changed while \
                 being copied"
            ),
            LinkError::Truncated => write!(f, "the link is cut off: copy the whole link"),
            LinkError::ChecksumMismatch => write!(
                f,
                "the link's checksum does not match: it was cut off or changed while being copied"
            ),
            LinkError::Corrupt(why) => write!(f, "the link's data is damaged ({why})"),
            LinkError::TooLarge => write!(
                f,
                "the link unpacks to more than {MAX_INFLATED_BYTES} bytes and was refused"
            ),
            LinkError::NotAScenario(why) => {
                write!(f, "the link does not hold a playground scenario ({why})")
            }
            LinkError::InvalidScenario(errors) => {
                write!(f, "the link's scenario is not valid: ")?;
                for (i, e) in errors.iter().enumerate() {
                    if i > 0 {
                        write!(f, "; ")?;
                    }
                    write!(f, "{e}")?;
                }
                Ok(())
            }
        }
    }
}

/// FNV-1a, 32 bits: enough to catch a cut or changed link; not a security measure.
fn fnv1a32(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url without padding (RFC 4648 §5): safe in a URL fragment and in chat.
pub fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let mut n = 0u32;
        for (i, b) in chunk.iter().enumerate() {
            n |= u32::from(*b) << (16 - 8 * i);
        }
        for i in 0..=chunk.len() {
            let index = (n >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

/// Decodes base64url without padding; `None` for any character outside the alphabet or an
/// impossible length.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'-' => Some(62),
            b'_' => Some(63),
            _ => None,
        }
    }
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.as_bytes().chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

/// Encodes `moment` as a fragment `v1.<data>` (without the leading `#`).
pub fn encode(moment: &SharedMoment) -> String {
    // Serialising plain data to JSON cannot fail; an empty payload would be refused on decode.
    let json = serde_json::to_vec(moment).unwrap_or_default();
    let deflated = miniz_oxide::deflate::compress_to_vec(&json, DEFLATE_LEVEL);
    let mut payload = Vec::with_capacity(deflated.len() + 4);
    payload.extend_from_slice(&fnv1a32(&deflated).to_be_bytes());
    payload.extend_from_slice(&deflated);
    format!("v{CURRENT_VERSION}.{}", base64url_encode(&payload))
}

/// Decodes a link, a URL containing one, or a bare fragment (with or without `#`), and validates
/// the scenario it carries.
pub fn decode(link: &str) -> Result<SharedMoment, LinkError> {
    let text = link.trim();
    let fragment = match text.find('#') {
        Some(i) => &text[i + 1..],
        None => text,
    };
    if fragment.is_empty() {
        return Err(LinkError::Empty);
    }
    let chars = fragment.chars().count();
    if chars > MAX_LINK_CHARS {
        return Err(LinkError::TooLong { chars });
    }
    let (version, data) = fragment.split_once('.').ok_or(LinkError::NotALink)?;
    let number = version.strip_prefix('v').ok_or(LinkError::NotALink)?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(LinkError::NotALink);
    }
    match number {
        "1" => decode_v1(data),
        other => Err(LinkError::UnknownVersion(format!("v{other}"))),
    }
}

fn decode_v1(data: &str) -> Result<SharedMoment, LinkError> {
    let payload = base64url_decode(data).ok_or(LinkError::BadCharacters)?;
    if payload.len() < 5 {
        return Err(LinkError::Truncated);
    }
    let (checksum, deflated) = payload.split_at(4);
    if checksum != fnv1a32(deflated).to_be_bytes() {
        return Err(LinkError::ChecksumMismatch);
    }
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(deflated, MAX_INFLATED_BYTES)
        .map_err(|e| match e.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => LinkError::TooLarge,
            status => LinkError::Corrupt(format!("{status:?}")),
        })?;
    // Through `&str`, as presets and scenario files are read: one instantiation of every serde
    // impl, not a second one for byte slices (tens of kilobytes of page bundle).
    let json = std::str::from_utf8(&json).map_err(|e| LinkError::NotAScenario(e.to_string()))?;
    let moment: SharedMoment =
        serde_json::from_str(json).map_err(|e| LinkError::NotAScenario(e.to_string()))?;
    if moment.scenario.format != 1 {
        return Err(LinkError::NotAScenario(format!(
            "scenario format {} inside a v1 link",
            moment.scenario.format
        )));
    }
    moment
        .scenario
        .validate()
        .map_err(LinkError::InvalidScenario)?;
    Ok(moment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_every_length() {
        for len in 0..40u8 {
            let bytes: Vec<u8> = (0..len)
                .map(|i| i.wrapping_mul(37).wrapping_add(11))
                .collect();
            let text = base64url_encode(&bytes);
            assert!(text.bytes().all(|c| ALPHABET.contains(&c)));
            assert_eq!(base64url_decode(&text), Some(bytes));
        }
        assert_eq!(base64url_encode(b"hello"), "aGVsbG8");
        assert_eq!(base64url_decode("a*"), None);
        assert_eq!(base64url_decode("a"), None);
    }

    #[test]
    fn checksum_is_fnv1a32() {
        // Published FNV-1a test vectors.
        assert_eq!(fnv1a32(b""), 0x811c_9dc5);
        assert_eq!(fnv1a32(b"a"), 0xe40c_292c);
        assert_eq!(fnv1a32(b"foobar"), 0xbf9c_f968);
    }

    #[test]
    fn malformed_links_say_what_is_wrong() {
        assert_eq!(decode(""), Err(LinkError::Empty));
        assert_eq!(decode("https://x.test/playground/#"), Err(LinkError::Empty));
        assert_eq!(decode("#hello"), Err(LinkError::NotALink));
        assert_eq!(decode("#v.abc"), Err(LinkError::NotALink));
        assert_eq!(
            decode("#v9.abcd"),
            Err(LinkError::UnknownVersion("v9".into()))
        );
        assert_eq!(decode("#v1.ab*d"), Err(LinkError::BadCharacters));
        assert_eq!(decode("#v1.abcd"), Err(LinkError::Truncated));
        let long = format!("#v1.{}", "A".repeat(MAX_LINK_CHARS));
        assert!(matches!(decode(&long), Err(LinkError::TooLong { .. })));
    }

    #[test]
    fn a_decompression_bomb_is_refused() {
        let bomb = miniz_oxide::deflate::compress_to_vec(&vec![b' '; MAX_INFLATED_BYTES * 4], 10);
        let mut payload = fnv1a32(&bomb).to_be_bytes().to_vec();
        payload.extend_from_slice(&bomb);
        let link = format!("v1.{}", base64url_encode(&payload));
        assert!(link.len() < MAX_LINK_CHARS, "the bomb fits in a link");
        assert_eq!(decode(&link), Err(LinkError::TooLarge));
    }
}
