//! Probes → service checks: `httpGet` → an `http` check, `exec` → a `script` check (Consul
//! provider only); readiness is a check, liveness a check with `check_restart`.

use std::collections::BTreeMap;

use score_x_core::ir::{Probe, Scheme};
use score_x_core::resolved::ResolvedContainer;

use crate::ctx::Ctx;
use crate::model::{CheckRestart, Duration, ServiceCheck};
use crate::options::ServiceProvider;

/// Check interval (Score probes have no timing fields).
pub const INTERVAL: Duration = Duration::secs(10);
/// Check timeout.
pub const TIMEOUT: Duration = Duration::secs(2);

/// Which probe a check comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeKind {
    Readiness,
    Liveness,
}

impl ProbeKind {
    fn as_str(self) -> &'static str {
        match self {
            ProbeKind::Readiness => "readiness",
            ProbeKind::Liveness => "liveness",
        }
    }
}

/// A check and the port (inside the network namespace) it dials, when it dials one.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub check: ServiceCheck,
    pub port: Option<u16>,
}

fn base(c: &ResolvedContainer, kind: ProbeKind, type_: &str) -> ServiceCheck {
    ServiceCheck {
        name: format!("{}-{}", c.name, kind.as_str()),
        type_: type_.to_string(),
        interval: INTERVAL,
        timeout: TIMEOUT,
        check_restart: (kind == ProbeKind::Liveness).then_some(CheckRestart {
            limit: 3,
            grace: Duration::secs(10),
        }),
        task_name: (kind == ProbeKind::Liveness).then(|| c.name.clone()),
        ..Default::default()
    }
}

/// The check of `probe` of container `c`, or `None` (with a warning) when the target cannot run
/// it. The check's `port_label` is filled in by the caller from [`Planned::port`].
pub fn check(
    ctx: &mut Ctx,
    c: &ResolvedContainer,
    probe: &Probe,
    kind: ProbeKind,
) -> Option<Planned> {
    let consul = ctx.opts.service_provider == ServiceProvider::Consul;
    if let Some(cmd) = probe
        .exec
        .as_ref()
        .filter(|_| consul || probe.http_get.is_none())
    {
        if !consul {
            ctx.warn(
                Some(&probe.span),
                format!(
                    "the exec {} probe of container `{}` is dropped: Nomad's built-in service provider runs only http and tcp checks (set `serviceProvider: consul` for a script check)",
                    kind.as_str(),
                    c.name
                ),
            );
            return None;
        }
        let mut check = base(c, kind, "script");
        check.command = cmd.first().cloned();
        check.args = cmd.iter().skip(1).cloned().collect();
        check.task_name = Some(c.name.clone());
        return Some(Planned { check, port: None });
    }
    let h = probe.http_get.as_ref()?;
    if h.host.is_some() {
        ctx.warn(
            Some(&probe.span),
            format!(
                "the `host` of the {} probe of container `{}` is ignored: Nomad checks dial the allocation's address",
                kind.as_str(),
                c.name
            ),
        );
    }
    let mut check = base(c, kind, "http");
    check.path = Some(h.path.clone());
    check.method = Some("GET".to_string());
    if h.scheme == Scheme::Https {
        check.protocol = Some("https".to_string());
    }
    let mut header: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in &h.headers {
        header.entry(k.clone()).or_default().push(v.clone());
    }
    check.header = header;
    Some(Planned {
        check,
        port: Some(h.port),
    })
}
