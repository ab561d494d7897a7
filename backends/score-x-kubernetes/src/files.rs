//! Container `files` → one ConfigMap (text and binary files without secrets) and one Secret
//! (files mixing text and secrets) per workload, files that are exactly one secret mounted
//! from their own Secret; every file mounted with `subPath` at its own path; a checksum over
//! all contents for the pod template.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapVolumeSource, KeyToPath, Secret, SecretVolumeSource, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use score_x_core::naming::short_hash;
use score_x_core::resolved::{ResolvedContent, ResolvedFile, ResolvedWorkload};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::names::{file_key, labels};

/// Name of the pod volume holding the workload's ConfigMap files.
pub const FILES_VOLUME: &str = "score-files";
/// Name of the pod volume holding the workload's generated Secret files.
pub const SECRET_FILES_VOLUME: &str = "score-secret-files";

/// Everything the files of one workload turn into.
#[derive(Debug, Default)]
pub struct FilePlan {
    pub config_map: Option<ConfigMap>,
    pub secret: Option<Secret>,
    pub volumes: Vec<Volume>,
    /// Container name → its file mounts (sorted by mount path).
    pub mounts: BTreeMap<String, Vec<VolumeMount>>,
    /// Hex SHA-256 over every file (target, mode and content), when there are files.
    pub checksum: Option<String>,
}

fn mode_of(f: &ResolvedFile, container: &str) -> Result<Option<i32>, Error> {
    match f.mode {
        None => Ok(None),
        Some(m) if m <= 0o777 => Ok(Some(m as i32)),
        Some(m) => Err(Error::OutOfRange {
            container: container.to_string(),
            what: format!("mode of file `{}`", f.target),
            value: format!("{m:o}"),
            span: Box::new(f.span.clone()),
        }),
    }
}

fn mount(volume: &str, target: &str, sub_path: &str) -> VolumeMount {
    VolumeMount {
        name: volume.to_string(),
        mount_path: target.to_string(),
        sub_path: Some(sub_path.to_string()),
        read_only: Some(true),
        ..Default::default()
    }
}

/// Plan the ConfigMap, Secret, volumes and mounts for the files of `w`.
pub fn plan(w: &ResolvedWorkload, namespace: Option<&str>) -> Result<FilePlan, Error> {
    let mut data = BTreeMap::new();
    let mut binary = BTreeMap::new();
    let mut cm_items = Vec::new();
    let mut string_data = BTreeMap::new();
    let mut secret_items = Vec::new();
    // Secret name → items, for files that are exactly one existing secret.
    let mut direct: BTreeMap<String, Vec<KeyToPath>> = BTreeMap::new();
    let mut mounts: BTreeMap<String, Vec<VolumeMount>> = BTreeMap::new();
    let mut hasher = Sha256::new();
    let mut any = false;

    for (cname, c) in &w.containers {
        for f in c.files.values() {
            any = true;
            let key = file_key(cname, &f.target);
            let mode = mode_of(f, cname)?;
            hasher.update(format!("{cname}\0{}\0{mode:?}\0", f.target).as_bytes());
            let m = match &f.content {
                ResolvedContent::Binary(b) => {
                    hasher.update(b"binary\0");
                    hasher.update(b);
                    binary.insert(key.clone(), ByteString(b.clone()));
                    cm_items.push(KeyToPath {
                        key: key.clone(),
                        path: key.clone(),
                        mode,
                    });
                    mount(FILES_VOLUME, &f.target, &key)
                }
                ResolvedContent::Text(v) => {
                    if let Some(text) = v.as_plain() {
                        hasher.update(b"text\0");
                        hasher.update(text.as_bytes());
                        data.insert(key.clone(), text);
                        cm_items.push(KeyToPath {
                            key: key.clone(),
                            path: key.clone(),
                            mode,
                        });
                        mount(FILES_VOLUME, &f.target, &key)
                    } else if let Some(r) = v.single_secret() {
                        let skey = r.key.clone().ok_or_else(|| Error::SecretWithoutKey {
                            what: format!("file `{}` of container `{cname}`", f.target),
                            name: r.name.clone(),
                            span: Box::new(f.span.clone()),
                        })?;
                        hasher.update(format!("secret\0{}\0{skey}\0", r.name).as_bytes());
                        if let Some(val) = &r.value {
                            hasher.update(val.expose().as_bytes());
                        }
                        let items = direct.entry(r.name.clone()).or_default();
                        items.push(KeyToPath {
                            key: skey,
                            path: key.clone(),
                            mode,
                        });
                        mount(&secret_volume_name(&r.name), &f.target, &key)
                    } else {
                        let text = v.expose_all().ok_or_else(|| Error::UnknownSecretValue {
                            container: cname.clone(),
                            target: f.target.clone(),
                            secret: v
                                .secrets()
                                .find(|r| r.value.is_none())
                                .map(|r| r.name.clone())
                                .unwrap_or_default(),
                            span: Box::new(f.span.clone()),
                        })?;
                        hasher.update(b"mixed\0");
                        hasher.update(text.as_bytes());
                        string_data.insert(key.clone(), text);
                        secret_items.push(KeyToPath {
                            key: key.clone(),
                            path: key.clone(),
                            mode,
                        });
                        mount(SECRET_FILES_VOLUME, &f.target, &key)
                    }
                }
            };
            mounts.entry(cname.clone()).or_default().push(m);
        }
    }

    let mut plan = FilePlan {
        mounts,
        ..Default::default()
    };
    if !any {
        return Ok(plan);
    }
    plan.checksum = Some(hex::encode(hasher.finalize()));
    let meta = |name: String| ObjectMeta {
        name: Some(name),
        namespace: namespace.map(str::to_string),
        labels: Some(labels(&w.name)),
        ..Default::default()
    };
    if !data.is_empty() || !binary.is_empty() {
        let name = config_map_name(&w.name);
        plan.config_map = Some(ConfigMap {
            metadata: meta(name.clone()),
            data: (!data.is_empty()).then_some(data),
            binary_data: (!binary.is_empty()).then_some(binary),
            ..Default::default()
        });
        plan.volumes.push(Volume {
            name: FILES_VOLUME.to_string(),
            config_map: Some(ConfigMapVolumeSource {
                name,
                items: Some(cm_items),
                ..Default::default()
            }),
            ..Default::default()
        });
    }
    if !string_data.is_empty() {
        let name = secret_name(&w.name);
        plan.secret = Some(Secret {
            metadata: meta(name.clone()),
            string_data: Some(string_data),
            type_: Some("Opaque".to_string()),
            ..Default::default()
        });
        plan.volumes.push(Volume {
            name: SECRET_FILES_VOLUME.to_string(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(name),
                items: Some(secret_items),
                ..Default::default()
            }),
            ..Default::default()
        });
    }
    for (secret, items) in direct {
        plan.volumes.push(Volume {
            name: secret_volume_name(&secret),
            secret: Some(SecretVolumeSource {
                secret_name: Some(secret),
                items: Some(items),
                ..Default::default()
            }),
            ..Default::default()
        });
    }
    Ok(plan)
}

/// The workload's ConfigMap of files.
pub fn config_map_name(workload: &str) -> String {
    format!("{workload}-files")
}

/// The workload's Secret of files that mix text and secrets.
pub fn secret_name(workload: &str) -> String {
    format!("{workload}-secret-files")
}

/// The pod volume mounting an existing Secret.
fn secret_volume_name(secret: &str) -> String {
    format!("secret-{}", short_hash(secret.as_bytes(), 10))
}
