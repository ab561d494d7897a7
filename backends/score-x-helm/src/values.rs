//! A chart's `values.yaml` defaults and the JSON Schema (`values.schema.json`) that types them,
//! built together so every value has a schema entry.

use std::sync::LazyLock;

use score_x_core::value::object as json_object;
use serde_json::{Map, Value as Json, json};

/// Default values and their schema properties, in insertion order.
#[derive(Debug, Clone, Default)]
pub struct Values {
    pub defaults: Map<String, Json>,
    pub properties: Map<String, Json>,
}

impl Values {
    /// Add the top-level value `key` with its default and schema.
    pub fn set(&mut self, key: &str, default: Json, schema: Json) {
        self.defaults.insert(key.to_string(), default);
        self.properties.insert(key.to_string(), schema);
    }

    /// The `values.schema.json` document of a workload chart (`workload` true) or the
    /// umbrella: unknown top-level keys are rejected, except Helm's own `global`; descriptions
    /// come from the values reference ([`crate::reference`]).
    pub fn schema(&mut self, title: &str, workload: bool) -> Json {
        // Built once, when the chart is written: the properties move into the schema.
        let mut props = std::mem::take(&mut self.properties);
        props
            .entry("global")
            .or_insert_with(|| json!({"type": "object"}));
        let mut schema = json_object([
            ("$schema", "http://json-schema.org/draft-07/schema#".into()),
            ("title", title.into()),
            ("type", "object".into()),
            ("properties", Json::Object(props)),
            ("additionalProperties", false.into()),
        ]);
        crate::reference::describe(&mut schema, workload);
        schema
    }
}

/// A map of string values (labels, annotations, node selectors).
pub fn string_map() -> Json {
    json!({"type": "object", "additionalProperties": {"type": "string"}})
}

/// Any object (affinity, security contexts): Kubernetes validates its content.
pub fn object() -> Json {
    json!({"type": "object"})
}

/// A list of objects (tolerations, imagePullSecrets, ports).
pub fn objects() -> Json {
    json!({"type": "array", "items": {"type": "object"}})
}

/// An object with exactly `props`.
pub fn closed(props: Map<String, Json>) -> Json {
    json_object([
        ("type", "object".into()),
        ("properties", Json::Object(props)),
        ("additionalProperties", false.into()),
    ])
}

/// A plain string.
pub fn string() -> Json {
    json!({"type": "string"})
}

/// An environment variable value: any scalar (the template quotes it).
pub fn env_value() -> Json {
    json!({"type": ["string", "number", "boolean"]})
}

/// Replica count.
pub fn replicas() -> Json {
    json!({"type": "integer", "minimum": 0})
}

/// The `image` values of one container.
pub fn image() -> Json {
    static SCHEMA: LazyLock<Json> = LazyLock::new(|| {
        json!({
            "type": "object",
            "properties": {
                "repository": {"type": "string", "minLength": 1},
                "tag": {"type": "string", "pattern": "^([\\w][\\w.-]{0,127})?$"},
                "digest": {"type": "string", "pattern": "^([a-z0-9]+([+._-][a-z0-9]+)*:[a-fA-F0-9]{32,})?$"},
            },
            "required": ["repository"],
            "additionalProperties": false,
        })
    });
    SCHEMA.clone()
}

/// Container resources: requests and limits of Kubernetes quantities.
pub fn resources() -> Json {
    static SCHEMA: LazyLock<Json> = LazyLock::new(|| {
        let quantities = json!({
            "type": "object",
            "additionalProperties": {
                "type": ["string", "number"],
                "pattern": "^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?[0-9]+)?$",
            },
        });
        json!({
            "type": "object",
            "properties": {"requests": quantities, "limits": quantities, "claims": objects()},
            "additionalProperties": false,
        })
    });
    SCHEMA.clone()
}

/// The Service values.
pub fn service() -> Json {
    static SCHEMA: LazyLock<Json> = LazyLock::new(|| {
        json!({
            "type": "object",
            "properties": {
                "type": {"enum": ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]},
                "ports": objects(),
            },
            "additionalProperties": false,
        })
    });
    SCHEMA.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_closed_but_allows_global() {
        let mut v = Values::default();
        v.set("replicaCount", json!(1), replicas());
        let s = v.schema("web", true);
        assert_eq!(s["additionalProperties"], false);
        assert!(s["properties"]["global"].is_object());
        assert_eq!(s["properties"]["replicaCount"]["type"], "integer");
    }
}
