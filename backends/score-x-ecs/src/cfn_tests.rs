//! Tests of `cloudformation.yaml` written as it is assembled: the order of its resources, the
//! provisioners' additions against the workloads' resources, and the pieces it is handed in.

use std::ops::Range;
use std::sync::Mutex;

use score_x_core::Bundle;
use score_x_core::plan::Plan;
use score_x_core::resolved::Resolved;
use score_x_core::stream::Sink;
use serde_json::{Value, json};

use crate::options::Options;
use crate::testutil::{container, workload};
use crate::{CLOUDFORMATION_FILE, Error};

/// Workloads `names` (one container each) and, when given, a resource whose provisioner adds
/// `cloudformation`.
fn estate(names: &[&str], cloudformation: Option<Value>) -> Resolved {
    let workloads = names
        .iter()
        .map(|n| workload(n, vec![container("main")]))
        .collect();
    let resources = cloudformation
        .map(|c| {
            let artifacts = json!({ "cloudformation": c });
            score_x_core::testing::resource("topic.default#t", Vec::new(), artifacts)
        })
        .into_iter()
        .collect();
    score_x_core::testing::app(workloads, resources)
}

fn template(app: &Resolved) -> Result<String, Error> {
    let plan = Plan::of_resolved(app).unwrap();
    let bundle = crate::emit(app, &plan, &Options::default())?;
    Ok(String::from_utf8(bundle.files[CLOUDFORMATION_FILE].clone()).unwrap())
}

/// The template's `Resources`, in file order.
fn resources(text: &str) -> serde_json::Map<String, Value> {
    let doc: Value = serde_yaml::from_str(text).unwrap();
    doc["Resources"].as_object().unwrap().clone()
}

const WEB: [&str; 3] = ["web", "api", "db"];

#[test]
fn the_namespace_and_additions_come_first_then_each_workload_in_order() {
    let topic = json!({ "resources": { "Topic": { "Type": "AWS::SNS::Topic" } } });
    let text = template(&estate(&WEB, Some(topic))).unwrap();
    let ids: Vec<String> = resources(&text).keys().cloned().collect();
    let mut want = vec!["ServiceConnectNamespace".to_string(), "Topic".to_string()];
    for w in ["Api", "Db", "Web"] {
        for r in ["LogGroup", "ExecutionRole", "TaskDefinition", "Service"] {
            want.push(format!("{w}{r}"));
        }
    }
    assert_eq!(ids, want);
}

#[test]
fn an_addition_equal_to_a_workload_resource_is_written_once_a_different_one_is_an_error() {
    let plain = resources(&template(&estate(&WEB, None)).unwrap());
    let log = plain["WebLogGroup"].clone();
    let same = json!({ "resources": { "WebLogGroup": log } });
    let text = template(&estate(&WEB, Some(same))).unwrap();
    let merged = resources(&text);
    assert_eq!(merged.len(), plain.len());
    assert_eq!(
        merged.keys().nth(1).map(String::as_str),
        Some("WebLogGroup")
    );
    assert_eq!(merged["WebLogGroup"], log);

    let mut other = log;
    other["Properties"]["RetentionInDays"] = json!(7);
    let differs = json!({ "resources": { "WebLogGroup": other } });
    match template(&estate(&WEB, Some(differs))) {
        Err(Error::Artifacts { uid, reason, .. }) => {
            assert_eq!(uid, "topic.default#t");
            assert!(
                reason.contains("`WebLogGroup` is already defined"),
                "{reason}"
            );
        }
        other => panic!("expected the addition's clash, got {other:?}"),
    }
}

/// Collects what a streaming emit hands over.
#[derive(Default)]
struct Collect {
    parts: Mutex<Bundle>,
    pieces: Mutex<Vec<Vec<u8>>>,
}

impl Sink for Collect {
    fn take(&self, part: Bundle) {
        self.parts.lock().unwrap().merge(part);
    }

    fn append(&self, path: &str, piece: Vec<u8>, store: Vec<Range<usize>>) {
        assert_eq!(path, CLOUDFORMATION_FILE);
        assert!(store.is_empty());
        self.pieces.lock().unwrap().push(piece);
    }
}

#[test]
fn the_streamed_pieces_end_at_line_ends_and_join_to_the_whole_template() {
    let names: Vec<String> = (0..150).map(|i| format!("w{i:03}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let app = estate(&refs, None);
    let whole = template(&app).unwrap();
    let plan = Plan::of_resolved(&app).unwrap();
    let sink = Collect::default();
    let rest = crate::emit_into(&app, &plan, &Options::default(), &sink).unwrap();
    assert!(!rest.files.contains_key(CLOUDFORMATION_FILE));
    let pieces = sink.pieces.into_inner().unwrap();
    assert!(pieces.len() > 1, "{} pieces", pieces.len());
    let (_, full) = pieces.split_last().unwrap();
    assert!(full.iter().all(|p| p.len() >= crate::cfn::PIECE));
    assert!(pieces.iter().all(|p| p.ends_with(b"\n")));
    assert_eq!(String::from_utf8(pieces.concat()).unwrap(), whole);
    let parts = sink.parts.into_inner().unwrap();
    let workload_files = parts.files.keys().filter(|p| p.starts_with('w')).count();
    assert_eq!(workload_files, 2 * names.len());
}
