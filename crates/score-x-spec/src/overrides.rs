//! Overrides applied to the raw YAML tree before decoding (score-k8s / score-compose semantics).
//!
//! - `--overrides-file`: deep merge; maps merge key by key, any other value replaces; a `null`
//!   value in the overrides file removes the key. Replaced nodes keep the override file's
//!   positions, so diagnostics point at the override file.
//! - `--override-property PATH=VALUE`: `PATH` is dotted (`\.` escapes a dot; a number indexes a
//!   list), `VALUE` is parsed as YAML; an empty `VALUE` deletes the path. Missing maps along the
//!   path are created.

use std::sync::Arc;

use score_x_core::{Code, Diagnostic};

use crate::yaml::{self, Key, Node, Pos, Value};

/// The file name used for positions of `--override-property` values.
pub const PROPERTY_FILE: &str = "<override-property>";

/// Deep-merge `over` into `base`.
pub fn merge(base: &mut Node, over: &Node) {
    match (&mut base.value, &over.value) {
        (Value::Map(b), Value::Map(o)) => {
            for (k, v) in o {
                let idx = b.iter().position(|(bk, _)| bk.name == k.name);
                match (idx, &v.value) {
                    (Some(i), Value::Null) => {
                        b.remove(i);
                    }
                    (None, Value::Null) => {}
                    (Some(i), _) => merge(&mut b[i].1, v),
                    (None, _) => b.push((k.clone(), v.clone())),
                }
            }
        }
        _ => *base = over.clone(),
    }
}

/// Parse an overrides file into its (single) map document.
pub fn parse_overrides_file(name: &str, text: &str) -> Result<Option<Node>, Vec<Diagnostic>> {
    let docs = yaml::parse(name, text)?;
    match docs.len() {
        0 => Ok(None),
        1 => {
            let root = docs.into_iter().next().map(|d| d.root);
            match root {
                Some(r) if matches!(r.value, Value::Map(_)) => Ok(Some(r)),
                Some(r) => Err(vec![
                    Diagnostic::error(
                        Code::InvalidOverride,
                        format!("an overrides file must be a map, found {}", r.type_name()),
                    )
                    .at(r.pos.span("")),
                ]),
                None => Ok(None),
            }
        }
        _ => Err(vec![
            Diagnostic::error(
                Code::InvalidOverride,
                "an overrides file must hold a single YAML document",
            )
            .at(score_x_core::Span::file_only(name).with_path("/")),
        ]),
    }
}

/// A parsed `--override-property`.
#[derive(Debug, Clone)]
pub struct Property {
    pub path: Vec<String>,
    /// `None` deletes.
    pub value: Option<Node>,
}

fn invalid(prop: &str, msg: impl Into<String>) -> Box<Diagnostic> {
    Box::new(Diagnostic::error(
        Code::InvalidOverride,
        format!("--override-property `{prop}`: {}", msg.into()),
    )
    .hint("write PATH=VALUE, e.g. `containers.main.image=nginx:1.27`; escape dots in keys as `\\.`"))
}

impl Property {
    /// The YAML path the property sets, e.g. `/containers/main/image`.
    pub fn yaml_path(&self) -> String {
        let mut p = String::new();
        for s in &self.path {
            p = crate::path::child(&p, s);
        }
        if p.is_empty() { "/".into() } else { p }
    }
}

/// Parse `PATH=VALUE`. Errors are located at `<override-property>`, with the property's path.
pub fn parse_property(prop: &str) -> Result<Property, Box<Diagnostic>> {
    let at = |path: &str| {
        let mut p = String::new();
        for s in path.split('.').filter(|s| !s.is_empty()) {
            p = crate::path::child(&p, s);
        }
        let p = if p.is_empty() { "/".to_string() } else { p };
        score_x_core::Span::file_only(PROPERTY_FILE).with_path(p)
    };
    parse_property_inner(prop).map_err(|e| {
        let path = prop.split_once('=').map_or(prop, |(p, _)| p);
        Box::new(e.at(at(path)))
    })
}

fn parse_property_inner(prop: &str) -> Result<Property, Box<Diagnostic>> {
    // The whole property (its path too, not only the YAML value) is text read strictly.
    if let Err(e) = crate::text::check(PROPERTY_FILE, prop) {
        return Err(invalid(prop, e.message));
    }
    let Some((path, value)) = prop.split_once('=') else {
        return Err(invalid(prop, "missing `=`"));
    };
    let mut segs = vec![String::new()];
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'.') => {
                chars.next();
                if let Some(s) = segs.last_mut() {
                    s.push('.');
                }
            }
            '.' => segs.push(String::new()),
            c => {
                if let Some(s) = segs.last_mut() {
                    s.push(c);
                }
            }
        }
    }
    if segs.iter().any(String::is_empty) {
        return Err(invalid(prop, "the path has an empty key"));
    }
    if segs.len() > crate::yaml::MAX_DEPTH {
        return Err(invalid(
            prop,
            format!("the path is deeper than {} keys", crate::yaml::MAX_DEPTH),
        ));
    }
    let value = if value.is_empty() {
        None
    } else {
        let docs = yaml::parse(PROPERTY_FILE, value).map_err(|e| {
            invalid(
                prop,
                format!(
                    "the value is not valid YAML: {}",
                    e.first().map_or("", |d| d.message.as_str())
                ),
            )
        })?;
        Some(docs.into_iter().next().map_or_else(
            || Node {
                value: Value::Null,
                pos: Pos::file_only(Arc::from(PROPERTY_FILE)),
            },
            |d| d.root,
        ))
    };
    Ok(Property { path: segs, value })
}

/// Apply a property to a document root.
pub fn apply_property(root: &mut Node, prop: &Property, text: &str) -> Result<(), Box<Diagnostic>> {
    let Some((last, parents)) = prop.path.split_last() else {
        return Err(invalid(text, "empty path"));
    };
    let mut cur = root;
    for seg in parents {
        if matches!(cur.value, Value::Null) {
            cur.value = Value::Map(Vec::new());
        }
        let found = cur.type_name();
        cur = match &mut cur.value {
            Value::Map(m) => {
                let i = match m.iter().position(|(k, _)| k.name == *seg) {
                    Some(i) => i,
                    None => {
                        let pos = Pos::file_only(Arc::from(PROPERTY_FILE));
                        m.push((
                            Key {
                                name: seg.clone(),
                                pos: pos.clone(),
                            },
                            Node {
                                value: Value::Map(Vec::new()),
                                pos,
                            },
                        ));
                        m.len() - 1
                    }
                };
                &mut m[i].1
            }
            Value::Seq(l) => {
                let len = l.len();
                let Some(n) = seg.parse::<usize>().ok().and_then(|i| l.get_mut(i)) else {
                    return Err(invalid(
                        text,
                        format!("`{seg}` is not an index of a list of {len} items"),
                    ));
                };
                n
            }
            _ => {
                return Err(invalid(
                    text,
                    format!("cannot descend into `{seg}`: the value there is {found}"),
                ));
            }
        };
    }
    match (&mut cur.value, &prop.value) {
        (Value::Map(m), None) => m.retain(|(k, _)| k.name != *last),
        (Value::Map(m), Some(v)) => match m.iter().position(|(k, _)| k.name == *last) {
            Some(i) => m[i].1 = v.clone(),
            None => m.push((
                Key {
                    name: last.clone(),
                    pos: v.pos.clone(),
                },
                v.clone(),
            )),
        },
        (Value::Seq(l), v) => {
            let len = l.len();
            let i = last
                .parse::<usize>()
                .ok()
                .filter(|i| *i < len || (v.is_some() && *i == len));
            match (i, v) {
                (Some(i), None) => {
                    l.remove(i);
                }
                (Some(i), Some(v)) if i == len => l.push(v.clone()),
                (Some(i), Some(v)) => l[i] = v.clone(),
                (None, _) => {
                    return Err(invalid(
                        text,
                        format!("`{last}` is not an index of a list of {len} items"),
                    ));
                }
            }
        }
        (Value::Null, Some(v)) => {
            cur.value = Value::Map(vec![(
                Key {
                    name: last.clone(),
                    pos: v.pos.clone(),
                },
                v.clone(),
            )]);
        }
        (Value::Null, None) => {}
        _ => {
            return Err(invalid(
                text,
                format!("cannot set `{last}` on {}", cur.type_name()),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(s: &str) -> Node {
        yaml::parse("s.yaml", s).unwrap().remove(0).root
    }

    #[test]
    fn deep_merge_maps_replace_others_null_deletes() {
        let mut b = doc("a: {x: 1, y: [1, 2]}\nb: 2\nc: 3\n");
        let o = doc("a: {y: [9], z: 3}\nb: null\n");
        merge(&mut b, &o);
        assert_eq!(
            b.to_json(),
            serde_json::json!({"a": {"x": 1, "y": [9], "z": 3}, "c": 3})
        );
    }

    #[test]
    fn properties_set_delete_and_escape() {
        let mut b =
            doc("metadata: {annotations: {}}\ncontainers: {main: {image: a, args: [x, y]}}\n");
        for p in [
            "containers.main.image=nginx",
            "metadata.annotations.example\\.com/a=1",
            "containers.main.args.1=",
            "containers.main.variables.X=hello",
        ] {
            let prop = parse_property(p).unwrap();
            apply_property(&mut b, &prop, p).unwrap();
        }
        assert_eq!(
            b.to_json(),
            serde_json::json!({"metadata": {"annotations": {"example.com/a": 1}},
                "containers": {"main": {"image": "nginx", "args": ["x"], "variables": {"X": "hello"}}}})
        );
        assert!(parse_property("novalue").is_err());
        assert!(parse_property("a..b=1").is_err());
        assert!(parse_property(&format!("{}=1", vec!["a"; 1000].join("."))).is_err());
        let prop = parse_property("containers.main.image.x=1").unwrap();
        assert_eq!(
            apply_property(&mut b, &prop, "p").unwrap_err().code,
            Code::InvalidOverride
        );
    }
}
