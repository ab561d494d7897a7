//! End to end, Score's `environment` resource with the default provisioners: every key a workload
//! reads (`${resources.env.DEBUG}`, …) becomes a secret reference the platform fills — Kubernetes
//! `secretKeyRef` into Secret `environmentSecret`, ECS `secrets[].valueFrom` from SSM parameter
//! `<environmentPrefix>/KEY`, listed in secrets-to-create.json — never a plain value. Drives
//! score_x_spec::load → ResourceGraph → provision → score_x_kubernetes::emit / score_x_ecs::emit
//! on an inline estate (two workloads sharing one environment) and on score-compose's
//! `02-environment` example from `../shared` (skipped with a notice when absent). Every bundle
//! goes through the real validators.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use score_x_core::graph::ResourceGraph;
use score_x_core::{Bundle, Diagnostics, Resolved, Target};
use score_x_provision::{CommandOutput, CommandRunner, Context, ProvisionerSet, State, provision};
use score_x_spec::{FileReader, SourceFile, load, render};
use score_x_tests::samples::{self, DirReader, shared};
use score_x_tests::validators::{assert_valid_bundle, assert_valid_manifests};
use serde_json::{Value as Json, json};

/// Two workloads share one environment (`id: shared-env`) under different names; `api` also
/// mixes a key into text, reads the explicitly declared plain outputs and puts a key in a file.
const API: &str = r#"
apiVersion: score.dev/v1b1
metadata:
  name: api
containers:
  main:
    image: ghcr.io/acme/api:1
    variables:
      DEBUG: ${resources.env.DEBUG}
      API_TOKEN: ${resources.env.API_TOKEN}
      UPSTREAM: "https://${resources.env.UPSTREAM_HOST}/v1"
      DEPLOYED_TO: ${resources.env.target}
      GREETING: hello
resources:
  env:
    type: environment
    id: shared-env
"#;

const WORKER: &str = r#"
apiVersion: score.dev/v1b1
metadata:
  name: worker
containers:
  main:
    image: ghcr.io/acme/worker:1
    variables:
      DEBUG: ${resources.config.DEBUG}
      QUEUE_URL: ${resources.config.QUEUE_URL}
resources:
  config:
    type: environment
    id: shared-env
"#;

/// Keys each workload reads from the environment (as secrets) and its plain variables.
const API_SECRET_KEYS: [&str; 2] = ["API_TOKEN", "DEBUG"];
const WORKER_SECRET_KEYS: [&str; 2] = ["DEBUG", "QUEUE_URL"];

struct Refuse;

impl FileReader for Refuse {
    fn read(&self, _: &str, path: &str) -> Result<Vec<u8>, String> {
        Err(format!("no file `{path}` in this test"))
    }
}

impl CommandRunner for Refuse {
    fn run(&self, p: &str, _: &[String], _: &[u8], _: Duration) -> Result<CommandOutput, String> {
        Err(format!("no command `{p}` in this test"))
    }
}

fn inline() -> Vec<SourceFile> {
    [("api.score.yaml", API), ("worker.score.yaml", WORKER)]
        .iter()
        .map(|(n, t)| SourceFile {
            name: n.to_string(),
            text: t.to_string(),
        })
        .collect()
}

fn ecs_options(extra: Json) -> Json {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ecs-options.yaml");
    let mut v: Json = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    if let (Json::Object(m), Json::Object(e)) = (&mut v, extra) {
        m.extend(e);
    }
    v
}

/// load → graph → provision with the target's defaults.
fn resolve(
    files: &[SourceFile],
    reader: &dyn FileReader,
    target: Target,
    options: &Json,
) -> (Resolved, Diagnostics) {
    let loaded = load(files, reader, &samples::load_options())
        .unwrap_or_else(|d| panic!("{}", render(&d.0, files, false)));
    let graph = ResourceGraph::build(&loaded.app)
        .unwrap_or_else(|d| panic!("{}", render(&d.0, files, false)));
    let mut set = ProvisionerSet::new();
    set.add_defaults(target).unwrap();
    let ctx = Context {
        target,
        options: options.clone(),
        runner: &Refuse,
    };
    provision(
        &loaded.app,
        &graph,
        &set,
        &mut State::new("provision-environment".into()),
        &ctx,
    )
    .unwrap_or_else(|d| panic!("{}", render(&d.0, files, false)))
}

fn kubernetes(files: &[SourceFile], reader: &dyn FileReader, options: Json) -> Vec<Json> {
    let (resolved, warnings) = resolve(files, reader, Target::KUBERNETES, &options);
    assert!(!warnings.has_errors());
    let opts: score_x_kubernetes::Options = serde_json::from_value(options).unwrap();
    let bundle = score_x_tests::planned::kubernetes(&resolved, &opts).unwrap();
    let yaml = String::from_utf8(bundle.files["manifests.yaml"].clone()).unwrap();
    assert_valid_manifests(&yaml);
    let mut docs = Vec::new();
    for d in serde_yaml::Deserializer::from_str(&yaml) {
        let v: Json = serde::Deserialize::deserialize(d).unwrap();
        if !v.is_null() {
            docs.push(v);
        }
    }
    docs
}

fn ecs(files: &[SourceFile], reader: &dyn FileReader, options: Json) -> Bundle {
    let (resolved, _) = resolve(files, reader, Target::ECS, &options);
    let opts: score_x_ecs::Options = serde_json::from_value(options).unwrap();
    let bundle = score_x_tests::planned::ecs(&resolved, &opts).unwrap();
    assert_valid_bundle(&bundle);
    bundle
}

/// The env list of the first container of workload `name`'s Deployment, by variable name.
fn k8s_env(docs: &[Json], name: &str) -> BTreeMap<String, Json> {
    let d = docs
        .iter()
        .find(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no Deployment {name} in {docs:#?}"));
    d["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap().to_string(), e.clone()))
        .collect()
}

/// Each key is a `secretKeyRef` to key KEY of `secret`, never a `value`.
fn assert_k8s_secret_refs(env: &BTreeMap<String, Json>, keys: &[&str], secret: &str) {
    for key in keys {
        let e = &env[*key];
        assert!(e.get("value").is_none(), "{key} has a plain value: {e}");
        assert_eq!(
            e["valueFrom"],
            json!({"secretKeyRef": {"name": secret, "key": key}}),
            "{key}"
        );
    }
}

/// No ConfigMap carries a variable of the environment.
fn assert_no_configmap_mentions(docs: &[Json], keys: &[&str]) {
    for d in docs.iter().filter(|d| d["kind"] == "ConfigMap") {
        for key in keys {
            assert!(d["data"].get(*key).is_none(), "{key} in ConfigMap {d}");
        }
    }
}

#[test]
fn kubernetes_reads_every_key_from_the_environment_secret() {
    let docs = kubernetes(&inline(), &Refuse, json!({"namespace": "shop"}));
    let api = k8s_env(&docs, "api");
    assert_k8s_secret_refs(&api, &API_SECRET_KEYS, "score-x-environment");
    assert_k8s_secret_refs(
        &k8s_env(&docs, "worker"),
        &WORKER_SECRET_KEYS,
        "score-x-environment",
    );
    assert_eq!(api["DEPLOYED_TO"]["value"], "kubernetes");
    assert_eq!(api["GREETING"]["value"], "hello");
    // A key mixed into text is composed from a secretKeyRef, not written out.
    let upstream = &api["UPSTREAM"];
    let composed = upstream["value"].as_str().unwrap();
    assert!(
        composed.starts_with("https://$(") && composed.ends_with(")/v1"),
        "{upstream}"
    );
    let helper = composed
        .trim_start_matches("https://$(")
        .trim_end_matches(")/v1");
    assert_eq!(
        api[helper]["valueFrom"],
        json!({"secretKeyRef": {"name": "score-x-environment", "key": "UPSTREAM_HOST"}})
    );
    assert_no_configmap_mentions(&docs, &["API_TOKEN", "DEBUG", "QUEUE_URL", "UPSTREAM_HOST"]);
    // The platform creates the Secret: score-x emits none.
    assert!(!docs.iter().any(|d| d["kind"] == "Secret"), "{docs:#?}");
}

#[test]
fn kubernetes_secret_name_is_a_target_option() {
    let docs = kubernetes(&inline(), &Refuse, json!({"environmentSecret": "shop-env"}));
    assert_k8s_secret_refs(&k8s_env(&docs, "api"), &API_SECRET_KEYS, "shop-env");
    assert_k8s_secret_refs(&k8s_env(&docs, "worker"), &WORKER_SECRET_KEYS, "shop-env");
}

fn task_container(b: &Bundle, workload: &str) -> Json {
    let td: Json =
        serde_json::from_slice(&b.files[&format!("{workload}/task-definition.json")]).unwrap();
    td["containerDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "main")
        .unwrap_or_else(|| panic!("no container main in {td}"))
        .clone()
}

/// name → valueFrom of `secrets`, and the names of `environment`.
fn ecs_vars(c: &Json) -> (BTreeMap<String, String>, BTreeSet<String>) {
    let list = |k: &str| c[k].as_array().cloned().unwrap_or_default();
    let secrets = list("secrets")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["valueFrom"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let env = list("environment")
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    (secrets, env)
}

/// The entries of secrets-to-create.json by name.
fn to_create(b: &Bundle) -> BTreeMap<String, Json> {
    let v: Json = serde_json::from_slice(&b.files["secrets-to-create.json"]).unwrap();
    v["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap().to_string(), s.clone()))
        .collect()
}

fn assert_ecs_secret_refs(b: &Bundle, workload: &str, keys: &[&str], prefix: &str) {
    let (secrets, env) = ecs_vars(&task_container(b, workload));
    let created = to_create(b);
    for key in keys {
        let param = format!("{prefix}/{key}");
        assert_eq!(secrets.get(*key), Some(&param), "{workload}: {secrets:?}");
        assert!(
            !env.contains(*key),
            "{workload}: {key} is a plain environment entry"
        );
        let entry = created
            .get(&param)
            .unwrap_or_else(|| panic!("{param} not in secrets-to-create.json: {created:#?}"));
        assert_eq!(entry["type"], "SecureString", "{entry}");
        assert!(
            entry["usedBy"]
                .as_array()
                .unwrap()
                .contains(&json!(workload)),
            "{entry}"
        );
    }
}

#[test]
fn ecs_reads_every_key_from_an_ssm_parameter_the_platform_creates() {
    let b = ecs(&inline(), &Refuse, ecs_options(json!({})));
    assert_ecs_secret_refs(&b, "api", &API_SECRET_KEYS, "/score-x/environment");
    assert_ecs_secret_refs(&b, "worker", &WORKER_SECRET_KEYS, "/score-x/environment");
    let (secrets, env) = ecs_vars(&task_container(&b, "api"));
    assert!(
        env.contains("DEPLOYED_TO") && env.contains("GREETING"),
        "{env:?}"
    );
    // A key mixed into text is delivered as a secret too (promoted by default), never as text.
    assert!(secrets.contains_key("UPSTREAM"), "{secrets:?}");
    assert!(!env.contains("UPSTREAM"));
    let created = to_create(&b);
    assert!(created.contains_key("/score-x/environment/UPSTREAM_HOST"));
    assert_eq!(
        created["/score-x/environment/DEBUG"]["resources"],
        json!(["environment.default#shared-env"])
    );
    // Nothing else of the environment is requested from the platform.
    let env_params: Vec<&String> = created
        .keys()
        .filter(|k| k.starts_with("/score-x/environment/"))
        .collect();
    assert_eq!(
        env_params,
        [
            "/score-x/environment/API_TOKEN",
            "/score-x/environment/DEBUG",
            "/score-x/environment/QUEUE_URL",
            "/score-x/environment/UPSTREAM_HOST"
        ]
    );
}

#[test]
fn ecs_parameter_prefix_is_a_target_option() {
    let b = ecs(
        &inline(),
        &Refuse,
        ecs_options(json!({"environmentPrefix": "/shop/prod/env"})),
    );
    assert_ecs_secret_refs(&b, "api", &API_SECRET_KEYS, "/shop/prod/env");
    assert_ecs_secret_refs(&b, "worker", &WORKER_SECRET_KEYS, "/shop/prod/env");
}

#[test]
fn translation_is_byte_identical_across_runs_and_file_order() {
    let mut reversed = inline();
    reversed.reverse();
    for target in [Target::KUBERNETES, Target::ECS] {
        let options = match target {
            Target::ECS => ecs_options(json!({})),
            _ => json!({}),
        };
        let a = serde_json::to_string(&resolve(&inline(), &Refuse, target, &options).0).unwrap();
        let b = serde_json::to_string(&resolve(&inline(), &Refuse, target, &options).0).unwrap();
        let c = serde_json::to_string(&resolve(&reversed, &Refuse, target, &options).0).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
    }
}

/// score-compose's `02-environment` example: `NAME` comes from the environment.
#[test]
fn score_compose_environment_example_translates_on_both_targets() {
    let Some(shared) = shared() else { return };
    let dir = samples::root(&shared).join("score-compose/examples/02-environment");
    let path = dir.join("score.yaml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln_notice(&path);
        return;
    };
    let files = vec![SourceFile {
        name: "score-compose/examples/02-environment/score.yaml".into(),
        text,
    }];
    let reader = DirReader(dir);

    let docs = kubernetes(&files, &reader, json!({}));
    let env = k8s_env(&docs, "hello-world");
    assert_k8s_secret_refs(&env, &["NAME"], "score-x-environment");
    assert_eq!(env["GREETING"]["value"], "Hello");
    assert_eq!(env["WORKLOAD_NAME"]["value"], "hello-world");
    assert_no_configmap_mentions(&docs, &["NAME"]);

    let b = ecs(&files, &reader, ecs_options(json!({})));
    let td: Json = serde_json::from_slice(&b.files["hello-world/task-definition.json"]).unwrap();
    let c = &td["containerDefinitions"][0];
    let (secrets, plain) = ecs_vars(c);
    assert_eq!(
        secrets.get("NAME").map(String::as_str),
        Some("/score-x/environment/NAME")
    );
    assert!(
        !plain.contains("NAME") && plain.contains("GREETING"),
        "{plain:?}"
    );
    assert!(to_create(&b).contains_key("/score-x/environment/NAME"));
}

#[allow(clippy::print_stderr)]
fn eprintln_notice(path: &Path) {
    eprintln!("notice: {} is absent; skipping", path.display());
}
