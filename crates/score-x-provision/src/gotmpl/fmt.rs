//! Go's `fmt` as templates see it: `%v` of values (`map[k:v]`, `[a b]`, `<nil>`), `%q`
//! quoting (`strconv.Quote`), and `printf` with the common verbs and flags.

use serde_json::Value as Json;

/// How an action prints a value (`<no value>` for a missing one).
pub(crate) fn print(v: &Json) -> String {
    match v {
        Json::Null => "<no value>".to_string(),
        v => strval(v),
    }
}

/// `%v` of a value (sprig's `strval`).
pub(crate) fn strval(v: &Json) -> String {
    match v {
        Json::Null => "<nil>".to_string(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => number(n),
        Json::String(s) => s.clone(),
        Json::Array(a) => format!("[{}]", a.iter().map(strval).collect::<Vec<_>>().join(" ")),
        Json::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{k}:{}", strval(&m[*k])))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

/// Go's `%v` of a number: integers as such, floats in the shortest form (`1e+21` past 1e21).
pub(crate) fn number(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    float(f)
}

pub(crate) fn float(f: f64) -> String {
    let a = f.abs();
    if a != 0.0 && !(1e-4..1e21).contains(&a) {
        let s = format!("{f:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let (sign, digits) = e.strip_prefix('-').map_or(("+", e), |d| ("-", d));
        return format!("{m}e{sign}{digits:0>2}");
    }
    format!("{f}")
}

/// Go's type name of a value, for messages and `typeOf`.
pub(crate) fn type_name(v: &Json) -> &'static str {
    match v {
        Json::Null => "<nil>",
        Json::Bool(_) => "bool",
        Json::Number(n) if n.is_f64() => "float64",
        Json::Number(_) => "int",
        Json::String(_) => "string",
        Json::Array(_) => "[]interface {}",
        Json::Object(_) => "map[string]interface {}",
    }
}

/// `strconv.Quote`.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn as_f64(v: &Json) -> Option<f64> {
    v.as_f64()
}

/// `fmt.Sprintf` for the verbs templates use: `%v %s %d %q %f %g %e %x %X %t %%` with `-`, `+`,
/// `0`, width and precision.
pub(crate) fn sprintf(format: &str, args: &[Json]) -> String {
    let mut out = String::new();
    let mut it = format.chars().peekable();
    let mut next = 0usize;
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let (mut minus, mut plus, mut zero) = (false, false, false);
        while let Some(&f) = it.peek() {
            match f {
                '-' => minus = true,
                '+' => plus = true,
                '0' => zero = true,
                ' ' | '#' => {}
                _ => break,
            }
            it.next();
        }
        let mut width = String::new();
        while let Some(&d) = it.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            it.next();
        }
        let mut prec: Option<usize> = None;
        if it.peek() == Some(&'.') {
            it.next();
            let mut p = String::new();
            while let Some(&d) = it.peek().filter(|d| d.is_ascii_digit()) {
                p.push(d);
                it.next();
            }
            prec = Some(p.parse().unwrap_or(0));
        }
        let Some(verb) = it.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        next += 1;
        let body = match (verb, arg) {
            ('d', Json::Number(n)) => {
                let i = n.as_i64().map_or_else(|| number(n), |i| i.to_string());
                if plus && !i.starts_with('-') {
                    format!("+{i}")
                } else {
                    i
                }
            }
            ('s' | 'v', a) => {
                let s = strval(a);
                match prec {
                    Some(p) if verb == 's' => s.chars().take(p).collect(),
                    _ => s,
                }
            }
            ('q', Json::String(s)) => quote(s),
            ('q', a) => quote(&strval(a)),
            ('t', Json::Bool(b)) => b.to_string(),
            ('f' | 'F', a) if as_f64(a).is_some() => {
                format!("{:.*}", prec.unwrap_or(6), as_f64(a).unwrap_or(0.0))
            }
            ('e', a) if as_f64(a).is_some() => float(as_f64(a).unwrap_or(0.0)),
            ('g', a) if as_f64(a).is_some() => float(as_f64(a).unwrap_or(0.0)),
            ('x' | 'X', Json::Number(n)) if n.as_i64().is_some() => {
                let i = n.as_i64().unwrap_or(0);
                if verb == 'x' {
                    format!("{i:x}")
                } else {
                    format!("{i:X}")
                }
            }
            ('x' | 'X', Json::String(s)) => {
                let h = hex::encode(s.as_bytes());
                if verb == 'X' { h.to_uppercase() } else { h }
            }
            (v, a) => format!("%!{v}({}={})", type_name(a), strval(a)),
        };
        let w: usize = width.parse().unwrap_or(0);
        let len = body.chars().count();
        if len >= w {
            out.push_str(&body);
        } else if minus {
            out.push_str(&body);
            out.push_str(&" ".repeat(w - len));
        } else if zero && matches!(verb, 'd' | 'f' | 'x' | 'X') {
            let (sign, digits) = body
                .strip_prefix('-')
                .map_or(("", body.as_str()), |d| ("-", d));
            out.push_str(sign);
            out.push_str(&"0".repeat(w - len));
            out.push_str(digits);
        } else {
            out.push_str(&" ".repeat(w - len));
            out.push_str(&body);
        }
    }
    if next < args.len() {
        let extra: Vec<String> = args[next..]
            .iter()
            .map(|a| format!("{}={}", type_name(a), strval(a)))
            .collect();
        out.push_str(&format!("%!(EXTRA {})", extra.join(", ")));
    }
    out
}
