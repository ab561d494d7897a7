//! score-x provisioning: provisioner files (`template://` handlebars and score-k8s compatible
//! `cmd://`), the persisted state, and the resolution of every workload into the typed
//! [`score_x_core::Resolved`] model (secret outputs stay secret references).
//!
//! - [`format`]: the provisioner file format and its decoding with precise diagnostics.
//! - [`ProvisionerSet`]: provisioners in match order, templates compiled once.
//! - [`provision()`]: provision in graph order (computed in parallel per topological layer),
//!   update the [`State`], resolve the workloads.
//! - [`CommandRunner`]: how `cmd://` provisioners are run (the CLI supplies a process runner).
//!
//! The format is documented in `docs/provisioners.md`.

#![cfg_attr(test, allow(clippy::unwrap_used))]
// `Diagnostic` is the house error type everywhere; boxing it would only add noise.
#![allow(clippy::result_large_err)]

mod cmd;
pub mod contracts;
mod defaults;
pub mod format;
pub mod gotmpl;
mod helpers;
mod k8s_dialect;
mod k8s_patch;
mod layers;
mod patch_render;
mod project_state;
mod provision;
mod requested;
mod resolve;
mod resolve_all;
mod run;
mod seed;
mod set;
mod skeleton;
mod state;
mod template_run;
mod yaml;

pub use cmd::{CommandOutput, CommandRunner};
pub use defaults::embedded_defaults;
pub use format::{
    CmdProgram, CmdSpec, DEFAULT_TIMEOUT, OPEN_OUTPUTS, Origin, OutputSpec, ParamSpec, ParamType,
    Provisioner, ProvisionerKind, Section, SectionSource,
};
pub use k8s_dialect::KEYS as SCORE_K8S_TEMPLATE_KEYS;
pub use k8s_patch::PatchTemplates;
pub use patch_render::PatchRenderer;
pub use project_state::{ProjectState, STATE_FILE_VERSION, StateFile};
pub use provision::{Context, Hosts, Rewrite, provision, provision_estate, provision_owned};
pub use run::{DryRunner, UNKNOWN_OUTPUT};
pub use seed::{SEED_LEN, Seed, SeedError};
pub use set::ProvisionerSet;
pub use state::{
    Orphan, ResourceState, STATE_VERSION, State, StoredSecretRef, TargetState, WorkloadState,
};

#[cfg(test)]
mod k8s_dialect_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_layers;
#[cfg(test)]
mod tests_open;
