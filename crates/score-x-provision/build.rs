//! Embeds every `targets/<target>/*.yaml` file of the workspace as the default provisioners:
//! generates `$OUT_DIR/defaults.rs` with one `include_str!` per file, sorted by path, so adding a
//! file needs no code change. A missing or empty directory yields an empty list.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let targets = manifest.join("../../targets");
    println!("cargo:rerun-if-changed={}", targets.display());
    let mut files: Vec<(String, String, PathBuf)> = Vec::new();
    for dir in ["kubernetes", "helm", "ecs", "nomad"] {
        let d = targets.join(dir);
        println!("cargo:rerun-if-changed={}", d.display());
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let is_yaml = p.extension().is_some_and(|x| x == "yaml" || x == "yml");
            if is_yaml && p.is_file() {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                files.push((dir.to_string(), name, canonical(&p)));
            }
        }
    }
    files.sort();
    let mut out = String::from(
        "/// (target directory, file name, contents) of every embedded default provisioner file.\npub(crate) static EMBEDDED: &[(&str, &str, &str)] = &[\n",
    );
    for (dir, name, path) in &files {
        let _ = writeln!(
            out,
            "    ({dir:?}, {name:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    if let Err(e) = std::fs::write(out_dir.join("defaults.rs"), out) {
        panic!("cannot write defaults.rs: {e}");
    }
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}
