//! Apply's secrets step: compose every promoted secret of `secrets-to-create.json` (an entry
//! with a `recipe`) from the SSM parameters / Secrets Manager secrets it references and write
//! it as an SSM SecureString when its value changed; check that the platform's own secrets
//! exist (a warning when not). Values are read and written, never shown.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ssm::types::ParameterType;
use serde::Deserialize;

use super::recipe::{self, Part, Reference, Sensitive};
use super::{ComposedSecret, SecretAction, aws};
use crate::error::Error;
use crate::secrets::{Store, store_of};

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    secrets: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    #[serde(default)]
    store: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    recipe: Option<String>,
}

/// A secret apply composes.
#[derive(Debug)]
struct Composed {
    name: String,
    description: Option<String>,
    parts: Vec<Part>,
}

/// What `secrets-to-create.json` asks of apply, checked before any network call.
#[derive(Debug, Default)]
pub struct Plan {
    composed: Vec<Composed>,
    /// Secrets the platform creates (no recipe), with their store.
    platform: Vec<(String, Store)>,
}

fn invalid(reason: String) -> Error {
    Error::InvalidBundle {
        file: crate::SECRETS_FILE.into(),
        reason,
    }
}

fn entry_store(e: &Entry) -> Result<Store, Error> {
    match e.store.as_deref() {
        None => Ok(store_of(&e.name)),
        Some("ssm") => Ok(Store::Ssm),
        Some("secretsmanager") => Ok(Store::SecretsManager),
        Some(other) => Err(invalid(format!(
            "secret `{}`: unknown store `{other}` (expected `ssm` or `secretsmanager`)",
            e.name
        ))),
    }
}

/// Read the bundle's `secrets-to-create.json` (none: nothing to do).
pub fn plan(files: &BTreeMap<String, Vec<u8>>) -> Result<Plan, Error> {
    let Some(bytes) = files.get(crate::SECRETS_FILE) else {
        return Ok(Plan::default());
    };
    let file: File = serde_json::from_slice(bytes)
        .map_err(|e| invalid(format!("not a secrets list score-x can apply: {e}")))?;
    let mut plan = Plan::default();
    for e in file.secrets {
        let store = entry_store(&e)?;
        match &e.recipe {
            Some(r) => {
                if store != Store::Ssm {
                    return Err(invalid(format!(
                        "secret `{}` has a recipe but is not an SSM parameter; apply composes SSM SecureStrings only",
                        e.name
                    )));
                }
                let parts = recipe::parse(r)
                    .map_err(|why| invalid(format!("recipe of secret `{}`: {why}", e.name)))?;
                plan.composed.push(Composed {
                    name: e.name,
                    description: e.description,
                    parts,
                });
            }
            None => plan.platform.push((e.name, store)),
        }
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

/// Whether a secret the platform creates exists (without reading its value).
async fn exists(c: &Clients<'_>, name: &str, store: Store) -> Result<bool, Error> {
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

/// Compose and write the plan's secrets; returns what was done and the warnings. Every read
/// (and so every missing component) happens before the first write.
pub async fn apply(
    c: &Clients<'_>,
    plan: &Plan,
) -> Result<(Vec<ComposedSecret>, Vec<String>), Error> {
    // Read every component once.
    let mut values: BTreeMap<Reference, Sensitive> = BTreeMap::new();
    let mut components: BTreeSet<String> = BTreeSet::new();
    for s in &plan.composed {
        for p in &s.parts {
            let Part::Ref(r) = p else { continue };
            match r {
                Reference::Ssm { name } => components.insert(name.clone()),
                Reference::SecretsManager { id, .. } => components.insert(id.clone()),
            };
            if values.contains_key(r) {
                continue;
            }
            let v = read(c, &s.name, r)
                .await?
                .ok_or_else(|| missing_component(&s.name, r))?;
            values.insert(r.clone(), v);
        }
    }

    // Compose, and compare with what is stored.
    let mut writes = Vec::new();
    let mut done = Vec::new();
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
            writes.push((s, v));
        }
        done.push(ComposedSecret {
            name: s.name.clone(),
            action,
        });
    }

    // The platform's secrets: a warning for each missing one (components were checked above).
    let mut warnings = Vec::new();
    for (name, store) in &plan.platform {
        if components.contains(name) {
            continue;
        }
        if !exists(c, name, *store).await? {
            warnings.push(format!(
                "secret `{name}` does not exist yet: the platform must create it (see {})",
                crate::SECRETS_FILE
            ));
        }
    }

    for (s, v) in writes {
        c.ssm
            .put_parameter()
            .name(&s.name)
            .value(v.0)
            .r#type(ParameterType::SecureString)
            .overwrite(true)
            .set_description(s.description.clone())
            .send()
            .await
            .map_err(|e| aws("SSM PutParameter", e))?;
    }
    Ok((done, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(json: &str) -> BTreeMap<String, Vec<u8>> {
        let mut f = BTreeMap::new();
        f.insert(crate::SECRETS_FILE.to_string(), json.as_bytes().to_vec());
        f
    }

    #[test]
    fn plans_recipes_and_platform_secrets() {
        let p = plan(&files(
            r#"{"dnsRecords":[],"secrets":[
              {"name":"/p/pw","store":"ssm","type":"SecureString","usedBy":["api"]},
              {"name":"arn:aws:secretsmanager:us-east-1:1:secret:x-AbCdEf","store":"secretsmanager","type":"SecretsManager"},
              {"name":"/w/api/main/URL","store":"ssm","type":"SecureString","description":"d",
               "recipe":"u:{{resolve:ssm-secure:/p/pw}}@h"}]}"#,
        ))
        .unwrap();
        assert_eq!(p.composed.len(), 1);
        assert_eq!(p.composed[0].name, "/w/api/main/URL");
        assert_eq!(p.composed[0].parts.len(), 3);
        assert_eq!(
            p.platform,
            vec![
                ("/p/pw".to_string(), Store::Ssm),
                (
                    "arn:aws:secretsmanager:us-east-1:1:secret:x-AbCdEf".to_string(),
                    Store::SecretsManager
                )
            ]
        );
        assert!(plan(&BTreeMap::new()).unwrap().composed.is_empty());
    }

    #[test]
    fn refuses_bad_recipes_before_any_call() {
        let e = plan(&files(
            r#"{"secrets":[{"name":"/w/X","recipe":"a{{resolve:ssm:/p"}]}"#,
        ))
        .unwrap_err();
        assert!(
            matches!(&e, Error::InvalidBundle { file, reason } if file == crate::SECRETS_FILE && reason.contains("`/w/X`") && reason.contains("unterminated")),
            "{e}"
        );
        let e = plan(&files(
            r#"{"secrets":[{"name":"/w/X","store":"vault","recipe":"a"}]}"#,
        ))
        .unwrap_err();
        assert!(e.to_string().contains("unknown store `vault`"), "{e}");
    }
}
