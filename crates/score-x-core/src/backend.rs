//! The shape every backend shares: the `Bundle` it emits and the `Capabilities` it declares.

use std::collections::{BTreeMap, BTreeSet};

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
    /// Relative paths (keys of `files`) of the files that contain secret values: written
    /// owner-only (0600), and masked in `--check` diffs.
    pub secret_files: BTreeSet<String>,
}

impl Bundle {
    pub fn add(&mut self, path: impl Into<String>, contents: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), contents.into());
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
}

impl Feature {
    pub const ALL: [Feature; 15] = [
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

/// A deployment target score-x translates to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Kubernetes,
    Helm,
    Ecs,
    Nomad,
}

impl Target {
    pub const ALL: [Target; 4] = [Target::Kubernetes, Target::Helm, Target::Ecs, Target::Nomad];

    pub fn as_str(self) -> &'static str {
        match self {
            Target::Kubernetes => "kubernetes",
            Target::Helm => "helm",
            Target::Ecs => "ecs",
            Target::Nomad => "nomad",
        }
    }

    /// The provisioner section rendered for this target (`helm` reuses `kubernetes`).
    pub fn provisioner_section(self) -> &'static str {
        match self {
            Target::Kubernetes | Target::Helm => "kubernetes",
            Target::Ecs => "ecs",
            Target::Nomad => "nomad",
        }
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
