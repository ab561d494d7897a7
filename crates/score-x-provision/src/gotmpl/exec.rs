//! Executing a parsed template against JSON data (Go semantics: truthiness, sorted map ranges,
//! `<no value>` for missing keys, errors on fields of nil).

use serde_json::Value as Json;

use super::parse::{Arg, Cmd, Node, Pipe};
use super::{Ctx, Error, MAX_OUTPUT, MAX_STEPS, fmt, funcs};

static NULL: Json = Json::Null;

enum Flow {
    Normal,
    Break,
    Continue,
}

struct Exec<'a> {
    out: String,
    vars: Vec<(String, Json)>,
    strict_root: bool,
    dot_is_root: bool,
    ctx: &'a mut Ctx,
    steps: usize,
}

pub(crate) fn run(
    nodes: &[Node],
    data: &Json,
    strict_root: bool,
    ctx: &mut Ctx,
) -> Result<String, Error> {
    let mut ex = Exec {
        out: String::new(),
        vars: vec![("$".to_string(), data.clone())],
        strict_root,
        dot_is_root: true,
        ctx,
        steps: 0,
    };
    ex.list(nodes, data)?;
    Ok(ex.out)
}

/// Go truthiness: false, 0, nil, and empty strings, lists and maps are false.
pub(crate) fn truth(v: &Json) -> bool {
    match v {
        Json::Null => false,
        Json::Bool(b) => *b,
        Json::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Json::String(s) => !s.is_empty(),
        Json::Array(a) => !a.is_empty(),
        Json::Object(m) => !m.is_empty(),
    }
}

impl Exec<'_> {
    fn write(&mut self, s: &str, pos: usize) -> Result<(), Error> {
        if self.out.len().saturating_add(s.len()) > MAX_OUTPUT {
            return Err(Error::at(
                pos,
                format!("the template rendered more than {} MiB", MAX_OUTPUT >> 20),
            ));
        }
        self.out.push_str(s);
        Ok(())
    }

    fn list(&mut self, nodes: &[Node], dot: &Json) -> Result<Flow, Error> {
        for n in nodes {
            match self.node(n, dot)? {
                Flow::Normal => {}
                f => return Ok(f),
            }
        }
        Ok(Flow::Normal)
    }

    /// Run `nodes` in a variable scope of their own, with `dot`.
    fn scoped(&mut self, nodes: &[Node], dot: &Json, root: bool) -> Result<Flow, Error> {
        let mark = self.vars.len();
        let was = std::mem::replace(&mut self.dot_is_root, root);
        let r = self.list(nodes, dot);
        self.dot_is_root = was;
        self.vars.truncate(mark);
        r
    }

    fn node(&mut self, n: &Node, dot: &Json) -> Result<Flow, Error> {
        match n {
            Node::Text(t) => self.write(t, 0)?,
            Node::Action(p) => {
                let v = self.pipe(p, dot)?;
                if p.decl.is_empty() {
                    let s = fmt::print(&v);
                    self.write(&s, p.pos)?;
                }
            }
            Node::If(p, then, otherwise) => {
                let mark = self.vars.len();
                let v = self.pipe(p, dot)?;
                let r = if truth(&v) {
                    self.scoped(then, dot, self.dot_is_root)
                } else {
                    self.scoped(otherwise, dot, self.dot_is_root)
                };
                self.vars.truncate(mark);
                return r;
            }
            Node::With(p, then, otherwise) => {
                let mark = self.vars.len();
                let v = self.pipe(p, dot)?;
                let r = if truth(&v) {
                    self.scoped(then, &v, false)
                } else {
                    self.scoped(otherwise, dot, self.dot_is_root)
                };
                self.vars.truncate(mark);
                return r;
            }
            Node::Range(p, body, otherwise) => return self.range(p, body, otherwise, dot),
            Node::Break(_) => return Ok(Flow::Break),
            Node::Continue(_) => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    fn range(
        &mut self,
        p: &Pipe,
        body: &[Node],
        otherwise: &[Node],
        dot: &Json,
    ) -> Result<Flow, Error> {
        let plain = Pipe {
            decl: Vec::new(),
            assign: false,
            cmds: p.cmds.clone(),
            pos: p.pos,
        };
        let v = self.pipe(&plain, dot)?;
        let items: Vec<(Json, Json)> = match &v {
            Json::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, x)| (Json::from(i), x.clone()))
                .collect(),
            Json::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                keys.into_iter()
                    .map(|k| (Json::String(k.clone()), m[k].clone()))
                    .collect()
            }
            Json::Number(n) if n.as_i64().is_some() => (0..n.as_i64().unwrap_or(0).max(0))
                .map(|i| (Json::from(i), Json::from(i)))
                .collect(),
            Json::Null => Vec::new(),
            other => {
                return Err(Error::at(
                    p.pos,
                    format!("range can't iterate over {}", fmt::print(other)),
                ));
            }
        };
        if items.is_empty() {
            return self.scoped(otherwise, dot, self.dot_is_root);
        }
        for (k, x) in items {
            self.steps += 1;
            if self.steps > MAX_STEPS {
                return Err(
                    Error::at(p.pos, format!("more than {MAX_STEPS} loop iterations"))
                        .hint("loop over less data"),
                );
            }
            let mark = self.vars.len();
            match p.decl.as_slice() {
                [] => {}
                [v] => self.vars.push((v.clone(), x.clone())),
                [a, b, ..] => {
                    self.vars.push((a.clone(), k));
                    self.vars.push((b.clone(), x.clone()));
                }
            }
            let flow = self.scoped(body, &x, false);
            self.vars.truncate(mark);
            if let Flow::Break = flow? {
                break;
            }
        }
        Ok(Flow::Normal)
    }

    fn pipe(&mut self, p: &Pipe, dot: &Json) -> Result<Json, Error> {
        let mut v: Option<Json> = None;
        for c in &p.cmds {
            v = Some(self.cmd(c, dot, v)?);
        }
        let v = v.unwrap_or(Json::Null);
        if p.assign {
            for name in &p.decl {
                match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
                    Some(slot) => slot.1 = v.clone(),
                    None => return Err(Error::at(p.pos, format!("undefined variable: {name}"))),
                }
            }
        } else {
            for name in &p.decl {
                self.vars.push((name.clone(), v.clone()));
            }
        }
        Ok(v)
    }

    fn cmd(&mut self, c: &Cmd, dot: &Json, piped: Option<Json>) -> Result<Json, Error> {
        let Some((first, fpos)) = c.args.first() else {
            return Err(Error::at(c.pos, "empty command"));
        };
        let Arg::Func(name) = first else {
            if piped.is_some() {
                return Err(Error::at(*fpos, "can't give an argument to a non-function"));
            }
            return self.arg(first, *fpos, dot);
        };
        let rest = &c.args[1..];
        if name == "and" || name == "or" {
            return self.and_or(name == "and", rest, dot, piped, *fpos);
        }
        let mut args = Vec::with_capacity(rest.len() + 1);
        for (a, p) in rest {
            args.push(self.arg(a, *p, dot)?);
        }
        if let Some(v) = piped {
            args.push(v);
        }
        let out = funcs::call(name, args, self.ctx).map_err(|e| {
            let e = Error::at(*fpos, format!("error calling {name}: {e}"));
            match funcs::hint(name) {
                Some(h) => e.hint(h),
                None => e,
            }
        })?;
        // sprig's `set`/`unset` change the dict they are given: keep that for variables.
        if let (true, Some((Arg::Var(v, fs), _))) = (name == "set" || name == "unset", rest.first())
            && fs.is_empty()
            && let Some(slot) = self.vars.iter_mut().rev().find(|(n, _)| n == v)
        {
            slot.1 = out.clone();
        }
        Ok(out)
    }

    fn and_or(
        &mut self,
        and: bool,
        rest: &[(Arg, usize)],
        dot: &Json,
        piped: Option<Json>,
        pos: usize,
    ) -> Result<Json, Error> {
        if rest.is_empty() && piped.is_none() {
            return Err(Error::at(
                pos,
                "wrong number of args: want at least 1 got 0",
            ));
        }
        let mut last = Json::Null;
        for (a, p) in rest {
            last = self.arg(a, *p, dot)?;
            if truth(&last) != and {
                return Ok(last);
            }
        }
        if let Some(v) = piped {
            last = v;
        }
        Ok(last)
    }

    fn arg(&mut self, a: &Arg, pos: usize, dot: &Json) -> Result<Json, Error> {
        match a {
            Arg::Lit(v) => Ok(v.clone()),
            Arg::Func(f) => funcs::call(f, Vec::new(), self.ctx)
                .map_err(|e| Error::at(pos, format!("error calling {f}: {e}"))),
            Arg::Dot(fields) => {
                let root = self.dot_is_root;
                self.fields(dot, fields, root, pos)
            }
            Arg::Var(name, fields) => {
                let Some((_, v)) = self.vars.iter().rev().find(|(n, _)| n == name) else {
                    return Err(Error::at(pos, format!("undefined variable: {name}")));
                };
                let v = v.clone();
                self.fields(&v, fields, name == "$", pos)
            }
            Arg::Sub(p, fields) => {
                let v = self.pipe(p, dot)?;
                self.fields(&v, fields, false, pos)
            }
        }
    }

    fn fields(
        &self,
        v: &Json,
        fields: &[String],
        at_root: bool,
        pos: usize,
    ) -> Result<Json, Error> {
        let mut cur = v;
        for (i, f) in fields.iter().enumerate() {
            cur = match cur {
                Json::Object(m) => match m.get(f) {
                    Some(x) => x,
                    None if i == 0 && at_root && self.strict_root => {
                        let e = Error::at(
                            pos,
                            format!("can't evaluate field {f} in the template data"),
                        );
                        return Err(
                            match score_x_core::diag::did_you_mean(f, m.keys().map(String::as_str))
                            {
                                Some(s) => e.hint(format!("did you mean `.{s}`?")),
                                None => e.hint(format!(
                                    "the data has: {}",
                                    m.keys()
                                        .map(|k| format!(".{k}"))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                )),
                            },
                        );
                    }
                    None => &NULL,
                },
                Json::Null => {
                    let path = fields[..i]
                        .iter()
                        .map(|s| format!(".{s}"))
                        .collect::<String>();
                    return Err(Error::at(
                        pos,
                        format!("nil pointer evaluating interface {{}}.{f} ({path} has no value)"),
                    )
                    .hint(format!(
                        "use `dig` for optional keys, e.g. `dig \"{f}\" \"\" {}`",
                        if path.is_empty() {
                            ".".to_string()
                        } else {
                            path
                        }
                    )));
                }
                other => {
                    return Err(Error::at(
                        pos,
                        format!("can't evaluate field {f} in type {}", fmt::type_name(other)),
                    ));
                }
            };
        }
        Ok(cur.clone())
    }
}
