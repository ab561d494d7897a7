//! The persisted state (`.score-x/state.yaml`): the seed generated secrets derive from, each
//! resource's provisioner, state and outputs (secret outputs only as references), the shared
//! state, and the workloads seen. Orphans (entries whose input vanished) are flagged, not dropped.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use score_x_core::value::{keys_sorted, sort_in_place};
use score_x_core::{App, Code, Diagnostic, Diagnostics, FlatMap, Span};
use serde::{Deserialize, Serialize};

/// The version of a single-target state document ([`State::parse`], [`State::to_yaml`]); the
/// project file has its own version (`project_state::STATE_FILE_VERSION`).
pub const STATE_VERSION: u32 = 1;

/// One target's section of the project state file: everything in [`State`] but the seed.
/// Decoding checks every part (a uid per resource key, maps where maps belong), so a bad file
/// is an error at its real line, never a silently emptied section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a target section (a map of `resources`, `shared` and `workloads`)"
)]
pub struct TargetState {
    #[serde(default, deserialize_with = "uid_keys")]
    pub resources: BTreeMap<String, ResourceState>,
    /// Only in version 2 files: the estate-wide `shared` of the project file replaced it.
    #[serde(
        default = "empty_object",
        deserialize_with = "shared_map",
        skip_serializing_if = "is_empty_map"
    )]
    pub shared: serde_json::Value,
    #[serde(default)]
    pub workloads: BTreeMap<String, WorkloadState>,
}

fn is_empty_map(v: &serde_json::Value) -> bool {
    v.as_object().is_some_and(serde_json::Map::is_empty)
}

impl Default for TargetState {
    fn default() -> Self {
        TargetState {
            resources: BTreeMap::new(),
            shared: empty_object(),
            workloads: BTreeMap::new(),
        }
    }
}

impl TargetState {
    /// The same state with every map sorted by key, whatever order provisioners wrote it in.
    pub fn canonical(&self) -> TargetState {
        let mut c = self.clone();
        c.canonicalize();
        c
    }

    /// [`TargetState::canonical`] in place.
    pub fn canonicalize(&mut self) {
        sort_in_place(&mut self.shared);
        for r in self.resources.values_mut() {
            sort_in_place(&mut r.state);
            r.outputs.values_mut().for_each(sort_in_place);
        }
    }

    /// Whether the state is in canonical order already.
    pub fn is_canonical(&self) -> bool {
        keys_sorted(&self.shared)
            && self
                .resources
                .values()
                .all(|r| keys_sorted(&r.state) && r.outputs.values().all(keys_sorted))
    }
}

fn shared_map<'de, D: serde::Deserializer<'de>>(d: D) -> Result<serde_json::Value, D::Error> {
    object(d, "shared")
}

fn state_map<'de, D: serde::Deserializer<'de>>(d: D) -> Result<serde_json::Value, D::Error> {
    object(d, "state")
}

/// A JSON value that must be a map (`shared`, a resource's `state`).
fn object<'de, D: serde::Deserializer<'de>>(
    d: D,
    field: &str,
) -> Result<serde_json::Value, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    if v.is_object() {
        Ok(v)
    } else {
        Err(serde::de::Error::custom(format!(
            "`{field}` must be a map, found {}",
            json_shape(&v)
        )))
    }
}

fn json_shape(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "nothing (null)",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "a map",
    }
}

/// A resource map whose every key is a resource uid.
fn uid_keys<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, ResourceState>, D::Error> {
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    struct Uid(String);
    impl<'de> Deserialize<'de> for Uid {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let s = String::deserialize(d)?;
            match s.parse::<score_x_core::ResourceUid>() {
                Ok(_) => Ok(Uid(s)),
                Err(e) => Err(serde::de::Error::custom(e)),
            }
        }
    }
    let m = BTreeMap::<Uid, ResourceState>::deserialize(d)?;
    Ok(m.into_iter().map(|(k, v)| (k.0, v)).collect())
}

/// Everything score-x remembers between runs.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub version: u32,
    /// Secret material: every generated secret is derived from it. Never printed by `Debug`.
    pub seed: String,
    #[serde(default)]
    pub resources: BTreeMap<String, ResourceState>,
    /// Shared state (deep-merged by provisioners' `shared` sections).
    #[serde(default = "empty_object")]
    pub shared: serde_json::Value,
    #[serde(default)]
    pub workloads: BTreeMap<String, WorkloadState>,
}

pub(crate) fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What is remembered about one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a resource entry (a map of `provisioner`, `type`, `source_workload`, `state`, `outputs`, `secret_outputs`)"
)]
pub struct ResourceState {
    /// The uri of the provisioner that last provisioned it.
    pub provisioner: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub source_workload: String,
    /// The provisioner's own state (a map), replaced on every run.
    #[serde(default = "empty_object", deserialize_with = "state_map")]
    pub state: serde_json::Value,
    /// Plain outputs.
    #[serde(default)]
    pub outputs: FlatMap<String, serde_json::Value>,
    /// Secret outputs, as references only (never values).
    #[serde(default)]
    pub secret_outputs: FlatMap<String, StoredSecretRef>,
    /// Set when the resource is no longer declared by any input.
    #[serde(default, skip_serializing_if = "is_false")]
    pub orphaned: bool,
}

/// A secret output's locator, without its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredSecretRef {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// What is remembered about one workload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadState {
    pub file: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub orphaned: bool,
}

/// A state entry whose input is gone.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Orphan {
    Resource {
        uid: String,
        provisioner: String,
        source_workload: String,
    },
    Workload {
        name: String,
        file: String,
    },
}

impl fmt::Display for Orphan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Orphan::Resource {
                uid,
                provisioner,
                source_workload,
            } => write!(
                f,
                "resource `{uid}` (provisioned by {provisioner} for workload `{source_workload}`) is no longer declared; its state is kept"
            ),
            Orphan::Workload { name, file } => write!(
                f,
                "workload `{name}` (from {file}) is no longer among the inputs; its state is kept"
            ),
        }
    }
}

impl Orphan {
    /// The orphan as a warning.
    pub fn to_warning(&self) -> Diagnostic {
        Diagnostic::warning(Code::State, self.to_string()).hint(PRUNE_HINT)
    }

    /// One warning for all of them (a monorepo translating one service at a time would
    /// otherwise get a line per resource of every other workload), or `None` when there are none.
    pub fn summary(orphans: &[Orphan]) -> Option<Diagnostic> {
        let workloads: Vec<String> = orphans
            .iter()
            .filter_map(|o| match o {
                Orphan::Workload { name, .. } => Some(format!("`{name}`")),
                Orphan::Resource { .. } => None,
            })
            .collect();
        let resources: Vec<String> = orphans
            .iter()
            .filter_map(|o| match o {
                Orphan::Resource { uid, .. } => Some(format!("`{uid}`")),
                Orphan::Workload { .. } => None,
            })
            .collect();
        let mut parts = Vec::new();
        if !workloads.is_empty() {
            parts.push(format!(
                "{} not among the inputs ({})",
                count(workloads.len(), "workload"),
                score_x_core::diag::first_few(&workloads)
            ));
        }
        if !resources.is_empty() {
            parts.push(format!(
                "{} no longer declared ({})",
                count(resources.len(), "resource"),
                score_x_core::diag::first_few(&resources)
            ));
        }
        if parts.is_empty() {
            return None;
        }
        Some(
            Diagnostic::warning(
                Code::State,
                format!(
                    "the state holds {}; their state is kept",
                    parts.join(" and ")
                ),
            )
            .hint(PRUNE_HINT),
        )
    }
}

const PRUNE_HINT: &str = "expected when translating part of an estate; once the real resources are gone, remove their state with `score-x resources prune` (preview with `--dry-run`)";

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("State")
            .field("version", &self.version)
            .field("seed", &"<redacted>")
            .field("resources", &self.resources)
            .field("shared", &self.shared)
            .field("workloads", &self.workloads)
            .finish()
    }
}

impl State {
    /// An empty state with this seed (the CLI generates it from a CSPRNG).
    pub fn new(seed: String) -> Self {
        State {
            version: STATE_VERSION,
            seed,
            resources: BTreeMap::new(),
            shared: empty_object(),
            workloads: BTreeMap::new(),
        }
    }

    /// Parse `state.yaml`; `file` names it in diagnostics.
    pub fn parse(text: &str, file: &str) -> Result<State, Diagnostics> {
        let state: State = serde_yaml::from_str(text).map_err(|e| {
            let span = match e.location() {
                Some(l) => Span {
                    file: Arc::from(file),
                    line: u32::try_from(l.line()).unwrap_or(u32::MAX),
                    column: u32::try_from(l.column()).unwrap_or(u32::MAX),
                    offset: l.index(),
                    len: 0,
                    path: Arc::from(""),
                },
                None => Span::file_only(file),
            };
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            Diagnostics(vec![
                Diagnostic::error(Code::State, format!("invalid state file: {msg}"))
                    .at(span)
                    .hint("the state is written by score-x; restore it from version control or delete it to start over (generated secrets will change)"),
            ])
        })?;
        let mut diags = Diagnostics::new();
        if state.version != STATE_VERSION {
            diags.push(
                Diagnostic::error(Code::State, format!("unsupported state version {} (this score-x writes version {STATE_VERSION})", state.version))
                    .at(Span::file_only(file)),
            );
        }
        if state.seed.trim().is_empty() {
            diags.push(
                Diagnostic::error(Code::State, "the state has an empty `seed`")
                    .at(Span::file_only(file)),
            );
        }
        if !state.shared.is_object() {
            diags.push(
                Diagnostic::error(Code::State, "`shared` must be a map").at(Span::file_only(file)),
            );
        }
        for (uid, r) in &state.resources {
            if uid.parse::<score_x_core::ResourceUid>().is_err() {
                diags.push(
                    Diagnostic::error(Code::State, format!("`{uid}` is not a resource uid"))
                        .at(Span::file_only(file)),
                );
            }
            if !r.state.is_object() {
                diags.push(
                    Diagnostic::error(Code::State, format!("the state of `{uid}` must be a map"))
                        .at(Span::file_only(file)),
                );
            }
        }
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(state)
        }
    }

    /// Serialize canonically: every map sorted by key, whatever order provisioners wrote it in.
    /// For tests and tools comparing states; the project file is written by
    /// [`crate::ProjectState::to_yaml`], which reports a failure instead.
    pub fn to_yaml(&self) -> String {
        let t = TargetState {
            resources: self.resources.clone(),
            shared: self.shared.clone(),
            workloads: self.workloads.clone(),
        }
        .canonical();
        let c = State {
            resources: t.resources,
            shared: t.shared,
            workloads: t.workloads,
            ..self.clone()
        };
        serde_yaml::to_string(&c).unwrap_or_else(|e| format!("# cannot serialise the state: {e}\n"))
    }

    /// Entries whose resource or workload is no longer in `app`, sorted.
    pub fn orphans(&self, app: &App) -> Vec<Orphan> {
        let mut out: Vec<Orphan> = self
            .resources
            .iter()
            .filter(|(uid, _)| {
                uid.parse::<score_x_core::ResourceUid>()
                    .map_or(true, |u| !app.resources().contains_key(&u))
            })
            .map(|(uid, r)| Orphan::Resource {
                uid: uid.clone(),
                provisioner: r.provisioner.clone(),
                source_workload: r.source_workload.clone(),
            })
            .collect();
        out.extend(
            self.workloads
                .iter()
                .filter(|(name, _)| !app.workloads().contains_key(*name))
                .map(|(name, w)| Orphan::Workload {
                    name: name.clone(),
                    file: w.file.clone(),
                }),
        );
        out.sort();
        out
    }
}

/// Deep-merge `patch` into `target`: maps merge recursively, `null` deletes a key, anything
/// else replaces. True when `target` changed.
pub(crate) fn deep_merge(target: &mut serde_json::Value, patch: &serde_json::Value) -> bool {
    match (target, patch) {
        (serde_json::Value::Object(t), serde_json::Value::Object(p)) => {
            let mut changed = false;
            for (k, v) in p {
                if v.is_null() {
                    changed |= t.remove(k).is_some();
                } else if let Some(existing) = t.get_mut(k)
                    && existing.is_object()
                    && v.is_object()
                {
                    changed |= deep_merge(existing, v);
                } else if t.get(k) != Some(v) {
                    t.insert(k.clone(), v.clone());
                    changed = true;
                }
            }
            changed
        }
        (t, p) if *t == *p => false,
        (t, p) => {
            *t = p.clone();
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trip_and_redaction() {
        let mut s = State::new("s3cr3t-seed".into());
        s.resources.insert(
            "postgres.default#api.db".into(),
            ResourceState {
                provisioner: "template://x".into(),
                type_: "postgres".into(),
                source_workload: "api".into(),
                state: json!({"n": 1}),
                outputs: FlatMap::from([("host".into(), json!("pg"))]),
                secret_outputs: FlatMap::from([(
                    "password".into(),
                    StoredSecretRef {
                        name: "pg".into(),
                        key: Some("password".into()),
                    },
                )]),
                orphaned: false,
            },
        );
        let text = s.to_yaml();
        assert_eq!(State::parse(&text, "state.yaml").unwrap(), s);
        assert_eq!(text, State::parse(&text, "state.yaml").unwrap().to_yaml());
        assert!(!format!("{s:?}").contains("s3cr3t"));
    }

    #[test]
    fn parse_errors_have_lines() {
        let e = State::parse("version: 1\nseed: x\nbogus: 1\n", "st.yaml").unwrap_err();
        let d = &e.0[0];
        assert_eq!(d.code, Code::State);
        assert_eq!(d.span.as_ref().unwrap().line, 3);
        assert!(d.message.contains("bogus"), "{}", d.message);
        assert!(State::parse("version: 2\nseed: x\n", "st.yaml").is_err());
        assert!(State::parse("version: 1\nseed: ''\n", "st.yaml").is_err());
    }

    #[test]
    fn yaml_is_canonical() {
        let mut a = State::new("s".into());
        a.shared = json!({"b": 1, "a": {"y": 1, "x": 2}});
        let mut b = State::new("s".into());
        b.shared = json!({"a": {"x": 2, "y": 1}, "b": 1});
        assert_eq!(a.to_yaml(), b.to_yaml());
        assert!(
            a.to_yaml()
                .contains("shared:\n  a:\n    x: 2\n    y: 1\n  b: 1\n"),
            "{}",
            a.to_yaml()
        );
        assert!(
            a.to_yaml().starts_with("version: 1\nseed: s\n"),
            "{}",
            a.to_yaml()
        );
    }

    #[test]
    fn merge_deletes_with_null() {
        let mut t = json!({"a": {"x": 1, "y": 2}, "b": 1});
        deep_merge(
            &mut t,
            &json!({"a": {"y": null, "z": 3}, "b": null, "c": [1]}),
        );
        assert_eq!(t, json!({"a": {"x": 1, "z": 3}, "c": [1]}));
    }
}
