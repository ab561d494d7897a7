//! The bundle's JSON model → aws-sdk-ecs request types.

use aws_sdk_ecs::types as t;

use crate::error::Error;
use crate::model;

fn built<T, E: std::fmt::Display>(file: &str, r: Result<T, E>) -> Result<T, Error> {
    r.map_err(|e| Error::InvalidBundle {
        file: file.to_string(),
        reason: e.to_string(),
    })
}

fn kv(v: &model::KeyValuePair) -> t::KeyValuePair {
    t::KeyValuePair::builder()
        .name(&v.name)
        .value(&v.value)
        .build()
}

fn tag(v: &model::Tag) -> t::Tag {
    t::Tag::builder().key(&v.key).value(&v.value).build()
}

pub fn container(
    file: &str,
    c: &model::ContainerDefinition,
) -> Result<t::ContainerDefinition, Error> {
    let mut b = t::ContainerDefinition::builder()
        .name(&c.name)
        .image(&c.image)
        .set_cpu(c.cpu)
        .set_memory(c.memory)
        .set_memory_reservation(c.memory_reservation)
        .set_essential(c.essential)
        .set_entry_point(c.entry_point.clone())
        .set_command(c.command.clone());
    for p in &c.port_mappings {
        b = b.port_mappings(
            t::PortMapping::builder()
                .name(&p.name)
                .container_port(p.container_port)
                .protocol(t::TransportProtocol::from(p.protocol.as_str()))
                .set_app_protocol(p.app_protocol.as_deref().map(t::ApplicationProtocol::from))
                .build(),
        );
    }
    for e in &c.environment {
        b = b.environment(kv(e));
    }
    for m in &c.mount_points {
        b = b.mount_points(
            t::MountPoint::builder()
                .source_volume(&m.source_volume)
                .container_path(&m.container_path)
                .read_only(m.read_only)
                .build(),
        );
    }
    for s in &c.secrets {
        b = b.secrets(built(
            file,
            t::Secret::builder()
                .name(&s.name)
                .value_from(&s.value_from)
                .build(),
        )?);
    }
    for d in &c.depends_on {
        b = b.depends_on(built(
            file,
            t::ContainerDependency::builder()
                .container_name(&d.container_name)
                .condition(t::ContainerCondition::from(d.condition.as_str()))
                .build(),
        )?);
    }
    if let Some(l) = &c.log_configuration {
        b = b.log_configuration(built(
            file,
            t::LogConfiguration::builder()
                .log_driver(t::LogDriver::from(l.log_driver.as_str()))
                .set_options(Some(l.options.clone().into_iter().collect()))
                .build(),
        )?);
    }
    if let Some(h) = &c.health_check {
        b = b.health_check(built(
            file,
            t::HealthCheck::builder()
                .set_command(Some(h.command.clone()))
                .interval(h.interval)
                .timeout(h.timeout)
                .retries(h.retries)
                .start_period(h.start_period)
                .build(),
        )?);
    }
    Ok(b.build())
}

pub fn volume(file: &str, v: &model::Volume) -> Result<t::Volume, Error> {
    let mut b = t::Volume::builder().name(&v.name);
    if let Some(h) = &v.host {
        b = b.host(
            t::HostVolumeProperties::builder()
                .source_path(&h.source_path)
                .build(),
        );
    }
    if let Some(d) = &v.docker_volume_configuration {
        b = b.docker_volume_configuration(
            t::DockerVolumeConfiguration::builder()
                .scope(t::Scope::from(d.scope.as_str()))
                .set_autoprovision(d.autoprovision)
                .set_driver(d.driver.clone())
                .build(),
        );
    }
    if let Some(e) = &v.efs_volume_configuration {
        let auth = e.authorization_config.as_ref().map(|a| {
            t::EfsAuthorizationConfig::builder()
                .set_access_point_id(a.access_point_id.clone())
                .iam(t::EfsAuthorizationConfigIam::from(a.iam.as_str()))
                .build()
        });
        b = b.efs_volume_configuration(built(
            file,
            t::EfsVolumeConfiguration::builder()
                .file_system_id(&e.file_system_id)
                .set_root_directory(e.root_directory.clone())
                .transit_encryption(t::EfsTransitEncryption::from(e.transit_encryption.as_str()))
                .set_authorization_config(auth)
                .build(),
        )?);
    }
    Ok(b.build())
}

pub fn tags(v: &[model::Tag]) -> Option<Vec<t::Tag>> {
    (!v.is_empty()).then(|| v.iter().map(tag).collect())
}

pub fn runtime_platform(v: &model::RuntimePlatform) -> t::RuntimePlatform {
    t::RuntimePlatform::builder()
        .cpu_architecture(t::CpuArchitecture::from(v.cpu_architecture.as_str()))
        .operating_system_family(t::OsFamily::from(v.operating_system_family.as_str()))
        .build()
}

pub fn network(
    file: &str,
    n: &model::NetworkConfiguration,
) -> Result<t::NetworkConfiguration, Error> {
    let a = &n.awsvpc_configuration;
    Ok(t::NetworkConfiguration::builder()
        .awsvpc_configuration(built(
            file,
            t::AwsVpcConfiguration::builder()
                .set_subnets(Some(a.subnets.clone()))
                .set_security_groups(
                    (!a.security_groups.is_empty()).then(|| a.security_groups.clone()),
                )
                .assign_public_ip(t::AssignPublicIp::from(a.assign_public_ip.as_str()))
                .build(),
        )?)
        .build())
}

pub fn service_connect(
    file: &str,
    s: &model::ServiceConnectConfiguration,
) -> Result<t::ServiceConnectConfiguration, Error> {
    let mut b = t::ServiceConnectConfiguration::builder()
        .enabled(s.enabled)
        .set_namespace(s.namespace.clone());
    for svc in &s.services {
        let mut sb = t::ServiceConnectService::builder()
            .port_name(&svc.port_name)
            .discovery_name(&svc.discovery_name);
        for a in &svc.client_aliases {
            sb = sb.client_aliases(built(
                file,
                t::ServiceConnectClientAlias::builder()
                    .port(a.port)
                    .dns_name(&a.dns_name)
                    .build(),
            )?);
        }
        b = b.services(built(file, sb.build())?);
    }
    Ok(b.build())
}

pub fn deployment(d: &model::DeploymentConfiguration) -> t::DeploymentConfiguration {
    t::DeploymentConfiguration::builder()
        .deployment_circuit_breaker(
            t::DeploymentCircuitBreaker::builder()
                .enable(d.deployment_circuit_breaker.enable)
                .rollback(d.deployment_circuit_breaker.rollback)
                .build(),
        )
        .maximum_percent(d.maximum_percent)
        .minimum_healthy_percent(d.minimum_healthy_percent)
        .build()
}
