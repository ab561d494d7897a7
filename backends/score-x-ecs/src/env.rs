//! Container `variables` → `environment` (plain) and `secrets` (`valueFrom`); variables mixing
//! text and secrets are promoted to a secret of their own, or composed by a shell wrapper.

use score_x_core::resolved::{ResolvedContainer, Segment};

use crate::ctx::Ctx;
use crate::error::Error;
use crate::model::{KeyValuePair, Secret};
use crate::options::MixedSecrets;
use crate::secrets::value_from;
use crate::shell::{dq_escape, env_name};

/// What a container's variables become.
#[derive(Debug, Default)]
pub struct EnvPlan {
    pub environment: Vec<KeyValuePair>,
    pub secrets: Vec<Secret>,
    /// Shell-wrapper mode: the `entryPoint` replacing the Score command (the Score command and
    /// args become `command`).
    pub wrapper: Option<Vec<String>>,
}

/// SSM names allow `[A-Za-z0-9_.\-/]`.
fn ssm_segment(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

pub fn plan(ctx: &mut Ctx<'_>, workload: &str, c: &ResolvedContainer) -> Result<EnvPlan, Error> {
    let mut out = EnvPlan::default();
    let mut exports = Vec::new();
    let mut hidden = Vec::new();
    for (name, var) in &c.variables {
        if let Some(text) = var.value.as_plain() {
            out.environment.push(KeyValuePair {
                name: name.clone(),
                value: text,
            });
            continue;
        }
        if let Some(s) = var.value.single_secret() {
            out.secrets.push(Secret {
                name: name.clone(),
                value_from: value_from(s, Some(&var.span))?,
            });
            ctx.secrets.use_secret(workload, s);
            continue;
        }
        match ctx.opts.mixed_secrets() {
            MixedSecrets::Promote => {
                let param = format!(
                    "{}/workloads/{}/{}/{}",
                    ctx.opts.secret_prefix(),
                    ssm_segment(workload),
                    ssm_segment(&c.name),
                    ssm_segment(name)
                );
                // The parts still have to be readable by whoever composes the value; they are not
                // read by the task, so they are not added to the workload's policy.
                for s in var.value.secrets() {
                    value_from(s, Some(&var.span))?;
                }
                ctx.secrets.promote(
                    workload,
                    &param,
                    &var.value,
                    format!(
                        "variable {name} of container {} in workload {workload}",
                        c.name
                    ),
                );
                ctx.notes.push(format!(
                    "variable `{name}` of container `{}` in workload `{workload}` mixes text and secrets: it is read from the SSM parameter `{param}`, composed from the recipe in secrets-to-create.json by `score-x apply` (or by the platform), or set `mixedSecrets: shell-wrapper`",
                    c.name
                ));
                out.secrets.push(Secret {
                    name: name.clone(),
                    value_from: param,
                });
            }
            MixedSecrets::ShellWrapper => {
                let mut composed = String::new();
                for (k, seg) in var.value.segments.iter().enumerate() {
                    match seg {
                        Segment::Text(t) => composed.push_str(&dq_escape(t)),
                        Segment::Secret(s) => {
                            let hidden_name = format!("SCOREX_{}_{k}", env_name(name));
                            out.secrets.push(Secret {
                                name: hidden_name.clone(),
                                value_from: value_from(s, Some(&var.span))?,
                            });
                            ctx.secrets.use_secret(workload, s);
                            composed.push_str(&format!("${{{hidden_name}}}"));
                            hidden.push(hidden_name);
                        }
                    }
                }
                exports.push(format!("export {}=\"{composed}\"", env_name(name)));
                if env_name(name) != *name {
                    return Err(Error::Workload {
                        workload: workload.into(),
                        reason: format!(
                            "variable `{name}` cannot be exported by a shell; use `mixedSecrets: promote`"
                        ),
                        span: Box::new(var.span.clone()),
                    });
                }
                if c.command.is_none() {
                    return Err(Error::ShellWrapperNeedsCommand {
                        workload: workload.into(),
                        container: c.name.clone(),
                        variable: name.clone(),
                        span: Box::new(var.span.clone()),
                    });
                }
            }
        }
    }
    if !exports.is_empty() {
        hidden.sort();
        exports.push(format!("unset {}", hidden.join(" ")));
        exports.push("exec \"$@\"".into());
        out.wrapper = Some(vec![
            "/bin/sh".into(),
            "-c".into(),
            exports.join("; "),
            "score-x".into(),
        ]);
        ctx.notes.push(format!(
            "container `{}` of workload `{workload}` starts through `/bin/sh -c` to compose variables mixing text and secrets (mixedSecrets: shell-wrapper); the image needs a shell",
            c.name
        ));
    }
    out.environment.sort();
    out.secrets.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use score_x_core::resolved::{ResolvedVariable, SecretRef, Value};

    use super::*;
    use crate::testutil::{container, ctx, empty_app, span};

    fn with_vars(vars: Vec<(&str, Value)>) -> ResolvedContainer {
        let mut c = container("main");
        for (k, v) in vars {
            c.variables.insert(
                k.into(),
                ResolvedVariable {
                    value: v,
                    span: span(),
                },
            );
        }
        c
    }

    fn dsn() -> Value {
        let mut v = Value::text("u:");
        v.push(Segment::Secret(SecretRef {
            name: "/p/pw".into(),
            key: None,
            value: None,
            store: score_x_core::resolved::SecretStore::SsmParameter,
        }));
        v.push(Segment::Text("@h \"$x\"".into()));
        v
    }

    #[test]
    fn plain_single_and_promoted() {
        let c = with_vars(vec![
            ("B", Value::text("2")),
            ("A", Value::text("1")),
            (
                "PW",
                Value {
                    segments: vec![Segment::Secret(SecretRef {
                        name: "/p/pw".into(),
                        key: None,
                        value: None,
                        store: score_x_core::resolved::SecretStore::SsmParameter,
                    })],
                },
            ),
            ("DSN", dsn()),
        ]);
        let (app, opts) = (empty_app(), crate::options::Options::default());
        let mut cx = ctx(&app, &opts);
        let p = plan(&mut cx, "w", &c).unwrap();
        let env: Vec<&str> = p.environment.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(env, ["A", "B"]);
        let sec: Vec<(&str, &str)> = p
            .secrets
            .iter()
            .map(|s| (s.name.as_str(), s.value_from.as_str()))
            .collect();
        assert_eq!(
            sec,
            [("DSN", "/score-x/workloads/w/main/DSN"), ("PW", "/p/pw")]
        );
        assert!(p.wrapper.is_none());
        assert_eq!(
            cx.secrets.entries["/score-x/workloads/w/main/DSN"]
                .recipe
                .as_deref(),
            Some("u:{{resolve:ssm-secure:/p/pw}}@h \"$x\"")
        );
    }

    #[test]
    fn shell_wrapper_escapes_text_and_needs_a_command() {
        let opts = crate::options::Options {
            mixed_secrets: Some(MixedSecrets::ShellWrapper),
            ..Default::default()
        };
        let app = empty_app();
        let c = with_vars(vec![("DSN", dsn())]);
        assert!(matches!(
            plan(&mut ctx(&app, &opts), "w", &c),
            Err(Error::ShellWrapperNeedsCommand { .. })
        ));
        let mut c = c;
        c.command = Some(vec!["/app".into()]);
        let p = plan(&mut ctx(&app, &opts), "w", &c).unwrap();
        let w = p.wrapper.unwrap();
        assert_eq!(
            w[2],
            "export DSN=\"u:${SCOREX_DSN_1}@h \\\"\\$x\\\"\"; unset SCOREX_DSN_1; exec \"$@\""
        );
        assert_eq!(p.secrets[0].name, "SCOREX_DSN_1");
    }
}
