//! Group network: a port label per service port (`to = targetPort`), a service per port, and
//! the hidden ports probes dial when they are not service ports.

use std::collections::BTreeMap;

use score_x_core::naming::dns_label;
use score_x_core::resolved::ResolvedWorkload;

use crate::error::Error;
use crate::model::{NetworkResource, Port, Service, ServiceCheck};
use crate::options::Options;

/// A port label Nomad accepts (`NOMAD_PORT_<label>` keeps it): letters, digits and `_`.
pub fn port_label(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The service name of a workload's port.
pub fn service_name(workload: &str, port: &str) -> String {
    dns_label(&format!("{workload}-{port}"), 63)
}

/// The group network and services of a workload under construction.
#[derive(Debug, Default)]
pub struct Network {
    ports: Vec<Port>,
    static_ports: Vec<Port>,
    /// targetPort → label.
    by_target: BTreeMap<u16, String>,
    pub services: Vec<Service>,
}

impl Network {
    /// Ports and services of `w`'s `service.ports`.
    pub fn new(w: &ResolvedWorkload, opts: &Options) -> Result<Self, Error> {
        let mut n = Network::default();
        let mut labels: BTreeMap<String, String> = BTreeMap::new();
        for p in w.service_ports.values() {
            let label = port_label(&p.name);
            if let Some(first) = labels.insert(label.clone(), p.name.clone()) {
                return Err(Error::Workload {
                    workload: w.name.clone(),
                    reason: format!(
                        "service ports `{first}` and `{}` both become the Nomad port label `{label}`",
                        p.name
                    ),
                    span: Box::new(p.span.clone()),
                });
            }
            let port = Port {
                label: label.clone(),
                value: opts.static_ports.then_some(p.port),
                to: p.target_port,
            };
            if opts.static_ports {
                n.static_ports.push(port);
            } else {
                n.ports.push(port);
            }
            n.by_target.entry(p.target_port).or_insert(label.clone());
            n.services.push(Service {
                name: service_name(&w.name, &p.name),
                port_label: Some(label),
                provider: opts.service_provider.as_str().to_string(),
                checks: Vec::new(),
            });
        }
        Ok(n)
    }

    /// The label of `target_port`, adding a hidden dynamic port when no service port has it.
    pub fn label_for(&mut self, target_port: u16) -> String {
        if let Some(l) = self.by_target.get(&target_port) {
            return l.clone();
        }
        let label = format!("probe_{target_port}");
        self.ports.push(Port {
            label: label.clone(),
            value: None,
            to: target_port,
        });
        self.by_target.insert(target_port, label.clone());
        label
    }

    /// Attach `check` to the service of its port (or the first service; or a new service
    /// `fallback` when there is none).
    pub fn attach(&mut self, check: ServiceCheck, fallback: &str, provider: &str) {
        let i = self
            .services
            .iter()
            .position(|s| s.port_label.is_some() && s.port_label == check.port_label)
            .or(if self.services.is_empty() {
                None
            } else {
                Some(0)
            });
        match i {
            Some(i) => self.services[i].checks.push(check),
            None => self.services.push(Service {
                name: fallback.to_string(),
                port_label: check.port_label.clone(),
                provider: provider.to_string(),
                checks: vec![check],
            }),
        }
    }

    /// The port labels a container publishes in host mode.
    pub fn labels(&self) -> Vec<String> {
        self.static_ports
            .iter()
            .chain(&self.ports)
            .map(|p| p.label.clone())
            .collect()
    }

    pub fn resource(&self, opts: &Options) -> NetworkResource {
        NetworkResource {
            mode: opts.network_mode.as_str().to_string(),
            dynamic_ports: self.ports.clone(),
            reserved_ports: self.static_ports.clone(),
        }
    }
}
