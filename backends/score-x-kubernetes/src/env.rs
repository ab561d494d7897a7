//! Container `variables` → env vars: plain text escaped for the kubelet, single secrets as
//! `secretKeyRef`, mixed values through hidden helper vars and dependent-env expansion.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{EnvVar, EnvVarSource, SecretKeySelector};
use score_x_core::Span;
use score_x_core::resolved::{ResolvedContainer, SecretRef, Segment};

use crate::error::Error;
use crate::names::{escape_env, secret_helper_name};

fn secret_env(name: String, r: &SecretRef, what: &str, span: &Span) -> Result<EnvVar, Error> {
    let key = r.key.clone().ok_or_else(|| Error::SecretWithoutKey {
        what: what.to_string(),
        name: r.name.clone(),
        span: Box::new(span.clone()),
    })?;
    Ok(EnvVar {
        name,
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                key,
                name: r.name.clone(),
                optional: None,
            }),
            ..Default::default()
        }),
        ..Default::default()
    })
}

/// The env of a container: helper vars first (sorted), then the variables sorted by name.
pub fn env(c: &ResolvedContainer) -> Result<Vec<EnvVar>, Error> {
    let mut helpers: BTreeMap<String, EnvVar> = BTreeMap::new();
    let mut vars = Vec::new();
    for (name, var) in &c.variables {
        let what = format!("variable `{name}` of container `{}`", c.name);
        if let Some(r) = var.value.single_secret() {
            vars.push(secret_env(name.clone(), r, &what, &var.span)?);
        } else if let Some(text) = var.value.as_plain() {
            vars.push(EnvVar {
                name: name.clone(),
                value: Some(escape_env(&text)),
                ..Default::default()
            });
        } else {
            let mut text = String::new();
            for seg in &var.value.segments {
                match seg {
                    Segment::Text(t) => text.push_str(&escape_env(t)),
                    Segment::Secret(r) => {
                        let key = r.key.as_deref().ok_or_else(|| Error::SecretWithoutKey {
                            what: what.clone(),
                            name: r.name.clone(),
                            span: Box::new(var.span.clone()),
                        })?;
                        let helper = secret_helper_name(&r.name, key);
                        text.push_str(&format!("$({helper})"));
                        if !helpers.contains_key(&helper) {
                            helpers
                                .insert(helper.clone(), secret_env(helper, r, &what, &var.span)?);
                        }
                    }
                }
            }
            vars.push(EnvVar {
                name: name.clone(),
                value: Some(text),
                ..Default::default()
            });
        }
    }
    if let Some((name, var)) = c.variables.iter().find(|(n, _)| helpers.contains_key(*n)) {
        return Err(Error::EnvCollision {
            container: c.name.clone(),
            name: name.clone(),
            span: Box::new(var.span.clone()),
        });
    }
    let mut out: Vec<EnvVar> = helpers.into_values().collect();
    out.extend(vars);
    Ok(out)
}
