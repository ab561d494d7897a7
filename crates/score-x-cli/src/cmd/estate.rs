//! `translate --placement FILE`: one hybrid estate across targets. The placement is decoded
//! and every target's options prepared before anything runs; each resource is provisioned once,
//! by its host target, with one state for the estate; each target then emits its part (the
//! workloads placed on it) exactly as a single-target translate of those workloads would, into
//! `<target>/` of one combined bundle, with the run's patches applied per target (their
//! `target:` filters) as in a single-target run. Every part is then leak-checked against every
//! secret of the estate.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use score_x_core::addresses::Addresses;
use score_x_core::backend::{Bundle, Target};
use score_x_core::driver::{Checked, Patching, Prepared, emit_patched};
use score_x_core::graph::ResourceGraph;
use score_x_core::leak::SecretScanner;
use score_x_core::patch::PatchSet;
use score_x_core::placement::Placement;
use score_x_core::plan::Plan;
use score_x_core::resolved::SecretText;
use score_x_core::{App, Diagnostics, ResourceUid, Span, estate};
use score_x_provision::{Context, Hosts, ProjectState, ProvisionerSet};
use score_x_spec::SourceFile;

use crate::cli::PipelineArgs;
use crate::cmd::Failure;
use crate::cmd::pipeline;
use crate::fsio;
use crate::inputs::{self, LoadFlags};
use crate::printer::Printer;
use crate::project;
use crate::registry;
use crate::runner::ProcessRunner;

/// What a hybrid run produced: one bundle whose paths start with `<target>/`.
pub struct ProducedEstate {
    pub bundle: Bundle,
    pub state: ProjectState,
    pub secrets: BTreeSet<SecretText>,
    /// How many approximations the targets made (the `APPROXIMATED` warnings printed).
    pub approximated: usize,
}

/// A target of the estate, ready to run.
struct Part {
    target: Target,
    backend: Box<dyn Prepared>,
    set: ProvisionerSet,
}

/// Decode the placement file; its source is added to `sources`.
pub fn read_placement(
    printer: &Printer,
    path: &Path,
    sources: &mut Vec<SourceFile>,
) -> Result<Placement, Failure> {
    let name = path.display().to_string();
    let text = fsio::read_text(path).map_err(Failure::Fatal)?;
    let known: Vec<Target> = registry::backends().iter().map(|b| b.target()).collect();
    let decoded = score_x_core::placement_file::decode(&name, &text, &known);
    sources.push(SourceFile { name, text });
    decoded.map_err(|d| {
        inputs::report(printer, &d, sources);
        Failure::Invalid
    })
}

/// Place every workload of `app`: the file, then the `score-x.dev/target` annotations; unknown
/// names and unplaced workloads are errors.
pub fn place(
    printer: &Printer,
    mut placement: Placement,
    file: &Path,
    app: &App,
    sources: &[SourceFile],
) -> Result<Placement, Failure> {
    let diags = placement_diagnostics(&mut placement, &file.display().to_string(), app);
    if diags.has_errors() {
        inputs::report(printer, &diags, sources);
        return Err(Failure::Invalid);
    }
    Ok(placement)
}

/// Add the `score-x.dev/target` annotations of `app` to `placement` (file `file`), then check
/// it against `app`: every problem, with "did you mean"s.
pub fn placement_diagnostics(placement: &mut Placement, file: &str, app: &App) -> Diagnostics {
    let known: Vec<Target> = registry::backends().iter().map(|b| b.target()).collect();
    let mut diags = placement.add_annotations(app, &known);
    diags.extend(placement.check(app, &Span::file_only(file.to_string())));
    diags
}

/// Run the whole estate up to the combined bundle. Warnings are printed as they come.
pub fn produce(printer: &Printer, args: &PipelineArgs) -> Result<ProducedEstate, Failure> {
    let Some(file) = &args.placement else {
        return Err(Failure::Usage("--placement FILE is missing".into()));
    };
    let mut sources = Vec::new();
    let placement = read_placement(printer, file, &mut sources)?;
    let (patches, patch_sources) =
        crate::cmd::patches::load(printer, &args.patch, &args.state_dir)?;
    sources.extend(patch_sources);
    let flags = LoadFlags {
        image: args.image.as_deref(),
        overrides_file: args.overrides_file.as_ref(),
        override_properties: &args.override_property,
    };
    let (inputs, state_file) = pipeline::load_beside_state(printer, args, &flags);
    let (loaded_sources, loaded) = inputs?;
    sources.extend(loaded_sources);
    let app = loaded.app;
    let placement = place(printer, placement, file, &app, &sources)?;
    let targets: Vec<Target> = placement.targets(&app).into_iter().collect();
    check_flags(args, &targets)?;
    let parts = prepare_parts(printer, args, &targets, &mut sources)?;
    let graph = ResourceGraph::build(&app).map_err(|d| fail(printer, &d, &sources))?;
    Plan::of_app(&app).map_err(|d| fail(printer, &d, &sources))?;
    let hosts = placement.hosts(&app);
    let mut project_state = state_file
        .and_then(|file| project::state_from(&args.state_dir, &args.seed, file))
        .map_err(|d| fail(printer, &d, &sources))?;
    let mut state = project_state.estate(&targets, &hosts);
    let estate = Estate {
        app: &app,
        placement: &placement,
        hosts: &hosts,
        parts: &parts,
        patches: &patches,
    };
    let (resolved, warnings) = estate
        .provision(&graph, &mut state)
        .map_err(|d| fail(printer, &d, &sources))?;
    printer.diagnostics(&warnings.0, &sources);
    let placed: BTreeMap<String, Target> = app
        .workloads()
        .keys()
        .filter_map(|w| Some((w.clone(), placement.workload(w)?)))
        .collect();
    project_state.set_estate(&state, &hosts, &placed);
    let (bundle, approximated) = estate.emit(printer, &resolved, &sources)?;
    Ok(ProducedEstate {
        bundle,
        state: project_state,
        secrets: crate::cmd::secrets::secret_values(&resolved),
        approximated,
    })
}

/// Every target's backend (options decoded) and provisioners, before anything runs.
fn prepare_parts(
    printer: &Printer,
    args: &PipelineArgs,
    targets: &[Target],
    sources: &mut Vec<SourceFile>,
) -> Result<Vec<Part>, Failure> {
    let mut parts = Vec::new();
    let user = crate::sources::load(
        printer,
        &args.provisioners,
        &args.state_dir,
        crate::sources::Mode::Record,
    )
    .map_err(Failure::Fatal)?;
    for t in targets {
        let (backend, options_source) = pipeline::prepare(printer, args, *t)?;
        sources.extend(options_source);
        let (set, prov_sources) = match pipeline::provisioner_set(&user, &args.state_dir, *t, None)
        {
            Ok(x) => x,
            Err(Ok(d)) => return Err(fail(printer, &d, sources)),
            Err(Err(f)) => return Err(f),
        };
        sources.extend(prov_sources);
        parts.push(Part {
            target: *t,
            backend,
            set,
        });
    }
    Ok(parts)
}

/// The estate with its placement and its prepared targets.
struct Estate<'a> {
    app: &'a App,
    placement: &'a Placement,
    hosts: &'a BTreeMap<ResourceUid, Target>,
    parts: &'a [Part],
    patches: &'a PatchSet,
}

impl Estate<'_> {
    /// Provision every resource once, by its host, with cross-runtime service addresses.
    fn provision(
        &self,
        graph: &ResourceGraph,
        state: &mut score_x_provision::State,
    ) -> Result<(score_x_core::Resolved, Diagnostics), Diagnostics> {
        let runner = ProcessRunner;
        let contexts: Vec<Context<'_>> = self
            .parts
            .iter()
            .map(|p| Context {
                target: p.target,
                options: p.backend.options_json().clone(),
                runner: &runner,
            })
            .collect();
        let options: BTreeMap<Target, serde_json::Value> = contexts
            .iter()
            .map(|c| (c.target, c.options.clone()))
            .collect();
        let addresses = Addresses {
            app: self.app,
            placement: self.placement,
            hosts: self.hosts,
            options: &options,
        };
        // `Diagnostic` is the house error type; boxing it for one closure would only add noise.
        #[allow(clippy::result_large_err)]
        let rewrite = |r: &mut score_x_core::resolved::ProvisionedResource| addresses.rewrite(r);
        let mut hosts = Hosts::new();
        for (p, ctx) in self.parts.iter().zip(&contexts) {
            hosts.add(&p.set, ctx);
        }
        for (uid, t) in self.hosts {
            hosts.place(uid.clone(), *t);
        }
        hosts.rewrite_with(&rewrite);
        score_x_provision::provision_estate(self.app, graph, &hosts, state)
    }

    /// Every target's part emitted and checked, merged under `<target>/`; all errors at once.
    fn emit(
        &self,
        printer: &Printer,
        resolved: &score_x_core::Resolved,
        sources: &[SourceFile],
    ) -> Result<(Bundle, usize), Failure> {
        let scanner = SecretScanner::of(resolved);
        let mut bundle = Bundle::default();
        let mut approximated = 0;
        let mut errors = Diagnostics::new();
        let renderer = score_x_provision::PatchRenderer::new();
        // `--patch-templates` conflicts with `--placement` (clap): no post-emit edit here.
        let patching = Patching {
            set: self.patches,
            renderer: &renderer,
            post: None,
        };
        for p in self.parts {
            match emit_part(p, resolved, self, patching, &scanner) {
                Ok(Checked {
                    bundle: b,
                    warnings,
                    ..
                }) => {
                    printer.diagnostics(&warnings.0, sources);
                    approximated += pipeline::approximations(&warnings);
                    for note in &b.notes {
                        printer.err(&format!("note: {} ({})", note, p.target));
                    }
                    merge(&mut bundle, b, p.target);
                }
                Err(d) => errors.extend(d),
            }
        }
        if errors.has_errors() {
            errors.sort();
            return Err(fail(printer, &errors, sources));
        }
        Ok((bundle, approximated))
    }
}

/// One target's part: split, plan, check, emit, patch (the patches for this target), then the
/// estate-wide leak check.
fn emit_part(
    p: &Part,
    resolved: &score_x_core::Resolved,
    e: &Estate<'_>,
    patching: Patching<'_>,
    scanner: &SecretScanner,
) -> Result<Checked, Diagnostics> {
    let part = estate::part(resolved, e.placement, e.hosts, p.target)?;
    let plan = Plan::of_resolved(&part)?;
    let mut checked = emit_patched(p.backend.as_ref(), &part, &plan, Some(patching))?;
    scanner
        .check(p.target, &mut checked.bundle)
        .map_err(|d| Diagnostics(vec![d]))?;
    Ok(checked)
}

/// Add `b`'s files under `<target>/`.
fn merge(into: &mut Bundle, b: Bundle, target: Target) {
    let prefix = |rel: &str| format!("{}/{rel}", target.as_str());
    for (rel, contents) in b.files {
        into.files.insert(prefix(&rel), contents);
    }
    for (rel, ranges) in b.secret_store {
        into.secret_store.insert(prefix(&rel), ranges);
    }
    into.secret_files
        .extend(b.secret_files.iter().map(|r| prefix(r)));
    into.notes.extend(b.notes);
}

/// `--namespace`/`--generate-namespace` need a kubernetes target in the estate; a
/// `--target-options` file must name a target of the estate.
fn check_flags(args: &PipelineArgs, targets: &[Target]) -> Result<(), Failure> {
    let kubernetes = targets
        .iter()
        .any(|t| t.provisioner_section() == Target::KUBERNETES.provisioner_section());
    if (args.namespace.is_some() || args.generate_namespace) && !kubernetes {
        return Err(Failure::Usage(
            "--namespace and --generate-namespace apply to kubernetes, and the placement puts nothing on it".into(),
        ));
    }
    for o in &args.target_options {
        match o.target {
            None => {
                return Err(Failure::Usage(format!(
                    "with --placement, name the target of each options file: --target-options <target>={}",
                    o.path.display()
                )));
            }
            Some(t) if !targets.contains(&t) => {
                return Err(Failure::Usage(format!(
                    "--target-options {t}={}: the placement puts nothing on {t} (it uses {})",
                    o.path.display(),
                    targets
                        .iter()
                        .map(|t| t.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Every file under `DIR/<target>/` (any target of this build) that `files` does not hold:
/// score-x owns those directories, so what is left there is the artifact of a workload that
/// moved or is gone.
pub fn stale_files(files: &BTreeMap<String, Vec<u8>>, dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for t in registry::backends().iter().map(|b| b.target()) {
        let mut stack = vec![dir.join(t.as_str())];
        while let Some(d) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in entries.flatten() {
                let (Ok(kind), p) = (e.file_type(), e.path()) else {
                    continue;
                };
                if kind.is_dir() {
                    stack.push(p);
                } else if let Ok(rel) = p.strip_prefix(dir)
                    && kind.is_file()
                    && !files.contains_key(&rel.to_string_lossy().replace('\\', "/"))
                {
                    out.push(p);
                }
            }
        }
    }
    out.sort();
    out
}

fn fail(printer: &Printer, d: &Diagnostics, sources: &[SourceFile]) -> Failure {
    inputs::report(printer, d, sources);
    Failure::Invalid
}
