//! A `translate --placement` run does what a single-target run of each target does: patches
//! (`--patch` and `<state-dir>/patches/`, by their `target:`) are applied to each target's part
//! before the leak check, byte for byte as a single-target run applies them, and each part
//! passes its target's validator; the state's orphan flags are set in every section of the
//! placement's targets; `validate --placement` reports the placement's mistakes without
//! provisioning.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::*;

const ORDERS: &str = "apiVersion: score.dev/v1b1\nmetadata:\n  name: orders\ncontainers:\n  main:\n    image: ghcr.io/acme/orders:1.0\n    variables:\n      DB_HOST: ${resources.db.host}\n      DB_PASSWORD: ${resources.db.password}\nresources:\n  db:\n    type: postgres\n";
const ORDERS_NO_DB: &str = "apiVersion: score.dev/v1b1\nmetadata:\n  name: orders\ncontainers:\n  main:\n    image: ghcr.io/acme/orders:1.0\n";
const PAYMENTS: &str = "apiVersion: score.dev/v1b1\nmetadata:\n  name: payments\ncontainers:\n  main:\n    image: ghcr.io/acme/payments:1.0\n    variables:\n      CACHE_HOST: ${resources.cache.host}\nresources:\n  cache:\n    type: redis\n";
const EVENTS: &str = "apiVersion: score.dev/v1b1\nmetadata:\n  name: events\n  annotations:\n    score-x.dev/target: nomad\ncontainers:\n  main:\n    image: ghcr.io/acme/events:1.0\n    variables:\n      MODE: worker\n";
const AUDIT: &str = "apiVersion: score.dev/v1b1\nmetadata:\n  name: audit\n  annotations:\n    score-x.dev/target: ecs\ncontainers:\n  main:\n    image: ghcr.io/acme/audit:1.0\n";
const PLACEMENT: &str = "apiVersion: score-x.dev/v1\nkind: Placement\ndefault: kubernetes\nworkloads:\n  payments: ecs\n";

/// Patches for the ECS and Nomad parts (given with `--patch`).
const PATCHES: &str = r#"- target: ecs
  file: "*/service.json"
  op: delete
  path: /launchType
- target: ecs
  file: "*/service.json"
  op: set
  path: /capacityProviderStrategy
  value:
  - {capacityProvider: FARGATE_SPOT, weight: 1}
- target: nomad
  file: "*.nomad.json"
  op: set
  path: /Job/Constraints
  value:
  - {LTarget: "${attr.kernel.name}", RTarget: linux, Operand: "="}
- target: nomad
  file: "*.nomad.hcl"
  op: set
  path: /job/*/constraint
  value: {attribute: "${attr.kernel.name}", value: linux, operator: "="}
"#;

/// A patch for the Kubernetes part (from `<state-dir>/patches/`).
const K8S_PATCH: &str = "- target: kubernetes\n  object: {kind: Deployment, name: orders}\n  op: set\n  path: /spec/replicas\n  value: 3\n";

fn hybrid(d: &Path, inputs: &[&str], extra: &[&str]) -> std::process::Output {
    let ecs = format!("ecs={}", ecs_options());
    let mut args = vec!["translate", "--placement", "placement.yaml"];
    args.extend_from_slice(inputs);
    args.extend(["--target-options", &ecs, "-o", "out"]);
    args.extend_from_slice(extra);
    run(d, &args)
}

#[test]
fn patches_apply_per_target_as_in_single_target_runs_and_each_part_validates() {
    use score_x_tests::validators::Validator;
    let d = scratch(&[
        ("orders.yaml", ORDERS),
        ("payments.yaml", PAYMENTS),
        ("events.yaml", EVENTS),
        ("placement.yaml", PLACEMENT),
        ("patches.yaml", PATCHES),
        (".score-x/patches/10-k8s.yaml", K8S_PATCH),
    ]);
    let inputs = ["orders.yaml", "payments.yaml", "events.yaml"];
    let o = hybrid(d.path(), &inputs, &["--patch", "patches.yaml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Each part is what a single-target run with the same patches writes.
    for (target, file) in [
        ("kubernetes", "orders.yaml"),
        ("ecs", "payments.yaml"),
        ("nomad", "events.yaml"),
    ] {
        let state = format!("state-{target}");
        std::fs::create_dir_all(d.path().join(&state).join("patches")).unwrap();
        std::fs::write(d.path().join(&state).join("patches/10-k8s.yaml"), K8S_PATCH).unwrap();
        let out = format!("single/{target}");
        let opts = ecs_options();
        let mut args = vec![
            "translate",
            "--target",
            target,
            file,
            "-o",
            &out,
            "--state-dir",
            &state,
            "--patch",
            "patches.yaml",
        ];
        if target == "ecs" {
            args.extend(["--target-options", &opts]);
        }
        let o = run(d.path(), &args);
        assert_eq!(code(&o), 0, "{target}: {}", stderr(&o));
    }
    let out = d.path().join("out");
    assert_eq!(tree(&out), tree(&d.path().join("single")));
    // The patches took effect, each on its own target only.
    let manifests = std::fs::read_to_string(out.join("kubernetes/manifests.yaml")).unwrap();
    assert!(manifests.contains("replicas: 3"), "{manifests}");
    let service: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("ecs/payments/service.json")).unwrap())
            .unwrap();
    assert_eq!(
        service["capacityProviderStrategy"][0]["capacityProvider"],
        "FARGATE_SPOT"
    );
    assert!(service.get("launchType").is_none(), "{service}");
    let job = std::fs::read_to_string(out.join("nomad/events.nomad.json")).unwrap();
    assert!(job.contains("attr.kernel.name"), "{job}");
    // The real validators.
    if require_tool(
        Validator::Kubernetes.available(),
        "the kubernetes validator",
    ) {
        Validator::Kubernetes
            .run(&[&out.join("kubernetes/manifests.yaml")])
            .unwrap();
    }
    if require_tool(Validator::Ecs.available(), "the ECS validator") {
        Validator::Ecs.run(&[&out.join("ecs")]).unwrap();
    }
    if require_tool(score_x_tests::nomad::available(), "the nomad validator") {
        let mut bundle = score_x_core::Bundle::default();
        for (rel, bytes) in tree(&out.join("nomad")) {
            bundle.add(rel.display().to_string(), bytes);
        }
        score_x_tests::nomad::validate(&bundle).unwrap();
    }
    // A patch for an object its target's part does not hold fails the run, naming the patch.
    std::fs::write(
        d.path().join("bad.yaml"),
        "- target: kubernetes\n  object: {kind: Deployment, name: payments}\n  op: set\n  path: /spec/replicas\n  value: 2\n",
    )
    .unwrap();
    let o = hybrid(d.path(), &inputs, &["--patch", "bad.yaml", "--check"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("bad.yaml") && stderr(&o).contains("object Deployment/payments"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_hybrid_run_flags_the_orphans_of_every_target_of_the_placement() {
    let d = scratch(&[
        ("orders.yaml", ORDERS),
        ("payments.yaml", PAYMENTS),
        ("events.yaml", EVENTS),
        ("audit.yaml", AUDIT),
        ("placement.yaml", PLACEMENT),
    ]);
    let o = hybrid(
        d.path(),
        &["orders.yaml", "payments.yaml", "events.yaml", "audit.yaml"],
        &[],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let prune = |d: &Path| {
        let o = run(d, &["resources", "prune", "--dry-run"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        stdout(&o)
    };
    assert_eq!(prune(d.path()), "", "nothing is orphaned yet");
    // orders drops its database (kubernetes), audit is gone (ecs).
    std::fs::write(d.path().join("orders.yaml"), ORDERS_NO_DB).unwrap();
    let o = hybrid(
        d.path(),
        &["orders.yaml", "payments.yaml", "events.yaml"],
        &[],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("1 workload not among the inputs (`audit`)")
            && err.contains("`postgres.default#orders.db`"),
        "{err}"
    );
    assert_eq!(
        prune(d.path()),
        "would remove kubernetes: resource `postgres.default#orders.db` (workload `orders`)\nwould remove ecs: workload `audit` (from audit.yaml)\n"
    );
    // Pruned, the state holds neither; the next run has nothing to flag.
    let o = run(d.path(), &["resources", "prune"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = hybrid(
        d.path(),
        &["orders.yaml", "payments.yaml", "events.yaml"],
        &[],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        !stderr(&o).contains("not among the inputs"),
        "{}",
        stderr(&o)
    );
    assert_eq!(prune(d.path()), "");
}

#[test]
fn validate_placement_reports_the_placements_mistakes_without_provisioning() {
    let bad =
        "apiVersion: score-x.dev/v1\nkind: Placement\nworkloads:\n  payment: ecs\n  orders: ec2\n";
    let d = scratch(&[
        ("orders.yaml", ORDERS),
        ("payments.yaml", PAYMENTS),
        ("placement.yaml", bad),
    ]);
    let args = [
        "validate",
        "--placement",
        "placement.yaml",
        "orders.yaml",
        "payments.yaml",
    ];
    // Each stage of mistakes as translate reports them: the file's own, then the names.
    let same_as_translate = |err: &str| {
        let o = run(
            d.path(),
            &[
                "translate",
                "--placement",
                "placement.yaml",
                "orders.yaml",
                "payments.yaml",
                "-o",
                "out",
                "--state-dir",
                "translate-state",
            ],
        );
        assert_eq!(code(&o), 1);
        let translate_err = stderr(&o);
        for line in err.lines().filter(|l| l.starts_with("error[")) {
            assert!(translate_err.contains(line), "{line}\n{translate_err}");
        }
    };
    let o = run(d.path(), &args);
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert!(err.contains("placement.yaml:5:11"), "{err}");
    assert!(err.contains("did you mean `ecs`?"), "{err}");
    same_as_translate(&err);
    std::fs::write(d.path().join("placement.yaml"), bad.replace("ec2", "ecs")).unwrap();
    let o = run(d.path(), &args);
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert!(err.contains("placement.yaml:4:3"), "{err}");
    assert!(
        err.contains("unknown workload `payment`") && err.contains("did you mean `payments`?"),
        "{err}"
    );
    same_as_translate(&err);
    assert!(
        !d.path().join(".score-x").exists(),
        "validate wrote a state"
    );
    // JSON: the same findings with file, line and column.
    let mut json = args.to_vec();
    json.extend(["--format", "json"]);
    let o = run(d.path(), &json);
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["valid"], false);
    let errors = v["errors"].as_array().unwrap();
    assert!(
        errors.iter().any(|e| e["file"] == "placement.yaml"
            && e["line"] == 4
            && e["column"] == 3
            && e["message"].as_str().unwrap().contains("payment")),
        "{v}"
    );
    // A good placement is valid; the workload left unplaced without `default` is not.
    std::fs::write(
        d.path().join("placement.yaml"),
        "apiVersion: score-x.dev/v1\nkind: Placement\nworkloads:\n  payments: ecs\n  orders: kubernetes\n",
    )
    .unwrap();
    let o = run(d.path(), &args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("2 files valid"), "{}", stderr(&o));
    std::fs::write(
        d.path().join("placement.yaml"),
        "apiVersion: score-x.dev/v1\nkind: Placement\nworkloads:\n  payments: ecs\n",
    )
    .unwrap();
    let o = run(d.path(), &args);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("orders"), "{}", stderr(&o));
}
