//! score-k8s template provisioners (`template://` files with Go `text/template` in `init`,
//! `state`, `shared`, `outputs` and `manifests`, plus `supported_params`/`expected_outputs`):
//! recognising the dialect, decoding it, and running it as score-k8s does.

use std::collections::BTreeMap;

use score_x_core::diag::did_you_mean;
use score_x_core::resolved::Output;
use score_x_core::yaml_tree::Key;
use score_x_core::{Code, Diagnostic, Diagnostics};
use serde_json::Value as Json;

use crate::format::{
    self, Origin, OutputSpec, ParamSpec, ParamType, Provisioner, ProvisionerKind, Section,
    SectionSource,
};
use crate::gotmpl::{self, Template};
use crate::run::{RunInput, RunResult, fail};
use crate::yaml::{Node, Value};

/// The keys of a score-k8s template provisioner (score-k8s decodes with known fields only).
pub const KEYS: [&str; 12] = [
    "uri",
    "type",
    "class",
    "id",
    "description",
    "init",
    "state",
    "shared",
    "outputs",
    "manifests",
    "supported_params",
    "expected_outputs",
];

/// Sections in evaluation order: (file key, where it is kept).
const SECTIONS: [(&str, Section); 5] = [
    ("init", Section::Init),
    ("state", Section::State),
    ("shared", Section::Shared),
    ("outputs", Section::OutputsTemplate),
    ("manifests", Section::Kubernetes),
];

/// Keys only score-x's own (handlebars) format has.
const SCORE_X_KEYS: [&str; 7] = [
    "params",
    "outputs_template",
    "kubernetes",
    "ecs",
    "nomad",
    "strict_params",
    "outputs",
];

/// Is this `template://` provisioner in the score-k8s dialect? Yes when it has `manifests`, or
/// `outputs` is a template string (score-x declares outputs as a map), or, with none of
/// score-x's own keys, a section uses Go template syntax (`{{ .X }}`, `{{-`, `{{ $x }}`).
pub(crate) fn is_score_k8s(entries: &[(Key, Node)]) -> bool {
    let get = |k: &str| {
        entries
            .iter()
            .find(|(key, _)| key.name == k)
            .map(|(_, v)| v)
    };
    if get("manifests").is_some()
        || get("outputs").is_some_and(|n| matches!(n.value, Value::Str(_)))
    {
        return true;
    }
    let go_syntax = |n: &Node| {
        n.scalar_text().is_some_and(|t| {
            ["{{ .", "{{.", "{{-", "-}}", "{{ $", "{{$"]
                .iter()
                .any(|m| t.contains(m))
        })
    };
    !entries
        .iter()
        .any(|(k, _)| SCORE_X_KEYS.contains(&k.name.as_str()))
        && ["init", "state", "shared"]
            .iter()
            .filter_map(|k| get(k))
            .any(go_syntax)
}

/// Decode a score-k8s template provisioner; Go template syntax errors are reported here.
pub(crate) fn decode(
    item: &Node,
    entries: &[(Key, Node)],
    path: &str,
    origin: &Origin,
    uri: Option<String>,
    diags: &mut Diagnostics,
) -> Option<Provisioner> {
    let before = diags.len();
    let get = |k: &str| {
        entries
            .iter()
            .find(|(key, _)| key.name == k)
            .map(|(_, v)| v)
    };
    for (k, _) in entries {
        let name = k.name.as_str();
        if KEYS.contains(&name) {
            continue;
        }
        let d = format::err(
            Code::UnknownField,
            &k.pos,
            &format!("{path}/{name}"),
            format!("unknown field `{name}` in a score-k8s template provisioner"),
        );
        diags.push(match did_you_mean(name, KEYS.iter().copied()) {
            Some(s) => d.hint(format!("did you mean `{s}`? (this provisioner is read as score-k8s's format because it has `manifests` or a template in `outputs`; score-x's own keys such as `{name}` cannot be mixed in)")),
            None => d.hint(format!("score-k8s template provisioners have: {}; score-x's own format (outputs map, outputs_template, kubernetes) cannot be mixed in", KEYS.join(", "))),
        });
    }
    let text = |k: &str, diags: &mut Diagnostics| {
        get(k)
            .filter(|n| !n.is_null())
            .and_then(|n| format::scalar(n, &format!("{path}/{k}"), k, diags))
    };
    let type_ = match get("type") {
        Some(n) => format::scalar(n, &format!("{path}/type"), "type", diags),
        None => {
            diags.push(
                format::err(
                    Code::RequiredField,
                    &item.pos,
                    path,
                    "provisioner has no `type`",
                )
                .hint("add e.g. `type: postgres`"),
            );
            None
        }
    };
    let (class, id, description) = (
        text("class", diags),
        text("id", diags),
        text("description", diags),
    );
    let names = |k: &str, diags: &mut Diagnostics| {
        get(k).map(|n| format::string_list(n, &format!("{path}/{k}"), k, diags))
    };
    let params = names("supported_params", diags);
    let outputs = names("expected_outputs", diags);
    let mut sections = BTreeMap::new();
    for (key, section) in SECTIONS {
        let Some(n) = get(key).filter(|n| !n.is_null()) else {
            continue;
        };
        let at = format!("{path}/{key}");
        let Some(src) = format::scalar(n, &at, key, diags) else {
            continue;
        };
        let source = SectionSource {
            text: src,
            line: n.pos.line,
            span: n.pos.span(&at),
        };
        if let Err(e) = Template::parse(source.text.trim()) {
            diags.push(template_error(
                &source,
                key,
                &e,
                "is not a valid Go template",
            ));
        }
        sections.insert(section, source);
    }
    if diags.len() > before {
        return None;
    }
    Some(Provisioner {
        uri: uri?,
        type_: type_?,
        class,
        id,
        description,
        params_declared: params.is_some(),
        params: params
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                (
                    p,
                    ParamSpec {
                        type_: ParamType::Any,
                        default: None,
                        required: false,
                        description: None,
                    },
                )
            })
            .collect(),
        // score-k8s lists `expected_outputs` but does not enforce them: neither do we.
        outputs_declared: false,
        outputs: outputs
            .unwrap_or_default()
            .into_iter()
            .map(|o| {
                (
                    o,
                    OutputSpec {
                        secret: false,
                        description: None,
                    },
                )
            })
            .collect(),
        origin: origin.clone(),
        strict_params: false,
        span: entries
            .first()
            .map_or(&item.pos, |(k, _)| &k.pos)
            .span(path),
        kind: ProvisionerKind::GoTemplate { sections },
    })
}

/// A template error at its file line: section, template line and column, a fix.
fn template_error(src: &SectionSource, key: &str, e: &gotmpl::Error, what: &str) -> Diagnostic {
    let text = src.text.trim();
    // `text` is trimmed as score-k8s trims it: count the lines trimmed off the start.
    let skipped = src.text[..src.text.len() - src.text.trim_start().len()]
        .matches('\n')
        .count();
    let (line, col) = e.line_col(text);
    let span = crate::template_run::file_span(src, Some(line + skipped));
    let d = Diagnostic::error(
        Code::Provisioner,
        format!(
            "section `{key}` {what}: line {}, column {col}: {}",
            line + skipped,
            e.msg
        ),
    )
    .at(span);
    match &e.hint {
        Some(h) => d.hint(h.clone()),
        None => d,
    }
}

/// score-k8s's `WorkloadServices`: `{wl: {ServiceName, Ports: {name|number: {Name, Port, TargetPort, Protocol}}}}`.
fn services(workloads: &Json) -> Json {
    let mut out = serde_json::Map::new();
    let Json::Object(ws) = workloads else {
        return Json::Object(out);
    };
    for (name, w) in ws {
        let mut ports = serde_json::Map::new();
        if let Some(Json::Object(svc)) = w.get("services") {
            let port = |pname: &str, p: &Json| serde_json::json!({"Name": pname, "Port": p.get("port"), "TargetPort": p.get("target_port"), "Protocol": p.get("protocol")});
            for (pname, p) in svc {
                ports.insert(pname.clone(), port(pname, p));
            }
            for (pname, p) in svc {
                if let Some(n) = p.get("port") {
                    ports.entry(n.to_string()).or_insert_with(|| port(pname, p));
                }
            }
        }
        let service_name = w
            .get("service_name")
            .cloned()
            .unwrap_or_else(|| Json::String(name.clone()));
        out.insert(
            name.clone(),
            serde_json::json!({"ServiceName": service_name, "Ports": ports}),
        );
    }
    Json::Object(out)
}

fn object(v: &Json) -> Json {
    if v.is_object() {
        v.clone()
    } else {
        Json::Object(serde_json::Map::new())
    }
}

/// The data every section sees (score-k8s's `templateprov.Data`).
fn data(input: &RunInput<'_>, namespace: &str) -> Json {
    let res = input.res;
    let metadata = input
        .workloads
        .get(&res.source_workload)
        .and_then(|w| w.get("metadata"))
        .map_or_else(|| object(&Json::Null), object);
    serde_json::json!({
        "Guid": crate::cmd::guid(input.uid.as_str()),
        "Uid": input.uid.as_str(),
        "Type": res.type_,
        "Class": res.class,
        "Id": input.uid.id(),
        "Params": object(&input.params),
        "Metadata": object(&res.metadata),
        "Init": object(&Json::Null),
        "State": object(&input.prev_state),
        "Shared": object(input.shared),
        "SourceWorkload": res.source_workload,
        "WorkloadMetadata": metadata,
        "WorkloadServices": services(input.workloads),
        "Namespace": namespace,
    })
}

/// Run a score-k8s template provisioner for one resource.
pub(crate) fn run(
    input: &RunInput<'_>,
    namespace: &str,
    seed: &str,
) -> Result<RunResult, Diagnostic> {
    let ProvisionerKind::GoTemplate { sections } = &input.p.kind else {
        return Err(fail(
            input,
            input.p.span.clone(),
            "not a score-k8s template provisioner",
        ));
    };
    let mut data = data(input, namespace);
    let mut ctx = gotmpl::Ctx {
        seed: seed.to_string(),
        uid: input.uid.to_string(),
        ..gotmpl::Ctx::default()
    };
    let mut render =
        |key: &str, section: Section, data: &Json| -> Result<Option<Json>, Diagnostic> {
            let Some(src) = sections.get(&section) else {
                return Ok(None);
            };
            let text = src.text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            let t = Template::parse(text).map_err(|e| {
                with_uri(
                    input,
                    template_error(src, key, &e, "is not a valid Go template"),
                )
            })?;
            ctx.section = key.to_string();
            let out = t
                .execute(data, true, &mut ctx)
                .map_err(|e| with_uri(input, template_error(src, key, &e, "failed")))?;
            if out.trim().is_empty() {
                return Ok(None);
            }
            // Never quote rendered text in messages: it may hold generated secrets.
            crate::template_run::parse_yaml(&out)
                .map(Some)
                .map_err(|(line, msg)| {
                    fail(
                        input,
                        src.span.clone(),
                        format!(
                            "section `{key}` did not render valid YAML (rendered line {}): {msg}",
                            line.unwrap_or(1)
                        ),
                    )
                })
        };
    let map = |key: &str, v: Option<Json>| -> Result<Json, Diagnostic> {
        match v {
            None | Some(Json::Null) => Ok(Json::Object(serde_json::Map::new())),
            Some(m @ Json::Object(_)) => Ok(m),
            Some(_) => Err(fail(
                input,
                input.p.span.clone(),
                format!("section `{key}` must render a YAML map"),
            )),
        }
    };
    data["Init"] = map("init", render("init", Section::Init, &data)?)?;
    let state = map("state", render("state", Section::State, &data)?)?;
    data["State"] = state.clone();
    let shared_patch = match render("shared", Section::Shared, &data)? {
        None => None,
        v => Some(map("shared", v)?),
    };
    if let Some(p) = &shared_patch {
        crate::state::deep_merge(&mut data["Shared"], p);
    }
    let mut outputs = BTreeMap::new();
    if let Json::Object(m) = map(
        "outputs",
        render("outputs", Section::OutputsTemplate, &data)?,
    )? {
        for (name, v) in m {
            outputs.insert(name.clone(), output(input, &name, v)?);
        }
    }
    let manifests = match render("manifests", Section::Kubernetes, &data)? {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::Array(items)) => items,
        Some(_) => {
            return Err(fail(
                input,
                input.p.span.clone(),
                "section `manifests` must render a YAML list of Kubernetes objects",
            ));
        }
    };
    if let Some(i) = manifests
        .iter()
        .position(|m| m.get("apiVersion").is_none() || m.get("kind").is_none())
    {
        return Err(fail(
            input,
            input.p.span.clone(),
            format!("manifests.{i}: a Kubernetes object needs `apiVersion` and `kind`"),
        ));
    }
    Ok(RunResult {
        state,
        shared_patch,
        outputs,
        artifacts: Json::Array(manifests),
        // score-k8s keeps generated values in the state (they are re-derived from the seed anyway).
        generated: Vec::new(),
    })
}

/// An output: a secret reference when it is exactly one `🔐💬name_key💬🔐` marker.
fn output(input: &RunInput<'_>, name: &str, v: Json) -> Result<Output, Diagnostic> {
    match &v {
        Json::String(s) if s.contains(crate::cmd::MARKER_START) => crate::cmd::parse_marker(s).map(Output::Secret).ok_or_else(|| {
            fail(input, input.p.span.clone(), format!("output `{name}` mixes text with a secret reference (`encodeSecretRef`); score-x needs each secret as an output of its own"))
                .hint("output the secret alone (e.g. `password: {{ encodeSecretRef $name \"password\" }}`) and compose it in the workload")
        }),
        _ => Ok(Output::Plain(v)),
    }
}

/// Prefix a section diagnostic with the provisioner and resource, as every run error is.
fn with_uri(input: &RunInput<'_>, d: Diagnostic) -> Diagnostic {
    let span = d.span.clone().unwrap_or_else(|| input.p.span.clone());
    let mut out = fail(input, span, &d.message);
    out.hint = d.hint;
    out
}
