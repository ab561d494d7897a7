//! The manifests stream built a batch of items at a time (the Namespace, each resource, each
//! workload, in output order) and handed over in order as it grows: the estate's documents are
//! never all held, and the whole stream is held only by a caller that wants it whole.

use std::collections::HashMap;
use std::ops::Range;

use rayon::prelude::*;
use score_x_core::plan::Plan;
use score_x_core::resolved::{ProvisionedResource, ResolvedWorkload};
use score_x_core::{Diagnostic, Resolved};

use crate::{Doc, Error, ObjectKey, Options, Origin, artifacts, origin_span};

/// Items built side by side before their documents are handed over: enough for both cores to
/// stay busy, few enough that a batch's documents are a small part of the stream.
const BATCH: usize = 64;

/// Where the stream's pieces go: each piece is whole documents (`---` lines included), ending
/// at a line end, with its Secrets' byte ranges (relative to the piece).
pub type Out<'o> = dyn FnMut(Vec<u8>, Vec<Range<usize>>) + Send + 'o;

/// What makes documents: the Namespace asked for, a resource, a workload.
#[derive(Clone, Copy)]
enum Item<'a> {
    Namespace(&'a str),
    Resource(&'a ProvisionedResource),
    Workload(&'a ResolvedWorkload),
}

/// The estate's documents and warnings, as [`crate::emit`] joins them, handed to `out` in
/// order. An object whose identity an earlier one has is left out when it is the same object,
/// and is an error when it is not; an error building an object comes before such a conflict,
/// whatever their order (the stream is de-duplicated once every object is built).
pub fn manifests(
    app: &Resolved,
    plan: &Plan,
    opts: &Options,
    out: &mut Out<'_>,
) -> Result<Vec<Diagnostic>, Error> {
    crate::check_options(opts)?;
    let items = items(app, opts);
    let ctx = Ctx {
        app,
        plan,
        opts,
        items: &items,
    };
    let mut join = Join {
        seen: HashMap::new(),
        conflict: None,
        warnings: Vec::new(),
    };
    let mut pending: Vec<Built> = Vec::new();
    for (n, batch) in items.chunks(BATCH).enumerate() {
        let first = n * BATCH;
        // The previous batch is joined while this one is built.
        let (_, built) = rayon::join(
            || join.add(&ctx, std::mem::take(&mut pending), out),
            || {
                batch
                    .par_iter()
                    .enumerate()
                    .map(|(i, item)| ctx.build(first + i, *item))
                    .collect::<Vec<_>>()
            },
        );
        pending = built.into_iter().collect::<Result<_, _>>()?;
    }
    join.add(&ctx, pending, out);
    join.conflict.map_or(Ok(join.warnings), Err)
}

/// The items of the estate in output order: the Namespace (when asked), the resources in graph
/// order (then any the order lacks, each once), the workloads by name.
fn items<'a>(app: &'a Resolved, opts: &'a Options) -> Vec<Item<'a>> {
    let mut out = Vec::new();
    if opts.generate_namespace
        && let Some(ns) = &opts.namespace
    {
        out.push(Item::Namespace(ns));
    }
    // A set, not `Vec::contains`: linear in the number of resources.
    let mut seen = std::collections::BTreeSet::new();
    let resources = app
        .order()
        .iter()
        .chain(app.resources().keys())
        .filter(|uid| seen.insert(*uid))
        .filter_map(|uid| app.resources().get(uid));
    out.extend(resources.map(Item::Resource));
    out.extend(app.workloads().values().map(Item::Workload));
    out
}

struct Ctx<'a> {
    app: &'a Resolved,
    plan: &'a Plan,
    opts: &'a Options,
    items: &'a [Item<'a>],
}

/// The documents of one item (`at` in the items), and its warnings.
struct Built {
    at: usize,
    docs: Vec<Doc>,
    warnings: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn build(&self, at: usize, item: Item<'_>) -> Result<Built, Error> {
        let mut warnings = Vec::new();
        let objects = match item {
            Item::Namespace(ns) => vec![crate::namespace(ns)],
            Item::Resource(res) => artifacts::resource_objects(res, self.opts)?,
            Item::Workload(w) => {
                crate::planned_objects(self.app, self.plan, self.opts, w, &mut warnings)?
            }
        };
        let docs = objects.into_iter().map(Doc::of).collect::<Result<_, _>>()?;
        Ok(Built { at, docs, warnings })
    }

    /// The first document with identity `key` that item `at` makes (built again: only an
    /// identity met twice needs it).
    fn rebuilt(&self, at: usize, key: &ObjectKey) -> Option<Doc> {
        let item = *self.items.get(at)?;
        let built = self.build(at, item).ok()?;
        built.docs.into_iter().find(|d| &d.key == key)
    }
}

/// The stream so far: the identities written (with the item that made each), the first
/// conflict, the warnings.
struct Join {
    seen: HashMap<ObjectKey, usize>,
    conflict: Option<Error>,
    warnings: Vec<Diagnostic>,
}

impl Join {
    /// Add `batch`'s documents not written yet to the stream, as one piece.
    fn add(&mut self, ctx: &Ctx<'_>, batch: Vec<Built>, out: &mut Out<'_>) {
        let (mut piece, mut secrets) = (Vec::new(), Vec::new());
        for built in batch {
            self.warnings.extend(built.warnings);
            for doc in built.docs {
                if self.conflict.is_none() && self.first(ctx, &doc) {
                    crate::render::push_doc(&mut piece, &mut secrets, &doc);
                    self.seen.insert(doc.key, built.at);
                }
            }
        }
        if !piece.is_empty() {
            out(piece, secrets);
        }
    }

    /// Whether `doc` is the first of its identity; a different object with the identity of an
    /// earlier one is the conflict reported. Equal texts are equal objects: the rendering of a
    /// sorted value is deterministic and faithful.
    fn first(&mut self, ctx: &Ctx<'_>, doc: &Doc) -> bool {
        let Some(&before) = self.seen.get(&doc.key) else {
            return true;
        };
        let earlier = ctx.rebuilt(before, &doc.key);
        if earlier.as_ref().is_none_or(|d| d.text != doc.text) {
            let first = earlier.map_or_else(|| origin_of(ctx, before), |d| d.origin);
            self.conflict = Some(Error::ConflictingObject {
                key: doc.key.to_string(),
                first: first.describe(),
                second: doc.origin.describe(),
                span: origin_span(ctx.app, &doc.origin),
            });
        }
        false
    }
}

/// The origin of the objects item `at` makes.
fn origin_of(ctx: &Ctx<'_>, at: usize) -> Origin {
    match ctx.items.get(at) {
        Some(Item::Resource(res)) => Origin::Resource(res.uid.clone()),
        Some(Item::Workload(w)) => Origin::Workload(w.name.clone()),
        Some(Item::Namespace(_)) | None => Origin::Namespace,
    }
}
