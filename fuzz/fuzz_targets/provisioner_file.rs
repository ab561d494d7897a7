//! Arbitrary bytes as a `--provisioners` file through `ProvisionerSet::add_file` (YAML, the
//! provisioner format, template compilation and its static partial/nesting checks); a file that
//! loads then provisions a workload using its first provisioner's type and class, so templates
//! are rendered (within their output and loop bounds). Nothing may panic or hang; rendered
//! diagnostics never hold a raw control character.

#![no_main]

use libfuzzer_sys::fuzz_target;
use score_x_fuzz::{assert_safe_rendering, translate};
use score_x_provision::{Origin, ProvisionerSet};
use score_x_spec::{SourceFile, text};

/// A Score file (as JSON, which is YAML) with one resource of `type_` and `class`.
fn score_using(type_: &str, class: Option<&str>) -> String {
    let mut res = serde_json::json!({"type": type_});
    if let Some(c) = class {
        res["class"] = serde_json::Value::String(c.to_string());
    }
    serde_json::json!({
        "apiVersion": "score.dev/v1b1",
        "metadata": {"name": "api"},
        "containers": {"main": {"image": "nginx"}},
        "resources": {"r": res},
    })
    .to_string()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = text::decode("prov.yaml", data) else {
        return;
    };
    let mut set = ProvisionerSet::new();
    let mut files = vec![SourceFile {
        name: "prov.yaml".into(),
        text,
    }];
    let added = set.add_file(
        "prov.yaml",
        &files[0].text,
        Origin::User("prov.yaml".into()),
    );
    let result = added.and_then(|()| {
        let Some(p) = set.provisioners().first() else {
            return Ok(());
        };
        files.push(SourceFile {
            name: "score.yaml".into(),
            text: score_using(&p.type_, p.class.as_deref()),
        });
        translate(&files[1..], &set)
    });
    if let Err(diags) = result {
        assert_safe_rendering(&diags, &files);
    }
});
