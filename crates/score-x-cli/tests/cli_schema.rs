//! `score-x schema`: every schema the binary prints is a valid draft 2020-12 schema, and the
//! independent validator `check-jsonschema` (PyPI) agrees with score-x's own decoders on every
//! fixture of its kind in the repository (examples, test cases, the shared samples, the default
//! provisioners, patch recipes, target options, the peers' schema mutations) and on the known-bad
//! fixtures of tests/schema/bad/ (each rejected by score-x and by the schema). Under CI=true the
//! validator is required; otherwise the test skips with a notice.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{bin, code, repo, require_tool, run_in, stdout};
use score_x_core::options::{OptionsFile, decode};
use score_x_core::{Severity, Target};
use serde_json::Value;

/// Every schema, by file stem: (stem, the `score-x schema` arguments).
const SCHEMAS: [(&str, &[&str]); 8] = [
    ("score", &["schema"]),
    ("provisioners", &["schema", "provisioners"]),
    ("placement", &["schema", "placement"]),
    ("patches", &["schema", "patches"]),
    (
        "options-kubernetes",
        &["schema", "target-options", "--target", "kubernetes"],
    ),
    (
        "options-helm",
        &["schema", "target-options", "--target", "helm"],
    ),
    (
        "options-ecs",
        &["schema", "target-options", "--target", "ecs"],
    ),
    (
        "options-nomad",
        &["schema", "target-options", "--target", "nomad"],
    ),
];

fn have_checker() -> bool {
    let ok = Command::new("check-jsonschema")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    require_tool(
        ok,
        "check-jsonschema (pip install -r tests/conformance/requirements-schema.txt)",
    )
}

fn schema_text(args: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_in(tmp.path(), args);
    assert_eq!(code(&out), 0, "{args:?}: {}", common::stderr(&out));
    stdout(&out)
}

/// The schemas written to `dir`, by stem.
fn write_schemas(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    SCHEMAS
        .iter()
        .map(|(stem, args)| {
            let p = dir.join(format!("{stem}.schema.json"));
            std::fs::write(&p, schema_text(args)).unwrap();
            (*stem, p)
        })
        .collect()
}

/// The files `check-jsonschema` rejects (schema errors or parse errors) among `files`.
fn rejected(schema: &Path, files: &[PathBuf]) -> BTreeSet<PathBuf> {
    if files.is_empty() {
        return BTreeSet::new();
    }
    let out = Command::new("check-jsonschema")
        .args(["--output-format", "json", "--schemafile"])
        .arg(schema)
        .args(files)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check-jsonschema printed no JSON report ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut bad = BTreeSet::new();
    for key in ["errors", "parse_errors"] {
        for e in report[key].as_array().into_iter().flatten() {
            bad.insert(PathBuf::from(e["filename"].as_str().unwrap()));
        }
    }
    assert_eq!(
        report["status"] == "ok",
        bad.is_empty(),
        "check-jsonschema: {report}"
    );
    bad
}

/// The YAML documents of `text` (check-jsonschema reads one document per file).
fn documents(text: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in text.lines() {
        if line == "---" || line.starts_with("--- ") {
            docs.push(String::new());
            continue;
        }
        let last = docs.len() - 1;
        docs[last].push_str(line);
        docs[last].push('\n');
    }
    docs.into_iter()
        .filter(|d| {
            d.lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        })
        .collect()
}

/// A fixture: its name, text, and the single-document file check-jsonschema reads.
struct Fixture {
    name: String,
    text: String,
    file: PathBuf,
}

/// The fixtures of `paths`, one per YAML document (written to `tmp` when a file holds several).
fn fixtures(tmp: &Path, paths: &[PathBuf]) -> Vec<Fixture> {
    let mut out = Vec::new();
    for p in paths {
        let text = std::fs::read_to_string(p).unwrap();
        let docs = documents(&text);
        if docs.len() == 1 {
            out.push(Fixture {
                name: p.display().to_string(),
                text,
                file: p.clone(),
            });
            continue;
        }
        for (i, d) in docs.into_iter().enumerate() {
            let file = tmp.join(format!("{}-{i}.yaml", out.len()));
            std::fs::write(&file, &d).unwrap();
            out.push(Fixture {
                name: format!("{} (document {i})", p.display()),
                text: d,
                file,
            });
        }
    }
    out
}

/// The files under `dir` (recursively, sorted) that `keep` accepts by path.
fn walk(dir: &Path, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut entries: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            out.extend(walk(&p, keep));
        } else if keep(&p) {
            out.push(p);
        }
    }
    out
}

fn is_yaml(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "yaml" || e == "yml")
}

fn file_name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

/// The fixtures of tests/schema/{good,bad}/ for schema `stem` (`STEM--NAME.yaml`).
fn own(kind: &str, stem: &str) -> Vec<PathBuf> {
    let dir = repo().join("crates/score-x-cli/tests/schema").join(kind);
    walk(&dir, &|p| file_name(p).starts_with(&format!("{stem}--")))
}

/// True when score-x's decoder of schema `stem` reads `f` without an error (for Score files
/// the decoding stage: the reference samples name resources they do not declare, a check
/// beyond any schema).
fn decodes(stem: &str, f: &Fixture) -> bool {
    if stem != "score" {
        return accepted_by_score_x(stem, f);
    }
    score_decodes(&f.name, &f.text)
}

fn score_decodes(name: &str, text: &str) -> bool {
    let mut diags = Vec::new();
    let files = [score_x_spec::SourceFile {
        name: name.to_string(),
        text: text.to_string(),
    }];
    score_x_spec::decode_all(&files, &score_x_spec::LoadOptions::default(), &mut diags);
    !diags.iter().any(|d| d.severity == Severity::Error)
}

/// Which fixtures score-x accepts: the decoder of schema `stem` (for Score files the whole of
/// `score-x validate`).
fn accepted_by_score_x(stem: &str, f: &Fixture) -> bool {
    match stem {
        "provisioners" => score_x_provision::ProvisionerSet::new()
            .add_file(
                &f.name,
                &f.text,
                score_x_provision::Origin::User(f.name.clone()),
            )
            .is_ok(),
        "placement" => score_x_core::placement_file::decode(&f.name, &f.text, &Target::ALL).is_ok(),
        "patches" => score_x_core::patch::PatchSet::new()
            .add_file(&f.name, &f.text)
            .is_ok(),
        "score" => {
            let out = run_in(&repo(), &["validate", f.file.to_str().unwrap()]);
            code(&out) == 0
        }
        options => options_accepted(options.trim_start_matches("options-"), f),
    }
}

fn options_accepted(target: &str, f: &Fixture) -> bool {
    let file = Some(OptionsFile {
        name: &f.name,
        text: &f.text,
    });
    let flags = serde_json::Map::new();
    match target {
        "kubernetes" => decode::<score_x_kubernetes::Options>(target, file, flags).is_ok(),
        "helm" => decode::<score_x_helm::Options>(target, file, flags).is_ok(),
        "ecs" => decode::<score_x_ecs::Options>(target, file, flags).is_ok(),
        "nomad" => decode::<score_x_nomad::Options>(target, file, flags).is_ok(),
        other => panic!("no options decoder for {other}"),
    }
}

/// The repository's fixtures of schema `stem` that score-x accepts.
fn repository_fixtures(stem: &str) -> Vec<PathBuf> {
    let r = repo();
    let mut out = own("good", stem);
    match stem {
        "score" => {
            out.extend(walk(&r.join("examples"), &|p| {
                is_yaml(p) && !file_name(p).contains("options")
            }));
            out.extend(walk(&r.join("tests/cases"), &|p| {
                is_yaml(p) && !p.components().any(|c| c.as_os_str() == "expected")
            }));
            out.extend(walk(&r.join("tests/provisioners/cases"), &|p| {
                file_name(p).starts_with("score") && is_yaml(p)
            }));
            if let Some(shared) = score_x_tests::samples::shared() {
                out.extend(walk(&score_x_tests::samples::root(&shared), &|p| {
                    is_yaml(p) && !file_name(p).starts_with("overrides")
                }));
            }
        }
        "provisioners" => {
            out.extend(walk(&r.join("targets"), &is_yaml));
            out.extend(walk(&r.join("tests/provisioners/cases"), &|p| {
                file_name(p).starts_with("provisioners") && is_yaml(p)
            }));
            out.extend(walk(&r.join("tests/fixtures"), &|p| {
                file_name(p).contains("provisioners") && is_yaml(p)
            }));
            out.push(r.join("tests/conformance/nomad-provisioners.yaml"));
            // score-k8s's Go-template dialect.
            out.push(r.join("tests/score-k8s/provisioners.yaml"));
        }
        "patches" => out.extend(walk(&r.join("tests/patches"), &is_yaml)),
        "options-ecs" => out.push(r.join("examples/ecs-options.yaml")),
        _ => {}
    }
    out
}

#[test]
fn every_schema_is_a_valid_draft_2020_12_schema_and_deterministic() {
    if !have_checker() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let schemas = write_schemas(tmp.path());
    let out = Command::new("check-jsonschema")
        .arg("--check-metaschema")
        .args(schemas.iter().map(|(_, p)| p))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    for (stem, args) in SCHEMAS {
        let v: Value = serde_json::from_str(&schema_text(args)).unwrap();
        assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
        let id = format!(
            "https://score-x.dev/schemas/{}.json",
            stem.replace("options-", "target-options-")
        );
        assert_eq!(v["$id"], id.as_str());
        assert!(
            v["title"].is_string() && v["description"].is_string(),
            "{stem}"
        );
        assert_eq!(
            schema_text(args),
            schema_text(args),
            "{stem} is not deterministic"
        );
    }
}

#[test]
fn every_fixture_score_x_accepts_is_valid() {
    if !have_checker() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    for (stem, schema) in write_schemas(tmp.path()) {
        for f in fixtures(tmp.path(), &own("good", stem)) {
            assert!(
                accepted_by_score_x(stem, &f),
                "score-x rejects the good fixture {}",
                f.name
            );
        }
        let docs = fixtures(tmp.path(), &repository_fixtures(stem));
        let accepted: Vec<&Fixture> = docs.iter().filter(|f| decodes(stem, f)).collect();
        assert!(!accepted.is_empty(), "{stem}: no fixture score-x accepts");
        let files: Vec<PathBuf> = accepted.iter().map(|f| f.file.clone()).collect();
        let bad = rejected(&schema, &files);
        let names: Vec<&str> = accepted
            .iter()
            .filter(|f| bad.contains(&f.file))
            .map(|f| f.name.as_str())
            .collect();
        assert!(
            names.is_empty(),
            "{stem}: score-x accepts, the schema rejects: {names:#?}"
        );
        eprintln!("{stem}: {} fixtures valid", files.len());
    }
}

#[test]
fn known_bad_fixtures_are_rejected_by_score_x_and_by_the_schema() {
    if !have_checker() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    for (stem, schema) in write_schemas(tmp.path()) {
        let docs = fixtures(tmp.path(), &own("bad", stem));
        assert!(!docs.is_empty(), "{stem}: no known-bad fixture");
        for f in &docs {
            assert!(
                !accepted_by_score_x(stem, f),
                "score-x accepts the known-bad {}",
                f.name
            );
        }
        let files: Vec<PathBuf> = docs.iter().map(|f| f.file.clone()).collect();
        let bad = rejected(&schema, &files);
        let missed: Vec<&str> = docs
            .iter()
            .filter(|f| !bad.contains(&f.file))
            .map(|f| f.name.as_str())
            .collect();
        assert!(
            missed.is_empty(),
            "{stem}: the schema accepts known-bad {missed:#?}"
        );
    }
}

/// The peers' schema table (tests/peers/schema-mutations.yaml): a mutation score-x decodes
/// without error is valid under the schema, one its decoder rejects is invalid (the cases only
/// its later checks reject, such as a `healthy` wait on a container without a probe, are
/// beyond a schema).
#[test]
fn the_peers_schema_mutations_agree_with_the_decoder() {
    if !have_checker() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let schemas = write_schemas(tmp.path());
    let corpus: Value = serde_yaml::from_str(
        &std::fs::read_to_string(repo().join("tests/peers/schema-mutations.yaml")).unwrap(),
    )
    .unwrap();
    let mut cases = Vec::new();
    for (i, case) in corpus["cases"].as_array().unwrap().iter().enumerate() {
        let mut doc = corpus["base"].clone();
        if let Some(p) = case["set"].as_str() {
            set(
                &mut doc,
                p,
                case.get("value").cloned().unwrap_or(Value::Null),
            );
        }
        if let Some(p) = case["delete"].as_str() {
            let (parent, key) = split(p);
            doc.pointer_mut(parent)
                .unwrap()
                .as_object_mut()
                .unwrap()
                .remove(&key);
        }
        let text = serde_json::to_string_pretty(&doc).unwrap();
        let file = tmp.path().join(format!("case-{i}.json"));
        std::fs::write(&file, &text).unwrap();
        let name = case["name"].as_str().unwrap().to_string();
        let decodes = score_decodes(&name, &text);
        if case["valid"] == true {
            assert!(decodes, "{name}: valid, yet the decoder rejects it");
        }
        cases.push((name, file, decodes));
    }
    let files: Vec<PathBuf> = cases.iter().map(|c| c.1.clone()).collect();
    let bad = rejected(&schemas[0].1, &files);
    let wrong: Vec<String> = cases
        .iter()
        .filter(|(_, f, decodes)| bad.contains(f) == *decodes)
        .map(|(n, _, decodes)| {
            format!(
                "{n} (decoder {})",
                if *decodes { "accepts" } else { "rejects" }
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "the schema disagrees with the decoder: {wrong:#?}"
    );
    assert!(cases.len() > 100, "{} cases", cases.len());
}

fn split(p: &str) -> (&str, String) {
    let at = p.rfind('/').unwrap();
    (&p[..at], p[at + 1..].replace("~1", "/").replace("~0", "~"))
}

fn set(doc: &mut Value, p: &str, value: Value) {
    let (parent, key) = split(p);
    match doc.pointer_mut(parent).unwrap() {
        Value::Object(m) => {
            m.insert(key, value);
        }
        Value::Array(a) => a[key.parse::<usize>().unwrap()] = value,
        other => panic!("{p}: {other}"),
    }
}

#[test]
fn usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        &["schema", "target-options"][..],
        &["schema", "target-options", "--target", "ec2"],
        &["schema", "score", "--target", "ecs"],
        &["schema", "openapi"],
    ] {
        assert_eq!(code(&run_in(tmp.path(), args)), 2, "{args:?}");
    }
    let _ = bin();
}

/// The bash completion script (loaded in a real bash) completes the subcommand and its kinds,
/// and the man page has its section.
#[test]
fn completions_and_man_page_include_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("score-x.bash");
    std::fs::write(
        &script,
        stdout(&run_in(tmp.path(), &["completions", "bash"])),
    )
    .unwrap();
    let complete = |line: &str| {
        let words: Vec<&str> = line.split(' ').collect();
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let body = format!(
            "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{line}'\nCOMP_POINT={}\n_score__x score-x '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display(),
            quoted.join(" "),
            words.len() - 1,
            line.len(),
            words[words.len() - 1],
            words[words.len() - 2],
        );
        let out = Command::new("bash").arg("-c").arg(body).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(complete("score-x sche").trim(), "schema");
    let kinds = complete("score-x schema ");
    for k in [
        "score",
        "provisioners",
        "placement",
        "patches",
        "target-options",
    ] {
        assert!(kinds.lines().any(|l| l == k), "{k}: {kinds}");
    }
    assert!(
        complete("score-x schema --ta")
            .lines()
            .any(|l| l == "--target")
    );
    let man = stdout(&run_in(tmp.path(), &["man"]));
    assert!(man.contains("score\\-x\\-schema(1)"), "{man}");
}
