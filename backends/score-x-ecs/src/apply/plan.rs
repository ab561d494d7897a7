//! The typed input of apply, built by [`crate::plan_apply`] from the same builders as `emit`:
//! each workload's task definition and service as model values, the secrets its task
//! definition reads, and the secrets of the estate (with the recipes of promoted variables).
//! Pure.

use std::collections::BTreeSet;

use crate::model::{Service, TaskDefinition};
use crate::secrets::{Registry, Store, store_of};

/// What apply deploys.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyPlan {
    /// One per workload, by name.
    pub units: Vec<Unit>,
    /// Every secret of `secrets-to-create.json`, by name.
    pub secrets: Vec<SecretSpec>,
}

/// One workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub name: String,
    pub task: TaskDefinition,
    pub service: Service,
}

/// A secret the estate needs: the platform creates it, or apply composes it from its recipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretSpec {
    pub name: String,
    pub store: Store,
    pub description: Option<String>,
    /// CloudFormation-style dynamic references (`{{resolve:ssm-secure:NAME}}`) in text.
    pub recipe: Option<String>,
}

impl ApplyPlan {
    pub(crate) fn new(
        units: impl IntoIterator<Item = (String, TaskDefinition, Service)>,
        registry: &Registry,
    ) -> Self {
        ApplyPlan {
            units: units
                .into_iter()
                .map(|(name, task, service)| Unit {
                    name,
                    task,
                    service,
                })
                .collect(),
            secrets: registry
                .entries
                .values()
                .map(|e| SecretSpec {
                    name: e.name.clone(),
                    store: e.store.unwrap_or_else(|| store_of(&e.name)),
                    description: e.description.clone(),
                    recipe: e.recipe.clone(),
                })
                .collect(),
        }
    }
}

impl Unit {
    /// The SSM parameters / Secrets Manager secrets its task definition reads (`valueFrom`
    /// without a JSON-key selector), with their store.
    pub fn referenced_secrets(&self) -> BTreeSet<(String, Store)> {
        self.task
            .container_definitions
            .iter()
            .flat_map(|c| &c.secrets)
            .map(|s| {
                let name = base_name(&s.value_from);
                let store = store_of(&name);
                (name, store)
            })
            .collect()
    }
}

/// A `valueFrom` without its Secrets Manager selector (`ARN:json-key:stage:version`): a full
/// secret ARN has 7 `:`-separated fields.
pub fn base_name(value_from: &str) -> String {
    if store_of(value_from) == Store::SecretsManager {
        value_from.split(':').take(7).collect::<Vec<_>>().join(":")
    } else {
        value_from.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_are_dropped_from_secrets_manager_arns_only() {
        let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf";
        assert_eq!(base_name(&format!("{arn}:password::")), arn);
        assert_eq!(base_name(arn), arn);
        assert_eq!(base_name("/score-x/a/b"), "/score-x/a/b");
    }
}
