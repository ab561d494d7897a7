//! The shape every backend shares: the `Bundle` it emits and the `Capabilities` it declares.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use crate::diag::Diagnostic;

/// What a backend produces: relative path → file contents, plus warnings and report lines.
/// Pure data: the CLI decides whether to write, print or compare it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bundle {
    pub files: BTreeMap<String, Vec<u8>>,
    /// Things the target could not express exactly, said out loud.
    pub warnings: Vec<Diagnostic>,
    /// Human-readable notes about choices made (e.g. "task size 0.5 vCPU / 1 GiB because …").
    pub notes: Vec<String>,
    /// Byte ranges of each file that are the target's own secret store objects (a Kubernetes
    /// `Secret` document, say): the only places a secret value may appear.
    pub secret_store: BTreeMap<String, Vec<Range<usize>>>,
    /// Files that hold secret values (filled by the leak check; written owner-only).
    pub secret_files: BTreeSet<String>,
}

impl Bundle {
    /// Add a file. Its bytes are kept without spare capacity: a text built by appending holds
    /// up to twice its length, and a bundle is held whole until written (Helm's charts held
    /// half as much again as their 23 MB at 1,000 workloads).
    pub fn add(&mut self, path: impl Into<String>, contents: impl Into<Vec<u8>>) {
        let mut contents = contents.into();
        contents.shrink_to_fit();
        self.files.insert(path.into(), contents);
    }

    /// Move everything of `other` into this bundle (its files replace files of the same path;
    /// warnings and notes come after this bundle's). Backends that build parts of a bundle in
    /// parallel merge them in a fixed order.
    pub fn merge(&mut self, other: Bundle) {
        self.files.extend(other.files);
        self.warnings.extend(other.warnings);
        self.notes.extend(other.notes);
        for (path, ranges) in other.secret_store {
            self.mark_secret_store(&path, ranges);
        }
        self.secret_files.extend(other.secret_files);
    }

    /// The files with their secret-store ranges and secret-file marks, moved into a bundle of
    /// their own (warnings and notes stay).
    pub fn take_files(&mut self) -> Bundle {
        Bundle {
            files: std::mem::take(&mut self.files),
            secret_store: std::mem::take(&mut self.secret_store),
            secret_files: std::mem::take(&mut self.secret_files),
            ..Default::default()
        }
    }

    /// Mark byte ranges of `path` as secret store objects. The ranges of a file are kept sorted
    /// and disjoint (overlapping ones merged), so a lookup is a binary search.
    pub fn mark_secret_store(&mut self, path: &str, ranges: Vec<Range<usize>>) {
        if ranges.is_empty() {
            return;
        }
        let all = self.secret_store.entry(path.to_string()).or_default();
        all.extend(ranges.into_iter().filter(|r| !r.is_empty()));
        all.sort_by_key(|r| r.start);
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(all.len());
        for r in all.drain(..) {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        *all = merged;
    }

    /// True when byte `at` of `path` lies inside a secret store object.
    pub fn in_secret_store(&self, path: &str, at: usize) -> bool {
        self.secret_store.get(path).is_some_and(|rs| {
            let i = rs.partition_point(|r| r.start <= at);
            i > 0 && rs.get(i - 1).is_some_and(|r| r.contains(&at))
        })
    }
}

/// How well a target expresses a Score feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// Expressed exactly.
    Native,
    /// Expressed with a documented approximation (a warning is emitted when used).
    Approximated(&'static str),
    /// Cannot be expressed (an error is emitted when used).
    Unsupported(&'static str),
}

/// Score features a target may or may not express.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Feature {
    Files,
    BinaryFiles,
    SecretFiles,
    Volumes,
    HttpProbe,
    ExecProbe,
    BeforeStarted,
    BeforeHealthy,
    BeforeComplete,
    UdpPorts,
    ResourceLimits,
    ResourceRequests,
    SecretVariables,
    MixedSecretVariables,
    Annotations,
    /// Workloads that run to completion (`score-x.dev/kind: Job` or `CronJob`).
    RunToCompletion,
    /// Workloads with a stable identity (`score-x.dev/kind: StatefulSet`).
    StableIdentity,
}

impl Feature {
    pub const ALL: [Feature; 17] = [
        Feature::Annotations,
        Feature::UdpPorts,
        Feature::SecretVariables,
        Feature::MixedSecretVariables,
        Feature::Files,
        Feature::BinaryFiles,
        Feature::SecretFiles,
        Feature::Volumes,
        Feature::ResourceRequests,
        Feature::ResourceLimits,
        Feature::HttpProbe,
        Feature::ExecProbe,
        Feature::BeforeStarted,
        Feature::BeforeHealthy,
        Feature::BeforeComplete,
        Feature::RunToCompletion,
        Feature::StableIdentity,
    ];

    pub fn describe(self) -> &'static str {
        match self {
            Feature::Files => "containers.*.files",
            Feature::BinaryFiles => "containers.*.files.*.binaryContent",
            Feature::SecretFiles => "files whose content contains secret outputs",
            Feature::Volumes => "containers.*.volumes",
            Feature::HttpProbe => "httpGet probes",
            Feature::ExecProbe => "exec probes",
            Feature::BeforeStarted => "before: ready: started",
            Feature::BeforeHealthy => "before: ready: healthy",
            Feature::BeforeComplete => "before: ready: complete",
            Feature::UdpPorts => "UDP service ports",
            Feature::ResourceLimits => "resources.limits",
            Feature::ResourceRequests => "resources.requests",
            Feature::SecretVariables => "variables holding a secret output",
            Feature::MixedSecretVariables => "variables mixing text and secret outputs",
            Feature::Annotations => "metadata.annotations",
            Feature::RunToCompletion => "jobs and cron jobs (`score-x.dev/kind`)",
            Feature::StableIdentity => "stateful workloads (`score-x.dev/kind: StatefulSet`)",
        }
    }
}

/// What a target can express, feature by feature (features not listed are `Native`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    pub target: &'static str,
    pub features: BTreeMap<Feature, Support>,
}

impl Capabilities {
    pub fn new(target: &'static str) -> Self {
        Capabilities {
            target,
            features: BTreeMap::new(),
        }
    }
    pub fn with(mut self, f: Feature, s: Support) -> Self {
        self.features.insert(f, s);
        self
    }
    pub fn support(&self, f: Feature) -> Support {
        self.features.get(&f).copied().unwrap_or(Support::Native)
    }
}

/// A deployment target score-x translates to: its name (what `--target` takes and the state is
/// keyed by) and the provisioner section its resources render (`helm` renders `kubernetes`).
/// Open: a backend crate declares its own (`Target::new`), no enum to extend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Target {
    name: &'static str,
    section: &'static str,
    /// Renders at install time and binds plain resource outputs late, as values (Helm): it reads
    /// `Resolved::bindings`, which provisioning computes only for such a target.
    late_bound: bool,
}

impl Target {
    pub const KUBERNETES: Target = Target::new("kubernetes", "kubernetes");
    pub const HELM: Target = Target::new("helm", "kubernetes").binding_outputs_late();
    pub const ECS: Target = Target::new("ecs", "ecs");
    pub const NOMAD: Target = Target::new("nomad", "nomad");
    /// The targets this release knows by name (state files and provisioner files name them).
    pub const ALL: [Target; 4] = [Target::KUBERNETES, Target::HELM, Target::ECS, Target::NOMAD];

    /// A target named `name` whose resources render the provisioner section `section`.
    pub const fn new(name: &'static str, section: &'static str) -> Target {
        Target {
            name,
            section,
            late_bound: false,
        }
    }

    /// The same target, binding plain resource outputs late (its backend reads
    /// `Resolved::bindings`).
    pub const fn binding_outputs_late(self) -> Target {
        Target {
            late_bound: true,
            ..self
        }
    }

    /// Whether the target binds plain resource outputs late (Helm's values).
    pub fn binds_outputs_late(self) -> bool {
        self.late_bound
    }

    pub fn as_str(self) -> &'static str {
        self.name
    }

    /// The provisioner section rendered for this target (`helm` reuses `kubernetes`).
    pub fn provisioner_section(self) -> &'static str {
        self.section
    }

    /// The `targets/<dir>/` folders whose default provisioners apply, in match order: the
    /// target's own, then its section's (helm: `helm`, then `kubernetes`).
    pub fn default_dirs(self) -> Vec<&'static str> {
        let mut dirs = vec![self.name];
        if self.section != self.name {
            dirs.push(self.section);
        }
        dirs
    }
}

impl Target {
    /// Sort key: the known targets in their usual order (kubernetes, helm, ecs, nomad), then
    /// any other by name, so state sections and listings keep a stable, familiar order.
    fn rank(&self) -> (usize, &'static str) {
        let known = Target::ALL.iter().position(|t| t.name == self.name);
        (known.unwrap_or(Target::ALL.len()), self.name)
    }
}

impl PartialOrd for Target {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Target {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank()
            .cmp(&other.rank())
            .then(self.section.cmp(other.section))
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Target::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                format!("unknown target `{s}`; expected one of kubernetes, helm, ecs, nomad")
            })
    }
}

impl serde::Serialize for Target {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name)
    }
}

impl<'de> serde::Deserialize<'de> for Target {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A Markdown table: one row per feature, one column per target, from the targets' capabilities.
pub fn matrix_markdown(targets: &[Capabilities]) -> String {
    let mut s = String::from("| Score feature |");
    for t in targets {
        s.push_str(&format!(" {} |", t.target));
    }
    s.push_str("\n|---|");
    for _ in targets {
        s.push_str("---|");
    }
    s.push('\n');
    for f in Feature::ALL {
        s.push_str(&format!("| {} |", f.describe()));
        for t in targets {
            let cell = match t.support(f) {
                Support::Native => "native".to_string(),
                Support::Approximated(how) => format!("approximated: {how}"),
                Support::Unsupported(why) => format!("**error**: {why}"),
            };
            s.push_str(&format!(" {} |", cell.replace('|', "\\|")));
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod secret_store_tests {
    use super::Bundle;

    #[test]
    fn secret_store_lookup_over_unsorted_overlapping_marks() {
        let mut b = Bundle::default();
        b.mark_secret_store("f", vec![40..50, 10..20]);
        b.mark_secret_store("f", vec![15..25, 0..0]);
        let inside: Vec<usize> = (0..60).filter(|&i| b.in_secret_store("f", i)).collect();
        let want: Vec<usize> = (10..25).chain(40..50).collect();
        assert_eq!(inside, want);
        assert!(!b.in_secret_store("g", 12));
    }
}
