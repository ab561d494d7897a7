//! Unit tests of patch files: parsing diagnostics, each operation, selection errors, byte
//! stability of untouched files, secret store ranges, HCL round trips. (Templated values are
//! tested with the real engine in tests/patches.rs.)

use serde_json::json;

use super::*;
use crate::backend::Bundle;
use crate::diag::Code;

/// Values in these tests hold no `{{`: the engine is never called.
struct NoTemplates;

impl Renderer for NoTemplates {
    fn render(&self, t: &str, _: &serde_json::Value) -> Result<String, String> {
        Err(format!("unexpected template {t}"))
    }
}

fn set_of(text: &str) -> PatchSet {
    let mut s = PatchSet::new();
    s.add_file("p.yaml", text).unwrap();
    s
}

fn run(text: &str, bundle: &mut Bundle) -> Result<Vec<crate::Diagnostic>, Diagnostics> {
    let workloads = json!({"api": {"name": "api", "metadata": {"name": "api"}, "annotations": {}}});
    let ctx = Context {
        target: crate::Target::KUBERNETES,
        options: &json!({}),
        workloads: &workloads,
        renderer: &NoTemplates,
    };
    apply(&set_of(text), bundle, &ctx)
}

const MANIFESTS: &str = "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  ports: []\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - image: x\n        name: main\n";

fn k8s() -> Bundle {
    let mut b = Bundle::default();
    b.add("manifests.yaml", MANIFESTS);
    b.add(
        "api/service.json",
        "{\n  \"desiredCount\": 1,\n  \"launchType\": \"FARGATE\"\n}\n",
    );
    b
}

fn text(b: &Bundle, p: &str) -> String {
    String::from_utf8(b.files[p].clone()).unwrap()
}

#[test]
fn parse_errors_have_positions_and_suggestions() {
    let mut s = PatchSet::new();
    let e = s
        .add_file("p.yaml", "- op: sett\n  path: /a\n  value: 1\n- op: delete\n  pth: /a\n- op: set\n  path: spec\n  value: 1\n- op: delete\n  path: /a\n  value: 2\n- op: merge\n  path: /a\n  value: [1]\n- target: kubernets\n  op: set\n  path: /a\n")
        .unwrap_err();
    let shown: Vec<String> = e
        .iter()
        .map(|d| {
            format!(
                "{}:{} {} {} | {}",
                d.span.as_ref().unwrap().line,
                d.span.as_ref().unwrap().path,
                d.code,
                d.message,
                d.hint.clone().unwrap_or_default()
            )
        })
        .collect();
    let all = shown.join("\n");
    assert!(
        all.contains("1:/0/op INVALID_VALUE unknown op `sett` | did you mean `set`?"),
        "{all}"
    );
    assert!(
        all.contains("5:/1/pth UNKNOWN_FIELD unknown key `pth` | did you mean `path`?"),
        "{all}"
    );
    assert!(
        all.contains("4:/1 REQUIRED_FIELD this patch has no `path`"),
        "{all}"
    );
    assert!(
        all.contains("7:/2/path INVALID_VALUE `spec` is no JSON Pointer"),
        "{all}"
    );
    assert!(
        all.contains("11:/3/value INVALID_VALUE `delete` takes no `value`"),
        "{all}"
    );
    assert!(
        all.contains("14:/4/value INVALID_TYPE `merge` takes a map"),
        "{all}"
    );
    assert!(
        all.contains(
            "15:/5/target INVALID_VALUE unknown target `kubernets` | did you mean `kubernetes`?"
        ),
        "{all}"
    );
    assert!(
        all.contains("REQUIRED_FIELD this patch has no `value`"),
        "{all}"
    );
    let e = PatchSet::new().add_file("p.yaml", "op: set\n").unwrap_err();
    assert_eq!(e.0[0].code, Code::WrongShape);
    assert!(set_of("").is_empty());
}

#[test]
fn set_merge_delete_and_append() {
    let mut b = k8s();
    run(
        "- object: {kind: Deployment, name: api}\n  op: set\n  path: /spec/replicas\n  value: 3\n\
         - object: {kind: Deployment}\n  op: merge\n  path: /spec/template/spec\n  value: {securityContext: {runAsNonRoot: true}}\n\
         - object: {kind: Deployment}\n  op: set\n  path: /spec/template/spec/tolerations\n  value: []\n\
         - object: {kind: Deployment}\n  op: set\n  path: /spec/template/spec/tolerations/-\n  value: {key: a, operator: Exists}\n\
         - file: '*/service.json'\n  op: delete\n  path: /launchType\n",
        &mut b,
    )
    .unwrap();
    let m = text(&b, "manifests.yaml");
    assert!(
        m.starts_with(
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  ports: []\n---\n"
        ),
        "{m}"
    );
    assert!(m.contains("  replicas: 3\n"), "{m}");
    assert!(m.contains("      securityContext:\n        runAsNonRoot: true\n      tolerations:\n      - key: a\n        operator: Exists\n"), "{m}");
    assert_eq!(
        text(&b, "api/service.json"),
        "{\n  \"desiredCount\": 1\n}\n"
    );
}

#[test]
fn untouched_files_keep_their_bytes() {
    let mut b = k8s();
    let before = b.clone();
    run(
        "- file: '*/service.json'\n  op: set\n  path: /desiredCount\n  value: 1\n",
        &mut b,
    )
    .unwrap();
    assert_eq!(b.files["manifests.yaml"], before.files["manifests.yaml"]);
    // A rewritten JSON file keeps the backend's style: sorted keys, two spaces, newline.
    assert_eq!(
        b.files["api/service.json"],
        before.files["api/service.json"]
    );
}

#[test]
fn unmatched_paths_and_selections_are_errors() {
    let cases = [
        (
            "- object: {kind: Deployment}\n  op: set\n  path: /spec/strategy/type\n  value: Recreate\n",
            "`/spec/strategy` does not exist in Deployment/api in manifests.yaml",
        ),
        (
            "- object: {kind: Deployment}\n  op: delete\n  path: /spec/paused\n",
            "`/spec/paused` does not exist",
        ),
        (
            "- object: {kind: Deployment, name: web}\n  op: set\n  path: /spec/replicas\n  value: 2\n",
            "object Deployment/web is in none of the selected files",
        ),
        (
            "- file: 'nomad/*.hcl'\n  op: set\n  path: /a\n  value: 2\n",
            "`file: nomad/*.hcl` matches no file",
        ),
        (
            "- object: {kind: Deployment}\n  op: set\n  path: /spec/template/spec/containers/3\n  value: {}\n",
            "the list has 1 item(s); `-` appends",
        ),
        (
            "- object: {kind: Deployment}\n  op: merge\n  path: /spec/replicas\n  value: {a: 1}\n",
            "is a number, and merge needs a map",
        ),
    ];
    for (patch, want) in cases {
        let e = run(patch, &mut k8s()).unwrap_err();
        let d = &e.0[0];
        assert_eq!(d.code, Code::Patch);
        assert!(d.message.contains(want), "{patch}: {}", d.message);
        assert!(d.message.starts_with("patch 0 ("), "{}", d.message);
        assert!(d.message.contains(" of p.yaml: "), "{}", d.message);
        assert!(
            d.span.as_ref().unwrap().path.starts_with("/0/"),
            "{}: {:?}",
            d.message,
            d.span
        );
    }
}

#[test]
fn other_targets_are_skipped_and_documents_added() {
    let mut b = k8s();
    run("- target: ecs\n  op: delete\n  path: /nope\n", &mut b).unwrap();
    assert_eq!(b, k8s());
    run("- op: add-document\n  value: {apiVersion: policy/v1, kind: PodDisruptionBudget, metadata: {name: api}}\n", &mut b).unwrap();
    let m = text(&b, "manifests.yaml");
    assert!(
        m.ends_with(
            "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: api\n"
        ),
        "{m}"
    );
    let e = PatchSet::new().add_file(
        "p.yaml",
        "- file: 'x/*.yaml'\n  op: add-document\n  value: {a: 1}\n",
    );
    assert!(
        e.unwrap_err().0[0]
            .message
            .contains("needs one file, not a glob")
    );
    let e = run(
        "- file: api/service.json\n  op: add-document\n  value: {a: 1}\n",
        &mut b,
    )
    .unwrap_err();
    assert!(
        e.0[0].message.contains("is no YAML file"),
        "{}",
        e.0[0].message
    );
}

#[test]
fn secret_store_ranges_follow_their_documents() {
    let mut b = Bundle::default();
    let secret =
        "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  p: hunter2\n";
    let text_all = format!("{MANIFESTS}{secret}");
    b.add("manifests.yaml", text_all.clone());
    b.mark_secret_store(
        "manifests.yaml",
        std::iter::once(MANIFESTS.len()..text_all.len()).collect(),
    );
    run("- object: {kind: Deployment}\n  op: set\n  path: /metadata/labels\n  value: {team: payments-and-more}\n", &mut b).unwrap();
    let out = text(&b, "manifests.yaml");
    let r = &b.secret_store["manifests.yaml"];
    assert_eq!(r.len(), 1);
    assert_eq!(&out[r[0].clone()], secret);
}

#[test]
fn hcl_blocks_stay_blocks_and_new_maps_become_blocks() {
    let hcl = "variable \"image\" {\n  default = \"x\"\n}\n\njob \"api\" {\n  type = \"service\"\n\n  group \"api\" {\n    count = 1\n\n    task \"main\" {\n      driver = \"docker\"\n\n      config {\n        image = \"${var.image}\"\n      }\n    }\n  }\n}\n";
    let mut b = Bundle::default();
    b.add("api.nomad.hcl", hcl);
    run("- op: set\n  path: /job/api/group/api/count\n  value: 3\n\
         - op: set\n  path: /job/api/constraint\n  value: {attribute: '${attr.kernel.name}', value: linux}\n", &mut b)
        .unwrap();
    let out = text(&b, "api.nomad.hcl");
    assert!(out.contains("count = 3"), "{out}");
    assert!(out.contains("image = \"${var.image}\""), "{out}");
    assert!(
        out.contains(
            "  constraint {\n    attribute = \"$${attr.kernel.name}\"\n    value = \"linux\"\n  }"
        ),
        "{out}"
    );
    assert!(out.contains("variable \"image\" {"), "{out}");
    let body: hcl::Body = hcl::parse(&out).unwrap();
    assert_eq!(
        hcl_view::to_json(&body)["job"]["api"]["group"]["api"]["count"],
        json!(3)
    );
}

#[test]
fn a_nomad_job_patched_in_one_form_is_a_warning() {
    let mut b = Bundle::default();
    b.add("api.nomad.hcl", "job \"api\" {\n  type = \"service\"\n}\n");
    b.add(
        "api.nomad.json",
        "{\n  \"Job\": {\n    \"Type\": \"service\"\n  }\n}\n",
    );
    let w = run(
        "- file: '*.nomad.json'\n  op: set\n  path: /Job/Priority\n  value: 70\n",
        &mut b,
    )
    .unwrap();
    assert_eq!(w.len(), 1);
    assert!(
        w[0].message
            .contains("changed api.nomad.json but not api.nomad.hcl"),
        "{}",
        w[0].message
    );
}
