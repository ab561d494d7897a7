//! Documentation that must stay true to the code: the generated part of docs/conversion-matrix.md.

#![allow(clippy::unwrap_used)]

use std::path::Path;

#[test]
fn conversion_matrix_matches_capabilities() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/conversion-matrix.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let (begin, end) = ("<!-- generated:begin -->\n", "<!-- generated:end -->");
    let start = doc.find(begin).unwrap() + begin.len();
    let stop = doc.find(end).unwrap();
    let table = score_x_core::backend::matrix_markdown(&[
        score_x_kubernetes::capabilities(),
        score_x_helm::capabilities(),
        score_x_ecs::capabilities(),
        score_x_nomad::capabilities(),
    ]);
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, format!("{}{table}{}", &doc[..start], &doc[stop..])).unwrap();
        return;
    }
    assert_eq!(
        &doc[start..stop],
        table,
        "docs/conversion-matrix.md is out of date; run with BLESS=1"
    );
}
