//! Test helpers: the core builders of resolved models (`score_x_core::testing`) and an emission
//! context.

use std::collections::BTreeMap;

use score_x_core::Span;
use score_x_core::resolved::Resolved;
pub use score_x_core::testing::{container, workload};

use crate::ctx::Ctx;
use crate::options::Options;
use crate::secrets::Registry;

/// A span that names only the score file.
pub fn span() -> Span {
    score_x_core::testing::span("")
}

pub fn empty_app() -> Resolved {
    score_x_core::testing::app(Vec::new(), Vec::new())
}

pub fn ctx<'a>(app: &'a Resolved, opts: &'a Options) -> Ctx<'a> {
    Ctx {
        app,
        opts,
        warnings: Vec::new(),
        notes: Vec::new(),
        secrets: Registry::new(app),
        sections: Default::default(),
        missing: BTreeMap::new(),
    }
}
