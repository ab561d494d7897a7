//! Which files and documents an operation reaches, and the workload a document belongs to.

use serde_json::Value;

use super::ObjectSelector;

/// The annotation every generated Kubernetes workload object carries (as score-k8s writes it).
pub const WORKLOAD_ANNOTATION: &str = "k8s.score.dev/workload-name";

/// True when `doc` has the selector's `kind` and `metadata.name`.
pub fn object_matches(sel: &ObjectSelector, doc: &Value) -> bool {
    let kind = doc.get("kind").and_then(Value::as_str);
    let name = doc.pointer("/metadata/name").and_then(Value::as_str);
    sel.kind.as_deref().is_none_or(|k| kind == Some(k))
        && sel.name.as_deref().is_none_or(|n| name == Some(n))
}

/// `Deployment/api` for a Kubernetes-like document, else `None`.
pub fn object_label(doc: &Value) -> Option<String> {
    let kind = doc.get("kind").and_then(Value::as_str)?;
    let name = doc
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("?");
    Some(format!("{kind}/{name}"))
}

/// The workload of a document: its workload annotation or `app.kubernetes.io/name` label,
/// else the deepest segment of `file` (without extensions) that names a workload
/// (`api/service.json`, `api.nomad.hcl`, `estate/charts/api/values.yaml`).
pub fn workload_of<'a>(doc: &'a Value, file: &'a str, workloads: &Value) -> Option<&'a str> {
    let known = |w: &str| workloads.get(w).is_some();
    let annotated = doc
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(WORKLOAD_ANNOTATION))
        .or_else(|| doc.pointer("/metadata/labels/app.kubernetes.io~1name"))
        .and_then(Value::as_str)
        .filter(|w| known(w));
    annotated.or_else(|| {
        file.rsplit('/')
            .filter_map(|seg| seg.split('.').next())
            .find(|s| known(s))
    })
}
