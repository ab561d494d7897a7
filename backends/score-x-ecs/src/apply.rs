//! `apply`: plan, then act. [`Session::open`] reads only — credentials, region, clusters, the
//! secrets the task definitions read, the components of promoted secrets, the latest ACTIVE
//! revision of each family and each service — and yields the plan ([`ApplyReport`] with
//! `executed: false`); every precondition fails there, before any write. [`Session::execute`]
//! then creates clusters, writes changed promoted secrets to SSM, registers changed task
//! definitions and creates or updates changed services. Input is the typed
//! [`ApplyPlan`] of [`crate::plan_apply`], never the emitted files. Network I/O, on a
//! current-thread tokio runtime built here.
//!
//! Credentials: explicit [`StaticCredentials`] when given (tests, local endpoints), otherwise
//! the standard AWS chain (environment, profile, SSO, instance/container role).

mod back;
mod compose;
mod convert;
mod ecs;
mod plan;
mod recipe;
mod report;
mod session;

use std::fmt;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::config::{
    BehaviorVersion, Credentials, ProvideCredentials, Region, SharedCredentialsProvider,
};

use crate::error::Error;

pub use crate::secrets::Store;
pub use back::{normalise as normalised_task, task as registered_task};
pub use plan::{ApplyPlan, SecretSpec, Unit, base_name};
pub use report::{
    AppliedService, ApplyReport, ClusterAction, ComposedSecret, MissingSecret,
    RegisteredTaskDefinition, SecretAction, ServiceAction, TaskDefinitionAction,
};
pub use session::{Session, apply};

/// How to reach ECS.
#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    /// Endpoint override (e.g. `http://127.0.0.1:5000` for a local moto server).
    pub endpoint_url: Option<String>,
    /// Region; falls back to the AWS chain (AWS_REGION, profile).
    pub region: Option<String>,
    /// Cluster for every service; falls back to `cluster` in the target options.
    pub cluster: Option<String>,
    /// Create the cluster when it does not exist (or is inactive); else a missing cluster is a
    /// precondition failure.
    pub create_cluster: bool,
    /// Register and start services even when secrets their task definitions read do not
    /// exist (else a precondition failure).
    pub allow_missing_secrets: bool,
    /// Explicit credentials instead of the AWS default chain.
    pub credentials: Option<StaticCredentials>,
}

/// Explicit AWS credentials. `Debug` never shows the secret key.
#[derive(Clone)]
pub struct StaticCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl fmt::Debug for StaticCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

/// An error and its sources, `: `-separated, without repeats (no debug dumps).
fn chain(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    while let Some(x) = cur {
        let t = x.to_string();
        if !t.is_empty() && !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = x.source();
    }
    parts.join(": ")
}

pub(crate) fn aws(operation: &str, e: impl std::error::Error) -> Error {
    Error::Aws {
        operation: operation.into(),
        message: chain(&e),
    }
}

/// The AWS clients of apply, sharing one configuration (region, credentials, endpoint).
pub(crate) struct Clients {
    ecs: Client,
    ssm: aws_sdk_ssm::Client,
    sm: aws_sdk_secretsmanager::Client,
}

impl Clients {
    fn new(conf: &aws_config::SdkConfig) -> Self {
        Clients {
            ecs: Client::new(conf),
            ssm: aws_sdk_ssm::Client::new(conf),
            sm: aws_sdk_secretsmanager::Client::new(conf),
        }
    }
}

pub(crate) async fn clients(opts: &ApplyOptions) -> Result<(Clients, String), Error> {
    if let Some(c) = &opts.credentials {
        let region = opts.region.clone().ok_or(Error::MissingRegion)?;
        let mut b = aws_config::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.clone()))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                &c.access_key_id,
                &c.secret_access_key,
                c.session_token.clone(),
                None,
                "score-x",
            )));
        if let Some(u) = &opts.endpoint_url {
            b = b.endpoint_url(u);
        }
        return Ok((Clients::new(&b.build()), region));
    }
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(r) = &opts.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(u) = &opts.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    let conf = loader.load().await;
    let region = conf
        .region()
        .map(|r| r.to_string())
        .ok_or(Error::MissingRegion)?;
    let provider = conf
        .credentials_provider()
        .ok_or_else(|| Error::MissingCredentials("no credentials provider is configured".into()))?;
    provider
        .provide_credentials()
        .await
        .map_err(|e| Error::MissingCredentials(chain(&e)))?;
    Ok((Clients::new(&conf), region))
}
