//! `service.ports` → named `portMappings` on the container serving them, and the Service Connect
//! services that let callers dial `<workload>:<port>` as on Kubernetes.

use std::collections::BTreeMap;

use score_x_core::Code;
use score_x_core::ir::Protocol;
use score_x_core::naming::{dns_label, is_score_name};
use score_x_core::resolved::ResolvedWorkload;

use crate::ctx::Ctx;
use crate::error::Error;
use crate::model::{PortMapping, ServiceConnectClientAlias, ServiceConnectService};

/// Annotation naming the container that serves a port: `ecs.score.dev/port-container.<port>`.
pub const PORT_CONTAINER_ANNOTATION: &str = "ecs.score.dev/port-container.";
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

/// The container serving a port.
fn owner(
    ctx: &mut Ctx<'_>,
    w: &ResolvedWorkload,
    name: &str,
    target: u16,
) -> Result<String, Error> {
    let span = w
        .service_ports
        .get(name)
        .map(|p| p.span.clone())
        .unwrap_or_else(|| w.span.clone());
    if let Some(c) = w
        .annotations
        .get(&format!("{PORT_CONTAINER_ANNOTATION}{name}"))
    {
        if w.containers.contains_key(c) {
            return Ok(c.clone());
        }
        return Err(Error::Workload {
            workload: w.name.clone(),
            reason: format!(
                "the annotation `{PORT_CONTAINER_ANNOTATION}{name}` names `{c}`, which is not a container"
            ),
            span: Box::new(span),
        });
    }
    if w.containers.len() == 1 {
        return Ok(w.containers.keys().next().cloned().unwrap_or_default());
    }
    let by_probe = w.containers.values().find(|c| {
        [&c.readiness_probe, &c.liveness_probe]
            .into_iter()
            .flatten()
            .any(|p| p.http_get.as_ref().is_some_and(|h| h.port == target))
    });
    if let Some(c) = by_probe {
        return Ok(c.name.clone());
    }
    // The primary container: the first (sorted) that nothing has to wait for and that waits for
    // nothing.
    let waited: Vec<&String> = w
        .containers
        .values()
        .flat_map(|c| c.before.keys())
        .collect();
    let primary = w
        .containers
        .values()
        .find(|c| c.before.is_empty() && !waited.contains(&&c.name))
        .or_else(|| w.containers.values().find(|c| c.before.is_empty()))
        .or_else(|| w.containers.values().next())
        .map(|c| c.name.clone())
        .unwrap_or_default();
    ctx.warn_hint(
        Code::Approximated,
        Some(&span),
        format!(
            "workload `{}`: nothing says which container serves port `{name}`; it is mapped on `{primary}`",
            w.name
        ),
        &format!("set the annotation `{PORT_CONTAINER_ANNOTATION}{name}: <container>`"),
    );
    Ok(primary)
}

pub fn plan(ctx: &mut Ctx<'_>, w: &ResolvedWorkload) -> Result<PortsPlan, Error> {
    let mut out = PortsPlan::default();
    // (container, targetPort, protocol) → mapping name, so two Score ports on one container
    // port share one mapping.
    let mut seen: BTreeMap<(String, u16, Protocol), String> = BTreeMap::new();
    let mut services: BTreeMap<String, ServiceConnectService> = BTreeMap::new();
    for (name, sp) in &w.service_ports {
        let container = owner(ctx, w, name, sp.target_port)?;
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
    Ok(out)
}

#[cfg(test)]
mod tests {
    use score_x_core::ir::{HttpGet, Probe, Scheme};
    use score_x_core::testing::WorkloadExt;

    use super::*;
    use crate::options::Options;
    use crate::testutil::{container, ctx, empty_app, span, workload};

    #[test]
    fn owner_by_probe_then_annotation_then_primary() {
        let mut web = container("web");
        web.readiness_probe = Some(Probe {
            http_get: Some(HttpGet {
                path: "/".into(),
                port: 8080,
                host: None,
                scheme: Scheme::Http,
                headers: vec![],
            }),
            exec: None,
            span: span(),
        });
        let mut w = workload("app", vec![container("agent"), web, container("zz")]);
        w.port("http", 80, 8080, Protocol::Tcp);
        w.port("alt", 8081, 8080, Protocol::Tcp);
        w.port("stats", 9000, 9000, Protocol::Tcp);
        w.port("syslog", 514, 514, Protocol::Udp);
        w.annotations
            .insert(format!("{PORT_CONTAINER_ANNOTATION}stats"), "zz".into());
        let (app, opts) = (empty_app(), Options::default());
        let mut c = ctx(&app, &opts);
        let p = plan(&mut c, &w).unwrap();
        // http and alt share container port 8080 on `web`: one mapping, two aliases.
        let web: Vec<(&str, i32)> = p.mappings["web"]
            .iter()
            .map(|m| (m.name.as_str(), m.container_port))
            .collect();
        assert_eq!(web, [("alt", 8080)]);
        assert_eq!(p.mappings["zz"][0].name, "stats");
        // syslog: no owner hint → the primary container (first sorted), with a warning.
        assert_eq!(p.mappings["agent"][0].protocol, "udp");
        assert!(
            c.warnings
                .iter()
                .any(|w| w.message.contains("port `syslog`"))
        );
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

    #[test]
    fn unknown_owner_annotation_is_an_error() {
        let mut w = workload("app", vec![container("a"), container("b")]);
        w.port("http", 80, 80, Protocol::Tcp);
        w.annotations
            .insert(format!("{PORT_CONTAINER_ANNOTATION}http"), "nope".into());
        let (app, opts) = (empty_app(), Options::default());
        assert!(matches!(
            plan(&mut ctx(&app, &opts), &w),
            Err(Error::Workload { .. })
        ));
    }
}
