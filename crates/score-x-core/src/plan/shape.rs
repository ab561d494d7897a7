//! What planning reads of a workload, so the same rules apply to the validated model (`App`,
//! before provisioning) and the resolved one (handed to backends).

use crate::flat_map::FlatMap;

use crate::diag::Span;
use crate::ir::{self, Before, Probe, ServicePort};
use crate::resolved::{ResolvedContainer, ResolvedWorkload};

/// A workload as planning sees it.
pub trait WorkloadShape {
    type Container: ContainerShape;
    fn name(&self) -> &str;
    fn span(&self) -> &Span;
    fn annotations(&self) -> &FlatMap<String, String>;
    fn service_ports(&self) -> &FlatMap<String, ServicePort>;
    fn containers(&self) -> &FlatMap<String, Box<Self::Container>>;
}

/// A container as planning sees it.
pub trait ContainerShape {
    fn span(&self) -> &Span;
    fn before(&self) -> &FlatMap<String, Before>;
    fn probes(&self) -> [Option<&Probe>; 2];
}

macro_rules! shapes {
    ($w:ty, $c:ty) => {
        impl WorkloadShape for $w {
            type Container = $c;
            fn name(&self) -> &str {
                &self.name
            }
            fn span(&self) -> &Span {
                &self.span
            }
            fn annotations(&self) -> &FlatMap<String, String> {
                &self.annotations
            }
            fn service_ports(&self) -> &FlatMap<String, ServicePort> {
                &self.service_ports
            }
            fn containers(&self) -> &FlatMap<String, Box<$c>> {
                &self.containers
            }
        }
        impl ContainerShape for $c {
            fn span(&self) -> &Span {
                &self.span
            }
            fn before(&self) -> &FlatMap<String, Before> {
                &self.before
            }
            fn probes(&self) -> [Option<&Probe>; 2] {
                [
                    self.readiness_probe.as_deref(),
                    self.liveness_probe.as_deref(),
                ]
            }
        }
    };
}

shapes!(ir::Workload, ir::Container);
shapes!(ResolvedWorkload, ResolvedContainer);
