//! `each` with an iteration budget: handlebars' built-in `each`, re-implemented on its public
//! API (same `this`, `@index`, `@key`, `@first`, `@last`, block params and `{{else}}`), that
//! counts every iteration of a section's render against [`MAX_RENDER_STEPS`]. Nested loops that
//! write nothing would otherwise escape the output bound and run for hours.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use handlebars::template::{Parameter, Template, TemplateElement};
use handlebars::{
    BlockContext, BlockParams, Context, Handlebars, Helper, HelperDef, HelperResult, Output,
    PathAndJson, RenderContext, RenderError, RenderErrorReason, Renderable, to_json,
};
use serde_json::Value as Json;

/// The most loop iterations (over all `each` blocks, nested or not) one section may run.
pub(crate) const MAX_RENDER_STEPS: usize = 1_000_000;

thread_local! {
    /// Steps used by the section being rendered on this thread.
    static STEPS: Cell<usize> = const { Cell::new(0) };
    /// The memoised weight of each template (by address) for that section.
    static WEIGHTS: RefCell<HashMap<usize, usize>> = RefCell::new(HashMap::new());
}

/// Steps used by the section being rendered (an iteration costs one step plus the partial
/// calls its body makes); reset with [`RenderBudget::reset`]. A render runs on one thread from
/// start to end, so the count is kept per thread: resources rendered in parallel each have
/// their own budget.
#[derive(Clone, Copy, Default)]
pub(crate) struct RenderBudget;

impl RenderBudget {
    pub(crate) fn reset(&self) {
        STEPS.set(0);
        WEIGHTS.with_borrow_mut(HashMap::clear);
    }

    /// The partial calls one render of `t` makes, outside the `each` blocks in it (those charge
    /// for themselves). Memoised per template for the section; partials never recurse (checked
    /// when the file is loaded), so this terminates.
    fn weight(&self, t: &Template, rc: &RenderContext<'_, '_>) -> usize {
        let key = std::ptr::from_ref(t) as usize;
        if let Some(w) = WEIGHTS.with_borrow(|m| m.get(&key).copied()) {
            return w;
        }
        let mut w = 0usize;
        for e in &t.elements {
            match e {
                TemplateElement::HelperBlock(h) if h.name.as_name() != Some("each") => {
                    for inner in h.template.iter().chain(h.inverse.iter()) {
                        w = w.saturating_add(self.weight(inner, rc));
                    }
                }
                TemplateElement::PartialExpression(d) | TemplateElement::PartialBlock(d) => {
                    let called = match &d.name {
                        Parameter::Name(n) => rc.get_partial(n),
                        Parameter::Literal(Json::String(n)) => rc.get_partial(n),
                        _ => None,
                    };
                    w = w.saturating_add(1);
                    if let Some(p) = called {
                        w = w.saturating_add(self.weight(p, rc));
                    }
                }
                _ => {}
            }
        }
        WEIGHTS.with_borrow_mut(|m| m.insert(key, w));
        w
    }

    /// Charge `n` iterations; `Err` once the section has used more than the budget.
    fn charge(&self, n: usize) -> Result<(), RenderError> {
        let after = STEPS.get().saturating_add(n);
        STEPS.set(after);
        if after > MAX_RENDER_STEPS {
            return Err(RenderErrorReason::Other(format!(
                "`each`: the section ran more than {MAX_RENDER_STEPS} loop iterations, the limit for one section (nested loops multiply)"
            ))
            .into());
        }
        Ok(())
    }
}

pub(crate) struct BoundedEach(pub(crate) RenderBudget);

fn create_block<'rc>(param: &PathAndJson<'rc>) -> BlockContext<'rc> {
    let mut block = BlockContext::new();
    if let Some(path) = param.context_path() {
        block.base_path_mut().clone_from(path);
    } else {
        block.set_base_value(param.value().clone());
    }
    block
}

/// Point the block at item `key` (by path when the list lives in the context, else by value).
fn update_block(
    block: &mut BlockContext<'_>,
    base: Option<&Vec<String>>,
    key: String,
    first: bool,
    v: &Json,
) {
    if let Some(p) = base {
        if first {
            let mut path = p.clone();
            path.push(key);
            *block.base_path_mut() = path;
        } else if let Some(last) = block.base_path_mut().last_mut() {
            *last = key;
        }
    } else {
        block.set_base_value(v.clone());
    }
}

fn set_block_params<'rc>(
    block: &mut BlockContext<'rc>,
    h: &Helper<'rc>,
    base: Option<&Vec<String>>,
    k: &Json,
    v: &Json,
) -> Result<(), RenderError> {
    let (value_name, key_name) = match (h.block_param(), h.block_param_pair()) {
        (Some(v), _) => (v, None),
        (None, Some((v, k))) => (v, Some(k)),
        (None, None) => return Ok(()),
    };
    let mut params = BlockParams::new();
    if base.is_some() {
        params.add_path(value_name, Vec::new())?;
    } else {
        params.add_value(value_name, v.clone())?;
    }
    if let Some(k_name) = key_name {
        params.add_value(k_name, k.clone())?;
    }
    block.set_block_params(params);
    Ok(())
}

impl HelperDef for BoundedEach {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let value = h
            .param(0)
            .ok_or(RenderErrorReason::ParamNotFoundForIndex("each", 0))?;
        let Some(t) = h.template() else {
            return Ok(());
        };
        // Each call costs one step even over an empty list, so empty loops are counted too.
        let items: Vec<(Json, &Json)> = match value.value() {
            Json::Array(list) if !list.is_empty() || h.inverse().is_none() => list
                .iter()
                .enumerate()
                .map(|(i, v)| (to_json(i), v))
                .collect(),
            Json::Object(obj) if !obj.is_empty() || h.inverse().is_none() => {
                obj.iter().map(|(k, v)| (to_json(k), v)).collect()
            }
            _ => {
                self.0.charge(1)?;
                return match h.inverse() {
                    Some(else_t) => else_t.render(r, ctx, rc, out),
                    None if r.strict_mode() => {
                        Err(RenderError::strict_error(value.relative_path()))
                    }
                    None => Ok(()),
                };
            }
        };
        let per_item = 1usize.saturating_add(self.0.weight(t, rc));
        self.0.charge(items.len().max(1).saturating_mul(per_item))?;
        let is_object = value.value().is_object();
        let base = value.context_path();
        rc.push_block(create_block(value));
        let len = items.len();
        for (i, (key, v)) in items.iter().enumerate() {
            if let Some(block) = rc.block_mut() {
                let first = i == 0;
                block.set_local_var("first", to_json(first));
                block.set_local_var("last", to_json(i + 1 == len));
                block.set_local_var("index", to_json(i));
                if is_object {
                    block.set_local_var("key", key.clone());
                }
                let segment = match key {
                    Json::String(s) => s.clone(),
                    other => other.to_string(),
                };
                update_block(block, base, segment, first, v);
                set_block_params(block, h, base, key, v)?;
            }
            t.render(r, ctx, rc, out)?;
        }
        rc.pop_block();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(t: &str, data: &Json, bounded: bool) -> Result<String, String> {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        if bounded {
            RenderBudget.reset();
            hb.register_helper("each", Box::new(BoundedEach(RenderBudget)));
        }
        hb.render_template(t, data).map_err(|e| e.to_string())
    }

    #[test]
    fn renders_as_the_built_in_each() {
        let d = json!({"l": ["a", "b"], "m": {"k": "v", "j": {"x": 1}}, "e": [], "o": {},
                       "n": [{"xs": [1, 2]}, {"xs": [3]}]});
        for t in [
            "{{#each l}}{{@index}}{{this}}{{@first}}{{@last}}{{/each}}",
            "{{#each m}}{{@key}}{{@index}}{{@first}}{{@last}}{{/each}}",
            "{{#each l as |v i|}}{{i}}{{v}}{{/each}}",
            "{{#each m as |v k|}}{{k}}{{/each}}",
            "{{#each e}}x{{else}}none{{/each}}{{#each o}}x{{else}}none{{/each}}",
            "{{#each e}}x{{/each}}{{#each o}}x{{/each}}",
            "{{#each n}}{{#each xs}}{{@../index}}{{this}}{{../xs.length}}{{/each}}{{/each}}",
            "{{#each m.j}}{{@key}}={{this}}{{/each}}{{#each l}}{{@root.m.k}}{{/each}}",
            "{{#each missing}}x{{else}}else{{/each}}",
        ] {
            assert_eq!(render(t, &d, true), render(t, &d, false), "{t}");
        }
        assert!(render("{{#each missing}}x{{/each}}", &d, true).is_err());
        assert!(render("{{#each missing}}x{{/each}}", &d, false).is_err());
    }

    #[test]
    fn partial_calls_in_a_loop_count_against_the_budget() {
        // 8^6 = 262,144 empty partial calls per iteration, 10 iterations: over the budget.
        let mut src = String::from("{{#*inline \"p0\"}}{{/inline}}");
        for i in 1..=6 {
            src.push_str(&format!(
                "{{{{#*inline \"p{i}\"}}}}{}{{{{/inline}}}}",
                format!("{{{{> p{}}}}}", i - 1).repeat(8)
            ));
        }
        let d = json!({"l": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]});
        let looped = format!("{src}{{{{#each l}}}}{{{{> p6}}}}{{{{/each}}}}");
        let e = render(&looped, &d, true).unwrap_err();
        assert!(e.contains("loop iterations"), "{e}");
        let once =
            format!("{src}{{{{#each l}}}}{{{{#if @first}}}}{{{{> p3}}}}{{{{/if}}}}{{{{/each}}}}");
        assert_eq!(render(&once, &d, true).unwrap(), "");
    }

    #[test]
    fn the_budget_counts_every_iteration_of_a_section() {
        let b = RenderBudget;
        b.reset();
        b.charge(MAX_RENDER_STEPS).unwrap();
        assert!(b.charge(1).is_err());
        b.reset();
        b.charge(1).unwrap();
        // Another thread has its own count.
        b.charge(MAX_RENDER_STEPS - 1).unwrap();
        std::thread::spawn(|| RenderBudget.charge(MAX_RENDER_STEPS).unwrap())
            .join()
            .unwrap();
    }
}
