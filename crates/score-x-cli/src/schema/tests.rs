//! The schemas against the decoders they describe: every key table of a decoder is exactly the
//! properties of its schema (each with a description), and every target-options table agrees
//! with the backend's own serde decoder on keys, types, `null` and enum values.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use score_x_core::Target;
use score_x_core::options::{OptionsFile, decode};

use super::options::{Field, Type, fields};
use super::{Kind, schema};

/// The property names of the object schema at `pointer`, each checked for a description.
fn properties(v: &Value, pointer: &str) -> Vec<String> {
    let props = v
        .pointer(&format!("{pointer}/properties"))
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("no properties at {pointer}"));
    for (k, p) in props {
        assert!(
            p.get("description").is_some(),
            "{pointer}/{k} has no description"
        );
    }
    assert_eq!(
        v.pointer(&format!("{pointer}/additionalProperties")),
        Some(&json!(false)),
        "{pointer}"
    );
    props.keys().cloned().collect()
}

fn same(v: &Value, pointer: &str, keys: &[&str]) {
    let mut got = properties(v, pointer);
    let mut want: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    got.sort();
    want.sort();
    assert_eq!(
        got, want,
        "{pointer}: the schema's keys differ from the decoder's"
    );
}

fn without_target<'a>(keys: &[&'a str]) -> Vec<&'a str> {
    keys.iter().copied().filter(|k| *k != "target").collect()
}

#[test]
fn the_score_schema_has_every_key_of_the_decoder() {
    use score_x_spec::decode as d;
    let v = schema(Kind::Score).unwrap();
    same(&v, "", d::TOP);
    for (name, keys) in [
        ("service", d::SERVICE),
        ("servicePort", d::PORT),
        ("container", d::CONTAINER),
        ("fileListItem", d::FILE),
        ("volumeListItem", d::VOLUME),
        ("requirements", d::REQUIREMENTS),
        ("quantities", d::QUANTITIES),
        ("probe", d::PROBE),
        ("httpGet", d::HTTP_GET),
        ("httpHeader", d::HEADER),
        ("exec", d::EXEC),
        ("before", d::BEFORE),
        ("resource", d::RESOURCE),
    ] {
        same(&v, &format!("/$defs/{name}"), keys);
    }
    same(&v, "/$defs/fileMap", &without_target(d::FILE));
    same(&v, "/$defs/volumeMap", &without_target(d::VOLUME));
}

#[test]
fn the_score_schema_names_the_annotations_score_x_reads() {
    let v = schema(Kind::Score).unwrap();
    let props = &v["$defs"]["annotations"]["properties"];
    for key in score_x_core::plan::KIND_ANNOTATIONS {
        assert_eq!(
            props[key]["enum"],
            json!(["Deployment", "StatefulSet", "Job", "CronJob"])
        );
    }
    for key in [
        score_x_core::plan::SCHEDULE_ANNOTATION,
        score_x_core::placement::TARGET_ANNOTATION,
        super::annotations::SERVICE_NAME_ANNOTATION,
    ] {
        assert!(props[key]["description"].is_string(), "{key}");
    }
    #[cfg(feature = "kubernetes")]
    assert_eq!(
        super::annotations::SERVICE_NAME_ANNOTATION,
        score_x_kubernetes::workload::SERVICE_NAME_ANNOTATION
    );
    #[cfg(feature = "ecs")]
    assert_eq!(
        super::annotations::APP_PROTOCOL_ANNOTATION,
        score_x_ecs::APP_PROTOCOL_ANNOTATION
    );
    let patterns = v["$defs"]["annotations"]["patternProperties"]
        .as_object()
        .unwrap();
    for prefix in score_x_core::plan::PORT_CONTAINER_ANNOTATIONS
        .iter()
        .chain([&super::annotations::APP_PROTOCOL_ANNOTATION])
    {
        let escaped = prefix.replace('.', r"\.");
        assert!(
            patterns
                .keys()
                .any(|p| p.starts_with(&format!("^{escaped}"))),
            "{prefix}"
        );
    }
}

#[test]
fn the_provisioner_schema_has_every_key_of_the_decoder() {
    use score_x_provision::format as f;
    let v = schema(Kind::Provisioners).unwrap();
    let with = |more: &[&'static str]| -> Vec<&'static str> {
        f::COMMON_KEYS.iter().chain(more).copied().collect()
    };
    same(&v, "/$defs/template", &with(&f::TEMPLATE_KEYS));
    same(&v, "/$defs/cmd", &with(&f::CMD_KEYS));
    same(&v, "/$defs/param", &f::PARAM_FIELDS);
    same(&v, "/$defs/output", &f::OUTPUT_FIELDS);
    assert_eq!(
        v["$defs"]["param"]["properties"]["type"]["enum"],
        json!(f::ParamType::NAMES)
    );
}

#[test]
fn the_placement_and_patch_schemas_have_every_key_of_their_decoders() {
    same(
        &schema(Kind::Placement).unwrap(),
        "",
        &score_x_core::placement_file::KEYS,
    );
    let v = schema(Kind::Patches).unwrap();
    same(&v, "/items", &score_x_core::patch::OPERATION_KEYS);
    same(
        &v,
        "/items/properties/object",
        &score_x_core::patch::OBJECT_KEYS,
    );
    assert_eq!(
        v["items"]["properties"]["op"]["enum"],
        json!(score_x_core::patch::OpKind::NAMES)
    );
}

/// The names serde lists after "expected" in an unknown-field or unknown-variant error.
fn expected(message: &str) -> Vec<String> {
    let tail = message.split_once("expected").map_or("", |(_, t)| t);
    tail.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn decodes<T: DeserializeOwned + Default>(target: Target, doc: &Value) -> Result<(), String> {
    let text = serde_json::to_string(doc).unwrap();
    let file = Some(OptionsFile {
        name: "o.yaml",
        text: &text,
    });
    decode::<T>(target.as_str(), file, serde_json::Map::new())
        .map(|_| ())
        .map_err(|d| d.message)
}

fn samples(ty: Type) -> (Vec<Value>, Vec<Value>) {
    match ty {
        Type::String => (vec![json!("x")], vec![json!({}), json!([1])]),
        Type::Bool => (vec![json!(true), json!(false)], vec![json!("x"), json!(1)]),
        Type::U32 => (
            vec![json!(0), json!(u32::MAX)],
            vec![json!(-1), json!("x"), json!(1.5)],
        ),
        Type::Strings => (vec![json!([]), json!(["a"])], vec![json!("a"), json!([{}])]),
        Type::StringMap => (vec![json!({ "a": "b" })], vec![json!("a"), json!([1])]),
        Type::Enum(values) => (values.iter().map(|v| json!(v)).collect(), vec![json!(12)]),
        Type::EnumList(values) => (vec![json!(values)], vec![json!(values[0]), json!([12])]),
    }
}

fn agrees<T: DeserializeOwned + Default>(target: Target) {
    let table: Vec<Field> = fields(target).unwrap();
    let err = decodes::<T>(target, &json!({ "\u{1}": 0 })).unwrap_err();
    let mut keys = expected(&err);
    let mut ours: Vec<String> = table.iter().map(|f| f.key.to_string()).collect();
    keys.sort();
    ours.sort();
    assert_eq!(
        ours, keys,
        "{target}: the option table differs from the decoder ({err})"
    );
    for f in &table {
        let (good, bad) = samples(f.ty);
        for g in good {
            let r = decodes::<T>(target, &json!({ f.key: g }));
            assert!(r.is_ok(), "{target}.{}: {g} rejected: {r:?}", f.key);
        }
        for b in bad {
            assert!(
                decodes::<T>(target, &json!({ f.key: b })).is_err(),
                "{target}.{}: {b} accepted",
                f.key
            );
        }
        let null = decodes::<T>(target, &json!({ f.key: null }));
        assert_eq!(
            null.is_ok(),
            f.nullable,
            "{target}.{}: null {null:?}",
            f.key
        );
        if let Type::Enum(values) | Type::EnumList(values) = f.ty {
            let probe = if matches!(f.ty, Type::Enum(_)) {
                json!("\u{1}")
            } else {
                json!(["\u{1}"])
            };
            let err = decodes::<T>(target, &json!({ f.key: probe })).unwrap_err();
            assert_eq!(expected(&err), values.to_vec(), "{target}.{}: {err}", f.key);
        }
    }
    let v = schema(Kind::TargetOptions(target)).unwrap();
    properties(&v, "");
}

#[test]
fn every_option_table_agrees_with_its_backend_decoder() {
    #[cfg(feature = "kubernetes")]
    agrees::<score_x_kubernetes::Options>(Target::KUBERNETES);
    #[cfg(feature = "helm")]
    agrees::<score_x_helm::Options>(Target::HELM);
    #[cfg(feature = "ecs")]
    agrees::<score_x_ecs::Options>(Target::ECS);
    #[cfg(feature = "nomad")]
    agrees::<score_x_nomad::Options>(Target::NOMAD);
    for b in crate::registry::backends() {
        assert!(
            fields(b.target()).is_some(),
            "{} has no option table",
            b.target()
        );
    }
}
