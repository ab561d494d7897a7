//! JSON Schemas (draft 2020-12) of the files score-x reads, for editors: built from the key
//! tables and types the decoders themselves use, so a key the decoder accepts is always in the
//! schema (`tests.rs` checks every table against the schema it produced).
//!
//! A schema describes what score-x accepts without an error: forms accepted with a warning
//! (deprecated spellings, numbers where text is wanted) are valid and marked `deprecated`.

mod annotations;
mod options;
mod patches;
mod placement;
mod provisioners;
mod score;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value, json};

use score_x_core::Target;

/// The file kinds `score-x schema` describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A Score workload (score.dev/v1b1) with the annotations score-x reads.
    Score,
    /// A provisioner file (template:// and cmd:// provisioners).
    Provisioners,
    /// A placement file (`kind: Placement`).
    Placement,
    /// A patch file (a list of operations).
    Patches,
    /// The `--target-options` file of one target.
    TargetOptions(Target),
}

impl Kind {
    /// The schema's file name (`$id` is `https://score-x.dev/schemas/<name>.json`).
    pub fn name(self) -> String {
        match self {
            Kind::Score => "score".into(),
            Kind::Provisioners => "provisioners".into(),
            Kind::Placement => "placement".into(),
            Kind::Patches => "patches".into(),
            Kind::TargetOptions(t) => format!("target-options-{t}"),
        }
    }
}

/// Where the schemas are published (`$id` prefix).
pub const BASE_URL: &str = "https://score-x.dev/schemas/";

/// The schema of `kind`; `Err` when this build has no such target.
pub fn schema(kind: Kind) -> Result<Value, String> {
    let (title, description, body) = match kind {
        Kind::Score => score::schema(),
        Kind::Provisioners => provisioners::schema(),
        Kind::Placement => placement::schema(),
        Kind::Patches => patches::schema(),
        Kind::TargetOptions(t) => options::schema(t)?,
    };
    let mut out = Map::new();
    out.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    out.insert(
        "$id".into(),
        json!(format!("{BASE_URL}{}.json", kind.name())),
    );
    out.insert("title".into(), json!(title));
    out.insert("description".into(), json!(description));
    if let Value::Object(m) = body {
        out.extend(m);
    }
    Ok(Value::Object(out))
}

/// A map that accepts exactly `keys` (the decoder's table, in its order), each with the schema
/// `props` gives it. A key of `keys` missing from `props` is accepted untyped, and a key of
/// `props` missing from `keys` is kept: the table check in `tests.rs` fails on either.
fn closed(keys: &[&str], props: Vec<(&str, Value)>, required: &[&str]) -> Value {
    let mut properties = Map::new();
    for k in keys {
        let p = props.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        properties.insert((*k).to_string(), p.unwrap_or_else(|| json!({})));
    }
    for (k, v) in props {
        if !keys.contains(&k) {
            properties.insert(k.to_string(), v);
        }
    }
    let mut out = Map::new();
    out.insert("type".into(), json!("object"));
    if !required.is_empty() {
        out.insert("required".into(), json!(required));
    }
    out.insert("properties".into(), Value::Object(properties));
    out.insert("additionalProperties".into(), json!(false));
    Value::Object(out)
}

/// `schema` with a description (and a title) added in front.
fn described(description: &str, schema: Value) -> Value {
    let mut out = Map::new();
    out.insert("description".into(), json!(description));
    if let Value::Object(m) = schema {
        out.extend(m);
    }
    Value::Object(out)
}

/// `"$ref": "#/$defs/NAME"` with a description.
fn reference(name: &str, description: &str) -> Value {
    json!({ "description": description, "$ref": format!("#/$defs/{name}") })
}

/// A string with a description.
fn string(description: &str) -> Value {
    json!({ "description": description, "type": "string" })
}

/// A boolean with a description.
fn boolean(description: &str) -> Value {
    json!({ "description": description, "type": "boolean" })
}

/// One of `values`, with a description.
fn one_of(description: &str, values: &[&str]) -> Value {
    json!({ "description": description, "type": "string", "enum": values })
}

/// The target names of this build (and the alias `k8s` where `alias`).
fn target_names(alias: bool) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = crate::registry::backends()
        .iter()
        .map(|b| b.target().as_str())
        .collect();
    if alias {
        names.push("k8s");
    }
    names
}
