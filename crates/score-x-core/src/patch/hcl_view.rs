//! HCL bodies seen as JSON, so one pointer syntax patches every format (HCL's own JSON
//! mapping): an attribute `k = v` is key `k`; a block `type "l1" "l2" { … }` is
//! `type → l1 → l2 → body`; an unlabelled block is `type → body`, or a list of bodies when
//! the type repeats (`/job/api/group/api/task/main/config/image`,
//! `/job/api/group/api/service/0/check`).
//!
//! Back to HCL, the original body guides the shape: a key that was a block stays a block (with
//! as many labels), one that was an attribute stays one, and an attribute whose value a patch did
//! not change keeps its original expression (templates and variables included). A new key
//! holding a map, or a list of maps, becomes block(s); anything else an attribute.

use hcl::expr::{Expression, ObjectKey, TemplateExpr};
use hcl::{Attribute, Block, BlockLabel, Body, Identifier, Structure};
use serde_json::{Map, Value};

/// The JSON view of `body`.
pub fn to_json(body: &Body) -> Map<String, Value> {
    let mut m = Map::new();
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                m.insert(a.key.as_str().to_string(), expr_json(&a.expr));
            }
            Structure::Block(b) => {
                let labels: Vec<String> = b.labels.iter().map(|l| l.as_str().to_string()).collect();
                insert_block(&mut m, b.identifier.as_str(), &labels, to_json(&b.body));
            }
        }
    }
    m
}

fn insert_block(
    m: &mut Map<String, Value>,
    key: &str,
    labels: &[String],
    body: Map<String, Value>,
) {
    let Some((first, rest)) = labels.split_first() else {
        let body = Value::Object(body);
        match m.get_mut(key) {
            Some(Value::Array(a)) => a.push(body),
            Some(old) => *old = Value::Array(vec![old.take(), body]),
            None => {
                m.insert(key.to_string(), body);
            }
        }
        return;
    };
    let entry = m
        .entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(inner) = entry {
        insert_block(inner, first, rest, body);
    }
}

/// The JSON of an expression: literals as themselves, anything else as its HCL text.
fn expr_json(e: &Expression) -> Value {
    match e {
        Expression::Null => Value::Null,
        Expression::Bool(b) => Value::Bool(*b),
        Expression::Number(n) => number_json(n),
        Expression::String(s) => Value::String(s.clone()),
        Expression::Array(a) => Value::Array(a.iter().map(expr_json).collect()),
        Expression::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (key_text(k), expr_json(v))).collect())
        }
        Expression::TemplateExpr(t) => match t.as_ref() {
            TemplateExpr::QuotedString(s) => Value::String(s.clone()),
            TemplateExpr::Heredoc(h) => Value::String(h.template.clone()),
        },
        other => Value::String(format!(
            "${{{}}}",
            hcl::format::to_string(other).unwrap_or_default()
        )),
    }
}

fn number_json(n: &hcl::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::from(i)
    } else if let Some(u) = n.as_u64() {
        Value::from(u)
    } else {
        n.as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number)
    }
}

fn key_text(k: &ObjectKey) -> String {
    match k {
        ObjectKey::Identifier(i) => i.as_str().to_string(),
        ObjectKey::Expression(Expression::String(s)) => s.clone(),
        ObjectKey::Expression(e) => hcl::format::to_string(e).unwrap_or_default(),
        other => hcl::format::to_string(other).unwrap_or_default(),
    }
}

/// The HCL expression of a JSON value (strings are literal: `${` is escaped by hcl-rs).
fn json_expr(v: &Value) -> Expression {
    match v {
        Value::Null => Expression::Null,
        Value::Bool(b) => Expression::Bool(*b),
        Value::Number(n) => n
            .as_i64()
            .map(hcl::Number::from)
            .or_else(|| n.as_u64().map(hcl::Number::from))
            .or_else(|| n.as_f64().and_then(hcl::Number::from_f64))
            .map_or(Expression::Null, Expression::Number),
        Value::String(s) => Expression::String(s.clone()),
        Value::Array(a) => Expression::Array(a.iter().map(json_expr).collect()),
        Value::Object(m) => Expression::Object(
            m.iter()
                .map(|(k, v)| {
                    let key = Identifier::new(k.as_str()).map_or_else(
                        |_| ObjectKey::Expression(Expression::String(k.clone())),
                        ObjectKey::Identifier,
                    );
                    (key, json_expr(v))
                })
                .collect(),
        ),
    }
}

/// What `key` was in the original body.
enum Was<'a> {
    Attribute(&'a Attribute),
    Blocks(Vec<&'a Block>),
    New,
}

fn was<'a>(orig: Option<&'a Body>, key: &str) -> Was<'a> {
    let Some(body) = orig else { return Was::New };
    let blocks: Vec<&Block> = body
        .blocks()
        .filter(|b| b.identifier.as_str() == key)
        .collect();
    if !blocks.is_empty() {
        return Was::Blocks(blocks);
    }
    body.attributes()
        .find(|a| a.key.as_str() == key)
        .map_or(Was::New, Was::Attribute)
}

/// The HCL body of the JSON view `m`, shaped like `orig`.
pub fn to_body(m: &Map<String, Value>, orig: Option<&Body>) -> Result<Body, String> {
    let mut out = Vec::new();
    for (key, v) in m {
        let ident = Identifier::new(key.as_str())
            .map_err(|_| format!("`{key}` cannot be an HCL attribute or block name"))?;
        match was(orig, key) {
            Was::Attribute(a) if expr_json(&a.expr) == *v => {
                out.push(Structure::Attribute(a.clone()))
            }
            Was::Blocks(bs) => {
                let depth = bs.first().map_or(0, |b| b.labels.len());
                blocks(&mut out, &ident, depth, &mut Vec::new(), v, &bs)?;
            }
            Was::New if is_block_like(v) => blocks(&mut out, &ident, 0, &mut Vec::new(), v, &[])?,
            _ => out.push(Structure::Attribute(Attribute::new(ident, json_expr(v)))),
        }
    }
    Ok(Body::from(out))
}

fn is_block_like(v: &Value) -> bool {
    match v {
        Value::Object(_) => true,
        Value::Array(a) => !a.is_empty() && a.iter().all(Value::is_object),
        _ => false,
    }
}

/// Blocks `ident` with `depth` more labels to read off `v`, `labels` read so far.
fn blocks(
    out: &mut Vec<Structure>,
    ident: &Identifier,
    depth: usize,
    labels: &mut Vec<String>,
    v: &Value,
    orig: &[&Block],
) -> Result<(), String> {
    if depth > 0 {
        let Value::Object(m) = v else {
            return Err(format!(
                "`{ident}` blocks take a map keyed by their label here"
            ));
        };
        for (label, inner) in m {
            labels.push(label.clone());
            blocks(out, ident, depth - 1, labels, inner, orig)?;
            labels.pop();
        }
        return Ok(());
    }
    let same: Vec<&Block> = orig
        .iter()
        .copied()
        .filter(|b| {
            b.labels
                .iter()
                .map(BlockLabel::as_str)
                .eq(labels.iter().map(String::as_str))
        })
        .collect();
    let bodies: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        one => vec![one],
    };
    for (i, b) in bodies.into_iter().enumerate() {
        let Value::Object(m) = b else {
            return Err(format!("a `{ident}` block is a map"));
        };
        let body = to_body(m, same.get(i).map(|b| &b.body))?;
        let mut block = Block::new(ident.clone());
        block.labels = labels
            .iter()
            .map(|l| BlockLabel::String(l.clone()))
            .collect();
        block.body = body;
        out.push(Structure::Block(block));
    }
    Ok(())
}
