//! score-x front end: Score files → spanned YAML → overrides → typed AST → checks → core `App`.
//!
//! - [`load`] reads every file, reports all errors of all files at once (sorted), and lowers
//!   the workloads into a [`score_x_core::App`] when there are none.
//! - [`render`] prints diagnostics with source snippets (deterministic, for golden files).
//!
//! Decisions:
//! - Text is read strictly ([`text`]): NUL and other control characters are errors with
//!   file:line:col; UTF-16/UTF-32 input is named; a UTF-8 byte order mark is accepted.
//! - A file may hold several YAML documents (`---`); each non-empty document is one workload.
//! - Anchors/aliases are expanded, bounded by [`yaml::MAX_NODES`] nodes, [`yaml::MAX_BYTES`]
//!   bytes of text and [`yaml::MAX_DEPTH`] levels per file (`YAML_TOO_LARGE`).
//! - Numbers/booleans where Score wants a string (variables, annotations, cpu, memory, file
//!   content) are accepted as their text with an `INVALID_TYPE` warning.
//! - Deprecated forms (files/volumes lists, `content` as a list of lines, `read_only`) are
//!   upgraded with `DEPRECATED` warnings.
//! - A volume `source` is `${resources.NAME}`, `${resources.NAME.OUTPUT…}` or a bare `NAME`
//!   of a declared resource; it lowers to that resource's uid.
//! - Overrides apply to every document before decoding: the overrides file first, then each
//!   `--override-property` in order.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr))]

pub mod ast;
pub mod check;
pub mod decode;
pub mod lower;
pub mod overrides;
pub mod path;
pub mod patterns;
pub mod quantity;
pub mod render;
pub mod text;
pub mod yaml;

use std::collections::HashMap;

use rayon::prelude::*;
use score_x_core::{App, Diagnostic, Diagnostics};

pub use ast::Workload;
pub use render::render;

/// A score file as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

/// Reads `files.*.source` (implemented by the CLI with `std::fs`).
pub trait FileReader: Sync {
    /// Read `path` (a `files.*.source`), relative to the directory of score file `score_file`
    /// (absolute paths allowed). `Err(message)` when missing/unreadable.
    fn read(&self, score_file: &str, path: &str) -> Result<Vec<u8>, String>;
}

/// Options of [`load`].
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Replaces `image: "."`.
    pub image: Option<String>,
    /// Deep-merged into every input document before decoding.
    pub overrides_file: Option<SourceFile>,
    /// `PATH=VALUE`: dotted path (`\.` escapes a dot), VALUE parsed as YAML, empty VALUE deletes.
    pub override_properties: Vec<String>,
}

/// The lowered app and the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub app: App,
    pub warnings: Diagnostics,
}

/// Parse, override and decode every document of `files` (diagnostics appended to `diags`).
pub fn decode_all(
    files: &[SourceFile],
    opts: &LoadOptions,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Workload> {
    let over = opts.overrides_file.as_ref().and_then(|f| {
        match overrides::parse_overrides_file(&f.name, &f.text) {
            Ok(n) => n,
            Err(e) => {
                diags.extend(e);
                None
            }
        }
    });
    let props: Vec<(overrides::Property, &str)> = opts
        .override_properties
        .iter()
        .filter_map(|p| match overrides::parse_property(p) {
            Ok(prop) => Some((prop, p.as_str())),
            Err(e) => {
                diags.push(*e);
                None
            }
        })
        .collect();
    // Each file parsed and decoded on its own (in parallel), joined in input order: the
    // workloads and diagnostics are those of a sequential run.
    let per_file: Vec<(Vec<Workload>, Vec<Diagnostic>)> = files
        .par_iter()
        .map(|f| decode_file(f, over.as_ref(), &props))
        .collect();
    let mut out = Vec::new();
    for (workloads, d) in per_file {
        out.extend(workloads);
        diags.extend(d);
    }
    out
}

/// The workloads of one file, with the overrides applied, and its diagnostics.
fn decode_file(
    f: &SourceFile,
    over: Option<&yaml::Node>,
    props: &[(overrides::Property, &str)],
) -> (Vec<Workload>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut out = Vec::new();
    let docs = match yaml::parse(&f.name, &f.text) {
        Ok(d) => d,
        Err(e) => return (out, e.into_iter().collect()),
    };
    if docs.is_empty() {
        diags.push(
            Diagnostic::error(score_x_core::Code::WrongShape, "the file holds no workload")
                .at(score_x_core::Span::file_only(f.name.as_str()).with_path("/"))
                .hint(decode::SHAPE_HINT),
        );
    }
    for mut doc in docs {
        if let Some(o) = over {
            overrides::merge(&mut doc.root, o);
        }
        for (p, text) in props {
            if let Err(e) = overrides::apply_property(&mut doc.root, p, text) {
                diags.push(e.at(doc.root.pos.span(&p.yaml_path())));
            }
        }
        if let Some(w) = decode::decode_workload(&doc.root, &f.name, &mut diags) {
            out.push(w);
        }
    }
    (out, diags)
}

/// All errors of all files at once (sorted), warnings included, or the lowered App.
pub fn load(
    files: &[SourceFile],
    reader: &dyn FileReader,
    opts: &LoadOptions,
) -> Result<Loaded, Diagnostics> {
    let mut diags = Vec::new();
    let workloads = decode_all(files, opts, &mut diags);
    let mut texts: HashMap<&str, &str> = files
        .iter()
        .map(|f| (f.name.as_str(), f.text.as_str()))
        .collect();
    if let Some(o) = &opts.overrides_file {
        texts.insert(o.name.as_str(), o.text.as_str());
    }
    let checked = check::Checker {
        texts: &texts,
        reader,
        image: opts.image.as_deref(),
        diags: &mut diags,
        checked: check::Checked::default(),
        current: 0,
    }
    .run(&workloads);
    let mut all = Diagnostics(diags);
    all.sort();
    if all.has_errors() {
        return Err(all);
    }
    let app = lower::lower(&workloads, checked, opts.image.as_deref())?;
    // The syntax tree is not needed any more: freed beside the next stages.
    rayon::spawn(move || drop(workloads));
    Ok(Loaded { app, warnings: all })
}

#[cfg(test)]
mod tests;
