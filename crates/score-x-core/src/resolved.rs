//! The resolved model handed to backends: every placeholder substituted, every resource
//! provisioned, and every value typed as plain text or a secret reference.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Serialize, Serializer};

use crate::artifacts::Artifacts;
use crate::diag::Span;
use crate::flat_map::FlatMap;
use crate::invariants::{self, ModelError};
use crate::ir::{Before, Probe, ResourceRequirements, ServicePort};
use crate::late_bound::Bindings;
use crate::uid::ResourceUid;

/// The whole estate after provisioning and resolution.
///
/// Its fields are private: the only way to make one is [`Resolved::new`], which checks the
/// invariants of [`crate::invariants`] (provisioning and the estate split are its callers
/// outside tests), so a backend never re-checks them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resolved {
    workloads: BTreeMap<String, ResolvedWorkload>,
    resources: BTreeMap<ResourceUid, ProvisionedResource>,
    order: Vec<ResourceUid>,
    #[serde(skip)]
    bindings: Bindings,
}

/// The parts of a [`Resolved`], before [`Resolved::new`] checks them.
#[derive(Debug, Clone, Default)]
pub struct ResolvedParts {
    /// By name; each key is its workload's name.
    pub workloads: BTreeMap<String, ResolvedWorkload>,
    /// Every provisioned resource, by uid (a resource another target hosts included).
    pub resources: BTreeMap<ResourceUid, ProvisionedResource>,
    /// Resource uids in provisioning (topological) order: each key of `resources` once.
    pub order: Vec<ResourceUid>,
    /// Which plain variables insert resource outputs, piece by piece (Helm binds them late).
    pub bindings: Bindings,
}

impl Resolved {
    /// The model, when `parts` hold its invariants: every key is its value's name or uid,
    /// every resource a workload names exists, and `order` holds every resource once.
    pub fn new(parts: ResolvedParts) -> Result<Resolved, ModelError> {
        let ResolvedParts {
            workloads,
            resources,
            order,
            bindings,
        } = parts;
        invariants::keyed_and_closed(&workloads, &resources)?;
        invariants::order_is_complete(&order, &resources)?;
        Ok(Resolved {
            workloads,
            resources,
            order,
            bindings,
        })
    }

    /// Every workload, sorted by name.
    pub fn workloads(&self) -> &BTreeMap<String, ResolvedWorkload> {
        &self.workloads
    }

    /// Every provisioned resource, by uid.
    pub fn resources(&self) -> &BTreeMap<ResourceUid, ProvisionedResource> {
        &self.resources
    }

    /// Resource uids in provisioning (topological) order.
    pub fn order(&self) -> &[ResourceUid] {
        &self.order
    }

    /// Which plain variables insert resource outputs, piece by piece (Helm binds them late).
    pub fn bindings(&self) -> &Bindings {
        &self.bindings
    }

    /// The parts, to build a changed model with [`Resolved::new`].
    pub fn into_parts(self) -> ResolvedParts {
        ResolvedParts {
            workloads: self.workloads,
            resources: self.resources,
            order: self.order,
            bindings: self.bindings,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedWorkload {
    pub name: String,
    pub file: String,
    pub span: Span,
    pub metadata: serde_json::Value,
    pub annotations: FlatMap<String, String>,
    pub service_ports: FlatMap<String, ServicePort>,
    /// Boxed: a container is large, and the map's entries are moved as it is sorted.
    pub containers: FlatMap<String, Box<ResolvedContainer>>,
    /// Local resource name → uid.
    pub resources: FlatMap<String, ResourceUid>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedContainer {
    pub name: String,
    pub span: Span,
    pub image: String,
    pub command: Option<Vec<String>>,
    pub args: Option<Vec<String>>,
    pub variables: FlatMap<String, ResolvedVariable>,
    pub files: FlatMap<String, ResolvedFile>,
    pub volumes: FlatMap<String, ResolvedVolume>,
    pub resources: Option<ResourceRequirements>,
    pub liveness_probe: Option<Box<Probe>>,
    pub readiness_probe: Option<Box<Probe>>,
    pub before: FlatMap<String, Before>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedVariable {
    pub value: Value,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedFile {
    pub target: String,
    pub mode: Option<u32>,
    pub content: ResolvedContent,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ResolvedContent {
    /// Text, possibly containing secret segments.
    Text(Value),
    /// Raw bytes (never expanded).
    Binary(#[serde(serialize_with = "ser_len")] Vec<u8>),
}

fn ser_len<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("<{} bytes>", b.len()))
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedVolume {
    pub target: String,
    /// The resource providing the volume; its outputs describe the volume for the target.
    pub source: ResourceUid,
    pub path: Option<String>,
    pub read_only: bool,
    pub span: Span,
}

/// A resource after provisioning.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProvisionedResource {
    pub uid: ResourceUid,
    pub type_: String,
    pub class: String,
    pub id: Option<String>,
    pub source_workload: String,
    pub consumers: BTreeSet<String>,
    /// The provisioner that handled it (`template://…` / `cmd://…`).
    pub provisioner: String,
    /// Params after substitution (never contain secrets).
    pub params: serde_json::Value,
    pub outputs: FlatMap<String, Output>,
    /// The provisioner's section for the chosen target, as rendered (kubernetes: a list of
    /// objects; ecs / nomad: a map), or none.
    pub artifacts: Artifacts,
    pub span: Span,
}

/// A provisioner output.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Output {
    Plain(serde_json::Value),
    Secret(SecretRef),
}

/// Where a secret lives, as the target understands it:
/// Kubernetes: `name` = Secret name, `key` = data key; ECS: `name` = SSM parameter or Secrets
/// Manager ARN, `key` = JSON key; Nomad: `name` = variable path, `key` = item.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct SecretRef {
    pub name: String,
    pub key: Option<String>,
    /// The store that keeps it (set from the provisioner section of the target that
    /// provisioned it), so a workload on another runtime knows whether it can read it.
    #[serde(skip)]
    pub store: SecretStore,
    /// The secret text when score-x itself generated it (development provisioners), so a backend
    /// can materialise it into a target secret object. Never written into plain fields.
    #[serde(skip)]
    pub value: Option<SecretText>,
}

/// The name prefix of a Nomad run-time service reference (`service:<service>`).
pub const NOMAD_SERVICE_PREFIX: &str = "service:";

/// The secret store a [`SecretRef`] points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum SecretStore {
    /// A Kubernetes Secret (`name`) and its data key (`key`).
    KubernetesSecret,
    /// An AWS SSM parameter (name or ARN).
    SsmParameter,
    /// An AWS Secrets Manager secret (ARN), with an optional JSON key.
    SecretsManager,
    /// A Nomad Variable (path) and its item.
    NomadVariable,
    /// Not a secret: a Nomad service (`service:<name>`) whose `address` or `port` the job looks
    /// up in the service catalog at run time.
    NomadService,
    /// The store of a target outside this release, named by its provisioner section.
    Other(&'static str),
}

impl SecretStore {
    /// The store a secret named `name` lives in when the provisioner section `section`
    /// produced it (`kubernetes`, `ecs`, `nomad`, or another target's own).
    pub fn for_section(section: &'static str, name: &str) -> SecretStore {
        match section {
            "kubernetes" => SecretStore::KubernetesSecret,
            "ecs"
                if name.starts_with("arn:") && name.split(':').nth(2) == Some("secretsmanager") =>
            {
                SecretStore::SecretsManager
            }
            "ecs" => SecretStore::SsmParameter,
            "nomad" if name.starts_with(NOMAD_SERVICE_PREFIX) => SecretStore::NomadService,
            "nomad" => SecretStore::NomadVariable,
            other => SecretStore::Other(other),
        }
    }

    /// The stores workloads rendered by provisioner section `section` read natively.
    pub fn readable_by(self, section: &str) -> bool {
        match self {
            SecretStore::KubernetesSecret => section == "kubernetes",
            SecretStore::SsmParameter | SecretStore::SecretsManager => section == "ecs",
            SecretStore::NomadVariable | SecretStore::NomadService => section == "nomad",
            SecretStore::Other(s) => s == section,
        }
    }

    /// A short name for messages.
    pub fn describe(self) -> &'static str {
        match self {
            SecretStore::KubernetesSecret => "a Kubernetes Secret",
            SecretStore::SsmParameter => "an SSM parameter",
            SecretStore::SecretsManager => "a Secrets Manager secret",
            SecretStore::NomadVariable => "a Nomad Variable",
            SecretStore::NomadService => "the Nomad service catalog",
            SecretStore::Other(_) => "another target's secret store",
        }
    }
}

impl fmt::Debug for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretRef")
            .field("name", &self.name)
            .field("key", &self.key)
            .field("store", &self.store)
            .field("value", &self.value.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Secret text; `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecretText(String);

impl SecretText {
    pub fn new(s: impl Into<String>) -> Self {
        SecretText(s.into())
    }
    /// The plain secret; call only where it is written into a secret store object.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A resolved string: text and secret segments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Value {
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Segment {
    Text(String),
    Secret(SecretRef),
}

impl Value {
    pub fn text(s: impl Into<String>) -> Self {
        let s = s.into();
        Value {
            segments: if s.is_empty() {
                vec![]
            } else {
                vec![Segment::Text(s)]
            },
        }
    }

    /// Append, merging adjacent text.
    pub fn push(&mut self, seg: Segment) {
        match (self.segments.last_mut(), seg) {
            (_, Segment::Text(t)) if t.is_empty() => {}
            (Some(Segment::Text(prev)), Segment::Text(t)) => prev.push_str(&t),
            (_, s) => self.segments.push(s),
        }
    }

    /// True when any segment is a secret.
    pub fn is_secret(&self) -> bool {
        self.segments
            .iter()
            .any(|s| matches!(s, Segment::Secret(_)))
    }

    /// The text when no segment is secret.
    pub fn as_plain(&self) -> Option<String> {
        let mut s = String::new();
        for seg in &self.segments {
            match seg {
                Segment::Text(t) => s.push_str(t),
                Segment::Secret(_) => return None,
            }
        }
        Some(s)
    }

    /// The secret when the value is exactly one secret and nothing else.
    pub fn single_secret(&self) -> Option<&SecretRef> {
        match self.segments.as_slice() {
            [Segment::Secret(s)] => Some(s),
            _ => None,
        }
    }

    /// The secrets in order.
    pub fn secrets(&self) -> impl Iterator<Item = &SecretRef> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Secret(r) => Some(r),
            Segment::Text(_) => None,
        })
    }

    /// The full text when every secret segment carries its value (for writing into a target
    /// secret object); `None` when a secret's value is not known to score-x.
    pub fn expose_all(&self) -> Option<String> {
        let mut s = String::new();
        for seg in &self.segments {
            match seg {
                Segment::Text(t) => s.push_str(t),
                Segment::Secret(r) => s.push_str(r.value.as_ref()?.expose()),
            }
        }
        Some(s)
    }
}

impl ProvisionedResource {
    /// A plain output by name.
    pub fn plain(&self, name: &str) -> Option<&serde_json::Value> {
        match self.outputs.get(name)? {
            Output::Plain(v) => Some(v),
            Output::Secret(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> SecretRef {
        SecretRef {
            name: "pg".into(),
            key: Some("password".into()),
            value: Some(SecretText::new("hunter2")),
            store: SecretStore::KubernetesSecret,
        }
    }

    #[test]
    fn values() {
        let mut v = Value::text("postgres://u:");
        v.push(Segment::Secret(secret()));
        v.push(Segment::Text("@h".into()));
        v.push(Segment::Text(":5432".into()));
        assert_eq!(v.segments.len(), 3);
        assert!(v.is_secret());
        assert_eq!(v.as_plain(), None);
        assert_eq!(
            v.expose_all().as_deref(),
            Some("postgres://u:hunter2@h:5432")
        );
        assert!(!format!("{v:?}").contains("hunter2"));
        let s = Value {
            segments: vec![Segment::Secret(secret())],
        };
        assert!(s.single_secret().is_some());
        assert!(!serde_json::to_string(&s).unwrap().contains("hunter2"));
    }
}
