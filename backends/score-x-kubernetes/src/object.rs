//! The objects the backend produces: typed k8s-openapi structs for workload objects, and the
//! provisioners' objects as rendered JSON. Also used by the helm backend.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret, Service};
use score_x_core::ResourceUid;

use crate::error::Error;

/// One Kubernetes object and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub origin: Origin,
    pub body: Body,
}

/// Why an object exists.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// The `Namespace` asked for with `generateNamespace`.
    Namespace,
    /// Rendered by the provisioner of a resource (its `kubernetes:` section).
    Resource(ResourceUid),
    /// Built for a workload.
    Workload(String),
}

/// The object itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Namespace(Box<Namespace>),
    ConfigMap(Box<ConfigMap>),
    Secret(Box<Secret>),
    Service(Box<Service>),
    Deployment(Box<Deployment>),
    StatefulSet(Box<StatefulSet>),
    Job(Box<Job>),
    CronJob(Box<CronJob>),
    /// A provisioner's object as rendered (any apiVersion/kind), with `apiVersion`, `kind` and
    /// `metadata.name` checked to be strings.
    Raw(serde_json::Value),
}

/// Identity of an object: apiVersion, kind, namespace (empty when none) and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{}/{} `{}`", self.api_version, self.kind, self.name)
        } else {
            write!(
                f,
                "{}/{} `{}/{}`",
                self.api_version, self.kind, self.namespace, self.name
            )
        }
    }
}

impl Object {
    /// The object as JSON with `apiVersion` and `kind` (keys in insertion order).
    pub fn to_value(&self) -> Result<serde_json::Value, Error> {
        fn ser<T: serde::Serialize>(t: &T, what: &str) -> Result<serde_json::Value, Error> {
            serde_json::to_value(t).map_err(|e| Error::Serialize {
                what: what.to_string(),
                reason: e.to_string(),
            })
        }
        match &self.body {
            Body::Namespace(o) => ser(o, "Namespace"),
            Body::ConfigMap(o) => ser(o, "ConfigMap"),
            Body::Secret(o) => ser(o, "Secret"),
            Body::Service(o) => ser(o, "Service"),
            Body::Deployment(o) => ser(o, "Deployment"),
            Body::StatefulSet(o) => ser(o, "StatefulSet"),
            Body::Job(o) => ser(o, "Job"),
            Body::CronJob(o) => ser(o, "CronJob"),
            Body::Raw(v) => Ok(v.clone()),
        }
    }

    /// [`Object::to_value`] without a copy of a provisioner's raw object.
    pub fn into_value(self) -> Result<serde_json::Value, Error> {
        match self.body {
            Body::Raw(v) => Ok(v),
            _ => self.to_value(),
        }
    }

    /// apiVersion, kind, namespace and name.
    pub fn key(&self) -> ObjectKey {
        use k8s_openapi::Resource;
        use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
        fn typed<T: Resource>(meta: &ObjectMeta) -> ObjectKey {
            ObjectKey {
                api_version: T::API_VERSION.to_string(),
                kind: T::KIND.to_string(),
                namespace: meta.namespace.clone().unwrap_or_default(),
                name: meta.name.clone().unwrap_or_default(),
            }
        }
        match &self.body {
            Body::Namespace(o) => typed::<Namespace>(&o.metadata),
            Body::ConfigMap(o) => typed::<ConfigMap>(&o.metadata),
            Body::Secret(o) => typed::<Secret>(&o.metadata),
            Body::Service(o) => typed::<Service>(&o.metadata),
            Body::Deployment(o) => typed::<Deployment>(&o.metadata),
            Body::StatefulSet(o) => typed::<StatefulSet>(&o.metadata),
            Body::Job(o) => typed::<Job>(&o.metadata),
            Body::CronJob(o) => typed::<CronJob>(&o.metadata),
            Body::Raw(v) => {
                let s = |p: &str| {
                    v.pointer(p)
                        .and_then(|x| x.as_str())
                        .unwrap_or_default()
                        .to_string()
                };
                ObjectKey {
                    api_version: s("/apiVersion"),
                    kind: s("/kind"),
                    namespace: s("/metadata/namespace"),
                    name: s("/metadata/name"),
                }
            }
        }
    }

    /// Where the object comes from, for messages.
    pub fn describe_origin(&self) -> String {
        self.origin.describe()
    }
}

impl Origin {
    /// Where an object comes from, for messages.
    pub fn describe(&self) -> String {
        match self {
            Origin::Namespace => "the generated namespace".to_string(),
            Origin::Resource(uid) => format!("resource `{uid}`"),
            Origin::Workload(w) => format!("workload `{w}`"),
        }
    }
}

/// Kinds that are not namespaced (a namespace is never added to them).
pub fn is_cluster_scoped(api_version: &str, kind: &str) -> bool {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    matches!(
        (group, kind),
        (
            "",
            "Namespace" | "Node" | "PersistentVolume" | "ComponentStatus"
        ) | (
            "rbac.authorization.k8s.io",
            "ClusterRole" | "ClusterRoleBinding"
        ) | (
            "storage.k8s.io",
            "StorageClass" | "CSIDriver" | "CSINode" | "VolumeAttachment" | "VolumeAttributesClass"
        ) | ("apiextensions.k8s.io", "CustomResourceDefinition")
            | ("apiregistration.k8s.io", "APIService")
            | ("scheduling.k8s.io", "PriorityClass")
            | ("node.k8s.io", "RuntimeClass")
            | (
                "networking.k8s.io",
                "IngressClass" | "IPAddress" | "ServiceCIDR"
            )
            | ("gateway.networking.k8s.io", "GatewayClass")
            | (
                "admissionregistration.k8s.io",
                "ValidatingWebhookConfiguration"
                    | "MutatingWebhookConfiguration"
                    | "ValidatingAdmissionPolicy"
                    | "ValidatingAdmissionPolicyBinding"
                    | "MutatingAdmissionPolicy"
                    | "MutatingAdmissionPolicyBinding"
            )
            | (
                "flowcontrol.apiserver.k8s.io",
                "FlowSchema" | "PriorityLevelConfiguration"
            )
            | (
                "certificates.k8s.io",
                "CertificateSigningRequest" | "ClusterTrustBundle"
            )
            | ("resource.k8s.io", "DeviceClass" | "ResourceSlice")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_typed_and_raw_objects() {
        let mut cm = ConfigMap::default();
        cm.metadata.name = Some("a".into());
        cm.metadata.namespace = Some("ns".into());
        let o = Object {
            origin: Origin::Workload("a".into()),
            body: Body::ConfigMap(Box::new(cm)),
        };
        assert_eq!(o.key().to_string(), "v1/ConfigMap `ns/a`");
        let v = o.to_value().unwrap();
        assert_eq!(v["kind"], "ConfigMap");
        assert_eq!(v["apiVersion"], "v1");
        let raw = Object {
            origin: Origin::Namespace,
            body: Body::Raw(
                serde_json::json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "pg"}}),
            ),
        };
        assert_eq!(raw.key().to_string(), "apps/v1/StatefulSet `pg`");
    }

    #[test]
    fn scope() {
        assert!(is_cluster_scoped("v1", "Namespace"));
        assert!(is_cluster_scoped(
            "rbac.authorization.k8s.io/v1",
            "ClusterRole"
        ));
        assert!(!is_cluster_scoped("v1", "Secret"));
        assert!(!is_cluster_scoped(
            "gateway.networking.k8s.io/v1",
            "HTTPRoute"
        ));
    }
}
