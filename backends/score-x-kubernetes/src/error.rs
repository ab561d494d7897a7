//! Errors of the Kubernetes backend, each convertible to a `Diagnostic` with its span.

use score_x_core::{Code, Diagnostic, Span};

/// Why a resolved model could not be turned into Kubernetes objects.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("workload `{workload}`: unknown workload kind `{kind}`")]
    UnknownKind {
        workload: String,
        kind: String,
        span: Box<Span>,
    },

    #[error("workload `{workload}` is a CronJob but has no `score-x.dev/schedule` annotation")]
    MissingSchedule { workload: String, span: Box<Span> },

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

    #[error("container `{container}`: `before` names unknown container `{other}`")]
    UnknownBeforeTarget {
        container: String,
        other: String,
        span: Box<Span>,
    },

    #[error(
        "container `{container}` must be healthy before `{other}` starts but has no readiness or liveness probe"
    )]
    HealthyWithoutProbe {
        container: String,
        other: String,
        span: Box<Span>,
    },

    #[error("workload `{workload}`: `before` forms a cycle between containers {members}")]
    BeforeCycle {
        workload: String,
        members: String,
        span: Box<Span>,
    },

    #[error(
        "workload `{workload}`: every container runs before another one; at least one must be a regular container"
    )]
    NoMainContainer { workload: String, span: Box<Span> },

    #[error(
        "workload `{workload}`: annotation `{annotation}` names unknown container `{container}`"
    )]
    UnknownPortContainer {
        workload: String,
        annotation: String,
        container: String,
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

    #[error("{key} (from {origin}) contains the value of secret `{secret}` outside a Secret")]
    SecretLeak {
        key: String,
        origin: String,
        secret: String,
        span: Option<Box<Span>>,
    },

    #[error("invalid kubernetes target option: {0}")]
    InvalidOption(String),

    #[error("cannot serialise {what}: {reason}")]
    Serialize { what: String, reason: String },
}

impl Error {
    /// The source location of the problem, when it has one.
    pub fn span(&self) -> Option<&Span> {
        match self {
            Error::UnknownKind { span, .. }
            | Error::MissingSchedule { span, .. }
            | Error::SecretWithoutKey { span, .. }
            | Error::UnknownSecretValue { span, .. }
            | Error::EnvCollision { span, .. }
            | Error::MissingResource { span, .. }
            | Error::BadVolumeSource { span, .. }
            | Error::ClaimNeedsStatefulSet { span, .. }
            | Error::UnknownBeforeTarget { span, .. }
            | Error::HealthyWithoutProbe { span, .. }
            | Error::BeforeCycle { span, .. }
            | Error::NoMainContainer { span, .. }
            | Error::UnknownPortContainer { span, .. }
            | Error::OutOfRange { span, .. }
            | Error::BadArtifact { span, .. } => Some(&**span),
            Error::ConflictingObject { span, .. } | Error::SecretLeak { span, .. } => {
                span.as_deref()
            }
            Error::InvalidOption(_) | Error::Serialize { .. } => None,
        }
    }

    fn code(&self) -> Code {
        match self {
            Error::UnknownKind { .. } | Error::OutOfRange { .. } | Error::InvalidOption(_) => {
                Code::InvalidValue
            }
            Error::MissingSchedule { .. } => Code::RequiredField,
            Error::UnknownBeforeTarget { .. } | Error::UnknownPortContainer { .. } => {
                Code::UnknownContainer
            }
            Error::HealthyWithoutProbe { .. } => Code::MissingProbe,
            Error::BeforeCycle { .. } => Code::DependencyCycle,
            Error::MissingResource { .. } => Code::UnknownResource,
            Error::BadVolumeSource { .. } | Error::BadArtifact { .. } => Code::Provisioner,
            Error::ClaimNeedsStatefulSet { .. } | Error::NoMainContainer { .. } => {
                Code::Unsupported
            }
            Error::SecretWithoutKey { .. }
            | Error::UnknownSecretValue { .. }
            | Error::EnvCollision { .. }
            | Error::ConflictingObject { .. }
            | Error::Serialize { .. } => Code::Backend,
            Error::SecretLeak { .. } => Code::Provisioner,
        }
    }

    fn hint(&self) -> Option<&'static str> {
        Some(match self {
            Error::UnknownKind { .. } => "use Deployment, StatefulSet, Job or CronJob",
            Error::MissingSchedule { .. } => {
                "add e.g. `score-x.dev/schedule: \"*/5 * * * *\"` to metadata.annotations"
            }
            Error::UnknownSecretValue { .. } => {
                "make the file content exactly one secret output (mounted from its Secret), or use a provisioner that generates the secret"
            }
            Error::ClaimNeedsStatefulSet { .. } => {
                "add the annotation `score-x.dev/kind: StatefulSet`, or use a volume provisioner that outputs `source`"
            }
            Error::BadVolumeSource { .. } => {
                "a volume resource must output `source` (a Kubernetes VolumeSource, e.g. {emptyDir: {}}) or `claimSpec` (a PersistentVolumeClaimSpec)"
            }
            Error::HealthyWithoutProbe { .. } => {
                "add a readinessProbe or livenessProbe to the container, or use `ready: started`"
            }
            Error::InvalidOption(_) => "see docs/targets/kubernetes.md for the options",
            Error::UnknownPortContainer { .. } => "name one of the workload's containers",
            Error::SecretLeak { .. } => {
                "a provisioner must put secret values only in Secret objects and reference them (secretKeyRef, secret volumes)"
            }
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
