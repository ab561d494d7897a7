//! The spanned YAML tree of the front end: the one tree of score-x, [`score_x_core::yaml_tree`]
//! (positions on every node, YAML 1.2 core schema typing, aliases expanded within
//! [`MAX_NODES`] nodes, [`MAX_BYTES`] bytes of text and [`MAX_DEPTH`] levels, duplicate keys
//! rejected, merge keys applied), re-exported under its historical path.

pub use score_x_core::yaml_tree::{
    Document, Key, MAX_BYTES, MAX_DEPTH, MAX_NODES, Node, Pos, Value, parse,
};
