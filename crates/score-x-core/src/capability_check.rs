//! The generic pass run before every backend: each Score feature the model uses is compared with
//! the target's `Capabilities`; approximations become warnings, unsupported features errors,
//! each at the span of the offending field.

use crate::backend::{Capabilities, Feature, Support};
use crate::diag::{Code, Diagnostic, Span};
use crate::ir::Protocol;
use crate::ir::Readiness;
use crate::plan::kind::annotation_path;
use crate::plan::{KIND_ANNOTATIONS, Plan, WorkloadKind};
use crate::resolved::{Resolved, ResolvedContent};

/// One use of a Score feature by a workload: what uses it and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Use {
    pub workload: String,
    pub feature: Feature,
    /// The field that uses it.
    pub span: Span,
    /// Who uses it, for messages (`file `/etc/x` in container `main` of workload `api``).
    pub what: String,
}

/// Diagnostics for every use of a feature the target does not express natively, including the
/// workload kind the plan chose.
pub fn check(app: &Resolved, plan: &Plan, caps: &Capabilities) -> Vec<Diagnostic> {
    per_workload(app, |w| {
        workload_uses(w, plan)
            .into_iter()
            .filter_map(|u| diagnostic(&u, caps))
            .collect()
    })
}

/// `f` of each workload (in parallel), joined in workload order.
fn per_workload<T: Send>(
    app: &Resolved,
    f: impl Fn(&crate::resolved::ResolvedWorkload) -> Vec<T> + Sync,
) -> Vec<T> {
    use rayon::prelude::*;
    let workloads: Vec<_> = app.workloads().values().collect();
    let parts: Vec<Vec<T>> = workloads.par_iter().map(|w| f(w)).collect();
    parts.into_iter().flatten().collect()
}

/// The diagnostic of one use on `caps`' target: none when native.
pub fn diagnostic(u: &Use, caps: &Capabilities) -> Option<Diagnostic> {
    let (f, what) = (u.feature, &u.what);
    match caps.support(f) {
        Support::Native => None,
        Support::Approximated(how) => Some(
            Diagnostic::warning(
                Code::Approximated,
                format!(
                    "{what}: approximated on {} ({}): {how}",
                    caps.target,
                    f.describe()
                ),
            )
            .at(u.span.clone())
            .grouped(format!("approximated {f:?} on {}", caps.target)),
        ),
        Support::Unsupported(why) => Some(
            Diagnostic::error(
                Code::Unsupported,
                format!(
                    "{what}: {} cannot be expressed on {}: {why}",
                    f.describe(),
                    caps.target
                ),
            )
            .at(u.span.clone()),
        ),
    }
}

/// Every use of a feature some target may not express natively, workload by workload.
pub fn uses(app: &Resolved, plan: &Plan) -> Vec<Use> {
    per_workload(app, |w| workload_uses(w, plan))
}

/// Every use of such a feature by workload `w`.
fn workload_uses(w: &crate::resolved::ResolvedWorkload, plan: &Plan) -> Vec<Use> {
    let mut found: Vec<(Feature, Span, String)> = Vec::new();
    let mut use_feature =
        |f: Feature, span: &Span, what: String| found.push((f, span.clone(), what));
    let kind = plan.workload(&w.name).map(|p| &p.kind);
    let kind_span = || {
        let key = KIND_ANNOTATIONS
            .into_iter()
            .find(|k| w.annotations.contains_key(*k))
            .unwrap_or(KIND_ANNOTATIONS[0]);
        w.span.with_path(annotation_path(key))
    };
    match kind {
        Some(k) if k.runs_to_completion() => use_feature(
            Feature::RunToCompletion,
            &kind_span(),
            format!("workload `{}` ({})", w.name, k.annotation_value()),
        ),
        Some(WorkloadKind::Stateful) => use_feature(
            Feature::StableIdentity,
            &kind_span(),
            format!("workload `{}`", w.name),
        ),
        _ => {}
    }
    if !w.annotations.is_empty() {
        use_feature(
            Feature::Annotations,
            &w.span,
            format!("workload `{}`", w.name),
        );
    }
    for p in w.service_ports.values() {
        if p.protocol == Protocol::Udp {
            use_feature(
                Feature::UdpPorts,
                &p.span,
                format!("port `{}` of workload `{}`", p.name, w.name),
            );
        }
    }
    for c in w.containers.values() {
        let who = format!("container `{}` of workload `{}`", c.name, w.name);
        for f in c.files.values() {
            use_feature(
                Feature::Files,
                &f.span,
                format!("file `{}` in {who}", f.target),
            );
            match &f.content {
                ResolvedContent::Binary(_) => use_feature(
                    Feature::BinaryFiles,
                    &f.span,
                    format!("file `{}` in {who}", f.target),
                ),
                ResolvedContent::Text(v) if v.is_secret() => use_feature(
                    Feature::SecretFiles,
                    &f.span,
                    format!("file `{}` in {who}", f.target),
                ),
                ResolvedContent::Text(_) => {}
            }
        }
        for v in c.volumes.values() {
            use_feature(
                Feature::Volumes,
                &v.span,
                format!("volume `{}` in {who}", v.target),
            );
        }
        for p in [&c.liveness_probe, &c.readiness_probe]
            .into_iter()
            .flatten()
        {
            if p.http_get.is_some() && p.exec.is_none() {
                use_feature(Feature::HttpProbe, &p.span, format!("probe of {who}"));
            }
            if p.exec.is_some() {
                use_feature(Feature::ExecProbe, &p.span, format!("probe of {who}"));
            }
        }
        for (other, b) in &c.before {
            let f = match b.ready {
                Readiness::Started => Feature::BeforeStarted,
                Readiness::Healthy => Feature::BeforeHealthy,
                Readiness::Complete => Feature::BeforeComplete,
            };
            use_feature(f, &b.span, format!("{who} before `{other}`"));
        }
        if let Some(r) = &c.resources {
            if r.limits.is_some() {
                use_feature(Feature::ResourceLimits, &c.span, who.clone());
            }
            if r.requests.is_some() {
                use_feature(Feature::ResourceRequests, &c.span, who.clone());
            }
        }
        for (name, v) in &c.variables {
            if v.value.single_secret().is_some() {
                use_feature(
                    Feature::SecretVariables,
                    &v.span,
                    format!("variable `{name}` in {who}"),
                );
            } else if v.value.is_secret() {
                use_feature(
                    Feature::MixedSecretVariables,
                    &v.span,
                    format!("variable `{name}` in {who}"),
                );
            }
        }
    }
    found
        .into_iter()
        .map(|(feature, span, what)| Use {
            workload: w.name.clone(),
            feature,
            span,
            what,
        })
        .collect()
}
