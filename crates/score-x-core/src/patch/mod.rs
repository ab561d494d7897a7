//! Patches: the escape hatch for what Score cannot say, one format for every target. A patch
//! file is a YAML list of operations applied to the `Bundle` after emit and before the leak
//! check and the write (`driver::emit_patched`):
//!
//! ```yaml
//! - target: kubernetes                      # optional: only for this target
//!   file: manifests.yaml                    # optional glob over the bundle's paths
//!   object: { kind: Deployment, name: api } # optional: YAML/JSON documents by kind and metadata.name
//!   op: set                                 # set | delete | merge | add-document
//!   path: /spec/replicas                    # RFC 6901 JSON Pointer
//!   value: 3                                # strings are handlebars templates
//! ```
//!
//! Files are read by extension: `.yaml`/`.yml` (multi-document), `.json`, `.hcl` (a JSON view
//! of the HCL body, see [`hcl_view`]). Only files a patch changed are written again, in the
//! backend's style. Pure: the templating engine comes in through [`Renderer`].

mod apply;
mod data;
mod doc;
pub mod hcl_view;
mod parse;
pub mod pointer;
mod select;
#[cfg(test)]
mod tests;

use std::sync::Arc;

pub use apply::apply;
pub use data::workloads_data;
pub use parse::{KEYS as OPERATION_KEYS, OBJECT_KEYS};
pub use pointer::Pointer;

use crate::Span;
use crate::diag::Diagnostics;

/// What an operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// Replace or insert the value at `path` (its parent must exist; `/-` appends to a list).
    Set,
    /// Remove the value at `path` (it must exist).
    Delete,
    /// JSON merge patch (RFC 7386) of `value` into the map at `path` (`null` deletes a key).
    Merge,
    /// Append `value` as a new document to the YAML file `file` (created when absent).
    AddDocument,
}

impl OpKind {
    pub const NAMES: [&'static str; 4] = ["set", "delete", "merge", "add-document"];

    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Set => "set",
            OpKind::Delete => "delete",
            OpKind::Merge => "merge",
            OpKind::AddDocument => "add-document",
        }
    }

    fn parse(s: &str) -> Option<OpKind> {
        Some(match s {
            "set" => OpKind::Set,
            "delete" => OpKind::Delete,
            "merge" => OpKind::Merge,
            "add-document" => OpKind::AddDocument,
            _ => return None,
        })
    }
}

/// Documents chosen by `kind` and `metadata.name` (either may be left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSelector {
    pub kind: Option<String>,
    pub name: Option<String>,
}

impl std::fmt::Display for ObjectSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = self.kind.as_deref().unwrap_or("*");
        let name = self.name.as_deref().unwrap_or("*");
        write!(f, "{kind}/{name}")
    }
}

/// A `file:` glob (`*` stays within a path segment, `**` crosses them).
#[derive(Debug, Clone)]
pub struct FileGlob {
    pub text: String,
    matcher: globset::GlobMatcher,
}

impl FileGlob {
    pub fn new(text: &str) -> Result<FileGlob, String> {
        let glob = globset::GlobBuilder::new(text)
            .literal_separator(true)
            .build()
            .map_err(|e| e.kind().to_string())?;
        Ok(FileGlob {
            text: text.to_string(),
            matcher: glob.compile_matcher(),
        })
    }

    pub fn matches(&self, path: &str) -> bool {
        self.matcher.is_match(path)
    }

    /// True when the glob names one path (no `*`, `?`, `[` or `{`).
    pub fn is_literal(&self) -> bool {
        !self.text.contains(['*', '?', '[', '{'])
    }
}

/// One operation of a patch file.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The patch file, as the user named it.
    pub source: Arc<str>,
    /// 0-based position in the file's list.
    pub index: usize,
    /// The operation's entry in the patch file.
    pub span: Span,
    /// Its `path` (the operation's span when it has none).
    pub path_span: Span,
    /// Its `object`, else its `file`, else the operation: where a selection that reaches
    /// nothing is reported.
    pub select_span: Span,
    /// Its `value` (for rendering errors).
    pub value_span: Span,
    pub target: Option<String>,
    pub file: Option<FileGlob>,
    pub object: Option<ObjectSelector>,
    pub kind: OpKind,
    pub path: Pointer,
    pub value: Option<serde_json::Value>,
}

impl Operation {
    /// `patch 2 (set /spec/replicas)`, as error messages name it.
    pub fn label(&self) -> String {
        if self.kind == OpKind::AddDocument {
            return format!("patch {} ({})", self.index, self.kind.as_str());
        }
        format!(
            "patch {} ({} {})",
            self.index,
            self.kind.as_str(),
            self.path
        )
    }
}

/// Every patch operation of a run, in order: the `--patch` files, then `<state-dir>/patches/`.
#[derive(Debug, Clone, Default)]
pub struct PatchSet {
    ops: Vec<Operation>,
}

impl PatchSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add the operations of one patch file (all its errors at once).
    pub fn add_file(&mut self, name: &str, text: &str) -> Result<(), Diagnostics> {
        let ops = parse::parse_file(name, text)?;
        self.ops.extend(ops);
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    pub fn ops(&self) -> &[Operation] {
        &self.ops
    }
}

/// Renders the strings of a patch `value`: handlebars in strict mode, the provisioners' engine
/// (`score_x_provision::PatchRenderer`).
pub trait Renderer {
    fn render(&self, template: &str, data: &serde_json::Value) -> Result<String, String>;
}

/// What patch values are rendered with, besides the document they patch.
pub struct Context<'a> {
    pub target: crate::Target,
    /// The target options (as provisioner templates see them).
    pub options: &'a serde_json::Value,
    /// `{name: {name, metadata, annotations}}` ([`workloads_data`]).
    pub workloads: &'a serde_json::Value,
    pub renderer: &'a dyn Renderer,
}
