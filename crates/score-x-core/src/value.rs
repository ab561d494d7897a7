//! Templated values: a JSON-like tree whose strings are parsed placeholder templates
//! (resource `params`), and the helpers to walk plain JSON by a key path.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::template::{Ref, Template};

/// A JSON-like value whose strings may contain placeholders.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum TValue {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(Template),
    List(Vec<TValue>),
    Map(BTreeMap<String, TValue>),
}

impl TValue {
    /// Every reference in the tree, in a deterministic order.
    pub fn refs(&self) -> Vec<&Ref> {
        let mut out = Vec::new();
        self.collect_refs(&mut out);
        out
    }

    fn collect_refs<'a>(&'a self, out: &mut Vec<&'a Ref>) {
        match self {
            TValue::String(t) => out.extend(t.refs()),
            TValue::List(l) => l.iter().for_each(|v| v.collect_refs(out)),
            TValue::Map(m) => m.values().for_each(|v| v.collect_refs(out)),
            _ => {}
        }
    }

    /// The value with every template printed back in Score syntax (for comparing declarations).
    pub fn to_source_json(&self) -> serde_json::Value {
        match self {
            TValue::Null => serde_json::Value::Null,
            TValue::Bool(b) => serde_json::Value::Bool(*b),
            TValue::Number(n) => serde_json::Value::Number(n.clone()),
            TValue::String(t) => serde_json::Value::String(t.to_source()),
            TValue::List(l) => {
                serde_json::Value::Array(l.iter().map(TValue::to_source_json).collect())
            }
            TValue::Map(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.to_source_json()))
                    .collect(),
            ),
        }
    }
}

/// Walk `value` by `keys` through maps (and lists by decimal index).
pub fn lookup<'a>(value: &'a serde_json::Value, keys: &[String]) -> Option<&'a serde_json::Value> {
    let mut cur = value;
    for k in keys {
        cur = match cur {
            serde_json::Value::Object(m) => m.get(k)?,
            serde_json::Value::Array(a) => a.get(k.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// How a looked-up value is inserted into a string: strings raw, anything else as JSON text.
pub fn to_insert_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A JSON object of `entries` in their order, the values moved in. (`json!` with a value
/// inside serialises that value into a copy: a deep clone of a whole task definition.)
pub fn object<const N: usize>(entries: [(&str, serde_json::Value); N]) -> serde_json::Value {
    serde_json::Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

/// `v` with every object's keys sorted, recursively (arrays keep their order): serde_json keeps
/// insertion order in this workspace, so deterministic output sorts explicitly. Sorted in place
/// (a map already in order is left alone; no map is rebuilt); the entries of a large map (an
/// estate's CloudFormation `Resources`) are sorted in parallel.
pub fn sort_keys(mut v: serde_json::Value) -> serde_json::Value {
    sort_in_place(&mut v);
    v
}

/// [`sort_keys`] of `v` where it is.
pub fn sort_in_place(v: &mut serde_json::Value) {
    use rayon::prelude::*;
    match v {
        serde_json::Value::Object(m) => {
            if !m.keys().is_sorted() {
                m.sort_keys();
            }
            if m.len() >= crate::yaml::PARALLEL_ENTRIES {
                let values: Vec<&mut serde_json::Value> = m.values_mut().collect();
                values.into_par_iter().for_each(sort_in_place);
            } else {
                m.values_mut().for_each(sort_in_place);
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(sort_in_place),
        _ => {}
    }
}

/// Whether every object in `v` has its keys in order already (what [`sort_keys`] leaves as it is).
pub fn keys_sorted(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Object(m) => m.keys().is_sorted() && m.values().all(keys_sorted),
        serde_json::Value::Array(a) => a.iter().all(keys_sorted),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_sorted_recursively_arrays_in_order() {
        let v = sort_keys(json!({"b": 1, "a": {"d": [{"z": 1, "y": 2}, 0], "c": 0}}));
        assert_eq!(
            v.to_string(),
            r#"{"a":{"c":0,"d":[{"y":2,"z":1},0]},"b":1}"#
        );
    }

    #[test]
    fn large_maps_sorted_in_parallel_and_still_found_by_key() {
        let n = crate::yaml::PARALLEL_ENTRIES * 2 + 1;
        let mut m = serde_json::Map::new();
        for i in (0..n).rev() {
            m.insert(format!("k{i:05}"), json!({"z": i, "a": [{"y": 1, "x": 2}]}));
        }
        let v = sort_keys(serde_json::Value::Object(m));
        let m = v.as_object().unwrap();
        let keys: Vec<&String> = m.keys().collect();
        assert!(keys.is_sorted() && keys.len() == n);
        assert!(keys_sorted(&v));
        assert!(!keys_sorted(&json!([{"a": {"c": 1, "b": 2}}])));
        for i in 0..n {
            let e = &m[&format!("k{i:05}")];
            assert_eq!(
                e.to_string(),
                format!(r#"{{"a":[{{"x":2,"y":1}}],"z":{i}}}"#)
            );
        }
    }

    #[test]
    fn lookup_and_insert() {
        let v = json!({"a": {"b": [10, {"c": "x"}]}, "port": 5432});
        let k = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(lookup(&v, &k(&["a", "b", "1", "c"])), Some(&json!("x")));
        assert_eq!(lookup(&v, &k(&["a", "z"])), None);
        assert_eq!(to_insert_text(&json!(5432)), "5432");
        assert_eq!(to_insert_text(&json!({"a": 1})), "{\"a\":1}");
        assert_eq!(to_insert_text(&json!("s")), "s");
    }
}
