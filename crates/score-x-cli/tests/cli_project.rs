//! `init`, `provisioners list` and `resources list|get-outputs` through the real binary.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;

#[test]
fn init_scaffolds_a_project_that_translates() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_in(dir.path(), &["init"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(dir.path().join("score.yaml").exists());
    assert!(dir.path().join(".score-x/seed").exists());
    let ignore = std::fs::read_to_string(dir.path().join(".score-x/.gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "seed"), "{ignore}");
    assert!(!ignore.contains("state.yaml\n"), "{ignore}");
    assert!(dir.path().join(".score-x/provisioners").is_dir());
    // A second init keeps the existing files.
    std::fs::write(dir.path().join("score.yaml"), "# mine\n").unwrap();
    let o = run_in(dir.path(), &["init"]);
    assert_eq!(code(&o), 0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("score.yaml")).unwrap(),
        "# mine\n"
    );
    std::fs::remove_file(dir.path().join("score.yaml")).unwrap();
    run_in(dir.path(), &["init"]);
    let o = run_in(dir.path(), &["translate", "--target", "kubernetes"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        dir.path()
            .join("score-x-out/kubernetes/manifests.yaml")
            .exists()
    );
}

#[test]
fn provisioners_list_json_has_the_documented_keys_and_user_files_first() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mine.yaml"),
        "- uri: template://acme/postgres\n  type: postgres\n  class: managed\n  description: RDS via SSM\n  outputs: { host: {} }\n  outputs_template: |\n    host: db.internal\n",
    )
    .unwrap();
    let o = run_in(
        dir.path(),
        &[
            "provisioners",
            "list",
            "--target",
            "ecs",
            "--format",
            "json",
            "--provisioners",
            "mine.yaml",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list[0]["uri"], "template://acme/postgres");
    assert_eq!(list[0]["source"], "mine.yaml");
    let keys: Vec<&str> = list[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "uri",
        "type",
        "class",
        "id",
        "params",
        "outputs",
        "description",
        "source",
    ] {
        assert!(keys.contains(&k), "missing {k}: {keys:?}");
    }
    let types: std::collections::BTreeSet<&str> =
        list.iter().map(|p| p["type"].as_str().unwrap()).collect();
    for t in [
        "postgres",
        "mysql",
        "redis",
        "mongodb",
        "amqp",
        "kafka-topic",
        "s3",
        "volume",
        "dns",
        "route",
        "service-port",
        "environment",
    ] {
        assert!(types.contains(t), "ecs defaults lack {t}");
    }
    let table = run_in(dir.path(), &["provisioners", "list"]);
    assert_eq!(code(&table), 0);
    assert!(stdout(&table).starts_with("TYPE"), "{}", stdout(&table));
}

#[test]
fn same_types_and_output_names_on_every_target() {
    let dir = tempfile::tempdir().unwrap();
    let list = |t: &str| -> std::collections::BTreeMap<String, Vec<String>> {
        let o = run_in(
            dir.path(),
            &["provisioners", "list", "--target", t, "--format", "json"],
        );
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .filter(|p| p["class"].is_null() && p["id"].is_null())
            .map(|p| {
                (
                    p["type"].as_str().unwrap().to_string(),
                    p["outputs"].as_object().unwrap().keys().cloned().collect(),
                )
            })
            .collect()
    };
    let k8s = list("kubernetes");
    let ecs = list("ecs");
    assert_eq!(
        k8s.keys().collect::<Vec<_>>(),
        ecs.keys().collect::<Vec<_>>(),
        "kubernetes and ecs defaults cover different resource types"
    );
    for (t, outs) in &ecs {
        assert_eq!(
            k8s.get(t),
            Some(outs),
            "type {t}: kubernetes and ecs defaults declare different outputs"
        );
    }
}

#[test]
fn resources_list_and_get_outputs_mask_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_paths(
        dir.path(),
        &["translate", "--target", "kubernetes", "-o", "out"],
        &estate_files(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run_in(dir.path(), &["resources", "list", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let db = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["uid"] == "postgres.default#orders-db")
        .unwrap();
    assert_eq!(db["outputs"]["password"], "<secret>");
    assert_eq!(db["orphaned"], false);

    let o = run_in(
        dir.path(),
        &["resources", "get-outputs", "postgres.default#orders-db"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["password"], "<secret>");
    assert_eq!(v["port"], 5432);
    let o = run_in(
        dir.path(),
        &[
            "resources",
            "get-outputs",
            "postgres.default#orders-db",
            "--show-secrets",
            "--format",
            "yaml",
        ],
    );
    assert!(stdout(&o).contains("secret:"), "{}", stdout(&o));

    let o = run_in(
        dir.path(),
        &["resources", "get-outputs", "postgres.default#orders-dbb"],
    );
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("did you mean `postgres.default#orders-db`"),
        "{}",
        stderr(&o)
    );

    // Dropping the worker orphans its queue; the shared database stays (the api still uses it).
    let o = run_paths(
        dir.path(),
        &["translate", "--target", "kubernetes", "-o", "out"],
        &estate_files()[..2],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("amqp.default#worker.queue"),
        "orphan not reported: {}",
        stderr(&o)
    );
    let o = run_in(dir.path(), &["resources", "list"]);
    let table = stdout(&o);
    let line = table
        .lines()
        .find(|l| l.contains(" amqp.default#worker.queue "))
        .unwrap();
    assert!(
        line.starts_with("kubernetes") && line.contains("orphaned"),
        "{table}"
    );
    let line = table
        .lines()
        .find(|l| l.contains(" postgres.default#orders-db "))
        .unwrap();
    assert!(line.contains("active"), "{table}");
}

#[test]
fn switching_targets_keeps_each_targets_state() {
    let dir = tempfile::tempdir().unwrap();
    let k8s = |dir: &std::path::Path| {
        let o = run_paths(
            dir,
            &["translate", "--target", "kubernetes", "-o", "-"],
            &estate_files(),
        );
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        (stdout(&o), stderr(&o))
    };
    let (first, _) = k8s(dir.path());
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
            "ecs",
        ],
        &estate_files(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        !stderr(&o).contains("previous state is discarded"),
        "{}",
        stderr(&o)
    );
    let (second, warnings) = k8s(dir.path());
    assert!(
        !warnings.contains("previous state is discarded"),
        "{warnings}"
    );
    assert_eq!(first, second, "the ECS run changed the Kubernetes output");
    let o = run_in(dir.path(), &["resources", "list", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let targets: std::collections::BTreeSet<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["ecs", "kubernetes"].into_iter().collect());
    let o = run_in(
        dir.path(),
        &["resources", "get-outputs", "postgres.default#orders-db"],
    );
    assert_eq!(
        code(&o),
        2,
        "ambiguous uid must ask for --target: {}",
        stderr(&o)
    );
    let o = run_in(
        dir.path(),
        &[
            "resources",
            "get-outputs",
            "postgres.default#orders-db",
            "--target",
            "ecs",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[cfg(unix)]
#[test]
fn files_with_secrets_are_private_the_rest_world_readable() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let mode = |p: &str| {
        std::fs::metadata(dir.path().join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    // The estate uses a database: manifests.yaml holds its generated password (Secret stringData).
    let o = run_paths(
        dir.path(),
        &["translate", "--target", "kubernetes", "-o", "out"],
        &estate_files(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let manifests = std::fs::read_to_string(dir.path().join("out/manifests.yaml")).unwrap();
    assert!(manifests.contains("stringData"), "{manifests}");
    assert_eq!(mode("out/manifests.yaml"), 0o600);
    assert_eq!(mode(".score-x/seed"), 0o600);
    assert_eq!(mode(".score-x/state.yaml"), 0o644);
    // ECS keeps generated secrets out of its files (SSM parameters): every file is 0644.
    let o = run_paths(
        dir.path(),
        &["translate", "--target", "ecs", "-o", "ecs"],
        &estate_files(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let td = dir.path().join("ecs/api/task-definition.json");
    assert!(td.exists());
    assert_eq!(mode("ecs/api/task-definition.json"), 0o644);
    // Without secrets, manifests are world-readable.
    let o = run_paths(
        dir.path(),
        &["translate", "--target", "kubernetes", "-o", "hello"],
        &[examples().join("hello/score.yaml")],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(mode("hello/manifests.yaml"), 0o644);
}
