//! The typed Score v1b1 AST produced by decoding: every field checked, every node spanned.
//!
//! Strings that may hold placeholders are still plain strings here; they become
//! [`score_x_core::Template`]s only when lowered to the core `App`.

use score_x_core::ir::{Before, Probe, Protocol, ResourceRequirements};
use score_x_core::{FlatMap, Span};

use crate::yaml::Node;

/// A value with the span of the node it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// One Score workload (one YAML document).
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// The file as the user named it.
    pub file: String,
    /// Span of the document root.
    pub span: Span,
    pub metadata: Metadata,
    pub service_ports: FlatMap<String, ServicePort>,
    pub containers: FlatMap<String, Container>,
    pub resources: FlatMap<String, ResourceDecl>,
}

impl Workload {
    pub fn name(&self) -> &str {
        &self.metadata.name.value
    }
}

/// `metadata`.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    pub name: Spanned<String>,
    pub annotations: FlatMap<String, Spanned<String>>,
    /// The whole map (with extra keys), for `${metadata…}`.
    pub json: serde_json::Value,
}

/// `service.ports.NAME`.
#[derive(Debug, Clone, PartialEq)]
pub struct ServicePort {
    pub port: u16,
    pub target_port: Option<u16>,
    pub protocol: Protocol,
    pub span: Span,
}

/// `containers.NAME`.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    pub span: Span,
    pub image: Spanned<String>,
    pub command: Option<Vec<String>>,
    pub args: Option<Vec<String>>,
    pub variables: FlatMap<String, Spanned<String>>,
    /// By target path (the deprecated array form is already upgraded).
    pub files: FlatMap<String, FileSpec>,
    /// By target path (the deprecated array form is already upgraded).
    pub volumes: FlatMap<String, VolumeSpec>,
    pub resources: Option<ResourceRequirements>,
    pub liveness_probe: Option<Probe>,
    pub readiness_probe: Option<Probe>,
    pub before: FlatMap<String, Before>,
}

/// `files.TARGET`.
#[derive(Debug, Clone, PartialEq)]
pub struct FileSpec {
    pub span: Span,
    pub mode: Option<u32>,
    pub no_expand: bool,
    pub content: FileSource,
}

/// Where a file's content comes from (exactly one of the three).
#[derive(Debug, Clone, PartialEq)]
pub enum FileSource {
    /// `content` (a deprecated list of lines is already joined with `\n`).
    Content(Spanned<String>),
    /// `binaryContent`, decoded.
    Binary(Vec<u8>),
    /// `source`: a path relative to the score file.
    Source(Spanned<String>),
}

/// `volumes.TARGET`.
#[derive(Debug, Clone, PartialEq)]
pub struct VolumeSpec {
    pub span: Span,
    pub source: Spanned<String>,
    pub path: Option<String>,
    pub read_only: bool,
}

/// `resources.NAME`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceDecl {
    pub span: Span,
    pub type_: String,
    pub class: Option<String>,
    pub id: Option<String>,
    /// `metadata` as JSON (`Null` when absent).
    pub metadata: serde_json::Value,
    /// Span of `metadata`, when given.
    pub metadata_span: Option<Span>,
    /// `params` as the spanned YAML map, with its YAML path.
    pub params: Option<(Node, String)>,
}
