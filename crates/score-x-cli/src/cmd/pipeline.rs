//! The pipeline shared by `translate` and `apply`: load → graph → provision → resolve → check → emit.

use std::collections::BTreeSet;

use score_x_core::Diagnostics;
use score_x_core::backend::{Bundle, Target};
use score_x_core::driver::{Checked, Patching, Prepared, emit_scanned};
use score_x_core::graph::ResourceGraph;
use score_x_core::leak::{MIN_SECRET_LEN, SecretScanner};
use score_x_core::options::OptionsFile;
use score_x_core::plan::Plan;
use score_x_core::resolved::SecretText;
use score_x_core::stream::FileSink;
use score_x_provision::{Context, Origin, ProjectState, ProvisionerSet};
use score_x_spec::SourceFile;

use crate::cli::PipelineArgs;
use crate::cmd::Failure;
use crate::cmd::staging::Staging;
use crate::fsio;
use crate::inputs::{self, LoadFlags};
use crate::printer::Printer;
use crate::project;
use crate::registry;
use crate::runner::ProcessRunner;
use crate::sources::{self, Mode};

/// What a successful run produced, before anything is written.
pub struct Produced {
    pub bundle: Bundle,
    /// The project state with this target's section updated.
    pub state: ProjectState,
    /// The backend with its decoded options (apply reads its typed options).
    #[cfg_attr(not(feature = "ecs"), allow(dead_code))]
    pub backend: Box<dyn Prepared>,
    /// The secret values score-x knows (generated secrets), for masking and file modes.
    pub secrets: std::collections::BTreeSet<score_x_core::resolved::SecretText>,
    /// `state`'s text, checked to hold no secret (computed while the backend emitted).
    pub state_text: Result<project::StateText, String>,
    /// The resolved estate and its plan, for `apply`'s typed plan.
    pub resolved: score_x_core::Resolved,
    pub plan: Plan,
    /// How many approximations the target made (the `APPROXIMATED` warnings printed).
    pub approximated: usize,
    /// The files went into the staging directory given to [`produce`] (`bundle` holds none).
    pub streamed: bool,
}

/// The approximations among `warnings`.
pub fn approximations(warnings: &Diagnostics) -> usize {
    warnings
        .iter()
        .filter(|d| d.code == score_x_core::Code::Approximated)
        .count()
}

/// The flags that belong to the target options (`--namespace`, `--generate-namespace`,
/// `--chart-name`; helm also gets the current directory's name as `defaultChartName`).
fn option_flags(
    args: &PipelineArgs,
    target: Target,
) -> Result<serde_json::Map<String, serde_json::Value>, Failure> {
    let mut flags = chart_flags(args, target)?;
    if args.namespace.is_none() && !args.generate_namespace {
        return Ok(flags);
    }
    // A hybrid estate passes them to its kubernetes (and helm) targets only.
    let kubernetes = target.provisioner_section() == Target::KUBERNETES.provisioner_section();
    if args.placement.is_some() && !kubernetes {
        return Ok(flags);
    }
    if target.provisioner_section() != Target::KUBERNETES.provisioner_section() {
        return Err(Failure::Usage(format!(
            "--namespace and --generate-namespace apply to kubernetes, not {target}"
        )));
    }
    if let Some(ns) = &args.namespace {
        flags.insert("namespace".into(), serde_json::Value::String(ns.clone()));
    }
    if args.generate_namespace {
        flags.insert("generateNamespace".into(), serde_json::Value::Bool(true));
    }
    Ok(flags)
}

/// `--chart-name` (helm only) and the current directory's name the helm backend names the
/// umbrella chart after by default.
fn chart_flags(
    args: &PipelineArgs,
    target: Target,
) -> Result<serde_json::Map<String, serde_json::Value>, Failure> {
    let mut flags = serde_json::Map::new();
    if target != Target::HELM {
        return match args.chart_name {
            Some(_) => Err(Failure::Usage(format!(
                "--chart-name applies to helm, not {target}"
            ))),
            None => Ok(flags),
        };
    }
    if let Some(n) = &args.chart_name {
        flags.insert("chartName".into(), n.clone().into());
    }
    let dir = std::env::current_dir().ok();
    if let Some(d) = dir.as_deref().and_then(|d| d.file_name()) {
        flags.insert("defaultChartName".into(), d.to_string_lossy().into());
    }
    Ok(flags)
}

/// Settings resolved before anything runs: the target's backend with its options decoded from
/// `--target-options` and the flags. Returns the options file as a source for diagnostics.
pub fn prepare(
    printer: &Printer,
    args: &PipelineArgs,
    target: Target,
) -> Result<(Box<dyn Prepared>, Option<SourceFile>), Failure> {
    let Some(backend) = registry::backend(target) else {
        return Err(Failure::Usage(format!(
            "the {target} target is not available in this build"
        )));
    };
    let flags = option_flags(args, target)?;
    let source = match args.options_file(target).map_err(Failure::Usage)? {
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
    match backend.prepare(file, flags) {
        Ok(b) => Ok((b, source)),
        Err(d) => {
            let sources: Vec<SourceFile> = source.into_iter().collect();
            inputs::report(printer, &Diagnostics(vec![d]), &sources);
            Err(Failure::Invalid)
        }
    }
}

/// The one target of a run without --placement; a `--target-options T=FILE` for another target
/// is a usage error.
pub fn single_target(args: &PipelineArgs) -> Result<Target, Failure> {
    let Some(target) = args.single_target() else {
        return Err(Failure::Usage(
            "give --target (or --placement FILE for a hybrid estate)".into(),
        ));
    };
    if let Some(o) = args
        .target_options
        .iter()
        .find(|o| o.target.is_some_and(|t| t != target))
    {
        return Err(Failure::Usage(format!(
            "--target-options {}={} names another target than --target {target}",
            o.target.map_or("", Target::as_str),
            o.path.display()
        )));
    }
    Ok(target)
}

/// The provisioners for `target` in match order: `user` (`--provisioners`, already fetched),
/// then `<state_dir>/provisioners/`, then the target's defaults (unless
/// `--no-default-provisioners`); with their sources for diagnostics. With `in_use` (the resource
/// types of the estate), only the defaults of those types are compiled.
pub fn provisioner_set(
    user: &sources::Loaded,
    state_dir: &std::path::Path,
    target: Target,
    in_use: Option<&BTreeSet<String>>,
) -> Result<(ProvisionerSet, Vec<SourceFile>), Result<Diagnostics, Failure>> {
    let mut set = ProvisionerSet::new();
    let mut sources = Vec::new();
    let mut diags = Diagnostics::new();
    let project =
        project::project_provisioner_files(state_dir).map_err(|e| Err(Failure::Fatal(e)))?;
    let mut files: Vec<(String, String, Origin)> = user
        .files
        .iter()
        .map(|f| (f.name.clone(), f.text.clone(), Origin::User(f.name.clone())))
        .collect();
    for p in project {
        let text = fsio::read_text(&p).map_err(|e| Err(Failure::Fatal(e)))?;
        let name = p.display().to_string();
        files.push((name.clone(), text, Origin::Project(name)));
    }
    for (name, text, origin) in files {
        if let Err(d) = set.add_file(&name, &text, origin) {
            diags.extend(d);
        }
        sources.push(SourceFile { name, text });
    }
    if user.defaults
        && let Err(d) = set.add_defaults_for(target, in_use)
    {
        diags.extend(d);
    }
    if diags.has_errors() {
        return Err(Ok(diags));
    }
    Ok((set, sources))
}

/// The resource types an estate uses.
pub fn types_in_use(app: &score_x_core::App) -> BTreeSet<String> {
    app.resources().values().map(|r| r.type_.clone()).collect()
}

/// What [`load_beside_state`] gives: the loaded inputs and the state file, each with its error.
pub(super) type InputsAndState = (
    Result<(Vec<SourceFile>, score_x_spec::Loaded), Failure>,
    Result<Option<score_x_provision::StateFile>, Diagnostics>,
);

/// The inputs loaded and, on the other core meanwhile, the state file read and parsed (under
/// the project lock): at 10,000 workloads it is 7 MB of YAML (docs/performance.md). Both
/// results are kept, so each error is reported where the run reported it before.
pub(super) fn load_beside_state(
    printer: &Printer,
    args: &PipelineArgs,
    flags: &LoadFlags,
) -> InputsAndState {
    rayon::join(
        || inputs::load(printer, &args.inputs, flags),
        || project::read_file(&args.state_dir),
    )
}

/// Run everything up to the bundle. Warnings are printed; errors printed and returned as Invalid.
/// With `staging`, the files are written there as the backend finishes them (unless patches
/// edit the whole bundle): see [`Produced::streamed`].
pub fn produce(
    printer: &Printer,
    args: &PipelineArgs,
    staging: Option<&Staging>,
) -> Result<Produced, Failure> {
    let target = single_target(args)?;
    let (backend, options_source) = prepare(printer, args, target)?;
    let flags = LoadFlags {
        image: args.image.as_deref(),
        overrides_file: args.overrides_file.as_ref(),
        override_properties: &args.override_property,
    };
    printer.stage("loading score files");
    let (patches, patch_sources) =
        crate::cmd::patches::load(printer, &args.patch, &args.state_dir)?;
    let (templates, template_sources) =
        crate::cmd::patches::load_templates(printer, &args.patch_templates, target)?;
    let (inputs, state_file) = load_beside_state(printer, args, &flags);
    let (mut sources, loaded) = inputs?;
    // score-k8s's `.Workloads` (every input parsed once more): only for patch templates.
    let specs = if templates.is_empty() {
        serde_json::Value::Null
    } else {
        crate::cmd::patches::score_specs(&sources)
    };
    sources.extend(template_sources);
    sources.extend(options_source);
    sources.extend(patch_sources);
    let app = loaded.app;
    let fail = |d: &Diagnostics, sources: &[SourceFile]| {
        inputs::report(printer, d, sources);
        Failure::Invalid
    };
    // Independent of each other: built side by side, errors reported in the same order.
    let (graph, plan) = rayon::join(|| ResourceGraph::build(&app), || Plan::of_app(&app));
    let graph = graph.map_err(|d| fail(&d, &sources))?;
    let plan = plan.map_err(|d| fail(&d, &sources))?;
    let user = sources::load(printer, &args.provisioners, &args.state_dir, Mode::Record)
        .map_err(Failure::Fatal)?;
    let (set, prov_sources) =
        match provisioner_set(&user, &args.state_dir, target, Some(&types_in_use(&app))) {
            Ok(x) => x,
            Err(Ok(d)) => return Err(fail(&d, &sources)),
            Err(Err(f)) => return Err(f),
        };
    sources.extend(prov_sources);
    let mut project_state = state_file
        .and_then(|file| project::state_from(&args.state_dir, &args.seed, file))
        .map_err(|d| fail(&d, &sources))?;
    let mut state = project_state.take_target(target);
    let runner = ProcessRunner;
    let ctx = Context {
        target,
        options: backend.options_json().clone(),
        runner: &runner,
    };
    printer.stage("provisioning resources");
    // The App is consumed as its workloads are resolved: it and the resolved estate are never
    // both whole (docs/performance.md).
    let (resolved, warnings) =
        score_x_provision::provision_owned(app, &graph, &set, &mut state, &ctx)
            .map_err(|d| fail(&d, &sources))?;
    printer.diagnostics(&warnings.0, &sources);
    // Emit needs the resolved estate only: the graph is not kept beside it at the peak.
    crate::cmd::free_later((graph, set));

    printer.stage(&format!("writing the {target} artifacts"));
    let renderer = score_x_provision::PatchRenderer::new();
    let namespace = backend
        .options_json()
        .get("namespace")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_string();
    let post = |b: &mut score_x_core::Bundle| templates.apply(b, target, &specs, &namespace);
    let patching = Patching {
        set: &patches,
        renderer: &renderer,
        post: (!templates.is_empty()).then_some(&post as &score_x_core::driver::BundleEdit<'_>),
    };
    let scanner = SecretScanner::of(&resolved);
    let secrets = crate::cmd::secrets::secret_values(&resolved);
    if let Some(s) = staging {
        s.set_short_secrets(short_secrets(&secrets));
    }
    let files = staging.map(|s| s as &dyn FileSink);
    // The state is final once provisioned: its text is written and checked on a thread of its
    // own while the backend emits.
    project_state.put_target(target, state);
    let (emitted, state_text) = std::thread::scope(|s| {
        let text = s.spawn(|| project::checked_state_text(&project_state, &scanner));
        let emitted = emit_scanned(
            backend.as_ref(),
            &resolved,
            &plan,
            Some(patching),
            &scanner,
            files,
        );
        let text = text
            .join()
            .unwrap_or_else(|_| Err("the state could not be written to text".into()));
        (emitted, text)
    });
    let Checked {
        bundle,
        warnings,
        streamed,
    } = emitted.map_err(|d| fail(&d, &sources))?;
    printer.diagnostics(&warnings.0, &sources);
    let approximated = approximations(&warnings);
    for note in &bundle.notes {
        printer.err(&format!("note: {note}"));
    }
    Ok(Produced {
        bundle,
        state: project_state,
        backend,
        secrets,
        state_text,
        resolved,
        plan,
        approximated,
        streamed,
    })
}

/// The secret values the leak check's scanner does not search for (shorter than
/// [`MIN_SECRET_LEN`]): files holding one are still written owner-only.
pub fn short_secrets(values: &BTreeSet<SecretText>) -> BTreeSet<SecretText> {
    values
        .iter()
        .filter(|v| v.expose().len() < MIN_SECRET_LEN)
        .cloned()
        .collect()
}
