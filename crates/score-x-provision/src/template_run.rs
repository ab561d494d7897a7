//! Running a `template://` provisioner: render `init` → `state` → `shared` → `outputs_template`
//! → the target's section with handlebars (strict), each read as YAML: through its skeleton
//! (parsed once, only the templated values rendered) when it has one, else rendered whole and
//! parsed.

use std::collections::BTreeMap;

use handlebars::{RenderError, RenderErrorReason};
use score_x_core::diag::did_you_mean;
use score_x_core::resolved::{Output, SecretRef, SecretText};
use score_x_core::{Diagnostic, Span, Target};
use serde_json::Value as Json;

use crate::format::{ProvisionerKind, Section, SectionSource};
use crate::run::{RunInput, RunResult, fail};
use crate::set::{ProvisionerSet, template_name};

/// The most one section may render: 4 MiB.
pub(crate) const MAX_RENDER_BYTES: usize = 4 << 20;

/// A render target that refuses to grow past its limit ([`MAX_RENDER_BYTES`] by default): the
/// full render writes a section into it, a skeleton all the slots of a section one after another.
pub(crate) struct Bounded {
    pub(crate) bytes: Vec<u8>,
    pub(crate) overflowed: bool,
    limit: usize,
}

impl Default for Bounded {
    fn default() -> Self {
        Bounded::with_limit(MAX_RENDER_BYTES)
    }
}

impl Bounded {
    pub(crate) fn with_limit(limit: usize) -> Self {
        Bounded {
            bytes: Vec::new(),
            overflowed: false,
            limit,
        }
    }

    fn push(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if self.bytes.len().saturating_add(buf.len()) > self.limit {
            self.overflowed = true;
            return Err(std::io::Error::other("render output bound"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(())
    }
}

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.push(buf).map(|()| buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl handlebars::Output for Bounded {
    fn write(&mut self, seg: &str) -> std::io::Result<()> {
        self.push(seg.as_bytes())
    }
}

fn object() -> Json {
    Json::Object(serde_json::Map::new())
}

pub(crate) fn file_span(src: &SectionSource, template_line: Option<usize>) -> Span {
    let extra = template_line.map_or(0, |l| u32::try_from(l.saturating_sub(1)).unwrap_or(0));
    Span {
        line: src.line + extra,
        ..src.span.clone()
    }
}

/// Explain a render error, with "did you mean" for a missing key.
fn describe(e: &RenderError, data: &Json) -> (String, Option<String>) {
    match e.reason() {
        RenderErrorReason::MissingVariable(Some(path)) => {
            let keys: Vec<&str> = path
                .split('.')
                .filter(|k| !k.is_empty() && *k != "this")
                .collect();
            let mut cur = data;
            let mut hint = None;
            for k in &keys {
                match cur {
                    Json::Object(m) => match m.get(*k) {
                        Some(v) => cur = v,
                        None => {
                            hint = did_you_mean(k, m.keys().map(String::as_str))
                                .map(|s| format!("did you mean `{s}`?"));
                            if hint.is_none() && !std::ptr::eq(cur, data) && m.len() <= 20 {
                                hint = Some(format!(
                                    "available here: {}",
                                    m.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
                                ));
                            }
                            break;
                        }
                    },
                    _ => break,
                }
            }
            (
                format!("`{path}` does not exist (templates are rendered in strict mode)"),
                hint,
            )
        }
        RenderErrorReason::MissingVariable(None) => {
            ("a value used here does not exist (templates are rendered in strict mode; use `default` or `lookup` for optional keys)".into(), None)
        }
        RenderErrorReason::Other(m) if m.starts_with("`each`:") => (
            m.clone(),
            Some("loop over less data, or look items up with `lookup`/`workload` instead of nesting loops".into()),
        ),
        other => (other.to_string(), None),
    }
}

pub(crate) fn parse_yaml(text: &str) -> Result<Json, (Option<usize>, String)> {
    if text.trim().is_empty() {
        return Ok(Json::Null);
    }
    let v = serde_yaml::from_str::<serde_yaml::Value>(text).map_err(|e| {
        let line = e.location().map(|l| l.line());
        let msg = e.to_string();
        (
            line,
            msg.split(" at line ").next().unwrap_or(&msg).to_string(),
        )
    })?;
    yaml_to_json(v).map_err(|m| (None, m))
}

/// YAML → JSON. Tags are read as CloudFormation short forms (`!Ref X` → `{"Ref": "X"}`,
/// `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`, `!Sub s` → `{"Fn::Sub": "s"}`, …), so ECS
/// sections can use the familiar syntax.
fn yaml_to_json(v: serde_yaml::Value) -> Result<Json, String> {
    use serde_yaml::Value as Y;
    Ok(match v {
        Y::Null => Json::Null,
        Y::Bool(b) => Json::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Json::from(i)
            } else if let Some(u) = n.as_u64() {
                Json::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Json::Null, Json::Number)
            }
        }
        Y::String(s) => Json::String(s),
        Y::Sequence(items) => Json::Array(
            items
                .into_iter()
                .map(yaml_to_json)
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(m) => {
            let mut out = serde_json::Map::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    _ => return Err("a map key must be a string".into()),
                };
                out.insert(key, yaml_to_json(v)?);
            }
            Json::Object(out)
        }
        Y::Tagged(t) => {
            let tag = t.tag.to_string();
            let name = tag.trim_start_matches('!');
            let (key, value) = match (name, yaml_to_json(t.value)?) {
                ("Ref" | "Condition", v) => (name.to_string(), v),
                ("GetAtt", Json::String(s)) => {
                    let parts = match s.split_once('.') {
                        Some((a, b)) => vec![Json::String(a.into()), Json::String(b.into())],
                        None => vec![Json::String(s)],
                    };
                    ("Fn::GetAtt".to_string(), Json::Array(parts))
                }
                (other, v) => (format!("Fn::{other}"), v),
            };
            let mut m = serde_json::Map::new();
            m.insert(key, value);
            Json::Object(m)
        }
    })
}

/// Data every template sees, as documented in docs/provisioners.md.
pub(crate) fn template_data(
    input: &RunInput<'_>,
    target: Target,
    options: &Json,
    uses_workloads: bool,
) -> Json {
    let res = input.res;
    let workload = input
        .workloads
        .get(&res.source_workload)
        .cloned()
        .unwrap_or(Json::Null);
    serde_json::json!({
        "uid": input.uid.as_str(),
        "type": res.type_,
        "class": res.class,
        "id": input.uid.id(),
        "params": input.params,
        "metadata": if res.metadata.is_null() { object() } else { res.metadata.clone() },
        "source_workload": res.source_workload,
        "workload": workload,
        // Only cloned for templates that use it (it can be large for big estates).
        "workloads": if uses_workloads { (**input.workloads).clone() } else { Json::Null },
        "init": object(),
        "state": input.prev_state,
        "shared": input.shared,
        "options": options,
        "target": target.as_str(),
        "requested_outputs": input.requested,
    })
}

pub(crate) fn run(
    set: &ProvisionerSet,
    input: &RunInput<'_>,
    target: Target,
    options: &Json,
    seed: &str,
) -> Result<RunResult, Diagnostic> {
    let result = render_sections(set, input, target, options, seed);
    // The thread's render context holds the estate's `workloads` data and this resource's seed
    // and generated strings: none of it is kept on the thread once the run is over.
    crate::helpers::with_ctx(|ctx| *ctx = crate::helpers::SecretCtx::default());
    result
}

/// [`run`]'s work, with the thread's render context set for this resource.
fn render_sections(
    set: &ProvisionerSet,
    input: &RunInput<'_>,
    target: Target,
    options: &Json,
    seed: &str,
) -> Result<RunResult, Diagnostic> {
    let ProvisionerKind::Template { sections } = &input.p.kind else {
        return Err(fail(
            input,
            input.p.span.clone(),
            "not a template provisioner",
        ));
    };
    crate::helpers::with_ctx(|ctx| {
        seed.clone_into(&mut ctx.seed);
        input.uid.as_str().clone_into(&mut ctx.uid);
        ctx.generated.clear();
        ctx.workloads = input.workloads.clone();
    });
    let uses_workloads = sections.values().any(|s| s.text.contains("workloads"));
    // One handlebars context per resource, updated between sections (no re-serialisation).
    let mut data = handlebars::Context::from(template_data(input, target, options, uses_workloads));
    let render = |section: Section,
                  data: &handlebars::Context|
     -> Result<Option<Json>, Diagnostic> {
        let Some(src) = sections.get(&section) else {
            return Ok(None);
        };
        let name = template_name(&input.p.uri, section);
        crate::helpers::RenderBudget.reset();
        // The section parsed once, only its templated values rendered; else the full render.
        if let Some(skeleton) = set.skeleton(&name) {
            let mark = crate::helpers::with_ctx(|c| c.generated.len());
            if let Some(v) = skeleton.render(&set.hb, data, MAX_RENDER_BYTES) {
                return Ok(Some(v));
            }
            crate::helpers::with_ctx(|c| c.generated.truncate(mark));
            crate::helpers::RenderBudget.reset();
        }
        let mut out = Bounded::default();
        let rendered = set.hb.render_with_context_to_write(&name, data, &mut out);
        if out.overflowed {
            return Err(fail(
                    input,
                    src.span.clone(),
                    format!(
                        "section `{}` rendered more than {} MiB, the limit for one section",
                        section.key(),
                        MAX_RENDER_BYTES >> 20
                    ),
                )
                .hint("a loop over large data, or partials calling each other many times, can do this; render less"));
        }
        let text = rendered
            .map(|()| String::from_utf8_lossy(&out.bytes).into_owned())
            .map_err(|e| {
                let (msg, hint) = describe(&e, data.data());
                let mut d = fail(
                    input,
                    file_span(src, e.line_no),
                    format!(
                        "section `{}` line {}, column {}: {msg}",
                        section.key(),
                        e.line_no.unwrap_or(1),
                        e.column_no.unwrap_or(1)
                    ),
                );
                if let Some(h) = hint {
                    d = d.hint(h);
                }
                d
            })?;
        // Never quote rendered text in messages: it may hold generated secrets.
        parse_yaml(&text).map(Some).map_err(|(line, msg)| {
            fail(
                input,
                file_span(src, line),
                format!(
                    "section `{}` did not render valid YAML (rendered line {}): {msg}",
                    section.key(),
                    line.unwrap_or(1)
                ),
            )
        })
    };
    let as_map = |section: Section, v: Option<Json>| -> Result<Json, Diagnostic> {
        match v {
            None | Some(Json::Null) => Ok(object()),
            Some(m @ Json::Object(_)) => Ok(m),
            Some(_) => {
                let span = sections
                    .get(&section)
                    .map_or_else(|| input.p.span.clone(), |s| s.span.clone());
                Err(fail(
                    input,
                    span,
                    format!("section `{}` must render a YAML map", section.key()),
                ))
            }
        }
    };

    let init = as_map(Section::Init, render(Section::Init, &data)?)?;
    data.data_mut()["init"] = init;
    let state = as_map(Section::State, render(Section::State, &data)?)?;
    data.data_mut()["state"] = state.clone();
    let shared_patch = match render(Section::Shared, &data)? {
        None => None,
        Some(v) => Some(as_map(Section::Shared, Some(v))?),
    };
    if let Some(patch) = &shared_patch {
        crate::state::deep_merge(&mut data.data_mut()["shared"], patch);
    }
    let rendered_outputs = as_map(
        Section::OutputsTemplate,
        render(Section::OutputsTemplate, &data)?,
    )?;
    let out_span = sections
        .get(&Section::OutputsTemplate)
        .map_or_else(|| input.p.span.clone(), |s| s.span.clone());
    let mut outputs = BTreeMap::new();
    if let Json::Object(m) = rendered_outputs {
        for (name, v) in m {
            let secret = input.output_spec(&name).is_some_and(|o| o.secret);
            let out = if secret {
                secret_output(input, &out_span, &name, v)?
            } else {
                Output::Plain(v)
            };
            outputs.insert(name, out);
        }
    }

    let section = Section::for_target(target);
    let artifacts = match render(section, &data)? {
        None => Json::Null,
        Some(v) => match (section, v) {
            (Section::Kubernetes, Json::Null) => Json::Array(vec![]),
            (Section::Kubernetes, Json::Array(items)) => {
                if let Some(i) = items.iter().position(|o| !o.is_object()) {
                    let span = sections
                        .get(&section)
                        .map_or_else(|| input.p.span.clone(), |s| s.span.clone());
                    return Err(fail(
                        input,
                        span,
                        format!(
                            "section `kubernetes` must render a list of objects; item {i} is not a map"
                        ),
                    ));
                }
                Json::Array(items)
            }
            (Section::Kubernetes, _) => {
                let span = sections
                    .get(&section)
                    .map_or_else(|| input.p.span.clone(), |s| s.span.clone());
                return Err(fail(
                    input,
                    span,
                    "section `kubernetes` must render a YAML list of objects",
                ));
            }
            (s, v) => as_map(s, Some(v))?,
        },
    };
    let generated = crate::helpers::with_ctx(|ctx| std::mem::take(&mut ctx.generated));
    Ok(RunResult {
        state,
        shared_patch,
        outputs,
        artifacts,
        generated,
    })
}

/// A declared secret output renders as `{name, key?, value?}`.
fn secret_output(
    input: &RunInput<'_>,
    span: &Span,
    name: &str,
    v: Json,
) -> Result<Output, Diagnostic> {
    let shape = || {
        fail(
            input,
            span.clone(),
            format!(
                "output `{name}` is declared `secret: true` and must render as a map `{{name: <locator>, key: <optional key>, value: <optional secret text>}}`"
            ),
        )
    };
    let Json::Object(m) = v else {
        return Err(shape());
    };
    let mut r = SecretRef {
        name: String::new(),
        key: None,
        value: None,
        // Replaced by the provisioning target's store in `provision`.
        store: score_x_core::resolved::SecretStore::KubernetesSecret,
    };
    for (k, v) in m {
        match (k.as_str(), v) {
            ("name", Json::String(s)) if !s.is_empty() => r.name = s,
            ("key", Json::String(s)) => r.key = Some(s),
            ("key", Json::Null) | ("value", Json::Null) => {}
            ("value", Json::String(s)) => r.value = Some(SecretText::new(s)),
            ("value", v @ (Json::Number(_) | Json::Bool(_))) => {
                r.value = Some(SecretText::new(v.to_string()))
            }
            _ => return Err(shape()),
        }
    }
    if r.name.is_empty() {
        return Err(shape());
    }
    Ok(Output::Secret(r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{api_with, assert_mentions, error_with, set_with};

    #[test]
    fn a_section_rendering_too_much_is_an_error_at_the_provisioner_file() {
        // 10^5 iterations × 64 bytes = 6.4 MB if it were rendered (within the loop budget).
        let open = "{{#each @root.init.l}}".repeat(5);
        let close = "{{/each}}".repeat(5);
        let body = "0123456789abcdef".repeat(4);
        let set = set_with(&format!(
            "- uri: template://test/big\n  type: big\n  init: |\n    l: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n  outputs_template: |\n    x: {open}{body}{close}\n"
        ));
        let app = api_with(&[], "b", "big", None);
        let d = error_with(&app, &set);
        assert_mentions(
            &d.message,
            &[
                "template://test/big",
                "section `outputs_template` rendered more than 4 MiB",
            ],
        );
        let span = d.span.unwrap();
        assert_eq!((&*span.file, span.line), ("extra.yaml", 6));
    }

    #[test]
    fn nested_loops_that_write_nothing_are_stopped_by_the_loop_budget() {
        // 10 loops over 10 items: 10^10 iterations, none of which writes a byte.
        let open = "{{#each @root.init.l}}".repeat(10);
        let close = "{{/each}}".repeat(10);
        let set = set_with(&format!(
            "- uri: template://test/loops\n  type: loops\n  init: |\n    l: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n  outputs_template: |\n    x: '{open}{close}'\n"
        ));
        let app = api_with(&[], "b", "loops", None);
        let started = std::time::Instant::now();
        let d = error_with(&app, &set);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_mentions(
            &d.message,
            &[
                "template://test/loops",
                "section `outputs_template`",
                "more than 1000000 loop iterations",
            ],
        );
        assert!(d.hint.as_deref().is_some_and(|h| h.contains("lookup")));
        let span = d.span.unwrap();
        assert_eq!(&*span.file, "extra.yaml");
    }

    #[test]
    fn loops_within_the_budget_render_as_the_built_in_each() {
        let set = set_with(
            "- uri: template://test/each\n  type: each\n  outputs: { x: {}, y: {}, z: {}, w: {}, n: {} }\n  init: |\n    l: [a, b]\n    m: {k: v, j: w}\n  outputs_template: |\n    x: '{{#each init.l}}{{@index}}{{this}}{{#if @first}}F{{/if}}{{#if @last}}L{{/if}}{{/each}}'\n    y: '{{#each init.m}}{{@key}}={{this}};{{/each}}'\n    z: '{{#each init.l as |v i|}}{{i}}{{v}}{{/each}}'\n    w: '{{#each init.none}}x{{else}}empty{{/each}}'\n    n: '{{#each init.l}}{{#each ../init.m}}{{@../index}}{{@key}}{{/each}}{{/each}}'\n",
        );
        let app = api_with(&[], "b", "each", None);
        let (resolved, _) = crate::tests::run_fresh(&app, &set).unwrap();
        let uid: score_x_core::ResourceUid = "each.default#api.b".parse().unwrap();
        let r = &resolved.resources()[&uid];
        let plain = |k: &str| r.plain(k).cloned();
        assert_eq!(plain("x"), Some(serde_json::json!("0aF1bL")));
        assert_eq!(plain("y"), Some(serde_json::json!("k=v;j=w;")));
        assert_eq!(plain("z"), Some(serde_json::json!("0a1b")));
        assert_eq!(plain("w"), Some(serde_json::json!("empty")));
        assert_eq!(plain("n"), Some(serde_json::json!("0k0j1k1j")));
    }

    #[test]
    fn a_run_leaves_no_render_context_on_its_thread() {
        let set = set_with(
            "- uri: template://test/ctx\n  type: ctx\n  outputs: { p: { secret: true }, n: {} }\n  outputs_template: |\n    p: { name: s, key: k, value: {{ random_string 12 }} }\n    n: '{{ len workloads }}'\n",
        );
        let app = api_with(&[], "b", "ctx", None);
        // One thread: every render of the run happens on the thread inspected after it.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let left = pool.install(|| {
            let (resolved, _) = crate::tests::run_fresh(&app, &set).unwrap();
            assert_eq!(resolved.resources().len(), 1);
            crate::helpers::with_ctx(|c| {
                (
                    c.seed.clone(),
                    c.uid.clone(),
                    c.generated.len(),
                    (*c.workloads).clone(),
                )
            })
        });
        assert_eq!(left, (String::new(), String::new(), 0, Json::Null));
    }

    #[test]
    fn rendered_yaml_parsing() {
        assert_eq!(parse_yaml("  \n").unwrap(), Json::Null);
        assert_eq!(
            parse_yaml("a: &x {b: 1}\nc: *x\n").unwrap(),
            serde_json::json!({"a": {"b": 1}, "c": {"b": 1}})
        );
        let e = parse_yaml("a: [1,\nb: 2").unwrap_err();
        assert!(e.0.is_some());
        assert_eq!(
            parse_yaml("a: !Ref Bucket\nb: !GetAtt Bucket.Arn\nc: !Sub '${AWS::Region}'\nd: !Join [':', [x, y]]\n1: one\n").unwrap(),
            serde_json::json!({
                "a": {"Ref": "Bucket"},
                "b": {"Fn::GetAtt": ["Bucket", "Arn"]},
                "c": {"Fn::Sub": "${AWS::Region}"},
                "d": {"Fn::Join": [":", ["x", "y"]]},
                "1": "one",
            })
        );
    }
}
