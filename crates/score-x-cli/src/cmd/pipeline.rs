//! The pipeline shared by `translate` and `apply`: load → graph → provision → resolve → check → emit.

use score_x_core::backend::{Bundle, Capabilities, Target};
use score_x_core::graph::ResourceGraph;
use score_x_core::{Diagnostic, Diagnostics, capability_check};
use score_x_provision::{Context, Origin, ProjectState, ProvisionerSet};
use score_x_spec::SourceFile;

use crate::cli::PipelineArgs;
use crate::cmd::Failure;
use crate::fsio;
use crate::inputs::{self, LoadFlags};
use crate::printer::Printer;
use crate::project;
use crate::runner::ProcessRunner;

/// What a successful run produced, before anything is written.
pub struct Produced {
    pub bundle: Bundle,
    /// The project state with this target's section updated.
    pub state: ProjectState,
    /// The target options as read from `--target-options` plus the flags folded into them.
    pub options: serde_json::Value,
    /// The secret values score-x knows (generated secrets), for masking and file modes.
    pub secrets: std::collections::BTreeSet<score_x_core::resolved::SecretText>,
}

/// Read `--target-options` (YAML) and fold in the flags that belong to it.
fn target_options(args: &PipelineArgs) -> Result<serde_json::Value, Failure> {
    let mut opts = match &args.target_options {
        Some(p) => {
            let text = fsio::read_text(p).map_err(Failure::Fatal)?;
            let v: serde_json::Value = serde_yaml::from_str(&text).map_err(|e| {
                Failure::Fatal(format!("invalid target options in `{}`: {e}", p.display()))
            })?;
            match v {
                serde_json::Value::Null => serde_json::json!({}),
                serde_json::Value::Object(_) => v,
                _ => {
                    return Err(Failure::Fatal(format!(
                        "target options in `{}` must be a YAML map",
                        p.display()
                    )));
                }
            }
        }
        None => serde_json::json!({}),
    };
    let target = args.target.target();
    if args.namespace.is_some() || args.generate_namespace {
        if target != Target::Kubernetes {
            return Err(Failure::Usage(format!(
                "--namespace and --generate-namespace apply to kubernetes, not {target}"
            )));
        }
        if let Some(map) = opts.as_object_mut() {
            if let Some(ns) = &args.namespace {
                map.insert("namespace".into(), serde_json::Value::String(ns.clone()));
            }
            if args.generate_namespace {
                map.insert("generateNamespace".into(), serde_json::Value::Bool(true));
            }
        }
    }
    Ok(opts)
}

fn options_of<T: serde::de::DeserializeOwned>(
    args: &PipelineArgs,
    v: &serde_json::Value,
) -> Result<T, Failure> {
    serde_json::from_value(v.clone()).map_err(|e| {
        let file = args
            .target_options
            .as_ref()
            .map_or("target options".to_string(), |p| {
                format!("`{}`", p.display())
            });
        Failure::Fatal(format!(
            "invalid {} target options in {file}: {e} (see docs/targets/{}.md)",
            args.target.target(),
            args.target.target()
        ))
    })
}

fn provisioner_set(
    args: &PipelineArgs,
) -> Result<(ProvisionerSet, Vec<SourceFile>), Result<Diagnostics, Failure>> {
    let mut set = ProvisionerSet::new();
    let mut sources = Vec::new();
    let mut diags = Diagnostics::new();
    for p in &args.provisioners {
        let text = fsio::read_text(p).map_err(|e| Err(Failure::Fatal(e)))?;
        let name = p.display().to_string();
        if let Err(d) = set.add_file(&name, &text, Origin::User(name.clone())) {
            diags.extend(d);
        }
        sources.push(SourceFile { name, text });
    }
    for p in
        project::project_provisioner_files(&args.state_dir).map_err(|e| Err(Failure::Fatal(e)))?
    {
        let text = fsio::read_text(&p).map_err(|e| Err(Failure::Fatal(e)))?;
        let name = p.display().to_string();
        if let Err(d) = set.add_file(&name, &text, Origin::Project(name.clone())) {
            diags.extend(d);
        }
        sources.push(SourceFile { name, text });
    }
    if let Err(d) = set.add_defaults(args.target.target()) {
        diags.extend(d);
    }
    if diags.has_errors() {
        return Err(Ok(diags));
    }
    Ok((set, sources))
}

/// Run everything up to the bundle. Warnings are printed; errors printed and returned as Invalid.
pub fn produce(printer: &Printer, args: &PipelineArgs) -> Result<Produced, Failure> {
    let target = args.target.target();
    let flags = LoadFlags {
        image: args.image.as_deref(),
        overrides_file: args.overrides_file.as_ref(),
        override_properties: &args.override_property,
    };
    let (mut sources, loaded) = inputs::load(printer, &args.inputs, &flags)?;
    let app = loaded.app;
    let fail = |d: &Diagnostics, sources: &[SourceFile]| {
        inputs::report(printer, d, sources);
        Failure::Invalid
    };
    let graph = ResourceGraph::build(&app).map_err(|d| fail(&d, &sources))?;
    let options = target_options(args)?;
    let (set, prov_sources) = match provisioner_set(args) {
        Ok(x) => x,
        Err(Ok(d)) => return Err(fail(&d, &sources)),
        Err(Err(f)) => return Err(f),
    };
    sources.extend(prov_sources);
    let mut project_state =
        project::load_state(&args.state_dir, &args.seed).map_err(|d| fail(&d, &sources))?;
    let mut state = project_state.target(target);
    let runner = ProcessRunner;
    let ctx = Context {
        target,
        options: options.clone(),
        runner: &runner,
    };
    let (resolved, warnings) = score_x_provision::provision(&app, &graph, &set, &mut state, &ctx)
        .map_err(|d| fail(&d, &sources))?;
    printer.diagnostics(&warnings.0, &sources);

    let (caps, emitted): (Capabilities, Result<Bundle, Diagnostic>) = match target {
        Target::Kubernetes => {
            let o: score_x_kubernetes::Options = options_of(args, &options)?;
            (
                score_x_kubernetes::capabilities(),
                score_x_kubernetes::emit(&resolved, &o).map_err(Diagnostic::from),
            )
        }
        Target::Ecs => {
            let o: score_x_ecs::Options = options_of(args, &options)?;
            (
                score_x_ecs::capabilities(),
                score_x_ecs::emit(&resolved, &o).map_err(Diagnostic::from),
            )
        }
        Target::Helm | Target::Nomad => {
            return Err(Failure::Usage(format!(
                "the {target} target is not available in this version"
            )));
        }
    };
    let mut checked = Diagnostics(capability_check::check(&resolved, &caps));
    if checked.has_errors() {
        checked.sort();
        return Err(fail(&checked, &sources));
    }
    let bundle = emitted.map_err(|d| fail(&Diagnostics(vec![d]), &sources))?;
    // The backend's own warning about a field is more specific than the generic one: keep it only.
    let specific: std::collections::BTreeSet<_> = bundle
        .warnings
        .iter()
        .filter_map(|d| d.span.clone())
        .collect();
    let mut warnings = Diagnostics(
        checked
            .into_iter()
            .filter(|d| d.span.as_ref().is_none_or(|s| !specific.contains(s)))
            .collect(),
    );
    warnings.extend(bundle.warnings.iter().cloned());
    warnings.sort();
    printer.diagnostics(&warnings.0, &sources);
    for note in &bundle.notes {
        printer.err(&format!("note: {note}"));
    }
    project_state.set_target(target, &state);
    let secrets = crate::cmd::secrets::secret_values(&resolved);
    Ok(Produced {
        bundle,
        state: project_state,
        options,
        secrets,
    })
}
