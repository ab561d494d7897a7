//! Nomad end to end: Score files → spec::load → graph → provision with the default Nomad
//! provisioners (targets/nomad/*.yaml) → nomad::emit → the Nomad validator (OpenAPI `Job` schema
//! with unknown fields forbidden, python-hcl2 read-back compared with the JSON, template
//! delimiters). Estates: every default type, hand-built rich workloads (before, files, secrets,
//! volumes, jobs, cron), the shared samples and the seed examples. Also: the Nomad defaults have
//! the params and outputs of the Kubernetes defaults, both ways.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use score_x_core::driver::{AnyBackend, Entry, emit_checked};
use score_x_core::graph::ResourceGraph;
use score_x_core::plan::Plan;
use score_x_core::resolved::Output;
use score_x_core::{Bundle, Resolved, Target};
use score_x_provision::{Context, Origin, ProvisionerSet, State, provision};
use score_x_spec::{SourceFile, load};
use score_x_tests::nomad::{assert_all_valid, assert_valid};
use score_x_tests::pipeline::{NoCommands, resolve_with_defaults as resolve};
use score_x_tests::samples::{self, DirReader, SCHEMA_SAMPLES, shared};
use score_x_tests::seed::{seed_examples, seed_file, seed_reader};
use serde_json::{Value as Json, json};

/// The back half the CLI runs: options decoded by the registry entry, the shared plan, the
/// capability check, `emit`, the leak check. The bundle keeps every warning of the run.
fn emit(resolved: &Resolved, options: &Json) -> Bundle {
    let flags = options.as_object().cloned().unwrap_or_default();
    let prepared = Entry::<score_x_nomad::Nomad>::new()
        .prepare(None, flags)
        .unwrap_or_else(|d| panic!("options: {d:?}"));
    let plan = Plan::of_resolved(resolved).unwrap_or_else(|d| panic!("plan: {d:?}"));
    let checked =
        emit_checked(&*prepared, resolved, &plan).unwrap_or_else(|d| panic!("emit failed: {d:?}"));
    let mut bundle = checked.bundle;
    bundle.warnings = checked.warnings.0;
    bundle
}

fn bundle(files: &[(&str, &str)], options: Json) -> Bundle {
    let resolved = resolve(Target::NOMAD, files, options.clone())
        .unwrap_or_else(|e| panic!("provisioning failed:\n{e}"));
    let b = emit(&resolved, &options);
    assert_eq!(b, emit(&resolved, &options), "output differs run to run");
    b
}

fn job(b: &Bundle, name: &str) -> Json {
    let f = format!("{name}.nomad.json");
    let v: Json =
        serde_json::from_slice(b.files.get(&f).unwrap_or_else(|| panic!("no {f}"))).unwrap();
    v["Job"].clone()
}

fn hcl(b: &Bundle, name: &str) -> String {
    String::from_utf8(b.files[&format!("{name}.nomad.hcl")].clone()).unwrap()
}

/// The id of the one job whose name is `prefix` or starts with `prefix-` (uid-derived names
/// carry a hash when the uid has a `.`).
fn dev_job(b: &Bundle, prefix: &str) -> String {
    let ids: Vec<String> = b
        .files
        .keys()
        .filter_map(|f| f.strip_suffix(".nomad.json"))
        .filter(|id| *id == prefix || id.starts_with(&format!("{prefix}-")))
        .map(String::from)
        .collect();
    assert_eq!(ids.len(), 1, "jobs named {prefix}: {ids:?}");
    ids[0].clone()
}

fn task<'a>(job: &'a Json, name: &str) -> &'a Json {
    job["TaskGroups"][0]["Tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["Name"] == name)
        .unwrap_or_else(|| panic!("no task {name}"))
}

/// Every resource type of the defaults, used the way a portable Score file uses them.
const ALL_TYPES: &str = r#"
apiVersion: score.dev/v1b1
metadata:
  name: web
service:
  ports:
    http: { port: 80, targetPort: 8080 }
containers:
  main:
    image: ghcr.io/acme/web:1
    variables:
      PG_URL: "postgres://${resources.pg.username}:${resources.pg.password}@${resources.pg.host}:${resources.pg.port}/${resources.pg.database}"
      PG_PASSWORD: "${resources.pg.password}"
      MYSQL_DB: "${resources.my.name}"
      REDIS: "${resources.cache.host}:${resources.cache.port}"
      MONGO: "${resources.mongo.connection}"
      AMQP_VHOST: "${resources.mq.vhost}"
      AMQP_PASSWORD: "${resources.mq.password}"
      TOPIC: "${resources.events.name}"
      PARTITIONS: "${resources.events.num_partitions}"
      BUCKET: "${resources.bucket.bucket}"
      S3_KEY: "${resources.bucket.aws_secret_key}"
      S3_ENDPOINT: "${resources.bucket.endpoint}"
      SQL: "${resources.sql.connection}"
      PUBLIC_HOST: "${resources.dns.host}"
      API: "http://${resources.api.hostname}:${resources.api.port}"
      ENV_TARGET: "${resources.env.target}"
      TOKEN: "${resources.env.API_TOKEN}"
      PEER: "${resources.peer.name}"
    volumes:
      /data:
        source: ${resources.data}
      /scratch:
        source: ${resources.scratch}
        path: sub/dir
resources:
  pg: { type: postgres }
  my: { type: mysql }
  cache: { type: redis }
  mongo: { type: mongodb }
  sql: { type: mssql }
  mq: { type: amqp }
  events: { type: kafka-topic }
  bucket: { type: s3 }
  dns: { type: dns }
  route: { type: route, params: { host: "${resources.dns.host}", port: http } }
  api: { type: service-port, params: { workload: api, port: web } }
  peer: { type: service, id: api }
  env: { type: environment }
  data: { type: volume }
  scratch: { type: volume, class: ephemeral }
"#;

const API: &str = r#"
apiVersion: score.dev/v1b1
metadata:
  name: api
service:
  ports:
    web: { port: 8081, targetPort: 3000 }
containers:
  main:
    image: ghcr.io/acme/api:1
resources:
  peer: { type: service, id: api }
"#;

#[test]
fn every_default_type_translates_and_validates() {
    let b = bundle(&[("web.yaml", ALL_TYPES), ("api.yaml", API)], json!({}));
    assert_valid("every default type", &b);
    let web = job(&b, "web");
    let main = task(&web, "main");
    let env = &main["Env"];
    assert_eq!(env["MYSQL_DB"], "app");
    assert_eq!(env["PARTITIONS"], "3");
    assert_eq!(env["ENV_TARGET"], "nomad");
    assert_eq!(env["PEER"], "api");
    assert!(env["PUBLIC_HOST"].as_str().unwrap().ends_with(".localhost"));
    // Secrets and run-time addresses never sit in env: one env template reads them.
    for k in [
        "PG_URL",
        "PG_PASSWORD",
        "REDIS",
        "MONGO",
        "S3_KEY",
        "API",
        "TOKEN",
        "SQL",
    ] {
        assert!(env.get(k).is_none(), "{k} in env");
    }
    let t = &main["Templates"][0];
    assert_eq!(t["Envvars"], true);
    assert_eq!(t["DestPath"], "secrets/score-x.env");
    let text = t["EmbeddedTmpl"].as_str().unwrap();
    assert!(
        text.contains(
            r#"API=http://[[score: range nomadService "api-web" :score]][[score: .Address :score]]"#
        ),
        "{text}"
    );
    assert!(text.contains(
        r#"PG_PASSWORD=[[score: with nomadVar "score-x/postgres/default/web-pg" :score]][[score: .password :score]][[score: end :score]]"#
    ));
    assert!(text.contains(
        r#"TOKEN=[[score: with nomadVar "score-x/environment" :score]][[score: .API_TOKEN :score]]"#
    ));
    // Development services are their own jobs, registered in service discovery.
    for j in [
        "pg-web-pg",
        "mysql-web-my",
        "redis-web-cache",
        "mongo-web-mongo",
        "mssql-web-sql",
        "amqp-web-mq",
        "s3-web-bucket",
        "score-x-kafka",
    ] {
        let j = &dev_job(&b, j);
        let dev = job(&b, j);
        let s = &dev["TaskGroups"][0]["Services"][0];
        assert_eq!(s["Name"], j.as_str());
        assert_eq!(s["Provider"], "nomad");
        assert_eq!(s["Checks"][0]["Type"], "tcp");
        assert!(b.files.contains_key(&format!("{j}.nomad.hcl")));
    }
    let pg_id = dev_job(&b, "pg-web-pg");
    let pg = job(&b, &pg_id);
    let pg_task = &pg["TaskGroups"][0]["Tasks"][0];
    assert!(pg_task["Env"].get("POSTGRES_PASSWORD").is_none());
    assert!(
        pg_task["Templates"][0]["EmbeddedTmpl"]
            .as_str()
            .unwrap()
            .contains("POSTGRES_PASSWORD=[[score: with nomadVar")
    );
    let s3 = job(&b, &dev_job(&b, "s3-web-bucket"));
    assert_eq!(
        s3["TaskGroups"][0]["Tasks"][1]["Lifecycle"]["Hook"],
        "poststart"
    );
    // Volumes: both ephemeral (the default with a warning), the sub-path kept.
    let binds: Vec<&str> = main["Config"]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        binds.iter().any(|b| b.ends_with("/sub/dir:/scratch")),
        "{binds:?}"
    );
    assert!(
        b.warnings
            .iter()
            .any(|w| w.message.contains("directory of the allocation"))
    );
    assert!(
        b.warnings
            .iter()
            .any(|w| w.message.contains("Nomad has no ingress"))
    );
    // The variables the platform creates: paths and items, never values.
    let v: Json = serde_json::from_slice(&b.files["variables-to-create.json"]).unwrap();
    let vars: BTreeMap<&str, &Json> = v["variables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["path"].as_str().unwrap(), e))
        .collect();
    for (path, item) in [
        ("score-x/postgres/default/web-pg", "password"),
        ("score-x/mongodb/default/web-mongo", "connection"),
        ("score-x/s3/default/web-bucket", "secret_key"),
        ("score-x/environment", "API_TOKEN"),
    ] {
        let e = vars
            .get(path)
            .unwrap_or_else(|| panic!("{path} not in {v}"));
        assert!(
            e["items"].as_array().unwrap().contains(&json!(item)),
            "{path}: {e}"
        );
        assert!(e.get("value").is_none());
    }
    assert!(
        vars["score-x/postgres/default/web-pg"]["usedBy"]
            .as_array()
            .unwrap()
            .contains(&json!(pg_id))
    );
}

#[test]
fn no_secret_value_in_any_file() {
    let resolved = resolve(
        Target::NOMAD,
        &[("web.yaml", ALL_TYPES), ("api.yaml", API)],
        json!({}),
    )
    .unwrap();
    let b = emit(&resolved, &json!({}));
    let mut values = BTreeSet::new();
    for r in resolved.resources().values() {
        for o in r.outputs.values() {
            if let Output::Secret(s) = o
                && let Some(v) = &s.value
            {
                values.insert(v.expose().to_string());
            }
        }
    }
    assert!(
        !values.is_empty(),
        "the development provisioners generate secrets"
    );
    for (name, bytes) in &b.files {
        let text = String::from_utf8_lossy(bytes);
        for v in &values {
            assert!(
                !text.contains(v.as_str()),
                "a generated secret value is in {name}"
            );
        }
    }
}

#[test]
fn consul_provider_dns_and_static_ports() {
    let opts = json!({ "serviceProvider": "consul", "consulDns": true, "staticPorts": true, "datacenters": ["dc1"], "namespace": "shop", "region": "eu" });
    let b = bundle(&[("web.yaml", ALL_TYPES), ("api.yaml", API)], opts);
    assert_valid("consul options", &b);
    let web = job(&b, "web");
    assert_eq!(web["Datacenters"], json!(["dc1"]));
    assert_eq!(web["Namespace"], "shop");
    let net = &web["TaskGroups"][0]["Networks"][0];
    assert_eq!(
        net["ReservedPorts"][0],
        json!({"Label": "http", "Value": 80, "To": 8080})
    );
    let text = task(&web, "main")["Templates"][0]["EmbeddedTmpl"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        text.contains("API=http://api-web.service.consul:[[score: range service \"api-web\""),
        "{text}"
    );
}

#[test]
fn the_same_file_provisions_for_kubernetes_with_the_same_outputs() {
    let files = [("web.yaml", ALL_TYPES), ("api.yaml", API)];
    let k = resolve(Target::KUBERNETES, &files, json!({}))
        .unwrap_or_else(|e| panic!("kubernetes: {e}"));
    let n = resolve(Target::NOMAD, &files, json!({})).unwrap();
    assert_eq!(
        k.resources().keys().collect::<Vec<_>>(),
        n.resources().keys().collect::<Vec<_>>()
    );
    for (uid, kr) in k.resources() {
        let nr = &n.resources()[uid];
        assert_eq!(
            kr.outputs.keys().collect::<Vec<_>>(),
            nr.outputs.keys().collect::<Vec<_>>(),
            "outputs of {uid}"
        );
        for (name, o) in &kr.outputs {
            if matches!(o, Output::Secret(_)) {
                assert!(
                    matches!(nr.outputs[name], Output::Secret(_)),
                    "{uid}.{name}"
                );
            }
        }
    }
}

/// (type, class) → (param names, output names) of the provisioner files of a target directory.
fn declarations(target: &str) -> BTreeMap<(String, String), (BTreeSet<String>, BTreeSet<String>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../targets")
        .join(target);
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let list: Vec<serde_yaml::Value> =
            serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for p in list {
            let keys = |k: &str| -> BTreeSet<String> {
                p.get(k)
                    .and_then(|m| m.as_mapping())
                    .map(|m| {
                        m.keys()
                            .filter_map(|x| x.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let type_ = p["type"].as_str().unwrap().to_string();
            let class = p
                .get("class")
                .and_then(|c| c.as_str())
                .unwrap_or("default")
                .to_string();
            out.insert((type_, class), (keys("params"), keys("outputs")));
        }
    }
    out
}

#[test]
fn defaults_have_the_params_and_outputs_of_the_kubernetes_defaults_both_ways() {
    let k = declarations("kubernetes");
    let n = declarations("nomad");
    let types = |d: &BTreeMap<(String, String), _>| {
        d.keys().map(|(t, _)| t.clone()).collect::<BTreeSet<_>>()
    };
    assert_eq!(types(&k), types(&n), "resource types");
    assert_eq!(types(&n).len(), 14);
    for (key, decl) in &k {
        assert_eq!(
            n.get(key),
            Some(decl),
            "{key:?}: nomad differs from kubernetes"
        );
    }
    for (key, decl) in &n {
        if let Some(kd) = k.get(key) {
            assert_eq!(kd, decl, "{key:?}");
        } else {
            // Extra classes only (host and csi volumes), never extra types.
            assert_eq!(key.0, "volume", "{key:?} has no kubernetes counterpart");
        }
    }
}

const RICH: &str = r#"
apiVersion: score.dev/v1b1
metadata:
  name: shop
  annotations:
    example.com/owner: team-a
service:
  ports:
    http: { port: 80, targetPort: 8080 }
    metrics: { port: 9090 }
containers:
  web:
    image: nginx:1.27
    command: ["/docker-entrypoint.sh"]
    args: ["nginx", "-g", "daemon off;"]
    variables:
      LOG_LEVEL: info
      LITERAL: "a $${HOME} %{x} \"quoted\""
      DB: "${resources.db.password}"
    files:
      /etc/nginx/conf.d/default.conf:
        mode: "0644"
        content: |
          server { listen 8080; set $x "$${UPSTREAM}"; location / { return 200 '{{ not a template }} [[score: nor this'; } }
      /etc/secret.txt:
        content: "password=${resources.db.password}\n"
      /etc/blob.bin:
        binaryContent: AAEC/w==
    volumes:
      /data:
        source: ${resources.disk}
        readOnly: true
      /csi:
        source: ${resources.shared}
    resources:
      requests: { cpu: 250m, memory: 128Mi }
      limits: { cpu: "1", memory: 512Mi }
    readinessProbe:
      httpGet: { path: /healthz, port: 8080, httpHeaders: [{ name: X-Probe, value: "1" }] }
    livenessProbe:
      httpGet: { path: /live, port: 8081 }
  migrate:
    image: app:1.2
    args: [migrate]
    before:
      web: { ready: complete }
  proxy:
    image: envoy:1
    before:
      web: { ready: started }
  cache:
    image: redis:7
    readinessProbe:
      exec: { command: [redis-cli, ping] }
    before:
      web: { ready: healthy }
resources:
  db: { type: postgres }
  disk: { type: volume, class: host, params: { source: shop-data } }
  shared: { type: volume, class: csi, params: { source: shop-shared } }
"#;

const BATCH: &str = r#"
apiVersion: score.dev/v1b1
metadata:
  name: report
  annotations:
    score-x.dev/kind: Job
containers:
  main:
    image: report:1
    resources:
      requests: { cpu: "2" }
"#;

const CRON: &str = r#"
apiVersion: score.dev/v1b1
metadata:
  name: nightly
  annotations:
    k8s.score.dev/kind: CronJob
    score-x.dev/schedule: "0 3 * * *"
containers:
  main:
    image: nightly:1
"#;

#[test]
fn rich_estate_validates_and_maps_every_rule() {
    let files = [
        ("shop.yaml", RICH),
        ("report.yaml", BATCH),
        ("nightly.yaml", CRON),
    ];
    let b = bundle(&files, json!({ "cpuMhzPerCore": 2000 }));
    assert_valid("rich estate", &b);
    let shop = job(&b, "shop");
    assert_eq!(shop["Meta"], json!({"example_com_owner": "team-a"}));
    let g = &shop["TaskGroups"][0];
    assert_eq!(g["Networks"][0]["Mode"], "bridge");
    let ports = g["Networks"][0]["DynamicPorts"].as_array().unwrap();
    assert!(ports.contains(&json!({"Label": "http", "To": 8080})));
    assert!(ports.contains(&json!({"Label": "metrics", "To": 9090})));
    assert!(
        ports.contains(&json!({"Label": "probe_8081", "To": 8081})),
        "{ports:?}"
    );
    let http = &g["Services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Name"] == "shop-http")
        .unwrap()["Checks"];
    let ready = http
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["Name"] == "web-readiness")
        .unwrap();
    assert_eq!(ready["Header"], json!({"X-Probe": ["1"]}));
    let live = http
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["Name"] == "web-liveness")
        .unwrap();
    assert_eq!(live["PortLabel"], "probe_8081");
    assert_eq!(live["CheckRestart"]["Limit"], 3);
    assert!(b.warnings.iter().any(|w| {
        w.message
            .contains("exec readiness probe of container `cache`")
    }));
    // before → lifecycle.
    assert_eq!(
        task(&shop, "migrate")["Lifecycle"],
        json!({"Hook": "prestart", "Sidecar": false})
    );
    assert_eq!(
        task(&shop, "proxy")["Lifecycle"],
        json!({"Hook": "prestart", "Sidecar": true})
    );
    assert_eq!(
        task(&shop, "cache")["Lifecycle"],
        json!({"Hook": "prestart", "Sidecar": true})
    );
    assert!(
        b.warnings
            .iter()
            .any(|w| w.message.contains("no wait-for-healthy"))
    );
    assert!(task(&shop, "web").get("Lifecycle").is_none());
    // command/args, env, resources.
    let web = task(&shop, "web");
    assert_eq!(
        web["Config"]["entrypoint"],
        json!(["/docker-entrypoint.sh"])
    );
    assert_eq!(web["Config"]["args"], json!(["nginx", "-g", "daemon off;"]));
    assert_eq!(web["Env"]["LITERAL"], "a ${HOME} %{x} \"quoted\"");
    assert_eq!(
        web["Resources"],
        json!({"CPU": 500, "MemoryMB": 128, "MemoryMaxMB": 512})
    );
    assert!(
        b.warnings
            .iter()
            .any(|w| w.message.contains("oversubscription"))
    );
    // Files: user braces survive, the secret file renders under secrets/, binary decoded.
    let temps = web["Templates"].as_array().unwrap();
    let conf = temps.iter().find(|t| t["Perms"] == "0644").unwrap();
    let conf_text = conf["EmbeddedTmpl"].as_str().unwrap();
    assert!(
        conf_text.contains("'{{ not a template }} [[score: print \"[[score:\" :score]] nor this'"),
        "{conf_text}"
    );
    assert!(conf_text.contains("set $x \"${UPSTREAM}\""));
    assert!(
        conf["DestPath"]
            .as_str()
            .unwrap()
            .starts_with("local/score-x/files/")
    );
    assert!(temps.iter().any(|t| {
        t["DestPath"]
            .as_str()
            .unwrap()
            .starts_with("secrets/score-x/files/")
    }));
    assert!(
        temps
            .iter()
            .any(|t| t["EmbeddedTmpl"] == "[[score: base64Decode \"AAEC/w==\" :score]]")
    );
    let mounts = web["Config"]["mount"].as_array().unwrap();
    assert!(
        mounts
            .iter()
            .any(|m| m["target"] == "/etc/nginx/conf.d/default.conf" && m["readonly"] == true)
    );
    // Volumes: a host volume and a CSI volume.
    let vols = g["Volumes"].as_object().unwrap();
    assert!(
        vols.values()
            .any(|v| v["Type"] == "host" && v["Source"] == "shop-data")
    );
    assert!(
        vols.values()
            .any(|v| v["Type"] == "csi" && v["AccessMode"] == "single-node-writer")
    );
    assert!(
        web["VolumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["Destination"] == "/data" && m["ReadOnly"] == true)
    );
    // HCL: the library's escaping.
    let text = hcl(&b, "shop");
    assert!(
        text.contains(r#"LITERAL = "a $${HOME} %%{x} \"quoted\"""#),
        "{text}"
    );
    assert!(text.contains(r#"set $x \"$${UPSTREAM}\""#));
    // Kinds.
    let report = job(&b, "report");
    assert_eq!(report["Type"], "batch");
    assert_eq!(task(&report, "main")["Resources"], json!({"CPU": 4000}));
    let nightly = job(&b, "nightly");
    assert_eq!(nightly["Type"], "batch");
    assert_eq!(nightly["Periodic"]["Spec"], "0 3 * * *");
    let nightly_hcl = hcl(&b, "nightly");
    let crons = nightly_hcl.split("crons").nth(1).unwrap_or_default();
    assert!(
        crons.trim_start().starts_with('=') && crons.contains("\"0 3 * * *\""),
        "{nightly_hcl}"
    );
}

#[test]
fn image_variables_and_consul_script_checks() {
    let files = [("shop.yaml", RICH)];
    let b = bundle(
        &files,
        json!({ "variables": ["image"], "serviceProvider": "consul", "cpuMode": "cores" }),
    );
    assert_valid("image variables", &b);
    let text = hcl(&b, "shop");
    assert!(text.contains(r#"variable "image_web""#), "{text}");
    assert!(text.contains("image = var.image_web"));
    let shop = job(&b, "shop");
    assert_eq!(task(&shop, "web")["Config"]["image"], "nginx:1.27");
    let checks: Vec<&Json> = shop["TaskGroups"][0]["Services"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["Checks"].as_array().into_iter().flatten())
        .collect();
    let script = checks.iter().find(|c| c["Type"] == "script").unwrap();
    assert_eq!(script["Command"], "redis-cli");
    assert_eq!(script["TaskName"], "cache");
    assert_eq!(task(&shop, "web")["Resources"]["Cores"], 1);
}

#[test]
fn a_sub_path_on_a_host_volume_is_an_error() {
    let bad = RICH.replace("readOnly: true", "readOnly: true\n        path: sub");
    let resolved = resolve(Target::NOMAD, &[("shop.yaml", &bad)], json!({})).unwrap();
    let opts = score_x_nomad::Options::default();
    let plan = Plan::of_resolved(&resolved).unwrap();
    let e = score_x_nomad::emit(&resolved, &plan, &opts).unwrap_err();
    assert!(e.to_string().contains("no sub-path"), "{e}");
    let d: score_x_core::Diagnostic = e.into();
    assert!(d.hint.is_some() && d.span.is_some());
}

// ---- the shared samples and the seed examples --------------------------------------------

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
    let f = fixture("conformance/nomad-provisioners.yaml");
    set.add_file(&f.name, &f.text, Origin::User(f.name.clone()))
        .unwrap();
    for rel in before {
        let f = fixture(rel);
        set.add_file(&f.name, &f.text, Origin::User(f.name.clone()))
            .unwrap();
    }
    set.add_defaults(Target::NOMAD).unwrap();
    let f = fixture("fixtures/exotic-provisioners.yaml");
    set.add_file(&f.name, &f.text, Origin::User(f.name.clone()))
        .unwrap();
    let mut state = State::new("nomad-conformance-seed".into());
    let ctx = Context {
        target: Target::NOMAD,
        options: json!({}),
        runner: &NoCommands,
    };
    provision(&loaded.app, &graph, &set, &mut state, &ctx)
        .map(|(r, _)| r)
        .unwrap_or_else(|d| panic!("provision: {d:?}"))
}

#[test]
fn samples_and_seed_examples_translate_to_valid_jobs() {
    let Some(shared) = shared() else { return };
    let mut bundles = Vec::new();
    for d in samples::sample_dirs(&samples::root(&shared)).unwrap() {
        if d.rel == SCHEMA_SAMPLES {
            continue;
        }
        let resolved = resolve_case(&d.files, &d.reader(), &[]);
        bundles.push((d.rel.clone(), emit(&resolved, &json!({}))));
    }
    for (name, v) in seed_examples(&shared).unwrap() {
        let resolved = resolve_case(
            &[seed_file(&name, &v)],
            &seed_reader(),
            &["fixtures/seed-class-provisioners.yaml"],
        );
        bundles.push((format!("seed/{name}"), emit(&resolved, &json!({}))));
    }
    assert!(bundles.len() > 5, "only {} estates", bundles.len());
    let named: Vec<(&str, &Bundle)> = bundles.iter().map(|(n, b)| (n.as_str(), b)).collect();
    assert_all_valid(&named);
}

/// The validator finds what it is there to find (each mutation of a valid bundle is reported).
#[test]
fn the_validator_rejects_bad_jobs() {
    if !score_x_tests::nomad::available() {
        return;
    }
    let good = bundle(&[("shop.yaml", RICH)], json!({}));
    score_x_tests::nomad::validate(&good).unwrap();
    let mutate = |f: &dyn Fn(&mut Json)| {
        let mut b = good.clone();
        let mut v: Json = serde_json::from_slice(&b.files["shop.nomad.json"]).unwrap();
        f(&mut v["Job"]);
        b.files
            .insert("shop.nomad.json".into(), serde_json::to_vec(&v).unwrap());
        score_x_tests::nomad::validate(&b).unwrap_err()
    };
    let e = mutate(&|j| j["TaskGroups"][0]["Tasks"][0]["Bogus"] = json!(1));
    assert!(e.contains("Bogus"), "{e}");
    let e = mutate(&|j| j["TaskGroups"][0]["Services"][0]["Checks"][0]["Interval"] = json!("10s"));
    assert!(e.contains("Interval"), "{e}");
    let e = mutate(&|j| {
        let t = &mut j["TaskGroups"][0]["Tasks"][3]["Templates"][0]["EmbeddedTmpl"];
        *t = json!(format!("{}[[score: if .x :score]]", t.as_str().unwrap()));
    });
    assert!(e.contains("without `end`"), "{e}");
    let e = mutate(&|j| j["TaskGroups"][0]["Count"] = json!(2));
    assert!(e.contains("does not describe the job"), "{e}");
}
