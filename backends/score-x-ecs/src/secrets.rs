//! Secret references → ECS `valueFrom`, and the registry of every secret the estate needs
//! (for `secrets-to-create.json` and the execution roles' policies). Names only, never values.

use std::collections::{BTreeMap, BTreeSet};

use score_x_core::resolved::{Output, Resolved, SecretRef, SecretStore, Segment, Value};
use score_x_core::{ResourceUid, Span};
use serde::Serialize;

use crate::artifacts::ParameterKind;
use crate::error::Error;

/// Where a secret lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Store {
    Ssm,
    SecretsManager,
}

/// The store a secret reference points into, as its provisioner declared it
/// ([`SecretRef::store`]): Secrets Manager, else an SSM parameter (the store the estate bridges
/// other runtimes' secrets through).
pub fn store_of_ref(s: &SecretRef) -> Store {
    match s.store {
        SecretStore::SecretsManager => Store::SecretsManager,
        _ => Store::Ssm,
    }
}

/// Classify a `valueFrom` string a provisioner wrote itself (no [`SecretRef`] to ask).
pub fn store_of(name: &str) -> Store {
    if name.starts_with("arn:") && name.split(':').nth(2) == Some("secretsmanager") {
        Store::SecretsManager
    } else {
        Store::Ssm
    }
}

/// The `valueFrom` of a secret reference: the SSM parameter name/ARN, or the Secrets Manager
/// ARN with `:json-key::` when a key is selected.
pub fn value_from(s: &SecretRef, span: Option<&Span>) -> Result<String, Error> {
    match &s.key {
        None => Ok(s.name.clone()),
        Some(k) if store_of_ref(s) == Store::SecretsManager => {
            // A full secret ARN has 7 `:`-separated fields; anything after is already a selector.
            if !s.name.starts_with("arn:") || s.name.split(':').count() > 7 {
                return Err(Error::SecretKeyNeedsArn {
                    name: s.name.clone(),
                    key: k.clone(),
                    span: span.cloned().map(Box::new),
                });
            }
            Ok(format!("{}:{k}::", s.name))
        }
        Some(k) => Err(Error::SecretKeyNeedsArn {
            name: s.name.clone(),
            key: k.clone(),
            span: span.cloned().map(Box::new),
        }),
    }
}

/// One entry of `secrets-to-create.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretEntry {
    pub name: String,
    pub store: Option<Store>,
    /// SSM parameter type (`SecureString`, `String`) or `SecretsManager`.
    #[serde(rename = "type")]
    pub kind: Option<ParameterKind>,
    /// JSON keys the secret must hold (Secrets Manager).
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub keys: BTreeSet<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Resources whose outputs point at it.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub resources: BTreeSet<String>,
    /// Workloads whose tasks read it.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub used_by: BTreeSet<String>,
    /// For promoted variables: how to compose the value, with CloudFormation-style dynamic
    /// references (`{{resolve:ssm-secure:NAME}}`) where other secrets go.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipe: Option<String>,
}

/// Every secret the estate needs, by name (ARN without a key selector).
#[derive(Debug, Clone, Default)]
pub struct Registry {
    pub entries: BTreeMap<String, SecretEntry>,
    /// Workload → names it reads through `secrets` (for the execution role policy).
    pub by_workload: BTreeMap<String, BTreeSet<String>>,
}

impl Registry {
    /// Seed with the secret outputs of every resource.
    pub fn new(app: &Resolved) -> Self {
        let mut r = Registry::default();
        for (uid, res) in app.resources() {
            for out in res.outputs.values() {
                if let Output::Secret(s) = out {
                    let e = r.entry(&s.name, store_of_ref(s));
                    e.resources.insert(uid.to_string());
                    if let Some(k) = &s.key {
                        e.keys.insert(k.clone());
                    }
                }
            }
        }
        r
    }

    fn entry(&mut self, name: &str, store: Store) -> &mut SecretEntry {
        self.entries
            .entry(name.to_string())
            .or_insert_with(|| SecretEntry {
                name: name.to_string(),
                store: Some(store),
                kind: Some(match store {
                    Store::Ssm => ParameterKind::SecureString,
                    Store::SecretsManager => ParameterKind::SecretsManager,
                }),
                ..SecretEntry::default()
            })
    }

    /// Merge a registry that recorded the uses of later workloads, starting empty: the result
    /// is this registry with those uses recorded after its own. An entry already here keeps its
    /// store and type unless the other promoted it (only `promote` sets a recipe, and it sets
    /// the type and description with it); sets are joined.
    pub fn absorb(&mut self, other: Registry) {
        for (name, e) in other.entries {
            let Some(mine) = self.entries.get_mut(&name) else {
                self.entries.insert(name, e);
                continue;
            };
            if e.recipe.is_some() {
                mine.kind = e.kind;
                mine.recipe = e.recipe;
                mine.description = e.description;
            }
            mine.keys.extend(e.keys);
            mine.resources.extend(e.resources);
            mine.used_by.extend(e.used_by);
        }
        for (w, names) in other.by_workload {
            self.by_workload.entry(w).or_default().extend(names);
        }
    }

    /// The store of a secret `name` the estate reads (as recorded), else by its shape.
    pub fn store(&self, name: &str) -> Store {
        self.entries
            .get(name)
            .and_then(|e| e.store)
            .unwrap_or_else(|| store_of(name))
    }

    /// Record that `workload` reads `s`.
    pub fn use_secret(&mut self, workload: &str, s: &SecretRef) {
        let e = self.entry(&s.name, store_of_ref(s));
        e.used_by.insert(workload.to_string());
        if let Some(k) = &s.key {
            e.keys.insert(k.clone());
        }
        self.by_workload
            .entry(workload.to_string())
            .or_default()
            .insert(s.name.clone());
    }

    /// Record a `valueFrom` read by a workload (provisioner sidecars).
    pub fn use_value_from(&mut self, workload: &str, value_from: &str) {
        let name = base_name(value_from);
        self.entry(&name, store_of(value_from))
            .used_by
            .insert(workload.to_string());
        self.by_workload
            .entry(workload.to_string())
            .or_default()
            .insert(name);
    }

    /// A parameter a provisioner asks the platform to create.
    pub fn declare(
        &mut self,
        uid: &ResourceUid,
        name: &str,
        kind: ParameterKind,
        description: Option<&str>,
    ) {
        let store = match kind {
            ParameterKind::SecretsManager => Store::SecretsManager,
            _ => Store::Ssm,
        };
        let e = self.entry(name, store);
        e.kind = Some(kind);
        e.resources.insert(uid.to_string());
        if e.description.is_none() {
            e.description = description.map(str::to_string);
        }
    }

    /// A promoted variable: a new SecureString composed from `value`.
    pub fn promote(&mut self, workload: &str, name: &str, value: &Value, description: String) {
        let recipe = recipe(value);
        let e = self.entry(name, Store::Ssm);
        e.kind = Some(ParameterKind::SecureString);
        e.recipe = Some(recipe);
        e.description = Some(description);
        e.used_by.insert(workload.to_string());
        self.by_workload
            .entry(workload.to_string())
            .or_default()
            .insert(name.to_string());
    }
}

/// Strip a Secrets Manager `:json-key:stage:version` selector from a `valueFrom`.
pub fn base_name(value_from: &str) -> String {
    if store_of(value_from) == Store::SecretsManager {
        value_from.split(':').take(7).collect::<Vec<_>>().join(":")
    } else {
        value_from.to_string()
    }
}

/// The composition recipe of a mixed value: text as is, secrets as dynamic references.
fn recipe(value: &Value) -> String {
    let mut s = String::new();
    for seg in &value.segments {
        match seg {
            Segment::Text(t) => s.push_str(t),
            Segment::Secret(r) => match (store_of_ref(r), &r.key) {
                (Store::SecretsManager, Some(k)) => s.push_str(&format!(
                    "{{{{resolve:secretsmanager:{}:SecretString:{k}}}}}",
                    r.name
                )),
                (Store::SecretsManager, None) => {
                    s.push_str(&format!("{{{{resolve:secretsmanager:{}}}}}", r.name))
                }
                (Store::Ssm, _) => s.push_str(&format!("{{{{resolve:ssm-secure:{}}}}}", r.name)),
            },
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sref(name: &str, key: Option<&str>) -> SecretRef {
        let store = if name.starts_with("arn:aws:secretsmanager:") {
            SecretStore::SecretsManager
        } else {
            SecretStore::SsmParameter
        };
        SecretRef {
            name: name.into(),
            key: key.map(Into::into),
            value: None,
            store,
        }
    }

    /// One recorded use: (workload, what).
    enum Use {
        Secret(SecretRef),
        ValueFrom(&'static str),
        Promote(&'static str, &'static str),
    }

    fn record(r: &mut Registry, w: &str, u: &Use) {
        match u {
            Use::Secret(s) => r.use_secret(w, s),
            Use::ValueFrom(v) => r.use_value_from(w, v),
            Use::Promote(name, text) => {
                r.promote(w, name, &Value::text(*text), format!("{w} {name}"))
            }
        }
    }

    #[test]
    fn registries_of_workloads_absorbed_in_order_equal_one_recorded_in_order() {
        let sm = "arn:aws:secretsmanager:eu-west-1:1:secret:db";
        let uses: Vec<(&str, Use)> = vec![
            ("a", Use::Secret(sref("/p/one", None))),
            ("a", Use::Secret(sref(sm, Some("user")))),
            ("b", Use::Promote("/p/one", "x")),
            ("b", Use::Secret(sref(sm, Some("password")))),
            ("c", Use::ValueFrom("/p/one")),
            (
                "c",
                Use::ValueFrom("arn:aws:secretsmanager:eu-west-1:1:secret:db:k::"),
            ),
            ("c", Use::Promote("/p/new", "y")),
            ("d", Use::Secret(sref("/p/new", None))),
            ("d", Use::Promote("/p/new", "z")),
            ("e", Use::Secret(sref("/p/seeded", Some("k")))),
        ];
        let seeded = || {
            let mut r = Registry::default();
            r.declare(
                &"postgres.default#a.db".parse().unwrap(),
                "/p/seeded",
                ParameterKind::String,
                Some("declared"),
            );
            r
        };
        let mut sequential = seeded();
        for (w, u) in &uses {
            record(&mut sequential, w, u);
        }
        let mut merged = seeded();
        for w in ["a", "b", "c", "d", "e"] {
            let mut part = Registry::default();
            for (_, u) in uses.iter().filter(|(x, _)| *x == w) {
                record(&mut part, w, u);
            }
            merged.absorb(part);
        }
        assert_eq!(merged.entries, sequential.entries);
        assert_eq!(merged.by_workload, sequential.by_workload);
        assert_eq!(
            merged.entries["/p/seeded"].kind,
            Some(ParameterKind::String)
        );
        assert_eq!(merged.entries["/p/new"].recipe.as_deref(), Some("z"));
    }

    #[test]
    fn the_store_comes_from_the_reference_not_the_name() {
        // An SSM parameter whose name happens to look like an ARN stays an SSM parameter.
        let odd = SecretRef {
            store: SecretStore::SsmParameter,
            ..sref("arn:aws:secretsmanager:eu-west-1:1:secret:x", None)
        };
        assert_eq!(store_of_ref(&odd), Store::Ssm);
        let mut v = Value::text("");
        v.push(Segment::Secret(odd));
        assert!(
            recipe(&v).starts_with("{{resolve:ssm-secure:"),
            "{}",
            recipe(&v)
        );
        let sm = SecretRef {
            store: SecretStore::SecretsManager,
            ..sref("db", Some("password"))
        };
        assert_eq!(store_of_ref(&sm), Store::SecretsManager);
        // A JSON key needs the full ARN, whatever the store.
        assert!(value_from(&sm, None).is_err());
    }

    #[test]
    fn value_from_forms() {
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf";
        assert_eq!(value_from(&sref("/a/b", None), None).unwrap(), "/a/b");
        assert_eq!(
            value_from(&sref(arn, Some("password")), None).unwrap(),
            format!("{arn}:password::")
        );
        assert!(value_from(&sref("/a/b", Some("password")), None).is_err());
        assert_eq!(base_name(&format!("{arn}:password::")), arn);
        assert_eq!(base_name("/a/b"), "/a/b");
    }

    #[test]
    fn recipe_has_references_not_values() {
        let mut v = Value::text("postgres://u:");
        v.push(Segment::Secret(sref("/p/pw", None)));
        v.push(Segment::Text("@h/db".into()));
        assert_eq!(recipe(&v), "postgres://u:{{resolve:ssm-secure:/p/pw}}@h/db");
    }
}
