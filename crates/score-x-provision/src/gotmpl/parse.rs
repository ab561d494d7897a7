//! The parser of Go `text/template`: actions, `if`/`else if`/`else`, `range` (with `break`
//! and `continue`), `with`, variables, pipelines and parenthesised sub-pipelines. `define`,
//! `template` and `block` are not supported (the corpus does not use them).

use super::Error;
use super::lex::{Item, Tok};

/// An operand of a command.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    /// `.A.B` (empty: `.`).
    Dot(Vec<String>),
    /// `$x.A.B` (`$` is the data passed to the template).
    Var(String, Vec<String>),
    /// A function name.
    Func(String),
    Lit(serde_json::Value),
    /// `(pipeline).A.B`.
    Sub(Box<Pipe>, Vec<String>),
}

/// One command of a pipeline: a function call (the first arg names it) or one operand.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cmd {
    pub args: Vec<(Arg, usize)>,
    pub pos: usize,
}

/// `$a, $b := cmd | cmd …` (`decl` empty without variables; `assign`: `=` instead of `:=`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pipe {
    pub decl: Vec<String>,
    pub assign: bool,
    pub cmds: Vec<Cmd>,
    pub pos: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Text(String),
    Action(Pipe),
    If(Pipe, Vec<Node>, Vec<Node>),
    With(Pipe, Vec<Node>, Vec<Node>),
    Range(Pipe, Vec<Node>, Vec<Node>),
    Break(usize),
    Continue(usize),
}

/// How a list of nodes ended.
#[allow(clippy::enum_variant_names)]
enum End {
    Eof,
    End,
    Else(Vec<(Tok, usize)>, usize),
}

pub(crate) struct Parser<'a> {
    items: std::vec::IntoIter<Item>,
    known: &'a dyn Fn(&str) -> bool,
    loops: usize,
}

pub(crate) fn parse(items: Vec<Item>, known: &dyn Fn(&str) -> bool) -> Result<Vec<Node>, Error> {
    let mut p = Parser {
        items: items.into_iter(),
        known,
        loops: 0,
    };
    match p.list()? {
        (nodes, End::Eof) => Ok(nodes),
        (_, End::End) => Err(Error::at(0, "unexpected {{end}}")),
        (_, End::Else(_, pos)) => Err(Error::at(pos, "unexpected {{else}}")),
    }
}

impl Parser<'_> {
    fn list(&mut self) -> Result<(Vec<Node>, End), Error> {
        let mut nodes = Vec::new();
        while let Some(item) = self.items.next() {
            let (toks, pos) = match item {
                Item::Text(t) => {
                    nodes.push(Node::Text(t));
                    continue;
                }
                Item::Action(t, p) => (t, p),
            };
            let keyword = match toks.first() {
                Some((Tok::Ident(k), _)) => k.as_str(),
                _ => "",
            };
            match keyword {
                "end" if toks.len() == 1 => return Ok((nodes, End::End)),
                "else" => return Ok((nodes, End::Else(toks[1..].to_vec(), pos))),
                "if" | "with" | "range" => nodes.push(self.block(keyword, &toks[1..], pos)?),
                "break" | "continue" if toks.len() == 1 => {
                    if self.loops == 0 {
                        return Err(Error::at(
                            pos,
                            format!("{{{{{keyword}}}}} outside {{{{range}}}}"),
                        ));
                    }
                    nodes.push(if keyword == "break" {
                        Node::Break(pos)
                    } else {
                        Node::Continue(pos)
                    });
                }
                "define" | "template" | "block" => {
                    return Err(Error::at(
                        pos,
                        format!("`{keyword}` is not supported in score-x's Go templates"),
                    ));
                }
                _ => nodes.push(Node::Action(self.pipe(&toks, pos, true)?)),
            }
        }
        Ok((nodes, End::Eof))
    }

    fn block(&mut self, kw: &str, toks: &[(Tok, usize)], pos: usize) -> Result<Node, Error> {
        let pipe = self.pipe(toks, pos, true)?;
        if kw == "range" {
            if pipe.decl.len() > 2 {
                return Err(Error::at(pos, "too many declarations in range"));
            }
            self.loops += 1;
        } else if pipe.decl.len() > 1 {
            return Err(Error::at(pos, "too many declarations"));
        }
        let body = self.list();
        if kw == "range" {
            self.loops -= 1;
        }
        let (then, end) = body?;
        let otherwise = match end {
            End::Eof => {
                return Err(Error::at(
                    pos,
                    format!("unexpected EOF: {{{{{kw}}}}} has no {{{{end}}}}"),
                ));
            }
            End::End => Vec::new(),
            End::Else(rest, epos) if rest.is_empty() => match self.list()? {
                (nodes, End::End) => nodes,
                (_, End::Else(_, p)) => {
                    return Err(Error::at(p, "expected {{end}} after {{else}}"));
                }
                (_, End::Eof) => {
                    return Err(Error::at(epos, "unexpected EOF: {{else}} has no {{end}}"));
                }
            },
            // `{{else if …}}` / `{{else with …}}`: a nested block sharing our {{end}}.
            End::Else(rest, epos) => match rest.first() {
                Some((Tok::Ident(k), _)) if k == "if" || k == "with" => {
                    let k = k.clone();
                    vec![self.block(&k, &rest[1..], epos)?]
                }
                _ => return Err(Error::at(epos, "expected `if` or `with` after {{else …")),
            },
        };
        Ok(match kw {
            "if" => Node::If(pipe, then, otherwise),
            "with" => Node::With(pipe, then, otherwise),
            _ => Node::Range(pipe, then, otherwise),
        })
    }

    /// A pipeline: optional declarations, then commands separated by `|`.
    fn pipe(&self, toks: &[(Tok, usize)], pos: usize, allow_decl: bool) -> Result<Pipe, Error> {
        let mut decl = Vec::new();
        let mut assign = false;
        let mut rest = toks;
        if allow_decl {
            let mut i = 0;
            let mut names = Vec::new();
            while let Some((Tok::Var(v), _)) = rest.get(i) {
                names.push(v.clone());
                match rest.get(i + 1) {
                    Some((Tok::Comma, _)) => i += 2,
                    Some((Tok::Declare | Tok::Assign, _)) => {
                        assign = matches!(rest[i + 1].0, Tok::Assign);
                        decl = names;
                        rest = &rest[i + 2..];
                        break;
                    }
                    _ => break,
                }
            }
        }
        if rest.is_empty() {
            return Err(Error::at(pos, "missing value for command"));
        }
        let mut cmds = Vec::new();
        for part in split_top(rest, |t| matches!(t, Tok::Pipe)) {
            let cpos = part.first().map_or(pos, |t| t.1);
            if part.is_empty() {
                return Err(Error::at(cpos, "missing command in pipeline"));
            }
            cmds.push(Cmd {
                args: self.operands(part, cpos)?,
                pos: cpos,
            });
        }
        Ok(Pipe {
            decl,
            assign,
            cmds,
            pos,
        })
    }

    fn operands(&self, toks: &[(Tok, usize)], pos: usize) -> Result<Vec<(Arg, usize)>, Error> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            let (t, p) = (&toks[i].0, toks[i].1);
            i += 1;
            let arg = match t {
                Tok::Dot => Arg::Dot(Vec::new()),
                Tok::Field(f) => Arg::Dot(vec![f.clone()]),
                Tok::Var(v) => Arg::Var(v.clone(), Vec::new()),
                Tok::Str(s) => Arg::Lit(serde_json::Value::String(s.clone())),
                Tok::Int(n) => Arg::Lit(serde_json::Value::from(*n)),
                Tok::Float(f) => Arg::Lit(
                    serde_json::Number::from_f64(*f)
                        .map_or(serde_json::Value::Null, serde_json::Value::Number),
                ),
                Tok::Ident(k) => match k.as_str() {
                    "true" => Arg::Lit(serde_json::Value::Bool(true)),
                    "false" => Arg::Lit(serde_json::Value::Bool(false)),
                    "nil" => Arg::Lit(serde_json::Value::Null),
                    name if (self.known)(name) => Arg::Func(name.to_string()),
                    name => return Err(Error::at(p, format!("function `{name}` not defined"))),
                },
                Tok::LParen => {
                    let close =
                        matching(toks, i - 1).ok_or_else(|| Error::at(p, "unclosed left paren"))?;
                    let sub = self.pipe(&toks[i..close], p, false)?;
                    i = close + 1;
                    Arg::Sub(Box::new(sub), Vec::new())
                }
                Tok::RParen => return Err(Error::at(p, "unexpected right paren")),
                Tok::Chain(f) => return Err(Error::at(p, format!("unexpected .{f}"))),
                other => {
                    return Err(Error::at(
                        p,
                        format!("unexpected {} in command", describe(other)),
                    ));
                }
            };
            // Field chains: `.A.B`, `$x.A`, `(…).A`.
            let mut arg = arg;
            while let Some((Tok::Chain(f), _)) = toks.get(i) {
                match &mut arg {
                    Arg::Dot(fs) | Arg::Var(_, fs) | Arg::Sub(_, fs) => fs.push(f.clone()),
                    _ => {
                        return Err(Error::at(
                            toks[i].1,
                            format!("unexpected .{f} after a literal or function"),
                        ));
                    }
                }
                i += 1;
            }
            out.push((arg, p));
        }
        if out.len() > 1 && !matches!(out[0].0, Arg::Func(_)) {
            return Err(Error::at(
                pos,
                "only a function can take arguments (is a function name misspelled?)",
            ));
        }
        Ok(out)
    }
}

fn describe(t: &Tok) -> &'static str {
    match t {
        Tok::Declare => "`:=`",
        Tok::Assign => "`=`",
        Tok::Comma => "`,`",
        Tok::Pipe => "`|`",
        _ => "token",
    }
}

/// The index of the `)` matching the `(` at `open`.
fn matching(toks: &[(Tok, usize)], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, (t, _)) in toks.iter().enumerate().skip(open) {
        match t {
            Tok::LParen => depth += 1,
            Tok::RParen => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Split at `sep` tokens outside parentheses.
fn split_top(toks: &[(Tok, usize)], sep: impl Fn(&Tok) -> bool) -> Vec<&[(Tok, usize)]> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, (t, _)) in toks.iter().enumerate() {
        match t {
            Tok::LParen => depth += 1,
            Tok::RParen => depth = depth.saturating_sub(1),
            t if depth == 0 && sep(t) => {
                out.push(&toks[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&toks[start..]);
    out
}
