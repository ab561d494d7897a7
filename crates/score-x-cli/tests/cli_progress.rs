//! The progress line of long runs: drawn on a terminal after a second, never into a pipe.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;

/// A workload whose one resource takes 1.6 s to provision (a `cmd://` provisioner that sleeps).
fn slow_project(dir: &std::path::Path) {
    std::fs::write(
        dir.join("score.yaml"),
        "apiVersion: score.dev/v1b1\nmetadata: {name: api}\ncontainers:\n  main:\n    image: nginx\n    variables: {X: \"${resources.env.X}\"}\nresources:\n  env: {type: environment}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("slow.sh"),
        "#!/bin/sh\ncat >/dev/null\nsleep 1.6\nprintf '%s' '{\"resource_outputs\":{\"X\":\"1\"}}'\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("provisioners.yaml"),
        "- uri: cmd://sh#slow\n  type: environment\n  args: [./slow.sh]\n  expected_outputs: [X]\n",
    )
    .unwrap();
}

const ARGS: [&str; 8] = [
    "translate",
    "--target",
    "kubernetes",
    "--provisioners",
    "provisioners.yaml",
    "-o",
    "out",
    "score.yaml",
];

#[test]
fn never_drawn_into_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    slow_project(dir.path());
    let o = run_in(dir.path(), &ARGS);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(!e.contains("provisioning resources"), "{e}");
    assert!(!e.contains('\r') && !e.contains('\u{1b}'), "{e:?}");
}

/// Under a pseudo-terminal (util-linux `script`), the run shows its stage once it is slow.
#[test]
fn drawn_on_a_terminal_when_the_run_is_slow() {
    if !require_tool(
        std::process::Command::new("script")
            .arg("--version")
            .output()
            .is_ok(),
        "script (util-linux)",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    slow_project(dir.path());
    let cmd = std::iter::once(bin().display().to_string())
        .chain(ARGS.iter().map(|a| a.to_string()))
        .collect::<Vec<_>>()
        .join(" ");
    let o = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .current_dir(dir.path())
        .env("TERM", "xterm")
        .output()
        .unwrap();
    let typed = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{typed}");
    assert!(typed.contains("provisioning resources"), "{typed:?}");
    assert!(dir.path().join("out").is_dir());
}
