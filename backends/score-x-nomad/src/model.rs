//! Typed Nomad job model, serialised as the JSON jobs API (`{"Job": …}`): PascalCase fields as
//! in the Nomad OpenAPI `Job` schema, durations as integers of nanoseconds, and the docker
//! driver's `Config` with its own snake_case keys. The HCL form is written from the same values
//! ([`crate::hcl`]), so both describe one job.

use std::collections::BTreeMap;

use serde::Serialize;

/// A duration, serialised as integer nanoseconds (JSON) and as `"10s"` (HCL).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Duration {
    pub seconds: u64,
}

impl Duration {
    pub const fn secs(seconds: u64) -> Self {
        Duration { seconds }
    }
    pub fn nanos(self) -> u64 {
        self.seconds.saturating_mul(1_000_000_000)
    }
    /// HCL / Go duration text.
    pub fn text(self) -> String {
        format!("{}s", self.seconds)
    }
}

impl Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.nanos())
    }
}

/// The body of `POST /v1/jobs` (the job borrowed: written, never copied).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobRequest<'a> {
    #[serde(rename = "Job")]
    pub job: &'a Job,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Job {
    #[serde(rename = "ID")]
    pub id: String,
    pub name: String,
    #[serde(rename = "Type")]
    pub type_: String,
    pub datacenters: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_pool: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub meta: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub periodic: Option<PeriodicConfig>,
    pub task_groups: Vec<TaskGroup>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PeriodicConfig {
    pub enabled: bool,
    pub spec: String,
    pub spec_type: String,
    pub prohibit_overlap: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaskGroup {
    pub name: String,
    pub count: u32,
    pub networks: Vec<NetworkResource>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Service>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub volumes: BTreeMap<String, VolumeRequest>,
    pub tasks: Vec<Task>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkResource {
    pub mode: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dynamic_ports: Vec<Port>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reserved_ports: Vec<Port>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Port {
    pub label: String,
    /// The static host port (reserved ports only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<u16>,
    /// The port inside the network namespace (Score `targetPort`).
    pub to: u16,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Service {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_label: Option<String>,
    pub provider: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<ServiceCheck>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServiceCheck {
    pub name: String,
    #[serde(rename = "Type")]
    pub type_: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub header: BTreeMap<String, Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_name: Option<String>,
    pub interval: Duration,
    pub timeout: Duration,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_restart: Option<CheckRestart>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CheckRestart {
    pub limit: u32,
    pub grace: Duration,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Task {
    pub name: String,
    pub driver: String,
    pub config: DockerConfig,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub templates: Vec<Template>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volume_mounts: Vec<VolumeMount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<TaskLifecycle>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
}

/// The docker driver's `config` (its keys are the driver's own, snake_case).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DockerConfig {
    pub image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<String>>,
    /// Port labels the container publishes (host network mode only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<String>,
    #[serde(rename = "mount", skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<DockerMount>,
    /// `host:container[:ro]` binds (inside the allocation directory only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DockerMount {
    #[serde(rename = "type")]
    pub type_: String,
    pub source: String,
    pub target: String,
    pub readonly: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Template {
    pub embedded_tmpl: String,
    pub dest_path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub perms: Option<String>,
    pub left_delim: String,
    pub right_delim: String,
    pub envvars: bool,
    pub change_mode: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaskLifecycle {
    pub hook: String,
    pub sidecar: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Resources {
    #[serde(rename = "CPU", skip_serializing_if = "Option::is_none")]
    pub cpu: Option<u64>,
    #[serde(rename = "Cores", skip_serializing_if = "Option::is_none")]
    pub cores: Option<u64>,
    #[serde(rename = "MemoryMB", skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<u64>,
    #[serde(rename = "MemoryMaxMB", skip_serializing_if = "Option::is_none")]
    pub memory_max_mb: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VolumeRequest {
    pub name: String,
    #[serde(rename = "Type")]
    pub type_: String,
    pub source: String,
    pub read_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachment_mode: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VolumeMount {
    pub volume: String,
    pub destination: String,
    pub read_only: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_nanoseconds_and_fields_pascal_case() {
        let c = ServiceCheck {
            name: "c".into(),
            type_: "http".into(),
            interval: Duration::secs(10),
            timeout: Duration::secs(2),
            ..Default::default()
        };
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["Interval"], 10_000_000_000u64);
        assert_eq!(v["Timeout"], 2_000_000_000u64);
        assert_eq!(v["Type"], "http");
        assert!(v.get("Path").is_none());
        assert_eq!(Duration::secs(10).text(), "10s");
    }
}
