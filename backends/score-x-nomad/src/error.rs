//! Errors of the Nomad backend, convertible to `Diagnostic`s with span and hint.

use score_x_core::{Code, Diagnostic, Span};

/// Everything that stops a Nomad translation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid Nomad target option: {0}")]
    InvalidOption(String),
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
    #[error("internal error: workload `{0}` has no plan")]
    Unplanned(String),
    #[error("could not write {what}: {reason}")]
    Serialize { what: String, reason: String },
}

impl Error {
    fn code(&self) -> Code {
        match self {
            Error::InvalidOption(_) => Code::InvalidValue,
            Error::BeforeChain { .. }
            | Error::NoMainTask { .. }
            | Error::Volume { .. }
            | Error::Workload { .. } => Code::Unsupported,
            Error::Artifacts { .. } => Code::Provisioner,
            Error::Serialize { .. } | Error::Unplanned(_) => Code::Backend,
        }
    }

    fn span(&self) -> Option<Span> {
        match self {
            Error::BeforeChain { span, .. }
            | Error::NoMainTask { span, .. }
            | Error::Volume { span, .. }
            | Error::Artifacts { span, .. }
            | Error::Workload { span, .. } => Some((**span).clone()),
            Error::InvalidOption(_) | Error::Serialize { .. } | Error::Unplanned(_) => None,
        }
    }

    fn hint(&self) -> Option<String> {
        Some(match self {
            Error::InvalidOption(_) => "fix the file given to --target-options".into(),
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
        let e = Error::NoMainTask {
            workload: "web".into(),
            span: Box::new(Span::file_only("score.yaml").with_path("/containers")),
        };
        let d: Diagnostic = e.into();
        assert_eq!(d.code, Code::Unsupported);
        assert!(d.span.is_some());
        assert!(d.hint.unwrap().contains("without `before`"));
    }
}
