//! The project state file (`.score-x/state.yaml`): one typed section per target, so translating
//! the same estate for Kubernetes and for ECS keeps both targets' provisioner state side by side,
//! and one estate-wide `shared` state (a hybrid estate shares it across its targets; version 2
//! files, with a `shared` per section, are read and their sections' shared states merged).
//! The seed is not in it (it lives in `.score-x/seed` or comes from the CI), so the file can be
//! committed; a state written by an earlier release, with the seed embedded, is read and
//! upgraded. Parsing goes straight from the file's text to the typed sections (no YAML round
//! trip), so every error points at the real line of the file.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use score_x_core::value::{keys_sorted, sort_keys};
use score_x_core::{Code, Diagnostic, Diagnostics, ResourceUid, Span, Target};
use serde::{Deserialize, Serialize};

use crate::seed::Seed;
use crate::state::{STATE_VERSION, State, TargetState};

/// The version of `state.yaml` this crate writes. Versions 1 (seed embedded) and 2 (a `shared`
/// state per section) are still read.
pub const STATE_FILE_VERSION: u32 = 3;

/// How to recover from a state file score-x cannot read.
const RECOVER: &str = "restore .score-x/state.yaml from version control (`git checkout .score-x/state.yaml`); or delete it: the seed is kept apart, so generated secrets do not change, and the next translate records the resources again";

/// The seed and each target's typed state.
#[derive(Clone, PartialEq)]
pub struct ProjectState {
    seed: Seed,
    /// The estate-wide shared state (provisioners' `shared` sections, deep-merged).
    pub shared: serde_json::Value,
    pub targets: BTreeMap<Target, TargetState>,
}

impl fmt::Debug for ProjectState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProjectState")
            .field("seed", &self.seed)
            .field("targets", &self.targets.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// What `state.yaml` holds once read: the sections, and the seed when an earlier release
/// embedded it (the caller moves it to its own file).
#[derive(Debug, Clone, PartialEq)]
pub struct StateFile {
    pub version: u32,
    pub legacy_seed: Option<Seed>,
    /// The estate-wide shared state (of an older file: its sections' shared states, merged).
    pub shared: serde_json::Value,
    /// The sections; their own `shared` is always empty once read.
    pub targets: BTreeMap<Target, TargetState>,
}

/// The file's shape. `sections` comes last: a file cut short anywhere lacks it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileIn {
    version: FileVersion,
    #[serde(default, deserialize_with = "seed_field")]
    seed: Option<Seed>,
    #[serde(default)]
    shared: Option<serde_json::Value>,
    #[serde(default)]
    targets: BTreeMap<Target, TargetState>,
    #[serde(default)]
    sections: Option<Vec<Target>>,
}

#[derive(Serialize)]
struct FileOut<'a> {
    version: u32,
    shared: Cow<'a, serde_json::Value>,
    targets: BTreeMap<Target, Cow<'a, TargetState>>,
    sections: Vec<&'a Target>,
}

fn seed_field<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Seed>, D::Error> {
    let s = String::deserialize(d)?;
    Seed::parse(&s)
        .map(Some)
        .map_err(|e| serde::de::Error::custom(format!("`seed`: {e}")))
}

/// A version number this crate can read.
struct FileVersion(u32);

impl<'de> Deserialize<'de> for FileVersion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = u32::deserialize(d)?;
        if (1..=STATE_FILE_VERSION).contains(&v) {
            Ok(FileVersion(v))
        } else {
            Err(serde::de::Error::custom(format!(
                "`version` {v} is not supported: this score-x reads state versions 1 to {STATE_FILE_VERSION} (a newer score-x wrote it? upgrade score-x)"
            )))
        }
    }
}

const HEADER: &str =
    "# score-x project state: commit this file. The seed is not in it (see docs/gitops.md).\n";

impl ProjectState {
    /// A new project state with this seed and no target sections.
    pub fn new(seed: Seed) -> Self {
        ProjectState {
            seed,
            shared: crate::state::empty_object(),
            targets: BTreeMap::new(),
        }
    }

    /// The project state of a file read with [`ProjectState::parse`] and its seed.
    pub fn from_file(seed: Seed, file: StateFile) -> Self {
        ProjectState {
            seed,
            shared: file.shared,
            targets: file.targets,
        }
    }

    pub fn seed(&self) -> &Seed {
        &self.seed
    }

    /// Parse the file text; `file` names it in diagnostics.
    pub fn parse(text: &str, file: &str) -> Result<StateFile, Diagnostics> {
        if text.trim().is_empty() {
            return Err(error(
                Span::file_only(file),
                "the state file is empty (an interrupted write by an older score-x?)",
            ));
        }
        let doc: FileIn = serde_yaml::from_str(text).map_err(|e| yaml_error(&e, text, file))?;
        let FileVersion(version) = doc.version;
        if version == 1 && doc.seed.is_none() {
            return Err(error(
                Span::file_only(file),
                "a version 1 state file must hold its `seed`",
            ));
        }
        if version >= 2 {
            check_sections(doc.sections.as_deref(), &doc.targets, text, file)?;
        }
        let mut shared = match doc.shared {
            Some(v) if v.is_object() => v,
            Some(v) if !v.is_null() => {
                return Err(error(
                    Span::file_only(file),
                    "the top-level `shared` must be a map",
                ));
            }
            _ => crate::state::empty_object(),
        };
        let mut targets = doc.targets;
        for section in targets.values_mut() {
            let own = std::mem::replace(&mut section.shared, crate::state::empty_object());
            crate::state::deep_merge(&mut shared, &own);
        }
        Ok(StateFile {
            version,
            legacy_seed: doc.seed,
            shared,
            targets,
        })
    }

    /// The state of one target (empty when the target was never translated).
    pub fn target(&self, target: Target) -> State {
        let t = self.targets.get(&target).cloned().unwrap_or_default();
        State {
            version: STATE_VERSION,
            seed: self.seed.expose().to_string(),
            resources: t.resources,
            shared: self.shared.clone(),
            workloads: t.workloads,
        }
    }

    /// One target's state moved out of the project state (empty when the target was never
    /// translated), with the estate's shared state; [`ProjectState::put_target`] gives it back.
    /// A run over one target holds its state once this way, not twice (docs/performance.md).
    pub fn take_target(&mut self, target: Target) -> State {
        let t = self.targets.remove(&target).unwrap_or_default();
        State {
            version: STATE_VERSION,
            seed: self.seed.expose().to_string(),
            resources: t.resources,
            shared: std::mem::replace(&mut self.shared, crate::state::empty_object()),
            workloads: t.workloads,
        }
    }

    /// Store one target's state, taking it (its seed is the project's).
    pub fn put_target(&mut self, target: Target, state: State) {
        self.shared = sort_keys(state.shared);
        let mut section = TargetState {
            resources: state.resources,
            shared: crate::state::empty_object(),
            workloads: state.workloads,
        };
        // Stored in canonical order: the file is written from it as it is.
        section.canonicalize();
        self.targets.insert(target, section);
    }

    /// Store one target's state (its seed is the project's).
    pub fn set_target(&mut self, target: Target, state: &State) {
        self.put_target(target, state.clone());
    }

    /// The state of a hybrid run over `targets`: each resource from its host's section (a
    /// resource whose host changed keeps what its previous host recorded), the workloads of
    /// every target's section, one shared state for the estate.
    pub fn estate(&self, targets: &[Target], hosts: &BTreeMap<ResourceUid, Target>) -> State {
        let sections: Vec<&TargetState> =
            targets.iter().filter_map(|t| self.targets.get(t)).collect();
        let mut resources = BTreeMap::new();
        for (uid, host) in hosts {
            let own = self
                .targets
                .get(host)
                .and_then(|s| s.resources.get(uid.as_str()));
            let moved = || sections.iter().find_map(|s| s.resources.get(uid.as_str()));
            if let Some(r) = own.or_else(moved) {
                resources.insert(uid.to_string(), r.clone());
            }
        }
        // The entries of resources the inputs no longer declare, so the run flags them orphaned
        // as a single-target run does.
        for s in &sections {
            for (uid, r) in &s.resources {
                let placed = uid
                    .parse::<ResourceUid>()
                    .is_ok_and(|u| hosts.contains_key(&u));
                if !placed && !resources.contains_key(uid) {
                    resources.insert(uid.clone(), r.clone());
                }
            }
        }
        State {
            version: STATE_VERSION,
            seed: self.seed.expose().to_string(),
            resources,
            shared: self.shared.clone(),
            workloads: sections
                .iter()
                .flat_map(|s| s.workloads.iter().map(|(k, v)| (k.clone(), v.clone())))
                .collect(),
        }
    }

    /// Store the state of a hybrid run: each resource in its host's section (and out of the
    /// section of a previous host), each workload in its target's section; entries of inputs
    /// that are gone stay where they were, for `resources prune`.
    pub fn set_estate(
        &mut self,
        state: &State,
        hosts: &BTreeMap<ResourceUid, Target>,
        workloads: &BTreeMap<String, Target>,
    ) {
        self.shared = state.shared.clone();
        for t in hosts.values().chain(workloads.values()) {
            self.targets.entry(*t).or_default();
        }
        for section in self.targets.values_mut() {
            section
                .resources
                .retain(|uid, _| !hosts.keys().any(|h| h.as_str() == uid));
            section.workloads.retain(|w, _| !workloads.contains_key(w));
        }
        for (uid, r) in &state.resources {
            let host = uid
                .parse::<ResourceUid>()
                .ok()
                .and_then(|u| hosts.get(&u).copied());
            if let Some(section) = host.and_then(|h| self.targets.get_mut(&h)) {
                section.resources.insert(uid.clone(), r.clone());
            }
        }
        for (name, w) in &state.workloads {
            if let Some(section) = workloads.get(name).and_then(|t| self.targets.get_mut(t)) {
                section.workloads.insert(name.clone(), w.clone());
            }
        }
        self.flag_orphans(state, hosts, workloads);
    }

    /// Copy the run's orphan flags (entries of inputs that are gone) into every section of the
    /// estate's targets that holds the entry; sections of other targets are left alone.
    fn flag_orphans(
        &mut self,
        state: &State,
        hosts: &BTreeMap<ResourceUid, Target>,
        workloads: &BTreeMap<String, Target>,
    ) {
        let estate: std::collections::BTreeSet<Target> =
            hosts.values().chain(workloads.values()).copied().collect();
        let placed = |uid: &str| {
            uid.parse::<ResourceUid>()
                .is_ok_and(|u| hosts.contains_key(&u))
        };
        for t in &estate {
            let Some(section) = self.targets.get_mut(t) else {
                continue;
            };
            for (uid, r) in state.resources.iter().filter(|(u, _)| !placed(u)) {
                if let Some(mine) = section.resources.get_mut(uid) {
                    mine.orphaned = r.orphaned;
                }
            }
            for (name, w) in state
                .workloads
                .iter()
                .filter(|(n, _)| !workloads.contains_key(*n))
            {
                if let Some(mine) = section.workloads.get_mut(name) {
                    mine.orphaned = w.orphaned;
                }
            }
        }
    }

    /// Canonical YAML, without the seed. An error, never an empty text, when it cannot be made.
    pub fn to_yaml(&self) -> Result<String, Diagnostic> {
        sections_yaml(&self.shared, &self.targets)
    }
}

impl StateFile {
    /// Canonical YAML of the sections (version 2, without any seed: persist a `legacy_seed`
    /// elsewhere first).
    pub fn to_yaml(&self) -> Result<String, Diagnostic> {
        sections_yaml(&self.shared, &self.targets)
    }
}

fn sections_yaml(
    shared: &serde_json::Value,
    targets: &BTreeMap<Target, TargetState>,
) -> Result<String, Diagnostic> {
    // Serialised from the sections themselves when they are in canonical order already (as
    // `put_target` leaves them): at 10,000 workloads a copy is 13 MB beside the emit.
    let shared = if keys_sorted(shared) {
        Cow::Borrowed(shared)
    } else {
        Cow::Owned(sort_keys(shared.clone()))
    };
    let out = FileOut {
        version: STATE_FILE_VERSION,
        shared,
        targets: targets.iter().map(|(t, s)| (*t, canonical(s))).collect(),
        sections: targets.keys().collect(),
    };
    let fail = |e: &dyn fmt::Display| {
        Diagnostic::error(Code::State, format!("cannot serialise the state: {e}"))
            .hint("nothing was written; the previous state file is unchanged")
    };
    let mut text = HEADER.as_bytes().to_vec();
    serde_yaml::to_writer(&mut text, &out).map_err(|e| fail(&e))?;
    String::from_utf8(text).map_err(|e| fail(&e))
}

/// `s` itself when it is in canonical order, else its canonical copy.
fn canonical(s: &TargetState) -> Cow<'_, TargetState> {
    if s.is_canonical() {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.canonical())
    }
}

/// Version 2 lists its sections in its last line; a file cut short, or a section removed by
/// hand without updating the list, is an error instead of a silently lost target.
fn check_sections(
    listed: Option<&[Target]>,
    targets: &BTreeMap<Target, TargetState>,
    text: &str,
    file: &str,
) -> Result<(), Diagnostics> {
    let last = Span {
        line: u32::try_from(text.lines().count()).unwrap_or(u32::MAX),
        ..Span::file_only(file)
    };
    let Some(listed) = listed else {
        return Err(error(
            last,
            "the state file is truncated: its last entry, `sections: [...]`, is missing",
        ));
    };
    let mut want: Vec<Target> = listed.to_vec();
    want.sort();
    want.dedup();
    let have: Vec<Target> = targets.keys().copied().collect();
    if want == have {
        return Ok(());
    }
    let names = |v: &[Target]| v.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ");
    Err(error(
        last,
        format!(
            "the state file lists the sections [{}] but holds [{}]: it is truncated or a section was removed by hand (then also remove it from `sections`)",
            names(&want),
            names(&have)
        ),
    ))
}

fn error(span: Span, msg: impl Into<String>) -> Diagnostics {
    Diagnostics(vec![
        Diagnostic::error(Code::State, format!("invalid state file: {}", msg.into()))
            .at(span)
            .hint(RECOVER),
    ])
}

fn yaml_error(e: &serde_yaml::Error, text: &str, file: &str) -> Diagnostics {
    let msg = e.to_string();
    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    if let Some(span) = locate(text, file, &msg) {
        return error(span, msg);
    }
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
    error(span, msg)
}

/// serde_yaml places an error in a value at the start of the map holding it. The message's
/// path (`targets.ecs: …`) leads to that map in the spanned tree, and the key of that map the
/// message names in backticks (`` `shared` must be a map ``) to the line of the value itself.
fn locate(text: &str, file: &str, msg: &str) -> Option<Span> {
    let (path, rest) = match msg.split_once(": ") {
        Some((p, r)) if !p.contains([' ', '`']) => (p, r),
        _ => ("", msg),
    };
    let mut node = crate::yaml::parse(file, text).ok()??;
    // Keys may hold dots themselves (`postgres.default#api.db`): take the longest key that the
    // rest of the path starts with.
    let mut rest_path = path;
    while !rest_path.is_empty() {
        let (key, value) = map_entries(&node)
            .iter()
            .map(|(k, v)| (k.name.as_str(), v))
            .filter(|(k, _)| {
                rest_path == *k
                    || rest_path
                        .strip_prefix(*k)
                        .is_some_and(|r| r.starts_with('.'))
            })
            .max_by_key(|(k, _)| k.len())?;
        rest_path = rest_path[key.len()..].trim_start_matches('.');
        node = value.clone();
    }
    let named = rest.split('`').nth(1)?;
    map_entries(&node)
        .iter()
        .find(|(k, _)| k.name == named)
        .map(|(k, _)| k.pos.span(""))
}

fn map_entries(n: &crate::yaml::Node) -> &[(score_x_core::yaml_tree::Key, crate::yaml::Node)] {
    match &n.value {
        crate::yaml::Value::Map(entries) => entries,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    fn seed() -> Seed {
        Seed::parse(SEED).unwrap()
    }

    fn line_of(text: &str, file: &str) -> (u32, String) {
        let d = ProjectState::parse(text, file).unwrap_err();
        let d = &d.0[0];
        (d.span.as_ref().unwrap().line, d.message.clone())
    }

    #[test]
    fn targets_keep_their_own_sections_the_shared_state_is_the_estates_and_the_seed_stays_out() {
        let mut p = ProjectState::new(seed());
        let mut k = p.target(Target::KUBERNETES);
        k.shared = serde_json::json!({"k": 1});
        k.workloads.insert(
            "api".into(),
            crate::WorkloadState {
                file: "api.yaml".into(),
                orphaned: false,
            },
        );
        p.set_target(Target::KUBERNETES, &k);
        let mut e = p.target(Target::ECS);
        assert_eq!(e.shared, serde_json::json!({"k": 1}));
        assert!(e.workloads.is_empty());
        e.shared["e"] = serde_json::json!(2);
        p.set_target(Target::ECS, &e);
        let text = p.to_yaml().unwrap();
        assert!(!text.contains(SEED), "{text}");
        assert!(
            text.contains("version: 3\nshared:\n  e: 2\n  k: 1\n"),
            "{text}"
        );
        assert_eq!(text.matches("shared").count(), 1, "{text}");
        assert!(text.ends_with("sections:\n- kubernetes\n- ecs\n"), "{text}");
        let back = ProjectState::from_file(seed(), ProjectState::parse(&text, "s").unwrap());
        assert_eq!(
            back.target(Target::KUBERNETES).shared,
            serde_json::json!({"e": 2, "k": 1})
        );
        assert_eq!(back.target(Target::KUBERNETES).workloads.len(), 1);
        assert_eq!(back.target(Target::ECS).seed, SEED);
        assert_eq!(back.to_yaml().unwrap(), text);
    }

    #[test]
    fn the_state_is_written_in_key_order_whatever_order_it_was_read_or_put_in() {
        let text = "version: 3\nshared: {z: 1, a: {y: 1, b: 2}}\ntargets:\n  kubernetes:\n    resources:\n      postgres.default#api.db:\n        provisioner: template://p\n        type: postgres\n        source_workload: api\n        state: {z: [{y: 1, b: 2}], a: 1}\n        outputs: {host: {z: 1, a: 2}}\nsections: [kubernetes]\n";
        let p = ProjectState::from_file(seed(), ProjectState::parse(text, "s").unwrap());
        assert!(!p.targets[&Target::KUBERNETES].is_canonical());
        let written = p.to_yaml().unwrap();
        assert!(
            written.contains("shared:\n  a:\n    b: 2\n    y: 1\n  z: 1\n"),
            "{written}"
        );
        assert!(
            written.contains(
                "state:\n          a: 1\n          z:\n          - b: 2\n            y: 1\n"
            ),
            "{written}"
        );
        assert!(
            written.contains("host:\n            a: 2\n            z: 1\n"),
            "{written}"
        );
        // Put back, the section is stored canonical and written from itself: the same text.
        let mut p = p;
        let state = p.take_target(Target::KUBERNETES);
        p.put_target(Target::KUBERNETES, state);
        assert!(p.targets[&Target::KUBERNETES].is_canonical());
        assert_eq!(p.to_yaml().unwrap(), written);
    }

    #[test]
    fn taking_and_putting_back_a_target_is_reading_and_setting_it() {
        let text = "version: 3\nshared: {s: 1}\ntargets:\n  kubernetes:\n    workloads: {api: {file: api.yaml}}\n  ecs:\n    workloads: {web: {file: web.yaml}}\nsections: [kubernetes, ecs]\n";
        let load = || ProjectState::from_file(seed(), ProjectState::parse(text, "s").unwrap());
        let (mut by_copy, mut by_move) = (load(), load());
        let mut copied = by_copy.target(Target::ECS);
        let mut moved = by_move.take_target(Target::ECS);
        assert!(
            moved == copied,
            "the moved state differs from the copied one"
        );
        assert_eq!(moved.shared, serde_json::json!({"s": 1}));
        assert_eq!(moved.workloads.keys().collect::<Vec<_>>(), ["web"]);
        for s in [&mut copied, &mut moved] {
            s.shared["t"] = serde_json::json!(2);
            s.workloads.clear();
        }
        by_copy.set_target(Target::ECS, &copied);
        by_move.put_target(Target::ECS, moved);
        let text = by_move.to_yaml().unwrap();
        assert_eq!(text, by_copy.to_yaml().unwrap());
        assert!(text.contains("shared:\n  s: 1\n  t: 2\n"), "{text}");
        assert!(
            text.contains("api.yaml") && !text.contains("web.yaml"),
            "{text}"
        );
    }

    #[test]
    fn a_version_2_state_is_upgraded_its_sections_shared_states_merged_once() {
        let v2 = "version: 2\ntargets:\n  kubernetes:\n    resources: {}\n    shared: {a: 1, both: {k: 1}}\n  ecs:\n    shared: {b: 2, both: {e: 2}}\nsections: [kubernetes, ecs]\n";
        let f = ProjectState::parse(v2, "s").unwrap();
        assert_eq!(
            f.shared,
            serde_json::json!({"a": 1, "b": 2, "both": {"k": 1, "e": 2}})
        );
        assert!(
            f.targets
                .values()
                .all(|t| t.shared == serde_json::json!({}))
        );
        let text = f.to_yaml().unwrap();
        assert!(
            text.starts_with(&format!("{HEADER}version: 3\nshared:\n  a: 1\n")),
            "{text}"
        );
        assert_eq!(text.matches("shared:").count(), 1, "{text}");
        let again = ProjectState::parse(&text, "s").unwrap();
        assert_eq!(again.shared, f.shared);
    }

    #[test]
    fn an_estate_keeps_each_resource_in_its_hosts_section() {
        let uid: ResourceUid = "postgres.default#db".parse().unwrap();
        let mut p = ProjectState::new(seed());
        let mut e = p.target(Target::ECS);
        e.resources.insert(
            uid.to_string(),
            crate::ResourceState {
                provisioner: "template://x".into(),
                type_: "postgres".into(),
                source_workload: "orders".into(),
                state: serde_json::json!({"kept": true}),
                outputs: Default::default(),
                secret_outputs: Default::default(),
                orphaned: false,
            },
        );
        p.set_target(Target::ECS, &e);
        // The placement moves the database to kubernetes: its state moves with it.
        let hosts = BTreeMap::from([(uid.clone(), Target::KUBERNETES)]);
        let run = p.estate(&[Target::KUBERNETES, Target::ECS], &hosts);
        assert_eq!(run.resources[uid.as_str()].state["kept"], true);
        let workloads = BTreeMap::from([("orders".to_string(), Target::ECS)]);
        p.set_estate(&run, &hosts, &workloads);
        assert!(p.targets[&Target::ECS].resources.is_empty());
        assert!(
            p.targets[&Target::KUBERNETES]
                .resources
                .contains_key(uid.as_str())
        );
    }

    #[test]
    fn a_version_1_state_is_read_and_its_seed_kept() {
        let v1 = format!(
            "version: 1\nseed: {SEED}\ntargets:\n  kubernetes:\n    resources: {{}}\n    shared: {{a: 1}}\n    workloads: {{}}\n"
        );
        let f = ProjectState::parse(&v1, "s").unwrap();
        assert_eq!(f.legacy_seed, Some(seed()));
        assert_eq!(f.shared["a"], 1);
        let v1 = format!("version: 1\nseed: {SEED}\ntargets:\n  ecs:\n    resources: {{}}\n");
        assert!(ProjectState::parse(&v1, "s").is_ok());
    }

    #[test]
    fn bad_seeds_are_errors_at_their_line() {
        let (line, msg) = line_of("version: 1\nseed: 12345\n", "s");
        assert_eq!(line, 2, "{msg}");
        assert!(msg.contains("64 hexadecimal"), "{msg}");
        let (line, msg) = line_of(&format!("version: 1\nseed: {}\n", &SEED[..23]), "s");
        assert_eq!(line, 2);
        assert!(msg.contains("23"), "{msg}");
        let (_, msg) = line_of(&format!("version: 1\nseed: {}zz\n", &SEED[..62]), "s");
        assert!(msg.contains("`z`"), "{msg}");
    }

    #[test]
    fn bad_files_are_errors_at_the_real_line() {
        let (line, msg) = line_of("version: 4\ntargets: {}\nsections: []\n", "s");
        assert_eq!(line, 1);
        assert!(msg.contains("`version` 4 is not supported"), "{msg}");
        let text =
            "version: 2\ntargets:\n  ecs:\n    resources: {}\n    shared: [1]\nsections: [ecs]\n";
        let (line, msg) = line_of(text, "s");
        assert_eq!(line, 5, "{msg}");
        assert!(msg.contains("map"), "{msg}");
        let text = "version: 2\ntargets:\n  mars: {}\nsections: []\n";
        assert_eq!(line_of(text, "s").0, 3);
        let text =
            "version: 2\ntargets:\n  ecs:\n    resources:\n      not-a-uid: {}\nsections: [ecs]\n";
        let (line, msg) = line_of(text, "s");
        assert_eq!(line, 5, "{msg}");
        let text =
            "version: 2\ntargets:\n  ecs:\n    resources: {}\n    bogus: 1\nsections: [ecs]\n";
        assert_eq!(line_of(text, "s").0, 5);
        assert!(ProjectState::parse("", "s").is_err());
        assert!(ProjectState::parse(": : :", "s").is_err());
        assert!(ProjectState::parse("version: 1\ntargets: {}\n", "s").is_err());
    }

    #[test]
    fn a_truncated_state_is_an_error_never_a_lost_section() {
        let mut p = ProjectState::new(seed());
        for t in [Target::KUBERNETES, Target::ECS] {
            let mut s = p.target(t);
            s.shared = serde_json::json!({"x": t.as_str()});
            p.set_target(t, &s);
        }
        let text = p.to_yaml().unwrap();
        let mut cut_ok = 0;
        for end in 0..text.len() {
            let cut = &text[..end];
            if let Ok(f) = ProjectState::parse(cut, "s") {
                assert_eq!(f.targets.len(), 2, "cut at {end} lost a section:\n{cut}");
                cut_ok += 1;
            }
        }
        // Only cuts inside the final newline (or none) parse.
        assert!(cut_ok <= 1, "{cut_ok}");
        let (_, msg) = line_of(&text.replace("- ecs\n", ""), "s");
        assert!(msg.contains("lists the sections [kubernetes]"), "{msg}");
    }
}
