//! Score `files` → a non-essential init container that writes them into task-scoped volumes
//! (one per container and directory), mounted read-only by the container, which waits for the
//! init container with `dependsOn: SUCCESS`. Secret content reaches only the init container,
//! through `secrets`; plain content travels base64-encoded in its `environment`.

use std::collections::BTreeMap;

use base64::Engine;
use score_x_core::naming::short_hash;
use score_x_core::resolved::{ResolvedContent, ResolvedFile, ResolvedWorkload, Segment};

use crate::ctx::Ctx;
use crate::error::Error;
use crate::model::{ContainerDefinition, KeyValuePair, MountPoint, Secret, Volume};
use crate::secrets::value_from;
use crate::shell::single_quote;

/// Name of the init container.
pub const INIT_CONTAINER: &str = "score-x-files";

/// Directories a task volume must not be mounted over.
const SYSTEM_DIRS: &[&str] = &[
    "/",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/sys",
    "/usr",
    "/usr/bin",
    "/usr/lib",
    "/usr/lib64",
    "/usr/libexec",
    "/usr/local",
    "/usr/local/bin",
    "/usr/local/lib",
    "/usr/sbin",
    "/usr/share",
    "/var",
    "/var/lib",
    "/var/run",
];

/// Directories (and everything below them) that images populate: CA bundles, time zones,
/// alternatives. A volume mounted there hides what the image put in, e.g. every trusted CA.
const IMAGE_DIRS: &[&str] = &[
    "/etc/alternatives",
    "/etc/ca-certificates",
    "/etc/pki",
    "/etc/ssl",
    "/usr/lib/ssl",
    "/usr/local/share/ca-certificates",
    "/usr/share/ca-certificates",
    "/usr/share/zoneinfo",
];

/// A directory a task volume must not be mounted over: a system directory, or one that images
/// populate (or a directory below one).
pub fn is_system_dir(dir: &str) -> bool {
    SYSTEM_DIRS.contains(&dir)
        || IMAGE_DIRS.iter().any(|d| {
            dir.strip_prefix(d)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
}

/// Merge the groups of one container whose directory lies below another of its directories
/// into that ancestor's group (one volume, file names relative to it: `sub/x.conf`); a volume
/// mounted inside another read-only one would need a mount point the init container never made.
fn merge_nested(
    groups: BTreeMap<(String, String), Vec<(String, &ResolvedFile)>>,
) -> BTreeMap<(String, String), Vec<(String, &ResolvedFile)>> {
    let mut out: BTreeMap<(String, String), Vec<(String, &ResolvedFile)>> = BTreeMap::new();
    // BTreeMap order puts an ancestor before its descendants (`/a` < `/a/b`).
    for ((cname, dir), files) in groups {
        let ancestor = out
            .keys()
            .filter(|(c, d)| {
                *c == cname
                    && dir
                        .strip_prefix(d.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            })
            .map(|(_, d)| d.clone())
            .next();
        match ancestor {
            Some(a) => {
                let rel = &dir[a.len() + 1..];
                let entry = out.entry((cname, a)).or_default();
                entry.extend(files.into_iter().map(|(n, f)| (format!("{rel}/{n}"), f)));
            }
            None => {
                out.insert((cname, dir), files);
            }
        }
    }
    out
}

/// What the files of one workload turn into.
#[derive(Debug, Default)]
pub struct FilesPlan {
    pub volumes: Vec<Volume>,
    pub init: Option<ContainerDefinition>,
    /// Container → read-only mounts of its file volumes.
    pub mounts: BTreeMap<String, Vec<MountPoint>>,
}

/// Split an absolute target into (directory, file name).
fn split(target: &str) -> Option<(String, String)> {
    let t = target.trim_end_matches('/');
    let (dir, name) = t.rsplit_once('/')?;
    if !t.starts_with('/') || name.is_empty() {
        return None;
    }
    Some((
        if dir.is_empty() {
            "/".to_string()
        } else {
            dir.to_string()
        },
        name.to_string(),
    ))
}

/// A volume name for a container's directory: readable, unique, `[A-Za-z0-9_-]`.
fn volume_name(container: &str, dir: &str) -> String {
    let readable: String = dir
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let mut readable: String = readable.chars().take(80).collect();
    if readable.is_empty() {
        readable = "root".into();
    }
    let hash = short_hash(format!("{container}\n{dir}").as_bytes(), 6);
    format!("files-{container}-{readable}-{hash}")
}

pub fn plan(ctx: &mut Ctx<'_>, w: &ResolvedWorkload) -> Result<FilesPlan, Error> {
    // (container, dir) → files in it.
    let mut groups: BTreeMap<(String, String), Vec<(String, &ResolvedFile)>> = BTreeMap::new();
    for (cname, c) in &w.containers {
        for f in c.files.values() {
            let Some((dir, name)) = split(&f.target) else {
                return Err(Error::Workload {
                    workload: w.name.clone(),
                    reason: format!(
                        "file target `{}` of container `{cname}` is not an absolute file path; ECS mounts need one",
                        f.target
                    ),
                    span: Box::new(f.span.clone()),
                });
            };
            if dir == "/" {
                return Err(Error::Workload {
                    workload: w.name.clone(),
                    reason: format!(
                        "file `{}` of container `{cname}` is in the root directory; ECS mounts whole volumes and none can be mounted over `/` (move it to a directory of its own, e.g. `/config{}`)",
                        f.target, f.target
                    ),
                    span: Box::new(f.span.clone()),
                });
            }
            if is_system_dir(&dir) {
                if ctx.opts.allow_system_dir_files != Some(true) {
                    return Err(Error::SystemDirFile {
                        workload: w.name.clone(),
                        container: cname.clone(),
                        target: f.target.clone(),
                        dir,
                        span: Box::new(f.span.clone()),
                    });
                }
                ctx.warn(
                    score_x_core::Code::Approximated,
                    Some(&f.span),
                    format!(
                        "file `{}` is mounted with its whole directory `{dir}`, which hides the image's own files there (allowSystemDirFiles)",
                        f.target
                    ),
                );
            }
            groups
                .entry((cname.clone(), dir))
                .or_default()
                .push((name, f));
        }
    }
    if groups.is_empty() {
        return Ok(FilesPlan::default());
    }
    if w.containers.contains_key(INIT_CONTAINER) {
        return Err(Error::Workload {
            workload: w.name.clone(),
            reason: format!(
                "the container name `{INIT_CONTAINER}` is reserved for the files init container"
            ),
            span: Box::new(w.span.clone()),
        });
    }

    let mut plan = FilesPlan::default();
    let mut env = Vec::new();
    let mut secrets = Vec::new();
    let mut init_mounts = Vec::new();
    let mut script = vec!["set -e".to_string()];
    for (i, ((cname, dir), files)) in merge_nested(groups).into_iter().enumerate() {
        let vname = volume_name(&cname, &dir);
        let at = format!("/score-x/v{i}");
        plan.volumes.push(Volume {
            name: vname.clone(),
            ..Volume::default()
        });
        init_mounts.push(MountPoint {
            source_volume: vname.clone(),
            container_path: at.clone(),
            read_only: false,
        });
        plan.mounts
            .entry(cname.clone())
            .or_default()
            .push(MountPoint {
                source_volume: vname,
                container_path: dir.clone(),
                read_only: true,
            });
        for (j, (name, f)) in files.into_iter().enumerate() {
            let mut parts = Vec::new();
            let segments: Vec<Segment> = match &f.content {
                ResolvedContent::Binary(b) => {
                    let var = format!("SCOREX_F{i}_{j}_0");
                    env.push(KeyValuePair {
                        name: var.clone(),
                        value: base64::engine::general_purpose::STANDARD.encode(b),
                    });
                    parts.push(format!("printf %s \"${var}\" | base64 -d"));
                    Vec::new()
                }
                ResolvedContent::Text(v) => v.segments.clone(),
            };
            for (k, seg) in segments.iter().enumerate() {
                let var = format!("SCOREX_F{i}_{j}_{k}");
                match seg {
                    Segment::Text(t) => {
                        env.push(KeyValuePair {
                            name: var.clone(),
                            value: base64::engine::general_purpose::STANDARD.encode(t.as_bytes()),
                        });
                        parts.push(format!("printf %s \"${var}\" | base64 -d"));
                    }
                    Segment::Secret(s) => {
                        secrets.push(Secret {
                            name: var.clone(),
                            value_from: value_from(s, Some(&f.span))?,
                        });
                        ctx.secrets.use_secret(&w.name, s);
                        parts.push(format!("printf %s \"${var}\""));
                    }
                }
            }
            let path = single_quote(&format!("{at}/{name}"));
            if let Some((sub, _)) = name.rsplit_once('/') {
                script.push(format!("mkdir -p {}", single_quote(&format!("{at}/{sub}"))));
            }
            if parts.is_empty() {
                script.push(format!(": > {path}"));
            } else {
                script.push(format!("{{ {}; }} > {path}", parts.join("; ")));
            }
            script.push(format!(
                "chmod {:04o} {path}",
                f.mode.unwrap_or(0o644) & 0o7777
            ));
        }
    }
    env.sort();
    secrets.sort();
    plan.init = Some(ContainerDefinition {
        name: INIT_CONTAINER.to_string(),
        image: ctx.opts.files_init_image().to_string(),
        essential: Some(false),
        entry_point: Some(vec!["/bin/sh".into(), "-c".into()]),
        command: Some(vec![script.join("\n")]),
        environment: env,
        secrets,
        mount_points: init_mounts,
        ..ContainerDefinition::default()
    });
    ctx.notes.push(format!(
        "workload `{}`: files are written at start by the init container `{INIT_CONTAINER}` ({}) into task volumes; the containers mount them read-only and wait for it (dependsOn SUCCESS)",
        w.name,
        ctx.opts.files_init_image()
    ));
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting_and_names() {
        assert_eq!(
            split("/etc/nginx/conf.d/default.conf"),
            Some(("/etc/nginx/conf.d".into(), "default.conf".into()))
        );
        assert_eq!(split("/app.conf"), Some(("/".into(), "app.conf".into())));
        assert_eq!(split("relative.conf"), None);
        assert!(is_system_dir("/etc") && is_system_dir("/") && !is_system_dir("/etc/nginx"));
        let n = volume_name("web", "/etc/nginx/conf.d");
        assert!(n.starts_with("files-web-etc-nginx-conf-d-"), "{n}");
        assert!(
            n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(volume_name("web", "/a-b"), volume_name("web", "/a/b"));
    }
}
