//! The versioned document store of each endpoint, its inbox and its out-of-document outbox, plus
//! the token store shared by all endpoints (§1.5, §3.6–§3.9).

use crate::ids::{MsgId, OrderId, TokenId, TxId};
use crate::scenario::{Endpoint, Filling, MsgKind};
use crate::vec_map::VecMap;
use crate::world::Message;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::hash::{Hash, Hasher};

/// One document. A single shape for every endpoint keeps the engine small: Orders uses `lines`
/// (order lines), Shipping uses `lines` (packing list), Marketing `counts`, the Frontend's cart
/// `lines` + `submitted`/`accepted`. The bookkeeping fields belong to the consistency strategies.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Doc {
    pub lines: Vec<Filling>,
    /// Orders (2024 track): the cart this order was created from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cart: Option<OrderId>,
    #[serde(skip_serializing_if = "is_false")]
    pub submitted: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub accepted: bool,
    /// Marketing: ItemAdded, ItemRemoved, FirstItemAdded received.
    #[serde(skip_serializing_if = "is_zero3")]
    pub counts: [u32; 3],
    /// H5–H8: ids of processed messages, written with the business change.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub processed: Vec<MsgId>,
    /// H8 in-document outbox: messages not yet published.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outgoing: Vec<Message>,
    /// §3.5–§3.7 `OutboxState[incoming id]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outbox: Vec<OutboxEntry>,
    /// §3.8 `TransactionIds[incoming id]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tx_ids: Vec<(MsgId, TxId)>,
    /// §3.9 the one pending transaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tx: Option<PendingTx>,
}

fn is_false(b: &bool) -> bool {
    !*b
}
fn is_zero3(c: &[u32; 3]) -> bool {
    *c == [0, 0, 0]
}

impl Doc {
    pub fn entry(&self, incoming: MsgId) -> Option<&OutboxEntry> {
        self.outbox.iter().find(|e| e.incoming == incoming)
    }
    pub fn entry_mut(&mut self, incoming: MsgId) -> Option<&mut OutboxEntry> {
        self.outbox.iter_mut().find(|e| e.incoming == incoming)
    }
    pub fn remove_entry(&mut self, incoming: MsgId) -> bool {
        let before = self.outbox.len();
        self.outbox.retain(|e| e.incoming != incoming);
        before != self.outbox.len()
    }
    pub fn count_index(kind: MsgKind) -> usize {
        match kind {
            MsgKind::ItemRemoved => 1,
            MsgKind::FirstItemAdded => 2,
            _ => 0,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct OutboxEntry {
    pub incoming: MsgId,
    /// `None` = processed and dispatched (§3.5's tri-state).
    pub messages: Option<Vec<Message>>,
    pub tokens_generated: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct PendingTx {
    pub tx: TxId,
    /// The message whose transaction this is; `None` in the shipped Ex16-After variant.
    pub owner: Option<MsgId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Stored {
    pub version: u32,
    pub doc: Doc,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct OutboxDoc {
    pub owner: MsgId,
    pub messages: Vec<Message>,
}

/// Why a write was refused: the version the writer expected and the one found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conflict {
    pub expected: Option<u32>,
    pub found: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct EndpointStore {
    pub docs: VecMap<OrderId, Stored>,
    pub inbox: Inbox,
    pub outbox: VecMap<TxId, OutboxDoc>,
}

impl EndpointStore {
    pub fn load(&self, key: OrderId) -> (Option<Doc>, Option<u32>) {
        match self.docs.get(&key) {
            Some(s) => (Some(s.doc.clone()), Some(s.version)),
            None => (None, None),
        }
    }

    /// Optimistic concurrency: `expected = None` creates (fails if the document exists),
    /// `Some(v)` replaces version `v` (fails on any other version). Returns the new version.
    pub fn check(&self, key: OrderId, expected: Option<u32>) -> Result<(), Conflict> {
        let found = self.docs.get(&key).map(|s| s.version);
        if found == expected {
            Ok(())
        } else {
            Err(Conflict { expected, found })
        }
    }

    /// Writes without any check (NE-2's batch without versions). Returns the new version.
    pub fn write(&mut self, key: OrderId, doc: Doc) -> u32 {
        let version = self
            .docs
            .get(&key)
            .map_or(1, |s| s.version.saturating_add(1));
        self.docs.insert(key, Stored { version, doc });
        version
    }
}

/// An endpoint's inbox: the ids of the messages it processed. A B-tree, not a sorted vector: it
/// grows with the run and its random ids would land anywhere in a vector. Keyed as a
/// `BTreeMap<MsgId, u32>` (the value unused, always 0) rather than a `BTreeSet<MsgId>` because the
/// page's message index is one: the wasm then holds one B-tree's code for both. Compares, hashes
/// (the same words: state fingerprints do not change), prints and serialises as a set of ids.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Inbox {
    ids: BTreeMap<MsgId, u32>,
}

impl Inbox {
    /// Whether `id` was new.
    pub fn insert(&mut self, id: MsgId) -> bool {
        self.ids.insert(id, 0).is_none()
    }
    pub fn contains(&self, id: &MsgId) -> bool {
        self.ids.contains_key(id)
    }
    pub fn len(&self) -> usize {
        self.ids.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
    /// The ids in order.
    pub fn iter(&self) -> impl Iterator<Item = &MsgId> {
        self.ids.keys()
    }
}

/// `BTreeSet<MsgId>`'s words: the length, then each id in order.
impl Hash for Inbox {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.len());
        for id in self.iter() {
            id.hash(state);
        }
    }
}

impl fmt::Debug for Inbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl Serialize for Inbox {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// The token store (§3.7): a token's existence is the proof that its message is not processed yet
/// by that receiver. A published event reaches several subscribers, so each gets its own record:
/// the first subscriber consuming the token must not make the others think it is a duplicate.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TokenStore {
    pub tokens: VecMap<(TokenId, Endpoint), u32>,
}

impl Serialize for TokenStore {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.tokens
                .keys()
                .map(|(t, e)| format!("t{}@{}", t.0, e.name())),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // The checker's fingerprint: what these types feed the hasher is what state dedup sees.
    use crate::check::fingerprint::fingerprint_of as fingerprint;
    use std::collections::BTreeSet;

    /// The inbox hashes, prints and serialises as the `BTreeSet<MsgId>` it replaces did.
    #[test]
    fn inbox_is_a_set_of_ids() {
        let ids = [MsgId(7), MsgId(3), MsgId(7), MsgId(1 << 100)];
        let mut inbox = Inbox::default();
        let mut set = BTreeSet::new();
        for id in ids {
            assert_eq!(inbox.insert(id), set.insert(id));
        }
        assert_eq!(fingerprint(&inbox), fingerprint(&set));
        assert_eq!(format!("{inbox:?}"), format!("{set:?}"));
        assert_eq!(
            serde_json::to_string(&inbox).ok(),
            serde_json::to_string(&set).ok()
        );
    }
}
