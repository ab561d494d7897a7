//! Static bounds on a compiled section: block nesting at most [`MAX_DEPTH`] deep, and partials
//! limited to the inline partials of the same section (`{{#*inline "p"}}…{{/inline}}`), which
//! must not call themselves, directly or through each other. So rendering always terminates and
//! its recursion is shallow (a recursive partial used to overflow the stack).

use std::collections::{BTreeMap, BTreeSet};

use handlebars::template::{Parameter, Template, TemplateElement};

/// How deeply blocks, inline partials and partial calls may nest in one section.
pub(crate) const MAX_DEPTH: usize = 64;

/// How many partial calls one render of a section's body may expand to (loops aside, which the
/// render's loop budget counts): partials calling each other several times multiply.
pub(crate) const MAX_PARTIAL_CALLS: u64 = 10_000;

/// What is wrong with a section's use of partials or nesting.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Problem {
    TooDeep,
    TooManyCalls,
    DynamicName,
    Unknown(String),
    Recursive(Vec<String>),
}

impl Problem {
    pub(crate) fn message(&self) -> String {
        match self {
            Problem::TooDeep => format!(
                "blocks nest more than {MAX_DEPTH} levels deep (the limit for a provisioner template)"
            ),
            Problem::TooManyCalls => format!(
                "partials expand to more than {MAX_PARTIAL_CALLS} calls (partials calling each other several times multiply)"
            ),
            Problem::DynamicName => {
                "a partial name must be written literally (`{{> name}}`), not computed".into()
            }
            Problem::Unknown(n) => format!(
                "partial `{n}` is not defined in this section (only inline partials of the same section, `{{{{#*inline \"{n}\"}}}}…{{{{/inline}}}}`, can be used)"
            ),
            Problem::Recursive(cycle) if cycle.len() == 2 => {
                format!("partial `{}` calls itself", cycle[0])
            }
            Problem::Recursive(cycle) => format!(
                "partial `{}` calls itself through {}",
                cycle[0],
                cycle[1..]
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(" → ")
            ),
        }
    }
}

/// The partials a template body calls, and its inline partials with the partials they call.
#[derive(Default)]
struct Partials {
    calls: Vec<String>,
    inline: BTreeMap<String, Vec<String>>,
}

/// Check one compiled section.
pub(crate) fn check(t: &Template) -> Result<(), Problem> {
    let mut p = Partials::default();
    let mut calls = Vec::new();
    walk(t, 0, &mut calls, &mut p)?;
    p.calls = calls;
    for name in p.calls.iter().chain(p.inline.values().flatten()) {
        if !p.inline.contains_key(name) {
            return Err(Problem::Unknown(name.clone()));
        }
    }
    for name in p.inline.keys() {
        let mut explored = BTreeSet::new();
        if let Some(cycle) = cycle_from(name, &p.inline, &mut vec![name.clone()], &mut explored) {
            return Err(Problem::Recursive(cycle));
        }
    }
    let mut memo = BTreeMap::new();
    let total = p.calls.iter().fold(0u64, |n, c| {
        n.saturating_add(1 + expansion(c, &p.inline, &mut memo))
    });
    if total > MAX_PARTIAL_CALLS {
        return Err(Problem::TooManyCalls);
    }
    Ok(())
}

/// The partial calls one call of `name` makes, transitively (the graph has no cycle by now).
fn expansion(
    name: &str,
    inline: &BTreeMap<String, Vec<String>>,
    memo: &mut BTreeMap<String, u64>,
) -> u64 {
    if let Some(n) = memo.get(name) {
        return *n;
    }
    let mut n = 0u64;
    for c in inline.get(name).into_iter().flatten() {
        n = n.saturating_add(1u64.saturating_add(expansion(c, inline, memo)));
    }
    memo.insert(name.to_string(), n);
    n
}

/// A chain of calls from the last of `path` back to `path[0]`, if there is one.
/// `explored` holds the partials already searched from `start` without finding it: searching
/// them again cannot find it either (without it, partials calling each other several times made
/// the search exponential).
fn cycle_from(
    start: &str,
    inline: &BTreeMap<String, Vec<String>>,
    path: &mut Vec<String>,
    explored: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    let last = path.last()?.clone();
    if !explored.insert(last.clone()) {
        return None;
    }
    for next in inline.get(&last).into_iter().flatten() {
        if next == start {
            let mut c = path.clone();
            c.push(next.clone());
            return Some(c);
        }
        // Depth is bounded by MAX_DEPTH (and revisits): the graph is small.
        if !path.contains(next) && path.len() <= MAX_DEPTH {
            path.push(next.clone());
            if let Some(c) = cycle_from(start, inline, path, explored) {
                return Some(c);
            }
            path.pop();
        }
    }
    None
}

fn literal_name(p: &Parameter) -> Option<String> {
    match p {
        Parameter::Name(n) => Some(n.clone()),
        Parameter::Literal(serde_json::Value::String(s)) => Some(s.clone()),
        _ => None,
    }
}

fn walk(
    t: &Template,
    depth: usize,
    calls: &mut Vec<String>,
    p: &mut Partials,
) -> Result<(), Problem> {
    if depth > MAX_DEPTH {
        return Err(Problem::TooDeep);
    }
    for e in &t.elements {
        match e {
            TemplateElement::HelperBlock(h) => {
                for inner in h.template.iter().chain(h.inverse.iter()) {
                    walk(inner, depth + 1, calls, p)?;
                }
            }
            TemplateElement::DecoratorBlock(d)
                if d.name.as_name() == Some("inline") || d.name.as_name() == Some("*inline") =>
            {
                let name = d
                    .params
                    .first()
                    .and_then(literal_name)
                    .ok_or(Problem::DynamicName)?;
                let mut inner_calls = Vec::new();
                if let Some(inner) = &d.template {
                    walk(inner, depth + 1, &mut inner_calls, p)?;
                }
                p.inline.entry(name).or_default().extend(inner_calls);
            }
            TemplateElement::DecoratorBlock(d) | TemplateElement::DecoratorExpression(d) => {
                if let Some(inner) = &d.template {
                    walk(inner, depth + 1, calls, p)?;
                }
            }
            TemplateElement::PartialExpression(d) | TemplateElement::PartialBlock(d) => {
                let name = literal_name(&d.name).ok_or(Problem::DynamicName)?;
                if name != "@partial-block" {
                    calls.push(name);
                }
                if let Some(inner) = &d.template {
                    walk(inner, depth + 1, calls, p)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(src: &str) -> Option<String> {
        let t = Template::compile(src).unwrap();
        check(&t).err().map(|p| p.message())
    }

    #[test]
    fn inline_partials_that_terminate_are_fine() {
        assert_eq!(
            problem("{{#*inline \"row\"}}- {{this}}\n{{/inline}}{{#each xs}}{{> row}}{{/each}}"),
            None
        );
        assert_eq!(
            problem(
                "{{#*inline \"a\"}}x{{/inline}}{{#*inline \"b\"}}{{> a}}{{> a}}{{/inline}}{{> b}}"
            ),
            None
        );
        assert_eq!(problem("plain {{x}}"), None);
    }

    #[test]
    fn a_partial_calling_itself_is_named() {
        let m = problem("{{#*inline \"loop\"}}{{> loop}}{{/inline}}{{> loop}}").unwrap();
        assert_eq!(m, "partial `loop` calls itself");
        let m = problem("{{#*inline \"a\"}}{{#if x}}{{> b}}{{/if}}{{/inline}}{{#*inline \"b\"}}{{> a}}{{/inline}}{{> a}}").unwrap();
        assert_eq!(m, "partial `a` calls itself through `b` → `a`");
    }

    #[test]
    fn other_partials_are_refused() {
        let m = problem("{{> other}}").unwrap();
        assert!(
            m.contains("partial `other` is not defined in this section"),
            "{m}"
        );
        let m = problem("{{> (concat \"a\" \"b\")}}").unwrap();
        assert!(m.contains("written literally"), "{m}");
    }

    #[test]
    fn partials_calling_each_other_many_times_are_checked_fast_and_bounded() {
        // 20 partials, each calling the one below 8 times: 8^19 calls if it were rendered.
        let mut src = String::from("{{#*inline \"p0\"}}{{/inline}}");
        for i in 1..20 {
            src.push_str(&format!(
                "{{{{#*inline \"p{i}\"}}}}{}{{{{/inline}}}}",
                format!("{{{{> p{}}}}}", i - 1).repeat(8)
            ));
        }
        let started = std::time::Instant::now();
        assert_eq!(problem(&src), None, "defined but not called");
        let m = problem(&format!("{src}{{{{> p19}}}}")).unwrap();
        assert!(m.contains("more than 10000 calls"), "{m}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        // 8^4 + … = 4681 calls: within the bound.
        assert_eq!(problem(&format!("{src}{{{{> p4}}}}")), None);
    }

    #[test]
    fn nesting_is_bounded() {
        let ok = format!(
            "{}x{}",
            "{{#if a}}".repeat(MAX_DEPTH),
            "{{/if}}".repeat(MAX_DEPTH)
        );
        assert_eq!(problem(&ok), None);
        let deep = format!(
            "{}x{}",
            "{{#if a}}".repeat(MAX_DEPTH + 1),
            "{{/if}}".repeat(MAX_DEPTH + 1)
        );
        assert!(problem(&deep).unwrap().contains("more than 64 levels"));
    }
}
