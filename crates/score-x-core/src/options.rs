//! Target options decoded into a backend's typed `Options` before anything runs (ripgrep's
//! low-args → high-args): the `--target-options` YAML file, then the flags folded into it. Every
//! error names the file, line, column and YAML path, with "did you mean" for unknown keys.

use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::diag::{Code, Diagnostic, Span, did_you_mean};
use crate::yaml_tree::path::child;

/// The text of a `--target-options` file.
#[derive(Debug, Clone, Copy)]
pub struct OptionsFile<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

/// Decoded options: the typed value and the same options as JSON (what provisioner templates see
/// as `options`).
#[derive(Debug, Clone)]
pub struct Decoded<T> {
    pub typed: T,
    pub json: serde_json::Value,
}

/// Decode `file` (or nothing) plus `flags` (keys set by command-line flags) into `T`.
pub fn decode<T: DeserializeOwned + Default>(
    target: &str,
    file: Option<OptionsFile<'_>>,
    flags: serde_json::Map<String, serde_json::Value>,
) -> Result<Decoded<T>, Diagnostic> {
    let mut json = match file {
        Some(f) => from_file::<T>(target, f)?,
        None => serde_json::Value::Object(serde_json::Map::new()),
    };
    if let serde_json::Value::Object(map) = &mut json {
        map.extend(flags);
    }
    let typed = match &json {
        serde_json::Value::Object(m) if m.is_empty() => T::default(),
        _ => from_json(target, &json)?,
    };
    Ok(Decoded { typed, json })
}

fn from_json<T: DeserializeOwned>(target: &str, json: &serde_json::Value) -> Result<T, Diagnostic> {
    serde_json::from_value(json.clone()).map_err(|e| {
        Diagnostic::error(
            Code::InvalidValue,
            format!("invalid {target} target options: {e}"),
        )
        .hint(format!("see docs/targets/{target}.md for the options"))
    })
}

/// Check the file against `T` with positions, then return it as JSON (a map; empty for an empty
/// file).
fn from_file<T: DeserializeOwned>(
    target: &str,
    f: OptionsFile<'_>,
) -> Result<serde_json::Value, Diagnostic> {
    let de = serde_yaml::Deserializer::from_str(f.text);
    if !f.text.trim().is_empty()
        && let Err(e) = serde_path_to_error::deserialize::<_, T>(de)
    {
        let path = pointer(e.path());
        return Err(diagnostic(target, f.name, &path, &e.into_inner()));
    }
    let v: serde_json::Value =
        serde_yaml::from_str(f.text).map_err(|e| diagnostic(target, f.name, "", &e))?;
    match v {
        serde_json::Value::Null => Ok(serde_json::Value::Object(serde_json::Map::new())),
        serde_json::Value::Object(_) => Ok(v),
        _ => Err(Diagnostic::error(
            Code::WrongShape,
            format!("the {target} target options must be a YAML map"),
        )
        .at(Span::file_only(f.name))),
    }
}

/// A serde path (`a.b[0].c`) as the readable YAML path every diagnostic uses (`/a/b/0/c`).
fn pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        out = match seg {
            Segment::Seq { index } => child(&out, &index.to_string()),
            Segment::Map { key } => child(&out, key),
            Segment::Enum { variant } => child(&out, variant),
            Segment::Unknown => continue,
        };
    }
    out
}

fn diagnostic(target: &str, file: &str, path: &str, e: &serde_yaml::Error) -> Diagnostic {
    let message = e.to_string();
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string();
    let (line, column, offset) = e
        .location()
        .map_or((1, 1, 0), |l| (l.line(), l.column(), l.index()));
    let span = Span {
        file: Arc::from(file),
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
        offset,
        len: 0,
        path: Arc::from(if path.is_empty() { "/" } else { path }),
    };
    let code = if message.starts_with("unknown field") {
        Code::UnknownField
    } else {
        Code::InvalidValue
    };
    let hint = suggestion(&message)
        .unwrap_or_else(|| format!("see docs/targets/{target}.md for the options"));
    Diagnostic::error(code, format!("{target} target options: {message}"))
        .at(span)
        .hint(hint)
}

/// "did you mean" from serde's "unknown field `x`, expected one of `a`, `b`" messages.
fn suggestion(message: &str) -> Option<String> {
    let (head, expected) = message.split_once("expected")?;
    let word = head.split('`').nth(1)?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    did_you_mean(word, candidates.iter().copied()).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, serde::Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Opts {
        namespace: Option<String>,
        #[serde(default)]
        replicas: u32,
    }

    fn file(text: &str) -> Option<OptionsFile<'_>> {
        Some(OptionsFile {
            name: "opts.yaml",
            text,
        })
    }

    #[test]
    fn unknown_key_has_position_path_and_suggestion() {
        let e = decode::<Opts>(
            "kubernetes",
            file("replicas: 2\nnamspace: x\n"),
            Default::default(),
        )
        .unwrap_err();
        let s = e.span.clone().unwrap();
        assert_eq!((s.line, &*s.path), (2, "/namspace"));
        assert_eq!(e.code, Code::UnknownField);
        assert_eq!(e.hint.as_deref(), Some("did you mean `namespace`?"));
    }

    #[test]
    fn wrong_type_and_flags() {
        let e = decode::<Opts>("k", file("replicas: many\n"), Default::default()).unwrap_err();
        assert_eq!(e.span.unwrap().path.as_ref(), "/replicas");
        let mut flags = serde_json::Map::new();
        flags.insert("namespace".into(), "prod".into());
        let d = decode::<Opts>("k", file(""), flags).unwrap();
        assert_eq!(d.typed.namespace.as_deref(), Some("prod"));
        assert_eq!(d.json, serde_json::json!({"namespace": "prod"}));
        let d = decode::<Opts>("k", None, Default::default()).unwrap();
        assert_eq!(d.typed.replicas, 0);
    }
}
