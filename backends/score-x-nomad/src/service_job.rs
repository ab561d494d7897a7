//! A provisioner's development service (`nomad.jobs[]`) → its own service job, registered in
//! service discovery with a tcp check, reading its credentials from Nomad Variables.

use score_x_core::resolved::{SecretRef, Segment, Value};

use crate::artifacts::ServiceJob;
use crate::checks::{INTERVAL, TIMEOUT};
use crate::ctx::Ctx;
use crate::model::{
    DockerConfig, Job, NetworkResource, Port, Resources, Service, ServiceCheck, Task, TaskGroup,
    TaskLifecycle, Template,
};
use crate::templates::SECRET_ENV_FILE;
use crate::{gotmpl, workload};

/// The port label of a service job's one port.
pub const PORT_LABEL: &str = "main";

fn env_template(ctx: &mut Ctx, s: &ServiceJob) -> Option<Template> {
    if s.secret_env.is_empty() {
        return None;
    }
    let mut data = String::new();
    for (name, item) in &s.secret_env {
        let v = Value {
            segments: vec![Segment::Secret(SecretRef {
                name: item.path.clone(),
                key: Some(item.item.clone()),
                value: None,
                store: score_x_core::resolved::SecretStore::NomadVariable,
            })],
        };
        let text = ctx.template_text(&s.id, &v);
        data.push_str(&format!("{name}={text}\n"));
    }
    Some(Template {
        embedded_tmpl: data,
        dest_path: SECRET_ENV_FILE.to_string(),
        perms: None,
        left_delim: gotmpl::LEFT.to_string(),
        right_delim: gotmpl::RIGHT.to_string(),
        envvars: true,
        change_mode: "restart".to_string(),
    })
}

fn service(ctx: &Ctx, s: &ServiceJob) -> Vec<Service> {
    let Some(_) = s.port else { return Vec::new() };
    vec![Service {
        name: s.id.clone(),
        port_label: Some(PORT_LABEL.to_string()),
        provider: ctx.opts.service_provider.as_str().to_string(),
        checks: vec![ServiceCheck {
            name: format!("{}-tcp", s.id),
            type_: "tcp".to_string(),
            port_label: Some(PORT_LABEL.to_string()),
            interval: INTERVAL,
            timeout: TIMEOUT,
            ..Default::default()
        }],
    }]
}

/// The job of development service `s`.
pub fn build(ctx: &mut Ctx, s: &ServiceJob) -> Job {
    let templates = env_template(ctx, s).into_iter().collect();
    let volumes = s
        .data_dir
        .iter()
        .map(|d| format!("../alloc/data/{}:{d}", s.id))
        .collect();
    let mut task = Task {
        name: s.id.clone(),
        driver: "docker".to_string(),
        config: DockerConfig {
            image: s.image.clone(),
            entrypoint: s.entrypoint.clone(),
            args: s.args.clone(),
            volumes,
            ..Default::default()
        },
        env: s.env.clone(),
        templates,
        resources: Some(Resources {
            cpu: Some(s.cpu.unwrap_or(100)),
            memory_mb: Some(s.memory.unwrap_or(256)),
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut tasks = Vec::new();
    if let Some(cmd) = &s.setup {
        let mut setup = task.clone();
        setup.name = "setup".to_string();
        setup.config.entrypoint = Some(cmd.clone());
        setup.config.args = None;
        setup.config.volumes = Vec::new();
        setup.lifecycle = Some(TaskLifecycle {
            hook: "poststart".to_string(),
            sidecar: false,
        });
        setup.resources = Some(Resources {
            cpu: Some(50),
            memory_mb: Some(128),
            ..Default::default()
        });
        tasks.push(setup);
    }
    task.name = s.id.clone();
    tasks.insert(0, task);
    Job {
        id: s.id.clone(),
        name: s.id.clone(),
        type_: "service".to_string(),
        datacenters: workload::datacenters(ctx),
        namespace: ctx.opts.namespace.clone(),
        region: ctx.opts.region.clone(),
        node_pool: ctx.opts.node_pool.clone(),
        task_groups: vec![TaskGroup {
            name: s.id.clone(),
            count: 1,
            networks: vec![NetworkResource {
                mode: "bridge".to_string(),
                dynamic_ports: s
                    .port
                    .iter()
                    .map(|p| Port {
                        label: PORT_LABEL.to_string(),
                        value: None,
                        to: *p,
                    })
                    .collect(),
                reserved_ports: Vec::new(),
            }],
            services: service(ctx, s),
            tasks,
            ..Default::default()
        }],
        ..Default::default()
    }
}
