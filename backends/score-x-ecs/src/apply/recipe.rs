//! Composition recipes of promoted secrets (`secrets-to-create.json`): text with
//! CloudFormation-style dynamic references (`{{resolve:ssm-secure:NAME}}`,
//! `{{resolve:ssm:NAME}}`, `{{resolve:secretsmanager:ID[:SecretString[:KEY[:STAGE[:VERSION]]]]}}`),
//! parsed into parts and composed from the referenced values. Pure.

use std::collections::BTreeMap;
use std::fmt;

/// A secret value (a component or a composed secret). `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Sensitive(pub String);

impl fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// What a dynamic reference points at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reference {
    /// An SSM parameter (name or ARN, optionally `:version`), read with decryption.
    Ssm { name: String },
    /// A Secrets Manager secret, optionally one JSON key of it.
    SecretsManager {
        id: String,
        key: Option<String>,
        stage: Option<String>,
        version: Option<String>,
    },
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reference::Ssm { name } => write!(f, "SSM parameter `{name}`"),
            Reference::SecretsManager { id, key, .. } => {
                write!(f, "Secrets Manager secret `{id}`")?;
                if let Some(k) = key {
                    write!(f, " (JSON key `{k}`)")?;
                }
                Ok(())
            }
        }
    }
}

/// One piece of a recipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Text(String),
    Ref(Reference),
}

const OPEN: &str = "{{resolve:";
const CLOSE: &str = "}}";

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|x| !x.is_empty()).map(str::to_string)
}

fn reference(inner: &str) -> Result<Reference, String> {
    let (service, body) = inner
        .split_once(':')
        .ok_or_else(|| format!("`{OPEN}{inner}{CLOSE}` names no parameter or secret"))?;
    if body.is_empty() {
        return Err(format!(
            "`{OPEN}{inner}{CLOSE}` names no parameter or secret"
        ));
    }
    match service {
        "ssm" | "ssm-secure" => Ok(Reference::Ssm {
            name: body.to_string(),
        }),
        "secretsmanager" => {
            let (id, selector) = match body.split_once(":SecretString") {
                Some((id, rest)) if rest.is_empty() || rest.starts_with(':') => {
                    (id, rest.strip_prefix(':').unwrap_or(rest))
                }
                _ => (body, ""),
            };
            let mut it = selector.split(':');
            let (key, stage, version) = (
                non_empty(it.next()),
                non_empty(it.next()),
                non_empty(it.next()),
            );
            if it.next().is_some() {
                return Err(format!(
                    "`{OPEN}{inner}{CLOSE}`: expected `secretsmanager:ID:SecretString:KEY:STAGE:VERSION` at most"
                ));
            }
            Ok(Reference::SecretsManager {
                id: id.to_string(),
                key,
                stage,
                version,
            })
        }
        other => Err(format!(
            "unsupported dynamic reference `{OPEN}{other}:…{CLOSE}` (supported: ssm, ssm-secure, secretsmanager)"
        )),
    }
}

/// Split a recipe into text and references.
pub fn parse(recipe: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut rest = recipe;
    while let Some(i) = rest.find(OPEN) {
        if i > 0 {
            parts.push(Part::Text(rest[..i].to_string()));
        }
        let after = &rest[i + OPEN.len()..];
        let end = after
            .find(CLOSE)
            .ok_or_else(|| format!("unterminated `{OPEN}` (no `{CLOSE}`)"))?;
        parts.push(Part::Ref(reference(&after[..end])?));
        rest = &after[end + CLOSE.len()..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest.to_string()));
    }
    Ok(parts)
}

/// Compose the value from the parts and the values read for their references (every
/// reference must have one).
pub fn compose(parts: &[Part], values: &BTreeMap<Reference, Sensitive>) -> Option<Sensitive> {
    let mut s = String::new();
    for p in parts {
        match p {
            Part::Text(t) => s.push_str(t),
            Part::Ref(r) => s.push_str(&values.get(r)?.0),
        }
    }
    Some(Sensitive(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf";

    #[test]
    fn parses_what_translate_emits() {
        let r = format!(
            "postgres://{{{{resolve:secretsmanager:{ARN}:SecretString:user}}}}:{{{{resolve:ssm-secure:/p/pw}}}}@h:5432/{{{{resolve:ssm:/p/db}}}}"
        );
        let parts = parse(&r).unwrap();
        assert_eq!(
            parts,
            vec![
                Part::Text("postgres://".into()),
                Part::Ref(Reference::SecretsManager {
                    id: ARN.into(),
                    key: Some("user".into()),
                    stage: None,
                    version: None
                }),
                Part::Text(":".into()),
                Part::Ref(Reference::Ssm {
                    name: "/p/pw".into()
                }),
                Part::Text("@h:5432/".into()),
                Part::Ref(Reference::Ssm {
                    name: "/p/db".into()
                }),
            ]
        );
        let whole = parse(&format!("{{{{resolve:secretsmanager:{ARN}}}}}")).unwrap();
        assert_eq!(
            whole,
            vec![Part::Ref(Reference::SecretsManager {
                id: ARN.into(),
                key: None,
                stage: None,
                version: None
            })]
        );
        let staged = parse(&format!(
            "{{{{resolve:secretsmanager:{ARN}:SecretString:k:AWSPREVIOUS}}}}"
        ))
        .unwrap();
        assert_eq!(
            staged,
            vec![Part::Ref(Reference::SecretsManager {
                id: ARN.into(),
                key: Some("k".into()),
                stage: Some("AWSPREVIOUS".into()),
                version: None
            })]
        );
        assert_eq!(parse("plain").unwrap(), vec![Part::Text("plain".into())]);
    }

    #[test]
    fn refuses_malformed_references() {
        assert!(
            parse("a{{resolve:ssm:/x")
                .unwrap_err()
                .contains("unterminated")
        );
        assert!(
            parse("{{resolve:s3:b/k}}")
                .unwrap_err()
                .contains("unsupported")
        );
        assert!(parse("{{resolve:ssm:}}").unwrap_err().contains("names no"));
        assert!(
            parse(&format!(
                "{{{{resolve:secretsmanager:{ARN}:SecretString:k:s:v:x}}}}"
            ))
            .is_err()
        );
    }

    #[test]
    fn composes_and_redacts() {
        let parts = parse("u:{{resolve:ssm-secure:/p/pw}}@h").unwrap();
        let mut values = BTreeMap::new();
        assert_eq!(compose(&parts, &values), None);
        values.insert(
            Reference::Ssm {
                name: "/p/pw".into(),
            },
            Sensitive("s3cr3t".into()),
        );
        let v = compose(&parts, &values).unwrap();
        assert_eq!(v.0, "u:s3cr3t@h");
        assert!(!format!("{v:?}").contains("s3cr3t"));
    }
}
