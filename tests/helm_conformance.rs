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

#[test]
fn an_override_values_file_changes_exactly_what_it_names() {
    let (resolved, b) = rich();
    let Some(helm) = binary() else { return };
    let dir = write(&b);
    let values = dir.path().join("values-prod.yaml");
    std::fs::write(
        &values,
        "api:\n  replicaCount: 3\n  containers:\n    main:\n      image:\n        tag: \"2.0.0\"\n      env:\n        PORT: 9090\n",
    )
    .unwrap();
    let chart = dir.path().join("shop");
    lint(&helm, &chart, Some(&values)).unwrap();
    let got = objects(&template(&helm, "prod", &chart, Some(&values)).unwrap());
    let mut want = kubernetes(&resolved, None);
    let d = want
        .get_mut(&("Deployment".to_string(), String::new(), "api".to_string()))
        .unwrap();
    d["spec"]["replicas"] = json!(3);
    let main = &mut d["spec"]["template"]["spec"]["containers"][0];
    main["image"] = json!("registry.acme.io:5000/orders/api:2.0.0");
    for e in main["env"].as_array_mut().unwrap() {
        if e["name"] == "PORT" {
            e["value"] = json!("9090");
        }
    }
    assert_eq!(got, want);
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
