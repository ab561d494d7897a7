//! The ECS files init container's shell script, run by a real shell (`busybox sh`; plain `sh`
//! locally when busybox is missing, never under `CI=true`) over a temporary root: every file
//! lands at the path its container mounts, with its content and mode.

#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use score_x_core::Target;
use score_x_tests::{pipeline, planned};
use serde_json::Value as Json;

const SCORE: &str = r#"apiVersion: score.dev/v1b1
metadata:
  name: web
containers:
  main:
    image: nginx
    files:
      /app/config/a.conf:
        content: "name=${metadata.name}\nquote=' \"$HOME\" `x` $$\n"
      /app/config/sub/deep/b.json:
        content: '{"k": 1}'
        mode: "0600"
      /app/bin/run.sh:
        binaryContent: IyEvYmluL3NoCmVjaG8gaGkK
        mode: "0755"
      /srv/empty:
        content: ""
"#;

/// The shell: `busybox sh`, else (not under CI) `sh`.
fn shell() -> Option<Vec<String>> {
    let has = |p: &str| {
        Command::new(p)
            .arg("true")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if Command::new("busybox")
        .args(["sh", "-c", "true"])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return Some(vec!["busybox".into(), "sh".into()]);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("busybox is required under CI=true (apt-get install -y busybox)");
    }
    has("sh").then(|| vec!["sh".into()])
}

/// The single task definition of the bundle.
fn task_definition(b: &score_x_core::Bundle) -> Json {
    b.files
        .iter()
        .filter(|(p, _)| p.ends_with(".json"))
        .map(|(_, bytes)| serde_json::from_slice::<Json>(bytes).unwrap())
        .find(|j| j.get("containerDefinitions").is_some())
        .unwrap_or_else(|| panic!("no task definition in {:?}", b.files.keys()))
}

fn container<'a>(td: &'a Json, name: &str) -> &'a Json {
    td["containerDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no container {name}"))
}

/// Volume name → where `c` mounts it.
fn mounts(c: &Json) -> BTreeMap<String, String> {
    c["mountPoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["sourceVolume"].as_str().unwrap().to_string(),
                m["containerPath"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_init_script_writes_every_file_with_its_content_and_mode() {
    let Some(sh) = shell() else {
        eprintln!("skipped: no shell");
        return;
    };
    let resolved =
        pipeline::resolve_with_defaults(Target::ECS, &[("score.yaml", SCORE)], Json::Null).unwrap();
    let bundle = planned::ecs(&resolved, &score_x_ecs::Options::default()).unwrap();
    let td = task_definition(&bundle);
    let init = container(&td, score_x_ecs::FILES_INIT_CONTAINER);
    let main = container(&td, "main");
    let root = tempfile::tempdir().unwrap();
    let r = root.path().display().to_string();
    let script = init["command"][0]
        .as_str()
        .unwrap()
        .replace("'/score-x/", &format!("'{r}/score-x/"));
    assert!(!script.contains("'/score-x/"), "{script}");
    let init_mounts = mounts(init);
    for at in init_mounts.values() {
        std::fs::create_dir_all(format!("{r}{at}")).unwrap();
    }
    let mut cmd = Command::new(&sh[0]);
    cmd.args(&sh[1..]).arg("-c").arg(&script).env_clear();
    cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
    for kv in init["environment"].as_array().unwrap() {
        cmd.env(kv["name"].as_str().unwrap(), kv["value"].as_str().unwrap());
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}\n{script}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Where the main container sees each volume → where the init container wrote it.
    let seen: BTreeMap<String, String> = mounts(main)
        .into_iter()
        .filter_map(|(v, dir)| init_mounts.get(&v).map(|at| (dir, format!("{r}{at}"))))
        .collect();
    // Nested directories share their ancestor's volume: no mount inside a read-only mount.
    assert_eq!(
        seen.keys().collect::<Vec<_>>(),
        ["/app/bin", "/app/config", "/srv"]
    );
    let expect: [(&str, &[u8], u32); 4] = [
        (
            "/app/config/a.conf",
            b"name=web\nquote=' \"$HOME\" `x` $\n",
            0o644,
        ),
        ("/app/config/sub/deep/b.json", b"{\"k\": 1}", 0o600),
        ("/app/bin/run.sh", b"#!/bin/sh\necho hi\n", 0o755),
        ("/srv/empty", b"", 0o644),
    ];
    let mut written = 0;
    for (target, content, mode) in expect {
        let (dir, at) = seen
            .iter()
            .find(|(d, _)| target.starts_with(&format!("{d}/")))
            .unwrap_or_else(|| panic!("{target} is in no mounted volume: {seen:?}"));
        let host = Path::new(at).join(&target[dir.len() + 1..]);
        assert_eq!(std::fs::read(&host).unwrap(), content, "{target}");
        let m = std::fs::metadata(&host).unwrap().permissions().mode() & 0o7777;
        assert_eq!(m, mode, "{target}: {m:o}");
        written += 1;
    }
    // Nothing else was written.
    let count = walk(&root.path().join("score-x"));
    assert_eq!(count, written);
}

/// The number of regular files under `dir`.
fn walk(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            if p.is_dir() { walk(&p) } else { 1 }
        })
        .sum()
}

#[test]
fn files_in_directories_images_populate_are_refused() {
    let score = SCORE.replace("/srv/empty", "/etc/ssl/certs/extra.pem");
    let resolved =
        pipeline::resolve_with_defaults(Target::ECS, &[("score.yaml", &score)], Json::Null)
            .unwrap();
    let e = planned::ecs(&resolved, &score_x_ecs::Options::default()).unwrap_err();
    let d = score_x_core::Diagnostic::from(e);
    assert!(d.message.contains("/etc/ssl/certs"), "{d:?}");
    assert!(d.hint.unwrap().contains("allowSystemDirFiles"));
}
