//! One workload → its task definition (`RegisterTaskDefinition` input) and service
//! (`CreateService` input).

use std::collections::BTreeMap;

use score_x_core::Code;
use score_x_core::ir::Readiness;
use score_x_core::plan::{Role, WorkloadPlan};
use score_x_core::resolved::ResolvedWorkload;

use crate::ctx::Ctx;
use crate::error::Error;
use crate::model::{
    AwsVpcConfiguration, ContainerDefinition, ContainerDependency, DeploymentCircuitBreaker,
    DeploymentConfiguration, KeyValuePair, LogConfiguration, NetworkConfiguration, RuntimePlatform,
    Secret, Service, ServiceConnectConfiguration, Tag, TaskDefinition,
};
use crate::options::LaunchType;
use crate::sizing::{ContainerSize, fargate_size};
use crate::{env, files, ports, probes, tags, volumes};

/// Everything emitted for one workload.
#[derive(Debug)]
pub struct WorkloadOut {
    pub task: TaskDefinition,
    pub service: Service,
    /// EFS file systems used with IAM authorisation.
    pub efs_iam: Vec<String>,
}

pub fn build(
    ctx: &mut Ctx<'_>,
    w: &ResolvedWorkload,
    plan: &WorkloadPlan,
) -> Result<WorkloadOut, Error> {
    let task_file = format!("{}/task-definition.json", w.name);
    let service_file = format!("{}/service.json", w.name);

    // `before`: X before Y ⇒ Y dependsOn X; the plan proved every name and probe.
    let mut depends: BTreeMap<String, Vec<ContainerDependency>> = BTreeMap::new();
    for (x, c) in &w.containers {
        for (y, b) in &c.before {
            let condition = match b.ready {
                Readiness::Started => "START",
                Readiness::Healthy => "HEALTHY",
                Readiness::Complete => "SUCCESS",
            };
            depends
                .entry(y.clone())
                .or_default()
                .push(ContainerDependency {
                    container_name: x.clone(),
                    condition: condition.into(),
                });
        }
    }
    let non_essential: Vec<String> = w
        .containers
        .keys()
        .filter(|n| plan.role(n) == Role::Init)
        .cloned()
        .collect();

    let files = files::plan(ctx, w)?;
    let vols = volumes::plan(ctx, w)?;
    let ports = ports::plan(w, plan);
    let log = log_configuration(ctx, &w.name, &task_file);

    let mut defs = Vec::new();
    let mut any_secrets = false;
    if let Some(mut init) = files.init {
        init.log_configuration = Some(log.clone());
        any_secrets |= !init.secrets.is_empty();
        defs.push(init);
    }
    let (mut cpu, mut memory) = (0u64, 0u64);
    let mut sized = false;
    for (name, c) in &w.containers {
        let size = ContainerSize::of(c);
        sized |= size.cpu.is_some() || size.memory_need() > 0;
        cpu += size.cpu.unwrap_or(0);
        memory += size.memory_need();
        let envp = env::plan(ctx, &w.name, c)?;
        any_secrets |= !envp.secrets.is_empty();
        let (entry_point, command) = match &envp.wrapper {
            Some(wrapper) => {
                let mut cmd = c.command.clone().unwrap_or_default();
                cmd.extend(c.args.clone().unwrap_or_default());
                (Some(wrapper.clone()), Some(cmd))
            }
            None => (c.command.clone(), c.args.clone()),
        };
        let mut mounts = files.mounts.get(name).cloned().unwrap_or_default();
        mounts.extend(vols.mounts.get(name).cloned().unwrap_or_default());
        mounts.sort();
        if let Some(dup) = mounts
            .windows(2)
            .find(|p| p[0].container_path == p[1].container_path)
        {
            return Err(Error::Workload {
                workload: w.name.clone(),
                reason: format!(
                    "container `{name}` mounts two volumes at `{}` (a Score volume and the directory of its files?); ECS needs distinct mount paths",
                    dup[0].container_path
                ),
                span: Box::new(c.span.clone()),
            });
        }
        let mut deps = depends.remove(name).unwrap_or_default();
        if files.mounts.contains_key(name) {
            deps.push(ContainerDependency {
                container_name: files::INIT_CONTAINER.into(),
                condition: "SUCCESS".into(),
            });
        }
        deps.sort();
        defs.push(ContainerDefinition {
            name: name.clone(),
            image: c.image.clone(),
            cpu: size.cpu.map(clamp),
            memory: size.memory.map(clamp),
            memory_reservation: size.reservation.map(clamp),
            port_mappings: ports.mappings.get(name).cloned().unwrap_or_default(),
            essential: Some(!non_essential.contains(name)),
            entry_point,
            command,
            environment: envp.environment,
            mount_points: mounts,
            secrets: envp.secrets,
            depends_on: deps,
            log_configuration: Some(log.clone()),
            health_check: probes::health_check(ctx, &w.name, c),
        });
    }

    // Sidecars from the resources the workload uses.
    let sidecars: Vec<_> = ctx
        .sections_of(w)
        .into_iter()
        .flat_map(|(uid, s)| s.sidecars.iter().map(move |sc| (uid.clone(), sc.clone())))
        .collect();
    for (uid, sc) in sidecars {
        if defs.iter().any(|d| d.name == sc.name) {
            if defs
                .iter()
                .any(|d| d.name == sc.name && d.image == sc.image)
            {
                continue; // the same sidecar from two resources
            }
            return Err(Error::Workload {
                workload: w.name.clone(),
                reason: format!(
                    "the sidecar `{}` of resource `{uid}` clashes with another container",
                    sc.name
                ),
                span: Box::new(w.span.clone()),
            });
        }
        let mut secrets = Vec::new();
        for (k, v) in &sc.secrets {
            ctx.secrets.use_value_from(&w.name, v);
            secrets.push(Secret {
                name: k.clone(),
                value_from: v.clone(),
            });
        }
        any_secrets |= !secrets.is_empty();
        cpu += u64::from(sc.cpu.unwrap_or(0));
        memory += u64::from(sc.memory.unwrap_or(0));
        defs.push(ContainerDefinition {
            name: sc.name.clone(),
            image: sc.image.clone(),
            cpu: sc.cpu.map(|c| clamp(u64::from(c))),
            memory: sc.memory.map(|m| clamp(u64::from(m))),
            essential: Some(sc.essential),
            entry_point: sc.entry_point.clone(),
            command: sc.command.clone(),
            environment: sc
                .environment
                .iter()
                .map(|(k, v)| KeyValuePair {
                    name: k.clone(),
                    value: v.clone(),
                })
                .collect(),
            secrets,
            log_configuration: Some(log.clone()),
            ..ContainerDefinition::default()
        });
        ctx.notes.push(format!(
            "workload `{}`: sidecar `{}` added by the provisioner of `{uid}`",
            w.name, sc.name
        ));
    }

    // Task size.
    let launch = ctx.opts.launch_type();
    let (task_cpu, task_memory) = match launch {
        LaunchType::Fargate => {
            let Some((tc, tm)) = fargate_size(cpu, memory) else {
                return Err(Error::TaskTooLarge {
                    workload: w.name.clone(),
                    cpu,
                    memory,
                    span: Box::new(w.span.clone()),
                });
            };
            if sized {
                ctx.notes.push(format!(
                    "workload `{}`: Fargate task size {tc} CPU units / {tm} MiB, the smallest valid size covering the containers' total of {cpu} CPU units / {memory} MiB (max of limit and request per container, init and sidecars included)",
                    w.name
                ));
            } else {
                ctx.warn(
                    Code::Approximated,
                    Some(&w.span),
                    format!(
                        "workload `{}` declares no resources; it gets the smallest Fargate task (256 CPU units / 512 MiB)",
                        w.name
                    ),
                );
            }
            (tc, tm)
        }
        LaunchType::Ec2 => {
            let (tc, tm) = if sized {
                (cpu.max(128), memory.max(128))
            } else {
                (256, 512)
            };
            ctx.notes.push(format!(
                "workload `{}`: EC2 task size {tc} CPU units / {tm} MiB (the containers' total)",
                w.name
            ));
            (tc, tm)
        }
    };

    let execution_role_arn = if launch == LaunchType::Fargate || any_secrets {
        Some(ctx.account(
            "executionRoleArn",
            ctx.opts.execution_role_arn.as_deref(),
            &task_file,
        ))
    } else {
        ctx.opts.execution_role_arn.clone()
    };
    let task_role_arn = if vols.efs_iam.is_empty() {
        ctx.opts.task_role_arn.clone()
    } else {
        Some(ctx.account("taskRoleArn", ctx.opts.task_role_arn.as_deref(), &task_file))
    };
    let tags = tags::of(ctx, w);

    let mut volumes = files.volumes;
    volumes.extend(vols.volumes);
    volumes.sort_by(|a, b| a.name.cmp(&b.name));

    let task = TaskDefinition {
        family: w.name.clone(),
        task_role_arn,
        execution_role_arn,
        network_mode: Some("awsvpc".into()),
        container_definitions: defs,
        volumes,
        requires_compatibilities: vec![launch.as_str().into()],
        cpu: Some(task_cpu.to_string()),
        memory: Some(task_memory.to_string()),
        tags: tags.clone(),
        runtime_platform: Some(RuntimePlatform {
            cpu_architecture: ctx
                .opts
                .cpu_architecture
                .unwrap_or_default()
                .as_str()
                .into(),
            operating_system_family: "LINUX".into(),
        }),
    };

    let subnets = match &ctx.opts.subnets {
        Some(s) if !s.is_empty() => s.clone(),
        _ => vec![ctx.account("subnets", None, &service_file)],
    };
    if ctx.opts.cluster.is_none() {
        ctx.missing
            .entry("cluster")
            .or_default()
            .push(service_file.clone());
    }
    let service = Service {
        cluster: ctx.opts.cluster.clone(),
        service_name: w.name.clone(),
        task_definition: w.name.clone(),
        desired_count: if plan.kind.runs_to_completion() {
            0
        } else {
            ctx.opts
                .desired_count
                .map_or(1, |d| i32::try_from(d).unwrap_or(i32::MAX))
        },
        launch_type: launch.as_str().into(),
        platform_version: ctx.opts.platform_version.clone(),
        network_configuration: NetworkConfiguration {
            awsvpc_configuration: AwsVpcConfiguration {
                subnets,
                security_groups: ctx.opts.security_groups.clone().unwrap_or_default(),
                assign_public_ip: if ctx.opts.assign_public_ip == Some(true) {
                    "ENABLED"
                } else {
                    "DISABLED"
                }
                .into(),
            },
        },
        service_connect_configuration: ServiceConnectConfiguration {
            enabled: true,
            namespace: ctx.opts.service_connect_namespace.clone(),
            services: ports.services,
        },
        enable_execute_command: false,
        propagate_tags: "TASK_DEFINITION".into(),
        deployment_configuration: DeploymentConfiguration {
            deployment_circuit_breaker: DeploymentCircuitBreaker {
                enable: true,
                rollback: true,
            },
            maximum_percent: 200,
            minimum_healthy_percent: 100,
        },
        tags: tags.into_iter().collect::<Vec<Tag>>(),
    };
    Ok(WorkloadOut {
        task,
        service,
        efs_iam: vols.efs_iam,
    })
}

fn clamp(v: u64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

fn log_configuration(ctx: &mut Ctx<'_>, workload: &str, file: &str) -> LogConfiguration {
    let region = ctx.account("region", ctx.opts.region.as_deref(), file);
    let mut options = BTreeMap::new();
    options.insert(
        "awslogs-group".to_string(),
        format!("{}/{workload}", ctx.opts.log_group_prefix()),
    );
    options.insert("awslogs-region".to_string(), region);
    options.insert("awslogs-stream-prefix".to_string(), workload.to_string());
    LogConfiguration {
        log_driver: "awslogs".into(),
        options,
    }
}
