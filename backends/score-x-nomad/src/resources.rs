//! `containers.*.resources` → task `resources` (CPU in MHz or cores, memory in MiB).

use score_x_core::ir::ResourceRequirements;
use score_x_core::resolved::ResolvedContainer;

use crate::ctx::Ctx;
use crate::model::Resources;
use crate::options::CpuMode;

fn cpu(ctx: &mut Ctx, c: &ResolvedContainer, r: &ResourceRequirements, out: &mut Resources) {
    let req = r.requests.as_ref().and_then(|q| q.cpu.as_ref());
    let lim = r.limits.as_ref().and_then(|q| q.cpu.as_ref());
    if lim.is_some() {
        ctx.notes.push(format!(
            "container `{}`: Nomad reserves `cpu` as a share, it does not cap it; limits.cpu is used only when no request is given",
            c.name
        ));
    }
    let Some(q) = req.or(lim) else { return };
    match ctx.opts.cpu_mode {
        CpuMode::Mhz => {
            let mhz = (q.millis * u64::from(ctx.opts.mhz_per_core())).div_ceil(1000);
            out.cpu = Some(mhz.max(1));
        }
        CpuMode::Cores => {
            let cores = q.millis.div_ceil(1000).max(1);
            if q.millis % 1000 != 0 {
                ctx.warn(
                    Some(&c.span),
                    format!(
                        "container `{}` asks for {} CPU; `cpuMode: cores` reserves whole cores, so it gets {cores}",
                        c.name, q.text
                    ),
                );
            }
            out.cores = Some(cores);
        }
    }
}

fn memory(ctx: &mut Ctx, c: &ResolvedContainer, r: &ResourceRequirements, out: &mut Resources) {
    let req = r.requests.as_ref().and_then(|q| q.memory.as_ref());
    let lim = r.limits.as_ref().and_then(|q| q.memory.as_ref());
    match (req, lim) {
        (Some(req), Some(lim)) if lim.bytes > req.bytes => {
            out.memory_mb = Some(req.mebibytes_ceil().max(1));
            out.memory_max_mb = Some(lim.mebibytes_ceil());
            ctx.warn(
                Some(&c.span),
                format!(
                    "container `{}`: `memory_max` ({}) takes effect only where the operator enabled memory oversubscription; elsewhere `memory` ({}) is the hard limit",
                    c.name, lim.text, req.text
                ),
            );
        }
        (Some(m), _) | (None, Some(m)) => out.memory_mb = Some(m.mebibytes_ceil().max(1)),
        (None, None) => {}
    }
}

/// The task's resources, or `None` when the container asks for nothing (Nomad's defaults:
/// 100 MHz, 300 MiB).
pub fn resources(ctx: &mut Ctx, c: &ResolvedContainer) -> Option<Resources> {
    let r = c.resources.as_ref()?;
    let mut out = Resources::default();
    cpu(ctx, c, r, &mut out);
    memory(ctx, c, r, &mut out);
    (out != Resources::default()).then_some(out)
}
