//! The ECS tests' hand-built `Resolved` models: ECS-flavoured shorthands over the core builders
//! (`score_x_core::testing`) and the rich estate shared by ecs_conformance and ecs_apply.
#![allow(dead_code)]

use score_x_core::ResourceUid;
pub use score_x_core::ir::Protocol;
use score_x_core::ir::Readiness;
use score_x_core::resolved::{Output, Resolved, ResolvedContent, SecretRef, Segment, Value};
use score_x_core::resolved::{ResolvedContainer, ResolvedWorkload};
use score_x_core::testing::provisioned;
pub use score_x_core::testing::{ContainerExt, WorkloadExt, secret, text, workload};
use score_x_ecs::Options;
use serde_json::json;

/// A value from segments: `Ok(text)` or `Err(secret)`.
pub fn mixed(parts: Vec<Result<&str, SecretRef>>) -> Value {
    score_x_core::testing::mixed(
        parts
            .into_iter()
            .map(|p| match p {
                Ok(t) => Segment::Text(t.into()),
                Err(s) => Segment::Secret(s),
            })
            .collect(),
    )
}

/// Container `name` running `image`.
pub fn container(name: &str, image: &str) -> ResolvedContainer {
    score_x_core::testing::container(name).image(image)
}

/// Service port `name` of `w`, UDP when `udp`.
pub fn port(w: &mut ResolvedWorkload, name: &str, port: u16, target: u16, udp: bool) {
    w.port(
        name,
        port,
        target,
        if udp { Protocol::Udp } else { Protocol::Tcp },
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
    let mut parts = app.clone().into_parts();
    for c in consumers {
        if let Some(w) = parts.workloads.get_mut(*c) {
            w.resources.insert(name.into(), uid.clone());
        }
    }
    let r = provisioned(uid.clone(), consumers, outputs, artifacts);
    parts.resources.insert(uid.clone(), r);
    parts.order.push(uid.clone());
    *app = Resolved::new(parts).unwrap_or_else(|e| panic!("test fixture: {e}"));
    uid
}

/// The estate of `workloads`, without resources (add them with [`resource`]).
pub fn app(workloads: Vec<ResolvedWorkload>) -> Resolved {
    score_x_core::testing::app(workloads, Vec::new())
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
    score_x_core::testing::with_workload(app, "api", |api| {
        let main = api.containers.remove("main").unwrap();
        let main = main
            .volume("/data", efs.as_str(), Some("tenants/a"), false)
            .volume("/cache", eph.as_str(), None, false);
        api.containers.insert("main".into(), Box::new(main));
    })
}
