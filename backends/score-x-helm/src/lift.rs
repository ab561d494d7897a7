//! What varies per environment, lifted from a workload's objects into values: replicas, images,
//! resources, plain env values, security contexts, scheduling, pod labels and annotations,
//! service account, pull secrets, and the Service's type and ports.

use score_x_core::value::object;
use serde_json::{Map, Value as Json, json};

use crate::image::Image;
use crate::late::Late;
use crate::slots::{Slot, Slots, go_str};
use crate::values::{self, Values};

/// The expression of container `name`'s values.
fn container_expr(name: &str) -> String {
    format!("(index .Values.containers {})", go_str(name))
}

/// Lift the values of a Deployment, StatefulSet, Job or CronJob.
/// `checksums` are pod template annotations (key, expression) added to the pod template.
pub fn workload(
    obj: &mut Json,
    chart: &str,
    v: &mut Values,
    slots: &mut Slots,
    late: &Late,
    checksums: &[(String, String)],
) {
    let kind = obj["kind"].as_str().unwrap_or_default().to_string();
    if matches!(kind.as_str(), "Deployment" | "StatefulSet")
        && let Some(r) = obj.pointer_mut("/spec/replicas")
    {
        v.set("replicaCount", r.clone(), values::replicas());
        *r = slots.value(Slot::Scalar(".Values.replicaCount".into()));
    }
    let path = if kind == "CronJob" {
        "/spec/jobTemplate/spec/template"
    } else {
        "/spec/template"
    };
    if let Some(Json::Object(t)) = obj.pointer_mut(path) {
        pod_metadata(t, v, slots, checksums);
        if let Some(Json::Object(spec)) = t.get_mut("spec") {
            pod_spec(spec, chart, v, slots, late);
        }
    }
}

fn pod_metadata(
    t: &mut Map<String, Json>,
    v: &mut Values,
    slots: &mut Slots,
    checksums: &[(String, String)],
) {
    let meta = t
        .entry("metadata")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    let Some(meta) = meta else { return };
    if let Some(Json::Object(labels)) = meta.get_mut("labels") {
        slots.entry(labels, Slot::Merge(".Values.podLabels".into()));
        v.set("podLabels", json!({}), values::string_map());
    }
    if !checksums.is_empty() && !meta.contains_key("annotations") {
        meta.insert("annotations".into(), json!({}));
    }
    match meta.get_mut("annotations") {
        Some(Json::Object(a)) => {
            slots.entry(a, Slot::Merge(".Values.podAnnotations".into()));
            for (key, expr) in checksums {
                a.insert(key.clone(), slots.value(Slot::Scalar(expr.clone())));
            }
        }
        _ => slots.entry(
            meta,
            Slot::With {
                key: "annotations".into(),
                expr: ".Values.podAnnotations".into(),
            },
        ),
    }
    v.set("podAnnotations", json!({}), values::string_map());
}

/// Replace `map[key]` by a block of `expr`, or add an entry written only when `expr` is not
/// empty; the default value is the current one (or `empty`).
fn optional(
    map: &mut Map<String, Json>,
    key: &str,
    expr: String,
    empty: Json,
    slots: &mut Slots,
) -> Json {
    if map.contains_key(key) {
        // The entry keeps its place; its value is the default.
        let block = slots.value(Slot::Block(expr));
        map.insert(key.to_string(), block).unwrap_or(empty)
    } else {
        slots.entry(
            map,
            Slot::With {
                key: key.to_string(),
                expr,
            },
        );
        empty
    }
}

fn pod_spec(
    spec: &mut Map<String, Json>,
    chart: &str,
    v: &mut Values,
    slots: &mut Slots,
    late: &Late,
) {
    let pod_keys = [
        (
            "nodeSelector",
            "nodeSelector",
            json!({}),
            values::string_map(),
        ),
        ("tolerations", "tolerations", json!([]), values::objects()),
        ("affinity", "affinity", json!({}), values::object()),
        (
            "imagePullSecrets",
            "imagePullSecrets",
            json!([]),
            values::objects(),
        ),
        (
            "securityContext",
            "podSecurityContext",
            json!({}),
            values::object(),
        ),
    ];
    for (key, value, empty, schema) in pod_keys {
        let d = optional(spec, key, format!(".Values.{value}"), empty, slots);
        v.set(value, d, schema);
    }
    let account = spec
        .get("serviceAccountName")
        .cloned()
        .unwrap_or_else(|| json!(""));
    if spec.contains_key("serviceAccountName") {
        let s = slots.value(Slot::Scalar(".Values.serviceAccount.name | quote".into()));
        spec.insert("serviceAccountName".into(), s);
    } else {
        slots.entry(
            spec,
            Slot::WithScalar {
                key: "serviceAccountName".into(),
                expr: ".Values.serviceAccount.name".into(),
            },
        );
    }
    let mut sa = Map::new();
    sa.insert("name".into(), values::string());
    v.set(
        "serviceAccount",
        object([("name", account)]),
        values::closed(sa),
    );
    let mut defaults = Map::new();
    let mut schemas = Map::new();
    for list in ["initContainers", "containers"] {
        if let Some(Json::Array(cs)) = spec.get_mut(list) {
            for c in cs.iter_mut().filter_map(Json::as_object_mut) {
                if let Some((name, d, s)) = container(c, chart, slots, late) {
                    defaults.insert(name.clone(), d);
                    schemas.insert(name, s);
                }
            }
        }
    }
    v.set(
        "containers",
        Json::Object(defaults),
        values::closed(schemas),
    );
}

/// One container's values (`image`, `resources`, `securityContext`, `env`) and their schema.
fn container(
    c: &mut Map<String, Json>,
    chart: &str,
    slots: &mut Slots,
    late: &Late,
) -> Option<(String, Json, Json)> {
    let name = c.get("name")?.as_str()?.to_string();
    let expr = container_expr(&name);
    let mut d = Map::new();
    let mut s = Map::new();
    if let Some(image) = c.get("image").and_then(Json::as_str) {
        let img = Image::parse(image);
        d.insert("image".into(), serde_json::to_value(&img).ok()?);
        s.insert("image".into(), values::image());
        let call = format!(
            "include {} (dict \"image\" {expr}.image \"container\" {}) | quote",
            go_str(&format!("{chart}.image")),
            go_str(&name)
        );
        c.insert("image".into(), slots.value(Slot::Scalar(call)));
    }
    let r = optional(
        c,
        "resources",
        format!("{expr}.resources"),
        json!({}),
        slots,
    );
    d.insert("resources".into(), r);
    s.insert("resources".into(), values::resources());
    let sc = optional(
        c,
        "securityContext",
        format!("{expr}.securityContext"),
        json!({}),
        slots,
    );
    d.insert("securityContext".into(), sc);
    s.insert("securityContext".into(), values::object());
    let (env, env_schema) = env(c, chart, &expr, slots, late);
    d.insert("env".into(), Json::Object(env));
    s.insert("env".into(), values::closed(env_schema));
    Some((name, Json::Object(d), values::closed(s)))
}

/// Plain `value` entries of `env` become `env.<NAME>` values (quoted in the template), except
/// the late-bound ones, assembled from the `resources` values.
fn env(
    c: &mut Map<String, Json>,
    chart: &str,
    expr: &str,
    slots: &mut Slots,
    late: &Late,
) -> (Map<String, Json>, Map<String, Json>) {
    let mut d = Map::new();
    let mut s = Map::new();
    let container = c
        .get("name")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_string();
    let Some(Json::Array(env)) = c.get_mut("env") else {
        return (d, s);
    };
    for e in env.iter_mut().filter_map(Json::as_object_mut) {
        let (Some(name), Some(Json::String(value))) =
            (e.get("name").and_then(Json::as_str), e.get("value"))
        else {
            continue;
        };
        if d.contains_key(name) {
            continue;
        }
        let name = name.to_string();
        if let Some(bound) = late.env_expr(chart, &container, &name) {
            e.insert("value".into(), slots.value(Slot::Scalar(bound)));
            continue;
        }
        d.insert(name.clone(), Json::String(value.clone()));
        s.insert(name.clone(), values::env_value());
        let call = format!("index {expr}.env {} | quote", go_str(&name));
        e.insert("value".into(), slots.value(Slot::Scalar(call)));
    }
    (d, s)
}

/// Lift the type and ports of the chart's one Service.
pub fn service(obj: &mut Json, v: &mut Values, slots: &mut Slots) {
    let Some(Json::Object(spec)) = obj.get_mut("spec") else {
        return;
    };
    let ty = spec
        .get("type")
        .cloned()
        .unwrap_or_else(|| json!("ClusterIP"));
    spec.insert(
        "type".into(),
        slots.value(Slot::Scalar(".Values.service.type | quote".into())),
    );
    let ports = spec.get("ports").cloned().unwrap_or_else(|| json!([]));
    spec.insert(
        "ports".into(),
        slots.value(Slot::Block(".Values.service.ports".into())),
    );
    v.set(
        "service",
        object([("type", ty), ("ports", ports)]),
        values::service(),
    );
}
