//! What the fuzz targets share: the pipeline the CLI runs for kubernetes, with no file read and
//! no command run, and the check that rendered diagnostics hold no raw control character.

use std::time::Duration;

use score_x_core::diag::is_unsafe;
use score_x_core::driver::{AnyBackend, Entry, emit_checked};
use score_x_core::graph::ResourceGraph;
use score_x_core::plan::Plan;
use score_x_core::{Diagnostics, Target};
use score_x_provision::{CommandOutput, CommandRunner, Context, ProvisionerSet, State, provision};
use score_x_spec::{FileReader, LoadOptions, SourceFile, load, render};

/// `files.*.source` is never read from disk while fuzzing.
pub struct NoFiles;

impl FileReader for NoFiles {
    fn read(&self, _score_file: &str, path: &str) -> Result<Vec<u8>, String> {
        Err(format!("{path}: not available while fuzzing"))
    }
}

/// `cmd://` provisioners never run while fuzzing.
pub struct NoCommands;

impl CommandRunner for NoCommands {
    fn run(
        &self,
        program: &str,
        _: &[String],
        _: &[u8],
        _: Duration,
    ) -> Result<CommandOutput, String> {
        Err(format!("{program}: no command runs while fuzzing"))
    }
}

/// load → graph → plan → provision with `set` → `emit_checked` for kubernetes.
pub fn translate(files: &[SourceFile], set: &ProvisionerSet) -> Result<(), Diagnostics> {
    let loaded = load(files, &NoFiles, &LoadOptions::default())?;
    let app = loaded.app;
    let graph = ResourceGraph::build(&app)?;
    let plan = Plan::of_app(&app)?;
    let backend = Entry::<score_x_kubernetes::Kubernetes>::new()
        .prepare(None, serde_json::Map::new())
        .map_err(|d| Diagnostics(vec![d]))?;
    let ctx = Context {
        target: Target::KUBERNETES,
        options: backend.options_json().clone(),
        runner: &NoCommands,
    };
    let mut state = State::new("fuzz-seed".into());
    let (resolved, _) = provision(&app, &graph, set, &mut state, &ctx)?;
    emit_checked(backend.as_ref(), &resolved, &plan)?;
    Ok(())
}

/// Render `diags` over `files` as the CLI does (no colour): no raw control character may remain.
pub fn assert_safe_rendering(diags: &Diagnostics, files: &[SourceFile]) {
    let shown = render(&diags.0, files, false);
    assert!(!shown.chars().any(is_unsafe), "{shown:?}");
}
