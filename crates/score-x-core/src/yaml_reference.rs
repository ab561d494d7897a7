//! The emitter as it was first written (a `String` per scalar, a copy per sequence item):
//! the reference the writing-in-place emitter of `yaml.rs` is checked against.
#![allow(dead_code)]

use serde_json::Value;

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

/// Maps with this many entries (an estate's CloudFormation `Resources`) are rendered entry by
/// entry in parallel and joined in order.
use super::PARALLEL_ENTRIES;

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

/// ` |`, ` |-` or ` |+` then the lines at `indent`.
fn block(out: &mut String, s: &str, indent: usize) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push_str(match trailing {
        0 => " |-\n",
        1 => " |\n",
        _ => " |+\n",
    });
    for line in s[..body.len() + trailing.min(1)]
        .trim_end_matches('\n')
        .split('\n')
    {
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
    for _ in 1..trailing {
        out.push('\n');
    }
}

/// A literal block reproduces `s` exactly: several lines, printable, and the first non-empty
/// line not indented (a reader takes the block's indentation from it).
fn block_ok(s: &str) -> bool {
    let body = s.trim_end_matches('\n');
    s.contains('\n')
        && !body.is_empty()
        && !body.trim_start_matches('\n').starts_with([' ', '\t'])
        && s.chars()
            .all(|c| c == '\n' || c == '\t' || !needs_escape(c))
        && !s.contains('\r')
}

fn needs_escape(c: char) -> bool {
    let u = c as u32;
    u < 0x20 || (0x7f..=0x9f).contains(&u) || matches!(u, 0x2028 | 0x2029 | 0xfeff)
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

fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
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
    // Numbers, timestamps, sexagesimals and special floats start with a digit, or with a sign
    // or a dot followed by a digit or a dot: all quoted.
    if first.is_ascii_digit()
        || (matches!(first, '-' | '+' | '.')
            && second.is_some_and(|c| c.is_ascii_digit() || c == '.'))
    {
        return false;
    }
    match first {
        // `-` alone or followed by a space is a sequence entry.
        '-' => second.is_some_and(|c| c != ' '),
        '?' | ':' | '@' | '=' | '~' | ' ' => false,
        _ => true,
    }
}
