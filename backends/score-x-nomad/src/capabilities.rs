//! What the Nomad target can express.

use score_x_core::Capabilities;
use score_x_core::backend::{Feature, Support};

/// Everything is native except what Nomad orders or checks differently.
pub fn capabilities() -> Capabilities {
    Capabilities::new("nomad")
        .with(
            Feature::BeforeStarted,
            Support::Approximated("a prestart sidecar task: every main task waits, not only the named one"),
        )
        .with(
            Feature::BeforeHealthy,
            Support::Approximated("a prestart sidecar task: Nomad cannot wait for it to be healthy, only started"),
        )
        .with(
            Feature::BeforeComplete,
            Support::Approximated("a prestart task: it completes before every main task, and its probes are dropped"),
        )
        .with(
            Feature::ExecProbe,
            Support::Approximated("a script check with `serviceProvider: consul`; dropped with a warning on Nomad's built-in provider"),
        )
        .with(
            Feature::BinaryFiles,
            Support::Approximated("a template that decodes the base64 content with `base64Decode` when it renders"),
        )
        .with(
            Feature::StableIdentity,
            Support::Approximated("a service job: allocations have no stable identity; persistent storage comes from host or CSI volumes"),
        )
        .with(
            Feature::ResourceLimits,
            Support::Approximated("limits.memory is `memory_max` (needs memory oversubscription); limits.cpu is not enforced"),
        )
}
