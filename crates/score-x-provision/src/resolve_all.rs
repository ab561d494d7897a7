//! Every workload resolved against the provisioned resources, in parallel, each consumed as it is
//! resolved when the App is owned: its errors joined in workload order, and for targets that bind
//! outputs late (Helm) the bindings read from its templates before they are consumed.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use score_x_core::ir::Workload;
use score_x_core::late_bound::{Bindings, Candidates, WorkloadBindings};
use score_x_core::resolved::{ProvisionedResource, ResolvedWorkload};
use score_x_core::{App, AppParts, Diagnostics, ResourceUid};

type Provisioned = BTreeMap<ResourceUid, ProvisionedResource>;

/// One workload's result: its resolution, its errors and (when asked) its bindings.
type One = (ResolvedWorkload, Diagnostics, Option<WorkloadBindings>);

/// Resolve every workload of `app`; errors go to `errors`, in workload order. With `late`, the
/// bindings of the variables' resource outputs are returned too (else empty).
pub(crate) fn workloads(
    app: Cow<'_, App>,
    provisioned: &Provisioned,
    failed: &BTreeSet<ResourceUid>,
    late: bool,
    errors: &mut Diagnostics,
) -> (BTreeMap<String, ResolvedWorkload>, Bindings) {
    let one = |w: Workload| -> One {
        let candidates = late.then(|| Candidates::of(&w, provisioned));
        let mut errors = Diagnostics::new();
        let r = crate::resolve::workload(w, provisioned, failed, &mut errors);
        let bound = candidates.and_then(|c| c.check(&r));
        (r, errors, bound)
    };
    let done: Vec<One> = match app {
        Cow::Owned(app) => {
            // The resources' declarations are not needed any more: freed here.
            let AppParts { workloads, .. } = app.into_parts();
            let workloads: Vec<Workload> = workloads.into_values().collect();
            workloads.into_par_iter().map(one).collect()
        }
        Cow::Borrowed(app) => {
            let workloads: Vec<&Workload> = app.workloads().values().collect();
            workloads.into_par_iter().map(|w| one(w.clone())).collect()
        }
    };
    let mut resolved = Vec::with_capacity(done.len());
    let mut bound = Vec::new();
    for (r, e, b) in done {
        if let Some(b) = b {
            bound.push((r.name.clone(), b));
        }
        resolved.push((r.name.clone(), r));
        errors.extend(e);
    }
    // Collected from sorted entries, the map's nodes are full.
    (
        resolved.into_iter().collect(),
        Bindings::from_workloads(bound),
    )
}
