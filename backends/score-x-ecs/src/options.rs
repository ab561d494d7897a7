//! Target options for ECS (`--target-options FILE`): account settings and mapping policies.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// ECS target options. Every field is optional; account-specific values that are missing are
/// never invented: the JSON files get a loud `<missing options.X>` placeholder plus a warning,
/// and the CloudFormation stack turns them into stack Parameters.
///
/// Provisioner templates see the target options file as `options` (only the keys it sets, so
/// templates guard optional keys with `{{#if options.key}}` or `default`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Options {
    /// Cluster name or ARN for `service.json` (`cluster`). Unset: the key is omitted (the AWS
    /// `default` cluster) and a warning is emitted.
    pub cluster: Option<String>,
    /// `FARGATE` (default) or `EC2`.
    pub launch_type: Option<LaunchType>,
    /// AWS region, used for `awslogs-region`.
    pub region: Option<String>,
    /// Task execution role (pulls images, writes logs, resolves `secrets`). Required by Fargate
    /// with `awslogs`; the stack creates one per workload instead when unset.
    pub execution_role_arn: Option<String>,
    /// Task role (the application's own AWS calls). The stack creates one when EFS IAM
    /// authorisation needs it.
    pub task_role_arn: Option<String>,
    /// Subnets of `networkConfiguration.awsvpcConfiguration` (required by awsvpc services).
    pub subnets: Option<Vec<String>>,
    /// Security groups of `networkConfiguration.awsvpcConfiguration`.
    pub security_groups: Option<Vec<String>>,
    /// `assignPublicIp` (default false → `DISABLED`).
    pub assign_public_ip: Option<bool>,
    /// Log group prefix: the group of workload W is `<prefix>/W` (default `/score-x`).
    pub log_group_prefix: Option<String>,
    /// Service Connect namespace (name or ARN). Unset: the cluster's default namespace in the
    /// JSON files; the stack creates an HTTP namespace named `score-x`.
    pub service_connect_namespace: Option<String>,
    /// `X86_64` (default) or `ARM64` (`runtimePlatform.cpuArchitecture`).
    pub cpu_architecture: Option<CpuArchitecture>,
    /// How a variable mixing text and secrets (e.g. a DSN with a password) is delivered:
    /// `promote` (default) or `shell-wrapper`.
    pub mixed_secrets: Option<MixedSecrets>,
    /// Allow files whose directory is a system directory (`/etc`, `/usr`, …). The task volume
    /// mounted there shadows the image's own files in that directory.
    pub allow_system_dir_files: Option<bool>,
    /// Prefix of the SSM parameters score-x asks the platform to create for promoted
    /// variables (default `/score-x`).
    pub secret_prefix: Option<String>,
    /// `desiredCount` of every service (default 1).
    pub desired_count: Option<u32>,
    /// Fargate `platformVersion` of the services (default: omitted, i.e. `LATEST`).
    pub platform_version: Option<String>,
    /// Image of the init container that writes `files` (default a pinned busybox).
    pub files_init_image: Option<String>,
    /// Extra tags for every task definition and service.
    pub tags: Option<BTreeMap<String, String>>,
    /// EFS file system for the default `volume` provisioner (each volume gets the root
    /// directory `/score-x/volumes/<class>/<id>`). Unset: default volumes are ephemeral, with a
    /// warning.
    pub efs_file_system_id: Option<String>,
    /// DNS domain of the host names the default provisioners give platform-run resources
    /// (`<type>-<id>.<domain>`, default `score-x.internal`); the platform creates the records.
    pub resource_domain: Option<String>,
    /// Prefix of the SSM parameters the default `environment` provisioner reads the deploy
    /// environment's values from: `${resources.env.KEY}` is `<prefix>/KEY` (default
    /// `/score-x/environment`, no trailing `/`). The platform creates them.
    pub environment_prefix: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum LaunchType {
    #[default]
    #[serde(rename = "FARGATE")]
    Fargate,
    #[serde(rename = "EC2")]
    Ec2,
}

impl LaunchType {
    pub fn as_str(self) -> &'static str {
        match self {
            LaunchType::Fargate => "FARGATE",
            LaunchType::Ec2 => "EC2",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum CpuArchitecture {
    #[default]
    #[serde(rename = "X86_64")]
    X86_64,
    #[serde(rename = "ARM64")]
    Arm64,
}

impl CpuArchitecture {
    pub fn as_str(self) -> &'static str {
        match self {
            CpuArchitecture::X86_64 => "X86_64",
            CpuArchitecture::Arm64 => "ARM64",
        }
    }
}

/// Delivery of variables mixing text and secret outputs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MixedSecrets {
    /// The whole composed value becomes an SSM SecureString of its own that the platform
    /// creates (listed in `secrets-to-create.json` with its composition recipe).
    #[default]
    Promote,
    /// Each secret part is injected as a hidden secret env var and the value is composed at
    /// start by a `sh -c` entrypoint (needs a shell in the image and a Score `command`).
    ShellWrapper,
}

/// Default image of the files init container (busybox from the ECR Public Docker mirror).
pub const DEFAULT_FILES_INIT_IMAGE: &str = "public.ecr.aws/docker/library/busybox:1.36.1";
/// Default log group prefix.
pub const DEFAULT_LOG_GROUP_PREFIX: &str = "/score-x";
/// Default prefix of promoted secrets.
pub const DEFAULT_SECRET_PREFIX: &str = "/score-x";

impl Options {
    pub fn launch_type(&self) -> LaunchType {
        self.launch_type.unwrap_or_default()
    }
    pub fn mixed_secrets(&self) -> MixedSecrets {
        self.mixed_secrets.unwrap_or_default()
    }
    pub fn log_group_prefix(&self) -> &str {
        self.log_group_prefix
            .as_deref()
            .map(|p| p.trim_end_matches('/'))
            .unwrap_or(DEFAULT_LOG_GROUP_PREFIX)
    }
    pub fn secret_prefix(&self) -> &str {
        self.secret_prefix
            .as_deref()
            .map(|p| p.trim_end_matches('/'))
            .unwrap_or(DEFAULT_SECRET_PREFIX)
    }
    pub fn files_init_image(&self) -> &str {
        self.files_init_image
            .as_deref()
            .unwrap_or(DEFAULT_FILES_INIT_IMAGE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_camel_case_and_rejects_unknown() {
        let o: Options = serde_yaml::from_str(
            "cluster: prod\nlaunchType: EC2\nsubnets: [subnet-1]\nmixedSecrets: shell-wrapper\ncpuArchitecture: ARM64\n",
        )
        .unwrap();
        assert_eq!(o.cluster.as_deref(), Some("prod"));
        assert_eq!(o.launch_type(), LaunchType::Ec2);
        assert_eq!(o.mixed_secrets(), MixedSecrets::ShellWrapper);
        assert!(serde_yaml::from_str::<Options>("clustr: x\n").is_err());
        let v = serde_json::to_value(Options::default()).unwrap();
        assert!(v.get("region").unwrap().is_null());
    }
}
