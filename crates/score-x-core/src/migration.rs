//! What changes for workloads moving from one runtime to another (`score-x check --target T
//! --from T2`): the addresses their callers and callees see (each service port's cross-runtime
//! address, from [`crate::addresses`], and every `service-port` resource's outputs), and the
//! resources provisioned differently (provisioner, outputs that appear, vanish or change kind,
//! plain values, the secret store and name a secret output points into). Names only: a secret's
//! value never appears.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::addresses::{self, SERVICE_PORT};
use crate::backend::Target;
use crate::ir::App;
use crate::resolved::{Output, ProvisionedResource, Resolved, SecretStore};

/// One side of a migration: a target, its options (as JSON) and the estate resolved on it.
pub struct Side<'a> {
    pub target: Target,
    pub options: Option<&'a serde_json::Value>,
    pub resolved: &'a Resolved,
}

/// An address that differs between the two targets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddressChange {
    /// The workload the address belongs to (the callee) or that uses it (a `service-port`).
    pub workload: String,
    /// `cross-runtime` (what callers on other runtimes dial) or `service-port`.
    pub kind: &'static str,
    /// The service port's name, or the `service-port` resource's uid.
    pub what: String,
    pub from: Address,
    pub to: Address,
}

/// An address, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Address {
    Reachable(String),
    Unreachable(String),
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Address::Reachable(a) => f.write_str(a),
            Address::Unreachable(why) => write!(f, "unreachable ({why})"),
        }
    }
}

/// A resource provisioned differently on the new target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceChange {
    pub uid: String,
    /// The provisioners on the old and the new target.
    pub from: String,
    pub to: String,
    /// What differs beyond the provisioner, one sentence each, sorted by output.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
}

/// Every address of `app` that differs between `from` and `to`, sorted by workload.
pub fn address_changes(app: &App, from: &Side<'_>, to: &Side<'_>) -> Vec<AddressChange> {
    let mut out = Vec::new();
    for w in app.workloads().values() {
        for name in w.service_ports.keys() {
            let at = |s: &Side<'_>| match addresses::exposed(w, name, s.target, s.options, None) {
                Ok(a) => Address::Reachable(a),
                Err(u) => Address::Unreachable(format!("{}: {}", u.why, u.setting)),
            };
            let (a, b) = (at(from), at(to));
            if a != b {
                out.push(AddressChange {
                    workload: w.name.clone(),
                    kind: "cross-runtime",
                    what: name.clone(),
                    from: a,
                    to: b,
                });
            }
        }
    }
    for r in to.resolved.resources().values() {
        let Some(old) = from.resolved.resources().get(&r.uid) else {
            continue;
        };
        let (a, b) = (dialled(old), dialled(r));
        if r.type_ == SERVICE_PORT && a != b {
            out.push(AddressChange {
                workload: r.source_workload.clone(),
                kind: "service-port",
                what: r.uid.to_string(),
                from: Address::Reachable(a),
                to: Address::Reachable(b),
            });
        }
    }
    out.sort_by(|x, y| (&x.workload, x.kind, &x.what).cmp(&(&y.workload, y.kind, &y.what)));
    out
}

/// `hostname:port` of a `service-port` resource.
fn dialled(r: &ProvisionedResource) -> String {
    let get = |k: &str| r.outputs.get(k).map(describe_plain).unwrap_or_default();
    format!("{}:{}", get("hostname"), get("port"))
}

fn describe_plain(o: &Output) -> String {
    match o {
        Output::Plain(serde_json::Value::String(s)) => s.clone(),
        Output::Plain(v) => v.to_string(),
        Output::Secret(s) if s.store == SecretStore::NomadService => format!(
            "<{} of {}, looked up at run time>",
            s.key.as_deref().unwrap_or("address"),
            s.name
        ),
        Output::Secret(s) => format!("<secret {}>", s.name),
    }
}

/// Every resource provisioned differently on `to` than on `from`, by uid. Plain output values
/// equal to `unknown` (a dry run's stand-in for what a command would print) are not compared.
pub fn resource_changes(from: &Resolved, to: &Resolved, unknown: &str) -> Vec<ResourceChange> {
    to.resources()
        .values()
        .filter_map(|r| {
            let old = from.resources().get(&r.uid)?;
            let changes = output_changes(old, r, unknown);
            (old.provisioner != r.provisioner || !changes.is_empty()).then(|| ResourceChange {
                uid: r.uid.to_string(),
                from: old.provisioner.clone(),
                to: r.provisioner.clone(),
                changes,
            })
        })
        .collect()
}

fn output_changes(
    old: &ProvisionedResource,
    new: &ProvisionedResource,
    unknown: &str,
) -> Vec<String> {
    let keys: BTreeSet<&String> = old.outputs.keys().chain(new.outputs.keys()).collect();
    let mut out = Vec::new();
    for k in keys {
        match (old.outputs.get(k), new.outputs.get(k)) {
            (Some(_), None) => out.push(format!("output `{k}` is no longer provided")),
            (None, Some(_)) => out.push(format!("output `{k}` is new")),
            (Some(Output::Plain(_)), Some(Output::Secret(s)))
                if s.store == SecretStore::NomadService =>
            {
                out.push(format!(
                    "output `{k}` becomes a run-time lookup in {} (`{}`)",
                    s.store.describe(),
                    s.name
                ));
            }
            (Some(Output::Plain(_)), Some(Output::Secret(s))) => out.push(format!(
                "output `{k}` becomes a secret (in {} `{}`)",
                s.store.describe(),
                s.name
            )),
            (Some(Output::Secret(_)), Some(Output::Plain(_))) => {
                out.push(format!("output `{k}` is no longer a secret"));
            }
            (Some(Output::Secret(a)), Some(Output::Secret(b)))
                if a.store != b.store || a.name != b.name || a.key != b.key =>
            {
                out.push(format!(
                    "secret output `{k}`: {} `{}` becomes {} `{}`",
                    a.store.describe(),
                    locator(&a.name, a.key.as_deref()),
                    b.store.describe(),
                    locator(&b.name, b.key.as_deref())
                ));
            }
            (Some(a @ Output::Plain(va)), Some(b @ Output::Plain(vb)))
                if va != vb && !is_unknown(va, unknown) && !is_unknown(vb, unknown) =>
            {
                out.push(format!(
                    "output `{k}`: `{}` becomes `{}`",
                    describe_plain(a),
                    describe_plain(b)
                ));
            }
            _ => {}
        }
    }
    out
}

fn is_unknown(v: &serde_json::Value, unknown: &str) -> bool {
    v.as_str().is_some_and(|s| s.contains(unknown))
}

fn locator(name: &str, key: Option<&str>) -> String {
    match key {
        Some(k) => format!("{name}` key `{k}"),
        None => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolved::SecretRef;

    fn resource(provisioner: &str, outputs: Vec<(&str, Output)>) -> ProvisionedResource {
        ProvisionedResource {
            uid: "postgres.default#db".parse().unwrap(),
            type_: "postgres".into(),
            class: "default".into(),
            id: Some("db".into()),
            source_workload: "api".into(),
            consumers: BTreeSet::new(),
            provisioner: provisioner.into(),
            params: serde_json::json!({}),
            outputs: outputs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            artifacts: crate::artifacts::Artifacts::NONE,
            span: crate::Span::file_only("api.yaml".to_string()),
        }
    }

    fn secret(name: &str, store: SecretStore) -> Output {
        Output::Secret(SecretRef {
            name: name.into(),
            key: Some("password".into()),
            store,
            value: None,
        })
    }

    fn resolved(r: ProvisionedResource) -> Resolved {
        crate::testing::app(Vec::new(), vec![r])
    }

    #[test]
    fn outputs_that_change_kind_store_or_value_are_listed_unknown_values_are_not() {
        let old = resource(
            "template://k",
            vec![
                ("host", Output::Plain("db".into())),
                ("port", Output::Plain(5432.into())),
                ("password", secret("db", SecretStore::KubernetesSecret)),
                ("gone", Output::Plain("x".into())),
                ("cmd", Output::Plain("UNKNOWN".into())),
            ],
        );
        let new = resource(
            "template://e",
            vec![
                ("host", Output::Plain("db.shop.local".into())),
                ("port", Output::Plain(5432.into())),
                ("password", secret("/db/pw", SecretStore::SsmParameter)),
                ("cmd", Output::Plain("real".into())),
            ],
        );
        let c = resource_changes(&resolved(old.clone()), &resolved(new), "UNKNOWN");
        assert_eq!(c.len(), 1);
        assert_eq!(
            (c[0].from.as_str(), c[0].to.as_str()),
            ("template://k", "template://e")
        );
        assert_eq!(
            c[0].changes,
            vec![
                "output `gone` is no longer provided".to_string(),
                "output `host`: `db` becomes `db.shop.local`".to_string(),
                "secret output `password`: a Kubernetes Secret `db` key `password` becomes an SSM parameter `/db/pw` key `password`".to_string(),
            ]
        );
        // The same resource on the same provisioner: nothing.
        assert!(resource_changes(&resolved(old.clone()), &resolved(old), "UNKNOWN").is_empty());
    }
}
