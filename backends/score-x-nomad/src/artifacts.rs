//! The `nomad` section of a provisioner, as rendered for one resource: what the backend adds
//! to the estate besides the outputs.
//!
//! ```yaml
//! volume: { type: host | csi | ephemeral, source: NAME, accessMode: …, attachmentMode: … }
//! jobs:                  # development services, each its own job `<id>.nomad.{hcl,json}`
//!   - id: pg-web-pg      # job ID, group, task and service name
//!     image: postgres:16
//!     port: 5432         # container port, registered as service `id`, with a tcp check
//!     env: { POSTGRES_USER: app }
//!     secretEnv: { POSTGRES_PASSWORD: { path: score-x/postgres/default/web-pg, item: password } }
//!     dataDir: /var/lib/postgresql/data   # kept in the allocation directory
//!     setup: [sh, -c, "…"]                 # optional poststart task (same image and env)
//! variables:             # Nomad Variables the platform creates (listed, never valued)
//!   - { path: score-x/postgres/default/web-pg, items: [password], description: … }
//! warnings: [ … ]        # said when a workload uses the resource
//! notes: [ … ]
//! ```

use std::collections::BTreeMap;

use score_x_core::resolved::ProvisionedResource;
use serde::Deserialize;

use crate::error::Error;

/// The whole section (every key optional, unknown keys rejected).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Section {
    pub volume: Option<VolumeSpec>,
    #[serde(default)]
    pub jobs: Vec<ServiceJob>,
    #[serde(default)]
    pub variables: Vec<VariableSpec>,
    #[serde(default)]
    pub warnings: Vec<String>,
    #[serde(default)]
    pub notes: Vec<String>,
}

/// How a `volume` resource is mounted.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VolumeSpec {
    #[serde(rename = "type")]
    pub kind: VolumeKind,
    /// Host volume name (client config) or CSI volume id.
    pub source: Option<String>,
    pub access_mode: Option<String>,
    pub attachment_mode: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VolumeKind {
    Host,
    Csi,
    /// A directory of the allocation (shared by the group's tasks, gone with the allocation).
    Ephemeral,
}

/// A Nomad Variable the platform must create.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VariableSpec {
    pub path: String,
    pub items: Vec<String>,
    pub description: Option<String>,
}

/// One item of a Nomad Variable.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VarItem {
    pub path: String,
    pub item: String,
}

/// A development service run as its own job.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceJob {
    pub id: String,
    pub image: String,
    pub entrypoint: Option<Vec<String>>,
    pub args: Option<Vec<String>>,
    pub port: Option<u16>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub secret_env: BTreeMap<String, VarItem>,
    pub data_dir: Option<String>,
    /// A command run once the service has started (a poststart task of the same image, with
    /// the same environment; it reaches the service on localhost).
    pub setup: Option<Vec<String>>,
    /// MHz (default 100).
    pub cpu: Option<u64>,
    /// MiB (default 256).
    pub memory: Option<u64>,
}

/// The section of `res`, or an empty one.
pub fn parse(res: &ProvisionedResource) -> Result<Section, Error> {
    if res.artifacts.is_none() {
        return Ok(Section::default());
    }
    let s: Section =
        serde_json::from_value(res.artifacts.value()).map_err(|e| Error::Artifacts {
            uid: res.uid.to_string(),
            reason: e.to_string(),
            span: Box::new(res.span.clone()),
        })?;
    for j in &s.jobs {
        if !score_x_core::naming::is_score_name(&j.id) {
            return Err(Error::Artifacts {
                uid: res.uid.to_string(),
                reason: format!(
                    "job id `{}` is not a DNS label (lowercase letters, digits, `-`; 2–63 characters)",
                    j.id
                ),
                span: Box::new(res.span.clone()),
            });
        }
    }
    Ok(s)
}
