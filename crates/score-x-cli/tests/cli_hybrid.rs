//! `translate --placement`: a hybrid estate across kubernetes, ecs and nomad through the real
//! binary. Each target's directory is byte-identical to a single-target translate of the
//! workloads placed on it; a database shared across runtimes is provisioned once and reaches
//! the other runtime by reference only; the placement file's mistakes are errors with a line,
//! a column and a "did you mean".

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::*;

const ORDERS: &str = "apiVersion: score.dev/v1b1\nmetadata:\n  name: orders\ncontainers:\n  main:\n    image: ghcr.io/acme/orders:1.0\n    variables:\n      DB_HOST: ${resources.db.host}\n      DB_PASSWORD: ${resources.db.password}\nresources:\n  db:\n    type: postgres\n";
const PAYMENTS: &str = "apiVersion: score.dev/v1b1\nmetadata:\n  name: payments\ncontainers:\n  main:\n    image: ghcr.io/acme/payments:1.0\n    variables:\n      CACHE_HOST: ${resources.cache.host}\nresources:\n  cache:\n    type: redis\n";
const EVENTS: &str = "apiVersion: score.dev/v1b1\nmetadata:\n  name: events\n  annotations:\n    score-x.dev/target: nomad\ncontainers:\n  main:\n    image: ghcr.io/acme/events:1.0\n    variables:\n      MODE: worker\n";
const PLACEMENT: &str = "apiVersion: score-x.dev/v1\nkind: Placement\ndefault: kubernetes\nworkloads:\n  payments: ecs\n";

/// Two workloads on two runtimes sharing one database (`id: shared-db`).
fn shared_db(name: &str, var: &str) -> String {
    format!(
        "apiVersion: score.dev/v1b1\nmetadata:\n  name: {name}\ncontainers:\n  main:\n    image: ghcr.io/acme/{name}:1.0\n    variables:\n      DB_HOST: ${{resources.db.host}}\n      {var}: ${{resources.db.password}}\nresources:\n  db:\n    type: postgres\n    id: shared-db\n"
    )
}

fn all_text(dir: &Path) -> String {
    tree(dir)
        .into_iter()
        .map(|(_, b)| String::from_utf8_lossy(&b).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn each_target_gets_exactly_what_a_single_target_translate_of_its_workloads_writes() {
    let d = scratch(&[
        ("orders.yaml", ORDERS),
        ("payments.yaml", PAYMENTS),
        ("events.yaml", EVENTS),
        ("placement.yaml", PLACEMENT),
    ]);
    let ecs = format!("ecs={}", ecs_options());
    let o = run(
        d.path(),
        &[
            "translate",
            "--placement",
            "placement.yaml",
            "orders.yaml",
            "payments.yaml",
            "events.yaml",
            "--target-options",
            &ecs,
            "-o",
            "out",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let single = |target: &str, file: &str, extra: &[&str]| {
        let out = format!("single/{target}");
        let state = format!("state-{target}");
        let mut args = vec![
            "translate",
            "--target",
            target,
            file,
            "-o",
            &out,
            "--state-dir",
            &state,
        ];
        args.extend_from_slice(extra);
        let o = run(d.path(), &args);
        assert_eq!(code(&o), 0, "{target}: {}", stderr(&o));
    };
    single("kubernetes", "orders.yaml", &[]);
    let opts = ecs_options();
    single("ecs", "payments.yaml", &["--target-options", &opts]);
    single("nomad", "events.yaml", &[]);
    let hybrid = tree(&d.path().join("out"));
    assert_eq!(hybrid, tree(&d.path().join("single")));
    let targets: std::collections::BTreeSet<_> = hybrid
        .iter()
        .map(|(p, _)| p.components().next().unwrap().as_os_str().to_owned())
        .collect();
    assert_eq!(targets.len(), 3, "{hybrid:?}");
    // One state for the estate, one section per target.
    let state = std::fs::read_to_string(d.path().join(".score-x/state.yaml")).unwrap();
    assert!(
        state.ends_with("sections:\n- kubernetes\n- ecs\n- nomad\n"),
        "{state}"
    );
    // --check agrees, and notices a file of a target that no longer gets it.
    let check = [
        "translate",
        "--placement",
        "placement.yaml",
        "orders.yaml",
        "payments.yaml",
        "events.yaml",
        "--target-options",
        &ecs,
        "-o",
        "out",
        "--check",
    ];
    let o = run(d.path(), &check);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Moving payments to kubernetes leaves its ECS artifacts stale: --check fails on them.
    std::fs::write(
        d.path().join("placement.yaml"),
        "apiVersion: score-x.dev/v1\nkind: Placement\ndefault: kubernetes\n",
    )
    .unwrap();
    let all_k8s = [
        "translate",
        "--placement",
        "placement.yaml",
        "orders.yaml",
        "payments.yaml",
        "events.yaml",
        "-o",
        "out",
        "--check",
    ];
    let o = run(d.path(), &all_k8s);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("out/ecs/payments/task-definition.json") && err.contains("no longer produced"),
        "{err}"
    );
}

#[test]
fn a_database_shared_across_runtimes_is_provisioned_once_and_crosses_by_reference() {
    let placement = "apiVersion: score-x.dev/v1\nkind: Placement\nworkloads:\n  orders: kubernetes\n  payments: ecs\n";
    let d = scratch(&[
        ("orders.yaml", &shared_db("orders", "DB_PASSWORD")),
        ("payments.yaml", &shared_db("payments", "PG_PASSWORD")),
        ("placement.yaml", placement),
    ]);
    let ecs = format!("ecs={}", ecs_options());
    let args = [
        "translate",
        "--placement",
        "placement.yaml",
        "orders.yaml",
        "payments.yaml",
        "--target-options",
        &ecs,
        "-o",
        "out",
    ];
    // Without a bridge the ECS task cannot read the Kubernetes Secret: an error naming the option.
    let o = run(d.path(), &args);
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert!(err.contains("workload `payments` on ecs reads a secret of `postgres.default#shared-db`, which kubernetes"), "{err}");
    assert!(err.contains("crossRuntimeSecrets: {ecs: ssm}"), "{err}");
    assert!(err.contains("payments.yaml:9:20"), "{err}");
    assert!(!d.path().join("out").exists());

    std::fs::write(
        d.path().join("placement.yaml"),
        format!("{placement}crossRuntimeSecrets:\n  ecs: ssm\n"),
    )
    .unwrap();
    let o = run(d.path(), &args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let manifests =
        std::fs::read_to_string(d.path().join("out/kubernetes/manifests.yaml")).unwrap();
    let docs: Vec<serde_json::Value> = manifests
        .split("\n---\n")
        .filter_map(|t| serde_yaml::from_str(t).ok())
        .collect();
    // Provisioned once: its objects are on kubernetes, and ECS holds none of them.
    let statefulsets = docs.iter().filter(|d| d["kind"] == "StatefulSet").count();
    assert_eq!(statefulsets, 1, "{manifests}");
    let secret = docs
        .iter()
        .find(|d| {
            d["kind"] == "Secret"
                && d["metadata"]["name"]
                    .as_str()
                    .is_some_and(|n| n.contains("shared-db"))
        })
        .unwrap();
    let password = secret["stringData"]["password"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(password.len() >= 16);
    let ecs_text = all_text(&d.path().join("out/ecs"));
    assert!(
        !ecs_text.contains(&password),
        "the password leaked into the ECS artifacts"
    );
    // The same outputs for both consumers: the host as Kubernetes provisioned it, the password
    // as a reference to the SSM parameter listed for the operator to fill.
    let task: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("out/ecs/payments/task-definition.json")).unwrap(),
    )
    .unwrap();
    let c = &task["containerDefinitions"][0];
    let host = c["environment"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "DB_HOST")
        .unwrap()["value"]
        .clone();
    assert!(
        manifests.contains(&format!("value: {}", host.as_str().unwrap())),
        "{host}"
    );
    let from = c["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "PG_PASSWORD")
        .unwrap()["valueFrom"]
        .clone();
    assert_eq!(from, "/score-x/pg-shared-db/password");
    let to_create =
        std::fs::read_to_string(d.path().join("out/ecs/secrets-to-create.json")).unwrap();
    assert!(
        to_create.contains("/score-x/pg-shared-db/password"),
        "{to_create}"
    );
    // Hosted once in the state too.
    let state = std::fs::read_to_string(d.path().join(".score-x/state.yaml")).unwrap();
    assert_eq!(
        state.matches("postgres.default#shared-db:").count(),
        1,
        "{state}"
    );
}

#[test]
fn placement_mistakes_are_errors_with_positions_and_did_you_mean() {
    let bad = "apiVersion: score-x.dev/v1\nkind: Placement\ndefault: kubernetes\nworkloads:\n  payment: ecs\n  orders: ec2\nresources:\n  postgres.default#orders.dbb: ecs\n";
    let d = scratch(&[
        ("orders.yaml", ORDERS),
        ("payments.yaml", PAYMENTS),
        ("placement.yaml", bad),
    ]);
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
        ],
    );
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert!(err.contains("placement.yaml:6:11"), "{err}");
    assert!(err.contains("did you mean `ecs`?"), "{err}");
    std::fs::write(
        d.path().join("placement.yaml"),
        bad.replace("orders: ec2", "orders: ecs"),
    )
    .unwrap();
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
        ],
    );
    let err = stderr(&o);
    assert!(err.contains("placement.yaml:5:3"), "{err}");
    assert!(
        err.contains("unknown workload `payment`") && err.contains("did you mean `payments`?"),
        "{err}"
    );
    assert!(
        err.contains("unknown resource `postgres.default#orders.dbb`")
            && err.contains("did you mean `postgres.default#orders.db`?"),
        "{err}"
    );
    // --target and --placement exclude each other; options files must name their target.
    let o = run(
        d.path(),
        &[
            "translate",
            "--target",
            "ecs",
            "--placement",
            "placement.yaml",
            "orders.yaml",
        ],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    std::fs::write(d.path().join("placement.yaml"), PLACEMENT).unwrap();
    let o = run(
        d.path(),
        &[
            "translate",
            "--placement",
            "placement.yaml",
            "orders.yaml",
            "payments.yaml",
            "--target-options",
            "ecs.yaml",
            "-o",
            "out",
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("--target-options <target>=ecs.yaml"),
        "{}",
        stderr(&o)
    );
    let o = run(
        d.path(),
        &[
            "translate",
            "--placement",
            "placement.yaml",
            "orders.yaml",
            "payments.yaml",
            "--target-options",
            "nomad=n.yaml",
            "-o",
            "out",
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("puts nothing on nomad"),
        "{}",
        stderr(&o)
    );
}

const ESTATE_PLACEMENT: &str = "apiVersion: score-x.dev/v1\nkind: Placement\ndefault: kubernetes\nworkloads:\n  worker: ecs\n  web: nomad\nresources:\n  postgres.default#orders-db: ecs\n";

fn graph(cwd: &Path, format: &str) -> String {
    let mut args = vec!["graph", "--placement", "placement.yaml", "--format", format];
    let files: Vec<String> = estate_files()
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    args.extend(files.iter().map(String::as_str));
    let o = run(cwd, &args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn graph_shows_each_workloads_and_resources_target() {
    let d = scratch(&[("placement.yaml", ESTATE_PLACEMENT)]);
    let text = graph(d.path(), "text");
    assert!(
        text.contains("workload worker (") && text.contains(") on ecs\n"),
        "{text}"
    );
    assert!(
        text.contains("db -> postgres.default#orders-db [shared] on ecs\n"),
        "{text}"
    );
    assert!(
        text.contains("cache -> redis.default#api.cache on kubernetes\n"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&graph(d.path(), "json")).unwrap();
    let w = |n: &str| {
        json["workloads"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["name"] == n)
            .unwrap()["target"]
            .clone()
    };
    assert_eq!(
        (w("api"), w("web"), w("worker")),
        ("kubernetes".into(), "nomad".into(), "ecs".into())
    );
    let db = json["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "orders-db")
        .unwrap();
    assert_eq!(db["target"], "ecs");
    // Without a placement the JSON has no target keys (unchanged shape).
    let o = run_paths(d.path(), &["graph", "--format", "json"], &estate_files());
    assert!(!stdout(&o).contains("\"target\""));

    let dot = graph(d.path(), "dot");
    assert!(dot.contains("subgraph \"cluster_ecs\" {"), "{dot}");
    assert!(dot.contains("fillcolor=\"#ffedd5\""), "{dot}");
    if require_tool(
        std::process::Command::new("dot").arg("-V").output().is_ok(),
        "graphviz `dot`",
    ) {
        let path = d.path().join("g.dot");
        std::fs::write(&path, &dot).unwrap();
        let r = std::process::Command::new("dot")
            .args(["-Tsvg", "-o"])
            .arg(d.path().join("g.svg"))
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            r.status.success(),
            "dot failed: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        let svg = std::fs::read_to_string(d.path().join("g.svg")).unwrap();
        assert!(svg.contains("<title>cluster_nomad</title>"), "{svg}");
    }

    let mermaid = graph(d.path(), "mermaid");
    assert!(
        mermaid.contains("  subgraph target_nomad[\"nomad\"]\n"),
        "{mermaid}"
    );
    assert!(mermaid.contains("classDef ecs fill:#ffedd5"), "{mermaid}");
    let checker = repo().join("tests/conformance/mermaid");
    let ready = checker.join("node_modules/mermaid").exists()
        && std::process::Command::new("node")
            .arg("--version")
            .output()
            .is_ok();
    if require_tool(
        ready,
        "node with tests/conformance/mermaid installed (npm ci)",
    ) {
        let path = d.path().join("g.md");
        std::fs::write(&path, &mermaid).unwrap();
        let r = std::process::Command::new("node")
            .arg(checker.join("check.mjs"))
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            r.status.success(),
            "mermaid rejected the graph: {}",
            String::from_utf8_lossy(&r.stderr)
        );
    }
}

const CALLEE: &str = "apiVersion: score.dev/v1b1\nmetadata:\n  name: api\nservice:\n  ports:\n    http:\n      port: 80\n      targetPort: 8080\ncontainers:\n  main:\n    image: ghcr.io/acme/api:1.0\n";
const CALLER: &str = "apiVersion: score.dev/v1b1\nmetadata:\n  name: web\ncontainers:\n  main:\n    image: ghcr.io/acme/web:1.0\n    variables:\n      API_URL: http://${resources.api.hostname}:${resources.api.port}\nresources:\n  api:\n    type: service-port\n    params:\n      workload: api\n      port: http\n";

fn placed(web: &str, api: &str, extra: &str) -> String {
    format!(
        "apiVersion: score-x.dev/v1\nkind: Placement\nworkloads:\n  web: {web}\n  api: {api}\n{extra}"
    )
}

#[test]
fn service_references_across_runtimes_resolve_to_the_callees_runtime_address() {
    let d = scratch(&[("api.yaml", CALLEE), ("web.yaml", CALLER)]);
    let translate = |placement: &str, extra: &[&str]| {
        std::fs::write(d.path().join("placement.yaml"), placement).unwrap();
        let mut args = vec![
            "translate",
            "--placement",
            "placement.yaml",
            "api.yaml",
            "web.yaml",
            "-o",
            "out",
        ];
        args.extend_from_slice(extra);
        run(d.path(), &args)
    };
    let ecs = format!("ecs={}", ecs_options());
    // An ECS caller of a Kubernetes workload dials its cluster DNS name, in its namespace.
    let o = translate(
        &placed("ecs", "kubernetes", ""),
        &["--target-options", &ecs, "-n", "shop"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let task = std::fs::read_to_string(d.path().join("out/ecs/web/task-definition.json")).unwrap();
    assert!(
        task.contains("http://api.shop.svc.cluster.local:80"),
        "{task}"
    );
    // A Kubernetes caller of an ECS workload dials its Cloud Map name in serviceConnectNamespace.
    let o = translate(
        &placed("kubernetes", "ecs", ""),
        &["--target-options", &ecs],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let m = std::fs::read_to_string(d.path().join("out/kubernetes/manifests.yaml")).unwrap();
    assert!(m.contains("http://api.shop.local:80"), "{m}");
    // Without that namespace, the error names the option.
    let o = translate(&placed("kubernetes", "ecs", ""), &[]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("`serviceConnectNamespace`"),
        "{}",
        stderr(&o)
    );
    // Nomad's dynamic ports cannot be dialled from elsewhere: the error names `staticPorts`;
    // a pattern in the placement overrides the address.
    let o = translate(&placed("kubernetes", "nomad", ""), &[]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("`staticPorts: true`"), "{}", stderr(&o));
    let o = translate(
        &placed(
            "kubernetes",
            "nomad",
            "serviceAddresses:\n  nomad: \"{service}.service.dc1.consul\"\n",
        ),
        &[],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let m = std::fs::read_to_string(d.path().join("out/kubernetes/manifests.yaml")).unwrap();
    assert!(m.contains("http://api-http.service.dc1.consul:80"), "{m}");
    // Both on one runtime: the target's own address, as a single-target translate gives it.
    let o = translate(&placed("kubernetes", "kubernetes", ""), &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let m = std::fs::read_to_string(d.path().join("out/kubernetes/manifests.yaml")).unwrap();
    assert!(m.contains("http://api:80"), "{m}");
}

#[test]
fn moving_a_workload_keeps_the_credentials_of_the_database_it_shares() {
    let d = scratch(&[
        ("orders.yaml", &shared_db("orders", "DB_PASSWORD")),
        ("payments.yaml", &shared_db("payments", "PG_PASSWORD")),
    ]);
    let password = |placement: &str, extra: &[&str]| {
        std::fs::write(d.path().join("placement.yaml"), placement).unwrap();
        let mut args = vec![
            "translate",
            "--placement",
            "placement.yaml",
            "orders.yaml",
            "payments.yaml",
            "-o",
            "out",
        ];
        args.extend_from_slice(extra);
        let o = run(d.path(), &args);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let m = std::fs::read_to_string(d.path().join("out/kubernetes/manifests.yaml")).unwrap();
        let i = m.find("password: ").unwrap();
        m[i..].lines().next().unwrap().to_string()
    };
    let ecs = format!("ecs={}", ecs_options());
    let all_k8s = password(
        "apiVersion: score-x.dev/v1\nkind: Placement\ndefault: kubernetes\n",
        &[],
    );
    let hybrid = password(
        "apiVersion: score-x.dev/v1\nkind: Placement\ndefault: kubernetes\nworkloads:\n  payments: ecs\ncrossRuntimeSecrets:\n  ecs: ssm\n",
        &["--target-options", &ecs],
    );
    assert_eq!(all_k8s, hybrid);
    assert!(all_k8s.len() > "password: ".len() + 16, "{all_k8s}");
}

#[test]
fn every_part_of_a_three_runtime_estate_passes_its_targets_validator() {
    use score_x_tests::validators::Validator;
    let placement = "apiVersion: score-x.dev/v1\nkind: Placement\nworkloads:\n  orders: kubernetes\n  payments: ecs\ncrossRuntimeSecrets:\n  ecs: ssm\n";
    let d = scratch(&[
        ("orders.yaml", &shared_db("orders", "DB_PASSWORD")),
        ("payments.yaml", &shared_db("payments", "PG_PASSWORD")),
        ("events.yaml", EVENTS),
        ("placement.yaml", placement),
    ]);
    let ecs = format!("ecs={}", ecs_options());
    let o = run(
        d.path(),
        &[
            "translate",
            "--placement",
            "placement.yaml",
            "orders.yaml",
            "payments.yaml",
            "events.yaml",
            "--target-options",
            &ecs,
            "-o",
            "out",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = d.path().join("out");
    if Validator::Kubernetes.available() {
        Validator::Kubernetes
            .run(&[&out.join("kubernetes/manifests.yaml")])
            .unwrap();
    }
    if Validator::Ecs.available() {
        Validator::Ecs.run(&[&out.join("ecs")]).unwrap();
    }
    if score_x_tests::nomad::available() {
        let mut bundle = score_x_core::Bundle::default();
        for (rel, bytes) in tree(&out.join("nomad")) {
            bundle.add(rel.display().to_string(), bytes);
        }
        assert!(!bundle.files.is_empty());
        score_x_tests::nomad::validate(&bundle).unwrap();
    }
}

#[test]
fn a_nomad_service_read_from_another_runtime_is_its_consul_name_and_its_port_an_error() {
    let placement = "apiVersion: score-x.dev/v1\nkind: Placement\nworkloads:\n  payments: ecs\nresources:\n  redis.default#payments.cache: nomad\n";
    let d = scratch(&[("payments.yaml", PAYMENTS), ("placement.yaml", placement)]);
    let ecs = format!("ecs={}", ecs_options());
    let args = [
        "translate",
        "--placement",
        "placement.yaml",
        "payments.yaml",
        "--target-options",
        &ecs,
        "-o",
        "out",
    ];
    let o = run(d.path(), &args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let task =
        std::fs::read_to_string(d.path().join("out/ecs/payments/task-definition.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&task).unwrap();
    let env = v["containerDefinitions"][0]["environment"]
        .as_array()
        .unwrap();
    let host = env.iter().find(|e| e["name"] == "CACHE_HOST").unwrap()["value"]
        .as_str()
        .unwrap();
    assert!(host.ends_with(".service.consul"), "{host}");
    assert!(d.path().join("out/nomad").is_dir());
    // Its port is allocated by Nomad at run time: an error, never a guess.
    let with_port = PAYMENTS.replace(
        "      CACHE_HOST:",
        "      CACHE_PORT: ${resources.cache.port}\n      CACHE_HOST:",
    );
    std::fs::write(d.path().join("payments.yaml"), with_port).unwrap();
    let o = run(d.path(), &args);
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert!(
        err.contains("reads the port of `redis.default#payments.cache`"),
        "{err}"
    );
}
