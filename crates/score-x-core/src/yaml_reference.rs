//! The emitter as it was first written (a `String` per scalar, a copy per sequence item):
//! the reference the writing-in-place emitter of `yaml.rs` is checked against. Block scalars
//! and escapes, unchanged, are the emitter's own.
#![allow(dead_code)]

use serde_json::Value;

use super::{PARALLEL_ENTRIES, block, block_ok, needs_escape};

/// One YAML document (without the `---` line) for `v`.
pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(m) if !m.is_empty() => map(&mut out, m, 0),
        Value::Array(a) if !a.is_empty() => seq(&mut out, a, 0),
        other => {
            out.push_str(
                &inline(other).unwrap_or_else(|| quoted(other.as_str().unwrap_or_default())),
            );
            out.push('\n');
        }
    }
    out
}

/// The lines of the map entry `k: v` at `indent` spaces, as [`to_yaml`] writes it inside a
/// map: lets a caller render a large map's entries where they are built and join the texts.
pub fn entry_text(k: &str, v: &Value, indent: usize) -> String {
    let mut out = String::new();
    entry(&mut out, k, v, indent);
    out
}

/// The one-line form of a scalar or empty collection; `None` for a block string or a non-empty
/// collection.
fn inline(v: &Value) -> Option<String> {
    Some(match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            if block_ok(s) {
                return None;
            }
            scalar(s)
        }
        Value::Array(a) if a.is_empty() => "[]".to_string(),
        Value::Object(m) if m.is_empty() => "{}".to_string(),
        _ => return None,
    })
}

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn map(out: &mut String, m: &serde_json::Map<String, Value>, indent: usize) {
    use rayon::prelude::*;
    if m.len() >= PARALLEL_ENTRIES {
        let entries: Vec<(&String, &Value)> = m.iter().collect();
        let parts: Vec<String> = entries
            .par_iter()
            .map(|(k, v)| {
                let mut part = String::new();
                entry(&mut part, k, v, indent);
                part
            })
            .collect();
        out.reserve(parts.iter().map(String::len).sum());
        parts.iter().for_each(|p| out.push_str(p));
        return;
    }
    for (k, v) in m {
        entry(out, k, v, indent);
    }
}

fn entry(out: &mut String, k: &str, v: &Value, indent: usize) {
    pad(out, indent);
    out.push_str(&scalar(k));
    out.push(':');
    value_after_key(out, v, indent);
}

/// What follows `key:` (or `-`): an inline scalar, a block string, or a nested collection.
fn value_after_key(out: &mut String, v: &Value, indent: usize) {
    if let Some(s) = inline(v) {
        out.push(' ');
        out.push_str(&s);
        out.push('\n');
        return;
    }
    match v {
        Value::String(s) => block(out, s, indent + 2),
        Value::Object(m) => {
            out.push('\n');
            map(out, m, indent + 2);
        }
        Value::Array(a) => {
            out.push('\n');
            seq(out, a, indent);
        }
        _ => {}
    }
}

fn seq(out: &mut String, a: &[Value], indent: usize) {
    for v in a {
        if let Some(s) = inline(v) {
            pad(out, indent);
            out.push_str("- ");
            out.push_str(&s);
            out.push('\n');
            continue;
        }
        match v {
            Value::String(s) => {
                pad(out, indent);
                out.push('-');
                block(out, s, indent + 2);
            }
            Value::Object(m) => {
                let mut inner = String::new();
                map(&mut inner, m, indent + 2);
                dash_first(out, &inner, indent);
            }
            Value::Array(items) => {
                let mut inner = String::new();
                seq(&mut inner, items, indent + 2);
                dash_first(out, &inner, indent);
            }
            _ => {}
        }
    }
}

/// Replace the indentation of the first line of `inner` (indent + 2 spaces) by `- `.
fn dash_first(out: &mut String, inner: &str, indent: usize) {
    pad(out, indent);
    out.push_str("- ");
    out.push_str(&inner[indent + 2..]);
}

/// A string scalar: plain when unambiguous, else single-quoted, else double-quoted.
fn scalar(s: &str) -> String {
    if plain_ok(s) {
        s.to_string()
    } else if s.chars().any(needs_escape) {
        quoted(s)
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

/// Double-quoted (the escapes are the same as the emitter's).
fn quoted(s: &str) -> String {
    let mut out = String::new();
    super::quoted(&mut out, s);
    out
}

/// Words a YAML 1.1 or 1.2 reader takes for null, a boolean or a special float.
fn is_special_word(s: &str) -> bool {
    matches!(
        s.to_ascii_lowercase().as_str(),
        "null"
            | "~"
            | "y"
            | "yes"
            | "n"
            | "no"
            | "true"
            | "false"
            | "on"
            | "off"
            | ".inf"
            | "-.inf"
            | "+.inf"
            | ".nan"
    )
}

/// Plain only when no reader can take it for anything but this string.
fn plain_ok(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let second = chars.next();
    if is_special_word(s)
        || !s
            .chars()
            .all(|c| c.is_alphanumeric() || "-_./:@+=~$()^ ".contains(c))
        || s.ends_with([' ', ':'])
        || s.contains(": ")
        || s.contains(" #")
    {
        return false;
    }
    super::plain_start(first, second)
}
