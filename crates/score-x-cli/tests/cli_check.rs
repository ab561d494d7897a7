//! `score-x check`: the portability report through the real binary, on the example estate:
//! every approximation a translate warns about is in it, `--strict` fails on them, `--from`
//! keeps only what changes, nothing is written.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;

fn check(args: &[&str]) -> (i32, String, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let o = run_paths(dir.path(), &all, &estate_files());
    (code(&o), stdout(&o), stderr(&o), dir)
}

/// `file:line:col` of every warning a translate prints with this code.
fn warned_at(err: &str, code: &str) -> Vec<String> {
    err.lines()
        .filter_map(|l| l.strip_prefix(&format!("warning[{code}]: ")))
        .map(|l| l.split(" at ").next().unwrap().to_string())
        .collect()
}

#[test]
fn check_lists_every_approximation_translate_makes_and_writes_nothing() {
    let opts = examples().join("ecs-options.yaml").display().to_string();
    let (code_, out, err, dir) = check(&[
        "--target",
        "ecs",
        "--target-options",
        &opts,
        "--format",
        "json",
    ]);
    assert_eq!(code_, 0, "{err}");
    assert!(!dir.path().join(".score-x").exists(), "check wrote a state");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["target"], "ecs");
    let rows = report["fields"].as_array().unwrap();
    assert!(
        rows.iter().any(|r| r["workload"] == "api"
            && r["field"] == "httpGet probes"
            && r["support"] == "approximated"),
        "{out}"
    );
    assert!(rows.iter().any(|r| r["support"] == "native"), "{out}");
    assert_eq!(
        report["approximated"].as_u64().unwrap() as usize,
        rows.iter()
            .filter(|r| r["support"] == "approximated")
            .count()
    );
    // Every approximation translate reports is in the report, at the same place.
    let t = tempfile::tempdir().unwrap();
    let o = run_paths(
        t.path(),
        &[
            "translate",
            "--target",
            "ecs",
            "--target-options",
            &opts,
            "-o",
            "out",
        ],
        &estate_files(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let at: Vec<String> = rows
        .iter()
        .filter(|r| r["support"] == "approximated")
        .map(|r| {
            r["at"]
                .as_str()
                .unwrap()
                .split(" at ")
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    let warned = warned_at(&stderr(&o), "APPROXIMATED");
    assert!(!warned.is_empty());
    for w in &warned {
        assert!(
            at.contains(w),
            "translate warns at {w}, check does not list it: {at:?}"
        );
    }
}

#[test]
fn strict_fails_on_approximations_and_text_names_them() {
    let (c, out, _, _) = check(&["--target", "ecs", "--strict"]);
    assert_eq!(c, 1, "{out}");
    assert!(out.starts_with("portability to ecs\n"), "{out}");
    assert!(out.contains("workload api\n"), "{out}");
    assert!(
        out.contains("  approximated httpGet probes: probe of container `main` of workload `api`"),
        "{out}"
    );
    assert!(
        out.lines().last().unwrap().ends_with("unsupported"),
        "{out}"
    );
}

#[test]
fn from_shows_only_what_changes_between_targets() {
    let (c, out, err, _) = check(&[
        "--target",
        "ecs",
        "--from",
        "kubernetes",
        "--format",
        "json",
    ]);
    assert_eq!(c, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["from"], "kubernetes");
    let rows = report["fields"].as_array().unwrap();
    assert!(!rows.is_empty());
    for r in rows {
        let same = r["from"].is_object()
            && r["from"]["support"] == r["support"]
            && r["from"]["detail"] == r["detail"];
        assert!(!same, "an unchanged mapping is listed: {r}");
    }
    // httpGet probes are native on kubernetes and approximated on ECS.
    let probe = rows
        .iter()
        .find(|r| r["field"] == "httpGet probes")
        .unwrap();
    assert_eq!(probe["from"]["support"], "native");
    // Every resource is provisioned by the ECS provisioners instead.
    let moved = report["resources"].as_array().unwrap();
    assert!(
        moved
            .iter()
            .any(|m| m["uid"] == "postgres.default#orders-db"
                && m["to"].as_str().unwrap().contains("ecs")),
        "{out}"
    );
    // Same target: nothing changes.
    let (_, out, _, _) = check(&["--target", "ecs", "--from", "ecs"]);
    assert!(
        out.ends_with("0 native, 0 approximated, 0 unsupported\n"),
        "{out}"
    );
}

#[test]
fn translate_strict_writes_nothing_when_the_target_approximates() {
    let dir = tempfile::tempdir().unwrap();
    let opts = examples().join("ecs-options.yaml").display().to_string();
    let o = run_paths(
        dir.path(),
        &[
            "translate",
            "--target",
            "ecs",
            "--target-options",
            &opts,
            "-o",
            "out",
            "--strict",
        ],
        &estate_files(),
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("error: --strict: the target approximates"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("out").exists());
    // A workload nothing approximates on kubernetes: check agrees, and translate writes it.
    let hello = examples().join("hello/score.yaml");
    let o = run_paths(
        dir.path(),
        &["check", "--target", "kubernetes", "--strict"],
        std::slice::from_ref(&hello),
    );
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(
        stdout(&o).ends_with(", 0 approximated, 0 unsupported\n"),
        "{}",
        stdout(&o)
    );
    let o = run_paths(
        dir.path(),
        &[
            "translate",
            "--target",
            "kubernetes",
            "-o",
            "k8s",
            "--strict",
        ],
        &[hello],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(dir.path().join("k8s/manifests.yaml").exists());
}

#[test]
fn from_lists_the_addresses_that_change_and_the_resources_provisioned_differently() {
    let opts = examples().join("ecs-options.yaml").display().to_string();
    let (c, out, err, dir) = check(&[
        "--target",
        "ecs",
        "--target-options",
        &opts,
        "--from",
        "kubernetes",
        "--format",
        "json",
    ]);
    assert_eq!(c, 0, "{err}");
    assert!(!dir.path().join(".score-x").exists(), "check wrote a state");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    // What callers on other runtimes dial: the Kubernetes Service name becomes the Cloud Map
    // name in the options' Service Connect namespace.
    let addresses = report["addresses"].as_array().unwrap();
    let api = addresses
        .iter()
        .find(|a| a["workload"] == "api" && a["kind"] == "cross-runtime")
        .unwrap();
    assert_eq!(api["what"], "http");
    assert_eq!(api["from"]["reachable"], "api.default.svc.cluster.local");
    assert_eq!(api["to"]["reachable"], "api.shop.local");
    // The database: another provisioner, another host name, the password in another store.
    let resources = report["resources"].as_array().unwrap();
    let db = resources
        .iter()
        .find(|r| r["uid"] == "postgres.default#orders-db")
        .unwrap();
    let changes: Vec<&str> = db["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(
        changes.iter().any(|c| c.starts_with("output `host`: ")),
        "{changes:?}"
    );
    assert!(
        changes.iter().any(
            |c| c.starts_with("secret output `password`: a Kubernetes Secret")
                && c.contains("becomes an SSM parameter `/")
        ),
        "{changes:?}"
    );
    // Without the namespace the ECS side has no address for other runtimes: the report says
    // which option to set, in text too.
    let (c, out, err, _) = check(&["--target", "ecs", "--from", "kubernetes"]);
    assert_eq!(c, 0, "{err}");
    assert!(
        out.lines().any(|l| l.starts_with(
            "address: other runtimes reach port http of workload api at unreachable ("
        ) && l.contains("serviceConnectNamespace")
            && l.ends_with("instead of api.default.svc.cluster.local")),
        "{out}"
    );
    assert!(
        out.contains("resource postgres.default#orders-db: provisioned by template://score-x/ecs/postgres instead of template://score-x/postgres\n  output `host`: "),
        "{out}"
    );
    // Kubernetes to Helm: the same Service names and the same secret store; nothing to list.
    let (_, out, _, _) = check(&[
        "--target",
        "helm",
        "--from",
        "kubernetes",
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(report.get("addresses").is_none(), "{out}");
    assert!(
        report["resources"]
            .as_array()
            .is_none_or(|r| r.iter().all(|r| r["changes"].is_null())),
        "{out}"
    );
}
