//! The default provisioners of each target, embedded at compile time from the workspace's
//! `targets/<target>/*.yaml` (see `build.rs`: every file there is included, sorted by name).

use score_x_core::Target;

include!(concat!(env!("OUT_DIR"), "/defaults.rs"));

/// `(file name as shown in diagnostics, contents, the target the directory belongs to)`.
pub(crate) fn files(target: Target) -> Vec<(String, &'static str, Target)> {
    let mut out = Vec::new();
    for dir in target.default_dirs() {
        let owner = dir.parse::<Target>().unwrap_or(target);
        for (d, name, text) in EMBEDDED {
            if *d == dir {
                out.push((format!("targets/{d}/{name}"), *text, owner));
            }
        }
    }
    out
}

/// The embedded default provisioner files of `target`, in match order: `(name, contents)`,
/// named `targets/<dir>/<file>` as in diagnostics (for showing sources, or `init` copying them).
pub fn embedded_defaults(target: Target) -> Vec<(String, &'static str)> {
    files(target)
        .into_iter()
        .map(|(name, text, _)| (name, text))
        .collect()
}
