//! `score-x validate`: check Score files and report every problem at once (text or JSON); with
//! `--placement FILE`, the placement file against them too (instead of the targets' checks).

use serde::Serialize;

use score_x_core::{Code, Diagnostic, Diagnostics, Severity};
use score_x_spec::SourceFile;

use crate::cli::{ValidateArgs, ValidateFormat};
use crate::cmd::Failure;
use crate::cmd::front_half::{self, Finding, FrontHalf};
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
    /// The targets the problem is found on (`ecs`, `kubernetes, nomad`); absent when it is
    /// found on every checked target or is not target-specific.
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<String>,
}

#[derive(Serialize)]
struct JsonResult<'a> {
    valid: bool,
    errors: Vec<JsonIssue<'a>>,
    warnings: Vec<JsonIssue<'a>>,
}

fn issue(f: &Finding) -> JsonIssue<'_> {
    let d = &f.diag;
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
        target: (!f.targets.is_empty()).then(|| f.targets.join(", ")),
    }
}

/// The `ValidationResult` JSON document (pretty, trailing newline).
fn to_json(findings: &[Finding]) -> String {
    let is_error = |f: &&Finding| f.diag.severity == Severity::Error;
    let doc = JsonResult {
        valid: !findings.iter().any(|f| is_error(&f)),
        errors: findings.iter().filter(is_error).map(issue).collect(),
        warnings: findings
            .iter()
            .filter(|f| !is_error(f))
            .map(issue)
            .collect(),
    };
    crate::printer::pretty_json(&doc)
}

fn untagged(diags: Diagnostics) -> Vec<Finding> {
    diags
        .0
        .into_iter()
        .map(|diag| Finding {
            diag,
            targets: Vec::new(),
        })
        .collect()
}

/// The placement file's problems against `app`, as `translate --placement` reports them.
fn placement_findings(file: &SourceFile, app: &score_x_core::App) -> Vec<Finding> {
    let known: Vec<score_x_core::Target> = crate::registry::backends()
        .iter()
        .map(|b| b.target())
        .collect();
    match score_x_core::placement_file::decode(&file.name, &file.text, &known) {
        Ok(mut p) => untagged(crate::cmd::estate::placement_diagnostics(
            &mut p, &file.name, app,
        )),
        Err(d) => untagged(d),
    }
}

/// Load, graph, plan (target-independent), then the front half of every target, or with a
/// placement file, the placement against the inputs.
fn findings(
    args: &ValidateArgs,
    sources: &[SourceFile],
    user: &crate::sources::Loaded,
    placement: Option<&SourceFile>,
) -> Result<(Vec<Finding>, FrontHalf), Failure> {
    let targets = front_half::targets(args)?;
    let opts = score_x_spec::LoadOptions {
        // Without --image, `image: "."` stays as it is (valid Score; translate needs --image).
        image: Some(args.image.clone().unwrap_or_else(|| ".".into())),
        ..Default::default()
    };
    let reader = SourceReader::new(args.inputs.allow_outside_sources);
    let loaded = match score_x_spec::load(sources, &reader, &opts) {
        Ok(l) => l,
        Err(d) => return Ok((untagged(d), FrontHalf::default())),
    };
    let mut all = untagged(loaded.warnings);
    let app = loaded.app;
    if let Some(file) = placement {
        all.extend(placement_findings(file, &app));
    }
    let graph = score_x_core::graph::ResourceGraph::build(&app);
    let plan = score_x_core::plan::Plan::of_app(&app);
    let (graph, plan) = match (graph, plan) {
        (Ok(g), Ok(p)) => (g, p),
        (g, p) => {
            all.extend(untagged(g.err().unwrap_or_default()));
            all.extend(untagged(p.err().unwrap_or_default()));
            return Ok((all, FrontHalf::default()));
        }
    };
    if placement.is_some() {
        all.sort_by(|a, b| (&a.diag, &a.targets).cmp(&(&b.diag, &b.targets)));
        return Ok((all, FrontHalf::default()));
    }
    let mut front = front_half::check(&app, &graph, &plan, &targets, args, user)?;
    all.append(&mut front.findings);
    all.sort_by(|a, b| (&a.diag, &a.targets).cmp(&(&b.diag, &b.targets)));
    Ok((all, front))
}

pub fn run(printer: &Printer, args: &ValidateArgs) -> Result<(), Failure> {
    let json = args.format == ValidateFormat::Json;
    let fatal_json = |msg: String| {
        let d = untagged(Diagnostics(vec![Diagnostic::error(Code::Io, msg)]));
        printer.out(&to_json(&d));
        Failure::Invalid
    };
    let mut sources = match inputs::read_sources(&args.inputs) {
        Ok(s) => s,
        Err(Failure::Fatal(msg)) if json => return Err(fatal_json(msg)),
        Err(e) => return Err(e),
    };
    let user = crate::sources::load(
        printer,
        &args.provisioners,
        &args.state_dir,
        crate::sources::Mode::ReadOnly,
    );
    let user = match user {
        Ok(u) => u,
        Err(msg) if json => return Err(fatal_json(msg)),
        Err(msg) => return Err(Failure::Fatal(msg)),
    };
    let placement = match &args.placement {
        Some(p) => match crate::fsio::read_text(p) {
            Ok(text) => Some(SourceFile {
                name: p.display().to_string(),
                text,
            }),
            Err(msg) if json => return Err(fatal_json(msg)),
            Err(msg) => return Err(Failure::Fatal(msg)),
        },
        None => None,
    };
    let (all, front) = match findings(args, &sources, &user, placement.as_ref()) {
        Ok(x) => x,
        Err(Failure::Fatal(msg)) if json => return Err(fatal_json(msg)),
        Err(e) => return Err(e),
    };
    let ok = !all.iter().any(|f| f.diag.severity == Severity::Error);
    let n = sources.len();
    sources.extend(front.sources);
    sources.extend(placement);
    if json {
        printer.out(&to_json(&all));
    } else {
        let diags = Diagnostics(all.iter().map(Finding::tagged).collect());
        for note in &front.notes {
            printer.err(&format!("note: {note}"));
        }
        if ok {
            printer.diagnostics(&diags.0, &sources);
            printer.err(&format!("{n} file{} valid", if n == 1 { "" } else { "s" }));
        } else {
            inputs::report(printer, &diags, &sources);
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
        let v: serde_json::Value = serde_json::from_str(&to_json(&untagged(diags))).unwrap();
        assert_eq!(
            v["errors"][0]["path"],
            "/containers/main/files/~1etc~1x~0y/mode"
        );
    }
}
