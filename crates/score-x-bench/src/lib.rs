//! Generated estates and the library pipeline, shared by the benchmarks (`cargo bench -p score-x-bench`).

use score_x_core::graph::ResourceGraph;
use score_x_core::{Diagnostics, Resolved, Target};
use score_x_provision::{Context, ProvisionerSet, State};
use score_x_spec::{LoadOptions, SourceFile};

/// `n` workloads: each has two containers, a file, a private redis, the shared postgres, and a
/// service-port call to the previous workload.
pub fn estate(n: usize) -> Vec<SourceFile> {
    estate_with(n, 0)
}

/// The resources [`estate_with`] can add to every workload, in order: (name, type, the
/// variable reading its outputs).
const EXTRA: [(&str, &str, &str); 3] = [
    (
        "queue",
        "amqp",
        "amqp://${resources.queue.username}:${resources.queue.password}@${resources.queue.host}:${resources.queue.port}/${resources.queue.vhost}",
    ),
    (
        "orders",
        "mysql",
        "mysql://${resources.orders.username}:${resources.orders.password}@${resources.orders.host}:${resources.orders.port}/${resources.orders.database}",
    ),
    (
        "bucket",
        "s3",
        "${resources.bucket.endpoint}/${resources.bucket.bucket}?region=${resources.bucket.region}",
    ),
];

/// [`estate`] with `extra` (at most 3) more private resources in every workload, each read by a
/// variable: an amqp queue, a mysql database, an s3 bucket (`gen-estate N DIR --extra K`).
pub fn estate_with(n: usize, extra: usize) -> Vec<SourceFile> {
    let extra = &EXTRA[..extra.min(EXTRA.len())];
    let vars: String = extra
        .iter()
        .map(|(name, _, v)| format!("      {}: {v}\n", name.to_ascii_uppercase()))
        .collect();
    let decls: String = extra
        .iter()
        .map(|(name, ty, _)| format!("  {name}:\n    type: {ty}\n"))
        .collect();
    base_estate(n)
        .into_iter()
        .map(|mut f| {
            if !extra.is_empty() {
                f.text = f
                    .text
                    .replacen("    files:\n", &format!("{vars}    files:\n"), 1);
                f.text.push_str(&decls);
            }
            f
        })
        .collect()
}

fn base_estate(n: usize) -> Vec<SourceFile> {
    (0..n)
        .map(|i| {
            let call = if i == 0 {
                String::new()
            } else {
                format!("  upstream:\n    type: service-port\n    params: {{ workload: svc-{}, port: http }}\n", i - 1)
            };
            let upstream_var = if i == 0 { "" } else { "      UPSTREAM: http://${resources.upstream.hostname}:${resources.upstream.port}\n" };
            let text = format!(
                "apiVersion: score.dev/v1b1\nmetadata:\n  name: svc-{i}\nservice:\n  ports:\n    http: {{ port: 80, targetPort: 8080 }}\ncontainers:\n  main:\n    image: ghcr.io/acme/svc:{i}\n    variables:\n      DB: postgres://${{resources.db.username}}:${{resources.db.password}}@${{resources.db.host}}/${{resources.db.database}}\n      CACHE: ${{resources.cache.host}}:${{resources.cache.port}}\n{upstream_var}    files:\n      /etc/svc/config.yaml:\n        content: |\n          name: ${{metadata.name}}\n    readinessProbe:\n      httpGet: {{ path: /ready, port: 8080 }}\n    resources:\n      limits: {{ cpu: 500m, memory: 512Mi }}\n  sidecar:\n    image: ghcr.io/acme/proxy:1.0.0\n    before:\n      main: {{ ready: started }}\nresources:\n  db:\n    type: postgres\n    id: shared-db\n  cache:\n    type: redis\n{call}"
            );
            SourceFile { name: format!("svc-{i}.yaml"), text }
        })
        .collect()
}

pub use score_x_tests::pipeline::{NoCommands, NoFiles};

/// The ECS target options the benchmarks translate with (a cluster, a region, an execution role,
/// one subnet and one security group).
pub fn ecs_options() -> Result<score_x_ecs::Options, serde_json::Error> {
    serde_json::from_value(serde_json::json!({
        "cluster": "bench", "region": "eu-west-1", "executionRoleArn": "arn:aws:iam::123456789012:role/x",
        "subnets": ["subnet-1"], "securityGroups": ["sg-1"]
    }))
}

/// Load, graph and provision for `target` with its default provisioners.
pub fn resolve(files: &[SourceFile], target: Target) -> Result<Resolved, Diagnostics> {
    let loaded = score_x_spec::load(files, &NoFiles, &LoadOptions::default())?;
    let graph = ResourceGraph::build(&loaded.app)?;
    let mut set = ProvisionerSet::new();
    set.add_defaults(target)?;
    let mut state = State::new("bench-seed".into());
    let ctx = Context {
        target,
        options: serde_json::json!({}),
        runner: &NoCommands,
    };
    score_x_provision::provision_owned(loaded.app, &graph, &set, &mut state, &ctx).map(|(r, _)| r)
}

/// A plain Helm chart equivalent to [`estate`]`(n)` for the `helm template` comparison
/// (`gen-estate N DIR --chart`): the workloads in `values.yaml`, one template that ranges over
/// them and renders a Deployment, a Service and a ConfigMap for each. File names are relative
/// to the chart directory.
pub fn helm_chart(n: usize) -> Vec<SourceFile> {
    let mut values = String::from("workloads:\n");
    for i in 0..n {
        let upstream = if i == 0 {
            String::new()
        } else {
            format!("    upstream: http://svc-{}:80\n", i - 1)
        };
        values.push_str(&format!(
            "  - name: svc-{i}\n    image: ghcr.io/acme/svc:{i}\n    port: 80\n    targetPort: 8080\n{upstream}"
        ));
    }
    let file = |name: &str, text: &str| SourceFile {
        name: name.to_string(),
        text: text.to_string(),
    };
    vec![
        file(
            "Chart.yaml",
            "apiVersion: v2\nname: estate\nversion: 0.1.0\ndescription: the benchmark estate as a plain chart\n",
        ),
        file("values.yaml", &values),
        file("templates/workloads.yaml", CHART_TEMPLATE),
    ]
}

const CHART_TEMPLATE: &str = r#"{{- range .Values.workloads }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .name }}-files
data:
  config.yaml: |
    name: {{ .name }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}
spec:
  selector:
    app.kubernetes.io/name: {{ .name }}
  ports:
    - name: http
      port: {{ .port }}
      targetPort: {{ .targetPort }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .name }}
  labels:
    app.kubernetes.io/name: {{ .name }}
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: {{ .name }}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {{ .name }}
    spec:
      containers:
        - name: main
          image: {{ .image | quote }}
          env:
            - name: DB_HOST
              value: postgres
            {{- with .upstream }}
            - name: UPSTREAM
              value: {{ . | quote }}
            {{- end }}
          readinessProbe:
            httpGet:
              path: /ready
              port: {{ .targetPort }}
          resources:
            limits:
              cpu: 500m
              memory: 512Mi
          volumeMounts:
            - name: files
              mountPath: /etc/svc
        - name: sidecar
          image: ghcr.io/acme/proxy:1.0.0
      volumes:
        - name: files
          configMap:
            name: {{ .name }}-files
{{- end }}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_extra_resource_mix_provisions_on_every_target() {
        for extra in 0..=3 {
            let files = estate_with(4, extra);
            assert_eq!(
                files[1].text.matches("    type: ").count(),
                3 + extra,
                "{}",
                files[1].text
            );
            for target in [Target::KUBERNETES, Target::HELM, Target::ECS, Target::NOMAD] {
                let resolved = resolve(&files, target);
                let resolved = resolved.unwrap_or_else(|d| panic!("{target} {extra}: {d:?}"));
                // The shared postgres once, the rest per workload (the first calls no upstream).
                assert_eq!(resolved.resources().len(), 1 + 4 * (1 + extra) + 3);
            }
        }
    }
}
