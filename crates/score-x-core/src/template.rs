//! Score placeholder strings parsed once into templates of literal and reference parts.
//!
//! Grammar (compatible with score-go's `framework/substitution.go`):
//! - `${ref}` is a reference; `ref` is split on `.`, and `\.` escapes a dot inside a key;
//! - `$${` is a literal `${` (the rest up to `}` is literal text);
//! - `$$` is a literal `$`;
//! - a lone `$` followed by anything else is a literal `$`;
//! - the root of a reference is `metadata` or `resources`; anything else is an error.
//!
//! Unlike the reference implementations, an unterminated `${` is an error rather than text.

use std::fmt;

use serde::Serialize;

/// The root of a placeholder reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Root {
    /// `${metadata.KEY…}`: the workload's own metadata.
    Metadata,
    /// `${resources.NAME.OUTPUT…}`: an output of a resource declared by the workload.
    Resources,
}

/// A parsed `${…}` reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Ref {
    pub root: Root,
    /// Keys after the root, unescaped (`my\.key` is stored as `my.key`).
    pub keys: Vec<String>,
}

impl Ref {
    /// For `resources` refs, the resource name (first key).
    pub fn resource_name(&self) -> Option<&str> {
        match self.root {
            Root::Resources => self.keys.first().map(String::as_str),
            Root::Metadata => None,
        }
    }

    /// For `resources` refs, the output path after the resource name.
    pub fn output_path(&self) -> &[String] {
        match self.root {
            Root::Resources if !self.keys.is_empty() => &self.keys[1..],
            _ => &[],
        }
    }
}

impl fmt::Display for Ref {
    /// The text between `${` and `}`, with dots in keys escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.root {
            Root::Metadata => "metadata",
            Root::Resources => "resources",
        })?;
        for k in &self.keys {
            f.write_str(".")?;
            f.write_str(&k.replace('.', "\\."))?;
        }
        Ok(())
    }
}

/// A part of a template.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    /// Literal text, already unescaped.
    Text(String),
    /// A reference to substitute.
    Ref(Ref),
}

/// A parsed placeholder string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Template {
    parts: Vec<Part>,
}

/// Why a placeholder string does not parse. `offset` is a byte offset into the string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("unterminated placeholder at byte {offset}: `${{` has no closing `}}`")]
    Unterminated { offset: usize },
    #[error("empty placeholder `${{}}` at byte {offset}")]
    Empty { offset: usize },
    #[error("placeholder `${{{text}}}` has an empty key")]
    EmptyKey { offset: usize, text: String },
    #[error(
        "placeholder `${{{text}}}` has unknown root `{root}`; use `metadata` or `resources` (write `$${{` for a literal `${{`)"
    )]
    UnknownRoot {
        offset: usize,
        text: String,
        root: String,
    },
    #[error("placeholder `${{{text}}}` needs at least one key after `{root}`")]
    NoKey {
        offset: usize,
        text: String,
        root: String,
    },
}

impl TemplateError {
    pub fn offset(&self) -> usize {
        match self {
            TemplateError::Unterminated { offset }
            | TemplateError::Empty { offset }
            | TemplateError::EmptyKey { offset, .. }
            | TemplateError::UnknownRoot { offset, .. }
            | TemplateError::NoKey { offset, .. } => *offset,
        }
    }
}

impl Template {
    /// A template of plain text with no references.
    pub fn literal(text: impl Into<String>) -> Self {
        let text = text.into();
        if text.is_empty() {
            Template { parts: vec![] }
        } else {
            Template {
                parts: vec![Part::Text(text)],
            }
        }
    }

    /// Build from parts, merging adjacent text and dropping empty text.
    pub fn from_parts(parts: impl IntoIterator<Item = Part>) -> Self {
        let mut out: Vec<Part> = Vec::new();
        for p in parts {
            match p {
                Part::Text(t) if t.is_empty() => {}
                Part::Text(t) => {
                    if let Some(Part::Text(prev)) = out.last_mut() {
                        prev.push_str(&t);
                    } else {
                        out.push(Part::Text(t));
                    }
                }
                r @ Part::Ref(_) => out.push(r),
            }
        }
        Template { parts: out }
    }

    /// Parse a Score placeholder string. `allow_bare_resource` permits `${resources.NAME}` with no
    /// output key (only valid in a volume `source`).
    pub fn parse_with(input: &str, allow_bare_resource: bool) -> Result<Self, TemplateError> {
        let bytes = input.as_bytes();
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut i = 0;
        let mut lit_start = 0;
        while i < bytes.len() {
            if bytes[i] != b'$' {
                i += 1;
                continue;
            }
            text.push_str(&input[lit_start..i]);
            match bytes.get(i + 1) {
                Some(b'{') => {
                    let start = i + 2;
                    let Some(close) = input[start..].find('}') else {
                        return Err(TemplateError::Unterminated { offset: i });
                    };
                    let inner = &input[start..start + close];
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    parts.push(Part::Ref(parse_ref(inner, i, allow_bare_resource)?));
                    i = start + close + 1;
                }
                Some(b'$') => {
                    // `$${…}` → literal `${…}` when closed; otherwise `$$` → `$`.
                    if bytes.get(i + 2) == Some(&b'{') && input[i + 3..].contains('}') {
                        let close = i + 3 + input[i + 3..].find('}').unwrap_or(0);
                        text.push_str(&input[i + 1..=close]);
                        i = close + 1;
                    } else {
                        text.push('$');
                        i += 2;
                    }
                }
                _ => {
                    text.push('$');
                    i += 1;
                }
            }
            lit_start = i;
        }
        text.push_str(&input[lit_start..]);
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template::from_parts(parts))
    }

    /// Parse with `${resources.NAME}` (no output key) rejected.
    pub fn parse(input: &str) -> Result<Self, TemplateError> {
        Self::parse_with(input, false)
    }

    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The references in order of appearance.
    pub fn refs(&self) -> impl Iterator<Item = &Ref> {
        self.parts.iter().filter_map(|p| match p {
            Part::Ref(r) => Some(r),
            Part::Text(_) => None,
        })
    }

    /// True when the template has no references.
    pub fn is_literal(&self) -> bool {
        self.refs().next().is_none()
    }

    /// The literal text when the template has no references.
    pub fn as_literal(&self) -> Option<String> {
        if self.is_literal() {
            Some(
                self.parts
                    .iter()
                    .map(|p| match p {
                        Part::Text(t) => t.as_str(),
                        Part::Ref(_) => "",
                    })
                    .collect(),
            )
        } else {
            None
        }
    }

    /// False for the one shape Score's escape grammar cannot write: a literal `${` with no `}`
    /// after it in the same literal run, followed by a reference (`$${` swallows text up to the
    /// next `}`, which would then be the reference's).
    pub fn is_expressible(&self) -> bool {
        self.parts.iter().enumerate().all(|(i, p)| match p {
            Part::Text(t) => match t.rfind("${") {
                Some(pos) => t[pos..].contains('}') || i + 1 == self.parts.len(),
                None => true,
            },
            Part::Ref(_) => true,
        })
    }

    /// Print back in Score syntax: refs as `${…}`; in text, a literal `${…}` as `$${…}` (whose
    /// inside the parser copies verbatim) and every other `$` as `$$`.
    /// `Template::parse(&t.to_source()) == Ok(t)` for every expressible template.
    pub fn to_source(&self) -> String {
        let mut s = String::new();
        for p in &self.parts {
            match p {
                Part::Text(t) => escape_text(t, &mut s),
                Part::Ref(r) => {
                    s.push_str("${");
                    s.push_str(&r.to_string());
                    s.push('}');
                }
            }
        }
        s
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_source())
    }
}

/// Write literal text so that parsing gives it back.
fn escape_text(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let at = &rest[pos..];
        if at.starts_with("${")
            && let Some(close) = at.find('}')
        {
            // `$${…}` up to the first `}`: the parser keeps everything inside as it is.
            out.push('$');
            out.push_str(&at[..=close]);
            rest = &at[close + 1..];
        } else {
            out.push_str("$$");
            rest = &at[1..];
        }
    }
    out.push_str(rest);
}

fn parse_ref(inner: &str, offset: usize, allow_bare_resource: bool) -> Result<Ref, TemplateError> {
    if inner.is_empty() {
        return Err(TemplateError::Empty { offset });
    }
    let keys = split_keys(inner);
    if keys.iter().any(String::is_empty) {
        return Err(TemplateError::EmptyKey {
            offset,
            text: inner.to_string(),
        });
    }
    let (root, rest) = keys
        .split_first()
        .expect("split_keys yields at least one key");
    let root = match root.as_str() {
        "metadata" => Root::Metadata,
        "resources" => Root::Resources,
        other => {
            return Err(TemplateError::UnknownRoot {
                offset,
                text: inner.to_string(),
                root: other.to_string(),
            });
        }
    };
    let needed = match root {
        Root::Resources if !allow_bare_resource => 2,
        _ => 1,
    };
    if rest.len() < needed {
        return Err(TemplateError::NoKey {
            offset,
            text: inner.to_string(),
            root: if root == Root::Resources && !rest.is_empty() {
                format!("resources.{}", rest[0])
            } else {
                keys[0].clone()
            },
        });
    }
    Ok(Ref {
        root,
        keys: rest.to_vec(),
    })
}

/// Split on `.`, honouring `\.` as an escaped dot.
fn split_keys(s: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'.') => {
                chars.next();
                out.last_mut().expect("non-empty").push('.');
            }
            '.' => out.push(String::new()),
            c => out.last_mut().expect("non-empty").push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(s: &str) -> Part {
        Part::Text(s.into())
    }
    fn r(root: Root, keys: &[&str]) -> Part {
        Part::Ref(Ref {
            root,
            keys: keys.iter().map(|k| k.to_string()).collect(),
        })
    }

    #[test]
    fn plain_text() {
        assert_eq!(Template::parse("hello").unwrap().parts(), &[text("hello")]);
        assert!(Template::parse("").unwrap().parts().is_empty());
    }

    #[test]
    fn references_and_text() {
        let t = Template::parse("postgres://${resources.db.username}@${resources.db.host}:5432")
            .unwrap();
        assert_eq!(
            t.parts(),
            &[
                text("postgres://"),
                r(Root::Resources, &["db", "username"]),
                text("@"),
                r(Root::Resources, &["db", "host"]),
                text(":5432"),
            ]
        );
    }

    #[test]
    fn escapes_follow_score_go() {
        assert_eq!(Template::parse("$${x}").unwrap().parts(), &[text("${x}")]);
        assert_eq!(Template::parse("a$$b").unwrap().parts(), &[text("a$b")]);
        assert_eq!(
            Template::parse("$$_$${fizzbuzz}").unwrap().parts(),
            &[text("$_${fizzbuzz}")]
        );
        assert_eq!(
            Template::parse("cost $5").unwrap().parts(),
            &[text("cost $5")]
        );
        assert_eq!(Template::parse("end$").unwrap().parts(), &[text("end$")]);
        assert_eq!(
            Template::parse("$${unclosed").unwrap().parts(),
            &[text("${unclosed")]
        );
    }

    #[test]
    fn escaped_braces_keep_their_inside_verbatim() {
        // `$${…}` copies its inside as written, `$` included (score-go semantics).
        let t = Template::parse("$${$}").unwrap();
        assert_eq!(t.parts(), &[text("${$}")]);
        assert_eq!(t.to_source(), "$${$}");
        for s in [
            "$${a$$b} $$ ${metadata.x} $",
            "a$",
            "$$$${a}",
            "${metadata.a}$${b}",
        ] {
            let t = Template::parse(s).unwrap();
            assert_eq!(Template::parse(&t.to_source()), Ok(t), "{s}");
        }
    }

    #[test]
    fn escaped_dot_in_key() {
        let t = Template::parse("${metadata.annotations.example\\.com/x}").unwrap();
        assert_eq!(
            t.parts(),
            &[r(Root::Metadata, &["annotations", "example.com/x"])]
        );
        assert_eq!(t.to_source(), "${metadata.annotations.example\\.com/x}");
    }

    #[test]
    fn errors() {
        assert!(matches!(
            Template::parse("${x.y}"),
            Err(TemplateError::UnknownRoot { .. })
        ));
        assert!(matches!(
            Template::parse("a ${metadata.name"),
            Err(TemplateError::Unterminated { offset: 2 })
        ));
        assert!(matches!(
            Template::parse("${}"),
            Err(TemplateError::Empty { .. })
        ));
        assert!(matches!(
            Template::parse("${metadata}"),
            Err(TemplateError::NoKey { .. })
        ));
        assert!(matches!(
            Template::parse("${resources.db}"),
            Err(TemplateError::NoKey { .. })
        ));
        assert!(matches!(
            Template::parse("${metadata..x}"),
            Err(TemplateError::EmptyKey { .. })
        ));
        assert!(Template::parse_with("${resources.db}", true).is_ok());
    }

    #[test]
    fn unknown_root_message_suggests_escape() {
        let e = Template::parse("${env.HOME}").unwrap_err();
        assert!(e.to_string().contains("$${"), "{e}");
    }

    fn arb_key() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9_./-]{1,8}"
    }

    fn arb_part() -> impl Strategy<Value = Part> {
        prop_oneof![
            "[ -~]{1,12}".prop_map(Part::Text),
            (prop::bool::ANY, prop::collection::vec(arb_key(), 2..4)).prop_map(|(m, keys)| {
                Part::Ref(Ref {
                    root: if m { Root::Metadata } else { Root::Resources },
                    keys,
                })
            }),
        ]
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC*") {
            let _ = Template::parse(&s);
            let _ = Template::parse_with(&s, true);
        }

        #[test]
        fn parse_never_panics_on_dollar_soup(s in "[$\\{\\}a.\\\\]{0,24}") {
            let _ = Template::parse(&s);
        }

        #[test]
        fn print_parse_round_trip(parts in prop::collection::vec(arb_part(), 0..6)) {
            // Keys containing `}` or `\` cannot be expressed; the strategy avoids them.
            let t = Template::from_parts(parts);
            prop_assume!(t.is_expressible());
            let printed = t.to_source();
            prop_assert_eq!(Template::parse(&printed), Ok(t));
        }

        #[test]
        fn parse_print_parse_is_stable(s in "[ -~]{0,40}") {
            if let Ok(t) = Template::parse(&s) {
                prop_assert_eq!(Template::parse(&t.to_source()), Ok(t));
            }
        }
    }
}
