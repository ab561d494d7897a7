//! A rerun into an existing output directory: files it already holds as they are (contents,
//! mode, one link, no symbolic link) are left in place, untouched; every other file is replaced.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::Path;

use common::*;

fn translate(cwd: &Path, target: &str) -> std::process::Output {
    run_paths(
        cwd,
        &["translate", "--target", target, "-o", "out"],
        &estate_files(),
    )
}

/// Every file under `dir`: its inode, mode and contents, by relative path.
fn files(dir: &Path) -> BTreeMap<String, (u64, u32, Vec<u8>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            if m.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            let bytes = std::fs::read(&p).unwrap();
            out.insert(rel, (m.ino(), m.mode() & 0o777, bytes));
        }
    }
    out
}

/// The count in "wrote N files to DIR (M of them unchanged, …)", 0 without it.
fn unchanged_said(stderr: &str) -> usize {
    let line = stderr.lines().find(|l| l.starts_with("wrote ")).unwrap();
    line.split_once(" (")
        .and_then(|(_, rest)| rest.split(' ').next())
        .map_or(0, |n| n.parse().unwrap())
}

#[test]
fn a_rerun_leaves_the_files_it_would_not_change_and_replaces_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let o = translate(dir.path(), "helm");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(unchanged_said(&stderr(&o)), 0, "{}", stderr(&o));
    let out = dir.path().join("out");
    let first = files(&out);
    let rel = |pred: &dyn Fn(&str, u32) -> bool| -> String {
        first
            .iter()
            .find(|(r, (_, mode, _))| pred(r, *mode))
            .map(|(r, _)| r.clone())
            .unwrap()
    };
    // Four files a rerun must replace: a mode changed either way, contents changed at the same
    // length, and a second link to the file.
    let narrowed = rel(&|r, m| m == 0o644 && r.ends_with("Chart.yaml"));
    let widened = rel(&|_, m| m == 0o600);
    let edited = rel(&|r, m| m == 0o644 && r.ends_with("values.yaml"));
    let linked = rel(&|r, m| m == 0o644 && r.ends_with("NOTES.txt"));
    let chmod = |r: &str, mode| {
        std::fs::set_permissions(out.join(r), std::fs::Permissions::from_mode(mode)).unwrap()
    };
    chmod(&narrowed, 0o600);
    chmod(&widened, 0o644);
    let mut bytes = first[&edited].2.clone();
    bytes[0] = if bytes[0] == b'#' { b'x' } else { b'#' };
    std::fs::write(out.join(&edited), &bytes).unwrap();
    std::fs::hard_link(out.join(&linked), dir.path().join("outside-link")).unwrap();

    let o = translate(dir.path(), "helm");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let second = files(&out);
    // The same files, byte for byte and mode for mode, as the first run wrote them.
    let strip = |m: &BTreeMap<String, (u64, u32, Vec<u8>)>| -> Vec<(String, u32, Vec<u8>)> {
        m.iter()
            .map(|(r, (_, mode, b))| (r.clone(), *mode, b.clone()))
            .collect()
    };
    assert_eq!(strip(&first), strip(&second));
    let kept: Vec<&String> = first
        .keys()
        .filter(|r| first[*r].0 == second[*r].0)
        .collect();
    for r in [&narrowed, &widened, &edited, &linked] {
        assert!(!kept.contains(&r), "{r} was left as it was");
    }
    assert!(
        kept.len() * 2 > first.len(),
        "{} of {}",
        kept.len(),
        first.len()
    );
    assert_eq!(unchanged_said(&stderr(&o)), kept.len(), "{}", stderr(&o));
    // The other link still holds the old file.
    let outside = std::fs::metadata(dir.path().join("outside-link")).unwrap();
    assert_eq!(outside.ino(), first[&linked].0);
    assert_eq!(outside.nlink(), 1);
}

#[test]
fn a_rerun_of_a_changed_estate_replaces_only_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&translate(dir.path(), "ecs")), 0);
    let out = dir.path().join("out");
    let first = files(&out);
    // One workload fewer: its files become stale, the others' stay as they were.
    let o = run_paths(
        dir.path(),
        &["translate", "--target", "ecs", "-o", "out"],
        &estate_files()[..2],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let second = files(&out);
    let gone = |r: &str| r.split('/').any(|c| c == "worker");
    let kept = first
        .iter()
        .filter(|(r, _)| !gone(r))
        .filter(|(r, (ino, _, _))| second.get(*r).is_some_and(|s| s.0 == *ino))
        .count();
    assert!(kept > 0, "{}", stderr(&o));
    assert_eq!(unchanged_said(&stderr(&o)), kept, "{}", stderr(&o));
    for (r, (ino, _, bytes)) in &second {
        if first.get(r).is_some_and(|f| f.0 == *ino) {
            assert_eq!(&first[r].2, bytes, "{r} kept with other contents");
        }
    }
    assert!(
        stderr(&o).contains("was not written by this run"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_fifo_where_a_file_goes_is_replaced_not_read() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&translate(dir.path(), "nomad")), 0);
    let out = dir.path().join("out");
    let first = files(&out);
    let (rel, (_, _, bytes)) = first.iter().next().unwrap();
    std::fs::remove_file(out.join(rel)).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(out.join(rel))
        .status()
        .unwrap();
    assert!(made.success());
    // Reading the FIFO would wait for a writer forever: the run must not.
    let o = translate(dir.path(), "nomad");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let m = std::fs::symlink_metadata(out.join(rel)).unwrap();
    assert!(m.is_file());
    assert_eq!(&std::fs::read(out.join(rel)).unwrap(), bytes);
    assert_eq!(
        unchanged_said(&stderr(&o)),
        first.len() - 1,
        "{}",
        stderr(&o)
    );
}
