//! SDK output → the typed model (`crate::model`), and the normalisation both sides go through
//! before apply compares what ECS holds with what it would register. Pure.

use std::collections::BTreeMap;

use aws_sdk_ecs::types as t;

use crate::model;

fn container(c: &t::ContainerDefinition) -> model::ContainerDefinition {
    let nz = |v: Option<i32>| v.filter(|x| *x != 0);
    model::ContainerDefinition {
        name: c.name().unwrap_or_default().into(),
        image: c.image().unwrap_or_default().into(),
        cpu: nz(Some(c.cpu())),
        memory: c.memory(),
        memory_reservation: c.memory_reservation(),
        port_mappings: c
            .port_mappings()
            .iter()
            .map(|p| model::PortMapping {
                name: p.name().unwrap_or_default().into(),
                container_port: p.container_port().unwrap_or_default(),
                protocol: p
                    .protocol()
                    .map(|x| x.as_str().to_string())
                    .unwrap_or_default(),
                app_protocol: p.app_protocol().map(|x| x.as_str().to_string()),
            })
            .collect(),
        essential: c.essential(),
        entry_point: (!c.entry_point().is_empty()).then(|| c.entry_point().to_vec()),
        command: (!c.command().is_empty()).then(|| c.command().to_vec()),
        environment: c
            .environment()
            .iter()
            .map(|e| model::KeyValuePair {
                name: e.name().unwrap_or_default().into(),
                value: e.value().unwrap_or_default().into(),
            })
            .collect(),
        mount_points: c
            .mount_points()
            .iter()
            .map(|m| model::MountPoint {
                source_volume: m.source_volume().unwrap_or_default().into(),
                container_path: m.container_path().unwrap_or_default().into(),
                read_only: m.read_only().unwrap_or_default(),
            })
            .collect(),
        secrets: c
            .secrets()
            .iter()
            .map(|s| model::Secret {
                name: s.name().into(),
                value_from: s.value_from().into(),
            })
            .collect(),
        depends_on: c
            .depends_on()
            .iter()
            .map(|d| model::ContainerDependency {
                container_name: d.container_name().into(),
                condition: d.condition().as_str().into(),
            })
            .collect(),
        log_configuration: c.log_configuration().map(|l| model::LogConfiguration {
            log_driver: l.log_driver().as_str().into(),
            options: l
                .options()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .collect::<BTreeMap<_, _>>(),
        }),
        health_check: c.health_check().map(|h| model::HealthCheck {
            command: h.command().to_vec(),
            interval: h.interval().unwrap_or_default(),
            timeout: h.timeout().unwrap_or_default(),
            retries: h.retries().unwrap_or_default(),
            start_period: h.start_period().unwrap_or_default(),
        }),
    }
}

fn volume(v: &t::Volume) -> model::Volume {
    model::Volume {
        name: v.name().unwrap_or_default().into(),
        host: v
            .host()
            .and_then(|h| h.source_path())
            .map(|p| model::HostVolumeProperties {
                source_path: p.into(),
            }),
        docker_volume_configuration: v.docker_volume_configuration().map(|d| {
            model::DockerVolumeConfiguration {
                scope: d.scope().map(|x| x.as_str().into()).unwrap_or_default(),
                autoprovision: d.autoprovision(),
                driver: d.driver().map(Into::into),
            }
        }),
        efs_volume_configuration: v.efs_volume_configuration().map(|e| {
            model::EfsVolumeConfiguration {
                file_system_id: e.file_system_id().into(),
                root_directory: e.root_directory().map(Into::into),
                transit_encryption: e
                    .transit_encryption()
                    .map(|x| x.as_str().into())
                    .unwrap_or_default(),
                authorization_config: e.authorization_config().map(|a| {
                    model::EfsAuthorizationConfig {
                        access_point_id: a.access_point_id().map(Into::into),
                        iam: a.iam().map(|x| x.as_str().into()).unwrap_or_default(),
                    }
                }),
            }
        }),
    }
}

pub fn task(td: &t::TaskDefinition, tags: &[t::Tag]) -> model::TaskDefinition {
    model::TaskDefinition {
        family: td.family().unwrap_or_default().into(),
        task_role_arn: td.task_role_arn().map(Into::into),
        execution_role_arn: td.execution_role_arn().map(Into::into),
        network_mode: td.network_mode().map(|n| n.as_str().into()),
        container_definitions: td.container_definitions().iter().map(container).collect(),
        volumes: td.volumes().iter().map(volume).collect(),
        requires_compatibilities: td
            .requires_compatibilities()
            .iter()
            .map(|c| c.as_str().into())
            .collect(),
        cpu: td.cpu().map(Into::into),
        memory: td.memory().map(Into::into),
        tags: tags
            .iter()
            .map(|t| model::Tag {
                key: t.key().unwrap_or_default().into(),
                value: t.value().unwrap_or_default().into(),
            })
            .collect(),
        runtime_platform: td.runtime_platform().map(|r| model::RuntimePlatform {
            cpu_architecture: r
                .cpu_architecture()
                .map(|x| x.as_str().into())
                .unwrap_or_default(),
            operating_system_family: r
                .operating_system_family()
                .map(|x| x.as_str().into())
                .unwrap_or_default(),
        }),
    }
}

/// The fields apply sets, in a canonical form: ECS fills defaults (`essential: true`, container
/// `cpu: 0`) and may return lists in another order than they were registered.
pub fn normalise(td: &model::TaskDefinition) -> model::TaskDefinition {
    let mut td = td.clone();
    for c in &mut td.container_definitions {
        c.cpu = c.cpu.filter(|x| *x != 0);
        c.essential = Some(c.essential.unwrap_or(true));
        c.environment.sort();
        c.secrets.sort_by(|a, b| a.name.cmp(&b.name));
        c.mount_points
            .sort_by(|a, b| a.container_path.cmp(&b.container_path));
        c.depends_on
            .sort_by(|a, b| a.container_name.cmp(&b.container_name));
    }
    td.container_definitions.sort_by(|a, b| a.name.cmp(&b.name));
    td.volumes.sort_by(|a, b| a.name.cmp(&b.name));
    td.tags.sort_by(|a, b| a.key.cmp(&b.key));
    td.requires_compatibilities.sort();
    td
}
