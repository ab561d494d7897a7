//! Diagnostics: what went wrong (or is suspicious), where, and how to fix it.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;

/// A location in a source file: 1-based line and column, byte range, and the YAML path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    /// The file as the user named it (e.g. `services/api/score.yaml`).
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// Byte offset of the start of the node in the file.
    pub offset: usize,
    /// Byte length of the node (0 when unknown).
    pub len: usize,
    /// JSON-pointer-like YAML path, e.g. `/containers/main/image`.
    pub path: Arc<str>,
}

impl Span {
    /// A span that only knows its file (line 1, column 1), for whole-file problems.
    pub fn file_only(file: impl Into<Arc<str>>) -> Self {
        Span {
            file: file.into(),
            line: 1,
            column: 1,
            offset: 0,
            len: 0,
            path: Arc::from(""),
        }
    }

    /// The same position with another YAML path.
    pub fn with_path(&self, path: impl Into<Arc<str>>) -> Self {
        Span {
            path: path.into(),
            ..self.clone()
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Error or warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Stable, machine-readable diagnostic codes (printed by `validate --format json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    RequiredField,
    PatternMismatch,
    ValueOutOfRange,
    UnknownField,
    InvalidType,
    InvalidValue,
    YamlSyntax,
    YamlTooLarge,
    InvalidText,
    UnsupportedVersion,
    WrongShape,
    UnknownResource,
    UnknownContainer,
    InvalidPlaceholder,
    ParamsConflict,
    DependencyCycle,
    DuplicateWorkload,
    MissingProbe,
    FileNotFound,
    Deprecated,
    InvalidOverride,
    Provisioner,
    NoProvisioner,
    UnknownOutput,
    InvalidParam,
    Unsupported,
    Approximated,
    Io,
    State,
    Backend,
    /// A patch operation that could not be read or applied.
    Patch,
    /// A bug of score-x (a model that breaks its own invariants), never the user's input.
    Internal,
}

impl Code {
    /// The SCREAMING_SNAKE_CASE name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::RequiredField => "REQUIRED_FIELD",
            Code::PatternMismatch => "PATTERN_MISMATCH",
            Code::ValueOutOfRange => "VALUE_OUT_OF_RANGE",
            Code::UnknownField => "UNKNOWN_FIELD",
            Code::InvalidType => "INVALID_TYPE",
            Code::InvalidValue => "INVALID_VALUE",
            Code::YamlSyntax => "YAML_SYNTAX",
            Code::YamlTooLarge => "YAML_TOO_LARGE",
            Code::InvalidText => "INVALID_TEXT",
            Code::UnsupportedVersion => "UNSUPPORTED_VERSION",
            Code::WrongShape => "WRONG_SHAPE",
            Code::UnknownResource => "UNKNOWN_RESOURCE",
            Code::UnknownContainer => "UNKNOWN_CONTAINER",
            Code::InvalidPlaceholder => "INVALID_PLACEHOLDER",
            Code::ParamsConflict => "PARAMS_CONFLICT",
            Code::DependencyCycle => "DEPENDENCY_CYCLE",
            Code::DuplicateWorkload => "DUPLICATE_WORKLOAD",
            Code::MissingProbe => "MISSING_PROBE",
            Code::FileNotFound => "FILE_NOT_FOUND",
            Code::Deprecated => "DEPRECATED",
            Code::InvalidOverride => "INVALID_OVERRIDE",
            Code::Provisioner => "PROVISIONER_FAILED",
            Code::NoProvisioner => "NO_PROVISIONER",
            Code::UnknownOutput => "UNKNOWN_OUTPUT",
            Code::InvalidParam => "INVALID_PARAM",
            Code::Unsupported => "UNSUPPORTED",
            Code::Approximated => "APPROXIMATED",
            Code::Io => "IO_ERROR",
            Code::State => "STATE_ERROR",
            Code::Backend => "BACKEND_ERROR",
            Code::Patch => "PATCH_FAILED",
            Code::Internal => "INTERNAL_ERROR",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One problem, with where it is and, where possible, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    /// Primary location; `None` only for problems that belong to no file.
    pub span: Option<Span>,
    /// A suggested fix ("did you mean `image`?").
    pub hint: Option<String>,
    /// Other locations involved (e.g. the other file of a conflict).
    pub related: Vec<(Span, String)>,
    /// Diagnostics with the same group and YAML path say the same thing about different
    /// workloads (one approximation of one feature on one target): text output shows the first
    /// in full and lists the others' locations under it.
    pub group: Option<Arc<str>>,
}

impl Diagnostic {
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span: None,
            hint: None,
            related: Vec::new(),
            group: None,
        }
    }

    /// In `group` with the diagnostics that say the same at the same YAML path elsewhere.
    pub fn grouped(mut self, group: impl Into<Arc<str>>) -> Self {
        self.group = Some(group.into());
        self
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    pub fn at_opt(mut self, span: Option<Span>) -> Self {
        self.span = span;
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// One-line form: `file:line:col: error[CODE] at /path: message (hint: …)`. Control
    /// characters that came from the input are escaped (see [`escape_controls`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if let Some(span) = &self.span {
            write!(f, "{}: ", escape_controls(&span.to_string()))?;
        }
        write!(f, "{sev}[{}]", self.code)?;
        if let Some(span) = &self.span
            && !span.path.is_empty()
        {
            write!(f, " at {}", escape_controls(&span.path))?;
        }
        write!(f, ": {}", escape_controls(&self.message))?;
        if let Some(h) = &self.hint {
            write!(f, " (hint: {})", escape_controls(h))?;
        }
        Ok(())
    }
}

/// Whether `c` must not reach a terminal as is: C0 controls other than tab and line feed, DEL,
/// C1 controls, and the bidirectional overrides and isolates that reorder what is shown.
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The first five of `names` joined with commas, then how many more (`a, b, c, d, e and 7
/// more`): a message about every workload of an estate stays one line long.
pub fn first_few<S: AsRef<str>>(names: &[S]) -> String {
    const SHOWN: usize = 5;
    let mut s = names
        .iter()
        .take(SHOWN)
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        s.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    s
}

/// `s` with every control character (ESC, BEL, CR, DEL, C1, bidi overrides …) written as a
/// Rust-style escape (`\u{1b}`), so text from the input cannot drive the terminal. Tab and line
/// feed are kept. Borrowed when there is nothing to escape.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

impl std::error::Error for Diagnostic {}

/// An ordered collection of diagnostics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.is_error())
    }
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| !d.is_error())
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }
    /// Sort by file, line, column, then message, and drop exact duplicates.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            let ka = a.span.as_ref().map(|s| (s.file.clone(), s.line, s.column));
            let kb = b.span.as_ref().map(|s| (s.file.clone(), s.line, s.column));
            ka.cmp(&kb).then_with(|| a.message.cmp(&b.message))
        });
        self.0.dedup();
    }
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.0
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// The closest candidate to `word` among `candidates`, if it is close enough to suggest.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(f64, &'a str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(&word.to_ascii_lowercase(), &c.to_ascii_lowercase());
        if score >= 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// The Levenshtein distance between `a` and `b`, over chars: the one edit distance of score-x
/// (for near misses such as an output name one or two edits away).
pub fn edit_distance(a: &str, b: &str) -> usize {
    strsim::levenshtein(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_location_code_path_and_hint() {
        let span = Span::file_only("score.yaml").with_path("/containers/main/imag");
        let d = Diagnostic::error(Code::UnknownField, "unknown field `imag`")
            .at(span)
            .hint("did you mean `image`?");
        assert_eq!(
            d.to_string(),
            "score.yaml:1:1: error[UNKNOWN_FIELD] at /containers/main/imag: unknown field `imag` (hint: did you mean `image`?)"
        );
    }

    #[test]
    fn did_you_mean_picks_closest() {
        assert_eq!(
            did_you_mean("imag", ["image", "command", "args"]),
            Some("image")
        );
        assert_eq!(did_you_mean("zzzz", ["image", "command"]), None);
    }

    #[test]
    fn display_escapes_control_characters_from_the_input() {
        let span = Span::file_only("s\u{7}.yaml").with_path("/containers/main/\u{1b}[31mx");
        let d = Diagnostic::error(Code::UnknownField, "unknown field `\u{1b}[31mx\u{9b}`")
            .at(span)
            .hint("did you mean \u{202e}`image`?");
        let shown = d.to_string();
        assert_eq!(
            shown,
            "s\\u{7}.yaml:1:1: error[UNKNOWN_FIELD] at /containers/main/\\u{1b}[31mx: unknown field `\\u{1b}[31mx\\u{9b}` (hint: did you mean \\u{202e}`image`?)"
        );
        assert!(!shown.chars().any(|c| c.is_control()));
        assert!(matches!(escape_controls("plain\ttext\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn edit_distance_counts_chars() {
        assert_eq!(edit_distance("passwrd", "password"), 1);
        assert_eq!(edit_distance("é", "e"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
