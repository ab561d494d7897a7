//! The lexer of Go `text/template`: text, `{{ … }}` actions with `{{-`/`-}}` trim markers and
//! `{{/* … */}}` comments, and the tokens inside actions.

use super::Error;

/// One token inside an action, with its byte offset in the template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// `.Name` (a field of dot).
    Field(String),
    /// `.Name` right after a field, a variable or `)`: a field of that value.
    Chain(String),
    /// `.` alone.
    Dot,
    /// `$name` or `$`.
    Var(String),
    Ident(String),
    Str(String),
    Int(i64),
    Float(f64),
    LParen,
    RParen,
    Pipe,
    Declare,
    Assign,
    Comma,
}

/// A piece of the template: text, or an action's tokens.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    Text(String),
    Action(Vec<(Tok, usize)>, usize),
}

/// Split `src` into text and actions, applying the trim markers.
pub(crate) fn lex(src: &str) -> Result<Vec<Item>, Error> {
    let mut items = Vec::new();
    let mut rest = 0;
    let mut trim_next = false;
    while rest <= src.len() {
        let Some(open) = src[rest..].find("{{").map(|i| i + rest) else {
            push_text(&mut items, &src[rest..], trim_next, false);
            break;
        };
        let mut inner = open + 2;
        let trim_before = src[inner..].starts_with("- ")
            || src[inner..].starts_with("-\n")
            || src[inner..].starts_with("-\t")
            || src[inner..].starts_with("-\r");
        if trim_before {
            inner += 1;
        }
        push_text(&mut items, &src[rest..open], trim_next, trim_before);
        let comment = src[inner..].trim_start().starts_with("/*");
        let (body_end, close, trim_after) = if comment {
            let start = inner + src[inner..].find("/*").unwrap_or(0);
            let end = src[start..]
                .find("*/")
                .map(|i| i + start + 2)
                .ok_or_else(|| Error::at(open, "unclosed comment"))?;
            let after = &src[end..];
            let (trim, skip) = if let Some(a) = after.strip_prefix(" -}}") {
                (true, after.len() - a.len())
            } else if after.starts_with("}}") {
                (false, 2)
            } else {
                return Err(Error::at(end, "comment ends before closing delimiter"));
            };
            (end, end + skip, trim)
        } else {
            let (end, close, trim) = find_close(src, inner)?;
            let toks = tokens(&src[inner..end], inner)?;
            items.push(Item::Action(toks, open));
            (end, close, trim)
        };
        let _ = body_end;
        trim_next = trim_after;
        rest = close;
        if rest == src.len() {
            break;
        }
    }
    Ok(items)
}

fn push_text(items: &mut Vec<Item>, text: &str, trim_start: bool, trim_end: bool) {
    let mut t = text;
    if trim_start {
        t = t.trim_start_matches([' ', '\t', '\r', '\n']);
    }
    if trim_end {
        t = t.trim_end_matches([' ', '\t', '\r', '\n']);
    }
    if !t.is_empty() {
        items.push(Item::Text(t.to_string()));
    }
}

/// The end of the action that starts at `from`: (end of its body, after `}}`, trims after).
/// Quoted strings may hold `}}`.
fn find_close(src: &str, from: usize) -> Result<(usize, usize, bool), Error> {
    let b = src.as_bytes();
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'"' | b'`' | b'\'' => i = skip_quoted(src, i)?,
            b' ' | b'\t' | b'\r' | b'\n' if src[i + 1..].starts_with("-}}") => {
                return Ok((i, i + 4, true));
            }
            b'}' if src[i..].starts_with("}}") => return Ok((i, i + 2, false)),
            _ => i += 1,
        }
    }
    Err(Error::at(from, "unclosed action (missing `}}`)"))
}

/// The offset after the quoted literal starting at `i`.
fn skip_quoted(src: &str, i: usize) -> Result<usize, Error> {
    let b = src.as_bytes();
    let q = b[i];
    let mut j = i + 1;
    while j < b.len() {
        if b[j] == b'\\' && q != b'`' {
            j += 2;
            continue;
        }
        if b[j] == q {
            return Ok(j + 1);
        }
        if b[j] == b'\n' && q != b'`' {
            break;
        }
        j += 1;
    }
    Err(Error::at(i, "unterminated quoted string"))
}

fn is_ident(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// The tokens of one action body (`base`: its offset in the template).
fn tokens(body: &str, base: usize) -> Result<Vec<(Tok, usize)>, Error> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = body.char_indices().collect();
    let mut k = 0;
    let end_of = |k: usize| chars.get(k).map_or(body.len(), |c| c.0);
    while k < chars.len() {
        let (at, c) = chars[k];
        let pos = base + at;
        match c {
            ' ' | '\t' | '\r' | '\n' => k += 1,
            '(' | ')' | '|' | ',' | '=' => {
                out.push((
                    match c {
                        '(' => Tok::LParen,
                        ')' => Tok::RParen,
                        '|' => Tok::Pipe,
                        ',' => Tok::Comma,
                        _ => Tok::Assign,
                    },
                    pos,
                ));
                k += 1;
            }
            ':' if chars.get(k + 1).is_some_and(|c| c.1 == '=') => {
                out.push((Tok::Declare, pos));
                k += 2;
            }
            '"' | '`' | '\'' => {
                let end = skip_quoted(body, at).map_err(|e| Error::at(base + e.pos, e.msg))?;
                let lit = &body[at..end];
                let tok = if c == '\'' {
                    let s = unquote(&format!("\"{}\"", &lit[1..lit.len() - 1]))
                        .map_err(|m| Error::at(pos, m))?;
                    let mut it = s.chars();
                    match (it.next(), it.next()) {
                        (Some(ch), None) => Tok::Int(i64::from(u32::from(ch))),
                        _ => return Err(Error::at(pos, "malformed character constant")),
                    }
                } else {
                    Tok::Str(unquote(lit).map_err(|m| Error::at(pos, m))?)
                };
                out.push((tok, pos));
                while k < chars.len() && chars[k].0 < end {
                    k += 1;
                }
            }
            '.' if chars
                .get(k + 1)
                .is_some_and(|c| is_ident(c.1) && !c.1.is_ascii_digit()) =>
            {
                let mut j = k + 1;
                while j < chars.len() && is_ident(chars[j].1) {
                    j += 1;
                }
                let name = body[at + 1..end_of(j)].to_string();
                let chained = matches!(
                    out.last(),
                    Some((Tok::Field(_) | Tok::Chain(_) | Tok::Var(_) | Tok::RParen, _))
                ) && k > 0
                    && !chars[k - 1].1.is_whitespace();
                out.push((
                    if chained {
                        Tok::Chain(name)
                    } else {
                        Tok::Field(name)
                    },
                    pos,
                ));
                k = j;
            }
            '.' if !chars.get(k + 1).is_some_and(|c| c.1.is_ascii_digit()) => {
                out.push((Tok::Dot, pos));
                k += 1;
            }
            '$' => {
                let mut j = k + 1;
                while j < chars.len() && is_ident(chars[j].1) {
                    j += 1;
                }
                out.push((Tok::Var(body[at..end_of(j)].to_string()), pos));
                k = j;
            }
            c if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => {
                let mut j = k + 1;
                while j < chars.len()
                    && (chars[j].1.is_ascii_alphanumeric()
                        || chars[j].1 == '.'
                        || chars[j].1 == '_'
                        || ((chars[j].1 == '-' || chars[j].1 == '+')
                            && matches!(chars[j - 1].1, 'e' | 'E')))
                {
                    j += 1;
                }
                let text = &body[at..end_of(j)];
                out.push((
                    number(text)
                        .ok_or_else(|| Error::at(pos, format!("bad number syntax: `{text}`")))?,
                    pos,
                ));
                k = j;
            }
            c if is_ident(c) => {
                let mut j = k + 1;
                while j < chars.len() && is_ident(chars[j].1) {
                    j += 1;
                }
                out.push((Tok::Ident(body[at..end_of(j)].to_string()), pos));
                k = j;
            }
            other => return Err(Error::at(pos, format!("unexpected `{other}` in action"))),
        }
    }
    Ok(out)
}

fn number(text: &str) -> Option<Tok> {
    let t = text.replace('_', "");
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d.to_string()),
        None => (false, t.trim_start_matches('+').to_string()),
    };
    let sign = if neg { -1 } else { 1 };
    let radix = |p: &str, r: u32| {
        digits
            .strip_prefix(p)
            .and_then(|d| i64::from_str_radix(d, r).ok())
            .map(|v| Tok::Int(sign * v))
    };
    if let Some(t) = radix("0x", 16)
        .or_else(|| radix("0X", 16))
        .or_else(|| radix("0o", 8))
        .or_else(|| radix("0b", 2))
    {
        return Some(t);
    }
    if let Ok(v) = digits.parse::<i64>() {
        return Some(Tok::Int(sign * v));
    }
    digits
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(|f| Tok::Float(if neg { -f } else { f }))
}

/// Go string literal → its value (`"…"` with escapes, or a raw `` `…` ``).
fn unquote(lit: &str) -> Result<String, String> {
    if let Some(raw) = lit.strip_prefix('`') {
        return Ok(raw.trim_end_matches('`').replace('\r', ""));
    }
    let inner = &lit[1..lit.len() - 1];
    let mut out = String::new();
    let mut it = inner.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = it.next().ok_or("bad escape at the end of a string")?;
        let hex = |it: &mut std::str::Chars<'_>, n: usize| -> Result<u32, String> {
            let s: String = it.by_ref().take(n).collect();
            u32::from_str_radix(&s, 16).map_err(|_| format!("bad escape `\\{e}{s}`"))
        };
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '\\' | '"' | '\'' => out.push(e),
            'x' => out.push(char::from_u32(hex(&mut it, 2)?).ok_or("bad escape")?),
            'u' => out.push(char::from_u32(hex(&mut it, 4)?).ok_or("bad escape")?),
            'U' => out.push(char::from_u32(hex(&mut it, 8)?).ok_or("bad escape")?),
            '0'..='7' => {
                let s: String = std::iter::once(e).chain(it.by_ref().take(2)).collect();
                let v = u32::from_str_radix(&s, 8).map_err(|_| format!("bad escape `\\{s}`"))?;
                out.push(char::from_u32(v).ok_or("bad escape")?);
            }
            other => return Err(format!("unknown escape sequence `\\{other}`")),
        }
    }
    Ok(out)
}
