//! Deterministic serialisation: object keys sorted, 2-space indent, trailing newline.

use serde::Serialize;
use serde_json::Value;

use crate::error::Error;

pub use score_x_core::value::sort_keys;

pub fn to_value<T: Serialize>(what: &str, t: &T) -> Result<Value, Error> {
    serde_json::to_value(t).map_err(|e| Error::Serialize {
        what: what.into(),
        reason: e.to_string(),
    })
}

/// Pretty JSON with sorted keys and a trailing newline.
pub fn pretty<T: Serialize>(what: &str, t: &T) -> Result<Vec<u8>, Error> {
    let v = sort_keys(to_value(what, t)?);
    let mut s = serde_json::to_string_pretty(&v).map_err(|e| Error::Serialize {
        what: what.into(),
        reason: e.to_string(),
    })?;
    s.push('\n');
    Ok(s.into_bytes())
}

/// `{"NAME": [items…], …}` written as [`pretty`] writes it, a field at a time (in sorted key
/// order) and each item converted and written on its own: a large file's values are never all
/// held as one tree. (A JSON string holds no line break, so an item's own pretty text is
/// nested by indenting each of its lines.)
#[derive(Default)]
pub struct PrettyArrays {
    out: String,
}

impl PrettyArrays {
    /// Add field `name` holding `items` (`what` names the file in errors).
    pub fn field<T: Serialize>(
        &mut self,
        what: &str,
        name: &str,
        items: &[T],
    ) -> Result<(), Error> {
        let fail = |e: serde_json::Error| Error::Serialize {
            what: what.into(),
            reason: e.to_string(),
        };
        self.out.push_str(if self.out.is_empty() {
            "{\n  "
        } else {
            ",\n  "
        });
        self.out
            .push_str(&serde_json::to_string(name).map_err(fail)?);
        if items.is_empty() {
            self.out.push_str(": []");
            return Ok(());
        }
        self.out.push_str(": [");
        for (i, item) in items.iter().enumerate() {
            self.out.push_str(if i == 0 { "\n    " } else { ",\n    " });
            let text =
                serde_json::to_string_pretty(&sort_keys(to_value(what, item)?)).map_err(fail)?;
            self.out.push_str(&text.replace('\n', "\n    "));
        }
        self.out.push_str("\n  ]");
        Ok(())
    }

    /// The file, with its trailing newline.
    pub fn finish(mut self) -> Vec<u8> {
        self.out
            .push_str(if self.out.is_empty() { "{}\n" } else { "\n}\n" });
        self.out.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorted_and_newline() {
        let out = pretty(
            "x",
            &json!({"b": 1, "a": {"d": [ {"z": 1, "y": 2} ], "c": 0}}),
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\n  \"a\": {\n    \"c\": 0,\n    \"d\": [\n      {\n        \"y\": 2,\n        \"z\": 1\n      }\n    ]\n  },\n  \"b\": 1\n}\n"
        );
    }

    #[test]
    fn arrays_written_item_by_item_are_the_whole_value_written() {
        let entries = vec![
            json!({"name": "b", "keys": ["x", "y"], "store": "ssm", "nested": {"z": [], "a": {}}}),
            json!({"recipe": "a\nb \"q\"", "name": "a", "usedBy": ["w1"]}),
        ];
        let records = vec![json!({"name": "r", "resources": ["u"]})];
        let none: Vec<Value> = Vec::new();
        for (r, e) in [
            (&records, &entries),
            (&none, &entries),
            (&records, &none),
            (&none, &none),
        ] {
            let whole = pretty("f", &json!({"secrets": e, "dnsRecords": r})).unwrap();
            let mut parts = PrettyArrays::default();
            parts.field("f", "dnsRecords", r).unwrap();
            parts.field("f", "secrets", e).unwrap();
            let parts = parts.finish();
            assert_eq!(
                String::from_utf8(parts).unwrap(),
                String::from_utf8(whole).unwrap()
            );
        }
        assert_eq!(
            PrettyArrays::default().finish(),
            pretty("f", &json!({})).unwrap()
        );
    }
}
