//! The dry front half `validate` runs for each target: options → provisioners → provision
//! (no `cmd://` provisioner run, no state or seed written) → capability check and emit; every
//! problem of every target kept, tagged with the targets it is found on.

use std::collections::{BTreeMap, BTreeSet};

use score_x_core::driver::{Checked, Prepared, emit_checked};
use score_x_core::graph::ResourceGraph;
use score_x_core::options::OptionsFile;
use score_x_core::plan::Plan;
use score_x_core::{App, Diagnostic, Diagnostics, Resolved, Target};
use score_x_provision::{Context, DryRunner, ProjectState, Seed};
use score_x_spec::SourceFile;

use crate::cli::ValidateArgs;
use crate::cmd::Failure;
use crate::cmd::pipeline::provisioner_set;
use crate::fsio;
use crate::registry;

/// One problem and the targets it is found on (empty: every checked target, or none in
/// particular).
#[derive(Debug)]
pub struct Finding {
    pub diag: Diagnostic,
    pub targets: Vec<String>,
}

impl Finding {
    /// The diagnostic with its message prefixed by its targets (`[ecs] …`) when it has some.
    pub fn tagged(&self) -> Diagnostic {
        let mut d = self.diag.clone();
        if !self.targets.is_empty() {
            d.message = format!("[{}] {}", self.targets.join(", "), d.message);
        }
        d
    }
}

/// What the front half found for all targets.
#[derive(Default)]
pub struct FrontHalf {
    pub findings: Vec<Finding>,
    /// Informational lines (e.g. `cmd://` provisioners that were not run).
    pub notes: BTreeSet<String>,
    /// Provisioner and options files, for rendering diagnostics.
    pub sources: Vec<SourceFile>,
}

/// The targets to check: the named ones, else every target of this build.
pub fn targets(args: &ValidateArgs) -> Result<Vec<Target>, Failure> {
    let named: Vec<Target> = args.target.iter().map(|t| t.target()).collect();
    if args.target_options.is_some() && named.len() != 1 {
        return Err(Failure::Usage(
            "--target-options needs exactly one --target (each target has its own settings)".into(),
        ));
    }
    if named.is_empty() {
        return Ok(registry::backends().iter().map(|b| b.target()).collect());
    }
    let mut seen = BTreeSet::new();
    Ok(named
        .into_iter()
        .filter(|t| seen.insert(t.as_str().to_string()))
        .collect())
}

/// Run the front half for every target of `targets` over the loaded `app`.
pub fn check(
    app: &App,
    graph: &ResourceGraph,
    plan: &Plan,
    targets: &[Target],
    args: &ValidateArgs,
    user: &crate::sources::Loaded,
) -> Result<FrontHalf, Failure> {
    let mut found: BTreeMap<Diagnostic, Vec<String>> = BTreeMap::new();
    let mut out = FrontHalf::default();
    for &target in targets {
        let diags = one_target(app, graph, plan, target, args, user, &mut out)?;
        for d in diags.0 {
            found
                .entry(d)
                .or_default()
                .push(target.as_str().to_string());
        }
    }
    for (diag, on) in found {
        let targets = if on.len() == targets.len() && targets.len() > 1 {
            Vec::new()
        } else {
            on
        };
        out.findings.push(Finding { diag, targets });
    }
    Ok(out)
}

/// The diagnostics of one target; notes and sources are added to `out`.
fn one_target(
    app: &App,
    graph: &ResourceGraph,
    plan: &Plan,
    target: Target,
    args: &ValidateArgs,
    user: &crate::sources::Loaded,
    out: &mut FrontHalf,
) -> Result<Diagnostics, Failure> {
    let Dry {
        backend,
        resolved,
        warnings: mut diags,
    } = match dry_run(app, graph, target, args, user, out)? {
        Ok(d) => d,
        Err(d) => return Ok(d),
    };
    match emit_checked(backend.as_ref(), &resolved, plan) {
        Ok(Checked { warnings, .. }) => diags.extend(warnings),
        Err(d) => diags.extend(d),
    }
    Ok(diags)
}

/// A target's backend and the estate provisioned for it without running anything.
pub struct Dry {
    pub backend: Box<dyn Prepared>,
    pub resolved: Resolved,
    pub warnings: Diagnostics,
}

/// Options, provisioners and a dry provision for `target` (no `cmd://` run, no state read or
/// written); the problems that stop it as `Ok(Err(..))`. Notes and sources go to `out`.
pub fn dry_run(
    app: &App,
    graph: &ResourceGraph,
    target: Target,
    args: &ValidateArgs,
    user: &crate::sources::Loaded,
    out: &mut FrontHalf,
) -> Result<Result<Dry, Diagnostics>, Failure> {
    let Some(backend) = registry::backend(target) else {
        return Err(Failure::Usage(format!(
            "the {target} target is not available in this build"
        )));
    };
    let source = match &args.target_options {
        Some(p) => Some(SourceFile {
            name: p.display().to_string(),
            text: fsio::read_text(p).map_err(Failure::Fatal)?,
        }),
        None => None,
    };
    let file = source.as_ref().map(|s| OptionsFile {
        name: &s.name,
        text: &s.text,
    });
    let prepared = backend.prepare(file, serde_json::Map::new());
    add_sources(out, source.into_iter().collect());
    let backend = match prepared {
        Ok(b) => b,
        Err(d) => return Ok(Err(Diagnostics(vec![d]))),
    };
    let set = match provisioner_set(user, &args.state_dir, target, None) {
        Ok((set, sources)) => {
            add_sources(out, sources);
            set
        }
        Err(Ok(d)) => return Ok(Err(d)),
        Err(Err(f)) => return Err(f),
    };
    // A throwaway state with a fixed seed: validate reads and writes no state.
    let mut state = ProjectState::new(Seed::from_bytes(&[0; 32])).target(target);
    let ctx = Context {
        target,
        options: backend.options_json().clone(),
        runner: &DryRunner,
    };
    let (resolved, warnings) =
        match score_x_provision::provision(app, graph, &set, &mut state, &ctx) {
            Ok(x) => x,
            Err(d) => return Ok(Err(d)),
        };
    for r in resolved.resources().values() {
        if r.provisioner.starts_with("cmd://") {
            out.notes.insert(format!(
                "{} (for `{}`) is not run by validate: its outputs are unknown, so every output its declaration allows is accepted",
                r.provisioner, r.uid
            ));
        }
    }
    Ok(Ok(Dry {
        backend,
        resolved,
        warnings,
    }))
}

fn add_sources(out: &mut FrontHalf, sources: Vec<SourceFile>) {
    for s in sources {
        if !out.sources.iter().any(|o| o.name == s.name) {
            out.sources.push(s);
        }
    }
}
