//! Rendering diagnostics for people: a one-line header (`error[CODE]: file:line:column at
//! /yaml/path`) followed by miette's graphical report (message, source snippet with a label,
//! related locations in other files, and the hint). Deterministic: fixed width, no terminal
//! queries, no colour unless asked.

use std::collections::HashMap;
use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};
use score_x_core::{Diagnostic, Severity, Span};

use crate::SourceFile;

struct Report {
    message: String,
    severity: miette::Severity,
    help: Option<String>,
    src: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.src.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|r| r as &dyn miette::Diagnostic),
            ))
        }
    }
}

/// The source and label for `span`, when its file is among the sources.
fn snippet(
    span: &Span,
    label: String,
    texts: &HashMap<&str, &str>,
) -> (Option<NamedSource<String>>, Vec<LabeledSpan>) {
    let Some(text) = texts.get(&*span.file) else {
        return (None, Vec::new());
    };
    let offset = span.offset.min(text.len());
    let len = span.len.min(text.len() - offset);
    let src = NamedSource::new(&span.file, (*text).to_string());
    (
        Some(src),
        vec![LabeledSpan::new_primary_with_span(
            Some(label),
            (offset, len),
        )],
    )
}

fn location(span: &Span) -> String {
    if span.path.is_empty() {
        span.to_string()
    } else {
        format!("{span} at {}", span.path)
    }
}

/// Render `diags` with snippets from `sources`.
pub fn render(diags: &[Diagnostic], sources: &[SourceFile], color: bool) -> String {
    let texts: HashMap<&str, &str> = sources
        .iter()
        .map(|s| (s.name.as_str(), s.text.as_str()))
        .collect();
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false)
        .without_syntax_highlighting();
    let mut out = String::new();
    for d in diags {
        let sev = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!("{sev}[{}]", d.code));
        if let Some(span) = &d.span {
            out.push_str(": ");
            out.push_str(&location(span));
        }
        out.push('\n');
        let (src, labels) = match &d.span {
            Some(span) => {
                let label = if span.path.is_empty() {
                    "here".to_string()
                } else {
                    span.path.to_string()
                };
                snippet(span, label, &texts)
            }
            None => (None, Vec::new()),
        };
        let related = d
            .related
            .iter()
            .map(|(span, label)| {
                let (src, labels) = snippet(span, span.path.to_string(), &texts);
                Report {
                    message: format!("{label} ({})", location(span)),
                    severity: miette::Severity::Advice,
                    help: None,
                    src,
                    labels,
                    related: Vec::new(),
                }
            })
            .collect();
        let report = Report {
            message: d.message.clone(),
            severity: match d.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            },
            help: d.hint.clone(),
            src,
            labels,
            related,
        };
        let mut body = String::new();
        if handler.render_report(&mut body, &report).is_err() {
            body = format!("  {}\n", d.message);
        }
        // Trailing spaces differ between terminals and editors; drop them for stable goldens.
        for line in body.lines() {
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}
