//! Provisioning in parallel, per topological layer, with the result of a sequential run.
//!
//! Phase 1 computes every resource of a layer at once (rayon), each against the state as it was
//! before the run; its dependencies (earlier layers) are already computed. Commands (`cmd://`)
//! are never run there: they and everything depending on them wait for phase 2.
//! Phase 2 walks the graph order on one thread and commits each resource (warnings, shared
//! state, resource state). A computed resource is kept only when its inputs are still the ones
//! it was computed from: no commit before it changed the shared state, and none of its
//! dependencies was computed again. Otherwise it is computed again, there, in order. Each
//! resource is thus committed with exactly the inputs a sequential run gives it, and is computed
//! at most twice.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use score_x_core::graph::ResourceGraph;
use score_x_core::resolved::ProvisionedResource;
use score_x_core::{Diagnostic, Diagnostics, ResourceUid};

use crate::state::ResourceState;

/// The graph order, each resource's dependencies (as positions in it) and the layers.
pub(crate) struct Plan<'g> {
    pub order: &'g [ResourceUid],
    pub deps: Vec<Vec<usize>>,
    /// Positions by layer: a resource's layer is one more than its deepest dependency's.
    pub layers: Vec<Vec<usize>>,
}

impl<'g> Plan<'g> {
    pub(crate) fn of(graph: &'g ResourceGraph) -> Self {
        let order = graph.order();
        let pos: HashMap<&ResourceUid, usize> =
            order.iter().enumerate().map(|(i, u)| (u, i)).collect();
        let deps: Vec<Vec<usize>> = order
            .iter()
            .map(|u| {
                graph
                    .dependencies(u)
                    .into_iter()
                    .filter_map(|d| pos.get(d).copied())
                    .collect()
            })
            .collect();
        let mut layer_of = vec![0usize; order.len()];
        let mut layers: Vec<Vec<usize>> = Vec::new();
        for i in 0..order.len() {
            // Dependencies come first in a topological order; a later one would be a graph bug,
            // and is then simply not waited for.
            let l = deps[i]
                .iter()
                .filter(|&&d| d < i)
                .map(|&d| layer_of[d] + 1)
                .max()
                .unwrap_or(0);
            layer_of[i] = l;
            if layers.len() <= l {
                layers.resize_with(l + 1, Vec::new);
            }
            layers[l].push(i);
        }
        Plan {
            order,
            deps,
            layers,
        }
    }
}

/// The outputs consumers read: the resources provisioned so far and those that failed.
#[derive(Default)]
pub(crate) struct Provisioned {
    pub resources: BTreeMap<ResourceUid, ProvisionedResource>,
    pub failed: BTreeSet<ResourceUid>,
}

impl Provisioned {
    /// Record the outcome of `uid` (replacing an earlier one).
    pub(crate) fn record(&mut self, uid: &ResourceUid, resource: Option<ProvisionedResource>) {
        match resource {
            Some(r) => {
                self.failed.remove(uid);
                self.resources.insert(uid.clone(), r);
            }
            None => {
                self.resources.remove(uid);
                self.failed.insert(uid.clone());
            }
        }
    }
}

/// What computing one resource gave, before it is committed.
pub(crate) struct Attempt {
    /// Provisioners skipped for lack of a section for the target (uri, warning): warned once per
    /// run, for the first resource in graph order.
    pub skipped: Vec<(String, Diagnostic)>,
    pub warnings: Diagnostics,
    pub outcome: Result<Step, Diagnostics>,
}

pub(crate) enum Step {
    /// Provisioned: the state to store, the shared-state patch, the outputs for consumers.
    Done(Box<Done>),
    /// Not provisioned because a dependency failed (reported there).
    Failed,
    /// A command provisioner: run in phase 2, in graph order.
    Deferred,
}

pub(crate) struct Done {
    pub state: ResourceState,
    pub shared_patch: Option<serde_json::Value>,
    /// Moved into [`Provisioned`] once the outputs are final (`None` after that).
    pub resource: Option<ProvisionedResource>,
}

/// Phase 1: compute every layer, in parallel within a layer. `compute(i, provisioned)` gives
/// `None` for a resource that is not provisioned at all (no host); `finish(i, attempt)` runs on
/// the calling thread, in graph order within a layer, and records the outputs consumers see.
pub(crate) fn speculate<C, F>(
    plan: &Plan<'_>,
    out: &mut Provisioned,
    compute: C,
    mut finish: F,
) -> Vec<Option<Attempt>>
where
    C: Fn(usize, &Provisioned) -> Option<Attempt> + Sync,
    F: FnMut(usize, &mut Attempt, &mut Provisioned),
{
    use rayon::prelude::*;
    let n = plan.order.len();
    let mut cache: Vec<Option<Attempt>> = (0..n).map(|_| None).collect();
    // A resource waits for phase 2 when one of its dependencies does.
    let mut waits = vec![false; n];
    for layer in &plan.layers {
        let ready: Vec<usize> = layer
            .iter()
            .copied()
            .filter(|&i| {
                waits[i] = plan.deps[i].iter().any(|&d| waits[d]);
                !waits[i]
            })
            .collect();
        let shared: &Provisioned = out;
        let computed: Vec<(usize, Option<Attempt>)> =
            ready.par_iter().map(|&i| (i, compute(i, shared))).collect();
        for (i, attempt) in computed {
            let Some(mut a) = attempt else { continue };
            if matches!(a.outcome, Ok(Step::Deferred)) {
                waits[i] = true;
                continue;
            }
            finish(i, &mut a, out);
            cache[i] = Some(a);
        }
    }
    cache
}
