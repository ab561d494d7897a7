//! The `ecs:` section of a provisioner (delivered as `ProvisionedResource.artifacts`): its schema
//! and parsing. Documented in docs/targets/ecs.md.

use std::collections::BTreeMap;

use score_x_core::resolved::ProvisionedResource;
use serde::Deserialize;

use crate::error::Error;

/// The `ecs:` section of a provisioner, rendered.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EcsSection {
    /// SSM parameters / Secrets Manager secrets the platform must create (names only).
    #[serde(default)]
    pub parameters: Vec<ParameterSpec>,
    /// DNS records the platform must create (e.g. a CNAME to the database endpoint).
    #[serde(default)]
    pub dns_records: Vec<DnsRecordSpec>,
    /// Extra CloudFormation resources and parameters merged into `cloudformation.yaml`.
    #[serde(default)]
    pub cloudformation: Option<CfnSection>,
    /// For volume providers: the kind of ECS task volume.
    #[serde(default)]
    pub volume: Option<VolumeSpec>,
    /// Containers added to the task definition of every workload using the resource.
    #[serde(default)]
    pub sidecars: Vec<Sidecar>,
    /// Warnings to show (e.g. "routes need a load balancer").
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Notes to show.
    #[serde(default)]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ParameterSpec {
    pub name: String,
    #[serde(rename = "type", default)]
    pub kind: ParameterKind,
    #[serde(default)]
    pub description: Option<String>,
}

/// A DNS name a provisioner promised to its consumers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DnsRecordSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize,
)]
pub enum ParameterKind {
    #[default]
    SecureString,
    String,
    SecretsManager,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CfnSection {
    /// Logical id → resource (`Type`, `Properties`, …), added to `Resources`.
    #[serde(default)]
    pub resources: BTreeMap<String, serde_json::Value>,
    /// Name → parameter, added to `Parameters`.
    #[serde(default)]
    pub parameters: BTreeMap<String, serde_json::Value>,
}

/// The task volume a volume resource stands for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum VolumeSpec {
    /// EFS, always with transit encryption.
    #[serde(rename_all = "camelCase")]
    Efs {
        file_system_id: String,
        #[serde(default)]
        access_point_id: Option<String>,
        #[serde(default)]
        root_directory: Option<String>,
        /// Use the task role for EFS IAM authorisation.
        #[serde(default)]
        iam: bool,
    },
    /// A task-scoped empty volume (shared by the task's containers, gone with the task).
    Ephemeral {},
    /// A directory of the EC2 host (EC2 launch type only).
    #[serde(rename_all = "camelCase")]
    Host { source_path: String },
    /// A Docker volume (EC2 launch type only).
    #[serde(rename_all = "camelCase")]
    Docker {
        #[serde(default)]
        driver: Option<String>,
        /// `task` (default) or `shared`.
        #[serde(default)]
        scope: Option<String>,
        #[serde(default)]
        autoprovision: Option<bool>,
    },
}

/// A container a provisioner adds next to the workload's containers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Sidecar {
    pub name: String,
    pub image: String,
    /// Default false: a failing sidecar does not stop the task.
    #[serde(default)]
    pub essential: bool,
    #[serde(default)]
    pub entry_point: Option<Vec<String>>,
    #[serde(default)]
    pub command: Option<Vec<String>>,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    /// Env var → `valueFrom` (SSM parameter name/ARN or Secrets Manager ARN).
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
    /// CPU units.
    #[serde(default)]
    pub cpu: Option<u32>,
    /// Hard memory limit, MiB.
    #[serde(default)]
    pub memory: Option<u32>,
}

/// Parse a resource's `ecs` section (`Null` → empty).
pub fn parse(res: &ProvisionedResource) -> Result<EcsSection, Error> {
    if res.artifacts.is_none() {
        return Ok(EcsSection::default());
    }
    serde_json::from_value(res.artifacts.value()).map_err(|e| Error::Artifacts {
        uid: res.uid.to_string(),
        reason: e.to_string(),
        span: Box::new(res.span.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schema() {
        let s: EcsSection = serde_json::from_value(json!({
            "parameters": [{"name": "/score-x/x/password", "type": "SecureString"}],
            "volume": {"kind": "efs", "fileSystemId": "fs-1", "iam": true},
            "sidecars": [{"name": "proxy", "image": "p:1", "secrets": {"TOKEN": "/t"}}]
        }))
        .unwrap();
        assert_eq!(s.parameters.len(), 1);
        assert!(matches!(s.volume, Some(VolumeSpec::Efs { iam: true, .. })));
        assert!(serde_json::from_value::<EcsSection>(json!({"volumes": {}})).is_err());
        assert!(serde_json::from_value::<EcsSection>(json!({"volume": {"kind": "nfs"}})).is_err());
        let e: EcsSection =
            serde_json::from_value(json!({"volume": {"kind": "ephemeral"}})).unwrap();
        assert_eq!(e.volume, Some(VolumeSpec::Ephemeral {}));
    }
}
