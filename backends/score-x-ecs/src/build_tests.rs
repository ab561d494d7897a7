//! Tests of the workloads' build in chunks: whatever the chunk size, the contexts absorbed in
//! workload order give the outputs, warnings, secrets and missing options of one sequential run.

use score_x_core::plan::Plan;
use score_x_core::resolved::{
    ResolvedVariable, ResolvedWorkload, SecretRef, SecretStore, Segment, Value,
};

use crate::options::Options;
use crate::testutil::{container, span, workload};

/// A workload whose variable mixes text with a secret (promoted to a parameter of its own)
/// and reads a secret shared by every workload.
fn with_secrets(i: usize) -> ResolvedWorkload {
    let mut c = container("main");
    let secret = |name: String| {
        Segment::Secret(SecretRef {
            name,
            key: None,
            value: None,
            store: SecretStore::SsmParameter,
        })
    };
    let mut dsn = Value::text("u:");
    dsn.push(secret(format!("/p/w{i}/pw")));
    dsn.push(Segment::Text("@h".into()));
    let shared = Value {
        segments: vec![secret("/p/shared".into())],
    };
    for (k, value) in [("DSN", dsn), ("SHARED", shared)] {
        let v = ResolvedVariable {
            value,
            span: span(),
        };
        c.variables.insert(k.into(), v);
    }
    workload(&format!("w{i:02}"), vec![c])
}

/// Everything a build gives, as text (the context's types do not compare).
fn built(app: &score_x_core::Resolved, chunk: usize) -> String {
    let plan = Plan::of_resolved(app).unwrap();
    let opts = Options::default();
    let keep = |out: crate::workload::WorkloadOut| crate::json::pretty("service", &out.service);
    let b = crate::build_in_chunks(app, &plan, &opts, &keep, chunk).unwrap();
    let outs: Vec<(String, String, String)> = b
        .outs
        .into_iter()
        .map(|(n, (svc, td))| {
            let text = |v: Vec<u8>| String::from_utf8(v).unwrap();
            (n, text(td), text(svc))
        })
        .collect();
    format!(
        "{outs:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        b.ctx.warnings,
        b.ctx.notes,
        b.ctx.secrets.entries,
        b.ctx.secrets.by_workload,
        b.ctx.missing
    )
}

#[test]
fn any_chunk_size_gives_the_sequential_result() {
    let app = score_x_core::testing::app((0..11).map(with_secrets).collect(), Vec::new());
    let one = built(&app, 1);
    // What is compared holds every workload's promoted secret and missing options.
    assert!(
        one.contains("/p/w10/pw") && one.contains("/p/shared"),
        "{one}"
    );
    for chunk in [2, 4, 10, 11, usize::MAX] {
        assert_eq!(built(&app, chunk), one, "chunk {chunk}");
    }
}
