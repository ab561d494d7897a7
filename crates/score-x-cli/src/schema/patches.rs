//! The schema of a patch file (`score_x_core::patch`): a YAML list of operations applied to the
//! generated files after emit (docs/patches.md).

use serde_json::{Value, json};

use score_x_core::Target;
use score_x_core::patch::{OBJECT_KEYS, OPERATION_KEYS, OpKind};

use super::{closed, one_of, string};

fn operation() -> Value {
    let targets: Vec<&str> = Target::ALL.iter().map(|t| t.as_str()).collect();
    let mut op = closed(
        &OPERATION_KEYS,
        vec![
            (
                "target",
                one_of("Only for this target (default: every target).", &targets),
            ),
            (
                "file",
                json!({ "description": "Only files whose path in the output matches this glob (`*` within a segment, `**` across).", "type": "string" }),
            ),
            ("object", {
                let mut sel = closed(
                    &OBJECT_KEYS,
                    vec![
                        ("kind", string("The document's `kind`.")),
                        ("name", string("The document's `metadata.name`.")),
                    ],
                    &[],
                );
                if let Value::Object(m) = &mut sel {
                    m.insert(
                        "description".into(),
                        json!("Only YAML/JSON documents of this kind and/or name."),
                    );
                    m.insert("minProperties".into(), json!(1));
                }
                sel
            }),
            (
                "op",
                one_of(
                    "set: write the value; delete: remove it; merge: JSON merge patch into a map; add-document: append a document to `file`.",
                    &OpKind::NAMES,
                ),
            ),
            (
                "path",
                json!({ "description": "An RFC 6901 JSON Pointer, e.g. /spec/replicas (`/-` appends to a list).", "type": "string", "pattern": "^(/([^~]|~[01])*)*$" }),
            ),
            (
                "value",
                json!({ "description": "The value; its strings are handlebars templates (workload, metadata, annotations, options)." }),
            ),
            ("description", string("What the operation is for.")),
        ],
        &["op"],
    );
    if let Value::Object(m) = &mut op {
        m.insert("allOf".into(), json!([
            { "if": { "properties": { "op": { "const": "delete" } } }, "then": { "required": ["path"], "not": { "required": ["value"] }, "properties": { "path": { "not": { "const": "" } } } } },
            { "if": { "properties": { "op": { "enum": ["set", "merge"] } } }, "then": { "required": ["path", "value"] } },
            { "if": { "properties": { "op": { "enum": ["merge", "add-document"] } } }, "then": { "required": ["value"], "properties": { "value": { "type": "object" } } } },
            { "if": { "properties": { "op": { "const": "add-document" } }, "required": ["file"] }, "then": { "properties": { "file": { "pattern": r"^[^*?\[{]*$" } } } }
        ]));
    }
    op
}

pub fn schema() -> (&'static str, &'static str, Value) {
    let body = json!({
        "type": "array",
        "items": operation()
    });
    (
        "score-x patch file",
        "A YAML list of operations on the generated files (`score-x translate --patch FILE`, or .score-x/patches/). See docs/patches.md.",
        body,
    )
}
