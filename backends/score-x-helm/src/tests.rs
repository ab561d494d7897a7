//! Unit tests of the whole backend on small resolved models.

use score_x_core::plan::Plan;
use score_x_core::testing::{ContainerExt, app, container, workload};

use super::*;

fn bundle(opts: &Options) -> Bundle {
    let w = workload(
        "web",
        vec![container("main").image("reg:5000/acme/web:1.2")],
    );
    let a = app(vec![w], vec![]);
    let plan = Plan::of_resolved(&a).unwrap();
    emit(&a, &plan, opts).unwrap()
}

#[test]
fn writes_an_umbrella_with_one_chart_per_workload() {
    let b = bundle(&Options::default());
    let names: Vec<&str> = b.files.keys().map(String::as_str).collect();
    for f in [
        "estate/Chart.yaml",
        "estate/values.yaml",
        "estate/values.schema.json",
        "estate/.helmignore",
        "estate/templates/_helpers.tpl",
        "estate/templates/NOTES.txt",
        "estate/charts/web/Chart.yaml",
        "estate/charts/web/values.yaml",
        "estate/charts/web/templates/deployment-web.yaml",
    ] {
        assert!(names.contains(&f), "{f} missing: {names:?}");
    }
    let values = String::from_utf8(b.files["estate/charts/web/values.yaml"].clone()).unwrap();
    assert!(
        values.contains("repository: reg:5000/acme/web\n"),
        "{values}"
    );
    assert!(values.contains("tag: '1.2'\n"), "{values}");
    let chart = String::from_utf8(b.files["estate/charts/web/Chart.yaml"].clone()).unwrap();
    assert!(chart.contains("appVersion: \"1.2\"\n"), "{chart}");
    assert_eq!(b, bundle(&Options::default()));
}

#[test]
fn bad_options_are_rejected() {
    let bad = Options {
        chart_version: Some("1.0".into()),
        ..Default::default()
    };
    assert!(check_options(&bad).is_err());
    let bad = Options {
        chart_name: Some("My Chart".into()),
        ..Default::default()
    };
    assert!(check_options(&bad).is_err());
}

#[test]
fn the_umbrella_cannot_be_named_like_a_workload() {
    let w = workload("estate", vec![container("main")]);
    let a = app(vec![w], vec![]);
    let plan = Plan::of_resolved(&a).unwrap();
    let e = emit(&a, &plan, &Options::default()).unwrap_err();
    assert!(e.to_string().contains("also the name of a workload"), "{e}");
}

#[test]
fn user_text_with_braces_stays_data_and_no_sentinel_is_left() {
    use score_x_core::resolved::Value;
    let w = workload(
        "web",
        vec![container("main").var("T", Value::text("{{ .Values.x }}"))],
    );
    let a = app(vec![w], vec![]);
    let plan = Plan::of_resolved(&a).unwrap();
    let b = emit(&a, &plan, &Options::default()).unwrap();
    let values = String::from_utf8(b.files["estate/charts/web/values.yaml"].clone()).unwrap();
    // Values are data, never templates: kept as written.
    assert!(values.contains("T: '{{ .Values.x }}'"), "{values}");
    for (path, bytes) in &b.files {
        assert!(
            !String::from_utf8_lossy(bytes).contains("sxhelm-slot"),
            "sentinel left in {path}"
        );
    }
}
