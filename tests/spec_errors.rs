//! Golden error cases of the Score front end: every `tests/errors/NN-topic/` directory holds
//! score files (`*.yaml`), optionally `overrides.yaml` (an overrides file), `properties.txt`
//! (one `--override-property` per line) and `image.txt` (`--image`), and `expected.txt`: the
//! diagnostics rendered without colour. A `NAME.bytes` file is an input that is not UTF-8 text
//! (UTF-16, Latin-1 …): it is read as bytes through `score_x_spec::text::decode`, as the CLI
//! reads every input, and loaded as `NAME` when that succeeds. `BLESS=1 cargo test -p score-x-tests --test spec_errors`
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

/// The `*.bytes` inputs of a case, decoded strictly: the texts, and the decoding errors.
fn byte_sources(dir: &Path) -> (Vec<SourceFile>, Vec<score_x_core::Diagnostic>) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".bytes"))
        .collect();
    names.sort();
    let (mut files, mut errors) = (Vec::new(), Vec::new());
    for n in names {
        let name = n.trim_end_matches(".bytes").to_string();
        match score_x_spec::text::decode(&name, &std::fs::read(dir.join(&n)).unwrap()) {
            Ok(text) => files.push(SourceFile { name, text }),
            Err(d) => errors.push(*d),
        }
    }
    (files, errors)
}

fn run_case(dir: &Path) -> Result<(String, usize), String> {
    let mut files = score_x_tests::samples::dir_sources(dir, |n| {
        n.ends_with(".yaml") && !n.starts_with("overrides")
    });
    let (decoded, decode_errors) = byte_sources(dir);
    files.extend(decoded);
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
    let mut diags = match load(&files, &DirReader(dir.to_path_buf()), &opts) {
        Ok(_) if decode_errors.is_empty() => return Err("loaded without errors".into()),
        Ok(_) => score_x_core::Diagnostics::new(),
        Err(d) => d,
    };
    diags.extend(decode_errors);
    diags.sort();
    // Every diagnostic names its file, line, column and YAML path (text that is not YAML yet,
    // `INVALID_TEXT`, has no path).
    for d in diags.iter() {
        let Some(span) = &d.span else {
            return Err(format!("diagnostic without a location: {d}"));
        };
        let no_path = span.path.is_empty() && d.code != score_x_core::Code::InvalidText;
        if no_path || span.line == 0 || span.column == 0 {
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

/// A score file of 1 MB on one line (JSON, as generators write it) loads: parsing is linear in
/// the input whatever the line length (it took 33 s when every node rescanned its line).
#[test]
fn one_megabyte_one_line_json_score_file_loads() {
    let vars: Vec<String> = (0..10_000)
        .map(|i| format!("\"VAR_{i:05}\": \"{}\"", "v".repeat(88)))
        .collect();
    let text = format!(
        "{{\"apiVersion\": \"score.dev/v1b1\", \"metadata\": {{\"name\": \"big\"}}, \"containers\": {{\"main\": {{\"image\": \"nginx\", \"variables\": {{{}}}}}}}}}",
        vars.join(", ")
    );
    assert!(text.len() > 1_000_000 && !text.contains('\n'));
    let files = vec![SourceFile {
        name: "big.json".into(),
        text,
    }];
    let loaded = load(
        &files,
        &DirReader(PathBuf::from(".")),
        &LoadOptions::default(),
    )
    .unwrap_or_else(|d| panic!("{}", render(&d.0, &files, false)));
    let app = serde_json::to_value(&loaded.app).unwrap();
    let vars = &app["workloads"]["big"]["containers"]["main"]["variables"];
    assert_eq!(vars.as_object().map(|m| m.len()), Some(10_000));
}
