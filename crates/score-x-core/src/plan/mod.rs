//! The target-neutral plan: the decisions every target needs, made once from the validated model
//! (naga's `back/mod.rs`). Backends map a [`WorkloadPlan`]; they never decide these again.
//!
//! - [`roles`]: container roles from `before` (main, sidecar, init) and the init order.
//! - [`ports`]: the container that serves each service port (one annotation, one rule).
//! - [`kind`]: the workload kind (service, stateful, job, cron) from one annotation family.

pub mod kind;
pub mod ports;
pub mod roles;
mod shape;

use std::collections::BTreeMap;

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::App;
use crate::resolved::Resolved;

pub use kind::{KIND_ANNOTATIONS, SCHEDULE_ANNOTATION, WorkloadKind};
pub use ports::{PORT_CONTAINER_ANNOTATION, PORT_CONTAINER_ANNOTATIONS};
pub use roles::Role;
pub use shape::{ContainerShape, WorkloadShape};

/// The plan of every workload of an estate, by workload name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    workloads: BTreeMap<String, WorkloadPlan>,
    /// Things the plan decided on a guess, said out loud (e.g. which container serves a port).
    warnings: Vec<Diagnostic>,
}

/// The decisions for one workload.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadPlan {
    pub kind: WorkloadKind,
    /// Container name → role.
    pub roles: BTreeMap<String, Role>,
    /// The non-main containers in `before` order (ties by name): what runs before the mains.
    pub init_order: Vec<String>,
    /// Service port name → the container serving it.
    pub port_owners: BTreeMap<String, String>,
}

impl WorkloadPlan {
    /// The role of `container` (`Main` for a name the plan does not know).
    pub fn role(&self, container: &str) -> Role {
        self.roles.get(container).copied().unwrap_or(Role::Main)
    }

    /// The main containers, by name.
    pub fn mains(&self) -> impl Iterator<Item = &str> {
        self.roles
            .iter()
            .filter(|(_, r)| **r == Role::Main)
            .map(|(n, _)| n.as_str())
    }
}

impl Plan {
    /// Plan the validated model, before provisioning (for checks that must run first).
    pub fn of_app(app: &App) -> Result<Plan, Diagnostics> {
        Self::build(app.workloads().values())
    }

    /// Plan the resolved model (what backends are handed).
    pub fn of_resolved(app: &Resolved) -> Result<Plan, Diagnostics> {
        Self::build(app.workloads().values())
    }

    fn build<'a, W: WorkloadShape + 'a>(
        workloads: impl Iterator<Item = &'a W>,
    ) -> Result<Plan, Diagnostics> {
        let mut plan = Plan::default();
        let mut errors = Diagnostics::new();
        for w in workloads {
            match plan_workload(w, &mut plan.warnings) {
                Ok(p) => {
                    plan.workloads.insert(w.name().to_string(), p);
                }
                Err(d) => errors.extend(d),
            }
        }
        if errors.has_errors() {
            return Err(errors);
        }
        Ok(plan)
    }

    /// The plan of workload `name`.
    pub fn workload(&self, name: &str) -> Option<&WorkloadPlan> {
        self.workloads.get(name)
    }

    /// Every workload's plan, by name.
    pub fn workloads(&self) -> impl Iterator<Item = (&String, &WorkloadPlan)> {
        self.workloads.iter()
    }

    /// The warnings raised while planning.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }
}

fn plan_workload<W: WorkloadShape>(
    w: &W,
    warnings: &mut Vec<Diagnostic>,
) -> Result<WorkloadPlan, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let kind = kind::of(w).map_err(|d| errors.push(d)).ok();
    let roles = roles::of(w).map_err(|d| errors.push(d)).ok();
    let init_order = roles
        .as_ref()
        .and_then(|r| roles::init_order(w, r).map_err(|d| errors.push(d)).ok());
    let port_owners = roles.as_ref().and_then(|r| {
        ports::owners(w, r, warnings)
            .map_err(|d| errors.push(d))
            .ok()
    });
    match (kind, roles, init_order, port_owners) {
        (Some(kind), Some(roles), Some(init_order), Some(port_owners)) if errors.is_empty() => {
            Ok(WorkloadPlan {
                kind,
                roles,
                init_order,
                port_owners,
            })
        }
        _ => Err(errors),
    }
}

/// The plan for a model a test built by hand (panics on an invalid model: tests only).
#[cfg(any(test, feature = "testing"))]
pub fn for_tests(app: &Resolved) -> Plan {
    match Plan::of_resolved(app) {
        Ok(p) => p,
        Err(d) => panic!("invalid test model: {d:?}"),
    }
}

#[cfg(test)]
mod tests;
