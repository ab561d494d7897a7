//! The schema of a provisioner file (`score_x_provision::format`): a list of `template://` and
//! `cmd://` provisioners with the decoder's key tables, typed params and outputs, and score-k8s's
//! Go-template provisioners with theirs.

use serde_json::{Map, Value, json};

use score_x_provision::SCORE_K8S_TEMPLATE_KEYS;
use score_x_provision::format::{
    CMD_KEYS, COMMON_KEYS, OPEN_OUTPUTS, OUTPUT_FIELDS, PARAM_FIELDS, ParamType, Section,
    TEMPLATE_KEYS,
};

use super::{closed, described};

/// A YAML scalar read as its text (the decoder's `scalar`).
fn scalar(description: &str) -> Value {
    json!({ "description": description, "type": ["string", "number", "boolean"] })
}

fn optional_scalar(description: &str) -> Value {
    json!({ "description": description, "type": ["string", "number", "boolean", "null"] })
}

/// The JSON Schema of a value of param type `t` (`None` for `any`).
fn param_value(t: &str) -> Option<Value> {
    Some(match t {
        "any" => return None,
        "secret" => {
            json!({ "type": "object", "required": ["name"], "properties": { "name": { "type": "string" }, "key": { "type": ["string", "null"] } }, "additionalProperties": false })
        }
        other => json!({ "type": other }),
    })
}

fn param() -> Value {
    let mut spec = closed(
        &PARAM_FIELDS,
        vec![
            (
                "type",
                json!({ "description": "The JSON type the value must have after substitution (default any).", "type": "string", "enum": ParamType::NAMES }),
            ),
            (
                "default",
                json!({ "description": "The value when the resource does not set it (of `type`)." }),
            ),
            (
                "required",
                json!({ "description": "The resource must set it.", "type": "boolean" }),
            ),
            ("description", scalar("What the param means.")),
        ],
        &[],
    );
    let rules: Vec<Value> = ParamType::NAMES
        .iter()
        .filter_map(|t| {
            let value = param_value(t)?;
            Some(json!({
                "if": { "required": ["type", "default"], "properties": { "type": { "const": t } } },
                "then": { "properties": { "default": value } }
            }))
        })
        .collect();
    if let Value::Object(m) = &mut spec {
        m.insert("allOf".into(), Value::Array(rules));
        m.insert("type".into(), json!(["object", "null"]));
    }
    spec
}

fn output() -> Value {
    let mut spec = closed(
        &OUTPUT_FIELDS,
        vec![
            (
                "secret",
                json!({ "description": "A secret: rendered from the target's secret store, never as plain text.", "type": "boolean" }),
            ),
            ("description", scalar("What the output holds.")),
        ],
        &[],
    );
    if let Value::Object(m) = &mut spec {
        m.insert("type".into(), json!(["object", "null"]));
    }
    spec
}

fn names(description: &str) -> Value {
    json!({ "description": description, "type": ["array", "null"], "items": { "type": ["string", "number", "boolean"] } })
}

/// The keys every provisioner has, and the params/outputs declarations.
fn common(uri: Value) -> Vec<(&'static str, Value)> {
    vec![
        ("uri", uri),
        ("type", scalar("The resource type it provisions.")),
        (
            "class",
            optional_scalar("Only resources of this class (default: any class)."),
        ),
        (
            "id",
            optional_scalar("Only the resource with this id (default: any)."),
        ),
        (
            "description",
            optional_scalar("What it provisions (shown by `score-x provisioners list`)."),
        ),
        (
            "strict_params",
            json!({ "description": "A param it does not declare is an error, not a warning.", "type": ["boolean", "null"] }),
        ),
        (
            "params",
            described(
                "The params it accepts, typed (or `supported_params`).",
                json!({ "type": ["object", "null"], "additionalProperties": { "$ref": "#/$defs/param" } }),
            ),
        ),
        (
            "supported_params",
            names("The names of the params it accepts, untyped (score-k8s's key; or `params`)."),
        ),
        (
            "outputs",
            described(
                &format!(
                    "The outputs it produces (`\"{OPEN_OUTPUTS}\"`: also any output a consumer asks for), or `expected_outputs`."
                ),
                json!({ "type": ["object", "null"], "additionalProperties": { "$ref": "#/$defs/output" } }),
            ),
        ),
        (
            "expected_outputs",
            names("The names of the outputs it produces (score-k8s's key; or `outputs`)."),
        ),
    ]
}

fn section_help(s: Section) -> &'static str {
    match s {
        Section::Init => "Handlebars → YAML map: values the other sections read as `init`.",
        Section::State => {
            "Handlebars → YAML map: the resource's persisted state (`state` in the next run)."
        }
        Section::Shared => {
            "Handlebars → YAML map merged into the estate-wide shared state (`shared`)."
        }
        Section::OutputsTemplate => "Handlebars → YAML map: the declared outputs.",
        Section::Kubernetes => {
            "Handlebars → YAML list of Kubernetes objects to add (kubernetes and helm targets)."
        }
        Section::Ecs => {
            "Handlebars → YAML: containers, volumes and CloudFormation resources to add (ecs target)."
        }
        Section::Nomad => "Handlebars → YAML: groups, tasks and variables to add (nomad target).",
    }
}

fn template() -> Value {
    let mut props = common(
        json!({ "description": "`template://NAME`: unique name of a handlebars template provisioner.", "type": "string", "pattern": "^template://" }),
    );
    for s in Section::ORDER {
        props.push((s.key(), optional_scalar(section_help(s))));
    }
    let keys: Vec<&str> = COMMON_KEYS
        .iter()
        .chain(TEMPLATE_KEYS.iter())
        .copied()
        .collect();
    exclusive(closed(&keys, props, &["uri", "type"]))
}

/// A score-k8s template provisioner: Go `text/template` sections, loaded unchanged (a file with
/// `manifests` or a string `outputs` is read in this dialect).
fn score_k8s() -> Value {
    let go =
        |what: &str| optional_scalar(&format!("Go text/template → {what} (score-k8s's format)."));
    let props = vec![
        (
            "uri",
            json!({ "description": "`template://NAME`: a score-k8s template provisioner.", "type": "string", "pattern": "^template://" }),
        ),
        ("type", scalar("The resource type it provisions.")),
        (
            "class",
            optional_scalar("Only resources of this class (default: any class)."),
        ),
        (
            "id",
            optional_scalar("Only the resource with this id (default: any)."),
        ),
        ("description", optional_scalar("What it provisions.")),
        (
            "init",
            go("YAML map: values the other sections read as `.Init`"),
        ),
        (
            "state",
            go("YAML map: the resource's persisted state (`.State` in the next run)"),
        ),
        (
            "shared",
            go("YAML map merged into the shared state (`.Shared`)"),
        ),
        ("outputs", go("YAML map: the resource's outputs")),
        (
            "manifests",
            go("YAML list of Kubernetes objects (kubernetes and helm targets)"),
        ),
        (
            "supported_params",
            names("The names of the params it accepts."),
        ),
        (
            "expected_outputs",
            names("The names of the outputs it produces."),
        ),
    ];
    closed(&SCORE_K8S_TEMPLATE_KEYS, props, &["uri", "type"])
}

fn cmd() -> Value {
    let mut props = common(
        json!({ "description": "`cmd://PROGRAM`, `cmd://./PATH`, `cmd://~/PATH` or `cmd:///ABS/PATH` (`#fragment` ignored): a program speaking score-k8s's JSON stdin/stdout contract.", "type": "string", "pattern": "^cmd://" }),
    );
    props.push((
        "args",
        names("Its arguments; `<mode>` becomes `provision`."),
    ));
    props.push(("timeout", json!({
        "description": "How long it may run: `30s`, `2m`, `500ms`, `1h` or seconds (default 60s).",
        "anyOf": [{ "type": "string", "pattern": r"^\s*0*[1-9][0-9]*(ms|s|m|h)?\s*$" }, { "type": "integer", "minimum": 1 }]
    })));
    let keys: Vec<&str> = COMMON_KEYS.iter().chain(CMD_KEYS.iter()).copied().collect();
    exclusive(closed(&keys, props, &["uri", "type"]))
}

/// Typed and untyped declarations are never both given.
fn exclusive(mut schema: Value) -> Value {
    if let Value::Object(m) = &mut schema {
        m.insert(
            "allOf".into(),
            json!([
                { "not": { "required": ["params", "supported_params"] } },
                { "not": { "required": ["outputs", "expected_outputs"] } }
            ]),
        );
    }
    schema
}

pub fn schema() -> (&'static str, &'static str, Value) {
    let mut defs = Map::new();
    defs.insert("template".into(), template());
    defs.insert("cmd".into(), cmd());
    defs.insert("score-k8s".into(), score_k8s());
    defs.insert("param".into(), param());
    defs.insert("output".into(), output());
    let body = json!({
        "type": ["array", "null"],
        "items": {
            "description": "A provisioner: the first whose type (and class, id) match a resource provisions it.",
            "type": "object",
            "required": ["uri", "type"],
            "if": { "properties": { "uri": { "type": "string", "pattern": "^cmd://" } }, "required": ["uri"] },
            "then": { "$ref": "#/$defs/cmd" },
            "else": {
                "if": { "anyOf": [
                    { "required": ["manifests"] },
                    { "required": ["outputs"], "properties": { "outputs": { "type": "string" } } }
                ] },
                "then": { "$ref": "#/$defs/score-k8s" },
                "else": { "$ref": "#/$defs/template" }
            }
        },
        "$defs": defs
    });
    (
        "score-x provisioner file",
        "A YAML list of score-x provisioners: `template://` (handlebars sections per target, or score-k8s's Go-template format), and `cmd://` (score-k8s's command contract). See docs/provisioners.md.",
        body,
    )
}
