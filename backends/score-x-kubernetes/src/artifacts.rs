//! Objects rendered by the provisioners (`ProvisionedResource.artifacts`): checked, given the
//! target namespace when namespaced and unnamespaced.

use score_x_core::resolved::ProvisionedResource;

use crate::error::Error;
use crate::object::{Body, Object, ObjectKey, Origin, is_cluster_scoped};
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

/// The identities of the objects [`resource_objects`] makes of `res`, read from the section's
/// text without building its objects (the fields around them are skipped); a section
/// `resource_objects` would refuse, or any unusual one, is built to tell.
pub fn resource_keys(res: &ProvisionedResource, opts: &Options) -> Result<Vec<ObjectKey>, Error> {
    #[derive(serde::Deserialize)]
    struct Item {
        #[serde(rename = "apiVersion")]
        api_version: String,
        kind: String,
        metadata: Meta,
    }
    #[derive(serde::Deserialize)]
    struct Meta {
        name: String,
        #[serde(default)]
        namespace: Field,
    }
    /// A field that may be absent, or present with any value (`null` included).
    #[derive(Default)]
    enum Field {
        #[default]
        Absent,
        Present(serde_json::Value),
    }
    impl<'de> serde::Deserialize<'de> for Field {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            serde_json::Value::deserialize(d).map(Field::Present)
        }
    }
    let read: Result<Option<Vec<Item>>, _> = serde_json::from_str(res.artifacts.text());
    let plain = |items: &[Item]| {
        items
            .iter()
            .all(|i| !i.api_version.is_empty() && !i.kind.is_empty() && !i.metadata.name.is_empty())
    };
    let items = match read {
        Ok(Some(items)) if plain(&items) => items,
        Ok(None) => return Ok(Vec::new()),
        _ => {
            return Ok(resource_objects(res, opts)?
                .iter()
                .map(Object::key)
                .collect());
        }
    };
    Ok(items
        .into_iter()
        .map(|i| {
            let namespace = match i.metadata.namespace {
                Field::Absent if !is_cluster_scoped(&i.api_version, &i.kind) => {
                    opts.namespace.clone().unwrap_or_default()
                }
                Field::Present(serde_json::Value::String(ns)) => ns,
                _ => String::new(),
            };
            ObjectKey {
                api_version: i.api_version,
                kind: i.kind,
                namespace,
                name: i.metadata.name,
            }
        })
        .collect())
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
