//! Input text read strictly (see [`score_x_core::yaml_tree::text`]): the CLI turns the bytes of
//! every score file and overrides file into text with [`decode`]; [`yaml::parse`](crate::yaml::parse)
//! applies [`check`] to whatever text it is given.

pub use score_x_core::yaml_tree::text::{check, decode};
