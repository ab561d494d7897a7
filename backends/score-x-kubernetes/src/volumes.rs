//! Container `volumes` → pod volumes (from the resource's `source` output, any VolumeSource)
//! or StatefulSet claim templates (from `claimSpec`), and the mounts.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    PersistentVolumeClaim, PersistentVolumeClaimSpec, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use score_x_core::Resolved;
use score_x_core::resolved::{Output, ResolvedVolume, ResolvedWorkload};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::names::volume_name;
use crate::render::sorted;

/// Everything the volumes of one workload turn into.
#[derive(Debug, Default)]
pub struct VolumePlan {
    /// Pod volumes by name.
    pub volumes: BTreeMap<String, Volume>,
    /// Claim templates by name (StatefulSet only).
    pub claims: BTreeMap<String, PersistentVolumeClaim>,
    /// Container name → mounts.
    pub mounts: BTreeMap<String, Vec<VolumeMount>>,
}

impl VolumePlan {
    /// True when a pod volume is a PersistentVolumeClaim (a rolling update could not attach a
    /// ReadWriteOnce claim to the new pod while the old one holds it).
    pub fn uses_claims(&self) -> bool {
        self.volumes
            .values()
            .any(|v| v.persistent_volume_claim.is_some())
    }
}

/// Decode `v` into `T` and check nothing was dropped (k8s-openapi ignores unknown fields, so a
/// typo would otherwise vanish silently).
fn decode_exact<T: DeserializeOwned + Serialize>(v: &serde_json::Value) -> Result<T, String> {
    let t: T = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
    let back = serde_json::to_value(&t).map_err(|e| e.to_string())?;
    if sorted(back.clone()) != sorted(v.clone()) {
        return Err(format!(
            "has fields Kubernetes does not know or that change meaning: {} (understood as {})",
            v, back
        ));
    }
    Ok(t)
}

fn bad(vol: &ResolvedVolume, reason: impl Into<String>) -> Error {
    Error::BadVolumeSource {
        target: vol.target.clone(),
        uid: vol.source.to_string(),
        reason: reason.into(),
        span: Box::new(vol.span.clone()),
    }
}

/// Plan the volumes of `w`; `stateful` tells whether claim templates are possible.
pub fn plan(app: &Resolved, w: &ResolvedWorkload, kind: &str) -> Result<VolumePlan, Error> {
    let mut plan = VolumePlan::default();
    for (cname, c) in &w.containers {
        for vol in c.volumes.values() {
            let res = app
                .resources()
                .get(&vol.source)
                .ok_or_else(|| Error::MissingResource {
                    container: cname.clone(),
                    target: vol.target.clone(),
                    uid: vol.source.to_string(),
                    span: Box::new(vol.span.clone()),
                })?;
            let name = volume_name(vol.source.as_str());
            if let Some(out) = res.outputs.get("claimSpec") {
                let Output::Plain(spec) = out else {
                    return Err(bad(vol, "outputs `claimSpec` as a secret"));
                };
                if kind != "StatefulSet" {
                    return Err(Error::ClaimNeedsStatefulSet {
                        workload: w.name.clone(),
                        target: vol.target.clone(),
                        uid: vol.source.to_string(),
                        kind: kind.to_string(),
                        span: Box::new(vol.span.clone()),
                    });
                }
                let spec: PersistentVolumeClaimSpec = decode_exact(spec)
                    .map_err(|e| bad(vol, format!("outputs a `claimSpec` that {e}")))?;
                plan.claims
                    .entry(name.clone())
                    .or_insert_with(|| PersistentVolumeClaim {
                        metadata: ObjectMeta {
                            name: Some(name.clone()),
                            ..Default::default()
                        },
                        spec: Some(spec),
                        ..Default::default()
                    });
            } else if let Some(out) = res.outputs.get("source") {
                let Output::Plain(source) = out else {
                    return Err(bad(vol, "outputs `source` as a secret"));
                };
                let serde_json::Value::Object(map) = source else {
                    return Err(bad(
                        vol,
                        format!("outputs `source` = {source}, which is not a VolumeSource map"),
                    ));
                };
                if map.contains_key("name") {
                    return Err(bad(
                        vol,
                        "outputs a `source` with a `name`; the volume name is chosen by score-x",
                    ));
                }
                if map.is_empty() {
                    return Err(bad(vol, "outputs an empty `source`"));
                }
                let mut with_name = map.clone();
                with_name.insert("name".into(), serde_json::Value::String(name.clone()));
                let v: Volume = decode_exact(&serde_json::Value::Object(with_name))
                    .map_err(|e| bad(vol, format!("outputs a `source` that {e}")))?;
                plan.volumes.entry(name.clone()).or_insert(v);
            } else {
                return Err(bad(vol, "outputs neither `source` nor `claimSpec`"));
            }
            let sub_path = match vol.path.as_deref().map(|p| p.trim_start_matches('/')) {
                None | Some("") => None,
                Some(p) if p.split('/').any(|part| part == "..") => {
                    return Err(bad(
                        vol,
                        format!("is mounted with path `{p}`, which leaves the volume (`..`)"),
                    ));
                }
                Some(p) => Some(p.to_string()),
            };
            plan.mounts
                .entry(cname.clone())
                .or_default()
                .push(VolumeMount {
                    name,
                    mount_path: vol.target.clone(),
                    sub_path,
                    read_only: vol.read_only.then_some(true),
                    ..Default::default()
                });
        }
    }
    Ok(plan)
}
