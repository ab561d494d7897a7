//! Routes as values: every `HTTPRoute` (Gateway API) of a chart is rendered only when
//! `httpRoute.enabled` (default true: the Score files asked for the route), and every Ingress
//! only when `ingress.enabled`; the host names and the path prefix of each route are values under
//! `<httpRoute|ingress>.routes.<object name>`.

use serde_json::{Map, Value as Json, json};

use crate::slots::{Slot, Slots, go_str};
use crate::values;

/// The routes of one chart, by values key (`httpRoute`, `ingress`) and object name.
#[derive(Debug, Clone, Default)]
pub struct Routes {
    http: Map<String, Json>,
    ingress: Map<String, Json>,
}

/// The values key of a route object, when `obj` is one.
pub fn key_of(obj: &Json) -> Option<&'static str> {
    match (obj["apiVersion"].as_str()?, obj["kind"].as_str()?) {
        (a, "HTTPRoute") if a.starts_with("gateway.networking.k8s.io/") => Some("httpRoute"),
        ("networking.k8s.io/v1", "Ingress") => Some("ingress"),
        _ => None,
    }
}

impl Routes {
    /// Lift the hosts and path of route `obj` (values key `key`) into values; returns the text
    /// that opens its template (the closing one is [`END`]).
    pub fn lift(&mut self, key: &str, obj: &mut Json, slots: &mut Slots) -> String {
        let name = obj
            .pointer("/metadata/name")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string();
        let at = format!("(index .Values.{key}.routes {})", go_str(&name));
        let mut d = Map::new();
        if key == "httpRoute" {
            http_route(obj, &at, &mut d, slots);
            self.http.insert(name, Json::Object(d));
        } else {
            ingress(obj, &at, &mut d, slots);
            self.ingress.insert(name, Json::Object(d));
        }
        format!("{{{{- if .Values.{key}.enabled }}}}\n")
    }

    /// Set the `httpRoute` and `ingress` values of the routes lifted.
    pub fn set_values(&self, v: &mut values::Values) {
        for (key, routes) in [("httpRoute", &self.http), ("ingress", &self.ingress)] {
            if routes.is_empty() {
                continue;
            }
            let mut per_route = Map::new();
            for (name, d) in routes {
                let mut s = Map::new();
                for k in d.as_object().into_iter().flat_map(Map::keys) {
                    let schema = if k == "hostnames" {
                        json!({"type": "array", "items": {"type": "string", "minLength": 1}})
                    } else {
                        json!({"type": "string", "minLength": 1})
                    };
                    s.insert(k.clone(), schema);
                }
                per_route.insert(name.clone(), values::closed(s));
            }
            let mut props = Map::new();
            props.insert("enabled".into(), json!({"type": "boolean"}));
            props.insert("routes".into(), values::closed(per_route));
            v.set(
                key,
                json!({"enabled": true, "routes": routes}),
                values::closed(props),
            );
        }
    }
}

/// The text that closes a route's template.
pub const END: &str = "{{- end }}\n";

fn http_route(obj: &mut Json, at: &str, d: &mut Map<String, Json>, slots: &mut Slots) {
    if let Some(h) = obj.pointer_mut("/spec/hostnames") {
        d.insert("hostnames".into(), h.clone());
        *h = slots.value(Slot::Block(format!("{at}.hostnames")));
    }
    if let Some(p) =
        single(obj, "/spec/rules", "/matches").and_then(|m| m.pointer_mut("/path/value"))
    {
        d.insert("path".into(), p.clone());
        *p = slots.value(Slot::Scalar(format!("{at}.path | toJson")));
    }
}

fn ingress(obj: &mut Json, at: &str, d: &mut Map<String, Json>, slots: &mut Slots) {
    let Some(rule) = obj.pointer_mut("/spec/rules").and_then(one) else {
        return;
    };
    if let Some(h) = rule.get_mut("host") {
        d.insert("host".into(), h.clone());
        *h = slots.value(Slot::Scalar(format!("{at}.host | toJson")));
    }
    let path = rule
        .pointer_mut("/http/paths")
        .and_then(one)
        .and_then(|p| p.get_mut("path"));
    if let Some(p) = path {
        d.insert("path".into(), p.clone());
        *p = slots.value(Slot::Scalar(format!("{at}.path | toJson")));
    }
}

/// The one element of the list at `inner` of the one element of the list at `outer`.
fn single<'a>(obj: &'a mut Json, outer: &str, inner: &str) -> Option<&'a mut Json> {
    let rule = one(obj.pointer_mut(outer)?)?;
    one(rule.pointer_mut(inner)?)
}

/// The element of a list of one.
fn one(v: &mut Json) -> Option<&mut Json> {
    v.as_array_mut().filter(|a| a.len() == 1)?.first_mut()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_paths_become_values_and_the_route_a_switch() {
        let mut obj = json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
            "metadata": {"name": "route-web"},
            "spec": {"hostnames": ["a.example"], "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}]}]}});
        assert_eq!(key_of(&obj), Some("httpRoute"));
        let mut slots = Slots::default();
        let mut r = Routes::default();
        let open = r.lift("httpRoute", &mut obj, &mut slots);
        assert_eq!(open, "{{- if .Values.httpRoute.enabled }}\n");
        let out = slots.render(&score_x_core::yaml::to_yaml(&obj));
        assert!(
            out.contains(r#"hostnames:{{- toYaml (index .Values.httpRoute.routes "route-web").hostnames | nindent 4 }}"#),
            "{out}"
        );
        assert!(
            out.contains(
                r#"value: {{ (index .Values.httpRoute.routes "route-web").path | toJson }}"#
            ),
            "{out}"
        );
        let mut v = values::Values::default();
        r.set_values(&mut v);
        assert_eq!(
            v.defaults["httpRoute"],
            json!({"enabled": true, "routes": {"route-web": {"hostnames": ["a.example"], "path": "/"}}})
        );
        assert!(v.properties.get("ingress").is_none());
    }
}
