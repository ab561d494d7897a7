//! The shared sample score files (`../shared/data/score-samples`): where they are, how they are
//! grouped (one directory = one set of score files loaded together) and the errors the reference
//! schema samples are known to have.

use std::path::{Path, PathBuf};

use score_x_core::Code;
use score_x_spec::{FileReader, LoadOptions, SourceFile};

/// `../shared` next to the project, when present (it is not part of the project: tests that need
/// it print a notice and pass without it).
#[allow(clippy::print_stderr)]
pub fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("notice: {} is absent; skipping", p.display());
        None
    }
}

/// Reads `files.*.source` relative to a directory.
#[derive(Debug, Clone)]
pub struct DirReader(pub PathBuf);

impl FileReader for DirReader {
    fn read(&self, _score_file: &str, path: &str) -> Result<Vec<u8>, String> {
        std::fs::read(self.0.join(path)).map_err(|e| e.to_string())
    }
}

/// One directory of sample score files, loaded together.
#[derive(Debug, Clone)]
pub struct SampleDir {
    /// Path relative to the samples root (`score-compose/examples/01-hello`).
    pub rel: String,
    pub dir: PathBuf,
    /// The score files, sorted by name, each named `REL/FILE`.
    pub files: Vec<SourceFile>,
}

impl SampleDir {
    /// A reader for the `files.*.source` of this directory.
    pub fn reader(&self) -> DirReader {
        DirReader(self.dir.clone())
    }
}

/// The sample root inside `shared`.
pub fn root(shared: &Path) -> PathBuf {
    shared.join("data/score-samples")
}

/// The directory of the reference schema samples (schema illustrations, not deployable: see
/// [`EXPECTED_SAMPLE_ERRORS`]).
pub const SCHEMA_SAMPLES: &str = "spec/samples";

/// Errors the reference schema samples are expected to have: `spec/samples` are schema
/// illustrations, not deployable workloads. Their volumes name resources they do not declare
/// (`volume-name`, `volume-two`, `some-volume`) and `score-full.yaml` names a `file.txt` that is
/// not shipped. Everything else about them must decode cleanly.
pub const EXPECTED_SAMPLE_ERRORS: &[(&str, Code, &str)] = &[
    (
        "spec/samples/score-deprecated-files-and-volumes.yaml",
        Code::UnknownResource,
        "/containers/main/volumes/0/source",
    ),
    (
        "spec/samples/score-full.yaml",
        Code::FileNotFound,
        "/containers/container-one1/files/\"/my/file\"/source",
    ),
    (
        "spec/samples/score-full.yaml",
        Code::UnknownResource,
        "/containers/container-one1/volumes/\"/mnt/something\"/source",
    ),
    (
        "spec/samples/score-full.yaml",
        Code::UnknownResource,
        "/containers/container-one1/volumes/\"/mnt/something-else\"/source",
    ),
];

/// The load options every sample is loaded with (`image: "."` needs an image).
pub fn load_options() -> LoadOptions {
    LoadOptions {
        image: Some("registry.example/app:test".into()),
        ..Default::default()
    }
}

/// The files of one case directory whose name `keep` accepts, as sources named by their file
/// name, sorted (the error and golden cases of tests/ use it).
pub fn dir_sources(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<SourceFile> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| keep(n))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(dir.join(&name))
                .unwrap_or_else(|e| panic!("{}/{name}: {e}", dir.display()));
            SourceFile { name, text }
        })
        .collect()
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut entries = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        entries.push(e.map_err(|e| format!("{}: {e}", dir.display()))?.path());
    }
    entries.sort();
    Ok(entries)
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<SampleDir>) -> Result<(), String> {
    let entries = sorted_entries(dir)?;
    let rel = dir
        .strip_prefix(root)
        .map_err(|e| e.to_string())?
        .to_string_lossy()
        .into_owned();
    let mut files = Vec::new();
    for p in &entries {
        let Some(name) = p.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        // `overrides*.yaml` are score-compose override files, not workloads.
        if p.is_file() && name.ends_with(".yaml") && !name.starts_with("overrides") {
            files.push(SourceFile {
                name: format!("{rel}/{name}"),
                text: std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?,
            });
        }
    }
    if !files.is_empty() {
        out.push(SampleDir {
            rel,
            dir: dir.to_path_buf(),
            files,
        });
    }
    for e in entries {
        // Hidden directories (e.g. a `.score-x/` state left by a CLI run) hold no samples.
        let hidden = e
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if e.is_dir() && !hidden {
            collect(root, &e, out)?;
        }
    }
    Ok(())
}

/// Every directory under `root` holding score files, in path order.
pub fn sample_dirs(root: &Path) -> Result<Vec<SampleDir>, String> {
    let mut out = Vec::new();
    collect(root, root, &mut out)?;
    Ok(out)
}
