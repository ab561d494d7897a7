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
pub mod stream;
pub mod volumes;
pub mod workload;
pub mod yaml;

#[cfg(test)]
mod stream_tests;
#[cfg(test)]
mod tests;

use rayon::prelude::*;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use score_x_core::naming::is_score_name;
use score_x_core::plan::Plan;
use score_x_core::resolved::{ProvisionedResource, ResolvedWorkload};
use score_x_core::{Bundle, Diagnostic, Resolved, ResourceUid};

pub use capabilities::capabilities;
pub use error::Error;
pub use object::{Body, Object, ObjectKey, Origin};
pub use options::{ImagePullPolicy, Options, RouteKind};

/// The file of the bundle holding the manifest stream.
pub const MANIFESTS: &str = "manifests.yaml";

/// One object of the output as its sorted JSON value, with what the backends need of it (the
/// typed object is dropped once converted, so the whole estate is never held twice).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: ObjectKey,
    pub origin: Origin,
    /// A Secret (typed or raw): the target's secret store.
    pub secret_store: bool,
    /// The object with `apiVersion` and `kind`, every map's keys sorted.
    pub value: serde_json::Value,
}

impl Entry {
    /// Convert `o` (its JSON value sorted once).
    pub fn of(o: Object) -> Result<Entry, Error> {
        let key = o.key();
        let secret_store = is_secret_store(&key);
        let origin = o.origin.clone();
        let value = render::sorted(o.into_value()?);
        Ok(Entry {
            key,
            origin,
            secret_store,
            value,
        })
    }
}

/// One object of `manifests.yaml` as its YAML document (keys sorted), rendered by the thread that
/// built it: the estate's objects are held as text, never as value trees, until joined.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub key: ObjectKey,
    pub origin: Origin,
    /// A Secret (typed or raw): the target's secret store.
    pub secret_store: bool,
    /// The document, without its `---` line.
    pub text: String,
}

impl Doc {
    /// Convert and render `o`.
    pub fn of(o: Object) -> Result<Doc, Error> {
        let key = o.key();
        let secret_store = is_secret_store(&key);
        let origin = o.origin.clone();
        // Written with its keys sorted: the sorted copy an `Entry` holds is never built.
        let mut text = yaml::to_yaml_sorted(&o.into_value()?);
        // Held until the estate's documents are joined: without the growth's spare capacity.
        text.shrink_to_fit();
        Ok(Doc {
            key,
            origin,
            secret_store,
            text,
        })
    }
}

/// What de-duplication reads of a built object: its identity, where it came from, and whether
/// another one with that identity is the same object.
trait Identified {
    fn key(&self) -> &ObjectKey;
    fn origin(&self) -> &Origin;
    fn same(&self, other: &Self) -> bool;
}

impl Identified for Entry {
    fn key(&self) -> &ObjectKey {
        &self.key
    }
    fn origin(&self) -> &Origin {
        &self.origin
    }
    fn same(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

/// An entry with its typed object: identified by the entry.
impl<T> Identified for (Entry, T) {
    fn key(&self) -> &ObjectKey {
        self.0.key()
    }
    fn origin(&self) -> &Origin {
        self.0.origin()
    }
    fn same(&self, other: &Self) -> bool {
        self.0.same(&other.0)
    }
}

/// Objects in output order, and the warnings raised while building them.
#[derive(Debug, Clone, Default)]
pub struct Built {
    pub entries: Vec<Entry>,
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
    fn emit_into(
        app: &Resolved,
        plan: &Plan,
        opts: &Options,
        sink: &dyn score_x_core::stream::Sink,
    ) -> Result<Bundle, Error> {
        emit_into(app, plan, opts, sink)
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
/// two different ones are an error. Each object is converted to its sorted JSON value once, by
/// the thread that built it.
pub fn build(app: &Resolved, plan: &Plan, opts: &Options) -> Result<Built, Error> {
    let (entries, warnings) = collect(app, plan, opts, &Entry::of)?;
    let entries = dedupe(app, entries)?;
    Ok(Built { entries, warnings })
}

/// A built object as `T` (made by `f`, in parallel per resource and per workload), in output
/// order; the first error is that of a sequential run.
fn collect<T: Send>(
    app: &Resolved,
    plan: &Plan,
    opts: &Options,
    f: &(dyn Fn(Object) -> Result<T, Error> + Sync),
) -> Result<(Vec<T>, Vec<Diagnostic>), Error> {
    let of_resource = |res: &ProvisionedResource| {
        artifacts::resource_objects(res, opts)?
            .into_iter()
            .map(f)
            .collect()
    };
    let (mut out, per_workload, warnings) = collect_parts(app, plan, opts, f, &of_resource, f)?;
    out.extend(per_workload.into_iter().flatten());
    Ok((out, warnings))
}

/// The estate's objects before [`dedupe`], for a consumer of each workload's objects on its
/// own (Helm's charts): the Namespace's and the shared resources' objects built; the objects of
/// a resource `private` tells (one workload's own) and of each workload only identified, their
/// consumer building them where it writes them ([`resource_entries`], [`workload_entries`]), so
/// the estate's objects are never all held at once. `None` when two objects share an identity
/// (de-duplication then compares values: use [`build`]). Warnings are those of [`build`].
pub fn stage(
    app: &Resolved,
    plan: &Plan,
    opts: &Options,
    private: &(dyn Fn(&ResourceUid) -> bool + Sync),
) -> Result<Option<Staged>, Error> {
    let built = |o: Object| Entry::of(o).map(Ok);
    let of_resource = |res: &ProvisionedResource| -> Result<Vec<_>, Error> {
        if private(&res.uid) {
            let keys = artifacts::resource_keys(res, opts)?.into_iter();
            return Ok(keys.map(|k| Err((k, res.uid.clone()))).collect());
        }
        let objects = artifacts::resource_objects(res, opts)?.into_iter();
        objects.map(built).collect()
    };
    let key = |o: Object| Ok(o.key());
    let (items, workloads, warnings) = collect_parts(app, plan, opts, &built, &of_resource, &key)?;
    let mut seen = std::collections::HashSet::with_capacity(items.len());
    let unique = items
        .iter()
        .map(|i| match i {
            Ok(e) => &e.key,
            Err((k, _)) => k,
        })
        .chain(workloads.iter().flatten())
        .all(|k| seen.insert(k));
    if !unique {
        return Ok(None);
    }
    let mut objects: Vec<StagedObject> = Vec::with_capacity(items.len());
    for i in items {
        match i {
            Ok(e) => objects.push(StagedObject::Built(e)),
            // A resource's objects are contiguous: one stand-in for all of them.
            Err((_, uid)) => {
                if !matches!(objects.last(), Some(StagedObject::Private(u)) if *u == uid) {
                    objects.push(StagedObject::Private(uid));
                }
            }
        }
    }
    Ok(Some(Staged { objects, warnings }))
}

/// What [`stage`] made, in output order, and the warnings of the whole estate.
#[derive(Debug)]
pub struct Staged {
    pub objects: Vec<StagedObject>,
    pub warnings: Vec<Diagnostic>,
}

/// An object of [`Staged`]: built, or the stand-in for the objects of a private resource.
#[derive(Debug)]
pub enum StagedObject {
    Built(Entry),
    Private(ResourceUid),
}

/// The objects of resource `res` as [`build`] makes them (in output order), for a consumer of
/// [`stage`].
pub fn resource_entries(res: &ProvisionedResource, opts: &Options) -> Result<Vec<Entry>, Error> {
    artifacts::resource_objects(res, opts)?
        .into_iter()
        .map(Entry::of)
        .collect()
}

/// The objects of workload `w` as [`build`] makes them (in output order), for a consumer of
/// [`stage`] (which reported their warnings).
pub fn workload_entries(
    app: &Resolved,
    plan: &Plan,
    opts: &Options,
    w: &ResolvedWorkload,
) -> Result<Vec<Entry>, Error> {
    planned_objects(app, plan, opts, w, &mut Vec::new())?
        .into_iter()
        .map(Entry::of)
        .collect()
}

/// The typed objects of workload `w`, following its plan.
fn planned_objects(
    app: &Resolved,
    plan: &Plan,
    opts: &Options,
    w: &ResolvedWorkload,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Vec<Object>, Error> {
    let wp = plan
        .workload(&w.name)
        .ok_or_else(|| Error::Unplanned(w.name.clone()))?;
    workload::workload_objects(app, w, wp, opts, warnings)
}

/// The Namespace's and resources' objects, each workload's objects, and the warnings.
type Parts<R, W> = (Vec<R>, Vec<Vec<W>>, Vec<Diagnostic>);

/// The objects of the Namespace (made by `fr`), of each resource (by `fres`) and of each
/// workload (by `fw`), in output order; the first error is that of a sequential run.
fn collect_parts<R: Send, W: Send>(
    app: &Resolved,
    plan: &Plan,
    opts: &Options,
    fr: &(dyn Fn(Object) -> Result<R, Error> + Sync),
    fres: &(dyn Fn(&ProvisionedResource) -> Result<Vec<R>, Error> + Sync),
    fw: &(dyn Fn(Object) -> Result<W, Error> + Sync),
) -> Result<Parts<R, W>, Error> {
    check_options(opts)?;
    let mut out = Vec::new();
    if opts.generate_namespace
        && let Some(ns) = &opts.namespace
    {
        out.push(fr(namespace(ns))?);
    }
    // Graph order, then any resource the order lacks; each once (a set, not `Vec::contains`:
    // linear in the number of resources).
    let mut seen_uids = std::collections::BTreeSet::new();
    let resources: Vec<_> = app
        .order()
        .iter()
        .chain(app.resources().keys())
        .filter(|uid| seen_uids.insert(*uid))
        .filter_map(|uid| app.resources().get(uid))
        .collect();
    let per_resource: Vec<Result<Vec<R>, Error>> =
        resources.par_iter().map(|res| fres(res)).collect();
    for r in per_resource {
        out.extend(r?);
    }
    let workloads: Vec<_> = app.workloads().values().collect();
    let per_workload: Vec<Result<(Vec<W>, Vec<_>), Error>> = workloads
        .par_iter()
        .map(|w| {
            let mut warnings = Vec::new();
            let objects = planned_objects(app, plan, opts, w, &mut warnings)?;
            let objects = objects.into_iter().map(fw).collect::<Result<_, _>>()?;
            Ok((objects, warnings))
        })
        .collect();
    let mut warnings = Vec::new();
    let mut objects = Vec::with_capacity(per_workload.len());
    for b in per_workload {
        let (o, w) = b?;
        objects.push(o);
        warnings.extend(w);
    }
    Ok((out, objects, warnings))
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

fn origin_span(app: &Resolved, o: &Origin) -> Option<Box<score_x_core::Span>> {
    match o {
        Origin::Resource(uid) => app.resources().get(uid).map(|r| Box::new(r.span.clone())),
        Origin::Workload(w) => app.workloads().get(w).map(|w| Box::new(w.span.clone())),
        Origin::Namespace => None,
    }
}

/// Keep one of each identical object; two different objects with one identity are an error.
fn dedupe<T: Identified>(app: &Resolved, items: Vec<T>) -> Result<Vec<T>, Error> {
    use std::collections::hash_map::Entry as Slot;
    // The first of each identity, found with the keys borrowed (none cloned).
    let mut first: std::collections::HashMap<&ObjectKey, usize> =
        std::collections::HashMap::with_capacity(items.len());
    let mut keep = vec![true; items.len()];
    for (i, item) in items.iter().enumerate() {
        match first.entry(item.key()) {
            Slot::Vacant(v) => {
                v.insert(i);
            }
            Slot::Occupied(o) => {
                let earlier = &items[*o.get()];
                if !earlier.same(item) {
                    return Err(Error::ConflictingObject {
                        key: item.key().to_string(),
                        first: earlier.origin().describe(),
                        second: item.origin().describe(),
                        span: origin_span(app, item.origin()),
                    });
                }
                keep[i] = false;
            }
        }
    }
    drop(first);
    Ok(items
        .into_iter()
        .zip(keep)
        .filter_map(|(item, k)| k.then_some(item))
        .collect())
}

/// True for the objects that are the target's secret store: Secrets, typed (`Body::Secret`,
/// kind `Secret`) or raw (any apiVersion).
fn is_secret_store(key: &ObjectKey) -> bool {
    key.kind == "Secret"
}

/// The typed objects, in output order (for tests and tools that inspect the typed model).
pub fn objects(app: &Resolved, plan: &Plan, opts: &Options) -> Result<Vec<Object>, Error> {
    let typed = |o: Object| Ok((Entry::of(o.clone())?, o));
    let (pairs, _) = collect(app, plan, opts, &typed)?;
    let pairs = dedupe(app, pairs)?;
    Ok(pairs.into_iter().map(|(_, o)| o).collect())
}

/// Translate `app` into a bundle with one file, `manifests.yaml`: a `---` separated YAML stream
/// with sorted keys, whose Secret documents are marked as the target's secret store. Pure and
/// deterministic.
pub fn emit(app: &Resolved, plan: &Plan, opts: &Options) -> Result<Bundle, Error> {
    let (mut text, mut secrets) = (Vec::new(), Vec::new());
    let warnings = stream::manifests(app, plan, opts, &mut |piece, ranges| {
        let at = text.len();
        text.extend_from_slice(&piece);
        secrets.extend(ranges.into_iter().map(|r| r.start + at..r.end + at));
    })?;
    let mut bundle = Bundle {
        warnings,
        ..Default::default()
    };
    bundle.add(MANIFESTS, text);
    bundle.mark_secret_store(MANIFESTS, secrets);
    Ok(bundle)
}

/// [`emit`], the stream handed to `sink` a batch of documents at a time.
pub fn emit_into(
    app: &Resolved,
    plan: &Plan,
    opts: &Options,
    sink: &dyn score_x_core::stream::Sink,
) -> Result<Bundle, Error> {
    let mut written = false;
    let warnings = stream::manifests(app, plan, opts, &mut |piece, ranges| {
        written = true;
        sink.append(MANIFESTS, piece, ranges);
    })?;
    let mut bundle = Bundle {
        warnings,
        ..Default::default()
    };
    if !written {
        // An estate with no object still has its (empty) stream.
        bundle.add(MANIFESTS, Vec::new());
    }
    Ok(bundle)
}
