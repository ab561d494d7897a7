//! Errors of the Nomad backend, convertible to `Diagnostic`s with span and hint.

use score_x_core::{Code, Diagnostic, Span};

/// Everything that stops a Nomad translation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid Nomad target option: {0}")]
    InvalidOption(String),
    #[error(
        "workload `{workload}` asks for the kind `{kind}`; the Nomad target knows Deployment, StatefulSet (service jobs), Job (batch) and CronJob (periodic batch)"
    )]
    UnknownKind {
        workload: String,
        kind: String,
        span: Box<Span>,
    },
    #[error("workload `{workload}` is a CronJob but has no schedule")]
    MissingSchedule { workload: String, span: Box<Span> },
    #[error(
        "container `{container}` of workload `{workload}` must be ready before `{other}`, which itself runs before the main tasks; Nomad orders only prestart → main tasks"
    )]
    BeforeChain {
        workload: String,
        container: String,
        other: String,
        span: Box<Span>,
    },
    #[error("workload `{workload}` has no main task: every container runs before another")]
    NoMainTask { workload: String, span: Box<Span> },
    #[error("volume `{target}` of container `{container}` in workload `{workload}`: {reason}")]
    Volume {
        workload: String,
        container: String,
        target: String,
        reason: String,
        span: Box<Span>,
    },
    #[error("resource `{uid}`: invalid `nomad` provisioner section: {reason}")]
    Artifacts {
        uid: String,
        reason: String,
        span: Box<Span>,
    },
    #[error("workload `{workload}`: {reason}")]
    Workload {
        workload: String,
        reason: String,
        span: Box<Span>,
    },
    #[error("internal error: the value of secret `{secret}` would be written into {file}")]
    SecretLeak { file: String, secret: String },
    #[error("could not write {what}: {reason}")]
    Serialize { what: String, reason: String },
}

impl Error {
    fn code(&self) -> Code {
        match self {
            Error::InvalidOption(_) | Error::UnknownKind { .. } => Code::InvalidValue,
            Error::MissingSchedule { .. } => Code::RequiredField,
            Error::BeforeChain { .. }
            | Error::NoMainTask { .. }
            | Error::Volume { .. }
            | Error::Workload { .. } => Code::Unsupported,
            Error::Artifacts { .. } => Code::Provisioner,
            Error::Serialize { .. } | Error::SecretLeak { .. } => Code::Backend,
        }
    }

    fn span(&self) -> Option<Span> {
        match self {
            Error::UnknownKind { span, .. }
            | Error::MissingSchedule { span, .. }
            | Error::BeforeChain { span, .. }
            | Error::NoMainTask { span, .. }
            | Error::Volume { span, .. }
            | Error::Artifacts { span, .. }
            | Error::Workload { span, .. } => Some((**span).clone()),
            Error::InvalidOption(_) | Error::Serialize { .. } | Error::SecretLeak { .. } => None,
        }
    }

    fn hint(&self) -> Option<String> {
        Some(match self {
            Error::InvalidOption(_) => "fix the file given to --target-options".into(),
            Error::UnknownKind { .. } => {
                "set the annotation `score-x.dev/kind` to Deployment, StatefulSet, Job or CronJob".into()
            }
            Error::MissingSchedule { .. } => {
                "add the annotation `score-x.dev/schedule: \"*/5 * * * *\"` (a cron expression)".into()
            }
            Error::BeforeChain { .. } => {
                "let the container run before a main container only (Nomad prestart tasks start together)".into()
            }
            Error::NoMainTask { .. } => "leave at least one container without `before`".into(),
            Error::Volume { .. } => {
                "use a volume class whose Nomad provisioner section gives `volume.type` ephemeral (sub-paths work there), or drop `path`".into()
            }
            _ => return None,
        })
    }
}

impl From<Error> for Diagnostic {
    fn from(e: Error) -> Diagnostic {
        let d = Diagnostic::error(e.code(), e.to_string()).at_opt(e.span());
        match e.hint() {
            Some(h) => d.hint(h),
            None => d,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_with_span_and_hint() {
        let e = Error::MissingSchedule {
            workload: "nightly".into(),
            span: Box::new(Span::file_only("score.yaml").with_path("/metadata/annotations")),
        };
        let d: Diagnostic = e.into();
        assert_eq!(d.code, Code::RequiredField);
        assert!(d.span.is_some());
        assert!(d.hint.unwrap().contains("score-x.dev/schedule"));
    }
}
