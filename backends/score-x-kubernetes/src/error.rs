//! Errors of the Kubernetes backend, each convertible to a `Diagnostic` with its span.

use score_x_core::{Code, Diagnostic, Span};

/// Why a resolved model could not be turned into Kubernetes objects.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{what} refers to secret `{name}` without a key")]
    SecretWithoutKey {
        what: String,
        name: String,
        span: Box<Span>,
    },

    #[error(
        "file `{target}` of container `{container}` mixes text and a secret whose value score-x does not know (`{secret}`)"
    )]
    UnknownSecretValue {
        container: String,
        target: String,
        secret: String,
        span: Box<Span>,
    },

    #[error(
        "container `{container}`: variable `{name}` collides with the generated secret helper variable of the same name"
    )]
    EnvCollision {
        container: String,
        name: String,
        span: Box<Span>,
    },

    #[error(
        "volume `{target}` of container `{container}` uses resource `{uid}`, which was not provisioned"
    )]
    MissingResource {
        container: String,
        target: String,
        uid: String,
        span: Box<Span>,
    },

    #[error("volume `{target}`: resource `{uid}` {reason}")]
    BadVolumeSource {
        target: String,
        uid: String,
        reason: String,
        span: Box<Span>,
    },

    #[error(
        "volume `{target}`: resource `{uid}` provides a `claimSpec`, which needs a StatefulSet (workload `{workload}` is a {kind})"
    )]
    ClaimNeedsStatefulSet {
        workload: String,
        target: String,
        uid: String,
        kind: String,
        span: Box<Span>,
    },

    #[error("container `{container}`: {what} `{value}` is out of range")]
    OutOfRange {
        container: String,
        what: String,
        value: String,
        span: Box<Span>,
    },

    #[error("resource `{uid}`: its kubernetes objects are invalid: {reason}")]
    BadArtifact {
        uid: String,
        reason: String,
        span: Box<Span>,
    },

    #[error("two different objects are both named {key} (from {first} and {second})")]
    ConflictingObject {
        key: String,
        first: String,
        second: String,
        span: Option<Box<Span>>,
    },

    #[error("invalid kubernetes target option: {0}")]
    InvalidOption(String),

    #[error("workload `{0}` has no plan (the plan was built for another model)")]
    Unplanned(String),

    #[error("cannot serialise {what}: {reason}")]
    Serialize { what: String, reason: String },
}

impl Error {
    /// The source location of the problem, when it has one.
    pub fn span(&self) -> Option<&Span> {
        match self {
            Error::SecretWithoutKey { span, .. }
            | Error::UnknownSecretValue { span, .. }
            | Error::EnvCollision { span, .. }
            | Error::MissingResource { span, .. }
            | Error::BadVolumeSource { span, .. }
            | Error::ClaimNeedsStatefulSet { span, .. }
            | Error::OutOfRange { span, .. }
            | Error::BadArtifact { span, .. } => Some(&**span),
            Error::ConflictingObject { span, .. } => span.as_deref(),
            Error::InvalidOption(_) | Error::Serialize { .. } | Error::Unplanned(_) => None,
        }
    }

    fn code(&self) -> Code {
        match self {
            Error::OutOfRange { .. } | Error::InvalidOption(_) => Code::InvalidValue,
            Error::MissingResource { .. } => Code::UnknownResource,
            Error::BadVolumeSource { .. } | Error::BadArtifact { .. } => Code::Provisioner,
            Error::ClaimNeedsStatefulSet { .. } => Code::Unsupported,
            Error::SecretWithoutKey { .. }
            | Error::UnknownSecretValue { .. }
            | Error::EnvCollision { .. }
            | Error::ConflictingObject { .. }
            | Error::Serialize { .. }
            | Error::Unplanned(_) => Code::Backend,
        }
    }

    fn hint(&self) -> Option<&'static str> {
        Some(match self {
            Error::UnknownSecretValue { .. } => {
                "make the file content exactly one secret output (mounted from its Secret), or use a provisioner that generates the secret"
            }
            Error::ClaimNeedsStatefulSet { .. } => {
                "add the annotation `score-x.dev/kind: StatefulSet`, or use a volume provisioner that outputs `source`"
            }
            Error::BadVolumeSource { .. } => {
                "a volume resource must output `source` (a Kubernetes VolumeSource, e.g. {emptyDir: {}}) or `claimSpec` (a PersistentVolumeClaimSpec)"
            }
            Error::InvalidOption(_) => "see docs/targets/kubernetes.md for the options",
            _ => return None,
        })
    }
}

impl From<Error> for Diagnostic {
    fn from(e: Error) -> Diagnostic {
        let mut d = Diagnostic::error(e.code(), e.to_string()).at_opt(e.span().cloned());
        if let Some(h) = e.hint() {
            d = d.hint(h);
        }
        d
    }
}
