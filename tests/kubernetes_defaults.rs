//! End to end with the default Kubernetes provisioners: Score files → spec::load → graph →
//! provision (targets/kubernetes/*.yaml) → kubernetes::emit → the strict validator.
#![allow(clippy::unwrap_used, clippy::panic)]

use score_x_core::Target;
use score_x_tests::pipeline::resolve_with_defaults;
use score_x_tests::validators::assert_valid_manifests;

/// Provision `files` with the Kubernetes defaults.
fn resolve(
    files: &[(&str, &str)],
    options: serde_json::Value,
) -> Result<score_x_core::Resolved, String> {
    resolve_with_defaults(Target::KUBERNETES, files, options)
}

fn manifests(files: &[(&str, &str)], opts: score_x_kubernetes::Options) -> String {
    let options = serde_json::to_value(&opts).unwrap();
    let resolved = resolve(files, options).unwrap_or_else(|e| panic!("provisioning failed:\n{e}"));
    let bundle = score_x_tests::planned::kubernetes(&resolved, &opts)
        .unwrap_or_else(|e| panic!("emit failed: {e}"));
    String::from_utf8(bundle.files["manifests.yaml"].clone()).unwrap()
}

fn docs(yaml: &str) -> Vec<serde_json::Value> {
    use serde::Deserialize as _;
    serde_yaml::Deserializer::from_str(yaml)
        .map(|d| serde_json::Value::deserialize(d).unwrap())
        .collect()
}

const WEB: &str = r#"
apiVersion: score.dev/v1b1
metadata:
  name: web
service:
  ports:
    http: { port: 80, targetPort: 8080 }
containers:
  main:
    image: nginx:1.27
    variables:
      PG: "postgres://${resources.pg.username}:${resources.pg.password}@${resources.pg.host}:${resources.pg.port}/${resources.pg.database}"
      SHARED_PG_HOST: ${resources.shared.host}
      MYSQL_PASSWORD: ${resources.mysql.password}
      MYSQL: "${resources.mysql.host}:${resources.mysql.port}/${resources.mysql.name}?u=${resources.mysql.username}"
      REDIS: "redis://${resources.redis.username}:${resources.redis.password}@${resources.redis.host}:${resources.redis.port}"
      MONGO: ${resources.mongo.connection}
      MONGO_PW: ${resources.mongo.password}
      MONGO_HOST: "${resources.mongo.host}:${resources.mongo.port} as ${resources.mongo.username}"
      AMQP: "amqp://${resources.amqp.username}:${resources.amqp.password}@${resources.amqp.host}:${resources.amqp.port}/${resources.amqp.vhost}"
      KAFKA: "${resources.topic.host}:${resources.topic.port}/${resources.topic.name}/${resources.topic.num_partitions}"
      S3: "${resources.bucket.endpoint}/${resources.bucket.bucket} ${resources.bucket.region} ${resources.bucket.access_key_id} ${resources.bucket.aws_access_key_id}"
      S3_SECRET: ${resources.bucket.secret_key}
      AWS_SECRET: ${resources.bucket.aws_secret_key}
      HOST: ${resources.dns.host}
      API: "http://${resources.api.hostname}:${resources.api.port}"
      NS: ${resources.env.namespace}
      TARGET: ${resources.env.target}
    files:
      /etc/app/db.conf:
        content: "password=${resources.pg.password}\n"
      /etc/app/plain.conf:
        content: "host=${resources.pg.host}\n"
    volumes:
      /data:
        source: ${resources.data}
      /cache:
        source: ${resources.cache}
        readOnly: false
resources:
  pg: { type: postgres }
  shared: { type: postgres, id: shared-db }
  mysql: { type: mysql }
  redis: { type: redis }
  mongo: { type: mongodb }
  amqp: { type: amqp }
  topic: { type: kafka-topic, params: { partitions: 6 } }
  bucket: { type: s3 }
  dns: { type: dns }
  api: { type: service-port, params: { workload: api, port: grpc } }
  env: { type: environment }
  data: { type: volume }
  cache: { type: volume, class: ephemeral }
  route: { type: route, params: { host: "${resources.dns.host}", path: /app, port: http } }
"#;

const API: &str = r#"
apiVersion: score.dev/v1b1
metadata:
  name: api
service:
  ports:
    grpc: { port: 9090, targetPort: 50051 }
containers:
  main:
    image: api:1
    variables:
      DB: ${resources.db.host}
      MSSQL: "Server=${resources.sql.server},${resources.sql.port}; Database=${resources.sql.database}; User=${resources.sql.username}; Password=${resources.sql.password};"
      MSSQL_CONNECTION: ${resources.sql.connection}
      WEB_ADDR: "${resources.web.name}:80"
resources:
  db: { type: postgres, id: shared-db }
  topic2: { type: kafka-topic }
  sql: { type: mssql }
  web: { type: service }
"#;

#[test]
fn every_default_type_end_to_end() {
    let yaml = manifests(&[("web.yaml", WEB), ("api.yaml", API)], Default::default());
    for kind in [
        "StatefulSet",
        "Deployment",
        "Service",
        "Secret",
        "ConfigMap",
        "PersistentVolumeClaim",
        "Job",
        "HTTPRoute",
    ] {
        assert!(
            yaml.contains(&format!("kind: {kind}\n")),
            "no {kind} in\n{yaml}"
        );
    }
    // The shared Kafka broker is emitted once although two topics render it.
    let brokers = docs(&yaml)
        .iter()
        .filter(|d| d["metadata"]["name"] == "score-x-kafka")
        .count();
    assert_eq!(brokers, 2, "one Service and one StatefulSet");
    // service-port returns the Service port callers dial, not the targetPort.
    assert!(yaml.contains("value: http://api:9090\n"), "{yaml}");
    // `service` names the workload the resource is named after.
    assert!(yaml.contains("value: web:80\n"), "{yaml}");
    assert_valid_manifests(&yaml);
}

#[test]
fn ingress_and_namespace_options() {
    let opts = score_x_kubernetes::Options {
        namespace: Some("shop".into()),
        generate_namespace: true,
        route: Some(score_x_kubernetes::RouteKind::Ingress),
        ingress_class_name: Some("nginx".into()),
        ..Default::default()
    };
    let yaml = manifests(&[("web.yaml", WEB), ("api.yaml", API)], opts);
    assert!(
        yaml.starts_with("---\napiVersion: v1\nkind: Namespace\n"),
        "{yaml}"
    );
    assert!(
        yaml.contains("kind: Ingress\n") && !yaml.contains("kind: HTTPRoute\n"),
        "{yaml}"
    );
    assert!(yaml.contains("ingressClassName: nginx\n"));
    assert!(yaml.contains("value: shop\n"), "environment.namespace");
    assert_valid_manifests(&yaml);
}

#[test]
fn output_is_byte_identical_across_runs_and_file_order() {
    let a = manifests(&[("web.yaml", WEB), ("api.yaml", API)], Default::default());
    let b = manifests(&[("api.yaml", API), ("web.yaml", WEB)], Default::default());
    assert_eq!(a, b);
}

#[test]
fn adding_a_consumer_never_renames_a_shared_database() {
    let only_api = manifests(&[("api.yaml", API)], Default::default());
    let both = manifests(&[("web.yaml", WEB), ("api.yaml", API)], Default::default());
    let name = |y: &str| {
        docs(y)
            .into_iter()
            .find(|d| {
                d["kind"] == "StatefulSet"
                    && d["metadata"]["annotations"]["score-x.dev/resource-uid"]
                        == "postgres.default#shared-db"
            })
            .map(|d| d["metadata"]["name"].clone())
            .unwrap_or_else(|| panic!("no shared db in\n{y}"))
    };
    assert_eq!(name(&only_api), name(&both));
}

#[test]
fn service_port_and_route_fail_clearly() {
    let bad = r#"
apiVersion: score.dev/v1b1
metadata: { name: client }
containers: { main: { image: c:1, variables: { X: "${resources.sp.port}" } } }
resources:
  sp: { type: service-port, params: { workload: nope, port: http } }
"#;
    let e = resolve(&[("c.yaml", bad)], serde_json::json!({})).unwrap_err();
    assert!(e.contains("workload `nope` does not exist"), "{e}");
    let bad_port = bad.replace("workload: nope, port: http", "workload: api, port: http");
    let e = resolve(
        &[("c.yaml", &bad_port), ("api.yaml", API)],
        serde_json::json!({}),
    )
    .unwrap_err();
    assert!(e.contains("has no service port `http`"), "{e}");
    let route = r#"
apiVersion: score.dev/v1b1
metadata: { name: client }
service: { ports: { web: { port: 80 } } }
containers: { main: { image: c:1 } }
resources:
  rt: { type: route, params: { host: example.com, port: 81 } }
"#;
    let e = resolve(&[("c.yaml", route)], serde_json::json!({})).unwrap_err();
    assert!(e.contains("has no service port `81`"), "{e}");
}

const PARAMS: &str = r#"
apiVersion: score.dev/v1b1
metadata:
  name: shop
service:
  ports:
    web: { port: 8080 }
    admin: { port: 9000, targetPort: 9001 }
containers:
  main:
    image: shop:1
    volumes:
      /scratch: { source: "${resources.scratch}" }
      /fast: { source: "${resources.fast}" }
resources:
  scratch: { type: volume, class: ephemeral, params: { sizeLimit: 256Mi } }
  fast: { type: volume, params: { size: 5Gi, storageClassName: ssd, accessMode: ReadWriteOncePod } }
  by-name: { type: route, params: { host: shop.example.com, port: admin } }
  by-number: { type: route, params: { host: shop.example.com, path: /api, port: 8080 } }
  db: { type: postgres, class: big, params: { version: "17.2", storage: 20Gi } }
  host: { type: dns, params: { domain: dev.example.com } }
"#;

#[test]
fn provisioner_params_and_gateway_options() {
    let opts = score_x_kubernetes::Options {
        gateway_name: Some("edge".into()),
        gateway_namespace: Some("infra".into()),
        ..Default::default()
    };
    let yaml = manifests(&[("shop.yaml", PARAMS)], opts);
    let all = docs(&yaml);
    let of = |kind: &str| {
        all.iter()
            .filter(|d| d["kind"] == kind)
            .cloned()
            .collect::<Vec<_>>()
    };
    let routes = of("HTTPRoute");
    assert_eq!(routes.len(), 2);
    for r in &routes {
        assert_eq!(
            r["spec"]["parentRefs"][0],
            serde_json::json!({"name": "edge", "namespace": "infra"})
        );
    }
    // A named port resolves to the Service port callers dial (9000), not the targetPort.
    let ports: Vec<_> = routes
        .iter()
        .map(|r| r["spec"]["rules"][0]["backendRefs"][0]["port"].clone())
        .collect();
    assert!(
        ports.contains(&serde_json::json!(9000)) && ports.contains(&serde_json::json!(8080)),
        "{ports:?}"
    );
    let pvc = of("PersistentVolumeClaim");
    assert_eq!(pvc[0]["spec"]["storageClassName"], "ssd");
    assert_eq!(pvc[0]["spec"]["accessModes"][0], "ReadWriteOncePod");
    assert_eq!(pvc[0]["spec"]["resources"]["requests"]["storage"], "5Gi");
    let sts = &of("StatefulSet")[0];
    assert!(
        sts["metadata"]["name"]
            .as_str()
            .unwrap()
            .starts_with("pg-big-"),
        "class in the name"
    );
    assert_eq!(
        sts["spec"]["template"]["spec"]["containers"][0]["image"],
        "mirror.gcr.io/library/postgres:17.2-alpine"
    );
    assert_eq!(
        sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"],
        "20Gi"
    );
    let dep = of("Deployment")
        .into_iter()
        .find(|d| d["metadata"]["name"] == "shop")
        .unwrap();
    let vols = dep["spec"]["template"]["spec"]["volumes"]
        .as_array()
        .unwrap();
    assert!(
        vols.iter().any(|v| v["emptyDir"]["sizeLimit"] == "256Mi"),
        "{vols:?}"
    );
    assert_valid_manifests(&yaml);
}

/// score-k8s's `k8s.score.dev/service-name`: the Service, and every address other workloads get
/// for it (`service` and `service-port` outputs), use the annotated name.
#[test]
fn service_name_annotation_names_the_service_and_its_addresses() {
    let cart = r#"
apiVersion: score.dev/v1b1
metadata:
  name: cart
  annotations: { k8s.score.dev/service-name: shop-cart }
service: { ports: { web: { port: 80, targetPort: 8080 } } }
containers: { main: { image: cart:1 } }
"#;
    let client = r#"
apiVersion: score.dev/v1b1
metadata: { name: client }
containers:
  main:
    image: client:1
    variables:
      CART: "${resources.cart.name}"
      CART_URL: "http://${resources.cart-port.hostname}:${resources.cart-port.port}"
resources:
  cart: { type: service }
  cart-port: { type: service-port, params: { workload: cart, port: web } }
"#;
    let out = manifests(
        &[("cart.yaml", cart), ("client.yaml", client)],
        score_x_kubernetes::Options::default(),
    );
    assert_valid_manifests(&out);
    let all = docs(&out);
    let svc = all.iter().find(|d| d["kind"] == "Service").unwrap();
    assert_eq!(svc["metadata"]["name"], "shop-cart");
    let env = &all
        .iter()
        .find(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == "client")
        .unwrap()["spec"]["template"]["spec"]["containers"][0]["env"];
    let value = |n: &str| {
        env.as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == n)
            .unwrap()["value"]
            .clone()
    };
    assert_eq!(value("CART"), "shop-cart");
    assert_eq!(value("CART_URL"), "http://shop-cart:80");
}
