//! Objects rendered by the provisioners (`ProvisionedResource.artifacts`): checked, given the
//! target namespace when namespaced and unnamespaced.

use score_x_core::resolved::ProvisionedResource;

use crate::error::Error;
use crate::object::{Body, Object, Origin, is_cluster_scoped};
use crate::options::Options;

/// The objects of one provisioned resource, in the order the provisioner wrote them.
pub fn resource_objects(res: &ProvisionedResource, opts: &Options) -> Result<Vec<Object>, Error> {
    let bad = |reason: String| Error::BadArtifact {
        uid: res.uid.to_string(),
        reason,
        span: Box::new(res.span.clone()),
    };
    let list = match res.artifacts.value() {
        serde_json::Value::Null => return Ok(Vec::new()),
        serde_json::Value::Array(a) => a,
        other => {
            return Err(bad(format!(
                "expected a list of objects, found {}",
                kind_of_json(&other)
            )));
        }
    };
    let mut out = Vec::new();
    for (i, mut obj) in list.into_iter().enumerate() {
        let serde_json::Value::Object(map) = &mut obj else {
            return Err(bad(format!(
                "item {i} is {}, not an object",
                kind_of_json(&obj)
            )));
        };
        let field =
            |m: &serde_json::Map<String, serde_json::Value>, k: &str| -> Result<String, Error> {
                match m.get(k) {
                    Some(serde_json::Value::String(s)) if !s.is_empty() => Ok(s.clone()),
                    _ => Err(bad(format!("item {i} has no string `{k}`"))),
                }
            };
        let api_version = field(map, "apiVersion")?;
        let kind = field(map, "kind")?;
        let Some(serde_json::Value::Object(meta)) = map.get_mut("metadata") else {
            return Err(bad(format!(
                "item {i} ({api_version} {kind}) has no `metadata` map"
            )));
        };
        field(meta, "name").map_err(|_| {
            bad(format!(
                "item {i} ({api_version} {kind}) has no string `metadata.name`"
            ))
        })?;
        if let Some(ns) = &opts.namespace
            && !is_cluster_scoped(&api_version, &kind)
            && !meta.contains_key("namespace")
        {
            meta.insert("namespace".into(), serde_json::Value::String(ns.clone()));
        }
        out.push(Object {
            origin: Origin::Resource(res.uid.clone()),
            body: Body::Raw(obj),
        });
    }
    Ok(out)
}

fn kind_of_json(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "a map",
    }
}
