//! `FlatMap`: the model's small per-item maps (a workload's containers, a container's variables,
//! a resource's outputs) as one sorted vector, with a `BTreeMap`'s order, names and output.
//!
//! A `BTreeMap` allocates a node of eleven slots for its first entry, so a map of two variables
//! costs as much as one of eleven; the model holds several such maps per workload and most hold
//! one to three entries. The sorting and binary search are `litemap`'s; this type keeps the
//! `BTreeMap` names the code uses (`values`, `values_mut`, `contains_key`…), and serialises and
//! prints as a map whatever the map holds (`litemap` writes an empty map as a sequence).

use std::borrow::Borrow;
use std::fmt;

use litemap::LiteMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A map sorted by key, stored as one vector of entries.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlatMap<K, V>(LiteMap<K, V>);

impl<K, V> Default for FlatMap<K, V> {
    fn default() -> Self {
        FlatMap(LiteMap::new_vec())
    }
}

impl<K, V> FlatMap<K, V> {
    /// An empty map (allocates nothing).
    pub const fn new() -> Self {
        FlatMap(LiteMap::new_vec())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator + Clone {
        self.0.as_slice().iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator + Clone {
        self.0.as_slice().iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator + Clone {
        self.0.as_slice().iter().map(|(_, v)| v)
    }

    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> + ExactSizeIterator {
        self.0.iter_mut().map(|(_, v)| v)
    }
}

impl<K: Ord, V> FlatMap<K, V> {
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.0.get(key)
    }

    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.0.get_mut(key)
    }

    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.0.contains_key(key)
    }

    /// Sets `key` to `value`, returning the value it replaced. Moves the entries after `key`:
    /// a map of many entries is built with `collect` or `extend` (one sort), not by inserting.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.0.insert(key, value)
    }

    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.0.remove(key)
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for FlatMap<K, V> {
    /// Sorted by key; of two entries with one key the later is kept, as `BTreeMap` does.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = FlatMap(iter.into_iter().collect::<LiteMap<K, V>>());
        map.shrink_to_fit();
        map
    }
}

impl<K, V> FlatMap<K, V> {
    /// Drops spare capacity (a map is built once and then only read).
    pub fn shrink_to_fit(&mut self) {
        let mut entries = std::mem::take(&mut self.0).into_tuple_vec();
        entries.shrink_to_fit();
        self.0 = LiteMap::from_sorted_store_unchecked(entries);
    }
}

impl<K: Ord, V> Extend<(K, V)> for FlatMap<K, V> {
    /// Sorted once after appending (not one insertion each): linear for sorted input.
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

impl<K: Ord, V, const N: usize> From<[(K, V); N]> for FlatMap<K, V> {
    fn from(entries: [(K, V); N]) -> Self {
        entries.into_iter().collect()
    }
}

impl<K, V> IntoIterator for FlatMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_tuple_vec().into_iter()
    }
}

impl<'a, K, V> IntoIterator for &'a FlatMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.as_slice().iter().map(|(k, v)| (k, v))
    }
}

impl<K, Q, V> std::ops::Index<&Q> for FlatMap<K, V>
where
    K: Ord + Borrow<Q>,
    Q: Ord + ?Sized,
{
    type Output = V;

    /// The value of `key`; panics when absent, as `BTreeMap`'s index does (callers index only
    /// keys they took from the map).
    fn index(&self, key: &Q) -> &V {
        match self.get(key) {
            Some(v) => v,
            None => panic!("FlatMap: no entry for the key"),
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for FlatMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Serialize, V: Serialize> Serialize for FlatMap<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de, K: Ord + Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for FlatMap<K, V> {
    /// As a `BTreeMap` reads it (of two entries with one key, the later), then flattened.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        std::collections::BTreeMap::<K, V>::deserialize(deserializer)
            .map(|m| m.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::FlatMap;
    use std::collections::BTreeMap;

    fn pairs() -> Vec<(String, u32)> {
        ["b", "a", "c", "a", "d", "b"]
            .iter()
            .enumerate()
            .map(|(i, k)| (k.to_string(), i as u32))
            .collect()
    }

    #[test]
    fn collects_sorts_and_reads_as_a_btreemap() {
        let flat: FlatMap<String, u32> = pairs().into_iter().collect();
        let tree: BTreeMap<String, u32> = pairs().into_iter().collect();
        assert_eq!(
            flat.iter().collect::<Vec<_>>(),
            tree.iter().collect::<Vec<_>>()
        );
        assert_eq!(flat.get("a"), Some(&3));
        assert_eq!(flat.get("z"), None);
        assert_eq!(flat.contains_key("d"), tree.contains_key("d"));
        assert_eq!(format!("{flat:?}"), format!("{tree:?}"));
        assert_eq!(
            serde_json::to_string(&flat).ok(),
            serde_json::to_string(&tree).ok()
        );
        let text = r#"{"b": 1, "a": 2, "b": 3}"#;
        let back: Option<FlatMap<String, u32>> = serde_json::from_str(text).ok();
        let tree: Option<BTreeMap<String, u32>> = serde_json::from_str(text).ok();
        assert_eq!(
            back.map(|m| m.into_iter().collect::<Vec<_>>()),
            tree.map(|m| m.into_iter().collect())
        );
    }

    #[test]
    fn inserts_extends_and_removes_as_a_btreemap() {
        let mut flat = FlatMap::new();
        let mut tree = BTreeMap::new();
        for (k, v) in pairs() {
            assert_eq!(flat.insert(k.clone(), v), tree.insert(k, v));
        }
        flat.extend([("0".to_string(), 9)]);
        tree.extend([("0".to_string(), 9)]);
        flat.values_mut().for_each(|v| *v += 1);
        tree.values_mut().for_each(|v| *v += 1);
        assert_eq!(flat.remove("c"), tree.remove("c"));
        assert_eq!(flat.remove("z"), tree.remove("z"));
        assert_eq!(
            flat.into_iter().collect::<Vec<_>>(),
            tree.into_iter().collect::<Vec<_>>()
        );
    }

    #[test]
    fn an_empty_map_serialises_as_a_map() {
        let flat: FlatMap<String, u32> = FlatMap::new();
        assert_eq!(serde_json::to_string(&flat).ok().as_deref(), Some("{}"));
        assert_eq!(format!("{flat:?}"), "{}");
    }
}
