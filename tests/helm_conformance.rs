//! Helm end to end, with the real `helm` v4 (tests/conformance/install-helm.sh): Score files →
//! provision with the defaults of the helm target (the Kubernetes ones) → the CLI's back half
//! (`emit_checked`: capability check, emit, leak check) → `helm lint --strict` of the umbrella
//! and of every workload chart → `helm template` of the umbrella compared with
//! `--target kubernetes` on the same model and run through the strict Kubernetes validator; an
//! override values file changes exactly what it names; `values.schema.json` rejects wrong
//! types and unknown keys. Estates: a rich one with a shared database, the shared samples and
//! the seed examples.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use score_x_core::driver::{AnyBackend, Entry, emit_checked};
use score_x_core::graph::ResourceGraph;
use score_x_core::plan::Plan;
use score_x_core::{Bundle, Resolved, Target};
use score_x_provision::{Context, Origin, ProvisionerSet, State, provision};
use score_x_spec::{SourceFile, load};
use score_x_tests::gateway_api;
use score_x_tests::helm::{binary, lint, objects, template, write};
use score_x_tests::pipeline::{NoCommands, resolve_with_defaults};
use score_x_tests::samples::{self, DirReader, SCHEMA_SAMPLES, shared};
use score_x_tests::seed::{seed_examples, seed_file, seed_reader};
use score_x_tests::validators::assert_valid_manifests;
use serde_json::{Value as Json, json};

/// The back half the CLI runs for `--target helm`.
fn emit(resolved: &Resolved, options: &Json) -> Bundle {
    let flags = options.as_object().cloned().unwrap_or_default();
    let prepared = Entry::<score_x_helm::Helm>::new()
        .prepare(None, flags)
        .unwrap_or_else(|d| panic!("options: {d:?}"));
    let plan = Plan::of_resolved(resolved).unwrap_or_else(|d| panic!("plan: {d:?}"));
    let checked =
        emit_checked(&*prepared, resolved, &plan).unwrap_or_else(|d| panic!("emit failed: {d:?}"));
    let b = checked.bundle;
    assert_eq!(
        b,
        emit_checked(&*prepared, resolved, &plan).unwrap().bundle,
        "output differs run to run"
    );
    b
}

/// `--target kubernetes` on the same model, as comparable objects.
fn kubernetes(
    resolved: &Resolved,
    namespace: Option<&str>,
) -> BTreeMap<(String, String, String), Json> {
    let opts = score_x_kubernetes::Options {
        namespace: namespace.map(String::from),
        ..Default::default()
    };
    let b = score_x_tests::planned::kubernetes(resolved, &opts).unwrap();
    objects(std::str::from_utf8(&b.files[score_x_kubernetes::MANIFESTS]).unwrap())
}

/// The chart directories of a written bundle: the umbrella first, then each workload chart.
fn charts(root: &Path, chart: &str) -> Vec<PathBuf> {
    let mut out = vec![root.join(chart)];
    if let Ok(rd) = std::fs::read_dir(root.join(chart).join("charts")) {
        let mut subs: Vec<PathBuf> = rd.map(|e| e.unwrap().path()).collect();
        subs.sort();
        out.extend(subs);
    }
    out
}

/// Lint every chart, render the umbrella, validate it, compare it with the Kubernetes target.
fn check(
    what: &str,
    helm: &Path,
    resolved: &Resolved,
    b: &Bundle,
    chart: &str,
    ns: Option<&str>,
) -> String {
    let dir = write(b);
    let mut alone = String::new();
    for (i, c) in charts(dir.path(), chart).iter().enumerate() {
        lint(helm, c, None).unwrap_or_else(|e| panic!("{what}: {e}"));
        if i > 0 {
            // Each workload chart renders on its own, to valid objects.
            let r = template(helm, "alone", c, None).unwrap_or_else(|e| panic!("{what}: {e}"));
            alone.push_str(&r);
        }
    }
    if !alone.is_empty() {
        assert_valid_manifests(&alone);
    }
    let rendered = template(helm, "any-release-name", &dir.path().join(chart), None)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_valid_manifests(&rendered);
    let got = objects(&rendered);
    let want = kubernetes(resolved, ns);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{what}: not the same objects"
    );
    for (k, v) in &want {
        assert_eq!(&got[k], v, "{what}: {k:?} differs from --target kubernetes");
    }
    for (path, bytes) in &b.files {
        if path.ends_with("values.yaml") {
            assert!(
                !b.secret_store.contains_key(path),
                "{path} marked as secret store"
            );
            assert!(!b.secret_files.contains(path), "{path} holds a secret");
            assert!(!bytes.is_empty(), "{path} is empty");
        }
    }
    rendered
}

const API: &str = r#"
apiVersion: score.dev/v1b1
metadata:
  name: api
  annotations:
    team.acme.io/owner: orders
service:
  ports:
    http: { port: 80, targetPort: 8080 }
containers:
  main:
    image: registry.acme.io:5000/orders/api:1.4.2
    variables:
      DB_HOST: ${resources.db.host}
      DB_PASSWORD: ${resources.db.password}
      GREETING: "hello {{ .Values.not_a_value }}"
      PORT: "8080"
      CACHE_PASSWORD: ${resources.cache.password}
      DB_URL: postgres://${resources.db.host}:${resources.db.port}/${resources.db.database}
      CMD: $(echo ${resources.db.host})
    files:
      /etc/api/config.tmpl:
        content: |
          listen: {{ .Port }}
          db: ${resources.db.host}
    resources:
      requests: { cpu: 100m, memory: 128Mi }
      limits: { memory: 256Mi }
    readinessProbe:
      httpGet: { path: /ready, port: 8080 }
resources:
  db:
    type: postgres
    id: orders-db
  cache:
    type: redis
  web:
    type: route
    params: { host: api.acme.io, path: /api, port: http }
"#;

const WORKER: &str = r#"
apiVersion: score.dev/v1b1
metadata:
  name: worker
containers:
  worker:
    image: ghcr.io/acme/worker@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    variables:
      DB_HOST: ${resources.orders.host}
      DB_PASSWORD: ${resources.orders.password}
      API: http://${resources.api.hostname}:${resources.api.port}
resources:
  orders:
    type: postgres
    id: orders-db
  api:
    type: service-port
    params: { workload: api, port: http }
"#;

fn rich() -> (Resolved, Bundle) {
    let resolved = resolve_with_defaults(
        Target::HELM,
        &[("api.yaml", API), ("worker.yaml", WORKER)],
        json!({}),
    )
    .unwrap_or_else(|e| panic!("provisioning failed:\n{e}"));
    let b = emit(&resolved, &json!({"chartName": "shop"}));
    (resolved, b)
}

fn text(b: &Bundle, path: &str) -> String {
    String::from_utf8(
        b.files
            .get(path)
            .unwrap_or_else(|| panic!("no {path}"))
            .clone(),
    )
    .unwrap()
}

#[test]
fn rich_estate_lints_renders_like_kubernetes_and_keeps_the_shared_database_once() {
    let (resolved, b) = rich();
    let Some(helm) = binary() else { return };
    let rendered = check("rich estate", &helm, &resolved, &b, "shop", None);
    // The shared database: its objects once, in the umbrella.
    let pg: Vec<&String> = b
        .files
        .keys()
        .filter(|f| f.contains("pg-orders-db"))
        .collect();
    assert!(!pg.is_empty());
    assert!(
        pg.iter().all(|f| f.starts_with("shop/templates/")),
        "{pg:?}"
    );
    // A resource only the api uses: in the api's chart, its Secret kept with `lookup` there.
    let redis: Vec<&String> = b
        .files
        .keys()
        .filter(|f| f.contains("/templates/secret-redis-api-cache"))
        .collect();
    assert_eq!(redis.len(), 1, "{redis:?}");
    assert!(
        redis[0].starts_with("shop/charts/api/templates/"),
        "{redis:?}"
    );
    assert!(b.secret_store.contains_key(redis[0].as_str()));
    // User text with `{{` comes out verbatim.
    assert!(rendered.contains("listen: {{ .Port }}"), "{rendered}");
    assert!(
        rendered.contains("hello {{ .Values.not_a_value }}"),
        "{rendered}"
    );
    // Image values: registry port kept, digest split off.
    let api = text(&b, "shop/charts/api/values.yaml");
    assert!(
        api.contains("repository: registry.acme.io:5000/orders/api\n"),
        "{api}"
    );
    assert!(
        api.contains("tag: '1.4.2'\n") || api.contains("tag: 1.4.2\n"),
        "{api}"
    );
    let worker = text(&b, "shop/charts/worker/values.yaml");
    assert!(
        worker.contains("digest: sha256:0123456789abcdef"),
        "{worker}"
    );
    // The generated password: in the Secret template (kept with `lookup`), never in values.
    let secret = text(&b, "shop/templates/secret-pg-orders-db.yaml");
    assert!(secret.contains("lookup \"v1\" \"Secret\""), "{secret}");
    assert!(
        b.secret_store
            .contains_key("shop/templates/secret-pg-orders-db.yaml")
    );
    let k = kubernetes(&resolved, None);
    let pw = k[&(
        "Secret".to_string(),
        String::new(),
        "pg-orders-db".to_string(),
    )]["stringData"]["password"]
        .as_str()
        .unwrap()
        .to_string();
    for (path, bytes) in &b.files {
        if path != "shop/templates/secret-pg-orders-db.yaml" {
            assert!(
                !String::from_utf8_lossy(bytes).contains(&pw),
                "password in {path}"
            );
        }
    }
    let chart = text(&b, "shop/Chart.yaml");
    assert!(
        chart.contains("apiVersion: v2\n") && chart.contains("appVersion: \"0.1.0\"\n"),
        "{chart}"
    );
}

#[test]
fn each_workload_chart_renders_on_its_own() {
    let (_, b) = rich();
    let Some(helm) = binary() else { return };
    let dir = write(&b);
    let r = template(&helm, "x", &dir.path().join("shop/charts/api"), None).unwrap();
    assert_valid_manifests(&r);
    let o = objects(&r);
    assert!(
        o.contains_key(&("Deployment".into(), String::new(), "api".into())),
        "{r}"
    );
}

type Objects = BTreeMap<(String, String, String), Json>;

fn key(kind: &str, name: &str) -> (String, String, String) {
    (kind.to_string(), String::new(), name.to_string())
}

/// The env entry `name` of the first container of Deployment `d`.
fn env_of<'a>(objects: &'a mut Objects, d: &str, name: &str) -> &'a mut Json {
    let dep = objects.get_mut(&key("Deployment", d)).unwrap();
    let env = dep["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array_mut()
        .unwrap();
    env.iter_mut().find(|e| e["name"] == name).unwrap()
}

/// `helm template` of the rich estate's umbrella with the values file `values` (text).
fn render_with(values: &str) -> Objects {
    let (_, b) = rich();
    let helm = binary().unwrap();
    let dir = write(&b);
    let f = dir.path().join("values-env.yaml");
    std::fs::write(&f, values).unwrap();
    let chart = dir.path().join("shop");
    lint(&helm, &chart, Some(&f)).unwrap_or_else(|e| panic!("{e}"));
    let r = template(&helm, "env", &chart, Some(&f)).unwrap_or_else(|e| panic!("{e}"));
    assert_valid_manifests(&r);
    objects(&r)
}

#[test]
fn an_override_values_file_changes_exactly_what_it_names() {
    let (resolved, _) = rich();
    if binary().is_none() {
        return;
    }
    let got = render_with(
        "api:\n  replicaCount: 3\n  containers:\n    main:\n      image:\n        tag: \"2.0.0\"\n      env:\n        PORT: 9090\n  resources:\n    db:\n      host: db.prod.internal\n      port: 6543\nworker:\n  resources:\n    api:\n      port: 8081\n",
    );
    let mut want = kubernetes(&resolved, None);
    let d = want.get_mut(&key("Deployment", "api")).unwrap();
    d["spec"]["replicas"] = json!(3);
    let main = &mut d["spec"]["template"]["spec"]["containers"][0];
    main["image"] = json!("registry.acme.io:5000/orders/api:2.0.0");
    *env_of(&mut want, "api", "PORT") = json!({"name": "PORT", "value": "9090"});
    // Late-bound resource outputs: every variable using them follows, whole or mixed.
    let host = env_of(&mut want, "api", "DB_HOST")["value"]
        .as_str()
        .unwrap()
        .to_string();
    env_of(&mut want, "api", "DB_HOST")["value"] = json!("db.prod.internal");
    env_of(&mut want, "api", "CMD")["value"] = json!("$$(echo db.prod.internal)");
    let url = env_of(&mut want, "api", "DB_URL")["value"]
        .as_str()
        .unwrap()
        .to_string();
    let database = url.rsplit('/').next().unwrap().to_string();
    assert!(url.starts_with(&format!("postgres://{host}:")), "{url}");
    env_of(&mut want, "api", "DB_URL")["value"] =
        json!(format!("postgres://db.prod.internal:6543/{database}"));
    let api = env_of(&mut want, "worker", "API")["value"]
        .as_str()
        .unwrap()
        .to_string();
    let (base, _) = api.rsplit_once(':').unwrap();
    env_of(&mut want, "worker", "API")["value"] = json!(format!("{base}:8081"));
    // The worker's own DB_HOST reads the worker chart's values: unchanged.
    assert_eq!(got, want);
}

#[test]
fn late_bound_outputs_are_values_and_secrets_never_are() {
    let (_, b) = rich();
    let api = text(&b, "shop/charts/api/values.yaml");
    assert!(api.contains("resources:\n  db:\n"), "{api}");
    assert!(api.contains("    host: "), "{api}");
    assert!(
        !api.contains("password"),
        "a secret output in values: {api}"
    );
    assert!(
        !api.contains("DB_HOST"),
        "a late-bound variable is not an env value: {api}"
    );
    let dep = text(&b, "shop/charts/api/templates/deployment-api.yaml");
    assert!(
        dep.contains(r#"include "api.env" (list "postgres://" (index .Values.resources "db" "host") ":" (index .Values.resources "db" "port") "/" (index .Values.resources "db" "database")) | toJson"#),
        "{dep}"
    );
    let schema: Json =
        serde_json::from_str(&text(&b, "shop/charts/api/values.schema.json")).unwrap();
    assert_eq!(
        schema["properties"]["resources"]["properties"]["db"]["additionalProperties"],
        false
    );
}

#[test]
fn routes_are_switched_and_overridden_by_values() {
    let (resolved, b) = rich();
    if binary().is_none() {
        return;
    }
    let routes: Vec<&String> = b
        .files
        .keys()
        .filter(|f| f.contains("httproute-"))
        .collect();
    assert_eq!(routes.len(), 1, "{routes:?}");
    assert!(
        routes[0].starts_with("shop/charts/api/templates/"),
        "{routes:?}"
    );
    let name = routes[0]
        .trim_start_matches("shop/charts/api/templates/httproute-")
        .trim_end_matches(".yaml")
        .to_string();
    let mut want = kubernetes(&resolved, None);
    let route = key("HTTPRoute", &name);
    assert!(want.contains_key(&route), "{name}");
    // Off: exactly the HTTPRoute is gone.
    let got = render_with("api:\n  httpRoute:\n    enabled: false\n");
    let mut without = want.clone();
    without.remove(&route);
    assert_eq!(got, without);
    // Hosts and path overridden: exactly those fields change.
    let got = render_with(&format!(
        "api:\n  httpRoute:\n    routes:\n      {name}:\n        hostnames: [api.prod.acme.io]\n        path: /v2\n"
    ));
    let r = want.get_mut(&route).unwrap();
    r["spec"]["hostnames"] = json!(["api.prod.acme.io"]);
    r["spec"]["rules"][0]["matches"][0]["path"]["value"] = json!("/v2");
    assert_eq!(got, want);
}

/// Replace every reference to Secret `from` (secretKeyRef, secretRef, secretName) by `to`.
fn rename_secret_refs(v: &mut Json, parent: &str, from: &str, to: &str) {
    match v {
        Json::Object(m) => {
            for (k, x) in m.iter_mut() {
                let is_ref = k == "secretName"
                    || (k == "name" && matches!(parent, "secretKeyRef" | "secretRef" | "secret"));
                if is_ref && x == from {
                    *x = json!(to);
                } else {
                    rename_secret_refs(x, k, from, to);
                }
            }
        }
        Json::Array(a) => a
            .iter_mut()
            .for_each(|x| rename_secret_refs(x, parent, from, to)),
        _ => {}
    }
}

/// The name of the api's cache Secret (generated by the redis provisioner).
fn redis_secret(b: &Bundle) -> String {
    let prefix = "shop/charts/api/templates/secret-redis-api-cache";
    let f = b.files.keys().find(|f| f.starts_with(prefix)).unwrap();
    f.trim_start_matches("shop/charts/api/templates/secret-")
        .trim_end_matches(".yaml")
        .to_string()
}

/// The pod template annotation `key` of Deployment `d`.
fn pod_annotation(
    objects: &BTreeMap<(String, String, String), Json>,
    d: &str,
    key: &str,
) -> String {
    objects[&(String::from("Deployment"), String::new(), d.to_string())]["spec"]["template"]
        ["metadata"]["annotations"][key]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn an_existing_secret_replaces_the_generated_one_and_pods_carry_checksums() {
    let (resolved, b) = rich();
    let Some(helm) = binary() else { return };
    let dir = write(&b);
    let chart = dir.path().join("shop");
    let raw = template(&helm, "x", &chart, None).unwrap();
    let plain = objects_with_checksums(&raw);
    let sum = pod_annotation(&plain, "api", "checksum/secret");
    assert_eq!(sum.len(), 64, "{sum}");
    assert!(sum.bytes().all(|c| c.is_ascii_hexdigit()), "{sum}");
    assert_eq!(pod_annotation(&plain, "api", "checksum/config").len(), 64);
    // The same content gives the same checksum, whatever the release is called.
    let again = objects_with_checksums(&template(&helm, "y", &chart, None).unwrap());
    assert_eq!(pod_annotation(&again, "api", "checksum/secret"), sum);

    let redis = redis_secret(&b);
    let values = format!("api:\n  secrets:\n    {redis}:\n      existingSecret: team-redis\n");
    let got = render_with(&values);
    let mut want = kubernetes(&resolved, None);
    assert!(want.remove(&key("Secret", &redis)).is_some());
    let before = want.clone();
    for o in want.values_mut() {
        rename_secret_refs(o, "", &redis, "team-redis");
    }
    assert_ne!(before, want, "nothing referenced the Secret");
    assert_eq!(got, want);
    // Without the generated Secret the checksum changes: pods roll when their Secret does.
    let f = dir.path().join("existing.yaml");
    std::fs::write(&f, values).unwrap();
    let with = objects_with_checksums(&template(&helm, "x", &chart, Some(&f)).unwrap());
    assert_ne!(pod_annotation(&with, "api", "checksum/secret"), sum);
}

#[test]
fn a_global_existing_secret_replaces_a_shared_secret_in_every_chart() {
    let (resolved, b) = rich();
    if binary().is_none() {
        return;
    }
    let values = "global:\n  secrets:\n    pg-orders-db:\n      existingSecret: team-pg\n";
    let got = render_with(values);
    let mut want = kubernetes(&resolved, None);
    assert!(want.remove(&key("Secret", "pg-orders-db")).is_some());
    let before = want.clone();
    for o in want.values_mut() {
        rename_secret_refs(o, "", "pg-orders-db", "team-pg");
    }
    // The api's and the worker's Deployments (other charts) follow, as does the database.
    for d in ["api", "worker"] {
        assert_ne!(
            before[&key("Deployment", d)],
            want[&key("Deployment", d)],
            "{d}"
        );
    }
    assert_eq!(got, want);
    let umbrella = text(&b, "shop/values.yaml");
    assert!(
        umbrella.contains("global:\n  secrets:\n    pg-orders-db:\n      existingSecret: ''\n"),
        "{umbrella}"
    );
}

/// `helm template` output by object, the checksum annotations kept.
fn objects_with_checksums(stream: &str) -> BTreeMap<(String, String, String), Json> {
    let mut out = BTreeMap::new();
    for doc in serde_yaml::Deserializer::from_str(stream) {
        let v: serde_yaml::Value = serde::Deserialize::deserialize(doc).unwrap();
        if v.is_null() {
            continue;
        }
        let j: Json = serde_json::to_value(v).unwrap();
        let s = |p: &str| {
            j.pointer(p)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_string()
        };
        out.insert(
            (s("/kind"), s("/metadata/namespace"), s("/metadata/name")),
            j.clone(),
        );
    }
    out
}

#[test]
fn http_routes_of_both_targets_pass_the_gateway_api_models() {
    let (resolved, b) = rich();
    let Some(helm) = binary() else { return };
    let dir = write(&b);
    let rendered = template(&helm, "x", &dir.path().join("shop"), None).unwrap();
    let opts = score_x_kubernetes::Options::default();
    let k = score_x_tests::planned::kubernetes(&resolved, &opts).unwrap();
    let manifests = String::from_utf8(k.files[score_x_kubernetes::MANIFESTS].clone()).unwrap();
    for stream in [&rendered, &manifests] {
        assert_eq!(gateway_api::routes(stream).len(), 1);
        if gateway_api::available() {
            assert_eq!(gateway_api::assert_valid_routes(stream), 1);
        }
    }
    if !gateway_api::available() {
        return;
    }
    // The checker can fail: a route with a bad host name and a port of the wrong type.
    let mut bad = gateway_api::routes(&manifests).remove(0);
    bad["spec"]["hostnames"] = json!(["Not A Host"]);
    bad["spec"]["rules"][0]["backendRefs"][0]["port"] = json!("http");
    let e = gateway_api::validate(&[bad]).unwrap_err();
    assert!(e.contains("hostnames/0") && e.contains("port"), "{e}");
}

#[test]
fn name_overrides_and_release_names() {
    let (_, b) = rich();
    let Some(helm) = binary() else { return };
    let dir = write(&b);
    let chart = dir.path().join("shop");
    // Any release name: the Kubernetes target's names.
    let a = objects(&template(&helm, "one", &chart, None).unwrap());
    let c = objects(&template(&helm, "two", &chart, None).unwrap());
    assert_eq!(a, c);
    // fullnameOverride renames the workload's objects and the references to them.
    let values = dir.path().join("rename.yaml");
    std::fs::write(&values, "api:\n  fullnameOverride: orders\n").unwrap();
    let r = objects(&template(&helm, "x", &chart, Some(&values)).unwrap());
    let d = &r[&(
        "Deployment".to_string(),
        String::new(),
        "orders".to_string(),
    )];
    let vols = d["spec"]["template"]["spec"]["volumes"].to_string();
    assert!(
        vols.contains("orders-files") || !vols.contains("api-files"),
        "{vols}"
    );
    assert!(r.contains_key(&("Service".to_string(), String::new(), "orders".to_string())));
}

#[test]
fn the_values_schema_rejects_wrong_types_and_unknown_keys() {
    let (_, b) = rich();
    let Some(helm) = binary() else { return };
    let dir = write(&b);
    let chart = dir.path().join("shop");
    for (bad, needle) in [
        ("api:\n  replicaCount: three\n", "replicaCount"),
        ("api:\n  replicas: 2\n", "replicas"),
        (
            "api:\n  containers:\n    main:\n      image:\n        repository: 5\n",
            "repository",
        ),
        (
            "api:\n  containers:\n    main:\n      resources:\n        limits:\n          memory: lots\n",
            "memory",
        ),
        ("api:\n  service:\n    type: Public\n", "type"),
        ("api:\n  httpRoute:\n    enabled: \"yes\"\n", "enabled"),
        ("api:\n  resources:\n    db:\n      host: {a: 1}\n", "host"),
        (
            "api:\n  resources:\n    db:\n      password: hunter2\n",
            "password",
        ),
        (
            &format!(
                "api:\n  secrets:\n    {}:\n      existingSecret: 5\n",
                redis_secret(&b)
            ),
            "existingSecret",
        ),
    ] {
        let f = dir.path().join("bad.yaml");
        std::fs::write(&f, bad).unwrap();
        let e = lint(&helm, &chart, Some(&f)).expect_err(bad);
        assert!(e.contains(needle), "{bad}: {e}");
    }
}

#[test]
fn a_namespace_option_reaches_every_object() {
    let resolved = resolve_with_defaults(
        Target::HELM,
        &[("api.yaml", API), ("worker.yaml", WORKER)],
        json!({"namespace": "shop"}),
    )
    .unwrap();
    let b = emit(&resolved, &json!({"namespace": "shop"}));
    let Some(helm) = binary() else { return };
    check("namespaced", &helm, &resolved, &b, "estate", Some("shop"));
}

fn fixture(rel: &str) -> SourceFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    SourceFile {
        name: format!("tests/{rel}"),
        text: std::fs::read_to_string(&path).unwrap(),
    }
}

fn resolve_case(files: &[SourceFile], reader: &DirReader, before: &[&str]) -> Resolved {
    let loaded =
        load(files, reader, &samples::load_options()).unwrap_or_else(|d| panic!("load: {d:?}"));
    let graph = ResourceGraph::build(&loaded.app).unwrap_or_else(|d| panic!("graph: {d:?}"));
    let mut set = ProvisionerSet::new();
    for rel in before {
        let f = fixture(rel);
        set.add_file(&f.name, &f.text, Origin::User(f.name.clone()))
            .unwrap();
    }
    set.add_defaults(Target::HELM).unwrap();
    let f = fixture("fixtures/exotic-provisioners.yaml");
    set.add_file(&f.name, &f.text, Origin::User(f.name.clone()))
        .unwrap();
    let mut state = State::new("helm-conformance-seed".into());
    let ctx = Context {
        target: Target::HELM,
        options: json!({}),
        runner: &NoCommands,
    };
    provision(&loaded.app, &graph, &set, &mut state, &ctx)
        .map(|(r, _)| r)
        .unwrap_or_else(|d| panic!("provision: {d:?}"))
}

#[test]
fn samples_and_seed_examples_chart_like_kubernetes() {
    let Some(shared) = shared() else { return };
    let Some(helm) = binary() else { return };
    let mut n = 0;
    for d in samples::sample_dirs(&samples::root(&shared)).unwrap() {
        if d.rel == SCHEMA_SAMPLES {
            continue;
        }
        let resolved = resolve_case(&d.files, &d.reader(), &[]);
        let b = emit(&resolved, &json!({}));
        check(&d.rel, &helm, &resolved, &b, "estate", None);
        n += 1;
    }
    for (name, v) in seed_examples(&shared).unwrap() {
        let resolved = resolve_case(
            &[seed_file(&name, &v)],
            &seed_reader(),
            &["fixtures/seed-class-provisioners.yaml"],
        );
        let b = emit(&resolved, &json!({}));
        check(
            &format!("seed/{name}"),
            &helm,
            &resolved,
            &b,
            "estate",
            None,
        );
        n += 1;
    }
    assert!(n > 5, "only {n} estates");
}

/// The paths of every leaf (and empty map or list) of a values document.
fn value_paths(v: &Json, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Json::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                path.push(k.clone());
                value_paths(x, path, out);
                path.pop();
            }
        }
        _ => out.push(path.clone()),
    }
}

/// True when `schema` has a node for the value at `path`: through `properties`, open maps
/// (`additionalProperties`) and local references (`#/definitions/…`), or inside a value whose
/// content Kubernetes types (an object schema without `properties`).
fn schema_types(schema: &Json, path: &[&str]) -> bool {
    let mut node = schema;
    for seg in path {
        if let Some(r) = node.get("$ref").and_then(Json::as_str) {
            node = schema
                .pointer(r.strip_prefix('#').unwrap())
                .unwrap_or_else(|| panic!("{r}: no such definition"));
        }
        node = match (node.get("properties"), node.get("additionalProperties")) {
            (Some(p), _) if p.get(seg).is_some() => &p[seg],
            (_, Some(a)) if a.is_object() => a,
            (None, None) if node["type"] == "object" => return true,
            _ => return false,
        };
    }
    true
}

#[test]
fn every_value_of_every_chart_is_in_the_values_reference() {
    let (_, b) = rich();
    let mut n = 0;
    for (file, bytes) in &b.files {
        let Some(dir) = file.strip_suffix("/values.yaml") else {
            continue;
        };
        let workload = dir.contains("/charts/");
        let v: Json = serde_yaml::from_slice(bytes).unwrap();
        let mut paths = Vec::new();
        value_paths(&v, &mut Vec::new(), &mut paths);
        let schema_json: Json =
            serde_json::from_str(&text(&b, &format!("{dir}/values.schema.json"))).unwrap();
        for p in paths {
            let p: Vec<&str> = p.iter().map(String::as_str).collect();
            assert!(
                schema_types(&schema_json, &p),
                "{file}: `{}` has no schema (through its definitions)",
                p.join(".")
            );
            assert!(
                score_x_helm::reference::documents(workload, &p),
                "{file}: `{}` is not in the values reference (backends/score-x-helm/src/reference.rs)",
                p.join(".")
            );
            n += 1;
        }
        // The schema carries the reference's descriptions.
        let schema = text(&b, &format!("{dir}/values.schema.json"));
        if workload {
            assert!(
                schema.contains("\"description\": \"`spec.replicas`"),
                "{schema}"
            );
        }
    }
    assert!(n > 40, "only {n} values");
}
