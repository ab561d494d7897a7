//! Errors of the Helm backend, convertible to `Diagnostic`s with span and hint.

use score_x_core::{Code, Diagnostic};

/// Everything that stops a Helm translation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid Helm target option: {0}")]
    InvalidOption(String),
    /// The Kubernetes builders failed; their diagnostic is kept as is.
    #[error("{0}")]
    Kubernetes(#[from] score_x_kubernetes::Error),
    #[error("could not write {what}: {reason}")]
    Serialize { what: String, reason: String },
}

impl From<Error> for Diagnostic {
    fn from(e: Error) -> Diagnostic {
        match e {
            Error::Kubernetes(k) => k.into(),
            Error::InvalidOption(_) => Diagnostic::error(Code::InvalidValue, e.to_string())
                .hint("fix the file given to --target-options (see docs/targets/helm.md)"),
            Error::Serialize { .. } => Diagnostic::error(Code::Backend, e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_errors_have_a_hint() {
        let d: Diagnostic = Error::InvalidOption("`chartVersion` x".into()).into();
        assert_eq!(d.code, Code::InvalidValue);
        assert!(d.hint.unwrap().contains("helm.md"));
    }
}
