//! `score-x apply --target ecs` through the real binary against a local moto server: what is
//! registered and created must be what `translate` writes for the same inputs.

#![allow(clippy::unwrap_used)]

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

/// Put every SSM component of the promoted secrets' recipes (argv[2]: secrets-to-create.json).
const PUT_COMPONENTS: &str = r#"
import json, re, sys, boto3
ssm = boto3.client("ssm", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
for s in json.load(open(sys.argv[2]))["secrets"]:
    for name in re.findall(r"\{\{resolve:ssm-secure:([^}]+)\}\}", s.get("recipe", "")):
        ssm.put_parameter(Name=name, Value="component", Type="SecureString", Overwrite=True)
"#;

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
    let o = run(&[
        "apply",
        "--target",
        "ecs",
        "--target-options",
        &opts,
        "--endpoint-url",
        &server.url,
        "--create-cluster",
    ]);
    assert_eq!(code(&o), 0, "apply failed: {}", stderr(&o));
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
}
