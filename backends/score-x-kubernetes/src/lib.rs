//! score-x Kubernetes backend: the resolved model → typed k8s-openapi objects (API v1.35) →
//! one deterministic multi-document `manifests.yaml`.
//!
//! - [`options`]: target options (`--target-options FILE`).
//! - [`object`]: the objects produced (typed, or a provisioner's raw JSON), reused by helm.
//! - [`workload`], [`pod`], [`env`], [`files`], [`volumes`], [`probes`]: the mapping rules.
//! - [`artifacts`]: provisioner objects; [`render`]: sorted-key YAML stream written by
//!   [`yaml`], an emitter whose output YAML 1.1 readers (kubectl) read back unchanged.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod artifacts;
pub mod capabilities;
pub mod env;
pub mod error;
pub mod files;
pub mod names;
pub mod object;
pub mod options;
pub mod pod;
pub mod probes;
pub mod render;
pub mod volumes;
pub mod workload;
pub mod yaml;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use score_x_core::naming::is_score_name;
use score_x_core::{Bundle, Diagnostic, Resolved};

pub use capabilities::capabilities;
pub use error::Error;
pub use object::{Body, Object, ObjectKey, Origin};
pub use options::{ImagePullPolicy, Options, RouteKind};

/// The file of the bundle holding the manifest stream.
pub const MANIFESTS: &str = "manifests.yaml";

/// Objects in output order, and the warnings raised while building them.
#[derive(Debug, Clone, Default)]
pub struct Built {
    pub objects: Vec<Object>,
    pub warnings: Vec<Diagnostic>,
}

fn check_options(opts: &Options) -> Result<(), Error> {
    if let Some(ns) = &opts.namespace
        && !(is_score_name(ns) || (ns.len() == 1 && ns.bytes().all(|c| c.is_ascii_lowercase())))
    {
        return Err(Error::InvalidOption(format!(
            "namespace `{ns}` is not a DNS label (lowercase letters, digits and `-`, at most 63 characters)"
        )));
    }
    if opts.generate_namespace && opts.namespace.is_none() {
        return Err(Error::InvalidOption(
            "`generateNamespace: true` needs `namespace`".to_string(),
        ));
    }
    Ok(())
}

/// Build every object, in output order: the Namespace (when asked), provisioner objects in
/// resource order, then per workload (by name) its ConfigMap, Secret, Service(s) and workload
/// object. Objects with the same apiVersion/kind/namespace/name are kept once when identical;
/// two different ones are an error.
pub fn build(app: &Resolved, opts: &Options) -> Result<Built, Error> {
    check_options(opts)?;
    let mut candidates = Vec::new();
    if opts.generate_namespace
        && let Some(ns) = &opts.namespace
    {
        candidates.push(Object {
            origin: Origin::Namespace,
            body: Body::Namespace(Box::new(Namespace {
                metadata: ObjectMeta {
                    name: Some(ns.clone()),
                    labels: Some(BTreeMap::from([(
                        "app.kubernetes.io/managed-by".to_string(),
                        names::MANAGED_BY.to_string(),
                    )])),
                    ..Default::default()
                },
                ..Default::default()
            })),
        });
    }
    let mut order: Vec<_> = app.order.iter().collect();
    order.extend(app.resources.keys().filter(|u| !app.order.contains(u)));
    let mut seen_uids = std::collections::BTreeSet::new();
    for uid in order {
        if !seen_uids.insert(uid) {
            continue;
        }
        if let Some(res) = app.resources.get(uid) {
            candidates.extend(artifacts::resource_objects(res, opts)?);
        }
    }
    let mut warnings = Vec::new();
    for w in app.workloads.values() {
        candidates.extend(workload::workload_objects(app, w, opts, &mut warnings)?);
    }

    let mut seen: BTreeMap<ObjectKey, (serde_json::Value, String)> = BTreeMap::new();
    let mut objects = Vec::new();
    for o in candidates {
        let key = o.key();
        let value = render::sorted(o.to_value()?);
        if let Some((first, origin)) = seen.get(&key) {
            if *first == value {
                continue;
            }
            let span = match &o.origin {
                Origin::Resource(uid) => app.resources.get(uid).map(|r| Box::new(r.span.clone())),
                Origin::Workload(w) => app.workloads.get(w).map(|w| Box::new(w.span.clone())),
                Origin::Namespace => None,
            };
            return Err(Error::ConflictingObject {
                key: key.to_string(),
                first: origin.clone(),
                second: o.describe_origin(),
                span,
            });
        }
        seen.insert(key, (value, o.describe_origin()));
        objects.push(o);
    }
    check_no_secret_leak(app, &objects)?;
    Ok(Built { objects, warnings })
}

/// Secret values shorter than this are not searched for (too likely to match by chance).
const LEAK_CHECK_MIN_LEN: usize = 8;

/// Every secret value score-x knows must appear only in `Secret` objects.
fn check_no_secret_leak(app: &Resolved, objects: &[Object]) -> Result<(), Error> {
    use score_x_core::resolved::{Output, ResolvedContent, SecretRef};
    let mut secrets: BTreeMap<String, String> = BTreeMap::new();
    let mut add = |r: &SecretRef| {
        if let Some(v) = &r.value
            && v.expose().len() >= LEAK_CHECK_MIN_LEN
        {
            secrets
                .entry(v.expose().to_string())
                .or_insert_with(|| r.name.clone());
        }
    };
    for r in app.resources.values() {
        for o in r.outputs.values() {
            if let Output::Secret(s) = o {
                add(s);
            }
        }
    }
    for w in app.workloads.values() {
        for c in w.containers.values() {
            c.variables
                .values()
                .flat_map(|v| v.value.secrets())
                .for_each(&mut add);
            for f in c.files.values() {
                if let ResolvedContent::Text(v) = &f.content {
                    v.secrets().for_each(&mut add);
                }
            }
        }
    }
    if secrets.is_empty() {
        return Ok(());
    }
    for o in objects {
        if matches!(o.body, Body::Secret(_))
            || (matches!(o.body, Body::Raw(_)) && o.key().kind == "Secret")
        {
            continue;
        }
        let text = o.to_value()?.to_string();
        if let Some(name) = secrets
            .iter()
            .find(|(value, _)| text.contains(value.as_str()))
            .map(|(_, n)| n)
        {
            let span = match &o.origin {
                Origin::Resource(uid) => app.resources.get(uid).map(|r| Box::new(r.span.clone())),
                Origin::Workload(w) => app.workloads.get(w).map(|w| Box::new(w.span.clone())),
                Origin::Namespace => None,
            };
            return Err(Error::SecretLeak {
                key: o.key().to_string(),
                origin: o.describe_origin(),
                secret: name.clone(),
                span,
            });
        }
    }
    Ok(())
}

/// The typed objects, in output order (for the helm backend).
pub fn objects(app: &Resolved, opts: &Options) -> Result<Vec<Object>, Error> {
    build(app, opts).map(|b| b.objects)
}

/// Translate `app` into a bundle with one file, `manifests.yaml`: a `---` separated YAML stream
/// with sorted keys. Pure and deterministic.
pub fn emit(app: &Resolved, opts: &Options) -> Result<Bundle, Error> {
    let built = build(app, opts)?;
    let stream = render::yaml_stream(&built.objects)?;
    let mut bundle = Bundle {
        warnings: built.warnings,
        ..Default::default()
    };
    bundle.add(MANIFESTS, stream);
    Ok(bundle)
}
