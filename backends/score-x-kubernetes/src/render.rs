//! Objects → a deterministic multi-document YAML stream (keys sorted, `---` separated).

use std::ops::Range;

use rayon::prelude::*;

/// The value with every map's keys sorted, recursively.
pub use score_x_core::value::sort_keys as sorted;

/// The documents joined, each starting with `---\n`, and the byte ranges of the documents that
/// are the target's secret store. Each document's place is known from the lengths: the texts
/// are copied into them in parallel, then freed beside the next stage.
pub fn yaml_stream(docs: Vec<crate::Doc>) -> (Vec<u8>, Vec<Range<usize>>) {
    const SEP: &[u8] = b"---\n";
    let total = docs.iter().map(|d| SEP.len() + d.text.len()).sum();
    let mut out = vec![0u8; total];
    let mut ranges = Vec::new();
    let mut places = Vec::with_capacity(docs.len());
    let mut rest: &mut [u8] = &mut out;
    let mut at = 0;
    for doc in &docs {
        let n = SEP.len() + doc.text.len();
        let (place, tail) = std::mem::take(&mut rest).split_at_mut(n);
        rest = tail;
        if doc.secret_store {
            ranges.push(at..at + n);
        }
        at += n;
        places.push((place, doc.text.as_bytes()));
    }
    places.into_par_iter().for_each(|(place, text)| {
        let (sep, body) = place.split_at_mut(SEP.len());
        sep.copy_from_slice(SEP);
        body.copy_from_slice(text);
    });
    rayon::spawn(move || drop(docs));
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
