//! score-k8s `--patch-templates`: Go templates rendered with `.Manifests` (every Kubernetes
//! object of the output, in bundle order), `.Workloads` (the Score specs by name) and
//! `.Namespace`, each printing a YAML list of `{op: set|delete, path, value, description}`
//! whose `path` is an sjson path into the manifest list (`0.spec.replicas`, `-1` appends,
//! `\.` escapes a dot). Applied to the bundle after emit, before the leak check.

use score_x_core::backend::Bundle;
use score_x_core::{Code, Diagnostic, Diagnostics, Span, Target};
use serde_json::Value as Json;

use crate::gotmpl::{self, Template};

/// The parsed patch template files, in the order given.
#[derive(Debug, Default)]
pub struct PatchTemplates {
    files: Vec<(String, String, Template)>,
}

/// Where one manifest of `.Manifests` lives: file and document index.
struct Place {
    file: String,
    doc: usize,
}

fn at(file: &str, line: usize) -> Span {
    Span {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        ..Span::file_only(file)
    }
}

impl PatchTemplates {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Add a patch template file; a Go template syntax error is reported at its line.
    pub fn add_file(&mut self, name: &str, text: &str) -> Result<(), Diagnostic> {
        let t = Template::parse(text).map_err(|e| template_error(name, text, e))?;
        self.files.push((name.to_string(), text.to_string(), t));
        Ok(())
    }

    /// Apply every patch template to the Kubernetes documents of `bundle` (kubernetes: every
    /// `.yaml` file; helm: the charts' `templates/`).
    pub fn apply(
        &self,
        bundle: &mut Bundle,
        target: Target,
        workloads: &Json,
        namespace: &str,
    ) -> Result<Vec<Diagnostic>, Diagnostics> {
        if self.files.is_empty() {
            return Ok(Vec::new());
        }
        let fallback = default_file(bundle, target);
        let (mut files, mut manifests, mut places) = documents(bundle, target);
        let mut changed = std::collections::BTreeSet::new();
        for (name, text, t) in &self.files {
            let data = serde_json::json!({"Manifests": manifests, "Workloads": workloads, "Namespace": namespace});
            let mut ctx = gotmpl::Ctx::default();
            let out = t
                .execute(&data, true, &mut ctx)
                .map_err(|e| Diagnostics(vec![template_error(name, text, e)]))?;
            if out.trim().is_empty() {
                continue;
            }
            let ops: Vec<Op> = serde_yaml::from_str(&out).map_err(|e| {
                Diagnostics(vec![Diagnostic::error(Code::InvalidValue, format!("patch template {name} did not render a YAML list of {{op, path, value, description}}: {e}")).at(at(name, 1))])
            })?;
            for (i, op) in ops.iter().enumerate() {
                let fail = |m: String| {
                    Diagnostics(vec![
                        Diagnostic::error(
                            Code::InvalidValue,
                            format!(
                                "patch template {name}, operation {} (`{} {}`): {m}",
                                i + 1,
                                op.op,
                                op.path
                            ),
                        )
                        .at(at(name, 1)),
                    ])
                };
                let segs = split_path(&op.path);
                let mut list = Json::Array(std::mem::take(&mut manifests));
                let r = match op.op.as_str() {
                    "set" => set(&mut list, &segs, op.value.clone().unwrap_or(Json::Null)),
                    "delete" => {
                        delete(&mut list, &segs);
                        Ok(())
                    }
                    other => Err(format!(
                        "unknown operation `{other}` (score-k8s patch templates know `set` and `delete`)"
                    )),
                };
                manifests = match list {
                    Json::Array(l) => l,
                    _ => Vec::new(),
                };
                r.map_err(fail)?;
                let first = segs.first().map(String::as_str).unwrap_or_default();
                match first.parse::<usize>() {
                    Ok(n) if n < places.len() => {
                        changed.insert(places[n].file.clone());
                    }
                    _ => {}
                }
                // Appended or removed manifests: keep places in step.
                while places.len() < manifests.len() {
                    let file = places
                        .last()
                        .map_or_else(|| fallback.clone(), |p| p.file.clone());
                    let doc = files.get(&file).map_or(0, Vec::len);
                    files.entry(file.clone()).or_default().push(Json::Null);
                    changed.insert(file.clone());
                    places.push(Place { file, doc });
                }
                // A whole manifest deleted: its document goes.
                let removed = match first {
                    "-1" => places.len().checked_sub(1),
                    n => n.parse::<usize>().ok(),
                };
                if let Some(n) =
                    removed.filter(|n| places.len() > manifests.len() && *n < places.len())
                {
                    let p = places.remove(n);
                    if let Some(doc) = files.get_mut(&p.file).and_then(|d| d.get_mut(p.doc)) {
                        *doc = Json::Null;
                    }
                    changed.insert(p.file);
                }
            }
        }
        for (m, p) in manifests.iter().zip(&places) {
            if let Some(docs) = files.get_mut(&p.file) {
                docs[p.doc] = m.clone();
            }
        }
        for file in changed {
            let docs = files.remove(&file).unwrap_or_default();
            write(bundle, &file, &docs);
        }
        Ok(Vec::new())
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Op {
    op: String,
    path: String,
    #[serde(default)]
    value: Option<Json>,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
}

/// Where manifests appended to an empty list go: `manifests.yaml`, or the umbrella chart's
/// `templates/` (helm).
fn default_file(bundle: &Bundle, target: Target) -> String {
    if target != Target::HELM {
        return "manifests.yaml".into();
    }
    let chart = bundle
        .files
        .keys()
        .filter(|p| p.ends_with("Chart.yaml"))
        .min_by_key(|p| p.len());
    let dir = chart.map_or("", |c| c.trim_end_matches("Chart.yaml"));
    format!("{dir}templates/score-k8s-patches.yaml")
}

fn is_manifest_file(target: Target, path: &str) -> bool {
    let yaml = path.ends_with(".yaml") || path.ends_with(".yml");
    yaml && (target != Target::HELM || path.contains("templates/"))
}

type Docs = std::collections::BTreeMap<String, Vec<Json>>;

/// The YAML documents of the manifest files, the Kubernetes objects among them, and where each is.
fn documents(bundle: &Bundle, target: Target) -> (Docs, Vec<Json>, Vec<Place>) {
    let mut files = Docs::new();
    let mut manifests = Vec::new();
    let mut places = Vec::new();
    for (path, bytes) in &bundle.files {
        if !is_manifest_file(target, path) {
            continue;
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue;
        };
        let mut docs = Vec::new();
        let mut ok = true;
        for d in serde_yaml::Deserializer::from_str(text) {
            match <Json as serde::Deserialize>::deserialize(d) {
                Ok(v) => docs.push(v),
                // A template with Helm expressions is not YAML (and the stream ends here).
                Err(_) => {
                    ok = false;
                    break;
                }
            }
        }
        if !ok {
            continue;
        }
        for (i, d) in docs.iter().enumerate() {
            if d.get("kind").is_some() && d.get("apiVersion").is_some() {
                manifests.push(d.clone());
                places.push(Place {
                    file: path.clone(),
                    doc: i,
                });
            }
        }
        files.insert(path.clone(), docs);
    }
    (files, manifests, places)
}

/// Write the documents of a changed file, marking its `Secret` documents as the secret store.
fn write(bundle: &mut Bundle, file: &str, docs: &[Json]) {
    let mut out = String::new();
    let mut secret = Vec::new();
    for d in docs.iter().filter(|d| !d.is_null()) {
        out.push_str("---\n");
        let start = out.len();
        out.push_str(&score_x_core::yaml::to_yaml(d));
        if !out.ends_with('\n') {
            out.push('\n');
        }
        if d.get("kind").and_then(Json::as_str) == Some("Secret") {
            secret.push(start..out.len());
        }
    }
    bundle.secret_store.remove(file);
    bundle.files.insert(file.to_string(), out.into_bytes());
    bundle.mark_secret_store(file, secret);
}

/// sjson path segments: `.` separates, `\.` is a literal dot.
fn split_path(p: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(n), Some(s)) = (chars.next(), out.last_mut()) {
                    s.push(n);
                }
            }
            '.' => out.push(String::new()),
            c => {
                if let Some(s) = out.last_mut() {
                    s.push(c);
                }
            }
        }
    }
    out
}

/// sjson `set`: creates missing maps on the way; `-1` (or the length) appends to a list.
fn set(v: &mut Json, segs: &[String], value: Json) -> Result<(), String> {
    let Some((head, rest)) = segs.split_first() else {
        *v = value;
        return Ok(());
    };
    if v.is_null() {
        // As sjson: a numeric key (or `-1`) on a missing value makes a list.
        *v = if head == "-1" || head.parse::<usize>().is_ok() {
            Json::Array(Vec::new())
        } else {
            Json::Object(serde_json::Map::new())
        };
    }
    match v {
        Json::Array(l) => {
            let i = if head == "-1" {
                l.len()
            } else {
                head.parse::<usize>()
                    .map_err(|_| format!("`{head}` is not an index of a list"))?
            };
            while l.len() <= i {
                l.push(Json::Null);
            }
            set(&mut l[i], rest, value)
        }
        Json::Object(m) => set(m.entry(head.clone()).or_insert(Json::Null), rest, value),
        other => Err(format!(
            "cannot set `{head}` inside a {}",
            if other.is_string() {
                "string"
            } else {
                "scalar"
            }
        )),
    }
}

/// sjson `delete`: a missing path is left alone.
fn delete(v: &mut Json, segs: &[String]) {
    let Some((head, rest)) = segs.split_first() else {
        return;
    };
    match v {
        Json::Array(l) => {
            let i = if head == "-1" {
                l.len().checked_sub(1)
            } else {
                head.parse::<usize>().ok()
            };
            let Some(i) = i.filter(|i| *i < l.len()) else {
                return;
            };
            if rest.is_empty() {
                l.remove(i);
            } else {
                delete(&mut l[i], rest);
            }
        }
        Json::Object(m) => {
            if rest.is_empty() {
                m.shift_remove(head);
            } else if let Some(c) = m.get_mut(head) {
                delete(c, rest);
            }
        }
        _ => {}
    }
}

/// A Go template error of patch template `name` (its source `text`), at its line and column.
fn template_error(name: &str, text: &str, e: gotmpl::Error) -> Diagnostic {
    let (line, col) = e.line_col(text);
    let d = Diagnostic::error(
        Code::InvalidValue,
        format!(
            "patch template {name}: line {line}, column {col}: {}",
            e.msg
        ),
    )
    .at(at(name, line));
    match e.hint {
        Some(h) => d.hint(h),
        None => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bundle() -> Bundle {
        let mut b = Bundle::default();
        b.add("manifests.yaml", "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 1\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\n");
        b
    }

    #[test]
    fn set_and_delete_follow_sjson_paths() {
        let mut t = PatchTemplates::new();
        t.add_file("p.tpl", "{{ range $i, $m := .Manifests }}{{ if eq $m.kind \"Deployment\" }}\n- op: set\n  path: {{ $i }}.spec.replicas\n  value: 3\n- op: set\n  path: {{ $i }}.metadata.annotations.a\\.b/c\n  value: {{ $.Namespace }}\n{{ end }}{{ end }}\n- op: delete\n  path: 1\n- op: set\n  path: -1\n  value: {apiVersion: policy/v1, kind: PodDisruptionBudget, metadata: {name: api}}\n").unwrap();
        let mut b = bundle();
        t.apply(&mut b, Target::KUBERNETES, &json!({}), "dev")
            .unwrap();
        let text = String::from_utf8(b.files["manifests.yaml"].clone()).unwrap();
        let docs: Vec<Json> = serde_yaml::Deserializer::from_str(&text)
            .map(|d| <Json as serde::Deserialize>::deserialize(d).unwrap())
            .collect();
        assert_eq!(docs.len(), 2, "{text}");
        assert_eq!(docs[0]["spec"]["replicas"], json!(3));
        assert_eq!(docs[0]["metadata"]["annotations"]["a.b/c"], json!("dev"));
        assert_eq!(docs[1]["kind"], json!("PodDisruptionBudget"));
    }

    #[test]
    fn errors_name_the_file_line_and_operation() {
        let mut t = PatchTemplates::new();
        let e = t
            .add_file("bad.tpl", "- op: set\n  path: {{ .X\n")
            .unwrap_err();
        assert!(
            e.message.contains("patch template bad.tpl: line 2"),
            "{}",
            e.message
        );
        t.add_file("p.tpl", "- op: merge\n  path: 0.spec\n")
            .unwrap();
        let e = t
            .apply(&mut bundle(), Target::KUBERNETES, &json!({}), "")
            .unwrap_err();
        assert!(
            e.0[0]
                .message
                .contains("operation 1 (`merge 0.spec`): unknown operation"),
            "{}",
            e.0[0].message
        );
    }
}
