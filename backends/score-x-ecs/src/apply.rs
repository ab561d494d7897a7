//! `apply`: compose the bundle's promoted secrets into SSM (aws-sdk-ssm, reading components
//! from SSM / Secrets Manager), then register its task definitions and create or update its
//! services through the ECS API (aws-sdk-ecs), on a current-thread tokio runtime built here.
//! Network I/O.
//!
//! Credentials: explicit [`StaticCredentials`] when given (tests, local endpoints), otherwise
//! the standard AWS chain (environment, profile, SSO, instance/container role).

mod compose;
mod convert;
mod recipe;

use std::collections::BTreeMap;
use std::fmt;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::config::{
    BehaviorVersion, Credentials, ProvideCredentials, Region, SharedCredentialsProvider,
};

use crate::ctx::{MISSING, missing};
use crate::error::Error;
use crate::model::{Service, TaskDefinition};

/// How to reach ECS.
#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    /// Endpoint override (e.g. `http://127.0.0.1:5000` for a local moto server).
    pub endpoint_url: Option<String>,
    /// Region; falls back to the AWS chain (AWS_REGION, profile).
    pub region: Option<String>,
    /// Cluster for every service; falls back to the `cluster` written in service.json.
    pub cluster: Option<String>,
    /// Create the cluster when it does not exist (or is inactive).
    pub create_cluster: bool,
    /// Explicit credentials instead of the AWS default chain.
    pub credentials: Option<StaticCredentials>,
}

/// Explicit AWS credentials. `Debug` never shows the secret key.
#[derive(Clone)]
pub struct StaticCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl fmt::Debug for StaticCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

/// What apply did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyReport {
    pub region: String,
    /// Cluster → whether apply created it.
    pub clusters: BTreeMap<String, bool>,
    /// Promoted secrets of `secrets-to-create.json` composed into SSM (names only).
    pub secrets: Vec<ComposedSecret>,
    pub task_definitions: Vec<RegisteredTaskDefinition>,
    pub services: Vec<AppliedService>,
    /// Non-fatal findings (e.g. a secret the platform has not created yet), names only.
    pub warnings: Vec<String>,
}

/// What apply did with a promoted secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretAction {
    /// The parameter did not exist.
    Created,
    /// The stored value (or type) differed and was overwritten.
    Updated,
    /// The stored SecureString already held the composed value: not written.
    Unchanged,
}

/// A promoted secret composed by apply. Names only: the value is never kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposedSecret {
    pub name: String,
    pub action: SecretAction,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredTaskDefinition {
    pub family: String,
    pub revision: i32,
    pub arn: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceAction {
    Created,
    Updated,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedService {
    pub name: String,
    pub cluster: String,
    pub action: ServiceAction,
    pub arn: String,
    pub task_definition: String,
}

impl fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (c, created) in &self.clusters {
            if *created {
                writeln!(f, "created cluster {c} ({})", self.region)?;
            }
        }
        for s in &self.secrets {
            match s.action {
                SecretAction::Created | SecretAction::Updated => {
                    writeln!(f, "composed {}", s.name)?
                }
                SecretAction::Unchanged => writeln!(f, "secret {} already up to date", s.name)?,
            }
        }
        for t in &self.task_definitions {
            writeln!(
                f,
                "registered task definition {}:{} ({})",
                t.family, t.revision, t.arn
            )?;
        }
        for s in &self.services {
            let verb = match s.action {
                ServiceAction::Created => "created",
                ServiceAction::Updated => "updated",
            };
            writeln!(
                f,
                "{verb} service {} in cluster {} → {}",
                s.name, s.cluster, s.task_definition
            )?;
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        Ok(())
    }
}

/// One workload of the bundle.
struct Unit {
    name: String,
    task: TaskDefinition,
    service: Option<Service>,
}

fn parse_bundle(files: &BTreeMap<String, Vec<u8>>, region: &str) -> Result<Vec<Unit>, Error> {
    let mut units = Vec::new();
    for (path, bytes) in files {
        let Some(name) = path.strip_suffix("/task-definition.json") else {
            continue;
        };
        let text = |p: &str, b: &[u8]| -> Result<String, Error> {
            let s = String::from_utf8(b.to_vec()).map_err(|e| Error::InvalidBundle {
                file: p.to_string(),
                reason: e.to_string(),
            })?;
            // The region placeholder is filled with the apply region (when known); every other
            // missing setting is an error.
            let s = s.replace(&missing("region"), region);
            let mut from = 0;
            while let Some(i) = s[from..].find(MISSING).map(|i| i + from) {
                let end = s[i..].find('>').map_or(s.len(), |e| i + e + 1);
                let placeholder = &s[i..end];
                if placeholder != missing("region") {
                    return Err(Error::Placeholder {
                        file: p.to_string(),
                        placeholder: placeholder.to_string(),
                    });
                }
                from = end;
            }
            Ok(s)
        };
        let task: TaskDefinition =
            serde_json::from_str(&text(path, bytes)?).map_err(|e| Error::InvalidBundle {
                file: path.clone(),
                reason: format!("not a task definition score-x can apply: {e}"),
            })?;
        let spath = format!("{name}/service.json");
        let service =
            match files.get(&spath) {
                Some(b) => Some(serde_json::from_str::<Service>(&text(&spath, b)?).map_err(
                    |e| Error::InvalidBundle {
                        file: spath.clone(),
                        reason: format!("not a service score-x can apply: {e}"),
                    },
                )?),
                None => None,
            };
        units.push(Unit {
            name: name.to_string(),
            task,
            service,
        });
    }
    if units.is_empty() {
        return Err(Error::InvalidBundle {
            file: "<bundle>".into(),
            reason: "no `<workload>/task-definition.json` in the bundle".into(),
        });
    }
    Ok(units)
}

/// An error and its sources, `: `-separated, without repeats (no debug dumps).
fn chain(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    while let Some(x) = cur {
        let t = x.to_string();
        if !t.is_empty() && !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = x.source();
    }
    parts.join(": ")
}

fn aws(operation: &str, e: impl std::error::Error) -> Error {
    Error::Aws {
        operation: operation.into(),
        message: chain(&e),
    }
}

/// The AWS clients of apply, sharing one configuration (region, credentials, endpoint).
struct Clients {
    ecs: Client,
    ssm: aws_sdk_ssm::Client,
    sm: aws_sdk_secretsmanager::Client,
}

impl Clients {
    fn new(conf: &aws_config::SdkConfig) -> Self {
        Clients {
            ecs: Client::new(conf),
            ssm: aws_sdk_ssm::Client::new(conf),
            sm: aws_sdk_secretsmanager::Client::new(conf),
        }
    }
}

async fn clients(opts: &ApplyOptions) -> Result<(Clients, String), Error> {
    if let Some(c) = &opts.credentials {
        let region = opts.region.clone().ok_or(Error::MissingRegion)?;
        let mut b = aws_config::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.clone()))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                &c.access_key_id,
                &c.secret_access_key,
                c.session_token.clone(),
                None,
                "score-x",
            )));
        if let Some(u) = &opts.endpoint_url {
            b = b.endpoint_url(u);
        }
        return Ok((Clients::new(&b.build()), region));
    }
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(r) = &opts.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(u) = &opts.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    let conf = loader.load().await;
    let region = conf
        .region()
        .map(|r| r.to_string())
        .ok_or(Error::MissingRegion)?;
    let provider = conf
        .credentials_provider()
        .ok_or_else(|| Error::MissingCredentials("no credentials provider is configured".into()))?;
    provider
        .provide_credentials()
        .await
        .map_err(|e| Error::MissingCredentials(chain(&e)))?;
    Ok((Clients::new(&conf), region))
}

/// Compose the promoted secrets of `secrets-to-create.json` (entries with a `recipe`) into SSM
/// SecureStrings (written only when their value changed), then register every task definition
/// of the bundle and create or update its services. A component of a recipe that does not
/// exist is an error before anything is written or registered; a missing secret the platform
/// creates (no recipe) is a warning of the report.
pub fn apply(
    bundle_dir_files: &BTreeMap<String, Vec<u8>>,
    opts: &ApplyOptions,
) -> Result<ApplyReport, Error> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime(e.to_string()))?;
    rt.block_on(apply_async(bundle_dir_files, opts))
}

async fn apply_async(
    files: &BTreeMap<String, Vec<u8>>,
    opts: &ApplyOptions,
) -> Result<ApplyReport, Error> {
    // Check the bundle before touching the network (the region placeholder is filled once the
    // region is known).
    let region_hint = opts.region.clone().unwrap_or_else(|| missing("region"));
    match parse_bundle(files, &region_hint) {
        Ok(units) => {
            for s in units.iter().filter_map(|u| u.service.as_ref()) {
                if opts.cluster.is_none() && s.cluster.is_none() {
                    return Err(Error::MissingCluster);
                }
            }
        }
        Err(e) => return Err(e),
    }
    let secrets = compose::plan(files)?;

    let (clients, region) = clients(opts).await?;
    let client = &clients.ecs;
    let units = parse_bundle(files, &region)?;
    let mut report = ApplyReport {
        region: region.clone(),
        ..ApplyReport::default()
    };

    // Secrets first: the task definitions read them.
    let (composed, warnings) = compose::apply(
        &compose::Clients {
            ssm: &clients.ssm,
            sm: &clients.sm,
        },
        &secrets,
    )
    .await?;
    report.secrets = composed;
    report.warnings = warnings;

    for u in &units {
        if let Some(s) = &u.service {
            let cluster = opts
                .cluster
                .clone()
                .or_else(|| s.cluster.clone())
                .ok_or(Error::MissingCluster)?;
            if report.clusters.contains_key(&cluster) {
                continue;
            }
            let mut created = false;
            if opts.create_cluster {
                let d = client
                    .describe_clusters()
                    .clusters(&cluster)
                    .send()
                    .await
                    .map_err(|e| aws("ECS DescribeClusters", e))?;
                let active = d.clusters().iter().any(|c| c.status() == Some("ACTIVE"));
                if !active {
                    client
                        .create_cluster()
                        .cluster_name(&cluster)
                        .send()
                        .await
                        .map_err(|e| aws("ECS CreateCluster", e))?;
                    created = true;
                }
            }
            report.clusters.insert(cluster, created);
        }
    }

    for u in &units {
        let file = format!("{}/task-definition.json", u.name);
        let td = &u.task;
        let mut req = client
            .register_task_definition()
            .family(&td.family)
            .set_task_role_arn(td.task_role_arn.clone())
            .set_execution_role_arn(td.execution_role_arn.clone())
            .set_network_mode(
                td.network_mode
                    .as_deref()
                    .map(aws_sdk_ecs::types::NetworkMode::from),
            )
            .set_cpu(td.cpu.clone())
            .set_memory(td.memory.clone())
            .set_tags(convert::tags(&td.tags))
            .set_runtime_platform(td.runtime_platform.as_ref().map(convert::runtime_platform));
        for c in &td.container_definitions {
            req = req.container_definitions(convert::container(&file, c)?);
        }
        for v in &td.volumes {
            req = req.volumes(convert::volume(&file, v)?);
        }
        for r in &td.requires_compatibilities {
            req = req.requires_compatibilities(aws_sdk_ecs::types::Compatibility::from(r.as_str()));
        }
        let out = req
            .send()
            .await
            .map_err(|e| aws("ECS RegisterTaskDefinition", e))?;
        let registered = out.task_definition().ok_or_else(|| Error::Aws {
            operation: "ECS RegisterTaskDefinition".into(),
            message: "the response has no task definition".into(),
        })?;
        let arn = registered
            .task_definition_arn()
            .unwrap_or_default()
            .to_string();
        report.task_definitions.push(RegisteredTaskDefinition {
            family: td.family.clone(),
            revision: registered.revision(),
            arn: arn.clone(),
        });

        let Some(s) = &u.service else { continue };
        let sfile = format!("{}/service.json", u.name);
        let cluster = opts
            .cluster
            .clone()
            .or_else(|| s.cluster.clone())
            .ok_or(Error::MissingCluster)?;
        let existing = client
            .describe_services()
            .cluster(&cluster)
            .services(&s.service_name)
            .send()
            .await
            .map_err(|e| aws("ECS DescribeServices", e))?;
        let active = existing.services().iter().any(|x| {
            x.service_name() == Some(s.service_name.as_str()) && x.status() == Some("ACTIVE")
        });
        let (action, service_arn) = if active {
            let out = client
                .update_service()
                .cluster(&cluster)
                .service(&s.service_name)
                .task_definition(&arn)
                .desired_count(s.desired_count)
                .set_platform_version(s.platform_version.clone())
                .network_configuration(convert::network(&sfile, &s.network_configuration)?)
                .service_connect_configuration(convert::service_connect(
                    &sfile,
                    &s.service_connect_configuration,
                )?)
                .deployment_configuration(convert::deployment(&s.deployment_configuration))
                .enable_execute_command(s.enable_execute_command)
                .propagate_tags(aws_sdk_ecs::types::PropagateTags::from(
                    s.propagate_tags.as_str(),
                ))
                .send()
                .await
                .map_err(|e| aws("ECS UpdateService", e))?;
            (
                ServiceAction::Updated,
                out.service()
                    .and_then(|x| x.service_arn())
                    .unwrap_or_default()
                    .to_string(),
            )
        } else {
            let out = client
                .create_service()
                .cluster(&cluster)
                .service_name(&s.service_name)
                .task_definition(&arn)
                .desired_count(s.desired_count)
                .launch_type(aws_sdk_ecs::types::LaunchType::from(s.launch_type.as_str()))
                .set_platform_version(s.platform_version.clone())
                .network_configuration(convert::network(&sfile, &s.network_configuration)?)
                .service_connect_configuration(convert::service_connect(
                    &sfile,
                    &s.service_connect_configuration,
                )?)
                .deployment_configuration(convert::deployment(&s.deployment_configuration))
                .enable_execute_command(s.enable_execute_command)
                .propagate_tags(aws_sdk_ecs::types::PropagateTags::from(
                    s.propagate_tags.as_str(),
                ))
                .set_tags(convert::tags(&s.tags))
                .send()
                .await
                .map_err(|e| aws("ECS CreateService", e))?;
            (
                ServiceAction::Created,
                out.service()
                    .and_then(|x| x.service_arn())
                    .unwrap_or_default()
                    .to_string(),
            )
        };
        report.services.push(AppliedService {
            name: s.service_name.clone(),
            cluster,
            action,
            arn: service_arn,
            task_definition: arn,
        });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_refused_before_any_network_call() {
        let mut files = BTreeMap::new();
        files.insert(
            "api/task-definition.json".to_string(),
            br#"{"family":"api","containerDefinitions":[],"executionRoleArn":"<missing options.executionRoleArn>"}"#.to_vec(),
        );
        let e = apply(&files, &ApplyOptions::default()).unwrap_err();
        assert!(
            matches!(e, Error::Placeholder { ref placeholder, .. } if placeholder == "<missing options.executionRoleArn>"),
            "{e}"
        );
    }

    #[test]
    fn missing_cluster_is_refused_before_any_network_call() {
        let mut files = BTreeMap::new();
        files.insert(
            "api/task-definition.json".to_string(),
            br#"{"family":"api","containerDefinitions":[]}"#.to_vec(),
        );
        files.insert(
            "api/service.json".to_string(),
            br#"{"serviceName":"api","taskDefinition":"api","desiredCount":1,"launchType":"FARGATE","networkConfiguration":{"awsvpcConfiguration":{"subnets":["s"],"assignPublicIp":"DISABLED"}},"serviceConnectConfiguration":{"enabled":true},"enableExecuteCommand":false,"propagateTags":"TASK_DEFINITION","deploymentConfiguration":{"deploymentCircuitBreaker":{"enable":true,"rollback":true},"maximumPercent":200,"minimumHealthyPercent":100}}"#.to_vec(),
        );
        let e = apply(&files, &ApplyOptions::default()).unwrap_err();
        assert!(matches!(e, Error::MissingCluster), "{e}");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let mut files = BTreeMap::new();
        files.insert(
            "api/task-definition.json".to_string(),
            br#"{"family":"api","containerDefinitions":[],"pidMode":"task"}"#.to_vec(),
        );
        let e = apply(&files, &ApplyOptions::default()).unwrap_err();
        assert!(matches!(e, Error::InvalidBundle { .. }), "{e}");
    }
}
