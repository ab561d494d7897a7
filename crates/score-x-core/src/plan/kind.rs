//! The workload kind, from one annotation family shared by every target: `score-x.dev/kind`
//! (score-k8s's `k8s.score.dev/kind` is accepted too) and `score-x.dev/schedule` for cron.

use super::shape::WorkloadShape;
use crate::diag::{Code, Diagnostic};

/// The annotations choosing the kind, in precedence order.
pub const KIND_ANNOTATIONS: [&str; 2] = ["score-x.dev/kind", "k8s.score.dev/kind"];
/// The annotation holding a cron workload's schedule.
pub const SCHEDULE_ANNOTATION: &str = "score-x.dev/schedule";

/// What a workload is: how long it runs and whether it has a stable identity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WorkloadKind {
    /// Long-running and replaceable (the default; Kubernetes `Deployment`).
    Service,
    /// Long-running with a stable identity and storage (`StatefulSet`).
    Stateful,
    /// Runs to completion once (`Job`).
    Job,
    /// Runs to completion on a schedule (`CronJob`), with the schedule in cron syntax.
    Cron { schedule: String },
}

impl WorkloadKind {
    /// The Kubernetes name of the kind, which is also the annotation value.
    pub fn annotation_value(&self) -> &'static str {
        match self {
            WorkloadKind::Service => "Deployment",
            WorkloadKind::Stateful => "StatefulSet",
            WorkloadKind::Job => "Job",
            WorkloadKind::Cron { .. } => "CronJob",
        }
    }

    /// True for kinds that run to completion (jobs and cron jobs).
    pub fn runs_to_completion(&self) -> bool {
        matches!(self, WorkloadKind::Job | WorkloadKind::Cron { .. })
    }
}

/// The readable YAML path of annotation `key` (quoted when it holds a `/`, as the front end
/// writes every path; JSON output turns it into an RFC 6901 pointer).
pub fn annotation_path(key: &str) -> String {
    crate::yaml_tree::path::child("/metadata/annotations", key)
}

/// The kind the workload's annotations ask for (default `Service`).
pub fn of<W: WorkloadShape>(w: &W) -> Result<WorkloadKind, Diagnostic> {
    let annotations = w.annotations();
    let Some((key, value)) = KIND_ANNOTATIONS
        .into_iter()
        .find_map(|k| annotations.get(k).map(|v| (k, v)))
    else {
        return Ok(WorkloadKind::Service);
    };
    match value.as_str() {
        "Deployment" => Ok(WorkloadKind::Service),
        "StatefulSet" => Ok(WorkloadKind::Stateful),
        "Job" => Ok(WorkloadKind::Job),
        "CronJob" => match annotations.get(SCHEDULE_ANNOTATION) {
            Some(s) => Ok(WorkloadKind::Cron {
                schedule: s.clone(),
            }),
            None => Err(Diagnostic::error(
                Code::RequiredField,
                format!(
                    "workload `{}` is a CronJob but has no `{SCHEDULE_ANNOTATION}` annotation",
                    w.name()
                ),
            )
            .at(w.span().clone())
            .hint(format!(
                "add e.g. `{SCHEDULE_ANNOTATION}: \"*/5 * * * *\"` to metadata.annotations"
            ))),
        },
        other => Err(Diagnostic::error(
            Code::InvalidValue,
            format!("workload `{}`: unknown workload kind `{other}`", w.name()),
        )
        .at(w.span().with_path(annotation_path(key)))
        .hint("use Deployment, StatefulSet, Job or CronJob")),
    }
}
