//! `cloudformation.yaml`: one stack for the estate (log groups, execution/task roles with
//! exactly the secrets they read, the Service Connect namespace, task definitions, services),
//! with account-specific values as stack Parameters.

use std::collections::{BTreeMap, BTreeSet};

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
/// it is built and only its text kept (the estate's tree would be five times the text).
fn rendered(k: &str, v: &Value) -> String {
    let mut text = score_x_core::yaml::entry_text_sorted(k, v, 2);
    // Held until the template is joined: without the growth's spare capacity.
    text.shrink_to_fit();
    text
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

/// The `cloudformation.yaml` of the estate: everything before `Resources`, then each
/// resource's entry in logical-id order, so the file can be written a batch of entries at a
/// time ([`Template::pieces`]) or joined ([`Template::joined`]).
pub struct Template {
    head: String,
    resources: BTreeMap<String, String>,
}

impl Template {
    /// The file's length in bytes.
    pub fn size(&self) -> usize {
        let resources: usize = self.resources.values().map(String::len).sum();
        self.head.len()
            + if self.resources.is_empty() {
                EMPTY_RESOURCES.len()
            } else {
                RESOURCES.len() + resources
            }
    }

    /// The whole file.
    pub fn joined(self) -> String {
        let mut yaml = String::with_capacity(self.size());
        self.pieces(|piece| yaml.push_str(&piece));
        yaml
    }

    /// The file in order, in pieces of at least [`PIECE`] bytes (the last may be shorter),
    /// each ending at a line end; each entry freed once copied.
    pub fn pieces(self, mut out: impl FnMut(String)) {
        let mut piece = self.head;
        if self.resources.is_empty() {
            piece.push_str(EMPTY_RESOURCES);
            return out(piece);
        }
        piece.push_str(RESOURCES);
        for text in self.resources.into_values() {
            piece.push_str(&text);
            if piece.len() >= PIECE {
                out(std::mem::take(&mut piece));
            }
        }
        if !piece.is_empty() {
            out(piece);
        }
    }
}

const RESOURCES: &str = "Resources:\n";
const EMPTY_RESOURCES: &str = "Resources: {}\n";
/// The size of the pieces [`Template::pieces`] hands over.
const PIECE: usize = 1 << 18;

/// `cloudformation.yaml`, assembled a chunk of workloads at a time ([`Assembly::add`]) once
/// their contexts are absorbed: a workload's resources read only its own secrets, whose stores
/// are final once it is absorbed, so a chunk's task definitions and Services are read, handed
/// over and freed before the next chunk is built.
pub struct Assembly {
    params: Map<String, Value>,
    /// Logical id → its rendered entry; a BTreeMap orders them as `sort_keys` would.
    res: BTreeMap<String, String>,
    namespace: Value,
    description: String,
    /// Each workload's logical-id prefix, unique in the estate.
    ids: BTreeMap<String, String>,
}

impl Assembly {
    /// The parameters, the Service Connect namespace, the description and every workload's
    /// logical id, from the options and the workloads' names (in order).
    pub fn new(ctx: &Ctx<'_>, names: &[&String]) -> Assembly {
        let opts = ctx.opts;
        let mut params = Map::new();
        let mut res: BTreeMap<String, String> = BTreeMap::new();
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
        let namespace = match opts.service_connect_namespace.as_deref() {
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
                res.insert(id.into(), rendered(id, &v));
                json!({ "Fn::GetAtt": ["ServiceConnectNamespace", "Arn"] })
            }
        };
        Assembly {
            params,
            res,
            namespace,
            description: description(names),
            ids: logical_ids(names),
        }
    }

    /// Each workload's resources built on its own (in parallel), inserted in workload order;
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
                if self.res.contains_key(&k) {
                    return Err(duplicate(&k, &name));
                }
                self.res.insert(k, text);
            }
        }
        Ok(())
    }

    /// The provisioners' additions, then the whole template (with the warnings of its size).
    pub fn finish(self, ctx: &mut Ctx<'_>) -> Result<Template, Error> {
        let Assembly {
            mut params,
            mut res,
            description,
            ..
        } = self;
        additions(ctx, &mut res, &mut params)?;
        let mut doc = Map::new();
        doc.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
        doc.insert("Description".into(), json!(description));
        if res.len() > MAX_RESOURCES {
            ctx.warn_hint(
                score_x_core::Code::Approximated,
                None,
                format!(
                    "cloudformation.yaml has {} resources; a stack holds at most {MAX_RESOURCES}",
                    res.len()
                ),
                "split the estate into several translations (one stack each)",
            );
        }
        doc.insert("Parameters".into(), sort_keys(Value::Object(params)));
        // YAML-1.1-safe: CloudFormation's parser would read an unquoted `yes`/`on` as a boolean.
        // `Resources` comes last: its rendered entries follow the rest of the document.
        let yaml = Template {
            head: score_x_core::yaml::to_yaml(&Value::Object(doc)),
            resources: res,
        };
        if yaml.size() > INLINE_TEMPLATE_LIMIT {
            ctx.warn_hint(
                score_x_core::Code::Approximated,
                None,
                format!(
                    "cloudformation.yaml is {} bytes, more than the {INLINE_TEMPLATE_LIMIT} bytes CloudFormation accepts inline",
                    yaml.size()
                ),
                "upload it to S3 and deploy with --template-url (or `aws cloudformation deploy --s3-bucket …`)",
            );
        }
        Ok(yaml)
    }
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

/// The resources and parameters of the provisioners' `cloudformation` sections; an entry
/// already there must be the same.
fn additions(
    ctx: &Ctx<'_>,
    res: &mut BTreeMap<String, String>,
    params: &mut Map<String, Value>,
) -> Result<(), Error> {
    for (uid, s) in ctx.sections.iter() {
        let Some(c) = &s.cloudformation else { continue };
        let clash = |what: &str, k: &str| Error::Artifacts {
            uid: uid.to_string(),
            reason: format!("the CloudFormation {what} `{k}` is already defined"),
            span: Box::new(
                ctx.app
                    .resources()
                    .get(uid)
                    .map(|r| r.span.clone())
                    .unwrap_or_else(|| score_x_core::Span::file_only("")),
            ),
        };
        for (k, v) in &c.resources {
            // Equal sorted texts are equal values.
            let text = rendered(k, v);
            match res.get(k) {
                Some(prev) if *prev == text => {}
                Some(_) => return Err(clash("resource", k)),
                None => {
                    res.insert(k.clone(), text);
                }
            }
        }
        for (k, v) in &c.parameters {
            match params.get(k) {
                Some(prev) if prev == v => {}
                Some(_) => return Err(clash("parameter", k)),
                None => {
                    params.insert(k.clone(), v.clone());
                }
            }
        }
    }
    Ok(())
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
