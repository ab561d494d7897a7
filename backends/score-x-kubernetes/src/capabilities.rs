//! What the Kubernetes target can express.

use score_x_core::Capabilities;
use score_x_core::backend::{Feature, Support};

/// Everything is native except `before`, which Kubernetes orders per pod, not per container.
pub fn capabilities() -> Capabilities {
    const BEFORE: &str = "init containers and native sidecars order the whole pod: every regular container waits, not only the named one";
    Capabilities::new("kubernetes")
        .with(Feature::BeforeStarted, Support::Approximated(BEFORE))
        .with(Feature::BeforeHealthy, Support::Approximated(BEFORE))
        .with(
            Feature::BeforeComplete,
            Support::Approximated("the container becomes an init container: it runs before every regular container, and its probes are dropped"),
        )
}
