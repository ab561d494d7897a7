//! Cross-runtime service references: a `service-port` resource whose callee runs on another
//! runtime than the resource's host resolves to the address the callee's runtime exposes to
//! other runtimes: Kubernetes `<service>.<namespace>.svc.cluster.local`, ECS the Cloud Map /
//! Service Connect name `<workload>.<serviceConnectNamespace>`, Nomad the Consul DNS name
//! `<workload>-<port>.service.consul` (static ports only). The placement's `serviceAddresses`
//! overrides the pattern per target; a callee that cannot be reached is an error naming the
//! setting.

use std::collections::BTreeMap;

use crate::backend::Target;
use crate::diag::{Code, Diagnostic};
use crate::flat_map::FlatMap;
use crate::ir::{App, Workload};
use crate::naming::dns_label;
use crate::placement::Placement;
use crate::resolved::{Output, ProvisionedResource};
use crate::uid::ResourceUid;

/// The resource type whose outputs are another workload's address.
pub const SERVICE_PORT: &str = "service-port";

/// What a cross-runtime address is computed from: the estate, its placement, each resource's
/// host and each target's options (as JSON).
pub struct Addresses<'a> {
    pub app: &'a App,
    pub placement: &'a Placement,
    pub hosts: &'a BTreeMap<ResourceUid, Target>,
    pub options: &'a BTreeMap<Target, serde_json::Value>,
}

impl Addresses<'_> {
    /// Replace the outputs of `r` when it is a `service-port` whose callee runs on a runtime other
    /// than `r`'s host; leave every other resource alone.
    pub fn rewrite(&self, r: &mut ProvisionedResource) -> Result<(), Diagnostic> {
        if r.type_ != SERVICE_PORT {
            return Ok(());
        }
        let Some(callee) = r.params.get("workload").and_then(|v| v.as_str()) else {
            return Ok(());
        };
        let (Some(w), Some(host)) = (self.app.workloads().get(callee), self.hosts.get(&r.uid))
        else {
            return Ok(());
        };
        let Some(at) = self.placement.workload(callee) else {
            return Ok(());
        };
        if at.provisioner_section() == host.provisioner_section() {
            return Ok(());
        }
        let Some(port) = service_port(w, r.params.get("port")) else {
            return Ok(());
        };
        let hostname = self.address(w, &port.0, at, *host, r)?;
        r.outputs = FlatMap::from([
            ("hostname".to_string(), Output::Plain(hostname.into())),
            ("port".to_string(), Output::Plain(port.1.into())),
        ]);
        Ok(())
    }

    fn address(
        &self,
        w: &Workload,
        port_name: &str,
        at: Target,
        caller: Target,
        r: &ProvisionedResource,
    ) -> Result<String, Diagnostic> {
        let pattern = self
            .placement
            .service_addresses
            .get(&at)
            .map(String::as_str);
        exposed(w, port_name, at, self.options.get(&at), pattern).map_err(|u| {
            Diagnostic::error(
                Code::Unsupported,
                format!(
                    "`{}` (on {caller}) calls workload `{}` on {at}, which {}",
                    r.uid, w.name, u.why
                ),
            )
            .at(r.span.clone())
            .hint(u.hint(at))
        })
    }
}

/// Why a workload's port cannot be reached from another runtime, and the setting that fixes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unreachable {
    pub why: &'static str,
    pub setting: &'static str,
}

impl Unreachable {
    /// The fix, with the placement file's alternative.
    pub fn hint(&self, at: Target) -> String {
        format!(
            "{}, or give the address pattern in the placement file: `serviceAddresses: {{{at}: \"{{workload}}.example.internal\"}}` (docs/hybrid.md)",
            self.setting
        )
    }
}

/// The address other runtimes dial to reach port `port_name` of workload `w` running on `at`,
/// from `at`'s target options and the placement's `serviceAddresses` pattern for `at`.
pub fn exposed(
    w: &Workload,
    port_name: &str,
    at: Target,
    options: Option<&serde_json::Value>,
    pattern: Option<&str>,
) -> Result<String, Unreachable> {
    let opt = |k: &str| options.and_then(|o| o.get(k));
    let service = match at.provisioner_section() {
        "kubernetes" => kubernetes_service(w).to_string(),
        "nomad" => dns_label(&format!("{}-{port_name}", w.name), 63),
        _ => w.name.clone(),
    };
    let namespace = match at.provisioner_section() {
        "kubernetes" => opt("namespace")
            .and_then(|v| v.as_str())
            .unwrap_or("default"),
        "ecs" => opt("serviceConnectNamespace")
            .and_then(|v| v.as_str())
            .unwrap_or(""),
        _ => "",
    };
    if let Some(p) = pattern {
        return Ok(p
            .replace("{workload}", &w.name)
            .replace("{service}", &service)
            .replace("{namespace}", namespace));
    }
    match at.provisioner_section() {
        "kubernetes" => Ok(format!("{service}.{namespace}.svc.cluster.local")),
        "ecs" if namespace.is_empty() => Err(Unreachable {
            why: "has no DNS name other runtimes resolve: no Cloud Map namespace is set",
            setting: "set `serviceConnectNamespace` in the ecs target options",
        }),
        "ecs" => Ok(format!("{}.{namespace}", w.name)),
        "nomad" if opt("staticPorts").and_then(|v| v.as_bool()) != Some(true) => Err(Unreachable {
            why: "listens on dynamic ports other runtimes cannot know",
            setting: "set `staticPorts: true` in the nomad target options (callers then dial `<service>.service.consul` at the Score port)",
        }),
        "nomad" => Ok(format!("{service}.service.consul")),
        _ => Err(Unreachable {
            why: "has no declared cross-runtime address",
            setting: "choose a pattern",
        }),
    }
}

/// The name other objects reach workload `w` by on Kubernetes: its `k8s.score.dev/service-name`
/// annotation (score-k8s's; the kubernetes backend names the Service so when it is a valid
/// name), else its name.
pub fn kubernetes_service(w: &Workload) -> &str {
    w.annotations
        .get("k8s.score.dev/service-name")
        .filter(|n| {
            n.len() <= 63
                && n.starts_with(|c: char| c.is_ascii_lowercase())
                && !n.ends_with('-')
                && n.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        .map_or(&w.name, String::as_str)
}

/// The service port `wanted` names (by name or number): its name and the port callers dial.
fn service_port(w: &Workload, wanted: Option<&serde_json::Value>) -> Option<(String, u16)> {
    let wanted = wanted?;
    w.service_ports.iter().find_map(|(name, p)| {
        let by_name = wanted.as_str() == Some(name.as_str());
        let by_number = wanted.as_u64() == Some(u64::from(p.port))
            || wanted.as_str() == Some(p.port.to_string().as_str());
        (by_name || by_number).then(|| (name.clone(), p.port))
    })
}
