//! Objects → a deterministic multi-document YAML stream (keys sorted, `---` separated).

use std::ops::Range;

/// The value with every map's keys sorted, recursively.
pub use score_x_core::value::sort_keys as sorted;

/// One YAML document per (sorted) object value, each starting with `---\n`, and the byte ranges
/// of the documents flagged in `secret_store`.
pub fn yaml_stream(
    values: &[serde_json::Value],
    secret_store: &[bool],
) -> (String, Vec<Range<usize>>) {
    use rayon::prelude::*;
    // Each document rendered on its own (in parallel), joined in order.
    let docs: Vec<String> = values.par_iter().map(crate::yaml::to_yaml).collect();
    let mut out = String::with_capacity(docs.iter().map(|d| d.len() + 4).sum());
    let mut ranges = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        let start = out.len();
        out.push_str("---\n");
        out.push_str(doc);
        if secret_store.get(i).copied().unwrap_or(false) {
            ranges.push(start..out.len());
        }
    }
    (out, ranges)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::{Body, Object, Origin};
    use serde_json::json;

    #[test]
    fn keys_sorted_and_documents_separated() {
        let a = Object {
            origin: Origin::Namespace,
            body: Body::Raw(
                json!({"kind": "X", "apiVersion": "v1", "metadata": {"name": "a", "labels": {"z": "1", "a": "2"}}}),
            ),
        };
        let v = sorted(a.to_value().unwrap());
        let (s, ranges) = yaml_stream(&[v.clone(), v], &[false, true]);
        assert_eq!(ranges.len(), 1);
        assert_eq!((ranges[0].start, ranges[0].end), (s.len() / 2, s.len()));
        assert_eq!(s.matches("---\n").count(), 2);
        let first = s.split("---\n").nth(1).unwrap();
        assert_eq!(
            first,
            "apiVersion: v1\nkind: X\nmetadata:\n  labels:\n    a: '2'\n    z: '1'\n  name: a\n"
        );
    }
}
