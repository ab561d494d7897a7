//! Secrets as templates that keep their value across upgrades: each key reads the Secret
//! already in the cluster (`lookup`) and falls back to the value chosen at translation time.
//! The whole template is the target's secret store; values.yaml never holds a secret.

use serde_json::Value as Json;

use crate::slots::{Slot, Slots, go_str};

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
