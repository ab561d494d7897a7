//! `score-x apply --target ecs` through the real binary against a local moto server: what is
//! registered and created must be what `translate` writes for the same inputs; `--dry-run`
//! writes nothing; a rerun changes nothing; the plan and the result are on stdout, as text or
//! JSON; a missing cluster is an error that leaves nothing behind.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod common;

use std::process::Command;

use common::*;

const READ_BACK: &str = r#"
import json, sys, boto3
url, outdir = sys.argv[1], sys.argv[2]
ecs = boto3.client("ecs", endpoint_url=url, region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
keys = ["name", "image", "environment", "secrets", "portMappings", "dependsOn", "essential",
        "entryPoint", "command", "mountPoints", "healthCheck"]
def norm(c):
    return {k: c.get(k) for k in keys if c.get(k) not in (None, [], {})}
problems = []
for w in ["api", "web", "worker"]:
    want = json.load(open(f"{outdir}/{w}/task-definition.json"))
    got = ecs.describe_task_definition(taskDefinition=w)["taskDefinition"]
    for k in ["family", "networkMode", "cpu", "memory", "requiresCompatibilities"]:
        if want.get(k) != got.get(k):
            problems.append(f"{w}: {k}: want {want.get(k)!r}, got {got.get(k)!r}")
    wc = sorted((norm(c) for c in want["containerDefinitions"]), key=lambda c: c["name"])
    gc = sorted((norm(c) for c in got["containerDefinitions"]), key=lambda c: c["name"])
    if wc != gc:
        problems.append(f"{w}: containers differ:\n want {json.dumps(wc, sort_keys=True)}\n got  {json.dumps(gc, sort_keys=True)}")
    svc = ecs.describe_services(cluster="shop", services=[w])["services"]
    if len(svc) != 1 or svc[0]["status"] != "ACTIVE" or not svc[0]["taskDefinition"].endswith(f"/{w}:1"):
        problems.append(f"{w}: service not created as expected: {svc}")
print("\n".join(problems))
sys.exit(1 if problems else 0)
"#;

/// Put every SSM component of the promoted secrets' recipes and every SSM parameter the
/// platform creates (argv[2]: secrets-to-create.json), as the platform would.
const PUT_COMPONENTS: &str = r#"
import json, re, sys, boto3
ssm = boto3.client("ssm", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
for s in json.load(open(sys.argv[2]))["secrets"]:
    names = re.findall(r"\{\{resolve:ssm-secure:([^}]+)\}\}", s.get("recipe", ""))
    if "recipe" not in s and s.get("store") == "ssm":
        names.append(s["name"])
    for name in names:
        ssm.put_parameter(Name=name, Value="component", Type="SecureString", Overwrite=True)
"#;

/// `<task definition revisions> <clusters>` in moto.
const LIST: &str = r#"
import sys, boto3
ecs = boto3.client("ecs", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
print(len(ecs.list_task_definitions()["taskDefinitionArns"]), len(ecs.list_clusters()["clusterArns"]))
"#;

fn python(script: &str, url: &str) -> String {
    let o = Command::new("python3")
        .args(["-c", script, url])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn apply_registers_what_translate_writes() {
    let Some(server) = score_x_tests::moto::moto() else {
        return;
    };
    let (subnet, sg) = score_x_tests::moto::network(&server.url);
    let dir = tempfile::tempdir().unwrap();
    let opts = dir.path().join("ecs.yaml");
    std::fs::write(
        &opts,
        format!(
            "cluster: shop\nregion: us-east-1\nexecutionRoleArn: arn:aws:iam::123456789012:role/exec\ntaskRoleArn: arn:aws:iam::123456789012:role/task\nsubnets: [{subnet}]\nsecurityGroups: [{sg}]\nassignPublicIp: false\nlogGroupPrefix: /ecs/shop\nserviceConnectNamespace: shop.local\n"
        ),
    )
    .unwrap();
    let opts = opts.display().to_string();
    let files: Vec<String> = estate_files()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let run = |args: &[&str]| {
        Command::new(bin())
            .current_dir(dir.path())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env_remove("AWS_PROFILE")
            .args(args)
            .args(&files)
            .output()
            .unwrap()
    };
    let o = run(&[
        "translate",
        "--target",
        "ecs",
        "--target-options",
        &opts,
        "-o",
        "out",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // apply composes the promoted secrets: their components must exist.
    let put = Command::new("python3")
        .args(["-c", PUT_COMPONENTS, &server.url])
        .arg(dir.path().join("out/secrets-to-create.json"))
        .output()
        .unwrap();
    assert!(put.status.success(), "{}", stderr(&put));
    let apply = |extra: &[&str]| {
        let mut args = vec![
            "apply",
            "--target",
            "ecs",
            "--target-options",
            &opts,
            "--endpoint-url",
            &server.url,
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    // No cluster and no --create-cluster: an error naming the fix, nothing registered.
    let o = apply(&[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cluster `shop` does not exist")
            && stderr(&o).contains("--create-cluster"),
        "{}",
        stderr(&o)
    );
    assert_eq!(python(LIST, &server.url), "0 0\n");
    // --dry-run: the plan on stdout, nothing written.
    let o = apply(&["--create-cluster", "--dry-run"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("plan (us-east-1):\n"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("register task definition api\n"),
        "{}",
        stdout(&o)
    );
    assert_eq!(python(LIST, &server.url), "0 0\n");
    let o = apply(&["--create-cluster"]);
    assert_eq!(code(&o), 0, "apply failed: {}", stderr(&o));
    assert!(
        stdout(&o).contains("created service api in cluster shop"),
        "{}",
        stdout(&o)
    );
    // A rerun: nothing registered or updated; the JSON output parses.
    let o = apply(&["--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["plan"]["executed"], false, "{json}");
    assert_eq!(json["result"]["executed"], true, "{json}");
    for t in json["result"]["taskDefinitions"].as_array().unwrap() {
        assert_eq!(t["action"], "unchanged", "{json}");
    }
    for s in json["result"]["services"].as_array().unwrap() {
        assert_eq!(s["action"], "unchanged", "{json}");
    }
    assert_eq!(python(LIST, &server.url), "3 1\n");
    let check = Command::new("python3")
        .args(["-c", READ_BACK, &server.url])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        stdout(&check),
        stderr(&check)
    );

    // Without credentials or with a bad endpoint: a clear error, exit 1.
    let o = Command::new(bin())
        .current_dir(dir.path())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_CONFIG_FILE", dir.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args([
            "apply",
            "--target",
            "ecs",
            "--target-options",
            &opts,
            "--endpoint-url",
            &server.url,
        ])
        .args(&files)
        .output()
        .unwrap();
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).to_lowercase().contains("credentials"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn apply_is_ecs_only() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_paths(
        dir.path(),
        &["apply", "--target", "kubernetes"],
        &estate_files(),
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("--target ecs only"), "{}", stderr(&o));
}

#[test]
fn apply_help_names_ecs_only() {
    let o = Command::new(bin())
        .args(["apply", "--help"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0);
    let help = stdout(&o);
    assert!(
        help.contains("--dry-run") && help.contains("--allow-missing-secrets"),
        "{help}"
    );
    assert!(help.contains("--format <FORMAT>"), "{help}");
    assert!(!help.to_lowercase().contains("kubernetes"), "{help}");
}
