//! Applying a `PatchSet` to a `Bundle`: each operation of this target reaches the files its
//! glob selects and the documents its object selects; every reached document must take it (a
//! `set` under a missing parent, a `delete` of a missing key, a selection that reaches nothing
//! are errors naming the patch file, the operation and the path). Changed files are written
//! back and their secret store ranges recomputed.

use std::collections::BTreeMap;

use serde_json::Value;

use super::doc::{DocFile, Format};
use super::pointer::{self, Pointer};
use super::select::{object_label, object_matches, workload_of};
use super::{Context, OpKind, Operation, PatchSet, data};
use crate::backend::Bundle;
use crate::diag::{Code, Diagnostic, Diagnostics};

/// Apply every operation of `set` meant for `ctx.target` to `bundle`. Returns the warnings
/// (a Nomad job patched in one form only), or every error.
pub fn apply(
    set: &PatchSet,
    bundle: &mut Bundle,
    ctx: &Context<'_>,
) -> Result<Vec<Diagnostic>, Diagnostics> {
    let mut files: BTreeMap<String, DocFile> = BTreeMap::new();
    let mut diags = Diagnostics::new();
    for op in set.ops() {
        if op
            .target
            .as_deref()
            .is_some_and(|t| t != ctx.target.as_str())
        {
            continue;
        }
        let done = match op.kind {
            OpKind::AddDocument => add_document(op, bundle, &mut files, ctx),
            _ => edit_documents(op, bundle, &mut files, ctx),
        };
        if let Err(d) = done {
            diags.push(d);
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let mut changed = Vec::new();
    for (path, f) in files.iter().filter(|(_, f)| f.changed()) {
        let (bytes, ranges) = f.render().map_err(|e| {
            Diagnostics(vec![Diagnostic::error(
                Code::Patch,
                format!("cannot write the patched {path}: {e}"),
            )])
        })?;
        bundle.files.insert(path.clone(), bytes);
        bundle.secret_store.remove(path);
        bundle.mark_secret_store(path, ranges);
        changed.push(path.as_str());
    }
    Ok(one_form_warnings(&changed, bundle))
}

fn fail(op: &Operation, message: String, hint: &str) -> Diagnostic {
    fail_at(op, &op.span, message, hint)
}

fn fail_at(op: &Operation, span: &crate::Span, message: String, hint: &str) -> Diagnostic {
    Diagnostic::error(
        Code::Patch,
        format!("{} of {}: {message}", op.label(), op.source),
    )
    .at(span.clone())
    .hint(hint)
}

/// The parsed file `path` (parsed once per run).
fn load<'a>(
    files: &'a mut BTreeMap<String, DocFile>,
    bundle: &Bundle,
    path: &str,
) -> Result<&'a mut DocFile, String> {
    if !files.contains_key(path) {
        let format =
            Format::of(path).ok_or("only .yaml, .yml, .json and .hcl files can be patched")?;
        let bytes = bundle.files.get(path).map_or(&[][..], Vec::as_slice);
        let secret = bundle.secret_store.get(path).map_or(&[][..], Vec::as_slice);
        files.insert(path.to_string(), DocFile::parse(format, bytes, secret)?);
    }
    files
        .get_mut(path)
        .ok_or_else(|| "no such file".to_string())
}

fn selected_paths(op: &Operation, bundle: &Bundle) -> Result<Vec<String>, Diagnostic> {
    let paths: Vec<String> = bundle
        .files
        .keys()
        .filter(|p| {
            op.file
                .as_ref()
                .map_or_else(|| Format::of(p).is_some(), |g| g.matches(p))
        })
        .cloned()
        .collect();
    if paths.is_empty() {
        let glob = op.file.as_ref().map_or("(any)", |g| g.text.as_str());
        let names: Vec<&str> = bundle.files.keys().map(String::as_str).take(8).collect();
        return Err(fail_at(
            op,
            &op.select_span,
            format!("`file: {glob}` matches no file of this translate"),
            &format!("the files are: {}", names.join(", ")),
        ));
    }
    Ok(paths)
}

fn edit_documents(
    op: &Operation,
    bundle: &Bundle,
    files: &mut BTreeMap<String, DocFile>,
    ctx: &Context<'_>,
) -> Result<(), Diagnostic> {
    let mut reached = 0;
    for path in selected_paths(op, bundle)? {
        let file = match load(files, bundle, &path) {
            Ok(f) => f,
            Err(_) if op.file.is_none() => continue,
            Err(e) => {
                return Err(fail_at(
                    op,
                    &op.select_span,
                    format!("cannot patch {path}: {e}"),
                    "patch the files score-x writes as YAML, JSON or HCL (for Helm: values.yaml, Chart.yaml)",
                ));
            }
        };
        for doc in &mut file.docs {
            let Some(v) = doc.value.as_mut() else {
                continue;
            };
            if op
                .object
                .as_ref()
                .is_some_and(|sel| !object_matches(sel, v))
            {
                continue;
            }
            reached += 1;
            let w = workload_of(v, &path, ctx.workloads).map(str::to_string);
            let value = render(op, ctx, &path, v, w.as_deref())?;
            let at = object_label(v).map_or_else(|| path.clone(), |o| format!("{o} in {path}"));
            edit_all(op.kind, v, &op.path, value)
                .map_err(|e| fail_at(op, &op.path_span, format!("{e} in {at}"), "check the path against the generated file (translate without --patch shows it)"))?;
            doc.changed = true;
        }
    }
    if reached == 0 {
        let what = op
            .object
            .as_ref()
            .map_or_else(|| "any document".to_string(), |o| format!("object {o}"));
        return Err(fail_at(
            op,
            &op.select_span,
            format!("{what} is in none of the selected files"),
            "objects are chosen by `kind` and `metadata.name`; check both (and `file:`)",
        ));
    }
    Ok(())
}

fn add_document(
    op: &Operation,
    bundle: &mut Bundle,
    files: &mut BTreeMap<String, DocFile>,
    ctx: &Context<'_>,
) -> Result<(), Diagnostic> {
    let path = match &op.file {
        Some(g) => g.text.clone(),
        None => {
            let yaml: Vec<&String> = bundle
                .files
                .keys()
                .filter(|p| Format::of(p) == Some(Format::Yaml))
                .collect();
            match yaml.as_slice() {
                [one] => (*one).clone(),
                _ => {
                    return Err(fail(
                        op,
                        "this translate writes several YAML files".into(),
                        "say which one with `file:` (e.g. `file: manifests.yaml`)",
                    ));
                }
            }
        }
    };
    if Format::of(&path) != Some(Format::Yaml) {
        return Err(fail_at(
            op,
            &op.select_span,
            format!("`{path}` is no YAML file"),
            "add-document appends to a YAML stream (.yaml or .yml)",
        ));
    }
    let empty = Value::Null;
    let new = op.value.as_ref().unwrap_or(&empty);
    let w = workload_of(new, &path, ctx.workloads).map(str::to_string);
    let value = render(op, ctx, &path, new, w.as_deref())?;
    bundle.files.entry(path.clone()).or_default();
    let file = load(files, bundle, &path).map_err(|e| {
        fail(
            op,
            format!("cannot patch {path}: {e}"),
            "add documents to the plain YAML files",
        )
    })?;
    file.push_yaml(value, false);
    Ok(())
}

/// `op.value` with each string that holds `{{` rendered by the engine.
fn render(
    op: &Operation,
    ctx: &Context<'_>,
    file: &str,
    doc: &Value,
    w: Option<&str>,
) -> Result<Value, Diagnostic> {
    let Some(v) = &op.value else {
        return Ok(Value::Null);
    };
    if !has_template(v) {
        return Ok(v.clone());
    }
    let data = data::render_data(ctx, file, doc, w);
    render_strings(v, &|s| ctx.renderer.render(s, &data))
        .map_err(|e| fail_at(op, &op.value_span, format!("cannot render `value` for {file}: {e}"), "values are handlebars templates (strict: a missing key is an error); the data is target, options, workloads, workload, file, object; write `\\{{` for a literal `{{`"))
}

fn has_template(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains("{{"),
        Value::Array(a) => a.iter().any(has_template),
        Value::Object(m) => m.values().any(has_template),
        _ => false,
    }
}

fn render_strings(v: &Value, r: &dyn Fn(&str) -> Result<String, String>) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) if s.contains("{{") => Value::String(r(s)?),
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| render_strings(x, r))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| Ok((k.clone(), render_strings(x, r)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

/// One operation on one document, at every path a wildcard pointer stands for.
fn edit_all(kind: OpKind, doc: &mut Value, path: &Pointer, value: Value) -> Result<(), String> {
    if !path.has_wildcard() {
        return edit(kind, doc, path, value);
    }
    let paths = path.expand(doc);
    if paths.is_empty() {
        return Err(format!("`{path}` matches nothing"));
    }
    for p in paths {
        edit(kind, doc, &p, value.clone())?;
    }
    Ok(())
}

/// One operation on one document.
fn edit(kind: OpKind, doc: &mut Value, path: &Pointer, value: Value) -> Result<(), String> {
    let Some((parent, last)) = path.split_last() else {
        return match kind {
            OpKind::Merge => {
                merge(doc, value);
                Ok(())
            }
            _ => {
                *doc = value;
                Ok(())
            }
        };
    };
    let container = pointer::get_mut(doc, parent)
        .map_err(|depth| format!("`{}` does not exist", path.prefix(depth + 1)))?;
    match kind {
        OpKind::Set | OpKind::AddDocument => set(container, last, value, path),
        OpKind::Delete => delete(container, last, path),
        OpKind::Merge => match child(container, last) {
            Some(target @ Value::Object(_)) => {
                merge(target, value);
                Ok(())
            }
            Some(other) => Err(format!(
                "`{path}` is {}, and merge needs a map",
                type_name(other)
            )),
            None => {
                let mut fresh = Value::Object(serde_json::Map::new());
                merge(&mut fresh, value);
                set(container, last, fresh, path)
            }
        },
    }
}

fn child<'a>(container: &'a mut Value, token: &str) -> Option<&'a mut Value> {
    match container {
        Value::Object(m) => m.get_mut(token),
        Value::Array(a) => pointer::index(token).and_then(|i| a.get_mut(i)),
        _ => None,
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

fn set(container: &mut Value, last: &str, value: Value, path: &Pointer) -> Result<(), String> {
    match container {
        Value::Object(m) => {
            m.insert(last.to_string(), value);
            Ok(())
        }
        Value::Array(a) if last == "-" => {
            a.push(value);
            Ok(())
        }
        Value::Array(a) => match pointer::index(last).filter(|i| *i < a.len()) {
            Some(i) => {
                a[i] = value;
                Ok(())
            }
            None => Err(format!(
                "`{path}`: the list has {} item(s); `-` appends",
                a.len()
            )),
        },
        other => Err(format!(
            "the parent of `{path}` is {}, not a map or list",
            type_name(other)
        )),
    }
}

fn delete(container: &mut Value, last: &str, path: &Pointer) -> Result<(), String> {
    let gone = match container {
        Value::Object(m) => m.shift_remove(last).is_some(),
        Value::Array(a) => match pointer::index(last).filter(|i| *i < a.len()) {
            Some(i) => {
                a.remove(i);
                true
            }
            None => false,
        },
        _ => false,
    };
    if gone {
        Ok(())
    } else {
        Err(format!("`{path}` does not exist"))
    }
}

/// RFC 7386: maps merge recursively, `null` removes a key, anything else replaces.
fn merge(target: &mut Value, patch: Value) {
    let Value::Object(p) = patch else {
        *target = patch;
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in p {
            if v.is_null() {
                t.shift_remove(&k);
            } else {
                merge(t.entry(k).or_insert(Value::Null), v);
            }
        }
    }
}

/// A Nomad job is written twice (`.nomad.hcl` and `.nomad.json`): warn when patches changed
/// one form and not the other, since the two would then deploy different jobs.
fn one_form_warnings(changed: &[&str], bundle: &Bundle) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (this, other) in [(".nomad.hcl", ".nomad.json"), (".nomad.json", ".nomad.hcl")] {
        for p in changed.iter().filter(|p| p.ends_with(this)) {
            let twin = format!("{}{other}", &p[..p.len() - this.len()]);
            if bundle.files.contains_key(&twin) && !changed.contains(&twin.as_str()) {
                out.push(
                    Diagnostic::warning(Code::Patch, format!("patches changed {p} but not {twin}: the two forms of the job now differ"))
                        .hint(format!("patch both forms alike (one operation with `file: {}`, one with `file: {}`)", p, twin)),
                );
            }
        }
    }
    out
}
