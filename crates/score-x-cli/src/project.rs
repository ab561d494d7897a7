//! The project directory (`.score-x/`): state file, project provisioners, seed generation.

use std::path::{Path, PathBuf};

use score_x_provision::ProjectState;

use crate::fsio;

pub fn state_path(dir: &Path) -> PathBuf {
    dir.join("state.yaml")
}

/// A fresh random project seed (hex), from the operating system's generator.
pub fn new_seed() -> Result<String, String> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf)
        .map_err(|e| format!("cannot get random bytes for the project seed: {e}"))?;
    Ok(hex::encode(buf))
}

/// Load `.score-x/state.yaml`, or start a new project state with a fresh seed when there is none.
pub fn load_state(dir: &Path) -> Result<ProjectState, score_x_core::Diagnostics> {
    let io = |e: String| {
        score_x_core::Diagnostics(vec![score_x_core::Diagnostic::error(
            score_x_core::Code::Io,
            e,
        )])
    };
    let path = state_path(dir);
    if !path.exists() {
        return Ok(ProjectState::new(new_seed().map_err(io)?));
    }
    let text = fsio::read_text(&path).map_err(io)?;
    ProjectState::parse(&text, &path.display().to_string())
}

/// Write the state atomically, creating the directory.
pub fn save_state(dir: &Path, state: &ProjectState) -> Result<(), String> {
    fsio::write_atomic(
        &state_path(dir),
        state.to_yaml().as_bytes(),
        fsio::Access::Private,
    )
}

/// `.score-x/provisioners/*.yaml` (and `.yml`), sorted by file name.
pub fn project_provisioner_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let pdir = dir.join("provisioners");
    if !pdir.is_dir() {
        return Ok(vec![]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&pdir)
        .map_err(|e| format!("cannot list `{}`: {e}", pdir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    Ok(files)
}
