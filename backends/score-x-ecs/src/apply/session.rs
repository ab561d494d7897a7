//! Plan, then act: [`Session::open`] checks every precondition with reads only and computes
//! what changes; [`Session::execute`] writes exactly that.

use std::collections::{BTreeMap, BTreeSet};

use score_x_core::Resolved;
use score_x_core::plan::Plan;

use super::plan::{ApplyPlan, Unit};
use super::report::{
    AppliedService, ApplyReport, ClusterAction, MissingSecret, RegisteredTaskDefinition,
    ServiceAction, TaskDefinitionAction,
};
use super::{ApplyOptions, Clients, clients, compose, ecs};
use crate::error::Error;
use crate::options::Options;

/// A planned apply: everything read and checked, nothing written yet.
pub struct Session {
    rt: tokio::runtime::Runtime,
    clients: Clients,
    plan: ApplyPlan,
    staged: compose::Staged,
    report: ApplyReport,
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime(e.to_string()))
}

fn precondition(problem: String, fix: impl Into<String>) -> Error {
    Error::Precondition {
        problem,
        fix: fix.into(),
    }
}

/// Plan and execute in one go (no plan shown).
pub fn apply(
    app: &Resolved,
    plan: &Plan,
    options: &Options,
    opts: &ApplyOptions,
) -> Result<ApplyReport, Error> {
    Session::open(app, plan, options, opts)?.execute()
}

impl Session {
    /// Resolve credentials and region, build the typed plan with [`crate::plan_apply`] (the
    /// region filled in when the options have none), then read and check everything.
    pub fn open(
        app: &Resolved,
        plan: &Plan,
        options: &Options,
        opts: &ApplyOptions,
    ) -> Result<Session, Error> {
        let mut options = options.clone();
        options.cluster = opts.cluster.clone().or(options.cluster);
        if options.cluster.is_none() {
            return Err(Error::MissingCluster);
        }
        let mut opts = opts.clone();
        opts.region = opts.region.or_else(|| options.region.clone());
        let rt = runtime()?;
        let (clients, region) = rt.block_on(clients(&opts))?;
        options.region.get_or_insert(region);
        let typed = crate::plan_apply(app, plan, &options)?;
        Self::prepare(rt, clients, typed, &opts)
    }

    /// Read and check everything for an already built typed plan.
    pub fn open_plan(plan: ApplyPlan, opts: &ApplyOptions) -> Result<Session, Error> {
        let rt = runtime()?;
        let (clients, _) = rt.block_on(clients(opts))?;
        Self::prepare(rt, clients, plan, opts)
    }

    fn prepare(
        rt: tokio::runtime::Runtime,
        clients: Clients,
        plan: ApplyPlan,
        opts: &ApplyOptions,
    ) -> Result<Session, Error> {
        check_settings(&plan)?;
        let recipes = compose::plan(&plan.secrets)?;
        let region = clients
            .ecs
            .config()
            .region()
            .map(|r| r.to_string())
            .unwrap_or_default();
        let (staged, report) = rt.block_on(read(&clients, &plan, &recipes, opts, region))?;
        Ok(Session {
            rt,
            clients,
            plan,
            staged,
            report,
        })
    }

    /// What [`Session::execute`] will do.
    pub fn plan(&self) -> &ApplyReport {
        &self.report
    }

    /// Write what the plan says; returns the result.
    pub fn execute(self) -> Result<ApplyReport, Error> {
        let Session {
            rt,
            clients,
            plan,
            staged,
            mut report,
        } = self;
        rt.block_on(write(&clients, &plan, staged, &mut report))?;
        report.executed = true;
        Ok(report)
    }
}

fn is_role_arn(s: &str) -> bool {
    let f: Vec<&str> = s.splitn(6, ':').collect();
    f.len() == 6
        && f[0] == "arn"
        && f[1].starts_with("aws")
        && f[2] == "iam"
        && f[4].len() == 12
        && f[4].bytes().all(|b| b.is_ascii_digit())
        && f[5].starts_with("role/")
}

/// The typed settings, checked before any call: role ARNs and subnet ids well-formed.
fn check_settings(plan: &ApplyPlan) -> Result<(), Error> {
    for u in &plan.units {
        let roles = [
            ("executionRoleArn", &u.task.execution_role_arn),
            ("taskRoleArn", &u.task.task_role_arn),
        ];
        for (option, role) in roles {
            if let Some(r) = role.as_deref().filter(|r| !is_role_arn(r)) {
                return Err(precondition(
                    format!(
                        "`{option}` `{r}` (workload `{}`) is not an IAM role ARN",
                        u.name
                    ),
                    format!(
                        "set `{option}` to `arn:aws:iam::ACCOUNT:role/NAME` in the target options"
                    ),
                ));
            }
        }
        let subnets = &u.service.network_configuration.awsvpc_configuration.subnets;
        if subnets.is_empty() {
            return Err(precondition(
                format!("service `{}` has no subnets", u.name),
                "set `subnets` in the target options",
            ));
        }
        if let Some(s) = subnets.iter().find(|s| !s.starts_with("subnet-")) {
            return Err(precondition(
                format!("`{s}` (service `{}`) is not a subnet id", u.name),
                "set `subnets` to ids like `subnet-0123456789abcdef0` in the target options",
            ));
        }
    }
    Ok(())
}

fn cluster_of(u: &Unit) -> Result<String, Error> {
    u.service.cluster.clone().ok_or(Error::MissingCluster)
}

/// Every read, every precondition; the plan.
async fn read(
    c: &Clients,
    plan: &ApplyPlan,
    recipes: &compose::Plan,
    opts: &ApplyOptions,
    region: String,
) -> Result<(compose::Staged, ApplyReport), Error> {
    let mut report = ApplyReport {
        region: region.clone(),
        ..ApplyReport::default()
    };
    for u in &plan.units {
        let cluster = cluster_of(u)?;
        if report.clusters.contains_key(&cluster) {
            continue;
        }
        let action = if ecs::cluster_active(&c.ecs, &cluster).await? {
            ClusterAction::Exists
        } else if opts.create_cluster {
            ClusterAction::Create
        } else {
            return Err(precondition(
                format!("ECS cluster `{cluster}` does not exist in {region}"),
                format!(
                    "create it (`aws ecs create-cluster --cluster-name {cluster}`), pass --create-cluster, or set `cluster` in the target options to an existing one"
                ),
            ));
        };
        report.clusters.insert(cluster, action);
    }

    let sc = compose::Clients {
        ssm: &c.ssm,
        sm: &c.sm,
    };
    let staged = compose::stage(&sc, recipes).await?;
    report.secrets = staged.done.clone();
    report.warnings = check_secrets(&sc, plan, &staged, opts, &mut report.missing_secrets).await?;

    for u in &plan.units {
        let unchanged = ecs::unchanged_revision(&c.ecs, &u.task).await?;
        let cluster = cluster_of(u)?;
        let service = match report.clusters.get(&cluster) {
            Some(ClusterAction::Create) => None,
            _ => ecs::service(&c.ecs, &cluster, &u.service.service_name).await?,
        };
        let action = match (&service, &unchanged) {
            (None, _) => ServiceAction::Create,
            (Some(cur), Some((_, arn))) if ecs::service_unchanged(cur, &u.service, arn) => {
                ServiceAction::Unchanged
            }
            (Some(_), _) => ServiceAction::Update,
        };
        report.services.push(AppliedService {
            name: u.service.service_name.clone(),
            cluster,
            action,
            arn: service.and_then(|s| s.service_arn),
            task_definition: unchanged.as_ref().map(|(_, a)| a.clone()),
        });
        report.task_definitions.push(RegisteredTaskDefinition {
            family: u.task.family.clone(),
            action: if unchanged.is_some() {
                TaskDefinitionAction::Unchanged
            } else {
                TaskDefinitionAction::Register
            },
            revision: unchanged.as_ref().map(|(r, _)| *r),
            arn: unchanged.map(|(_, a)| a),
        });
    }
    Ok((staged, report))
}

/// The secrets the task definitions read must exist (or be composed by this apply), unless
/// `allow_missing_secrets`; the platform's other secrets that do not exist are warnings.
async fn check_secrets(
    c: &compose::Clients<'_>,
    plan: &ApplyPlan,
    staged: &compose::Staged,
    opts: &ApplyOptions,
    missing: &mut Vec<MissingSecret>,
) -> Result<Vec<String>, Error> {
    let composed: BTreeSet<&str> = staged.done.iter().map(|s| s.name.as_str()).collect();
    let mut readers: BTreeMap<(String, crate::secrets::Store), Vec<String>> = BTreeMap::new();
    for u in &plan.units {
        for r in u.referenced_secrets() {
            readers.entry(r).or_default().push(u.name.clone());
        }
    }
    for ((name, store), used_by) in &readers {
        if !composed.contains(name.as_str()) && !compose::exists(c, name, *store).await? {
            missing.push(MissingSecret {
                name: name.clone(),
                used_by: used_by.clone(),
            });
        }
    }
    if !missing.is_empty() && !opts.allow_missing_secrets {
        let list: Vec<String> = missing
            .iter()
            .map(|m| format!("`{}` (read by {})", m.name, m.used_by.join(", ")))
            .collect();
        return Err(precondition(
            format!(
                "secrets the task definitions read do not exist: {}",
                list.join(", ")
            ),
            format!(
                "create them ({} lists each with its store and type), or pass --allow-missing-secrets to deploy anyway (the tasks cannot start until they exist)",
                crate::SECRETS_FILE
            ),
        ));
    }
    let mut warnings = Vec::new();
    for s in plan.secrets.iter().filter(|s| s.recipe.is_none()) {
        if readers.contains_key(&(s.name.clone(), s.store)) || composed.contains(s.name.as_str()) {
            continue;
        }
        if !compose::exists(c, &s.name, s.store).await? {
            warnings.push(format!(
                "secret `{}` does not exist yet: the platform must create it (see {})",
                s.name,
                crate::SECRETS_FILE
            ));
        }
    }
    Ok(warnings)
}

/// The writes of the plan, in dependency order: clusters, secrets, task definitions, services.
async fn write(
    c: &Clients,
    plan: &ApplyPlan,
    staged: compose::Staged,
    report: &mut ApplyReport,
) -> Result<(), Error> {
    for (cluster, action) in &report.clusters {
        if *action == ClusterAction::Create {
            ecs::create_cluster(&c.ecs, cluster).await?;
        }
    }
    let sc = compose::Clients {
        ssm: &c.ssm,
        sm: &c.sm,
    };
    report.secrets = compose::write(&sc, staged).await?;
    let steps = plan
        .units
        .iter()
        .zip(report.task_definitions.iter_mut())
        .zip(report.services.iter_mut());
    for ((u, td), svc) in steps {
        if td.action == TaskDefinitionAction::Register {
            let (revision, arn) = ecs::register(&c.ecs, u).await?;
            td.revision = Some(revision);
            td.arn = Some(arn);
        }
        let arn = td.arn.clone().unwrap_or_default();
        if svc.action != ServiceAction::Unchanged {
            let update = svc.action == ServiceAction::Update;
            svc.arn = Some(ecs::put_service(&c.ecs, u, &svc.cluster, &arn, update).await?);
        }
        svc.task_definition = Some(arn);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_are_recognised() {
        assert!(is_role_arn("arn:aws:iam::123456789012:role/score-x-exec"));
        assert!(is_role_arn("arn:aws-us-gov:iam::123456789012:role/a/b"));
        for bad in [
            "score-x-exec",
            "arn:aws:iam::1234:role/x",
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:sts::123456789012:role/x",
        ] {
            assert!(!is_role_arn(bad), "{bad}");
        }
    }
}
