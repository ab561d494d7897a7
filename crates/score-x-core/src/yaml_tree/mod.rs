//! The one spanned YAML tree of score-x: yaml-rust2 events turned into nodes that remember where
//! they came from. Score files, overrides and provisioner files are all read through it.
//!
//! - Every node has a [`Pos`] (file, 1-based line/column, byte offset and an estimated length).
//!   Positions are computed in constant time per event, so parsing stays linear in the input
//!   whatever the line length (a 1 MB one-line JSON document is as fast as a pretty one).
//! - Scalars are typed with the YAML 1.2 core schema (plain `null`/`~`/empty, `true`/`false`,
//!   integers, floats); quoted and block scalars are always strings. A float keeps its text.
//! - Anchors/aliases are expanded. Per file, the nodes (aliases counted with their full expanded
//!   size, keys included) are bounded by [`MAX_NODES`], the bytes of scalar text after expansion
//!   by [`MAX_BYTES`] and the nesting by [`MAX_DEPTH`]: a "billion laughs" document, by count or
//!   by bytes, fails fast with `YAML_TOO_LARGE`.
//! - Duplicate mapping keys are errors (`INVALID_VALUE`, pointing at the first one too), complex
//!   (non-scalar) keys too.
//! - Merge keys (`<<: *base`, `<<: [*a, *b]`) are applied; the map's own keys win.
//! - Paths are not stored in the tree: decoders compute them as they walk ([`path::child`]).
//! - The text is checked first ([`text::check`]): a NUL or another control character is an
//!   error at its line and column, never the silent end of the file.
//! - A file may hold several documents (`---`); empty documents are skipped.

mod build;
mod offsets;
pub mod path;
mod scalar;
#[cfg(test)]
mod tests;
pub mod text;

use std::sync::Arc;

use crate::Span;

pub use build::parse;

/// Upper bound on the number of nodes (keys included) of one file after alias expansion.
pub const MAX_NODES: usize = 100_000;
/// Upper bound on the bytes of scalar text (keys included) of one file after alias expansion.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;
/// Upper bound on the nesting depth of one document.
pub const MAX_DEPTH: usize = 64;

/// Where a node starts in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pos {
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
    pub offset: usize,
    pub len: usize,
}

impl Pos {
    /// A position that only knows its file.
    pub fn file_only(file: Arc<str>) -> Self {
        Pos {
            file,
            line: 1,
            column: 1,
            offset: 0,
            len: 0,
        }
    }

    /// The span of this position with a YAML path.
    /// The root of a document is printed as `/`.
    pub fn span(&self, path: &str) -> Span {
        let path = if path.is_empty() { "/" } else { path };
        Span {
            file: self.file.clone(),
            line: self.line,
            column: self.column,
            offset: self.offset,
            len: self.len,
            path: Arc::from(path),
        }
    }
}

/// A mapping key.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub pos: Pos,
}

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    /// The float and its text as written.
    Float(f64, String),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in document order; keys are unique.
    Map(Vec<(Key, Node)>),
}

/// A YAML node with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

impl Node {
    /// The name of the node's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(..) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
        }
    }

    /// True for a null scalar (`null`, `~`, empty).
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The entry `key` of a map node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(m) => m.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The scalar text of a string, number or boolean (not null, not collections).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(_, t) => Some(t.clone()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// Plain JSON (for metadata, params comparison, provisioner defaults).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f, t) => {
                serde_json::Number::from_f64(*f).map_or_else(|| J::String(t.clone()), J::Number)
            }
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(l) => J::Array(l.iter().map(Node::to_json).collect()),
            Value::Map(m) => J::Object(
                m.iter()
                    .map(|(k, v)| (k.name.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// Number of nodes of the subtree (keys not counted).
    pub fn size(&self) -> usize {
        1 + match &self.value {
            Value::Seq(l) => l.iter().map(Node::size).sum(),
            Value::Map(m) => m.iter().map(|(_, v)| v.size()).sum(),
            _ => 0,
        }
    }
}

/// One document of a file.
#[derive(Debug, Clone)]
pub struct Document {
    pub root: Node,
    /// 0-based index of the document in its file.
    pub index: usize,
}
