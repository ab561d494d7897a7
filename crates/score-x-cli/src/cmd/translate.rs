//! `score-x translate`: write the target's artifacts to a directory or stdout, or `--check` them.

use std::path::{Path, PathBuf};

use score_x_core::backend::Bundle;

use crate::cli::TranslateArgs;
use crate::cmd::Failure;
use crate::cmd::pipeline;
use crate::fsio;
use crate::printer::Printer;
use crate::project;

pub fn run(printer: &Printer, args: &TranslateArgs) -> Result<(), Failure> {
    let target = args.pipeline.target.target();
    let to_stdout = args.output.as_deref() == Some(Path::new("-"));
    if to_stdout && args.check {
        return Err(Failure::Usage(
            "--check compares files on disk; give a directory with -o, not `-`".into(),
        ));
    }
    let produced = pipeline::produce(printer, &args.pipeline)?;
    let bundle = &produced.bundle;
    if to_stdout {
        print_stdout(printer, bundle)?;
    } else {
        let dir = args
            .output
            .clone()
            .unwrap_or_else(|| PathBuf::from("score-x-out").join(target.as_str()));
        if args.check {
            return check(printer, bundle, &dir);
        }
        for (rel, contents) in &bundle.files {
            fsio::write_atomic(&dir.join(rel), contents, fsio::Access::Public)
                .map_err(Failure::Fatal)?;
        }
        let n = bundle.files.len();
        printer.err(&format!(
            "wrote {n} file{} to {}",
            if n == 1 { "" } else { "s" },
            dir.display()
        ));
        for stale in stale_files(bundle, &dir) {
            printer.err(&format!(
                "warning: {} was not written by this run (a workload that is gone?); delete it so nobody deploys it",
                stale.display()
            ));
        }
    }
    project::save_state(&args.pipeline.state_dir, &produced.state).map_err(Failure::Fatal)?;
    Ok(())
}

fn print_stdout(printer: &Printer, bundle: &Bundle) -> Result<(), Failure> {
    match bundle.files.len() {
        0 => Ok(()),
        1 => {
            if let Some(contents) = bundle.files.values().next() {
                printer.out_bytes(contents);
            }
            Ok(())
        }
        _ => Err(Failure::Usage(format!(
            "this target writes {} files ({}); give a directory with -o",
            bundle.files.len(),
            bundle
                .files
                .keys()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Files under `dir` named like an artifact of this bundle (e.g. `<old-workload>/task-definition.json`)
/// that the bundle does not contain: left over from an earlier run. Other files are not ours.
fn stale_files(bundle: &Bundle, dir: &Path) -> Vec<PathBuf> {
    let names: std::collections::BTreeSet<&str> = bundle
        .files
        .keys()
        .filter_map(|k| k.rsplit('/').next())
        .collect();
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(rel) = p.strip_prefix(dir) {
                let rel_s = rel.to_string_lossy().replace('\\', "/");
                let name = rel_s.rsplit('/').next().unwrap_or_default();
                if names.contains(name) && !bundle.files.contains_key(&rel_s) {
                    out.push(p);
                }
            }
        }
    }
    out.sort();
    out
}

/// Compare the bundle with the files under `dir`; print a unified diff of every difference.
fn check(printer: &Printer, bundle: &Bundle, dir: &Path) -> Result<(), Failure> {
    let mut differing = Vec::new();
    for (rel, want) in &bundle.files {
        let path = dir.join(rel);
        let have = std::fs::read(&path).ok();
        if have.as_deref() == Some(want.as_slice()) {
            continue;
        }
        let have_text = have
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        let want_text = String::from_utf8_lossy(want);
        let old_name = if have.is_some() {
            format!("a/{rel}")
        } else {
            "/dev/null".to_string()
        };
        let diff = similar::TextDiff::from_lines(have_text.as_ref(), want_text.as_ref());
        printer.out(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(&old_name, &format!("b/{rel}"))
                .to_string(),
        );
        differing.push(path.display().to_string());
    }
    for stale in stale_files(bundle, dir) {
        printer.out(&format!(
            "--- a/{0}\n+++ /dev/null\n(stale: no longer produced)\n",
            stale.display()
        ));
        differing.push(stale.display().to_string());
    }
    if differing.is_empty() {
        printer.err(&format!("{} is up to date", dir.display()));
        Ok(())
    } else {
        printer.err(&format!(
            "error: {} file{} out of date: {} (run the same command without --check to update)",
            differing.len(),
            if differing.len() == 1 { " is" } else { "s are" },
            differing.join(", ")
        ));
        Err(Failure::Invalid)
    }
}
