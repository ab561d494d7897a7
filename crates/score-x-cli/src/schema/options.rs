//! The schemas of the `--target-options` files: one table per backend of its typed `Options`
//! (key, type, description). `tests.rs` checks each table against the backend's own decoder:
//! the same keys, every declared type accepted, other types and values rejected.

use serde_json::{Map, Value, json};

use score_x_core::Target;

/// The type of an option, as its serde decoder reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    String,
    Bool,
    /// An unsigned 32-bit integer.
    U32,
    Strings,
    /// A map of string to string.
    StringMap,
    Enum(&'static [&'static str]),
    EnumList(&'static [&'static str]),
}

/// One option: its key, type, whether `null` is accepted (an `Option` field), and what it does.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub key: &'static str,
    pub ty: Type,
    pub nullable: bool,
    pub description: &'static str,
}

const fn opt(key: &'static str, ty: Type, description: &'static str) -> Field {
    Field {
        key,
        ty,
        nullable: true,
        description,
    }
}

const fn req(key: &'static str, ty: Type, description: &'static str) -> Field {
    Field {
        key,
        ty,
        nullable: false,
        description,
    }
}

const PULL_POLICY: &[&str] = &["Always", "IfNotPresent", "Never"];
const ROUTE: &[&str] = &["gateway", "ingress"];

/// The Kubernetes options shared by the helm target, after `namespace`.
const KUBERNETES_COMMON: [Field; 6] = [
    opt(
        "imagePullPolicy",
        Type::Enum(PULL_POLICY),
        "`imagePullPolicy` of every workload container (unset: the Kubernetes default).",
    ),
    opt(
        "route",
        Type::Enum(ROUTE),
        "How the default `route` provisioner exposes routes: a Gateway API HTTPRoute (default) or an Ingress.",
    ),
    opt(
        "gatewayName",
        Type::String,
        "The Gateway HTTPRoutes attach to (default `default`).",
    ),
    opt(
        "gatewayNamespace",
        Type::String,
        "The namespace of that Gateway (default: the route's own).",
    ),
    opt(
        "ingressClassName",
        Type::String,
        "`ingressClassName` of generated Ingresses (default: the cluster's default class).",
    ),
    opt(
        "environmentSecret",
        Type::String,
        "The Secret the default `environment` provisioner reads values from (default `score-x-environment`).",
    ),
];

fn kubernetes() -> Vec<Field> {
    let mut out = vec![
        opt(
            "namespace",
            Type::String,
            "The namespace of every namespaced object that names none.",
        ),
        req(
            "generateNamespace",
            Type::Bool,
            "Prepend a Namespace object for `namespace`.",
        ),
    ];
    out.extend(KUBERNETES_COMMON);
    out
}

fn helm() -> Vec<Field> {
    let mut out = vec![
        opt(
            "chartName",
            Type::String,
            "The umbrella chart's name and directory (`--chart-name`; default: the current directory's name, sanitised).",
        ),
        opt(
            "defaultChartName",
            Type::String,
            "What the umbrella is named after when `chartName` is unset (sanitised into a chart name).",
        ),
        opt(
            "chartVersion",
            Type::String,
            "The SemVer version of every chart (default 0.1.0).",
        ),
        opt(
            "namespace",
            Type::String,
            "The namespace of every namespaced object that names none.",
        ),
    ];
    out.extend(KUBERNETES_COMMON);
    out
}

fn ecs() -> Vec<Field> {
    vec![
        opt(
            "cluster",
            Type::String,
            "Cluster name or ARN of the services (unset: the `default` cluster, with a warning).",
        ),
        opt(
            "launchType",
            Type::Enum(&["FARGATE", "EC2"]),
            "FARGATE (default) or EC2.",
        ),
        opt("region", Type::String, "The AWS region (`awslogs-region`)."),
        opt(
            "executionRoleArn",
            Type::String,
            "The task execution role (pulls images, writes logs, reads secrets); the stack creates one when unset.",
        ),
        opt(
            "taskRoleArn",
            Type::String,
            "The task role (the application's own AWS calls).",
        ),
        opt(
            "subnets",
            Type::Strings,
            "Subnets of `awsvpcConfiguration` (awsvpc services need them).",
        ),
        opt(
            "securityGroups",
            Type::Strings,
            "Security groups of `awsvpcConfiguration`.",
        ),
        opt(
            "assignPublicIp",
            Type::Bool,
            "`assignPublicIp` (default false: DISABLED).",
        ),
        opt(
            "logGroupPrefix",
            Type::String,
            "Log group prefix: workload W logs to `<prefix>/W` (default /score-x).",
        ),
        opt(
            "serviceConnectNamespace",
            Type::String,
            "Service Connect namespace, name or ARN (default: the cluster's).",
        ),
        opt(
            "cpuArchitecture",
            Type::Enum(&["X86_64", "ARM64"]),
            "`runtimePlatform.cpuArchitecture`: X86_64 (default) or ARM64.",
        ),
        opt(
            "mixedSecrets",
            Type::Enum(&["promote", "shell-wrapper"]),
            "A variable mixing text and secrets: promote it to an SSM SecureString (default) or compose it in a `sh -c` wrapper.",
        ),
        opt(
            "allowSystemDirFiles",
            Type::Bool,
            "Allow files in system directories (/etc, /usr, …), whose volume shadows the image's files there.",
        ),
        opt(
            "secretPrefix",
            Type::String,
            "Prefix of the SSM parameters score-x asks the platform to create (default /score-x).",
        ),
        opt(
            "desiredCount",
            Type::U32,
            "`desiredCount` of every service (default 1).",
        ),
        opt(
            "platformVersion",
            Type::String,
            "Fargate `platformVersion` (default: LATEST).",
        ),
        opt(
            "filesInitImage",
            Type::String,
            "The image of the init container that writes `files` (default: a pinned busybox).",
        ),
        opt(
            "tags",
            Type::StringMap,
            "Extra tags of every task definition and service.",
        ),
        opt(
            "efsFileSystemId",
            Type::String,
            "EFS file system of the default `volume` provisioner (unset: ephemeral volumes, with a warning).",
        ),
        opt(
            "resourceDomain",
            Type::String,
            "DNS domain of the host names of platform-run resources (default score-x.internal).",
        ),
        opt(
            "environmentPrefix",
            Type::String,
            "SSM prefix the default `environment` provisioner reads from (default /score-x/environment).",
        ),
    ]
}

fn nomad() -> Vec<Field> {
    vec![
        opt(
            "datacenters",
            Type::Strings,
            "`datacenters` of every job (default [\"*\"]).",
        ),
        opt(
            "namespace",
            Type::String,
            "`namespace` of every job (default: Nomad's `default`).",
        ),
        opt(
            "nodePool",
            Type::String,
            "`node_pool` of every job (Nomad 1.6 and later).",
        ),
        opt("region", Type::String, "`region` of every job."),
        req(
            "serviceProvider",
            Type::Enum(&["nomad", "consul"]),
            "Service discovery provider: nomad (default) or consul.",
        ),
        opt(
            "cpuMhzPerCore",
            Type::U32,
            "MHz reserved per requested core with `cpuMode: mhz` (default 1000).",
        ),
        req(
            "cpuMode",
            Type::Enum(&["mhz", "cores"]),
            "mhz (default): `resources.cpu` in MHz; cores: whole reserved cores.",
        ),
        req(
            "networkMode",
            Type::Enum(&["bridge", "host"]),
            "Group network mode: bridge (default; needs CNI plugins) or host.",
        ),
        req(
            "staticPorts",
            Type::Bool,
            "Pin each service port's host port to its Score `port`.",
        ),
        req(
            "variables",
            Type::EnumList(&["image"]),
            "HCL2 `variable` blocks to emit (`image`: one per container, defaulting to its image).",
        ),
        req(
            "consulDns",
            Type::Bool,
            "Resolve other workloads through Consul DNS (`<service>.service.consul`).",
        ),
    ]
}

/// The option table of `target`, when this build has the target.
pub fn fields(target: Target) -> Option<Vec<Field>> {
    crate::registry::backend(target)?;
    Some(match target.as_str() {
        "kubernetes" => kubernetes(),
        "helm" => helm(),
        "ecs" => ecs(),
        "nomad" => nomad(),
        _ => return None,
    })
}

/// The JSON Schema of one option's value.
pub fn value_schema(f: &Field) -> Value {
    let mut v = match f.ty {
        Type::String => json!({ "type": "string" }),
        Type::Bool => json!({ "type": "boolean" }),
        Type::U32 => json!({ "type": "integer", "minimum": 0, "maximum": u32::MAX }),
        Type::Strings => json!({ "type": "array", "items": { "type": "string" } }),
        Type::StringMap => {
            json!({ "type": "object", "additionalProperties": { "type": "string" } })
        }
        Type::Enum(values) => json!({ "type": "string", "enum": values }),
        Type::EnumList(values) => {
            json!({ "type": "array", "items": { "type": "string", "enum": values } })
        }
    };
    if let Value::Object(m) = &mut v {
        if f.nullable {
            let t = m.get("type").cloned().unwrap_or(Value::Null);
            m.insert("type".into(), json!([t, "null"]));
            if let Some(Value::Array(e)) = m.get_mut("enum") {
                e.push(Value::Null);
            }
        }
        let mut out = Map::new();
        out.insert("description".into(), json!(f.description));
        out.extend(std::mem::take(m));
        return Value::Object(out);
    }
    v
}

pub fn schema(target: Target) -> Result<(&'static str, &'static str, Value), String> {
    let fields = fields(target).ok_or_else(|| {
        format!("this build has no {target} target; `score-x schema target-options --target T` knows the targets of this build")
    })?;
    let keys: Vec<&str> = fields.iter().map(|f| f.key).collect();
    let props = fields.iter().map(|f| (f.key, value_schema(f))).collect();
    let mut body = super::closed(&keys, props, &[]);
    if let Value::Object(m) = &mut body {
        m.insert("type".into(), json!(["object", "null"]));
    }
    let title = match target.as_str() {
        "kubernetes" => "score-x kubernetes target options",
        "helm" => "score-x helm target options",
        "ecs" => "score-x ecs target options",
        _ => "score-x nomad target options",
    };
    Ok((
        title,
        "The `--target-options FILE` of a score-x target: every key optional, unknown keys rejected. See docs/targets/.",
        body,
    ))
}
