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
}
