//! Apply's ECS calls: the reads that decide what changes (clusters, the latest ACTIVE revision
//! of each family, the services) and the writes that follow (create cluster, register, create
//! or update service).

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types as t;

use super::plan::Unit;
use super::{aws, back, convert};
use crate::error::Error;
use crate::model::{Service, TaskDefinition};

/// Whether the cluster exists and is ACTIVE.
pub async fn cluster_active(c: &Client, cluster: &str) -> Result<bool, Error> {
    let d = c
        .describe_clusters()
        .clusters(cluster)
        .send()
        .await
        .map_err(|e| aws("ECS DescribeClusters", e))?;
    Ok(d.clusters().iter().any(|x| x.status() == Some("ACTIVE")))
}

/// The latest ACTIVE revision of the family `(revision, arn)` when it equals `td` in every
/// field apply sets; `None` when there is none or it differs.
pub async fn unchanged_revision(
    c: &Client,
    td: &TaskDefinition,
) -> Result<Option<(i32, String)>, Error> {
    let out = match c
        .describe_task_definition()
        .task_definition(&td.family)
        .include(t::TaskDefinitionField::Tags)
        .send()
        .await
    {
        Ok(o) => o,
        // ECS answers a family it does not know with a ClientException.
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_client_exception()) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(aws("ECS DescribeTaskDefinition", e)),
    };
    let Some(cur) = out.task_definition() else {
        return Ok(None);
    };
    if cur.status() != Some(&t::TaskDefinitionStatus::Active) {
        return Ok(None);
    }
    let same = back::normalise(&back::task(cur, out.tags())) == back::normalise(td);
    Ok(same.then(|| {
        (
            cur.revision(),
            cur.task_definition_arn().unwrap_or_default().to_string(),
        )
    }))
}

/// The ACTIVE service, if any.
pub async fn service(c: &Client, cluster: &str, name: &str) -> Result<Option<t::Service>, Error> {
    let out = c
        .describe_services()
        .cluster(cluster)
        .services(name)
        .send()
        .await
        .map_err(|e| aws("ECS DescribeServices", e))?;
    Ok(out
        .services()
        .iter()
        .find(|x| x.service_name() == Some(name) && x.status() == Some("ACTIVE"))
        .cloned())
}

/// Whether the running service already is what `s` describes, on revision `arn`.
pub fn service_unchanged(cur: &t::Service, s: &Service, arn: &str) -> bool {
    let vpc = cur
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration());
    let mut subnets = vpc.map(|v| v.subnets().to_vec()).unwrap_or_default();
    let mut groups = vpc
        .map(|v| v.security_groups().to_vec())
        .unwrap_or_default();
    subnets.sort();
    groups.sort();
    let mut want_subnets = s.network_configuration.awsvpc_configuration.subnets.clone();
    let mut want_groups = s
        .network_configuration
        .awsvpc_configuration
        .security_groups
        .clone();
    want_subnets.sort();
    want_groups.sort();
    cur.task_definition() == Some(arn)
        && cur.desired_count() == s.desired_count
        && subnets == want_subnets
        && groups == want_groups
        && (s.platform_version.is_none() || cur.platform_version() == s.platform_version.as_deref())
}

/// Create the cluster.
pub async fn create_cluster(c: &Client, cluster: &str) -> Result<(), Error> {
    c.create_cluster()
        .cluster_name(cluster)
        .send()
        .await
        .map_err(|e| aws("ECS CreateCluster", e))?;
    Ok(())
}

/// Register the task definition; `(revision, arn)`.
pub async fn register(c: &Client, u: &Unit) -> Result<(i32, String), Error> {
    let file = format!("{}/task-definition.json", u.name);
    let td = &u.task;
    let mut req = c
        .register_task_definition()
        .family(&td.family)
        .set_task_role_arn(td.task_role_arn.clone())
        .set_execution_role_arn(td.execution_role_arn.clone())
        .set_network_mode(td.network_mode.as_deref().map(t::NetworkMode::from))
        .set_cpu(td.cpu.clone())
        .set_memory(td.memory.clone())
        .set_tags(convert::tags(&td.tags))
        .set_runtime_platform(td.runtime_platform.as_ref().map(convert::runtime_platform));
    for cd in &td.container_definitions {
        req = req.container_definitions(convert::container(&file, cd)?);
    }
    for v in &td.volumes {
        req = req.volumes(convert::volume(&file, v)?);
    }
    for r in &td.requires_compatibilities {
        req = req.requires_compatibilities(t::Compatibility::from(r.as_str()));
    }
    let out = req
        .send()
        .await
        .map_err(|e| aws("ECS RegisterTaskDefinition", e))?;
    let registered = out.task_definition().ok_or_else(|| Error::Aws {
        operation: "ECS RegisterTaskDefinition".into(),
        message: "the response has no task definition".into(),
    })?;
    Ok((
        registered.revision(),
        registered
            .task_definition_arn()
            .unwrap_or_default()
            .to_string(),
    ))
}

/// Create (`update == false`) or update the service on revision `arn`; its ARN.
pub async fn put_service(
    c: &Client,
    u: &Unit,
    cluster: &str,
    arn: &str,
    update: bool,
) -> Result<String, Error> {
    let file = format!("{}/service.json", u.name);
    let s = &u.service;
    let network = convert::network(&file, &s.network_configuration)?;
    let connect = convert::service_connect(&file, &s.service_connect_configuration)?;
    let propagate = t::PropagateTags::from(s.propagate_tags.as_str());
    let out = if update {
        c.update_service()
            .cluster(cluster)
            .service(&s.service_name)
            .task_definition(arn)
            .desired_count(s.desired_count)
            .set_platform_version(s.platform_version.clone())
            .network_configuration(network)
            .service_connect_configuration(connect)
            .deployment_configuration(convert::deployment(&s.deployment_configuration))
            .enable_execute_command(s.enable_execute_command)
            .propagate_tags(propagate)
            .send()
            .await
            .map_err(|e| aws("ECS UpdateService", e))?
            .service
    } else {
        c.create_service()
            .cluster(cluster)
            .service_name(&s.service_name)
            .task_definition(arn)
            .desired_count(s.desired_count)
            .launch_type(t::LaunchType::from(s.launch_type.as_str()))
            .set_platform_version(s.platform_version.clone())
            .network_configuration(network)
            .service_connect_configuration(connect)
            .deployment_configuration(convert::deployment(&s.deployment_configuration))
            .enable_execute_command(s.enable_execute_command)
            .propagate_tags(propagate)
            .set_tags(convert::tags(&s.tags))
            .send()
            .await
            .map_err(|e| aws("ECS CreateService", e))?
            .service
    };
    Ok(out.and_then(|x| x.service_arn).unwrap_or_default())
}
