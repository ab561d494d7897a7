//! Nomad template text (consul-template, Go `text/template`) with score-x's own delimiters, so
//! user text containing `{{` is never read as a template action.
//!
//! Text is copied verbatim except the left delimiter, which is written as an action printing it.
//! Secret segments read Nomad Variables (`nomadVar`); runtime service addresses (a
//! [`SERVICE_PREFIX`] reference) read the service catalog (`nomadService` / `service`).

use score_x_core::resolved::{SecretRef, Segment, Value};

use crate::options::ServiceProvider;

/// Left delimiter of every template score-x writes.
pub const LEFT: &str = "[[score:";
/// Right delimiter of every template score-x writes.
pub const RIGHT: &str = ":score]]";
/// A secret reference whose name starts with this names a service, not a variable path:
/// `service:<name>` with key `address`, `port`, `hostport` (`address:port`) or `http`
/// (`http://address:port`), resolved at run time from the first instance of the service.
pub const SERVICE_PREFIX: &str = "service:";
/// Item read when a secret reference names no key.
pub const DEFAULT_ITEM: &str = "value";

/// A Go string literal (JSON string syntax is a subset Go reads the same).
fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

fn action(body: &str) -> String {
    format!("{LEFT} {body} {RIGHT}")
}

/// Literal text, with every left delimiter printed by an action.
pub fn text(s: &str) -> String {
    s.split(LEFT)
        .collect::<Vec<_>>()
        .join(&action(&format!("print {}", quote(LEFT))))
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

/// The item of a variable, or the field of a service instance, a reference names.
pub fn item(r: &SecretRef) -> &str {
    r.key.as_deref().unwrap_or(DEFAULT_ITEM)
}

/// The service a reference names, when it is a runtime service reference.
pub fn service_of(r: &SecretRef) -> Option<&str> {
    r.name.strip_prefix(SERVICE_PREFIX)
}

/// How run-time service references are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Discovery {
    pub provider: ServiceProvider,
    /// Host names through Consul DNS (`<service>.service.consul`) instead of the catalog.
    pub consul_dns: bool,
}

fn service(svc: &str, field: &str, d: Discovery) -> String {
    let lookup = |f: &str| {
        [
            action(&format!(
                "range {} {}",
                d.provider.template_function(),
                quote(svc)
            )),
            action(f),
            action("break"),
            action("end"),
        ]
        .concat()
    };
    let addr = if d.consul_dns {
        text(&format!("{svc}.service.consul"))
    } else {
        lookup(".Address")
    };
    match field {
        "port" => lookup(".Port"),
        "hostport" => format!("{addr}:{}", lookup(".Port")),
        "http" => format!("http://{addr}:{}", lookup(".Port")),
        _ => addr,
    }
}

/// The template text reading one reference.
pub fn reference(r: &SecretRef, d: Discovery) -> String {
    if let Some(svc) = service_of(r) {
        return service(svc, item(r), d);
    }
    let key = item(r);
    let get = if is_ident(key) {
        format!(".{key}")
    } else {
        format!("index . {}", quote(key))
    };
    [
        action(&format!("with nomadVar {}", quote(&r.name))),
        action(&get),
        action("end"),
    ]
    .concat()
}

/// A whole value as template text.
pub fn value(v: &Value, d: Discovery) -> String {
    v.segments
        .iter()
        .map(|s| match s {
            Segment::Text(t) => text(t),
            Segment::Secret(r) => reference(r, d),
        })
        .collect()
}

/// True when the value needs a template (it holds a secret or a runtime reference).
pub fn needs_template(v: &Value) -> bool {
    v.is_secret()
}

/// True when every reference of the value is a runtime service reference (nothing secret).
pub fn only_services(v: &Value) -> bool {
    v.secrets().all(|r| service_of(r).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(name: &str, key: Option<&str>) -> Segment {
        Segment::Secret(SecretRef {
            name: name.into(),
            key: key.map(Into::into),
            value: None,
            store: score_x_core::resolved::SecretStore::NomadVariable,
        })
    }

    #[test]
    fn text_keeps_braces_and_escapes_the_delimiter() {
        assert_eq!(text("{{ .x }} ${y}"), "{{ .x }} ${y}");
        assert_eq!(text("a[[score:b"), "a[[score: print \"[[score:\" :score]]b");
    }

    #[test]
    fn references() {
        let v = Value {
            segments: vec![
                Segment::Text("u:".into()),
                secret("score-x/postgres/default/web-pg", Some("password")),
                Segment::Text("@".into()),
                secret("service:api-web", Some("address")),
                secret("x", Some("my-key")),
            ],
        };
        assert_eq!(
            value(
                &v,
                Discovery {
                    provider: ServiceProvider::Nomad,
                    consul_dns: false
                }
            ),
            "u:[[score: with nomadVar \"score-x/postgres/default/web-pg\" :score]][[score: .password :score]][[score: end :score]]@[[score: range nomadService \"api-web\" :score]][[score: .Address :score]][[score: break :score]][[score: end :score]][[score: with nomadVar \"x\" :score]][[score: index . \"my-key\" :score]][[score: end :score]]"
        );
        assert!(!only_services(&v));
    }
}
