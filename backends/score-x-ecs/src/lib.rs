//! score-x ECS backend: the resolved model → RegisterTaskDefinition / CreateService JSON per
//! workload, one CloudFormation stack for the estate, and the list of secrets the platform must
//! create; [`plan_apply`], the same builders' typed output for apply; and [`apply`], which
//! checks every precondition, plans and then deploys that typed plan through the AWS APIs.
//!
//! `emit` and `plan_apply` are pure (no I/O, no clock); `apply` does network I/O.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod artifacts;
#[cfg(test)]
mod build_tests;
mod cfn;
#[cfg(test)]
mod cfn_tests;
mod ctx;
mod env;
mod error;
mod files;
mod json;
pub mod model;
mod options;
mod ports;
mod probes;
mod secrets;
mod shell;
mod sizing;
mod tags;
#[cfg(test)]
mod testutil;
mod volumes;
mod workload;

pub mod apply;

use std::collections::BTreeMap;

use rayon::prelude::*;

use score_x_core::backend::{Feature, Support};
use score_x_core::diag::first_few;
use score_x_core::plan::Plan;
use score_x_core::resolved::ResolvedWorkload;
use score_x_core::stream::Sink;
use score_x_core::{Bundle, Capabilities, Code, Diagnostic, Resolved};

pub use artifacts::{
    CfnSection, DnsRecordSpec, EcsSection, ParameterKind, ParameterSpec, Sidecar, VolumeSpec,
};
pub use cfn::INLINE_TEMPLATE_LIMIT;
pub use ctx::MISSING as MISSING_PLACEHOLDER_PREFIX;
pub use error::Error;
pub use files::INIT_CONTAINER as FILES_INIT_CONTAINER;
pub use options::{
    CpuArchitecture, DEFAULT_FILES_INIT_IMAGE, DEFAULT_LOG_GROUP_PREFIX, DEFAULT_SECRET_PREFIX,
    LaunchType, MixedSecrets, Options,
};
pub use ports::APP_PROTOCOL_ANNOTATION;
pub use sizing::fargate_size;
pub use tags::KNOB_PREFIX;

/// The file listing the SSM parameters / secrets the platform must create (names only).
pub const SECRETS_FILE: &str = "secrets-to-create.json";
/// The CloudFormation stack file.
pub const CLOUDFORMATION_FILE: &str = "cloudformation.yaml";
/// RegisterTaskDefinition accepts at most 64 KiB.
const TASK_DEFINITION_LIMIT: usize = 65_536;

/// One workload built on its own: what the caller kept of its output, its task definition
/// text, its context.
type Part<'a, T> = (T, Vec<u8>, ctx::Ctx<'a>);

/// The emission context after every workload was built, and what the caller kept of each
/// workload's output with its task definition text.
struct Built<'a, T> {
    ctx: ctx::Ctx<'a>,
    outs: BTreeMap<String, Kept<T>>,
}

/// What `emit` keeps of a workload's output once its task definition is written: its Service
/// written too (the typed output is freed where it was built, not held for every workload).
struct Written {
    service: Vec<u8>,
    efs_iam: Vec<String>,
}

/// Build every workload (`keep` takes what the caller needs of each output, on the thread that
/// built it).
fn build<'a, T: Send>(
    app: &'a Resolved,
    plan: &Plan,
    opts: &'a Options,
    keep: &(dyn Fn(workload::WorkloadOut) -> Result<T, Error> + Sync),
) -> Result<Built<'a, T>, Error> {
    build_in_chunks(app, plan, opts, keep, BUILD_CHUNK)
}

/// [`build`], `chunk` workloads built in parallel between two absorptions of their contexts
/// (any chunk size gives the same result).
fn build_in_chunks<'a, T: Send>(
    app: &'a Resolved,
    plan: &Plan,
    opts: &'a Options,
    keep: &(dyn Fn(workload::WorkloadOut) -> Result<T, Error> + Sync),
    chunk: usize,
) -> Result<Built<'a, T>, Error> {
    let mut ctx = context(app, opts)?;
    let mut outs = BTreeMap::new();
    each_chunk(&mut ctx, plan, keep, chunk, |_, built| outs.extend(built))?;
    Ok(Built { ctx, outs })
}

/// Every workload built `chunk` at a time ([`build_chunk`]), each chunk's outputs handed to
/// `each` with the context that has absorbed it.
fn each_chunk<'a, T: Send>(
    ctx: &mut ctx::Ctx<'a>,
    plan: &Plan,
    keep: &(dyn Fn(workload::WorkloadOut) -> Result<T, Error> + Sync),
    chunk: usize,
    mut each: impl FnMut(&mut ctx::Ctx<'a>, Vec<(String, Kept<T>)>),
) -> Result<(), Error> {
    let app = ctx.app;
    let workloads: Vec<_> = app.workloads().iter().collect();
    for chunk in workloads.chunks(chunk.max(1)) {
        let built = build_chunk(ctx, plan, chunk, keep)?;
        each(ctx, built);
    }
    Ok(())
}

/// The emission context before any workload is built: the options, the secrets of the
/// resources' outputs and every resource's section (its parameters declared, its warnings and
/// notes recorded).
fn context<'a>(app: &'a Resolved, opts: &'a Options) -> Result<ctx::Ctx<'a>, Error> {
    let mut ctx = ctx::Ctx {
        app,
        opts,
        warnings: Vec::new(),
        notes: Vec::new(),
        secrets: secrets::Registry::new(app),
        sections: Default::default(),
        missing: BTreeMap::new(),
    };
    let mut sections = BTreeMap::new();
    for (uid, res) in app.resources() {
        let section = artifacts::parse(res)?;
        for p in &section.parameters {
            ctx.secrets
                .declare(uid, &p.name, p.kind, p.description.as_deref());
        }
        for w in &section.warnings {
            ctx.warn(
                Code::Approximated,
                Some(&res.span),
                format!("resource `{uid}`: {w}"),
            );
        }
        for n in &section.notes {
            ctx.notes.push(format!("resource `{uid}`: {n}"));
        }
        sections.insert(uid.clone(), section);
    }
    ctx.sections = std::sync::Arc::new(sections);
    Ok(ctx)
}

/// Workloads by name, in order.
type Chunk<'w> = [(&'w String, &'w ResolvedWorkload)];

/// What the caller kept of a workload's output, with its task definition text.
type Kept<T> = (T, Vec<u8>);

/// Each workload of `chunk` built on a context of its own (in parallel), absorbed in workload
/// order: the outputs, warnings, notes, secrets and first error of a sequential run. Only one
/// chunk's contexts (their registries are small maps, but a map's first node is large) are
/// alive at a time.
fn build_chunk<'a, T: Send>(
    ctx: &mut ctx::Ctx<'a>,
    plan: &Plan,
    chunk: &Chunk<'_>,
    keep: &(dyn Fn(workload::WorkloadOut) -> Result<T, Error> + Sync),
) -> Result<Vec<(String, Kept<T>)>, Error> {
    let shared = &*ctx;
    let built: Vec<Result<Part<'a, T>, Error>> = chunk
        .par_iter()
        .map(|(name, w)| build_one(shared, plan, name, w, keep))
        .collect();
    let mut outs = Vec::with_capacity(chunk.len());
    for ((name, _), b) in chunk.iter().zip(built) {
        let (out, td, part) = b?;
        ctx.absorb(part);
        outs.push(((*name).clone(), (out, td)));
    }
    Ok(outs)
}

/// Workloads built in parallel between two absorptions of their contexts.
const BUILD_CHUNK: usize = 256;

/// Build workload `name` on a context of its own, its task definition written.
fn build_one<'a, T>(
    shared: &ctx::Ctx<'a>,
    plan: &Plan,
    name: &str,
    w: &ResolvedWorkload,
    keep: &(dyn Fn(workload::WorkloadOut) -> Result<T, Error> + Sync),
) -> Result<Part<'a, T>, Error> {
    let wp = plan
        .workload(name)
        .ok_or_else(|| Error::Unplanned(name.to_string()))?;
    let mut part = shared.part();
    let out = workload::build(&mut part, w, wp)?;
    let td = json::pretty("task definition", &out.task)?;
    if td.len() > TASK_DEFINITION_LIMIT {
        part.warn(
            Code::Approximated,
            Some(&w.span),
            format!(
                "the task definition of `{name}` is {} bytes; ECS accepts at most {TASK_DEFINITION_LIMIT} (large files travel inside it)",
                td.len()
            ),
        );
    }
    Ok((keep(out)?, td, part))
}

/// Every workload built a chunk at a time, each chunk read into CloudFormation (its files
/// handed to `done`) once its contexts are absorbed, and the template handed to `out` as it
/// is written, so only one chunk's task definitions and Services are held. Errors as in a run
/// that builds every workload first: a build error is reported before a CloudFormation error
/// of an earlier workload.
fn assemble(
    ctx: &mut ctx::Ctx<'_>,
    plan: &Plan,
    written: &(dyn Fn(workload::WorkloadOut) -> Result<Written, Error> + Sync),
    done: &(dyn Fn(&str, cfn::Written) + Sync),
    out: &mut dyn FnMut(String),
) -> Result<(), Error> {
    let names: Vec<&String> = ctx.app.workloads().keys().collect();
    let mut assembly = cfn::Assembly::new(ctx, &names, out);
    let mut deferred = None;
    each_chunk(ctx, plan, written, BUILD_CHUNK, |ctx, built| {
        if deferred.is_some() {
            return;
        }
        let outs = built
            .into_iter()
            .map(|(name, (w, task))| {
                let out = cfn::Written {
                    task,
                    service: w.service,
                    efs_iam: w.efs_iam,
                };
                (name, out)
            })
            .collect();
        deferred = assembly.add(ctx, outs, done).err();
    })?;
    match deferred {
        Some(e) => Err(e),
        None => assembly.finish(ctx),
    }
}

/// What `apply` deploys, typed: the same builders as [`emit`] (so the same values), without
/// the files. Account settings `emit` would fill with `<missing options.X>` placeholders are
/// an [`Error::Precondition`] naming every missing option instead. Pure.
pub fn plan_apply(app: &Resolved, plan: &Plan, opts: &Options) -> Result<apply::ApplyPlan, Error> {
    let typed = |out: workload::WorkloadOut| Ok((out.task, out.service));
    let Built { ctx, outs } = build(app, plan, opts, &typed)?;
    let missing: Vec<&str> = ctx
        .missing
        .keys()
        .copied()
        .filter(|o| *o != "cluster")
        .collect();
    if !missing.is_empty() {
        return Err(Error::Precondition {
            problem: format!(
                "the ECS target options lack {}, which apply needs",
                missing
                    .iter()
                    .map(|o| format!("`{o}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            fix: "set them in the file given to --target-options (the region may also come from --region or AWS_REGION)".into(),
        });
    }
    Ok(apply::ApplyPlan::new(
        outs.into_iter()
            .map(|(name, ((task, service), _))| (name, task, service)),
        &ctx.secrets,
    ))
}

/// Translate the resolved estate into ECS files. Pure.
pub fn emit(app: &Resolved, plan: &Plan, opts: &Options) -> Result<Bundle, Error> {
    emit_with(app, plan, opts, None)
}

/// [`emit`], the task definitions, Services and secrets file handed to `sink` once
/// CloudFormation has read them, and `cloudformation.yaml` a batch of entries at a time: the
/// estate's files are never held beside the whole template.
pub fn emit_into(
    app: &Resolved,
    plan: &Plan,
    opts: &Options,
    sink: &dyn Sink,
) -> Result<Bundle, Error> {
    emit_with(app, plan, opts, Some(sink))
}

fn emit_with(
    app: &Resolved,
    plan: &Plan,
    opts: &Options,
    sink: Option<&dyn Sink>,
) -> Result<Bundle, Error> {
    let written = |out: workload::WorkloadOut| {
        Ok(Written {
            service: json::pretty("service", &out.service)?,
            efs_iam: out.efs_iam,
        })
    };
    let mut ctx = context(app, opts)?;
    let mut bundle = Bundle::default();
    // CloudFormation reads each workload's task definition and Service back from their files;
    // then they are handed over (or kept for the bundle) by the thread that read them.
    let kept = std::sync::Mutex::new(Vec::new());
    let done = |name: &str, out: cfn::Written| {
        let mut part = Bundle::default();
        part.add(format!("{name}/task-definition.json"), out.task);
        part.add(format!("{name}/service.json"), out.service);
        match sink {
            Some(sink) => sink.take(part),
            None => kept
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(part),
        }
    };
    let mut yaml = String::new();
    let mut out = |piece: String| match sink {
        Some(sink) => sink.append(CLOUDFORMATION_FILE, piece.into_bytes(), Vec::new()),
        None => yaml.push_str(&piece),
    };
    assemble(&mut ctx, plan, &written, &done, &mut out)?;
    let kept = kept
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    kept.into_iter().for_each(|part| bundle.merge(part));
    if sink.is_none() {
        bundle.add(CLOUDFORMATION_FILE, yaml);
    }
    // Written once the workloads' files and the template are handed over: its values are not
    // held beside them.
    let entries: Vec<&secrets::SecretEntry> = ctx.secrets.entries.values().collect();
    let mut records: BTreeMap<&str, serde_json::Value> = BTreeMap::new();
    for (uid, s) in ctx.sections.iter() {
        for r in &s.dns_records {
            let e = records.entry(r.name.as_str()).or_insert_with(|| {
                let mut m = serde_json::Map::new();
                m.insert("name".into(), serde_json::Value::String(r.name.clone()));
                if let Some(d) = &r.description {
                    m.insert("description".into(), serde_json::Value::String(d.clone()));
                }
                m.insert("resources".into(), serde_json::Value::Array(Vec::new()));
                serde_json::Value::Object(m)
            });
            if let Some(a) = e["resources"].as_array_mut() {
                a.push(serde_json::Value::String(uid.to_string()));
            }
        }
    }
    let records: Vec<serde_json::Value> = records.into_values().collect();
    let mut file = json::PrettyArrays::default();
    file.field(SECRETS_FILE, "dnsRecords", &records)?;
    file.field(SECRETS_FILE, "secrets", &entries)?;
    bundle.add(SECRETS_FILE, file.finish());
    if let Some(sink) = sink {
        sink.take(bundle.take_files());
    }

    for (option, files) in std::mem::take(&mut ctx.missing) {
        let mut files = files;
        files.sort();
        files.dedup();
        let verb = if files.len() == 1 { "holds" } else { "hold" };
        let stack = match option {
            "executionRoleArn" | "taskRoleArn" => "cloudformation.yaml creates the role instead",
            "region" => "cloudformation.yaml uses the stack's region",
            "subnets" => "cloudformation.yaml takes the `Subnets` stack parameter",
            _ => "cloudformation.yaml takes a stack parameter",
        };
        let d = if option == "cluster" {
            Diagnostic::warning(
                Code::RequiredField,
                format!(
                    "no `cluster` in the ECS target options: {} {} no cluster, so the AWS `default` cluster is used",
                    first_few(&files),
                    if files.len() == 1 { "names" } else { "name" }
                ),
            )
        } else {
            Diagnostic::warning(
                Code::RequiredField,
                format!(
                    "MISSING ACCOUNT SETTING `{option}`: {} {verb} the placeholder `{}`, which AWS rejects until the option is set ({stack})",
                    first_few(&files),
                    ctx::missing(option)
                ),
            )
        };
        ctx.warnings.push(d.hint(format!(
            "set `{option}` in the file given to --target-options"
        )));
    }
    if opts.service_connect_namespace.is_none() && !app.workloads().is_empty() {
        ctx.warnings.push(
            Diagnostic::warning(
                Code::RequiredField,
                "no `serviceConnectNamespace` in the ECS target options: the services use the cluster's default Service Connect namespace, which the cluster must have (cloudformation.yaml creates one)",
            )
            .hint("set `serviceConnectNamespace`, or give the cluster a default (`aws ecs update-cluster --service-connect-defaults namespace=…`)"),
        );
    }
    bundle.warnings = ctx.warnings;
    bundle.notes = ctx.notes;
    Ok(bundle)
}

/// The ECS backend, as registered in the CLI.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ecs;

impl score_x_core::driver::Backend for Ecs {
    const TARGET: score_x_core::Target = score_x_core::Target::ECS;
    type Options = Options;
    type Error = Error;
    fn capabilities(_: &Options) -> Capabilities {
        capabilities()
    }
    fn emit(app: &Resolved, plan: &Plan, opts: &Options) -> Result<Bundle, Error> {
        emit(app, plan, opts)
    }
    fn emit_into(
        app: &Resolved,
        plan: &Plan,
        opts: &Options,
        sink: &dyn Sink,
    ) -> Result<Bundle, Error> {
        emit_into(app, plan, opts, sink)
    }
}

/// What ECS can express.
pub fn capabilities() -> Capabilities {
    Capabilities::new("ecs")
        .with(
            Feature::Files,
            Support::Approximated("an init container writes the files into a task volume mounted read-only over each file's directory"),
        )
        .with(
            Feature::BinaryFiles,
            Support::Approximated("written by the files init container from base64 in its environment"),
        )
        .with(
            Feature::SecretFiles,
            Support::Approximated("the files init container receives the secret parts through `secrets`"),
        )
        .with(
            Feature::HttpProbe,
            Support::Approximated("a CMD-SHELL curl/wget health check inside the container (the image needs curl or wget)"),
        )
        .with(
            Feature::UdpPorts,
            Support::Approximated("port mapping kept, but Service Connect carries TCP only"),
        )
        .with(
            Feature::ResourceRequests,
            Support::Approximated("memoryReservation / cpu shares; the task gets the smallest valid Fargate size"),
        )
        .with(
            Feature::MixedSecretVariables,
            Support::Approximated("promoted to an SSM parameter the platform composes, or composed by a shell wrapper"),
        )
        .with(Feature::Annotations, Support::Approximated("as tags of the task definition and service"))
        .with(
            Feature::RunToCompletion,
            Support::Approximated("the task definition is registered with a service of desiredCount 0: run it with `aws ecs run-task`, or schedule it with EventBridge Scheduler"),
        )
        .with(
            Feature::StableIdentity,
            Support::Approximated("a regular service: ECS tasks have no stable identity; storage comes from the volume provisioners"),
        )
}
