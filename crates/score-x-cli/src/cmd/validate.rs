//! `score-x validate`: check Score files and report every problem at once (text or JSON).

use serde::Serialize;

use score_x_core::{Code, Diagnostic, Diagnostics};

use crate::cli::{ValidateArgs, ValidateFormat};
use crate::cmd::Failure;
use crate::inputs;
use crate::printer::Printer;
use crate::source_reader::SourceReader;

/// One entry of `ValidationResult.errors` / `.warnings`.
#[derive(Serialize)]
struct JsonIssue<'a> {
    /// RFC 6901 JSON Pointer (`/containers/main/files/~1etc~1x`).
    path: String,
    message: &'a str,
    code: &'static str,
    file: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonResult<'a> {
    valid: bool,
    errors: Vec<JsonIssue<'a>>,
    warnings: Vec<JsonIssue<'a>>,
}

fn issue(d: &Diagnostic) -> JsonIssue<'_> {
    JsonIssue {
        path: d
            .span
            .as_ref()
            .map_or_else(String::new, |s| score_x_spec::path::json_pointer(&s.path)),
        message: &d.message,
        code: d.code.as_str(),
        file: d.span.as_ref().map(|s| &*s.file),
        line: d.span.as_ref().map(|s| s.line),
        column: d.span.as_ref().map(|s| s.column),
        hint: d.hint.as_deref(),
    }
}

/// The `ValidationResult` JSON document (pretty, trailing newline).
fn to_json(diags: &Diagnostics) -> String {
    let doc = JsonResult {
        valid: !diags.has_errors(),
        errors: diags.errors().map(issue).collect(),
        warnings: diags.warnings().map(issue).collect(),
    };
    crate::printer::pretty_json(&doc)
}

pub fn run(printer: &Printer, args: &ValidateArgs) -> Result<(), Failure> {
    let sources = match inputs::read_sources(&args.inputs) {
        Ok(s) => s,
        Err(Failure::Fatal(msg)) if args.format == ValidateFormat::Json => {
            let d = Diagnostics(vec![Diagnostic::error(Code::Io, msg)]);
            printer.out(&to_json(&d));
            return Err(Failure::Invalid);
        }
        Err(e) => return Err(e),
    };
    let result = score_x_spec::load(
        &sources,
        &SourceReader::new(args.inputs.allow_outside_sources),
        &score_x_spec::LoadOptions::default(),
    );
    // Resource params that form a cycle are found by the graph stage: run it too.
    let (diags, ok) = match result {
        Ok(loaded) => match score_x_core::graph::ResourceGraph::build(&loaded.app) {
            Ok(_) => (loaded.warnings, true),
            Err(cycles) => {
                let mut all = loaded.warnings;
                all.extend(cycles);
                all.sort();
                (all, false)
            }
        },
        Err(d) => (d, false),
    };
    match args.format {
        ValidateFormat::Json => printer.out(&to_json(&diags)),
        ValidateFormat::Text => {
            if ok {
                printer.diagnostics(&diags.0, &sources);
                let n = sources.len();
                printer.err(&format!("{n} file{} valid", if n == 1 { "" } else { "s" }));
            } else {
                inputs::report(printer, &diags, &sources);
            }
        }
    }
    if ok { Ok(()) } else { Err(Failure::Invalid) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use score_x_spec::{LoadOptions, SourceFile};

    #[test]
    fn json_paths_are_rfc_6901_pointers() {
        let text = "apiVersion: score.dev/v1b1\nmetadata:\n  name: web\ncontainers:\n  main:\n    image: nginx\n    files:\n      /etc/x~y:\n        content: hi\n        mode: \"999\"\n";
        let files = [SourceFile {
            name: "score.yaml".into(),
            text: text.into(),
        }];
        let reader = SourceReader::new(false);
        let diags = score_x_spec::load(&files, &reader, &LoadOptions::default()).unwrap_err();
        assert!(
            diags.iter().any(|d| d
                .span
                .as_ref()
                .is_some_and(|s| &*s.path == "/containers/main/files/\"/etc/x~y\"/mode")),
            "{diags:?}"
        );
        let v: serde_json::Value = serde_json::from_str(&to_json(&diags)).unwrap();
        assert_eq!(
            v["errors"][0]["path"],
            "/containers/main/files/~1etc~1x~0y/mode"
        );
    }
}
