//! Shared support of the workspace-level tests in tests/*.rs: the shared sample score files
//! ([`samples`]), the seed OpenAPI example workloads ([`seed`]), the conformance validators
//! ([`validators`]; HTTPRoutes also through [`gateway_api`]) and the load → graph → provision pipeline with the default provisioners
//! ([`pipeline`]) and readers of emitted JSON for assertions ([`json`]).

pub mod gateway_api;
pub mod helm;
pub mod json;
pub mod moto;
pub mod nomad;
pub mod pipeline;
pub mod planned;
pub mod samples;
pub mod seed;
pub mod validators;
