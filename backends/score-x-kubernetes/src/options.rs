//! Target options of the Kubernetes backend (read from `--target-options FILE`).

use serde::{Deserialize, Serialize};

/// Options of the Kubernetes target. Unknown keys are rejected. Every field is optional.
///
/// The same options are handed to the provisioner templates as `options`, so the route
/// provisioner can read `route`, `gatewayName`, `gatewayNamespace` and `ingressClassName`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Options {
    /// Namespace set on every namespaced object that does not name one itself.
    pub namespace: Option<String>,
    /// Prepend a `Namespace` object for `namespace` (requires `namespace`).
    #[serde(default)]
    pub generate_namespace: bool,
    /// `imagePullPolicy` of every workload container (`Always`, `IfNotPresent` or `Never`);
    /// unset leaves the Kubernetes default.
    pub image_pull_policy: Option<ImagePullPolicy>,
    /// How the default `route` provisioner exposes HTTP routes: a Gateway API `HTTPRoute`
    /// (default) or a networking.k8s.io `Ingress`.
    pub route: Option<RouteKind>,
    /// Gateway the `HTTPRoute`s attach to (default `default`).
    pub gateway_name: Option<String>,
    /// Namespace of that Gateway (default: the route's own namespace).
    pub gateway_namespace: Option<String>,
    /// `ingressClassName` of generated Ingresses (default: the cluster default class).
    pub ingress_class_name: Option<String>,
    /// Secret the default `environment` provisioner reads the deploy environment's values from
    /// (key KEY for `${resources.env.KEY}`; default `score-x-environment`). The platform
    /// creates it; score-x only references it.
    pub environment_secret: Option<String>,
}

/// `imagePullPolicy` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImagePullPolicy {
    Always,
    IfNotPresent,
    Never,
}

impl ImagePullPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            ImagePullPolicy::Always => "Always",
            ImagePullPolicy::IfNotPresent => "IfNotPresent",
            ImagePullPolicy::Never => "Never",
        }
    }
}

/// How routes are exposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteKind {
    Gateway,
    Ingress,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_camel_case_and_rejects_unknown_keys() {
        let o: Options = serde_yaml::from_str(
            "namespace: shop\ngenerateNamespace: true\nimagePullPolicy: IfNotPresent\nroute: ingress\ningressClassName: nginx\nenvironmentSecret: shop-env\n",
        )
        .unwrap();
        assert_eq!(o.namespace.as_deref(), Some("shop"));
        assert!(o.generate_namespace);
        assert_eq!(o.image_pull_policy, Some(ImagePullPolicy::IfNotPresent));
        assert_eq!(o.route, Some(RouteKind::Ingress));
        assert_eq!(o.environment_secret.as_deref(), Some("shop-env"));
        assert!(serde_yaml::from_str::<Options>("namespaces: x\n").is_err());
        assert!(serde_yaml::from_str::<Options>("route: nodeport\n").is_err());
        assert_eq!(
            serde_yaml::from_str::<Options>("{}").unwrap(),
            Options::default()
        );
    }
}
