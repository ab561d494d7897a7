//! The pod spec of a workload: containers sorted by name, `before` turned into ordered init
//! containers and native sidecars, service ports into container ports, files and volumes mounted.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{
    Container, ContainerPort, PodSpec, ResourceRequirements as K8sRequirements, Volume,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use score_x_core::ir::{Quantities, ResourceRequirements};
use score_x_core::plan::{Role, WorkloadPlan};
use score_x_core::resolved::{ResolvedContainer, ResolvedWorkload};
use score_x_core::{Code, Diagnostic};

use crate::env::env;
use crate::error::Error;
use crate::files::FilePlan;
use crate::names::{ANNOTATION_PREFIX, cpu_quantity, is_port_name, is_quantity};
use crate::options::Options;
use crate::probes::probe;
use crate::volumes::VolumePlan;

fn quantities(q: &Quantities) -> BTreeMap<String, Quantity> {
    let mut m = BTreeMap::new();
    if let Some(cpu) = &q.cpu {
        m.insert("cpu".to_string(), Quantity(cpu_quantity(cpu.millis)));
    }
    if let Some(mem) = &q.memory {
        let text = if is_quantity(&mem.text) {
            mem.text.clone()
        } else {
            mem.bytes.to_string()
        };
        m.insert("memory".to_string(), Quantity(text));
    }
    m
}

fn requirements(r: &ResourceRequirements) -> Option<K8sRequirements> {
    let limits = r.limits.as_ref().map(quantities).filter(|m| !m.is_empty());
    let requests = r
        .requests
        .as_ref()
        .map(quantities)
        .filter(|m| !m.is_empty());
    (limits.is_some() || requests.is_some()).then(|| K8sRequirements {
        limits,
        requests,
        ..Default::default()
    })
}

fn container(
    c: &ResolvedContainer,
    role: Role,
    ports: Vec<ContainerPort>,
    mounts: Vec<k8s_openapi::api::core::v1::VolumeMount>,
    opts: &Options,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Container, Error> {
    let what = |kind: &str| format!("{kind} of container `{}`", c.name);
    let liveness = c
        .liveness_probe
        .as_ref()
        .map(|p| probe(p, &what("livenessProbe"), warnings));
    let readiness = c
        .readiness_probe
        .as_ref()
        .map(|p| probe(p, &what("readinessProbe"), warnings));
    let env = env(c)?;
    let mut k = Container {
        name: c.name.clone(),
        image: Some(c.image.clone()),
        image_pull_policy: opts.image_pull_policy.map(|p| p.as_str().to_string()),
        command: c.command.clone(),
        args: c.args.clone(),
        env: (!env.is_empty()).then_some(env),
        ports: (!ports.is_empty()).then_some(ports),
        resources: c.resources.as_ref().and_then(requirements),
        volume_mounts: (!mounts.is_empty()).then_some(mounts),
        ..Default::default()
    };
    match role {
        Role::Main => {
            k.liveness_probe = liveness;
            k.readiness_probe = readiness;
        }
        Role::Sidecar | Role::HealthySidecar => {
            k.restart_policy = Some("Always".to_string());
            if role == Role::HealthySidecar {
                k.startup_probe = readiness.clone().or_else(|| liveness.clone());
            }
            k.liveness_probe = liveness;
            k.readiness_probe = readiness;
        }
        Role::Init => {
            if let Some(p) = c.liveness_probe.as_ref().or(c.readiness_probe.as_ref()) {
                warnings.push(
                    Diagnostic::warning(
                        Code::Approximated,
                        format!(
                            "container `{}` runs to completion before others (`ready: complete`) and becomes an init container; Kubernetes does not run probes on init containers, so its probes are dropped",
                            c.name
                        ),
                    )
                    .at(p.span.clone()),
                );
            }
        }
    }
    Ok(k)
}

/// Build the pod spec of `w`.
pub fn pod_spec(
    w: &ResolvedWorkload,
    plan: &WorkloadPlan,
    opts: &Options,
    files: &FilePlan,
    vols: &VolumePlan,
    warnings: &mut Vec<Diagnostic>,
) -> Result<PodSpec, Error> {
    // Container ports, deduplicated by (port, protocol) per container.
    let mut ports: BTreeMap<String, BTreeMap<(i32, &str), ContainerPort>> = BTreeMap::new();
    for (pname, cname) in &plan.port_owners {
        let Some(p) = w.service_ports.get(pname) else {
            continue;
        };
        let proto = p.protocol.as_str();
        ports
            .entry(cname.clone())
            .or_default()
            .entry((i32::from(p.target_port), proto))
            .or_insert_with(|| ContainerPort {
                container_port: i32::from(p.target_port),
                name: is_port_name(pname).then(|| pname.clone()),
                protocol: Some(proto.to_string()),
                ..Default::default()
            });
    }
    // A container port name must be unique in the pod: drop repeated names.
    let mut seen_names = BTreeSet::new();
    for cp in ports.values_mut().flat_map(|m| m.values_mut()) {
        if let Some(n) = &cp.name
            && !seen_names.insert(n.clone())
        {
            cp.name = None;
        }
    }

    let mut built: BTreeMap<String, Container> = BTreeMap::new();
    for (name, c) in &w.containers {
        let mut mounts: Vec<_> = files.mounts.get(name).cloned().unwrap_or_default();
        mounts.extend(vols.mounts.get(name).cloned().unwrap_or_default());
        mounts.sort_by(|a, b| a.mount_path.cmp(&b.mount_path));
        let cports = ports
            .remove(name)
            .map(|m| m.into_values().collect())
            .unwrap_or_default();
        built.insert(
            name.clone(),
            container(c, plan.role(name), cports, mounts, opts, warnings)?,
        );
    }
    let init_containers: Vec<Container> = plan
        .init_order
        .iter()
        .filter_map(|n| built.remove(n))
        .collect();
    let containers: Vec<Container> = built.into_values().collect();

    let mut volumes: Vec<Volume> = files.volumes.clone();
    volumes.extend(vols.volumes.values().cloned());
    volumes.sort_by(|a, b| a.name.cmp(&b.name));

    Ok(PodSpec {
        containers,
        init_containers: (!init_containers.is_empty()).then_some(init_containers),
        volumes: (!volumes.is_empty()).then_some(volumes),
        ..Default::default()
    })
}

/// True when `key` is one of score-x's or score-k8s's own annotations (not copied to pods).
pub fn is_own_annotation(key: &str) -> bool {
    key.starts_with(ANNOTATION_PREFIX) || key.starts_with(crate::names::SCORE_K8S_PREFIX)
}
