//! A backend written here, in under 60 lines, and registered only in this test: adding a target
//! is one crate implementing `Backend`, one registry entry and its `targets/<t>/` folder. Core,
//! provisioning and the shared back half (capability check, emit, leak check) stay untouched.

#![allow(clippy::unwrap_used, clippy::result_large_err)]

use score_x_core::backend::{Feature, Support};
use score_x_core::driver::{AnyBackend, Backend, Entry, emit_checked};
use score_x_core::options::OptionsFile;
use score_x_core::plan::Plan;
use score_x_core::{Bundle, Capabilities, Code, Diagnostic, Resolved, Target};

// ---- the whole backend ----------------------------------------------------------------------
#[derive(Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct EchoOptions {
    #[serde(default)]
    prefix: String,
    /// Write secret values into the plain listing (to prove the leak check).
    #[serde(default)]
    leak: bool,
}

struct Echo;

impl Backend for Echo {
    const TARGET: Target = Target::new("echo", "kubernetes");
    type Options = EchoOptions;
    type Error = Diagnostic;
    fn capabilities(_: &EchoOptions) -> Capabilities {
        Capabilities::new("echo").with(Feature::Files, Support::Unsupported("echo writes no files"))
    }
    fn emit(app: &Resolved, plan: &Plan, o: &EchoOptions) -> Result<Bundle, Diagnostic> {
        let mut b = Bundle::default();
        for (name, wp) in plan.workloads() {
            let mut text = format!("{}{name} kind={:?}\n", o.prefix, wp.kind);
            let mut store = String::new();
            for (c, container) in &app.workloads()[name].containers {
                text.push_str(&format!("{c} role={:?}\n", wp.role(c)));
                for (k, v) in &container.variables {
                    match (v.value.as_plain(), o.leak) {
                        (Some(p), _) => text.push_str(&format!("  {k}={p}\n")),
                        (None, true) => {
                            text.push_str(&format!("  {k}={:?}\n", v.value.expose_all()))
                        }
                        (None, false) => {
                            store.push_str(&format!("{k}={:?}\n", v.value.expose_all()))
                        }
                    }
                }
            }
            b.add(format!("{name}.txt"), text);
            let len = store.len();
            b.add(format!("{name}.secrets"), store);
            b.mark_secret_store(
                &format!("{name}.secrets"),
                std::iter::once(0..len).collect(),
            );
        }
        Ok(b)
    }
}
static ECHO: Entry<Echo> = Entry::new();
// ---- end of the backend ---------------------------------------------------------------------

const ESTATE: &str = r#"
apiVersion: score.dev/v1b1
metadata: {name: api}
containers:
  main:
    image: api:1
    variables:
      DB_HOST: ${resources.db.host}
      DB_PASSWORD: ${resources.db.password}
  migrate:
    image: api:1
    before: {main: {ready: complete}}
resources:
  db: {type: postgres}
"#;

fn resolved() -> Resolved {
    score_x_tests::pipeline::resolve_with_defaults(
        Echo::TARGET,
        &[("api.yaml", ESTATE)],
        serde_json::json!({}),
    )
    .unwrap()
}

fn prepare(text: &str) -> Result<Box<dyn score_x_core::driver::Prepared>, Diagnostic> {
    let file = OptionsFile {
        name: "echo.yaml",
        text,
    };
    ECHO.prepare(Some(file), Default::default())
}

#[test]
fn options_are_decoded_up_front_with_positions_and_suggestions() {
    let e = prepare("prefix: x\nprefx: y\n").err().unwrap();
    assert_eq!(e.code, Code::UnknownField);
    assert_eq!(e.span.as_ref().unwrap().line, 2);
    assert_eq!(e.hint.as_deref(), Some("did you mean `prefix`?"));
    assert!(prepare("prefix: '> '\n").is_ok());
}

#[test]
fn the_shared_back_half_runs_the_new_backend() {
    let app = resolved();
    let plan = Plan::of_resolved(&app).unwrap();
    let out = emit_checked(prepare("prefix: '> '").unwrap().as_ref(), &app, &plan).unwrap();
    let text = String::from_utf8(out.bundle.files["api.txt"].clone()).unwrap();
    assert!(text.starts_with("> api kind=Service\n"), "{text}");
    assert!(
        text.contains("migrate role=Init") && text.contains("main role=Main"),
        "{text}"
    );
    assert!(text.contains("DB_HOST="), "{text}");
    assert!(!text.contains("DB_PASSWORD"), "{text}");
    assert!(out.bundle.secret_files.contains("api.secrets"));
}

#[test]
fn the_leak_check_and_the_capability_check_apply_to_it() {
    let app = resolved();
    let plan = Plan::of_resolved(&app).unwrap();
    let e = emit_checked(prepare("leak: true").unwrap().as_ref(), &app, &plan).unwrap_err();
    assert!(e.0[0].message.contains("`api.txt`"), "{:?}", e.0);
    let with_file = ESTATE.replace(
        "  migrate:\n",
        "    files: {/etc/x: {content: hi}}\n  migrate:\n",
    );
    let app = score_x_tests::pipeline::resolve_with_defaults(
        Echo::TARGET,
        &[("api.yaml", &with_file)],
        serde_json::json!({}),
    )
    .unwrap();
    let e = emit_checked(prepare("{}").unwrap().as_ref(), &app, &plan).unwrap_err();
    assert_eq!(e.0[0].code, Code::Unsupported, "{:?}", e.0);
}
