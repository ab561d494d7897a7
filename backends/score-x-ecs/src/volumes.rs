//! Score `volumes` → task `volumes` + `mountPoints`, described by the source resource's `ecs`
//! section (`volume: {kind: efs|ephemeral|host|docker, …}`).

use std::collections::BTreeMap;

use score_x_core::Code;
use score_x_core::naming::{dns_label, short_hash};
use score_x_core::resolved::ResolvedWorkload;

use crate::artifacts::VolumeSpec;
use crate::ctx::Ctx;
use crate::error::Error;
use crate::model::{
    DockerVolumeConfiguration, EfsAuthorizationConfig, EfsVolumeConfiguration,
    HostVolumeProperties, MountPoint, Volume,
};
use crate::options::LaunchType;

#[derive(Debug, Default)]
pub struct VolumesPlan {
    pub volumes: Vec<Volume>,
    pub mounts: BTreeMap<String, Vec<MountPoint>>,
    /// EFS file systems mounted with IAM authorisation (the task role needs access).
    pub efs_iam: Vec<String>,
}

pub fn plan(ctx: &mut Ctx<'_>, w: &ResolvedWorkload) -> Result<VolumesPlan, Error> {
    let mut out = VolumesPlan::default();
    let mut by_name: BTreeMap<String, Volume> = BTreeMap::new();
    for (cname, c) in &w.containers {
        for v in c.volumes.values() {
            let err = |reason: String| Error::Volume {
                workload: w.name.clone(),
                container: cname.clone(),
                target: v.target.clone(),
                reason,
                span: Box::new(v.span.clone()),
            };
            let spec = ctx
                .sections
                .get(&v.source)
                .and_then(|s| s.volume.clone())
                .ok_or_else(|| {
                    err(format!(
                        "the resource `{}` does not describe an ECS volume (its provisioner's `ecs` section needs `volume: {{kind: …}}`)",
                        v.source
                    ))
                })?;
            let path = v
                .path
                .as_deref()
                .map(|p| p.trim_matches('/'))
                .filter(|p| !p.is_empty());
            let base = dns_label(&v.source.to_string(), 60);
            let name = match path {
                Some(p) => format!("{base}-{}", short_hash(p.as_bytes(), 6)),
                None => base,
            };
            let mut vol = Volume {
                name: name.clone(),
                ..Volume::default()
            };
            match spec {
                VolumeSpec::Efs {
                    file_system_id,
                    access_point_id,
                    root_directory,
                    iam,
                } => {
                    let root = match (path, root_directory.as_deref(), &access_point_id) {
                        (Some(_), _, Some(_)) => {
                            return Err(err(
                                "`path` cannot be combined with an EFS access point (ECS requires the root directory `/` then); use an access point whose root is that sub path".into(),
                            ));
                        }
                        (Some(p), Some(r), None) => {
                            Some(format!("{}/{p}", r.trim_end_matches('/')))
                        }
                        (Some(p), None, None) => Some(format!("/{p}")),
                        (None, r, _) => r.map(str::to_string),
                    };
                    if iam {
                        out.efs_iam.push(file_system_id.clone());
                    }
                    let auth = (iam || access_point_id.is_some()).then(|| EfsAuthorizationConfig {
                        access_point_id: access_point_id.clone(),
                        iam: if iam { "ENABLED" } else { "DISABLED" }.into(),
                    });
                    vol.efs_volume_configuration = Some(EfsVolumeConfiguration {
                        file_system_id,
                        root_directory: root,
                        transit_encryption: "ENABLED".into(),
                        authorization_config: auth,
                    });
                }
                VolumeSpec::Ephemeral {} => {
                    if path.is_some() {
                        ctx.warn(
                            Code::Approximated,
                            Some(&v.span),
                            format!(
                                "volume `{}` of container `{cname}`: an ephemeral task volume starts empty; `path` selects a separate empty volume",
                                v.target
                            ),
                        );
                    }
                    let others: Vec<&String> = ctx
                        .app
                        .resources()
                        .get(&v.source)
                        .map(|r| r.consumers.iter().filter(|c| **c != w.name).collect())
                        .unwrap_or_default();
                    if !others.is_empty() {
                        ctx.warn(
                            Code::Approximated,
                            Some(&v.span),
                            format!(
                                "volume `{}` of workload `{}` is ephemeral: each ECS task gets its own, so it is not shared with {}",
                                v.target,
                                w.name,
                                others.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
                            ),
                        );
                    }
                }
                VolumeSpec::Host { source_path } => {
                    if ctx.opts.launch_type() == LaunchType::Fargate {
                        return Err(err(
                            "host volumes need the EC2 launch type (Fargate has no host paths)"
                                .into(),
                        ));
                    }
                    let p = match path {
                        Some(p) => format!("{}/{p}", source_path.trim_end_matches('/')),
                        None => source_path,
                    };
                    vol.host = Some(HostVolumeProperties { source_path: p });
                }
                VolumeSpec::Docker {
                    driver,
                    scope,
                    autoprovision,
                } => {
                    if ctx.opts.launch_type() == LaunchType::Fargate {
                        return Err(err("Docker volumes need the EC2 launch type".into()));
                    }
                    if path.is_some() {
                        return Err(err("`path` is not supported for Docker volumes".into()));
                    }
                    let scope = scope.unwrap_or_else(|| "task".into());
                    vol.docker_volume_configuration = Some(DockerVolumeConfiguration {
                        autoprovision: if scope == "shared" {
                            autoprovision
                        } else {
                            None
                        },
                        scope,
                        driver,
                    });
                }
            }
            if let Some(prev) = by_name.get(&name)
                && *prev != vol
            {
                return Err(err(format!(
                    "conflicting definitions of the task volume `{name}`"
                )));
            }
            by_name.insert(name.clone(), vol);
            out.mounts
                .entry(cname.clone())
                .or_default()
                .push(MountPoint {
                    source_volume: name,
                    container_path: v.target.clone(),
                    read_only: v.read_only,
                });
        }
    }
    out.volumes = by_name.into_values().collect();
    out.efs_iam.sort();
    out.efs_iam.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use score_x_core::ResourceUid;
    use score_x_core::resolved::ResolvedVolume;

    use super::*;
    use crate::artifacts::EcsSection;
    use crate::options::Options;
    use crate::testutil::{container, ctx, empty_app, span, workload};

    fn with_volume(path: Option<&str>) -> (ResolvedWorkload, ResourceUid) {
        let uid: ResourceUid = "volume.efs#shared".parse().unwrap();
        let mut c = container("main");
        c.volumes.insert(
            "/data".into(),
            ResolvedVolume {
                target: "/data".into(),
                source: uid.clone(),
                path: path.map(Into::into),
                read_only: true,
                span: span(),
            },
        );
        (workload("w", vec![c]), uid)
    }

    fn efs(access_point: Option<&str>, root: Option<&str>) -> EcsSection {
        EcsSection {
            volume: Some(VolumeSpec::Efs {
                file_system_id: "fs-1".into(),
                access_point_id: access_point.map(Into::into),
                root_directory: root.map(Into::into),
                iam: false,
            }),
            ..EcsSection::default()
        }
    }

    #[test]
    fn efs_paths() {
        let (app, opts) = (empty_app(), Options::default());
        let (w, uid) = with_volume(Some("tenants/a/"));
        let mut c = ctx(&app, &opts);
        std::sync::Arc::make_mut(&mut c.sections).insert(uid.clone(), efs(None, Some("/base/")));
        let p = plan(&mut c, &w).unwrap();
        let e = p.volumes[0].efs_volume_configuration.as_ref().unwrap();
        assert_eq!(e.root_directory.as_deref(), Some("/base/tenants/a"));
        assert_eq!(e.transit_encryption, "ENABLED");
        assert!(e.authorization_config.is_none());
        assert!(p.mounts["main"][0].read_only);
        assert!(p.efs_iam.is_empty());

        std::sync::Arc::make_mut(&mut c.sections).insert(uid.clone(), efs(Some("fsap-1"), None));
        assert!(matches!(plan(&mut c, &w), Err(Error::Volume { .. })));
        let (w, _) = with_volume(None);
        let p = plan(&mut c, &w).unwrap();
        let e = p.volumes[0].efs_volume_configuration.as_ref().unwrap();
        assert_eq!(
            e.authorization_config
                .as_ref()
                .unwrap()
                .access_point_id
                .as_deref(),
            Some("fsap-1")
        );
    }

    #[test]
    fn a_volume_resource_without_an_ecs_description_is_an_error() {
        let (app, opts) = (empty_app(), Options::default());
        let (w, _) = with_volume(None);
        let e = plan(&mut ctx(&app, &opts), &w).unwrap_err();
        assert!(
            e.to_string().contains("does not describe an ECS volume"),
            "{e}"
        );
    }
}
