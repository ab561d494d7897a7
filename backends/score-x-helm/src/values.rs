//! A chart's `values.yaml` defaults and the JSON Schema (`values.schema.json`) that types them,
//! built together so every value has a schema entry; a subschema every container, variable,
//! output or Secret repeats is written once, under `definitions`, and referenced (`$ref`).

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
        let definitions = definitions(&schema, workload);
        if let (Json::Object(m), false) = (&mut schema, definitions.is_empty()) {
            m.insert("definitions".into(), Json::Object(definitions));
        }
        schema
    }
}

/// A subschema written once per chart under `definitions` and referenced where it applies.
struct Definition {
    name: &'static str,
    body: fn() -> Json,
    /// The value it types, as a key of the values reference (its descriptions come from there).
    key: &'static [&'static str],
}

/// Every definition a chart may use, in the order they are written.
const DEFINITIONS: &[Definition] = &[
    Definition {
        name: "image",
        body: image_body,
        key: &["containers", "<c>", "image"],
    },
    Definition {
        name: "containerResources",
        body: resources_body,
        key: &["containers", "<c>", "resources"],
    },
    Definition {
        name: "envValue",
        body: scalar,
        key: &["containers", "<c>", "env", "<NAME>"],
    },
    Definition {
        name: "lateOutput",
        body: scalar,
        key: &["resources", "<resource>", "<output>"],
    },
    Definition {
        name: "lateMapOutput",
        body: object,
        key: &["resources", "<resource>", "<output>"],
    },
    Definition {
        name: "existingSecret",
        body: existing_secret_body,
        key: &["secrets", "<secret>"],
    },
    Definition {
        name: "globalExistingSecret",
        body: existing_secret_body,
        key: &["global", "secrets", "<secret>"],
    },
];

/// The reference to definition `name` (one of [`DEFINITIONS`]).
fn reference(name: &'static str) -> Json {
    debug_assert!(DEFINITIONS.iter().any(|d| d.name == name), "{name}");
    json_object([("$ref", format!("#/definitions/{name}").into())])
}

/// The definitions `schema` refers to, described for a workload chart (`workload` true) or the
/// umbrella.
fn definitions(schema: &Json, workload: bool) -> Map<String, Json> {
    let mut used = Vec::new();
    refs(schema, &mut used);
    // Each definition described once per kind of chart, then copied into every chart.
    static DESCRIBED: LazyLock<[Vec<Json>; 2]> = LazyLock::new(|| {
        [false, true].map(|workload| {
            DEFINITIONS
                .iter()
                .map(|d| {
                    let mut body = (d.body)();
                    crate::reference::describe_at(&mut body, workload, d.key);
                    body
                })
                .collect()
        })
    });
    DEFINITIONS
        .iter()
        .zip(&DESCRIBED[usize::from(workload)])
        .filter(|(d, _)| used.contains(&d.name))
        .map(|(d, body)| (d.name.to_string(), body.clone()))
        .collect()
}

/// The names of the definitions referred to anywhere in `v`.
fn refs(v: &Json, out: &mut Vec<&'static str>) {
    match v {
        Json::Object(m) => {
            if let Some(Json::String(r)) = m.get("$ref")
                && let Some(d) = DEFINITIONS
                    .iter()
                    .find(|d| r.strip_prefix("#/definitions/") == Some(d.name))
                && !out.contains(&d.name)
            {
                out.push(d.name);
            }
            m.values().for_each(|v| refs(v, out));
        }
        Json::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
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

/// Any scalar (the template quotes it).
fn scalar() -> Json {
    json!({"type": ["string", "number", "boolean"]})
}

/// An environment variable value: any scalar.
pub fn env_value() -> Json {
    reference("envValue")
}

/// A late-bound output of a resource: any scalar, or a map whose shape stays open.
pub fn late_output(is_map: bool) -> Json {
    reference(if is_map {
        "lateMapOutput"
    } else {
        "lateOutput"
    })
}

/// The `existingSecret` entry of one Secret: of the chart's own (`global` false) or, in the
/// umbrella, of a shared one.
pub fn existing_secret(global: bool) -> Json {
    reference(if global {
        "globalExistingSecret"
    } else {
        "existingSecret"
    })
}

fn existing_secret_body() -> Json {
    let mut p = Map::new();
    p.insert("existingSecret".into(), string());
    closed(p)
}

/// Replica count.
pub fn replicas() -> Json {
    json!({"type": "integer", "minimum": 0})
}

/// The `image` values of one container.
pub fn image() -> Json {
    reference("image")
}

fn image_body() -> Json {
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
    reference("containerResources")
}

fn resources_body() -> Json {
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
        assert!(
            s.get("definitions").is_none(),
            "no reference, no definitions"
        );
    }

    #[test]
    fn repeated_subschemas_are_defined_once_described_and_referenced() {
        let mut v = Values::default();
        let container = |env: &[&str]| {
            let mut s = Map::new();
            s.insert("image".into(), image());
            let e = env.iter().map(|n| (n.to_string(), env_value())).collect();
            s.insert("env".into(), closed(e));
            closed(s)
        };
        let mut cs = Map::new();
        cs.insert("main".into(), container(&["A", "B"]));
        cs.insert("side".into(), container(&["C"]));
        v.set("containers", json!({}), closed(cs));
        let s = v.schema("web", true);
        let defs = s["definitions"].as_object().unwrap();
        assert_eq!(
            defs.keys().collect::<Vec<_>>(),
            ["image", "envValue"],
            "only the definitions used, in a fixed order"
        );
        let main = &s["properties"]["containers"]["properties"]["main"]["properties"];
        assert_eq!(main["image"], json!({"$ref": "#/definitions/image"}));
        assert_eq!(
            main["env"]["properties"]["A"],
            json!({"$ref": "#/definitions/envValue"})
        );
        assert!(
            defs["envValue"]["description"]
                .as_str()
                .unwrap()
                .contains("env var")
        );
        let tag = &defs["image"]["properties"]["tag"];
        assert_eq!(tag["description"], "image tag");
        assert_eq!(s.to_string().matches("image tag").count(), 1);
        // The umbrella's shared Secrets take the global entry's description.
        let mut u = Values::default();
        let mut names = Map::new();
        names.insert("pg".into(), existing_secret(true));
        u.set("global", json!({}), closed(names));
        let s = u.schema("estate", false);
        let d = &s["definitions"]["globalExistingSecret"]["properties"]["existingSecret"];
        assert!(
            d["description"]
                .as_str()
                .unwrap()
                .contains("shared resource"),
            "{d}"
        );
    }
}
