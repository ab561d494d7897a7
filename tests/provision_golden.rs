//! Golden cases of provisioning: every `tests/provisioners/cases/NN-topic/` directory holds score
//! files (`*.score.yaml` or `score.yaml`), `provisioners.yaml`, and either `expected.json` (a
//! summary of the resolved model, secrets shown as references) plus `expected-state.yaml`, or
//! `expected-errors.txt` (the diagnostics). `BLESS=1 cargo test -p score-x-tests --test
//! provision_golden` rewrites them. Success cases are also checked for determinism (same inputs
//! and state → byte-identical model and state) and seed independence of names.

#![allow(clippy::unwrap_used, clippy::print_stderr, clippy::panic)]

use std::path::{Path, PathBuf};

use score_x_core::graph::ResourceGraph;
use score_x_core::resolved::{Output, ResolvedContent, Segment, Value};
use score_x_core::{Diagnostics, Resolved, Target};
use score_x_provision::{
    CommandOutput, CommandRunner, Context, Origin, ProvisionerSet, State, provision,
};
use score_x_spec::{LoadOptions, SourceFile, load};
use score_x_tests::samples::DirReader;
use serde_json::{Value as Json, json};

/// Spawns real processes (the CLI's runner adds PATH lookup and timeouts).
#[path = "../crates/score-x-provision/src/spawn_runner.rs"]
mod spawn_runner;
use spawn_runner::SpawnRunner;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("provisioners/cases")
}

fn cases() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn render_diags(d: &Diagnostics) -> String {
    let mut s = String::new();
    for d in d.iter() {
        s.push_str(&d.to_string());
        s.push('\n');
        for (span, label) in &d.related {
            s.push_str(&format!("  related: {span}: {label}\n"));
        }
    }
    s
}

fn show(v: &Value) -> String {
    v.segments
        .iter()
        .map(|s| match s {
            Segment::Text(t) => t.clone(),
            Segment::Secret(r) => format!("⟨secret {}/{}⟩", r.name, r.key.as_deref().unwrap_or("")),
        })
        .collect()
}

fn summary(r: &Resolved, warnings: &Diagnostics) -> Json {
    let resources: serde_json::Map<String, Json> = r
        .resources()
        .iter()
        .map(|(uid, p)| {
            let outputs: serde_json::Map<String, Json> = p
                .outputs
                .iter()
                .map(|(k, o)| {
                    let v = match o {
                        Output::Plain(v) => v.clone(),
                        Output::Secret(s) => json!({"secret": {"name": s.name, "key": s.key, "generated": s.value.is_some()}}),
                    };
                    (k.clone(), v)
                })
                .collect();
            let v = json!({
                "provisioner": p.provisioner,
                "source_workload": p.source_workload,
                "consumers": p.consumers,
                "params": p.params,
                "outputs": outputs,
                "artifacts": p.artifacts,
            });
            (uid.to_string(), v)
        })
        .collect();
    let workloads: serde_json::Map<String, Json> = r
        .workloads()
        .iter()
        .map(|(name, w)| {
            let containers: serde_json::Map<String, Json> = w
                .containers
                .iter()
                .map(|(cn, c)| {
                    let vars: serde_json::Map<String, Json> = c
                        .variables
                        .iter()
                        .map(|(k, v)| (k.clone(), Json::String(show(&v.value))))
                        .collect();
                    let files: serde_json::Map<String, Json> = c
                        .files
                        .iter()
                        .map(|(k, f)| {
                            let v = match &f.content {
                                ResolvedContent::Text(v) => Json::String(show(v)),
                                ResolvedContent::Binary(b) => {
                                    Json::String(format!("<{} bytes>", b.len()))
                                }
                            };
                            (k.clone(), v)
                        })
                        .collect();
                    (cn.clone(), json!({"variables": vars, "files": files}))
                })
                .collect();
            (name.clone(), json!({"containers": containers}))
        })
        .collect();
    json!({
        "order": r.order(),
        "resources": resources,
        "workloads": workloads,
        "warnings": warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
    })
}

/// Every generated secret value in the model, in a deterministic order.
fn generated_secrets(r: &Resolved) -> Vec<String> {
    let mut out = Vec::new();
    for p in r.resources().values() {
        for o in p.outputs.values() {
            if let Output::Secret(s) = o
                && let Some(v) = &s.value
            {
                out.push(v.expose().to_string());
            }
        }
    }
    out
}

struct Loaded {
    app: score_x_core::App,
    set: ProvisionerSet,
}

fn load_case(dir: &Path) -> Result<Loaded, Diagnostics> {
    let files = score_x_tests::samples::dir_sources(dir, |n| n.ends_with("score.yaml"));
    let loaded = load(
        &files,
        &DirReader(dir.to_path_buf()),
        &LoadOptions::default(),
    )?;
    let mut set = ProvisionerSet::new();
    // Named relative to the working directory of the test (the package root), so that
    // `cmd://./x` resolves next to the file and diagnostics stay machine-independent.
    let case = dir.file_name().unwrap().to_string_lossy();
    let prov_name = format!("provisioners/cases/{case}/provisioners.yaml");
    let text = std::fs::read_to_string(dir.join("provisioners.yaml")).unwrap();
    set.add_file(&prov_name, &text, Origin::User(prov_name.clone()))?;
    Ok(Loaded {
        app: loaded.app,
        set,
    })
}

fn run(l: &Loaded, state: &mut State) -> Result<(Resolved, Diagnostics), Diagnostics> {
    let graph = ResourceGraph::build(&l.app)?;
    let ctx = Context {
        target: Target::KUBERNETES,
        options: json!({"namespace": "shop"}),
        runner: &SpawnRunner::default(),
    };
    provision(&l.app, &graph, &l.set, state, &ctx)
}

fn compare(path: &Path, actual: &str, bless: bool, failures: &mut Vec<String>) {
    if bless {
        std::fs::write(path, actual).unwrap();
        return;
    }
    match std::fs::read_to_string(path) {
        Ok(expected) if expected == actual => {}
        Ok(expected) => failures.push(format!(
            "{} differs (BLESS=1 to update)\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        )),
        Err(_) => failures.push(format!(
            "{} is missing (BLESS=1 to create)\n{actual}",
            path.display()
        )),
    }
}

#[test]
fn golden_cases() {
    // Cargo runs integration tests in the package root: relative `cmd://./x` programs and
    // provisioner file names below are relative to it.
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    let all = cases();
    assert!(
        all.len() >= 10,
        "expected the provisioning cases under {}",
        root().display()
    );
    for dir in all {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let errors_file = dir.join("expected-errors.txt");
        let outcome = load_case(&dir).and_then(|l| {
            let mut state = State::new("golden-seed".into());
            run(&l, &mut state).map(|(r, w)| (l, state, r, w))
        });
        match outcome {
            Err(d) => {
                if !bless && !errors_file.exists() {
                    failures.push(format!("{name}: unexpected errors:\n{}", render_diags(&d)));
                    continue;
                }
                compare(&errors_file, &render_diags(&d), bless, &mut failures);
            }
            Ok((l, mut state, r, w)) => {
                if errors_file.exists() {
                    failures.push(format!(
                        "{name}: expected errors but provisioning succeeded"
                    ));
                    continue;
                }
                let text = serde_json::to_string_pretty(&summary(&r, &w)).unwrap() + "\n";
                compare(&dir.join("expected.json"), &text, bless, &mut failures);
                let state_text = state.to_yaml();
                compare(
                    &dir.join("expected-state.yaml"),
                    &state_text,
                    bless,
                    &mut failures,
                );

                // Same inputs + same state → byte-identical model and state.
                let (r2, w2) = run(&l, &mut state).unwrap();
                assert_eq!(
                    serde_json::to_string(&r).unwrap(),
                    serde_json::to_string(&r2).unwrap(),
                    "{name}: not deterministic"
                );
                assert_eq!(
                    format!("{r:?}"),
                    format!("{r2:?}"),
                    "{name}: not deterministic"
                );
                assert_eq!(generated_secrets(&r), generated_secrets(&r2), "{name}");
                assert_eq!(w.len(), w2.len(), "{name}");
                assert_eq!(
                    state_text,
                    state.to_yaml(),
                    "{name}: state changed on a second run"
                );

                // A new seed (lost state) changes no name, only generated secrets.
                let (r3, w3) = run(&l, &mut State::new("another-seed".into())).unwrap();
                assert_eq!(
                    summary(&r, &w),
                    summary(&r3, &w3),
                    "{name}: names depend on the seed"
                );
                for (a, b) in generated_secrets(&r)
                    .iter()
                    .zip(generated_secrets(&r3).iter())
                {
                    assert_ne!(a, b, "{name}: generated secret does not depend on the seed");
                }
                // No generated secret in the state file.
                for s in generated_secrets(&r) {
                    assert!(
                        !state_text.contains(&s),
                        "{name}: generated secret stored in state"
                    );
                }
            }
        }
    }
    if !failures.is_empty() {
        panic!(
            "{} golden case(s) failed:\n\n{}",
            failures.len(),
            failures.join("\n\n")
        );
    }
}

/// The worked example of docs/provisioners.md runs as documented on Kubernetes and ECS.
#[test]
fn docs_worked_example() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/provisioners.md"),
    )
    .unwrap();
    let section = &doc[doc
        .find("## Worked example")
        .expect("worked example section")..];
    let start = section.find("```yaml\n").unwrap() + "```yaml\n".len();
    let yaml = &section[start..start + section[start..].find("```").unwrap()];
    let score = "apiVersion: score.dev/v1b1\nmetadata:\n  name: api\ncontainers:\n  main:\n    image: busybox\n    variables:\n      DATABASE_URL: postgres://${resources.db.username}:${resources.db.password}@${resources.db.host}/${resources.db.database}\nresources:\n  db:\n    type: postgres\n";
    let files = [SourceFile {
        name: "score.yaml".into(),
        text: score.into(),
    }];
    let app = load(
        &files,
        &DirReader(PathBuf::from(".")),
        &LoadOptions::default(),
    )
    .unwrap()
    .app;
    let graph = ResourceGraph::build(&app).unwrap();
    // The example's file, as `name`, provisioning `app` for `target` from a fresh state.
    let provision_as = |name: &str, target| {
        let mut set = ProvisionerSet::new();
        set.add_file(name, yaml, Origin::Project("10-acme.yaml".into()))
            .unwrap();
        let ctx = Context {
            target,
            options: json!({}),
            runner: &SpawnRunner::default(),
        };
        provision(&app, &graph, &set, &mut State::new("s".into()), &ctx)
    };
    let mut names = Vec::new();
    for target in [Target::KUBERNETES, Target::ECS] {
        let (r, warnings) = provision_as(".score-x/provisioners/10-acme.yaml", target).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        let v = &r.workloads()["api"].containers["main"].variables["DATABASE_URL"].value;
        let secret = v.secrets().next().unwrap();
        assert_eq!(secret.key.as_deref(), Some("password"));
        assert!(secret.value.is_none(), "no password passes through score-x");
        names.push(secret.name.clone());
        let artifacts = r.resources().values().next().unwrap().artifacts.value();
        match target {
            Target::KUBERNETES => assert_eq!(artifacts[0]["kind"], "ExternalSecret"),
            _ => assert_eq!(artifacts, json!({})),
        }
    }
    assert!(names[0].starts_with("rds-api-db"), "{names:?}");
    assert!(names[1].starts_with("arn:aws:secretsmanager:"), "{names:?}");
    // Skipped with a warning on Nomad (no `nomad` section), so nothing matches here.
    let e = provision_as("10-acme.yaml", Target::NOMAD).unwrap_err();
    assert_eq!(e.0[0].code, score_x_core::Code::NoProvisioner);
}
