//! The annotations score-x reads from a workload's `metadata.annotations`, with the constants
//! the code reads them by: the workload kind and schedule, the placement target, the container
//! serving a port, the Kubernetes Service name and the ECS app protocol.

use serde_json::{Map, Value, json};

use score_x_core::placement::TARGET_ANNOTATION;
use score_x_core::plan::{
    KIND_ANNOTATIONS, PORT_CONTAINER_ANNOTATIONS, SCHEDULE_ANNOTATION, WorkloadKind,
};

use super::score::LABEL;

/// score-k8s's Service name annotation (read by the kubernetes and helm targets and by the
/// cross-runtime addresses of `score_x_core::addresses`).
pub const SERVICE_NAME_ANNOTATION: &str = "k8s.score.dev/service-name";
/// The ECS app protocol annotation prefix (`score_x_ecs::APP_PROTOCOL_ANNOTATION`).
pub const APP_PROTOCOL_ANNOTATION: &str = "ecs.score.dev/app-protocol.";

/// Annotation key pattern of Score: an optional DNS prefix and `/`, then a name.
const KEY: &str = r"^(([a-z0-9][a-z0-9-]{0,61}[a-z0-9])(\.[a-z0-9][a-z0-9-]{0,61}[a-z0-9])*/)?[A-Za-z0-9][A-Za-z0-9._-]{0,61}[A-Za-z0-9]$";

/// The kinds of [`KIND_ANNOTATIONS`], by their annotation value.
pub fn kinds() -> Vec<&'static str> {
    [
        WorkloadKind::Service,
        WorkloadKind::Stateful,
        WorkloadKind::Job,
        WorkloadKind::Cron {
            schedule: String::new(),
        },
    ]
    .iter()
    .map(WorkloadKind::annotation_value)
    .collect()
}

/// A regular expression matching `prefix` followed by a port name.
fn prefixed(prefix: &str) -> String {
    format!(
        "^{}[a-z0-9][a-z0-9-]{{0,61}}[a-z0-9]$",
        prefix.replace('.', r"\.")
    )
}

/// The schema of a workload's annotations.
pub fn workload() -> Value {
    let kind_help = "The workload kind: Deployment (default, long-running), StatefulSet (stable identity and storage), Job (runs once) or CronJob (needs `score-x.dev/schedule`).";
    let mut props = Map::new();
    for (i, key) in KIND_ANNOTATIONS.iter().enumerate() {
        let description = if i == 0 {
            kind_help.to_string()
        } else {
            format!(
                "score-k8s's spelling of `{}`: {kind_help}",
                KIND_ANNOTATIONS[0]
            )
        };
        props.insert(
            (*key).into(),
            json!({ "description": description, "type": "string", "enum": kinds() }),
        );
    }
    props.insert(SCHEDULE_ANNOTATION.into(), json!({ "description": "The cron schedule of a CronJob workload, e.g. \"*/5 * * * *\".", "type": "string", "minLength": 1 }));
    props.insert(TARGET_ANNOTATION.into(), json!({
        "description": "The target this workload runs on in a hybrid estate (`translate --placement`; the placement file wins over it).",
        "type": "string",
        "enum": super::target_names(true)
    }));
    props.insert(SERVICE_NAME_ANNOTATION.into(), json!({ "description": "The name of the workload's Kubernetes Service (score-k8s's annotation; used when it is a valid name).", "type": "string" }));
    let mut patterns = Map::new();
    for (i, prefix) in PORT_CONTAINER_ANNOTATIONS.iter().enumerate() {
        let description = if i == 0 {
            "`score-x.dev/port-container.PORT: CONTAINER`: the container serving service port PORT."
                .to_string()
        } else {
            format!(
                "The older ECS spelling of `{}PORT`.",
                PORT_CONTAINER_ANNOTATIONS[0]
            )
        };
        patterns.insert(
            prefixed(prefix),
            json!({ "description": description, "type": "string", "pattern": LABEL }),
        );
    }
    patterns.insert(prefixed(APP_PROTOCOL_ANNOTATION), json!({
        "description": "`ecs.score.dev/app-protocol.PORT`: the ECS `appProtocol` of service port PORT (default: from the port name).",
        "type": "string",
        "examples": ["http", "http2", "grpc"]
    }));
    json!({
        "type": "object",
        "propertyNames": { "minLength": 2, "maxLength": 316, "pattern": KEY },
        "properties": props,
        "patternProperties": patterns,
        "additionalProperties": { "$ref": "#/$defs/text" }
    })
}

/// The schema of a resource's annotations (any valid key, text values).
pub fn resource() -> Value {
    json!({
        "description": "Annotations of the resource (handed to its provisioner).",
        "type": "object",
        "propertyNames": { "minLength": 2, "maxLength": 316, "pattern": KEY },
        "additionalProperties": { "$ref": "#/$defs/text" }
    })
}
