//! The validated, target-neutral application model produced by the front end (`App`).
//!
//! Every placeholder string is already a [`Template`]; every resource is interned by uid.
//! Maps are `BTreeMap`s so iteration (and therefore output) is deterministic.

use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::diag::Span;
use crate::flat_map::FlatMap;
use crate::invariants::{self, ModelError};
use crate::template::Template;
use crate::uid::ResourceUid;
use crate::value::TValue;

/// A whole estate: all workloads of all input files, and the resources they use.
///
/// Its fields are private: the only way to make one is [`App::new`], which checks the
/// invariants of [`crate::invariants`] (the front end's lowering is its one caller outside
/// tests), so a later stage never re-checks them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct App {
    workloads: BTreeMap<String, Workload>,
    resources: BTreeMap<ResourceUid, Resource>,
}

/// The parts of an [`App`], before [`App::new`] checks them.
#[derive(Debug, Clone, Default)]
pub struct AppParts {
    /// By name; each key is its workload's name.
    pub workloads: BTreeMap<String, Workload>,
    /// Interned by uid; a uid shared by several workloads is one entry.
    pub resources: BTreeMap<ResourceUid, Resource>,
}

/// One Score workload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Workload {
    pub name: String,
    /// The file it was loaded from, as the user named it.
    pub file: String,
    /// Span of the whole document.
    pub span: Span,
    /// The full `metadata` map (name, annotations, and any extra keys), for `${metadata…}`.
    pub metadata: serde_json::Value,
    /// `metadata.annotations`, as strings.
    pub annotations: FlatMap<String, String>,
    /// Boxed: a container is large, and the map's entries are moved as it is sorted.
    pub containers: FlatMap<String, Box<Container>>,
    /// `service.ports` by port name.
    pub service_ports: FlatMap<String, ServicePort>,
    /// Resource name (as declared in this workload) → uid.
    pub resources: FlatMap<String, ResourceUid>,
}

/// `service.ports.NAME`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServicePort {
    pub name: String,
    /// The port callers dial.
    pub port: u16,
    /// The port the container listens on (defaults to `port`).
    pub target_port: u16,
    pub protocol: Protocol,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Protocol {
    #[serde(rename = "TCP")]
    Tcp,
    #[serde(rename = "UDP")]
    Udp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
        }
    }
}

/// `containers.NAME`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Container {
    pub name: String,
    pub span: Span,
    /// The image; `"."` has already been replaced by `--image` when given.
    pub image: String,
    pub image_span: Span,
    /// Overrides the image entrypoint (not expanded, as in the reference implementations).
    pub command: Option<Vec<String>>,
    /// Overrides the image arguments (not expanded).
    pub args: Option<Vec<String>>,
    pub variables: FlatMap<String, Variable>,
    /// By target path.
    pub files: FlatMap<String, File>,
    /// By target path.
    pub volumes: FlatMap<String, Volume>,
    pub resources: Option<ResourceRequirements>,
    pub liveness_probe: Option<Box<Probe>>,
    pub readiness_probe: Option<Box<Probe>>,
    /// `before`: container name → the readiness this container must reach before that one starts.
    pub before: FlatMap<String, Before>,
}

/// `variables.NAME`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Variable {
    pub value: Template,
    pub span: Span,
}

/// `files.TARGET`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct File {
    pub target: String,
    /// Octal mode bits (e.g. `0o644`).
    pub mode: Option<u32>,
    pub content: FileContent,
    pub span: Span,
}

/// The content of a file, already read from `source` when one was given.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum FileContent {
    /// Text with placeholders expanded at resolution.
    Template(Template),
    /// Text taken as is (`noExpand: true`).
    Literal(String),
    /// Bytes (`binaryContent`, or a non-UTF-8 source with `noExpand`).
    Binary(Vec<u8>),
}

/// `volumes.TARGET`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Volume {
    pub target: String,
    /// The resource providing the volume (from `${resources.NAME}` or a bare resource name).
    pub source: ResourceUid,
    /// Sub path within the volume.
    pub path: Option<String>,
    pub read_only: bool,
    pub span: Span,
}

/// `resources.requests` / `resources.limits` of a container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResourceRequirements {
    pub requests: Option<Quantities>,
    pub limits: Option<Quantities>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Quantities {
    pub cpu: Option<Cpu>,
    pub memory: Option<Memory>,
}

/// CPU in millicores, with the text the user wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cpu {
    pub millis: u64,
    pub text: String,
}

/// Memory in bytes, with the text the user wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Memory {
    pub bytes: u64,
    pub text: String,
}

impl Memory {
    /// Mebibytes, rounded up.
    pub fn mebibytes_ceil(&self) -> u64 {
        self.bytes.div_ceil(1024 * 1024)
    }
}

/// A liveness or readiness probe. At least one of `http_get` / `exec` is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Probe {
    pub http_get: Option<HttpGet>,
    pub exec: Option<Vec<String>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpGet {
    pub path: String,
    pub port: u16,
    pub host: Option<String>,
    pub scheme: Scheme,
    /// Headers in declaration order.
    pub headers: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Scheme {
    #[serde(rename = "HTTP")]
    Http,
    #[serde(rename = "HTTPS")]
    Https,
}

/// `before.OTHER.ready`: how far this container must get before `OTHER` starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Readiness {
    Started,
    Healthy,
    Complete,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Before {
    pub ready: Readiness,
    pub span: Span,
}

/// A resource, interned by uid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resource {
    pub uid: ResourceUid,
    pub type_: String,
    pub class: String,
    /// The explicit `id`, when given (shared resources).
    pub id: Option<String>,
    /// Params with placeholders (resolved against the source workload before provisioning).
    pub params: Option<TValue>,
    /// Where each top-level param's value is written (diagnostics point at the param).
    pub param_spans: FlatMap<String, Span>,
    /// `metadata` of the resource declaration (annotations…).
    pub metadata: serde_json::Value,
    /// The workload whose declaration is authoritative (the first, by name, that gives params).
    pub source_workload: String,
    /// The local name of the resource in the source workload.
    pub source_name: String,
    /// Every workload that declares this uid, sorted.
    pub consumers: BTreeSet<String>,
    /// Span of the authoritative declaration.
    pub span: Span,
}

impl Resource {
    /// The span of param `key`, else the declaration's with the param's path.
    pub fn param_span(&self, key: &str, params_path: &str) -> Span {
        self.param_spans.get(key).cloned().unwrap_or_else(|| {
            self.span
                .with_path(crate::yaml_tree::path::child(params_path, key))
        })
    }

    /// Declared by more than one workload, or with an explicit `id`.
    pub fn is_shared(&self) -> bool {
        self.id.is_some() || self.consumers.len() > 1
    }
}

impl App {
    /// The model, when `parts` hold its invariants: every key is its value's name or uid,
    /// every resource a workload names exists, and every consumer of a resource declares it.
    pub fn new(parts: AppParts) -> Result<App, ModelError> {
        let AppParts {
            workloads,
            resources,
        } = parts;
        invariants::keyed_and_closed(&workloads, &resources)?;
        // In parallel; the error is that of the first resource in uid order.
        let stray = resources.par_iter().find_map_first(|(_, r)| {
            let declares = |c: &String| {
                workloads
                    .get(c)
                    .is_some_and(|w| w.resources.values().any(|u| *u == r.uid))
            };
            let c = r.consumers.iter().find(|c| !declares(c))?;
            Some(ModelError::Consumer {
                uid: r.uid.clone(),
                consumer: c.clone(),
            })
        });
        if let Some(e) = stray {
            return Err(e);
        }
        Ok(App {
            workloads,
            resources,
        })
    }

    /// Every workload, sorted by name.
    pub fn workloads(&self) -> &BTreeMap<String, Workload> {
        &self.workloads
    }

    /// Every resource, by uid (a shared uid is one entry).
    pub fn resources(&self) -> &BTreeMap<ResourceUid, Resource> {
        &self.resources
    }

    /// The parts, to build a changed model with [`App::new`].
    pub fn into_parts(self) -> AppParts {
        AppParts {
            workloads: self.workloads,
            resources: self.resources,
        }
    }

    /// The resource named `name` in workload `workload`.
    pub fn resource_of(&self, workload: &str, name: &str) -> Option<&Resource> {
        let uid = self.workloads.get(workload)?.resources.get(name)?;
        self.resources.get(uid)
    }
}
