//! Tests of the manifests stream built a batch at a time: its pieces are the stream `emit`
//! writes, and de-duplication and errors are those of the estate built whole.

use std::ops::Range;
use std::sync::Mutex;

use score_x_core::plan::for_tests as plan;
use score_x_core::resolved::ProvisionedResource;
use score_x_core::stream::Sink;
use score_x_core::testing::{app, container, resource, workload};
use score_x_core::{Bundle, Resolved};
use serde_json::json;

use crate::{Error, MANIFESTS, Options};

/// Resources `r000`… each rendering a ConfigMap of its own, except where `secret` gives a
/// Secret `pg` with that password.
fn resources(n: usize, secret: &[(usize, &str)]) -> Vec<ProvisionedResource> {
    (0..n)
        .map(|i| {
            let object = match secret.iter().find(|(at, _)| *at == i) {
                Some((_, pw)) => json!({"apiVersion": "v1", "kind": "Secret",
                    "metadata": {"name": "pg"}, "stringData": {"password": pw}}),
                None => json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": format!("cm-{i:03}")}, "data": {"i": i.to_string()}}),
            };
            resource(&format!("x.default#r{i:03}"), vec![], json!([object]))
        })
        .collect()
}

fn estate(workloads: usize, resources: Vec<ProvisionedResource>) -> Resolved {
    let mut ws = vec![workload("web", vec![container("main")])];
    ws.extend((0..workloads).map(|i| workload(&format!("w{i:03}"), vec![container("main")])));
    app(ws, resources)
}

/// A piece of the stream and its Secrets' ranges.
type Piece = (Vec<u8>, Vec<Range<usize>>);

/// The pieces `stream::manifests` hands over, and its result (the number of warnings).
fn pieces(a: &Resolved) -> (Vec<Piece>, Result<usize, Error>) {
    let mut out = Vec::new();
    let r = crate::stream::manifests(a, &plan(a), &Options::default(), &mut |p, s| {
        out.push((p, s));
    });
    (out, r.map(|w| w.len()))
}

#[test]
fn the_pieces_joined_are_the_stream_emit_writes_with_its_secret_ranges() {
    let a = estate(150, resources(70, &[(3, "pw-aaaaaaaa")]));
    let (pieces, r) = pieces(&a);
    r.unwrap();
    assert!(pieces.len() > 2, "{} pieces", pieces.len());
    let (mut joined, mut ranges) = (Vec::new(), Vec::new());
    for (p, s) in pieces {
        assert!(p.starts_with(b"---\n") && p.ends_with(b"\n"));
        let at = joined.len();
        joined.extend_from_slice(&p);
        ranges.extend(s.into_iter().map(|r| r.start + at..r.end + at));
    }
    let whole = crate::emit(&a, &plan(&a), &Options::default()).unwrap();
    assert_eq!(whole.files[MANIFESTS], joined);
    assert_eq!(whole.secret_store[MANIFESTS], ranges);
    assert_eq!(ranges.len(), 1);
    let secret = std::str::from_utf8(&joined[ranges[0].clone()]).unwrap();
    assert!(secret.contains("kind: Secret") && secret.contains("pw-aaaaaaaa"));
}

/// Collects what `emit_into` appends.
#[derive(Default)]
struct Appended(Mutex<Bundle>);

impl Sink for Appended {
    fn take(&self, part: Bundle) {
        self.0.lock().unwrap().merge(part);
    }
    fn append(&self, path: &str, piece: Vec<u8>, _store: Vec<Range<usize>>) {
        let mut all = self.0.lock().unwrap();
        all.files.entry(path.to_string()).or_default().extend(piece);
    }
}

#[test]
fn emit_into_appends_the_stream_emit_writes_and_an_empty_estate_still_has_one() {
    let a = estate(100, resources(3, &[]));
    let sink = Appended::default();
    let rest = crate::emit_into(&a, &plan(&a), &Options::default(), &sink).unwrap();
    assert!(rest.files.is_empty());
    let whole = crate::emit(&a, &plan(&a), &Options::default()).unwrap();
    assert_eq!(sink.0.into_inner().unwrap().files, whole.files);

    let empty = app(vec![], vec![]);
    let sink = Appended::default();
    let rest = crate::emit_into(&empty, &plan(&empty), &Options::default(), &sink).unwrap();
    assert_eq!(rest.files[MANIFESTS], b"");
    assert!(sink.0.into_inner().unwrap().files.is_empty());
}

#[test]
fn an_identical_object_in_a_later_batch_is_written_once_and_a_different_one_conflicts() {
    // Items 0 and 69 are in different batches.
    let same = estate(0, resources(70, &[(0, "pw-aaaaaaaa"), (69, "pw-aaaaaaaa")]));
    let bundle = crate::emit(&same, &plan(&same), &Options::default()).unwrap();
    let text = std::str::from_utf8(&bundle.files[MANIFESTS]).unwrap();
    assert_eq!(text.matches("kind: Secret").count(), 1);
    assert_eq!(text.matches("kind: ConfigMap").count(), 68);

    let different = estate(0, resources(70, &[(0, "pw-aaaaaaaa"), (69, "pw-bbbbbbbb")]));
    match pieces(&different).1 {
        Err(Error::ConflictingObject { first, second, .. }) => {
            assert!(first.contains("r000"), "{first}");
            assert!(second.contains("r069"), "{second}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_object_that_cannot_be_built_is_reported_before_an_earlier_conflict() {
    let mut rs = resources(100, &[(0, "pw-aaaaaaaa"), (1, "pw-bbbbbbbb")]);
    rs[90] = resource("x.default#r090", vec![], json!([{"kind": "Secret"}]));
    let a = estate(0, rs);
    let (pieces, r) = pieces(&a);
    assert!(matches!(r, Err(Error::BadArtifact { .. })), "{r:?}");
    // Nothing after the conflict (the second item) was handed over.
    assert_eq!(pieces.len(), 1);
    let first = std::str::from_utf8(&pieces[0].0).unwrap();
    assert_eq!(first.matches("---").count(), 1, "{first}");
    assert!(first.contains("kind: Secret") && first.contains("pw-aaaaaaaa"));
}
