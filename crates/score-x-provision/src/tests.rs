//! End-to-end tests of `provision` on hand-built apps: errors are precise, secrets stay typed,
//! output is deterministic, state behaves (seed, orphans, stickiness).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use score_x_core::FlatMap;
use score_x_core::artifacts::Artifacts;
use score_x_core::graph::ResourceGraph;
use score_x_core::ir::{Container, File, FileContent, Resource, Variable, Workload};
use score_x_core::resolved::{ResolvedContent, ResolvedVariable, Segment};
use score_x_core::testing::{secret, secret_value, text};
use score_x_core::value::TValue;
use score_x_core::{
    App, AppParts, Code, Diagnostics, Resolved, ResourceUid, Span, Target, Template,
};
use serde_json::json;

use crate::{CommandOutput, CommandRunner, Context, Origin, ProvisionerSet, State, provision};

#[path = "spawn_runner.rs"]
mod spawn_runner;
pub(crate) use spawn_runner::SpawnRunner;

const PROVISIONERS: &str = r#"
- uri: template://test/postgres
  type: postgres
  description: test postgres
  params:
    version: { type: string, default: "16" }
    replicas: { type: integer, default: 1 }
  outputs:
    host: {}
    port: {}
    username: {}
    password: { secret: true }
  init: |
    name: {{dns_label (concat "pg-" uid) 40}}
  state: |
    service: {{init.name}}
    version: {{quote params.version}}
  outputs_template: |
    host: {{state.service}}
    port: 5432
    username: {{quote (concat "u" (hash uid 6))}}
    password:
      name: {{state.service}}
      key: password
      value: {{random_string 24 "password"}}
  kubernetes: |
    - apiVersion: v1
      kind: Secret
      metadata: { name: {{state.service}} }
      stringData: { password: {{quote (random_string 24 "password")}} }
- uri: template://test/typo
  type: typo
  outputs: { x: {} }
  params:
    version: { type: string, default: "1" }
  outputs_template: |
    x: {{params.verison}}
- uri: template://test/leaky
  type: leaky
  state: |
    pw: {{random_string 16}}
- uri: template://test/route
  type: route
  params:
    host: { type: string, required: true }
  outputs: { url: {} }
  outputs_template: |
    url: {{quote (concat "https://" params.host)}}
"#;

pub(crate) fn span(file: &str, line: u32, path: &str) -> Span {
    Span {
        line,
        ..Span::file_only(file)
    }
    .with_path(path.to_string())
}

fn tv(v: serde_json::Value) -> TValue {
    match v {
        serde_json::Value::Null => TValue::Null,
        serde_json::Value::Bool(b) => TValue::Bool(b),
        serde_json::Value::Number(n) => TValue::Number(n),
        serde_json::Value::String(s) => TValue::String(Template::parse(&s).unwrap()),
        serde_json::Value::Array(a) => TValue::List(a.into_iter().map(tv).collect()),
        serde_json::Value::Object(m) => {
            TValue::Map(m.into_iter().map(|(k, v)| (k, tv(v))).collect())
        }
    }
}

/// A tiny app builder: workloads with variables, resources by local name.
pub(crate) struct AppB {
    parts: AppParts,
}

impl AppB {
    pub(crate) fn new() -> Self {
        AppB {
            parts: AppParts::default(),
        }
    }

    /// The model, through the real constructor.
    pub(crate) fn app(self) -> App {
        App::new(self.parts).unwrap()
    }

    pub(crate) fn workload(mut self, name: &str, vars: &[(&str, &str)]) -> Self {
        let file = format!("{name}.score.yaml");
        let variables = vars
            .iter()
            .enumerate()
            .map(|(i, (k, v))| {
                let line = u32::try_from(10 + i).unwrap();
                (
                    k.to_string(),
                    Variable {
                        value: Template::parse(v).unwrap(),
                        span: span(&file, line, &format!("/containers/main/variables/{k}")),
                    },
                )
            })
            .collect();
        let container = Container {
            name: "main".into(),
            span: span(&file, 5, "/containers/main"),
            image: "busybox".into(),
            image_span: span(&file, 6, "/containers/main/image"),
            command: None,
            args: None,
            variables,
            files: FlatMap::new(),
            volumes: FlatMap::new(),
            resources: None,
            liveness_probe: None,
            readiness_probe: None,
            before: FlatMap::new(),
        };
        self.parts.workloads.insert(
            name.into(),
            Workload {
                name: name.into(),
                file: file.clone(),
                span: span(&file, 1, ""),
                metadata: json!({"name": name, "annotations": {"team": "core"}}),
                annotations: FlatMap::new(),
                containers: FlatMap::from([("main".into(), Box::new(container))]),
                service_ports: FlatMap::new(),
                resources: FlatMap::new(),
            },
        );
        self
    }

    pub(crate) fn file(mut self, workload: &str, target: &str, content: FileContent) -> Self {
        let w = self.parts.workloads.get_mut(workload).unwrap();
        let c = w.containers.get_mut("main").unwrap();
        c.files.insert(
            target.into(),
            File {
                target: target.into(),
                mode: None,
                content,
                span: span(&w.file, 30, "/containers/main/files"),
            },
        );
        self
    }

    pub(crate) fn resource(
        mut self,
        workload: &str,
        name: &str,
        type_: &str,
        id: Option<&str>,
        params: Option<serde_json::Value>,
    ) -> Self {
        let uid = ResourceUid::new(type_, None, id, workload, name);
        let file = format!("{workload}.score.yaml");
        self.parts
            .workloads
            .get_mut(workload)
            .unwrap()
            .resources
            .insert(name.into(), uid.clone());
        let entry = self
            .parts
            .resources
            .entry(uid.clone())
            .or_insert_with(|| Resource {
                uid: uid.clone(),
                type_: type_.into(),
                class: "default".into(),
                id: id.map(String::from),
                params: params.map(tv),
                param_spans: Default::default(),
                metadata: json!({}),
                source_workload: workload.into(),
                source_name: name.into(),
                consumers: BTreeSet::new(),
                span: span(&file, 20, &format!("/resources/{name}")),
            });
        entry.consumers.insert(workload.into());
        self
    }
}

pub(crate) fn set_with(extra: &str) -> ProvisionerSet {
    let mut set = ProvisionerSet::new();
    if !extra.is_empty() {
        set.add_file("extra.yaml", extra, Origin::User("extra.yaml".into()))
            .unwrap();
    }
    set.add_file(
        "test.yaml",
        PROVISIONERS,
        Origin::Project("test.yaml".into()),
    )
    .unwrap();
    set
}

pub(crate) fn run_with(
    app: &App,
    set: &ProvisionerSet,
    state: &mut State,
    runner: &dyn CommandRunner,
) -> Result<(Resolved, Diagnostics), Diagnostics> {
    let ctx = Context {
        target: Target::KUBERNETES,
        options: json!({"namespace": "dev"}),
        runner,
    };
    run_in(app, set, state, &ctx)
}

fn run_in(
    app: &App,
    set: &ProvisionerSet,
    state: &mut State,
    ctx: &Context<'_>,
) -> Result<(Resolved, Diagnostics), Diagnostics> {
    let graph = ResourceGraph::build(app).unwrap();
    provision(app, &graph, set, state, ctx)
}

/// Provisions `app` with `set` for `target` (with `options`) from a fresh state.
pub(crate) fn run_for(
    target: Target,
    options: serde_json::Value,
    app: &App,
    set: &ProvisionerSet,
) -> Result<(Resolved, Diagnostics), Diagnostics> {
    let runner = SpawnRunner::default();
    let ctx = Context {
        target,
        options,
        runner: &runner,
    };
    run_in(app, set, &mut State::new("s".into()), &ctx)
}

fn run(app: &App, state: &mut State) -> Result<(Resolved, Diagnostics), Diagnostics> {
    run_with(app, &set_with(""), state, &SpawnRunner::default())
}

pub(crate) fn one_error(
    r: Result<(Resolved, Diagnostics), Diagnostics>,
) -> score_x_core::Diagnostic {
    let e = r.unwrap_err();
    assert_eq!(e.len(), 1, "{e:#?}");
    e.0.into_iter().next().unwrap()
}

/// Provisions `app` with `set` from a fresh state, really spawning commands.
pub(crate) fn run_fresh(
    app: &App,
    set: &ProvisionerSet,
) -> Result<(Resolved, Diagnostics), Diagnostics> {
    run_with(
        app,
        set,
        &mut State::new("s".into()),
        &SpawnRunner::default(),
    )
}

/// The one error of provisioning `app` with `set` from a fresh state.
pub(crate) fn error_with(app: &App, set: &ProvisionerSet) -> score_x_core::Diagnostic {
    one_error(run_fresh(app, set))
}

/// The one error of provisioning `app` with the test provisioners from a fresh state.
fn error(app: &App) -> score_x_core::Diagnostic {
    error_with(app, &set_with(""))
}

/// Workload `api` with `vars` and one resource `name` of type `type_` (with `params`).
pub(crate) fn api_with(
    vars: &[(&str, &str)],
    name: &str,
    type_: &str,
    params: Option<serde_json::Value>,
) -> App {
    AppB::new()
        .workload("api", vars)
        .resource("api", name, type_, None, params)
        .app()
}

/// Asserts that `message` contains each of `parts`.
#[track_caller]
pub(crate) fn assert_mentions(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "{part:?} not in {message:?}");
    }
}

/// Workload `api` with `vars`, resource `db` (postgres) and resource `name` of `type_` with
/// `params`.
fn db_and(vars: &[(&str, &str)], (name, type_): (&str, &str), params: serde_json::Value) -> App {
    AppB::new()
        .workload("api", vars)
        .resource("api", "db", "postgres", None, None)
        .resource("api", name, type_, None, Some(params))
        .app()
}

/// The variables of workload `w`'s container `main`.
pub(crate) fn vars<'r>(
    r: &'r Resolved,
    w: &str,
) -> &'r score_x_core::FlatMap<String, ResolvedVariable> {
    &r.workloads()[w].containers["main"].variables
}

fn dsn_app() -> App {
    api_with(
        &[
            (
                "DB_URL",
                "postgres://${resources.db.username}:${resources.db.password}@${resources.db.host}:${resources.db.port}/app",
            ),
            ("TEAM", "${metadata.annotations.team}"),
        ],
        "db",
        "postgres",
        None,
    )
}

#[test]
fn secret_propagates_through_a_dsn() {
    let mut state = State::new("seed-1".into());
    let (resolved, warnings) = run(&dsn_app(), &mut state).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let var = &vars(&resolved, "api")["DB_URL"].value;
    let name = score_x_core::naming::dns_label("pg-postgres.default#api.db", 40);
    assert!(var.is_secret());
    assert_eq!(var.as_plain(), None);
    match var.segments.as_slice() {
        [Segment::Text(a), Segment::Secret(s), Segment::Text(b)] => {
            assert!(a.starts_with("postgres://u") && a.ends_with(':'), "{a}");
            assert_eq!(b, &format!("@{name}:5432/app"));
            assert_eq!(s.name, name);
            assert_eq!(s.key.as_deref(), Some("password"));
            assert_eq!(s.value.as_ref().unwrap().expose().len(), 24);
        }
        other => panic!("unexpected segments {other:?}"),
    }
    assert_eq!(vars(&resolved, "api")["TEAM"].value, text("core"));
    // The secret never reaches the state file, the serialized model or Debug output.
    let pw = var
        .secrets()
        .next()
        .unwrap()
        .value
        .as_ref()
        .unwrap()
        .expose()
        .to_string();
    assert!(!state.to_yaml().contains(&pw));
    // Only the target's secret object (the rendered artifact) holds it.
    let mut without_artifacts = resolved.clone().into_parts();
    without_artifacts
        .resources
        .values_mut()
        .for_each(|r| r.artifacts = Artifacts::NONE);
    let without_artifacts = Resolved::new(without_artifacts).unwrap();
    assert!(
        !serde_json::to_string(&without_artifacts)
            .unwrap()
            .contains(&pw)
    );
    assert!(!format!("{without_artifacts:?}").contains(&pw));
    let db = &resolved.resources()[&"postgres.default#api.db".parse().unwrap()];
    assert_eq!(db.params, json!({"version": "16", "replicas": 1}));
    assert_eq!(db.artifacts.value()[0]["kind"], "Secret");
    assert_eq!(
        state.resources["postgres.default#api.db"].secret_outputs["password"].name,
        name
    );
}

#[test]
fn bindings_name_the_plain_outputs_each_variable_inserts() {
    use score_x_core::late_bound::Piece;
    let app = api_with(
        &[
            ("HOST", "${resources.db.host}"),
            (
                "URL",
                "h=${resources.db.host}:${resources.db.port} t=${metadata.annotations.team}",
            ),
            ("DSN", "${resources.db.password}@x"),
            ("PLAIN", "x"),
        ],
        "db",
        "postgres",
        None,
    );
    let helm = Context {
        target: Target::HELM,
        options: json!({"namespace": "dev"}),
        runner: &SpawnRunner::default(),
    };
    let mut state = State::new("seed-1".into());
    let (resolved, _) = run_in(&app, &set_with(""), &mut state, &helm).unwrap();
    // Built only for a target that binds outputs late.
    let (on_kubernetes, _) = run(&app, &mut State::new("seed-1".into())).unwrap();
    assert_eq!(on_kubernetes.bindings(), &Default::default());
    assert_eq!(on_kubernetes.workloads(), resolved.workloads());
    let b = &resolved.bindings();
    let out = |k: &str| Piece::Output {
        resource: "db".into(),
        keys: vec![k.into()],
    };
    assert_eq!(b.variable("api", "main", "HOST").unwrap(), &[out("host")]);
    assert_eq!(
        b.variable("api", "main", "URL").unwrap(),
        &[
            Piece::Text("h=".into()),
            out("host"),
            Piece::Text(":".into()),
            out("port"),
            Piece::Text(" t=core".into()),
        ]
    );
    // Secrets are never bound late; literal text needs no binding.
    assert!(b.variable("api", "main", "DSN").is_none());
    assert!(b.variable("api", "main", "PLAIN").is_none());
    // Not part of the serialised model (goldens unchanged).
    assert!(
        !serde_json::to_string(&resolved)
            .unwrap()
            .contains("bindings")
    );
}

/// `provision_owned` consumes the App as it resolves each workload: its result (the model, the
/// late bindings, the state, warnings and errors) is exactly that of `provision`.
#[test]
fn consuming_the_app_gives_the_borrowed_result() {
    let bound = api_with(
        &[
            ("HOST", "${resources.db.host}"),
            (
                "URL",
                "${resources.db.host}:${resources.db.port} ${metadata.name}",
            ),
            ("DSN", "${resources.db.password}@x"),
        ],
        "db",
        "postgres",
        None,
    );
    let files = AppB::new()
        .workload("api", &[("X", "${resources.db.host}")])
        .resource("api", "db", "postgres", None, None)
        .file(
            "api",
            "/etc/app.conf",
            FileContent::Template(Template::parse("pw=${resources.db.password}\n").unwrap()),
        )
        .file("api", "/etc/raw", FileContent::Literal("${x}".into()))
        .file("api", "/etc/bin", FileContent::Binary(vec![0, 159]))
        .app();
    let broken = api_with(&[("X", "${resources.db.hots}")], "db", "postgres", None);
    let cases = [
        (bound, Target::HELM, true),
        (dsn_app(), Target::KUBERNETES, true),
        (files, Target::HELM, true),
        (broken, Target::HELM, false),
    ];
    for (app, target, ok) in cases {
        let runner = SpawnRunner::default();
        let ctx = Context {
            target,
            options: json!({"namespace": "dev"}),
            runner: &runner,
        };
        let graph = ResourceGraph::build(&app).unwrap();
        let set = set_with("");
        let (mut borrowed_state, mut owned_state) =
            (State::new("s".into()), State::new("s".into()));
        let borrowed = provision(&app, &graph, &set, &mut borrowed_state, &ctx);
        let owned = crate::provision_owned(app.clone(), &graph, &set, &mut owned_state, &ctx);
        assert_eq!(borrowed.is_ok(), ok, "{borrowed:?}");
        assert_eq!(format!("{borrowed:?}"), format!("{owned:?}"));
        assert_eq!(borrowed_state, owned_state);
    }
    // The first case is bound late, so the comparison covered the bindings.
    let (first, _) = run_for(
        Target::HELM,
        json!({"namespace": "dev"}),
        &api_with(&[("HOST", "${resources.db.host}")], "db", "postgres", None),
        &set_with(""),
    )
    .unwrap();
    assert!(!first.bindings().is_empty());
}

#[test]
fn same_inputs_and_state_give_identical_output() {
    let app = dsn_app();
    let mut s1 = State::new("seed-1".into());
    let (r1, _) = run(&app, &mut s1).unwrap();
    let state_after_first = s1.to_yaml();
    let (r2, _) = run(&app, &mut s1).unwrap();
    assert_eq!(
        serde_json::to_string(&r1).unwrap(),
        serde_json::to_string(&r2).unwrap()
    );
    assert_eq!(r1, r2);
    assert_eq!(state_after_first, s1.to_yaml());
    let mut s2 = State::parse(&state_after_first, "state.yaml").unwrap();
    let (r3, _) = run(&app, &mut s2).unwrap();
    assert_eq!(r1, r3);
}

#[test]
fn new_seed_keeps_names_and_changes_generated_secrets() {
    let app = dsn_app();
    let (r1, _) = run(&app, &mut State::new("seed-1".into())).unwrap();
    let (r2, _) = run(&app, &mut State::new("seed-2".into())).unwrap();
    let uid: ResourceUid = "postgres.default#api.db".parse().unwrap();
    let (a, b) = (&r1.resources()[&uid], &r2.resources()[&uid]);
    assert_eq!(a.plain("host"), b.plain("host"));
    assert_eq!(a.plain("username"), b.plain("username"));
    assert_eq!(
        a.artifacts.value()[0]["metadata"],
        b.artifacts.value()[0]["metadata"]
    );
    let pw = |r: &score_x_core::resolved::ProvisionedResource| match &r.outputs["password"] {
        score_x_core::resolved::Output::Secret(s) => (
            s.name.clone(),
            s.value.as_ref().unwrap().expose().to_string(),
        ),
        score_x_core::resolved::Output::Plain(_) => panic!("password must be secret"),
    };
    let (n1, v1) = pw(a);
    let (n2, v2) = pw(b);
    assert_eq!(n1, n2);
    assert_ne!(v1, v2);
    assert_ne!(
        a.artifacts.value()[0]["stringData"],
        b.artifacts.value()[0]["stringData"]
    );
}

#[test]
fn template_typo_names_provisioner_section_and_key() {
    let app = api_with(&[], "t", "typo", None);
    let d = error(&app);
    assert_eq!(d.code, Code::Provisioner);
    assert_mentions(&d.message, &["template://test/typo"]);
    assert_mentions(&d.message, &["section `outputs_template` line 1"]);
    assert_mentions(&d.message, &["`params.verison` does not exist"]);
    assert_eq!(d.hint.as_deref(), Some("did you mean `version`?"));
    let s = d.span.unwrap();
    assert_eq!((s.file.as_ref(), s.line), ("test.yaml", 37));
    assert_eq!(d.related[0].0.file.as_ref(), "api.score.yaml");
}

#[test]
fn undeclared_output_is_reported_at_the_variable() {
    let app = api_with(
        &[("X", "a"), ("HOST", "${resources.db.hots}")],
        "db",
        "postgres",
        None,
    );
    let d = error(&app);
    assert_eq!(d.code, Code::UnknownOutput);
    assert_eq!(d.hint.as_deref(), Some("did you mean `host`?"));
    let s = d.span.unwrap();
    assert_eq!(
        (s.file.as_ref(), s.line, s.path.as_ref()),
        ("api.score.yaml", 11, "/containers/main/variables/HOST")
    );
}

#[test]
fn param_type_error_and_unknown_param() {
    let app = api_with(&[], "db", "postgres", Some(json!({"replicas": "two"})));
    let d = error(&app);
    assert_eq!(d.code, Code::InvalidParam);
    assert_mentions(
        &d.message,
        &["param `replicas`", "type integer", "got a string"],
    );
    assert_eq!(
        d.span.unwrap().path.as_ref(),
        "/resources/db/params/replicas"
    );

    // A param the provisioner does not use is a warning with a suggestion, not an error: the
    // same file stays valid for targets (or tools) whose provisioner uses it.
    let app = api_with(&[], "db", "postgres", Some(json!({"verison": "15"})));
    let (_, warnings) = run(&app, &mut State::new("s".into())).unwrap();
    let d = warnings
        .iter()
        .find(|w| w.code == Code::InvalidParam)
        .unwrap();
    assert!(!d.is_error());
    assert_mentions(&d.message, &["param `verison`", "does not use", "ignored"]);
    assert_eq!(d.hint.as_deref(), Some("did you mean `version`?"));
    assert_eq!(d.span.as_ref().unwrap().line, 20);

    let app = api_with(&[], "r", "route", None);
    let d = error(&app);
    assert_mentions(&d.message, &["missing the required param `host`"]);
}

#[test]
fn params_use_earlier_outputs_but_never_secrets() {
    let app = db_and(
        &[("URL", "${resources.r.url}")],
        ("r", "route"),
        json!({"host": "${resources.db.host}.example.com"}),
    );
    let (resolved, _) = run(&app, &mut State::new("s".into())).unwrap();
    let url = vars(&resolved, "api")["URL"].value.as_plain().unwrap();
    assert!(
        url.starts_with("https://pg-postgres-default-api-db-") && url.ends_with(".example.com"),
        "{url}"
    );

    let app = db_and(
        &[],
        ("r", "route"),
        json!({"host": "${resources.db.password}"}),
    );
    let d = error(&app);
    assert_eq!(d.code, Code::InvalidParam);
    assert_mentions(&d.message, &["secret output `db.password`"]);
}

#[test]
fn failing_cmd_provisioner_shows_status_and_stderr() {
    let set = set_with(
        "- uri: cmd:///bin/sh#fail\n  type: broken\n  args: [\"-c\", \"echo 'no credentials for acme' >&2; exit 3\", \"<mode>\"]\n",
    );
    let app = api_with(&[], "b", "broken", None);
    let d = error_with(&app, &set);
    assert_eq!(d.code, Code::Provisioner);
    assert_mentions(&d.message, &["cmd:///bin/sh#fail"]);
    assert_mentions(&d.message, &["exit status 3"]);
    assert_mentions(&d.message, &["no credentials for acme"]);
    assert_eq!(d.span.unwrap().file.as_ref(), "extra.yaml");
}

const CMD_ENV: &str = r#"- uri: cmd:///bin/sh#env
  type: environment
  args:
    - -c
    - |
      input=$(cat)
      case "$input" in *'"resource_uid":"environment.default#shared-env"'*) ;; *) echo "bad stdin: $input" >&2; exit 1;; esac
      case "$1" in provision) ;; *) echo "mode $1" >&2; exit 1;; esac
      printf '%s' '{"resource_state":{"n":1},"resource_outputs":{"REGION":"eu-west-1","TOKEN":"🔐💬env-secret_token💬🔐"},"shared_state":{"seen":true},"manifests":[]}'
    - sh
    - <mode>
  expected_outputs: [REGION, TOKEN]
"#;

#[test]
fn shared_resource_is_provisioned_once_with_identical_outputs() {
    let set = set_with(CMD_ENV);
    let runner = SpawnRunner::default();
    let app = AppB::new()
        .workload(
            "a",
            &[
                ("R", "${resources.env.REGION}"),
                ("T", "${resources.env.TOKEN}"),
            ],
        )
        .workload(
            "b",
            &[
                ("R", "${resources.e.REGION}"),
                ("T", "${resources.e.TOKEN}"),
            ],
        )
        .resource("a", "env", "environment", Some("shared-env"), None)
        .resource("b", "e", "environment", Some("shared-env"), None)
        .app();
    let mut state = State::new("s".into());
    let (resolved, _) = run_with(&app, &set, &mut state, &runner).unwrap();
    assert_eq!(runner.calls.load(Ordering::SeqCst), 1);
    assert_eq!(resolved.resources().len(), 1);
    let (a, b) = (vars(&resolved, "a"), vars(&resolved, "b"));
    assert_eq!(a["R"].value, b["R"].value);
    assert_eq!(a["T"].value, b["T"].value);
    assert_eq!(a["R"].value, text("eu-west-1"));
    assert_eq!(
        a["T"].value,
        secret_value(secret("env-secret", Some("token"), None))
    );
    assert_eq!(state.shared, json!({"seen": true}));
    assert_eq!(
        state.resources["environment.default#shared-env"].state,
        json!({"n": 1})
    );
}

#[test]
fn generated_secrets_may_not_be_stored_in_state() {
    let app = api_with(&[], "l", "leaky", None);
    let d = error(&app);
    assert_mentions(&d.message, &["`random_string` appears in `state`"]);
}

#[test]
fn no_provisioner_names_uid_file_target_and_types() {
    let app = api_with(&[], "q", "amqp", None);
    let d = error(&app);
    assert_eq!(d.code, Code::NoProvisioner);
    assert_mentions(&d.message, &["amqp.default#api.q", "kubernetes"]);
    let s = d.span.unwrap();
    assert_eq!((s.file.as_ref(), s.line), ("api.score.yaml", 20));
    assert!(d.hint.unwrap().contains("leaky, postgres, route, typo"));
}

#[test]
fn orphans_and_stickiness_are_reported() {
    let mut state = State::new("s".into());
    run(&dsn_app(), &mut state).unwrap();
    // Another provisioner now matches postgres first.
    let set = set_with(
        "- uri: template://other/pg\n  type: postgres\n  outputs: { host: {}, port: {}, username: {}, password: { secret: true } }\n  outputs_template: |\n    host: h\n    port: 1\n    username: u\n    password: { name: s }\n",
    );
    let (_, warnings) = run_with(&dsn_app(), &set, &mut state, &SpawnRunner::default()).unwrap();
    assert!(warnings.iter().any(|w| w.message.contains("was provisioned by template://test/postgres and is now provisioned by template://other/pg")), "{warnings:?}");
    // The workload and its resource vanish.
    let other = AppB::new().workload("web", &[]).app();
    let (_, warnings) = run(&other, &mut state).unwrap();
    assert_eq!(state.orphans(&other).len(), 2);
    assert_eq!(warnings.len(), 1, "one summary line: {warnings:?}");
    assert!(
        warnings.0[0]
            .message
            .contains("1 workload not among the inputs (`api`) and 1 resource no longer declared (`postgres.default#api.db`)"),
        "{warnings:?}"
    );
    assert!(state.resources["postgres.default#api.db"].orphaned);
    assert!(state.workloads["api"].orphaned);
    assert!(!state.workloads["web"].orphaned);
}

#[test]
fn file_contents_literal_and_binary() {
    let app = AppB::new()
        .workload("api", &[])
        .resource("api", "db", "postgres", None, None)
        .file(
            "api",
            "/etc/app.conf",
            FileContent::Template(Template::parse("pw=${resources.db.password}\n").unwrap()),
        )
        .file(
            "api",
            "/etc/raw",
            FileContent::Literal("${not.expanded}".into()),
        )
        .file(
            "api",
            "/etc/bin",
            FileContent::Binary(vec![0, 159, 146, 150]),
        )
        .app();
    let (resolved, _) = run(&app, &mut State::new("s".into())).unwrap();
    let files = &resolved.workloads()["api"].containers["main"].files;
    let ResolvedContent::Text(conf) = &files["/etc/app.conf"].content else {
        panic!()
    };
    assert!(conf.is_secret());
    assert_eq!(
        files["/etc/raw"].content,
        ResolvedContent::Text(text("${not.expanded}"))
    );
    assert_eq!(
        files["/etc/bin"].content,
        ResolvedContent::Binary(vec![0, 159, 146, 150])
    );
}

#[test]
fn errors_leave_state_untouched() {
    let mut state = State::new("s".into());
    let before = state.to_yaml();
    let app = api_with(&[("X", "${resources.db.nope}")], "db", "postgres", None);
    assert!(run(&app, &mut state).is_err());
    assert_eq!(before, state.to_yaml());
    let _ = Arc::new(());
}

#[test]
fn a_failed_rerun_leaves_the_earlier_state_as_it_was() {
    // The shared state and the shared resource's outputs count the workloads: a rerun with one
    // more changes both, adds records, and then fails on an unknown output.
    let set = set_with(
        "- uri: template://t/shared\n  type: typo-free\n  outputs: { x: {} }\n  shared: |\n    users: {{len workloads}}\n  outputs_template: |\n    x: '{{len workloads}}'\n",
    );
    let estate = |n: usize, broken: bool| {
        let mut b = AppB::new();
        for i in 0..n {
            let w = format!("svc-{i}");
            let var = if broken && i == n - 1 {
                "${resources.cache.nope}"
            } else {
                "${resources.cache.x}"
            };
            b = b
                .workload(&w, &[("SHARED", var)])
                .resource(&w, "db", "postgres", None, None)
                .resource(&w, "cache", "typo-free", Some("shared-cache"), None);
        }
        b.app()
    };
    let mut state = State::new("seed".into());
    run_with(&estate(2, false), &set, &mut state, &SpawnRunner::default()).unwrap();
    assert_eq!(state.shared, json!({"users": 2}));
    let before = state.to_yaml();
    let failed = run_with(&estate(3, true), &set, &mut state, &SpawnRunner::default());
    assert!(failed.is_err());
    assert_eq!(before, state.to_yaml());
    // The same rerun without the error commits all of it.
    run_with(&estate(3, false), &set, &mut state, &SpawnRunner::default()).unwrap();
    assert_eq!(state.shared, json!({"users": 3}));
    assert_ne!(before, state.to_yaml());
}

#[test]
fn large_estate_provisions_and_is_deterministic() {
    let mut b = AppB::new();
    for i in 0..300 {
        let w = format!("svc-{i:03}");
        b = b
            .workload(&w, &[("DB", "postgres://${resources.db.username}:${resources.db.password}@${resources.db.host}"), ("SHARED", "${resources.cache.x}")])
            .resource(&w, "db", "postgres", None, None)
            .resource(&w, "cache", "typo-free", Some("shared-cache"), None);
    }
    let set = set_with(
        "- uri: template://t/shared\n  type: typo-free\n  outputs: { x: {} }\n  shared: |\n    users: {{len workloads}}\n  outputs_template: |\n    x: {{uid}}\n",
    );
    let mut state = State::new("seed".into());
    let app = b.app();
    let (r1, _) = run_with(&app, &set, &mut state, &SpawnRunner::default()).unwrap();
    assert_eq!(r1.resources().len(), 301);
    assert_eq!(state.shared, json!({"users": 300}));
    let (r2, _) = run_with(&app, &set, &mut state, &SpawnRunner::default()).unwrap();
    assert_eq!(r1, r2);
}

#[test]
fn provisioner_without_target_section_is_skipped_once_with_a_warning() {
    let set = set_with(
        "- uri: template://k8s-only/cache\n  type: cache\n  kubernetes: '[]'\n- uri: template://any/cache\n  type: cache\n",
    );
    let app = AppB::new()
        .workload("a", &[])
        .workload("b", &[])
        .resource("a", "c", "cache", None, None)
        .resource("b", "c", "cache", None, None)
        .app();
    let (r, warnings) = run_for(Target::ECS, json!({}), &app, &set).unwrap();
    assert!(
        r.resources()
            .values()
            .all(|p| p.provisioner == "template://any/cache")
    );
    assert!(r.resources().values().all(|p| p.artifacts.is_none()));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_mentions(
        &warnings.0[0].message,
        &["template://k8s-only/cache", "no `ecs` section"],
    );
    // Without a fallback, the error says why the matching provisioners did not apply.
    let app = AppB::new()
        .workload("a", &[])
        .resource("a", "db", "postgres", None, None)
        .app();
    let set = set_with("- uri: template://k8s-only/pg\n  type: postgres\n  kubernetes: '[]'\n");
    let d = one_error(run_for(Target::ECS, json!({}), &app, &set));
    assert_eq!(d.code, Code::NoProvisioner);
    assert_eq!(d.related.len(), 2, "{d:?}");
    assert!(
        d.related
            .iter()
            .all(|(_, l)| l == "matches, but has no `ecs` section")
    );
}

#[test]
fn each_target_renders_its_own_section() {
    let set = set_with(
        "- uri: template://multi/q\n  type: queue\n  kubernetes: |\n    - {kind: ConfigMap, target: {{target}}}\n  ecs: |\n    sidecar: {{options.flavour}}\n  nomad: |\n    group: {{dns_label id 20}}\n- uri: cmd:///bin/sh#k8s-only\n  type: manifests\n  args: [\"-c\", \"cat >/dev/null; echo '{\\\"manifests\\\":[{\\\"kind\\\":\\\"ConfigMap\\\"}]}'\"]\n",
    );
    let app = api_with(&[], "q", "queue", None);
    let artifacts = |target| {
        let (r, _) = run_for(target, json!({"flavour": "sqs"}), &app, &set).unwrap();
        r.resources().values().next().unwrap().artifacts.value()
    };
    assert_eq!(
        artifacts(Target::KUBERNETES),
        json!([{"kind": "ConfigMap", "target": "kubernetes"}])
    );
    assert_eq!(
        artifacts(Target::HELM),
        json!([{"kind": "ConfigMap", "target": "helm"}])
    );
    assert_eq!(artifacts(Target::ECS), json!({"sidecar": "sqs"}));
    assert_eq!(
        artifacts(Target::NOMAD),
        json!({"group": score_x_core::naming::dns_label("api.q", 20)})
    );

    // A cmd provisioner's manifests are Kubernetes objects: fine there, an error elsewhere.
    let app = api_with(&[], "m", "manifests", None);
    let (r, _) = run_for(Target::KUBERNETES, json!({}), &app, &set).unwrap();
    assert_eq!(
        r.resources().values().next().unwrap().artifacts.value(),
        json!([{"kind": "ConfigMap"}])
    );
    let d = one_error(run_for(Target::NOMAD, json!({}), &app, &set));
    assert_mentions(
        &d.message,
        &["returned Kubernetes manifests, which the nomad target cannot use"],
    );
}

#[test]
fn secret_typed_params_receive_the_reference_only() {
    let set = set_with(
        "- uri: template://t/pooler\n  type: pooler\n  params:\n    password: { type: secret, required: true }\n    host: { type: string }\n  outputs: { url: {} }\n  outputs_template: |\n    url: {{quote (concat \"pool-\" params.host)}}\n  kubernetes: |\n    - kind: Deployment\n      secretRef: {name: {{params.password.name}}, key: {{params.password.key}}}\n",
    );
    let app = db_and(
        &[("POOL", "${resources.pool.url}")],
        ("pool", "pooler"),
        json!({"password": "${resources.db.password}", "host": "${resources.db.host}"}),
    );
    let (r, _) = run_with(
        &app,
        &set,
        &mut State::new("seed".into()),
        &SpawnRunner::default(),
    )
    .unwrap();
    let pool = &r.resources()[&"pooler.default#api.pool".parse().unwrap()];
    let name = score_x_core::naming::dns_label("pg-postgres.default#api.db", 40);
    assert_eq!(
        pool.params["password"],
        json!({"name": name, "key": "password"})
    );
    assert_eq!(
        pool.artifacts.value()[0]["secretRef"],
        json!({"name": name, "key": "password"})
    );
    let db = &r.resources()[&"postgres.default#api.db".parse().unwrap()];
    let score_x_core::resolved::Output::Secret(pw) = &db.outputs["password"] else {
        panic!()
    };
    let value = pw.value.as_ref().unwrap().expose();
    assert!(!serde_json::to_string(&pool.params).unwrap().contains(value));

    // Mixed with text, or a plain value, it is an error.
    let app = db_and(
        &[],
        ("pool", "pooler"),
        json!({"password": "x${resources.db.password}"}),
    );
    let d = error_with(&app, &set);
    assert_mentions(
        &d.message,
        &["is of type secret and must be exactly one secret output placeholder"],
    );
    let app = api_with(&[], "pool", "pooler", Some(json!({"password": "hunter2"})));
    let d = error_with(&app, &set);
    assert_mentions(&d.message, &["must be of type secret"]);
}
