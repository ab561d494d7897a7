//! Tests of open output declarations (`outputs: {"*": …}`): the requested keys are the union over
//! every consumer (variables, files, params), handed to templates and commands sorted, and the
//! produced outputs must be exactly the declared plus the requested ones.

use std::sync::atomic::Ordering;

use score_x_core::ir::FileContent;
use score_x_core::resolved::{Output, ResolvedContent, Segment};
use score_x_core::testing::{mixed, secret, secret_value, text};
use score_x_core::{Code, ResourceUid, Template};
use serde_json::json;

use crate::State;
use crate::format::{Origin, decode_file};
use crate::tests::{
    AppB, SpawnRunner, api_with, assert_mentions, error_with, run_fresh, run_with, set_with, vars,
};

/// A secret open environment (with one explicit plain output), a plain open config, and broken
/// variants: one yielding an extra key, one yielding nothing, one yielding plain for secret.
const OPEN: &str = r#"
- uri: template://test/env
  type: environment
  outputs:
    target: {}
    "*": { secret: true }
  state: |
    requested: {{to_json requested_outputs}}
  outputs_template: |
    target: {{quote target}}
    {{#each requested_outputs}}
    {{quote this}}: { name: env-secret, key: {{quote this}} }
    {{/each}}
- uri: template://test/config
  type: config
  outputs:
    "*": {}
  outputs_template: |
    {{#each requested_outputs}}
    {{quote this}}: {{quote (concat "v-" (lower this))}}
    {{/each}}
- uri: template://test/extra
  type: extra
  outputs:
    "*": {}
  outputs_template: |
    {{#each requested_outputs}}
    {{quote this}}: x
    {{/each}}
    EXTRA: y
- uri: template://test/missing
  type: missing
  outputs:
    fixed: {}
    "*": {}
  outputs_template: |
    other: 1
- uri: template://test/plain-secret
  type: plain-secret
  outputs:
    "*": { secret: true }
  outputs_template: |
    {{#each requested_outputs}}
    {{quote this}}: not-a-reference
    {{/each}}
"#;

fn uid(s: &str) -> ResourceUid {
    s.parse().unwrap()
}

/// The one error of provisioning `app` with [`OPEN`] from a fresh state.
fn open_error(app: &score_x_core::App) -> score_x_core::Diagnostic {
    error_with(app, &set_with(OPEN))
}

fn env_app(first: &str) -> score_x_core::App {
    // Two consumers of one shared resource, named differently; `first` decides insertion order.
    let a = |b: AppB| {
        b.workload(
            "a",
            &[
                ("DEBUG", "${resources.env.DEBUG}"),
                ("TOKEN", "Bearer ${resources.env.API_TOKEN}"),
                ("T", "${resources.env.target}"),
            ],
        )
        .resource("a", "env", "environment", Some("shared-env"), None)
    };
    let b = |b: AppB| {
        b.workload(
            "b",
            &[
                ("DEBUG", "${resources.e.DEBUG}"),
                ("REGION", "${resources.e.REGION}"),
            ],
        )
        .resource("b", "e", "environment", Some("shared-env"), None)
    };
    if first == "a" {
        b(a(AppB::new())).app()
    } else {
        a(b(AppB::new())).app()
    }
}

#[test]
fn open_outputs_are_the_union_of_every_consumers_references() {
    let set = set_with(OPEN);
    let mut state = State::new("s".into());
    let (resolved, warnings) =
        run_with(&env_app("a"), &set, &mut state, &SpawnRunner::default()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let env = &resolved.resources()[&uid("environment.default#shared-env")];
    // Sorted, without the explicitly declared `target`.
    assert_eq!(
        state.resources["environment.default#shared-env"].state,
        json!({"requested": ["API_TOKEN", "DEBUG", "REGION"]})
    );
    assert_eq!(
        env.outputs.keys().collect::<Vec<_>>(),
        ["API_TOKEN", "DEBUG", "REGION", "target"]
    );
    assert_eq!(env.outputs["target"], Output::Plain(json!("kubernetes")));
    let env_secret = |key| secret("env-secret", Some(key), None);
    for key in ["API_TOKEN", "DEBUG", "REGION"] {
        assert_eq!(env.outputs[key], Output::Secret(env_secret(key)));
    }
    let (a, b) = (vars(&resolved, "a"), vars(&resolved, "b"));
    assert_eq!(a["DEBUG"].value, secret_value(env_secret("DEBUG")));
    assert_eq!(a["DEBUG"].value, b["DEBUG"].value);
    assert_eq!(b["REGION"].value, secret_value(env_secret("REGION")));
    assert_eq!(
        a["TOKEN"].value,
        mixed(vec![
            Segment::Text("Bearer ".into()),
            Segment::Secret(env_secret("API_TOKEN"))
        ])
    );
    assert_eq!(a["T"].value, text("kubernetes"));
    // Secret outputs are stored as references only.
    let stored = &state.resources["environment.default#shared-env"];
    assert_eq!(
        stored.secret_outputs.keys().collect::<Vec<_>>(),
        ["API_TOKEN", "DEBUG", "REGION"]
    );
    assert_eq!(stored.outputs.keys().collect::<Vec<_>>(), ["target"]);
}

#[test]
fn open_outputs_are_deterministic_whatever_the_declaration_order() {
    let set = set_with(OPEN);
    let runner = SpawnRunner::default();
    let mut s1 = State::new("s".into());
    let mut s2 = State::new("s".into());
    let (r1, _) = run_with(&env_app("a"), &set, &mut s1, &runner).unwrap();
    let (r2, _) = run_with(&env_app("b"), &set, &mut s2, &runner).unwrap();
    let (r3, _) = run_with(&env_app("a"), &set, &mut s1, &runner).unwrap();
    assert_eq!(
        serde_json::to_string(&r1).unwrap(),
        serde_json::to_string(&r3).unwrap()
    );
    // The source workload differs with the order; the outputs do not.
    let key = uid("environment.default#shared-env");
    assert_eq!(r1.resources()[&key].outputs, r2.resources()[&key].outputs);
    assert_eq!(
        s1.resources[key.as_str()].state,
        s2.resources[key.as_str()].state
    );
}

#[test]
fn files_and_params_request_outputs_too() {
    let set = set_with(OPEN);
    let app = AppB::new()
        .workload("api", &[("HOST", "${resources.cfg.HOST}")])
        .file(
            "api",
            "/etc/app.conf",
            FileContent::Template(Template::parse("level=${resources.cfg.LOG_LEVEL}").unwrap()),
        )
        .file(
            "api",
            "/etc/raw.conf",
            FileContent::Literal("${resources.cfg.NOT_EXPANDED}".into()),
        )
        .resource("api", "cfg", "config", None, None)
        .resource(
            "api",
            "route",
            "route",
            None,
            Some(json!({"host": "${resources.cfg.DOMAIN}"})),
        )
        .app();
    let mut state = State::new("s".into());
    let (resolved, _) = run_with(&app, &set, &mut state, &SpawnRunner::default()).unwrap();
    let cfg = &resolved.resources()[&uid("config.default#api.cfg")];
    assert_eq!(
        cfg.outputs.keys().collect::<Vec<_>>(),
        ["DOMAIN", "HOST", "LOG_LEVEL"]
    );
    let route = &resolved.resources()[&uid("route.default#api.route")];
    assert_eq!(route.params["host"], json!("v-domain"));
    assert_eq!(route.plain("url"), Some(&json!("https://v-domain")));
    let c = &resolved.workloads()["api"].containers["main"];
    assert_eq!(c.variables["HOST"].value, text("v-host"));
    assert_eq!(
        c.files["/etc/app.conf"].content,
        ResolvedContent::Text(text("level=v-log_level"))
    );
}

#[test]
fn an_extra_key_is_an_exact_error() {
    let app = api_with(&[("A", "${resources.x.A}")], "x", "extra", None);
    let d = open_error(&app);
    assert_eq!(d.code, Code::Provisioner);
    assert_eq!(
        d.message,
        "template://test/extra (provisioning `extra.default#api.x`): produced output(s) EXTRA that are neither declared nor referenced by a consumer"
    );
    assert_eq!(
        d.hint.as_deref(),
        Some(
            "render every declared output, and exactly the keys of `requested_outputs` for the open declaration `*`"
        )
    );
    assert_eq!(d.span.unwrap().file.as_ref(), "extra.yaml");
}

#[test]
fn missing_requested_and_declared_keys_are_exact_errors() {
    let app = api_with(
        &[("B", "${resources.m.B}"), ("A", "${resources.m.A}")],
        "m",
        "missing",
        None,
    );
    let d = open_error(&app);
    assert_eq!(
        d.message,
        "template://test/missing (provisioning `missing.default#api.m`): did not produce the declared output(s) fixed; did not produce the requested output(s) A, B (referenced by its consumers, served by the open declaration `*`); produced output(s) other that are neither declared nor referenced by a consumer"
    );
}

#[test]
fn an_open_secret_rendered_as_plain_text_is_refused() {
    let app = api_with(&[("A", "${resources.p.A}")], "p", "plain-secret", None);
    let d = open_error(&app);
    assert_mentions(
        &d.message,
        &["output `A` is declared `secret: true` and must render as a map"],
    );
}

#[test]
fn a_near_miss_of_a_declared_output_warns_with_did_you_mean() {
    let app = api_with(
        &[
            ("T", "${resources.env.targte}"),
            ("N", "${resources.env.NAME}"),
        ],
        "env",
        "environment",
        None,
    );
    let (_, warnings) = run_fresh(&app, &set_with(OPEN)).unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let w = &warnings.0[0];
    assert_eq!(w.code, Code::UnknownOutput);
    assert_eq!(
        w.message,
        "`targte` is not an output template://test/env declares for `environment.default#api.env`; it is served by its open declaration `*` (as a secret output)"
    );
    assert_eq!(w.hint.as_deref(), Some("did you mean `target`?"));
    assert_eq!(
        &*w.span.as_ref().unwrap().path,
        "/containers/main/variables/T"
    );
}

#[test]
fn without_an_open_declaration_a_typo_is_still_an_error_with_did_you_mean() {
    let set = set_with(
        "- uri: template://test/fixed\n  type: fixed\n  outputs: { namespace: {} }\n  outputs_template: |\n    namespace: ns\n",
    );
    let app = api_with(&[("N", "${resources.f.namespce}")], "f", "fixed", None);
    let d = error_with(&app, &set);
    assert_eq!(d.code, Code::UnknownOutput);
    assert_mentions(&d.message, &["has no output `namespce`"]);
    assert_eq!(d.hint.as_deref(), Some("did you mean `namespace`?"));
}

#[test]
fn commands_receive_the_requested_keys_on_stdin() {
    let set = set_with(
        r#"- uri: cmd:///bin/sh#open
  type: dotenv
  args:
    - -c
    - |
      input=$(cat)
      case "$input" in *'"requested_outputs":["A","B"]'*) ;; *) echo "bad stdin: $input" >&2; exit 1;; esac
      printf '%s' '{"resource_outputs":{"A":"🔐💬dotenv_A💬🔐","B":"🔐💬dotenv_B💬🔐"}}'
  outputs:
    "*": { secret: true }
"#,
    );
    let runner = SpawnRunner::default();
    let app = api_with(
        &[("B", "${resources.d.B}"), ("A", "${resources.d.A}")],
        "d",
        "dotenv",
        None,
    );
    let (resolved, _) = run_with(&app, &set, &mut State::new("s".into()), &runner).unwrap();
    assert_eq!(runner.calls.load(Ordering::SeqCst), 1);
    assert_eq!(
        vars(&resolved, "api")["A"].value,
        secret_value(secret("dotenv", Some("A"), None))
    );
}

#[test]
fn open_declarations_decode_in_both_forms() {
    let origin = Origin::User("p.yaml".into());
    let ps = decode_file(
        "p.yaml",
        "- uri: template://a\n  type: t\n  outputs:\n    host: {}\n    \"*\": { secret: true, description: any key }\n- uri: cmd://sh#x\n  type: u\n  expected_outputs: [\"*\"]\n- uri: template://b\n  type: v\n  outputs: { host: {} }\n",
        &origin,
    )
    .unwrap();
    assert!(ps[0].open_outputs().is_some_and(|o| o.secret));
    assert_eq!(
        ps[0]
            .declared_outputs()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>(),
        ["host"]
    );
    assert!(ps[0].declares_output("host") && !ps[0].declares_output("*"));
    assert!(ps[1].open_outputs().is_some_and(|o| !o.secret));
    assert!(ps[2].open_outputs().is_none());
}
