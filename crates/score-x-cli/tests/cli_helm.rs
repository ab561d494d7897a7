//! `translate --target helm` through the real binary: the umbrella chart is named by
//! `--chart-name`, else by `chartName` in the target options, else after the current directory
//! (sanitised); `--chart-name` on another target is a usage error.

#![allow(clippy::unwrap_used)]

mod common;

use common::{code, run_in, stderr};

const SCORE: &str =
    "apiVersion: score.dev/v1b1\nmetadata: {name: web}\ncontainers:\n  main: {image: nginx:1.27}\n";

/// A project directory called `name` (inside a temporary directory) with one Score file.
fn project(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("score.yaml"), SCORE).unwrap();
    (tmp, dir)
}

fn chart_name(dir: &std::path::Path, chart: &str) -> String {
    let text = std::fs::read_to_string(dir.join("out").join(chart).join("Chart.yaml"))
        .unwrap_or_else(|e| panic!("no chart {chart}: {e}"));
    text.lines()
        .find_map(|l| l.strip_prefix("name: "))
        .unwrap()
        .to_string()
}

#[test]
fn the_chart_is_named_after_the_current_directory_by_default() {
    let (_tmp, dir) = project("My Shop_2");
    let o = run_in(&dir, &["translate", "--target", "helm", "-o", "out"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(chart_name(&dir, "my-shop-2"), "my-shop-2");
}

#[test]
fn a_directory_named_like_a_workload_gets_the_estate_suffix() {
    let (_tmp, dir) = project("web");
    let o = run_in(&dir, &["translate", "--target", "helm", "-o", "out"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(chart_name(&dir, "web-estate"), "web-estate");
    assert!(dir.join("out/web-estate/charts/web/Chart.yaml").exists());
}

#[test]
fn chart_name_flag_wins_over_the_options_file_and_the_directory() {
    let (_tmp, dir) = project("shop");
    std::fs::write(dir.join("helm.yaml"), "chartName: from-file\n").unwrap();
    let o = run_in(
        &dir,
        &[
            "translate",
            "--target",
            "helm",
            "--target-options",
            "helm.yaml",
            "-o",
            "out",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(chart_name(&dir, "from-file"), "from-file");
    let o = run_in(
        &dir,
        &[
            "translate",
            "--target",
            "helm",
            "--target-options",
            "helm.yaml",
            "--chart-name",
            "flagged",
            "-o",
            "out",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(chart_name(&dir, "flagged"), "flagged");
}

#[test]
fn a_bad_chart_name_is_an_error_with_a_hint() {
    let (_tmp, dir) = project("shop");
    let o = run_in(
        &dir,
        &[
            "translate",
            "--target",
            "helm",
            "--chart-name",
            "My Chart",
            "-o",
            "out",
        ],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("`My Chart` is not a chart name"), "{e}");
    assert!(e.contains("--chart-name"), "{e}");
}

#[test]
fn chart_name_on_another_target_is_a_usage_error() {
    let (_tmp, dir) = project("shop");
    let o = run_in(
        &dir,
        &[
            "translate",
            "--target",
            "kubernetes",
            "--chart-name",
            "x",
            "-o",
            "out",
        ],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--chart-name applies to helm, not kubernetes"),
        "{}",
        stderr(&o)
    );
}
