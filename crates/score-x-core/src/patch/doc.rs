//! A bundle file as patchable documents, and back to bytes in the backend's style: YAML
//! streams split at `---` lines (untouched documents keep their bytes, changed ones are written
//! by `core::yaml` with sorted keys when the backend sorted them), pretty JSON, HCL bodies.

use std::ops::Range;

use serde_json::Value;

use super::hcl_view;

/// How a file is read, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
    Hcl,
}

impl Format {
    pub fn of(path: &str) -> Option<Format> {
        let ext = path.rsplit_once('.').map(|(_, e)| e)?;
        Some(match ext {
            "yaml" | "yml" => Format::Yaml,
            "json" => Format::Json,
            "hcl" => Format::Hcl,
            _ => return None,
        })
    }
}

/// One document of a file.
#[derive(Debug, Clone)]
pub struct Doc {
    /// `None` for a chunk with no content (before the first `---`, say).
    pub value: Option<Value>,
    pub changed: bool,
    /// Separator line and leading comments, kept verbatim (YAML).
    head: String,
    /// The original text after `head` (YAML).
    body: String,
    /// Inside the target's secret store.
    secret: bool,
    /// Every map's keys were sorted: keep them sorted.
    sorted: bool,
}

/// A parsed file.
#[derive(Debug, Clone)]
pub struct DocFile {
    pub format: Format,
    pub docs: Vec<Doc>,
    /// The original HCL body (guides block structure when written back).
    hcl: Option<hcl::Body>,
}

fn overlaps(r: &Range<usize>, secret: &[Range<usize>]) -> bool {
    secret.iter().any(|s| s.start < r.end && r.start < s.end)
}

fn doc(value: Option<Value>, head: String, body: String, secret: bool) -> Doc {
    let sorted = value.as_ref().is_some_and(is_sorted);
    Doc {
        value,
        changed: false,
        head,
        body,
        secret,
        sorted,
    }
}

fn is_sorted(v: &Value) -> bool {
    match v {
        Value::Object(m) => {
            m.keys().zip(m.keys().skip(1)).all(|(a, b)| a <= b) && m.values().all(is_sorted)
        }
        Value::Array(a) => a.iter().all(is_sorted),
        _ => true,
    }
}

impl DocFile {
    /// Parse `bytes` as `format`; `secret` are the file's secret store ranges.
    pub fn parse(format: Format, bytes: &[u8], secret: &[Range<usize>]) -> Result<DocFile, String> {
        let text = std::str::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())?;
        let whole = overlaps(&(0..bytes.len().max(1)), secret);
        let (docs, hcl) = match format {
            Format::Yaml => (yaml_docs(text, secret)?, None),
            Format::Json => {
                let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
                (vec![doc(Some(v), String::new(), text.into(), whole)], None)
            }
            Format::Hcl => {
                let body: hcl::Body = hcl::parse(text).map_err(|e| format!("not HCL: {e}"))?;
                let v = Value::Object(hcl_view::to_json(&body));
                (
                    vec![doc(Some(v), String::new(), text.into(), whole)],
                    Some(body),
                )
            }
        };
        Ok(DocFile { format, docs, hcl })
    }

    pub fn changed(&self) -> bool {
        self.docs.iter().any(|d| d.changed)
    }

    /// Append a new YAML document.
    pub fn push_yaml(&mut self, value: Value, secret: bool) {
        let mut d = doc(Some(value), "---\n".into(), String::new(), secret);
        d.sorted = false;
        d.changed = true;
        self.docs.push(d);
    }

    /// The file's bytes and its secret store ranges.
    pub fn render(&self) -> Result<(Vec<u8>, Vec<Range<usize>>), String> {
        let mut out = String::new();
        let mut ranges = Vec::new();
        for d in &self.docs {
            let start = out.len();
            match self.format {
                Format::Yaml => render_yaml(&mut out, d),
                Format::Json => out.push_str(&render_json(d)?),
                Format::Hcl => out.push_str(&self.render_hcl(d)?),
            }
            if d.secret && out.len() > start {
                ranges.push(start..out.len());
            }
        }
        Ok((out.into_bytes(), ranges))
    }

    fn render_hcl(&self, d: &Doc) -> Result<String, String> {
        let (Some(Value::Object(m)), true) = (&d.value, d.changed) else {
            return Ok(d.body.clone());
        };
        let body = hcl_view::to_body(m, self.hcl.as_ref())?;
        hcl::to_string(&body).map_err(|e| format!("cannot write HCL: {e}"))
    }
}

fn styled(d: &Doc, v: &Value) -> Value {
    if d.sorted {
        crate::value::sort_keys(v.clone())
    } else {
        v.clone()
    }
}

fn render_yaml(out: &mut String, d: &Doc) {
    out.push_str(&d.head);
    match (&d.value, d.changed) {
        (Some(v), true) => out.push_str(&crate::yaml::to_yaml(&styled(d, v))),
        _ => out.push_str(&d.body),
    }
}

fn render_json(d: &Doc) -> Result<String, String> {
    match (&d.value, d.changed) {
        (Some(v), true) => serde_json::to_string_pretty(&styled(d, v))
            .map(|s| s + "\n")
            .map_err(|e| e.to_string()),
        _ => Ok(d.body.clone()),
    }
}

fn is_separator(line: &str) -> bool {
    let l = line.trim_end_matches(['\n', '\r']);
    l == "---" || l.starts_with("--- ")
}

/// Split a YAML stream at `---` lines; each chunk's separator and leading comment lines are
/// its head, the rest its body.
fn yaml_docs(text: &str, secret: &[Range<usize>]) -> Result<Vec<Doc>, String> {
    let mut chunks: Vec<(usize, String, String)> = vec![(0, String::new(), String::new())];
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let in_head = chunks.last().is_some_and(|c| c.2.is_empty());
        if is_separator(line) {
            chunks.push((at, line.to_string(), String::new()));
        } else if let Some(c) = chunks.last_mut() {
            let comment = line.trim_start().starts_with('#') || line.trim().is_empty();
            if in_head && comment {
                c.1.push_str(line)
            } else {
                c.2.push_str(line)
            }
        }
        at += line.len();
    }
    let mut docs = Vec::new();
    for (i, (start, head, body)) in chunks.iter().enumerate() {
        let end = chunks.get(i + 1).map_or(text.len(), |c| c.0);
        let value = if body.trim().is_empty() {
            None
        } else {
            let v: Value = serde_yaml::from_str(body)
                .map_err(|e| format!("document {} is not plain YAML ({e})", docs.len() + 1))?;
            Some(v)
        };
        let secret = overlaps(&(*start..end.max(start + 1)), secret);
        docs.push(doc(value, head.clone(), body.clone(), secret));
    }
    Ok(docs)
}
