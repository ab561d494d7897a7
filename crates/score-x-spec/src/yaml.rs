//! Spanned YAML tree: yaml-rust2 events turned into nodes that remember where they came from.
//!
//! - Every node has a [`Pos`] (file, 1-based line/column, byte offset and an estimated length).
//! - Scalars are typed with the YAML 1.2 core schema (plain `null`/`~`/empty, `true`/`false`,
//!   integers, floats); quoted and block scalars are always strings. The original text is kept.
//! - Anchors/aliases are expanded. The total number of nodes per file (aliases counted with
//!   their full expanded size) is bounded by [`MAX_NODES`] and the nesting by [`MAX_DEPTH`], so a
//!   "billion laughs" document fails fast with `YAML_TOO_LARGE`.
//! - Duplicate mapping keys are errors (`INVALID_VALUE`), complex (non-scalar) keys too.
//! - Merge keys (`<<: *base`, `<<: [*a, *b]`) are applied; the map's own keys win.
//! - Paths are not stored in the tree: the decoder computes them as it walks.
//! - A file may hold several documents (`---`); each non-empty document is one workload.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use score_x_core::{Code, Diagnostic, Span};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::path::child;

/// Upper bound on the number of nodes of one file after alias expansion.
pub const MAX_NODES: usize = 100_000;
/// Upper bound on the nesting depth of one document.
pub const MAX_DEPTH: usize = 64;

/// Where a node starts in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pos {
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
    pub offset: usize,
    pub len: usize,
}

impl Pos {
    /// A position that only knows its file.
    pub fn file_only(file: Arc<str>) -> Self {
        Pos {
            file,
            line: 1,
            column: 1,
            offset: 0,
            len: 0,
        }
    }

    /// The span of this position with a YAML path.
    /// The root of a document is printed as `/`.
    pub fn span(&self, path: &str) -> Span {
        let path = if path.is_empty() { "/" } else { path };
        Span {
            file: self.file.clone(),
            line: self.line,
            column: self.column,
            offset: self.offset,
            len: self.len,
            path: Arc::from(path),
        }
    }
}

/// A mapping key.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub pos: Pos,
}

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    /// The float and its text as written.
    Float(f64, String),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in document order; keys are unique.
    Map(Vec<(Key, Node)>),
}

/// A YAML node with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

impl Node {
    /// The name of the node's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(..) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
        }
    }

    /// The entry `key` of a map node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(m) => m.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The scalar text of a string, number or boolean (not null, not collections).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(_, t) => Some(t.clone()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// Plain JSON (for metadata, params comparison).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f, t) => {
                serde_json::Number::from_f64(*f).map_or_else(|| J::String(t.clone()), J::Number)
            }
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(l) => J::Array(l.iter().map(Node::to_json).collect()),
            Value::Map(m) => J::Object(
                m.iter()
                    .map(|(k, v)| (k.name.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// Number of nodes of the subtree (keys not counted).
    pub fn size(&self) -> usize {
        1 + match &self.value {
            Value::Seq(l) => l.iter().map(Node::size).sum(),
            Value::Map(m) => m.iter().map(|(_, v)| v.size()).sum(),
            _ => 0,
        }
    }
}

/// One document of a file.
#[derive(Debug, Clone)]
pub struct Document {
    pub root: Node,
    /// 0-based index of the document in its file.
    pub index: usize,
}

/// Parse `text` (named `file`) into its non-empty documents, or the errors that prevent it.
pub fn parse(file: &str, text: &str) -> Result<Vec<Document>, Vec<Diagnostic>> {
    let file: Arc<str> = Arc::from(file);
    // A UTF-8 byte order mark is not content; positions stay byte offsets into `text`.
    let (text, base) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, '\u{feff}'.len_utf8()),
        None => (text, 0),
    };
    let lines = LineIndex::new(text, base);
    let mut b = Builder {
        file: file.clone(),
        text,
        lines: &lines,
        stack: Vec::new(),
        anchors: HashMap::new(),
        docs: Vec::new(),
        doc_index: 0,
        nodes: 0,
        errors: Vec::new(),
        aborted: false,
    };
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut b, true) {
        let pos = lines.pos(&file, text, e.marker());
        let d = Diagnostic::error(Code::YamlSyntax, format!("YAML syntax error: {}", e.info()))
            .at(pos.span(&b.path()))
            .hint("check the indentation and quoting around this line");
        return Err(vec![d]);
    }
    if !b.errors.is_empty() {
        return Err(b.errors);
    }
    Ok(b.docs)
}

/// Byte offsets of line starts, to turn yaml-rust2 markers (char index, 0-based column) into
/// byte offsets and 1-based columns.
struct LineIndex {
    starts: Vec<usize>,
    /// Bytes before the parsed text (a byte order mark).
    base: usize,
}

impl LineIndex {
    fn new(text: &str, base: usize) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts, base }
    }

    fn pos(&self, file: &Arc<str>, text: &str, m: &Marker) -> Pos {
        let line = m.line().max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(text.len());
        let rest = text.get(start..).unwrap_or("");
        let offset = start
            + rest
                .char_indices()
                .nth(m.col())
                .map_or(rest.len(), |(i, _)| i);
        Pos {
            file: file.clone(),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
            offset: offset + self.base,
            len: 0,
        }
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: usize,
    },
    Map {
        entries: Vec<(Key, Node)>,
        seen: HashSet<String>,
        key: Option<Key>,
        pos: Pos,
        anchor: usize,
    },
}

struct Builder<'a> {
    file: Arc<str>,
    text: &'a str,
    lines: &'a LineIndex,
    stack: Vec<Frame>,
    /// anchor id → (node, expanded size, height)
    anchors: HashMap<usize, (Node, usize, usize)>,
    docs: Vec<Document>,
    doc_index: usize,
    nodes: usize,
    errors: Vec<Diagnostic>,
    aborted: bool,
}

impl Builder<'_> {
    /// The YAML path of the node being built.
    fn path(&self) -> String {
        let mut p = String::new();
        for f in &self.stack {
            match f {
                Frame::Seq { items, .. } => p = child(&p, &items.len().to_string()),
                Frame::Map { key: Some(k), .. } => p = child(&p, &k.name),
                Frame::Map { key: None, .. } => {}
            }
        }
        p
    }

    fn too_large(&mut self, pos: &Pos, what: String) {
        let d = Diagnostic::error(Code::YamlTooLarge, what)
            .at(pos.span(&self.path()))
            .hint(format!(
                "score files are limited to {MAX_NODES} nodes after expanding aliases and to {MAX_DEPTH} levels of nesting; avoid nested aliases"
            ));
        self.errors.push(d);
        self.aborted = true;
        self.stack.clear();
    }

    fn count(&mut self, n: usize, pos: &Pos) -> bool {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            self.too_large(
                pos,
                format!("document too large: more than {MAX_NODES} nodes after expanding aliases"),
            );
            return false;
        }
        true
    }

    fn scalar_len(&self, offset: usize, value: &str, style: TScalarStyle) -> usize {
        let rest = self
            .text
            .get(offset.saturating_sub(self.lines.base)..)
            .unwrap_or("");
        let line = rest.split('\n').next().unwrap_or("").trim_end_matches('\r');
        match style {
            TScalarStyle::Plain if !value.contains('\n') && line.starts_with(value) => value.len(),
            TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => {
                let q = if style == TScalarStyle::SingleQuoted {
                    '\''
                } else {
                    '"'
                };
                line.char_indices()
                    .skip(1)
                    .find(|&(_, c)| c == q)
                    .map_or(line.trim_end().len(), |(i, _)| i + 1)
            }
            _ => {
                let t = line.split(" #").next().unwrap_or(line).trim_end();
                t.len()
            }
        }
    }

    /// Deliver a finished node to the parent frame (or finish the document).
    fn deliver(&mut self, node: Node, anchor: usize, height: usize) {
        if anchor != 0 {
            let size = node.size();
            self.anchors.insert(anchor, (node.clone(), size, height));
        }
        let path_for_err = self.path();
        match self.stack.last_mut() {
            None => {
                if !matches!(node.value, Value::Null) {
                    self.docs.push(Document {
                        root: node,
                        index: self.doc_index,
                    });
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries, seen, key, ..
            }) => {
                match key.take() {
                    Some(k) => {
                        let mut node = node;
                        if matches!(node.value, Value::Map(_) | Value::Seq(_)) {
                            // A collection is best pointed at by the key that introduces it.
                            node.pos = k.pos.clone();
                        }
                        if seen.insert(k.name.clone()) {
                            entries.push((k, node));
                        } else {
                            let d = Diagnostic::error(
                            Code::InvalidValue,
                            format!("duplicate key `{}`", k.name),
                        )
                        .at(k.pos.span(&path_for_err))
                        .hint("each key may appear only once in a map; remove or merge the duplicate");
                            self.errors.push(d);
                        }
                    }
                    None => {
                        let name = match node.scalar_text() {
                            Some(t) => t,
                            None if matches!(node.value, Value::Null) => String::new(),
                            None => {
                                let d = Diagnostic::error(
                                    Code::InvalidType,
                                    format!("map keys must be scalars, found {}", node.type_name()),
                                )
                                .at(node.pos.span(&path_for_err));
                                self.errors.push(d);
                                String::from("<complex key>")
                            }
                        };
                        *key = Some(Key {
                            name,
                            pos: node.pos,
                        });
                    }
                }
            }
        }
    }

    /// Apply YAML merge keys (`<<: *base` or `<<: [*a, *b]`): keys of the map win, then the
    /// merged maps in order.
    fn merge_keys(&mut self, entries: Vec<(Key, Node)>) -> Vec<(Key, Node)> {
        if !entries.iter().any(|(k, _)| k.name == "<<") {
            return entries;
        }
        let (merges, mut own): (Vec<_>, Vec<_>) =
            entries.into_iter().partition(|(k, _)| k.name == "<<");
        let mut seen: HashSet<String> = own.iter().map(|(k, _)| k.name.clone()).collect();
        let path = self.path();
        for (k, v) in merges {
            let sources: Vec<Node> = match v.value {
                Value::Map(_) => vec![v],
                Value::Seq(items) => items,
                _ => {
                    self.errors.push(
                        Diagnostic::error(
                            Code::InvalidType,
                            format!(
                                "a merge key `<<` needs a map or a list of maps, found {}",
                                v.type_name()
                            ),
                        )
                        .at(k.pos.span(&child(&path, "<<"))),
                    );
                    continue;
                }
            };
            for src in sources {
                match src.value {
                    Value::Map(m) => {
                        for (mk, mv) in m {
                            if seen.insert(mk.name.clone()) {
                                own.push((mk, mv));
                            }
                        }
                    }
                    _ => self.errors.push(
                        Diagnostic::error(
                            Code::InvalidType,
                            format!("a merge key `<<` needs maps, found {}", src.type_name()),
                        )
                        .at(src.pos.span(&child(&path, "<<"))),
                    ),
                }
            }
        }
        own
    }

    fn resolve_plain(s: &str) -> Value {
        match s {
            "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
            "true" | "True" | "TRUE" => return Value::Bool(true),
            "false" | "False" | "FALSE" => return Value::Bool(false),
            _ => {}
        }
        if let Some(i) = parse_int(s) {
            return Value::Int(i);
        }
        if is_float(s) {
            let f = match s.trim_start_matches(['+', '-']) {
                ".inf" | ".Inf" | ".INF" => {
                    if s.starts_with('-') {
                        f64::NEG_INFINITY
                    } else {
                        f64::INFINITY
                    }
                }
                ".nan" | ".NaN" | ".NAN" => f64::NAN,
                _ => s.parse::<f64>().unwrap_or(f64::NAN),
            };
            return Value::Float(f, s.to_string());
        }
        Value::Str(s.to_string())
    }
}

fn parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let v = if let Some(h) = body.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(o) = body.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()?
    } else if !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()) {
        body.parse::<i64>().ok()?
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

fn is_float(s: &str) -> bool {
    let t = s.trim_start_matches(['+', '-']);
    if matches!(t, ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    let (mant, exp) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let mant_ok = match mant.split_once('.') {
        Some((a, b)) => {
            (a.bytes().all(|c| c.is_ascii_digit()) && b.bytes().all(|c| c.is_ascii_digit()))
                && !(a.is_empty() && b.is_empty())
        }
        None => !mant.is_empty() && mant.bytes().all(|c| c.is_ascii_digit()),
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.trim_start_matches(['+', '-']);
        !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit())
    });
    mant_ok && exp_ok && (mant.contains('.') || exp.is_some())
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.aborted {
            return;
        }
        let pos = self.lines.pos(&self.file, self.text, &mark);
        match ev {
            Event::DocumentStart => {}
            Event::DocumentEnd => {
                self.doc_index += 1;
                self.anchors.clear();
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
            Event::Scalar(s, style, anchor, tag) => {
                if !self.count(1, &pos) {
                    return;
                }
                // `!!str 8080` (or any `…str` tag) keeps a plain scalar a string.
                let str_tag = tag
                    .as_ref()
                    .is_some_and(|t| t.suffix == "str" || t.suffix.ends_with(":str"));
                let value = if style == TScalarStyle::Plain && !str_tag {
                    Self::resolve_plain(&s)
                } else {
                    Value::Str(s.clone())
                };
                let len = self.scalar_len(pos.offset, &s, style);
                let node = Node {
                    value,
                    pos: Pos { len, ..pos },
                };
                self.deliver(node, anchor, 1);
            }
            Event::Alias(id) => {
                let Some((node, size, height)) = self.anchors.get(&id).cloned() else {
                    let d = Diagnostic::error(Code::YamlSyntax, "alias to an unknown anchor")
                        .at(pos.span(&self.path()));
                    self.errors.push(d);
                    return;
                };
                if !self.count(size, &pos) {
                    return;
                }
                if self.stack.len() + height > MAX_DEPTH {
                    self.too_large(
                        &pos,
                        format!("document nested deeper than {MAX_DEPTH} levels"),
                    );
                    return;
                }
                self.deliver(node, 0, height);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if !self.count(1, &pos) {
                    return;
                }
                if self.stack.len() >= MAX_DEPTH {
                    self.too_large(
                        &pos,
                        format!("document nested deeper than {MAX_DEPTH} levels"),
                    );
                    return;
                }
                let pos = Pos { len: 1, ..pos };
                self.stack.push(if matches!(ev, Event::SequenceStart(..)) {
                    Frame::Seq {
                        items: Vec::new(),
                        pos,
                        anchor,
                    }
                } else {
                    Frame::Map {
                        entries: Vec::new(),
                        seen: HashSet::new(),
                        key: None,
                        pos,
                        anchor,
                    }
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return;
                };
                let (node, anchor, height) = match frame {
                    Frame::Seq { items, pos, anchor } => {
                        let pos = items.first().map_or(pos, |i| i.pos.clone());
                        let h = 1 + items.iter().map(height).max().unwrap_or(0);
                        (
                            Node {
                                value: Value::Seq(items),
                                pos,
                            },
                            anchor,
                            h,
                        )
                    }
                    Frame::Map {
                        entries,
                        pos,
                        anchor,
                        ..
                    } => {
                        let entries = self.merge_keys(entries);
                        let pos = entries.first().map_or(pos, |(k, _)| k.pos.clone());
                        let h = 1 + entries.iter().map(|(_, v)| height(v)).max().unwrap_or(0);
                        (
                            Node {
                                value: Value::Map(entries),
                                pos,
                            },
                            anchor,
                            h,
                        )
                    }
                };
                self.deliver(node, anchor, height);
            }
        }
    }
}

/// Height of a subtree (bounded by MAX_DEPTH, so recursion is safe).
fn height(n: &Node) -> usize {
    1 + match &n.value {
        Value::Seq(l) => l.iter().map(height).max().unwrap_or(0),
        Value::Map(m) => m.iter().map(|(_, v)| height(v)).max().unwrap_or(0),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let mut docs = parse("t.yaml", text).unwrap();
        assert_eq!(docs.len(), 1);
        docs.remove(0).root
    }

    #[test]
    fn positions_are_one_based_and_byte_offsets() {
        let n = one("a:\n  é: x\n  b: hello\n");
        let a = n.get("a").unwrap();
        let b = a.get("b").unwrap();
        assert_eq!((b.pos.line, b.pos.column), (3, 6));
        assert_eq!(
            &"a:\n  é: x\n  b: hello\n"[b.pos.offset..b.pos.offset + b.pos.len],
            "hello"
        );
        let Value::Map(m) = &a.value else { panic!() };
        assert_eq!((m[0].0.pos.line, m[0].0.pos.column), (2, 3));
        let x = a.get("é").unwrap();
        assert_eq!(
            &"a:\n  é: x\n  b: hello\n"[x.pos.offset..x.pos.offset + x.pos.len],
            "x"
        );
    }

    #[test]
    fn core_schema_typing() {
        let n = one("a: 1\nb: '1'\nc: true\nd: 1.5\ne:\nf: 0x10\ng: 1e3\nh: 1.2.3\n");
        assert_eq!(n.get("a").unwrap().value, Value::Int(1));
        assert_eq!(n.get("b").unwrap().value, Value::Str("1".into()));
        assert_eq!(n.get("c").unwrap().value, Value::Bool(true));
        assert!(matches!(n.get("d").unwrap().value, Value::Float(f, _) if f == 1.5));
        assert_eq!(n.get("e").unwrap().value, Value::Null);
        assert_eq!(n.get("f").unwrap().value, Value::Int(16));
        assert!(matches!(n.get("g").unwrap().value, Value::Float(..)));
        assert_eq!(n.get("h").unwrap().value, Value::Str("1.2.3".into()));
        let n = one("a: !!str 8080\n");
        assert_eq!(n.get("a").unwrap().value, Value::Str("8080".into()));
    }

    #[test]
    fn aliases_expand() {
        let n = one("a: &x {k: v}\nb: *x\n");
        assert_eq!(
            n.get("b").unwrap().get("k").unwrap().value,
            Value::Str("v".into())
        );
    }

    #[test]
    fn merge_keys_apply() {
        let n = one("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\nd: {<<: [*b, {z: 4}]}\n");
        assert_eq!(
            n.get("c").unwrap().to_json(),
            serde_json::json!({"y": 3, "x": 1})
        );
        assert_eq!(
            n.get("d").unwrap().to_json(),
            serde_json::json!({"x": 1, "y": 2, "z": 4})
        );
        let errs = parse("m.yaml", "a: {<<: 1}\n").unwrap_err();
        assert_eq!(errs[0].code, Code::InvalidType);
    }

    #[test]
    fn billion_laughs_fails_fast() {
        let mut s = String::from(
            "a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for i in 1..10 {
            let p = i - 1;
            s.push_str(&format!(
                "a{i}: &a{i} [*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p}]\n"
            ));
        }
        let errs = parse("lol.yaml", &s).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].code, Code::YamlTooLarge);
        assert!(errs[0].message.contains("100000"), "{}", errs[0].message);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let s = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let errs = parse("deep.yaml", &s).unwrap_err();
        assert_eq!(errs[0].code, Code::YamlTooLarge);
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let errs = parse("d.yaml", "a: 1\nb:\n  c: 1\n  c: 2\n").unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].code, Code::InvalidValue);
        let span = errs[0].span.as_ref().unwrap();
        assert_eq!((span.line, span.column, &*span.path), (4, 3, "/b/c"));
    }

    #[test]
    fn syntax_error_has_line() {
        let errs = parse("s.yaml", "a: [1, 2\nb: 3\n").unwrap_err();
        assert_eq!(errs[0].code, Code::YamlSyntax);
        assert!(errs[0].span.as_ref().unwrap().line >= 2);
    }

    #[test]
    fn multi_document_skips_empty() {
        let docs = parse("m.yaml", "---\na: 1\n---\n---\nb: 2\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].index, 2);
    }
}
