//! The provisioners' handlebars engine (strict mode, no HTML escaping, the same helpers and
//! loop budget) for the strings of patch values (`score_x_core::patch`). It has no seed:
//! `random_string` fails, so a patch cannot mint secrets outside the state.

use std::sync::Arc;

use handlebars::Handlebars;
use serde_json::Value as Json;

use crate::helpers::{self, MAX_HELPER_TEXT};

/// Renders patch values; `workload NAME` looks workloads up in the data's `workloads`.
pub struct PatchRenderer {
    hb: Handlebars<'static>,
}

impl Default for PatchRenderer {
    fn default() -> Self {
        Self::new()
    }
}

impl PatchRenderer {
    pub fn new() -> Self {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::no_escape);
        helpers::register(&mut hb);
        PatchRenderer { hb }
    }
}

impl score_x_core::patch::Renderer for PatchRenderer {
    fn render(&self, template: &str, data: &Json) -> Result<String, String> {
        helpers::with_ctx(|c| {
            // No seed: a patch cannot mint secrets.
            c.seed.clear();
            c.uid.clear();
            c.workloads = Arc::new(data.get("workloads").cloned().unwrap_or(Json::Null));
        });
        helpers::RenderBudget.reset();
        let out = self
            .hb
            .render_template(template, data)
            .map_err(|e| e.to_string())?;
        if out.len() > MAX_HELPER_TEXT {
            return Err(format!(
                "the value would be longer than {} KiB",
                MAX_HELPER_TEXT >> 10
            ));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use score_x_core::patch::Renderer;
    use serde_json::json;

    #[test]
    fn strict_helpers_and_no_seed() {
        let r = PatchRenderer::new();
        let data = json!({"workload": {"name": "api"}, "workloads": {"api": {"name": "api"}}});
        assert_eq!(
            r.render("{{upper workload.name}}-x", &data).unwrap(),
            "API-x"
        );
        assert_eq!(
            r.render("{{lookup (workload \"api\") \"name\"}}", &data)
                .unwrap(),
            "api"
        );
        assert!(r.render("{{workload.nope}}", &data).is_err());
        assert!(
            r.render("{{random_string 8}}", &data)
                .unwrap_err()
                .contains("no seed")
        );
        assert_eq!(
            r.render("\\{{ .Values.x }}", &data).unwrap(),
            "{{ .Values.x }}"
        );
    }
}
