//! Objects → a deterministic multi-document YAML stream (keys sorted, `---` separated).

use crate::error::Error;
use crate::object::Object;

/// The value with every map's keys sorted, recursively.
pub use score_x_core::value::sort_keys as sorted;

/// One YAML document per object, each starting with `---\n`.
pub fn yaml_stream(objects: &[Object]) -> Result<String, Error> {
    let mut out = String::new();
    for o in objects {
        let v = sorted(o.to_value()?);
        let doc = crate::yaml::to_yaml(&v);
        out.push_str("---\n");
        out.push_str(&doc);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::{Body, Origin};
    use serde_json::json;

    #[test]
    fn keys_sorted_and_documents_separated() {
        let a = Object {
            origin: Origin::Namespace,
            body: Body::Raw(
                json!({"kind": "X", "apiVersion": "v1", "metadata": {"name": "a", "labels": {"z": "1", "a": "2"}}}),
            ),
        };
        let s = yaml_stream(&[a.clone(), a]).unwrap();
        assert_eq!(s.matches("---\n").count(), 2);
        let first = s.split("---\n").nth(1).unwrap();
        assert_eq!(
            first,
            "apiVersion: v1\nkind: X\nmetadata:\n  labels:\n    a: '2'\n    z: '1'\n  name: a\n"
        );
    }
}
