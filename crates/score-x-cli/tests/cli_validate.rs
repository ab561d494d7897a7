//! `score-x validate` and `graph` through the real binary: exit codes, JSON shapes, renderers.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;

#[test]
fn valid_file_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_paths(
        dir.path(),
        &["validate"],
        &[examples().join("hello/score.yaml")],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("1 file valid"));
}

#[test]
fn estate_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_paths(dir.path(), &["validate"], &estate_files());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn invalid_file_exits_one_naming_file_line_and_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.yaml"),
        "apiVersion: score.dev/v1b1\nmetadata:\n  name: Bad_Name\ncontainers:\n  main:\n    imag: nginx\n",
    )
    .unwrap();
    let o = run_in(dir.path(), &["validate", "bad.yaml"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(e.contains("bad.yaml:3:"), "{e}");
    assert!(e.contains("/metadata/name"), "{e}");
    assert!(e.contains("image"), "did-you-mean missing: {e}");
}

#[test]
fn json_output_has_validation_result_shape() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.yaml"),
        "apiVersion: score.dev/v1b1\nmetadata:\n  name: ok-name\ncontainers:\n  main:\n    image: nginx\n    variables:\n      X: ${resources.nope.host}\n",
    )
    .unwrap();
    let o = run_in(dir.path(), &["validate", "--format", "json", "bad.yaml"]);
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["valid"], false);
    let e = &v["errors"][0];
    for k in ["path", "message", "code", "file", "line", "column"] {
        assert!(e.get(k).is_some(), "missing {k} in {e}");
    }
    assert_eq!(e["code"], "UNKNOWN_RESOURCE");
    assert_eq!(e["file"], "bad.yaml");
    assert_eq!(e["line"], 8);
    assert!(v["warnings"].is_array());

    let ok = run_paths(
        dir.path(),
        &["validate", "--format", "json"],
        &[examples().join("hello/score.yaml")],
    );
    assert_eq!(code(&ok), 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&ok)).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["errors"], serde_json::json!([]));
}

#[test]
fn missing_file_and_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_in(dir.path(), &["validate", "nope.yaml"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("nope.yaml"), "{}", stderr(&o));
    let o = run_in(dir.path(), &["validate"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("score-x init"), "{}", stderr(&o));
    let o = run_in(dir.path(), &["validate", "--format", "xml", "x.yaml"]);
    assert_eq!(code(&o), 2);
    let o = run_in(dir.path(), &["frobnicate"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn help_for_every_command_has_an_example_and_version_works() {
    let dir = tempfile::tempdir().unwrap();
    for cmd in [
        vec!["--help"],
        vec!["init", "--help"],
        vec!["validate", "--help"],
        vec!["graph", "--help"],
        vec!["translate", "--help"],
        vec!["apply", "--help"],
        vec!["provisioners", "list", "--help"],
        vec!["resources", "list", "--help"],
        vec!["resources", "get-outputs", "--help"],
    ] {
        let o = run_in(dir.path(), &cmd);
        assert_eq!(code(&o), 0, "{cmd:?}");
        assert!(
            stdout(&o).contains("Example"),
            "{cmd:?} has no example:\n{}",
            stdout(&o)
        );
    }
    let o = run_in(dir.path(), &["--version"]);
    assert!(stdout(&o).starts_with("score-x "), "{}", stdout(&o));
}

#[test]
fn graph_json_shows_shared_database_once_with_all_consumers() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_paths(dir.path(), &["graph", "--format", "json"], &estate_files());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let dbs: Vec<_> = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "postgres")
        .collect();
    assert_eq!(dbs.len(), 1, "{v}");
    assert_eq!(dbs[0]["uid"], "postgres.default#orders-db");
    assert_eq!(dbs[0]["shared"], true);
    assert_eq!(dbs[0]["consumers"], serde_json::json!(["api", "worker"]));
    assert!(
        v["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["from"] == "web" && e["to"] == "api" && e["kind"] == "service"),
        "{v}"
    );
    // The route's params use the dns output: a param edge, and dns is provisioned first.
    let order: Vec<&str> = v["order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    let pos = |u: &str| order.iter().position(|x| *x == u).unwrap();
    assert!(
        pos("dns.default#web.dns") < pos("route.default#web.route"),
        "{order:?}"
    );
}

#[test]
fn graph_dot_renders_with_graphviz() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_paths(dir.path(), &["graph", "--format", "dot"], &estate_files());
    assert_eq!(code(&o), 0);
    let has_dot = std::process::Command::new("dot").arg("-V").output().is_ok();
    if !require_tool(has_dot, "graphviz `dot`") {
        return;
    }
    let path = dir.path().join("g.dot");
    std::fs::write(&path, &o.stdout).unwrap();
    let r = std::process::Command::new("dot")
        .args(["-Tsvg", "-o"])
        .arg(dir.path().join("g.svg"))
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        r.status.success(),
        "dot failed: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    let svg = std::fs::read_to_string(dir.path().join("g.svg")).unwrap();
    // Graphviz escapes `-` as `&#45;` in SVG text.
    assert!(svg.contains("postgres.default#orders&#45;db"), "{svg}");
}

#[test]
fn graph_mermaid_parses_with_mermaid() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_paths(
        dir.path(),
        &["graph", "--format", "mermaid"],
        &estate_files(),
    );
    assert_eq!(code(&o), 0);
    let checker = repo().join("tests/conformance/mermaid");
    let ready = checker.join("node_modules/mermaid").exists()
        && std::process::Command::new("node")
            .arg("--version")
            .output()
            .is_ok();
    if !require_tool(
        ready,
        "node with tests/conformance/mermaid installed (npm ci)",
    ) {
        return;
    }
    let path = dir.path().join("g.md");
    std::fs::write(&path, &o.stdout).unwrap();
    let r = std::process::Command::new("node")
        .arg(checker.join("check.mjs"))
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        r.status.success(),
        "mermaid rejected the graph: {}",
        String::from_utf8_lossy(&r.stderr)
    );
}

#[test]
fn validate_reports_resource_param_cycles() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cycle.yaml"),
        "apiVersion: score.dev/v1b1\nmetadata: {name: app}\ncontainers:\n  main: {image: nginx}\nresources:\n  aa: {type: thing, params: {x: \"${resources.bb.out}\"}}\n  bb: {type: thing, params: {y: \"${resources.aa.out}\"}}\n",
    )
    .unwrap();
    let o = run_in(dir.path(), &["validate", "--format", "json", "cycle.yaml"]);
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["errors"][0]["code"], "DEPENDENCY_CYCLE", "{v}");
    assert_eq!(v["errors"][0]["file"], "cycle.yaml");
    let msg = v["errors"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("thing.default#app.aa") && msg.contains("thing.default#app.bb"),
        "{msg}"
    );
}
