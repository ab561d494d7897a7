//! Hand-built `Resolved` models for the ECS tests: a small builder over the core types.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use score_x_core::ResourceUid;
use score_x_core::Span;
use score_x_core::ir::{
    Before, Cpu, HttpGet, Memory, Probe, Protocol, Quantities, Readiness, ResourceRequirements,
    Scheme, ServicePort,
};
use score_x_core::resolved::{
    Output, ProvisionedResource, Resolved, ResolvedContainer, ResolvedContent, ResolvedFile,
    ResolvedVariable, ResolvedVolume, ResolvedWorkload, SecretRef, SecretText, Segment, Value,
};
use score_x_ecs::Options;
use serde_json::json;

pub fn span(path: &str) -> Span {
    Span::file_only("score.yaml").with_path(path)
}

pub fn text(s: &str) -> Value {
    Value::text(s)
}

/// A secret reference; `value` is the secret text score-x knows (dev provisioners).
pub fn secret(name: &str, key: Option<&str>, value: Option<&str>) -> SecretRef {
    SecretRef {
        name: name.into(),
        key: key.map(Into::into),
        value: value.map(SecretText::new),
    }
}

/// A value from segments: `Ok(text)` or `Err(secret)`.
pub fn mixed(parts: Vec<Result<&str, SecretRef>>) -> Value {
    let mut v = Value::default();
    for p in parts {
        v.push(match p {
            Ok(t) => Segment::Text(t.into()),
            Err(s) => Segment::Secret(s),
        });
    }
    v
}

pub fn container(name: &str, image: &str) -> ResolvedContainer {
    ResolvedContainer {
        name: name.into(),
        span: span(&format!("/containers/{name}")),
        image: image.into(),
        command: None,
        args: None,
        variables: BTreeMap::new(),
        files: BTreeMap::new(),
        volumes: BTreeMap::new(),
        resources: None,
        liveness_probe: None,
        readiness_probe: None,
        before: BTreeMap::new(),
    }
}

pub trait ContainerExt {
    fn var(self, k: &str, v: Value) -> Self;
    fn file(self, target: &str, mode: Option<u32>, content: ResolvedContent) -> Self;
    fn volume(
        self,
        target: &str,
        source: &ResourceUid,
        path: Option<&str>,
        read_only: bool,
    ) -> Self;
    fn resources(
        self,
        limit_cpu_m: Option<u64>,
        limit_mem: Option<u64>,
        req_cpu_m: Option<u64>,
        req_mem: Option<u64>,
    ) -> Self;
    fn before(self, other: &str, ready: Readiness) -> Self;
    fn exec_probe(self, cmd: &[&str]) -> Self;
    fn http_probe(self, path: &str, port: u16, headers: &[(&str, &str)]) -> Self;
    fn command(self, cmd: &[&str], args: &[&str]) -> Self;
}

impl ContainerExt for ResolvedContainer {
    fn var(mut self, k: &str, v: Value) -> Self {
        self.variables.insert(
            k.into(),
            ResolvedVariable {
                value: v,
                span: span(&format!("/containers/{}/variables/{k}", self.name)),
            },
        );
        self
    }
    fn file(mut self, target: &str, mode: Option<u32>, content: ResolvedContent) -> Self {
        self.files.insert(
            target.into(),
            ResolvedFile {
                target: target.into(),
                mode,
                content,
                span: span(&format!("/containers/{}/files/{target}", self.name)),
            },
        );
        self
    }
    fn volume(
        mut self,
        target: &str,
        source: &ResourceUid,
        path: Option<&str>,
        read_only: bool,
    ) -> Self {
        self.volumes.insert(
            target.into(),
            ResolvedVolume {
                target: target.into(),
                source: source.clone(),
                path: path.map(Into::into),
                read_only,
                span: span(&format!("/containers/{}/volumes/{target}", self.name)),
            },
        );
        self
    }
    fn resources(
        mut self,
        lc: Option<u64>,
        lm: Option<u64>,
        rc: Option<u64>,
        rm: Option<u64>,
    ) -> Self {
        let q = |c: Option<u64>, m: Option<u64>| {
            (c.is_some() || m.is_some()).then(|| Quantities {
                cpu: c.map(|millis| Cpu {
                    millis,
                    text: format!("{millis}m"),
                }),
                memory: m.map(|bytes| Memory {
                    bytes,
                    text: bytes.to_string(),
                }),
            })
        };
        self.resources = Some(ResourceRequirements {
            limits: q(lc, lm),
            requests: q(rc, rm),
        });
        self
    }
    fn before(mut self, other: &str, ready: Readiness) -> Self {
        self.before.insert(
            other.into(),
            Before {
                ready,
                span: span(&format!("/containers/{}/before/{other}", self.name)),
            },
        );
        self
    }
    fn exec_probe(mut self, cmd: &[&str]) -> Self {
        self.readiness_probe = Some(Probe {
            http_get: None,
            exec: Some(cmd.iter().map(|s| s.to_string()).collect()),
            span: span(&format!("/containers/{}/readinessProbe", self.name)),
        });
        self
    }
    fn http_probe(mut self, path: &str, port: u16, headers: &[(&str, &str)]) -> Self {
        self.readiness_probe = Some(Probe {
            http_get: Some(HttpGet {
                path: path.into(),
                port,
                host: None,
                scheme: Scheme::Http,
                headers: headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            }),
            exec: None,
            span: span(&format!("/containers/{}/readinessProbe", self.name)),
        });
        self
    }
    fn command(mut self, cmd: &[&str], args: &[&str]) -> Self {
        self.command = Some(cmd.iter().map(|s| s.to_string()).collect());
        self.args = (!args.is_empty()).then(|| args.iter().map(|s| s.to_string()).collect());
        self
    }
}

pub fn workload(name: &str, containers: Vec<ResolvedContainer>) -> ResolvedWorkload {
    ResolvedWorkload {
        name: name.into(),
        file: "score.yaml".into(),
        span: span(""),
        metadata: serde_json::json!({"name": name}),
        annotations: BTreeMap::new(),
        service_ports: BTreeMap::new(),
        containers: containers
            .into_iter()
            .map(|c| (c.name.clone(), c))
            .collect(),
        resources: BTreeMap::new(),
    }
}

pub fn port(w: &mut ResolvedWorkload, name: &str, port: u16, target: u16, udp: bool) {
    w.service_ports.insert(
        name.into(),
        ServicePort {
            name: name.into(),
            port,
            target_port: target,
            protocol: if udp { Protocol::Udp } else { Protocol::Tcp },
            span: span(&format!("/service/ports/{name}")),
        },
    );
}

/// A provisioned resource used by `consumers` (local name `name` in each).
pub fn resource(
    app: &mut Resolved,
    type_: &str,
    name: &str,
    consumers: &[&str],
    outputs: Vec<(&str, Output)>,
    artifacts: serde_json::Value,
) -> ResourceUid {
    let uid = ResourceUid::new(type_, None, None, consumers[0], name);
    for c in consumers {
        if let Some(w) = app.workloads.get_mut(*c) {
            w.resources.insert(name.into(), uid.clone());
        }
    }
    app.resources.insert(
        uid.clone(),
        ProvisionedResource {
            uid: uid.clone(),
            type_: type_.into(),
            class: "default".into(),
            id: None,
            source_workload: consumers[0].into(),
            consumers: consumers
                .iter()
                .map(|s| s.to_string())
                .collect::<BTreeSet<_>>(),
            provisioner: format!("template://test/{type_}"),
            params: serde_json::json!({}),
            outputs: outputs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            artifacts,
            span: span(&format!("/resources/{name}")),
        },
    );
    app.order.push(uid.clone());
    uid
}

pub fn app(workloads: Vec<ResolvedWorkload>) -> Resolved {
    Resolved {
        workloads: workloads.into_iter().map(|w| (w.name.clone(), w)).collect(),
        resources: BTreeMap::new(),
        order: Vec::new(),
    }
}

// ---- the rich estate shared by the conformance and apply tests ----

pub const PG_PASSWORD: &str = "pg-S3cret-Value-111";
pub const SM_PASSWORD: &str = "sm-S3cret-Value-222";
pub const FILE_SECRET: &str = "file-S3cret-Value-333";
pub const SM_ARN: &str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db-AbCdEf";
pub const PG_PARAM: &str = "/score-x/postgres/default/api.db/password";
pub const TOKEN_PARAM: &str = "/score-x/tokens/api";

pub fn full_options() -> Options {
    Options {
        cluster: Some("prod".into()),
        region: Some("eu-west-1".into()),
        execution_role_arn: Some("arn:aws:iam::123456789012:role/score-x-exec".into()),
        task_role_arn: Some("arn:aws:iam::123456789012:role/score-x-task".into()),
        subnets: Some(vec![
            "subnet-0123456789abcdef0".into(),
            "subnet-0fedcba9876543210".into(),
        ]),
        security_groups: Some(vec!["sg-0123456789abcdef0".into()]),
        service_connect_namespace: Some("prod.internal".into()),
        ..Options::default()
    }
}

/// The rich estate: secrets, mixed secrets, files (plain, secret, binary), volumes (EFS, ephemeral),
/// before (started/healthy/complete), probes (http, exec), UDP, multi-container, big CPU tiers,
/// a provisioner sidecar, parameters and CloudFormation additions.
pub fn estate() -> Resolved {
    let pg = secret(PG_PARAM, None, Some(PG_PASSWORD));
    let sm = secret(SM_ARN, Some("password"), Some(SM_PASSWORD));
    let file_secret = secret(TOKEN_PARAM, None, Some(FILE_SECRET));

    let main = container("main", "ghcr.io/acme/api:1.4.2")
        .var("LOG_LEVEL", text("info"))
        .var("A_FIRST", text("sorted first"))
        .var("PG_PASSWORD", mixed(vec![Err(pg.clone())]))
        .var("ORDERS_PASSWORD", mixed(vec![Err(sm.clone())]))
        .var(
            "DATABASE_URL",
            mixed(vec![
                Ok("postgres://app:"),
                Err(pg.clone()),
                Ok("@db.internal:5432/app"),
            ]),
        )
        .file(
            "/app/config/app.yaml",
            Some(0o600),
            ResolvedContent::Text(text("listen: 8080\nname: 'api'\n")),
        )
        .file(
            "/app/config/secret.env",
            None,
            ResolvedContent::Text(mixed(vec![Ok("TOKEN="), Err(file_secret), Ok("\n")])),
        )
        .file(
            "/app/bin/blob.bin",
            Some(0o755),
            ResolvedContent::Binary(vec![0, 159, 146, 150, 255]),
        )
        .resources(
            Some(500),
            Some(512 * 1024 * 1024),
            Some(250),
            Some(256 * 1024 * 1024),
        )
        .http_probe("/healthz", 8080, &[("X-Probe", "it's me")]);
    let migrate = container("migrate", "ghcr.io/acme/api:1.4.2")
        .command(&["/app/migrate"], &["--to", "latest"])
        .var("PG_PASSWORD", mixed(vec![Err(pg)]))
        .before("main", Readiness::Complete)
        .resources(Some(250), Some(256 * 1024 * 1024), None, None);
    let warm = container("warm", "ghcr.io/acme/warm:2")
        .exec_probe(&["/bin/check", "--ready"])
        .before("main", Readiness::Healthy);
    let proxy = container("proxy", "envoyproxy/envoy:v1.31.0").before("main", Readiness::Started);
    let mut api = workload("api", vec![main, migrate, warm, proxy]);
    port(&mut api, "http", 80, 8080, false);
    port(&mut api, "metrics", 9090, 9090, false);
    port(&mut api, "dns", 53, 5353, true);
    api.annotations
        .insert("ecs.score.dev/port-container.dns".into(), "proxy".into());
    api.annotations.insert("team".into(), "payments".into());
    api.annotations.insert("weird*key".into(), "x".into());

    let batch = container("job", "ghcr.io/acme/batch:7")
        .command(&["/bin/batch"], &["--all"])
        .resources(Some(6000), Some(20 * 1024 * 1024 * 1024), None, None);
    let huge = container("main", "ghcr.io/acme/huge:1").resources(
        Some(12000),
        Some(40 * 1024 * 1024 * 1024),
        Some(8000),
        Some(32 * 1024 * 1024 * 1024),
    );
    let mut app = app(vec![
        api,
        workload("batch", vec![batch]),
        workload("huge", vec![huge]),
    ]);

    resource(
        &mut app,
        "postgres",
        "db",
        &["api"],
        vec![
            ("host", Output::Plain(json!("db.internal"))),
            ("port", Output::Plain(json!(5432))),
            (
                "password",
                Output::Secret(secret(PG_PARAM, None, Some(PG_PASSWORD))),
            ),
        ],
        json!({
            "parameters": [{"name": PG_PARAM, "type": "SecureString", "description": "password of api.db"}],
            "sidecars": [{"name": "pg-proxy", "image": "ghcr.io/acme/pg-proxy:1", "secrets": {"PROXY_TOKEN": TOKEN_PARAM}, "cpu": 128, "memory": 128}],
            "cloudformation": {"resources": {"ApiDbAlarmTopic": {"Type": "AWS::SNS::Topic"}}},
            "notes": ["the platform runs the database"]
        }),
    );
    let efs = resource(
        &mut app,
        "volume",
        "data",
        &["api"],
        vec![("source", Output::Plain(json!("data")))],
        json!({"volume": {"kind": "efs", "fileSystemId": "fs-0123456789abcdef0", "iam": true}}),
    );
    let eph = resource(
        &mut app,
        "volume",
        "cache",
        &["api"],
        vec![("source", Output::Plain(json!("cache")))],
        json!({"volume": {"kind": "ephemeral"}}),
    );
    let sm_res = resource(
        &mut app,
        "mysql",
        "orders",
        &["api"],
        vec![(
            "password",
            Output::Secret(secret(SM_ARN, Some("password"), Some(SM_PASSWORD))),
        )],
        serde_json::Value::Null,
    );
    let _ = sm_res;
    let api = app.workloads.get_mut("api").unwrap();
    let main = api.containers.remove("main").unwrap();
    let main = main
        .volume("/data", &efs, Some("tenants/a"), false)
        .volume("/cache", &eph, None, false);
    api.containers.insert("main".into(), main);
    app
}
