//! A small YAML emitter for JSON values, safe for YAML 1.1 readers (kubectl's go-yaml, PyYAML,
//! CloudFormation):
//! block style, keys in the order given, two-space indent, sequences under a key at the key's
//! indent (kubectl style), strings quoted whenever a 1.1 or 1.2 reader could take them for
//! anything else (`yes`, `on`, `1:20`, `2001-12-14`, `012`, `=`, …), multi-line strings as
//! literal blocks when that is exact.
//!
//! serde_yaml 0.9 writes `yes`/`on`/`no` unquoted (YAML 1.2), which Kubernetes reads as booleans.

use serde_json::Value;

/// One YAML document (without the `---` line) for `v`.
pub fn to_yaml(v: &Value) -> String {
    document(v, Keys::AsGiven)
}

/// [`to_yaml`] of `v` with every map's keys sorted (as `to_yaml(&sort_keys(v))` writes it,
/// without building the sorted copy).
pub fn to_yaml_sorted(v: &Value) -> String {
    document(v, Keys::Sorted)
}

/// The order a map's entries are written in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keys {
    AsGiven,
    Sorted,
}

fn document(v: &Value, keys: Keys) -> String {
    let mut out = String::new();
    match v {
        Value::Object(m) if !m.is_empty() => map(&mut out, m, 0, keys),
        Value::Array(a) if !a.is_empty() => seq(&mut out, a, 0, keys),
        other => {
            match other {
                Value::String(s) if !is_inline(other) => quoted(&mut out, s),
                _ => inline(&mut out, other),
            }
            out.push('\n');
        }
    }
    out
}

/// The lines of the map entry `k: v` at `indent` spaces, as [`to_yaml`] writes it inside a
/// map: lets a caller render a large map's entries where they are built and join the texts.
pub fn entry_text(k: &str, v: &Value, indent: usize) -> String {
    let mut out = String::new();
    entry(&mut out, k, v, indent, Keys::AsGiven);
    out
}

/// [`entry_text`] with every map's keys sorted (as [`to_yaml_sorted`] writes them).
pub fn entry_text_sorted(k: &str, v: &Value, indent: usize) -> String {
    let mut out = String::new();
    entry(&mut out, k, v, indent, Keys::Sorted);
    out
}

/// True for a scalar or empty collection, written on one line by [`inline`]; false for a block
/// string or a non-empty collection.
fn is_inline(v: &Value) -> bool {
    match v {
        Value::String(s) => !block_ok(s),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => true,
    }
}

/// The one-line form of a value [`is_inline`] accepts.
fn inline(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            use std::fmt::Write as _;
            let _ = write!(out, "{n}");
        }
        Value::String(s) => scalar(out, s),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

fn pad(out: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut left = n;
    while left > 0 {
        let k = left.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        left -= k;
    }
}

/// Maps with this many entries (an estate's CloudFormation `Resources`) are rendered entry by
/// entry in parallel and joined in order.
pub(crate) const PARALLEL_ENTRIES: usize = 256;

fn map(out: &mut String, m: &serde_json::Map<String, Value>, indent: usize, keys: Keys) {
    use rayon::prelude::*;
    if keys == Keys::AsGiven && m.len() < PARALLEL_ENTRIES {
        m.iter().for_each(|(k, v)| entry(out, k, v, indent, keys));
        return;
    }
    let mut entries: Vec<(&String, &Value)> = m.iter().collect();
    if keys == Keys::Sorted {
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    }
    if entries.len() < PARALLEL_ENTRIES {
        entries
            .into_iter()
            .for_each(|(k, v)| entry(out, k, v, indent, keys));
    } else {
        let parts: Vec<String> = entries
            .par_iter()
            .map(|(k, v)| {
                let mut part = String::new();
                entry(&mut part, k, v, indent, keys);
                part
            })
            .collect();
        out.reserve(parts.iter().map(String::len).sum());
        parts.iter().for_each(|p| out.push_str(p));
    }
}

fn entry(out: &mut String, k: &str, v: &Value, indent: usize, keys: Keys) {
    pad(out, indent);
    scalar(out, k);
    out.push(':');
    value_after_key(out, v, indent, keys);
}

/// What follows `key:` (or `-`): an inline scalar, a block string, or a nested collection.
fn value_after_key(out: &mut String, v: &Value, indent: usize, keys: Keys) {
    if is_inline(v) {
        out.push(' ');
        inline(out, v);
        out.push('\n');
        return;
    }
    match v {
        Value::String(s) => block(out, s, indent + 2),
        Value::Object(m) => {
            out.push('\n');
            map(out, m, indent + 2, keys);
        }
        Value::Array(a) => {
            out.push('\n');
            seq(out, a, indent, keys);
        }
        _ => {}
    }
}

fn seq(out: &mut String, a: &[Value], indent: usize, keys: Keys) {
    for v in a {
        if is_inline(v) {
            pad(out, indent);
            out.push_str("- ");
            inline(out, v);
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
                let at = out.len();
                map(out, m, indent + 2, keys);
                dash_first(out, at, indent);
            }
            Value::Array(items) => {
                let at = out.len();
                seq(out, items, indent + 2, keys);
                dash_first(out, at, indent);
            }
            _ => {}
        }
    }
}

/// The collection just written from byte `at` starts with `indent + 2` spaces: its last two
/// become the item's `- `.
fn dash_first(out: &mut String, at: usize, indent: usize) {
    out.replace_range(at + indent..at + indent + 2, "- ");
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
fn scalar(out: &mut String, s: &str) {
    if plain_ok(s) {
        out.push_str(s);
    } else if s.chars().any(needs_escape) {
        quoted(out, s);
    } else {
        out.push('\'');
        for (i, part) in s.split('\'').enumerate() {
            if i > 0 {
                out.push_str("''");
            }
            out.push_str(part);
        }
        out.push('\'');
    }
}

fn quoted(out: &mut String, s: &str) {
    use std::fmt::Write as _;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Words a YAML 1.1 or 1.2 reader takes for null, a boolean or a special float (none is
/// longer than five bytes).
fn is_special_word(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "null", "~", "y", "yes", "n", "no", "true", "false", "on", "off", ".inf", "-.inf", "+.inf",
        ".nan",
    ];
    s.len() <= 5 && WORDS.iter().any(|w| s.eq_ignore_ascii_case(w))
}

/// Characters a plain scalar may hold besides letters and digits.
fn plain_char(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(
            c,
            '-' | '_' | '.' | '/' | ':' | '@' | '+' | '=' | '~' | '$' | '(' | ')' | '^' | ' '
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
        || !s.chars().all(plain_char)
        || s.ends_with([' ', ':'])
        || (s.contains(' ') && (s.contains(": ") || s.contains(" #")))
    {
        return false;
    }
    plain_start(first, second)
}

/// What a plain scalar's first two characters allow: numbers, timestamps, sexagesimals and
/// special floats start with a digit, or with a sign or a dot followed by a digit or a dot (all
/// quoted); a sequence entry or an indicator starts otherwise.
fn plain_start(first: char, second: Option<char>) -> bool {
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

#[cfg(test)]
#[path = "yaml_reference.rs"]
mod reference;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_large_map_is_rendered_in_order_and_sorted_like_a_small_one() {
        let n = PARALLEL_ENTRIES + 44;
        let mut m = serde_json::Map::new();
        for i in (0..n).rev() {
            m.insert(
                format!("k{i:04}"),
                json!({"b": [i, {"z": 1, "a": 2}], "a": "x"}),
            );
        }
        let v = crate::value::sort_keys(json!({"Resources": m}));
        let mut want = String::from("Resources:\n");
        for i in 0..n {
            want.push_str(&format!(
                "  k{i:04}:\n    a: x\n    b:\n    - {i}\n    - a: 2\n      z: 1\n"
            ));
        }
        assert_eq!(to_yaml(&v), want);
    }

    #[test]
    fn entries_rendered_apart_join_into_the_map_to_yaml_writes() {
        let m = json!({"Top": {"b": {"c": [1, {"d": "yes"}], "e": "two\nlines\n"}, "a": []}});
        let whole = to_yaml(&m);
        let inner = m["Top"].as_object().unwrap();
        let mut joined = String::from("Top:\n");
        for (k, v) in inner {
            joined.push_str(&entry_text(k, v, 2));
        }
        assert_eq!(joined, whole);
    }

    fn round_trip(v: &Value) {
        let y = to_yaml(v);
        let back: Value = serde_yaml::from_str(&y).unwrap_or_else(|e| panic!("{e}\n{y}"));
        assert_eq!(&back, v, "\n{y}");
    }

    #[test]
    fn yaml_1_1_specials_are_quoted() {
        for s in [
            "yes",
            "no",
            "on",
            "off",
            "y",
            "n",
            "Yes",
            "NO",
            "true",
            "null",
            "~",
            "1",
            "0x1f",
            "1e3",
            "012",
            "-",
            "a: b",
            "#x",
            " x",
            "x ",
            "=",
            "1_000",
            "0o17",
            ".5",
            "+1",
            "1:20",
            "2001-12-14",
            ".inf",
            "NaN",
            "<<",
            "-1",
            "?x",
            "@x",
            "x #y",
            "x:",
            "'q'",
            "\"d\"",
            "a\tb",
            "\u{7f}",
            "é",
            "",
            "*a",
            "&a",
            "!t",
            "|",
            ">",
            "%x",
            "`x",
            "[x]",
            "{x}",
        ] {
            let y = to_yaml(&json!({ "k": s }));
            let line = y.trim_end();
            let value = &line[3..];
            if s.is_empty() || !plain_ok(s) {
                assert!(
                    value.starts_with(['\'', '"']),
                    "{s:?} must be quoted: {line}"
                );
            }
            round_trip(&json!({ "k": s }));
        }
        assert!(
            plain_ok("-U")
                && plain_ok("nginx:1.27")
                && plain_ok("app.kubernetes.io/name")
                && plain_ok("$(VAR)")
        );
        assert!(!plain_ok("1Gi") && !plain_ok("yes") && !plain_ok("2001-12-14") && !plain_ok("-1"));
    }

    #[test]
    fn shapes_and_block_strings() {
        let v = json!({
            "a": [{"b": 1, "c": [1, [2, 3], {}]}, [], {"d": "x\ny\n"}],
            "e": {"f": {}, "g": []},
            "h": "one\ntwo",
            "i": "keep\n\n\n",
            "j": " lead\nx",
            "j2": "\n\n lead\nx\n",
            "j3": "\n\nfirst\n",
            "k": "crlf\r\nx",
            "l": ["multi\nline\n", "x"],
            "m": "tab\tin\nblock\n",
            "n": null, "o": true, "p": 1.5, "q": -3,
        });
        round_trip(&v);
        let y = to_yaml(&v);
        assert!(
            y.starts_with(
                "a:\n- b: 1\n  c:\n  - 1\n  - - 2\n    - 3\n  - {}\n- []\n- d: |\n    x\n    y\n"
            ),
            "{y}"
        );
        assert!(y.contains("h: |-\n  one\n  two\n"), "{y}");
        assert!(y.contains("j: \" lead\\nx\"\n"), "{y}");
    }

    /// Any JSON value: nested maps and lists of awkward strings (block candidates, quotes,
    /// specials, control characters), numbers, booleans and nulls.
    fn any_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let text = "\\PC{0,12}|[-:#'\" \n\t?.0-9yesnoOFF~\u{85}\r]{0,10}|[a-z]{1,6}\n[ a-z\n]{0,8}";
        let tricky = prop::sample::select(vec![
            "off", "Off", "ON", "yes", "No", "y", "N", "~", "null", "True", "FALSE", "-.inf",
            ".NaN", "+.Inf", "-", "- x", "-x", "a: b", "x #y", "x:", "1:20", "012", "+1", ".5",
            "é", "@x", "'q'", "it's", "x ", " x", "a\nb\n\n", "\n\nx", " a\nb", "a\r\nb",
        ]);
        let key = prop_oneof![text, tricky.clone().prop_map(String::from)];
        let leaf = prop_oneof![
            tricky.prop_map(|s| Value::String(s.to_string())),
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            text.prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec((key.clone(), inner), 0..5)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    #[test]
    fn written_in_place_as_the_reference_writes() {
        let v = json!({"a": [[{"b": [1, [2, {"c": "x\ny"}]]}, []], {}], "d": "it's", "e": "\u{1}"});
        assert_eq!(to_yaml(&v), super::reference::to_yaml(&v));
        for s in ["", "one\ntwo", "x", "yes"] {
            assert_eq!(to_yaml(&json!(s)), super::reference::to_yaml(&json!(s)));
        }
    }

    proptest::proptest! {
        #[test]
        fn any_value_is_written_as_the_reference_writes(v in any_value()) {
            proptest::prop_assert_eq!(to_yaml(&v), super::reference::to_yaml(&v));
            let sorted = crate::value::sort_keys(v.clone());
            proptest::prop_assert_eq!(to_yaml_sorted(&v), super::reference::to_yaml(&sorted));
            for (k, x) in v.as_object().into_iter().flatten() {
                proptest::prop_assert_eq!(entry_text(k, x, 4), super::reference::entry_text(k, x, 4));
                let sorted = crate::value::sort_keys(x.clone());
                proptest::prop_assert_eq!(entry_text_sorted(k, x, 4), super::reference::entry_text(k, &sorted, 4));
            }
        }

        #[test]
        fn any_string_round_trips(s in "\\PC{0,40}|[-:#'\" \n\t?.0-9yesno]{0,12}") {
            round_trip(&json!({ "k": s.clone(), "l": [s.clone(), {"m": s}] }));
        }
    }
}
