//! Where each workload runs and where each resource is provisioned: the hybrid-estate `Placement`.
//! A single-target translate is the placement "everything on T".

use std::collections::{BTreeMap, BTreeSet};

use crate::backend::Target;
use crate::diag::{Code, Diagnostic, Diagnostics, Span, did_you_mean};
use crate::ir::{App, Resource};
use crate::uid::ResourceUid;
use crate::yaml_tree::path::child;

/// The host target of every workload and resource of an estate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Placement {
    /// Where workloads not named in `workloads` run.
    pub default: Option<Target>,
    pub workloads: BTreeMap<String, Target>,
    /// Where a (shared) resource is provisioned; default: its first consumer's target.
    pub resources: BTreeMap<ResourceUid, Target>,
    /// How workloads of a target read secrets kept in a store of another runtime.
    pub secret_bridges: BTreeMap<Target, SecretBridge>,
    /// The address pattern other runtimes reach a target's workloads by (`{workload}`,
    /// `{service}`, `{namespace}`), instead of the target's default.
    pub service_addresses: BTreeMap<Target, String>,
    /// The position of each entry of the placement file, by YAML path (`/workloads/payments`).
    pub spans: BTreeMap<String, Span>,
}

/// How a target's workloads read a secret another runtime keeps (`crossRuntimeSecrets`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SecretBridge {
    /// An SSM SecureString parameter per secret value, `/score-x/<secret>/<key>`, listed (name
    /// only) among the secrets the target's bundle needs; the operator copies the value in.
    Ssm,
}

impl SecretBridge {
    pub const NAMES: [&'static str; 1] = ["ssm"];
}

impl std::str::FromStr for SecretBridge {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "ssm" => Ok(SecretBridge::Ssm),
            _ => Err(()),
        }
    }
}

/// The annotation that places a workload (the placement file wins over it).
pub const TARGET_ANNOTATION: &str = "score-x.dev/target";

impl Placement {
    /// Everything on `target`.
    pub fn everything_on(target: Target) -> Self {
        Placement {
            default: Some(target),
            ..Placement::default()
        }
    }

    /// The target workload `name` runs on.
    pub fn workload(&self, name: &str) -> Option<Target> {
        self.workloads.get(name).copied().or(self.default)
    }

    /// The target that provisions `r`: the one the placement names, else the target of its first
    /// consumer in sorted order.
    pub fn resource_host(&self, r: &Resource) -> Option<Target> {
        self.resources
            .get(&r.uid)
            .copied()
            .or_else(|| r.consumers.iter().find_map(|w| self.workload(w)))
    }

    /// Every target some workload of `app` runs on or some resource is provisioned by.
    pub fn targets(&self, app: &App) -> BTreeSet<Target> {
        let mut out: BTreeSet<Target> = app
            .workloads()
            .keys()
            .filter_map(|w| self.workload(w))
            .collect();
        out.extend(
            app.resources()
                .values()
                .filter_map(|r| self.resource_host(r)),
        );
        out
    }

    /// The host target of every resource of `app`.
    pub fn hosts(&self, app: &App) -> BTreeMap<ResourceUid, Target> {
        app.resources()
            .values()
            .filter_map(|r| Some((r.uid.clone(), self.resource_host(r)?)))
            .collect()
    }

    /// Place the workloads the file does not name by their `score-x.dev/target` annotation
    /// (the file wins); an unknown target there is an error at the annotation.
    pub fn add_annotations(&mut self, app: &App, known: &[Target]) -> Diagnostics {
        let mut out = Diagnostics::new();
        for (name, w) in app.workloads() {
            let Some(value) = w.annotations.get(TARGET_ANNOTATION) else {
                continue;
            };
            if self.workloads.contains_key(name) {
                continue;
            }
            let wanted = if value == "k8s" { "kubernetes" } else { value };
            match known.iter().find(|t| t.as_str() == wanted) {
                Some(t) => {
                    self.workloads.insert(name.clone(), *t);
                }
                None => {
                    let names: Vec<&str> = known.iter().map(|t| t.as_str()).collect();
                    let path = child("/metadata/annotations", TARGET_ANNOTATION);
                    let d = Diagnostic::error(
                        Code::InvalidValue,
                        format!(
                            "workload `{name}` asks for the unknown target `{value}` in its `{TARGET_ANNOTATION}` annotation"
                        ),
                    )
                    .at(w.span.with_path(path));
                    out.push(match did_you_mean(value, names.iter().copied()) {
                        Some(s) => d.hint(format!("did you mean `{s}`?")),
                        None => d.hint(format!("this build translates to: {}", names.join(", "))),
                    });
                }
            }
        }
        out
    }

    /// The span of the entry at `path`, else `file` with that path.
    fn span_of(&self, file: &Span, path: String) -> Span {
        self.spans
            .get(&path)
            .cloned()
            .unwrap_or_else(|| file.with_path(path))
    }

    /// Unknown workload or resource names, and workloads with no target, as errors at `span`
    /// (the placement file) with a "did you mean".
    pub fn check(&self, app: &App, span: &Span) -> Diagnostics {
        let mut out = Diagnostics::new();
        let names: Vec<&str> = app.workloads().keys().map(String::as_str).collect();
        for w in self
            .workloads
            .keys()
            .filter(|w| !app.workloads().contains_key(*w))
        {
            out.push(unknown(
                "workload",
                w,
                &names,
                self.span_of(span, child("/workloads", w)),
            ));
        }
        let uids: Vec<String> = app.resources().keys().map(ToString::to_string).collect();
        for r in self
            .resources
            .keys()
            .filter(|r| !app.resources().contains_key(*r))
        {
            let path = child("/resources", r.as_str());
            out.push(unknown(
                "resource",
                r.as_str(),
                &uids.iter().map(String::as_str).collect::<Vec<_>>(),
                self.span_of(span, path),
            ));
        }
        for w in app
            .workloads()
            .keys()
            .filter(|w| self.workload(w).is_none())
        {
            out.push(
                Diagnostic::error(Code::RequiredField, format!("workload `{w}` has no target"))
                    .at(span.with_path("/workloads"))
                    .hint(format!(
                        "add `{w}: <target>` under `workloads`, or set `default`"
                    )),
            );
        }
        out
    }
}

fn unknown(what: &str, name: &str, known: &[&str], span: Span) -> Diagnostic {
    let d = Diagnostic::error(
        if what == "workload" {
            Code::UnknownField
        } else {
            Code::UnknownResource
        },
        format!("the placement names the unknown {what} `{name}`"),
    )
    .at(span);
    match did_you_mean(name, known.iter().copied()) {
        Some(s) => d.hint(format!("did you mean `{s}`?")),
        None => d.hint(format!("the estate's {what}s are: {}", known.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::uid::ResourceUid;

    fn resource(uid: &str, consumers: &[&str]) -> Resource {
        Resource {
            uid: uid.parse::<ResourceUid>().unwrap(),
            type_: "postgres".into(),
            class: "default".into(),
            id: Some("db".into()),
            params: None,
            param_spans: Default::default(),
            metadata: serde_json::Value::Null,
            source_workload: consumers[0].into(),
            source_name: "db".into(),
            consumers: consumers
                .iter()
                .map(|c| c.to_string())
                .collect::<BTreeSet<_>>(),
            span: Span::file_only("x"),
        }
    }

    #[test]
    fn hosts_follow_the_placement_then_the_first_consumer() {
        let mut p = Placement::everything_on(Target::KUBERNETES);
        p.workloads.insert("payments".into(), Target::ECS);
        let shared = resource("postgres.default#db", &["orders", "payments"]);
        assert_eq!(p.resource_host(&shared), Some(Target::KUBERNETES));
        let only_payments = resource("postgres.default#db", &["payments"]);
        assert_eq!(p.resource_host(&only_payments), Some(Target::ECS));
        p.resources.insert(shared.uid.clone(), Target::ECS);
        assert_eq!(p.resource_host(&shared), Some(Target::ECS));
        assert_eq!(p.workload("orders"), Some(Target::KUBERNETES));
    }
}
