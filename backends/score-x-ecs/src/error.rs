//! Errors of the ECS backend (translation and apply), convertible to `Diagnostic`s.

use score_x_core::{Code, Diagnostic, Span};

/// Everything that stops an ECS translation or an apply.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "file `{target}` of container `{container}` in workload `{workload}` lives in the system directory `{dir}`; ECS can only mount a whole volume there, which would hide the image's own `{dir}`"
    )]
    SystemDirFile {
        workload: String,
        container: String,
        target: String,
        dir: String,
        span: Box<Span>,
    },
    #[error(
        "variable `{variable}` of container `{container}` in workload `{workload}` mixes text and secrets; the shell wrapper needs the container's `command` (ECS cannot run the image's own entrypoint after a wrapper)"
    )]
    ShellWrapperNeedsCommand {
        workload: String,
        container: String,
        variable: String,
        span: Box<Span>,
    },
    #[error(
        "secret `{name}` selects the JSON key `{key}`, which ECS supports only for Secrets Manager secrets given by ARN"
    )]
    SecretKeyNeedsArn {
        name: String,
        key: String,
        span: Option<Box<Span>>,
    },
    #[error(
        "workload `{workload}` needs {cpu} CPU units and {memory} MiB in total, more than the largest Fargate task (16384 CPU units, 122880 MiB)"
    )]
    TaskTooLarge {
        workload: String,
        cpu: u64,
        memory: u64,
        span: Box<Span>,
    },
    #[error("volume `{target}` of container `{container}` in workload `{workload}`: {reason}")]
    Volume {
        workload: String,
        container: String,
        target: String,
        reason: String,
        span: Box<Span>,
    },
    #[error("resource `{uid}`: invalid `ecs` provisioner section: {reason}")]
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
    #[error("workload `{0}` has no plan (the plan was built for another model)")]
    Unplanned(String),
    #[error("could not serialise {what}: {reason}")]
    Serialize { what: String, reason: String },

    // ---- apply ----
    #[error("no AWS region: pass --region, set `region` in the target options, or AWS_REGION")]
    MissingRegion,
    #[error(
        "no ECS cluster: pass --cluster or set `cluster` in the target options before translating"
    )]
    MissingCluster,
    #[error("no AWS credentials: {0}")]
    MissingCredentials(String),
    #[error("`{file}`: {reason}")]
    InvalidBundle { file: String, reason: String },
    #[error(
        "cannot compose secret `{secret}`: the {reference} its recipe references does not exist"
    )]
    MissingSecretComponent { secret: String, reference: String },
    #[error("AWS {operation} failed: {message}")]
    Aws { operation: String, message: String },
    #[error("could not start the async runtime: {0}")]
    Runtime(String),
    /// A precondition of apply that failed before anything was written.
    #[error("{problem}; nothing was written")]
    Precondition { problem: String, fix: String },
}

impl Error {
    fn code(&self) -> Code {
        match self {
            Error::SystemDirFile { .. } | Error::ShellWrapperNeedsCommand { .. } => {
                Code::Unsupported
            }
            Error::SecretKeyNeedsArn { .. } => Code::InvalidValue,
            Error::TaskTooLarge { .. } => Code::ValueOutOfRange,
            Error::Workload { .. } | Error::Volume { .. } => Code::Unsupported,
            Error::Artifacts { .. } => Code::Provisioner,
            Error::MissingRegion | Error::MissingCluster | Error::MissingCredentials(_) => {
                Code::RequiredField
            }
            Error::MissingSecretComponent { .. } | Error::Precondition { .. } => {
                Code::RequiredField
            }
            Error::InvalidBundle { .. } => Code::InvalidValue,
            Error::Serialize { .. }
            | Error::Aws { .. }
            | Error::Runtime(_)
            | Error::Unplanned(_) => Code::Backend,
        }
    }

    fn span(&self) -> Option<Span> {
        match self {
            Error::SystemDirFile { span, .. }
            | Error::ShellWrapperNeedsCommand { span, .. }
            | Error::TaskTooLarge { span, .. }
            | Error::Volume { span, .. }
            | Error::Artifacts { span, .. }
            | Error::Workload { span, .. } => Some((**span).clone()),
            Error::SecretKeyNeedsArn { span, .. } => span.as_deref().cloned(),
            _ => None,
        }
    }

    fn hint(&self) -> Option<String> {
        Some(match self {
            Error::SystemDirFile { .. } => {
                "move the file to an application directory, or set `allowSystemDirFiles: true` in the ECS target options if shadowing that directory is intended".into()
            }
            Error::ShellWrapperNeedsCommand { .. } => {
                "give the container a `command`, or use `mixedSecrets: promote` (the default)".into()
            }
            Error::SecretKeyNeedsArn { .. } => {
                "have the provisioner output the full `arn:aws:secretsmanager:…` ARN as the secret name".into()
            }
            Error::TaskTooLarge { .. } => "lower the containers' resources, or use `launchType: EC2`".into(),
            Error::MissingSecretComponent { .. } => {
                "create it (secrets-to-create.json lists what the platform provides), then apply again; nothing was registered".into()
            }
            Error::Precondition { fix, .. } => fix.clone(),
            Error::MissingCredentials(_) => {
                "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run where an instance role is available".into()
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
        let e = Error::SystemDirFile {
            workload: "api".into(),
            container: "main".into(),
            target: "/etc/app.conf".into(),
            dir: "/etc".into(),
            span: Box::new(
                Span::file_only("score.yaml").with_path("/containers/main/files/~1etc~1app.conf"),
            ),
        };
        let d: Diagnostic = e.into();
        assert_eq!(d.code, Code::Unsupported);
        assert!(d.span.is_some());
        assert!(d.hint.unwrap().contains("allowSystemDirFiles"));
    }
}
