//! End to end with the default Kubernetes provisioners: Score files → spec::load → graph →
//! provision (targets/kubernetes/*.yaml) → kubernetes::emit → the strict validator.
#![allow(clippy::unwrap_used, clippy::panic)]

mod kubernetes_validator;

use score_x_core::graph::ResourceGraph;
use score_x_core::{Resolved, Target};
use score_x_provision::{CommandOutput, CommandRunner, Context, ProvisionerSet, State, provision};
use score_x_spec::{FileReader, LoadOptions, SourceFile, load};

struct NoFiles;
impl FileReader for NoFiles {
    fn read(&self, _: &str, path: &str) -> Result<Vec<u8>, String> {
        Err(format!("no file `{path}` in this test"))
    }
}

struct NoCommands;
impl CommandRunner for NoCommands {
    fn run(&self, program: &str, _: &[String], _: &[u8], _: std::time::Duration) -> Result<CommandOutput, String> {
        Err(format!("no command `{program}` in this test"))
    }
}

fn resolve(files: &[(&str, &str)], options: serde_json::Value) -> Result<Resolved, String> {
    let files: Vec<SourceFile> =
        files.iter().map(|(n, t)| SourceFile { name: n.to_string(), text: t.to_string() }).collect();
    let loaded = load(&files, &NoFiles, &LoadOptions::default()).map_err(|d| format!("{d:#?}"))?;
    let graph = ResourceGraph::build(&loaded.app).map_err(|d| format!("{d:#?}"))?;
    let mut set = ProvisionerSet::new();
    set.add_defaults(Target::Kubernetes).map_err(|d| format!("{d:#?}"))?;
    let mut state = State::new("test-seed".into());
    let ctx = Context { target: Target::Kubernetes, options, runner: &NoCommands };
    provision(&loaded.app, &graph, &set, &mut state, &ctx).map(|(r, _)| r).map_err(|d| {
        d.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("\n")
    })
}

fn manifests(files: &[(&str, &str)], opts: score_x_kubernetes::Options) -> String {
    let options = serde_json::to_value(&opts).unwrap();
    let resolved = resolve(files, options).unwrap_or_else(|e| panic!("provisioning failed:\n{e}"));
    let bundle = score_x_kubernetes::emit(&resolved, &opts).unwrap_or_else(|e| panic!("emit failed: {e}"));
    String::from_utf8(bundle.files["manifests.yaml"].clone()).unwrap()
}

fn check(yaml: &str) {
    if kubernetes_validator::available()
        && let Err(report) = kubernetes_validator::run(yaml)
    {
        panic!("invalid manifests:\n{report}\n--- manifests ---\n{yaml}");
    }
}

const ALL_TYPES: &str = r#"
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
resources:
  pg:
    type: postgres
"#;

#[test]
fn postgres_end_to_end() {
    let yaml = manifests(&[("score.yaml", ALL_TYPES)], Default::default());
    assert!(yaml.contains("kind: StatefulSet"), "{yaml}");
    check(&yaml);
}

#[test]
#[ignore = "prints the manifests of ALL_TYPES (debug aid)"]
#[allow(clippy::print_stdout)]
fn print_all_types() {
    println!("{}", manifests(&[("score.yaml", ALL_TYPES)], Default::default()));
}
