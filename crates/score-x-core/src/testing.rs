//! Builders of hand-made resolved models for tests (cargo feature `testing`): spans, containers,
//! workloads, provisioned resources, values and secrets. Every span points into `score.yaml` at
//! the YAML path the field would have, so diagnostics in tests name the field they are about.
//! Test support only: a malformed uid given to [`resource`] panics.

use std::collections::BTreeSet;

use crate::diag::Span;
use crate::flat_map::FlatMap;
use crate::ir::{
    Before, Cpu, HttpGet, Memory, Probe, Protocol, Quantities, Readiness, ResourceRequirements,
    Scheme, ServicePort,
};
use crate::resolved::{
    Output, ProvisionedResource, Resolved, ResolvedContainer, ResolvedContent, ResolvedFile,
    ResolvedParts, ResolvedVariable, ResolvedVolume, ResolvedWorkload, SecretRef, SecretText,
    Segment, Value,
};
use crate::uid::ResourceUid;

/// The score file every builder's spans point into.
pub const FILE: &str = "score.yaml";

/// A span in [`FILE`] at YAML path `path`.
pub fn span(path: &str) -> Span {
    Span::file_only(FILE).with_path(path)
}

/// Plain text.
pub fn text(s: &str) -> Value {
    Value::text(s)
}

/// A secret reference; `value` is the secret text score-x knows (development provisioners).
/// A Secrets Manager ARN is in Secrets Manager (as the ECS provisioner section would record
/// it); any other name in a Kubernetes Secret.
pub fn secret(name: &str, key: Option<&str>, value: Option<&str>) -> SecretRef {
    let store = if name.starts_with("arn:aws:secretsmanager:") {
        crate::resolved::SecretStore::SecretsManager
    } else {
        crate::resolved::SecretStore::KubernetesSecret
    };
    SecretRef {
        name: name.into(),
        key: key.map(Into::into),
        value: value.map(SecretText::new),
        store,
    }
}

/// A value that is exactly one secret.
pub fn secret_value(r: SecretRef) -> Value {
    Value {
        segments: vec![Segment::Secret(r)],
    }
}

/// A value from segments (adjacent text merged, as the resolver does).
pub fn mixed(parts: Vec<Segment>) -> Value {
    let mut v = Value::default();
    for p in parts {
        v.push(p);
    }
    v
}

/// A container `name` with image `registry.example/NAME:1` and nothing else.
pub fn container(name: &str) -> ResolvedContainer {
    ResolvedContainer {
        name: name.into(),
        span: span(&format!("/containers/{name}")),
        image: format!("registry.example/{name}:1"),
        command: None,
        args: None,
        variables: FlatMap::new(),
        files: FlatMap::new(),
        volumes: FlatMap::new(),
        resources: None,
        liveness_probe: None,
        readiness_probe: None,
        before: FlatMap::new(),
    }
}

/// A workload `name` (metadata `{name}`) with `containers` and nothing else.
pub fn workload(name: &str, containers: Vec<ResolvedContainer>) -> ResolvedWorkload {
    ResolvedWorkload {
        name: name.into(),
        file: FILE.into(),
        span: span(""),
        metadata: serde_json::json!({ "name": name }),
        annotations: FlatMap::new(),
        service_ports: FlatMap::new(),
        containers: containers
            .into_iter()
            .map(|c| (c.name.clone(), Box::new(c)))
            .collect(),
        resources: FlatMap::new(),
    }
}

/// The estate: `workloads` and `resources`, provisioned in the order given.
pub fn app(workloads: Vec<ResolvedWorkload>, resources: Vec<ProvisionedResource>) -> Resolved {
    let parts = ResolvedParts {
        order: resources.iter().map(|r| r.uid.clone()).collect(),
        workloads: workloads.into_iter().map(|w| (w.name.clone(), w)).collect(),
        resources: resources.into_iter().map(|r| (r.uid.clone(), r)).collect(),
        bindings: Default::default(),
    };
    Resolved::new(parts).unwrap_or_else(|e| panic!("test fixture: {e}"))
}

/// `estate` with workload `name` changed by `edit`, rebuilt through [`Resolved::new`].
pub fn with_workload(
    estate: Resolved,
    name: &str,
    edit: impl FnOnce(&mut ResolvedWorkload),
) -> Resolved {
    let mut parts = estate.into_parts();
    match parts.workloads.get_mut(name) {
        Some(w) => edit(w),
        None => panic!("test fixture: no workload `{name}`"),
    }
    Resolved::new(parts).unwrap_or_else(|e| panic!("test fixture: {e}"))
}

/// Resource `uid` (e.g. `postgres.default#web.db`), declared by and consumed by workload `web`.
pub fn resource(
    uid: &str,
    outputs: Vec<(&str, Output)>,
    artifacts: serde_json::Value,
) -> ProvisionedResource {
    let uid: ResourceUid = uid.parse().unwrap_or_else(|e| panic!("test fixture: {e}"));
    provisioned(uid, &["web"], outputs, artifacts)
}

/// Resource `uid` declared by the first of `consumers` and used by all of them (at least one).
pub fn provisioned(
    uid: ResourceUid,
    consumers: &[&str],
    outputs: Vec<(&str, Output)>,
    artifacts: serde_json::Value,
) -> ProvisionedResource {
    let name = uid.id().rsplit('.').next().unwrap_or_default().to_string();
    ProvisionedResource {
        type_: uid.type_().to_string(),
        class: uid.class().to_string(),
        id: None,
        source_workload: consumers.first().copied().unwrap_or_default().into(),
        consumers: consumers
            .iter()
            .map(|s| s.to_string())
            .collect::<BTreeSet<_>>(),
        provisioner: format!("template://test/{}", uid.type_()),
        params: serde_json::json!({}),
        outputs: outputs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        artifacts: crate::artifacts::Artifacts::from_value(&artifacts),
        span: span(&format!("/resources/{name}")),
        uid,
    }
}

/// Builders of a container's fields, by value so they chain off [`container`]; each span is the
/// field's path under the container.
pub trait ContainerExt: Sized {
    /// Another image.
    fn image(self, image: &str) -> Self;
    /// Variable `key`.
    fn var(self, key: &str, value: Value) -> Self;
    /// File at `target`.
    fn file(self, target: &str, mode: Option<u32>, content: ResolvedContent) -> Self;
    /// Volume at `target` from resource `source` (a uid).
    fn volume(self, target: &str, source: &str, path: Option<&str>, read_only: bool) -> Self;
    /// `before.OTHER.ready`.
    fn before(self, other: &str, ready: Readiness) -> Self;
    /// An exec readiness probe.
    fn exec_probe(self, cmd: &[&str]) -> Self;
    /// An HTTP readiness probe (`http`, no host).
    fn http_probe(self, path: &str, port: u16, headers: &[(&str, &str)]) -> Self;
    /// Command and args (`None` when `args` is empty).
    fn command(self, cmd: &[&str], args: &[&str]) -> Self;
    /// Resource requests and limits as written.
    fn requirements(self, r: ResourceRequirements) -> Self;
    /// Limits and requests from millicores and bytes (texts `{millis}m` and `{bytes}`).
    fn resources(
        self,
        limit_cpu_m: Option<u64>,
        limit_mem: Option<u64>,
        req_cpu_m: Option<u64>,
        req_mem: Option<u64>,
    ) -> Self;
}

fn strings(s: &[&str]) -> Vec<String> {
    s.iter().map(|s| s.to_string()).collect()
}

fn quantities(cpu: Option<u64>, memory: Option<u64>) -> Option<Quantities> {
    (cpu.is_some() || memory.is_some()).then(|| Quantities {
        cpu: cpu.map(|millis| Cpu {
            millis,
            text: format!("{millis}m"),
        }),
        memory: memory.map(|bytes| Memory {
            bytes,
            text: bytes.to_string(),
        }),
    })
}

impl ContainerExt for ResolvedContainer {
    fn image(mut self, image: &str) -> Self {
        self.image = image.into();
        self
    }

    fn var(mut self, key: &str, value: Value) -> Self {
        let span = span(&format!("/containers/{}/variables/{key}", self.name));
        self.variables
            .insert(key.into(), ResolvedVariable { value, span });
        self
    }

    fn file(mut self, target: &str, mode: Option<u32>, content: ResolvedContent) -> Self {
        let span = span(&format!("/containers/{}/files/{target}", self.name));
        self.files.insert(
            target.into(),
            ResolvedFile {
                target: target.into(),
                mode,
                content,
                span,
            },
        );
        self
    }

    fn volume(mut self, target: &str, source: &str, path: Option<&str>, read_only: bool) -> Self {
        let span = span(&format!("/containers/{}/volumes/{target}", self.name));
        let source = source
            .parse()
            .unwrap_or_else(|e| panic!("test fixture: {e}"));
        self.volumes.insert(
            target.into(),
            ResolvedVolume {
                target: target.into(),
                source,
                path: path.map(Into::into),
                read_only,
                span,
            },
        );
        self
    }

    fn before(mut self, other: &str, ready: Readiness) -> Self {
        let span = span(&format!("/containers/{}/before/{other}", self.name));
        self.before.insert(other.into(), Before { ready, span });
        self
    }

    fn exec_probe(mut self, cmd: &[&str]) -> Self {
        self.readiness_probe = Some(Box::new(Probe {
            http_get: None,
            exec: Some(strings(cmd)),
            span: span(&format!("/containers/{}/readinessProbe", self.name)),
        }));
        self
    }

    fn http_probe(mut self, path: &str, port: u16, headers: &[(&str, &str)]) -> Self {
        self.readiness_probe = Some(Box::new(Probe {
            http_get: Some(HttpGet {
                path: path.into(),
                port,
                host: None,
                scheme: Scheme::Http,
                headers: headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            }),
            exec: None,
            span: span(&format!("/containers/{}/readinessProbe", self.name)),
        }));
        self
    }

    fn command(mut self, cmd: &[&str], args: &[&str]) -> Self {
        self.command = Some(strings(cmd));
        self.args = (!args.is_empty()).then(|| strings(args));
        self
    }

    fn requirements(mut self, r: ResourceRequirements) -> Self {
        self.resources = Some(r);
        self
    }

    fn resources(
        self,
        limit_cpu_m: Option<u64>,
        limit_mem: Option<u64>,
        req_cpu_m: Option<u64>,
        req_mem: Option<u64>,
    ) -> Self {
        self.requirements(ResourceRequirements {
            limits: quantities(limit_cpu_m, limit_mem),
            requests: quantities(req_cpu_m, req_mem),
        })
    }
}

/// In-place builders of a workload's fields.
pub trait WorkloadExt {
    /// Service port `name`: callers dial `port`, the container listens on `target`.
    fn port(&mut self, name: &str, port: u16, target: u16, protocol: Protocol) -> &mut Self;
    /// Annotation `key: value`.
    fn annotate(&mut self, key: &str, value: &str) -> &mut Self;
}

impl WorkloadExt for ResolvedWorkload {
    fn port(&mut self, name: &str, port: u16, target: u16, protocol: Protocol) -> &mut Self {
        self.service_ports.insert(
            name.into(),
            ServicePort {
                name: name.into(),
                port,
                target_port: target,
                protocol,
                span: span(&format!("/service/ports/{name}")),
            },
        );
        self
    }

    fn annotate(&mut self, key: &str, value: &str) -> &mut Self {
        self.annotations.insert(key.into(), value.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_name_the_field_and_resources_their_consumers() {
        let c = container("main")
            .var("A", text("1"))
            .volume("/data", "volume.default#web.data", None, true)
            .before("app", Readiness::Complete);
        assert_eq!(
            c.variables["A"].span.path.as_ref(),
            "/containers/main/variables/A"
        );
        assert_eq!(
            c.volumes["/data"].span.path.as_ref(),
            "/containers/main/volumes//data"
        );
        assert_eq!(
            c.before["app"].span.path.as_ref(),
            "/containers/main/before/app"
        );
        let r = resource("postgres.default#web.db", vec![], serde_json::Value::Null);
        assert_eq!(
            (r.type_.as_str(), r.class.as_str()),
            ("postgres", "default")
        );
        assert_eq!(r.source_workload, "web");
        assert_eq!(r.span.path.as_ref(), "/resources/db");
        let a = app(vec![workload("web", vec![c])], vec![r]);
        assert_eq!(a.order().len(), 1);
        assert_eq!(
            mixed(vec![Segment::Text("a".into()), Segment::Text("b".into())]),
            text("ab")
        );
    }
}
