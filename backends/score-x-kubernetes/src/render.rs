//! Objects → a deterministic multi-document YAML stream (keys sorted, `---` separated).

use std::ops::Range;

/// The value with every map's keys sorted, recursively.
pub use score_x_core::value::sort_keys as sorted;

/// Append `doc` to `stream` as a document starting with `---\n`; a document that is the
/// target's secret store has its byte range added to `secrets`.
pub fn push_doc(stream: &mut Vec<u8>, secrets: &mut Vec<Range<usize>>, doc: &crate::Doc) {
    const SEP: &[u8] = b"---\n";
    let at = stream.len();
    stream.extend_from_slice(SEP);
    stream.extend_from_slice(doc.text.as_bytes());
    if doc.secret_store {
        secrets.push(at..stream.len());
    }
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
        let (mut s, mut ranges) = (Vec::new(), Vec::new());
        push_doc(&mut s, &mut ranges, &e);
        push_doc(&mut s, &mut ranges, &secret);
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
