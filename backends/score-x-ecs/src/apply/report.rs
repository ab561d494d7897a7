//! What apply will do (the plan, printed first) and what it did (the result): one type, in
//! text and JSON. Names only, never secret values.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// The plan before execution, the result after.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyReport {
    /// `false` for the plan, `true` once executed.
    pub executed: bool,
    pub region: String,
    /// Cluster → what apply does with it.
    pub clusters: BTreeMap<String, ClusterAction>,
    /// Promoted secrets composed into SSM.
    pub secrets: Vec<ComposedSecret>,
    pub task_definitions: Vec<RegisteredTaskDefinition>,
    pub services: Vec<AppliedService>,
    /// Secrets the task definitions read that do not exist (allowed by
    /// `--allow-missing-secrets`, else a precondition failure).
    pub missing_secrets: Vec<MissingSecret>,
    /// Non-fatal findings, names only.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClusterAction {
    Create,
    Exists,
}

/// What apply does with a promoted secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SecretAction {
    /// The parameter did not exist.
    Created,
    /// The stored value (or type) differed and was overwritten.
    Updated,
    /// The stored SecureString already held the composed value: not written.
    Unchanged,
}

/// A promoted secret composed by apply. Names only: the value is never kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComposedSecret {
    pub name: String,
    pub action: SecretAction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskDefinitionAction {
    /// A new revision (none of the family, or the latest ACTIVE one differs).
    Register,
    /// The latest ACTIVE revision is identical: nothing registered.
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredTaskDefinition {
    pub family: String,
    pub action: TaskDefinitionAction,
    /// Known before execution when unchanged.
    pub revision: Option<i32>,
    pub arn: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceAction {
    Create,
    Update,
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppliedService {
    pub name: String,
    pub cluster: String,
    pub action: ServiceAction,
    pub arn: Option<String>,
    /// The revision the service runs (after execution, or when unchanged).
    pub task_definition: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MissingSecret {
    pub name: String,
    pub used_by: Vec<String>,
}

impl ApplyReport {
    /// Whether executing would write anything.
    pub fn has_changes(&self) -> bool {
        self.clusters.values().any(|c| *c == ClusterAction::Create)
            || self
                .secrets
                .iter()
                .any(|s| s.action != SecretAction::Unchanged)
            || self
                .task_definitions
                .iter()
                .any(|t| t.action == TaskDefinitionAction::Register)
            || self
                .services
                .iter()
                .any(|s| s.action != ServiceAction::Unchanged)
    }
}

fn verb<'a>(executed: bool, will: &'a str, did: &'a str) -> &'a str {
    if executed { did } else { will }
}

impl fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.executed;
        if !x {
            writeln!(f, "plan ({}):", self.region)?;
        }
        for (c, a) in &self.clusters {
            match a {
                ClusterAction::Create => {
                    writeln!(f, "{} cluster {c}", verb(x, "create", "created"))?
                }
                ClusterAction::Exists => writeln!(f, "cluster {c} exists")?,
            }
        }
        for s in &self.secrets {
            match s.action {
                SecretAction::Created => {
                    writeln!(f, "{} {}", verb(x, "compose (new)", "composed"), s.name)?
                }
                SecretAction::Updated => {
                    writeln!(f, "{} {}", verb(x, "compose (changed)", "composed"), s.name)?
                }
                SecretAction::Unchanged => writeln!(f, "secret {} already up to date", s.name)?,
            }
        }
        for t in &self.task_definitions {
            let rev = t.revision.map(|r| format!(":{r}")).unwrap_or_default();
            match t.action {
                TaskDefinitionAction::Register => writeln!(
                    f,
                    "{} task definition {}{rev}",
                    verb(x, "register", "registered"),
                    t.family
                )?,
                TaskDefinitionAction::Unchanged => {
                    writeln!(f, "task definition {}{rev} unchanged", t.family)?
                }
            }
        }
        for s in &self.services {
            let to = s
                .task_definition
                .as_deref()
                .map(|t| format!(" → {t}"))
                .unwrap_or_default();
            let v = match s.action {
                ServiceAction::Create => verb(x, "create", "created"),
                ServiceAction::Update => verb(x, "update", "updated"),
                ServiceAction::Unchanged => "unchanged",
            };
            if s.action == ServiceAction::Unchanged {
                writeln!(f, "service {} in cluster {} unchanged", s.name, s.cluster)?;
            } else {
                writeln!(f, "{v} service {} in cluster {}{to}", s.name, s.cluster)?;
            }
        }
        for m in &self.missing_secrets {
            writeln!(
                f,
                "warning: secret `{}` (read by {}) does not exist",
                m.name,
                m.used_by.join(", ")
            )?;
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        if !x && !self.has_changes() {
            writeln!(f, "nothing to change")?;
        }
        Ok(())
    }
}
