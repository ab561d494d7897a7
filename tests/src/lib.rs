//! Shared support of the workspace-level tests in tests/*.rs: the shared sample score files
//! ([`samples`]), the seed OpenAPI example workloads ([`seed`]) and the conformance validators
//! ([`validators`]).

pub mod moto;
pub mod samples;
pub mod seed;
pub mod validators;
