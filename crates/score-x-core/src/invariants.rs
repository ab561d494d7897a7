//! The invariants an [`App`](crate::App) and a [`Resolved`](crate::Resolved) hold, checked by
//! their only constructors, so every later stage may rely on them without re-checking.
//!
//! A broken invariant is a bug of score-x (the front end or provisioning built a wrong model),
//! never a problem of the user's files: it becomes an internal-error diagnostic.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::diag::{Code, Diagnostic};
use crate::flat_map::FlatMap;
use crate::uid::ResourceUid;

/// Why a model could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("workload `{name}` is filed under the key `{key}`")]
    WorkloadKey { key: String, name: String },
    #[error("resource `{uid}` is filed under the key `{key}`")]
    ResourceKey { key: ResourceUid, uid: ResourceUid },
    #[error("workload `{workload}` uses resource `{name}` ({uid}), which the model does not hold")]
    Dangling {
        workload: String,
        name: String,
        uid: ResourceUid,
    },
    #[error("resource `{uid}` names consumer `{consumer}`, which does not declare it")]
    Consumer { uid: ResourceUid, consumer: String },
    #[error("the provisioning order {problem} resource `{uid}`")]
    Order {
        problem: &'static str,
        uid: ResourceUid,
    },
}

impl From<ModelError> for Diagnostic {
    fn from(e: ModelError) -> Diagnostic {
        Diagnostic::error(Code::Internal, format!("internal error: {e}"))
            .hint("please report this as a bug of score-x, with the score files")
    }
}

/// A workload of either model: its name and the resources it names.
pub(crate) trait Named {
    fn name(&self) -> &String;
    fn uses(&self) -> &FlatMap<String, ResourceUid>;
}

/// A resource of either model.
pub(crate) trait Identified {
    fn uid(&self) -> &ResourceUid;
}

/// What both models hold: every key is its value's name or uid, and no workload names a
/// resource the model does not hold.
pub(crate) fn keyed_and_closed<W: Named + Sync, R: Identified + Sync>(
    workloads: &BTreeMap<String, W>,
    resources: &BTreeMap<ResourceUid, R>,
) -> Result<(), ModelError> {
    // Each check looks at every entry in parallel; the error is the first in key order.
    if let Some((key, w)) = workloads.par_iter().find_first(|(k, w)| w.name() != *k) {
        return Err(ModelError::WorkloadKey {
            key: key.clone(),
            name: w.name().clone(),
        });
    }
    if let Some((key, r)) = resources.par_iter().find_first(|(k, r)| r.uid() != *k) {
        return Err(ModelError::ResourceKey {
            key: key.clone(),
            uid: r.uid().clone(),
        });
    }
    let dangling = workloads.par_iter().find_map_first(|(_, w)| {
        let (name, uid) = w.uses().iter().find(|(_, u)| !resources.contains_key(*u))?;
        Some(ModelError::Dangling {
            workload: w.name().clone(),
            name: name.clone(),
            uid: uid.clone(),
        })
    });
    dangling.map_or(Ok(()), Err)
}

macro_rules! model_parts {
    ($workload:ty, $resource:ty) => {
        impl Named for $workload {
            fn name(&self) -> &String {
                &self.name
            }
            fn uses(&self) -> &FlatMap<String, ResourceUid> {
                &self.resources
            }
        }
        impl Identified for $resource {
            fn uid(&self) -> &ResourceUid {
                &self.uid
            }
        }
    };
}
model_parts!(crate::ir::Workload, crate::ir::Resource);
model_parts!(
    crate::resolved::ResolvedWorkload,
    crate::resolved::ProvisionedResource
);

/// `order` holds every key of `resources` exactly once.
pub(crate) fn order_is_complete<R>(
    order: &[ResourceUid],
    resources: &BTreeMap<ResourceUid, R>,
) -> Result<(), ModelError> {
    let mut seen = BTreeSet::new();
    for uid in order {
        let problem = if !resources.contains_key(uid) {
            "names an unknown"
        } else if !seen.insert(uid) {
            "repeats"
        } else {
            continue;
        };
        return Err(ModelError::Order {
            problem,
            uid: uid.clone(),
        });
    }
    match resources.keys().find(|u| !seen.contains(u)) {
        Some(uid) => Err(ModelError::Order {
            problem: "leaves out",
            uid: uid.clone(),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::ModelError;
    use crate::testing::{app, container, resource, workload};
    use crate::{Diagnostic, Resolved, ResourceUid};

    fn parts() -> crate::ResolvedParts {
        let mut web = workload("web", vec![container("main")]);
        let uid: ResourceUid = "postgres.default#web.db".parse().unwrap();
        web.resources.insert("db".into(), uid);
        let db = resource("postgres.default#web.db", vec![], serde_json::Value::Null);
        app(vec![web], vec![db]).into_parts()
    }

    #[test]
    fn a_well_formed_model_round_trips_through_its_parts() {
        let p = parts();
        let r = Resolved::new(p.clone()).unwrap();
        assert_eq!(Resolved::new(r.clone().into_parts()).unwrap(), r);
    }

    #[test]
    fn each_broken_invariant_is_named() {
        let mut p = parts();
        let w = p.workloads.remove("web").unwrap();
        p.workloads.insert("api".into(), w);
        assert!(matches!(
            Resolved::new(p),
            Err(ModelError::WorkloadKey { .. })
        ));

        let mut p = parts();
        p.resources.clear();
        p.order.clear();
        assert!(matches!(Resolved::new(p), Err(ModelError::Dangling { .. })));

        let mut p = parts();
        p.order.clear();
        let e = Resolved::new(p).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the provisioning order leaves out resource `postgres.default#web.db`"
        );

        let mut p = parts();
        let again = p.order[0].clone();
        p.order.push(again);
        let e = Resolved::new(p).unwrap_err();
        assert!(e.to_string().contains("repeats"), "{e}");
        let d: Diagnostic = e.into();
        assert_eq!(d.code, crate::Code::Internal);
        assert!(d.hint.unwrap().contains("bug of score-x"));
    }

    #[test]
    fn an_app_checks_its_consumers() {
        use crate::ir::AppParts;
        let mut p = AppParts::default();
        let uid: ResourceUid = "redis.default#web.cache".parse().unwrap();
        p.resources.insert(
            uid.clone(),
            crate::ir::Resource {
                uid: uid.clone(),
                type_: "redis".into(),
                class: "default".into(),
                id: None,
                params: None,
                param_spans: Default::default(),
                metadata: serde_json::json!({}),
                source_workload: "web".into(),
                source_name: "cache".into(),
                consumers: ["web".to_string()].into(),
                span: crate::testing::span("/resources/cache"),
            },
        );
        let e = crate::App::new(p).unwrap_err();
        assert_eq!(
            e,
            ModelError::Consumer {
                uid,
                consumer: "web".into()
            }
        );
    }
}
