//! Building the tree from yaml-rust2 events, with the node, byte and depth bounds.

use std::collections::HashMap;
use std::sync::Arc;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::offsets::Offsets;
use super::path::child;
use super::scalar::resolve_plain;
use super::{Document, Key, MAX_BYTES, MAX_DEPTH, MAX_NODES, Node, Pos, Value};
use crate::{Code, Diagnostic};

/// Parse `text` (named `file`) into its non-empty documents, or the errors that prevent it.
pub fn parse(file: &str, text: &str) -> Result<Vec<Document>, Vec<Diagnostic>> {
    super::text::check(file, text).map_err(|d| vec![*d])?;
    let file: Arc<str> = Arc::from(file);
    // A UTF-8 byte order mark is not content; positions stay byte offsets into `text`.
    let (text, base) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, '\u{feff}'.len_utf8()),
        None => (text, 0),
    };
    let offsets = Offsets::new(text, base);
    let mut b = Builder {
        file: file.clone(),
        offsets: &offsets,
        stack: Vec::new(),
        anchors: HashMap::new(),
        docs: Vec::new(),
        doc_index: 0,
        nodes: 0,
        bytes: 0,
        errors: Vec::new(),
        aborted: false,
    };
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut b, true) {
        let pos = offsets.pos(&file, e.marker());
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

/// What an anchor expands to, and its cost.
struct Anchor {
    node: Node,
    nodes: usize,
    bytes: usize,
    height: usize,
}

/// Sizes of a finished subtree.
#[derive(Clone, Copy)]
struct Cost {
    nodes: usize,
    bytes: usize,
    height: usize,
}

enum Items {
    Seq(Vec<Node>),
    Map {
        entries: Vec<(Key, Node)>,
        /// First position of every key, for duplicate-key errors.
        seen: HashMap<String, Pos>,
        key: Option<Key>,
    },
}

struct Frame {
    items: Items,
    pos: Pos,
    anchor: usize,
    /// The counters when the collection started, for the anchor's cost.
    nodes0: usize,
    bytes0: usize,
    /// Height of the tallest child.
    height: usize,
}

struct Builder<'a> {
    file: Arc<str>,
    offsets: &'a Offsets<'a>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchor>,
    docs: Vec<Document>,
    doc_index: usize,
    nodes: usize,
    bytes: usize,
    errors: Vec<Diagnostic>,
    aborted: bool,
}

impl Builder<'_> {
    /// The YAML path of the node being built.
    fn path(&self) -> String {
        let mut p = String::new();
        for f in &self.stack {
            match &f.items {
                Items::Seq(items) => p = child(&p, &items.len().to_string()),
                Items::Map { key: Some(k), .. } => p = child(&p, &k.name),
                Items::Map { key: None, .. } => {}
            }
        }
        p
    }

    fn too_large(&mut self, pos: &Pos, what: String) {
        let d = Diagnostic::error(Code::YamlTooLarge, what)
            .at(pos.span(&self.path()))
            .hint(format!(
                "a YAML file is limited to {MAX_NODES} nodes and {} MiB of text after expanding aliases, and to {MAX_DEPTH} levels of nesting; avoid nested aliases",
                MAX_BYTES / (1024 * 1024)
            ));
        self.errors.push(d);
        self.aborted = true;
        self.stack.clear();
    }

    /// Count `nodes` more nodes and `bytes` more bytes of text; false (and an error) past a bound.
    fn count(&mut self, nodes: usize, bytes: usize, pos: &Pos) -> bool {
        self.nodes = self.nodes.saturating_add(nodes);
        self.bytes = self.bytes.saturating_add(bytes);
        if self.nodes > MAX_NODES {
            self.too_large(
                pos,
                format!("document too large: more than {MAX_NODES} nodes after expanding aliases"),
            );
            return false;
        }
        if self.bytes > MAX_BYTES {
            self.too_large(
                pos,
                format!("document too large: more than {MAX_BYTES} bytes of text after expanding aliases"),
            );
            return false;
        }
        true
    }

    fn deeper_than_allowed(&mut self, extra: usize, pos: &Pos) -> bool {
        if self.stack.len() + extra > MAX_DEPTH {
            self.too_large(
                pos,
                format!("document nested deeper than {MAX_DEPTH} levels"),
            );
            return true;
        }
        false
    }

    /// Deliver a finished node to the parent frame (or finish the document).
    fn deliver(&mut self, node: Node, anchor: usize, cost: Cost) {
        if anchor != 0 {
            let a = Anchor {
                node: node.clone(),
                nodes: cost.nodes,
                bytes: cost.bytes,
                height: cost.height,
            };
            self.anchors.insert(anchor, a);
        }
        // The path is only needed for an error; building it for every node would cost O(depth).
        let needs_path = match self.stack.last().map(|f| &f.items) {
            Some(Items::Map {
                key: Some(k), seen, ..
            }) => seen.contains_key(&k.name),
            Some(Items::Map { key: None, .. }) => node.scalar_text().is_none() && !node.is_null(),
            _ => false,
        };
        let path = if needs_path {
            self.path()
        } else {
            String::new()
        };
        let Some(frame) = self.stack.last_mut() else {
            if !node.is_null() {
                self.docs.push(Document {
                    root: node,
                    index: self.doc_index,
                });
            }
            return;
        };
        frame.height = frame.height.max(cost.height);
        match &mut frame.items {
            Items::Seq(items) => items.push(node),
            Items::Map { entries, seen, key } => {
                match key.take() {
                    Some(k) => {
                        let mut node = node;
                        if matches!(node.value, Value::Map(_) | Value::Seq(_)) {
                            // A collection is best pointed at by the key that introduces it.
                            node.pos = k.pos.clone();
                        }
                        if let Some(first) = seen.get(&k.name) {
                            let d = Diagnostic::error(
                            Code::InvalidValue,
                            format!("duplicate key `{}`", k.name),
                        )
                        .at(k.pos.span(&path))
                        .hint("each key may appear only once in a map; remove or merge the duplicate")
                        .related(first.span(&path), "first given here");
                            self.errors.push(d);
                        } else {
                            seen.insert(k.name.clone(), k.pos.clone());
                            entries.push((k, node));
                        }
                    }
                    None => {
                        let name = match node.scalar_text() {
                            Some(t) => t,
                            None if node.is_null() => String::new(),
                            None => {
                                let d = Diagnostic::error(
                                    Code::InvalidType,
                                    format!("map keys must be scalars, found {}", node.type_name()),
                                )
                                .at(node.pos.span(&path));
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
        let mut seen: std::collections::HashSet<String> =
            own.iter().map(|(k, _)| k.name.clone()).collect();
        let path = child(&self.path(), "<<");
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
                        .at(k.pos.span(&path)),
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
                        .at(src.pos.span(&path)),
                    ),
                }
            }
        }
        own
    }

    fn scalar(&mut self, s: String, style: TScalarStyle, anchor: usize, tag: bool, pos: Pos) {
        if !self.count(1, s.len(), &pos) {
            return;
        }
        let len = scalar_len(self.offsets.rest(pos.offset), &s, style);
        let value = if style == TScalarStyle::Plain && !tag {
            resolve_plain(&s)
        } else {
            Value::Str(s)
        };
        let bytes = match &value {
            Value::Str(s) | Value::Float(_, s) => s.len(),
            _ => len,
        };
        let cost = Cost {
            nodes: 1,
            bytes,
            height: 1,
        };
        let node = Node {
            value,
            pos: Pos { len, ..pos },
        };
        self.deliver(node, anchor, cost);
    }

    fn alias(&mut self, id: usize, pos: Pos) {
        let Some(a) = self.anchors.get(&id) else {
            let d = Diagnostic::error(Code::YamlSyntax, "alias to an unknown anchor")
                .at(pos.span(&self.path()));
            self.errors.push(d);
            return;
        };
        let cost = Cost {
            nodes: a.nodes,
            bytes: a.bytes,
            height: a.height,
        };
        // Count before copying, so a bomb never allocates past the bound.
        if !self.count(cost.nodes, cost.bytes, &pos) || self.deeper_than_allowed(cost.height, &pos)
        {
            return;
        }
        let Some(node) = self.anchors.get(&id).map(|a| a.node.clone()) else {
            return;
        };
        self.deliver(node, 0, cost);
    }

    fn start(&mut self, seq: bool, anchor: usize, pos: Pos) {
        let (nodes0, bytes0) = (self.nodes, self.bytes);
        if !self.count(1, 0, &pos) || self.deeper_than_allowed(1, &pos) {
            return;
        }
        let items = if seq {
            Items::Seq(Vec::new())
        } else {
            Items::Map {
                entries: Vec::new(),
                seen: HashMap::new(),
                key: None,
            }
        };
        self.stack.push(Frame {
            items,
            pos: Pos { len: 1, ..pos },
            anchor,
            nodes0,
            bytes0,
            height: 0,
        });
    }

    fn end(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let cost = Cost {
            nodes: self.nodes - frame.nodes0,
            bytes: self.bytes - frame.bytes0,
            height: 1 + frame.height,
        };
        let node = match frame.items {
            Items::Seq(items) => Node {
                pos: items.first().map_or(frame.pos, |i| i.pos.clone()),
                value: Value::Seq(items),
            },
            Items::Map { entries, .. } => {
                let entries = self.merge_keys(entries);
                Node {
                    pos: entries.first().map_or(frame.pos, |(k, _)| k.pos.clone()),
                    value: Value::Map(entries),
                }
            }
        };
        self.deliver(node, frame.anchor, cost);
    }
}

/// The length in bytes of a scalar in the source, looking no further than the scalar itself
/// (never to the end of a long line).
fn scalar_len(rest: &str, value: &str, style: TScalarStyle) -> usize {
    match style {
        TScalarStyle::Plain if !value.contains('\n') && rest.starts_with(value) => value.len(),
        TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => {
            let q = if style == TScalarStyle::SingleQuoted {
                '\''
            } else {
                '"'
            };
            let mut escaped = false;
            for (i, c) in rest.char_indices().skip(1) {
                match c {
                    '\n' | '\r' => return rest[..i].trim_end().len(),
                    '\\' if q == '"' && !escaped => escaped = true,
                    c if c == q && !escaped => return i + 1,
                    _ => escaped = false,
                }
            }
            rest.trim_end().len()
        }
        _ => {
            let line = rest.split(['\n', '\r']).next().unwrap_or("");
            line.split(" #").next().unwrap_or(line).trim_end().len()
        }
    }
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.aborted {
            return;
        }
        let pos = self.offsets.pos(&self.file, &mark);
        match ev {
            Event::DocumentStart => {}
            Event::DocumentEnd => {
                self.doc_index += 1;
                self.anchors.clear();
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
            Event::Scalar(s, style, anchor, tag) => {
                // `!!str 8080` (or any `…str` tag) keeps a plain scalar a string.
                let str_tag = tag
                    .as_ref()
                    .is_some_and(|t| t.suffix == "str" || t.suffix.ends_with(":str"));
                self.scalar(s, style, anchor, str_tag, pos);
            }
            Event::Alias(id) => self.alias(id, pos),
            Event::SequenceStart(anchor, _) => self.start(true, anchor, pos),
            Event::MappingStart(anchor, _) => self.start(false, anchor, pos),
            Event::SequenceEnd | Event::MappingEnd => self.end(),
        }
    }
}
