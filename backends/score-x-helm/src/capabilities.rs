//! What the Helm target can express: exactly what the Kubernetes target can, since its
//! templates are the Kubernetes target's objects.

use score_x_core::Capabilities;
use score_x_core::backend::{Feature, Support};

/// The Kubernetes target's capabilities, under the name `helm`.
pub fn capabilities() -> Capabilities {
    const BEFORE: &str = "init containers and native sidecars order the whole pod: every regular container waits, not only the named one";
    Capabilities::new("helm")
        .with(Feature::BeforeStarted, Support::Approximated(BEFORE))
        .with(Feature::BeforeHealthy, Support::Approximated(BEFORE))
        .with(
            Feature::BeforeComplete,
            Support::Approximated("the container becomes an init container: it runs before every regular container, and its probes are dropped"),
        )
}

#[cfg(test)]
mod tests {
    #[test]
    fn same_support_as_kubernetes() {
        let h = super::capabilities();
        let k = score_x_kubernetes::capabilities();
        assert_eq!(
            format!("{:?}", h).replace("\"helm\"", "\"kubernetes\""),
            format!("{k:?}")
        );
    }
}
