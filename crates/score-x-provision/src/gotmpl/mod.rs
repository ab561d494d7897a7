//! A Go `text/template` engine scoped to what score-k8s provisioner and patch templates use:
//! actions, trim markers, comments, `if`/`else if`/`else`, `range` (`break`/`continue`),
//! `with`, variables, pipelines, the Go builtins and the sprig functions of the
//! community-provisioners corpus (see docs/architecture.md for why it is our own).
//!
//! Values are JSON values. Maps range in sorted key order, as in Go. Randomness (`randAlphaNum`
//! and friends, `uuidv4`) is derived from the seed, the resource uid, the section and the call's
//! ordinal: byte-identical run to run.

mod exec;
mod fmt;
mod funcs;
mod lex;
mod parse;
#[cfg(test)]
mod tests;

use serde_json::Value as Json;

/// A template error at a byte offset of the template text.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub pos: usize,
    pub msg: String,
    pub hint: Option<String>,
}

impl Error {
    pub(crate) fn at(pos: usize, msg: impl Into<String>) -> Error {
        Error {
            pos,
            msg: msg.into(),
            hint: None,
        }
    }

    pub(crate) fn hint(mut self, h: impl Into<String>) -> Error {
        self.hint = Some(h.into());
        self
    }

    /// 1-based line and column of the error in `src`.
    pub fn line_col(&self, src: &str) -> (usize, usize) {
        let upto = &src[..self.pos.min(src.len())];
        let line = upto.matches('\n').count() + 1;
        let col = upto.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
}

/// What an execution may draw on: the seed for randomness, the bounds.
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    pub seed: String,
    pub uid: String,
    /// Salts the random values of one section (`init`, `state`, …).
    pub section: String,
    pub(crate) draws: u64,
    /// Random strings generated (callers keep them out of messages).
    pub generated: Vec<String>,
}

/// The most one execution may write: 4 MiB.
pub const MAX_OUTPUT: usize = 4 << 20;
/// The most loop iterations one execution may take.
pub const MAX_STEPS: usize = 1_000_000;

/// A parsed template.
#[derive(Debug, Clone)]
pub struct Template {
    nodes: Vec<parse::Node>,
}

impl Template {
    /// Parse `src`; an undefined function is an error here, as in Go.
    pub fn parse(src: &str) -> Result<Template, Error> {
        let items = lex::lex(src)?;
        let nodes = parse::parse(items, &funcs::known)?;
        Ok(Template { nodes })
    }

    /// Execute with `data` as `.` and `$`; `strict_root`: fields missing on the root are errors
    /// (the root is a Go struct in score-k8s).
    pub fn execute(&self, data: &Json, strict_root: bool, ctx: &mut Ctx) -> Result<String, Error> {
        exec::run(&self.nodes, data, strict_root, ctx)
    }
}
