//! One workload → its ConfigMap/Secret of files, Service(s) and workload object
//! (Deployment, StatefulSet, Job or CronJob chosen by annotation).

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, StatefulSet, StatefulSetSpec,
};
use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, Job, JobSpec, JobTemplateSpec};
use k8s_openapi::api::core::v1::{PodTemplateSpec, Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use score_x_core::naming::dns_label;
use score_x_core::plan::{WorkloadKind, WorkloadPlan};
use score_x_core::resolved::ResolvedWorkload;
use score_x_core::{Diagnostic, Resolved};

use crate::error::Error;
use crate::names::{CHECKSUM_ANNOTATION, labels, selector};
use crate::object::{Body, Object, Origin};
use crate::options::Options;
use crate::pod::{is_own_annotation, pod_spec};
use crate::{files, volumes};

/// Name of a StatefulSet's headless Service.
pub fn headless_name(workload: &str) -> String {
    dns_label(&format!("{workload}-headless"), 63)
}

fn meta(name: &str, workload: &str, opts: &Options) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: opts.namespace.clone(),
        labels: Some(labels(workload)),
        ..Default::default()
    }
}

fn service(w: &ResolvedWorkload, opts: &Options, name: &str, headless: bool) -> Service {
    let ports: Vec<ServicePort> = w
        .service_ports
        .values()
        .map(|p| ServicePort {
            name: Some(p.name.clone()),
            port: i32::from(p.port),
            target_port: Some(IntOrString::Int(i32::from(p.target_port))),
            protocol: Some(p.protocol.as_str().to_string()),
            ..Default::default()
        })
        .collect();
    Service {
        metadata: meta(name, &w.name, opts),
        spec: Some(ServiceSpec {
            cluster_ip: headless.then(|| "None".to_string()),
            selector: Some(selector(&w.name)),
            ports: (!ports.is_empty()).then_some(ports),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// score-k8s's annotation naming a workload's Service (default: the workload name).
pub const SERVICE_NAME_ANNOTATION: &str = "k8s.score.dev/service-name";

/// The annotation naming the workload on its Deployment, StatefulSet, Job or CronJob (as
/// score-k8s writes it), so patches and tools can find a workload's object.
pub const WORKLOAD_NAME_ANNOTATION: &str = "k8s.score.dev/workload-name";

/// The name of `w`'s Service: its `k8s.score.dev/service-name` annotation when that is a valid
/// RFC 1035 label (else a warning, and the workload name), as score-k8s names it.
pub fn service_name<'a>(w: &'a ResolvedWorkload, warnings: &mut Vec<Diagnostic>) -> &'a str {
    let Some(name) = w.annotations.get(SERVICE_NAME_ANNOTATION) else {
        return &w.name;
    };
    let valid = name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if valid {
        return name;
    }
    warnings.push(
        Diagnostic::warning(
            score_x_core::Code::InvalidValue,
            format!("workload `{}`: the annotation `{SERVICE_NAME_ANNOTATION}: {name}` is not a valid Service name; the Service is named `{}`", w.name, w.name),
        )
        .at(w.span.clone())
        .hint("use 1-63 characters of a-z, 0-9 and '-', starting with a letter and not ending with '-'"),
    );
    &w.name
}

/// Every object of workload `w`, in output order: ConfigMap, Secret, Service(s), workload object.
pub fn workload_objects(
    app: &Resolved,
    w: &ResolvedWorkload,
    plan: &WorkloadPlan,
    opts: &Options,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Vec<Object>, Error> {
    let kind = &plan.kind;
    let file_plan = files::plan(w, opts.namespace.as_deref())?;
    let vol_plan = volumes::plan(app, w, kind.annotation_value())?;
    let recreate = vol_plan.uses_claims();
    let mut spec = pod_spec(w, plan, opts, &file_plan, &vol_plan, warnings)?;

    let mut annotations: BTreeMap<String, String> = w
        .annotations
        .iter()
        .filter(|(k, _)| !is_own_annotation(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(sum) = &file_plan.checksum {
        annotations.insert(CHECKSUM_ANNOTATION.to_string(), sum.clone());
    }
    if kind.runs_to_completion() {
        spec.restart_policy = Some("OnFailure".to_string());
    }
    let template = PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels(&w.name)),
            annotations: (!annotations.is_empty()).then_some(annotations),
            ..Default::default()
        }),
        spec: Some(spec),
    };

    let origin = || Origin::Workload(w.name.clone());
    let mut out = Vec::new();
    if let Some(cm) = file_plan.config_map {
        out.push(Object {
            origin: origin(),
            body: Body::ConfigMap(Box::new(cm)),
        });
    }
    if let Some(s) = file_plan.secret {
        out.push(Object {
            origin: origin(),
            body: Body::Secret(Box::new(s)),
        });
    }
    if !w.service_ports.is_empty() {
        out.push(Object {
            origin: origin(),
            body: Body::Service(Box::new(service(w, opts, service_name(w, warnings), false))),
        });
    }
    let mut metadata = meta(&w.name, &w.name, opts);
    metadata.annotations = Some(BTreeMap::from([(
        WORKLOAD_NAME_ANNOTATION.to_string(),
        w.name.clone(),
    )]));
    let label_selector = || LabelSelector {
        match_labels: Some(selector(&w.name)),
        ..Default::default()
    };
    let body = match kind {
        WorkloadKind::Service => Body::Deployment(Box::new(Deployment {
            metadata,
            spec: Some(DeploymentSpec {
                replicas: Some(1),
                selector: label_selector(),
                strategy: recreate.then(|| DeploymentStrategy {
                    type_: Some("Recreate".to_string()),
                    ..Default::default()
                }),
                template,
                ..Default::default()
            }),
            ..Default::default()
        })),
        WorkloadKind::Stateful => {
            let headless = headless_name(&w.name);
            out.push(Object {
                origin: origin(),
                body: Body::Service(Box::new(service(w, opts, &headless, true))),
            });
            let claims: Vec<_> = vol_plan.claims.into_values().collect();
            Body::StatefulSet(Box::new(StatefulSet {
                metadata,
                spec: Some(StatefulSetSpec {
                    replicas: Some(1),
                    selector: label_selector(),
                    service_name: Some(headless),
                    template,
                    volume_claim_templates: (!claims.is_empty()).then_some(claims),
                    ..Default::default()
                }),
                ..Default::default()
            }))
        }
        WorkloadKind::Job => Body::Job(Box::new(Job {
            metadata,
            spec: Some(JobSpec {
                template,
                ..Default::default()
            }),
            ..Default::default()
        })),
        WorkloadKind::Cron { schedule } => {
            let schedule = schedule.clone();
            Body::CronJob(Box::new(CronJob {
                metadata,
                spec: Some(CronJobSpec {
                    schedule,
                    job_template: JobTemplateSpec {
                        metadata: Some(ObjectMeta {
                            labels: Some(labels(&w.name)),
                            ..Default::default()
                        }),
                        spec: Some(JobSpec {
                            template,
                            ..Default::default()
                        }),
                    },
                    ..Default::default()
                }),
                ..Default::default()
            }))
        }
    };
    out.push(Object {
        origin: origin(),
        body,
    });
    Ok(out)
}
