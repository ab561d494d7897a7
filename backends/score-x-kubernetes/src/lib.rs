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

use rayon::prelude::*;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use score_x_core::naming::is_score_name;
use score_x_core::plan::Plan;
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
    /// Each object's JSON value with sorted keys, in the same order.
    pub values: Vec<serde_json::Value>,
    pub warnings: Vec<Diagnostic>,
}

/// The Kubernetes backend, as registered in the CLI.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kubernetes;

impl score_x_core::driver::Backend for Kubernetes {
    const TARGET: score_x_core::Target = score_x_core::Target::KUBERNETES;
    type Options = Options;
    type Error = Error;
    fn check_options(opts: &Options) -> Result<(), Error> {
        check_options(opts)
    }
    fn capabilities(_: &Options) -> score_x_core::Capabilities {
        capabilities()
    }
    fn emit(app: &Resolved, plan: &Plan, opts: &Options) -> Result<Bundle, Error> {
        emit(app, plan, opts)
    }
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
/// two different ones are an error. Each object is converted to its sorted JSON value once.
pub fn build(app: &Resolved, plan: &Plan, opts: &Options) -> Result<Built, Error> {
    check_options(opts)?;
    let mut candidates = Vec::new();
    if opts.generate_namespace
        && let Some(ns) = &opts.namespace
    {
        candidates.push(namespace(ns));
    }
    // Graph order, then any resource the order lacks; each once (a set, not `Vec::contains`:
    // linear in the number of resources).
    let mut seen_uids = std::collections::BTreeSet::new();
    for uid in app.order().iter().chain(app.resources().keys()) {
        if !seen_uids.insert(uid) {
            continue;
        }
        if let Some(res) = app.resources().get(uid) {
            candidates.extend(artifacts::resource_objects(res, opts)?);
        }
    }
    // Each workload's objects on its own (in parallel), then in workload order: the output and
    // the first error are those of a sequential run.
    let workloads: Vec<_> = app.workloads().values().collect();
    let built: Vec<Result<(Vec<Object>, Vec<_>), Error>> = workloads
        .par_iter()
        .map(|w| {
            let wp = plan
                .workload(&w.name)
                .ok_or_else(|| Error::Unplanned(w.name.clone()))?;
            let mut warnings = Vec::new();
            let objects = workload::workload_objects(app, w, wp, opts, &mut warnings)?;
            Ok((objects, warnings))
        })
        .collect();
    let mut warnings = Vec::new();
    for b in built {
        let (objects, w) = b?;
        candidates.extend(objects);
        warnings.extend(w);
    }
    let (objects, values) = dedupe(app, candidates)?;
    Ok(Built {
        objects,
        values,
        warnings,
    })
}

fn namespace(ns: &str) -> Object {
    Object {
        origin: Origin::Namespace,
        body: Body::Namespace(Box::new(Namespace {
            metadata: ObjectMeta {
                name: Some(ns.to_string()),
                labels: Some(BTreeMap::from([(
                    "app.kubernetes.io/managed-by".to_string(),
                    names::MANAGED_BY.to_string(),
                )])),
                ..Default::default()
            },
            ..Default::default()
        })),
    }
}

fn origin_span(app: &Resolved, o: &Object) -> Option<Box<score_x_core::Span>> {
    match &o.origin {
        Origin::Resource(uid) => app.resources().get(uid).map(|r| Box::new(r.span.clone())),
        Origin::Workload(w) => app.workloads().get(w).map(|w| Box::new(w.span.clone())),
        Origin::Namespace => None,
    }
}

/// Keep one of each identical object; two different objects with one identity are an error.
fn dedupe(
    app: &Resolved,
    candidates: Vec<Object>,
) -> Result<(Vec<Object>, Vec<serde_json::Value>), Error> {
    let mut seen: BTreeMap<ObjectKey, usize> = BTreeMap::new();
    let mut objects: Vec<Object> = Vec::new();
    let mut values = Vec::new();
    // Converted in parallel, compared in order.
    let converted: Vec<Result<serde_json::Value, Error>> = candidates
        .par_iter()
        .map(|o| o.to_value().map(render::sorted))
        .collect();
    for (o, value) in candidates.into_iter().zip(converted) {
        let key = o.key();
        let value = value?;
        if let Some(&i) = seen.get(&key) {
            if values[i] == value {
                continue;
            }
            return Err(Error::ConflictingObject {
                key: key.to_string(),
                first: objects[i].describe_origin(),
                second: o.describe_origin(),
                span: origin_span(app, &o),
            });
        }
        seen.insert(key, objects.len());
        objects.push(o);
        values.push(value);
    }
    Ok((objects, values))
}

/// True for the objects that are the target's secret store (Secrets, typed or raw).
fn is_secret_store(o: &Object) -> bool {
    matches!(o.body, Body::Secret(_))
        || (matches!(o.body, Body::Raw(_)) && o.key().kind == "Secret")
}

/// The typed objects, in output order (for the helm backend).
pub fn objects(app: &Resolved, plan: &Plan, opts: &Options) -> Result<Vec<Object>, Error> {
    build(app, plan, opts).map(|b| b.objects)
}

/// Translate `app` into a bundle with one file, `manifests.yaml`: a `---` separated YAML stream
/// with sorted keys, whose Secret documents are marked as the target's secret store. Pure and
/// deterministic.
pub fn emit(app: &Resolved, plan: &Plan, opts: &Options) -> Result<Bundle, Error> {
    let built = build(app, plan, opts)?;
    let stores: Vec<bool> = built.objects.iter().map(is_secret_store).collect();
    let (stream, secret_ranges) = render::yaml_stream(&built.values, &stores);
    let mut bundle = Bundle {
        warnings: built.warnings,
        ..Default::default()
    };
    bundle.add(MANIFESTS, stream);
    bundle.mark_secret_store(MANIFESTS, secret_ranges);
    Ok(bundle)
}
