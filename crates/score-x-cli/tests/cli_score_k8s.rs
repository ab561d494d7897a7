//! score-k8s compatibility: the template provisioners of tests/score-k8s/provisioners.yaml
//! (rewritten in the style of the community-provisioners score-k8s files) and the patch template
//! tests/score-k8s/patch.tpl, translated for kubernetes (checked by the Kubernetes OpenAPI
//! validator) and helm (helm lint), with the objects and outputs score-k8s documents for them;
//! byte-identical across runs; a clear error on ecs and nomad.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::{code, repo, require_tool, run_in, stderr};
use score_x_tests::validators::Validator;
use serde_json::Value;

fn fixture(name: &str) -> String {
    repo()
        .join("tests/score-k8s")
        .join(name)
        .display()
        .to_string()
}

fn seed_file(dir: &Path) -> String {
    let p = dir.join("test-seed");
    std::fs::write(&p, "fedcba9876543210".repeat(4)).unwrap();
    p.display().to_string()
}

/// `translate` for `target` into `<dir>/out` with the fixtures; the process output.
fn translate(dir: &Path, target: &str, extra: &[&str]) -> std::process::Output {
    let (prov, patch, score, seed) = (
        fixture("provisioners.yaml"),
        fixture("patch.tpl"),
        fixture("score.yaml"),
        seed_file(dir),
    );
    let mut args = vec![
        "translate",
        "--target",
        target,
        "-o",
        "out",
        "--seed-file",
        &seed,
        "--provisioners",
        &prov,
        "--patch-templates",
        &patch,
    ];
    args.extend(extra);
    args.push(&score);
    run_in(dir, &args)
}

fn docs(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    serde_yaml::Deserializer::from_str(&text)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .filter(|v: &Value| !v.is_null())
        .collect()
}

fn find<'a>(docs: &'a [Value], kind: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {docs:#?}"))
}

#[test]
fn kubernetes_objects_outputs_and_patches_match_score_k8s() {
    let tmp = tempfile::tempdir().unwrap();
    let out = translate(tmp.path(), "kubernetes", &["--namespace", "shop-ns"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let manifests = tmp.path().join("out/manifests.yaml");
    let d = docs(&manifests);

    // hpa: params over init defaults, `min` caps maxReplicas at 10.
    let hpa = find(&d, "HorizontalPodAutoscaler");
    assert_eq!(hpa["metadata"]["name"], "shop");
    assert_eq!(hpa["metadata"]["namespace"], "shop-ns");
    assert_eq!(
        (
            hpa["spec"]["minReplicas"].clone(),
            hpa["spec"]["maxReplicas"].clone()
        ),
        (2.into(), 10.into())
    );
    assert_eq!(
        hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
        80
    );

    // route: the dns output as host, the workload's Service and the named port's number.
    let ing = find(&d, "Ingress");
    let rule = &ing["spec"]["rules"][0];
    let host = rule["host"].as_str().unwrap();
    assert!(
        host.starts_with("dns")
            && host.ends_with(".localhost")
            && host.len() == "dns.localhost".len() + 6,
        "{host}"
    );
    let svc = d
        .iter()
        .find(|o| o["kind"] == "Service" && o["spec"]["ports"][0]["port"] == 8080)
        .unwrap();
    let backend = &rule["http"]["paths"][0]["backend"]["service"];
    assert_eq!(backend["name"], svc["metadata"]["name"]);
    assert_eq!(backend["port"]["number"], 8080);
    assert!(
        ing["metadata"]["name"]
            .as_str()
            .unwrap()
            .starts_with("route-shop-")
    );

    // redis: Secret + StatefulSet + Service; the password output is a secret reference.
    let secret = find(&d, "Secret");
    let name = secret["metadata"]["name"].as_str().unwrap().to_string();
    assert!(name.starts_with("redis-shop-"), "{name}");
    assert!(
        find(&d, "StatefulSet")["metadata"]["annotations"]["k8s.score.dev/resource-uid"]
            == "redis.default#shop.cache"
    );
    let deploy = find(&d, "Deployment");
    let env = deploy["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .unwrap();
    let var = |n: &str| {
        env.iter()
            .find(|e| e["name"] == n)
            .unwrap_or_else(|| panic!("no {n} in {env:?}"))
    };
    assert_eq!(
        var("REDIS_PASSWORD")["valueFrom"]["secretKeyRef"],
        serde_json::json!({"name": name, "key": "password"})
    );
    assert_eq!(var("REDIS_HOST")["value"], Value::String(name.clone()));
    assert_eq!(var("REDIS_PORT")["value"], "6379");
    assert_eq!(var("PUBLIC_HOST")["value"], host);

    // patch template: annotation set, replicas deleted, a PodDisruptionBudget appended.
    assert_eq!(
        deploy["metadata"]["annotations"]["compat.example/patched"],
        "yes"
    );
    assert!(deploy["spec"].get("replicas").is_none());
    assert_eq!(find(&d, "PodDisruptionBudget")["spec"]["minAvailable"], 1);

    // The generated password is in the Secret only (b64), and identical on a second run.
    let first = std::fs::read(&manifests).unwrap();
    let again = translate(tmp.path(), "kubernetes", &["--namespace", "shop-ns"]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(
        std::fs::read(&manifests).unwrap(),
        first,
        "not byte-identical run to run"
    );

    if require_tool(
        Validator::Kubernetes.available(),
        "the Kubernetes validator (tests/conformance/.venv-k8s)",
    ) {
        Validator::Kubernetes
            .run(&[manifests.as_path()])
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn helm_chart_with_score_k8s_provisioners_lints() {
    let tmp = tempfile::tempdir().unwrap();
    let out = translate(tmp.path(), "helm", &["--chart-name", "compat"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let chart = tmp.path().join("out/compat");
    let names: Vec<String> = walk(&chart)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    for f in [
        "horizontalpodautoscaler-shop.yaml",
        "ingress-route-shop-",
        "statefulset-redis-shop-",
        "secret-redis-shop-",
    ] {
        assert!(
            names.iter().any(|n| n.contains(f)),
            "no {f} among {names:?}"
        );
    }
    let Some(helm) = score_x_tests::helm::binary() else {
        return;
    };
    score_x_tests::helm::lint(&helm, &chart, None).unwrap_or_else(|e| panic!("{e}"));
    let stream = score_x_tests::helm::template(&helm, "shop", &chart, None).unwrap();
    let kinds: Vec<String> = serde_yaml::Deserializer::from_str(&stream)
        .filter_map(|d| <Value as serde::Deserialize>::deserialize(d).ok())
        .filter_map(|v| v["kind"].as_str().map(str::to_string))
        .collect();
    for k in [
        "HorizontalPodAutoscaler",
        "Ingress",
        "StatefulSet",
        "Secret",
        "PodDisruptionBudget",
        "Deployment",
    ] {
        assert!(kinds.iter().any(|x| x == k), "no {k} among {kinds:?}");
    }
    if require_tool(
        Validator::Kubernetes.available(),
        "the Kubernetes validator",
    ) {
        Validator::Kubernetes
            .run_stdin(&stream)
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p)
            } else {
                out.push(p)
            }
        }
    }
    out.sort();
    out
}

#[test]
fn ecs_and_nomad_say_why_score_k8s_provisioners_do_not_apply() {
    let tmp = tempfile::tempdir().unwrap();
    let (prov, score, seed) = (
        fixture("provisioners.yaml"),
        fixture("score.yaml"),
        seed_file(tmp.path()),
    );
    for target in ["ecs", "nomad"] {
        let out = run_in(
            tmp.path(),
            &[
                "translate",
                "--target",
                target,
                "-o",
                "out",
                "--seed-file",
                &seed,
                "--provisioners",
                &prov,
                &score,
            ],
        );
        assert_ne!(code(&out), 0);
        let err = stderr(&out);
        assert!(
            err.contains("score-k8s template provisioner"),
            "{target}: {err}"
        );
        let out = translate(tmp.path(), target, &[]);
        assert_ne!(code(&out), 0);
        assert!(
            stderr(&out).contains("--patch-templates applies score-k8s patch templates"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn a_broken_go_template_names_file_line_and_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.provisioners.yaml");
    std::fs::write(&bad, "- uri: template://x/bad\n  type: redis\n  outputs: |\n    host: {{ .State.host\n  manifests: |\n    []\n").unwrap();
    let (score, seed) = (fixture("score.yaml"), seed_file(tmp.path()));
    let b = bad.display().to_string();
    let out = run_in(
        tmp.path(),
        &[
            "translate",
            "--target",
            "kubernetes",
            "-o",
            "out",
            "--seed-file",
            &seed,
            "--provisioners",
            &b,
            &score,
        ],
    );
    assert_ne!(code(&out), 0);
    let err = stderr(&out);
    assert!(
        err.contains("section `outputs` is not a valid Go template: line 1"),
        "{err}"
    );
    assert!(err.contains("bad.provisioners.yaml:4"), "{err}");
}
