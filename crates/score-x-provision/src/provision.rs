//! `provision`: provision every resource in graph order with the first matching provisioner,
//! update the state, and resolve every workload into the typed `Resolved` model.

use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use score_x_core::diag::{did_you_mean, edit_distance};
use score_x_core::graph::ResourceGraph;
use score_x_core::ir::Resource;
use score_x_core::resolved::{Output, ProvisionedResource, Resolved, ResolvedParts};
use score_x_core::{App, Code, Diagnostic, Diagnostics, FlatMap, ResourceUid, Target};
use serde_json::Value as Json;

use crate::cmd::{CmdEnv, CommandRunner};
use crate::format::ProvisionerKind;
use crate::layers::{Attempt, Done, Plan, Provisioned, Step};
use crate::resolve::Env;
use crate::run::{RunInput, fail};
use crate::set::ProvisionerSet;
use crate::state::{ResourceState, State, StoredSecretRef, WorkloadState, deep_merge};

/// How to provision: the target, its options (template data `options`), and how to run commands.
pub struct Context<'a> {
    pub target: Target,
    /// Target options as JSON (e.g. `{"namespace": "prod"}`); templates see them as `options`.
    pub options: serde_json::Value,
    /// Runs `cmd://` provisioners (`cmd://./x` is resolved against the provisioner file's
    /// directory as named in its [`crate::Origin`]).
    pub runner: &'a dyn CommandRunner,
}

/// Generated strings shorter than this are not checked for leaks into plain fields (too likely
/// to match by chance; use them for suffixes, not secrets).
const LEAK_CHECK_MIN_LEN: usize = 8;

/// `{name: {name, metadata, services: {port-name: {…}}, service_name}}`.
pub(crate) fn workloads_data(app: &App) -> Json {
    // Each workload's entry built on its own (in parallel), inserted in name order.
    let all: Vec<(&String, &score_x_core::ir::Workload)> = app.workloads().iter().collect();
    let entries: Vec<(String, Json)> = all
        .par_iter()
        .map(|(name, w)| workload_data(name, w))
        .collect();
    Json::Object(entries.into_iter().collect())
}

/// One workload's entry of [`workloads_data`].
fn workload_data(name: &str, w: &score_x_core::ir::Workload) -> (String, Json) {
    let services: serde_json::Map<String, Json> = w
        .service_ports
        .iter()
        .map(|(pn, p)| {
            (
                pn.clone(),
                serde_json::json!({"name": p.name, "port": p.port, "target_port": p.target_port, "protocol": p.protocol.as_str()}),
            )
        })
        .collect();
    (
        name.to_string(),
        serde_json::json!({"name": name, "metadata": w.metadata, "services": services, "service_name": score_x_core::addresses::kubernetes_service(w)}),
    )
}

/// The targets of a hybrid estate, each with its provisioners and context, and the host target
/// of each resource: a resource is provisioned once, by its host, and every consumer, whatever
/// its runtime, gets the same outputs.
pub struct Hosts<'a, 'b> {
    targets: BTreeMap<Target, (&'a ProvisionerSet, &'a Context<'b>)>,
    resources: BTreeMap<ResourceUid, Target>,
    /// Applied to every provisioned resource before its consumers see its outputs (the
    /// cross-runtime addresses of `service-port`).
    rewrite: Option<&'a Rewrite<'a>>,
}

/// A change to a provisioned resource's outputs, or the error that it cannot be made.
pub type Rewrite<'a> = dyn Fn(&mut ProvisionedResource) -> Result<(), Diagnostic> + 'a;

impl<'a, 'b> Hosts<'a, 'b> {
    /// Every resource on `ctx.target` (a single-target translate).
    pub fn one(set: &'a ProvisionerSet, ctx: &'a Context<'b>) -> Self {
        Hosts {
            targets: BTreeMap::from([(ctx.target, (set, ctx))]),
            resources: BTreeMap::new(),
            rewrite: None,
        }
    }

    /// No target yet: add them with [`Hosts::add`], place resources with [`Hosts::place`].
    pub fn new() -> Self {
        Hosts {
            targets: BTreeMap::new(),
            resources: BTreeMap::new(),
            rewrite: None,
        }
    }

    /// Pass every provisioned resource through `f` before its consumers read it.
    pub fn rewrite_with(&mut self, f: &'a Rewrite<'a>) {
        self.rewrite = Some(f);
    }

    pub fn add(&mut self, set: &'a ProvisionerSet, ctx: &'a Context<'b>) {
        self.targets.insert(ctx.target, (set, ctx));
    }

    /// Provision `uid` on `target` (else on the first target).
    pub fn place(&mut self, uid: ResourceUid, target: Target) {
        self.resources.insert(uid, target);
    }

    fn of(&self, uid: &ResourceUid) -> Option<(&'a ProvisionerSet, &'a Context<'b>)> {
        host_of(&self.targets, &self.resources, uid).map(|(_, h)| *h)
    }
}

/// The target hosting `uid` and its entry in `targets`: its placement, else the first target.
fn host_of<'m, V>(
    targets: &'m BTreeMap<Target, V>,
    placement: &BTreeMap<ResourceUid, Target>,
    uid: &ResourceUid,
) -> Option<(Target, &'m V)> {
    match placement.get(uid) {
        Some(t) => targets.get_key_value(t),
        None => targets.iter().next(),
    }
    .map(|(t, v)| (*t, v))
}

impl Default for Hosts<'_, '_> {
    fn default() -> Self {
        Hosts::new()
    }
}

/// Provision every resource of `app` in `graph.order()` and resolve every workload.
///
/// On success `state` is updated (resource states and outputs, shared state, workloads seen,
/// orphan flags) and the warnings are returned; on error `state` is left untouched and every
/// problem found is returned.
pub fn provision(
    app: &App,
    graph: &ResourceGraph,
    set: &ProvisionerSet,
    state: &mut State,
    ctx: &Context<'_>,
) -> Result<(Resolved, Diagnostics), Diagnostics> {
    provision_app(Cow::Borrowed(app), graph, &Hosts::one(set, ctx), state)
}

/// [`provision`], consuming `app`: each workload is resolved by moving what passes through
/// unchanged and freed as it is done, so the App and the resolved estate are never both whole
/// (the peak of a large estate, docs/performance.md). Same result as [`provision`].
pub fn provision_owned(
    app: App,
    graph: &ResourceGraph,
    set: &ProvisionerSet,
    state: &mut State,
    ctx: &Context<'_>,
) -> Result<(Resolved, Diagnostics), Diagnostics> {
    provision_app(Cow::Owned(app), graph, &Hosts::one(set, ctx), state)
}

/// [`provision`] for an estate spanning targets: each resource by its host's provisioners.
///
/// Resources are computed in parallel, one topological layer at a time, and committed in graph
/// order ([`crate::layers`]): state, warnings and errors are those of a sequential run.
pub fn provision_estate(
    app: &App,
    graph: &ResourceGraph,
    hosts: &Hosts<'_, '_>,
    state: &mut State,
) -> Result<(Resolved, Diagnostics), Diagnostics> {
    provision_app(Cow::Borrowed(app), graph, hosts, state)
}

fn provision_app(
    app: Cow<'_, App>,
    graph: &ResourceGraph,
    hosts: &Hosts<'_, '_>,
    state: &mut State,
) -> Result<(Resolved, Diagnostics), Diagnostics> {
    // Worked on in place: a rerun's state is the size of the estate, and a copy of it beside the
    // provisioned resources was the peak of a rerun (docs/performance.md). What a failed run
    // changed is undone before it returns.
    let mut work = std::mem::replace(state, State::new(String::new()));
    let mut undo = Undo::of(&work);
    let mut warnings = Diagnostics::new();
    let mut errors = Diagnostics::new();
    let plan = Plan::of(graph);
    let (workloads, requested) = rayon::join(
        || workloads_data(&app),
        || crate::requested::requested_outputs(&app),
    );
    let compute = Compute {
        app: &app,
        hosts: hosts
            .targets
            .iter()
            .map(|(t, (set, ctx))| (*t, (*set, &ctx.options, ctx.runner.is_dry())))
            .collect(),
        placement: &hosts.resources,
        workloads: Arc::new(workloads),
        requested,
        order: plan.order,
    };
    // Outputs become final here: the cross-runtime rewrite, then recorded for consumers.
    let finish = |i: usize, a: &mut Attempt, out: &mut Provisioned| {
        let uid = &plan.order[i];
        let resource = match &mut a.outcome {
            Ok(Step::Done(d)) => d.resource.take(),
            _ => None,
        };
        let resource = match (resource, hosts.rewrite) {
            (Some(mut p), Some(f)) => match f(&mut p) {
                Ok(()) => Some(p),
                Err(d) => {
                    a.outcome = Err(Diagnostics(vec![d]));
                    None
                }
            },
            (p, _) => p,
        };
        out.record(uid, resource);
    };
    let mut out = Provisioned::default();
    let mut cache = crate::layers::speculate(
        &plan,
        &mut out,
        |i, out| compute.attempt(i, &work, out, None),
        finish,
    );

    // Commit in graph order; recompute what a commit before it made stale.
    let mut recomputed = vec![false; plan.order.len()];
    let mut shared_changed = false;
    let mut skipped_warned: BTreeSet<String> = BTreeSet::new();
    for (i, uid) in plan.order.iter().enumerate() {
        let fresh = !shared_changed && !plan.deps[i].iter().any(|&d| recomputed[d]);
        let attempt = match cache[i].take() {
            Some(a) if fresh => a,
            _ => {
                recomputed[i] = true;
                let runner = hosts.of(uid).map(|(_, ctx)| ctx.runner);
                let Some(mut a) = compute.attempt(i, &work, &out, runner) else {
                    continue;
                };
                finish(i, &mut a, &mut out);
                a
            }
        };
        for (uri, d) in attempt.skipped {
            if skipped_warned.insert(uri) {
                warnings.push(d);
            }
        }
        warnings.extend(attempt.warnings);
        match attempt.outcome {
            Ok(Step::Done(d)) => {
                if let Some(patch) = &d.shared_patch {
                    shared_changed |= deep_merge(&mut work.shared, patch);
                }
                undo.record(&mut work, uid.as_str(), d.state);
            }
            Ok(Step::Failed | Step::Deferred) => {}
            Err(d) => errors.extend(d),
        }
    }
    // What the computation needed (the templates' `workloads` data, the requested outputs, the
    // speculated results) is freed before the workloads are resolved beside the estate.
    drop((compute, cache));
    let Provisioned {
        resources: provisioned,
        failed,
    } = out;
    // Recorded in graph order, the map's nodes are partly empty; rebuilt from its sorted
    // entries, they are full for the rest of the run.
    let provisioned: BTreeMap<ResourceUid, ProvisionedResource> = provisioned.into_iter().collect();

    // Orphans and the workloads seen are known before the workloads are resolved (which may
    // consume the App); they are recorded only if resolving succeeds.
    let orphans = work.orphans(&app);
    let seen: Vec<(String, WorkloadState)> = app
        .workloads()
        .iter()
        .map(|(name, w)| {
            let seen = WorkloadState {
                file: w.file.clone(),
                orphaned: false,
            };
            (name.clone(), seen)
        })
        .collect();
    let late = hosts.targets.keys().any(|t| t.binds_outputs_late());
    let (resolved, bindings) =
        crate::resolve_all::workloads(app, &provisioned, &failed, late, &mut errors);
    if errors.has_errors() {
        *state = undo.restore(work);
        errors.sort();
        return Err(errors);
    }
    drop(undo);

    warnings.extend(crate::state::Orphan::summary(&orphans));
    for o in orphans {
        match o {
            crate::state::Orphan::Resource { uid, .. } => {
                if let Some(r) = work.resources.get_mut(&uid) {
                    r.orphaned = true;
                }
            }
            crate::state::Orphan::Workload { name, .. } => {
                if let Some(w) = work.workloads.get_mut(&name) {
                    w.orphaned = true;
                }
            }
        }
    }
    work.workloads.extend(seen);
    *state = work;
    Ok((
        Resolved::new(ResolvedParts {
            // Only a target binding outputs late (Helm) reads them: not built for the others.
            bindings,
            workloads: resolved,
            resources: provisioned,
            order: graph.order().to_vec(),
        })
        .map_err(|e| Diagnostics(vec![e.into()]))?,
        warnings,
    ))
}

/// How to give the state back as it was when provisioning fails: its shared state before, and
/// each resource record a commit replaced. A record committed as it already was changes nothing
/// and is not kept (a rerun of an unchanged estate keeps almost nothing here).
struct Undo {
    shared: Json,
    replaced: Vec<(String, Option<ResourceState>)>,
}

impl Undo {
    fn of(state: &State) -> Undo {
        Undo {
            shared: state.shared.clone(),
            replaced: Vec::new(),
        }
    }

    /// Commit `record` as resource `uid`'s in `work`.
    fn record(&mut self, work: &mut State, uid: &str, record: ResourceState) {
        if work.resources.get(uid) == Some(&record) {
            return;
        }
        let before = work.resources.insert(uid.to_string(), record);
        self.replaced.push((uid.to_string(), before));
    }

    /// `work` with every commit undone.
    fn restore(self, mut work: State) -> State {
        for (uid, before) in self.replaced.into_iter().rev() {
            match before {
                Some(r) => work.resources.insert(uid, r),
                None => work.resources.remove(&uid),
            };
        }
        work.shared = self.shared;
        work
    }
}

/// What computing a resource reads, all of it shareable between threads (the command runners
/// are not: a command runs only in the commit phase, on the committing thread).
struct Compute<'a> {
    app: &'a App,
    /// Each target's provisioners, options and whether its runner is a dry one.
    hosts: BTreeMap<Target, (&'a ProvisionerSet, &'a Json, bool)>,
    placement: &'a BTreeMap<ResourceUid, Target>,
    workloads: Arc<Json>,
    requested: crate::requested::Requested,
    order: &'a [ResourceUid],
}

impl Compute<'_> {
    /// Compute resource `i` of the graph order from the state before the run (`work`) and the
    /// outputs of its dependencies; `None` when it has no host target. Without a `runner` a
    /// command provisioner is not run ([`Step::Deferred`]).
    fn attempt(
        &self,
        i: usize,
        work: &State,
        out: &Provisioned,
        runner: Option<&dyn CommandRunner>,
    ) -> Option<Attempt> {
        let uid = self.order.get(i)?;
        let res = self.app.resources().get(uid)?;
        let (target, &(set, options, dry)) = host_of(&self.hosts, self.placement, uid)?;
        let no_request = crate::requested::Keys::default();
        let mut one = One {
            app: self.app,
            set,
            target,
            options,
            dry,
            runner,
            work,
            workloads: &self.workloads,
            requested: self.requested.get(uid).unwrap_or(&no_request),
            provisioned: &out.resources,
            failed: &out.failed,
            warnings: Diagnostics::new(),
            skipped: Vec::new(),
        };
        let outcome = one.run(uid, res);
        Some(Attempt {
            skipped: one.skipped,
            warnings: one.warnings,
            outcome,
        })
    }
}

struct One<'a> {
    app: &'a App,
    set: &'a ProvisionerSet,
    target: Target,
    /// Target options as JSON; templates see them as `options`.
    options: &'a Json,
    /// The target's runner is a dry one (`validate`): commands are not run.
    dry: bool,
    /// Runs `cmd://` provisioners; `None` in the parallel phase (the run is deferred).
    runner: Option<&'a dyn CommandRunner>,
    work: &'a State,
    workloads: &'a Arc<Json>,
    /// The output keys this resource's consumers reference, with where they are first used.
    requested: &'a crate::requested::Keys,
    provisioned: &'a BTreeMap<ResourceUid, ProvisionedResource>,
    failed: &'a BTreeSet<ResourceUid>,
    warnings: Diagnostics,
    /// Provisioners skipped for lack of a section for the target (uri, warning).
    skipped: Vec<(String, Diagnostic)>,
}

impl One<'_> {
    fn run(&mut self, uid: &ResourceUid, res: &Resource) -> Result<Step, Diagnostics> {
        let target = self.target;
        let one = |d: Diagnostic| Diagnostics(vec![d]);
        let Some(src) = self.app.workloads().get(&res.source_workload) else {
            return Err(one(Diagnostic::error(
                Code::UnknownResource,
                format!(
                    "resource `{uid}` names source workload `{}`, which does not exist",
                    res.source_workload
                ),
            )
            .at(res.span.clone())));
        };

        let (found, skipped) = self.set.find(&res.type_, &res.class, uid.id(), target);
        for s in skipped {
            self.skipped.push((
                s.uri.clone(),
                Diagnostic::warning(
                    Code::Provisioner,
                    match s.kind {
                        ProvisionerKind::GoTemplate { .. } => format!("provisioner {} ({}) is a score-k8s template provisioner (Kubernetes manifests and Secret references) and is skipped on {target} (first for `{uid}`)", s.uri, s.origin),
                        _ => format!("provisioner {} ({}) has no `{}` section and is skipped on {target} (first for `{uid}`)", s.uri, s.origin, target.provisioner_section()),
                    },
                )
                .at(s.span.clone()),
            ));
        }
        let Some(p) = found else {
            let types = self.set.supported_types(target);
            let mut related = Vec::new();
            for s in self.set.find(&res.type_, &res.class, uid.id(), target).1 {
                related.push((
                    s.span.clone(),
                    match s.kind {
                        ProvisionerKind::GoTemplate { .. } => format!("matches, but is a score-k8s template provisioner (Kubernetes and Helm only), not usable on {target}"),
                        _ => format!("matches, but has no `{}` section", target.provisioner_section()),
                    },
                ));
            }
            let mut d = Diagnostic::error(
                    Code::NoProvisioner,
                    format!("no provisioner for resource `{uid}` (type `{}`, class `{}`) on target {target}", res.type_, res.class),
                )
                .at(res.span.clone())
                .hint(if types.is_empty() {
                    "no provisioner is loaded at all; add a provisioner file with --provisioners or in .score-x/provisioners/".to_string()
                } else {
                    let near = did_you_mean(&res.type_, types.iter().copied())
                        .map(|t| format!("did you mean `{t}`? "))
                        .unwrap_or_default();
                    format!(
                        "{near}provisioners for {target} support: {}; add your own with --provisioners FILE or in .score-x/provisioners/",
                        types.join(", ")
                    )
                });
            d.related = related;
            return Err(one(d));
        };
        let runner = match (&p.kind, self.runner) {
            (ProvisionerKind::Cmd(_), None) if !self.dry => return Ok(Step::Deferred),
            (_, r) => r,
        };

        // Params: substitute, then check against the declaration.
        let params_path = format!("{}/params", res.span.path);
        let mut diags = Diagnostics::new();
        let env = Env {
            workload: src,
            provisioned: self.provisioned,
            failed: self.failed,
        };
        let secret_params: BTreeSet<String> = p
            .params
            .iter()
            .filter(|(_, spec)| spec.type_ == crate::ParamType::Secret)
            .map(|(k, _)| k.clone())
            .collect();
        let raw = match &res.params {
            None => Json::Object(serde_json::Map::new()),
            Some(t) => match env.params(t, &res.span, &params_path, &mut diags, &secret_params) {
                None => return Ok(Step::Failed),
                Some(Json::Null) if !diags.has_errors() => Json::Object(serde_json::Map::new()),
                Some(v) => v,
            },
        };
        if diags.has_errors() {
            return Err(diags);
        }
        let params = self.check_params(p, res, raw, &params_path)?;

        // Stickiness: a different provisioner starts from an empty state.
        let prev = self.work.resources.get(uid.as_str());
        let prev_state = match prev {
            Some(r) if r.provisioner != p.uri => {
                self.warnings.push(
                    Diagnostic::warning(
                        Code::Provisioner,
                        format!("resource `{uid}` was provisioned by {} and is now provisioned by {}; its previous state is discarded", r.provisioner, p.uri),
                    )
                    .at(res.span.clone())
                    .hint("if this is not intended, check the order of your provisioner files (first match wins)"),
                );
                Json::Object(serde_json::Map::new())
            }
            Some(r) => r.state.clone(),
            None => Json::Object(serde_json::Map::new()),
        };

        let input = RunInput {
            p,
            res,
            uid,
            params: params.clone(),
            prev_state,
            shared: &self.work.shared,
            workloads: self.workloads,
            requested: self
                .requested
                .keys()
                .filter(|k| !p.declares_output(k))
                .cloned()
                .collect(),
        };
        self.warnings.extend(near_misses(&input, self.requested));
        let mut result = match &p.kind {
            ProvisionerKind::Template { .. } => {
                crate::template_run::run(self.set, &input, target, self.options, &self.work.seed)
            }
            ProvisionerKind::GoTemplate { .. } => crate::k8s_dialect::run(
                &input,
                self.options
                    .get("namespace")
                    .and_then(Json::as_str)
                    .unwrap_or_default(),
                &self.work.seed,
            ),
            ProvisionerKind::Cmd(_) => match runner {
                Some(runner) if !self.dry => crate::cmd::run(
                    &input,
                    &CmdEnv {
                        runner,
                        target,
                        options: self.options,
                    },
                ),
                _ => Ok(crate::run::dry(&input, target)),
            },
        }
        .map_err(one)?;
        // Every secret names the store of the target that provisioned it.
        for o in result.outputs.values_mut() {
            if let Output::Secret(s) = o {
                s.store = score_x_core::resolved::SecretStore::for_section(
                    target.provisioner_section(),
                    &s.name,
                );
            }
        }

        // Outputs: exactly the declared ones (and the requested ones of an open declaration),
        // secret where declared secret.
        if p.outputs_declared {
            check_outputs(&input, &result.outputs).map_err(one)?;
        }

        // Generated secrets must not reach plain fields.
        for g in result
            .generated
            .iter()
            .filter(|g| g.len() >= LEAK_CHECK_MIN_LEN)
        {
            let mut places: Vec<String> = Vec::new();
            if result.state.to_string().contains(g.as_str()) {
                places.push("`state`".into());
            }
            if result
                .shared_patch
                .as_ref()
                .is_some_and(|s| s.to_string().contains(g.as_str()))
            {
                places.push("`shared`".into());
            }
            for (name, o) in &result.outputs {
                if let Output::Plain(v) = o
                    && v.to_string().contains(g.as_str())
                {
                    places.push(format!("plain output `{name}`"));
                }
            }
            if !places.is_empty() {
                return Err(one(
                    fail(&input, p.span.clone(), format!("a value generated by `random_string` appears in {}", places.join(", ")))
                        .hint("generated secrets are re-derived from the seed on every run: do not store them in state; expose them only through an output declared `secret: true`"),
                ));
            }
        }

        let mut plain = FlatMap::new();
        let mut secret = FlatMap::new();
        for (k, o) in &result.outputs {
            match o {
                Output::Plain(v) => {
                    plain.insert(k.clone(), v.clone());
                }
                Output::Secret(s) => {
                    secret.insert(
                        k.clone(),
                        StoredSecretRef {
                            name: s.name.clone(),
                            key: s.key.clone(),
                        },
                    );
                }
            }
        }
        let state = ResourceState {
            provisioner: p.uri.clone(),
            type_: res.type_.clone(),
            source_workload: res.source_workload.clone(),
            state: result.state,
            outputs: plain,
            secret_outputs: secret,
            orphaned: false,
        };
        let resource = Some(ProvisionedResource {
            uid: uid.clone(),
            type_: res.type_.clone(),
            class: res.class.clone(),
            id: res.id.clone(),
            source_workload: res.source_workload.clone(),
            consumers: res.consumers.clone(),
            provisioner: p.uri.clone(),
            params,
            outputs: result.outputs.into_iter().collect(),
            artifacts: score_x_core::artifacts::Artifacts::from_value(&result.artifacts),
            span: res.span.clone(),
        });
        Ok(Step::Done(Box::new(Done {
            state,
            shared_patch: result.shared_patch,
            resource,
        })))
    }

    /// A param `key` that provisioner `p` does not declare: a note when it is a portable param of
    /// the type's contract (another target uses it), else a warning with a "did you mean" (an
    /// error when the provisioner sets `strict_params`). Never an error for a contract param:
    /// the same score file translates on every target.
    fn undeclared_param(
        &self,
        p: &crate::Provisioner,
        res: &Resource,
        key: &str,
        path: &str,
    ) -> Diagnostic {
        let target = self.target;
        let at = res.param_span(key, path);
        if crate::contracts::contract(&res.type_).is_some_and(|c| c.params.contains_key(key)) {
            return Diagnostic::warning(
                Code::InvalidParam,
                format!(
                    "resource `{}` has the portable `{}` param `{key}`, which provisioner {} does not use on {target}; it is ignored here",
                    res.uid, res.type_, p.uri
                ),
            )
            .at(at)
            .related(p.span.clone(), "provisioner declared here")
            .hint("other targets use it; nothing to change for a portable file");
        }
        let msg = format!(
            "resource `{}` has param `{key}`, which provisioner {} does not use on {target}",
            res.uid, p.uri
        );
        let d = if p.strict_params {
            Diagnostic::error(Code::InvalidParam, msg)
        } else {
            Diagnostic::warning(Code::InvalidParam, format!("{msg}; it is ignored"))
        };
        let d = d
            .at(at)
            .related(p.span.clone(), "provisioner declared here");
        let declared: Vec<&str> = p.params.keys().map(String::as_str).collect();
        match did_you_mean(key, declared.iter().copied()) {
            Some(s) => d.hint(format!("did you mean `{s}`?")),
            None if declared.is_empty() => d.hint("it uses no params"),
            None => d.hint(format!("it uses: {}", declared.join(", "))),
        }
    }

    fn check_params(
        &mut self,
        p: &crate::Provisioner,
        res: &Resource,
        raw: Json,
        path: &str,
    ) -> Result<Json, Diagnostics> {
        let mut diags = Diagnostics::new();
        let Json::Object(mut given) = raw else {
            return Err(Diagnostics(vec![
                Diagnostic::error(
                    Code::InvalidParam,
                    format!("the params of `{}` must be a map", res.uid),
                )
                .at(res.span.with_path(path.to_string())),
            ]));
        };
        if !p.params_declared {
            return Ok(Json::Object(given));
        }
        for key in given.keys() {
            if !p.params.contains_key(key) {
                let d = self.undeclared_param(p, res, key, path);
                if d.severity == score_x_core::Severity::Error {
                    diags.push(d);
                } else {
                    self.warnings.push(d);
                }
            }
        }
        let is_template = matches!(p.kind, ProvisionerKind::Template { .. });
        for (name, spec) in &p.params {
            match given.get(name) {
                Some(v) if !spec.type_.accepts(v) && (!v.is_null() || spec.required) => diags.push(
                    Diagnostic::error(
                        Code::InvalidParam,
                        format!("param `{name}` of `{}` must be of type {} (provisioner {}), got {}", res.uid, spec.type_.as_str(), p.uri, json_type(v)),
                    )
                    .at(res.param_span(name, path))
                    .related(p.span.clone(), "provisioner declared here"),
                ),
                Some(_) => {}
                None => match &spec.default {
                    Some(d) => {
                        given.insert(name.clone(), d.clone());
                    }
                    None if spec.required => diags.push(
                        Diagnostic::error(Code::InvalidParam, format!("resource `{}` is missing the required param `{name}` (provisioner {})", res.uid, p.uri))
                            .at(res.span.with_path(path.to_string()))
                            .related(p.span.clone(), "provisioner declared here"),
                    ),
                    // Templates see every declared param (null when not given).
                    None if is_template => {
                        given.insert(name.clone(), Json::Null);
                    }
                    None => {}
                },
            }
        }
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(Json::Object(given))
        }
    }
}

/// With an open declaration, a requested key one or two edits away from an explicitly
/// declared output is most likely a typo: warn at its first use ("did you mean").
fn near_misses(input: &RunInput<'_>, spans: &crate::requested::Keys) -> Vec<Diagnostic> {
    let p = input.p;
    let mut out = Vec::new();
    let Some(open) = p.open_outputs() else {
        return out;
    };
    for key in &input.requested {
        let near = p
            .declared_outputs()
            .map(|(d, _)| d.as_str())
            .filter(|d| d.len() >= 4 && edit_distance(key, d) <= 2)
            .min_by_key(|d| (edit_distance(key, d), *d));
        let (Some(near), Some(span)) = (near, spans.get(key)) else {
            continue;
        };
        out.push(
            Diagnostic::warning(
                Code::UnknownOutput,
                format!(
                    "`{key}` is not an output {} declares for `{}`; it is served by its open declaration `*` (as a {} output)",
                    p.uri,
                    input.uid,
                    if open.secret { "secret" } else { "plain" }
                ),
            )
            .at(span.clone())
            .hint(format!("did you mean `{near}`?")),
        );
    }
    out
}

/// The outputs a run produced against the declaration: exactly the explicitly declared ones plus,
/// with an open declaration `"*"`, the requested ones; declared-secret ones as secrets.
fn check_outputs(
    input: &RunInput<'_>,
    produced: &BTreeMap<String, Output>,
) -> Result<(), Diagnostic> {
    let p = input.p;
    let open = p.open_outputs().is_some();
    let missing_declared: Vec<&str> = p
        .declared_outputs()
        .map(|(k, _)| k.as_str())
        .filter(|k| !produced.contains_key(*k))
        .collect();
    let missing_requested: Vec<&str> = if open {
        input
            .requested
            .iter()
            .map(String::as_str)
            .filter(|k| !produced.contains_key(*k))
            .collect()
    } else {
        Vec::new()
    };
    let extra: Vec<&str> = produced
        .keys()
        .map(String::as_str)
        .filter(|k| input.output_spec(k).is_none())
        .collect();
    let mut problems = Vec::new();
    if !missing_declared.is_empty() {
        problems.push(format!(
            "did not produce the declared output(s) {}",
            missing_declared.join(", ")
        ));
    }
    if !missing_requested.is_empty() {
        problems.push(format!(
            "did not produce the requested output(s) {} (referenced by its consumers, served by the open declaration `*`)",
            missing_requested.join(", ")
        ));
    }
    if !extra.is_empty() {
        problems.push(if open {
            format!(
                "produced output(s) {} that are neither declared nor referenced by a consumer",
                extra.join(", ")
            )
        } else {
            format!("produced undeclared output(s) {}", extra.join(", "))
        });
    }
    if !problems.is_empty() {
        let hint = if open {
            "render every declared output, and exactly the keys of `requested_outputs` for the open declaration `*`"
        } else {
            "declare every output under `outputs:` and render exactly those"
        };
        return Err(fail(input, p.span.clone(), problems.join("; ")).hint(hint));
    }
    for (name, out) in produced {
        if matches!(out, Output::Plain(_)) && input.output_spec(name).is_some_and(|s| s.secret) {
            return Err(fail(
                input,
                p.span.clone(),
                format!("output `{name}` is declared secret but was produced as plain text"),
            ));
        }
    }
    Ok(())
}

fn json_type(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(n) if n.is_f64() => "a number",
        Json::Number(_) => "an integer",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}
