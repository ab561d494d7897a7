//! A provisioner's rendered section for the chosen target, kept as compact JSON text.
//!
//! Provisioned sections are the largest part of a resolved estate. As a `serde_json::Value`
//! tree (72 bytes a value, plus an index per map) they cost four to seven times their text;
//! kept as text, a backend parses each one once, on the thread that maps it, and owns the tree.

use serde::Serialize;
use serde_json::Value;

/// A rendered section (Kubernetes: a list of objects; ECS, Nomad: a map), or none.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Artifacts(Option<Box<str>>);

impl Artifacts {
    /// No section (`null`).
    pub const NONE: Artifacts = Artifacts(None);

    /// The section `v`; `null` is [`Artifacts::NONE`].
    pub fn from_value(v: &Value) -> Self {
        match v {
            Value::Null => Self::NONE,
            // A tree of JSON values always serialises (its keys are strings).
            v => Self(Some(v.to_string().into_boxed_str())),
        }
    }

    /// Whether there is no section.
    pub fn is_none(&self) -> bool {
        self.0.is_none()
    }

    /// The section as a tree of its own (`null` when none).
    pub fn value(&self) -> Value {
        use serde::Deserialize;
        let Some(text) = &self.0 else {
            return Value::Null;
        };
        // Without serde_json's limit of 128 levels: a section may nest deeper (a skeleton's
        // slot holds a flow collection parsed on its own), and its depth is already bounded by
        // the parsers that built it. The text was written by `from_value`, so it parses.
        let mut de = serde_json::Deserializer::from_str(text);
        de.disable_recursion_limit();
        Value::deserialize(&mut de).unwrap_or(Value::Null)
    }

    /// The compact JSON text (`null` when none).
    pub fn text(&self) -> &str {
        self.0.as_deref().unwrap_or("null")
    }
}

impl From<Value> for Artifacts {
    fn from(v: Value) -> Self {
        Self::from_value(&v)
    }
}

impl std::fmt::Debug for Artifacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text())
    }
}

impl Serialize for Artifacts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value().serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_section_comes_back_as_it_went_in_with_its_key_order() {
        let v = json!([{"kind": "Secret", "apiVersion": "v1", "data": {"b": 1, "a": 2.5}}]);
        let a = Artifacts::from_value(&v);
        assert_eq!(a.value(), v);
        assert_eq!(
            a.text(),
            r#"[{"kind":"Secret","apiVersion":"v1","data":{"b":1,"a":2.5}}]"#
        );
    }

    #[test]
    fn a_section_deeper_than_serde_json_s_parse_limit_comes_back_whole() {
        let mut v = json!("leaf");
        for i in 0..300 {
            v = if i % 2 == 0 {
                json!([v])
            } else {
                json!({"k": v})
            };
        }
        assert_eq!(Artifacts::from_value(&v).value(), v);
    }

    #[test]
    fn null_is_no_section() {
        let a = Artifacts::from_value(&Value::Null);
        assert!(a.is_none());
        assert_eq!(a, Artifacts::NONE);
        assert_eq!(a.value(), Value::Null);
        assert!(!Artifacts::from_value(&json!([])).is_none());
    }
}
