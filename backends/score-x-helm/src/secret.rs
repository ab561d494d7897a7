//! Secrets as templates that keep their value across upgrades: each key reads the Secret
//! already in the cluster (`lookup`) and falls back to the value chosen at translation time.
//! The whole template is the target's secret store; values.yaml never holds a secret.
//! `existingSecret` values name a Secret to use instead: `secrets.<name>.existingSecret` for the
//! Secrets of a workload's own resources, `global.secrets.<name>.existingSecret` (seen by every
//! chart) for the shared ones of the umbrella.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{Map, Value as Json, json};

use crate::slots::{Slot, Slots, go_str};
use crate::values;

/// The expression of the chart's own `existingSecret` value of Secret `name`.
pub fn local_expr(name: &str) -> String {
    format!("(index .Values.secrets {}).existingSecret", go_str(name))
}

/// The expression of the global `existingSecret` value of shared Secret `name` (empty when
/// unset, also in a workload chart installed on its own).
pub fn global_expr(name: &str) -> String {
    format!(
        "(dig \"secrets\" {} \"existingSecret\" \"\" (.Values.global | default dict))",
        go_str(name)
    )
}

/// The Secrets an `existingSecret` value may replace in one chart: the Secrets of its own
/// resources (`local`) and those of the estate's shared resources (`shared`, one set for every
/// chart, never copied per chart).
#[derive(Debug, Clone, Default)]
pub struct Existing {
    local: BTreeSet<String>,
    shared: Arc<BTreeSet<String>>,
}

impl Existing {
    /// The Secrets of a workload chart: its own `local` ones and the estate's `shared` ones.
    pub fn workload(local: BTreeSet<String>, shared: Arc<BTreeSet<String>>) -> Self {
        Existing { local, shared }
    }

    /// The Secrets of the umbrella chart: its own are the estate's shared ones.
    pub fn umbrella(own: BTreeSet<String>) -> Self {
        Existing {
            local: BTreeSet::new(),
            shared: Arc::new(own),
        }
    }

    /// The expression of the `existingSecret` value that may replace Secret `name` (a chart's
    /// own Secret wins over a shared one of the same name).
    pub fn expr(&self, name: &str) -> Option<String> {
        if self.local.contains(name) {
            Some(local_expr(name))
        } else if self.shared.contains(name) {
            Some(global_expr(name))
        } else {
            None
        }
    }
}

/// The line that opens the template of a Secret whose `existingSecret` value is `expr`: it is
/// rendered only when that value is empty (closed by [`END`]).
pub fn open(expr: &str) -> String {
    format!("{{{{- if not {expr} }}}}\n")
}

/// The text that closes a Secret's template opened with [`open`].
pub const END: &str = "{{- end }}\n";

/// The `secrets` value: `existingSecret` of each Secret in `names` (empty: the chart's own).
pub fn values(names: &BTreeSet<String>, v: &mut values::Values) {
    if names.is_empty() {
        return;
    }
    let (d, s) = existing_secrets(names, false);
    v.set("secrets", Json::Object(d), values::closed(s));
}

/// The defaults (`existingSecret: ""` each) and the closed schema of `existingSecret` entries.
/// (`global`: the umbrella's entries of shared Secrets.)
fn existing_secrets(
    names: &BTreeSet<String>,
    global: bool,
) -> (Map<String, Json>, Map<String, Json>) {
    let mut d = Map::new();
    let mut s = Map::new();
    for n in names {
        d.insert(n.clone(), json!({"existingSecret": ""}));
        s.insert(n.clone(), values::existing_secret(global));
    }
    (d, s)
}

/// The umbrella's `global` value: `secrets.<name>.existingSecret` of each shared Secret.
pub fn global_values(names: &BTreeSet<String>, v: &mut values::Values) {
    if names.is_empty() {
        return;
    }
    let (d, s) = existing_secrets(names, true);
    v.set(
        "global",
        score_x_core::value::object([("secrets", Json::Object(d))]),
        score_x_core::value::object([
            ("type", "object".into()),
            (
                "properties",
                score_x_core::value::object([("secrets", values::closed(s))]),
            ),
        ]),
    );
}

/// Replace every reference to a Secret in `names` (`secretKeyRef`, `secretRef`, volume
/// `secretName`, projected `secret`) by its `existingSecret` value (the expression `names`
/// maps it to), defaulting to the name.
pub fn reference(v: &mut Json, parent: &str, names: &Existing, slots: &mut Slots) {
    match v {
        Json::Object(m) => {
            for (k, x) in m.iter_mut() {
                let is_ref = k == "secretName"
                    || (k == "name" && matches!(parent, "secretKeyRef" | "secretRef" | "secret"));
                let expr = x.as_str().filter(|_| is_ref).and_then(|n| {
                    let e = names.expr(n)?;
                    Some(format!("default {} {e} | toJson", go_str(n)))
                });
                match expr {
                    Some(e) => *x = slots.value(Slot::Scalar(e)),
                    None => reference(x, k, names, slots),
                }
            }
        }
        Json::Array(a) => {
            for x in a {
                reference(x, parent, names, slots);
            }
        }
        _ => {}
    }
}

/// Turn the Secret value `obj` into its template form; returns the line that looks the
/// existing Secret up (to put before the document). `name` is the template expression of the
/// object's name.
pub fn template(obj: &mut Json, name: &str, slots: &mut Slots) -> String {
    let namespace = obj
        .pointer("/metadata/namespace")
        .and_then(Json::as_str)
        .map_or_else(|| ".Release.Namespace".to_string(), go_str);
    if let Some(Json::Object(data)) = obj.get_mut("stringData") {
        for (k, v) in data.iter_mut() {
            let literal = go_str(v.as_str().unwrap_or_default());
            let expr = format!(
                "dig \"data\" {} \"\" $existing | b64dec | default {literal} | toJson",
                go_str(k)
            );
            *v = slots.value(Slot::Scalar(expr));
        }
    }
    if let Some(Json::Object(data)) = obj.get_mut("data") {
        for (k, v) in data.iter_mut() {
            let literal = go_str(v.as_str().unwrap_or_default());
            let expr = format!("dig \"data\" {} {literal} $existing | toJson", go_str(k));
            *v = slots.value(Slot::Scalar(expr));
        }
    }
    format!("{{{{- $existing := lookup \"v1\" \"Secret\" {namespace} {name} | default dict }}}}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn existing_secrets_replace_references_and_the_template() {
        let names: BTreeSet<String> = ["pg".to_string()].into();
        let exprs = Existing::workload(names.clone(), Arc::default());
        let mut slots = Slots::default();
        let mut d = json!({"spec": {"containers": [{"env": [
            {"name": "P", "valueFrom": {"secretKeyRef": {"name": "pg", "key": "password"}}},
            {"name": "Q", "valueFrom": {"secretKeyRef": {"name": "other", "key": "k"}}}]}],
            "volumes": [{"name": "pg", "secret": {"secretName": "pg"}}]}});
        reference(&mut d, "", &exprs, &mut slots);
        let out = slots.render(&score_x_core::yaml::to_yaml(&d));
        let e = r#"{{ default "pg" (index .Values.secrets "pg").existingSecret | toJson }}"#;
        assert_eq!(out.matches(e).count(), 2, "{out}");
        assert!(out.contains("name: other"), "{out}");
        assert!(out.contains("- name: pg\n"), "{out}");
        assert_eq!(
            open(&local_expr("pg")),
            "{{- if not (index .Values.secrets \"pg\").existingSecret }}\n"
        );
        assert_eq!(
            global_expr("pg"),
            r#"(dig "secrets" "pg" "existingSecret" "" (.Values.global | default dict))"#
        );
        let mut v = values::Values::default();
        values(&names, &mut v);
        assert_eq!(v.defaults["secrets"], json!({"pg": {"existingSecret": ""}}));
        global_values(&names, &mut v);
        assert_eq!(
            v.defaults["global"],
            json!({"secrets": {"pg": {"existingSecret": ""}}})
        );
    }

    #[test]
    fn keys_read_the_existing_secret_first() {
        let mut slots = Slots::default();
        let mut s = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "pg"},
            "stringData": {"password": "p{{w"}, "data": {"bin": "AAE="}});
        let pre = template(&mut s, "\"pg\"", &mut slots);
        assert_eq!(
            pre,
            "{{- $existing := lookup \"v1\" \"Secret\" .Release.Namespace \"pg\" | default dict }}\n"
        );
        let out = slots.render(&score_x_core::yaml::to_yaml(&s));
        assert!(
            out.contains(r#"password: {{ dig "data" "password" "" $existing | b64dec | default "p{{w" | toJson }}"#),
            "{out}"
        );
        assert!(
            out.contains(r#"bin: {{ dig "data" "bin" "AAE=" $existing | toJson }}"#),
            "{out}"
        );
    }
}
