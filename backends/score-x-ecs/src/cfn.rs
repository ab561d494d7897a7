//! `cloudformation.yaml`: one stack for the estate (log groups, execution/task roles with
//! exactly the secrets they read, the Service Connect namespace, task definitions, services),
//! with account-specific values as stack Parameters.

use std::collections::{BTreeMap, BTreeSet};

use score_x_core::ResourceUid;
use score_x_core::value::object;
use serde_json::{Map, Value, json};

use crate::ctx::Ctx;
use crate::error::Error;
use crate::json::sort_keys;
use crate::secrets::Store;
use rayon::prelude::*;

/// CloudFormation's limit for an inline template body.
pub const INLINE_TEMPLATE_LIMIT: usize = 51_200;
/// CloudFormation's limit of resources per stack.
const MAX_RESOURCES: usize = 500;

/// `my-api` → `MyApi` (logical ids are alphanumeric).
fn pascal(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut cs = p.chars();
            cs.next()
                .map(|f| f.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// API (camelCase) keys → CloudFormation (PascalCase) keys, with the few irregular names.
fn cfn_key(k: &str) -> String {
    match k {
        "efsVolumeConfiguration" => "EFSVolumeConfiguration".into(),
        "fileSystemId" => "FilesystemId".into(),
        "iam" => "IAM".into(),
        _ => {
            let mut cs = k.chars();
            cs.next()
                .map(|f| f.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        }
    }
}

/// Convert an API-shaped value to CloudFormation property names. Maps of user keys
/// (`logConfiguration.options`) keep their keys.
fn to_cfn(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = if k == "options" { v.clone() } else { to_cfn(v) };
                    (cfn_key(k), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(to_cfn).collect()),
        other => other.clone(),
    }
}

fn sub(s: &str) -> Value {
    json!({ "Fn::Sub": s })
}

/// The IAM resource of a secret name (SSM names become parameter ARNs).
fn secret_resource(name: &str, store: Store) -> Value {
    if name.starts_with("arn:") {
        Value::String(name.to_string())
    } else if store == Store::SecretsManager {
        sub(&format!(
            "arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:{name}-*"
        ))
    } else {
        sub(&format!(
            "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter/{}",
            name.trim_start_matches('/')
        ))
    }
}

fn assume_ecs_tasks() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "ecs-tasks.amazonaws.com" },
            "Action": "sts:AssumeRole"
        }]
    })
}

fn insert(res: &mut Map<String, Value>, id: String, v: Value, what: &str) -> Result<(), Error> {
    if res.contains_key(&id) {
        return Err(duplicate(&id, what));
    }
    res.insert(id, v);
    Ok(())
}

fn duplicate(id: &str, what: &str) -> Error {
    Error::Serialize {
        what: "cloudformation.yaml".into(),
        reason: format!("two resources have the logical id `{id}` ({what})"),
    }
}

/// The YAML lines of the `Resources` entry `k: v`, keys sorted: a resource is rendered where
/// it is built, and its text written out in order.
fn rendered(k: &str, v: &Value) -> String {
    score_x_core::yaml::entry_text_sorted(k, v, 2)
}

/// A JSON file `emit` wrote, read back.
fn parse(what: &str, text: &[u8]) -> Result<Value, Error> {
    serde_json::from_slice(text).map_err(|e| Error::Serialize {
        what: what.into(),
        reason: e.to_string(),
    })
}

/// Rendered CloudFormation resources: (logical id, YAML entry text), in insertion order.
type Entries = Vec<(String, String)>;

/// A workload as `emit` wrote it: its task definition's and Service's JSON files.
pub struct Written {
    pub task: Vec<u8>,
    pub service: Vec<u8>,
    /// EFS file systems used with IAM authorisation.
    pub efs_iam: Vec<String>,
}

const RESOURCES: &str = "Resources:\n";
const EMPTY_RESOURCES: &str = "Resources: {}\n";
/// The size of the pieces the template is handed over in.
pub(crate) const PIECE: usize = 1 << 18;

/// `cloudformation.yaml`, written as it is assembled: everything before `Resources`, the
/// Service Connect namespace and the provisioners' additions (in logical-id order), then each
/// workload's resources in workload order, handed to `out` in pieces of at least [`PIECE`]
/// bytes (the last may be shorter), each ending at a line end. A chunk of workloads is added
/// once its contexts are absorbed ([`Assembly::add`]): a workload's resources read only its own
/// secrets, whose stores are final by then, so nothing of the template is held but the piece
/// being filled.
pub struct Assembly<'o> {
    out: &'o mut dyn FnMut(String),
    /// Everything before `Resources`, until the first entry is written.
    head: Option<String>,
    /// The text not yet handed over.
    piece: String,
    /// Every logical id written.
    written: BTreeSet<String>,
    /// The provisioners' additions: logical id → (their resource, their entry's text).
    additions: BTreeMap<String, (ResourceUid, String)>,
    /// The first error of the additions (among themselves, or a workload's resource of the
    /// same id that differs), reported once every workload is added.
    clash: Option<Error>,
    /// Resources and bytes written.
    count: usize,
    size: usize,
    namespace: Value,
    /// Each workload's logical-id prefix, unique in the estate.
    ids: BTreeMap<String, String>,
}

impl<'o> Assembly<'o> {
    /// The head of the template (parameters, description), the Service Connect namespace and
    /// the provisioners' additions, from the options, the resources' sections and the
    /// workloads' names (in order).
    pub fn new(ctx: &Ctx<'_>, names: &[&String], out: &'o mut dyn FnMut(String)) -> Self {
        let mut params = parameters(ctx.opts);
        let mut leading: BTreeMap<String, String> = BTreeMap::new();
        let namespace = match ctx.opts.service_connect_namespace.as_deref() {
            Some(arn) if arn.starts_with("arn:") => Value::String(arn.to_string()),
            other => {
                params.insert(
                    "ServiceConnectNamespaceName".into(),
                    json!({
                        "Type": "String",
                        "Description": "Name of the Cloud Map HTTP namespace created for Service Connect",
                        "Default": other.unwrap_or("score-x"),
                    }),
                );
                let id = "ServiceConnectNamespace";
                let v = json!({
                    "Type": "AWS::ServiceDiscovery::HttpNamespace",
                    "Properties": { "Name": { "Ref": "ServiceConnectNamespaceName" } }
                });
                leading.insert(id.into(), rendered(id, &v));
                json!({ "Fn::GetAtt": ["ServiceConnectNamespace", "Arn"] })
            }
        };
        let mut additions = BTreeMap::new();
        let clash = added(ctx, &mut leading, &mut additions, &mut params).err();
        let mut doc = Map::new();
        doc.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
        doc.insert("Description".into(), json!(description(names)));
        doc.insert("Parameters".into(), sort_keys(Value::Object(params)));
        let mut assembly = Assembly {
            out,
            // YAML-1.1-safe: CloudFormation's parser would read an unquoted `yes`/`on` as a
            // boolean. `Resources` comes last: its entries follow the rest of the document.
            head: Some(score_x_core::yaml::to_yaml(&Value::Object(doc))),
            piece: String::new(),
            written: BTreeSet::new(),
            additions,
            clash,
            count: 0,
            size: 0,
            namespace,
            ids: logical_ids(names),
        };
        for (k, text) in leading {
            assembly.write(&text);
            assembly.written.insert(k);
        }
        assembly
    }

    /// Append one entry's text (after the head, the first time), handing a full piece over.
    fn write(&mut self, text: &str) {
        if let Some(head) = self.head.take() {
            self.piece.push_str(&head);
            self.piece.push_str(RESOURCES);
        }
        self.piece.push_str(text);
        self.count += 1;
        if self.piece.len() >= PIECE {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let piece = std::mem::take(&mut self.piece);
        self.size += piece.len();
        (self.out)(piece);
    }

    /// Each workload's resources built on its own (in parallel), written in workload order;
    /// its files go to `done` once read (on that thread). The first error in workload order.
    pub fn add(
        &mut self,
        ctx: &Ctx<'_>,
        outs: Vec<(String, Written)>,
        done: &(dyn Fn(&str, Written) + Sync),
    ) -> Result<(), Error> {
        let (ids, namespace) = (&self.ids, &self.namespace);
        let built: Vec<(String, Result<Entries, Error>)> = outs
            .into_par_iter()
            .map(|(name, out)| {
                let id = ids.get(&name).cloned().unwrap_or_else(|| pascal(&name));
                let built = workload_resources(ctx, &name, &out, &id, namespace);
                done(&name, out);
                let built = built.map(|built| {
                    built
                        .into_iter()
                        .map(|(k, v)| {
                            let text = rendered(&k, &v);
                            (k, text)
                        })
                        .collect()
                });
                (name, built)
            })
            .collect();
        for (name, r) in built {
            for (k, text) in r? {
                self.entry(ctx, &name, k, &text)?;
            }
        }
        Ok(())
    }

    /// One resource of workload `name`: written, unless a provisioner added the same entry.
    fn entry(&mut self, ctx: &Ctx<'_>, name: &str, k: String, text: &str) -> Result<(), Error> {
        if let Some((uid, added)) = self.additions.get(&k) {
            if added != text && self.clash.is_none() {
                self.clash = Some(clash(ctx, uid, "resource", &k));
            }
            return Ok(());
        }
        if self.written.contains(&k) {
            return Err(duplicate(&k, name));
        }
        self.write(text);
        self.written.insert(k);
        Ok(())
    }

    /// The rest of the template handed over (with the warnings of its size), or the first
    /// error of the provisioners' additions.
    pub fn finish(mut self, ctx: &mut Ctx<'_>) -> Result<(), Error> {
        if let Some(e) = self.clash.take() {
            return Err(e);
        }
        if let Some(head) = self.head.take() {
            self.piece.push_str(&head);
            self.piece.push_str(EMPTY_RESOURCES);
        }
        if !self.piece.is_empty() {
            self.flush();
        }
        if self.count > MAX_RESOURCES {
            ctx.warn_hint(
                score_x_core::Code::Approximated,
                None,
                format!(
                    "cloudformation.yaml has {} resources; a stack holds at most {MAX_RESOURCES}",
                    self.count
                ),
                "split the estate into several translations (one stack each)",
            );
        }
        if self.size > INLINE_TEMPLATE_LIMIT {
            ctx.warn_hint(
                score_x_core::Code::Approximated,
                None,
                format!(
                    "cloudformation.yaml is {} bytes, more than the {INLINE_TEMPLATE_LIMIT} bytes CloudFormation accepts inline",
                    self.size
                ),
                "upload it to S3 and deploy with --template-url (or `aws cloudformation deploy --s3-bucket …`)",
            );
        }
        Ok(())
    }
}

/// The stack's parameters from the options (the Service Connect namespace's aside).
fn parameters(opts: &crate::options::Options) -> Map<String, Value> {
    let mut params = Map::new();
    let mut p = json!({"Type": "String", "Description": "ECS cluster name or ARN"});
    if let Some(c) = &opts.cluster {
        p["Default"] = json!(c);
    }
    params.insert("ClusterName".into(), p);
    let mut p = json!({"Type": "List<AWS::EC2::Subnet::Id>", "Description": "Subnets of the services (awsvpc)"});
    if let Some(s) = opts.subnets.as_ref().filter(|s| !s.is_empty()) {
        p["Default"] = json!(s.join(","));
    }
    params.insert("Subnets".into(), p);
    let mut p = json!({"Type": "List<AWS::EC2::SecurityGroup::Id>", "Description": "Security groups of the services"});
    if let Some(s) = opts.security_groups.as_ref().filter(|s| !s.is_empty()) {
        p["Default"] = json!(s.join(","));
    }
    params.insert("SecurityGroups".into(), p);
    params.insert(
        "AssignPublicIp".into(),
        json!({
            "Type": "String",
            "AllowedValues": ["ENABLED", "DISABLED"],
            "Default": if opts.assign_public_ip == Some(true) { "ENABLED" } else { "DISABLED" },
        }),
    );
    params
}

/// The stack's description: the workloads' names, or their number when that is too long
/// (CloudFormation descriptions are at most 1024 bytes).
fn description(names: &[&String]) -> String {
    let all = names
        .iter()
        .map(|n| n.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let description = format!("score-x ECS estate: {all}");
    if description.len() > 1024 {
        return format!("score-x ECS estate: {} workloads", names.len());
    }
    description
}

/// Each workload's logical-id prefix (`PascalCase` of its name), made unique in name order.
fn logical_ids(names: &[&String]) -> BTreeMap<String, String> {
    let mut ids: BTreeSet<String> = BTreeSet::new();
    let mut out = BTreeMap::new();
    for name in names {
        let mut id = pascal(name);
        if !ids.insert(id.clone()) {
            id = format!(
                "{id}{}",
                pascal(&score_x_core::naming::short_hash(name.as_bytes(), 6))
            );
            ids.insert(id.clone());
        }
        out.insert((*name).clone(), id);
    }
    out
}

/// The resources and parameters of the provisioners' `cloudformation` sections, into
/// `leading` (where the namespace may be) and `params`, each resource also recorded in
/// `additions`; an entry already there must be the same.
fn added(
    ctx: &Ctx<'_>,
    leading: &mut BTreeMap<String, String>,
    additions: &mut BTreeMap<String, (ResourceUid, String)>,
    params: &mut Map<String, Value>,
) -> Result<(), Error> {
    for (uid, s) in ctx.sections.iter() {
        let Some(c) = &s.cloudformation else { continue };
        for (k, v) in &c.resources {
            // Equal sorted texts are equal values.
            let text = rendered(k, v);
            match leading.get(k) {
                Some(prev) if *prev == text => {}
                Some(_) => return Err(clash(ctx, uid, "resource", k)),
                None => {
                    leading.insert(k.clone(), text.clone());
                    additions.insert(k.clone(), (uid.clone(), text));
                }
            }
        }
        for (k, v) in &c.parameters {
            match params.get(k) {
                Some(prev) if prev == v => {}
                Some(_) => return Err(clash(ctx, uid, "parameter", k)),
                None => {
                    params.insert(k.clone(), v.clone());
                }
            }
        }
    }
    Ok(())
}

/// A provisioner's CloudFormation `what` (resource or parameter) `k` defined differently before.
fn clash(ctx: &Ctx<'_>, uid: &ResourceUid, what: &str, k: &str) -> Error {
    Error::Artifacts {
        uid: uid.to_string(),
        reason: format!("the CloudFormation {what} `{k}` is already defined"),
        span: Box::new(
            ctx.app
                .resources()
                .get(uid)
                .map(|r| r.span.clone())
                .unwrap_or_else(|| score_x_core::Span::file_only("")),
        ),
    }
}

/// The CloudFormation resources of one workload (log group, roles, task definition, service)
/// under logical ids starting with `id`, in insertion order.
fn workload_resources(
    ctx: &Ctx<'_>,
    name: &str,
    out: &Written,
    id: &str,
    namespace: &Value,
) -> Result<Map<String, Value>, Error> {
    let opts = ctx.opts;
    let mut res = Map::new();
    let log_id = format!("{id}LogGroup");
    insert(
        &mut res,
        log_id.clone(),
        json!({
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": format!("{}/{name}", opts.log_group_prefix()),
                "RetentionInDays": 30
            }
        }),
        name,
    )?;

    let exec_role = match &opts.execution_role_arn {
        Some(arn) => Value::String(arn.clone()),
        None => {
            let role_id = format!("{id}ExecutionRole");
            let mut role = json!({
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": assume_ecs_tasks(),
                    "ManagedPolicyArns": [sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")]
                }
            });
            let names = ctx
                .secrets
                .by_workload
                .get(name)
                .cloned()
                .unwrap_or_default();
            let ssm: Vec<Value> = names
                .iter()
                .filter(|n| ctx.secrets.store(n) == Store::Ssm)
                .map(|n| secret_resource(n, Store::Ssm))
                .collect();
            let sm: Vec<Value> = names
                .iter()
                .filter(|n| ctx.secrets.store(n) == Store::SecretsManager)
                .map(|n| secret_resource(n, Store::SecretsManager))
                .collect();
            let mut statements = Vec::new();
            if !ssm.is_empty() {
                statements.push(
                    json!({"Effect": "Allow", "Action": ["ssm:GetParameters"], "Resource": ssm}),
                );
            }
            if !sm.is_empty() {
                statements.push(json!({"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": sm}));
            }
            if !statements.is_empty() {
                role["Properties"]["Policies"] = json!([{
                    "PolicyName": "score-x-secrets",
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}
                }]);
            }
            insert(&mut res, role_id.clone(), role, name)?;
            json!({ "Fn::GetAtt": [role_id, "Arn"] })
        }
    };
    let task_role = match (&opts.task_role_arn, out.efs_iam.is_empty()) {
        (Some(arn), _) => Some(Value::String(arn.clone())),
        (None, true) => None,
        (None, false) => {
            let role_id = format!("{id}TaskRole");
            let fs: Vec<Value> = out
                .efs_iam
                .iter()
                .map(|f| {
                    sub(&format!(
                        "arn:${{AWS::Partition}}:elasticfilesystem:${{AWS::Region}}:${{AWS::AccountId}}:file-system/{f}"
                    ))
                })
                .collect();
            insert(
                &mut res,
                role_id.clone(),
                json!({
                    "Type": "AWS::IAM::Role",
                    "Properties": {
                        "AssumeRolePolicyDocument": assume_ecs_tasks(),
                        "Policies": [{
                            "PolicyName": "score-x-efs",
                            "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                                "Effect": "Allow",
                                "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                                "Resource": fs
                            }]}
                        }]
                    }
                }),
                name,
            )?;
            Some(json!({ "Fn::GetAtt": [role_id, "Arn"] }))
        }
    };

    let mut td = to_cfn(&parse("task definition", &out.task)?);
    td["ExecutionRoleArn"] = exec_role;
    match task_role {
        Some(r) => td["TaskRoleArn"] = r,
        None => {
            if let Some(m) = td.as_object_mut() {
                m.remove("TaskRoleArn");
            }
        }
    }
    if let Some(defs) = td["ContainerDefinitions"].as_array_mut() {
        for d in defs {
            if let Some(o) = d["LogConfiguration"]["Options"].as_object_mut() {
                o.insert("awslogs-group".into(), json!({"Ref": log_id}));
                o.insert("awslogs-region".into(), json!({"Ref": "AWS::Region"}));
            }
        }
    }
    let td_id = format!("{id}TaskDefinition");
    insert(
        &mut res,
        td_id.clone(),
        object([
            ("Type", "AWS::ECS::TaskDefinition".into()),
            ("Properties", td),
        ]),
        name,
    )?;

    let mut svc = to_cfn(&parse("service", &out.service)?);
    svc["Cluster"] = json!({"Ref": "ClusterName"});
    svc["TaskDefinition"] = json!({"Ref": td_id});
    svc["NetworkConfiguration"] = json!({"AwsvpcConfiguration": {
        "Subnets": {"Ref": "Subnets"},
        "SecurityGroups": {"Ref": "SecurityGroups"},
        "AssignPublicIp": {"Ref": "AssignPublicIp"}
    }});
    svc["ServiceConnectConfiguration"]["Namespace"] = namespace.clone();
    insert(
        &mut res,
        format!("{id}Service"),
        object([("Type", "AWS::ECS::Service".into()), ("Properties", svc)]),
        name,
    )?;
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(pascal("my-api"), "MyApi");
        assert_eq!(cfn_key("efsVolumeConfiguration"), "EFSVolumeConfiguration");
        assert_eq!(cfn_key("containerDefinitions"), "ContainerDefinitions");
        let v = to_cfn(
            &json!({"logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g"}}}),
        );
        assert_eq!(
            v,
            json!({"LogConfiguration": {"LogDriver": "awslogs", "Options": {"awslogs-group": "g"}}})
        );
    }
}
