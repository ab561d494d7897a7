//! Target options of the Nomad backend (read from `--target-options FILE`).

use serde::{Deserialize, Serialize};

/// MHz reserved per requested CPU core when `cpuMhzPerCore` is not set.
pub const DEFAULT_MHZ_PER_CORE: u32 = 1000;

/// Options of the Nomad target. Unknown keys are rejected; every field is optional.
///
/// The same options are handed to the provisioner templates as `options`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Options {
    /// `datacenters` of every job (default `["*"]`, every datacenter).
    pub datacenters: Option<Vec<String>>,
    /// `namespace` of every job (default: Nomad's `default`).
    pub namespace: Option<String>,
    /// `node_pool` of every job (Nomad ≥ 1.6; default: Nomad's `default`).
    pub node_pool: Option<String>,
    /// `region` of every job.
    pub region: Option<String>,
    /// Service discovery provider of every service: `nomad` (default, built in) or `consul`.
    #[serde(default)]
    pub service_provider: ServiceProvider,
    /// MHz reserved per requested core in `cpuMode: mhz` (default 1000).
    pub cpu_mhz_per_core: Option<u32>,
    /// `mhz` (default): `resources.cpu` in MHz; `cores`: whole reserved cores.
    #[serde(default)]
    pub cpu_mode: CpuMode,
    /// Group network mode: `bridge` (default; containers share localhost, needs CNI plugins)
    /// or `host`.
    #[serde(default)]
    pub network_mode: NetworkMode,
    /// Pin each service port's host port to the Score `port` (`static`); default dynamic.
    #[serde(default)]
    pub static_ports: bool,
    /// HCL2 `variable` blocks to emit (`image`: one per container, defaulting to its image).
    #[serde(default)]
    pub variables: Vec<HclVariable>,
    /// Resolve other workloads' host names through Consul DNS (`<service>.service.consul`)
    /// instead of `nomadService` templates.
    #[serde(default)]
    pub consul_dns: bool,
}

impl Options {
    /// MHz per core in effect.
    pub fn mhz_per_core(&self) -> u32 {
        self.cpu_mhz_per_core.unwrap_or(DEFAULT_MHZ_PER_CORE)
    }
}

/// Where services register.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceProvider {
    #[default]
    Nomad,
    Consul,
}

impl ServiceProvider {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceProvider::Nomad => "nomad",
            ServiceProvider::Consul => "consul",
        }
    }
    /// The template function listing a service's instances.
    pub fn template_function(self) -> &'static str {
        match self {
            ServiceProvider::Nomad => "nomadService",
            ServiceProvider::Consul => "service",
        }
    }
}

/// How CPU is reserved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CpuMode {
    #[default]
    Mhz,
    Cores,
}

/// Group network mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkMode {
    #[default]
    Bridge,
    Host,
}

impl NetworkMode {
    pub fn as_str(self) -> &'static str {
        match self {
            NetworkMode::Bridge => "bridge",
            NetworkMode::Host => "host",
        }
    }
}

/// Kinds of HCL2 input variables the HCL file can declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HclVariable {
    /// `variable "image_<container>"`, used by the task's `config.image`.
    Image,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_camel_case_and_rejects_unknown_keys() {
        let o: Options = serde_yaml::from_str(
            "datacenters: [dc1]\nnamespace: shop\nnodePool: web\nregion: eu\nserviceProvider: consul\ncpuMhzPerCore: 2400\ncpuMode: cores\nnetworkMode: host\nstaticPorts: true\nvariables: [image]\nconsulDns: true\n",
        )
        .unwrap();
        assert_eq!(o.datacenters, Some(vec!["dc1".to_string()]));
        assert_eq!(o.service_provider, ServiceProvider::Consul);
        assert_eq!(o.mhz_per_core(), 2400);
        assert_eq!(o.cpu_mode, CpuMode::Cores);
        assert_eq!(o.network_mode, NetworkMode::Host);
        assert!(o.static_ports && o.consul_dns);
        assert_eq!(o.variables, vec![HclVariable::Image]);
        assert!(serde_yaml::from_str::<Options>("datacenter: [x]\n").is_err());
        assert!(serde_yaml::from_str::<Options>("serviceProvider: vault\n").is_err());
        let d = serde_yaml::from_str::<Options>("{}").unwrap();
        assert_eq!(d, Options::default());
        assert_eq!(d.mhz_per_core(), 1000);
        assert_eq!(d.network_mode, NetworkMode::Bridge);
    }
}
