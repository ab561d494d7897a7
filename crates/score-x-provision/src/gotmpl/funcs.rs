//! The functions templates can call: Go's builtins (`and or not len index slice print printf
//! println eq ne lt le gt ge`), the sprig functions the score-k8s corpus uses, Helm's
//! `toYaml`/`required`, and score-k8s's `encodeSecretRef`. `now`, `env` and other functions
//! that would make output depend on the machine are not defined.

use base64::Engine as _;
use serde_json::{Map, Value as Json};
use sha2::Digest as _;

use super::Ctx;
use super::exec::truth;
use super::fmt::{quote, sprintf, strval, type_name};

type R = Result<Json, String>;

const NAMES: &[&str] = &[
    "and",
    "or",
    "not",
    "len",
    "index",
    "slice",
    "print",
    "printf",
    "println",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "default",
    "empty",
    "coalesce",
    "ternary",
    "required",
    "fail",
    "quote",
    "squote",
    "upper",
    "lower",
    "title",
    "trim",
    "trimAll",
    "trimPrefix",
    "trimSuffix",
    "replace",
    "contains",
    "hasPrefix",
    "hasSuffix",
    "substr",
    "trunc",
    "cat",
    "join",
    "splitList",
    "split",
    "repeat",
    "indent",
    "nindent",
    "nospace",
    "list",
    "dict",
    "get",
    "set",
    "unset",
    "hasKey",
    "keys",
    "values",
    "pick",
    "omit",
    "merge",
    "mergeOverwrite",
    "deepCopy",
    "dig",
    "first",
    "last",
    "rest",
    "initial",
    "append",
    "prepend",
    "concat",
    "uniq",
    "has",
    "without",
    "compact",
    "reverse",
    "sortAlpha",
    "until",
    "toJson",
    "toRawJson",
    "toPrettyJson",
    "fromJson",
    "toYaml",
    "fromYaml",
    "b64enc",
    "b64dec",
    "sha256sum",
    "randAlphaNum",
    "randAlpha",
    "randNumeric",
    "randAscii",
    "uuidv4",
    "add",
    "add1",
    "sub",
    "mul",
    "div",
    "mod",
    "max",
    "min",
    "int",
    "int64",
    "float64",
    "toString",
    "toStrings",
    "atoi",
    "regexMatch",
    "regexFind",
    "regexFindAll",
    "regexReplaceAll",
    "regexSplit",
    "typeOf",
    "kindOf",
    "kindIs",
    "typeIs",
    "encodeSecretRef",
    "ceil",
    "floor",
    "round",
    "abs",
    "kebabcase",
    "snakecase",
    "camelcase",
    "lowerFirst",
    "upperFirst",
];

pub(crate) fn known(name: &str) -> bool {
    NAMES.contains(&name)
}

/// A fix for the usual mistakes with a function.
pub(crate) fn hint(name: &str) -> Option<&'static str> {
    Some(match name {
        "index" => "`index` of a missing key gives no value; of a list it must be in range",
        "dig" => {
            "`dig` takes the keys, then the default, then the map: `dig \"a\" \"b\" \"default\" .State`"
        }
        "add" | "sub" | "mul" | "div" | "mod" => "arguments must be numbers (or strings of digits)",
        "fail" | "required" => return None,
        _ => return None,
    })
}

fn arity(args: &[Json], n: std::ops::RangeInclusive<usize>) -> Result<(), String> {
    if n.contains(&args.len()) {
        return Ok(());
    }
    let want = if n.start() == n.end() {
        n.start().to_string()
    } else {
        format!("{} to {}", n.start(), n.end())
    };
    Err(format!(
        "wrong number of args: want {want} got {}",
        args.len()
    ))
}

fn int(v: &Json) -> Result<i64, String> {
    match v {
        Json::Number(n) => Ok(n
            .as_i64()
            .unwrap_or_else(|| n.as_f64().unwrap_or(0.0) as i64)),
        Json::String(s) => Ok(s
            .trim()
            .parse::<i64>()
            .or_else(|_| s.trim().parse::<f64>().map(|f| f as i64))
            .unwrap_or(0)),
        Json::Bool(b) => Ok(i64::from(*b)),
        Json::Null => Ok(0),
        other => Err(format!("cannot convert {} to a number", type_name(other))),
    }
}

fn float(v: &Json) -> f64 {
    match v {
        Json::Number(n) => n.as_f64().unwrap_or(0.0),
        Json::String(s) => s.trim().parse().unwrap_or(0.0),
        Json::Bool(b) => f64::from(u8::from(*b)),
        _ => 0.0,
    }
}

fn fnum(f: f64) -> Json {
    serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)
}

fn s(v: &Json) -> String {
    strval(v)
}

fn list_of(v: &Json) -> Result<Vec<Json>, String> {
    match v {
        Json::Array(a) => Ok(a.clone()),
        Json::Null => Ok(Vec::new()),
        other => Err(format!("expected a list, found {}", type_name(other))),
    }
}

fn map_of(v: &Json) -> Result<Map<String, Json>, String> {
    match v {
        Json::Object(m) => Ok(m.clone()),
        Json::Null => Ok(Map::new()),
        other => Err(format!("expected a map, found {}", type_name(other))),
    }
}

fn bounded(n: i64) -> Result<usize, String> {
    usize::try_from(n)
        .ok()
        .filter(|n| *n <= 1 << 20)
        .ok_or_else(|| format!("length {n} is out of range"))
}

/// Go `eq` on basic values (numbers compare by value).
fn equal(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn order(a: &Json, b: &Json) -> Result<std::cmp::Ordering, String> {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .ok_or_else(|| "invalid number".to_string()),
        (Json::String(x), Json::String(y)) => Ok(x.cmp(y)),
        _ => Err(format!(
            "incompatible types for comparison: {} and {}",
            type_name(a),
            type_name(b)
        )),
    }
}

pub(crate) fn call(name: &str, a: Vec<Json>, ctx: &mut Ctx) -> R {
    if let Some(r) = builtin(name, &a) {
        return r;
    }
    if let Some(r) = strings(name, &a) {
        return r;
    }
    if let Some(r) = collections(name, &a) {
        return r;
    }
    if let Some(r) = encoding(name, &a, ctx) {
        return r;
    }
    if let Some(r) = numbers(name, &a) {
        return r;
    }
    Err(format!("function `{name}` not defined"))
}

fn builtin(name: &str, a: &[Json]) -> Option<R> {
    Some(match name {
        "not" => arity(a, 1..=1).map(|()| Json::Bool(!truth(&a[0]))),
        "len" => arity(a, 1..=1).and_then(|()| match &a[0] {
            Json::String(x) => Ok(Json::from(x.len())),
            Json::Array(x) => Ok(Json::from(x.len())),
            Json::Object(x) => Ok(Json::from(x.len())),
            other => Err(format!("len of type {}", type_name(other))),
        }),
        "index" => index(a),
        "slice" => slice(a),
        "print" => Ok(Json::String(go_print(a))),
        "println" => Ok(Json::String(format!(
            "{}\n",
            a.iter().map(s).collect::<Vec<_>>().join(" ")
        ))),
        "printf" => arity(a, 1..=usize::MAX).map(|()| Json::String(sprintf(&s(&a[0]), &a[1..]))),
        "eq" => {
            arity(a, 2..=usize::MAX).map(|()| Json::Bool(a[1..].iter().any(|b| equal(&a[0], b))))
        }
        "ne" => arity(a, 2..=2).map(|()| Json::Bool(!equal(&a[0], &a[1]))),
        "lt" | "le" | "gt" | "ge" => arity(a, 2..=2).and_then(|()| {
            use std::cmp::Ordering::*;
            let o = order(&a[0], &a[1])?;
            Ok(Json::Bool(match name {
                "lt" => o == Less,
                "le" => o != Greater,
                "gt" => o == Greater,
                _ => o != Less,
            }))
        }),
        _ => return None,
    })
}

/// Go's `print`: spaces between operands when neither is a string.
fn go_print(a: &[Json]) -> String {
    let mut out = String::new();
    for (i, v) in a.iter().enumerate() {
        if i > 0 && !v.is_string() && !a[i - 1].is_string() {
            out.push(' ');
        }
        out.push_str(&s(v));
    }
    out
}

fn index(a: &[Json]) -> R {
    arity(a, 1..=usize::MAX)?;
    let mut cur = a[0].clone();
    for k in &a[1..] {
        cur = match (&cur, k) {
            (Json::Object(m), Json::String(key)) => m.get(key).cloned().unwrap_or(Json::Null),
            (Json::Object(_), other) => {
                return Err(format!(
                    "value has type {}; should be string",
                    type_name(other)
                ));
            }
            (Json::Array(l), k) => {
                let i = int(k)?;
                usize::try_from(i)
                    .ok()
                    .and_then(|i| l.get(i))
                    .cloned()
                    .ok_or_else(|| format!("index out of range: {i}"))?
            }
            (Json::Null, _) => return Err("index of untyped nil".to_string()),
            (other, _) => return Err(format!("can't index item of type {}", type_name(other))),
        };
    }
    Ok(cur)
}

fn slice(a: &[Json]) -> R {
    arity(a, 1..=3)?;
    let idx: Vec<usize> = a[1..]
        .iter()
        .map(|v| int(v).map(|i| usize::try_from(i).unwrap_or(usize::MAX)))
        .collect::<Result<_, _>>()?;
    match &a[0] {
        Json::String(x) => {
            let lo = idx.first().copied().unwrap_or(0);
            let hi = idx.get(1).copied().unwrap_or(x.len());
            x.get(lo..hi)
                .map(|t| Json::String(t.to_string()))
                .ok_or_else(|| format!("slice index out of range [{lo}:{hi}]"))
        }
        Json::Array(l) => {
            let lo = idx.first().copied().unwrap_or(0);
            let hi = idx.get(1).copied().unwrap_or(l.len());
            l.get(lo..hi)
                .map(|t| Json::Array(t.to_vec()))
                .ok_or_else(|| format!("slice index out of range [{lo}:{hi}]"))
        }
        other => Err(format!("can't slice item of type {}", type_name(other))),
    }
}

fn regex(pat: &Json) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(&s(pat))
        .size_limit(1 << 20)
        .build()
        .map_err(|e| e.to_string())
}

fn case_words(x: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in x.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.push(c);
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

fn cap_first(w: &str) -> String {
    let mut c = w.chars();
    c.next().map_or_else(String::new, |f| {
        f.to_uppercase().collect::<String>() + c.as_str()
    })
}

fn strings(name: &str, a: &[Json]) -> Option<R> {
    let str1 = |a: &[Json]| arity(a, 1..=1).map(|()| s(&a[0]));
    let text = |v: String| Json::String(v);
    Some(match name {
        "quote" => Ok(text(
            a.iter()
                .filter(|v| !v.is_null())
                .map(|v| quote(&s(v)))
                .collect::<Vec<_>>()
                .join(" "),
        )),
        "squote" => Ok(text(
            a.iter()
                .filter(|v| !v.is_null())
                .map(|v| format!("'{}'", s(v)))
                .collect::<Vec<_>>()
                .join(" "),
        )),
        "upper" => str1(a).map(|x| text(x.to_uppercase())),
        "lower" => str1(a).map(|x| text(x.to_lowercase())),
        "title" => str1(a).map(|x| text(x.split(' ').map(cap_first).collect::<Vec<_>>().join(" "))),
        "upperFirst" => str1(a).map(|x| text(cap_first(&x))),
        "lowerFirst" => str1(a).map(|x| {
            let mut c = x.chars();
            text(c.next().map_or_else(String::new, |f| {
                f.to_lowercase().collect::<String>() + c.as_str()
            }))
        }),
        "kebabcase" => str1(a).map(|x| {
            text(
                case_words(&x)
                    .iter()
                    .map(|w| w.to_lowercase())
                    .collect::<Vec<_>>()
                    .join("-"),
            )
        }),
        "snakecase" => str1(a).map(|x| {
            text(
                case_words(&x)
                    .iter()
                    .map(|w| w.to_lowercase())
                    .collect::<Vec<_>>()
                    .join("_"),
            )
        }),
        "camelcase" => str1(a).map(|x| {
            text(
                case_words(&x)
                    .iter()
                    .map(|w| cap_first(&w.to_lowercase()))
                    .collect(),
            )
        }),
        "trim" => str1(a).map(|x| text(x.trim().to_string())),
        "nospace" => str1(a).map(|x| text(x.chars().filter(|c| !c.is_whitespace()).collect())),
        "trimAll" => arity(a, 2..=2).map(|()| {
            let cut: Vec<char> = s(&a[0]).chars().collect();
            text(s(&a[1]).trim_matches(cut.as_slice()).to_string())
        }),
        "trimPrefix" => arity(a, 2..=2).map(|()| {
            let x = s(&a[1]);
            text(x.strip_prefix(s(&a[0]).as_str()).unwrap_or(&x).to_string())
        }),
        "trimSuffix" => arity(a, 2..=2).map(|()| {
            let x = s(&a[1]);
            text(x.strip_suffix(s(&a[0]).as_str()).unwrap_or(&x).to_string())
        }),
        "replace" => arity(a, 3..=3).and_then(|()| {
            let out = s(&a[2]).replace(&s(&a[0]), &s(&a[1]));
            bounded(i64::try_from(out.len()).unwrap_or(i64::MAX) >> 2).map(|_| text(out))
        }),
        "contains" => arity(a, 2..=2).map(|()| Json::Bool(s(&a[1]).contains(&s(&a[0])))),
        "hasPrefix" => arity(a, 2..=2).map(|()| Json::Bool(s(&a[1]).starts_with(&s(&a[0])))),
        "hasSuffix" => arity(a, 2..=2).map(|()| Json::Bool(s(&a[1]).ends_with(&s(&a[0])))),
        "substr" => arity(a, 3..=3).and_then(|()| {
            let (start, end, x) = (int(&a[0])?, int(&a[1])?, s(&a[2]));
            let len = i64::try_from(x.len()).unwrap_or(i64::MAX);
            let (lo, hi) = if start < 0 {
                (0, end)
            } else if end < 0 || end > len {
                (start, len)
            } else {
                (start, end)
            };
            let lo = usize::try_from(lo.clamp(0, len)).unwrap_or(0);
            let hi = usize::try_from(hi.clamp(0, len)).unwrap_or(0);
            x.get(lo..hi.max(lo))
                .map(|t| text(t.to_string()))
                .ok_or_else(|| format!("substr {start} {end} splits a character"))
        }),
        "trunc" => arity(a, 2..=2).and_then(|()| {
            let (n, x) = (int(&a[0])?, s(&a[1]));
            let len = i64::try_from(x.len()).unwrap_or(i64::MAX);
            let r = if n < 0 {
                x.get(usize::try_from((len + n).max(0)).unwrap_or(0)..)
            } else {
                x.get(..usize::try_from(n.min(len)).unwrap_or(0))
            };
            r.map(|t| text(t.to_string()))
                .ok_or_else(|| "trunc splits a character".to_string())
        }),
        "cat" => Ok(text(
            a.iter()
                .filter(|v| !v.is_null())
                .map(s)
                .collect::<Vec<_>>()
                .join(" "),
        )),
        "join" => arity(a, 2..=2).and_then(|()| {
            Ok(text(
                list_of(&a[1])?
                    .iter()
                    .filter(|v| !v.is_null())
                    .map(s)
                    .collect::<Vec<_>>()
                    .join(&s(&a[0])),
            ))
        }),
        "splitList" => arity(a, 2..=2).map(|()| {
            Json::Array(
                s(&a[1])
                    .split(s(&a[0]).as_str())
                    .map(|p| text(p.to_string()))
                    .collect(),
            )
        }),
        "split" => arity(a, 2..=2).map(|()| {
            Json::Object(
                s(&a[1])
                    .split(s(&a[0]).as_str())
                    .enumerate()
                    .map(|(i, p)| (format!("_{i}"), text(p.to_string())))
                    .collect(),
            )
        }),
        "repeat" => arity(a, 2..=2).and_then(|()| {
            let (n, x) = (bounded(int(&a[0])?)?, s(&a[1]));
            bounded(i64::try_from(n.saturating_mul(x.len())).unwrap_or(i64::MAX))
                .map(|_| text(x.repeat(n)))
        }),
        "indent" | "nindent" => arity(a, 2..=2).and_then(|()| {
            let pad = " ".repeat(bounded(int(&a[0])?)?);
            let body = format!("{pad}{}", s(&a[1]).replace('\n', &format!("\n{pad}")));
            Ok(text(if name == "nindent" {
                format!("\n{body}")
            } else {
                body
            }))
        }),
        "regexMatch" => {
            arity(a, 2..=2).and_then(|()| Ok(Json::Bool(regex(&a[0])?.is_match(&s(&a[1])))))
        }
        "regexFind" => arity(a, 2..=2).and_then(|()| {
            Ok(text(
                regex(&a[0])?
                    .find(&s(&a[1]))
                    .map_or(String::new(), |m| m.as_str().to_string()),
            ))
        }),
        "regexFindAll" => arity(a, 3..=3).and_then(|()| {
            let n = int(&a[2])?;
            let x = s(&a[1]);
            let re = regex(&a[0])?;
            let all = re.find_iter(&x).map(|m| text(m.as_str().to_string()));
            Ok(Json::Array(if n < 0 {
                all.collect()
            } else {
                all.take(usize::try_from(n).unwrap_or(0)).collect()
            }))
        }),
        "regexReplaceAll" => arity(a, 3..=3).and_then(|()| {
            Ok(text(
                regex(&a[0])?
                    .replace_all(&s(&a[1]), s(&a[2]).as_str())
                    .into_owned(),
            ))
        }),
        "regexSplit" => arity(a, 3..=3).and_then(|()| {
            let x = s(&a[1]);
            let parts = regex(&a[0])?
                .split(&x)
                .map(|p| text(p.to_string()))
                .collect::<Vec<_>>();
            let n = int(&a[2])?;
            Ok(Json::Array(if n < 0 {
                parts
            } else {
                parts
                    .into_iter()
                    .take(usize::try_from(n).unwrap_or(0))
                    .collect()
            }))
        }),
        _ => return None,
    })
}

/// Sprig's `empty`.
fn empty(v: &Json) -> bool {
    !truth(v)
}

fn dig(a: &[Json]) -> R {
    arity(a, 3..=usize::MAX)?;
    let (keys, rest) = a.split_at(a.len() - 2);
    let (default, mut cur) = (&rest[0], &rest[1]);
    for k in keys {
        let Json::Object(m) = cur else {
            return Ok(default.clone());
        };
        match m.get(&s(k)) {
            Some(v) => cur = v,
            None => return Ok(default.clone()),
        }
    }
    Ok(cur.clone())
}

fn merge(dst: &mut Map<String, Json>, src: &Map<String, Json>, overwrite: bool) {
    for (k, v) in src {
        match (dst.get_mut(k), v) {
            (Some(Json::Object(d)), Json::Object(sv)) => merge(d, sv, overwrite),
            (Some(d), v) if overwrite => *d = v.clone(),
            (Some(_), _) => {}
            (None, v) => {
                dst.insert(k.clone(), v.clone());
            }
        }
    }
}

fn collections(name: &str, a: &[Json]) -> Option<R> {
    let list1 = |a: &[Json]| arity(a, 1..=1).and_then(|()| list_of(&a[0]));
    Some(match name {
        "default" => arity(a, 1..=2).map(|()| match a.get(1) {
            Some(v) if !empty(v) => v.clone(),
            _ => a[0].clone(),
        }),
        "empty" => arity(a, 1..=1).map(|()| Json::Bool(empty(&a[0]))),
        "coalesce" => Ok(a.iter().find(|v| !empty(v)).cloned().unwrap_or(Json::Null)),
        "ternary" => arity(a, 3..=3).map(|()| {
            if truth(&a[2]) {
                a[0].clone()
            } else {
                a[1].clone()
            }
        }),
        "required" => arity(a, 2..=2).and_then(|()| {
            if a[1].is_null() || a[1] == Json::String(String::new()) {
                Err(s(&a[0]))
            } else {
                Ok(a[1].clone())
            }
        }),
        "fail" => arity(a, 1..=1).and_then(|()| Err(s(&a[0]))),
        "list" => Ok(Json::Array(a.to_vec())),
        "dict" => Ok(Json::Object(
            a.chunks(2)
                .map(|p| {
                    (
                        s(&p[0]),
                        p.get(1).cloned().unwrap_or(Json::String(String::new())),
                    )
                })
                .collect(),
        )),
        "get" => arity(a, 2..=2).and_then(|()| {
            Ok(map_of(&a[0])?
                .get(&s(&a[1]))
                .cloned()
                .unwrap_or(Json::String(String::new())))
        }),
        "set" => arity(a, 3..=3).and_then(|()| {
            let mut m = map_of(&a[0])?;
            m.insert(s(&a[1]), a[2].clone());
            Ok(Json::Object(m))
        }),
        "unset" => arity(a, 2..=2).and_then(|()| {
            let mut m = map_of(&a[0])?;
            m.shift_remove(&s(&a[1]));
            Ok(Json::Object(m))
        }),
        "hasKey" => {
            arity(a, 2..=2).and_then(|()| Ok(Json::Bool(map_of(&a[0])?.contains_key(&s(&a[1])))))
        }
        "keys" => {
            let mut ks = Vec::new();
            for m in a {
                ks.extend(
                    map_of(m)
                        .map(|m| m.keys().cloned().collect::<Vec<_>>())
                        .unwrap_or_default(),
                );
            }
            // sprig's order is Go's random map order; ours is sorted (deterministic).
            ks.sort();
            Ok(Json::Array(ks.into_iter().map(Json::String).collect()))
        }
        "values" => arity(a, 1..=1).and_then(|()| {
            let m = map_of(&a[0])?;
            let mut ks: Vec<&String> = m.keys().collect();
            ks.sort();
            Ok(Json::Array(ks.into_iter().map(|k| m[k].clone()).collect()))
        }),
        "pick" | "omit" => arity(a, 1..=usize::MAX).and_then(|()| {
            let m = map_of(&a[0])?;
            let names: Vec<String> = a[1..].iter().map(s).collect();
            Ok(Json::Object(
                m.into_iter()
                    .filter(|(k, _)| names.contains(k) == (name == "pick"))
                    .collect(),
            ))
        }),
        "merge" | "mergeOverwrite" => arity(a, 1..=usize::MAX).and_then(|()| {
            let mut dst = map_of(&a[0])?;
            for src in &a[1..] {
                merge(&mut dst, &map_of(src)?, name == "mergeOverwrite");
            }
            Ok(Json::Object(dst))
        }),
        "deepCopy" => arity(a, 1..=1).map(|()| a[0].clone()),
        "dig" => dig(a),
        "first" => list1(a).map(|l| l.first().cloned().unwrap_or(Json::Null)),
        "last" => list1(a).map(|l| l.last().cloned().unwrap_or(Json::Null)),
        "rest" => list1(a).map(|l| Json::Array(l.get(1..).unwrap_or_default().to_vec())),
        "initial" => list1(a).map(|l| Json::Array(l[..l.len().saturating_sub(1)].to_vec())),
        "append" => arity(a, 2..=2).and_then(|()| {
            let mut l = list_of(&a[0])?;
            l.push(a[1].clone());
            Ok(Json::Array(l))
        }),
        "prepend" => arity(a, 2..=2).and_then(|()| {
            let mut l = list_of(&a[0])?;
            l.insert(0, a[1].clone());
            Ok(Json::Array(l))
        }),
        "concat" => a
            .iter()
            .map(list_of)
            .collect::<Result<Vec<_>, _>>()
            .map(|ls| Json::Array(ls.concat())),
        "uniq" => list1(a).map(|l| {
            let mut out: Vec<Json> = Vec::new();
            for v in l {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            Json::Array(out)
        }),
        "has" => arity(a, 2..=2)
            .and_then(|()| Ok(Json::Bool(list_of(&a[1])?.iter().any(|v| equal(v, &a[0]))))),
        "without" => arity(a, 1..=usize::MAX).and_then(|()| {
            Ok(Json::Array(
                list_of(&a[0])?
                    .into_iter()
                    .filter(|v| !a[1..].contains(v))
                    .collect(),
            ))
        }),
        "compact" => list1(a).map(|l| Json::Array(l.into_iter().filter(|v| !empty(v)).collect())),
        "reverse" => list1(a).map(|mut l| {
            l.reverse();
            Json::Array(l)
        }),
        "sortAlpha" => list1(a).map(|l| {
            let mut v: Vec<String> = l.iter().map(s).collect();
            v.sort();
            Json::Array(v.into_iter().map(Json::String).collect())
        }),
        "until" => arity(a, 1..=1).and_then(|()| {
            let n = int(&a[0])?;
            let n = bounded(n.abs())?;
            Ok(Json::Array(
                (0..n)
                    .map(|i| {
                        Json::from(if int(&a[0]).unwrap_or(0) < 0 {
                            -(i as i64)
                        } else {
                            i as i64
                        })
                    })
                    .collect(),
            ))
        }),
        "toStrings" => {
            list1(a).map(|l| Json::Array(l.iter().map(|v| Json::String(s(v))).collect()))
        }
        "typeOf" => arity(a, 1..=1).map(|()| Json::String(type_name(&a[0]).to_string())),
        "kindOf" => arity(a, 1..=1).map(|()| Json::String(kind(&a[0]).to_string())),
        "kindIs" => arity(a, 2..=2).map(|()| Json::Bool(s(&a[0]) == kind(&a[1]))),
        "typeIs" => arity(a, 2..=2).map(|()| Json::Bool(s(&a[0]) == type_name(&a[1]))),
        _ => return None,
    })
}

fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "invalid",
        Json::Bool(_) => "bool",
        Json::Number(n) if n.is_f64() => "float64",
        Json::Number(_) => "int",
        Json::String(_) => "string",
        Json::Array(_) => "slice",
        Json::Object(_) => "map",
    }
}

const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const DIGITS: &[u8] = b"0123456789";

/// `len` characters of `alphabet`, derived from the seed, the uid, the section and the ordinal
/// of this draw (uniform: rejection sampling over HMAC-SHA256 blocks).
fn derive(ctx: &mut Ctx, alphabet: &[u8], len: usize) -> Result<String, String> {
    if ctx.seed.is_empty() {
        return Err("no seed is available (the state has no seed)".to_string());
    }
    ctx.draws += 1;
    let n = alphabet.len();
    let limit = 256 - 256 % n;
    let mut out = String::with_capacity(len);
    let mut block: u64 = 0;
    while out.len() < len {
        let msg = format!(
            "score-x/gotmpl\0{}\0{}\0{}\0{block}",
            ctx.uid, ctx.section, ctx.draws
        );
        for b in crate::helpers::hmac_sha256(ctx.seed.as_bytes(), msg.as_bytes()) {
            if usize::from(b) < limit && out.len() < len {
                out.push(char::from(alphabet[usize::from(b) % n]));
            }
        }
        block += 1;
    }
    ctx.generated.push(out.clone());
    Ok(out)
}

fn to_yaml(v: &Json) -> Result<String, String> {
    let y = serde_yaml::to_string(v).map_err(|e| e.to_string())?;
    Ok(y.trim_end_matches('\n').to_string())
}

fn encoding(name: &str, a: &[Json], ctx: &mut Ctx) -> Option<R> {
    let str1 = |a: &[Json]| arity(a, 1..=1).map(|()| s(&a[0]));
    let text = |v: String| Json::String(v);
    let b64 = base64::engine::general_purpose::STANDARD;
    Some(match name {
        "toJson" | "toRawJson" => {
            arity(a, 1..=1).map(|()| text(serde_json::to_string(&a[0]).unwrap_or_default()))
        }
        "toPrettyJson" => {
            arity(a, 1..=1).map(|()| text(serde_json::to_string_pretty(&a[0]).unwrap_or_default()))
        }
        "fromJson" => str1(a).map(|x| serde_json::from_str(&x).unwrap_or(Json::Null)),
        "toYaml" => arity(a, 1..=1).and_then(|()| to_yaml(&a[0]).map(text)),
        "fromYaml" => str1(a).map(|x| serde_yaml::from_str(&x).unwrap_or(Json::Null)),
        "b64enc" => str1(a).map(|x| text(b64.encode(x.as_bytes()))),
        "b64dec" => str1(a).and_then(|x| {
            b64.decode(x.as_bytes())
                .map_err(|e| e.to_string())
                .map(|b| text(String::from_utf8_lossy(&b).into_owned()))
        }),
        "sha256sum" => str1(a).map(|x| text(hex::encode(sha2::Sha256::digest(x.as_bytes())))),
        "randAlphaNum" | "randAlpha" | "randNumeric" | "randAscii" => {
            arity(a, 1..=1).and_then(|()| {
                let n = bounded(int(&a[0])?)?;
                let ascii: Vec<u8> = (33u8..127).collect();
                let alphabet = match name {
                    "randAlphaNum" => ALNUM,
                    "randAlpha" => ALPHA,
                    "randNumeric" => DIGITS,
                    _ => ascii.as_slice(),
                };
                derive(ctx, alphabet, n).map(text)
            })
        }
        "uuidv4" => arity(a, 0..=0).and_then(|()| {
            let h = derive(ctx, b"0123456789abcdef", 32)?;
            let variant = ["8", "9", "a", "b"][usize::from(h.as_bytes()[16]) % 4];
            Ok(text(format!(
                "{}-{}-4{}-{variant}{}-{}",
                &h[0..8],
                &h[8..12],
                &h[13..16],
                &h[17..20],
                &h[20..32]
            )))
        }),
        "encodeSecretRef" => {
            arity(a, 2..=2).map(|()| text(format!("🔐💬{}_{}💬🔐", s(&a[0]), s(&a[1]))))
        }
        _ => return None,
    })
}

fn numbers(name: &str, a: &[Json]) -> Option<R> {
    let ints = |a: &[Json]| a.iter().map(int).collect::<Result<Vec<i64>, String>>();
    Some(match name {
        "add" => ints(a).map(|v| Json::from(v.iter().fold(0i64, |x, y| x.wrapping_add(*y)))),
        "mul" => ints(a).map(|v| Json::from(v.iter().fold(1i64, |x, y| x.wrapping_mul(*y)))),
        "add1" => arity(a, 1..=1).and_then(|()| Ok(Json::from(int(&a[0])?.wrapping_add(1)))),
        "sub" | "div" | "mod" => arity(a, 2..=2).and_then(|()| {
            let (x, y) = (int(&a[0])?, int(&a[1])?);
            match name {
                "sub" => Ok(Json::from(x.wrapping_sub(y))),
                _ if y == 0 => Err("integer divide by zero".to_string()),
                "div" => Ok(Json::from(x.wrapping_div(y))),
                _ => Ok(Json::from(x.wrapping_rem(y))),
            }
        }),
        "max" | "min" => arity(a, 1..=usize::MAX).and_then(|()| {
            let v = ints(a)?;
            Ok(Json::from(
                if name == "max" {
                    v.iter().copied().max()
                } else {
                    v.iter().copied().min()
                }
                .unwrap_or(0),
            ))
        }),
        "int" | "int64" | "atoi" => arity(a, 1..=1).and_then(|()| int(&a[0]).map(Json::from)),
        "float64" => arity(a, 1..=1).map(|()| fnum(float(&a[0]))),
        "toString" => arity(a, 1..=1).map(|()| Json::String(s(&a[0]))),
        "ceil" => arity(a, 1..=1).map(|()| fnum(float(&a[0]).ceil())),
        "floor" => arity(a, 1..=1).map(|()| fnum(float(&a[0]).floor())),
        "abs" => arity(a, 1..=1).map(|()| fnum(float(&a[0]).abs())),
        "round" => arity(a, 2..=3).and_then(|()| {
            let p = 10f64.powi(i32::try_from(int(&a[1])?).unwrap_or(0));
            Ok(fnum((float(&a[0]) * p).round() / p))
        }),
        _ => return None,
    })
}
