//! The schema of a placement file (`score_x_core::placement_file`): which target runs each
//! workload and provisions each resource of a hybrid estate (docs/hybrid.md).

use serde_json::{Value, json};

use score_x_core::placement::SecretBridge;
use score_x_core::placement_file::{API_VERSION, KEYS, KIND};

use super::{closed, one_of, target_names};

fn target(description: &str) -> Value {
    json!({ "description": description, "type": "string", "enum": target_names(true) })
}

/// A map whose keys are target names (the alias `k8s` too).
fn by_target(description: &str, value: Value) -> Value {
    json!({
        "description": description,
        "type": ["object", "null"],
        "propertyNames": { "enum": target_names(true) },
        "additionalProperties": value
    })
}

pub fn schema() -> (&'static str, &'static str, Value) {
    let body = closed(
        &KEYS,
        vec![
            (
                "apiVersion",
                one_of("The placement file format version.", &[API_VERSION]),
            ),
            ("kind", one_of("The kind of file.", &[KIND])),
            (
                "default",
                json!({ "description": "The target of every workload the file (or a `score-x.dev/target` annotation) does not place.", "anyOf": [target(""), { "type": "null" }] }),
            ),
            (
                "workloads",
                json!({
                    "description": "Workload name → the target it runs on.",
                    "type": ["object", "null"],
                    "additionalProperties": target("The target of this workload.")
                }),
            ),
            (
                "resources",
                json!({
                    "description": "Resource uid (TYPE.CLASS#WORKLOAD.NAME or TYPE.CLASS#ID, see `score-x graph`) → the target that provisions it (default: its first consumer's).",
                    "type": ["object", "null"],
                    "propertyNames": { "pattern": r"^[^#.]+\.[^#.]+#[\s\S]+$" },
                    "additionalProperties": target("The target that provisions this resource.")
                }),
            ),
            (
                "crossRuntimeSecrets",
                by_target(
                    "Target → how secrets of resources provisioned elsewhere reach its workloads.",
                    json!({ "type": "string", "enum": SecretBridge::NAMES }),
                ),
            ),
            (
                "serviceAddresses",
                by_target(
                    "Target → the address pattern other runtimes dial its workloads at (`{workload}`, `{service}`, `{namespace}`).",
                    json!({ "type": "string", "pattern": r"\{(workload|service)\}" }),
                ),
            ),
        ],
        &["apiVersion", "kind"],
    );
    (
        "score-x placement file",
        "Places each workload and resource of a hybrid estate on a target (`score-x translate --placement FILE`). See docs/hybrid.md.",
        body,
    )
}
