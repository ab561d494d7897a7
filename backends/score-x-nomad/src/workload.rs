//! One workload → one job with one group: tasks from containers, the group network and services,
//! checks from probes, lifecycle hooks from `before`, and the job type from the workload kind.

use std::collections::BTreeMap;

use score_x_core::resolved::{ResolvedContainer, ResolvedWorkload};

use crate::checks::{self, ProbeKind};
use crate::ctx::Ctx;
use crate::error::Error;
use score_x_core::plan::{Role, WorkloadKind, WorkloadPlan};

use crate::model::{DockerConfig, Job, PeriodicConfig, Task, TaskGroup, TaskLifecycle};
use crate::network::Network;
use crate::options::NetworkMode;
use crate::volumes::{self, Mounted};
use crate::{resources, templates};

/// Annotation prefixes score-x reads itself (not copied into `meta`).
const OWN_ANNOTATIONS: [&str; 2] = ["score-x.dev/", "k8s.score.dev/"];

/// A `meta` key usable as an HCL attribute and as `NOMAD_META_<key>`.
pub fn meta_key(k: &str) -> String {
    k.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn check_before(w: &ResolvedWorkload, plan: &WorkloadPlan) -> Result<(), Error> {
    for c in w.containers.values() {
        for (other, b) in &c.before {
            if plan.role(other) != Role::Main {
                return Err(Error::BeforeChain {
                    workload: w.name.clone(),
                    container: c.name.clone(),
                    other: other.clone(),
                    span: Box::new(b.span.clone()),
                });
            }
        }
    }
    if plan.mains().next().is_none() {
        return Err(Error::NoMainTask {
            workload: w.name.clone(),
            span: Box::new(w.span.clone()),
        });
    }
    Ok(())
}

fn lifecycle(ctx: &mut Ctx, c: &ResolvedContainer, role: Role) -> Option<TaskLifecycle> {
    let sidecar = match role {
        Role::Main => return None,
        Role::Init => false,
        Role::Sidecar => true,
        Role::HealthySidecar => {
            ctx.warn(
                Some(&c.span),
                format!(
                    "container `{}` must be healthy before others start (`ready: healthy`); Nomad has no wait-for-healthy, so it is a prestart sidecar and the others start once it has started",
                    c.name
                ),
            );
            true
        }
    };
    Some(TaskLifecycle {
        hook: "prestart".to_string(),
        sidecar,
    })
}

fn probes(ctx: &mut Ctx, c: &ResolvedContainer, role: Role, w: &str, net: &mut Network) {
    let list = [
        (ProbeKind::Readiness, &c.readiness_probe),
        (ProbeKind::Liveness, &c.liveness_probe),
    ];
    for (kind, probe) in list {
        let Some(probe) = probe else { continue };
        if role == Role::Init {
            ctx.warn(
                Some(&probe.span),
                format!(
                    "the probes of container `{}` are dropped: it runs to completion before the main tasks",
                    c.name
                ),
            );
            return;
        }
        let Some(planned) = checks::check(ctx, c, probe, kind) else {
            continue;
        };
        let mut check = planned.check;
        check.port_label = planned.port.map(|p| net.label_for(p));
        let provider = ctx.opts.service_provider.as_str();
        net.attach(check, &format!("{w}-{}", c.name), provider);
    }
}

struct TaskOut {
    task: Task,
    group_volumes: Vec<crate::model::VolumeRequest>,
}

fn task(
    ctx: &mut Ctx,
    w: &ResolvedWorkload,
    c: &ResolvedContainer,
    plan: &WorkloadPlan,
    net: &Network,
) -> Result<TaskOut, Error> {
    let env: BTreeMap<String, String> = c
        .variables
        .iter()
        .filter_map(|(k, v)| v.value.as_plain().map(|p| (k.clone(), p)))
        .collect();
    let mut templates_ = Vec::new();
    templates_.extend(templates::env_template(ctx, &w.name, c));
    let files = templates::files(ctx, &w.name, c);
    templates_.extend(files.templates);
    let mut config = DockerConfig {
        image: c.image.clone(),
        entrypoint: c.command.clone(),
        args: c.args.clone(),
        mounts: files.mounts,
        ..Default::default()
    };
    let owns_port = plan.port_owners.values().any(|o| *o == c.name);
    if ctx.opts.network_mode == NetworkMode::Host && owns_port {
        config.ports = net.labels();
    }
    let mut out = TaskOut {
        task: Task::default(),
        group_volumes: Vec::new(),
    };
    let mut mounts = Vec::new();
    for v in c.volumes.values() {
        match volumes::mount(ctx, w, c, v)? {
            Mounted::Group(req, m) => {
                out.group_volumes.push(req);
                mounts.push(m);
            }
            Mounted::Bind(b) => config.volumes.push(b),
        }
    }
    out.task = Task {
        name: c.name.clone(),
        driver: "docker".to_string(),
        config,
        env,
        templates: templates_,
        volume_mounts: mounts,
        lifecycle: lifecycle(ctx, c, plan.role(&c.name)),
        resources: resources::resources(ctx, c),
    };
    Ok(out)
}

/// The job type and periodic block of a kind.
fn job_type(kind: &WorkloadKind) -> (&'static str, Option<PeriodicConfig>) {
    match kind {
        WorkloadKind::Service | WorkloadKind::Stateful => ("service", None),
        WorkloadKind::Job => ("batch", None),
        WorkloadKind::Cron { schedule } => (
            "batch",
            Some(PeriodicConfig {
                enabled: true,
                spec: schedule.clone(),
                spec_type: "cron".to_string(),
                prohibit_overlap: true,
            }),
        ),
    }
}

/// The job of workload `w`.
pub fn build(ctx: &mut Ctx, w: &ResolvedWorkload, plan: &WorkloadPlan) -> Result<Job, Error> {
    check_before(w, plan)?;
    if ctx.opts.network_mode == NetworkMode::Host && w.containers.len() > 1 {
        ctx.warn(
            Some(&w.span),
            format!(
                "workload `{}` has several containers but `networkMode: host` gives each its own network namespace: they do not share localhost",
                w.name
            ),
        );
    }
    let mut net = Network::new(w, ctx.opts)?;
    for c in w.containers.values() {
        probes(ctx, c, plan.role(&c.name), &w.name, &mut net);
    }
    let mut tasks = Vec::new();
    let mut volumes = BTreeMap::new();
    for c in w.containers.values() {
        let t = task(ctx, w, c, plan, &net)?;
        for v in t.group_volumes {
            volumes.insert(v.name.clone(), v);
        }
        tasks.push(t.task);
    }
    let (type_, periodic) = job_type(&plan.kind);
    let meta = w
        .annotations
        .iter()
        .filter(|(k, _)| !OWN_ANNOTATIONS.iter().any(|p| k.starts_with(p)))
        .map(|(k, v)| (meta_key(k), v.clone()))
        .collect();
    Ok(Job {
        id: w.name.clone(),
        name: w.name.clone(),
        type_: type_.to_string(),
        datacenters: datacenters(ctx),
        namespace: ctx.opts.namespace.clone(),
        region: ctx.opts.region.clone(),
        node_pool: ctx.opts.node_pool.clone(),
        meta,
        periodic,
        task_groups: vec![TaskGroup {
            name: w.name.clone(),
            count: 1,
            networks: vec![net.resource(ctx.opts)],
            services: net.services,
            volumes,
            tasks,
        }],
    })
}

/// `datacenters` of every job.
pub fn datacenters(ctx: &Ctx) -> Vec<String> {
    ctx.opts
        .datacenters
        .clone()
        .unwrap_or_else(|| vec!["*".to_string()])
}
