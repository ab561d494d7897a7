//! Conformance of the Kubernetes backend: rich hand-built `Resolved` models (every mapping rule:
//! secrets, mixed secrets, files, binary files, volumes, before, probes, StatefulSet, Job,
//! CronJob, UDP, provisioner objects, namespaces) are emitted and run through the strict
//! validator tests/conformance/k8s_validate.py; the validator itself is shown to reject bad input.
#![allow(clippy::unwrap_used, clippy::panic)]

use score_x_core::Resolved;
use score_x_core::ir::{
    Cpu, HttpGet, Memory, Probe, Protocol, Quantities, Readiness, ResourceRequirements, Scheme,
};
use score_x_core::resolved::{
    Output, ProvisionedResource, ResolvedContent, ResolvedWorkload, SecretRef, Segment, Value,
};
use score_x_core::testing::{
    ContainerExt, WorkloadExt, app, container, mixed, resource, secret, secret_value, span,
    workload,
};
use score_x_kubernetes::{ImagePullPolicy, Options};
use score_x_tests::planned::kubernetes as emit;
use score_x_tests::validators::{
    Validator, assert_valid_manifests, python_yaml_to_json, validate_manifests,
};
use serde_json::json;

const PASSWORD: &str = "Sup3rS3cretGeneratedPassw0rd";

fn pg_secret() -> SecretRef {
    secret("pg-main", Some("password"), Some(PASSWORD))
}

fn external_token() -> SecretRef {
    secret("external-api", Some("token"), None)
}

fn http_probe(container: &str, port: u16, path: &str) -> Probe {
    Probe {
        http_get: Some(HttpGet {
            path: path.into(),
            port,
            host: None,
            scheme: Scheme::Http,
            headers: vec![
                ("X-Probe".into(), "yes".into()),
                ("Accept".into(), "application/json".into()),
            ],
        }),
        exec: None,
        span: span(&format!("/containers/{container}/readinessProbe")),
    }
}

fn exec_probe(container: &str, cmd: &[&str]) -> Probe {
    Probe {
        http_get: None,
        exec: Some(cmd.iter().map(|s| s.to_string()).collect()),
        span: span(&format!("/containers/{container}/livenessProbe")),
    }
}

/// A web workload using every container feature.
fn web() -> ResolvedWorkload {
    let mut main = container("main")
        .command(
            &["/bin/server", "--config", "/etc/app/config.yaml"],
            &["--verbose", "yes", "on", "1:20"],
        )
        .var(
            "PLAIN",
            Value::text("literal $(NOT_EXPANDED) and $$ and yes"),
        )
        .var("EMPTY", Value::text(""))
        .var("NUMBERISH", Value::text("0012"))
        .var("DB_PASSWORD", secret_value(pg_secret()))
        .var(
            "DB_URL",
            mixed(vec![
                Segment::Text("postgres://app:".into()),
                Segment::Secret(pg_secret()),
                Segment::Text("@pg-main:5432/app?sslmode=disable".into()),
            ]),
        )
        .var(
            "TWO_SECRETS",
            mixed(vec![
                Segment::Secret(pg_secret()),
                Segment::Text(":".into()),
                Segment::Secret(external_token()),
            ]),
        )
        .file(
            "/etc/app/config.yaml",
            Some(0o644),
            ResolvedContent::Text(Value::text("listen: 8080\nlog: yes\n")),
        )
        .file(
            "/etc/app/empty.txt",
            None,
            ResolvedContent::Text(Value::text("")),
        )
        .file(
            "/usr/share/app/logo.png",
            Some(0o444),
            ResolvedContent::Binary(vec![0x89, b'P', b'N', b'G', 0, 0xff, 0x10]),
        )
        .file(
            "/etc/app/db.ini",
            Some(0o600),
            ResolvedContent::Text(mixed(vec![
                Segment::Text("[db]\npassword = ".into()),
                Segment::Secret(pg_secret()),
            ])),
        )
        .file(
            "/run/secrets/token",
            Some(0o400),
            ResolvedContent::Text(secret_value(external_token())),
        )
        .volume("/var/cache/app", "volume.ephemeral#web.cache", None, false)
        .volume("/data", "volume.default#web.data", Some("web"), false)
        .volume(
            "/srv/static",
            "volume.default#web.data",
            Some("static"),
            true,
        )
        .requirements(ResourceRequirements {
            requests: Some(Quantities {
                cpu: Some(Cpu {
                    millis: 250,
                    text: "0.25".into(),
                }),
                memory: Some(Memory {
                    bytes: 128 * 1024 * 1024,
                    text: "128Mi".into(),
                }),
            }),
            limits: Some(Quantities {
                cpu: Some(Cpu {
                    millis: 1000,
                    text: "1".into(),
                }),
                memory: Some(Memory {
                    bytes: 1_000_000,
                    text: "1M".into(),
                }),
            }),
        });
    main.readiness_probe = Some(Box::new(http_probe("main", 8080, "/ready")));
    main.liveness_probe = Some(Box::new(Probe {
        exec: Some(vec!["/bin/true".into()]),
        ..http_probe("main", 8080, "/live")
    }));

    let mut migrate = container("migrate")
        .var("DB_PASSWORD", secret_value(pg_secret()))
        .exec_probe(&["true"])
        .before("main", Readiness::Complete);
    migrate.args = Some(vec!["migrate".into(), "up".into()]);

    let mut proxy = container("proxy")
        .before("main", Readiness::Healthy)
        .before("metrics", Readiness::Started);
    proxy.readiness_probe = Some(Box::new(http_probe("proxy", 15021, "/healthz/ready")));

    let logs = container("logs").before("main", Readiness::Started);

    let mut metrics = container("metrics");
    metrics.liveness_probe = Some(Box::new(exec_probe(
        "metrics",
        &["wget", "-q", "-O-", "http://127.0.0.1:9100/metrics"],
    )));

    let mut w = workload("web", vec![main, migrate, proxy, logs, metrics]);
    w.port("http", 80, 8080, Protocol::Tcp)
        .port("https", 443, 8443, Protocol::Tcp)
        .port("dns", 53, 5353, Protocol::Udp)
        .port("metrics-exporter-port", 9100, 9100, Protocol::Tcp)
        .annotate("example.com/team", "payments")
        .annotate(
            "score-x.dev/port-container.metrics-exporter-port",
            "metrics",
        )
        .annotate("k8s.score.dev/ignored", "x");
    w
}

fn db() -> ResolvedWorkload {
    let main = container("postgres")
        .volume(
            "/var/lib/postgresql/data",
            "volume.claim#db.data",
            Some("pgdata"),
            false,
        )
        .exec_probe(&["pg_isready"]);
    let mut w = workload("db", vec![main]);
    w.annotate("score-x.dev/kind", "StatefulSet")
        .port("pg", 5432, 5432, Protocol::Tcp);
    w
}

fn batch() -> ResolvedWorkload {
    let main = container("main").command(&["/bin/job"], &[]).file(
        "/etc/job.conf",
        None,
        ResolvedContent::Text(Value::text("x=1")),
    );
    let mut w = workload("batch", vec![main]);
    w.annotate("k8s.score.dev/kind", "Job");
    w
}

fn nightly() -> ResolvedWorkload {
    let main = container("main").var("DB_PASSWORD", secret_value(pg_secret()));
    let init = container("wait").before("main", Readiness::Complete);
    let mut w = workload("nightly", vec![main, init]);
    w.annotate("score-x.dev/kind", "CronJob")
        .annotate("score-x.dev/schedule", "0 3 * * *");
    w
}

fn resources() -> Vec<ProvisionedResource> {
    vec![
        resource(
            "volume.ephemeral#web.cache",
            vec![(
                "source",
                Output::Plain(json!({"emptyDir": {"sizeLimit": "512Mi"}})),
            )],
            json!(null),
        ),
        resource(
            "volume.default#web.data",
            vec![(
                "source",
                Output::Plain(json!({"persistentVolumeClaim": {"claimName": "web-data"}})),
            )],
            json!([{
                "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": {"name": "web-data", "labels": {"app.kubernetes.io/managed-by": "score-x"}},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
            }]),
        ),
        resource(
            "volume.claim#db.data",
            vec![(
                "claimSpec",
                Output::Plain(
                    json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}}),
                ),
            )],
            json!(null),
        ),
        resource(
            "postgres.default#web.db",
            vec![
                ("host", Output::Plain(json!("pg-main"))),
                ("port", Output::Plain(json!(5432))),
                ("password", Output::Secret(pg_secret())),
            ],
            json!([
                {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "pg-main"}, "type": "Opaque",
                 "stringData": {"password": PASSWORD}},
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "pg-main"},
                 "spec": {"selector": {"app.kubernetes.io/instance": "pg-main"},
                          "ports": [{"name": "postgres", "port": 5432, "targetPort": 5432}]}},
            ]),
        ),
        resource(
            "route.default#web.route",
            vec![],
            json!([
                {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "web-route"},
                 "spec": {"parentRefs": [{"name": "default"}], "hostnames": ["web.example.com"],
                          "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                                     "backendRefs": [{"name": "web", "port": 80}]}]}},
                {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web-ingress"},
                 "spec": {"rules": [{"host": "web.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                          "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}},
                {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "web-reader"},
                 "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]},
            ]),
        ),
    ]
}

fn estate() -> Resolved {
    app(vec![web(), db(), batch(), nightly()], resources())
}

fn manifests(app: &Resolved, opts: &Options) -> String {
    let bundle = emit(app, opts).unwrap_or_else(|e| panic!("emit failed: {e}"));
    String::from_utf8(bundle.files["manifests.yaml"].clone()).unwrap()
}

#[test]
fn rich_estate_is_valid_kubernetes() {
    let yaml = manifests(&estate(), &Options::default());
    for kind in [
        "Deployment",
        "StatefulSet",
        "Job",
        "CronJob",
        "ConfigMap",
        "Secret",
        "Service",
        "HTTPRoute",
        "Ingress",
    ] {
        assert!(yaml.contains(&format!("kind: {kind}\n")), "no {kind}");
    }
    assert_valid_manifests(&yaml);
}

#[test]
fn rich_estate_is_valid_in_a_generated_namespace_with_options() {
    let opts = Options {
        namespace: Some("shop".into()),
        generate_namespace: true,
        image_pull_policy: Some(ImagePullPolicy::IfNotPresent),
        ..Default::default()
    };
    let yaml = manifests(&estate(), &opts);
    assert!(yaml.starts_with("---\napiVersion: v1\nkind: Namespace\n"));
    assert_valid_manifests(&yaml);
}

#[test]
fn no_secret_value_outside_secret_objects() {
    let yaml = manifests(&estate(), &Options::default());
    for doc in yaml.split("---\n").filter(|d| !d.is_empty()) {
        if doc.contains(PASSWORD) {
            assert!(
                doc.contains("\nkind: Secret\n"),
                "secret value outside a Secret:\n{doc}"
            );
        }
    }
    // It is in the provisioner's Secret and in the generated Secret of mixed files.
    assert_eq!(yaml.matches(PASSWORD).count(), 2);
}

#[test]
fn output_is_byte_identical_across_runs() {
    let a = manifests(&estate(), &Options::default());
    let b = manifests(&estate(), &Options::default());
    assert_eq!(a, b);
}

/// A YAML 1.1 reader (PyYAML, like kubectl's go-yaml) reads back exactly the objects emitted.
#[test]
fn yaml_1_1_readers_read_back_the_exact_objects() {
    if !Validator::Kubernetes.available() {
        return;
    }
    let app = estate();
    let opts = Options::default();
    let yaml = manifests(&app, &opts);
    let expected: Vec<serde_json::Value> = score_x_tests::planned::kubernetes_objects(&app, &opts)
        .unwrap()
        .iter()
        .map(|o| o.to_value().unwrap())
        .collect();
    let out = python_yaml_to_json(&yaml).unwrap();
    let read: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(read.len(), expected.len());
    for (r, e) in read.iter().zip(&expected) {
        assert_eq!(r, e);
    }
}

/// The validator must reject what the API server would reject; a validator that cannot fail
/// proves nothing.
#[test]
fn validator_rejects_invalid_manifests() {
    if !Validator::Kubernetes.available() {
        return;
    }
    let cases: &[(&str, &str)] = &[
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers: [{name: a, image: x, imagePolicy: Always}]\n",
            "unknown field",
        ),
        (
            "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  ports: [{port: '80'}]\n",
            "expected an integer",
        ),
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers: [{image: x}]\n",
            "missing required field `name`",
        ),
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: b}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers: [{name: a, image: x, args: [--flag, yes]}]\n",
            "expected a string, found bool",
        ),
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  selector: {matchLabels: {app: b}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers: [{name: a, image: x}]\n",
            "does not match the pod template labels",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  initContainers: [{name: i, image: x, readinessProbe: {exec: {command: [x]}}}]\n  containers: [{name: a, image: x, volumeMounts: [{name: nope, mountPath: /x}]}]\n",
            "may not have probes",
        ),
        (
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, namespace: b}\n",
            "cluster-scoped",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n",
            "DNS-1123 subdomain",
        ),
        (
            "apiVersion: apps/v1\nkind: Frobnicator\nmetadata: {name: a}\n",
            "not served",
        ),
        (
            "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: a}\nspec:\n  rules: [{backendRefs: [{name: web, prot: 80}]}]\n",
            "unknown field",
        ),
        (
            "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ndata: {k: '***'}\n",
            "not valid base64",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
            "duplicate object",
        ),
    ];
    for (yaml, expected) in cases {
        match validate_manifests(yaml) {
            Ok(()) => panic!("the validator accepted:\n{yaml}"),
            Err(report) => assert!(
                report.contains(expected),
                "expected `{expected}` in:\n{report}\nfor:\n{yaml}"
            ),
        }
    }
}
