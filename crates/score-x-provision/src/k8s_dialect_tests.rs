//! score-k8s template provisioners run as in score-k8s: data, sections, secret markers,
//! manifests, seeded randomness kept in state, and their diagnostics.

use score_x_core::Target;
use score_x_core::resolved::Output;
use serde_json::json;

use crate::State;
use crate::tests::{api_with, assert_mentions, error_with, run_for, run_fresh, run_with, set_with};

/// A provisioner in score-k8s's dialect, written for these tests.
const KV: &str = r#"
- uri: template://team/kv
  type: kv
  description: A key-value store with a generated password.
  supported_params: [size]
  expected_outputs: [host, port, password, size]
  init: |
    name: kv-{{ .SourceWorkload }}-{{ substr 0 8 .Guid }}
    pw: {{ randAlphaNum 16 | quote }}
  state: |
    password: {{ dig "password" .Init.pw .State | quote }}
    runs: {{ dig "runs" 0 .State | add 1 }}
  shared: |
    kv-count: {{ dig "kv-count" 0 .Shared | add1 }}
  outputs: |
    host: {{ .Init.name }}.{{ .Namespace }}.svc
    port: 6379
    size: {{ .Params.size | default "1Gi" | quote }}
    password: {{ encodeSecretRef .Init.name "password" }}
  manifests: |
    - apiVersion: v1
      kind: Secret
      metadata:
        name: {{ .Init.name }}
        annotations:
          k8s.score.dev/resource-uid: {{ .Uid | quote }}
      data:
        password: {{ .State.password | b64enc }}
"#;

fn uid(s: &str) -> score_x_core::ResourceUid {
    s.parse().unwrap()
}

#[test]
fn a_score_k8s_provisioner_renders_outputs_manifests_and_secret_references() {
    let set = set_with(KV);
    let app = api_with(&[], "cache", "kv", Some(json!({"size": "2Gi"})));
    let mut state = State::new("seed".into());
    let runner = crate::tests::SpawnRunner::default();
    let (first, _) = run_with(&app, &set, &mut state, &runner).unwrap();
    let r = &first.resources()[&uid("kv.default#api.cache")];
    let host = r
        .plain("host")
        .and_then(|v| v.as_str())
        .unwrap()
        .to_string();
    assert!(
        host.starts_with("kv-api-") && host.ends_with(".dev.svc"),
        "{host}"
    );
    assert_eq!(r.plain("port"), Some(&json!(6379)));
    assert_eq!(r.plain("size"), Some(&json!("2Gi")));
    let Some(Output::Secret(s)) = r.outputs.get("password") else {
        panic!("password is not a secret: {:?}", r.outputs)
    };
    assert_eq!(
        (s.name.as_str(), s.key.as_deref()),
        (host.trim_end_matches(".dev.svc"), Some("password"))
    );
    let secret = &r.artifacts.value()[0];
    assert_eq!(secret["kind"], "Secret");
    assert_eq!(
        secret["metadata"]["annotations"]["k8s.score.dev/resource-uid"],
        "kv.default#api.cache"
    );
    // Run again: state is carried (the password stays, the counter grows), output is stable.
    let (second, _) = run_with(&app, &set, &mut state, &runner).unwrap();
    let r2 = &second.resources()[&uid("kv.default#api.cache")];
    assert_eq!(r2.artifacts, r.artifacts);
    let rs = &state.resources["kv.default#api.cache"].state;
    assert_eq!(rs["runs"], json!(2));
    assert_eq!(rs["password"].as_str().map(str::len), Some(16));
    assert_eq!(state.shared["kv-count"], json!(2));
}

#[test]
fn workload_services_and_metadata_have_score_k8s_names() {
    let set = set_with(
        "- uri: template://t/sp\n  type: sp\n  outputs: |\n    {{ $w := index .WorkloadServices .SourceWorkload }}\n    name: {{ $w.ServiceName }}\n    wl: {{ .WorkloadMetadata.name }}\n    ports: {{ len $w.Ports }}\n    id: {{ .Id }}\n    type: {{ .Type }}/{{ .Class }}\n",
    );
    let app = api_with(&[], "x", "sp", None);
    let (res, _) = run_fresh(&app, &set).unwrap();
    let r = &res.resources()[&uid("sp.default#api.x")];
    assert_eq!(r.plain("wl"), Some(&json!("api")));
    assert_eq!(r.plain("id"), Some(&json!("api.x")));
    assert_eq!(r.plain("type"), Some(&json!("sp/default")));
    assert!(r.plain("name").is_some());
}

#[test]
fn fail_and_missing_fields_are_errors_at_the_template_line() {
    let set = set_with(
        "- uri: template://t/f\n  type: f\n  outputs: |\n    a: 1\n    {{ if not .Params.workload }}{{ fail \"expected 'workload' param\" }}{{ end }}\n",
    );
    let d = error_with(&api_with(&[], "x", "f", None), &set);
    assert_mentions(
        &d.message,
        &[
            "template://t/f",
            "section `outputs` failed: line 2",
            "error calling fail: expected 'workload' param",
        ],
    );
    assert_eq!(d.span.as_ref().map(|s| s.line), Some(5));
    let set = set_with(
        "- uri: template://t/g\n  type: g\n  outputs: |\n    a: {{ .Parms.x }}\n  manifests: ''\n",
    );
    let d = error_with(&api_with(&[], "x", "g", None), &set);
    assert_mentions(&d.message, &["can't evaluate field Parms"]);
    assert_eq!(d.hint.as_deref(), Some("did you mean `.Params`?"));
}

#[test]
fn on_ecs_and_nomad_a_score_k8s_provisioner_is_skipped_with_a_clear_reason() {
    let set = set_with(KV);
    let app = api_with(&[], "cache", "kv", None);
    for t in [Target::ECS, Target::NOMAD] {
        let d = crate::tests::one_error(run_for(t, json!({}), &app, &set));
        assert!(
            d.message
                .contains("no provisioner for resource `kv.default#api.cache`"),
            "{}",
            d.message
        );
        assert!(
            d.related
                .iter()
                .any(|(_, m)| m.contains("score-k8s template provisioner")),
            "{:?}",
            d.related
        );
    }
}
