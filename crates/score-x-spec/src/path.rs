//! YAML paths as printed in diagnostics: `/containers/main/files/"/etc/app.conf"/mode` (see
//! [`score_x_core::yaml_tree::path`], which also gives their RFC 6901 JSON Pointer form).

pub use score_x_core::yaml_tree::path::{child, json_pointer};
