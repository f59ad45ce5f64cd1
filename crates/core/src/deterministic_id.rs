//! §3.2 `DeterministicGuid(previousMessageId, suffix)`: the workshop's way to give every copy of an
//! outgoing message the same id, derived from the incoming message id and a per-endpoint suffix.

use crate::ids::MsgId;
use sha1::{Digest, Sha1};

/// SHA-1 over the UTF-8 of the id text followed by the suffix, truncated to 16 bytes, with version
/// 5 and RFC 4122 variant bits. The .NET byte swap and `Guid.ToString()` cancel out, so the
/// canonical rendering is the big-endian reading of the bytes before the swap.
pub fn deterministic_guid(previous_message_id: &str, suffix: &str) -> MsgId {
    let mut h = Sha1::new();
    h.update(previous_message_id.as_bytes());
    h.update(suffix.as_bytes());
    let digest = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0F) | 0x50;
    b[8] = (b[8] & 0x3F) | 0x80;
    MsgId(u128::from_be_bytes(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_test_vectors() {
        let cases = [
            ("abc", "Orders", "ecfba6ed-81b2-5198-a28c-cc97570cf132"),
            (
                "abc",
                "Orders-ItemAdded",
                "582b9483-8fbe-58a8-aba7-306148fa4e97",
            ),
            (
                "abc",
                "Orders-FirstItemAdded",
                "5b82ff6a-bc07-5617-a73b-f6c0b62cd59d",
            ),
            (
                "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
                "Orders",
                "e6110299-7b90-5729-8f3a-e7c1570a4193",
            ),
        ];
        for (id, suffix, expected) in cases {
            assert_eq!(
                deterministic_guid(id, suffix).to_string(),
                expected,
                "{id} + {suffix}"
            );
        }
    }
}
