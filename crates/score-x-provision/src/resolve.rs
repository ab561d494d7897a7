//! Placeholder substitution: `${metadata.…}` and `${resources.NAME.OUTPUT…}` against a workload's
//! metadata and the provisioned outputs, into typed `Value`s (secret segments where a secret output
//! was used) or, for resource params, into JSON (where secrets are refused).

use std::collections::{BTreeMap, BTreeSet};

use score_x_core::FlatMap;
use score_x_core::diag::did_you_mean;
use score_x_core::ir::{Container, File, FileContent, Variable, Volume, Workload};
use score_x_core::resolved::{
    Output, ProvisionedResource, ResolvedContainer, ResolvedContent, ResolvedFile,
    ResolvedVariable, ResolvedVolume, ResolvedWorkload, Segment, Value,
};
use score_x_core::template::{Part, Ref, Root};
use score_x_core::value::{TValue, lookup, to_insert_text};
use score_x_core::{Code, Diagnostic, Diagnostics, ResourceUid, Span, Template};

/// What a reference resolved to.
pub(crate) enum Looked<'a> {
    Plain(serde_json::Value),
    Secret(&'a score_x_core::resolved::SecretRef, String),
    /// The reference names a resource that failed to provision (its error is already reported).
    Failed,
}

/// Where a param value sits: the params map itself, a top-level param, or deeper.
#[derive(Clone, Copy)]
enum Level<'k> {
    Root,
    Param(&'k str),
    Nested,
}

/// Lookup environment for one workload.
pub(crate) struct Env<'a> {
    pub workload: &'a Workload,
    pub provisioned: &'a BTreeMap<ResourceUid, ProvisionedResource>,
    pub failed: &'a BTreeSet<ResourceUid>,
}

fn keys_text(keys: &[String]) -> String {
    keys.iter()
        .map(|k| k.replace('.', "\\."))
        .collect::<Vec<_>>()
        .join(".")
}

impl Env<'_> {
    pub(crate) fn lookup(&self, r: &Ref, span: &Span) -> Result<Looked<'_>, Diagnostic> {
        match r.root {
            Root::Metadata => {
                let mut cur = &self.workload.metadata;
                for (i, k) in r.keys.iter().enumerate() {
                    match lookup(cur, std::slice::from_ref(k)) {
                        Some(v) => cur = v,
                        None => {
                            let mut d = Diagnostic::error(
                                Code::InvalidPlaceholder,
                                format!(
                                    "`${{{r}}}`: workload `{}` has no metadata `{}`",
                                    self.workload.name,
                                    keys_text(&r.keys[..=i])
                                ),
                            )
                            .at(span.clone());
                            if let serde_json::Value::Object(m) = cur
                                && let Some(s) = did_you_mean(k, m.keys().map(String::as_str))
                            {
                                d = d.hint(format!("did you mean `{s}`?"));
                            }
                            return Err(d);
                        }
                    }
                }
                Ok(Looked::Plain(cur.clone()))
            }
            Root::Resources => {
                let name = r.keys.first().map(String::as_str).unwrap_or_default();
                let Some(uid) = self.workload.resources.get(name) else {
                    let mut d = Diagnostic::error(
                        Code::UnknownResource,
                        format!(
                            "`${{{r}}}`: workload `{}` declares no resource `{name}`",
                            self.workload.name
                        ),
                    )
                    .at(span.clone());
                    if let Some(s) =
                        did_you_mean(name, self.workload.resources.keys().map(String::as_str))
                    {
                        d = d.hint(format!("did you mean `{s}`?"));
                    }
                    return Err(d);
                };
                if self.failed.contains(uid) {
                    return Ok(Looked::Failed);
                }
                let Some(res) = self.provisioned.get(uid) else {
                    return Err(Diagnostic::error(
                        Code::UnknownResource,
                        format!("`${{{r}}}`: resource `{uid}` is not provisioned yet (params may only use resources provisioned before)"),
                    )
                    .at(span.clone()));
                };
                let Some(out_name) = r.keys.get(1) else {
                    return Ok(Looked::Plain(serde_json::Value::String(uid.to_string())));
                };
                let Some(out) = res.outputs.get(out_name) else {
                    let declared: Vec<&str> = res.outputs.keys().map(String::as_str).collect();
                    let mut d = Diagnostic::error(
                        Code::UnknownOutput,
                        format!(
                            "`${{{r}}}`: resource `{name}` ({uid}, provisioned by {}) has no output `{out_name}`",
                            res.provisioner
                        ),
                    )
                    .at(span.clone());
                    d = match did_you_mean(out_name, declared.iter().copied()) {
                        Some(s) => d.hint(format!("did you mean `{s}`?")),
                        None if declared.is_empty() => d.hint("it has no outputs"),
                        None => d.hint(format!("its outputs are: {}", declared.join(", "))),
                    };
                    return Err(d);
                };
                let rest = &r.keys[2..];
                match out {
                    Output::Secret(s) if rest.is_empty() => Ok(Looked::Secret(s, format!("{name}.{out_name}"))),
                    Output::Secret(_) => Err(Diagnostic::error(
                        Code::UnknownOutput,
                        format!("`${{{r}}}`: output `{out_name}` of resource `{name}` is a secret and has no keys"),
                    )
                    .at(span.clone())),
                    Output::Plain(v) => match lookup(v, rest) {
                        Some(v) => Ok(Looked::Plain(v.clone())),
                        None => Err(Diagnostic::error(
                            Code::UnknownOutput,
                            format!(
                                "`${{{r}}}`: output `{out_name}` of resource `{name}` has no key `{}`",
                                keys_text(rest)
                            ),
                        )
                        .at(span.clone())),
                    },
                }
            }
        }
    }

    /// Expand a template into a typed value. `Ok(None)` when it depends on a failed resource.
    pub(crate) fn value(&self, t: &Template, span: &Span) -> Result<Option<Value>, Diagnostic> {
        let mut v = Value::default();
        for part in t.parts() {
            match part {
                Part::Text(s) => v.push(Segment::Text(s.clone())),
                Part::Ref(r) => match self.lookup(r, span)? {
                    Looked::Plain(j) => v.push(Segment::Text(to_insert_text(&j))),
                    Looked::Secret(s, _) => v.push(Segment::Secret(s.clone())),
                    Looked::Failed => return Ok(None),
                },
            }
        }
        Ok(Some(v))
    }

    /// Substitute resource params into JSON. A string that is exactly one placeholder takes the
    /// output's JSON type; otherwise non-string values are inserted as JSON text. Secrets are
    /// refused, except as the whole value of a param in `secret_params` (declared `type:
    /// secret`), which receives the reference `{name, key}` (never the value). `Ok(None)` when a
    /// referenced resource failed.
    pub(crate) fn params(
        &self,
        t: &TValue,
        span: &Span,
        path: &str,
        diags: &mut Diagnostics,
        secret_params: &BTreeSet<String>,
    ) -> Option<serde_json::Value> {
        self.param_value(t, span, path, diags, secret_params, Level::Root)
    }

    fn param_value(
        &self,
        t: &TValue,
        span: &Span,
        path: &str,
        diags: &mut Diagnostics,
        secret_params: &BTreeSet<String>,
        level: Level<'_>,
    ) -> Option<serde_json::Value> {
        use serde_json::Value as J;
        Some(match t {
            TValue::Null => J::Null,
            TValue::Bool(b) => J::Bool(*b),
            TValue::Number(n) => J::Number(n.clone()),
            TValue::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    out.push(self.param_value(
                        item,
                        span,
                        &format!("{path}/{i}"),
                        diags,
                        secret_params,
                        Level::Nested,
                    )?);
                }
                J::Array(out)
            }
            TValue::Map(m) => {
                let mut out = serde_json::Map::new();
                for (k, v) in m {
                    let child = match level {
                        Level::Root => Level::Param(k),
                        _ => Level::Nested,
                    };
                    out.insert(
                        k.clone(),
                        self.param_value(
                            v,
                            span,
                            &format!("{path}/{k}"),
                            diags,
                            secret_params,
                            child,
                        )?,
                    );
                }
                J::Object(out)
            }
            TValue::String(t) => {
                let here = span.with_path(path.to_string());
                let secret_param = match level {
                    Level::Param(k) if secret_params.contains(k) => Some(k),
                    _ => None,
                };
                let mut text = String::new();
                for part in t.parts() {
                    match part {
                        Part::Text(s) => text.push_str(s),
                        Part::Ref(r) => match self.lookup(r, &here) {
                            Err(d) => {
                                diags.push(d);
                                return Some(J::Null);
                            }
                            Ok(Looked::Failed) => return None,
                            Ok(Looked::Secret(s, _))
                                if secret_param.is_some() && t.parts().len() == 1 =>
                            {
                                return Some(serde_json::json!({"name": s.name, "key": s.key}));
                            }
                            Ok(Looked::Secret(_, what)) => {
                                let name = path.rsplit('/').next().unwrap_or(path);
                                let (msg, hint) = match secret_param {
                                    Some(_) => (
                                        format!(
                                            "param `{name}` is of type secret and must be exactly one secret output placeholder such as `${{resources.db.password}}`"
                                        ),
                                        "a secret param receives the secret's reference, so it cannot be combined with other text",
                                    ),
                                    None => (
                                        format!(
                                            "param `{name}` uses the secret output `{what}`; secrets cannot flow into resource params"
                                        ),
                                        "pass a non-secret output (a host, a name), or declare the param `type: secret` in the provisioner to receive the secret's reference",
                                    ),
                                };
                                diags.push(
                                    Diagnostic::error(Code::InvalidParam, msg)
                                        .at(here.clone())
                                        .hint(hint),
                                );
                                return Some(J::Null);
                            }
                            Ok(Looked::Plain(j)) => {
                                if t.parts().len() == 1 {
                                    return Some(j);
                                }
                                text.push_str(&to_insert_text(&j));
                            }
                        },
                    }
                }
                J::String(text)
            }
        })
    }

    /// Resolve container `c`, consuming it: what passes through unchanged is moved, not copied.
    fn container(&self, c: Container, diags: &mut Diagnostics) -> ResolvedContainer {
        let Container {
            name,
            span,
            image,
            image_span: _,
            command,
            args,
            variables,
            files,
            volumes,
            resources,
            liveness_probe,
            readiness_probe,
            before,
        } = c;
        ResolvedContainer {
            name,
            span,
            image,
            command,
            args,
            variables: self.variables(variables, diags),
            files: self.files(files, diags),
            volumes: self.volumes(volumes, diags),
            resources,
            liveness_probe,
            readiness_probe,
            before,
        }
    }

    fn variables(
        &self,
        variables: FlatMap<String, Variable>,
        diags: &mut Diagnostics,
    ) -> FlatMap<String, ResolvedVariable> {
        let mut out = Vec::with_capacity(variables.len());
        for (name, var) in variables {
            match self.value(&var.value, &var.span) {
                Ok(Some(value)) => out.push((
                    name,
                    ResolvedVariable {
                        value,
                        span: var.span,
                    },
                )),
                Ok(None) => {}
                Err(d) => diags.push(d),
            }
        }
        out.into_iter().collect()
    }

    fn files(
        &self,
        files: FlatMap<String, File>,
        diags: &mut Diagnostics,
    ) -> FlatMap<String, ResolvedFile> {
        let mut out = Vec::with_capacity(files.len());
        for (target, f) in files {
            let content = match f.content {
                FileContent::Template(t) => match self.value(&t, &f.span) {
                    Ok(Some(v)) => ResolvedContent::Text(v),
                    Ok(None) => continue,
                    Err(d) => {
                        diags.push(d);
                        continue;
                    }
                },
                FileContent::Literal(s) => ResolvedContent::Text(Value::text(s)),
                FileContent::Binary(b) => ResolvedContent::Binary(b),
            };
            let file = ResolvedFile {
                target: f.target,
                mode: f.mode,
                content,
                span: f.span,
            };
            out.push((target, file));
        }
        out.into_iter().collect()
    }

    fn volumes(
        &self,
        volumes: FlatMap<String, Volume>,
        diags: &mut Diagnostics,
    ) -> FlatMap<String, ResolvedVolume> {
        let mut out = Vec::with_capacity(volumes.len());
        for (target, v) in volumes {
            if !self.provisioned.contains_key(&v.source) && !self.failed.contains(&v.source) {
                diags.push(
                    Diagnostic::error(
                        Code::UnknownResource,
                        format!(
                            "volume `{target}` uses resource `{}`, which is not declared",
                            v.source
                        ),
                    )
                    .at(v.span),
                );
                continue;
            }
            let volume = ResolvedVolume {
                target: v.target,
                source: v.source,
                path: v.path,
                read_only: v.read_only,
                span: v.span,
            };
            out.push((target, volume));
        }
        out.into_iter().collect()
    }
}

/// Resolve workload `w`, consuming it; problems go to `diags`. Its containers are taken out
/// first, the rest of it stays the lookup environment, then moves into the result.
pub(crate) fn workload(
    mut w: Workload,
    provisioned: &BTreeMap<ResourceUid, ProvisionedResource>,
    failed: &BTreeSet<ResourceUid>,
    diags: &mut Diagnostics,
) -> ResolvedWorkload {
    let containers = std::mem::take(&mut w.containers);
    let env = Env {
        workload: &w,
        provisioned,
        failed,
    };
    let containers = containers
        .into_iter()
        .map(|(n, c)| (n, Box::new(env.container(*c, diags))))
        .collect();
    let Workload {
        name,
        file,
        span,
        metadata,
        annotations,
        containers: _,
        service_ports,
        resources,
    } = w;
    ResolvedWorkload {
        name,
        file,
        span,
        metadata,
        annotations,
        service_ports,
        containers,
        resources,
    }
}
