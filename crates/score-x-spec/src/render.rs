//! Rendering diagnostics for people: a one-line header (`error[CODE]: file:line:column at
//! /yaml/path`) followed by miette's graphical report (message, source snippet with a label,
//! related locations in other files, and the hint). Deterministic: fixed width, no terminal
//! queries, no colour unless asked.
//!
//! Hostile input cannot break it: control characters from the input (in messages, paths, file
//! names and snippets) are escaped, even without colour; a snippet whose lines are wider than
//! [`MAX_SNIPPET_WIDTH`] columns (miette panics past 65,535) is replaced by a plain excerpt
//! around the column.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};
use score_x_core::diag::{escape_controls, is_unsafe};
use score_x_core::{Diagnostic, Severity, Span};

use crate::SourceFile;

/// Lines wider than this (in columns, a tab counted as 8) are not handed to miette.
pub const MAX_SNIPPET_WIDTH: usize = 1000;
/// Chars shown on each side of the column in a plain excerpt.
const EXCERPT: usize = 40;

struct Report {
    message: String,
    severity: miette::Severity,
    help: Option<String>,
    src: Option<NamedSource<Arc<str>>>,
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

/// A source file as shown: control characters escaped, with the map from the file's byte
/// offsets to the shown text's and the line starts (built once per file, not per diagnostic).
struct Shown {
    name: String,
    text: Arc<str>,
    /// (offset in the file of an escaped char, bytes added up to and including it).
    shifts: Vec<(usize, usize)>,
    line_starts: Vec<usize>,
}

impl Shown {
    fn new(name: &str, text: &str) -> Self {
        let mut shown = String::with_capacity(text.len());
        let mut shifts = Vec::new();
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let crlf = c == '\r' && chars.peek().is_some_and(|&(_, n)| n == '\n');
            if is_unsafe(c) && !crlf {
                let esc = format!("\\u{{{:x}}}", u32::from(c));
                let added = shifts.last().map_or(0, |&(_, a)| a) + esc.len() - c.len_utf8();
                shown.push_str(&esc);
                shifts.push((i, added));
            } else {
                shown.push(c);
            }
        }
        let mut line_starts = vec![0];
        line_starts.extend(shown.match_indices('\n').map(|(i, _)| i + 1));
        Shown {
            name: escape_controls(name).into_owned(),
            text: Arc::from(shown),
            shifts,
            line_starts,
        }
    }

    /// The shown offset of file offset `o` (an escaped char maps to the start of its escape).
    fn map(&self, o: usize) -> usize {
        let before = self.shifts.partition_point(|&(at, _)| at < o);
        let added = before
            .checked_sub(1)
            .and_then(|i| self.shifts.get(i))
            .map_or(0, |&(_, a)| a);
        let mut o = (o + added).min(self.text.len());
        // A span from elsewhere may not fall on a char boundary; never slice inside a char.
        while !self.text.is_char_boundary(o) {
            o -= 1;
        }
        o
    }

    /// 0-based line of shown offset `o`.
    fn line_of(&self, o: usize) -> usize {
        self.line_starts
            .partition_point(|&s| s <= o)
            .saturating_sub(1)
    }

    /// Shown byte range of 0-based line `l` (without its line break).
    fn line(&self, l: usize) -> (usize, usize) {
        let start = self.line_starts.get(l).copied().unwrap_or(self.text.len());
        let end = self
            .line_starts
            .get(l + 1)
            .map_or(self.text.len(), |&n| n.saturating_sub(1));
        (start, end.max(start))
    }

    /// Whether the lines miette would show for `start..end` (one line of context) are too wide.
    fn too_wide(&self, start: usize, end: usize) -> bool {
        let first = self.line_of(start).saturating_sub(1);
        let last = self.line_of(end) + 1;
        (first..=last.min(self.line_starts.len() - 1)).any(|l| {
            let (a, b) = self.line(l);
            let line = &self.text[a..b];
            line.len() + 7 * line.bytes().filter(|&c| c == b'\t').count() > MAX_SNIPPET_WIDTH
        })
    }

    /// A plain excerpt of the line at shown offset `o`, with a caret under it.
    fn excerpt(&self, span: &Span, o: usize) -> String {
        let (a, b) = self.line(self.line_of(o));
        let o = o.clamp(a, b);
        let left: Vec<char> = self.text[a..o].chars().rev().take(EXCERPT + 1).collect();
        let right: Vec<char> = self.text[o..b].chars().take(EXCERPT + 1).collect();
        let cut_left = left.len() > EXCERPT;
        let cut_right = right.len() > EXCERPT;
        let mut line = String::from(if cut_left { "…" } else { "" });
        line.extend(left.iter().take(EXCERPT).rev().map(|&c| tab(c)));
        let caret = line.chars().count();
        line.extend(right.iter().take(EXCERPT).map(|&c| tab(c)));
        if cut_right {
            line.push('…');
        }
        format!(
            "  at {}:{}:{} (the line is too wide to show; an excerpt):\n    {line}\n    {}^\n",
            self.name,
            span.line,
            span.column,
            " ".repeat(caret)
        )
    }
}

fn tab(c: char) -> char {
    if c == '\t' { ' ' } else { c }
}

/// The source and label for `span`, when its file is among the sources and its lines are
/// narrow enough; otherwise a plain excerpt when the file is known.
fn snippet(
    span: &Span,
    label: &str,
    files: &HashMap<&str, Shown>,
) -> (
    Option<NamedSource<Arc<str>>>,
    Vec<LabeledSpan>,
    Option<String>,
) {
    let Some(shown) = files.get(&*span.file) else {
        return (None, Vec::new(), None);
    };
    let start = shown.map(span.offset);
    let end = shown.map(span.offset.saturating_add(span.len)).max(start);
    if shown.too_wide(start, end) {
        return (None, Vec::new(), Some(shown.excerpt(span, start)));
    }
    let src = NamedSource::new(&shown.name, shown.text.clone());
    let label = LabeledSpan::new_primary_with_span(
        Some(escape_controls(label).into_owned()),
        (start, end - start),
    );
    (Some(src), vec![label], None)
}

fn location(span: &Span) -> String {
    let at = if span.path.is_empty() {
        span.to_string()
    } else {
        format!("{span} at {}", span.path)
    };
    escape_controls(&at).into_owned()
}

/// Diagnostics rendered one per task when there are at least this many (an estate's warnings).
const PARALLEL_DIAGNOSTICS: usize = 64;

/// Render `diags` with snippets from `sources`. Only the files the diagnostics point into are
/// prepared; many diagnostics are rendered in parallel and joined in their order.
pub fn render(diags: &[Diagnostic], sources: &[SourceFile], color: bool) -> String {
    use rayon::prelude::*;
    let shown = grouped(diags);
    // The later members of a group are listed by location only: their files are not needed.
    let wanted: HashSet<&str> = shown
        .iter()
        .flat_map(|(d, _)| d.span.iter().chain(d.related.iter().map(|(s, _)| s)))
        .map(|s| &*s.file)
        .collect();
    let files: HashMap<&str, Shown> = sources
        .iter()
        .filter(|s| wanted.contains(s.name.as_str()))
        .map(|s| (s.name.as_str(), Shown::new(&s.name, &s.text)))
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
    let one = |(d, also): &(&Diagnostic, Vec<&Span>)| {
        let mut out = String::new();
        render_one(&mut out, &handler, d, &files);
        out.push_str(&also_at(also));
        out
    };
    if shown.len() >= PARALLEL_DIAGNOSTICS {
        shown.par_iter().map(one).collect::<Vec<_>>().concat()
    } else {
        shown.iter().map(one).collect()
    }
}

/// The diagnostics to show in full, each with the locations of the later members of its group
/// ([`Diagnostic::group`] at the same YAML path), which are not shown again.
fn grouped(diags: &[Diagnostic]) -> Vec<(&Diagnostic, Vec<&Span>)> {
    let mut shown: Vec<(&Diagnostic, Vec<&Span>)> = Vec::new();
    let mut first: HashMap<(&str, &str), usize> = HashMap::new();
    for d in diags {
        if let (Some(group), Some(span)) = (d.group.as_deref(), &d.span) {
            let key = (group, &*span.path);
            if let Some((_, also)) = first.get(&key).and_then(|&i| shown.get_mut(i)) {
                also.push(span);
                continue;
            }
            first.insert(key, shown.len());
        }
        shown.push((d, Vec::new()));
    }
    shown
}

/// The lines listing where else a grouped diagnostic applies, one location per line.
fn also_at(spans: &[&Span]) -> String {
    if spans.is_empty() {
        return String::new();
    }
    let n = spans.len();
    let mut out = format!(
        "  = the same at {n} more place{}:\n",
        if n == 1 { "" } else { "s" }
    );
    for s in spans {
        out.push_str("      ");
        out.push_str(&escape_controls(&s.to_string()));
        out.push('\n');
    }
    out
}

fn render_one(
    out: &mut String,
    handler: &GraphicalReportHandler,
    d: &Diagnostic,
    files: &HashMap<&str, Shown>,
) {
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
    let mut excerpts = String::new();
    let (src, labels) = match &d.span {
        Some(span) => {
            let label = if span.path.is_empty() {
                "here"
            } else {
                &span.path
            };
            let (src, labels, excerpt) = snippet(span, label, files);
            excerpts.extend(excerpt);
            (src, labels)
        }
        None => (None, Vec::new()),
    };
    let related = d
        .related
        .iter()
        .map(|(span, label)| {
            let (src, labels, excerpt) = snippet(span, &span.path, files);
            excerpts.extend(excerpt);
            Report {
                message: format!("{} ({})", escape_controls(label), location(span)),
                severity: miette::Severity::Advice,
                help: None,
                src,
                labels,
                related: Vec::new(),
            }
        })
        .collect();
    let report = Report {
        message: escape_controls(&d.message).into_owned(),
        severity: match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        },
        help: d.hint.as_deref().map(|h| escape_controls(h).into_owned()),
        src,
        labels,
        related,
    };
    let mut body = String::new();
    if handler.render_report(&mut body, &report).is_err() {
        body = format!("  {}\n", report.message);
    }
    body.push_str(&excerpts);
    // Trailing spaces differ between terminals and editors; drop them for stable goldens.
    for line in body.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use score_x_core::Code;

    fn source(text: &str) -> Vec<SourceFile> {
        vec![SourceFile {
            name: "f.yaml".into(),
            text: text.into(),
        }]
    }

    fn at(offset: usize, line: u32, column: u32, path: &str) -> Span {
        Span {
            file: Arc::from("f.yaml"),
            line,
            column,
            offset,
            len: 1,
            path: Arc::from(path),
        }
    }

    #[test]
    fn a_70000_column_line_falls_back_to_an_excerpt() {
        let text = format!("a: {}b\n", "x".repeat(70_000));
        let d = Diagnostic::error(Code::InvalidValue, "bad").at(at(70_003, 1, 70_004, "/a"));
        let out = render(&[d], &source(&text), false);
        assert!(
            out.contains("f.yaml:1:70004 (the line is too wide"),
            "{out}"
        );
        assert!(out.contains(&format!("…{}b", "x".repeat(40))), "{out}");
        assert!(out.lines().all(|l| l.chars().count() < 200), "{out}");
        let (caret, excerpt) = {
            let lines: Vec<&str> = out.lines().collect();
            let i = lines.iter().position(|l| l.contains('…')).unwrap();
            (lines[i + 1].find('^').unwrap(), lines[i])
        };
        assert_eq!(excerpt.chars().nth(caret), Some('b'));
    }

    #[test]
    fn spans_inside_a_char_or_past_the_end_do_not_panic() {
        let wide = format!("a: {}é\n", "x".repeat(2000));
        for (text, offset) in [("é: 1\n", 1), ("a: 1\n", 99), (wide.as_str(), 2004)] {
            let d = Diagnostic::error(Code::InvalidValue, "bad").at(at(offset, 1, 2, "/a"));
            let out = render(&[d], &source(text), false);
            assert!(out.contains("bad"), "{out}");
        }
    }

    #[test]
    fn a_group_is_shown_once_with_the_other_locations_under_it() {
        let in_file = |file: &str, line: u32, path: &str| Span {
            file: Arc::from(file),
            ..at(3, line, 4, path)
        };
        let approx = |who: &str, span: Span| {
            Diagnostic::warning(Code::Approximated, format!("{who}: approximated"))
                .at(span)
                .grouped("approximated X on t")
        };
        let diags = [
            approx("a", in_file("f.yaml", 1, "/x")),
            approx("a-other-path", in_file("f.yaml", 2, "/y")),
            Diagnostic::warning(Code::Approximated, "ungrouped").at(in_file("g.yaml", 1, "/x")),
            approx("b", in_file("g.yaml", 1, "/x")),
            approx("c", in_file("h.yaml", 7, "/x")),
        ];
        let mut sources = source("a: 1\nb: 2\n");
        sources.push(SourceFile {
            name: "g.yaml".into(),
            text: "a: 1\n".into(),
        });
        let out = render(&diags, &sources, false);
        assert_eq!(out.matches("warning[APPROXIMATED]").count(), 3, "{out}");
        assert!(
            out.contains("  = the same at 2 more places:\n      g.yaml:1:4\n      h.yaml:7:4\n"),
            "{out}"
        );
        assert!(
            !out.contains("b: approximated") && !out.contains("c: approximated"),
            "{out}"
        );
        assert!(
            out.contains("a-other-path") && out.contains("ungrouped"),
            "{out}"
        );
        let a = out.find("a: approximated").unwrap();
        assert!(a < out.find("a-other-path").unwrap() && a < out.find("ungrouped").unwrap());
    }

    #[test]
    fn narrow_lines_keep_the_miette_snippet() {
        let d = Diagnostic::error(Code::InvalidValue, "bad").at(at(3, 1, 4, "/a"));
        let out = render(&[d], &source("a: 1\n"), false);
        assert!(out.contains("╭─[f.yaml:1:4]"), "{out}");
    }

    #[test]
    fn control_characters_are_escaped_in_messages_paths_and_snippets() {
        let text = "a:\n  \"\u{1b}[31mk\u{7}\": 1\n";
        let d = Diagnostic::error(Code::UnknownField, "unknown field `\u{1b}[31mk\u{7}`")
            .at(at(5, 2, 3, "/a/\u{1b}[31mk\u{7}"))
            .hint("remove \u{9b}it");
        for color in [false, true] {
            let out = render(std::slice::from_ref(&d), &source(text), color);
            let raw: Vec<char> = out
                .chars()
                .filter(|&c| is_unsafe(c) && c != '\u{1b}')
                .collect();
            assert!(raw.is_empty(), "{out:?}");
            if !color {
                assert!(!out.contains('\u{1b}'), "{out:?}");
            }
            assert!(out.contains("\\u{1b}[31mk\\u{7}"), "{out}");
            assert!(out.contains("remove \\u{9b}it"), "{out}");
        }
    }

    #[test]
    fn offsets_after_escaped_characters_still_point_at_the_node() {
        let text = "a: \"\u{7}\u{7}\"\nb: x\n";
        let d = Diagnostic::error(Code::InvalidValue, "bad").at(at(11, 2, 4, "/b"));
        let out = render(&[d], &source(text), false);
        let lines: Vec<&str> = out.lines().collect();
        let src = lines.iter().position(|l| l.contains("b: x")).unwrap();
        let col = lines[src].chars().position(|c| c == 'x').unwrap();
        assert_eq!(lines[src + 1].chars().nth(col), Some('┬'), "{out}");
    }

    proptest::proptest! {
        #[test]
        fn rendering_never_panics_and_never_shows_a_control_character(
            text in "(?s).{0,300}",
            msg in "(?s).{0,40}",
            offset in 0usize..400,
            len in 0usize..60,
        ) {
            let mut span = at(offset, 1, 1, "/a");
            span.len = len;
            let d = Diagnostic::error(Code::InvalidValue, msg).at(span.clone()).related(span, "x");
            let out = render(&[d], &source(&text), false);
            proptest::prop_assert!(!out.chars().any(is_unsafe), "{:?}", out);
        }
    }
}
