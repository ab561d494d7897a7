//! `service.ports` → named `portMappings` on the container the plan says serves them, and the Service Connect
//! services that let callers dial `<workload>:<port>` as on Kubernetes.

use std::collections::BTreeMap;

use score_x_core::ir::Protocol;
use score_x_core::naming::{dns_label, is_score_name};
use score_x_core::plan::WorkloadPlan;
use score_x_core::resolved::ResolvedWorkload;

use crate::model::{PortMapping, ServiceConnectClientAlias, ServiceConnectService};

/// Annotation setting a port's `appProtocol` (`http`, `http2`, `grpc`).
pub const APP_PROTOCOL_ANNOTATION: &str = "ecs.score.dev/app-protocol.";

#[derive(Debug, Default)]
pub struct PortsPlan {
    pub mappings: BTreeMap<String, Vec<PortMapping>>,
    pub services: Vec<ServiceConnectService>,
}

fn port_name(name: &str) -> String {
    if is_score_name(name) {
        name.to_string()
    } else {
        dns_label(name, 60)
    }
}

fn app_protocol(w: &ResolvedWorkload, name: &str) -> Option<String> {
    if let Some(p) = w
        .annotations
        .get(&format!("{APP_PROTOCOL_ANNOTATION}{name}"))
    {
        return Some(p.clone());
    }
    ["http2", "grpc", "http"]
        .into_iter()
        .find(|p| name == *p || name.starts_with(&format!("{p}-")))
        .map(str::to_string)
}

pub fn plan(w: &ResolvedWorkload, plan: &WorkloadPlan) -> PortsPlan {
    let mut out = PortsPlan::default();
    // (container, targetPort, protocol) → mapping name, so two Score ports on one container
    // port share one mapping.
    let mut seen: BTreeMap<(String, u16, Protocol), String> = BTreeMap::new();
    let mut services: BTreeMap<String, ServiceConnectService> = BTreeMap::new();
    for (name, sp) in &w.service_ports {
        let Some(container) = plan.port_owners.get(name).cloned() else {
            continue;
        };
        let key = (container.clone(), sp.target_port, sp.protocol);
        let mapping_name = match seen.get(&key) {
            Some(n) => n.clone(),
            None => {
                let n = port_name(name);
                out.mappings
                    .entry(container.clone())
                    .or_default()
                    .push(PortMapping {
                        name: n.clone(),
                        container_port: i32::from(sp.target_port),
                        protocol: match sp.protocol {
                            Protocol::Tcp => "tcp",
                            Protocol::Udp => "udp",
                        }
                        .into(),
                        app_protocol: (sp.protocol == Protocol::Tcp)
                            .then(|| app_protocol(w, name))
                            .flatten(),
                    });
                seen.insert(key, n.clone());
                n
            }
        };
        if sp.protocol == Protocol::Udp {
            // Service Connect is TCP only; the capability pass warns (Feature::UdpPorts).
            continue;
        }
        let svc = services
            .entry(mapping_name.clone())
            .or_insert_with(|| ServiceConnectService {
                port_name: mapping_name.clone(),
                discovery_name: dns_label(&format!("{}-{mapping_name}", w.name), 63),
                client_aliases: Vec::new(),
            });
        let alias = ServiceConnectClientAlias {
            port: i32::from(sp.port),
            dns_name: w.name.clone(),
        };
        if !svc.client_aliases.contains(&alias) {
            svc.client_aliases.push(alias);
        }
    }
    out.services = services.into_values().collect();
    out
}

#[cfg(test)]
mod tests {
    use score_x_core::plan::for_tests;
    use score_x_core::testing::{WorkloadExt, app, container, workload};

    use super::*;

    #[test]
    fn mappings_and_service_connect_aliases() {
        let mut w = workload("app", vec![container("agent"), container("zz")]);
        w.port("http", 80, 8080, Protocol::Tcp);
        w.port("alt", 8081, 8080, Protocol::Tcp);
        w.port("stats", 9000, 9000, Protocol::Tcp);
        w.port("syslog", 514, 514, Protocol::Udp);
        w.annotations
            .insert("score-x.dev/port-container.stats".into(), "zz".into());
        let planned = for_tests(&app(vec![w.clone()], vec![]));
        let p = plan(&w, planned.workload("app").unwrap());
        // http and alt share container port 8080 on `agent`: one mapping, two aliases.
        let agent: Vec<(&str, i32)> = p.mappings["agent"]
            .iter()
            .map(|m| (m.name.as_str(), m.container_port))
            .collect();
        assert_eq!(agent, [("alt", 8080), ("syslog", 514)]);
        assert_eq!(p.mappings["zz"][0].name, "stats");
        let alt = p.services.iter().find(|s| s.port_name == "alt").unwrap();
        let ports: Vec<i32> = alt.client_aliases.iter().map(|a| a.port).collect();
        assert_eq!(ports, [8081, 80]);
        assert_eq!(alt.discovery_name, "app-alt");
        assert!(
            !p.services.iter().any(|s| s.port_name == "syslog"),
            "no Service Connect for UDP"
        );
        assert_eq!(app_protocol(&w, "http-api").as_deref(), Some("http"));
        assert_eq!(app_protocol(&w, "grpc").as_deref(), Some("grpc"));
        assert_eq!(app_protocol(&w, "metrics"), None);
    }
}
