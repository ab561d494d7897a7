//! YAML output for manifests: the YAML-1.1-safe emitter of score-x-core, re-exported.

pub use score_x_core::yaml::{to_yaml, to_yaml_sorted};
