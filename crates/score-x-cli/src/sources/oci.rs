//! OCI artifacts over the registry HTTP API v2, in the layout score-k8s and score-compose read
//! (an oras-style image manifest whose layers are files titled by
//! `org.opencontainers.image.title`): manifest (OCI or Docker v2), then each YAML layer's blob,
//! every digest verified. Anonymous bearer tokens are obtained as `WWW-Authenticate` asks.

use std::collections::BTreeMap;

use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use super::http::{self, Reply};
use super::pin::FetchedFile;
use super::reference::{OciRef, OciTag, is_loopback, valid_file_name};

pub const MANIFEST_TYPES: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";
const INDEX_TYPES: [&str; 2] = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];
const TITLE: &str = "org.opencontainers.image.title";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    layers: Vec<Descriptor>,
}

#[derive(Debug, Deserialize)]
struct Descriptor {
    digest: String,
    size: u64,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

/// A registry client for one repository: base URL and, once obtained, a bearer token.
struct Registry {
    agent: ureq::Agent,
    base: String,
    repository: String,
    token: Option<String>,
}

pub fn fetch(r: &OciRef) -> Result<Vec<FetchedFile>, String> {
    let (host, repository) = docker_hub(&r.registry, &r.repository);
    let scheme = if is_loopback(&host) { "http" } else { "https" };
    let mut reg = Registry {
        agent: http::agent(),
        base: format!("{scheme}://{host}/v2/{repository}"),
        repository,
        token: None,
    };
    let reply = reg.get(
        &format!("manifests/{}", r.reference.as_str()),
        MANIFEST_TYPES,
    )?;
    if let OciTag::Digest(d) = &r.reference {
        verify(&reply.body, d, "the manifest")?;
    }
    let manifest: Manifest = serde_json::from_slice(&reply.body).map_err(|e| {
        format!(
            "the manifest of {} is not an image manifest: {e}",
            reg.repository
        )
    })?;
    let media = manifest
        .media_type
        .as_deref()
        .or(reply.content_type.as_deref());
    if media.is_some_and(|m| INDEX_TYPES.iter().any(|t| m.starts_with(t))) {
        return Err("the reference names an image index, not an artifact manifest\n  hint: name the artifact's own manifest by @sha256:<digest>".into());
    }
    let layers = select(&manifest.layers, r.file.as_deref())?;
    layers
        .into_iter()
        .map(|(name, l)| {
            if l.size > http::MAX_BYTES {
                return Err(format!(
                    "layer `{name}` has {} bytes, more than {}",
                    l.size,
                    http::MAX_BYTES
                ));
            }
            let blob = reg.get(&format!("blobs/{}", l.digest), "*/*")?;
            verify(&blob.body, &l.digest, &format!("layer `{name}`"))?;
            Ok(FetchedFile {
                name,
                bytes: blob.body,
            })
        })
        .collect()
}

/// `docker.io` is served by `registry-1.docker.io`, and its one-part names live in `library/`.
fn docker_hub(registry: &str, repository: &str) -> (String, String) {
    if registry == "docker.io" || registry == "index.docker.io" {
        let repo = if repository.contains('/') {
            repository.to_string()
        } else {
            format!("library/{repository}")
        };
        return ("registry-1.docker.io".into(), repo);
    }
    (registry.to_string(), repository.to_string())
}

/// The YAML layers by title (only `file` when given), sorted by name.
fn select<'a>(
    layers: &'a [Descriptor],
    file: Option<&str>,
) -> Result<Vec<(String, &'a Descriptor)>, String> {
    let titled: Vec<(String, &Descriptor)> = layers
        .iter()
        .filter_map(|l| l.annotations.get(TITLE).map(|t| (t.clone(), l)))
        .collect();
    let mut chosen: Vec<(String, &Descriptor)> = titled
        .iter()
        .filter(|(t, _)| valid_file_name(t) && file.is_none_or(|f| f == t))
        .cloned()
        .collect();
    chosen.sort_by(|a, b| a.0.cmp(&b.0));
    if chosen.is_empty() {
        let names: Vec<&str> = titled.iter().map(|(t, _)| t.as_str()).collect();
        return Err(match file {
            Some(f) => format!(
                "the artifact has no layer titled `{f}` (it has: {})",
                names.join(", ")
            ),
            None => format!(
                "the artifact has no .yaml layer (layer titles: {})\n  hint: push the provisioner files as layers titled by `{TITLE}`, as `oras push` does",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            ),
        });
    }
    Ok(chosen)
}

fn verify(bytes: &[u8], digest: &str, what: &str) -> Result<(), String> {
    let Some(want) = digest.strip_prefix("sha256:") else {
        return Err(format!(
            "{what} has digest `{digest}`: only sha256 is supported"
        ));
    };
    let got = hex::encode(Sha256::digest(bytes));
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "{what} does not match its digest: expected sha256:{want}, got sha256:{got}"
        ))
    }
}

impl Registry {
    /// GET `<base>/<path>`; on 401 obtain a bearer token as `WWW-Authenticate` says, once.
    fn get(&mut self, path: &str, accept: &str) -> Result<Reply, String> {
        let url = format!("{}/{path}", self.base);
        let mut reply = self.send(&url, accept)?;
        if reply.status == 401 && self.token.is_none() {
            let challenge = reply.www_authenticate.clone().unwrap_or_default();
            self.token = Some(self.token_for(&challenge)?);
            reply = self.send(&url, accept)?;
        }
        match reply.status {
            200 => Ok(reply),
            401 | 403 => Err(format!(
                "GET {url}: HTTP {} (the registry wants credentials; score-x reads public artifacts only)",
                reply.status
            )),
            404 => Err(format!(
                "GET {url}: not found (HTTP 404)\n  hint: check the repository name and the tag or digest"
            )),
            s => Err(format!("GET {url}: HTTP status {s}")),
        }
    }

    fn send(&self, url: &str, accept: &str) -> Result<Reply, String> {
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let mut headers = vec![("Accept", accept)];
        if let Some(a) = &auth {
            headers.push(("Authorization", a.as_str()));
        }
        http::get(&self.agent, url, &headers)
    }

    /// The anonymous token flow: GET `realm?service=…&scope=…` → `{"token"|"access_token"}`.
    fn token_for(&self, challenge: &str) -> Result<String, String> {
        let params = parse_challenge(challenge).ok_or_else(|| {
            format!("the registry asked for authentication score-x cannot give (`WWW-Authenticate: {challenge}`)")
        })?;
        let realm = params
            .get("realm")
            .ok_or("the registry's bearer challenge has no realm")?;
        let scope = params
            .get("scope")
            .cloned()
            .unwrap_or_else(|| format!("repository:{}:pull", self.repository));
        let mut url = format!("{realm}?scope={}", encode(&scope));
        if let Some(service) = params.get("service") {
            url.push_str(&format!("&service={}", encode(service)));
        }
        let reply = http::get(&self.agent, &url, &[("Accept", "application/json")])?;
        if reply.status != 200 {
            return Err(format!(
                "GET {url}: HTTP status {} while obtaining an anonymous token",
                reply.status
            ));
        }
        #[derive(Deserialize)]
        struct Token {
            token: Option<String>,
            access_token: Option<String>,
        }
        let t: Token = serde_json::from_slice(&reply.body)
            .map_err(|e| format!("GET {url}: not a token: {e}"))?;
        t.token
            .or(t.access_token)
            .ok_or_else(|| format!("GET {url}: the reply has no token"))
    }
}

/// `Bearer realm="…",service="…",scope="…"` → its parameters; `None` for other schemes.
fn parse_challenge(h: &str) -> Option<BTreeMap<String, String>> {
    let rest = h
        .trim()
        .strip_prefix("Bearer ")
        .or_else(|| h.trim().strip_prefix("bearer "))?;
    let mut out = BTreeMap::new();
    let mut s = rest.trim();
    while !s.is_empty() {
        let (key, after) = s.split_once('=')?;
        let after = after.trim_start();
        let (value, next) = match after.strip_prefix('"') {
            Some(q) => {
                let end = q.find('"')?;
                (&q[..end], &q[end + 1..])
            }
            None => {
                let end = after.find(',').unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        out.insert(key.trim().to_ascii_lowercase(), value.to_string());
        s = next.trim_start().trim_start_matches(',').trim_start();
    }
    Some(out)
}

/// Percent-encoding for a query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn challenge_parameters() {
        let p = parse_challenge(r#"Bearer realm="https://auth.example/token",service="reg.example",scope="repository:a/b:pull""#).unwrap();
        assert_eq!(p["realm"], "https://auth.example/token");
        assert_eq!(p["service"], "reg.example");
        assert_eq!(p["scope"], "repository:a/b:pull");
        assert!(parse_challenge("Basic realm=\"x\"").is_none());
        assert!(parse_challenge("Bearer realm=\"unterminated").is_none());
    }

    #[test]
    fn docker_hub_names() {
        assert_eq!(
            docker_hub("docker.io", "x"),
            ("registry-1.docker.io".into(), "library/x".into())
        );
        assert_eq!(
            docker_hub("ghcr.io", "o/x"),
            ("ghcr.io".into(), "o/x".into())
        );
    }

    #[test]
    fn layers_by_title() {
        let d = |t: &str| Descriptor {
            digest: "sha256:00".into(),
            size: 1,
            annotations: [(TITLE.to_string(), t.to_string())].into(),
        };
        let layers = [d("b.yaml"), d("README.md"), d("a.yml")];
        let names: Vec<String> = select(&layers, None)
            .unwrap()
            .into_iter()
            .map(|x| x.0)
            .collect();
        assert_eq!(names, ["a.yml", "b.yaml"]);
        assert_eq!(select(&layers, Some("b.yaml")).unwrap().len(), 1);
        assert!(
            select(&layers, Some("c.yaml"))
                .unwrap_err()
                .contains("no layer titled `c.yaml`")
        );
        assert!(
            select(&layers[1..2], None)
                .unwrap_err()
                .contains("README.md")
        );
    }
}
