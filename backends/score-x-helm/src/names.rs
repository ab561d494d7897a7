//! `fullnameOverride`: a workload chart's object names (`<workload>` and `<workload>-…`, the
//! Kubernetes target's names) become `<fullname>` and `<fullname>-…`, and so do the references
//! to them inside the chart (volumes, env sources, claims, `serviceName`).

use std::collections::BTreeSet;

use serde_json::Value as Json;

use crate::slots::{Slot, Slots, go_str};

/// The template expression of object name `name` in the chart of workload `w`, when the
/// name derives from the workload's.
pub fn expr(chart: &str, w: &str, name: &str) -> Option<String> {
    let full = format!("include {} .", go_str(&format!("{chart}.fullname")));
    if name == w {
        return Some(full);
    }
    name.strip_prefix(&format!("{w}-"))
        .map(|rest| format!("printf \"%s-%s\" ({full}) {}", go_str(rest)))
}

/// Replace the object's own name and every reference to a name in `names` by its expression.
pub fn rename(obj: &mut Json, chart: &str, w: &str, names: &BTreeSet<String>, slots: &mut Slots) {
    if let Some(n) = obj.pointer_mut("/metadata/name")
        && let Some(e) = n.as_str().and_then(|s| expr(chart, w, s))
    {
        *n = slots.value(Slot::Scalar(e));
    }
    if let Some(spec) = obj.get_mut("spec") {
        references(spec, "", chart, w, names, slots);
    }
}

fn references(
    v: &mut Json,
    parent: &str,
    chart: &str,
    w: &str,
    names: &BTreeSet<String>,
    slots: &mut Slots,
) {
    match v {
        Json::Object(m) => {
            for (k, x) in m.iter_mut() {
                let is_ref = matches!(k.as_str(), "claimName" | "secretName" | "serviceName")
                    || (k == "name"
                        && matches!(
                            parent,
                            "configMap"
                                | "configMapKeyRef"
                                | "secretKeyRef"
                                | "configMapRef"
                                | "secretRef"
                                | "secret"
                        ));
                if is_ref
                    && let Some(s) = x.as_str()
                    && names.contains(s)
                    && let Some(e) = expr(chart, w, s)
                {
                    *x = slots.value(Slot::Scalar(e));
                } else {
                    references(x, k, chart, w, names, slots);
                }
            }
        }
        Json::Array(a) => {
            for x in a {
                references(x, parent, chart, w, names, slots);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn own_names_and_references() {
        assert_eq!(
            expr("web", "web", "web").unwrap(),
            "include \"web.fullname\" ."
        );
        assert_eq!(
            expr("web", "web", "web-files").unwrap(),
            "printf \"%s-%s\" (include \"web.fullname\" .) \"files\""
        );
        assert!(expr("web", "web", "pg-main").is_none());
        let names: BTreeSet<String> = ["web".to_string(), "web-files".to_string()].into();
        let mut slots = Slots::default();
        let mut d = json!({"metadata": {"name": "web"}, "spec": {"template": {"spec": {
            "volumes": [{"name": "web-files", "configMap": {"name": "web-files"}},
                        {"name": "x", "secret": {"secretName": "pg-main"}}]}}}});
        rename(&mut d, "web", "web", &names, &mut slots);
        let out = slots.render(&score_x_core::yaml::to_yaml(&d));
        assert!(
            out.contains("name: {{ include \"web.fullname\" . }}"),
            "{out}"
        );
        assert!(
            out.contains("name: {{ printf \"%s-%s\" (include \"web.fullname\" .) \"files\" }}"),
            "{out}"
        );
        assert!(out.contains("- name: web-files\n"), "{out}");
        assert!(out.contains("secretName: pg-main"), "{out}");
    }
}
