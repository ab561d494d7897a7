//! The outputs the consumers of each resource reference: every `${resources.NAME.KEY…}` in
//! container variables and expanded files of every workload, and in the params of every
//! resource, mapped to the uid that `NAME` stands for in the declaring workload. Provisioners
//! with open outputs (`"*"`) produce exactly these keys.

use std::collections::BTreeMap;

use score_x_core::FlatMap;
use score_x_core::ir::FileContent;
use score_x_core::template::{Ref, Root};
use score_x_core::{App, ResourceUid, Span, Template};

/// Uid → referenced output key → where it is first referenced (in a deterministic walk:
/// workloads, containers, variables, files by name, then resources by uid).
pub(crate) type Requested = BTreeMap<ResourceUid, Keys>;

/// One resource's referenced output keys, with where each is first referenced. Flat: a
/// resource has a few, and the estate has one such map per resource.
pub(crate) type Keys = FlatMap<String, Span>;

/// Every output key referenced for every resource of `app`.
pub(crate) fn requested_outputs(app: &App) -> Requested {
    use rayon::prelude::*;
    // Each workload walked on its own, then merged in workload order: the first reference of a
    // key is the one a sequential walk finds first.
    let per_workload: Vec<Requested> = app
        .workloads()
        .par_iter()
        .map(|(_, w)| {
            let mut out = Requested::new();
            let mut add = |r: &Ref, span: &Span| {
                record(&mut out, &w.resources, r, span);
            };
            for c in w.containers.values() {
                for v in c.variables.values() {
                    each_ref(&v.value, |r| add(r, &v.span));
                }
                for f in c.files.values() {
                    if let FileContent::Template(t) = &f.content {
                        each_ref(t, |r| add(r, &f.span));
                    }
                }
            }
            out
        })
        .collect();
    let mut out = Requested::new();
    for part in per_workload {
        for (uid, keys) in part {
            let known = out.entry(uid).or_default();
            for (key, span) in keys {
                first(known, key, span);
            }
        }
    }
    for res in app.resources().values() {
        let (Some(params), Some(src)) = (&res.params, app.workloads().get(&res.source_workload))
        else {
            continue;
        };
        let span = res.span.with_path(format!("{}/params", res.span.path));
        for r in params.refs() {
            record(&mut out, &src.resources, r, &span);
        }
    }
    out
}

fn each_ref(t: &Template, mut f: impl FnMut(&Ref)) {
    for r in t.refs() {
        f(r);
    }
}

/// Record `${resources.NAME.KEY…}` when `NAME` is a resource of the declaring workload (other
/// references are reported by resolution, not here).
fn record(out: &mut Requested, resources: &FlatMap<String, ResourceUid>, r: &Ref, span: &Span) {
    if r.root != Root::Resources {
        return;
    }
    let (Some(name), Some(key)) = (r.keys.first(), r.keys.get(1)) else {
        return;
    };
    if let Some(uid) = resources.get(name) {
        let known = out.entry(uid.clone()).or_default();
        if !known.contains_key(key) {
            known.insert(key.clone(), span.clone());
        }
    }
}

/// Record `key` at `span` unless it was referenced before.
fn first(known: &mut Keys, key: String, span: Span) {
    if !known.contains_key(&key) {
        known.insert(key, span);
    }
}
