//! ECS backend conformance: rich hand-built `Resolved` models emitted and validated against
//! botocore's RegisterTaskDefinition / CreateService shapes and cfn-lint; secrets never leak;
//! output is deterministic; every mapping decision checked on the JSON.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

mod ecs_model;

use std::collections::BTreeMap;

use ecs_model::*;
use score_x_core::ir::Readiness;
use score_x_core::resolved::{Output, ResolvedContent};
use score_x_core::testing::with_workload;
use score_x_core::{Bundle, Code};
use score_x_ecs::{Error, LaunchType, MixedSecrets, Options};
use score_x_tests::json::{item, item_with, pairs, strings};
use score_x_tests::planned::ecs as emit;
use score_x_tests::validators::{
    Validator, assert_valid_bundle as validate, validate_bundle, write_files,
};
use serde_json::{Value as Json, json};

fn file_json(b: &Bundle, path: &str) -> Json {
    serde_json::from_slice(
        b.files
            .get(path)
            .unwrap_or_else(|| panic!("no {path} in {:?}", b.files.keys())),
    )
    .unwrap()
}

fn container_of<'a>(td: &'a Json, name: &str) -> &'a Json {
    item(&td["containerDefinitions"], "name", name)
}

fn assert_no_secret_text(b: &Bundle) {
    for (path, bytes) in &b.files {
        let text = String::from_utf8_lossy(bytes);
        for s in [PG_PASSWORD, SM_PASSWORD, FILE_SECRET] {
            assert!(!text.contains(s), "secret text leaked into {path}");
            // Nor base64-encoded (the files init container carries plain content as base64).
            use base64_like::encode;
            assert!(
                !text.contains(&encode(s)),
                "base64 of a secret leaked into {path}"
            );
        }
    }
    for w in &b.warnings {
        for s in [PG_PASSWORD, SM_PASSWORD, FILE_SECRET] {
            assert!(!w.message.contains(s));
        }
    }
}

/// Minimal standard base64 (no dependency) to look for encoded leaks.
mod base64_like {
    pub fn encode(s: &str) -> String {
        const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let b = s.as_bytes();
        let mut out = String::new();
        for chunk in b.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, &x)| acc | (u32::from(x) << (16 - 8 * i)));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}

#[test]
fn rich_estate_is_valid_and_mapped() {
    let app = estate();
    let b = emit(&app, &full_options()).unwrap_or_else(|e| panic!("{e}"));
    validate(&b);
    assert_no_secret_text(&b);

    let td = file_json(&b, "api/task-definition.json");
    assert_eq!(td["networkMode"], "awsvpc");
    assert_eq!(td["requiresCompatibilities"], json!(["FARGATE"]));
    // main 512 + migrate 256 + sidecar 128 CPU units... main: max(500m,250m)=512, migrate 256,
    // pg-proxy 128 → 896 units → 1024; memory 512 + 256 + 128 = 896 MiB → 2048 (1 vCPU minimum).
    assert_eq!(
        (td["cpu"].as_str(), td["memory"].as_str()),
        (Some("1024"), Some("2048"))
    );
    assert!(
        b.notes
            .iter()
            .any(|n| n.contains("1024 CPU units / 2048 MiB") && n.contains("896 CPU units"))
    );

    let main = container_of(&td, "main");
    assert_eq!(main["essential"], true);
    assert_eq!(main["cpu"], 512);
    assert_eq!(main["memory"], 512);
    assert_eq!(main["memoryReservation"], 256);
    let env_names: Vec<&str> = strings(&main["environment"], "name");
    assert_eq!(
        env_names,
        ["A_FIRST", "LOG_LEVEL"],
        "plain variables only, sorted"
    );
    let secrets: BTreeMap<&str, &str> = pairs(&main["secrets"], "name", "valueFrom")
        .into_iter()
        .collect();
    assert_eq!(secrets["PG_PASSWORD"], PG_PARAM);
    assert_eq!(secrets["ORDERS_PASSWORD"], format!("{SM_ARN}:password::"));
    assert_eq!(
        secrets["DATABASE_URL"], "/score-x/workloads/api/main/DATABASE_URL",
        "mixed → promoted"
    );
    // before: migrate complete → SUCCESS + non-essential; warm healthy → HEALTHY; proxy started → START;
    // files → SUCCESS on the init container.
    let deps: BTreeMap<&str, &str> = pairs(&main["dependsOn"], "containerName", "condition")
        .into_iter()
        .collect();
    assert_eq!(
        deps,
        BTreeMap::from([
            ("migrate", "SUCCESS"),
            ("proxy", "START"),
            ("score-x-files", "SUCCESS"),
            ("warm", "HEALTHY")
        ])
    );
    assert_eq!(container_of(&td, "migrate")["essential"], false);
    assert_eq!(
        container_of(&td, "migrate")["entryPoint"],
        json!(["/app/migrate"])
    );
    assert_eq!(
        container_of(&td, "migrate")["command"],
        json!(["--to", "latest"])
    );
    assert_eq!(
        container_of(&td, "warm")["healthCheck"]["command"],
        json!(["CMD", "/bin/check", "--ready"])
    );
    let hc = main["healthCheck"]["command"].as_array().unwrap();
    assert_eq!(hc[0], "CMD-SHELL");
    assert!(hc[1].as_str().unwrap().contains(
        "curl -fsS -o /dev/null -H 'X-Probe: it'\\''s me' 'http://localhost:8080/healthz'"
    ));
    // The generic capability pass (run by the CLI before emit) says what is approximated.
    let generic = score_x_core::capability_check::check(
        &app,
        &score_x_tests::planned::plan(&app),
        &score_x_ecs::capabilities(),
    );
    assert!(
        generic
            .iter()
            .any(|w| w.message.contains("needs curl or wget")),
        "{generic:#?}"
    );
    assert!(generic.iter().any(|w| w.message.contains("TCP only")));
    assert!(
        b.notes
            .iter()
            .any(|n| n.contains("/score-x/workloads/api/main/DATABASE_URL"))
    );

    // Ports: http on main (its probe uses 8080), dns on proxy (annotation), metrics on the primary.
    let pm: Vec<(&str, i64, &str)> = main["portMappings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["containerPort"].as_i64().unwrap(),
                p["protocol"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(pm, [("http", 8080, "tcp"), ("metrics", 9090, "tcp")]);
    assert_eq!(main["portMappings"][0]["appProtocol"], "http");
    assert_eq!(
        container_of(&td, "proxy")["portMappings"][0]["protocol"],
        "udp"
    );
    // `main` is the only main container (the others run before it): no guess to report.
    assert!(
        !score_x_tests::planned::plan(&app)
            .warnings()
            .iter()
            .any(|w| w.message.contains("port `metrics`"))
    );

    // Files: one init container, plain content as base64 env, secret content via secrets.
    let init = container_of(&td, "score-x-files");
    assert_eq!(init["essential"], false);
    assert_eq!(init["image"], score_x_ecs::DEFAULT_FILES_INIT_IMAGE);
    assert!(
        init["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["valueFrom"] == TOKEN_PARAM)
    );
    let script = init["command"][0].as_str().unwrap();
    assert!(
        script.contains("chmod 0600")
            && script.contains("chmod 0755")
            && script.contains("chmod 0644")
    );
    let mounts: Vec<(&str, bool)> = main["mountPoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["containerPath"].as_str().unwrap(),
                m["readOnly"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(mounts.contains(&("/app/config", true)) && mounts.contains(&("/app/bin", true)));
    assert!(mounts.contains(&("/data", false)) && mounts.contains(&("/cache", false)));

    // Volumes: EFS with transit encryption, IAM, and the sub path as root directory.
    let efs = item_with(&td["volumes"], "efsVolumeConfiguration");
    assert_eq!(
        efs["efsVolumeConfiguration"]["transitEncryption"],
        "ENABLED"
    );
    assert_eq!(efs["efsVolumeConfiguration"]["rootDirectory"], "/tenants/a");
    assert_eq!(
        efs["efsVolumeConfiguration"]["authorizationConfig"]["iam"],
        "ENABLED"
    );

    // Sidecar from the provisioner.
    assert_eq!(
        container_of(&td, "pg-proxy")["secrets"][0]["valueFrom"],
        TOKEN_PARAM
    );
    // Logging and tags.
    assert_eq!(
        main["logConfiguration"]["options"]["awslogs-group"],
        "/score-x/api"
    );
    assert_eq!(
        main["logConfiguration"]["options"]["awslogs-region"],
        "eu-west-1"
    );
    let tags: Vec<(&str, &str)> = pairs(&td["tags"], "key", "value");
    assert_eq!(tags, [("team", "payments"), ("weird_key", "x")]);

    // Service: Service Connect aliases = Score port, dns = workload name.
    let svc = file_json(&b, "api/service.json");
    assert_eq!(svc["cluster"], "prod");
    assert_eq!(svc["taskDefinition"], "api");
    assert_eq!(svc["desiredCount"], 1);
    assert_eq!(svc["propagateTags"], "TASK_DEFINITION");
    assert_eq!(svc["enableExecuteCommand"], false);
    assert_eq!(
        svc["deploymentConfiguration"]["deploymentCircuitBreaker"],
        json!({"enable": true, "rollback": true})
    );
    let sc = &svc["serviceConnectConfiguration"];
    assert_eq!(sc["namespace"], "prod.internal");
    assert_eq!(
        sc["services"],
        json!([
            {"portName": "http", "discoveryName": "api-http", "clientAliases": [{"port": 80, "dnsName": "api"}]},
            {"portName": "metrics", "discoveryName": "api-metrics", "clientAliases": [{"port": 9090, "dnsName": "api"}]}
        ])
    );

    // Big CPU tiers.
    let batch = file_json(&b, "batch/task-definition.json");
    assert_eq!(
        (batch["cpu"].as_str(), batch["memory"].as_str()),
        (Some("8192"), Some("20480"))
    );
    assert_eq!(
        container_of(&batch, "job")["entryPoint"],
        json!(["/bin/batch"])
    );
    let huge = file_json(&b, "huge/task-definition.json");
    assert_eq!(
        (huge["cpu"].as_str(), huge["memory"].as_str()),
        (Some("16384"), Some("40960"))
    );

    // Secrets to create: names, stores, recipes; never values.
    let s = file_json(&b, "secrets-to-create.json");
    let by_name: BTreeMap<&str, &Json> = s["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e))
        .collect();
    assert_eq!(by_name[PG_PARAM]["type"], "SecureString");
    assert_eq!(by_name[SM_ARN]["store"], "secretsmanager");
    assert_eq!(by_name[SM_ARN]["keys"], json!(["password"]));
    assert_eq!(
        by_name["/score-x/workloads/api/main/DATABASE_URL"]["recipe"],
        format!("postgres://app:{{{{resolve:ssm-secure:{PG_PARAM}}}}}@db.internal:5432/app")
    );
    assert!(by_name.contains_key(TOKEN_PARAM));

    // No placeholders with full options, and no missing-setting warnings.
    for (p, bytes) in &b.files {
        assert!(
            !String::from_utf8_lossy(bytes).contains(score_x_ecs::MISSING_PLACEHOLDER_PREFIX),
            "{p}"
        );
    }
    assert!(
        !b.warnings.iter().any(|w| w.code == Code::RequiredField),
        "{:#?}",
        b.warnings
    );
}

#[test]
fn cloudformation_stack_grants_exactly_the_secrets() {
    let app = estate();
    // No role ARNs in the options: the stack creates them.
    let opts = Options {
        execution_role_arn: None,
        task_role_arn: None,
        ..full_options()
    };
    let b = emit(&app, &opts).unwrap();
    validate(&b);
    let cfn: Json = serde_yaml::from_slice(&b.files["cloudformation.yaml"]).unwrap();
    let res = &cfn["Resources"];
    for id in [
        "ApiLogGroup",
        "ApiExecutionRole",
        "ApiTaskRole",
        "ApiTaskDefinition",
        "ApiService",
        "BatchService",
        "HugeService",
        "ServiceConnectNamespace",
        "ApiDbAlarmTopic",
    ] {
        assert!(res.get(id).is_some(), "no {id}");
    }
    let policy =
        &res["ApiExecutionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
    let text = serde_json::to_string(policy).unwrap();
    assert!(
        text.contains("parameter/score-x/postgres/default/api.db/password"),
        "{text}"
    );
    assert!(text.contains("parameter/score-x/workloads/api/main/DATABASE_URL"));
    assert!(text.contains("parameter/score-x/tokens/api"));
    assert!(text.contains(SM_ARN));
    // The batch workload reads no secret: no policy at all.
    assert!(
        res["BatchExecutionRole"]["Properties"]
            .get("Policies")
            .is_none()
    );
    for id in ["Subnets", "SecurityGroups", "ClusterName", "AssignPublicIp"] {
        assert!(cfn["Parameters"].get(id).is_some(), "no parameter {id}");
    }
    // The JSON files hold the placeholders for the missing roles, loudly.
    let td = String::from_utf8(b.files["api/task-definition.json"].clone()).unwrap();
    assert!(td.contains("<missing options.executionRoleArn>"));
    assert!(
        td.contains("<missing options.taskRoleArn>"),
        "EFS IAM needs a task role"
    );
    assert!(
        b.warnings
            .iter()
            .any(|w| w.code == Code::RequiredField && w.message.contains("executionRoleArn"))
    );
}

#[test]
fn no_options_gives_placeholders_and_warnings_but_valid_shapes() {
    let b = emit(&estate(), &Options::default()).unwrap();
    validate(&b);
    let missing: Vec<&str> = b
        .warnings
        .iter()
        .filter(|w| w.code == Code::RequiredField)
        .map(|w| w.message.as_str())
        .collect();
    for opt in [
        "executionRoleArn",
        "region",
        "subnets",
        "cluster",
        "serviceConnectNamespace",
    ] {
        assert!(
            missing.iter().any(|m| m.contains(&format!("`{opt}`"))),
            "no warning for {opt}: {missing:#?}"
        );
    }
    let svc = file_json(&b, "api/service.json");
    assert!(svc.get("cluster").is_none());
    assert_eq!(
        svc["networkConfiguration"]["awsvpcConfiguration"]["subnets"],
        json!(["<missing options.subnets>"])
    );
}

#[test]
fn deterministic() {
    let a = emit(&estate(), &full_options()).unwrap();
    let b = emit(&estate().clone(), &full_options()).unwrap();
    assert_eq!(a.files, b.files);
    assert_eq!(a.warnings, b.warnings);
    assert_eq!(a.notes, b.notes);
    for (p, bytes) in &a.files {
        assert!(bytes.ends_with(b"\n"), "{p} has no trailing newline");
        if p.ends_with(".json") {
            // Sorted keys: re-serialising a sorted parse gives the same bytes.
            let v: Json = serde_json::from_slice(bytes).unwrap();
            let mut again = serde_json::to_string_pretty(&sort(v)).unwrap();
            again.push('\n');
            assert_eq!(again.as_bytes(), bytes.as_slice(), "{p} is not canonical");
        }
    }
}

fn sort(v: Json) -> Json {
    match v {
        Json::Object(m) => {
            let mut e: Vec<_> = m.into_iter().collect();
            e.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Object(e.into_iter().map(|(k, v)| (k, sort(v))).collect())
        }
        Json::Array(a) => Json::Array(a.into_iter().map(sort).collect()),
        o => o,
    }
}

#[test]
fn shell_wrapper_composes_at_start() {
    // The wrapper needs a command: give main one.
    let app = with_workload(estate(), "api", |w| {
        let main = w
            .containers
            .remove("main")
            .unwrap()
            .command(&["/app/server"], &["--port", "8080"]);
        w.containers.insert("main".into(), Box::new(main));
    });
    let opts = Options {
        mixed_secrets: Some(MixedSecrets::ShellWrapper),
        ..full_options()
    };
    let b = emit(&app, &opts).unwrap();
    validate(&b);
    assert_no_secret_text(&b);
    let td = file_json(&b, "api/task-definition.json");
    let main = container_of(&td, "main");
    assert_eq!(main["entryPoint"][0], "/bin/sh");
    assert_eq!(main["entryPoint"][1], "-c");
    let script = main["entryPoint"][2].as_str().unwrap();
    assert!(
        script.contains(
            "export DATABASE_URL=\"postgres://app:${SCOREX_DATABASE_URL_1}@db.internal:5432/app\""
        ),
        "{script}"
    );
    assert!(script.ends_with("exec \"$@\""));
    assert_eq!(main["command"], json!(["/app/server", "--port", "8080"]));
    assert!(
        main["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "SCOREX_DATABASE_URL_1" && s["valueFrom"] == PG_PARAM)
    );
    let s = file_json(&b, "secrets-to-create.json");
    assert!(
        !s["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.get("recipe").is_some())
    );

    // Actually run the wrapper with sh: the variable is composed, the hidden ones are gone.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg("score-x")
        .args([
            "sh",
            "-c",
            "printf '%s|%s' \"$DATABASE_URL\" \"${SCOREX_DATABASE_URL_1-unset}\"",
        ])
        .env("SCOREX_DATABASE_URL_1", "pw$`\"")
        .output();
    if let Ok(out) = out {
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "postgres://app:pw$`\"@db.internal:5432/app|unset"
        );
    }
}

#[test]
fn files_init_script_writes_the_files() {
    // Run the generated init script with sh against a temp dir standing for the volumes.
    let b = emit(&estate(), &full_options()).unwrap();
    let td = file_json(&b, "api/task-definition.json");
    let init = container_of(&td, "score-x-files");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap();
    let script = init["command"][0]
        .as_str()
        .unwrap()
        .replace("/score-x/v", &format!("{root}/v"));
    for m in init["mountPoints"].as_array().unwrap() {
        let p = m["containerPath"]
            .as_str()
            .unwrap()
            .replace("/score-x/v", &format!("{root}/v"));
        std::fs::create_dir_all(p).unwrap();
    }
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c").arg(&script);
    for e in init["environment"].as_array().unwrap() {
        cmd.env(e["name"].as_str().unwrap(), e["value"].as_str().unwrap());
    }
    for s in init["secrets"].as_array().unwrap() {
        // ECS would resolve valueFrom; stand in with the known secret text.
        assert_eq!(s["valueFrom"], TOKEN_PARAM);
        cmd.env(s["name"].as_str().unwrap(), FILE_SECRET);
    }
    let Ok(out) = cmd.output() else { return };
    let has_base64 = std::process::Command::new("sh")
        .args(["-c", "command -v base64"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_base64 {
        return;
    }
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut found = BTreeMap::new();
    for e in walk(dir.path()) {
        found.insert(
            e.file_name().unwrap().to_string_lossy().into_owned(),
            std::fs::read(&e).unwrap(),
        );
    }
    assert_eq!(found["app.yaml"], b"listen: 8080\nname: 'api'\n");
    assert_eq!(
        found["secret.env"],
        format!("TOKEN={FILE_SECRET}\n").as_bytes()
    );
    assert_eq!(found["blob.bin"], vec![0, 159, 146, 150, 255]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |n: &str| {
            walk(dir.path())
                .into_iter()
                .find(|p| p.file_name().unwrap() == n)
                .map(|p| std::fs::metadata(p).unwrap().permissions().mode() & 0o777)
        };
        assert_eq!(mode("app.yaml"), Some(0o600));
        assert_eq!(mode("blob.bin"), Some(0o755));
        assert_eq!(mode("secret.env"), Some(0o644));
    }
}

fn walk(p: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(p).unwrap().flatten() {
        let path = e.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn mapping_errors() {
    // Shell wrapper without a command.
    let opts = Options {
        mixed_secrets: Some(MixedSecrets::ShellWrapper),
        ..full_options()
    };
    assert!(matches!(
        emit(&estate(), &opts),
        Err(Error::ShellWrapperNeedsCommand { .. })
    ));

    // Files in a system directory.
    let sys = app(vec![workload(
        "web",
        vec![container("main", "nginx:1.27").file(
            "/etc/app.conf",
            None,
            ResolvedContent::Text(text("x")),
        )],
    )]);
    let e = emit(&sys, &full_options()).unwrap_err();
    assert!(
        matches!(e, Error::SystemDirFile { ref dir, .. } if dir == "/etc"),
        "{e}"
    );
    let d: score_x_core::Diagnostic = e.into();
    assert!(d.span.is_some() && d.hint.is_some());
    let allowed = Options {
        allow_system_dir_files: Some(true),
        ..full_options()
    };
    let b = emit(&sys, &allowed).unwrap();
    assert!(
        b.warnings
            .iter()
            .any(|w| w.message.contains("hides the image's own files"))
    );
    validate(&b);

    // A file in `/`: no volume can be mounted there, whatever the options say.
    let root = app(vec![workload(
        "web",
        vec![container("main", "nginx:1.27").file(
            "/app.conf",
            None,
            ResolvedContent::Text(text("x")),
        )],
    )]);
    let e = emit(&root, &allowed).unwrap_err();
    assert!(
        matches!(e, Error::Workload { ref reason, .. } if reason.contains("root directory")),
        "{e}"
    );

    // A file whose directory is also a volume's mount path.
    let mut clash = app(vec![workload(
        "web",
        vec![container("main", "nginx:1.27").file(
            "/data/app.conf",
            None,
            ResolvedContent::Text(text("x")),
        )],
    )]);
    let eph = resource(
        &mut clash,
        "volume",
        "data",
        &["web"],
        vec![("source", Output::Plain(json!("data")))],
        json!({"volume": {"kind": "ephemeral"}}),
    );
    let clash = with_workload(clash, "web", |w| {
        let c = w
            .containers
            .remove("main")
            .unwrap()
            .volume("/data", eph.as_str(), None, false);
        w.containers.insert("main".into(), Box::new(c));
    });
    let e = emit(&clash, &full_options()).unwrap_err();
    assert!(
        matches!(e, Error::Workload { ref reason, .. } if reason.contains("two volumes at `/data`")),
        "{e}"
    );

    // `healthy` without a probe.
    let h = app(vec![workload(
        "web",
        vec![
            container("main", "nginx:1.27"),
            container("side", "busybox:1").before("main", Readiness::Healthy),
        ],
    )]);
    let e = score_x_core::plan::Plan::of_resolved(&h).unwrap_err();
    assert_eq!(e.0[0].code, Code::MissingProbe, "{e:?}");

    // Too big for Fargate, fine on EC2.
    let big = app(vec![workload(
        "big",
        vec![container("main", "x:1").resources(Some(20000), Some(1024 * 1024 * 1024), None, None)],
    )]);
    assert!(matches!(
        emit(&big, &full_options()),
        Err(Error::TaskTooLarge { .. })
    ));
    let ec2 = Options {
        launch_type: Some(LaunchType::Ec2),
        ..full_options()
    };
    let b = emit(&big, &ec2).unwrap();
    assert_eq!(file_json(&b, "big/task-definition.json")["cpu"], "20480");
    validate(&b);

    // A secret JSON key on an SSM parameter.
    let k = app(vec![workload(
        "web",
        vec![container("main", "x:1").var(
            "P",
            mixed(vec![Err(secret("/a/b", Some("password"), None))]),
        )],
    )]);
    assert!(matches!(
        emit(&k, &full_options()),
        Err(Error::SecretKeyNeedsArn { .. })
    ));
}

#[test]
fn host_volumes_need_ec2() {
    let mut a = app(vec![workload("web", vec![container("main", "nginx:1.27")])]);
    let host = resource(
        &mut a,
        "volume",
        "logs",
        &["web"],
        vec![("source", Output::Plain(json!("logs")))],
        json!({"volume": {"kind": "host", "sourcePath": "/var/log/web"}}),
    );
    let a = with_workload(a, "web", |w| {
        let c = w
            .containers
            .remove("main")
            .unwrap()
            .volume("/logs", host.as_str(), None, true);
        w.containers.insert("main".into(), Box::new(c));
    });
    assert!(matches!(
        emit(&a, &full_options()),
        Err(Error::Volume { .. })
    ));
    let ec2 = Options {
        launch_type: Some(LaunchType::Ec2),
        ..full_options()
    };
    let b = emit(&a, &ec2).unwrap();
    validate(&b);
    let td = file_json(&b, "web/task-definition.json");
    assert_eq!(td["volumes"][0]["host"]["sourcePath"], "/var/log/web");
    assert_eq!(td["requiresCompatibilities"], json!(["EC2"]));
    assert_eq!(
        container_of(&td, "main")["mountPoints"][0]["readOnly"],
        true
    );
}

#[test]
fn big_stack_warns_about_the_inline_limit() {
    let mut ws = Vec::new();
    for i in 0..40 {
        ws.push(workload(
            &format!("svc-{i:02}"),
            vec![container("main", "ghcr.io/acme/app:1").var("X", text("y"))],
        ));
    }
    let b = emit(&app(ws), &full_options()).unwrap();
    assert!(b.files["cloudformation.yaml"].len() > score_x_ecs::INLINE_TEMPLATE_LIMIT);
    assert!(b.warnings.iter().any(|w| w.message.contains("51200 bytes")));
    validate(&b); // still a valid stack (description within 1024 bytes, …)
    let small = emit(
        &app(vec![workload("one", vec![container("main", "x:1")])]),
        &full_options(),
    )
    .unwrap();
    assert!(
        !small
            .warnings
            .iter()
            .any(|w| w.message.contains("51200 bytes"))
    );
}

#[test]
fn capabilities_declare_the_approximations() {
    use score_x_core::backend::{Feature, Support};
    let c = score_x_ecs::capabilities();
    assert_eq!(c.target, "ecs");
    assert!(matches!(
        c.support(Feature::Files),
        Support::Approximated(_)
    ));
    assert!(matches!(
        c.support(Feature::UdpPorts),
        Support::Approximated(_)
    ));
    assert_eq!(c.support(Feature::ExecProbe), Support::Native);
}

#[test]
fn validator_rejects_bad_bundles() {
    if !Validator::Ecs.available() {
        return;
    }
    let b = emit(&estate(), &full_options()).unwrap();
    if let Ok(dir) = std::env::var("SCORE_X_ECS_DUMP") {
        write_files(std::path::Path::new(&dir), &b.files).unwrap();
    }
    let corrupt = |path: &str, f: &dyn Fn(&mut Json)| {
        let mut files = b.files.clone();
        let mut v: Json = serde_json::from_slice(&files[path]).unwrap();
        f(&mut v);
        files.insert(path.into(), serde_json::to_vec_pretty(&v).unwrap());
        validate_bundle(&files)
    };
    let e = corrupt("api/task-definition.json", &|v| {
        v["containerDefinitions"][0]["bogusKey"] = json!(1)
    })
    .unwrap_err();
    assert!(e.contains("bogusKey"), "{e}");
    let e = corrupt("api/task-definition.json", &|v| v["cpu"] = json!(1024)).unwrap_err();
    assert!(e.contains("cpu"), "{e}");
    let e = corrupt("api/service.json", &|v| {
        v.as_object_mut().unwrap().remove("serviceName");
    })
    .unwrap_err();
    assert!(e.contains("serviceName"), "{e}");
    let mut files = b.files.clone();
    let cfn = String::from_utf8(files["cloudformation.yaml"].clone()).unwrap();
    files.insert(
        "cloudformation.yaml".into(),
        cfn.replace("AWS::ECS::Service", "AWS::ECS::Servicee")
            .into_bytes(),
    );
    let e = validate_bundle(&files).unwrap_err();
    assert!(e.contains("cloudformation.yaml"), "{e}");
}

#[test]
fn huge_estates_keep_the_stack_within_cloudformation_limits_or_say_so() {
    let ws = (0..170)
        .map(|i| workload(&format!("service-{i:03}"), vec![container("main", "x:1")]))
        .collect();
    let b = emit(&app(ws), &full_options()).unwrap();
    let cfn: Json = serde_yaml::from_slice(&b.files["cloudformation.yaml"]).unwrap();
    let d = cfn["Description"].as_str().unwrap();
    assert!(d.len() <= 1024, "{d}");
    assert_eq!(d, "score-x ECS estate: 170 workloads");
    assert!(b.warnings.iter().any(|w| w.message.contains("at most 500")));
}
