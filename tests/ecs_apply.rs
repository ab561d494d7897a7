//! `score_x_ecs::apply::apply` against a local moto server (moto[server]): create the cluster,
//! register the task definitions, create the services, read them back with the AWS SDK and
//! compare with what translate wrote; apply again to update. Promoted secrets are composed into
//! SSM from components put in moto (boto3) and read back. The server is killed at the end.
//! Missing moto: a skip with a notice locally, a failure under CI.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

mod ecs_model;

use std::collections::BTreeMap;

use aws_sdk_ecs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ecs::types as t;
use ecs_model::*;
use score_x_core::ir::Readiness;
use score_x_core::resolved::{Output, ResolvedContent};
use score_x_ecs::Options;
use score_x_ecs::apply::{
    ApplyOptions, ComposedSecret, SecretAction, ServiceAction, StaticCredentials, apply,
};
use score_x_ecs::model;
use score_x_tests::moto::{moto, network};
use score_x_tests::planned::ecs as emit;
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
    let w = a.workloads.get_mut("worker").unwrap();
    let c = w
        .containers
        .remove("worker")
        .unwrap()
        .volume("/cache", eph.as_str(), None, false);
    w.containers.insert("worker".into(), c);
    a
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

#[test]
fn apply_registers_what_translate_wrote() {
    let Some(server) = moto() else { return };
    let bundle = emit(&small_estate(), &on_network(&server.url, apply_options())).unwrap();
    put_components(&server.url, &bundle.files);
    let opts = apply_options_for(&server.url);
    let report = apply(&bundle.files, &opts).unwrap_or_else(|e| panic!("apply failed: {e}"));
    assert_eq!(report.clusters.get("score-x-test"), Some(&true), "{report}");
    assert_eq!(report.task_definitions.len(), 2);
    assert!(
        report
            .services
            .iter()
            .all(|s| s.action == ServiceAction::Created),
        "{report}"
    );
    assert!(
        report
            .to_string()
            .contains("created service api in cluster score-x-test")
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
        assert_eq!(
            s.launch_type().map(|l| l.as_str()),
            Some(written.launch_type.as_str())
        );
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
        assert_eq!(
            vpc.security_groups(),
            written
                .network_configuration
                .awsvpc_configuration
                .security_groups
                .as_slice()
        );
    }

    // Apply again: new revisions, services updated.
    let report = apply(&bundle.files, &opts).unwrap();
    assert!(
        report.task_definitions.iter().all(|t| t.revision == 2),
        "{report}"
    );
    assert!(
        report
            .services
            .iter()
            .all(|s| s.action == ServiceAction::Updated),
        "{report}"
    );
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
fn apply_reports_missing_settings_clearly() {
    // No network needed: the bundle is refused first.
    let bundle = emit(&small_estate(), &Options::default()).unwrap();
    let e = apply(&bundle.files, &ApplyOptions::default()).unwrap_err();
    let d: score_x_core::Diagnostic = e.into();
    assert!(d.message.contains("<missing options."), "{d}");

    // A cluster-less bundle without --cluster.
    let opts = Options {
        cluster: None,
        ..apply_options()
    };
    let bundle = emit(&small_estate(), &opts).unwrap();
    let e = apply(
        &bundle.files,
        &ApplyOptions {
            region: Some(REGION.into()),
            ..ApplyOptions::default()
        },
    )
    .unwrap_err();
    assert!(matches!(e, score_x_ecs::Error::MissingCluster), "{e}");

    // No region anywhere, explicit credentials: refused before any call.
    let e = apply(
        &emit(&small_estate(), &apply_options()).unwrap().files,
        &ApplyOptions {
            credentials: Some(creds()),
            ..ApplyOptions::default()
        },
    )
    .unwrap_err();
    assert!(matches!(e, score_x_ecs::Error::MissingRegion), "{e}");
}

/// The rich estate of the conformance test (files, secrets, EFS and ephemeral volumes, before,
/// probes, UDP, sidecar, 8 and 16 vCPU tiers) registers exactly as written.
#[test]
fn apply_rich_estate_round_trips() {
    let Some(server) = moto() else { return };
    let opts = Options {
        region: Some(REGION.into()),
        ..on_network(&server.url, full_options())
    };
    let bundle = emit(&estate(), &opts).unwrap();
    assert!(!recipe_components(&bundle.files).is_empty());
    put_components(&server.url, &bundle.files);
    let report = apply(&bundle.files, &apply_options_for(&server.url))
        .unwrap_or_else(|e| panic!("apply failed: {e}"));
    assert_eq!(report.task_definitions.len(), 3, "{report}");
    let (client, rt) = sdk(&server.url);
    for w in ["api", "batch", "huge"] {
        assert_registered_as_written(&rt, &client, &bundle.files, w);
    }
    drop(server);
}

/// A variable mixing text and a secret is promoted: apply composes it into SSM from its
/// components (SSM and Secrets Manager), only when its value changed, and refuses a missing
/// component before registering anything.
#[test]
fn apply_composes_promoted_secrets() {
    let Some(server) = moto() else { return };
    let url = server.url.as_str();
    let mut bundle = emit(&small_estate(), &on_network(url, apply_options())).unwrap();
    let component = "/score-x/postgres/default/api.db/password";
    let mut list: Value = serde_json::from_slice(&bundle.files["secrets-to-create.json"]).unwrap();
    let entry = list["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s.get("recipe").is_some())
        .unwrap()
        .clone();
    let name = entry["name"].as_str().unwrap().to_string();
    assert_eq!(name, "/score-x/workloads/api/main/DATABASE_URL");
    let reference = format!("{{{{resolve:ssm-secure:{component}}}}}");
    let recipe = entry["recipe"].as_str().unwrap().to_string();
    assert!(recipe.contains(&reference), "{recipe}");
    // A recipe reading Secrets Manager (by name: moto picks its own ARN suffixes), and a secret
    // the platform was meant to create but has not.
    let sm_name = "/score-x/test/AMQP_URL";
    let secrets = list["secrets"].as_array_mut().unwrap();
    secrets.push(json!({
        "name": sm_name, "store": "ssm", "type": "SecureString",
        "recipe": "amqp://{{resolve:secretsmanager:broker:SecretString:user}}:{{resolve:secretsmanager:broker:SecretString:password}}@mq:5672/{{resolve:ssm:/score-x/test/vhost}}"
    }));
    secrets
        .push(json!({"name": "/score-x/platform/not-yet", "store": "ssm", "type": "SecureString"}));
    bundle.files.insert(
        "secrets-to-create.json".into(),
        serde_json::to_vec(&list).unwrap(),
    );
    boto(
        url,
        r#"sm.create_secret(Name="broker", SecretString=json.dumps({"user": "mq-user", "password": "mq-Pa55"}))
ssm.put_parameter(Name="/score-x/test/vhost", Value="orders", Type="String")"#,
        &[],
    );
    let opts = apply_options_for(url);
    let (client, rt) = sdk(url);

    // The component is missing: a precise error, and nothing created, written or registered.
    let e = apply(&bundle.files, &opts).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains(&format!("secret `{name}`"))
            && msg.contains(&format!("SSM parameter `{component}`"))
            && msg.contains("does not exist"),
        "{msg}"
    );
    let tds = rt.block_on(client.list_task_definitions().send()).unwrap();
    assert!(tds.task_definition_arns().is_empty(), "{tds:?}");
    let clusters = rt.block_on(client.list_clusters().send()).unwrap();
    assert!(clusters.cluster_arns().is_empty(), "{clusters:?}");
    assert_eq!(ssm_get(url, &name), None);
    assert_eq!(ssm_get(url, sm_name), None);

    // With the component: composed, listed by name, never by value.
    let password = "pw-Zx9!q@:/";
    ssm_put(url, component, password);
    let report = apply(&bundle.files, &opts).unwrap_or_else(|e| panic!("apply failed: {e}"));
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
    let shown = format!("{report}\n{report:?}");
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
    // The task definition reads the composed parameter.
    assert_registered_as_written(&rt, &client, &bundle.files, "api");
    let td: model::TaskDefinition =
        serde_json::from_slice(&bundle.files["api/task-definition.json"]).unwrap();
    assert!(
        td.container_definitions
            .iter()
            .flat_map(|c| &c.secrets)
            .any(|s| s.name == "DATABASE_URL" && s.value_from == name),
        "{td:?}"
    );

    // Again: nothing to write, the version stays.
    let report = apply(&bundle.files, &opts).unwrap();
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
    let report = apply(&bundle.files, &opts).unwrap();
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
