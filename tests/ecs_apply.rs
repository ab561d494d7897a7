//! `score_x_ecs::apply` against a local moto server (moto[server]): create the cluster,
//! register the task definitions, create the services, read them back with the AWS SDK and
//! compare with what translate wrote; an unchanged rerun registers and updates nothing; a changed
//! image registers one revision and updates one service; every failed precondition leaves
//! nothing behind (read back: no parameter, no revision, no cluster, no service); a plan that is
//! not executed writes nothing. Promoted secrets are composed into SSM from components put in
//! moto (boto3) and read back. The server is killed at the end. Missing moto: a skip with a
//! notice locally, a failure under CI.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

mod ecs_model;

use std::collections::BTreeMap;

use aws_sdk_ecs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ecs::types as t;
use ecs_model::*;
use score_x_core::ir::Readiness;
use score_x_core::resolved::{Output, ResolvedContent};
use score_x_core::testing::with_workload;
use score_x_ecs::Options;
use score_x_ecs::apply::{
    ApplyOptions, ApplyReport, ClusterAction, ComposedSecret, SecretAction, SecretSpec,
    ServiceAction, Session, StaticCredentials, Store, TaskDefinitionAction,
};
use score_x_ecs::model;
use score_x_tests::moto::{moto, network};
use score_x_tests::planned::{ecs as emit, plan};
use serde_json::{Value, json};

const REGION: &str = "us-east-1";

fn creds() -> StaticCredentials {
    StaticCredentials {
        access_key_id: "testing".into(),
        secret_access_key: "testing".into(),
        session_token: None,
    }
}

/// Apply options against the moto server at `url`, creating the cluster.
fn apply_options_for(url: &str) -> ApplyOptions {
    ApplyOptions {
        endpoint_url: Some(url.into()),
        region: Some(REGION.into()),
        cluster: None,
        create_cluster: true,
        credentials: Some(creds()),
        allow_missing_secrets: false,
    }
}

/// Translate options with moto's network (`subnet`, `sg`) over `base`.
fn on_network(url: &str, base: Options) -> Options {
    let (subnet, sg) = network(url);
    Options {
        subnets: Some(vec![subnet]),
        security_groups: Some(vec![sg]),
        ..base
    }
}

/// An SDK client of the moto server at `url` and a runtime to drive it.
fn sdk(url: &str) -> (aws_sdk_ecs::Client, tokio::runtime::Runtime) {
    let conf = aws_sdk_ecs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .endpoint_url(url)
        .build();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    (aws_sdk_ecs::Client::from_conf(conf), rt)
}

/// Task definition `w` as registered equals the bundle's `w/task-definition.json`.
fn assert_registered_as_written(
    rt: &tokio::runtime::Runtime,
    client: &aws_sdk_ecs::Client,
    files: &BTreeMap<String, Vec<u8>>,
    w: &str,
) {
    let written: model::TaskDefinition =
        serde_json::from_slice(&files[&format!("{w}/task-definition.json")]).unwrap();
    let out = rt
        .block_on(
            client
                .describe_task_definition()
                .task_definition(w)
                .include(t::TaskDefinitionField::Tags)
                .send(),
        )
        .unwrap();
    let got = back_task(out.task_definition().unwrap(), out.tags());
    assert_eq!(
        got, written,
        "task definition {w} as registered differs from the bundle"
    );
}

/// Run a boto3 snippet against moto at `url`, with `ssm` and `sm` (Secrets Manager) clients and
/// the extra arguments in `a`; returns what it prints.
fn boto(url: &str, code: &str, args: &[&str]) -> String {
    let script = format!(
        r#"
import sys, json, boto3
kw = dict(endpoint_url=sys.argv[1], region_name="{REGION}",
          aws_access_key_id="testing", aws_secret_access_key="testing")
ssm = boto3.client("ssm", **kw)
sm = boto3.client("secretsmanager", **kw)
a = sys.argv[2:]
{code}
"#
    );
    let out = std::process::Command::new("python3")
        .args(["-c", &script, url])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Put an SSM SecureString (overwriting).
fn ssm_put(url: &str, name: &str, value: &str) {
    boto(
        url,
        r#"ssm.put_parameter(Name=a[0], Value=a[1], Type="SecureString", Overwrite=True)"#,
        &[name, value],
    );
}

/// An SSM parameter's (decrypted value, type, version), or `None` when it does not exist.
fn ssm_get(url: &str, name: &str) -> Option<(String, String, i64)> {
    let out = boto(
        url,
        r#"
try:
    p = ssm.get_parameter(Name=a[0], WithDecryption=True)["Parameter"]
    print(json.dumps([p["Value"], p["Type"], p["Version"]]))
except ssm.exceptions.ParameterNotFound:
    print("null")
"#,
        &[name],
    );
    serde_json::from_str(&out).unwrap()
}

/// The SSM parameters referenced by the recipes of the bundle's secrets-to-create.json.
fn recipe_components(files: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let list: Value = serde_json::from_slice(&files["secrets-to-create.json"]).unwrap();
    let mut names = Vec::new();
    for s in list["secrets"].as_array().unwrap() {
        let Some(mut r) = s["recipe"].as_str() else {
            continue;
        };
        while let Some(i) = r.find("{{resolve:ssm-secure:") {
            let rest = &r[i + "{{resolve:ssm-secure:".len()..];
            let end = rest.find("}}").unwrap();
            names.push(rest[..end].to_string());
            r = &rest[end..];
        }
    }
    names.sort();
    names.dedup();
    names
}

/// Put every SSM component of the bundle's recipes in moto.
fn put_components(url: &str, files: &BTreeMap<String, Vec<u8>>) {
    for n in recipe_components(files) {
        ssm_put(url, &n, &format!("value-of-{n}"));
    }
}

fn small_estate() -> score_x_core::Resolved {
    let pg = secret(
        "/score-x/postgres/default/api.db/password",
        None,
        Some("never-in-json-123"),
    );
    let main = container("main", "ghcr.io/acme/api:1.4.2")
        .var("LOG_LEVEL", text("info"))
        .var("PG_PASSWORD", mixed(vec![Err(pg.clone())]))
        .var(
            "DATABASE_URL",
            mixed(vec![Ok("postgres://app:"), Err(pg), Ok("@db:5432/app")]),
        )
        .file(
            "/app/config/app.yaml",
            Some(0o600),
            ResolvedContent::Text(text("listen: 8080\n")),
        )
        .resources(
            Some(500),
            Some(512 * 1024 * 1024),
            Some(250),
            Some(256 * 1024 * 1024),
        )
        .http_probe("/healthz", 8080, &[]);
    let migrate = container("migrate", "ghcr.io/acme/api:1.4.2")
        .command(&["/app/migrate"], &["--to", "latest"])
        .before("main", Readiness::Complete);
    let mut api = workload("api", vec![main, migrate]);
    port(&mut api, "http", 80, 8080, false);
    api.annotations.insert("team".into(), "payments".into());
    let worker = container("worker", "ghcr.io/acme/worker:3").exec_probe(&["/bin/true"]);
    let mut a = app(vec![api, workload("worker", vec![worker])]);
    let eph = resource(
        &mut a,
        "volume",
        "cache",
        &["worker"],
        vec![("source", Output::Plain(json!("cache")))],
        json!({"volume": {"kind": "ephemeral"}}),
    );
    with_workload(a, "worker", |w| {
        let c = w
            .containers
            .remove("worker")
            .unwrap()
            .volume("/cache", eph.as_str(), None, false);
        w.containers.insert("worker".into(), Box::new(c));
    })
}

fn apply_options() -> Options {
    Options {
        cluster: Some("score-x-test".into()),
        region: Some(REGION.into()),
        execution_role_arn: Some("arn:aws:iam::123456789012:role/score-x-exec".into()),
        subnets: Some(vec!["subnet-0123456789abcdef0".into()]),
        security_groups: Some(vec!["sg-0123456789abcdef0".into()]),
        ..Options::default()
    }
}

// ---- SDK output → the bundle model, to compare what ECS holds with what translate wrote ----

fn back_container(c: &t::ContainerDefinition) -> model::ContainerDefinition {
    let nz = |v: Option<i32>| v.filter(|x| *x != 0);
    model::ContainerDefinition {
        name: c.name().unwrap_or_default().into(),
        image: c.image().unwrap_or_default().into(),
        cpu: nz(Some(c.cpu())),
        memory: c.memory(),
        memory_reservation: c.memory_reservation(),
        port_mappings: c
            .port_mappings()
            .iter()
            .map(|p| model::PortMapping {
                name: p.name().unwrap_or_default().into(),
                container_port: p.container_port().unwrap_or_default(),
                protocol: p
                    .protocol()
                    .map(|x| x.as_str().to_string())
                    .unwrap_or_default(),
                app_protocol: p.app_protocol().map(|x| x.as_str().to_string()),
            })
            .collect(),
        essential: c.essential(),
        entry_point: (!c.entry_point().is_empty()).then(|| c.entry_point().to_vec()),
        command: (!c.command().is_empty()).then(|| c.command().to_vec()),
        environment: c
            .environment()
            .iter()
            .map(|e| model::KeyValuePair {
                name: e.name().unwrap_or_default().into(),
                value: e.value().unwrap_or_default().into(),
            })
            .collect(),
        mount_points: c
            .mount_points()
            .iter()
            .map(|m| model::MountPoint {
                source_volume: m.source_volume().unwrap_or_default().into(),
                container_path: m.container_path().unwrap_or_default().into(),
                read_only: m.read_only().unwrap_or_default(),
            })
            .collect(),
        secrets: c
            .secrets()
            .iter()
            .map(|s| model::Secret {
                name: s.name().into(),
                value_from: s.value_from().into(),
            })
            .collect(),
        depends_on: c
            .depends_on()
            .iter()
            .map(|d| model::ContainerDependency {
                container_name: d.container_name().into(),
                condition: d.condition().as_str().into(),
            })
            .collect(),
        log_configuration: c.log_configuration().map(|l| model::LogConfiguration {
            log_driver: l.log_driver().as_str().into(),
            options: l
                .options()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .collect::<BTreeMap<_, _>>(),
        }),
        health_check: c.health_check().map(|h| model::HealthCheck {
            command: h.command().to_vec(),
            interval: h.interval().unwrap_or_default(),
            timeout: h.timeout().unwrap_or_default(),
            retries: h.retries().unwrap_or_default(),
            start_period: h.start_period().unwrap_or_default(),
        }),
    }
}

fn back_volume(v: &t::Volume) -> model::Volume {
    model::Volume {
        name: v.name().unwrap_or_default().into(),
        host: v
            .host()
            .and_then(|h| h.source_path())
            .map(|p| model::HostVolumeProperties {
                source_path: p.into(),
            }),
        docker_volume_configuration: v.docker_volume_configuration().map(|d| {
            model::DockerVolumeConfiguration {
                scope: d.scope().map(|x| x.as_str().into()).unwrap_or_default(),
                autoprovision: d.autoprovision(),
                driver: d.driver().map(Into::into),
            }
        }),
        efs_volume_configuration: v.efs_volume_configuration().map(|e| {
            model::EfsVolumeConfiguration {
                file_system_id: e.file_system_id().into(),
                root_directory: e.root_directory().map(Into::into),
                transit_encryption: e
                    .transit_encryption()
                    .map(|x| x.as_str().into())
                    .unwrap_or_default(),
                authorization_config: e.authorization_config().map(|a| {
                    model::EfsAuthorizationConfig {
                        access_point_id: a.access_point_id().map(Into::into),
                        iam: a.iam().map(|x| x.as_str().into()).unwrap_or_default(),
                    }
                }),
            }
        }),
    }
}

fn back_task(td: &t::TaskDefinition, tags: &[t::Tag]) -> model::TaskDefinition {
    model::TaskDefinition {
        family: td.family().unwrap_or_default().into(),
        task_role_arn: td.task_role_arn().map(Into::into),
        execution_role_arn: td.execution_role_arn().map(Into::into),
        network_mode: td.network_mode().map(|n| n.as_str().into()),
        container_definitions: td
            .container_definitions()
            .iter()
            .map(back_container)
            .collect(),
        volumes: td.volumes().iter().map(back_volume).collect(),
        requires_compatibilities: td
            .requires_compatibilities()
            .iter()
            .map(|c| c.as_str().into())
            .collect(),
        cpu: td.cpu().map(Into::into),
        memory: td.memory().map(Into::into),
        tags: tags
            .iter()
            .map(|t| model::Tag {
                key: t.key().unwrap_or_default().into(),
                value: t.value().unwrap_or_default().into(),
            })
            .collect(),
        runtime_platform: td.runtime_platform().map(|r| model::RuntimePlatform {
            cpu_architecture: r
                .cpu_architecture()
                .map(|x| x.as_str().into())
                .unwrap_or_default(),
            operating_system_family: r
                .operating_system_family()
                .map(|x| x.as_str().into())
                .unwrap_or_default(),
        }),
    }
}

/// Plan and execute `app` with `options` (translate's) and `opts` (apply's).
fn apply(
    app: &score_x_core::Resolved,
    options: &Options,
    opts: &ApplyOptions,
) -> Result<ApplyReport, score_x_ecs::Error> {
    score_x_ecs::apply::apply(app, &plan(app), options, opts)
}

/// What moto holds: (task definition ARNs, cluster ARNs, service ARNs of `cluster`).
fn written(
    rt: &tokio::runtime::Runtime,
    client: &aws_sdk_ecs::Client,
    cluster: &str,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let tds = rt.block_on(client.list_task_definitions().send()).unwrap();
    let clusters = rt.block_on(client.list_clusters().send()).unwrap();
    let services = rt
        .block_on(client.list_services().cluster(cluster).send())
        .map(|o| o.service_arns().to_vec())
        .unwrap_or_default();
    (
        tds.task_definition_arns().to_vec(),
        clusters.cluster_arns().to_vec(),
        services,
    )
}

/// Nothing at all was written: no revision, no cluster, no service, no composed parameter.
fn assert_nothing_written(url: &str, cluster: &str, what: &str) {
    let (client, rt) = sdk(url);
    let (tds, clusters, services) = written(&rt, &client, cluster);
    assert!(tds.is_empty(), "{what}: revisions registered: {tds:?}");
    assert!(
        clusters.is_empty(),
        "{what}: clusters created: {clusters:?}"
    );
    assert!(
        services.is_empty(),
        "{what}: services created: {services:?}"
    );
    assert_eq!(
        ssm_get(url, "/score-x/workloads/api/main/DATABASE_URL"),
        None,
        "{what}: a promoted secret was written"
    );
}

/// The small estate with `worker` reading a secret the platform has not created.
fn estate_with_platform_secret() -> score_x_core::Resolved {
    let key = secret("/score-x/platform/api-key", None, Some("k-123"));
    with_workload(small_estate(), "worker", |w| {
        let c = w.containers.remove("worker").unwrap();
        let c = c.var("API_KEY", mixed(vec![Err(key)]));
        w.containers.insert("worker".into(), Box::new(c));
    })
}

#[test]
fn apply_registers_what_translate_wrote_and_reruns_as_no_ops() {
    let Some(server) = moto() else { return };
    let options = on_network(&server.url, apply_options());
    let app = small_estate();
    let bundle = emit(&app, &options).unwrap();
    put_components(&server.url, &bundle.files);
    let opts = apply_options_for(&server.url);
    let report = apply(&app, &options, &opts).unwrap_or_else(|e| panic!("apply failed: {e}"));
    assert!(report.executed);
    assert_eq!(
        report.clusters.get("score-x-test"),
        Some(&ClusterAction::Create),
        "{report}"
    );
    assert_eq!(report.task_definitions.len(), 2);
    assert!(
        report
            .services
            .iter()
            .all(|s| s.action == ServiceAction::Create),
        "{report}"
    );
    assert!(
        report
            .to_string()
            .contains("created service api in cluster score-x-test"),
        "{report}"
    );

    // Read back with the SDK.
    let (client, rt) = sdk(&server.url);
    for w in ["api", "worker"] {
        assert_registered_as_written(&rt, &client, &bundle.files, w);
        let written: model::Service =
            serde_json::from_slice(&bundle.files[&format!("{w}/service.json")]).unwrap();
        let out = rt
            .block_on(
                client
                    .describe_services()
                    .cluster("score-x-test")
                    .services(w)
                    .send(),
            )
            .unwrap();
        let s = &out.services()[0];
        assert_eq!(s.service_name(), Some(written.service_name.as_str()));
        assert_eq!(s.desired_count(), written.desired_count);
        assert!(
            s.task_definition()
                .unwrap()
                .ends_with(&format!("task-definition/{w}:1")),
            "{:?}",
            s.task_definition()
        );
        let vpc = s
            .network_configuration()
            .unwrap()
            .awsvpc_configuration()
            .unwrap();
        assert_eq!(
            vpc.subnets(),
            written
                .network_configuration
                .awsvpc_configuration
                .subnets
                .as_slice()
        );
    }

    // Unchanged rerun: the plan says so, and nothing is registered or updated.
    let session = Session::open(&app, &plan(&app), &options, &opts).unwrap();
    let p = session.plan().clone();
    assert!(!p.has_changes(), "{p}");
    assert!(p.to_string().contains("nothing to change"), "{p}");
    let report = session.execute().unwrap();
    assert!(
        report
            .task_definitions
            .iter()
            .all(|t| t.action == TaskDefinitionAction::Unchanged && t.revision == Some(1)),
        "{report}"
    );
    assert!(
        report
            .services
            .iter()
            .all(|s| s.action == ServiceAction::Unchanged),
        "{report}"
    );
    let (tds, _, _) = written(&rt, &client, "score-x-test");
    assert_eq!(tds.len(), 2, "{tds:?}");

    // A changed image: exactly one new revision, that service updated, the other left.
    let changed = with_workload(small_estate(), "api", |w| {
        let c = w
            .containers
            .remove("main")
            .unwrap()
            .image("ghcr.io/acme/api:1.5.0");
        w.containers.insert("main".into(), Box::new(c));
    });
    let report = apply(&changed, &options, &opts).unwrap();
    let by: BTreeMap<&str, (TaskDefinitionAction, Option<i32>)> = report
        .task_definitions
        .iter()
        .map(|t| (t.family.as_str(), (t.action, t.revision)))
        .collect();
    assert_eq!(
        by["api"],
        (TaskDefinitionAction::Register, Some(2)),
        "{report}"
    );
    assert_eq!(
        by["worker"],
        (TaskDefinitionAction::Unchanged, Some(1)),
        "{report}"
    );
    let services: BTreeMap<&str, ServiceAction> = report
        .services
        .iter()
        .map(|s| (s.name.as_str(), s.action))
        .collect();
    assert_eq!(services["api"], ServiceAction::Update, "{report}");
    assert_eq!(services["worker"], ServiceAction::Unchanged, "{report}");
    let (tds, _, _) = written(&rt, &client, "score-x-test");
    assert_eq!(tds.len(), 3, "{tds:?}");
    let out = rt
        .block_on(
            client
                .describe_services()
                .cluster("score-x-test")
                .services("api")
                .send(),
        )
        .unwrap();
    assert!(
        out.services()[0]
            .task_definition()
            .unwrap()
            .ends_with("task-definition/api:2")
    );
    drop(server);
}

#[test]
fn apply_refuses_missing_settings_before_any_call() {
    // Missing account settings: named, with the fix, before any network call.
    let app = small_estate();
    let e = apply(
        &app,
        &Options {
            execution_role_arn: None,
            subnets: None,
            ..apply_options()
        },
        &ApplyOptions {
            credentials: Some(creds()),
            region: Some(REGION.into()),
            endpoint_url: Some("http://127.0.0.1:9".into()),
            ..ApplyOptions::default()
        },
    )
    .unwrap_err();
    let d: score_x_core::Diagnostic = e.into();
    assert!(
        d.message.contains("`executionRoleArn`") && d.message.contains("`subnets`"),
        "{d}"
    );
    assert!(!d.message.contains("<missing"), "{d}");
    assert!(d.to_string().contains("--target-options"), "{d}");

    // No cluster anywhere.
    let e = apply(
        &app,
        &Options {
            cluster: None,
            ..apply_options()
        },
        &ApplyOptions {
            region: Some(REGION.into()),
            ..ApplyOptions::default()
        },
    )
    .unwrap_err();
    assert!(matches!(e, score_x_ecs::Error::MissingCluster), "{e}");

    // No region anywhere, explicit credentials.
    let e = apply(
        &app,
        &Options {
            region: None,
            ..apply_options()
        },
        &ApplyOptions {
            credentials: Some(creds()),
            ..ApplyOptions::default()
        },
    )
    .unwrap_err();
    assert!(matches!(e, score_x_ecs::Error::MissingRegion), "{e}");

    // A role that is not a role ARN, a subnet that is not a subnet id.
    for (options, needle) in [
        (
            Options {
                execution_role_arn: Some("score-x-exec".into()),
                ..apply_options()
            },
            "not an IAM role ARN",
        ),
        (
            Options {
                subnets: Some(vec!["10.0.0.0/24".into()]),
                ..apply_options()
            },
            "not a subnet id",
        ),
    ] {
        let e = apply(
            &app,
            &options,
            &ApplyOptions {
                credentials: Some(creds()),
                region: Some(REGION.into()),
                endpoint_url: Some("http://127.0.0.1:9".into()),
                ..ApplyOptions::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains(needle), "{e}");
    }
}

/// Each precondition that needs the account fails before the first write: nothing is left
/// behind (read back with the SDK and boto3).
#[test]
fn failed_preconditions_write_nothing() {
    let Some(server) = moto() else { return };
    let url = server.url.as_str();
    let options = on_network(url, apply_options());
    let app = small_estate();
    let bundle = emit(&app, &options).unwrap();

    // A recipe component missing (the composed secret would be the first write).
    let e = apply(&app, &options, &apply_options_for(url)).unwrap_err();
    assert!(e.to_string().contains("does not exist"), "{e}");
    assert_nothing_written(url, "score-x-test", "missing component");

    // The cluster does not exist and --create-cluster is not given.
    put_components(url, &bundle.files);
    let no_create = ApplyOptions {
        create_cluster: false,
        ..apply_options_for(url)
    };
    let e = apply(&app, &options, &no_create).unwrap_err();
    let d: score_x_core::Diagnostic = e.into();
    assert!(
        d.message.contains("cluster `score-x-test` does not exist")
            && d.message.contains("nothing was written"),
        "{d}"
    );
    assert!(d.to_string().contains("--create-cluster"), "{d}");
    assert_nothing_written(url, "score-x-test", "missing cluster");

    // A secret the worker reads does not exist: refused, named with its reader.
    let app = estate_with_platform_secret();
    let e = apply(&app, &options, &apply_options_for(url)).unwrap_err();
    let d: score_x_core::Diagnostic = e.into();
    assert!(
        d.message
            .contains("`/score-x/platform/api-key` (read by worker)"),
        "{d}"
    );
    assert!(d.to_string().contains("--allow-missing-secrets"), "{d}");
    assert_nothing_written(url, "score-x-test", "missing secret");

    // A plan that is not executed (--dry-run) writes nothing either, and says what it would do.
    let app = small_estate();
    let session = Session::open(&app, &plan(&app), &options, &apply_options_for(url)).unwrap();
    let p = session.plan().clone();
    drop(session);
    assert!(!p.executed && p.has_changes(), "{p}");
    let text = p.to_string();
    for line in [
        "create cluster score-x-test",
        "compose (new) /score-x/workloads/api/main/DATABASE_URL",
        "register task definition api",
        "create service worker in cluster score-x-test",
    ] {
        assert!(text.contains(line), "{line:?} not in\n{text}");
    }
    let json: Value = serde_json::to_value(&p).unwrap();
    assert_eq!(json["taskDefinitions"][0]["action"], "register", "{json}");
    assert_nothing_written(url, "score-x-test", "dry run");

    // --allow-missing-secrets: deployed, the missing secret reported.
    let app = estate_with_platform_secret();
    let report = apply(
        &app,
        &options,
        &ApplyOptions {
            allow_missing_secrets: true,
            ..apply_options_for(url)
        },
    )
    .unwrap();
    assert_eq!(report.missing_secrets.len(), 1, "{report}");
    assert_eq!(
        report.missing_secrets[0].used_by,
        vec!["worker".to_string()]
    );
    assert!(
        report.to_string().contains(
            "warning: secret `/score-x/platform/api-key` (read by worker) does not exist"
        ),
        "{report}"
    );
    drop(server);
}

/// The rich estate of the conformance test (files, secrets, EFS and ephemeral volumes, before,
/// probes, UDP, sidecar, 8 and 16 vCPU tiers) registers exactly as written, and a rerun
/// registers nothing.
#[test]
fn apply_rich_estate_round_trips() {
    let Some(server) = moto() else { return };
    let opts = Options {
        region: Some(REGION.into()),
        ..on_network(&server.url, full_options())
    };
    let app = estate();
    let bundle = emit(&app, &opts).unwrap();
    assert!(!recipe_components(&bundle.files).is_empty());
    put_components(&server.url, &bundle.files);
    // Its Secrets Manager ARN cannot exist in moto (moto picks ARNs).
    let apply_opts = ApplyOptions {
        allow_missing_secrets: true,
        ..apply_options_for(&server.url)
    };
    let report = apply(&app, &opts, &apply_opts).unwrap_or_else(|e| panic!("apply failed: {e}"));
    assert_eq!(report.task_definitions.len(), 3, "{report}");
    let (client, rt) = sdk(&server.url);
    for w in ["api", "batch", "huge"] {
        assert_registered_as_written(&rt, &client, &bundle.files, w);
    }
    let report = apply(&app, &opts, &apply_opts).unwrap();
    assert!(
        report
            .task_definitions
            .iter()
            .all(|t| t.action == TaskDefinitionAction::Unchanged),
        "{report}"
    );
    drop(server);
}

/// A variable mixing text and a secret is promoted: apply composes it into SSM from its
/// components (SSM and Secrets Manager), only when its value changed, and refuses a missing
/// component before registering anything.
#[test]
fn apply_composes_promoted_secrets() {
    let Some(server) = moto() else { return };
    let url = server.url.as_str();
    let options = on_network(url, apply_options());
    let app = small_estate();
    let mut typed = score_x_ecs::plan_apply(&app, &plan(&app), &options).unwrap();
    let component = "/score-x/postgres/default/api.db/password";
    let entry = typed
        .secrets
        .iter()
        .find(|s| s.recipe.is_some())
        .unwrap()
        .clone();
    let name = entry.name.clone();
    assert_eq!(name, "/score-x/workloads/api/main/DATABASE_URL");
    let reference = format!("{{{{resolve:ssm-secure:{component}}}}}");
    let recipe = entry.recipe.clone().unwrap();
    assert!(recipe.contains(&reference), "{recipe}");
    // A recipe reading Secrets Manager (by name: moto picks its own ARN suffixes), and a secret
    // the platform was meant to create but has not (read by no task definition: a warning).
    let sm_name = "/score-x/test/AMQP_URL";
    typed.secrets.push(SecretSpec {
        name: sm_name.into(),
        store: Store::Ssm,
        description: None,
        recipe: Some("amqp://{{resolve:secretsmanager:broker:SecretString:user}}:{{resolve:secretsmanager:broker:SecretString:password}}@mq:5672/{{resolve:ssm:/score-x/test/vhost}}".into()),
    });
    typed.secrets.push(SecretSpec {
        name: "/score-x/platform/not-yet".into(),
        store: Store::Ssm,
        description: None,
        recipe: None,
    });
    boto(
        url,
        r#"sm.create_secret(Name="broker", SecretString=json.dumps({"user": "mq-user", "password": "mq-Pa55"}))
ssm.put_parameter(Name="/score-x/test/vhost", Value="orders", Type="String")"#,
        &[],
    );
    let opts = apply_options_for(url);
    let run = |t: &score_x_ecs::apply::ApplyPlan| Session::open_plan(t.clone(), &opts)?.execute();
    let (client, rt) = sdk(url);

    // The component is missing: a precise error, and nothing created, written or registered.
    let msg = run(&typed).unwrap_err().to_string();
    assert!(
        msg.contains(&format!("secret `{name}`"))
            && msg.contains(&format!("SSM parameter `{component}`"))
            && msg.contains("does not exist"),
        "{msg}"
    );
    assert_nothing_written(url, "score-x-test", "missing component");
    assert_eq!(ssm_get(url, sm_name), None);

    // With the component: composed, listed by name, never by value.
    let password = "pw-Zx9!q@:/";
    ssm_put(url, component, password);
    let report = run(&typed).unwrap_or_else(|e| panic!("apply failed: {e}"));
    assert_eq!(
        report.secrets,
        vec![
            ComposedSecret {
                name: name.clone(),
                action: SecretAction::Created
            },
            ComposedSecret {
                name: sm_name.into(),
                action: SecretAction::Created
            }
        ]
    );
    let shown = format!(
        "{report}\n{report:?}\n{}",
        serde_json::to_string(&report).unwrap()
    );
    assert!(shown.contains(&format!("composed {name}\n")), "{shown}");
    assert!(
        shown.contains("warning: secret `/score-x/platform/not-yet` does not exist yet"),
        "{shown}"
    );
    assert_eq!(report.warnings.len(), 1, "{shown}");
    for v in [password, "mq-Pa55", "mq-user"] {
        assert!(!shown.contains(v), "a secret value is shown: {shown}");
    }
    let expected = recipe.replace(&reference, password);
    let (value, kind, version) = ssm_get(url, &name).unwrap();
    assert_eq!(value, expected);
    assert_eq!(kind, "SecureString");
    assert_eq!(
        ssm_get(url, sm_name).unwrap().0,
        "amqp://mq-user:mq-Pa55@mq:5672/orders"
    );
    let bundle = emit(&app, &options).unwrap();
    assert_registered_as_written(&rt, &client, &bundle.files, "api");

    // Again: nothing to write, the version stays.
    let report = run(&typed).unwrap();
    assert!(
        report
            .secrets
            .iter()
            .all(|s| s.action == SecretAction::Unchanged),
        "{report}"
    );
    assert!(
        report
            .to_string()
            .contains(&format!("secret {name} already up to date")),
        "{report}"
    );
    assert_eq!(ssm_get(url, &name).unwrap(), (expected, kind, version));

    // The component changes (rotation): the composed value follows, one new version.
    ssm_put(url, component, "rotated-pw");
    let report = run(&typed).unwrap();
    assert_eq!(
        report.secrets[0],
        ComposedSecret {
            name: name.clone(),
            action: SecretAction::Updated
        }
    );
    assert_eq!(report.secrets[1].action, SecretAction::Unchanged);
    let (value, _, v2) = ssm_get(url, &name).unwrap();
    assert_eq!(value, recipe.replace(&reference, "rotated-pw"));
    assert_eq!(v2, version + 1);
    drop(server);
}

/// The typed plan is what translate writes: each unit's task definition and service equal the
/// bundle's JSON files, field for field (no moto needed).
#[test]
fn plan_apply_is_what_emit_writes() {
    for (app, options) in [
        (small_estate(), apply_options()),
        (
            estate(),
            Options {
                region: Some(REGION.into()),
                ..full_options()
            },
        ),
    ] {
        let bundle = emit(&app, &options).unwrap();
        let typed = score_x_ecs::plan_apply(&app, &plan(&app), &options).unwrap();
        assert_eq!(typed.units.len(), app.workloads().len());
        for u in &typed.units {
            let td: model::TaskDefinition =
                serde_json::from_slice(&bundle.files[&format!("{}/task-definition.json", u.name)])
                    .unwrap();
            let svc: model::Service =
                serde_json::from_slice(&bundle.files[&format!("{}/service.json", u.name)]).unwrap();
            assert_eq!(u.task, td, "{}", u.name);
            assert_eq!(u.service, svc, "{}", u.name);
        }
        let listed: Value =
            serde_json::from_slice(&bundle.files["secrets-to-create.json"]).unwrap();
        let names: Vec<&str> = listed["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        let typed_names: Vec<&str> = typed.secrets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(typed_names, names);
    }
}
