//! Valid inputs must load: every sample score file under `../shared/data/score-samples` (each
//! directory's score files loaded together) and the three example workloads of the seed OpenAPI
//! document `../shared/seeds/003_2a79d8759af4c2d0.txt`, rebuilt from its whitespace-collapsed
//! text by `score_x_tests::seed` (the files they name in `files.source` are stand-ins in
//! `tests/fixtures/seed/`).
//!
//! When `../shared` is absent the tests print a notice and pass (it is not part of the project).

#![allow(clippy::unwrap_used, clippy::print_stderr, clippy::panic)]

use std::collections::BTreeSet;

use score_x_core::Code;
use score_x_spec::{LoadOptions, SourceFile, load, render};
use score_x_tests::samples::{self, EXPECTED_SAMPLE_ERRORS, shared};
use score_x_tests::seed::{seed_examples, seed_file, seed_reader, unflatten};

#[test]
fn every_sample_directory_loads() {
    let Some(shared) = shared() else { return };
    let dirs = samples::sample_dirs(&samples::root(&shared)).unwrap();
    assert!(
        dirs.len() >= 20,
        "found only {} sample directories",
        dirs.len()
    );
    let mut seen_expected = BTreeSet::new();
    let mut failures = Vec::new();
    let mut workloads = 0;
    for dir in &dirs {
        match load(&dir.files, &dir.reader(), &samples::load_options()) {
            Ok(l) => workloads += l.app.workloads().len(),
            Err(d) => {
                let unexpected: Vec<_> = d
                    .errors()
                    .filter(|e| {
                        let s = e.span.as_ref().unwrap();
                        let key = (s.file.to_string(), e.code, s.path.to_string());
                        let known = EXPECTED_SAMPLE_ERRORS
                            .iter()
                            .any(|(f, c, p)| (f.to_string(), *c, p.to_string()) == key);
                        if known {
                            seen_expected.insert(key);
                        }
                        !known
                    })
                    .cloned()
                    .collect();
                if !unexpected.is_empty() {
                    failures.push(render(&unexpected, &dir.files, false));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        seen_expected.len(),
        EXPECTED_SAMPLE_ERRORS.len(),
        "an expected sample error disappeared: {seen_expected:?}"
    );
    assert!(workloads >= 25, "only {workloads} workloads loaded");
}

#[test]
fn seed_examples_load() {
    let Some(shared) = shared() else { return };
    let examples = seed_examples(&shared).unwrap();
    let expected = [
        ("ecommerce-frontend", vec!["frontend", "nginx-sidecar"], 8),
        (
            "data-pipeline-worker",
            vec!["metrics-exporter", "worker"],
            9,
        ),
        (
            "ml-inference-service",
            vec!["ab-controller", "model-server", "request-router"],
            10,
        ),
    ];
    for ((name, v), (wname, containers, resources)) in examples.iter().zip(expected) {
        let file = seed_file(name, v);
        let l = match load(
            std::slice::from_ref(&file),
            &seed_reader(),
            &LoadOptions::default(),
        ) {
            Ok(l) => l,
            Err(d) => panic!("{name}:\n{}", render(&d.0, &[file], false)),
        };
        assert!(l.warnings.is_empty(), "{name}: {:?}", l.warnings);
        let w = &l.app.workloads()[wname];
        assert_eq!(
            w.containers.keys().map(String::as_str).collect::<Vec<_>>(),
            containers,
            "{name}"
        );
        assert_eq!(w.resources.len(), resources, "{name}");
    }
}

#[test]
fn seed_examples_together_conflict_on_shared_observability() {
    let Some(shared) = shared() else { return };
    let files: Vec<SourceFile> = seed_examples(&shared)
        .unwrap()
        .iter()
        .map(|(n, v)| seed_file(n, v))
        .collect();
    let d = load(&files, &seed_reader(), &LoadOptions::default()).unwrap_err();
    let errors: Vec<_> = d.errors().collect();
    assert_eq!(errors.len(), 1, "{}", render(&d.0, &files, false));
    assert_eq!(errors[0].code, Code::ParamsConflict);
    assert!(
        errors[0]
            .message
            .contains("service.default#shared.observability"),
        "{}",
        errors[0].message
    );
    assert_eq!(errors[0].related.len(), 1);
}

#[test]
fn unflatten_rebuilds_structure() {
    let v = unflatten(
        "apiVersion: score.dev/v1b1 metadata: name: a annotations: x.io/y: \"1 2\" containers: main: image: nginx \
         command: - /bin/sh - -c - test -f /tmp/x resources: limits: cpu: 1 files: /a: content: | k: v x: - y \
         mode: \"0644\" resources: db: type: pg params: p: type: time interval: d other: type: redis class: c",
    )
    .unwrap();
    let want = serde_json::json!({
        "apiVersion": "score.dev/v1b1",
        "metadata": {"name": "a", "annotations": {"x.io/y": "1 2"}},
        "containers": {"main": {"image": "nginx", "command": ["/bin/sh", "-c", "test -f /tmp/x"],
            "resources": {"limits": {"cpu": 1}},
            "files": {"/a": {"content": "k: v x: - y\n", "mode": "0644"}}}},
        "resources": {"db": {"type": "pg", "params": {"p": {"type": "time", "interval": "d"}}},
                      "other": {"type": "redis", "class": "c"}}
    });
    assert_eq!(v, want);
}
