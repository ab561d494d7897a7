//! The data patch values are rendered with: the estate's workloads (name, metadata,
//! annotations), the target and its options, and the document being patched.

use serde_json::{Value, json};

use crate::resolved::Resolved;

/// `{name: {name, metadata, annotations}}` for every workload of `app`.
pub fn workloads_data(app: &Resolved) -> Value {
    let mut out = serde_json::Map::new();
    for (name, w) in app.workloads() {
        out.insert(
            name.clone(),
            json!({"name": name, "metadata": w.metadata, "annotations": w.annotations}),
        );
    }
    Value::Object(out)
}

/// What one document's values are rendered with.
pub(super) fn render_data(
    ctx: &super::Context<'_>,
    file: &str,
    doc: &Value,
    workload: Option<&str>,
) -> Value {
    let w = workload
        .and_then(|w| ctx.workloads.get(w))
        .cloned()
        .unwrap_or(Value::Null);
    json!({
        "target": ctx.target.as_str(),
        "options": ctx.options,
        "workloads": ctx.workloads,
        "workload": w,
        "file": file,
        "object": {
            "kind": doc.get("kind").cloned().unwrap_or(Value::Null),
            "name": doc.pointer("/metadata/name").cloned().unwrap_or(Value::Null),
        },
    })
}
