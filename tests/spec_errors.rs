//! Golden error cases of the Score front end: every `tests/errors/NN-topic/` directory holds
//! score files (`*.yaml`), optionally `overrides.yaml` (an overrides file), `properties.txt`
//! (one `--override-property` per line) and `image.txt` (`--image`), and `expected.txt`: the
//! diagnostics rendered without colour. `BLESS=1 cargo test -p score-x-tests --test spec_errors`
//! rewrites the expected files.

#![allow(clippy::unwrap_used, clippy::print_stderr, clippy::panic)]

use std::path::{Path, PathBuf};

use score_x_spec::{FileReader, LoadOptions, SourceFile, load, render};

/// Reads `files.*.source` relative to the case directory.
struct DirReader(PathBuf);

impl FileReader for DirReader {
    fn read(&self, _score_file: &str, path: &str) -> Result<Vec<u8>, String> {
        std::fs::read(self.0.join(path)).map_err(|e| e.to_string())
    }
}

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("errors");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn run_case(dir: &Path) -> Result<(String, usize), String> {
    let files = score_x_tests::samples::dir_sources(dir, |n| {
        n.ends_with(".yaml") && !n.starts_with("overrides")
    });
    let read_opt = |n: &str| std::fs::read_to_string(dir.join(n)).ok();
    let opts = LoadOptions {
        image: read_opt("image.txt").map(|s| s.trim().to_string()),
        overrides_file: read_opt("overrides.yaml").map(|text| SourceFile {
            name: "overrides.yaml".into(),
            text,
        }),
        override_properties: read_opt("properties.txt")
            .map(|s| {
                s.lines()
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
    };
    let diags = match load(&files, &DirReader(dir.to_path_buf()), &opts) {
        Ok(_) => return Err("loaded without errors".into()),
        Err(d) => d,
    };
    // Every diagnostic names its file, line, column and YAML path.
    for d in diags.iter() {
        let Some(span) = &d.span else {
            return Err(format!("diagnostic without a location: {d}"));
        };
        if span.path.is_empty() || span.line == 0 || span.column == 0 {
            return Err(format!("diagnostic without a YAML path or position: {d}"));
        }
    }
    let mut all = files.clone();
    all.extend(opts.overrides_file.clone());
    Ok((render(&diags.0, &all, false), diags.errors().count()))
}

#[test]
fn error_cases_match_expected() {
    let bless = std::env::var_os("BLESS").is_some();
    let dirs = cases();
    assert!(
        dirs.len() >= 25,
        "expected at least 25 error cases, found {}",
        dirs.len()
    );
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let (actual, errors) = match run_case(dir) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        if errors == 0 {
            failures.push(format!("{name}: no errors, only warnings"));
        }
        let expected_path = dir.join("expected.txt");
        if bless {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => failures.push(format!(
                "{name}: rendered diagnostics differ from expected.txt (BLESS=1 to update)\n--- expected\n{expected}\n--- actual\n{actual}"
            )),
            Err(_) => failures.push(format!("{name}: missing expected.txt (BLESS=1 to create)\n{actual}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn rendering_is_deterministic() {
    for dir in cases() {
        assert_eq!(run_case(&dir), run_case(&dir), "{}", dir.display());
    }
}
