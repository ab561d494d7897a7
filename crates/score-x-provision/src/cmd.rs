//! Running a `cmd://` provisioner (score-k8s contract): JSON on stdin, strict JSON on stdout,
//! through a `CommandRunner` supplied by the caller (the library itself spawns nothing).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use score_x_core::resolved::{Output, SecretRef};
use score_x_core::{Diagnostic, Target};
use serde_json::Value as Json;

use crate::format::{CmdProgram, CmdSpec, Origin, ProvisionerKind};
use crate::run::{RunInput, RunResult, fail};

/// What a finished command gave back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    /// Exit code; `None` when killed by a signal.
    pub status: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs a program. `program` is a bare name (look it up on `PATH`), a path (relative to the
/// working directory unless absolute), or `~/…` (relative to the home directory). Kill it, and
/// everything it started, and return `Err` when it runs longer than `timeout`. `Err` also when
/// it cannot be started or prints more than the runner's bound on stdout (the CLI's runner:
/// 4 MiB); the message is shown after the provisioner's uri.
pub trait CommandRunner {
    fn run(
        &self,
        program: &str,
        args: &[String],
        stdin: &[u8],
        timeout: Duration,
    ) -> Result<CommandOutput, String>;

    /// A dry runner runs nothing: `provision` then gives every `cmd://` provisioner's outputs
    /// unknown placeholder values (see [`crate::DryRunner`], used by `validate`).
    fn is_dry(&self) -> bool {
        false
    }
}

/// score-k8s's secret marker prefix and suffix: `🔐💬<name>_<key>💬🔐`.
pub(crate) const MARKER_START: &str = "🔐💬";
const MARKER_END: &str = "💬🔐";

/// The secret reference when `s` is exactly one score-k8s marker.
pub(crate) fn parse_marker(s: &str) -> Option<SecretRef> {
    let inner = s.strip_prefix(MARKER_START)?.strip_suffix(MARKER_END)?;
    let (name, key) = inner.split_once('_')?;
    (!name.is_empty() && !key.is_empty() && !inner.contains(MARKER_START)).then(|| SecretRef {
        name: name.to_string(),
        key: Some(key.to_string()),
        value: None,
        // score-k8s markers name Kubernetes Secrets; `provision` sets the target's store.
        store: score_x_core::resolved::SecretStore::KubernetesSecret,
    })
}

/// The program string handed to the runner. `cmd://./x` and `cmd://../x` are relative to the
/// directory of the provisioner file (as named in its [`Origin`]; a pure path computation).
pub(crate) fn program_for(spec: &CmdSpec, origin: &Origin) -> String {
    match &spec.program {
        CmdProgram::OnPath(name) => name.clone(),
        CmdProgram::Absolute(p) => p.clone(),
        CmdProgram::Home(p) => format!("~/{p}"),
        CmdProgram::Relative { base, path } => {
            let dir = match origin {
                Origin::User(f) | Origin::Project(f) => Path::new(f)
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default(),
                Origin::Default(_) => PathBuf::new(),
            };
            if dir.as_os_str().is_empty() {
                format!("{base}/{path}")
            } else {
                dir.join(base).join(path).to_string_lossy().into_owned()
            }
        }
    }
}

/// A stable uuid-shaped guid derived from the uid (score-k8s sends a random one; ours survives a
/// lost state).
pub(crate) fn guid(uid: &str) -> String {
    let h = score_x_core::naming::short_hash(uid.as_bytes(), 32);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// score-k8s's `workload_services`: `{wl: {ServiceName, ports: {name|number: {name, port, target_port, protocol}}}}`.
fn services(workloads: &Json) -> Json {
    let mut out = serde_json::Map::new();
    if let Json::Object(ws) = workloads {
        for (name, w) in ws {
            let mut ports = serde_json::Map::new();
            if let Some(Json::Object(svc)) = w.get("services") {
                for (pname, p) in svc {
                    ports.insert(pname.clone(), p.clone());
                }
                for p in svc.values() {
                    if let Some(n) = p.get("port") {
                        ports.entry(n.to_string()).or_insert_with(|| p.clone());
                    }
                }
            }
            out.insert(
                name.clone(),
                serde_json::json!({"ServiceName": name, "service_name": name, "ports": ports}),
            );
        }
    }
    Json::Object(out)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CmdOut {
    #[serde(default)]
    resource_state: Option<serde_json::Map<String, Json>>,
    #[serde(default)]
    resource_outputs: Option<serde_json::Map<String, Json>>,
    #[serde(default)]
    shared_state: Option<serde_json::Map<String, Json>>,
    #[serde(default)]
    manifests: Option<Vec<Json>>,
}

fn tail(bytes: &[u8], max: usize) -> String {
    let s = String::from_utf8_lossy(bytes);
    let s = s.trim();
    if s.len() <= max {
        return s.to_string();
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    format!("…{}", &s[start..])
}

pub(crate) struct CmdEnv<'a> {
    pub runner: &'a dyn crate::CommandRunner,
    pub target: Target,
    pub options: &'a Json,
}

pub(crate) fn run(input: &RunInput<'_>, env: &CmdEnv<'_>) -> Result<RunResult, Diagnostic> {
    let ProvisionerKind::Cmd(spec) = &input.p.kind else {
        return Err(fail(input, input.p.span.clone(), "not a cmd provisioner"));
    };
    let span = input.p.span.clone();
    let program = program_for(spec, &input.p.origin);
    let args: Vec<String> = spec
        .args
        .iter()
        .map(|a| {
            if a == "<mode>" {
                "provision".to_string()
            } else {
                a.clone()
            }
        })
        .collect();
    let workload_metadata: serde_json::Map<String, Json> = match &**input.workloads {
        Json::Object(ws) => ws
            .iter()
            .map(|(k, w)| (k.clone(), w.get("metadata").cloned().unwrap_or(Json::Null)))
            .collect(),
        _ => serde_json::Map::new(),
    };
    let stdin = serde_json::json!({
        "resource_guid": guid(input.uid.as_str()),
        "resource_uid": input.uid.as_str(),
        "resource_type": input.res.type_,
        "resource_class": input.res.class,
        "resource_id": input.uid.id(),
        "resource_params": input.params,
        "resource_metadata": input.res.metadata,
        "source_workload": input.res.source_workload,
        "workload_metadata": workload_metadata,
        "workload_services": services(input.workloads),
        "namespace": env.options.get("namespace").and_then(Json::as_str).unwrap_or_default(),
        "resource_state": input.prev_state,
        "shared_state": input.shared,
        // score-x extension: the output keys consumers reference that are not declared.
        "requested_outputs": input.requested,
    });
    let stdin = serde_json::to_vec(&stdin).unwrap_or_default();
    let out = env
        .runner
        .run(&program, &args, &stdin, spec.timeout)
        .map_err(|e| {
            fail(
                input,
                span.clone(),
                format!("could not run `{program}`: {e}"),
            )
        })?;
    if out.status != Some(0) {
        let status = out.status.map_or_else(
            || "killed by a signal".to_string(),
            |c| format!("exit status {c}"),
        );
        let stderr = tail(&out.stderr, 2000);
        let msg = if stderr.is_empty() {
            format!("`{program}` failed ({status}) and wrote nothing to stderr")
        } else {
            format!("`{program}` failed ({status}); stderr:\n{stderr}")
        };
        return Err(fail(input, span, msg));
    }
    let parsed: CmdOut = serde_json::from_slice(&out.stdout).map_err(|e| {
        fail(input, span.clone(), format!("`{program}` did not print the expected JSON on stdout ({{resource_state, resource_outputs, shared_state, manifests}}): {e}"))
    })?;
    let mut outputs = BTreeMap::new();
    for (name, v) in parsed.resource_outputs.unwrap_or_default() {
        let out = match &v {
            Json::String(s) if s.contains(MARKER_START) => match parse_marker(s) {
                Some(r) => Output::Secret(r),
                None => {
                    return Err(fail(
                        input,
                        span,
                        format!(
                            "output `{name}` mixes text with a secret reference marker; score-x needs each secret as an output of its own"
                        ),
                    ));
                }
            },
            _ => Output::Plain(v),
        };
        outputs.insert(name, out);
    }
    let manifests = parsed.manifests.unwrap_or_default();
    let artifacts = match env.target {
        t if t.provisioner_section() == "kubernetes" => Json::Array(manifests),
        _ if manifests.is_empty() => Json::Null,
        t => {
            return Err(fail(
                input,
                span,
                format!("returned Kubernetes manifests, which the {t} target cannot use"),
            ));
        }
    };
    Ok(RunResult {
        state: Json::Object(parsed.resource_state.unwrap_or_default()),
        shared_patch: parsed.shared_state.map(Json::Object),
        outputs,
        artifacts,
        generated: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        let r = parse_marker("🔐💬pg-api-db_password💬🔐").unwrap();
        assert_eq!(
            (r.name.as_str(), r.key.as_deref()),
            ("pg-api-db", Some("password"))
        );
        assert!(parse_marker("x🔐💬a_b💬🔐").is_none());
        assert!(parse_marker("🔐💬nokey💬🔐").is_none());
    }

    #[test]
    fn guids_are_stable_and_shaped() {
        let g = guid("postgres.default#api.db");
        assert_eq!(g.len(), 36);
        assert_eq!(g, guid("postgres.default#api.db"));
    }

    #[test]
    fn programs() {
        let spec = |p| CmdSpec {
            program: p,
            args: vec![],
            timeout: Duration::from_secs(1),
        };
        let rel = spec(CmdProgram::Relative {
            base: ".".into(),
            path: "x.sh".into(),
        });
        assert_eq!(program_for(&rel, &Origin::User("p.yaml".into())), "./x.sh");
        assert_eq!(
            program_for(
                &rel,
                &Origin::Project(".score-x/provisioners/p.yaml".into())
            ),
            ".score-x/provisioners/./x.sh"
        );
        let up = spec(CmdProgram::Relative {
            base: "..".into(),
            path: "bin/x".into(),
        });
        assert_eq!(
            program_for(&up, &Origin::User("/etc/score/p.yaml".into())),
            "/etc/score/../bin/x"
        );
        assert_eq!(
            program_for(
                &spec(CmdProgram::OnPath("sh".into())),
                &Origin::User("a/p.yaml".into())
            ),
            "sh"
        );
        assert_eq!(
            program_for(
                &spec(CmdProgram::Home("p".into())),
                &Origin::User("a/p.yaml".into())
            ),
            "~/p"
        );
    }
}
