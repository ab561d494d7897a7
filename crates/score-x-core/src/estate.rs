//! A hybrid estate split into one part per target: the workloads placed on the target, the
//! resources they consume (provisioned once, by their host) and those the target hosts. Secrets
//! a part's workloads read from a store of another runtime cross by reference through the
//! placement's `crossRuntimeSecrets` bridge, or are an error naming that setting: never a copy.

use std::collections::{BTreeMap, BTreeSet};

use crate::backend::Target;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::flat_map::FlatMap;
use crate::placement::{Placement, SecretBridge};
use crate::resolved::{
    Output, ProvisionedResource, Resolved, ResolvedContent, ResolvedParts, ResolvedWorkload,
    SecretRef, SecretStore, Segment, Value,
};
use crate::uid::ResourceUid;

/// The part of `resolved` that `target` emits. `hosts` is the host target of every resource.
/// A resource hosted elsewhere keeps its outputs but none of its artifacts (its host creates it),
/// and only the consumers placed on `target`.
pub fn part(
    resolved: &Resolved,
    placement: &Placement,
    hosts: &BTreeMap<ResourceUid, Target>,
    target: Target,
) -> Result<Resolved, Diagnostics> {
    let workloads: BTreeMap<String, ResolvedWorkload> = resolved
        .workloads()
        .iter()
        .filter(|(name, _)| placement.workload(name) == Some(target))
        .map(|(n, w)| (n.clone(), w.clone()))
        .collect();
    let mut resources = BTreeMap::new();
    for (uid, r) in resolved.resources() {
        let hosted = hosts.get(uid) == Some(&target);
        let consumers: BTreeSet<String> = r
            .consumers
            .iter()
            .filter(|c| workloads.contains_key(*c))
            .cloned()
            .collect();
        if !hosted && consumers.is_empty() {
            continue;
        }
        let mut r = r.clone();
        r.consumers = consumers;
        if !hosted {
            r.artifacts = crate::artifacts::Artifacts::NONE;
            r.outputs = foreign_outputs(&r.outputs, placement, target);
        }
        resources.insert(uid.clone(), r);
    }
    let order = resolved
        .order()
        .iter()
        .filter(|u| resources.contains_key(*u))
        .cloned()
        .collect();
    let mut errors = Diagnostics::new();
    let bridge = Bridge {
        target,
        with: placement.secret_bridges.get(&target).copied(),
        hosts,
        resources: resolved.resources(),
    };
    let workloads = workloads
        .into_iter()
        .map(|(n, w)| (n, bridge.workload(w, &mut errors)))
        .collect();
    if errors.has_errors() {
        errors.sort();
        return Err(errors);
    }
    let parts = ResolvedParts {
        workloads,
        resources,
        order,
        // Keyed by workload: a backend reads only its own workloads' bindings.
        bindings: resolved.bindings().clone(),
    };
    Resolved::new(parts).map_err(|e| Diagnostics(vec![e.into()]))
}

/// The outputs of a resource hosted elsewhere as `target` sees them: plain ones as they are,
/// secret ones through the bridge (dropped without one: no workload of `target` can read them,
/// and one that tries is an error in [`part`]).
fn foreign_outputs(
    outputs: &FlatMap<String, Output>,
    placement: &Placement,
    target: Target,
) -> FlatMap<String, Output> {
    let with = placement.secret_bridges.get(&target).copied();
    outputs
        .iter()
        .filter_map(|(k, o)| match o {
            Output::Plain(_) => Some((k.clone(), o.clone())),
            Output::Secret(s) if s.store.readable_by(target.provisioner_section()) => {
                Some((k.clone(), o.clone()))
            }
            Output::Secret(s) if s.store == SecretStore::NomadService => {
                consul_address(s).map(|a| (k.clone(), Output::Plain(a.into())))
            }
            Output::Secret(s) => bridged(s, with, target).map(|b| (k.clone(), Output::Secret(b))),
        })
        .collect()
}

/// `s` as a workload on `target` reads it through `with`, when that bridge reaches it.
fn bridged(s: &SecretRef, with: Option<SecretBridge>, target: Target) -> Option<SecretRef> {
    match (with?, target.provisioner_section()) {
        (SecretBridge::Ssm, "ecs") => Some(SecretRef {
            name: ssm_name(s),
            key: None,
            value: None,
            store: SecretStore::SsmParameter,
        }),
        _ => None,
    }
}

/// The Consul DNS name of a Nomad service reference's `address` (`<service>.service.consul`);
/// none for its `port`, which Nomad allocates at run time.
fn consul_address(s: &SecretRef) -> Option<String> {
    let service = s.name.strip_prefix(crate::resolved::NOMAD_SERVICE_PREFIX)?;
    (s.key.as_deref() == Some("address")).then(|| format!("{service}.service.consul"))
}

/// The SSM parameter a bridged secret is read from: `/score-x/<name>/<key>`.
pub fn ssm_name(s: &SecretRef) -> String {
    let clean = |t: &str| -> String {
        t.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "_.-".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    match &s.key {
        Some(k) => format!("/score-x/{}/{}", clean(&s.name), clean(k)),
        None => format!("/score-x/{}", clean(&s.name)),
    }
}

struct Bridge<'a> {
    target: Target,
    with: Option<SecretBridge>,
    hosts: &'a BTreeMap<ResourceUid, Target>,
    resources: &'a BTreeMap<ResourceUid, ProvisionedResource>,
}

impl Bridge<'_> {
    fn workload(&self, mut w: ResolvedWorkload, errors: &mut Diagnostics) -> ResolvedWorkload {
        let name = w.name.clone();
        for c in w.containers.values_mut() {
            for v in c.variables.values_mut() {
                self.value(&name, &mut v.value, &v.span, errors);
            }
            for f in c.files.values_mut() {
                if let ResolvedContent::Text(t) = &mut f.content {
                    self.value(&name, t, &f.span, errors);
                }
            }
        }
        w
    }

    fn value(
        &self,
        workload: &str,
        v: &mut Value,
        span: &crate::diag::Span,
        errors: &mut Diagnostics,
    ) {
        let section = self.target.provisioner_section();
        let mut out = Value::default();
        for seg in std::mem::take(&mut v.segments) {
            let s = match seg {
                Segment::Secret(s) if !s.store.readable_by(section) => s,
                other => {
                    out.push(other);
                    continue;
                }
            };
            if s.store == SecretStore::NomadService {
                match consul_address(&s) {
                    Some(a) => out.push(Segment::Text(a)),
                    None => errors.push(self.dynamic_port(workload, &s, span)),
                }
                continue;
            }
            match bridged(&s, self.with, self.target) {
                Some(b) => out.push(Segment::Secret(b)),
                None => {
                    errors.push(self.unreachable(workload, &s, span));
                    out.push(Segment::Secret(s));
                }
            }
        }
        *v = out;
    }

    fn dynamic_port(&self, workload: &str, s: &SecretRef, span: &crate::diag::Span) -> Diagnostic {
        let (uid, _) = self.owner(s);
        let t = self.target;
        Diagnostic::error(
            Code::Unsupported,
            format!(
                "workload `{workload}` on {t} reads the port of `{uid}`, a Nomad service whose port Nomad allocates at run time; {t} cannot look it up"
            ),
        )
        .at(span.clone())
        .hint(format!(
            "provision the resource on {t} (`resources: {{{uid}: {t}}}` in the placement file), or give it a fixed port with your own nomad provisioner (docs/hybrid.md)"
        ))
    }

    /// The uid of the resource whose output `s` is, and its host.
    fn owner(&self, s: &SecretRef) -> (String, String) {
        let owner = self.resources.values().find(|r| {
            r.outputs
                .values()
                .any(|o| matches!(o, Output::Secret(x) if x == s))
        });
        match owner {
            Some(r) => (
                r.uid.to_string(),
                self.hosts
                    .get(&r.uid)
                    .map_or("another target".to_string(), |t| t.to_string()),
            ),
            None => ("a resource".to_string(), "another target".to_string()),
        }
    }

    fn unreachable(&self, workload: &str, s: &SecretRef, span: &crate::diag::Span) -> Diagnostic {
        let (uid, host) = self.owner(s);
        let t = self.target;
        let fix = if t.provisioner_section() == "ecs" {
            format!(
                "set `crossRuntimeSecrets: {{{t}: ssm}}` in the placement file (the ECS tasks then read the SSM parameter `{}`, listed in secrets-to-create.json for you to fill), or provision the resource on {t}: `resources: {{{uid}: {t}}}`",
                ssm_name(s)
            )
        } else {
            format!(
                "provision the resource on {t} (`resources: {{{uid}: {t}}}` in the placement file), or place `{workload}` on {host}; {t} has no cross-runtime secret bridge yet (docs/hybrid.md)"
            )
        };
        Diagnostic::error(
            Code::Unsupported,
            format!(
                "workload `{workload}` on {t} reads a secret of `{uid}`, which {host} keeps in {}; {t} cannot read it",
                s.store.describe()
            ),
        )
        .at(span.clone())
        .hint(fix)
    }
}
