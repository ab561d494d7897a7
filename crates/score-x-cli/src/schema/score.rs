//! The schema of a Score workload as score-x decodes it (`score_x_spec::decode`): the key tables
//! of the decoder, Score's name patterns, the placeholder grammar where score-x expands
//! placeholders, and the annotations score-x reads.

use serde_json::{Value, json};

use score_x_spec::decode as d;

use super::{boolean, closed, described, one_of, reference, string};

/// RFC 1123 label (workload, container, port and resource names).
pub const LABEL: &str = "^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$";
/// Resource type and class.
const TYPE_NAME: &str = "^[A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z0-9]$";
/// Resource id: dot-separated labels.
const RESOURCE_ID: &str = r"^[a-z0-9]+(?:-+[a-z0-9]+)*(?:\.[a-z0-9]+(?:-+[a-z0-9]+)*)*$";
/// CPU quantity.
const CPU: &str = r"^\d+(?:m|\.\d+)?$";
/// Memory quantity.
const MEMORY: &str = r"^(0\.\d+|[1-9]\d*(\.\d+)?)(K|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$";
/// Standard base64 with padding (surrounding whitespace is trimmed).
const BASE64: &str = r"^\s*(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?\s*$";

/// A text with Score placeholders (`score_x_core::template`): `${metadata.KEY…}`,
/// `${resources.NAME.OUTPUT…}` (`${resources.NAME}` too where `bare`), `$${…}` and `$$`
/// escapes, any other `$` literal; a key is text without `.` or `}` (`\.` escapes a dot).
pub fn placeholder_pattern(bare: bool) -> String {
    let key = r"(?:[^.}\\]|\\\.|\\)+";
    let outputs = if bare { "*" } else { "+" };
    let refs =
        format!(r"\$\{{metadata(?:\.{key})+\}}|\$\{{resources\.{key}(?:\.{key}){outputs}\}}");
    format!(r"^(?:[^$]|\$\$\{{[^}}]*\}}|\$\$|\$[^{{$]|{refs})*\$?$")
}

pub fn schema() -> (&'static str, &'static str, Value) {
    let mut root = closed(
        d::TOP,
        vec![
            (
                "apiVersion",
                one_of(
                    "The Score specification version; score-x reads `score.dev/v1b1`.",
                    &["score.dev/v1b1"],
                ),
            ),
            (
                "metadata",
                reference(
                    "metadata",
                    "The workload's name, annotations and any other metadata (`${metadata.KEY}` reads them).",
                ),
            ),
            (
                "service",
                reference("service", "The network ports the workload serves."),
            ),
            (
                "containers",
                described(
                    "The containers of the workload, by name (at least one).",
                    json!({ "type": "object", "minProperties": 1, "propertyNames": { "$ref": "#/$defs/label" }, "additionalProperties": { "$ref": "#/$defs/container" } }),
                ),
            ),
            (
                "resources",
                described(
                    "The resources the workload depends on, by name (`${resources.NAME.OUTPUT}` reads their outputs).",
                    json!({ "type": "object", "propertyNames": { "$ref": "#/$defs/label" }, "additionalProperties": { "$ref": "#/$defs/resource" } }),
                ),
            ),
        ],
        &["apiVersion", "metadata", "containers"],
    );
    if let Value::Object(m) = &mut root {
        m.insert("$defs".into(), defs());
    }
    (
        "Score workload (score-x)",
        "A Score workload (score.dev/v1b1) as score-x reads it, with the annotations score-x understands. See https://docs.score.dev/docs/score-specification/score-spec-reference/ and docs/cli.md (`score-x schema`).",
        root,
    )
}

fn defs() -> Value {
    json!({
        "label": { "type": "string", "minLength": 2, "maxLength": 63, "pattern": LABEL },
        "text": {
            "description": "Text. A number or boolean is read as its text, with a warning (quote it).",
            "type": ["string", "number", "boolean"]
        },
        "templated": {
            "description": "Text with placeholders: `${metadata.KEY}`, `${resources.NAME.OUTPUT}`; `$${` is a literal `${`, `$$` a literal `$`. A number or boolean is read as its text, with a warning (quote it).",
            "anyOf": [
                { "type": "string", "pattern": placeholder_pattern(false) },
                { "type": ["number", "boolean"] }
            ]
        },
        "templatedValue": {
            "description": "Any value; its strings may hold placeholders (`${metadata.KEY}`, `${resources.NAME.OUTPUT}`).",
            "anyOf": [
                { "type": "string", "pattern": placeholder_pattern(false) },
                { "type": ["number", "boolean", "null"] },
                { "type": "array", "items": { "$ref": "#/$defs/templatedValue" } },
                { "type": "object", "additionalProperties": { "$ref": "#/$defs/templatedValue" } }
            ]
        },
        "metadata": metadata(),
        "annotations": super::annotations::workload(),
        "resourceAnnotations": super::annotations::resource(),
        "service": service(),
        "servicePort": service_port(),
        "container": container(),
        "fileMap": file(false),
        "fileListItem": file(true),
        "volumeMap": volume(false),
        "volumeListItem": volume(true),
        "requirements": requirements(),
        "quantities": quantities(),
        "probe": probe(),
        "httpGet": http_get(),
        "httpHeader": closed(d::HEADER, vec![
            ("name", json!({ "description": "The header name.", "type": "string", "pattern": "^[A-Za-z0-9_-]+$" })),
            ("value", json!({ "description": "The header value.", "type": "string", "minLength": 1 })),
        ], &["name", "value"]),
        "exec": closed(d::EXEC, vec![
            ("command", json!({ "description": "The command and its arguments, run in the container.", "type": "array", "items": { "type": "string" } })),
        ], &["command"]),
        "before": closed(d::BEFORE, vec![
            ("ready", one_of("How far the container must get before the one that names it starts: started, healthy (needs a probe on it) or complete.", &["started", "healthy", "complete"])),
        ], &["ready"]),
        "resource": resource()
    })
}

fn metadata() -> Value {
    json!({
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {
                "description": "The workload's name: an RFC 1123 label of 2-63 characters (a-z, 0-9, '-'), unique in the estate.",
                "$ref": "#/$defs/label"
            },
            "annotations": {
                "description": "Annotations of the workload; score-x reads the `score-x.dev/…` and `k8s.score.dev/…` keys listed here.",
                "$ref": "#/$defs/annotations"
            }
        },
        "additionalProperties": true
    })
}

fn service() -> Value {
    closed(
        d::SERVICE,
        vec![(
            "ports",
            described(
                "The named ports callers dial (`NAME: {port, targetPort, protocol}`).",
                json!({ "type": "object", "propertyNames": { "$ref": "#/$defs/label" }, "additionalProperties": { "$ref": "#/$defs/servicePort" } }),
            ),
        )],
        &[],
    )
}

fn port(description: &str) -> Value {
    json!({ "description": description, "type": "integer", "minimum": 1, "maximum": 65535 })
}

fn service_port() -> Value {
    closed(
        d::PORT,
        vec![
            ("port", port("The port callers dial.")),
            (
                "targetPort",
                port("The port the container listens on (default: `port`)."),
            ),
            (
                "protocol",
                one_of("The transport protocol (default TCP).", &["TCP", "UDP"]),
            ),
        ],
        &["port"],
    )
}

fn strings(description: &str) -> Value {
    json!({ "description": description, "type": "array", "items": { "type": "string" } })
}

fn container() -> Value {
    closed(
        d::CONTAINER,
        vec![
            (
                "image",
                json!({ "description": "The image. `.` is replaced by `--image`.", "type": "string", "minLength": 1 }),
            ),
            ("command", strings("Replaces the image's entrypoint.")),
            ("args", strings("Replaces the image's arguments.")),
            (
                "variables",
                json!({
                    "description": "Environment variables; values may hold placeholders.",
                    "type": "object",
                    "propertyNames": { "minLength": 1, "pattern": "^[^=]+$" },
                    "additionalProperties": { "$ref": "#/$defs/templated" }
                }),
            ),
            (
                "files",
                targeted(
                    "files",
                    "Files to mount, by target path.",
                    "fileMap",
                    "fileListItem",
                ),
            ),
            (
                "volumes",
                targeted(
                    "volumes",
                    "Volumes to mount, by target path.",
                    "volumeMap",
                    "volumeListItem",
                ),
            ),
            (
                "resources",
                reference("requirements", "CPU and memory requests and limits."),
            ),
            (
                "livenessProbe",
                reference("probe", "Restart the container when this probe fails."),
            ),
            (
                "readinessProbe",
                reference("probe", "Send traffic only while this probe succeeds."),
            ),
            (
                "before",
                json!({
                    "description": "Containers this one starts before, by name, and what they wait for.",
                    "type": "object",
                    "propertyNames": { "$ref": "#/$defs/label" },
                    "additionalProperties": { "$ref": "#/$defs/before" }
                }),
            ),
        ],
        &["image"],
    )
}

/// `files`/`volumes`: a map from target path, or the deprecated list with a `target` each.
fn targeted(what: &str, description: &str, map: &str, item: &str) -> Value {
    json!({
        "description": description,
        "oneOf": [
            { "type": "object", "propertyNames": { "minLength": if what == "files" { 1 } else { 0 } }, "additionalProperties": { "$ref": format!("#/$defs/{map}") } },
            { "description": format!("Deprecated: the list form of `{what}` (accepted with a warning)."), "deprecated": true, "type": "array", "items": { "$ref": format!("#/$defs/{item}") } }
        ]
    })
}

/// The keys of `table` in one form (`target` only in the list form).
fn form(table: &'static [&'static str], list_form: bool) -> Vec<&'static str> {
    table
        .iter()
        .copied()
        .filter(|k| list_form || *k != "target")
        .collect()
}

fn target_key(list_form: bool, required: &mut Vec<&'static str>) -> Vec<(&'static str, Value)> {
    if !list_form {
        return vec![];
    }
    required.push("target");
    vec![(
        "target",
        json!({ "description": "The path in the container (list form only).", "type": "string", "minLength": 1 }),
    )]
}

fn file(list_form: bool) -> Value {
    let mut required = vec![];
    let mut props = target_key(list_form, &mut required);
    props.extend([
        ("mode", json!({ "description": "The file mode in octal, e.g. \"0644\" (quote it).", "type": "string", "pattern": "^0?[0-7]{3}$" })),
        ("source", json!({ "description": "A file to read the content from, relative to the score file (placeholders in it are expanded unless noExpand).", "type": "string", "minLength": 1 })),
        ("content", json!({
            "description": "The content; placeholders are expanded unless noExpand.",
            "anyOf": [
                { "type": "string" },
                { "type": ["number", "boolean"] },
                { "description": "Deprecated: a list of lines (accepted with a warning).", "deprecated": true, "type": "array", "items": { "type": "string" } }
            ]
        })),
        ("binaryContent", json!({ "description": "The content in standard base64 (never expanded).", "type": "string", "contentEncoding": "base64", "pattern": BASE64 })),
        ("noExpand", boolean("Do not expand placeholders in the content.")),
    ]);
    let mut out = closed(&form(d::FILE, list_form), props, &required);
    if let Value::Object(m) = &mut out {
        m.insert(
            "oneOf".into(),
            json!([{ "required": ["content"] }, { "required": ["binaryContent"] }, { "required": ["source"] }]),
        );
        m.insert("if".into(), json!({ "not": { "required": ["noExpand"], "properties": { "noExpand": { "const": true } } }, "required": ["content"], "properties": { "content": { "type": "string" } } }));
        m.insert(
            "then".into(),
            json!({ "properties": { "content": { "pattern": placeholder_pattern(false) } } }),
        );
        m.insert(
            "description".into(),
            json!("A file: exactly one of `content`, `binaryContent` or `source`."),
        );
    }
    out
}

fn volume(list_form: bool) -> Value {
    let mut required = vec![];
    let mut props = target_key(list_form, &mut required);
    required.push("source");
    props.extend([
        ("source", json!({ "description": "The volume resource: `${resources.NAME}` or the bare NAME of a declared resource.", "type": "string", "minLength": 1, "pattern": placeholder_pattern(true) })),
        ("path", string("A sub path in the volume.")),
        ("readOnly", boolean("Mount read-only.")),
        ("read_only", json!({ "description": "Deprecated: the old name of `readOnly` (accepted with a warning).", "deprecated": true, "type": "boolean" })),
    ]);
    let mut out = closed(&form(d::VOLUME, list_form), props, &required);
    if let Value::Object(m) = &mut out {
        m.insert(
            "not".into(),
            json!({ "required": ["readOnly", "read_only"] }),
        );
    }
    out
}

fn requirements() -> Value {
    closed(
        d::REQUIREMENTS,
        vec![
            (
                "limits",
                reference("quantities", "The most the container may use."),
            ),
            (
                "requests",
                reference("quantities", "What the container is guaranteed."),
            ),
        ],
        &[],
    )
}

fn quantities() -> Value {
    closed(
        d::QUANTITIES,
        vec![
            (
                "cpu",
                json!({ "description": "CPUs: whole or fractional (`2`, `0.5`) or millicores (`250m`).", "anyOf": [{ "type": "string", "pattern": CPU }, { "type": "number", "minimum": 0 }] }),
            ),
            (
                "memory",
                json!({ "description": "Bytes with an optional unit: K, M, G, T, P, E or Ki, Mi, Gi, Ti, Pi, Ei (`128Mi`, `1.5G`).", "anyOf": [{ "type": "string", "pattern": MEMORY }, { "type": "number", "exclusiveMinimum": 0 }] }),
            ),
        ],
        &[],
    )
}

fn probe() -> Value {
    let mut out = closed(
        d::PROBE,
        vec![
            (
                "httpGet",
                reference("httpGet", "An HTTP GET that must answer 2xx or 3xx."),
            ),
            ("exec", reference("exec", "A command that must exit 0.")),
        ],
        &[],
    );
    if let Value::Object(m) = &mut out {
        m.insert(
            "anyOf".into(),
            json!([{ "required": ["httpGet"] }, { "required": ["exec"] }]),
        );
    }
    out
}

fn http_get() -> Value {
    closed(
        d::HTTP_GET,
        vec![
            (
                "host",
                json!({ "description": "The host to connect to (default: the workload's address).", "type": "string", "minLength": 1 }),
            ),
            (
                "scheme",
                one_of("HTTP (default) or HTTPS.", &["HTTP", "HTTPS"]),
            ),
            ("path", string("The path to request.")),
            ("port", port("The container port to connect to.")),
            (
                "httpHeaders",
                json!({ "description": "Extra request headers.", "type": "array", "items": { "$ref": "#/$defs/httpHeader" } }),
            ),
        ],
        &["path", "port"],
    )
}

fn resource() -> Value {
    closed(
        d::RESOURCE,
        vec![
            (
                "type",
                json!({ "description": "The resource type a provisioner handles (`postgres`, `redis`, `volume`, …; `score-x provisioners list`).", "type": "string", "minLength": 2, "maxLength": 63, "pattern": TYPE_NAME }),
            ),
            (
                "class",
                json!({ "description": "A specialisation of the type (default `default`).", "type": "string", "minLength": 2, "maxLength": 63, "pattern": TYPE_NAME }),
            ),
            (
                "id",
                json!({ "description": "Shares the resource between workloads: one resource per type, class and id.", "type": "string", "minLength": 2, "maxLength": 63, "pattern": RESOURCE_ID }),
            ),
            (
                "metadata",
                json!({
                    "description": "Metadata of the resource (handed to its provisioner).",
                    "type": "object",
                    "properties": { "annotations": { "$ref": "#/$defs/resourceAnnotations" } },
                    "additionalProperties": true
                }),
            ),
            (
                "params",
                json!({
                    "description": "Parameters for the provisioner; strings may hold placeholders. Empty (`params:`) means none.",
                    "type": ["object", "null"],
                    "additionalProperties": { "$ref": "#/$defs/templatedValue" }
                }),
            ),
        ],
        &["type"],
    )
}
