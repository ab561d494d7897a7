//! Generated estates and the library pipeline, shared by the benchmarks (`cargo bench -p score-x-bench`).

use score_x_core::graph::ResourceGraph;
use score_x_core::{Diagnostics, Resolved, Target};
use score_x_provision::{Context, ProvisionerSet, State};
use score_x_spec::{LoadOptions, SourceFile};

/// `n` workloads: each has two containers, a file, a private redis, the shared postgres, and a
/// service-port call to the previous workload.
pub fn estate(n: usize) -> Vec<SourceFile> {
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
    score_x_provision::provision(&loaded.app, &graph, &set, &mut state, &ctx).map(|(r, _)| r)
}
