//! `score-x validate` as the whole front half: provisioners, params, outputs and capabilities
//! of every target in one run, without running `cmd://` provisioners or writing anything.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;

const HEAD: &str = "apiVersion: score.dev/v1b1\nmetadata:\n  name: web\n";

fn write(dir: &std::path::Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// Everything in `dir` after a run (to prove nothing was written).
fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn unknown_type_and_unknown_output_are_errors_with_did_you_mean() {
    let d = tempfile::tempdir().unwrap();
    let text = format!(
        "{HEAD}containers:\n  main:\n    image: nginx\n    variables:\n      H: ${{resources.db.hots}}\n      Q: ${{resources.qq.host}}\nresources:\n  db:\n    type: postgres\n  qq:\n    type: redsi\n"
    );
    write(d.path(), "score.yaml", &text);
    let o = run_in(d.path(), &["validate", "score.yaml"]);
    let e = stderr(&o);
    assert_eq!(code(&o), 1, "{e}");
    assert!(e.contains("did you mean `redis`?"), "{e}");
    assert!(e.contains("has no output `hots`"), "{e}");
    assert!(e.contains("did you mean `host`?"), "{e}");
    assert!(
        e.contains("score.yaml:8:10"),
        "the output error is at the placeholder: {e}"
    );
    for t in ["[kubernetes]", "[ecs]", "[nomad]"] {
        assert!(e.contains(t), "{t} missing in {e}");
    }
    assert_eq!(
        entries(d.path()),
        ["score.yaml"],
        "validate wrote something"
    );
}

#[test]
fn errors_of_one_target_are_tagged_with_it_in_text_and_json() {
    let d = tempfile::tempdir().unwrap();
    let text = format!(
        "{HEAD}containers:\n  main:\n    image: nginx\n    files:\n      /etc/ssl/certs/extra.pem:\n        content: x\n"
    );
    write(d.path(), "score.yaml", &text);
    let o = run_in(d.path(), &["validate", "score.yaml"]);
    let e = stderr(&o);
    assert_eq!(code(&o), 1, "{e}");
    assert!(e.contains("[ecs]") && e.contains("/etc/ssl/certs"), "{e}");
    let o = run_in(d.path(), &["validate", "--format", "json", "score.yaml"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["valid"], false);
    let errors = v["errors"].as_array().unwrap();
    assert!(errors.iter().all(|x| x["target"] == "ecs"), "{v:#}");
    assert_eq!(
        errors[0]["path"],
        "/containers/main/files/~1etc~1ssl~1certs~1extra.pem"
    );
    // Checking kubernetes only: valid.
    let o = run_in(d.path(), &["validate", "--target", "k8s", "score.yaml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn cmd_provisioners_are_not_run_and_their_outputs_are_accepted_with_a_note() {
    let d = tempfile::tempdir().unwrap();
    let marker = d.path().join("ran");
    let script = d.path().join("prov.sh");
    write(
        d.path(),
        "prov.sh",
        &format!("#!/bin/sh\ntouch '{}'\nexit 1\n", marker.display()),
    );
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    write(
        d.path(),
        "p.yaml",
        "- uri: cmd://./prov.sh\n  type: thing\n",
    );
    let text = format!(
        "{HEAD}containers:\n  main:\n    image: nginx\n    variables:\n      A: ${{resources.tt.anything}}\nresources:\n  tt:\n    type: thing\n"
    );
    write(d.path(), "score.yaml", &text);
    let o = run_in(
        d.path(),
        &["validate", "--provisioners", "p.yaml", "score.yaml"],
    );
    let e = stderr(&o);
    assert_eq!(code(&o), 0, "{e}");
    assert!(
        e.contains("note: cmd://./prov.sh") && e.contains("is not run by validate"),
        "{e}"
    );
    assert!(!marker.exists(), "the cmd provisioner was run");
    // translate does run it (and it fails).
    let o = run_in(
        d.path(),
        &[
            "translate",
            "-t",
            "kubernetes",
            "--provisioners",
            "p.yaml",
            "-o",
            "-",
            "score.yaml",
        ],
    );
    assert_eq!(code(&o), 1);
    assert!(marker.exists());
}

#[test]
fn image_dot_is_valid_and_image_placeholders_warn() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "score.yaml",
        &format!("{HEAD}containers:\n  main:\n    image: .\n  side:\n    image: app:${{TAG}}\n"),
    );
    let o = run_in(d.path(), &["validate", "score.yaml"]);
    let e = stderr(&o);
    assert_eq!(code(&o), 0, "{e}");
    assert!(e.contains("--image"), "{e}");
    assert!(e.contains("1 file valid"), "{e}");
    assert_eq!(
        entries(d.path()),
        ["score.yaml"],
        "validate wrote something"
    );
    let o = run_in(
        d.path(),
        &["translate", "-t", "kubernetes", "-o", "-", "score.yaml"],
    );
    assert_eq!(code(&o), 1, "translate still needs --image");
}

#[test]
fn the_specs_full_sample_has_no_image_error() {
    let Some(dir) = std::env::var_os("SCORE_SAMPLES")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            let p = std::path::PathBuf::from("/work/shared/data/score-samples");
            p.is_dir().then_some(p)
        })
    else {
        return;
    };
    let full = dir.join("spec/samples/score-full.yaml");
    if !full.is_file() {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let o = run_paths(d.path(), &["validate", "--format", "json"], &[full]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let text = v.to_string();
    assert!(!text.contains("no image was given"), "{v:#}");
}

#[test]
fn environment_keys_and_route_hosts_are_checked() {
    let d = tempfile::tempdir().unwrap();
    let text = format!(
        "{HEAD}service:\n  ports:\n    http:\n      port: 80\ncontainers:\n  main:\n    image: nginx\n    variables:\n      X: ${{resources.env.MY VAR}}\nresources:\n  env:\n    type: environment\n  r:\n    type: route\n    params:\n      host: Not A Host\n      path: /\n      port: 80\n"
    );
    write(d.path(), "score.yaml", &text);
    let o = run_in(d.path(), &["validate", "score.yaml"]);
    let e = stderr(&o);
    assert_eq!(code(&o), 1, "{e}");
    assert!(e.contains("[-._a-zA-Z0-9]+"), "{e}");
    assert!(e.contains("/resources/r/params/host"), "{e}");
}

#[test]
fn target_options_need_exactly_one_target() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "score.yaml",
        &format!("{HEAD}containers:\n  main:\n    image: nginx\n"),
    );
    write(d.path(), "o.yaml", "namespace: prod\n");
    let o = run_in(
        d.path(),
        &["validate", "--target-options", "o.yaml", "score.yaml"],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let o = run_in(
        d.path(),
        &[
            "validate",
            "-t",
            "kubernetes",
            "--target-options",
            "o.yaml",
            "score.yaml",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn the_score_k8s_service_name_annotation_names_the_service_and_routes_follow() {
    let d = tempfile::tempdir().unwrap();
    let text = "apiVersion: score.dev/v1b1\nmetadata:\n  name: web\n  annotations:\n    k8s.score.dev/service-name: NAME\nservice:\n  ports:\n    http:\n      port: 80\ncontainers:\n  main:\n    image: nginx\nresources:\n  rt:\n    type: route\n    params:\n      host: example.com\n      path: /\n      port: 80\n";
    write(d.path(), "score.yaml", &text.replace("NAME", "frontend"));
    let o = run_in(
        d.path(),
        &["translate", "-t", "k8s", "-o", "-", "score.yaml"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let docs: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_str(&stdout(&o))
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect();
    let of = |kind: &str| docs.iter().find(|d| d["kind"] == kind).unwrap().clone();
    assert_eq!(of("Service")["metadata"]["name"], "frontend");
    assert_eq!(of("Deployment")["metadata"]["name"], "web");
    assert_eq!(
        of("HTTPRoute")["spec"]["rules"][0]["backendRefs"][0]["name"],
        "frontend"
    );
    // An invalid name is a warning and the workload name is kept.
    write(d.path(), "score.yaml", &text.replace("NAME", "Bad_Name"));
    let o = run_in(
        d.path(),
        &["translate", "-t", "k8s", "-o", "-", "score.yaml"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Bad_Name` is not a valid Service"),
        "{}",
        stderr(&o)
    );
    let out = stdout(&o);
    assert!(
        out.contains("kind: Service\nmetadata:\n") && !out.contains("Bad_Name"),
        "{out}"
    );
}
