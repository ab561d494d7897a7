//! A template section parsed once: the section's text, with each templated value replaced by a
//! slot, is parsed as YAML the first time the section is used; each render then renders only
//! the slots (the values holding `{{…}}`) and reads each one's short text, instead of rendering
//! the whole section and parsing it again.
//!
//! The full render (render the text, parse it) stays the reference. A section the fast path
//! cannot prove equal to it has no skeleton (block helpers around lines, partials, a templated
//! key, a value inside a block scalar or a multi-line flow collection), and a render falls back to it
//! whenever a slot renders something that would read differently in place than on its own
//! (several lines, an anchor or alias, a block indicator, YAML structure other than a flow
//! collection) or fails (the full render then reports the error with its line).
//!
//! A line of assertions only (`{{#unless init.found}}{{fail "…"}}{{/unless}}`: `if`/`unless`
//! blocks holding `fail` calls and blank text) is a guard: rendered in its place among the
//! slots, it must render nothing (the skeleton keeps the line's text without it, which is then
//! exactly what the full render writes); anything else, or a failure, takes the full render.

use std::fmt::Write as _;

use handlebars::template::{Parameter, Template, TemplateElement};
use handlebars::{Context, Handlebars, Output, RenderContext, Renderable};
use serde_json::Value as Json;

use crate::template_run::{Bounded, parse_yaml};

/// Marks an expression in the assembled text (private-use characters: never in a section).
const EXPR: (char, char) = ('\u{E000}', '\u{E001}');
/// Marks a slot in the skeleton text.
const SLOT: (char, char) = ('\u{E002}', '\u{E003}');
/// The end of a slot in the block-context probe.
const PROBE: &str = "\u{E003},]}";

/// A section parsed once, with the templated values as slots.
pub(crate) struct Skeleton {
    tree: Node,
    /// In the section's order (a render's side effects, such as generated strings, happen in
    /// the order of the full render).
    slots: Vec<Slot>,
}

/// What a templated line of the section is.
enum Slot {
    /// A value: its rendered text is read as the value of tree's slot of the same rank.
    Value(Vec<Part>),
    /// A line of assertions: must render nothing.
    Guard(Vec<TemplateElement>),
}

/// One piece of a slot's text.
enum Part {
    Lit(String),
    Expr(TemplateElement),
}

/// The parsed section: literal JSON, with slots where templated values go.
enum Node {
    Lit(Json),
    Slot(usize),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl Skeleton {
    /// The skeleton of a compiled section, or `None` when only the full render can read it.
    pub(crate) fn of(template: &Template) -> Option<Skeleton> {
        let (text, mut exprs) = assemble(template)?;
        let mut skeleton_text = String::with_capacity(text.len());
        let mut slots = Vec::new();
        let mut values = 0;
        for line in text.split_inclusive('\n') {
            if !line.contains(EXPR.0) {
                skeleton_text.push_str(line);
                continue;
            }
            let (body, end) = match line.strip_suffix('\n') {
                Some(b) => (b, "\n"),
                None => (line, ""),
            };
            let Some(at) = value_start(body) else {
                let (kept, guards) = guard(body, &mut exprs)?;
                skeleton_text.push_str(&kept);
                skeleton_text.push_str(end);
                slots.push(Slot::Guard(guards));
                continue;
            };
            let _ = write!(
                skeleton_text,
                "{}{}{}{}{end}",
                &body[..at],
                SLOT.0,
                values,
                SLOT.1
            );
            slots.push(Slot::Value(parts(&body[at..], &mut exprs)?));
            values += 1;
        }
        let tree = Node::of(parse_yaml(&skeleton_text).ok()?, values, "")?;
        // Every slot must be in block context: inside a flow collection spanning lines, a
        // rendered `,` `]` or `}` would end the value. A probe after each slot proves it (in
        // block context it stays part of the plain string; in flow context it does not).
        let probe = skeleton_text.replace(SLOT.1, PROBE);
        Node::of(
            parse_yaml(&probe).ok()?,
            values,
            &PROBE[SLOT.1.len_utf8()..],
        )?;
        Some(Skeleton { tree, slots })
    }

    /// Render the slots with `data` and build the section's value; `None`: use the full render.
    /// `limit` bounds the bytes all slots may render together.
    pub(crate) fn render(&self, hb: &Handlebars<'_>, data: &Context, limit: usize) -> Option<Json> {
        let mut rc = RenderContext::new(None);
        let mut out = Bounded::with_limit(limit);
        let mut values = Vec::with_capacity(self.slots.len());
        for slot in &self.slots {
            let start = out.bytes.len();
            match slot {
                Slot::Value(parts) => {
                    for p in parts {
                        match p {
                            Part::Lit(s) => Output::write(&mut out, s).ok()?,
                            Part::Expr(e) => e.render(hb, data, &mut rc, &mut out).ok()?,
                        }
                    }
                    values.push(read_value(std::str::from_utf8(&out.bytes[start..]).ok()?)?);
                }
                Slot::Guard(exprs) => {
                    for e in exprs {
                        e.render(hb, data, &mut rc, &mut out).ok()?;
                    }
                    if out.bytes.len() != start {
                        return None;
                    }
                }
            }
        }
        Some(self.tree.build(&values))
    }
}

/// The section's text with each expression (and block helper) as a marker, and the expressions;
/// `None` for partials, decorators, or marker characters in the text.
fn assemble(template: &Template) -> Option<(String, Vec<Option<TemplateElement>>)> {
    let mut text = String::new();
    let mut exprs = Vec::new();
    for e in &template.elements {
        match e {
            TemplateElement::RawString(s) => {
                if s.contains(|c| ('\u{E000}'..='\u{E003}').contains(&c) || c == '\r') {
                    return None;
                }
                text.push_str(s);
            }
            // A block helper within one value renders like an expression (several lines of it
            // have no key of their own, so they leave the section without a skeleton).
            TemplateElement::Expression(_)
            | TemplateElement::HtmlExpression(_)
            | TemplateElement::HelperBlock(_) => {
                let _ = write!(text, "{}{}{}", EXPR.0, exprs.len(), EXPR.1);
                exprs.push(Some(e.clone()));
            }
            TemplateElement::Comment(_) => {}
            _ => return None,
        }
    }
    Some((text, exprs))
}

/// Where the value of a line holding expressions starts: after its indentation, any `- `
/// sequence indicators and a plain `key: ` without expressions. `None` when the expressions
/// are not all in that value (a templated key, a line of a block scalar or flow collection).
fn value_start(line: &str) -> Option<usize> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let mut at = indent;
    let mut dashed = false;
    while let Some(rest) = line[at..].strip_prefix("- ") {
        at = line.len() - rest.trim_start_matches(' ').len();
        dashed = true;
    }
    let rest = &line[at..];
    let first_expr = rest.find(EXPR.0)?;
    match rest.find(": ") {
        Some(colon) if colon < first_expr => {
            let key = &rest[..colon];
            let plain_key = key.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                && !key.contains(['#', '"', '\'', '{', '}', '[', ']', ',', '&', '*', '!', '\t']);
            plain_key.then_some(at + colon + 2)
        }
        _ if dashed && !rest[..first_expr].contains(':') => Some(at),
        _ => None,
    }
}

/// A line of assertions: the line's text without its expressions, and the expressions (moved
/// out of `exprs`); `None` unless every expression is a guard ([`is_guard`]) and the rest blank.
fn guard(
    line: &str,
    exprs: &mut [Option<TemplateElement>],
) -> Option<(String, Vec<TemplateElement>)> {
    let mut kept = String::with_capacity(line.len());
    let mut guards = Vec::new();
    for p in parts(line, exprs)? {
        match p {
            Part::Lit(s) => kept.push_str(&s),
            Part::Expr(e) if is_guard(&e) => guards.push(e),
            Part::Expr(_) => return None,
        }
    }
    kept.trim_matches(' ').is_empty().then_some((kept, guards))
}

/// An `if` or `unless` block (with any `else`) whose branches hold only `fail` calls, such
/// blocks, comments and blank text: it renders nothing or fails.
fn is_guard(e: &TemplateElement) -> bool {
    let TemplateElement::HelperBlock(h) = e else {
        return false;
    };
    let conditional = matches!(&h.name, Parameter::Name(n) if n == "if" || n == "unless");
    let quiet = |t: &Option<Template>| {
        t.as_ref().is_none_or(|t| {
            t.elements.iter().all(|e| match e {
                TemplateElement::RawString(s) => s.trim().is_empty(),
                TemplateElement::Expression(x) => {
                    matches!(&x.name, Parameter::Name(n) if n == "fail")
                }
                TemplateElement::Comment(_) => true,
                other => is_guard(other),
            })
        })
    };
    conditional && quiet(&h.template) && quiet(&h.inverse)
}

/// A slot's text as literal pieces and the expressions it holds (each expression is in one
/// slot only: it is moved out of `exprs`).
fn parts(value: &str, exprs: &mut [Option<TemplateElement>]) -> Option<Vec<Part>> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find(EXPR.0) {
        if open > 0 {
            out.push(Part::Lit(rest[..open].to_string()));
        }
        let after = &rest[open + EXPR.0.len_utf8()..];
        let close = after.find(EXPR.1)?;
        let i: usize = after[..close].parse().ok()?;
        out.push(Part::Expr(exprs.get_mut(i)?.take()?));
        rest = &after[close + EXPR.1.len_utf8()..];
    }
    if !rest.is_empty() {
        out.push(Part::Lit(rest.to_string()));
    }
    Some(out)
}

impl Node {
    /// The tree of the parsed skeleton (each slot followed by `suffix`); `None` when a slot is
    /// not a whole value (a plain scalar continued on the next line, a slot inside a block
    /// scalar or a key).
    fn of(v: Json, slots: usize, suffix: &str) -> Option<Node> {
        if !holds_slot(&v) {
            return Some(Node::Lit(v));
        }
        Some(match v {
            Json::String(s) => {
                let n = s.strip_prefix(SLOT.0)?.strip_suffix(suffix)?;
                let n = n.strip_suffix(SLOT.1)?;
                let n: usize = n.parse().ok()?;
                (n < slots).then_some(Node::Slot(n))?
            }
            Json::Array(items) => Node::Array(
                items
                    .into_iter()
                    .map(|i| Node::of(i, slots, suffix))
                    .collect::<Option<_>>()?,
            ),
            Json::Object(m) => Node::Object(
                m.into_iter()
                    .map(|(k, v)| {
                        if k.contains(SLOT.0) {
                            return None;
                        }
                        Some((k, Node::of(v, slots, suffix)?))
                    })
                    .collect::<Option<_>>()?,
            ),
            _ => return None,
        })
    }

    fn build(&self, values: &[Json]) -> Json {
        match self {
            Node::Lit(v) => v.clone(),
            Node::Slot(n) => values.get(*n).cloned().unwrap_or(Json::Null),
            Node::Array(items) => Json::Array(items.iter().map(|i| i.build(values)).collect()),
            Node::Object(m) => {
                let mut out = serde_json::Map::with_capacity(m.len());
                for (k, v) in m {
                    out.insert(k.clone(), v.build(values));
                }
                Json::Object(out)
            }
        }
    }
}

fn holds_slot(v: &Json) -> bool {
    match v {
        Json::String(s) => s.contains(SLOT.0),
        Json::Array(items) => items.iter().any(holds_slot),
        Json::Object(m) => m.iter().any(|(k, v)| k.contains(SLOT.0) || holds_slot(v)),
        _ => false,
    }
}

/// The value a slot's rendered text reads as, when it reads the same on its own as in place
/// (one line; no anchor, alias, tag-less block indicator, directive or document marker; YAML
/// structure only as a flow collection or a tagged value); `None` otherwise.
fn read_value(text: &str) -> Option<Json> {
    let t = text.trim_matches(' ');
    if t.is_empty() {
        return Some(Json::Null);
    }
    if !t.chars().all(plain_char) {
        return None;
    }
    if let Some(v) = simple_value(t) {
        return Some(v);
    }
    let refused = [
        "&", "*", "%", "@", "`", "|", ">", "#", "---", "...", "- ", "? ", ": ",
    ];
    if refused.iter().any(|p| t.starts_with(p)) || matches!(t, "-" | "?" | ":") {
        return None;
    }
    let v = parse_yaml(t).ok()?;
    match v {
        Json::Array(_) | Json::Object(_) if !t.starts_with(['[', '{', '!']) => None,
        v => Some(v),
    }
}

/// Characters the fast path reads: printable, no tab or line break (anything else is read by
/// the full render, which applies YAML's own rules to it).
fn plain_char(c: char) -> bool {
    matches!(c, ' '..='~') || (c >= '\u{A0}' && !matches!(c, '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}'))
}

/// The common shapes, read without a parser: a quoted string without quotes or escapes inside,
/// a decimal integer without sign or leading zero, a name-like plain string that no YAML type
/// claims (`true`, `null`, `inf`, … are left to the parser).
fn simple_value(t: &str) -> Option<Json> {
    let quoted = |q: char| {
        let inner = t.strip_prefix(q)?.strip_suffix(q)?;
        (!inner.contains([q, '\\'])).then(|| Json::String(inner.to_string()))
    };
    if let Some(v) = quoted('"').or_else(|| quoted('\'')) {
        return Some(v);
    }
    let b = t.as_bytes();
    if b.len() <= 18 && b.iter().all(u8::is_ascii_digit) && (b[0] != b'0' || b.len() == 1) {
        return t.parse::<i64>().ok().map(Json::from);
    }
    let name_like = b[0].is_ascii_alphabetic()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/'));
    const CLAIMED: [&str; 12] = [
        "true", "false", "null", "inf", "infinity", "nan", "yes", "no", "on", "off", "y", "n",
    ];
    let claimed = CLAIMED.iter().any(|w| t.eq_ignore_ascii_case(w));
    (name_like && !claimed).then(|| Json::String(t.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn registry(template: &str) -> Handlebars<'static> {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::no_escape);
        crate::helpers::register(&mut hb);
        hb.register_template_string("t", template).unwrap();
        hb
    }

    /// The full render: render the text, parse it (as JSON text, so key order counts).
    fn full(hb: &Handlebars<'_>, data: &Json) -> Option<String> {
        let text = hb.render("t", data).ok()?;
        parse_yaml(&text).ok().map(|v| v.to_string())
    }

    /// Whether the fast path was taken; whenever it is, it equals the full render.
    fn agrees(template: &str, value: &str) -> bool {
        let hb = registry(template);
        let data = json!({"v": value, "n": 5432, "l": ["a", value]});
        let Some(sk) = Skeleton::of(hb.get_template("t").unwrap()) else {
            return false;
        };
        let Some(fast) = sk.render(&hb, &Context::from(data.clone()), 1 << 20) else {
            return false;
        };
        assert_eq!(
            Some(fast.to_string()),
            full(&hb, &data),
            "{template:?} with {value:?}"
        );
        true
    }

    const VALUES: &[&str] = &[
        "plain",
        "5432",
        "0123",
        "-1",
        "1.5",
        "1e3",
        ".inf",
        "Inf",
        "nan",
        "0x1F",
        "true",
        "True",
        "yes",
        "null",
        "~",
        "",
        " ",
        "  padded  ",
        "a: b",
        "a:b",
        "- x",
        "-",
        "?",
        ":",
        "[1, 2]",
        "{a: 1}",
        "[1, 2] x",
        "x #c",
        "x#c",
        "#c",
        "&a x",
        "*a",
        "'q'",
        "\"dq\"",
        "it's",
        "a\"b",
        "a\\b",
        "a\nb",
        "a\rb",
        "\t",
        "tab\there",
        "!Ref X",
        "!GetAtt A.B",
        "--- x",
        "...",
        "%TAG",
        "@x",
        "`x",
        "| x",
        "> x",
        "a,b",
        "}",
        "]",
        "é ü",
        "\u{85}",
        "\u{feff}x",
        "x\u{7f}",
        "\u{1}",
        "a {{b}}",
        "redis-abc.default",
        "a/b.c_d-e",
    ];

    #[test]
    fn the_fast_path_equals_the_full_render_whenever_it_is_taken() {
        let templates = [
            "k: {{v}}\n",
            "k: '{{v}}'\n",
            "k: \"{{v}}\"\n",
            "k: {{quote v}}\n",
            "k: {{n}}\n",
            "- {{v}}\n- b\n",
            "- - {{v}}\n",
            "k: [{{v}}, 2]\n",
            "k: { a: {{v}} }\n",
            "k: x-{{v}}-y # c\n",
            "k: {{v}}{{v}}\n",
            "a: &l\n  b: {{v}}\nc: *l\n",
            "l:\n  - n: {{v}}\n    m: 2\n",
            "k: !Ref {{v}}\n",
            "k: !Sub 'x-{{v}}'\n",
            "k: {{! a comment }}{{v}}\n",
            "k:   {{~v~}}   \n",
            "x: 1\nk: {{v}}\ny: [a, b]\n",
            "k: {\n  a: {{v}}\n}\n",
            "k: {{#if v}}x-{{v}}{{else}}none{{/if}}\n",
            "k: '{{#each l}}{{this}};{{/each}}'\n",
            "k: {{#each l}}{{this}}{{/each}}\n",
            "name: {{#if (eq v \"plain\")}}{{dns_label (concat \"r-\" v) 40}}{{else}}{{quote v}}{{/if}}\n",
            "{{#unless (eq v \"plain\")}}{{fail \"not plain\"}}{{/unless}}\nk: {{v}}\n",
            "k: {{v}}\n  {{#if (eq v \"\")}}{{fail \"empty\"}}{{/if}}  \nj: 1\n",
            "{{#if (eq v \"-\")}}{{fail \"dash\"}}{{else if (eq v \"?\")}}{{fail \"q\"}}{{/if}}\n- {{v}}\n",
            "{{#unless n}}{{#if v}}{{fail \"x\"}}{{/if}}{{/unless}} {{! note }}\nk: {{quote v}}\n",
            "k: |\n  a\n  {{#unless n}}{{fail \"no n\"}}{{/unless}}\n  b\nj: {{v}}\n",
            "k: >\n  a\n{{#unless n}}{{fail \"no n\"}}{{/unless}}\n  b\n",
        ];
        let mut taken = 0;
        for t in templates {
            let here: usize = VALUES.iter().map(|v| usize::from(agrees(t, v))).sum();
            // Guard lines that pass leave the section on the fast path.
            if t.contains("fail") && !t.contains("(eq v") {
                assert!(here > 0, "{t:?}");
            }
            taken += here;
        }
        // Most pairs go the fast way (benign values in every template).
        assert!(taken > templates.len() * VALUES.len() / 3, "{taken}");
    }

    #[test]
    fn sections_only_the_full_render_can_read_have_no_skeleton() {
        for t in [
            "{{v}}: 1\n",
            "k: |\n  x: {{v}}\n",
            "k: >\n  {{v}}\n",
            "k: {{v}}\n  continued\n",
            "k: [{{v}},\n  2]\n",
            "{{#if v}}k: 1{{/if}}\n",
            "{{#each v}}- {{this}}\n{{/each}}",
            "k: {{> p}}\n",
            "k: {a: {{v}}}\n  x: 1\n",
            "\"q k\": {{v}}\n",
            "k: 1\n---\nj: {{v}}\n",
            "k: {\n  a: {{v}},\n  b: 1\n}\n",
            "k: [\n  - {{v}}\n]\n",
            "{{#unless v}}x{{/unless}}\nk: {{v}}\n",
            "{{#if v}}{{v}}{{/if}}\nk: 1\n",
            "{{#each l}}{{fail \"x\"}}{{/each}}\nk: 1\n",
            "{{#if v}}{{fail \"x\"}}{{/if}} k\nj: 1\n",
        ] {
            let mut hb = registry("x");
            hb.register_partial("p", "1").unwrap();
            hb.register_template_string("t", t).unwrap();
            let sk = Skeleton::of(hb.get_template("t").unwrap());
            let fast = sk.and_then(|s| s.render(&hb, &Context::from(json!({"v": "a"})), 1 << 20));
            assert!(fast.is_none(), "{t:?}");
        }
    }

    #[test]
    fn a_guard_line_renders_nothing_or_takes_the_full_render() {
        let hb = registry("{{#unless ok}}{{fail \"not ok\"}}{{/unless}}\nk: {{v}}\n");
        let sk = Skeleton::of(hb.get_template("t").unwrap()).unwrap();
        let fast = |data: Json| sk.render(&hb, &Context::from(data), 1 << 20);
        assert_eq!(fast(json!({"ok": true, "v": "a"})), Some(json!({"k": "a"})));
        assert_eq!(fast(json!({"ok": false, "v": "a"})), None);
        // A guard writing text (here its `else` branch) is not one this time: the full render.
        let hb = registry("{{#if ok}}{{fail \"x\"}}{{else}} {{/if}}\nk: 1\n");
        let sk = Skeleton::of(hb.get_template("t").unwrap()).unwrap();
        assert_eq!(
            sk.render(&hb, &Context::from(json!({"ok": false})), 1 << 20),
            None
        );
    }

    #[test]
    fn a_section_without_expressions_is_parsed_once_and_reused() {
        let hb = registry("a: [1, 2]\nb: {c: true}\n");
        let sk = Skeleton::of(hb.get_template("t").unwrap()).unwrap();
        assert!(sk.slots.is_empty());
        let v = sk.render(&hb, &Context::from(json!({})), 1).unwrap();
        assert_eq!(v, json!({"a": [1, 2], "b": {"c": true}}));
    }

    #[test]
    fn the_slots_are_bounded_together() {
        let hb = registry("a: {{v}}\nb: {{v}}\n");
        let sk = Skeleton::of(hb.get_template("t").unwrap()).unwrap();
        let data = Context::from(json!({"v": "x".repeat(600)}));
        assert!(sk.render(&hb, &data, 1000).is_none());
        assert!(sk.render(&hb, &data, 1200).is_some());
    }
}

#[cfg(test)]
mod defaults_tests {
    use score_x_core::Target;

    use crate::set::template_name;
    use crate::{ProvisionerSet, Section};

    /// The large sections of the common defaults take the fast path (a change to the templates
    /// or to the rules that loses it shows here, not only in the benchmarks).
    #[test]
    fn the_manifest_sections_of_the_defaults_have_skeletons() {
        let cases = [
            (
                Target::KUBERNETES,
                "template://score-x/redis",
                Section::Kubernetes,
            ),
            (
                Target::KUBERNETES,
                "template://score-x/postgres",
                Section::Kubernetes,
            ),
            (
                Target::KUBERNETES,
                "template://score-x/postgres",
                Section::OutputsTemplate,
            ),
            (
                Target::HELM,
                "template://score-x/redis",
                Section::Kubernetes,
            ),
            (
                Target::NOMAD,
                "template://score-x/nomad/redis",
                Section::Nomad,
            ),
            (
                Target::NOMAD,
                "template://score-x/nomad/postgres",
                Section::Nomad,
            ),
            (
                Target::ECS,
                "template://score-x/ecs/postgres",
                Section::OutputsTemplate,
            ),
            (
                Target::KUBERNETES,
                "template://score-x/service-port",
                Section::OutputsTemplate,
            ),
            (
                Target::ECS,
                "template://score-x/ecs/service-port",
                Section::OutputsTemplate,
            ),
            (
                Target::NOMAD,
                "template://score-x/nomad/service-port",
                Section::OutputsTemplate,
            ),
        ];
        for (target, uri, section) in cases {
            let mut set = ProvisionerSet::new();
            set.add_defaults(target).unwrap();
            let name = template_name(uri, section);
            assert!(set.skeleton(&name).is_some(), "{name}");
        }
    }
}
