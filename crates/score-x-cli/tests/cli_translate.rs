//! `score-x translate` end to end through the real binary: Kubernetes and ECS output for the
//! example estate, determinism, independence from state, `--check`, and secrets kept out of plain fields.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::*;

/// `translate --target kubernetes -o out --check`.
const CHECK_K8S: &[&str] = &[
    "translate",
    "--target",
    "kubernetes",
    "-o",
    "out",
    "--check",
];

fn translate_k8s(cwd: &Path, files: &[std::path::PathBuf]) -> String {
    let o = run_paths(
        cwd,
        &["translate", "--target", "kubernetes", "-o", "-"],
        files,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    stdout(&o)
}

fn docs(stream: &str) -> Vec<serde_json::Value> {
    stream
        .split("\n---\n")
        .map(|d| d.trim_start_matches("---\n"))
        .filter(|d| !d.trim().is_empty())
        .map(|d| serde_yaml::from_str::<serde_json::Value>(d).unwrap())
        .filter(|v| !v.is_null())
        .collect()
}

fn find<'a>(objs: &'a [serde_json::Value], kind: &str, name: &str) -> &'a serde_json::Value {
    objs.iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

/// Every string value stored in a Kubernetes Secret of the stream.
fn secret_values(objs: &[serde_json::Value]) -> Vec<String> {
    let mut out = Vec::new();
    for o in objs.iter().filter(|o| o["kind"] == "Secret") {
        if let Some(m) = o["stringData"].as_object() {
            // Generated passwords are long; short values (ports, user names) are not secrets.
            out.extend(
                m.values()
                    .filter_map(|v| v.as_str())
                    .filter(|s| s.len() >= 12)
                    .map(str::to_string),
            );
        }
    }
    out
}

#[test]
fn estate_to_kubernetes_shares_the_database_and_keeps_secrets_out_of_plain_fields() {
    let dir = tempfile::tempdir().unwrap();
    let stream = translate_k8s(dir.path(), &estate_files());
    let objs = docs(&stream);

    // Shared database provisioned once.
    let pg: Vec<_> = objs
        .iter()
        .filter(|o| {
            o["kind"] == "StatefulSet"
                && o["spec"]["template"]["spec"]["containers"][0]["image"]
                    .as_str()
                    .unwrap_or("")
                    .contains("postgres")
        })
        .collect();
    assert_eq!(pg.len(), 1, "postgres StatefulSets: {pg:?}");

    // Service port semantics: callers dial port 80, the container listens on 8080.
    let svc = find(&objs, "Service", "api");
    assert_eq!(svc["spec"]["ports"][0]["port"], 80);
    assert_eq!(svc["spec"]["ports"][0]["targetPort"], 8080);
    let web = find(&objs, "Deployment", "web");
    let env = web["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .unwrap();
    let api_url = env.iter().find(|e| e["name"] == "API_URL").unwrap();
    assert!(
        api_url["value"].as_str().unwrap().ends_with(":80"),
        "{api_url}"
    );

    // `before: ready: complete` → init container.
    let api = find(&objs, "Deployment", "api");
    let init = api["spec"]["template"]["spec"]["initContainers"]
        .as_array()
        .unwrap();
    assert_eq!(init[0]["name"], "migrate");

    // `$$` and `$${` are unescaped; a literal `$(` would be escaped for the kubelet.
    let main = api["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "main")
        .unwrap();
    let price = main["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "PRICE_FORMAT")
        .unwrap();
    assert_eq!(price["value"], "${currency} $amount");
    let pw = main["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "DB_PASSWORD")
        .unwrap();
    assert!(pw["valueFrom"]["secretKeyRef"]["name"].is_string(), "{pw}");

    // No secret value in a ConfigMap or a plain env value.
    let secrets = secret_values(&objs);
    assert!(!secrets.is_empty());
    for o in &objs {
        let plain: Vec<String> = if o["kind"] == "ConfigMap" {
            vec![o["data"].to_string(), o["binaryData"].to_string()]
        } else {
            let mut v = Vec::new();
            for path in [
                "/spec/template/spec/containers",
                "/spec/template/spec/initContainers",
            ] {
                if let Some(cs) = o.pointer(path).and_then(|c| c.as_array()) {
                    for c in cs {
                        v.push(c["env"].to_string());
                    }
                }
            }
            v
        };
        for p in plain {
            for s in &secrets {
                assert!(
                    !p.contains(s.as_str()),
                    "secret leaked into {}/{}",
                    o["kind"],
                    o["metadata"]["name"]
                );
            }
        }
    }
}

#[test]
fn output_is_byte_identical_across_runs_and_input_order() {
    let dir = tempfile::tempdir().unwrap();
    let a = translate_k8s(dir.path(), &estate_files());
    let b = translate_k8s(dir.path(), &estate_files());
    let mut rev = estate_files();
    rev.reverse();
    let c = translate_k8s(dir.path(), &rev);
    assert_eq!(a, b);
    assert_eq!(a, c);
}

#[test]
fn deleting_state_changes_no_name_or_selector() {
    let dir = tempfile::tempdir().unwrap();
    let strip = |s: &str| -> Vec<serde_json::Value> {
        docs(s)
            .into_iter()
            .map(|mut o| {
                if o["kind"] == "Secret" {
                    o["stringData"] = serde_json::Value::Null;
                    o["data"] = serde_json::Value::Null;
                }
                if let Some(a) = o
                    .pointer_mut("/spec/template/metadata/annotations")
                    .and_then(|a| a.as_object_mut())
                {
                    a.retain(|k, _| !k.contains("checksum"));
                }
                o
            })
            .collect()
    };
    let first = translate_k8s(dir.path(), &estate_files());
    std::fs::remove_dir_all(dir.path().join(".score-x")).unwrap();
    let second = translate_k8s(dir.path(), &estate_files());
    assert_eq!(strip(&first), strip(&second));
}

#[test]
fn check_passes_when_up_to_date_and_fails_with_a_diff_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let files = estate_files();
    let o = run_paths(
        dir.path(),
        &["translate", "--target", "kubernetes", "-o", "out"],
        &files,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(dir.path().join("out/manifests.yaml").exists());
    let o = run_paths(dir.path(), CHECK_K8S, &files);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let path = dir.path().join("out/manifests.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("replicas: 1", "replicas: 3");
    std::fs::write(&path, text).unwrap();
    let o = run_paths(dir.path(), CHECK_K8S, &files);
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).contains("-  replicas: 3") || stdout(&o).contains("replicas: 3"),
        "{}",
        stdout(&o)
    );
    assert!(stderr(&o).contains("out of date"), "{}", stderr(&o));
}

#[test]
fn estate_to_ecs_writes_task_definitions_services_and_a_stack() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["translate", "--target", "ecs", "-o", "out"];
    let opts = examples().join("ecs-options.yaml").display().to_string();
    args.push("--target-options");
    args.push(&opts);
    let o = run_paths(dir.path(), &args, &estate_files());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for w in ["api", "web", "worker"] {
        let td: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.path().join(format!("out/{w}/task-definition.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(td["family"], w);
        assert!(dir.path().join(format!("out/{w}/service.json")).exists());
    }
    assert!(dir.path().join("out/cloudformation.yaml").exists());
}

#[test]
fn namespace_flag_is_kubernetes_only() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_paths(
        dir.path(),
        &[
            "translate",
            "--target",
            "ecs",
            "--namespace",
            "x",
            "-o",
            "out",
        ],
        &estate_files(),
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
}

#[test]
fn artifacts_of_removed_workloads_are_reported_and_fail_check() {
    let dir = tempfile::tempdir().unwrap();
    let opts = examples().join("ecs-options.yaml").display().to_string();
    let args = [
        "translate",
        "--target",
        "ecs",
        "--target-options",
        &opts,
        "-o",
        "out",
    ];
    let o = run_paths(dir.path(), &args, &estate_files());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // The worker goes away: its task definition must not linger silently.
    let two = &estate_files()[..2];
    let mut check = args.to_vec();
    check.push("--check");
    let o = run_paths(dir.path(), &check, two);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("worker/task-definition.json"),
        "{}",
        stdout(&o)
    );
    let o = run_paths(dir.path(), &args, two);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("worker/task-definition.json was not written by this run"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn image_overrides_and_namespace_flags() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("score.yaml"),
        "apiVersion: score.dev/v1b1\nmetadata: {name: app}\ncontainers:\n  main:\n    image: .\n    variables: {MODE: dev, DROP: me}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("over.yaml"),
        "containers:\n  main:\n    variables:\n      MODE: prod\n",
    )
    .unwrap();
    // `image: "."` without --image is an error that says how to fix it.
    let o = run_in(
        dir.path(),
        &["translate", "--target", "kubernetes", "-o", "-"],
    );
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("--image"), "{}", stderr(&o));
    let o = run_in(
        dir.path(),
        &[
            "translate",
            "--target",
            "kubernetes",
            "-o",
            "-",
            "--image",
            "ghcr.io/acme/app:9",
            "--overrides-file",
            "over.yaml",
            "--override-property",
            "containers.main.variables.DROP=",
            "--override-property",
            "metadata.annotations.team=core",
            "--namespace",
            "prod",
            "--generate-namespace",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let objs = docs(&stdout(&o));
    assert_eq!(objs[0]["kind"], "Namespace");
    assert_eq!(objs[0]["metadata"]["name"], "prod");
    let d = find(&objs, "Deployment", "app");
    assert_eq!(d["metadata"]["namespace"], "prod");
    let c = &d["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["image"], "ghcr.io/acme/app:9");
    let env = c["env"].as_array().unwrap();
    assert_eq!(env.len(), 1, "{env:?}");
    assert_eq!(env[0]["value"], "prod");
    assert_eq!(
        d["spec"]["template"]["metadata"]["annotations"]["team"],
        "core"
    );
    // Overrides apply to exactly one file.
    let o = run_paths(
        dir.path(),
        &[
            "translate",
            "--target",
            "kubernetes",
            "-o",
            "-",
            "--override-property",
            "a=b",
        ],
        &estate_files(),
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
}
