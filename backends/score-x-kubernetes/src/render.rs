//! Objects → a deterministic multi-document YAML stream (keys sorted, `---` separated).

use std::ops::Range;

/// The value with every map's keys sorted, recursively.
pub use score_x_core::value::sort_keys as sorted;

/// The documents joined, each starting with `---\n`, and the byte ranges of the documents that
/// are the target's secret store.
pub fn yaml_stream(docs: Vec<crate::Doc>) -> (Vec<u8>, Vec<Range<usize>>) {
    const SEP: &[u8] = b"---\n";
    let total = docs.iter().map(|d| SEP.len() + d.text.len()).sum();
    let mut out = Vec::with_capacity(total);
    let mut ranges = Vec::new();
    // Each document is freed as it is copied: the texts and the stream are not both whole.
    for doc in docs {
        let at = out.len();
        out.extend_from_slice(SEP);
        out.extend_from_slice(doc.text.as_bytes());
        if doc.secret_store {
            ranges.push(at..out.len());
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
        let e = crate::Doc::of(a).unwrap();
        let secret = crate::Doc {
            secret_store: true,
            ..e.clone()
        };
        let (s, ranges) = yaml_stream(vec![e, secret]);
        let s = String::from_utf8(s).unwrap();
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
