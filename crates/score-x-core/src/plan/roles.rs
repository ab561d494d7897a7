//! Container roles from `before`: a container that must be started, healthy or complete before
//! another runs as a sidecar or an init container; the others are the main containers.

use std::collections::{BTreeMap, BTreeSet};

use super::shape::{ContainerShape, WorkloadShape};
use crate::diag::{Code, Diagnostic};
use crate::ir::Readiness;

/// How a container runs relative to the others. Ordered by strength: the strongest `before`
/// readiness a container declares decides its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// A regular container.
    Main,
    /// `before … ready: started`: starts first and keeps running beside the mains.
    Sidecar,
    /// `before … ready: healthy`: keeps running; the others wait until its probe passes.
    HealthySidecar,
    /// `before … ready: complete`: runs to completion before the others start.
    Init,
}

impl Role {
    /// True for the roles that keep running (main containers and sidecars).
    pub fn is_long_running(self) -> bool {
        self != Role::Init
    }
}

/// The role of every container of `w`.
pub fn of<W: WorkloadShape>(w: &W) -> Result<BTreeMap<String, Role>, Diagnostic> {
    let containers = w.containers();
    let mut out = BTreeMap::new();
    for (name, c) in containers {
        let mut role = Role::Main;
        for (other, b) in c.before() {
            if !containers.contains_key(other) || other == name {
                return Err(Diagnostic::error(
                    Code::UnknownContainer,
                    format!("container `{name}` is `before` the unknown container `{other}`"),
                )
                .at(b.span.clone()));
            }
            let r = match b.ready {
                Readiness::Started => Role::Sidecar,
                Readiness::Healthy => {
                    if c.probes().iter().all(Option::is_none) {
                        return Err(Diagnostic::error(
                            Code::MissingProbe,
                            format!(
                                "container `{name}` must be healthy before `{other}` starts but has no readiness or liveness probe"
                            ),
                        )
                        .at(b.span.clone())
                        .hint("add a readinessProbe or livenessProbe to the container, or use `ready: started`"));
                    }
                    Role::HealthySidecar
                }
                Readiness::Complete => Role::Init,
            };
            role = role.max(r);
        }
        out.insert(name.clone(), role);
    }
    if !containers.is_empty() && !out.values().any(|r| *r == Role::Main) {
        return Err(Diagnostic::error(
            Code::Unsupported,
            format!(
                "workload `{}`: every container runs before another one; at least one must be a regular container",
                w.name()
            ),
        )
        .at(w.span().clone())
        .hint("leave at least one container without `before`"));
    }
    Ok(out)
}

/// The non-main containers in topological `before` order, ties by name.
pub fn init_order<W: WorkloadShape>(
    w: &W,
    roles: &BTreeMap<String, Role>,
) -> Result<Vec<String>, Diagnostic> {
    let containers = w.containers();
    let init: BTreeSet<&String> = roles
        .iter()
        .filter(|(_, r)| **r != Role::Main)
        .map(|(n, _)| n)
        .collect();
    let mut incoming: BTreeMap<&String, BTreeSet<&String>> =
        init.iter().map(|n| (*n, BTreeSet::new())).collect();
    for n in &init {
        for other in containers[*n].before().keys() {
            if let Some(set) = incoming.get_mut(other) {
                set.insert(*n);
            }
        }
    }
    let mut order = Vec::new();
    while !incoming.is_empty() {
        let Some(next) = incoming
            .iter()
            .find(|(_, deps)| deps.is_empty())
            .map(|(n, _)| *n)
        else {
            return Err(cycle(w, &incoming));
        };
        incoming.remove(next);
        for deps in incoming.values_mut() {
            deps.remove(next);
        }
        order.push(next.clone());
    }
    Ok(order)
}

fn cycle<W: WorkloadShape>(w: &W, members: &BTreeMap<&String, BTreeSet<&String>>) -> Diagnostic {
    let names = members
        .keys()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let span = members
        .keys()
        .next()
        .and_then(|n| w.containers().get(*n))
        .map_or_else(|| w.span().clone(), |c| c.span().clone());
    Diagnostic::error(
        Code::DependencyCycle,
        format!(
            "workload `{}`: `before` forms a cycle between containers {names}",
            w.name()
        ),
    )
    .at(span)
}
