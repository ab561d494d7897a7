//! Bounded external work, through the real binary: `cmd://` provisioners run by a real shell
//! (background children, endless output, daemons, timeouts), and `files.source` against real
//! files, symlinks, FIFOs and devices.

#![cfg(unix)]
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{bin, code};

fn stderr(o: &Output) -> String {
    common::stderr(o)
}

/// Whether `text` contains `part`, ignoring whitespace and the renderer's `│` frame.
fn has(text: &str, part: &str) -> bool {
    let flat = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '│')
            .collect()
    };
    flat(text).contains(&flat(part))
}

const SCORE: &str = "apiVersion: score.dev/v1b1\nmetadata:\n  name: api\ncontainers:\n  main:\n    image: nginx\n    variables:\n      V: ${resources.thing.v}\nresources:\n  thing:\n    type: thing\n";

/// A project in a temp dir with `score.yaml` and a cmd provisioner running `script` with
/// `sh -c` (`$PIDFILE` is replaced by a file for the script's `$$`).
fn cmd_project(script: &str, timeout: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let script = script.replace("$PIDFILE", &dir.path().join("pid").display().to_string());
    std::fs::write(dir.path().join("score.yaml"), SCORE).unwrap();
    let prov = format!(
        "- uri: cmd:///bin/sh#thing\n  type: thing\n  timeout: {timeout}\n  args: [\"-c\", {}]\n",
        serde_json::to_string(&script).unwrap()
    );
    std::fs::write(dir.path().join("prov.yaml"), prov).unwrap();
    dir
}

/// `translate` in `dir`, with the time it took.
fn translate(dir: &Path, env: &[(&str, &str)]) -> (Output, Duration) {
    let start = Instant::now();
    let out = Command::new(bin())
        .args([
            "translate",
            "--target",
            "kubernetes",
            "--provisioners",
            "prov.yaml",
            "-o",
            "out",
            "score.yaml",
        ])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (out, start.elapsed())
}

/// Live (not zombie) processes in process group `pgid`.
#[cfg(target_os = "linux")]
fn live_members(pgid: &str) -> Vec<String> {
    let mut out = vec![];
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        let Some((_, rest)) = stat.rsplit_once(") ") else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.len() > 2 && f[0] != "Z" && f[2] == pgid {
            out.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    out
}

/// The provisioner's process group (its shell's pid) has no live process left.
fn assert_group_gone(dir: &Path) {
    let pgid = std::fs::read_to_string(dir.join("pid")).unwrap();
    let pgid = pgid.trim();
    #[cfg(target_os = "linux")]
    {
        for _ in 0..100 {
            if live_members(pgid).is_empty() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("left behind in group {pgid}: {:?}", live_members(pgid));
    }
    #[cfg(not(target_os = "linux"))]
    let _ = pgid;
}

const OK_JSON: &str = r#"{"resource_outputs": {"v": "x"}}"#;

#[test]
fn a_background_child_holding_stdout_is_killed_and_the_run_goes_on() {
    let dir = cmd_project(
        &format!("echo $$ > $PIDFILE; cat >/dev/null; sleep 1000 & echo '{OK_JSON}'"),
        "60s",
    );
    let (out, took) = translate(dir.path(), &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_group_gone(dir.path());
}

#[test]
fn a_background_child_and_no_output_is_a_clear_error() {
    let dir = cmd_project("echo $$ > $PIDFILE; sleep 1000 & exit 0", "60s");
    let (out, took) = translate(dir.path(), &[]);
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(has(&err, "cmd:///bin/sh#thing"), "{err}");
    assert!(has(&err, "did not print the expected JSON"), "{err}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_group_gone(dir.path());
}

#[test]
fn endless_output_stops_at_the_bound_with_the_limit_named() {
    let dir = cmd_project("echo $$ > $PIDFILE; exec yes", "60s");
    let (out, took) = translate(dir.path(), &[]);
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(has(&err, "cmd:///bin/sh#thing"), "{err}");
    assert!(has(&err, "printed more than 4 MiB on stdout"), "{err}");
    assert!(took < Duration::from_secs(20), "{took:?}");
    assert_group_gone(dir.path());
}

#[test]
fn the_stdout_bound_is_configurable() {
    let dir = cmd_project(
        "echo $$ > $PIDFILE; head -c 5000 /dev/zero | tr '\\0' x",
        "60s",
    );
    let (out, _) = translate(dir.path(), &[("SCORE_X_CMD_MAX_OUTPUT", "4KiB")]);
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(has(&err, "printed more than 4 KiB on stdout"), "{err}");
    let (out, _) = translate(dir.path(), &[("SCORE_X_CMD_MAX_OUTPUT", "lots")]);
    assert!(has(
        &stderr(&out),
        "SCORE_X_CMD_MAX_OUTPUT=lots is not a size"
    ));
}

#[test]
fn a_daemon_is_killed_with_its_group() {
    // The classic double fork: the grandchild is orphaned but stays in the group.
    let dir = cmd_project(
        &format!(
            "echo $$ > $PIDFILE; (sleep 1000 &); (exec sleep 1000 </dev/null >/dev/null 2>&1 &); echo '{OK_JSON}'"
        ),
        "60s",
    );
    let (out, took) = translate(dir.path(), &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_group_gone(dir.path());
}

#[test]
fn a_timeout_kills_every_child() {
    let dir = cmd_project(
        "echo $$ > $PIDFILE; sleep 1000 & sleep 1000 & sleep 1000",
        "1s",
    );
    let (out, took) = translate(dir.path(), &[]);
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(has(&err, "timed out after 1s"), "{err}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_group_gone(dir.path());
}

// ---- files.source ----

/// `validate` of a score file in `dir/p` whose file `/etc/x` has `source: SOURCE`, run in
/// `dir/p`.
fn validate_source(dir: &Path, source: &str, extra: &[&str]) -> Output {
    let p = dir.join("p");
    std::fs::create_dir_all(&p).unwrap();
    let score = format!(
        "apiVersion: score.dev/v1b1\nmetadata:\n  name: api\ncontainers:\n  main:\n    image: nginx\n    files:\n      /etc/x:\n        source: {}\n        noExpand: true\n",
        serde_json::to_string(source).unwrap()
    );
    std::fs::write(p.join("score.yaml"), score).unwrap();
    // `/etc/x` is refused on ECS (a system directory): check the source rules on kubernetes.
    let mut args = vec!["validate", "--target", "kubernetes", "score.yaml"];
    args.extend(extra);
    Command::new(bin())
        .args(&args)
        .current_dir(&p)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Exit 1, the message, and the location of the `source` field (line 9, column 17).
#[track_caller]
fn assert_refused(out: &Output, parts: &[&str]) {
    let err = stderr(out);
    assert_eq!(code(out), 1, "{err}");
    for p in parts {
        assert!(has(&err, p), "missing {p:?} in\n{err}");
    }
    assert!(has(&err, "score.yaml:9:17"), "{err}");
}

#[test]
fn sources_outside_the_project_are_refused_unless_allowed() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("secret"), "s3cret").unwrap();
    let out = validate_source(t.path(), "../secret", &[]);
    assert_refused(&out, &["is outside the project", "--allow-outside-sources"]);
    let abs = t.path().join("secret").display().to_string();
    assert_refused(
        &validate_source(t.path(), &abs, &[]),
        &["is outside the project"],
    );
    assert_refused(
        &validate_source(t.path(), "../../../../../../../../etc/passwd", &[]),
        &["is outside the project"],
    );
    let out = validate_source(t.path(), &abs, &["--allow-outside-sources"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn a_symlink_out_of_the_project_is_refused() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("secret"), "s3cret").unwrap();
    std::fs::create_dir_all(t.path().join("p")).unwrap();
    std::os::unix::fs::symlink(t.path().join("secret"), t.path().join("p/link")).unwrap();
    let out = validate_source(t.path(), "link", &[]);
    assert_refused(&out, &["is outside the project (it resolves to"]);
}

#[test]
fn special_files_are_refused_even_when_outside_is_allowed() {
    let t = tempfile::tempdir().unwrap();
    let allow = ["--allow-outside-sources"];
    if Path::new("/proc/self/environ").exists() {
        let out = validate_source(t.path(), "/proc/self/environ", &allow);
        assert_refused(&out, &["is a /proc file"]);
    }
    let out = validate_source(t.path(), "/dev/zero", &allow);
    assert_refused(&out, &["is a device"]);
}

#[test]
fn a_fifo_is_refused_without_blocking() {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(t.path().join("p")).unwrap();
    let st = Command::new("mkfifo")
        .arg(t.path().join("p/fifo"))
        .status()
        .unwrap();
    assert!(st.success());
    let start = Instant::now();
    let out = validate_source(t.path(), "fifo", &[]);
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_refused(&out, &["is a FIFO"]);
}

#[test]
fn a_large_source_is_refused_with_the_limit() {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(t.path().join("p")).unwrap();
    std::fs::write(t.path().join("p/big"), vec![b'a'; (1 << 20) + 1]).unwrap();
    let out = validate_source(t.path(), "big", &[]);
    assert_refused(&out, &["is larger than 1 MiB"]);
}

#[test]
fn a_file_target_with_dot_dot_is_an_error_at_the_file_entry() {
    let t = tempfile::tempdir().unwrap();
    let score = "apiVersion: score.dev/v1b1\nmetadata:\n  name: api\ncontainers:\n  main:\n    image: nginx\n    files:\n      ../../x:\n        content: hi\n";
    std::fs::write(t.path().join("score.yaml"), score).unwrap();
    let out = Command::new(bin())
        .args(["validate", "score.yaml"])
        .current_dir(t.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(has(&err, "a file target must not contain `..`"), "{err}");
    assert!(has(&err, "score.yaml:8:"), "{err}");
}

// ---- templates ----

#[test]
fn a_recursive_partial_is_an_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("score.yaml"), SCORE).unwrap();
    let prov = "- uri: template://loop\n  type: thing\n  outputs_template: |\n    {{#*inline \"again\"}}{{> again}}{{/inline}}\n    v: {{> again}}\n";
    std::fs::write(dir.path().join("prov.yaml"), prov).unwrap();
    let (out, _) = translate(dir.path(), &[]);
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(has(&err, "partial `again` calls itself"), "{err}");
    assert!(has(&err, "prov.yaml:4:"), "{err}");
}

#[test]
fn nested_concat_doubling_is_an_error_not_an_abort() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("score.yaml"), SCORE).unwrap();
    let prov = format!(
        "- uri: template://grow\n  type: thing\n  outputs_template: |\n    v: {{{{#with \"0123456789abcdef\"}}}}{}{{{{this}}}}{}\n",
        "{{#with (concat this this)}}".repeat(40),
        "{{/with}}".repeat(41)
    );
    std::fs::write(dir.path().join("prov.yaml"), prov).unwrap();
    let (out, took) = translate(dir.path(), &[]);
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(
        has(
            &err,
            "helper `concat`: the result would be longer than 1024 KiB"
        ),
        "{err}"
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
}
