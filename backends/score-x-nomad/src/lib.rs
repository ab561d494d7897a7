//! score-x Nomad backend: the resolved model → one job per workload (one group, bridge network,
//! docker tasks) written as an HCL2 jobspec (`<workload>.nomad.hcl`) and as the JSON jobs API
//! body (`<workload>.nomad.json`, `{"Job": …}`), plus the jobs of development services the
//! provisioners ask for and `variables-to-create.json` (Nomad Variables paths and items, never
//! values).
//!
//! - [`options`]: target options; [`model`]: the typed job both files are written from;
//!   [`hcl`]: the HCL writer (`hcl-rs`); [`gotmpl`]: template text with score-x's delimiters.
//! - [`workload`], [`network`], [`checks`], [`templates`], [`volumes`], [`resources`]: the
//!   mapping rules; [`artifacts`]: the `nomad` section of provisioners; [`service_job`]: their
//!   development services.
//!
//! `emit` is pure: no I/O, no clock; output is deterministic.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod artifacts;
mod capabilities;
mod checks;
mod ctx;
mod error;
mod gotmpl;
mod hcl;
mod model;
mod network;
mod options;
mod resources;
mod service_job;
mod templates;
mod volumes;
mod workload;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use score_x_core::plan::Plan;
use score_x_core::stream::Sink;
use score_x_core::{Bundle, Code, Diagnostic, Resolved};

pub use capabilities::capabilities;
pub use error::Error;
pub use options::{
    CpuMode, DEFAULT_MHZ_PER_CORE, HclVariable, NetworkMode, Options, ServiceProvider,
};

/// The Nomad target for the CLI's backend registry.
pub struct Nomad;

impl score_x_core::driver::Backend for Nomad {
    const TARGET: score_x_core::Target = score_x_core::Target::NOMAD;
    type Options = Options;
    type Error = Error;
    fn check_options(opts: &Options) -> Result<(), Error> {
        check_options(opts)
    }
    fn capabilities(_: &Options) -> score_x_core::Capabilities {
        capabilities()
    }
    fn emit(app: &Resolved, plan: &Plan, opts: &Options) -> Result<Bundle, Error> {
        emit(app, plan, opts)
    }
    /// Each job's files go to `sink` from the thread that wrote them.
    fn emit_into(
        app: &Resolved,
        plan: &Plan,
        opts: &Options,
        sink: &dyn Sink,
    ) -> Result<Bundle, Error> {
        emit_jobs(app, plan, opts, Some(sink))
    }
}

/// The file listing the Nomad Variables the platform must create.
pub const VARIABLES_FILE: &str = "variables-to-create.json";

fn check_options(opts: &Options) -> Result<(), Error> {
    if opts.cpu_mhz_per_core == Some(0) {
        return Err(Error::InvalidOption(
            "`cpuMhzPerCore` must be at least 1".into(),
        ));
    }
    if opts.consul_dns && opts.service_provider != ServiceProvider::Consul {
        return Err(Error::InvalidOption(
            "`consulDns: true` needs `serviceProvider: consul` (Consul DNS knows only services registered in Consul)".into(),
        ));
    }
    if opts.datacenters.as_ref().is_some_and(|d| d.is_empty()) {
        return Err(Error::InvalidOption(
            "`datacenters` is empty; leave it out for every datacenter (`[\"*\"]`)".into(),
        ));
    }
    Ok(())
}

fn json(what: &str, v: &impl serde::Serialize) -> Result<String, Error> {
    serde_json::to_string_pretty(v)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| Error::Serialize {
            what: what.to_string(),
            reason: e.to_string(),
        })
}

/// A workload's job once built: written (its id and, without a sink, its files), or kept to be
/// compared with a resource's service job of the same id.
enum BuiltJob {
    Written(String, Bundle),
    Kept(model::Job),
}

/// Resources' service jobs written between two builds of their chunk.
const SERVICE_CHUNK: usize = 256;

/// Write `jobs` (in parallel), each freed once written, their files merged into `bundle`; the
/// error of the first job by id kept in `failed`.
fn write_jobs(
    jobs: Vec<model::Job>,
    opts: &Options,
    sink: Option<&dyn Sink>,
    bundle: &mut Bundle,
    failed: &mut Option<(String, Error)>,
) {
    let parts: Vec<(String, Result<Bundle, Error>)> = jobs
        .into_par_iter()
        .map(|job| {
            let part = written(&job, opts, sink);
            (job.id, part)
        })
        .collect();
    for (id, part) in parts {
        match part {
            Ok(part) => bundle.merge(part),
            Err(e) => {
                if failed.as_ref().is_none_or(|(first, _)| id < *first) {
                    *failed = Some((id, e));
                }
            }
        }
    }
}

/// The files of `job`: handed to `sink` when there is one, else returned as a bundle.
fn written(job: &model::Job, opts: &Options, sink: Option<&dyn Sink>) -> Result<Bundle, Error> {
    let mut part = Bundle::default();
    for (path, text) in job_files(job, opts)? {
        part.add(path, text);
    }
    if let Some(sink) = sink {
        sink.take(part.take_files());
    }
    Ok(part)
}

/// A job's two files: `(path, text)` of the API JSON and of the HCL jobspec.
fn job_files(job: &model::Job, opts: &Options) -> Result<[(String, String); 2], Error> {
    let req = model::JobRequest { job };
    Ok([
        (
            format!("{}.nomad.json", job.id),
            json(&format!("job `{}`", job.id), &req)?,
        ),
        (format!("{}.nomad.hcl", job.id), hcl::jobspec(job, opts)?),
    ])
}

/// Read every resource's `nomad` section into the context.
fn sections(ctx: &mut ctx::Ctx) -> Result<(), Error> {
    let mut all = BTreeMap::new();
    for (uid, res) in ctx.app.resources() {
        let section = artifacts::parse(res)?;
        for w in &section.warnings {
            ctx.warn(Some(&res.span), format!("resource `{uid}`: {w}"));
        }
        for n in &section.notes {
            ctx.notes.push(format!("resource `{uid}`: {n}"));
        }
        for v in &section.variables {
            let e = ctx.variable(&v.path);
            e.items.extend(v.items.iter().cloned());
            if e.description.is_none() {
                e.description = v.description.clone();
            }
        }
        all.insert(uid.clone(), section);
    }
    ctx.sections = std::sync::Arc::new(all);
    Ok(())
}

/// Translate the resolved estate into Nomad job files, following the shared `plan`. Pure and
/// deterministic.
pub fn emit(app: &Resolved, plan: &Plan, opts: &Options) -> Result<Bundle, Error> {
    emit_jobs(app, plan, opts, None)
}

/// [`emit`], each job's files handed to `sink` once written when there is one.
fn emit_jobs(
    app: &Resolved,
    plan: &Plan,
    opts: &Options,
    sink: Option<&dyn Sink>,
) -> Result<Bundle, Error> {
    check_options(opts)?;
    let mut ctx = ctx::Ctx {
        app,
        opts,
        sections: Default::default(),
        variables: BTreeMap::new(),
        warnings: Vec::new(),
        notes: Vec::new(),
    };
    sections(&mut ctx)?;
    // A workload's job is written, and freed, on its thread, unless a resource's service job
    // has its id (then the two are compared as values below).
    let sections = ctx.sections.clone();
    let service_ids: BTreeSet<&str> = sections
        .values()
        .flat_map(|s| s.jobs.iter().map(|j| j.id.as_str()))
        .collect();
    let mut bundle = Bundle::default();
    // Boxed: a job is large, and a map node holds eleven values inline.
    let mut jobs: BTreeMap<String, (Option<Box<model::Job>>, String)> = BTreeMap::new();
    // Each workload's job built on its own context (in parallel), merged in workload order: the
    // jobs, variables, warnings, notes and first error of a sequential run.
    let workloads: Vec<_> = app.workloads().values().collect();
    let shared = &ctx;
    let built: Vec<Result<(BuiltJob, ctx::Ctx), Error>> = workloads
        .par_iter()
        .map(|w| {
            let wp = plan
                .workload(&w.name)
                .ok_or_else(|| Error::Unplanned(w.name.clone()))?;
            let mut part = shared.part();
            let job = workload::build(&mut part, w, wp)?;
            if service_ids.contains(job.id.as_str()) {
                return Ok((BuiltJob::Kept(job), part));
            }
            let files = written(&job, opts, sink)?;
            Ok((BuiltJob::Written(job.id, files), part))
        })
        .collect();
    for (w, b) in workloads.iter().zip(built) {
        let (job, part) = b?;
        ctx.absorb(part);
        let origin = format!("workload `{}`", w.name);
        match job {
            BuiltJob::Written(id, files) => {
                bundle.merge(files);
                jobs.insert(id, (None, origin));
            }
            BuiltJob::Kept(job) => {
                jobs.insert(job.id.clone(), (Some(Box::new(job)), origin));
            }
        }
    }
    // A resource's service job is written a chunk at a time as it is built, unless its id is
    // another job's too: then the two are compared as values, and it is written last.
    let mut repeated: BTreeMap<&str, usize> = BTreeMap::new();
    for j in sections.values().flat_map(|s| &s.jobs) {
        *repeated.entry(j.id.as_str()).or_default() += 1;
    }
    let mut failed = None;
    let mut alone = Vec::new();
    for (uid, s) in sections
        .iter()
        .flat_map(|(uid, s)| s.jobs.iter().map(move |j| (uid, j)))
    {
        let job = service_job::build(&mut ctx, s);
        if repeated.get(job.id.as_str()) == Some(&1) && !jobs.contains_key(&job.id) {
            alone.push(job);
            if alone.len() == SERVICE_CHUNK {
                write_jobs(
                    std::mem::take(&mut alone),
                    opts,
                    sink,
                    &mut bundle,
                    &mut failed,
                );
            }
            continue;
        }
        if let Some((first, origin)) = jobs.get(&job.id) {
            if first.as_deref() == Some(&job) {
                continue;
            }
            return Err(Error::Artifacts {
                uid: uid.to_string(),
                reason: format!("job `{}` is also written by {origin}, differently", job.id),
                span: Box::new(
                    app.resources()
                        .get(uid)
                        .map(|r| r.span.clone())
                        .unwrap_or_else(|| score_x_core::Span::file_only("")),
                ),
            });
        }
        jobs.insert(
            job.id.clone(),
            (Some(Box::new(job)), format!("resource `{uid}`")),
        );
    }
    write_jobs(alone, opts, sink, &mut bundle, &mut failed);
    // The jobs kept for comparison, each written on its own (in parallel) and freed once
    // written; the first error by job id, as a run writing every job in job order meets it.
    let kept: Vec<model::Job> = jobs
        .into_values()
        .filter_map(|(job, _)| job.map(|j| *j))
        .collect();
    write_jobs(kept, opts, sink, &mut bundle, &mut failed);
    if let Some((_, e)) = failed {
        return Err(e);
    }
    let variables: Vec<&ctx::VariableEntry> = ctx.variables.values().collect();
    bundle.add(
        VARIABLES_FILE,
        json(
            VARIABLES_FILE,
            &serde_json::json!({ "variables": variables }),
        )?,
    );
    if !variables.is_empty() {
        ctx.warnings.push(
            Diagnostic::warning(
                Code::RequiredField,
                format!(
                    "the jobs read {} Nomad Variable(s) the platform must create before `nomad job run` (listed in {VARIABLES_FILE}, without values)",
                    variables.len()
                ),
            )
            .hint("create each with `nomad var put <path> <item>=<value> …`, and let the jobs read them (an ACL policy on the paths when ACLs are on)"),
        );
    }
    bundle.warnings = ctx.warnings;
    bundle.notes = ctx.notes;
    Ok(bundle)
}
