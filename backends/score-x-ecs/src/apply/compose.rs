//! Apply's secrets step: compose every promoted secret (a [`SecretSpec`] with a `recipe`) from
//! the SSM parameters / Secrets Manager secrets it references — every read staged before any
//! write — and write it as an SSM SecureString only when its value changed; and whether a
//! secret exists. Values are read and written, never shown.

use std::collections::BTreeMap;

use aws_sdk_ssm::types::ParameterType;

use super::plan::SecretSpec;
use super::recipe::{self, Part, Reference, Sensitive};
use super::{ComposedSecret, SecretAction, aws};
use crate::error::Error;
use crate::secrets::Store;

/// A secret apply composes.
#[derive(Debug)]
struct Composed {
    name: String,
    description: Option<String>,
    parts: Vec<Part>,
}

/// The recipes of the plan's promoted secrets, parsed before any network call.
#[derive(Debug, Default)]
pub struct Plan {
    composed: Vec<Composed>,
}

fn invalid(reason: String) -> Error {
    Error::InvalidBundle {
        file: crate::SECRETS_FILE.into(),
        reason,
    }
}

/// Parse the recipes of the secrets (those without one are the platform's).
pub fn plan(specs: &[SecretSpec]) -> Result<Plan, Error> {
    let mut plan = Plan::default();
    for e in specs {
        let Some(r) = &e.recipe else { continue };
        if e.store != Store::Ssm {
            return Err(invalid(format!(
                "secret `{}` has a recipe but is not an SSM parameter; apply composes SSM SecureStrings only",
                e.name
            )));
        }
        let parts = recipe::parse(r)
            .map_err(|why| invalid(format!("recipe of secret `{}`: {why}", e.name)))?;
        plan.composed.push(Composed {
            name: e.name.clone(),
            description: e.description.clone(),
            parts,
        });
    }
    Ok(plan)
}

/// The AWS clients of the secrets step.
pub struct Clients<'a> {
    pub ssm: &'a aws_sdk_ssm::Client,
    pub sm: &'a aws_sdk_secretsmanager::Client,
}

fn missing_component(secret: &str, r: &Reference) -> Error {
    Error::MissingSecretComponent {
        secret: secret.to_string(),
        reference: r.to_string(),
    }
}

/// An SSM parameter's decrypted value and type, or `None` when it does not exist.
async fn ssm_value(
    ssm: &aws_sdk_ssm::Client,
    name: &str,
) -> Result<Option<(Sensitive, Option<ParameterType>)>, Error> {
    match ssm
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
    {
        Ok(out) => Ok(out.parameter().map(|p| {
            (
                Sensitive(p.value().unwrap_or_default().to_string()),
                p.r#type().cloned(),
            )
        })),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_parameter_not_found()) =>
        {
            Ok(None)
        }
        Err(e) => Err(aws("SSM GetParameter", e)),
    }
}

/// The value a reference points at, or `None` when the parameter / secret does not exist.
async fn read(c: &Clients<'_>, secret: &str, r: &Reference) -> Result<Option<Sensitive>, Error> {
    match r {
        Reference::Ssm { name } => Ok(ssm_value(c.ssm, name).await?.map(|(v, _)| v)),
        Reference::SecretsManager {
            id,
            key,
            stage,
            version,
        } => {
            let out = match c
                .sm
                .get_secret_value()
                .secret_id(id)
                .set_version_stage(stage.clone())
                .set_version_id(version.clone())
                .send()
                .await
            {
                Ok(out) => out,
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_resource_not_found_exception()) =>
                {
                    return Ok(None);
                }
                Err(e) => return Err(aws("Secrets Manager GetSecretValue", e)),
            };
            let Some(text) = out.secret_string() else {
                return Err(invalid(format!(
                    "cannot compose secret `{secret}`: the {r} holds binary data, not a string"
                )));
            };
            let Some(k) = key else {
                return Ok(Some(Sensitive(text.to_string())));
            };
            // Parse errors are not shown: they could quote the secret.
            let json: serde_json::Value = serde_json::from_str(text).map_err(|_| {
                invalid(format!(
                    "cannot compose secret `{secret}`: the {r} is not a JSON object"
                ))
            })?;
            match json.get(k) {
                None => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(Sensitive(s.clone()))),
                Some(v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => {
                    Ok(Some(Sensitive(v.to_string())))
                }
                Some(_) => Err(invalid(format!(
                    "cannot compose secret `{secret}`: the {r} is not a string, number or boolean"
                ))),
            }
        }
    }
}

/// Whether a secret exists (without reading its value).
pub async fn exists(c: &Clients<'_>, name: &str, store: Store) -> Result<bool, Error> {
    match store {
        Store::Ssm => match c
            .ssm
            .get_parameter()
            .name(name)
            .with_decryption(false)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_parameter_not_found()) =>
            {
                Ok(false)
            }
            Err(e) => Err(aws("SSM GetParameter", e)),
        },
        Store::SecretsManager => match c.sm.describe_secret().secret_id(name).send().await {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(aws("Secrets Manager DescribeSecret", e)),
        },
    }
}

/// The composed values that differ from what SSM holds, to write.
pub struct Staged {
    pub done: Vec<ComposedSecret>,
    writes: Vec<(String, Option<String>, Sensitive)>,
}

/// Read every component and every composed parameter (reads only); a missing component is an
/// error.
pub async fn stage(c: &Clients<'_>, plan: &Plan) -> Result<Staged, Error> {
    let mut values: BTreeMap<Reference, Sensitive> = BTreeMap::new();
    for s in &plan.composed {
        for p in &s.parts {
            let Part::Ref(r) = p else { continue };
            if values.contains_key(r) {
                continue;
            }
            let v = read(c, &s.name, r)
                .await?
                .ok_or_else(|| missing_component(&s.name, r))?;
            values.insert(r.clone(), v);
        }
    }
    let mut staged = Staged {
        done: Vec::new(),
        writes: Vec::new(),
    };
    for s in &plan.composed {
        let v = recipe::compose(&s.parts, &values).ok_or_else(|| {
            invalid(format!(
                "cannot compose secret `{}`: a component was not read",
                s.name
            ))
        })?;
        let action = match ssm_value(c.ssm, &s.name).await? {
            None => SecretAction::Created,
            Some((cur, Some(ParameterType::SecureString))) if cur == v => SecretAction::Unchanged,
            Some(_) => SecretAction::Updated,
        };
        if action != SecretAction::Unchanged {
            staged
                .writes
                .push((s.name.clone(), s.description.clone(), v));
        }
        staged.done.push(ComposedSecret {
            name: s.name.clone(),
            action,
        });
    }
    Ok(staged)
}

/// Write the staged values as SecureStrings.
pub async fn write(c: &Clients<'_>, staged: Staged) -> Result<Vec<ComposedSecret>, Error> {
    for (name, description, v) in staged.writes {
        c.ssm
            .put_parameter()
            .name(&name)
            .value(v.0)
            .r#type(ParameterType::SecureString)
            .overwrite(true)
            .set_description(description)
            .send()
            .await
            .map_err(|e| aws("SSM PutParameter", e))?;
    }
    Ok(staged.done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, store: Store, recipe: Option<&str>) -> SecretSpec {
        SecretSpec {
            name: name.into(),
            store,
            description: None,
            recipe: recipe.map(Into::into),
        }
    }

    #[test]
    fn plans_recipes_only() {
        let p = plan(&[
            spec("/p/pw", Store::Ssm, None),
            spec(
                "/w/api/main/URL",
                Store::Ssm,
                Some("u:{{resolve:ssm-secure:/p/pw}}@h"),
            ),
        ])
        .unwrap();
        assert_eq!(p.composed.len(), 1);
        assert_eq!(p.composed[0].name, "/w/api/main/URL");
        assert_eq!(p.composed[0].parts.len(), 3);
    }

    #[test]
    fn refuses_bad_recipes_before_any_call() {
        let e = plan(&[spec("/w/X", Store::Ssm, Some("a{{resolve:ssm:/p"))]).unwrap_err();
        assert!(
            matches!(&e, Error::InvalidBundle { file, reason } if file == crate::SECRETS_FILE && reason.contains("`/w/X`") && reason.contains("unterminated")),
            "{e}"
        );
        let arn = "arn:aws:secretsmanager:us-east-1:1:secret:x-AbCdEf";
        let e = plan(&[spec(arn, Store::SecretsManager, Some("a"))]).unwrap_err();
        assert!(e.to_string().contains("not an SSM parameter"), "{e}");
    }
}
