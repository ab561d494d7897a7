//! Loading the input Score files: defaults, overrides, and the front end, with diagnostics printed.

use std::path::{Path, PathBuf};

use score_x_core::Diagnostics;
use score_x_spec::{LoadOptions, Loaded, SourceFile};

use crate::cli::Inputs;
use crate::cmd::Failure;
use crate::printer::Printer;
use crate::source_reader::SourceReader;

/// What the front end needs besides the files.
#[derive(Default)]
pub struct LoadFlags<'a> {
    pub image: Option<&'a str>,
    pub overrides_file: Option<&'a PathBuf>,
    pub override_properties: &'a [String],
}

/// Read the Score files (default `./score.yaml`).
pub fn read_sources(inputs: &Inputs) -> Result<Vec<SourceFile>, Failure> {
    let files = if inputs.files.is_empty() {
        let default = PathBuf::from("score.yaml");
        if !default.exists() {
            return Err(Failure::Fatal(
                "no Score files given and ./score.yaml does not exist (hint: pass files, or run `score-x init`)".into(),
            ));
        }
        vec![default]
    } else {
        inputs.files.clone()
    };
    // Read in parallel; the error reported is that of the first file in input order.
    use rayon::prelude::*;
    let read: Vec<Result<SourceFile, Failure>> = files.par_iter().map(|f| read_source(f)).collect();
    read.into_iter().collect()
}

/// Read one input strictly ([`score_x_spec::text::decode`]): UTF-16/UTF-32 or invalid UTF-8 is
/// fatal here; UTF-8 text with a NUL or another control character goes on to the front end,
/// which reports it at its line and column with a snippet.
fn read_source(path: &Path) -> Result<SourceFile, Failure> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => e.to_string(),
        };
        Failure::Fatal(format!("cannot read `{name}`: {reason}"))
    })?;
    let text = match score_x_spec::text::decode(&name, &bytes) {
        Ok(text) => text,
        Err(d) => String::from_utf8(bytes).map_err(|_| Failure::Fatal(d.to_string()))?,
    };
    Ok(SourceFile { name, text })
}

/// Read, validate and lower the inputs; print warnings (and errors on failure).
pub fn load(
    printer: &Printer,
    inputs: &Inputs,
    flags: &LoadFlags,
) -> Result<(Vec<SourceFile>, Loaded), Failure> {
    let sources = read_sources(inputs)?;
    let overrides_file = match flags.overrides_file {
        Some(p) => Some(read_source(p)?),
        None => None,
    };
    if (overrides_file.is_some() || !flags.override_properties.is_empty()) && sources.len() > 1 {
        return Err(Failure::Usage(
            "--overrides-file and --override-property apply to one Score file; give exactly one"
                .into(),
        ));
    }
    let opts = LoadOptions {
        image: flags.image.map(str::to_string),
        overrides_file,
        override_properties: flags.override_properties.to_vec(),
    };
    let result = score_x_spec::load(
        &sources,
        &SourceReader::new(inputs.allow_outside_sources),
        &opts,
    );
    // Diagnostics may point into the overrides file too.
    let mut all_sources = sources;
    all_sources.extend(opts.overrides_file);
    match result {
        Ok(loaded) => {
            printer.diagnostics(&loaded.warnings.0, &all_sources);
            Ok((all_sources, loaded))
        }
        Err(diags) => {
            report(printer, &diags, &all_sources);
            Err(Failure::Invalid)
        }
    }
}

/// Print diagnostics and a one-line summary.
pub fn report(printer: &Printer, diags: &Diagnostics, sources: &[SourceFile]) {
    printer.diagnostics(&diags.0, sources);
    let errors = diags.errors().count();
    let warnings = diags.warnings().count();
    if errors > 0 {
        printer.err(&format!(
            "error: {errors} error{}{}",
            if errors == 1 { "" } else { "s" },
            if warnings > 0 {
                format!(
                    ", {warnings} warning{}",
                    if warnings == 1 { "" } else { "s" }
                )
            } else {
                String::new()
            }
        ));
    }
}
