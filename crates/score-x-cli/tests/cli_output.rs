//! Writing artifacts: all or nothing, never through a symbolic link, leftovers of interrupted
//! runs removed, `-o FILE.yaml`, `-o -`, and orphaned state (`resources prune`).

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;

fn translate(cwd: &Path, target: &str, out: &str) -> std::process::Output {
    run_paths(
        cwd,
        &["translate", "--target", target, "-o", out],
        &estate_files(),
    )
}

fn staging_leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("score-x-staging") || n.starts_with(".tmp"))
        .collect()
}

#[cfg(unix)]
#[test]
fn symlinks_inside_the_output_directory_are_never_followed() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::create_dir_all(dir.path().join("out")).unwrap();
    std::os::unix::fs::symlink(&outside, dir.path().join("out/api")).unwrap();
    let o = translate(dir.path(), "ecs", "out");
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("out/api` is a symbolic link"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    assert!(
        !dir.path().join("out/web").exists(),
        "half a bundle written"
    );
    assert!(
        !dir.path().join(".score-x/state.yaml").exists(),
        "state saved for a run that wrote nothing"
    );
    // A link where a file goes is refused too.
    std::fs::create_dir_all(dir.path().join("k")).unwrap();
    std::os::unix::fs::symlink(outside.join("m.yaml"), dir.path().join("k/manifests.yaml"))
        .unwrap();
    let o = translate(dir.path(), "kubernetes", "k");
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("k/manifests.yaml` is a symbolic link"),
        "{}",
        stderr(&o)
    );
    assert!(!outside.join("m.yaml").exists());
    // Two `.` links: the stale-file scan does not walk them (it used to take 2^40 steps).
    let loops = dir.path().join("loops");
    std::fs::create_dir_all(&loops).unwrap();
    std::os::unix::fs::symlink(".", loops.join("a")).unwrap();
    std::os::unix::fs::symlink(".", loops.join("b")).unwrap();
    let start = Instant::now();
    let o = translate(dir.path(), "kubernetes", "loops");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut c = std::process::Command::new(bin());
    c.current_dir(dir.path())
        .args([
            "translate",
            "--target",
            "kubernetes",
            "-o",
            "loops",
            "--check",
        ])
        .args(estate_files());
    assert_eq!(code(&c.output().unwrap()), 0);
    assert!(start.elapsed() < Duration::from_secs(20));
    // The output directory itself may be a link to a directory.
    std::os::unix::fs::symlink(&outside, dir.path().join("linked")).unwrap();
    let o = translate(dir.path(), "kubernetes", "linked");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(outside.join("manifests.yaml").exists());
    assert!(staging_leftovers(dir.path()).is_empty());
}

#[test]
fn a_failure_mid_way_leaves_the_old_output_intact_and_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let o = translate(dir.path(), "ecs", "out");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let before = std::fs::read(dir.path().join("out/api/task-definition.json")).unwrap();
    // A file where the `worker/` directory must go: found before anything is moved.
    std::fs::remove_dir_all(dir.path().join("out/worker")).unwrap();
    std::fs::write(dir.path().join("out/worker"), "in the way").unwrap();
    let o = translate(dir.path(), "ecs", "out");
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("out/worker` is not a directory"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read(dir.path().join("out/api/task-definition.json")).unwrap(),
        before
    );
    assert!(
        staging_leftovers(dir.path()).is_empty(),
        "{:?}",
        staging_leftovers(dir.path())
    );
    assert!(staging_leftovers(&dir.path().join("out")).is_empty());
}

#[test]
fn leftovers_of_an_interrupted_run_are_removed_and_said() {
    let dir = tempfile::tempdir().unwrap();
    let left = dir.path().join(".out.score-x-staging-abc123");
    std::fs::create_dir_all(left.join("api")).unwrap();
    std::fs::write(left.join("api/task-definition.json"), "{}").unwrap();
    let o = translate(dir.path(), "ecs", "out");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!left.exists());
    assert!(
        stderr(&o).contains(".out.score-x-staging-abc123`, left by an interrupted run"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn o_file_yaml_writes_one_file_for_kubernetes() {
    let dir = tempfile::tempdir().unwrap();
    let o = translate(dir.path(), "kubernetes", "manifests.yaml");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let p = dir.path().join("manifests.yaml");
    assert!(p.is_file());
    assert!(
        std::fs::read_to_string(&p)
            .unwrap()
            .contains("kind: Deployment")
    );
    let o = run_paths(
        dir.path(),
        &[
            "translate",
            "--target",
            "kubernetes",
            "-o",
            "manifests.yaml",
            "--check",
        ],
        &estate_files(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    std::fs::write(&p, "old\n").unwrap();
    let o = run_paths(
        dir.path(),
        &[
            "translate",
            "--target",
            "kubernetes",
            "-o",
            "manifests.yaml",
            "--check",
        ],
        &estate_files(),
    );
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("-old"), "{}", stdout(&o));
    // An existing directory named *.yaml stays a directory.
    std::fs::create_dir_all(dir.path().join("d.yaml")).unwrap();
    let o = translate(dir.path(), "kubernetes", "d.yaml");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(dir.path().join("d.yaml/manifests.yaml").is_file());
}

#[test]
fn o_dash_names_the_true_file_count() {
    let dir = tempfile::tempdir().unwrap();
    let o = translate(dir.path(), "ecs", "out");
    assert_eq!(code(&o), 0);
    let written: usize = stderr(&o)
        .lines()
        .find_map(|l| l.strip_prefix("wrote "))
        .and_then(|l| l.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    let o = translate(dir.path(), "ecs", "-");
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains(&format!("writes {written} files (")), "{err}");
    assert!(err.contains(&format!("and {} more)", written - 5)), "{err}");
    assert!(stdout(&o).is_empty());
}

#[test]
fn the_stale_file_hint_fixes_the_check() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&translate(dir.path(), "ecs", "out")), 0);
    let o = run_paths(
        dir.path(),
        &["translate", "--target", "ecs", "-o", "out"],
        &estate_files()[..2],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let check = || {
        run_paths(
            dir.path(),
            &["translate", "--target", "ecs", "-o", "out", "--check"],
            &estate_files()[..2],
        )
    };
    let o = check();
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert!(err.contains("no longer produced: delete them"), "{err}");
    assert!(!err.contains("without --check"), "{err}");
    std::fs::remove_dir_all(dir.path().join("out/worker")).unwrap();
    let o = check();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn orphans_are_one_summary_line_and_prune_removes_them() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&translate(dir.path(), "kubernetes", "out")), 0);
    let o = run_paths(
        dir.path(),
        &["translate", "--target", "kubernetes", "-o", "out"],
        &estate_files()[..1],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("the state holds"))
        .collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        err.contains("2 workloads not among the inputs (`web`, `worker`)"),
        "{err}"
    );
    assert!(err.contains("score-x resources prune"), "{err}");
    let o = run_in(dir.path(), &["resources", "prune", "--dry-run"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("would remove kubernetes: resource `amqp.default#worker.queue`"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("would remove kubernetes: workload `web`"));
    let state = std::fs::read_to_string(dir.path().join(".score-x/state.yaml")).unwrap();
    assert!(state.contains("amqp.default#worker.queue"));
    let o = run_in(dir.path(), &["resources", "prune"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let state = std::fs::read_to_string(dir.path().join(".score-x/state.yaml")).unwrap();
    assert!(!state.contains("amqp.default#worker.queue"), "{state}");
    assert!(!state.contains("\n      web:\n"), "{state}");
    let o = run_paths(
        dir.path(),
        &["translate", "--target", "kubernetes", "-o", "out"],
        &estate_files()[..1],
    );
    assert_eq!(code(&o), 0);
    assert!(!stderr(&o).contains("the state holds"), "{}", stderr(&o));
    let o = run_in(dir.path(), &["resources", "prune"]);
    assert!(stderr(&o).contains("nothing to prune"), "{}", stderr(&o));
}

#[test]
fn get_outputs_show_secrets_help_says_what_it_does() {
    let o = run_in(Path::new("."), &["resources", "get-outputs", "--help"]);
    let help = stdout(&o);
    assert!(help.contains("never shown"), "{help}");
    assert!(!help.contains("their values"), "{help}");
}

/// Run a translate under `sh` with a file size limit, so writing the manifests fails mid-way
/// (`trap '' XFSZ`: the write fails with EFBIG) or kills score-x (SIGXFSZ, like a crash).
#[cfg(unix)]
fn translate_limited(cwd: &Path, ignore_signal: bool) -> std::process::Output {
    let files: Vec<String> = estate_files()
        .iter()
        .map(|f| format!("'{}'", f.display()))
        .collect();
    let script = format!(
        "ulimit -f 8; {} exec '{}' translate --target kubernetes -o out --namespace changed {}",
        if ignore_signal { "trap '' XFSZ;" } else { "" },
        bin().display(),
        files.join(" ")
    );
    std::process::Command::new("sh")
        .args(["-c", &script])
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[cfg(unix)]
#[test]
fn a_write_that_fails_or_dies_mid_way_leaves_the_old_output() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&translate(dir.path(), "kubernetes", "out")), 0);
    let before = std::fs::read(dir.path().join("out/manifests.yaml")).unwrap();
    assert!(
        before.len() > 8 * 512,
        "the test needs manifests over the limit"
    );
    // The write fails: an error naming the file, the old output intact, nothing left behind.
    let o = translate_limited(dir.path(), true);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot write `out/manifests.yaml`"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read(dir.path().join("out/manifests.yaml")).unwrap(),
        before
    );
    assert!(staging_leftovers(dir.path()).is_empty());
    // The process dies while writing: the old output intact; the next run removes the leftover.
    let o = translate_limited(dir.path(), false);
    assert_ne!(code(&o), 0);
    assert_eq!(
        std::fs::read(dir.path().join("out/manifests.yaml")).unwrap(),
        before
    );
    assert_eq!(staging_leftovers(dir.path()).len(), 1);
    let o = translate(dir.path(), "kubernetes", "out");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("left by an interrupted run"),
        "{}",
        stderr(&o)
    );
    assert!(staging_leftovers(dir.path()).is_empty());
}

/// Every file under `dir` with its Unix mode, sorted.
#[cfg(unix)]
fn modes(dir: &Path) -> Vec<(String, u32)> {
    use std::os::unix::fs::PermissionsExt as _;
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.push((rel, e.metadata().unwrap().permissions().mode() & 0o777));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn files_written_as_they_are_made_are_the_bundle_check_compares() {
    for target in ["kubernetes", "ecs", "nomad"] {
        let dir = tempfile::tempdir().unwrap();
        let o = translate(dir.path(), target, "out");
        assert_eq!(code(&o), 0, "{target}: {}", stderr(&o));
        let o = run_paths(
            dir.path(),
            &["translate", "--target", target, "-o", "out", "--check"],
            &estate_files(),
        );
        assert_eq!(code(&o), 0, "{target}: {}", stderr(&o));
        assert!(staging_leftovers(dir.path()).is_empty(), "{target}");
    }
}

#[cfg(unix)]
#[test]
fn charts_written_as_they_are_made_are_the_bundle_check_compares() {
    let dir = tempfile::tempdir().unwrap();
    let o = translate(dir.path(), "helm", "deep/new/out");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // `--check` builds the whole bundle in memory: the streamed files are byte for byte it.
    let o = run_paths(
        dir.path(),
        &[
            "translate",
            "--target",
            "helm",
            "-o",
            "deep/new/out",
            "--check",
        ],
        &estate_files(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("is up to date"), "{}", stderr(&o));
    // Secret stores owner-only, everything else readable; nothing staged is left.
    let out = dir.path().join("deep/new/out");
    let all = modes(&out);
    assert!(all.len() > 20, "{all:?}");
    for (rel, mode) in &all {
        let secret = rel.contains("/templates/secret-");
        assert_eq!(*mode, if secret { 0o600 } else { 0o644 }, "{rel}");
    }
    assert!(
        all.iter()
            .any(|(rel, _)| rel.contains("/templates/secret-"))
    );
    assert!(staging_leftovers(&dir.path().join("deep/new")).is_empty());
}

#[test]
fn a_failed_run_leaves_no_directory_behind_it() {
    let dir = tempfile::tempdir().unwrap();
    for target in ["kubernetes", "helm", "ecs", "nomad"] {
        // The estate approximates on every target: `--strict` fails after the backend wrote.
        let o = run_paths(
            dir.path(),
            &["translate", "--target", target, "--strict", "-o", "a/b/out"],
            &estate_files(),
        );
        assert_eq!(code(&o), 1, "{target}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("no artifact and no state was written"),
            "{}",
            stderr(&o)
        );
        assert!(!dir.path().join("a").exists(), "{target}");
        assert!(staging_leftovers(dir.path()).is_empty(), "{target}");
    }
}

/// The estate's files, quoted for a shell.
fn quoted_estate() -> String {
    let files: Vec<String> = estate_files()
        .iter()
        .map(|f| format!("'{}'", f.display()))
        .collect();
    files.join(" ")
}

/// `script` run by `sh -c` in `dir` under `umask mask`.
fn sh_under_umask(dir: &Path, mask: &str, script: &str) -> std::process::Output {
    std::process::Command::new("sh")
        .args(["-c", &format!("umask {mask}; {script}")])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Files get their modes whatever the umask: 0644 artifacts even under `umask 077`, 0600
/// secret stores even under `umask 000`.
#[cfg(unix)]
#[test]
fn modes_do_not_depend_on_the_umask() {
    for mask in ["077", "000"] {
        let dir = tempfile::tempdir().unwrap();
        let script = format!(
            "exec '{}' translate --target helm -o out {}",
            bin().display(),
            quoted_estate()
        );
        let o = sh_under_umask(dir.path(), mask, &script);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        for (rel, mode) in modes(&dir.path().join("out")) {
            let secret = rel.contains("/templates/secret-");
            assert_eq!(
                mode,
                if secret { 0o600 } else { 0o644 },
                "umask {mask}: {rel}"
            );
        }
    }
}

/// Kubernetes' stream is written a batch of documents at a time: owner-only when a document
/// holds a secret value, readable by everyone when none does, whatever the umask; and what
/// `--check` builds whole.
#[cfg(unix)]
#[test]
fn the_streamed_kubernetes_file_is_owner_only_exactly_when_it_holds_a_secret() {
    const PLAIN: &str = "apiVersion: score.dev/v1b1\nmetadata: {name: plain}\ncontainers:\n  main:\n    image: nginx:1.27\n";
    for mask in ["077", "000"] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("plain.yaml"), PLAIN).unwrap();
        let script = format!(
            "'{bin}' translate --target kubernetes -o secret {files} && \
             exec '{bin}' translate --target kubernetes --state-dir s2 -o plain plain.yaml",
            bin = bin().display(),
            files = quoted_estate()
        );
        let o = sh_under_umask(dir.path(), mask, &script);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let with = std::fs::read_to_string(dir.path().join("secret/manifests.yaml")).unwrap();
        assert!(with.contains("kind: Secret"), "{with}");
        let expect = [
            ("secret/manifests.yaml", 0o600),
            ("plain/manifests.yaml", 0o644),
        ];
        for (rel, mode) in expect {
            let m = modes(dir.path()).into_iter().find(|(r, _)| r == rel);
            assert_eq!(m, Some((rel.to_string(), mode)), "umask {mask}");
        }
        let mut args = vec![
            "translate",
            "--target",
            "kubernetes",
            "-o",
            "secret",
            "--check",
        ];
        let paths = estate_files();
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        args.extend(shown.iter().map(String::as_str));
        let o = run_in(dir.path(), &args);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
}

/// A provisioner that writes its secret's value into a ConfigMap: the leak check stops every
/// target before any file is in place, with the files it staged removed.
#[test]
fn a_leaking_provisioner_writes_nothing_on_any_target() {
    const LEAKY: &str = r#"- uri: template://acme/leaky
  type: leaky
  outputs:
    password: { secret: true }
  outputs_template: |
    password:
      name: leaky-pw
      key: password
      value: Sup3r-S3cret-Value
  kubernetes: |
    - apiVersion: v1
      kind: ConfigMap
      metadata: { name: leaky-config }
      data: { pw: Sup3r-S3cret-Value }
"#;
    const WEB: &str = "apiVersion: score.dev/v1b1\nmetadata: {name: web}\ncontainers:\n  main:\n    image: nginx:1.27\n    variables:\n      PW: ${resources.db.password}\nresources:\n  db:\n    type: leaky\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("provisioners.yaml"), LEAKY).unwrap();
    std::fs::write(dir.path().join("web.yaml"), WEB).unwrap();
    for target in ["kubernetes", "helm"] {
        let o = run_in(
            dir.path(),
            &[
                "translate",
                "--target",
                target,
                "--provisioners",
                "provisioners.yaml",
                "web.yaml",
                "-o",
                "new/out",
            ],
        );
        assert_eq!(code(&o), 1, "{target}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(
            e.contains("PROVISIONER_FAILED") && e.contains("`leaky-pw`"),
            "{target}: {e}"
        );
        assert!(!stderr(&o).contains("Sup3r-S3cret-Value"), "{}", stderr(&o));
        assert!(!dir.path().join("new").exists(), "{target}");
    }
}
