//! The project state under concurrency, `kill -9`, bad seeds and CI: the seed is never lost or
//! rotated, sections are never lost, output is all or nothing (real binary, real processes).

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

const SEED: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A `score-x` command in `cwd` with a clean environment for the seed and CI.
fn cmd(cwd: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("SCORE_X_SEED")
        .env_remove("CI")
        .env_remove("SCORE_X_LOCK_TIMEOUT");
    c
}

fn translate_args<'a>(target: &'a str, out: &'a str) -> Vec<String> {
    let mut v: Vec<String> = ["translate", "--target", target, "-o", out]
        .iter()
        .map(|s| s.to_string())
        .collect();
    v.extend(estate_files().iter().map(|f| f.display().to_string()));
    v
}

fn translate(cwd: &Path, target: &str, out: &str) -> Command {
    let args = translate_args(target, out);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    cmd(cwd, &refs)
}

fn spawn(mut c: Command) -> Child {
    c.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn ok(o: &Output) {
    assert_eq!(code(o), 0, "{}", stderr(o));
}

fn read(p: impl AsRef<Path>) -> String {
    std::fs::read_to_string(p.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", p.as_ref().display()))
}

/// The generated passwords in a manifest stream (Secret `stringData` lines).
fn passwords(manifests: &str) -> Vec<String> {
    let v: Vec<String> = manifests
        .lines()
        .filter(|l| l.trim_start().starts_with("password:"))
        .map(|l| l.trim().to_string())
        .collect();
    assert!(!v.is_empty(), "no password in\n{manifests}");
    v
}

#[test]
fn two_translates_at_once_in_a_fresh_project_agree_with_the_saved_seed() {
    for round in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let a = spawn(translate(dir.path(), "kubernetes", "a"));
        let b = spawn(translate(dir.path(), "kubernetes", "b"));
        ok(&a.wait_with_output().unwrap());
        ok(&b.wait_with_output().unwrap());
        let ma = read(dir.path().join("a/manifests.yaml"));
        assert_eq!(
            ma,
            read(dir.path().join("b/manifests.yaml")),
            "round {round}"
        );
        // A third run, and a run elsewhere given the saved seed, reproduce names and passwords.
        ok(&translate(dir.path(), "kubernetes", "c").output().unwrap());
        assert_eq!(ma, read(dir.path().join("c/manifests.yaml")));
        let seed = read(dir.path().join(".score-x/seed"));
        let other = tempfile::tempdir().unwrap();
        let o = translate(other.path(), "kubernetes", "d")
            .env("SCORE_X_SEED", seed.trim())
            .output()
            .unwrap();
        ok(&o);
        assert_eq!(ma, read(other.path().join("d/manifests.yaml")));
    }
}

#[test]
fn a_kubernetes_and_an_ecs_translate_at_once_keep_both_sections() {
    for _ in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let k = spawn(translate(dir.path(), "kubernetes", "k"));
        let e = spawn(translate(dir.path(), "ecs", "e"));
        ok(&k.wait_with_output().unwrap());
        ok(&e.wait_with_output().unwrap());
        let state = read(dir.path().join(".score-x/state.yaml"));
        assert!(state.contains("\n  kubernetes:\n"), "{state}");
        assert!(state.contains("\n  ecs:\n"), "{state}");
        assert!(
            state.ends_with("sections:\n- kubernetes\n- ecs\n"),
            "{state}"
        );
    }
}

/// A project whose `slow` resource is provisioned by a shell script that signals it started and
/// then sleeps, so a test can kill score-x while it runs.
fn slow_project(dir: &Path) -> PathBuf {
    let script = dir.join("slow.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\ncat > /dev/null\ntouch \"$(dirname \"$0\")/started\"\nif [ ! -e \"$(dirname \"$0\")/fast\" ]; then sleep 30; fi\necho '{\"resource_outputs\": {\"url\": \"http://slow\"}}'\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let provs = dir.join(".score-x/provisioners");
    std::fs::create_dir_all(&provs).unwrap();
    std::fs::write(
        provs.join("slow.yaml"),
        format!(
            "- uri: cmd://{}#slow\n  type: slow\n  args: []\n",
            script.display()
        ),
    )
    .unwrap();
    let score = dir.join("score.yaml");
    std::fs::write(
        &score,
        "apiVersion: score.dev/v1b1\nmetadata:\n  name: app\ncontainers:\n  main:\n    image: nginx\n    variables:\n      DB_PASSWORD: ${resources.db.password}\n      SLOW: ${resources.slow.url}\nresources:\n  db:\n    type: postgres\n  slow:\n    type: slow\n",
    )
    .unwrap();
    score
}

fn wait_for(p: &Path, what: &str) {
    let start = Instant::now();
    while !p.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{what} never happened"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
#[test]
fn kill_9_mid_run_then_a_rerun_gives_the_same_generated_secrets() {
    let dir = tempfile::tempdir().unwrap();
    slow_project(dir.path());
    let args = [
        "translate",
        "--target",
        "kubernetes",
        "-o",
        "out",
        "score.yaml",
    ];
    let mut child = spawn(cmd(dir.path(), &args));
    wait_for(&dir.path().join("started"), "the slow provisioner start");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        !dir.path().join("out").exists(),
        "artifacts of a killed run"
    );
    let seed = read(dir.path().join(".score-x/seed"));
    std::fs::write(dir.path().join("fast"), "").unwrap();
    ok(&cmd(dir.path(), &args).output().unwrap());
    let after = read(dir.path().join("out/manifests.yaml"));
    assert_eq!(seed, read(dir.path().join(".score-x/seed")), "seed rotated");
    // A clean run elsewhere with the same seed gives the same names and passwords.
    let clean = tempfile::tempdir().unwrap();
    slow_project(clean.path());
    std::fs::write(clean.path().join("fast"), "").unwrap();
    let o = cmd(clean.path(), &args)
        .env("SCORE_X_SEED", seed.trim())
        .output()
        .unwrap();
    ok(&o);
    let clean_out = read(clean.path().join("out/manifests.yaml"));
    assert_eq!(passwords(&after), passwords(&clean_out));
    // Killed again, after the artifacts exist: the rerun changes nothing.
    std::fs::remove_file(dir.path().join("fast")).unwrap();
    std::fs::remove_file(dir.path().join("started")).unwrap();
    let mut child = spawn(cmd(dir.path(), &args));
    wait_for(&dir.path().join("started"), "the slow provisioner start");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(after, read(dir.path().join("out/manifests.yaml")));
    std::fs::write(dir.path().join("fast"), "").unwrap();
    ok(&cmd(dir.path(), &args).output().unwrap());
    assert_eq!(after, read(dir.path().join("out/manifests.yaml")));
}

#[test]
fn an_unusable_state_directory_is_an_error_and_writes_no_artifact() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the state directory should be.
    std::fs::write(dir.path().join(".score-x"), "not a directory").unwrap();
    let o = translate(dir.path(), "kubernetes", "out").output().unwrap();
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains(".score-x"), "{}", stderr(&o));
    assert!(!dir.path().join("out").exists());
    #[cfg(unix)]
    if !is_root() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let sx = dir.path().join(".score-x");
        std::fs::create_dir(&sx).unwrap();
        std::fs::set_permissions(&sx, std::fs::Permissions::from_mode(0o500)).unwrap();
        let o = translate(dir.path(), "kubernetes", "out").output().unwrap();
        std::fs::set_permissions(&sx, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(code(&o), 1, "{}", stderr(&o));
        assert!(!dir.path().join("out").exists());
    }
}

#[cfg(unix)]
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[test]
fn bad_seeds_are_rejected_with_a_way_out() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["12345", &SEED[..23], &SEED.to_uppercase(), " "] {
        let o = translate(dir.path(), "kubernetes", "out")
            .env("SCORE_X_SEED", bad)
            .output()
            .unwrap();
        assert_eq!(code(&o), 1, "{bad}: {}", stderr(&o));
        assert!(stderr(&o).contains("SCORE_X_SEED"), "{}", stderr(&o));
    }
    std::fs::write(dir.path().join("short"), &SEED[..40]).unwrap();
    let mut c = translate(dir.path(), "kubernetes", "out");
    c.args(["--seed-file", "short"]);
    let o = c.output().unwrap();
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("--seed-file `short`") && stderr(&o).contains("40"),
        "{}",
        stderr(&o)
    );
    // A seed in the state file of an earlier release is checked at its line.
    let sx = dir.path().join(".score-x");
    std::fs::create_dir_all(&sx).unwrap();
    std::fs::write(
        sx.join("state.yaml"),
        "version: 1\nseed: 12345\ntargets: {}\n",
    )
    .unwrap();
    let o = translate(dir.path(), "kubernetes", "out").output().unwrap();
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("state.yaml:2"), "{}", stderr(&o));
    assert!(stderr(&o).contains("64 hexadecimal"), "{}", stderr(&o));
    std::fs::write(sx.join("seed"), "12345\n").unwrap();
    std::fs::remove_file(sx.join("state.yaml")).unwrap();
    let o = translate(dir.path(), "kubernetes", "out").output().unwrap();
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains(".score-x/seed"), "{}", stderr(&o));
    assert!(!dir.path().join("out").exists());
    assert_eq!(
        read(sx.join("seed")),
        "12345\n",
        "a bad seed is never replaced"
    );
}

#[test]
fn a_bad_state_file_is_an_error_at_its_line_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let sx = dir.path().join(".score-x");
    std::fs::create_dir_all(&sx).unwrap();
    std::fs::write(sx.join("seed"), SEED).unwrap();
    let cases = [
        (
            "version: 7\ntargets: {}\nsections: []\n",
            "state.yaml:1",
            "`version` 7",
        ),
        (
            "version: 2\ntargets:\n  ecs:\n    resources: {}\n    shared: 5\nsections: [ecs]\n",
            "state.yaml:5",
            "`shared` must be a map",
        ),
        (
            "version: 2\ntargets:\n  ecs:\n    resources: {}\n  kubernetes:\n    resources: {}\n",
            "state.yaml:6",
            "truncated",
        ),
    ];
    for (text, at, msg) in cases {
        std::fs::write(sx.join("state.yaml"), text).unwrap();
        let o = translate(dir.path(), "kubernetes", "out").output().unwrap();
        assert_eq!(code(&o), 1, "{text}");
        assert!(stderr(&o).contains(at), "{at}: {}", stderr(&o));
        assert!(stderr(&o).contains(msg), "{msg}: {}", stderr(&o));
        assert!(stderr(&o).contains("git checkout"), "{}", stderr(&o));
        assert_eq!(read(sx.join("state.yaml")), text, "state replaced");
    }
}

#[test]
fn a_state_written_by_the_previous_release_is_read_and_upgraded() {
    let dir = tempfile::tempdir().unwrap();
    let sx = dir.path().join(".score-x");
    std::fs::create_dir_all(&sx).unwrap();
    let v1 = format!(
        "version: 1\nseed: {SEED}\ntargets:\n  ecs:\n    resources: {{}}\n    shared:\n      kept: yes\n    workloads: {{}}\n"
    );
    std::fs::write(sx.join("state.yaml"), v1).unwrap();
    ok(&translate(dir.path(), "kubernetes", "out").output().unwrap());
    assert_eq!(read(sx.join("seed")).trim(), SEED);
    let state = read(sx.join("state.yaml"));
    assert!(!state.contains(SEED), "{state}");
    assert!(
        state.contains("version: 3\n") && state.contains("kept: yes"),
        "{state}"
    );
    let clean = tempfile::tempdir().unwrap();
    let o = translate(clean.path(), "kubernetes", "out")
        .env("SCORE_X_SEED", SEED)
        .output()
        .unwrap();
    ok(&o);
    assert_eq!(
        read(dir.path().join("out/manifests.yaml")),
        read(clean.path().join("out/manifests.yaml"))
    );
}

/// Copy the score files and the committed output (not the seed) into a fresh checkout.
fn fresh_clone(from: &Path, with_state: bool) -> tempfile::TempDir {
    let to = tempfile::tempdir().unwrap();
    let out = to.path().join("deploy");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::copy(
        from.join("deploy/manifests.yaml"),
        out.join("manifests.yaml"),
    )
    .unwrap();
    if with_state {
        std::fs::create_dir_all(to.path().join(".score-x")).unwrap();
        std::fs::copy(
            from.join(".score-x/state.yaml"),
            to.path().join(".score-x/state.yaml"),
        )
        .unwrap();
    }
    to
}

#[test]
fn check_is_green_twice_from_two_fresh_copies_given_the_same_seed() {
    let dev = tempfile::tempdir().unwrap();
    ok(&translate(dev.path(), "kubernetes", "deploy")
        .output()
        .unwrap());
    let seed = read(dev.path().join(".score-x/seed"));
    let ignore = read(dev.path().join(".score-x/.gitignore"));
    assert!(ignore.lines().any(|l| l == "seed"), "{ignore}");
    for with_state in [true, false] {
        for _ in 0..2 {
            let ci = fresh_clone(dev.path(), with_state);
            let mut c = translate(ci.path(), "kubernetes", "deploy");
            c.arg("--check")
                .env("SCORE_X_SEED", seed.trim())
                .env("CI", "true");
            let o = c.output().unwrap();
            assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
            assert!(!stderr(&o).contains("warning: created"), "{}", stderr(&o));
            assert!(!ci.path().join(".score-x/seed").exists());
        }
    }
    // The seed from a file works the same.
    let ci = fresh_clone(dev.path(), true);
    std::fs::write(ci.path().join("ci-seed"), &seed).unwrap();
    let mut c = translate(ci.path(), "kubernetes", "deploy");
    c.args(["--check", "--seed-file", "ci-seed"]);
    ok(&c.output().unwrap());
}

#[test]
fn check_without_a_seed_says_how_to_give_one_and_ci_warns_about_a_new_seed() {
    let dev = tempfile::tempdir().unwrap();
    ok(&translate(dev.path(), "kubernetes", "deploy")
        .output()
        .unwrap());
    let ci = fresh_clone(dev.path(), true);
    let mut c = translate(ci.path(), "kubernetes", "deploy");
    c.arg("--check");
    let o = c.output().unwrap();
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("SCORE_X_SEED") && stderr(&o).contains("--seed-file"),
        "{}",
        stderr(&o)
    );
    assert!(!ci.path().join(".score-x/seed").exists());
    let o = translate(ci.path(), "kubernetes", "other")
        .env("CI", "true")
        .output()
        .unwrap();
    ok(&o);
    assert!(
        stderr(&o).contains("warning: created a new project seed"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn check_diffs_never_show_secret_values() {
    let dir = tempfile::tempdir().unwrap();
    let o = translate(dir.path(), "kubernetes", "deploy")
        .env("SCORE_X_SEED", SEED)
        .output()
        .unwrap();
    ok(&o);
    let old = passwords(&read(dir.path().join("deploy/manifests.yaml")));
    let other = "f".repeat(64);
    let new_dir = tempfile::tempdir().unwrap();
    ok(&translate(new_dir.path(), "kubernetes", "x")
        .env("SCORE_X_SEED", &other)
        .output()
        .unwrap());
    let new = passwords(&read(new_dir.path().join("x/manifests.yaml")));
    let mut c = translate(dir.path(), "kubernetes", "deploy");
    c.arg("--check").env("SCORE_X_SEED", &other);
    let o = c.output().unwrap();
    assert_eq!(code(&o), 1);
    let diff = stdout(&o);
    assert!(diff.contains("password: <secret changed>"), "{diff}");
    assert!(diff.contains("password: <old secret>"), "{diff}");
    for p in old.iter().chain(&new) {
        let value = p.trim_start_matches("password:").trim();
        assert!(!diff.contains(value), "secret {value} in\n{diff}");
    }
    assert!(stderr(&o).contains("without --check"), "{}", stderr(&o));
    // Following the hint fixes it.
    let o = translate(dir.path(), "kubernetes", "deploy")
        .env("SCORE_X_SEED", &other)
        .output()
        .unwrap();
    ok(&o);
    let mut c = translate(dir.path(), "kubernetes", "deploy");
    c.arg("--check").env("SCORE_X_SEED", &other);
    ok(&c.output().unwrap());
}

#[test]
fn a_second_run_waits_for_the_lock_then_names_its_holder() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let sx = dir.path().join(".score-x");
    std::fs::create_dir_all(&sx).unwrap();
    let mut held = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(sx.join("lock"))
        .unwrap();
    held.lock().unwrap();
    writeln!(held, "pid 424242").unwrap();
    let start = Instant::now();
    let o = translate(dir.path(), "kubernetes", "out")
        .env("SCORE_X_LOCK_TIMEOUT", "0.5")
        .output()
        .unwrap();
    assert!(start.elapsed() >= Duration::from_millis(500));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("waiting for another score-x run (pid 424242)"),
        "{err}"
    );
    assert!(
        err.contains("locked by another score-x run (pid 424242)"),
        "{err}"
    );
    assert!(err.contains("SCORE_X_LOCK_TIMEOUT"), "{err}");
    assert!(err.contains("for 0.5 s"), "{err}");
    assert!(!dir.path().join("out").exists());
    // Released while the second run waits: it proceeds.
    let waiting = spawn(translate(dir.path(), "kubernetes", "out"));
    std::thread::sleep(Duration::from_millis(300));
    held.unlock().unwrap();
    let o = waiting.wait_with_output().unwrap();
    ok(&o);
    let o = translate(dir.path(), "kubernetes", "out")
        .env("SCORE_X_LOCK_TIMEOUT", "soon")
        .output()
        .unwrap();
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("SCORE_X_LOCK_TIMEOUT"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn seed_precedence_is_flag_then_env_then_file() {
    let other = "e".repeat(64);
    let third = "d".repeat(64);
    let manifests_with = |setup: &dyn Fn(&Path, &mut Command)| {
        let dir = tempfile::tempdir().unwrap();
        let mut c = translate(dir.path(), "kubernetes", "out");
        setup(dir.path(), &mut c);
        ok(&c.output().unwrap());
        read(dir.path().join("out/manifests.yaml"))
    };
    let with_env = |s: &str| {
        let s = s.to_string();
        manifests_with(&move |_, c: &mut Command| {
            c.env("SCORE_X_SEED", &s);
        })
    };
    let env_seed = with_env(SEED);
    let other_seed = with_env(&other);
    assert_ne!(env_seed, other_seed);
    // .score-x/seed loses to SCORE_X_SEED, which loses to --seed-file.
    let got = manifests_with(&|d, c| {
        std::fs::create_dir_all(d.join(".score-x")).unwrap();
        std::fs::write(d.join(".score-x/seed"), &third).unwrap();
        c.env("SCORE_X_SEED", SEED);
    });
    assert_eq!(got, env_seed);
    let got = manifests_with(&|d, c| {
        std::fs::write(d.join("f"), format!("{other}\n")).unwrap();
        c.env("SCORE_X_SEED", SEED).args(["--seed-file", "f"]);
    });
    assert_eq!(got, other_seed);
    let got = manifests_with(&|d, _| {
        std::fs::create_dir_all(d.join(".score-x")).unwrap();
        std::fs::write(d.join(".score-x/seed"), SEED).unwrap();
    });
    assert_eq!(got, env_seed);
}

#[test]
fn temporary_files_a_killed_run_left_in_the_project_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let sx = dir.path().join(".score-x");
    std::fs::create_dir_all(&sx).unwrap();
    std::fs::write(sx.join(".tmpAbC123"), "half a state").unwrap();
    let o = translate(dir.path(), "kubernetes", "out").output().unwrap();
    ok(&o);
    assert!(!sx.join(".tmpAbC123").exists());
    assert!(
        stderr(&o).contains("left by an interrupted run"),
        "{}",
        stderr(&o)
    );
}

/// The `plugin.yaml` of docs/gitops.md, run as Argo CD runs it: `generate` in a fresh copy of the
/// repository with the seed in the environment prints the same manifests on every sync.
#[cfg(unix)]
#[test]
fn the_argo_cd_plugin_of_the_docs_renders_the_same_manifests_every_sync() {
    let doc = read(repo().join("docs/gitops.md"));
    let block = doc
        .split("```yaml\n")
        .find(|b| b.starts_with("apiVersion: argoproj.io/v1alpha1\nkind: ConfigManagementPlugin"))
        .and_then(|b| b.split("```").next())
        .unwrap();
    let plugin: serde_yaml::Value = serde_yaml::from_str(block).unwrap();
    assert_eq!(plugin["metadata"]["name"], "score-x");
    assert_eq!(plugin["spec"]["discover"]["fileName"], "./score.yaml");
    let generate = &plugin["spec"]["generate"];
    let program = generate["command"][0].as_str().unwrap();
    let mut args: Vec<String> = generate["command"]
        .as_sequence()
        .unwrap()
        .iter()
        .skip(1)
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    args.extend(
        generate["args"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string()),
    );
    let bin_dir = bin().parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let sync = || {
        let checkout = tempfile::tempdir().unwrap();
        let mut names = Vec::new();
        for f in estate_files() {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            std::fs::copy(&f, checkout.path().join(&name)).unwrap();
            names.push(name);
        }
        let o = Command::new(program)
            .args(&args)
            .current_dir(checkout.path())
            .env("PATH", &path)
            .env("SCORE_X_SEED", SEED)
            .env("ARGOCD_APP_NAMESPACE", "shop")
            .env("ARGOCD_ENV_SCORE_FILES", names.join(" "))
            .env_remove("ARGOCD_ENV_SCORE_X_ARGS")
            .output()
            .unwrap();
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        stdout(&o)
    };
    let first = sync();
    assert!(first.contains("kind: Deployment"), "{first}");
    assert_eq!(passwords(&first).len(), 3);
    assert_eq!(first, sync(), "a sync rotated something");
}
