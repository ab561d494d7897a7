//! score-x core: the target-neutral model every stage after loading shares.
//!
//! - [`diag`]: spans and diagnostics (errors and warnings with file, line, column, YAML path).
//! - [`template`]: Score placeholder strings (`${…}`) parsed once into templates.
//! - [`uid`]: resource identity (`TYPE.CLASS#WORKLOAD.NAME` / `TYPE.CLASS#ID`).
//! - [`ir`]: the validated application model (`App`) produced by the front end.
//! - [`graph`]: the resource graph (petgraph) with deterministic topological order.
//! - [`resolved`]: the model after provisioning, with secret-typed values, handed to backends
//!   (each resource's rendered section as compact text, [`artifacts`]);
//!   [`late_bound`]: which variables insert which resource outputs (for Helm values).
//! - [`backend`]: the shape every backend shares (`Bundle`, capabilities).
//! - [`patch`]: patch files (set/delete/merge/add-document at JSON Pointers) applied to bundles.
//! - [`invariants`]: what `App` and `Resolved` guarantee, checked by their only constructors.
//! - [`naming`]: stable, state-independent names and hashes.
//! - `testing` (feature `testing`): builders of hand-made resolved models for tests.

#![cfg_attr(test, allow(clippy::unwrap_used))]
// `Diagnostic` is the house error type everywhere; boxing it would only add noise.
#![allow(clippy::result_large_err)]

pub mod addresses;
pub mod artifacts;
pub mod backend;
pub mod capability_check;
pub mod diag;
pub mod driver;
pub mod estate;
pub mod flat_map;
pub mod graph;
pub mod graph_fmt;
pub mod invariants;
pub mod ir;
pub mod late_bound;
pub mod leak;
pub mod migration;
pub mod naming;
pub mod options;
pub mod patch;
pub mod placement;
pub mod placement_file;
pub mod plan;
pub mod resolved;
pub mod stream;
pub mod template;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod uid;
pub mod value;
pub mod yaml;
pub mod yaml_tree;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod graph_tests;

pub use backend::{Bundle, Capabilities, Target};
pub use diag::{Code, Diagnostic, Diagnostics, Severity, Span};
pub use flat_map::FlatMap;
pub use invariants::ModelError;
pub use ir::{App, AppParts};
pub use resolved::{Resolved, ResolvedParts};
pub use template::Template;
pub use uid::ResourceUid;
