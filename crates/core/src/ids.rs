//! Identifier newtypes. State never stores `usize`: sizes differ between native and wasm32, and the
//! same scenario must give the same trace on both.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A transport message id (NServiceBus `MessageId`). Copies made by a duplicating sender, by a
/// redelivery or by a lease expiry share it; a fresh publish gets a new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MsgId(pub u128);

/// Serialised as its GUID text: JSON numbers cannot hold 128 bits.
impl Serialize for MsgId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MsgId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        MsgId::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a GUID")))
    }
}

impl fmt::Display for MsgId {
    /// Rendered like a GUID, because the workshop's ids are GUIDs and §3.2 derives ids from this text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0.to_be_bytes();
        let hex = |r: std::ops::Range<usize>, f: &mut fmt::Formatter<'_>| -> fmt::Result {
            for byte in &b[r] {
                write!(f, "{byte:02x}")?;
            }
            Ok(())
        };
        hex(0..4, f)?;
        f.write_str("-")?;
        hex(4..6, f)?;
        f.write_str("-")?;
        hex(6..8, f)?;
        f.write_str("-")?;
        hex(8..10, f)?;
        f.write_str("-")?;
        hex(10..16, f)
    }
}

impl MsgId {
    /// Parses the GUID text form (32 hex digits, hyphens anywhere).
    pub fn parse(text: &str) -> Option<MsgId> {
        let hex: String = text.chars().filter(|c| *c != '-').collect();
        if hex.len() != 32 {
            return None;
        }
        u128::from_str_radix(&hex, 16).ok().map(MsgId)
    }

    /// The first eight hex digits: enough to tell messages apart in a one-line trace.
    pub fn short(&self) -> String {
        format!("{:08x}", (self.0 >> 96) as u32)
    }
}

/// An order (Orders' document key). In the 2024 track a shopping cart shares its order's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrderId(pub u32);

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "order-{}", self.0)
    }
}

/// One attempt at handling one delivered copy (or one Frontend request).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AttemptId(pub u32);

/// One physical copy of a message in a queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CopyId(pub u32);

/// An out-of-document outbox transaction (§3.8, §3.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TxId(pub u64);

/// A deduplication token (§3.7): a message may be processed only while its token exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenId(pub u64);

/// A bijective 64-bit mixer (the SplitMix64 finaliser): distinct counters give distinct outputs,
/// so "fresh GUIDs" drawn from a counter are unique and still look random in a trace.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The n-th fresh message id of a run: plays the role of `Guid.NewGuid()` without any randomness
/// outside the world state, so an exhaustive checker can fingerprint states.
pub(crate) fn fresh_msg_id(seed: u64, n: u64) -> MsgId {
    // The counter goes into the high half so that the short form (first 8 hex digits) differs.
    let low = mix64(seed ^ 0x5851_f42d_4c95_7f2d) as u128;
    MsgId(((mix64(n) as u128) << 64) | low)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msg_id_renders_like_a_guid() {
        let id = MsgId(0x3f2504e0_4f89_11d3_9a0c_0305e82c3301);
        assert_eq!(id.to_string(), "3f2504e0-4f89-11d3-9a0c-0305e82c3301");
        assert_eq!(id.short(), "3f2504e0");
    }

    #[test]
    fn fresh_ids_are_distinct() {
        let a = fresh_msg_id(7, 1);
        let b = fresh_msg_id(7, 2);
        assert_ne!(a, b);
    }
}
