//! RFC 6901 JSON Pointers (`/spec/template/spec/containers/0/image`, `~1` for `/`, `~0` for `~`;
//! `-` names the end of an array) and the lookups the patch operations need.

use serde_json::Value;

/// A parsed JSON Pointer: its reference tokens, unescaped. The empty pointer is the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pointer {
    tokens: Vec<String>,
}

impl Pointer {
    /// The whole document.
    pub fn root() -> Pointer {
        Pointer { tokens: Vec::new() }
    }

    /// Parse `s`: empty, or `/` followed by tokens; `~` only as `~0` or `~1`.
    pub fn parse(s: &str) -> Result<Pointer, String> {
        if s.is_empty() {
            return Ok(Pointer { tokens: Vec::new() });
        }
        let Some(rest) = s.strip_prefix('/') else {
            return Err(format!(
                "`{s}` is no JSON Pointer: it must start with `/` (e.g. `/{s}`)"
            ));
        };
        let tokens = rest.split('/').map(unescape).collect::<Result<_, _>>()?;
        Ok(Pointer { tokens })
    }

    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }

    pub fn is_root(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The parent's tokens and the last token (`None` for the root).
    pub fn split_last(&self) -> Option<(&[String], &str)> {
        self.tokens
            .split_last()
            .map(|(last, parent)| (parent, last.as_str()))
    }

    pub fn from_tokens(tokens: Vec<String>) -> Pointer {
        Pointer { tokens }
    }

    /// True when a token is the wildcard `*`.
    pub fn has_wildcard(&self) -> bool {
        self.tokens.iter().any(|t| t == WILDCARD)
    }

    /// The concrete pointers `self` stands for in `doc`: each `*` token replaced by every key
    /// of the map (or index of the list) it stands under. Branches under a missing value end.
    pub fn expand(&self, doc: &Value) -> Vec<Pointer> {
        let mut out = Vec::new();
        expand(doc, &self.tokens, &mut Vec::new(), &mut out);
        out.into_iter().map(Pointer::from_tokens).collect()
    }

    /// The pointer made of the first `n` tokens, as text.
    pub fn prefix(&self, n: usize) -> String {
        render(&self.tokens[..n.min(self.tokens.len())])
    }
}

impl std::fmt::Display for Pointer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&render(&self.tokens))
    }
}

/// The token that stands for every key or index (`/spec/template/spec/containers/*/image`).
pub const WILDCARD: &str = "*";

fn expand(v: &Value, rest: &[String], at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let Some((t, tail)) = rest.split_first() else {
        out.push(at.clone());
        return;
    };
    if t != WILDCARD {
        at.push(t.clone());
        let next = match v {
            Value::Object(m) => m.get(t.as_str()),
            Value::Array(a) => index(t).and_then(|i| a.get(i)),
            _ => None,
        };
        // A missing value ends the walk here: the operation reports it (`set` may create it).
        match next {
            Some(n) => expand(n, tail, at, out),
            None if !tail.iter().any(|t| t == WILDCARD) => {
                at.extend(tail.iter().cloned());
                out.push(at.clone());
                at.truncate(at.len() - tail.len());
            }
            None => {}
        }
        at.pop();
        return;
    }
    let children: Vec<(String, &Value)> = match v {
        Value::Object(m) => m.iter().map(|(k, c)| (k.clone(), c)).collect(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, c)| (i.to_string(), c))
            .collect(),
        _ => Vec::new(),
    };
    for (k, c) in children {
        at.push(k);
        expand(c, tail, at, out);
        at.pop();
    }
}

fn render(tokens: &[String]) -> String {
    tokens
        .iter()
        .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
        .collect()
}

fn unescape(token: &str) -> Result<String, String> {
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c != '~' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('0') => out.push('~'),
            Some('1') => out.push('/'),
            _ => {
                return Err(format!(
                    "`~` in `{token}` must be written `~0` (and `/` inside a key `~1`)"
                ));
            }
        }
    }
    Ok(out)
}

/// An array index token: digits without a leading zero (RFC 6901).
pub fn index(token: &str) -> Option<usize> {
    if token == "0" || (!token.starts_with('0') && token.bytes().all(|b| b.is_ascii_digit())) {
        token.parse().ok()
    } else {
        None
    }
}

/// The value at `tokens` below `v`, or how many tokens matched before the walk stopped.
pub fn get_mut<'a>(v: &'a mut Value, tokens: &[String]) -> Result<&'a mut Value, usize> {
    let mut cur = v;
    for (depth, t) in tokens.iter().enumerate() {
        cur = match cur {
            Value::Object(m) => m.get_mut(t.as_str()).ok_or(depth)?,
            Value::Array(a) => index(t).and_then(|i| a.get_mut(i)).ok_or(depth)?,
            _ => return Err(depth),
        };
    }
    Ok(cur)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_escapes_and_rejects_bad_pointers() {
        let p = Pointer::parse("/metadata/annotations/a~1b~0c").unwrap();
        assert_eq!(p.tokens(), ["metadata", "annotations", "a/b~c"]);
        assert_eq!(p.to_string(), "/metadata/annotations/a~1b~0c");
        assert!(Pointer::parse("").unwrap().is_root());
        assert!(
            Pointer::parse("spec")
                .unwrap_err()
                .contains("start with `/`")
        );
        assert!(Pointer::parse("/a~2").is_err());
        assert_eq!(Pointer::parse("/a/b").unwrap().prefix(1), "/a");
    }

    #[test]
    fn wildcards_expand_over_keys_and_items() {
        let v = json!({"job": {"a": {"x": 1}, "b": {}}, "l": [{"i": 1}, {"i": 2}]});
        let ps = |s: &str| -> Vec<String> {
            Pointer::parse(s)
                .unwrap()
                .expand(&v)
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert_eq!(
            ps("/job/*/constraint"),
            ["/job/a/constraint", "/job/b/constraint"]
        );
        assert_eq!(ps("/l/*/i"), ["/l/0/i", "/l/1/i"]);
        assert_eq!(ps("/nope/*/x"), Vec::<String>::new());
        assert_eq!(ps("/nope/y"), ["/nope/y"]);
    }

    #[test]
    fn walks_objects_and_arrays() {
        let mut v = json!({"a": [{"b": 1}]});
        let p = Pointer::parse("/a/0/b").unwrap();
        assert_eq!(*get_mut(&mut v, p.tokens()).unwrap(), json!(1));
        let p = Pointer::parse("/a/01/b").unwrap();
        assert_eq!(get_mut(&mut v, p.tokens()).unwrap_err(), 1);
        let p = Pointer::parse("/x/y").unwrap();
        assert_eq!(get_mut(&mut v, p.tokens()).unwrap_err(), 0);
    }
}
