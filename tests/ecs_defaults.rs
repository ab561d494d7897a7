//! End to end with the default ECS provisioners: Score files → spec::load → graph → provision
//! (targets/ecs/*.yaml) → ecs::emit → botocore shapes + cfn-lint. The same Score file also
//! provisions with the Kubernetes defaults (same output names).
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

use score_x_core::resolved::Output;
use score_x_core::{Bundle, Target};
use score_x_tests::json::{item_with, pairs, strings};
use score_x_tests::pipeline::resolve_with_defaults as resolve;
use score_x_tests::validators::assert_valid_bundle as check;
use serde_json::{Value as Json, json};

fn bundle(files: &[(&str, &str)], options: Json) -> Bundle {
    let opts: score_x_ecs::Options = serde_json::from_value(options.clone()).unwrap();
    let resolved = resolve(Target::ECS, files, options)
        .unwrap_or_else(|e| panic!("provisioning failed:\n{e}"));
    score_x_tests::planned::ecs(&resolved, &opts).unwrap_or_else(|e| panic!("emit failed: {e}"))
}

fn options() -> Json {
    json!({
        "cluster": "prod",
        "region": "eu-west-1",
        "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
        "subnets": ["subnet-0123456789abcdef0"],
        "securityGroups": ["sg-0123456789abcdef0"]
    })
}

/// Every resource type of the defaults, used the way a portable Score file uses them.
const ALL_TYPES: &str = r#"
apiVersion: score.dev/v1b1
metadata:
  name: web
service:
  ports:
    http: { port: 80, targetPort: 8080 }
containers:
  main:
    image: ghcr.io/acme/web:1
    variables:
      PG_URL: "postgres://${resources.pg.username}:${resources.pg.password}@${resources.pg.host}:${resources.pg.port}/${resources.pg.database}"
      PG_PASSWORD: "${resources.pg.password}"
      MYSQL_DB: "${resources.my.name}"
      REDIS: "${resources.cache.host}:${resources.cache.port}"
      MONGO: "${resources.mongo.connection}"
      AMQP_VHOST: "${resources.mq.vhost}"
      AMQP_PASSWORD: "${resources.mq.password}"
      TOPIC: "${resources.events.name}"
      PARTITIONS: "${resources.events.num_partitions}"
      BUCKET: "${resources.bucket.bucket}"
      S3_KEY: "${resources.bucket.aws_secret_key}"
      PUBLIC_HOST: "${resources.dns.host}"
      API: "http://${resources.api.hostname}:${resources.api.port}"
      ENV_TARGET: "${resources.env.target}"
    volumes:
      /data:
        source: ${resources.data}
      /scratch:
        source: ${resources.scratch}
resources:
  pg: { type: postgres }
  my: { type: mysql }
  cache: { type: redis }
  mongo: { type: mongodb }
  mq: { type: amqp }
  events: { type: kafka-topic }
  bucket: { type: s3 }
  dns: { type: dns }
  route: { type: route, params: { host: "${resources.dns.host}", port: http } }
  api: { type: service-port, params: { workload: api, port: web } }
  env: { type: environment }
  data: { type: volume }
  scratch: { type: volume, class: ephemeral }
"#;

const API: &str = r#"
apiVersion: score.dev/v1b1
metadata:
  name: api
service:
  ports:
    web: { port: 8081, targetPort: 3000 }
containers:
  main:
    image: ghcr.io/acme/api:1
"#;

#[test]
fn every_default_type_translates_and_validates() {
    let b = bundle(&[("web.yaml", ALL_TYPES), ("api.yaml", API)], options());
    check(&b);
    let td: Json = serde_json::from_slice(&b.files["web/task-definition.json"]).unwrap();
    let main = &td["containerDefinitions"][0];
    let env: Vec<(&str, &str)> = pairs(&main["environment"], "name", "value");
    assert!(
        env.contains(&("API", "http://api:8081")),
        "service-port → Service Connect alias: {env:?}"
    );
    assert!(env.contains(&("MYSQL_DB", "app")));
    assert!(env.contains(&("PARTITIONS", "3")));
    assert!(env.contains(&("ENV_TARGET", "ecs")));
    let secrets: Vec<(&str, &str)> = pairs(&main["secrets"], "name", "valueFrom");
    assert!(
        secrets.contains(&("PG_PASSWORD", "/score-x/postgres/default/web.pg/password")),
        "{secrets:?}"
    );
    assert!(secrets.contains(&("MONGO", "/score-x/mongodb/default/web.mongo/connection")));
    assert!(secrets.contains(&("S3_KEY", "/score-x/s3/default/web.bucket/secret_key")));
    assert!(
        env.contains(&("PUBLIC_HOST", "dns-web-dns.score-x.internal")),
        "{env:?}"
    );
    // Mixed (DSN) → promoted; host:port is plain.
    assert!(secrets.contains(&("PG_URL", "/score-x/workloads/web/main/PG_URL")));
    assert!(
        env.contains(&("REDIS", "redis-web-cache.score-x.internal:6379")),
        "{env:?}"
    );

    // Volumes: default without efsFileSystemId → ephemeral + warning; class ephemeral → ephemeral.
    assert!(
        b.warnings
            .iter()
            .any(|w| w.message.contains("efsFileSystemId"))
    );
    assert!(
        b.warnings
            .iter()
            .any(|w| w.message.contains("ALB listener rule")),
        "route warning"
    );
    assert_eq!(td["volumes"].as_array().unwrap().len(), 2);

    // Everything the platform must create is listed, names only.
    let s: Json = serde_json::from_slice(&b.files["secrets-to-create.json"]).unwrap();
    let names: Vec<&str> = strings(&s["secrets"], "name");
    for n in [
        "/score-x/postgres/default/web.pg/password",
        "/score-x/mysql/default/web.my/password",
        "/score-x/redis/default/web.cache/password",
        "/score-x/amqp/default/web.mq/password",
        "/score-x/s3/default/web.bucket/secret_key",
        "/score-x/workloads/web/main/PG_URL",
    ] {
        assert!(names.contains(&n), "{n} not in {names:?}");
    }
    for e in s["secrets"].as_array().unwrap() {
        assert!(e.get("value").is_none());
    }
    let records: Vec<&str> = strings(&s["dnsRecords"], "name");
    for r in [
        "postgres-web-pg.score-x.internal",
        "redis-web-cache.score-x.internal",
        "kafka-topic-web-events.score-x.internal",
        "dns-web-dns.score-x.internal",
    ] {
        assert!(records.contains(&r), "{r} not in {records:?}");
    }
}

#[test]
fn efs_volumes_from_the_target_options() {
    let mut o = options();
    o["efsFileSystemId"] = json!("fs-0123456789abcdef0");
    let b = bundle(&[("web.yaml", ALL_TYPES), ("api.yaml", API)], o);
    check(&b);
    let td: Json = serde_json::from_slice(&b.files["web/task-definition.json"]).unwrap();
    let efs = item_with(&td["volumes"], "efsVolumeConfiguration");
    assert_eq!(
        efs["efsVolumeConfiguration"]["fileSystemId"],
        "fs-0123456789abcdef0"
    );
    assert_eq!(
        efs["efsVolumeConfiguration"]["rootDirectory"],
        "/score-x/volumes/default/web.data"
    );
    assert!(
        !b.warnings
            .iter()
            .any(|w| w.message.contains("efsFileSystemId"))
    );
    let cfn = String::from_utf8(b.files["cloudformation.yaml"].clone()).unwrap();
    assert!(cfn.contains("elasticfilesystem:ClientMount"));
}

#[test]
fn the_same_file_provisions_for_kubernetes_with_the_same_outputs() {
    let k = resolve(
        Target::KUBERNETES,
        &[("web.yaml", ALL_TYPES), ("api.yaml", API)],
        json!({}),
    )
    .unwrap_or_else(|e| panic!("kubernetes: {e}"));
    let e = resolve(
        Target::ECS,
        &[("web.yaml", ALL_TYPES), ("api.yaml", API)],
        options(),
    )
    .unwrap();
    for (uid, kr) in k.resources() {
        let er = &e.resources()[uid];
        let kn: Vec<&String> = kr.outputs.keys().collect();
        let en: Vec<&String> = er.outputs.keys().collect();
        assert_eq!(kn, en, "outputs of {uid}");
        // Secret on Kubernetes ⇒ secret on ECS (ECS may read more from SSM, never fewer).
        for (name, o) in &kr.outputs {
            if matches!(o, Output::Secret(_)) {
                assert!(
                    matches!(er.outputs[name], Output::Secret(_)),
                    "{uid}.{name}"
                );
            }
        }
    }
}

#[test]
fn bad_route_port_is_a_provisioning_error() {
    let bad = ALL_TYPES.replace("port: http }", "port: nope }");
    let e = resolve(
        Target::ECS,
        &[("web.yaml", &bad), ("api.yaml", API)],
        options(),
    )
    .unwrap_err();
    assert!(e.contains("no service port `nope`"), "{e}");
}

#[test]
fn rds_class_reads_the_managed_secret_by_json_key() {
    const RDS: &str = r#"
apiVersion: score.dev/v1b1
metadata:
  name: orders
containers:
  main:
    image: ghcr.io/acme/orders:1
    variables:
      DB_HOST: "${resources.db.host}"
      DB_PASSWORD: "${resources.db.password}"
      DB_USER: "${resources.db.username}"
resources:
  db:
    type: postgres
    class: rds
    params:
      host: orders.cluster-abc.eu-west-1.rds.amazonaws.com
      secretArn: arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-abc-AbCdEf
"#;
    let b = bundle(&[("orders.yaml", RDS)], options());
    check(&b);
    let td: Json = serde_json::from_slice(&b.files["orders/task-definition.json"]).unwrap();
    let main = &td["containerDefinitions"][0];
    assert_eq!(
        main["secrets"],
        json!([{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-abc-AbCdEf:password::"}])
    );
    let env: Vec<(&str, &str)> = pairs(&main["environment"], "name", "value");
    assert_eq!(
        env,
        [
            ("DB_HOST", "orders.cluster-abc.eu-west-1.rds.amazonaws.com"),
            ("DB_USER", "postgres")
        ]
    );
    // The stack's execution role may read exactly that secret.
    let opts = json!({"region": "eu-west-1", "subnets": ["subnet-0123456789abcdef0"]});
    let b = bundle(&[("orders.yaml", RDS)], opts);
    check(&b);
    let cfn = String::from_utf8(b.files["cloudformation.yaml"].clone()).unwrap();
    assert!(cfn.contains("secretsmanager:GetSecretValue"));
    assert!(cfn.contains("secret:rds!cluster-abc-AbCdEf"));
}
