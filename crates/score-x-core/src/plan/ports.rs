//! Which container serves each service port: one annotation, one rule, one warning, for every
//! target.
//!
//! 1. The annotation `score-x.dev/port-container.<port>: <container>` (the older ECS key
//!    `ecs.score.dev/port-container.<port>` is read too).
//! 2. The only container, when there is one.
//! 3. The container whose HTTP probe checks the port's `targetPort`.
//! 4. Otherwise the first main container by name, with a warning when there is more than one.

use std::collections::BTreeMap;

use super::kind::annotation_path;
use super::roles::Role;
use super::shape::{ContainerShape, WorkloadShape};
use crate::diag::{Code, Diagnostic};

/// The annotation naming the container of a port (append the port name).
pub const PORT_CONTAINER_ANNOTATION: &str = "score-x.dev/port-container.";
/// Every accepted spelling of that annotation, in precedence order.
pub const PORT_CONTAINER_ANNOTATIONS: [&str; 2] =
    [PORT_CONTAINER_ANNOTATION, "ecs.score.dev/port-container."];

/// The container named by a port-container annotation, if any (an unknown name is an error).
fn annotated<W: WorkloadShape>(w: &W, port: &str) -> Result<Option<String>, Diagnostic> {
    let found = PORT_CONTAINER_ANNOTATIONS.iter().find_map(|prefix| {
        let key = format!("{prefix}{port}");
        w.annotations().get(&key).map(|c| (key, c))
    });
    let Some((key, container)) = found else {
        return Ok(None);
    };
    if w.containers().contains_key(container) {
        return Ok(Some(container.clone()));
    }
    Err(Diagnostic::error(
        Code::UnknownContainer,
        format!(
            "workload `{}`: annotation `{key}` names unknown container `{container}`",
            w.name()
        ),
    )
    .at(w.span().with_path(annotation_path(&key)))
    .hint("name one of the workload's containers"))
}

fn probed<W: WorkloadShape>(w: &W, target_port: u16) -> Option<String> {
    w.containers()
        .iter()
        .find(|(_, c)| {
            c.probes()
                .into_iter()
                .flatten()
                .any(|p| p.http_get.as_ref().is_some_and(|h| h.port == target_port))
        })
        .map(|(n, _)| n.clone())
}

/// Service port name → the container serving it.
pub fn owners<W: WorkloadShape>(
    w: &W,
    roles: &BTreeMap<String, Role>,
    warnings: &mut Vec<Diagnostic>,
) -> Result<BTreeMap<String, String>, Diagnostic> {
    let containers = w.containers();
    let mains: Vec<&String> = roles
        .iter()
        .filter(|(_, r)| **r == Role::Main)
        .map(|(n, _)| n)
        .collect();
    let mut out = BTreeMap::new();
    for (name, port) in w.service_ports() {
        let chosen = if let Some(c) = annotated(w, name)? {
            c
        } else if containers.len() == 1 {
            containers.keys().next().cloned().unwrap_or_default()
        } else if let Some(c) = probed(w, port.target_port) {
            c
        } else if let Some(first) = mains.first().copied().or_else(|| containers.keys().next()) {
            if mains.len() > 1 {
                warnings.push(
                    Diagnostic::warning(
                        Code::Approximated,
                        format!(
                            "workload `{}`: nothing says which container serves port `{name}`; it is mapped on `{first}`",
                            w.name()
                        ),
                    )
                    .at(port.span.clone())
                    .hint(format!(
                        "set the annotation `{PORT_CONTAINER_ANNOTATION}{name}: <container>`"
                    )),
                );
            }
            first.clone()
        } else {
            continue;
        };
        out.insert(name.clone(), chosen);
    }
    Ok(out)
}
