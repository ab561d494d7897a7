//! The library pipeline the end-to-end tests drive: Score texts → `spec::load` → resource graph →
//! provisioning with a target's embedded default provisioners. No file is read and no command is
//! run: `files.*.source` and `cmd://` provisioners are refused.

use std::time::Duration;

use score_x_core::graph::ResourceGraph;
use score_x_core::{Resolved, Target};
use score_x_provision::{CommandOutput, CommandRunner, Context, ProvisionerSet, State, provision};
use score_x_spec::{FileReader, LoadOptions, SourceFile, load};

/// A reader that refuses every `files.*.source`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFiles;

impl FileReader for NoFiles {
    fn read(&self, _: &str, path: &str) -> Result<Vec<u8>, String> {
        Err(format!("no file `{path}` in this test"))
    }
}

/// A runner that refuses every `cmd://` provisioner.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCommands;

impl CommandRunner for NoCommands {
    fn run(
        &self,
        program: &str,
        _: &[String],
        _: &[u8],
        _: Duration,
    ) -> Result<CommandOutput, String> {
        Err(format!("no command `{program}` in this test"))
    }
}

/// Score files as (name, text) pairs.
pub fn sources(files: &[(&str, &str)]) -> Vec<SourceFile> {
    files
        .iter()
        .map(|(n, t)| SourceFile {
            name: n.to_string(),
            text: t.to_string(),
        })
        .collect()
}

/// Load, graph and provision `files` for `target` with its default provisioners, the target
/// options `options` and a fixed state seed. `Err` holds the diagnostics as text (one a line).
pub fn resolve_with_defaults(
    target: Target,
    files: &[(&str, &str)],
    options: serde_json::Value,
) -> Result<Resolved, String> {
    let files = sources(files);
    let loaded = load(&files, &NoFiles, &LoadOptions::default()).map_err(|d| format!("{d:#?}"))?;
    let graph = ResourceGraph::build(&loaded.app).map_err(|d| format!("{d:#?}"))?;
    let mut set = ProvisionerSet::new();
    set.add_defaults(target).map_err(|d| format!("{d:#?}"))?;
    let mut state = State::new("test-seed".into());
    let ctx = Context {
        target,
        options,
        runner: &NoCommands,
    };
    provision(&loaded.app, &graph, &set, &mut state, &ctx)
        .map(|(r, _)| r)
        .map_err(|d| {
            d.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        })
}
