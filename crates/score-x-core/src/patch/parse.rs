//! Reading a patch file through the spanned YAML tree: every error with file, line, column and
//! YAML path, "did you mean" for unknown keys and ops, all errors of the file at once.

use std::sync::Arc;

use super::{FileGlob, ObjectSelector, OpKind, Operation, Pointer};
use crate::diag::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::yaml_tree::path::child;
use crate::yaml_tree::{self, Node, Value};

/// The keys of one patch operation.
pub const KEYS: [&str; 7] = [
    "target",
    "file",
    "object",
    "op",
    "path",
    "value",
    "description",
];
/// The keys of an operation's `object` selector.
pub const OBJECT_KEYS: [&str; 2] = ["kind", "name"];
const HINT: &str = "a patch file is a YAML list of {target?, file?, object?: {kind, name}, op: set|delete|merge|add-document, path, value}; see docs/patches.md";

/// The operations of patch file `name`.
pub fn parse_file(name: &str, text: &str) -> Result<Vec<Operation>, Diagnostics> {
    let docs = yaml_tree::parse(name, text).map_err(Diagnostics)?;
    let mut ops = Vec::new();
    let mut diags = Diagnostics::new();
    let source: Arc<str> = Arc::from(name);
    for doc in &docs {
        let Value::Seq(items) = &doc.root.value else {
            diags.push(
                Diagnostic::error(
                    Code::WrongShape,
                    format!("a patch file is a list, not {}", doc.root.type_name()),
                )
                .at(doc.root.pos.span(""))
                .hint(HINT),
            );
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            let at = child("", &i.to_string());
            match operation(&source, ops.len(), item, &at) {
                Ok(op) => ops.push(op),
                Err(d) => diags.extend(d),
            }
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(ops)
}

fn err(node: &Node, path: &str, code: Code, message: String) -> Diagnostic {
    Diagnostic::error(code, message).at(node.pos.span(path))
}

/// The map entries of `node`, with an error for each unknown key.
fn entries<'a>(
    node: &'a Node,
    path: &str,
    known: &[&'static str],
    diags: &mut Vec<Diagnostic>,
) -> &'a [(yaml_tree::Key, Node)] {
    let Value::Map(m) = &node.value else {
        diags.push(
            err(
                node,
                path,
                Code::WrongShape,
                format!("expected a map, got {}", node.type_name()),
            )
            .hint(HINT),
        );
        return &[];
    };
    for (k, _) in m {
        if !known.contains(&k.name.as_str()) {
            let hint = did_you_mean(&k.name, known.iter().copied()).map_or_else(
                || format!("the keys are {}", known.join(", ")),
                |c| format!("did you mean `{c}`?"),
            );
            diags.push(
                Diagnostic::error(Code::UnknownField, format!("unknown key `{}`", k.name))
                    .at(k.pos.span(&child(path, &k.name)))
                    .hint(hint),
            );
        }
    }
    m
}

fn string(node: &Node, path: &str, diags: &mut Vec<Diagnostic>) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.clone()),
        _ => {
            diags.push(err(
                node,
                path,
                Code::InvalidType,
                format!("expected a string, got {}", node.type_name()),
            ));
            None
        }
    }
}

fn operation(
    source: &Arc<str>,
    index: usize,
    node: &Node,
    at: &str,
) -> Result<Operation, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let m = entries(node, at, &KEYS, &mut diags);
    let get = |k: &str| m.iter().find(|(key, _)| key.name == k).map(|(_, v)| v);
    let target = get("target").and_then(|n| target(n, &child(at, "target"), &mut diags));
    let file = get("file").and_then(|n| glob(n, &child(at, "file"), &mut diags));
    let object = get("object").and_then(|n| object(n, &child(at, "object"), &mut diags));
    let kind = match get("op") {
        Some(n) => op_kind(n, &child(at, "op"), &mut diags),
        None => {
            diags.push(missing(
                node,
                at,
                "op",
                "set, delete, merge or add-document",
            ));
            None
        }
    };
    let path = pointer(get("path"), node, at, kind, &mut diags);
    let value = get("value").map(Node::to_json);
    if let Some(kind) = kind {
        check_value(kind, get("value"), node, at, &mut diags);
        if kind == OpKind::AddDocument && file.as_ref().is_some_and(|f| !f.is_literal()) {
            let n = get("file").unwrap_or(node);
            diags.push(
                err(
                    n,
                    &child(at, "file"),
                    Code::InvalidValue,
                    "add-document needs one file, not a glob".into(),
                )
                .hint("name the YAML file the document goes to, e.g. `file: manifests.yaml`"),
            );
        }
    }
    if !diags.is_empty() || kind.is_none() {
        return Err(diags);
    }
    let span_of = |k: &str| get(k).map(|n| n.pos.span(&child(at, k)));
    let op_span = node.pos.span(at);
    Ok(Operation {
        source: source.clone(),
        index,
        path_span: span_of("path").unwrap_or_else(|| op_span.clone()),
        select_span: span_of("object")
            .or_else(|| span_of("file"))
            .unwrap_or_else(|| op_span.clone()),
        value_span: span_of("value").unwrap_or_else(|| op_span.clone()),
        span: op_span,
        target,
        file,
        object,
        kind: kind.unwrap_or(OpKind::Set),
        path: path.unwrap_or_else(Pointer::root),
        value,
    })
}

fn missing(node: &Node, at: &str, key: &str, what: &str) -> Diagnostic {
    err(
        node,
        at,
        Code::RequiredField,
        format!("this patch has no `{key}`"),
    )
    .hint(format!("add `{key}:` ({what})"))
}

fn target(n: &Node, path: &str, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let s = string(n, path, diags)?;
    let names = crate::Target::ALL.map(crate::Target::as_str);
    if !names.contains(&s.as_str()) {
        let hint = did_you_mean(&s, names).map_or_else(
            || format!("the targets are {}", names.join(", ")),
            |c| format!("did you mean `{c}`?"),
        );
        diags.push(err(n, path, Code::InvalidValue, format!("unknown target `{s}`")).hint(hint));
    }
    Some(s)
}

fn glob(n: &Node, path: &str, diags: &mut Vec<Diagnostic>) -> Option<FileGlob> {
    let s = string(n, path, diags)?;
    match FileGlob::new(&s) {
        Ok(g) => Some(g),
        Err(e) => {
            diags.push(
                err(
                    n,
                    path,
                    Code::InvalidValue,
                    format!("bad file glob `{s}`: {e}"),
                )
                .hint("`*` matches within a path segment, `**` across them, e.g. `*/service.json`"),
            );
            None
        }
    }
}

fn object(n: &Node, path: &str, diags: &mut Vec<Diagnostic>) -> Option<ObjectSelector> {
    let m = entries(n, path, &OBJECT_KEYS, diags);
    let mut field = |k: &str| {
        m.iter()
            .find(|(key, _)| key.name == k)
            .and_then(|(_, v)| string(v, &child(path, k), diags))
    };
    let sel = ObjectSelector {
        kind: field("kind"),
        name: field("name"),
    };
    if sel.kind.is_none() && sel.name.is_none() && matches!(n.value, Value::Map(_)) {
        diags.push(
            err(
                n,
                path,
                Code::RequiredField,
                "`object` selects nothing".into(),
            )
            .hint("give `kind`, `name` or both, e.g. `object: {kind: Deployment, name: api}`"),
        );
    }
    Some(sel)
}

fn op_kind(n: &Node, path: &str, diags: &mut Vec<Diagnostic>) -> Option<OpKind> {
    let s = string(n, path, diags)?;
    let kind = OpKind::parse(&s);
    if kind.is_none() {
        let hint = did_you_mean(&s, OpKind::NAMES).map_or_else(
            || format!("the operations are {}", OpKind::NAMES.join(", ")),
            |c| format!("did you mean `{c}`?"),
        );
        diags.push(err(n, path, Code::InvalidValue, format!("unknown op `{s}`")).hint(hint));
    }
    kind
}

fn pointer(
    n: Option<&Node>,
    op: &Node,
    at: &str,
    kind: Option<OpKind>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Pointer> {
    let path = child(at, "path");
    let Some(n) = n else {
        if kind.is_some_and(|k| k != OpKind::AddDocument) {
            diags.push(missing(
                op,
                at,
                "path",
                "a JSON Pointer such as /spec/replicas",
            ));
        }
        return None;
    };
    let s = string(n, &path, diags)?;
    match Pointer::parse(&s) {
        Ok(p) if p.is_root() && kind == Some(OpKind::Delete) => {
            diags.push(
                err(
                    n,
                    &path,
                    Code::InvalidValue,
                    "a patch cannot delete a whole document".into(),
                )
                .hint("name the key to delete, e.g. `path: /spec/replicas`"),
            );
            None
        }
        Ok(p) => Some(p),
        Err(e) => {
            diags.push(
                err(n, &path, Code::InvalidValue, e)
                    .hint("a JSON Pointer: `/spec/template/spec/containers/0/image`"),
            );
            None
        }
    }
}

fn check_value(
    kind: OpKind,
    value: Option<&Node>,
    op: &Node,
    at: &str,
    diags: &mut Vec<Diagnostic>,
) {
    match (kind, value) {
        (OpKind::Delete, Some(v)) => diags.push(
            err(
                v,
                &child(at, "value"),
                Code::InvalidValue,
                "`delete` takes no `value`".into(),
            )
            .hint("remove `value:`, or use `set` to replace the value"),
        ),
        (OpKind::Delete, None) => {}
        (_, None) => diags.push(missing(op, at, "value", "the value to write")),
        (OpKind::Merge | OpKind::AddDocument, Some(v)) if !matches!(v.value, Value::Map(_)) => {
            diags.push(err(
                v,
                &child(at, "value"),
                Code::InvalidType,
                format!(
                    "`{}` takes a map as `value`, got {}",
                    kind.as_str(),
                    v.type_name()
                ),
            ));
        }
        _ => {}
    }
}
