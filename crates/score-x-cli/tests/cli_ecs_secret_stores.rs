//! ECS secrets by store: a provisioner whose secret output is an SSM parameter and one whose
//! output is a Secrets Manager secret (with a JSON key) give `valueFrom`s and
//! `secrets-to-create.json` entries of their own store (the store the reference carries), and
//! the task definition passes the ECS validator.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;

const PROVISIONERS: &str = r#"- uri: template://acme/ssm-token
  type: api-token
  outputs:
    token: { secret: true }
  outputs_template: |
    token:
      name: /acme/tokens/orders
- uri: template://acme/sm-postgres
  type: postgres
  outputs:
    host: {}
    password: { secret: true }
  outputs_template: |
    host: orders.cluster-abc.eu-west-1.rds.amazonaws.com
    password:
      name: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds/orders-AbCdEf"
      key: password
"#;

const ORDERS: &str = "apiVersion: score.dev/v1b1\nmetadata:\n  name: orders\ncontainers:\n  main:\n    image: ghcr.io/acme/orders:1.0\n    variables:\n      TOKEN: ${resources.token.token}\n      DB_HOST: ${resources.db.host}\n      DB_PASSWORD: ${resources.db.password}\nresources:\n  token:\n    type: api-token\n  db:\n    type: postgres\n";

const ARN: &str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds/orders-AbCdEf";

#[test]
fn each_secret_is_read_from_the_store_its_provisioner_gave() {
    use score_x_tests::validators::Validator;
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("provisioners.yaml"), PROVISIONERS).unwrap();
    std::fs::write(d.path().join("orders.yaml"), ORDERS).unwrap();
    let opts = examples().join("ecs-options.yaml").display().to_string();
    let o = std::process::Command::new(bin())
        .args([
            "translate",
            "--target",
            "ecs",
            "--target-options",
            &opts,
            "--provisioners",
            "provisioners.yaml",
            "orders.yaml",
            "-o",
            "out",
        ])
        .current_dir(d.path())
        .env("NO_COLOR", "1")
        .env("SCORE_X_SEED", "ab".repeat(32))
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = d.path().join("out");
    let read = |rel: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(out.join(rel)).unwrap()).unwrap()
    };
    let task = read("orders/task-definition.json");
    let secrets = task["containerDefinitions"][0]["secrets"]
        .as_array()
        .unwrap();
    let value_from = |name: &str| {
        secrets
            .iter()
            .find(|s| s["name"] == name)
            .map(|s| s["valueFrom"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(value_from("TOKEN"), "/acme/tokens/orders");
    assert_eq!(value_from("DB_PASSWORD"), format!("{ARN}:password::"));
    let listed = read("secrets-to-create.json");
    let entry = |name: &str| {
        listed["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .cloned()
            .unwrap()
    };
    let ssm = entry("/acme/tokens/orders");
    assert_eq!(
        (&ssm["store"], &ssm["type"]),
        (&"ssm".into(), &"SecureString".into())
    );
    let sm = entry(ARN);
    assert_eq!(
        (&sm["store"], &sm["type"]),
        (&"secretsmanager".into(), &"SecretsManager".into())
    );
    assert_eq!(sm["keys"], serde_json::json!(["password"]));
    if require_tool(Validator::Ecs.available(), "the ECS validator") {
        Validator::Ecs.run(&[&out]).unwrap();
    }
}
