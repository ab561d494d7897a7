//! Unit tests of the mapping rules, on hand-built resolved models.

use score_x_core::ir::{
    Cpu, HttpGet, Memory, Probe, Protocol, Quantities, Readiness, ResourceRequirements, Scheme,
};
use score_x_core::resolved::{Output, ResolvedContent, SecretRef, Segment, Value};
use score_x_core::testing::{
    ContainerExt, WorkloadExt, app, container, mixed, resource, secret, span, with_workload,
    workload,
};
use score_x_core::{Diagnostic, Resolved};
use serde_json::json;

use score_x_core::leak::SecretScanner;
use score_x_core::plan::for_tests as plan;
use score_x_core::{Bundle, Target};

use crate::{Error, Object, Options};

fn objects(a: &Resolved, o: &Options) -> Result<Vec<Object>, Error> {
    crate::objects(a, &plan(a), o)
}

fn emit(a: &Resolved, o: &Options) -> Result<Bundle, Error> {
    crate::emit(a, &plan(a), o)
}

fn docs(a: &Resolved, o: &Options) -> Vec<serde_json::Value> {
    objects(a, o)
        .unwrap()
        .iter()
        .map(|o| o.to_value().unwrap())
        .collect()
}

fn find<'a>(docs: &'a [serde_json::Value], kind: &str, name: &str) -> &'a serde_json::Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in {docs:#?}"))
}

/// The first item of `list` whose field `key` is the string `value`.
fn item<'a>(list: &'a serde_json::Value, key: &str, value: &str) -> &'a serde_json::Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|e| e[key] == value)
        .unwrap_or_else(|| panic!("no item with {key} = `{value}` in {list}"))
}

fn pod(d: &serde_json::Value) -> &serde_json::Value {
    if d["kind"] == "CronJob" {
        &d["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    } else {
        &d["spec"]["template"]["spec"]
    }
}

fn stream(a: &Resolved, o: &Options) -> String {
    String::from_utf8(emit(a, o).unwrap().files["manifests.yaml"].clone()).unwrap()
}

#[test]
fn deployment_labels_selector_and_sorted_containers() {
    let a = app(
        vec![workload("web", vec![container("zeta"), container("alpha")])],
        vec![],
    );
    let d = docs(&a, &Options::default());
    assert_eq!(d.len(), 1);
    let dep = find(&d, "Deployment", "web");
    assert_eq!(dep["apiVersion"], "apps/v1");
    assert_eq!(dep["spec"]["replicas"], 1);
    assert_eq!(
        dep["spec"]["selector"]["matchLabels"],
        json!({"app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web"})
    );
    assert_eq!(
        dep["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "score-x"
    );
    assert_eq!(
        dep["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/instance"],
        "web"
    );
    let names: Vec<_> = pod(dep)["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("alpha"), json!("zeta")]);
    assert!(dep.get("status").is_none());
}

#[test]
fn variables_plain_secret_and_mixed() {
    let mut c = container("main");
    c = c.var("PLAIN", Value::text("cost $(not a ref) $$"));
    c = c.var(
        "PW",
        Value {
            segments: vec![Segment::Secret(secret(
                "pg",
                Some("password"),
                Some("s3cr3t-value"),
            ))],
        },
    );
    c = c.var(
        "URL",
        mixed(vec![
            Segment::Text("postgres://u:".into()),
            Segment::Secret(secret("pg", Some("password"), Some("s3cr3t-value"))),
            Segment::Text("@h/$(db)".into()),
        ]),
    );
    let a = app(vec![workload("web", vec![c])], vec![]);
    let d = docs(&a, &Options::default());
    let env = pod(find(&d, "Deployment", "web"))["containers"][0]["env"]
        .as_array()
        .unwrap()
        .clone();
    let helper = crate::names::secret_helper_name("pg", "password");
    assert_eq!(env[0]["name"], helper.as_str(), "helpers first: {env:#?}");
    assert_eq!(
        env[0]["valueFrom"]["secretKeyRef"],
        json!({"name": "pg", "key": "password"})
    );
    assert_eq!(
        env[1],
        json!({"name": "PLAIN", "value": "cost $$(not a ref) $$$"})
    );
    assert_eq!(
        env[2]["valueFrom"]["secretKeyRef"],
        json!({"name": "pg", "key": "password"})
    );
    assert_eq!(
        env[3],
        json!({"name": "URL", "value": format!("postgres://u:$({helper})@h/$$(db)")})
    );
    assert!(!stream(&a, &Options::default()).contains("s3cr3t-value"));
}

#[test]
fn helper_collision_and_secret_without_key_are_errors() {
    let helper = crate::names::secret_helper_name("pg", "password");
    let mut c = container("main");
    c = c.var(
        "A",
        mixed(vec![
            Segment::Text("x".into()),
            Segment::Secret(secret("pg", Some("password"), None)),
        ]),
    );
    c = c.var(&helper, Value::text("y"));
    let a = app(vec![workload("web", vec![c])], vec![]);
    assert!(matches!(
        objects(&a, &Options::default()),
        Err(Error::EnvCollision { .. })
    ));

    let mut c = container("main");
    let keyless = SecretRef {
        name: "pg".into(),
        key: None,
        value: None,
        store: score_x_core::resolved::SecretStore::KubernetesSecret,
    };
    c = c.var(
        "A",
        Value {
            segments: vec![Segment::Secret(keyless)],
        },
    );
    let a = app(vec![workload("web", vec![c])], vec![]);
    let e = objects(&a, &Options::default()).unwrap_err();
    assert!(matches!(e, Error::SecretWithoutKey { .. }));
    let diag: Diagnostic = e.into();
    assert_eq!(
        diag.span.unwrap().path.as_ref(),
        "/containers/main/variables/A"
    );
}

#[test]
fn files_configmap_binary_secret_and_direct_secret() {
    let c = container("main")
        .file(
            "/etc/app/config.yaml",
            Some(0o640),
            ResolvedContent::Text(Value::text("a: 1\n")),
        )
        .file(
            "/usr/share/logo.bin",
            None,
            ResolvedContent::Binary(vec![0, 159, 146, 150]),
        )
        .file(
            "/etc/app/dsn",
            None,
            ResolvedContent::Text(mixed(vec![
                Segment::Text("user:".into()),
                Segment::Secret(secret("pg", Some("password"), Some("hunter2-secret"))),
            ])),
        )
        .file(
            "/run/secrets/pw",
            Some(0o400),
            ResolvedContent::Text(Value {
                segments: vec![Segment::Secret(secret("external", Some("pw"), None))],
            }),
        );
    let a = app(vec![workload("web", vec![c])], vec![]);
    let d = docs(&a, &Options::default());
    let cm = find(&d, "ConfigMap", "web-files");
    let key = crate::names::file_key("main", "/etc/app/config.yaml");
    let bkey = crate::names::file_key("main", "/usr/share/logo.bin");
    assert_eq!(cm["data"][&key], "a: 1\n");
    assert_eq!(cm["binaryData"][&bkey], "AJ+Slg==");
    assert_eq!(
        cm["data"].as_object().unwrap().len(),
        1,
        "no secret file in the ConfigMap"
    );
    let sec = find(&d, "Secret", "web-secret-files");
    let skey = crate::names::file_key("main", "/etc/app/dsn");
    assert_eq!(sec["stringData"][&skey], "user:hunter2-secret");

    let dep = find(&d, "Deployment", "web");
    let spec = pod(dep);
    let vols = spec["volumes"].as_array().unwrap();
    let files_vol = item(&spec["volumes"], "name", "score-files");
    let entry = item(&files_vol["configMap"]["items"], "key", key.as_str());
    assert_eq!(entry["mode"], 0o640);
    let direct = vols
        .iter()
        .find(|v| v["secret"]["secretName"] == "external")
        .unwrap();
    assert_eq!(direct["secret"]["items"][0]["key"], "pw");
    assert_eq!(direct["secret"]["items"][0]["mode"], 0o400);
    let mounts = spec["containers"][0]["volumeMounts"].as_array().unwrap();
    assert_eq!(mounts.len(), 4);
    let m = mounts
        .iter()
        .find(|m| m["mountPath"] == "/etc/app/config.yaml")
        .unwrap();
    assert_eq!(m["subPath"], key.as_str());
    assert_eq!(m["readOnly"], true);
    let paths: Vec<_> = mounts
        .iter()
        .map(|m| m["mountPath"].as_str().unwrap().to_string())
        .collect();
    let mut sorted_paths = paths.clone();
    sorted_paths.sort();
    assert_eq!(paths, sorted_paths);
    let sum =
        dep["spec"]["template"]["metadata"]["annotations"]["score-x.dev/config-checksum"].clone();
    assert_eq!(sum.as_str().unwrap().len(), 64);

    // Changing a file changes the checksum.
    let a2 = with_workload(a.clone(), "web", |w| {
        w.containers
            .get_mut("main")
            .unwrap()
            .files
            .get_mut("/etc/app/config.yaml")
            .unwrap()
            .content = ResolvedContent::Text(Value::text("a: 2\n"));
    });
    let d2 = docs(&a2, &Options::default());
    assert_ne!(
        find(&d2, "Deployment", "web")["spec"]["template"]["metadata"]["annotations"]["score-x.dev/config-checksum"],
        sum
    );
    assert!(
        !serde_json::to_string(find(&d, "ConfigMap", "web-files"))
            .unwrap()
            .contains("hunter2")
    );
}

#[test]
fn mixed_file_with_unknown_secret_is_an_error() {
    let c = container("main").file(
        "/etc/dsn",
        None,
        ResolvedContent::Text(mixed(vec![
            Segment::Text("u:".into()),
            Segment::Secret(secret("ext", Some("pw"), None)),
        ])),
    );
    let a = app(vec![workload("web", vec![c])], vec![]);
    let e = objects(&a, &Options::default()).unwrap_err();
    assert!(matches!(e, Error::UnknownSecretValue { .. }), "{e}");
    assert!(e.to_string().contains("`ext`"));
}

#[test]
fn volumes_from_source_and_claim_spec() {
    let c = container("main")
        .volume("/data", "volume.default#web.data", Some("/sub"), true)
        .volume("/cache", "volume.default#web.cache", None, false);
    let r1 = resource(
        "volume.default#web.data",
        vec![(
            "source",
            Output::Plain(json!({"persistentVolumeClaim": {"claimName": "data-pvc"}})),
        )],
        json!(null),
    );
    let r2 = resource(
        "volume.default#web.cache",
        vec![("source", Output::Plain(json!({"emptyDir": {}})))],
        json!(null),
    );
    let a = app(vec![workload("web", vec![c.clone()])], vec![r1, r2]);
    let d = docs(&a, &Options::default());
    let spec = pod(find(&d, "Deployment", "web"));
    let name = crate::names::volume_name("volume.default#web.data");
    let v = item(&spec["volumes"], "name", name.as_str());
    assert_eq!(v["persistentVolumeClaim"]["claimName"], "data-pvc");
    let m = item(&spec["containers"][0]["volumeMounts"], "mountPath", "/data");
    assert_eq!(m["subPath"], "sub", "leading / dropped");
    assert_eq!(m["readOnly"], true);
    // A claim cannot move to a new pod while the old one runs: Recreate.
    assert_eq!(
        find(&d, "Deployment", "web")["spec"]["strategy"],
        json!({"type": "Recreate"})
    );
    let escape = with_workload(a.clone(), "web", |wl| {
        wl.containers
            .get_mut("main")
            .unwrap()
            .volumes
            .get_mut("/data")
            .unwrap()
            .path = Some("a/../../etc".into());
    });
    assert!(matches!(
        objects(&escape, &Options::default()),
        Err(Error::BadVolumeSource { .. })
    ));

    // claimSpec: StatefulSet only.
    let claim = resource(
        "volume.default#web.data",
        vec![(
            "claimSpec",
            Output::Plain(
                json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}),
            ),
        )],
        json!(null),
    );
    let c2 = container("main").volume("/data", "volume.default#web.data", None, false);
    let a = app(vec![workload("web", vec![c2.clone()])], vec![claim.clone()]);
    assert!(matches!(
        objects(&a, &Options::default()),
        Err(Error::ClaimNeedsStatefulSet { .. })
    ));
    let mut w = workload("web", vec![c2]);
    w.annotations
        .insert("score-x.dev/kind".into(), "StatefulSet".into());
    let a = app(vec![w], vec![claim]);
    let d = docs(&a, &Options::default());
    let sts = find(&d, "StatefulSet", "web");
    assert_eq!(
        sts["spec"]["volumeClaimTemplates"][0]["metadata"]["name"],
        name.as_str()
    );
    assert_eq!(
        sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"],
        "1Gi"
    );
    assert!(pod(sts).get("volumes").is_none());

    // A typo in the source is not silently dropped.
    let bad = resource(
        "volume.default#web.cache",
        vec![("source", Output::Plain(json!({"emptyDirr": {}})))],
        json!(null),
    );
    let c3 = container("main").volume("/cache", "volume.default#web.cache", None, false);
    let a = app(vec![workload("web", vec![c3.clone()])], vec![bad]);
    let e = objects(&a, &Options::default()).unwrap_err();
    assert!(matches!(e, Error::BadVolumeSource { .. }), "{e}");
    let none = resource("volume.default#web.cache", vec![], json!(null));
    let a = app(vec![workload("web", vec![c3.clone()])], vec![none]);
    assert!(matches!(
        objects(&a, &Options::default()),
        Err(Error::BadVolumeSource { .. })
    ));
    let a = app(vec![workload("web", vec![c3])], vec![]);
    assert!(matches!(
        objects(&a, &Options::default()),
        Err(Error::MissingResource { .. })
    ));
}

fn http_probe(port: u16) -> Probe {
    Probe {
        http_get: Some(HttpGet {
            path: "/healthz".into(),
            port,
            host: Some("127.0.0.1".into()),
            scheme: Scheme::Https,
            headers: vec![("X-Check".into(), "1".into())],
        }),
        exec: None,
        span: span("/containers/main/readinessProbe"),
    }
}

#[test]
fn probes_http_exec_and_both() {
    let mut c = container("main");
    c.readiness_probe = Some(Box::new(http_probe(8080)));
    c.liveness_probe = Some(Box::new(Probe {
        exec: Some(vec!["true".into()]),
        ..http_probe(9)
    }));
    let a = app(vec![workload("web", vec![c])], vec![]);
    let out = emit(&a, &Options::default()).unwrap();
    assert_eq!(out.warnings.len(), 1);
    assert_eq!(
        out.warnings[0].span.as_ref().unwrap().path.as_ref(),
        "/containers/main/readinessProbe"
    );
    let d = docs(&a, &Options::default());
    let k = &pod(find(&d, "Deployment", "web"))["containers"][0];
    assert_eq!(
        k["readinessProbe"]["httpGet"],
        json!({"path": "/healthz", "port": 8080, "host": "127.0.0.1", "scheme": "HTTPS", "httpHeaders": [{"name": "X-Check", "value": "1"}]})
    );
    assert_eq!(k["livenessProbe"], json!({"exec": {"command": ["true"]}}));
}

#[test]
fn before_makes_init_containers_and_sidecars_in_order() {
    let migrate = container("migrate").before("app", Readiness::Complete);
    let seed = container("a-seed").before("migrate", Readiness::Complete);
    let proxy = container("proxy").before("app", Readiness::Started);
    let mut cache = container("cache");
    cache.readiness_probe = Some(Box::new(http_probe(6379)));
    cache.liveness_probe = Some(Box::new(Probe {
        exec: Some(vec!["ping".into()]),
        http_get: None,
        span: span("/l"),
    }));
    cache = cache.before("app", Readiness::Healthy);
    let a = app(
        vec![workload(
            "web",
            vec![container("app"), migrate, seed, proxy, cache],
        )],
        vec![],
    );
    let d = docs(&a, &Options::default());
    let spec = pod(find(&d, "Deployment", "web"));
    let init: Vec<_> = spec["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(init, vec!["a-seed", "cache", "migrate", "proxy"]);
    let by = |n: &str| item(&spec["initContainers"], "name", n).clone();
    assert!(by("migrate").get("restartPolicy").is_none());
    assert_eq!(by("proxy")["restartPolicy"], "Always");
    assert_eq!(by("cache")["restartPolicy"], "Always");
    assert_eq!(by("cache")["startupProbe"]["httpGet"]["port"], 6379);
    assert_eq!(spec["containers"].as_array().unwrap().len(), 1);

    // Topological order beats name order.
    let z = container("zz").before("aa", Readiness::Complete);
    let aa = container("aa").before("main", Readiness::Complete);
    let a = app(
        vec![workload("web", vec![container("main"), z, aa])],
        vec![],
    );
    let d = docs(&a, &Options::default());
    let init: Vec<_> = pod(find(&d, "Deployment", "web"))["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(init, vec![json!("zz"), json!("aa")]);
}

#[test]
fn init_container_probes_are_dropped_with_a_warning() {
    let mut m = container("migrate");
    m.readiness_probe = Some(Box::new(http_probe(1)));
    m = m.before("app", Readiness::Complete);
    let a = app(vec![workload("web", vec![container("app"), m])], vec![]);
    let b = emit(&a, &Options::default()).unwrap();
    assert_eq!(b.warnings.len(), 1);
    let d = docs(&a, &Options::default());
    assert!(
        pod(find(&d, "Deployment", "web"))["initContainers"][0]
            .get("readinessProbe")
            .is_none()
    );
}

#[test]
fn service_ports_and_container_ports() {
    let mut api = container("api");
    api.readiness_probe = Some(Box::new(http_probe(8080)));
    let mut w = workload("web", vec![container("a-sidecar"), api]);
    w.port("http", 80, 8080, Protocol::Tcp);
    w.port("dns", 53, 53, Protocol::Udp);
    w.port("a-very-long-port-name", 9000, 9000, Protocol::Tcp);
    let a = app(vec![w.clone()], vec![]);
    let d = docs(&a, &Options::default());
    let svc = find(&d, "Service", "web");
    assert_eq!(svc["spec"]["selector"]["app.kubernetes.io/name"], "web");
    let ports = svc["spec"]["ports"].as_array().unwrap();
    assert_eq!(ports[0]["name"], "a-very-long-port-name");
    assert_eq!(
        ports[1],
        json!({"name": "dns", "port": 53, "targetPort": 53, "protocol": "UDP"})
    );
    assert_eq!(
        ports[2],
        json!({"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"})
    );
    let spec = pod(find(&d, "Deployment", "web"));
    let by = |n: &str| item(&spec["containers"], "name", n).clone();
    assert_eq!(
        by("api")["ports"],
        json!([{"containerPort": 8080, "name": "http", "protocol": "TCP"}])
    );
    // Without a probe hint, the first container by name; long names are left off.
    assert_eq!(
        by("a-sidecar")["ports"],
        json!([{"containerPort": 53, "name": "dns", "protocol": "UDP"}, {"containerPort": 9000, "protocol": "TCP"}])
    );

    // The annotation overrides the choice.
    w.annotations
        .insert("score-x.dev/port-container.dns".into(), "api".into());
    let d = docs(&app(vec![w.clone()], vec![]), &Options::default());
    let spec = pod(find(&d, "Deployment", "web"));
    assert_eq!(spec["containers"][1]["ports"].as_array().unwrap().len(), 2);
}

#[test]
fn kinds_statefulset_job_cronjob() {
    let mut w = workload("db", vec![container("main")]);
    w.port("pg", 5432, 5432, Protocol::Tcp);
    w.annotations
        .insert("k8s.score.dev/kind".into(), "StatefulSet".into());
    let d = docs(&app(vec![w.clone()], vec![]), &Options::default());
    let sts = find(&d, "StatefulSet", "db");
    assert_eq!(sts["spec"]["serviceName"], "db-headless");
    assert_eq!(
        find(&d, "Service", "db-headless")["spec"]["clusterIP"],
        "None"
    );
    let kinds: Vec<_> = d
        .iter()
        .map(|o| o["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, vec!["Service", "Service", "StatefulSet"]);

    let mut j = workload("batch", vec![container("main")]);
    j.annotations
        .insert("score-x.dev/kind".into(), "Job".into());
    let d = docs(&app(vec![j], vec![]), &Options::default());
    assert_eq!(pod(find(&d, "Job", "batch"))["restartPolicy"], "OnFailure");

    let mut cj = workload("nightly", vec![container("main")]);
    cj.annotations
        .insert("score-x.dev/kind".into(), "CronJob".into());
    cj.annotations
        .insert("score-x.dev/schedule".into(), "0 3 * * *".into());
    let d = docs(&app(vec![cj], vec![]), &Options::default());
    let c = find(&d, "CronJob", "nightly");
    assert_eq!(c["spec"]["schedule"], "0 3 * * *");
    assert_eq!(pod(c)["restartPolicy"], "OnFailure");
}

#[test]
fn resources_annotations_command_and_pull_policy() {
    let mut c = container("main");
    c.command = Some(vec!["/bin/sh".into(), "-c".into()]);
    c.args = Some(vec!["echo hi".into()]);
    c.resources = Some(ResourceRequirements {
        requests: Some(Quantities {
            cpu: Some(Cpu {
                millis: 250,
                text: "0.25".into(),
            }),
            memory: Some(Memory {
                bytes: 1000,
                text: "1K".into(),
            }),
        }),
        limits: Some(Quantities {
            cpu: Some(Cpu {
                millis: 2000,
                text: "2".into(),
            }),
            memory: Some(Memory {
                bytes: 128 * 1024 * 1024,
                text: "128Mi".into(),
            }),
        }),
    });
    let mut w = workload("web", vec![c]);
    w.annotations.insert("team".into(), "payments".into());
    w.annotations
        .insert("score-x.dev/kind".into(), "Deployment".into());
    w.annotations
        .insert("k8s.score.dev/whatever".into(), "x".into());
    let opts = Options {
        image_pull_policy: Some(crate::ImagePullPolicy::Always),
        ..Default::default()
    };
    let d = docs(&app(vec![w], vec![]), &opts);
    let dep = find(&d, "Deployment", "web");
    let k = &pod(dep)["containers"][0];
    assert_eq!(
        k["resources"],
        json!({"requests": {"cpu": "250m", "memory": "1000"}, "limits": {"cpu": "2", "memory": "128Mi"}})
    );
    assert_eq!(k["command"], json!(["/bin/sh", "-c"]));
    assert_eq!(k["args"], json!(["echo hi"]));
    assert_eq!(k["imagePullPolicy"], "Always");
    assert_eq!(
        dep["spec"]["template"]["metadata"]["annotations"],
        json!({"team": "payments"})
    );
}

#[test]
fn provisioner_objects_merged_namespaced_and_deduplicated() {
    let secret_obj = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "pg"}, "stringData": {"password": "x"}});
    let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "r"}});
    let r1 = resource("postgres.default#shared", vec![], json!([secret_obj, role]));
    let r2 = resource("postgres.default#other", vec![], json!([secret_obj]));
    let opts = Options {
        namespace: Some("shop".into()),
        generate_namespace: true,
        ..Default::default()
    };
    let a = app(
        vec![workload("web", vec![container("main")])],
        vec![r1.clone(), r2],
    );
    let d = docs(&a, &opts);
    let kinds: Vec<_> = d.iter().map(|o| o["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        vec!["Namespace", "Secret", "ClusterRole", "Deployment"]
    );
    assert_eq!(d[1]["metadata"]["namespace"], "shop");
    assert!(d[2]["metadata"].get("namespace").is_none());
    assert_eq!(d[3]["metadata"]["namespace"], "shop");
    assert!(d[0]["metadata"].get("namespace").is_none());

    let r3 = resource(
        "postgres.default#third",
        vec![],
        json!([{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "pg"}, "stringData": {"password": "y"}}]),
    );
    let a = app(vec![], vec![r1.clone(), r3]);
    let e = objects(&a, &opts).unwrap_err();
    assert!(matches!(e, Error::ConflictingObject { .. }), "{e}");
    assert!(!e.to_string().contains("\"x\""));

    for bad in [
        json!({"a": 1}),
        json!([1]),
        json!([{"kind": "Secret", "metadata": {"name": "a"}}]),
        json!([{"apiVersion": "v1", "kind": "Secret", "metadata": {}}]),
    ] {
        let a = app(vec![], vec![resource("x.default#y", vec![], bad)]);
        assert!(matches!(
            objects(&a, &Options::default()),
            Err(Error::BadArtifact { .. })
        ));
    }
}

#[test]
fn resource_keys_are_the_keys_of_the_objects_built() {
    let opts = |ns: Option<&str>| Options {
        namespace: ns.map(String::from),
        ..Default::default()
    };
    let sections = [
        json!([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"x": [1, {"y": 2}]}}]),
        json!([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "other"}}]),
        json!([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": null}}]),
        json!([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": 5}}]),
        json!([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}]),
        json!([{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "r"}},
               {"kind": "Secret", "apiVersion": "v1", "metadata": {"labels": {"a": "b"}, "name": "s"}}]),
        json!(null),
        json!([]),
    ];
    for section in sections {
        for ns in [None, Some("shop")] {
            let a = app(
                vec![],
                vec![resource("postgres.default#db", vec![], section.clone())],
            );
            let res = a.resources().values().next().unwrap();
            let built: Vec<_> = crate::artifacts::resource_objects(res, &opts(ns))
                .unwrap()
                .iter()
                .map(crate::Object::key)
                .collect();
            let keys = crate::artifacts::resource_keys(res, &opts(ns)).unwrap();
            assert_eq!(keys, built, "{section} in {ns:?}");
        }
    }
    // What the objects' builder refuses, reading the keys refuses the same way.
    for bad in [
        json!({"not": "a list"}),
        json!([5]),
        json!([{"apiVersion": "v1", "kind": "", "metadata": {"name": "a"}}]),
        json!([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}]),
        json!([{"apiVersion": "v1", "kind": "ConfigMap"}]),
    ] {
        let a = app(
            vec![],
            vec![resource("postgres.default#db", vec![], bad.clone())],
        );
        let res = a.resources().values().next().unwrap();
        let want = crate::artifacts::resource_objects(res, &opts(None)).unwrap_err();
        let got = crate::artifacts::resource_keys(res, &opts(None)).unwrap_err();
        assert_eq!(format!("{got:?}"), format!("{want:?}"), "{bad}");
    }
}

#[test]
fn staged_objects_and_each_workloads_own_are_the_built_objects() {
    let cfg = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "1"}});
    let opts = Options {
        namespace: Some("shop".into()),
        generate_namespace: true,
        ..Default::default()
    };
    let a = app(
        vec![
            workload("web", vec![container("main")]),
            workload("api", vec![container("main").http_probe("/", 8080, &[])]),
        ],
        vec![resource("postgres.default#shared", vec![], json!([cfg]))],
    );
    let p = plan(&a);
    let built = crate::build(&a, &p, &opts).unwrap();
    // Whether the resource is built or only stood in for, its objects are the built ones.
    for private in [false, true] {
        let staged = crate::stage(&a, &p, &opts, &|_| private).unwrap().unwrap();
        assert_eq!(staged.warnings, built.warnings);
        let mut entries = Vec::new();
        for o in staged.objects {
            match o {
                crate::StagedObject::Built(e) => entries.push(e),
                crate::StagedObject::Private(uid) => {
                    assert!(private);
                    let res = &a.resources()[&uid];
                    entries.extend(crate::resource_entries(res, &opts).unwrap());
                }
            }
        }
        for w in a.workloads().values() {
            entries.extend(crate::workload_entries(&a, &p, &opts, w).unwrap());
        }
        assert_eq!(entries, built.entries, "private: {private}");
    }
    // Two resources writing one object: de-duplication compares their values, so no stage.
    let a = app(
        vec![workload("web", vec![container("main")])],
        vec![
            resource("postgres.default#one", vec![], json!([cfg])),
            resource("postgres.default#two", vec![], json!([cfg])),
        ],
    );
    assert!(
        crate::stage(&a, &plan(&a), &opts, &|_| true)
            .unwrap()
            .is_none()
    );
    assert_eq!(crate::build(&a, &plan(&a), &opts).unwrap().entries.len(), 3);
}

#[test]
fn options_are_checked() {
    let a = app(vec![], vec![]);
    let o = Options {
        generate_namespace: true,
        ..Default::default()
    };
    assert!(matches!(objects(&a, &o), Err(Error::InvalidOption(_))));
    let o = Options {
        namespace: Some("Bad_NS".into()),
        ..Default::default()
    };
    assert!(matches!(objects(&a, &o), Err(Error::InvalidOption(_))));
}

#[test]
fn output_is_deterministic_and_independent_of_insertion_order() {
    let mut c = container("main");
    c = c.var("B", Value::text("2"));
    c = c.var("A", Value::text("1"));
    let mut w1 = workload("web", vec![c.clone(), container("side")]);
    w1.port("b", 81, 81, Protocol::Tcp);
    w1.port("a", 80, 80, Protocol::Tcp);
    let w2 = workload("api", vec![container("main")]);
    let r1 = resource(
        "x.default#a",
        vec![],
        json!([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}]),
    );
    let r2 = resource(
        "x.default#b",
        vec![],
        json!([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}}]),
    );
    let a1 = app(vec![w1.clone(), w2.clone()], vec![r1.clone(), r2.clone()]);
    let mut p2 = app(vec![w2, w1], vec![r2, r1]).into_parts();
    p2.order = a1.order().to_vec();
    let a2 = score_x_core::Resolved::new(p2).unwrap();
    let s1 = stream(&a1, &Options::default());
    assert_eq!(s1, stream(&a1, &Options::default()));
    assert_eq!(s1, stream(&a2, &Options::default()));
    assert!(s1.starts_with("---\napiVersion: v1\n"));
    let api = s1.find("name: api\n").unwrap();
    let web = s1.find("name: web\n").unwrap();
    assert!(api < web);
}

#[test]
fn capabilities_say_before_is_approximated() {
    use score_x_core::backend::{Feature, Support};
    let c = crate::capabilities();
    assert_eq!(c.target, "kubernetes");
    assert!(matches!(
        c.support(Feature::BeforeComplete),
        Support::Approximated(_)
    ));
    assert_eq!(c.support(Feature::MixedSecretVariables), Support::Native);
}

#[test]
fn a_secret_value_outside_a_secret_is_an_error() {
    let leak = resource(
        "postgres.default#web.db",
        vec![(
            "password",
            Output::Secret(secret(
                "pg",
                Some("password"),
                Some("generated-secret-1234"),
            )),
        )],
        json!([
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "pg"}, "stringData": {"password": "generated-secret-1234"}},
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "pg-conf"}, "data": {"pw": "generated-secret-1234"}},
        ]),
    );
    let a = app(
        vec![workload("web", vec![container("main")])],
        vec![leak.clone()],
    );
    let scan = |a: &Resolved| {
        let mut b = emit(a, &Options::default()).unwrap();
        SecretScanner::of(a)
            .check(Target::KUBERNETES, &mut b)
            .map(|()| b)
            .map_err(Box::new)
    };
    let e = scan(&a).unwrap_err();
    assert!(!e.message.contains("generated-secret-1234"));
    assert!(
        e.message.contains("manifests.yaml") && e.message.contains("`pg`"),
        "{e}"
    );
    let mut fine = leak;
    let mut list = fine.artifacts.value();
    list.as_array_mut().unwrap().pop();
    fine.artifacts = list.into();
    let b = scan(&app(vec![], vec![fine])).unwrap();
    assert!(b.secret_files.contains("manifests.yaml"));
}
