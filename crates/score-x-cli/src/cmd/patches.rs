//! The patch files of a run: every `--patch FILE` in order, then the `*.yaml`/`*.yml` files of
//! `<state-dir>/patches/` sorted by name; read before anything runs (a bad patch file stops the
//! run before any provisioner does).

use std::path::{Path, PathBuf};

use score_x_core::Diagnostics;
use score_x_core::patch::PatchSet;
use score_x_spec::SourceFile;

use crate::cmd::Failure;
use crate::fsio;
use crate::inputs;
use crate::printer::Printer;

/// `<state-dir>/patches/*.yaml`, sorted.
fn project_patch_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    crate::project::project_yaml_files(dir, "patches")
}

/// The patch set and the patch files (as sources for later diagnostics). Invalid patch files
/// are reported here, all their errors at once.
pub fn load(
    printer: &Printer,
    given: &[PathBuf],
    state_dir: &Path,
) -> Result<(PatchSet, Vec<SourceFile>), Failure> {
    let project = project_patch_files(state_dir).map_err(Failure::Fatal)?;
    let mut set = PatchSet::new();
    let mut sources = Vec::new();
    let mut diags = Diagnostics::new();
    for p in given.iter().chain(project.iter()) {
        let text = fsio::read_text(p).map_err(Failure::Fatal)?;
        let name = p.display().to_string();
        if let Err(d) = set.add_file(&name, &text) {
            diags.extend(d);
        }
        sources.push(SourceFile { name, text });
    }
    if diags.has_errors() {
        inputs::report(printer, &diags, &sources);
        return Err(Failure::Invalid);
    }
    Ok((set, sources))
}

/// The score-k8s patch templates of `--patch-templates`, in order (kubernetes and helm only).
pub fn load_templates(
    printer: &Printer,
    given: &[PathBuf],
    target: score_x_core::Target,
) -> Result<(score_x_provision::PatchTemplates, Vec<SourceFile>), Failure> {
    let mut set = score_x_provision::PatchTemplates::new();
    let mut sources = Vec::new();
    if !given.is_empty() && target.provisioner_section() != "kubernetes" {
        return Err(Failure::Fatal(format!(
            "--patch-templates applies score-k8s patch templates to Kubernetes manifests; the {target} target has none (use --patch, docs/patches.md)"
        )));
    }
    let mut diags = Diagnostics::new();
    for p in given {
        let text = fsio::read_text(p).map_err(Failure::Fatal)?;
        let name = p.display().to_string();
        if let Err(d) = set.add_file(&name, &text) {
            diags.push(d);
        }
        sources.push(SourceFile { name, text });
    }
    if diags.has_errors() {
        inputs::report(printer, &diags, &sources);
        return Err(Failure::Invalid);
    }
    Ok((set, sources))
}

/// score-k8s's `.Workloads`: the Score specs of the inputs by `metadata.name`.
pub fn score_specs(sources: &[SourceFile]) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for s in sources {
        let Ok(v) = serde_yaml::from_str::<serde_json::Value>(&s.text) else {
            continue;
        };
        let is_score = v
            .get("apiVersion")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|a| a.starts_with("score.dev/"));
        if let (true, Some(name)) = (
            is_score,
            v.pointer("/metadata/name")
                .and_then(serde_json::Value::as_str),
        ) {
            out.insert(name.to_string(), v.clone());
        }
    }
    serde_json::Value::Object(out)
}
