//! Workload annotations (and `options.tags`) → ECS tags, sanitised to what ECS accepts.

use std::collections::BTreeMap;

use score_x_core::Code;
use score_x_core::resolved::ResolvedWorkload;

use crate::ctx::Ctx;
use crate::model::Tag;

/// Annotations under this prefix are score-x knobs, not tags.
pub const KNOB_PREFIX: &str = "ecs.score.dev/";
/// ECS allows 50 tags per resource.
const MAX_TAGS: usize = 50;

/// Keep letters, digits, spaces and `_ . : / = + - @`; anything else becomes `_`.
fn sanitise(s: &str, max: usize) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(max)
        .collect()
}

pub fn of(ctx: &mut Ctx<'_>, w: &ResolvedWorkload) -> Vec<Tag> {
    let mut tags: BTreeMap<String, String> = BTreeMap::new();
    let extra = ctx.opts.tags.clone().unwrap_or_default();
    for (k, v) in w.annotations.iter().chain(extra.iter()) {
        if k.starts_with(KNOB_PREFIX) {
            continue;
        }
        let key = sanitise(k, 128);
        if key.is_empty() || key.to_ascii_lowercase().starts_with("aws:") {
            ctx.warn(
                Code::Approximated,
                Some(&w.span),
                format!("workload `{}`: annotation `{k}` cannot be an ECS tag (reserved or empty key); dropped", w.name),
            );
            continue;
        }
        tags.insert(key, sanitise(v, 256));
    }
    if tags.len() > MAX_TAGS {
        ctx.warn(
            Code::Approximated,
            Some(&w.span),
            format!(
                "workload `{}` has {} tags; ECS allows {MAX_TAGS}, the rest (by key order) are dropped",
                w.name,
                tags.len()
            ),
        );
    }
    tags.into_iter()
        .take(MAX_TAGS)
        .map(|(key, value)| Tag { key, value })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitising() {
        assert_eq!(
            sanitise("app.kubernetes.io/name", 128),
            "app.kubernetes.io/name"
        );
        assert_eq!(sanitise("a*b#c", 128), "a_b_c");
        assert_eq!(sanitise("abcdef", 3), "abc");
    }
}
