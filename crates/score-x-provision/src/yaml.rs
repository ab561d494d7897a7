//! A tiny spanned YAML tree (yaml-rust2 events with markers), for decoding provisioner files with
//! file/line diagnostics and "did you mean" on unknown keys.

use std::sync::Arc;

use score_x_core::{Code, Diagnostic, Span};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A YAML node with the position where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub kind: Kind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// A scalar with its style (block scalars start on the line after their indicator).
    Scalar(String, TScalarStyle),
    Seq(Vec<Node>),
    /// Keys in document order (key node, value node).
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The scalar text, when the node is a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(s, _) => Some(s),
            _ => None,
        }
    }

    /// True for a plain `null`, `~` or empty scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar(s, TScalarStyle::Plain) if s.is_empty() || s == "~" || s == "null")
    }

    /// Short name of the node's shape, for error messages.
    pub fn shape(&self) -> &'static str {
        match &self.kind {
            Kind::Scalar(..) if self.is_null() => "null",
            Kind::Scalar(..) => "a scalar",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a map",
        }
    }

    /// The file line of the first line of this scalar's text (yaml-rust2 marks block scalars at
    /// their first content line already).
    pub fn content_line(&self) -> u32 {
        self.span.line
    }

    /// Convert to JSON (plain scalars typed as YAML 1.2 core schema: null, bool, int, float).
    pub fn to_json(&self) -> serde_json::Value {
        match &self.kind {
            Kind::Scalar(s, TScalarStyle::Plain) => plain_scalar(s),
            Kind::Scalar(s, _) => serde_json::Value::String(s.clone()),
            Kind::Seq(items) => serde_json::Value::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

fn plain_scalar(s: &str) -> serde_json::Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => serde_json::Value::Null,
        "true" | "True" | "TRUE" => serde_json::Value::Bool(true),
        "false" | "False" | "FALSE" => serde_json::Value::Bool(false),
        _ => {
            if let Ok(i) = s.parse::<i64>() {
                return serde_json::Value::from(i);
            }
            if s.chars().any(|c| c.is_ascii_digit())
                && let Ok(f) = s.parse::<f64>()
                && let Some(n) = serde_json::Number::from_f64(f)
            {
                return serde_json::Value::Number(n);
            }
            serde_json::Value::String(s.to_string())
        }
    }
}

struct Builder {
    file: Arc<str>,
    /// Open containers: (node under construction, pending map key).
    stack: Vec<(Node, Option<Node>)>,
    root: Option<Node>,
    error: Option<Diagnostic>,
}

impl Builder {
    fn span(&self, mark: Marker) -> Span {
        Span {
            file: self.file.clone(),
            line: u32::try_from(mark.line()).unwrap_or(u32::MAX),
            column: u32::try_from(mark.col() + 1).unwrap_or(u32::MAX),
            offset: mark.index(),
            len: 0,
            path: Arc::from(""),
        }
    }

    fn finish(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some((parent, pending)) => match &mut parent.kind {
                Kind::Seq(items) => items.push(node),
                Kind::Map(entries) => match pending.take() {
                    None => *pending = Some(node),
                    Some(key) => entries.push((key, node)),
                },
                Kind::Scalar(..) => {}
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let span = self.span(mark);
        match ev {
            Event::Scalar(s, style, _, _) => self.finish(Node {
                kind: Kind::Scalar(s, style),
                span,
            }),
            Event::SequenceStart(..) => self.stack.push((
                Node {
                    kind: Kind::Seq(vec![]),
                    span,
                },
                None,
            )),
            Event::MappingStart(..) => self.stack.push((
                Node {
                    kind: Kind::Map(vec![]),
                    span,
                },
                None,
            )),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((node, _)) = self.stack.pop() {
                    self.finish(node);
                }
            }
            Event::Alias(_) if self.error.is_none() => {
                self.error = Some(
                    Diagnostic::error(
                        Code::YamlSyntax,
                        "YAML aliases are not supported in provisioner files",
                    )
                    .at(span),
                );
            }
            _ => {}
        }
    }
}

/// Parse the first document of `text`. An empty document is `None`.
pub(crate) fn parse(file: &str, text: &str) -> Result<Option<Node>, Diagnostic> {
    let mut b = Builder {
        file: Arc::from(file),
        stack: vec![],
        root: None,
        error: None,
    };
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut b, false) {
        let span = b.span(*e.marker());
        return Err(
            Diagnostic::error(Code::YamlSyntax, format!("invalid YAML: {}", e.info())).at(span),
        );
    }
    if let Some(e) = b.error {
        return Err(e);
    }
    Ok(b.root)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spans_and_json() {
        let text = "- uri: a\n  n: 5\n  s: |\n    hello\n- x: [true, ~, 1.5, '2']\n";
        let root = parse("f.yaml", text).unwrap().unwrap();
        let Kind::Seq(items) = &root.kind else {
            panic!()
        };
        assert_eq!(items[0].span.line, 1);
        assert_eq!(items[1].span.line, 5);
        let Kind::Map(e) = &items[0].kind else {
            panic!()
        };
        assert_eq!(e[2].1.content_line(), 4);
        assert_eq!(e[1].0.span.line, 2);
        assert_eq!(e[1].0.span.column, 3);
        assert_eq!(
            root.to_json(),
            json!([{"uri": "a", "n": 5, "s": "hello\n"}, {"x": [true, null, 1.5, "2"]}])
        );
        let t = parse("f", "a: |\n\n  x\n").unwrap().unwrap();
        let Kind::Map(e) = &t.kind else { panic!() };
        assert!(e[0].1.content_line() >= 2);
    }

    #[test]
    fn syntax_error_has_line() {
        let e = parse("f.yaml", "- a: [1,\n- b").unwrap_err();
        assert_eq!(e.code, Code::YamlSyntax);
        assert!(e.span.unwrap().line >= 2);
    }
}
