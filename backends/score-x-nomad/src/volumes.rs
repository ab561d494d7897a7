//! `containers.*.volumes` → group `volume` + task `volume_mount` (host and CSI volumes), or a
//! bind of a directory of the allocation (ephemeral volumes, which also allow a sub-path).

use score_x_core::naming::dns_label;
use score_x_core::resolved::{ResolvedContainer, ResolvedVolume, ResolvedWorkload};

use crate::artifacts::VolumeKind;
use crate::ctx::Ctx;
use crate::error::Error;
use crate::model::{VolumeMount, VolumeRequest};

/// What one Score volume becomes.
#[derive(Debug, Clone, PartialEq)]
pub enum Mounted {
    /// A group volume and the task's mount of it.
    Group(VolumeRequest, VolumeMount),
    /// A docker `volumes` bind (`host:container[:ro]`).
    Bind(String),
}

fn ephemeral(name: &str, v: &ResolvedVolume) -> Mounted {
    let mut host = format!("../alloc/data/score-x/{name}");
    if let Some(p) = v
        .path
        .as_deref()
        .map(|p| p.trim_matches('/'))
        .filter(|p| !p.is_empty())
    {
        host.push('/');
        host.push_str(p);
    }
    let ro = if v.read_only { ":ro" } else { "" };
    Mounted::Bind(format!("{host}:{}{ro}", v.target))
}

/// Mount volume `v` of container `c`.
pub fn mount(
    ctx: &mut Ctx,
    w: &ResolvedWorkload,
    c: &ResolvedContainer,
    v: &ResolvedVolume,
) -> Result<Mounted, Error> {
    let name = dns_label(v.source.as_str(), 63);
    let err = |reason: String| Error::Volume {
        workload: w.name.clone(),
        container: c.name.clone(),
        target: v.target.clone(),
        reason,
        span: Box::new(v.span.clone()),
    };
    let Some(spec) = ctx.sections.get(&v.source).and_then(|s| s.volume.clone()) else {
        ctx.warn(
            Some(&v.span),
            format!(
                "volume `{}` of container `{}`: the provisioner of `{}` gives no Nomad `volume`; it is a directory of the allocation (lost when the allocation goes)",
                v.target, c.name, v.source
            ),
        );
        return Ok(ephemeral(&name, v));
    };
    let (kind, access, attachment) = match spec.kind {
        VolumeKind::Ephemeral => return Ok(ephemeral(&name, v)),
        VolumeKind::Host => ("host", None, None),
        VolumeKind::Csi => (
            "csi",
            Some(
                spec.access_mode
                    .unwrap_or_else(|| "single-node-writer".into()),
            ),
            Some(spec.attachment_mode.unwrap_or_else(|| "file-system".into())),
        ),
    };
    let Some(source) = spec.source else {
        return Err(err(format!(
            "the provisioner of `{}` gives a {kind} volume without `source`",
            v.source
        )));
    };
    if v.path.is_some() {
        return Err(err(format!(
            "Nomad {kind} volumes have no sub-path (`path`)"
        )));
    }
    Ok(Mounted::Group(
        VolumeRequest {
            name: name.clone(),
            type_: kind.to_string(),
            source,
            read_only: false,
            access_mode: access,
            attachment_mode: attachment,
        },
        VolumeMount {
            volume: name,
            destination: v.target.clone(),
            read_only: v.read_only,
        },
    ))
}
