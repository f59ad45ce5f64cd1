//! A map and a set kept as sorted vectors, for the small maps of the core and the page.
//!
//! Every `BTreeMap<K, V>` instantiates a family of node functions (insert, split, steal, merge,
//! clone, drop, iterate) per key and value type: a few kilobytes of wasm each. These maps hold a
//! handful to a few hundred entries, or receive their keys mostly in order, where a sorted `Vec`
//! searched by bisection is as fast and its code is a fraction of the size. Maps whose keys arrive
//! in random order and grow with the run (an endpoint's inbox, the page's message index) stay
//! `BTreeMap`s: inserting in the middle of a long vector moves its tail.
//!
//! What the code relies on is kept from `BTreeMap`/`BTreeSet`: iteration in key order, equality
//! over the entries, `Hash` writing the same words (the length, then each key and value in key
//! order; state fingerprints do not change), `Debug` and JSON as a map (a set as a sequence) in
//! key order.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Borrow;
use std::fmt;

/// Sorts `items` by a `u32` key, stably (equal keys keep their order), by insertion. For the short
/// lists of the core and the page (beats, a document's lines): the std sort is a few kilobytes of
/// wasm per element type, this is a few dozen bytes; quadratic, so never for a list that grows
/// with a run.
pub fn sort_by_u32_key<T>(items: &mut [T], key: impl Fn(&T) -> u32) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && key(&items[j - 1]) > key(&items[j]) {
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// A map from `K` to `V`, its entries sorted by key.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct VecMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap {
            entries: Vec::new(),
        }
    }
}

impl<K, V> VecMap<K, V> {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    /// The entries in key order.
    pub fn iter(&self) -> Iter<'_, K, V> {
        self.into_iter()
    }
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }
}

impl<K: Ord, V> VecMap<K, V> {
    /// `Ok(index)` of the key, or `Err(index)` where it would be inserted. Looked up by any
    /// borrowed form of the key, as `BTreeMap::get` is (a `&str` for a `String` key).
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }
    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }
    /// Inserts or replaces; returns the value replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }
    /// The value of `key`, inserted with `make` if absent (`BTreeMap::entry(..).or_insert_with`).
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (key, make()));
                i
            }
        };
        &mut self.entries[i].1
    }
}

impl<K: Ord, V: Default> VecMap<K, V> {
    /// `BTreeMap::entry(key).or_default()`.
    pub fn get_or_default(&mut self, key: K) -> &mut V {
        self.get_or_insert_with(key, V::default)
    }
}

impl<K: Ord + Borrow<Q>, Q: Ord + ?Sized, V> std::ops::Index<&Q> for VecMap<K, V> {
    type Output = V;
    /// Panics when the key is absent, as `BTreeMap`'s index does.
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("no entry found for key")
    }
}

/// The entries of a [`VecMap`] in key order, as `(&key, &value)` like `BTreeMap::iter`.
pub type Iter<'a, K, V> =
    std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

impl<'a, K, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for VecMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Serialize, V: Serialize> Serialize for VecMap<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

/// A set of `T`, sorted.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct VecSet<T> {
    map: VecMap<T, ()>,
}

impl<T> Default for VecSet<T> {
    fn default() -> Self {
        VecSet {
            map: VecMap::default(),
        }
    }
}

impl<T> VecSet<T> {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn len(&self) -> usize {
        self.map.len()
    }
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
    /// The elements in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.map.keys()
    }
}

impl<T: Ord> VecSet<T> {
    /// Whether `value` was new.
    pub fn insert(&mut self, value: T) -> bool {
        self.map.insert(value, ()).is_none()
    }
    pub fn contains<Q: Ord + ?Sized>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.map.contains_key(value)
    }
    /// Whether `value` was there.
    pub fn remove<Q: Ord + ?Sized>(&mut self, value: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.map.remove(value).is_some()
    }
}

impl<T: Ord> Extend<T> for VecSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        for x in items {
            self.insert(x);
        }
    }
}

impl<T: Ord> FromIterator<T> for VecSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut set = VecSet::new();
        set.extend(items);
        set
    }
}

impl<T> IntoIterator for VecSet<T> {
    type Item = T;
    type IntoIter = std::iter::Map<std::vec::IntoIter<(T, ())>, fn((T, ())) -> T>;
    fn into_iter(self) -> Self::IntoIter {
        self.map.into_iter().map(|(x, ())| x)
    }
}

impl<T: fmt::Debug> fmt::Debug for VecSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<T: Serialize> Serialize for VecSet<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// Read as a sequence, like a `BTreeSet`: sorted, a repeated element kept once.
impl<'de, T: Deserialize<'de> + Ord> Deserialize<'de> for VecSet<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<T>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::hash_map::DefaultHasher;
    use std::collections::{BTreeMap, BTreeSet};
    use std::hash::{Hash, Hasher};

    fn fingerprint<T: Hash>(x: &T) -> u64 {
        let mut h = DefaultHasher::new();
        x.hash(&mut h);
        h.finish()
    }

    /// What the outside sees of a collection is the same as of the B-tree it replaced: `Debug`,
    /// JSON and the hash the checker's fingerprints are made of.
    fn same_outside<A, B>(v: &A, b: &B)
    where
        A: std::fmt::Debug + serde::Serialize + Hash,
        B: std::fmt::Debug + serde::Serialize + Hash,
    {
        assert_eq!(format!("{v:?}"), format!("{b:?}"));
        assert_eq!(serde_json::to_string(v).ok(), serde_json::to_string(b).ok());
        assert_eq!(fingerprint(v), fingerprint(b));
    }

    #[test]
    fn behaves_like_btree_map() {
        let keys = [5u32, 1, 9, 5, 3, 7, 1, 2];
        let mut v = VecMap::new();
        let mut b = BTreeMap::new();
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(v.insert(*k, i), b.insert(*k, i));
        }
        assert_eq!(v.remove(&3), b.remove(&3));
        assert_eq!(v.remove(&4), b.remove(&4));
        *v.get_or_default(8) += 1;
        *b.entry(8).or_default() += 1;
        assert_eq!(v.iter().collect::<Vec<_>>(), b.iter().collect::<Vec<_>>());
        same_outside(&v, &b);
        assert_eq!(v[&9], b[&9]);
    }

    #[test]
    fn sorts_stably_like_sort_by_key() {
        let items: Vec<(u32, usize)> = [3u32, 1, 3, 0, 2, 1, 3, 0]
            .iter()
            .enumerate()
            .map(|(i, k)| (*k, i))
            .collect();
        let mut by_insertion = items.clone();
        sort_by_u32_key(&mut by_insertion, |x| x.0);
        let mut by_std = items;
        by_std.sort_by_key(|x| x.0);
        assert_eq!(by_insertion, by_std);
    }

    #[test]
    fn behaves_like_btree_set() {
        let items = [5u32, 1, 9, 5, 3];
        let v: VecSet<u32> = items.iter().copied().collect();
        let b: BTreeSet<u32> = items.iter().copied().collect();
        assert_eq!(v.iter().collect::<Vec<_>>(), b.iter().collect::<Vec<_>>());
        same_outside(&v, &b);
        let read: Option<VecSet<u32>> = serde_json::from_str("[3,1,3,2]").ok();
        let read_b: Option<BTreeSet<u32>> = serde_json::from_str("[3,1,3,2]").ok();
        assert_eq!(
            read.map(|r| r.iter().copied().collect::<Vec<_>>()),
            read_b.map(|r| r.into_iter().collect::<Vec<_>>())
        );
    }
}
