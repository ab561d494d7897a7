//! Interim copy of the decisions every target shares (to be replaced by `score_x_core::plan`):
//! container roles from `before`, the owner container of each service port, and the workload
//! kind from its annotations.

use std::collections::BTreeMap;

use score_x_core::ir::Readiness;
use score_x_core::resolved::ResolvedWorkload;

use crate::error::Error;

/// Annotation choosing the workload kind (`score-k8s`'s `k8s.score.dev/kind` is accepted too).
pub const KIND_ANNOTATION: &str = "score-x.dev/kind";
/// score-k8s's kind annotation.
pub const SCORE_K8S_KIND_ANNOTATION: &str = "k8s.score.dev/kind";
/// Annotation holding a CronJob's schedule.
pub const SCHEDULE_ANNOTATION: &str = "score-x.dev/schedule";

/// What a container is, from the `before` entries it declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// No `before`: a main container.
    Main,
    /// `ready: started` before others: starts first and keeps running.
    Sidecar,
    /// `ready: healthy` before others: a sidecar that should be healthy first.
    HealthySidecar,
    /// `ready: complete` before others: runs to completion first.
    Init,
}

/// The kind of a workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Long-running (Deployment, StatefulSet).
    Service,
    /// Runs to completion (Job).
    Batch,
    /// Runs on a cron schedule (CronJob).
    Periodic { schedule: String },
}

/// The shared decisions for one workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub roles: BTreeMap<String, Role>,
    /// Init containers in the order they must run (dependencies first, then by name).
    pub init_order: Vec<String>,
    /// Service port name → the container listening on it.
    pub port_owner: BTreeMap<String, String>,
    pub kind: Kind,
}

impl Plan {
    pub fn role(&self, container: &str) -> Role {
        self.roles.get(container).copied().unwrap_or(Role::Main)
    }
}

fn role_of(before: impl Iterator<Item = Readiness>) -> Role {
    let mut role = Role::Main;
    for r in before {
        role = match (role, r) {
            (_, Readiness::Complete) | (Role::Init, _) => Role::Init,
            (_, Readiness::Healthy) | (Role::HealthySidecar, _) => Role::HealthySidecar,
            _ => Role::Sidecar,
        };
    }
    role
}

/// The kind asked for by the workload's annotations (default: a service).
pub fn kind_of(w: &ResolvedWorkload) -> Result<Kind, Error> {
    let found = [KIND_ANNOTATION, SCORE_K8S_KIND_ANNOTATION]
        .into_iter()
        .find_map(|k| w.annotations.get(k).map(|v| (k, v)));
    let Some((key, value)) = found else {
        return Ok(Kind::Service);
    };
    match value.as_str() {
        "Deployment" | "StatefulSet" => Ok(Kind::Service),
        "Job" => Ok(Kind::Batch),
        "CronJob" => match w.annotations.get(SCHEDULE_ANNOTATION) {
            Some(s) => Ok(Kind::Periodic {
                schedule: s.clone(),
            }),
            None => Err(Error::MissingSchedule {
                workload: w.name.clone(),
                span: Box::new(w.span.with_path("/metadata/annotations")),
            }),
        },
        other => Err(Error::UnknownKind {
            workload: w.name.clone(),
            kind: other.to_string(),
            span: Box::new(w.span.with_path(format!(
                "/metadata/annotations/{}",
                key.replace('~', "~0").replace('/', "~1")
            ))),
        }),
    }
}

/// The container listening on `target_port`: the one whose probe uses that port, else the first
/// main container by name, else the first container.
fn owner(w: &ResolvedWorkload, roles: &BTreeMap<String, Role>, target_port: u16) -> String {
    let probes = |c: &score_x_core::resolved::ResolvedContainer| {
        [&c.readiness_probe, &c.liveness_probe]
            .into_iter()
            .flatten()
            .filter_map(|p| p.http_get.as_ref().map(|h| h.port))
            .any(|p| p == target_port)
    };
    w.containers
        .values()
        .find(|c| probes(c))
        .or_else(|| {
            w.containers
                .values()
                .find(|c| roles.get(&c.name) == Some(&Role::Main))
        })
        .or_else(|| w.containers.values().next())
        .map(|c| c.name.clone())
        .unwrap_or_default()
}

/// Plan workload `w`.
pub fn plan(w: &ResolvedWorkload) -> Result<Plan, Error> {
    let roles: BTreeMap<String, Role> = w
        .containers
        .values()
        .map(|c| (c.name.clone(), role_of(c.before.values().map(|b| b.ready))))
        .collect();
    let mut init_order = Vec::new();
    let mut pending: Vec<&String> = roles
        .iter()
        .filter(|(_, r)| **r == Role::Init)
        .map(|(n, _)| n)
        .collect();
    while !pending.is_empty() {
        let ready = pending.iter().position(|n| {
            !pending.iter().any(|other| {
                other != n
                    && w.containers
                        .get(other.as_str())
                        .is_some_and(|c| c.before.contains_key(n.as_str()))
            })
        });
        // A cycle is rejected by the loader; keep name order if one slips through.
        let i = ready.unwrap_or(0);
        init_order.push(pending.remove(i).clone());
    }
    let port_owner = w
        .service_ports
        .values()
        .map(|p| (p.name.clone(), owner(w, &roles, p.target_port)))
        .collect();
    Ok(Plan {
        roles,
        init_order,
        port_owner,
        kind: kind_of(w)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_from_before() {
        use Readiness::*;
        assert_eq!(role_of([].into_iter()), Role::Main);
        assert_eq!(role_of([Started].into_iter()), Role::Sidecar);
        assert_eq!(
            role_of([Started, Healthy].into_iter()),
            Role::HealthySidecar
        );
        assert_eq!(role_of([Healthy, Complete].into_iter()), Role::Init);
        assert_eq!(role_of([Complete, Started].into_iter()), Role::Init);
    }
}
