//! Test helpers: tiny builders for resolved workloads and an emission context.

use std::collections::BTreeMap;

use score_x_core::Span;
use score_x_core::resolved::{Resolved, ResolvedContainer, ResolvedWorkload};

use crate::ctx::Ctx;
use crate::options::Options;
use crate::secrets::Registry;

pub fn span() -> Span {
    Span::file_only("score.yaml")
}

pub fn container(name: &str) -> ResolvedContainer {
    ResolvedContainer {
        name: name.into(),
        span: span(),
        image: "img:1".into(),
        command: None,
        args: None,
        variables: BTreeMap::new(),
        files: BTreeMap::new(),
        volumes: BTreeMap::new(),
        resources: None,
        liveness_probe: None,
        readiness_probe: None,
        before: BTreeMap::new(),
    }
}

pub fn workload(name: &str, containers: Vec<ResolvedContainer>) -> ResolvedWorkload {
    ResolvedWorkload {
        name: name.into(),
        file: "score.yaml".into(),
        span: span(),
        metadata: serde_json::json!({"name": name}),
        annotations: BTreeMap::new(),
        service_ports: BTreeMap::new(),
        containers: containers
            .into_iter()
            .map(|c| (c.name.clone(), c))
            .collect(),
        resources: BTreeMap::new(),
    }
}

pub fn empty_app() -> Resolved {
    Resolved {
        workloads: BTreeMap::new(),
        resources: BTreeMap::new(),
        order: Vec::new(),
    }
}

pub fn ctx<'a>(app: &'a Resolved, opts: &'a Options) -> Ctx<'a> {
    Ctx {
        app,
        opts,
        warnings: Vec::new(),
        notes: Vec::new(),
        secrets: Registry::new(app),
        sections: BTreeMap::new(),
        missing: BTreeMap::new(),
    }
}
