//! `--provisioners` from a directory, an HTTP server, a git repository and an OCI registry, all
//! real and local (127.0.0.1), through the real binary: loading, translating, pinning, errors.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use sha2::{Digest, Sha256};

const SCORE: &str = "apiVersion: score.dev/v1b1\nmetadata:\n  name: api\ncontainers:\n  main:\n    image: nginx:1.27\n    variables:\n      DB_HOST: ${resources.db.host}\nresources:\n  db:\n    type: postgres\n";

/// A provisioner for `postgres` whose `host` output is `host`.
fn provisioner(host: &str) -> String {
    format!(
        "- uri: template://acme/postgres\n  type: postgres\n  outputs: {{ host: {{}} }}\n  outputs_template: |\n    host: {host}\n"
    )
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("score.yaml"), SCORE).unwrap();
    dir
}

/// `translate --target kubernetes -o - --no-default-provisioners` with these extra arguments.
fn translate(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "translate",
        "--target",
        "kubernetes",
        "-o",
        "-",
        "--no-default-provisioners",
    ];
    args.extend_from_slice(extra);
    args.push("score.yaml");
    run_in(dir, &args)
}

fn assert_host(o: &std::process::Output, host: &str) {
    assert_eq!(code(o), 0, "{}", stderr(o));
    assert!(stdout(o).contains(host), "no {host} in:\n{}", stdout(o));
}

fn lock(dir: &Path) -> String {
    std::fs::read_to_string(dir.join(".score-x/provisioners.lock.yaml")).unwrap_or_default()
}

// ---- an HTTP server on 127.0.0.1 -------------------------------------------------------------

/// Serves `files` (path → body) until dropped; other paths are 404.
struct HttpServer {
    port: u16,
    files: Arc<Mutex<BTreeMap<String, Vec<u8>>>>,
}

impl HttpServer {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let files: Arc<Mutex<BTreeMap<String, Vec<u8>>>> = Arc::default();
        let shared = files.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream, &shared);
            }
        });
        HttpServer { port, files }
    }

    fn put(&self, path: &str, body: &str) {
        self.files
            .lock()
            .unwrap()
            .insert(path.into(), body.as_bytes().to_vec());
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

fn serve(mut stream: TcpStream, files: &Mutex<BTreeMap<String, Vec<u8>>>) {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut line = String::new();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    if reader.read_line(&mut line).is_err() {
        return;
    }
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
    }
    let target = line.split_whitespace().nth(1).unwrap_or("/");
    let path = target.split('?').next().unwrap_or("/").to_string();
    let body = files.lock().unwrap().get(&path).cloned();
    let (status, body) = match body {
        Some(b) => ("200 OK", b),
        None => ("404 Not Found", b"not found".to_vec()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/yaml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

#[test]
fn a_directory_loads_its_yaml_files_in_name_order() {
    let dir = project();
    let provs = dir.path().join("provs");
    std::fs::create_dir(&provs).unwrap();
    std::fs::write(provs.join("a.yaml"), provisioner("first.internal")).unwrap();
    let second = provisioner("second.internal").replace("acme/postgres", "acme/second");
    std::fs::write(provs.join("b.yml"), second).unwrap();
    std::fs::write(provs.join("notes.txt"), "not yaml").unwrap();
    let o = translate(dir.path(), &["--provisioners", "provs"]);
    assert_host(&o, "first.internal");
    let o = run_in(
        dir.path(),
        &[
            "provisioners",
            "list",
            "--format",
            "json",
            "--no-default-provisioners",
            "--provisioners",
            "provs",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let order: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["source"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["provs/a.yaml", "provs/b.yml"]);
    // Nothing local is pinned.
    assert_eq!(lock(dir.path()), "");
}

#[test]
fn without_defaults_an_unprovisioned_type_is_an_error() {
    let dir = project();
    let o = translate(dir.path(), &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let o = run_in(
        dir.path(),
        &[
            "translate",
            "--target",
            "kubernetes",
            "-o",
            "-",
            "score.yaml",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn https_source_is_fetched_cached_and_pinned() {
    let server = HttpServer::start();
    server.put("/lib/pg.yaml", &provisioner("from-http.internal"));
    let dir = project();
    let src = server.url("/lib/pg.yaml");
    let o = translate(dir.path(), &["--provisioners", &src]);
    assert_host(&o, "from-http.internal");
    let pins = lock(dir.path());
    assert!(pins.contains(&src) && pins.contains("sha256:"), "{pins}");
    assert!(dir.path().join(".score-x/cache/provisioners").is_dir());

    // Changed content: refused, naming the source, both digests and the fix.
    server.put("/lib/pg.yaml", &provisioner("changed.internal"));
    let o = translate(dir.path(), &["--provisioners", &src]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    let e = stderr(&o);
    assert!(
        e.contains(&src) && e.contains("--update-provisioners"),
        "{e}"
    );
    assert_eq!(e.matches("sha256:").count(), 2, "{e}");
    assert_eq!(lock(dir.path()), pins);

    // --update-provisioners accepts and re-pins.
    let o = translate(
        dir.path(),
        &["--provisioners", &src, "--update-provisioners"],
    );
    assert_host(&o, "changed.internal");
    assert_ne!(lock(dir.path()), pins);
    let o = translate(dir.path(), &["--provisioners", &src]);
    assert_host(&o, "changed.internal");
}

#[test]
fn an_unreachable_server_falls_back_to_a_matching_cache_else_fails() {
    let server = HttpServer::start();
    server.put("/pg.yaml", &provisioner("cached.internal"));
    let dir = project();
    let src = server.url("/pg.yaml");
    assert_host(
        &translate(dir.path(), &["--provisioners", &src]),
        "cached.internal",
    );
    server.files.lock().unwrap().clear();
    let o = translate(dir.path(), &["--provisioners", &src]);
    assert_host(&o, "cached.internal");
    assert!(
        stderr(&o).contains("using the cached copy"),
        "{}",
        stderr(&o)
    );

    // A port nobody listens on, nothing cached: an error naming the source and the reason.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let src = format!("http://127.0.0.1:{port}/pg.yaml");
    let o = translate(dir.path(), &["--provisioners", &src]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(
        e.contains(&format!("cannot fetch provisioners from `{src}`")),
        "{e}"
    );
    assert!(
        e.contains("hint:") && e.contains("nothing is cached"),
        "{e}"
    );
}

#[test]
fn malformed_references_are_usage_errors_with_an_example() {
    let dir = project();
    for bad in [
        "ftp://example.com/p.yaml",
        "http://example.com/p.yaml",
        "git+https://example.com/r.git//p@",
        "oci://registry-only",
        "oci://r.example/p@sha256:nothex",
    ] {
        let o = translate(dir.path(), &["--provisioners", bad]);
        assert_eq!(code(&o), 2, "{bad}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(
            e.contains(&format!("invalid value '{bad}' for '--provisioners <SRC>'"))
                && e.contains("hint:"),
            "{bad}: {e}"
        );
        assert!(
            e.contains("git+https://github.com/org/repo.git//provisioners@v1.2.0"),
            "{e}"
        );
    }
}

// ---- a git repository -------------------------------------------------------------------------

fn git(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn have_git() -> bool {
    require_tool(
        Command::new("git")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "git",
    )
}

/// A repository with `provs/pg.yaml` (tag v1), then a second commit changing it on `main`.
fn repo(root: &Path) -> (PathBuf, String) {
    let repo = root.join("library");
    std::fs::create_dir_all(repo.join("provs")).unwrap();
    git(&repo, &["init", "--quiet"]);
    std::fs::write(repo.join("provs/pg.yaml"), provisioner("git-v1.internal")).unwrap();
    std::fs::write(repo.join("README.md"), "# library\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "--quiet", "-m", "v1"]);
    git(&repo, &["tag", "v1"]);
    let v1 = git(&repo, &["rev-parse", "HEAD"]);
    std::fs::write(repo.join("provs/pg.yaml"), provisioner("git-main.internal")).unwrap();
    git(&repo, &["commit", "--quiet", "-am", "main"]);
    (repo, v1)
}

#[test]
fn git_file_sources_by_tag_branch_and_commit() {
    if !have_git() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let (repo, v1) = repo(root.path());
    let base = format!("git+file://{}", repo.display());
    let dir = project();
    let by_tag = format!("{base}//provs@v1");
    assert_host(
        &translate(dir.path(), &["--provisioners", &by_tag]),
        "git-v1.internal",
    );
    let by_branch = format!("{base}//provs/pg.yaml@main");
    assert_host(
        &translate(dir.path(), &["--provisioners", &by_branch]),
        "git-main.internal",
    );
    let by_commit = format!("{base}//provs@{v1}");
    assert_host(
        &translate(dir.path(), &["--provisioners", &by_commit]),
        "git-v1.internal",
    );
    let pins = lock(dir.path());
    for s in [&by_tag, &by_branch, &by_commit] {
        assert!(pins.contains(s.as_str()), "{s} not in {pins}");
    }
    // The branch moves: the pin refuses it.
    std::fs::write(
        repo.join("provs/pg.yaml"),
        provisioner("git-moved.internal"),
    )
    .unwrap();
    git(&repo, &["commit", "--quiet", "-am", "moved"]);
    let o = translate(dir.path(), &["--provisioners", &by_branch]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("changed: pinned sha256:"),
        "{}",
        stderr(&o)
    );
    let missing = format!("{base}//nope@v1");
    let o = translate(dir.path(), &["--provisioners", &missing]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("`nope` does not exist"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn init_copies_and_pins_a_git_source() {
    if !have_git() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let (repo, _) = repo(root.path());
    let src = format!("git+file://{}//provs@v1", repo.display());
    let dir = tempfile::tempdir().unwrap();
    let o = run_in(dir.path(), &["init", "--no-sample", "--provisioners", &src]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let copied = std::fs::read_to_string(dir.path().join(".score-x/provisioners/pg.yaml")).unwrap();
    assert!(copied.contains("git-v1.internal"), "{copied}");
    assert!(lock(dir.path()).contains(&src));
    // Run again: unchanged content is kept; a different file there is never overwritten.
    let o = run_in(dir.path(), &["init", "--no-sample", "--provisioners", &src]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    std::fs::write(dir.path().join(".score-x/provisioners/pg.yaml"), "# mine\n").unwrap();
    let o = run_in(dir.path(), &["init", "--no-sample", "--provisioners", &src]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("exists with other content"),
        "{}",
        stderr(&o)
    );
}

// ---- an OCI registry (Debian's docker-registry) -----------------------------------------------

const REGISTRY: &str = "/usr/bin/docker-registry";

struct Registry {
    child: Child,
    port: u16,
    /// The bearer token the test pushes with, when the registry wants tokens.
    token: Option<String>,
    _storage: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Registry {
    fn start() -> Option<Self> {
        Self::start_with("", None)
    }

    /// Start with extra configuration (`auth:`) and the token to push with.
    fn start_with(auth: &str, token: Option<String>) -> Option<Self> {
        if !require_tool(
            Path::new(REGISTRY).exists(),
            "docker-registry (apt-get install docker-registry)",
        ) {
            return None;
        }
        let storage = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = storage.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n{auth}",
                storage.path().join("data").display()
            ),
        )
        .unwrap();
        let child = Command::new(REGISTRY)
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let reg = Registry {
            child,
            port,
            token,
            _storage: storage,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(reg);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("docker-registry did not start on 127.0.0.1:{port}");
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn authed<B>(&self, req: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.token {
            Some(t) => req.header("Authorization", format!("Bearer {t}")),
            None => req,
        }
    }

    /// Upload a blob (POST then PUT with the digest); returns its digest.
    fn blob(&self, repo: &str, bytes: &[u8]) -> String {
        let digest = format!("sha256:{}", hex::encode(Sha256::digest(bytes)));
        let r = self
            .authed(ureq::post(&self.url(&format!("/v2/{repo}/blobs/uploads/"))))
            .send_empty()
            .unwrap();
        assert_eq!(r.status().as_u16(), 202);
        let location = r
            .headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let sep = if location.contains('?') { '&' } else { '?' };
        let put = if location.starts_with("http") {
            location.clone()
        } else {
            self.url(&location)
        };
        let r = self
            .authed(ureq::put(&format!("{put}{sep}digest={digest}")))
            .header("Content-Type", "application/octet-stream")
            .send(bytes)
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
        digest
    }

    /// Push files as an oras-style artifact: empty config, one layer per file titled by name.
    fn push(&self, repo: &str, tag: &str, files: &[(&str, &str)]) -> String {
        let config = self.blob(repo, b"{}");
        let layers: Vec<serde_json::Value> = files
            .iter()
            .map(|(name, body)| {
                serde_json::json!({
                    "mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": self.blob(repo, body.as_bytes()),
                    "size": body.len(),
                    "annotations": { "org.opencontainers.image.title": name },
                })
            })
            .collect();
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": { "mediaType": "application/vnd.oci.empty.v1+json", "digest": config, "size": 2 },
            "layers": layers,
        });
        let bytes = serde_json::to_vec(&manifest).unwrap();
        let r = self
            .authed(ureq::put(&self.url(&format!("/v2/{repo}/manifests/{tag}"))))
            .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
            .send(&bytes[..])
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
        format!("sha256:{}", hex::encode(Sha256::digest(&bytes)))
    }
}

#[test]
fn oci_artifacts_by_tag_digest_and_layer() {
    let Some(reg) = Registry::start() else {
        return;
    };
    let pg = provisioner("from-oci.internal");
    let other = provisioner("other-layer.internal").replace("acme/postgres", "acme/other");
    let digest = reg.push(
        "team/provisioners",
        "v1",
        &[("pg.yaml", &pg), ("z.yaml", &other), ("README.md", "# x")],
    );
    let dir = project();
    let base = format!("oci://127.0.0.1:{}/team/provisioners", reg.port);
    let by_tag = format!("{base}:v1");
    assert_host(
        &translate(dir.path(), &["--provisioners", &by_tag]),
        "from-oci.internal",
    );
    let by_digest = format!("{base}@{digest}#pg.yaml");
    assert_host(
        &translate(dir.path(), &["--provisioners", &by_digest]),
        "from-oci.internal",
    );
    let o = run_in(
        dir.path(),
        &[
            "provisioners",
            "list",
            "--format",
            "json",
            "--no-default-provisioners",
            "--provisioners",
            &by_tag,
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v[0]["source"], format!("{by_tag}#pg.yaml"));

    // The tag is pushed again with other content: refused until --update-provisioners.
    reg.push(
        "team/provisioners",
        "v1",
        &[("pg.yaml", &provisioner("republished.internal"))],
    );
    let o = translate(dir.path(), &["--provisioners", &by_tag]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains(&format!("the provisioners from `{by_tag}` changed")),
        "{}",
        stderr(&o)
    );
    let o = translate(
        dir.path(),
        &["--provisioners", &by_tag, "--update-provisioners"],
    );
    assert_host(&o, "republished.internal");

    let o = translate(
        dir.path(),
        &["--provisioners", &format!("{base}:v1#absent.yaml")],
    );
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("no layer titled `absent.yaml`"),
        "{}",
        stderr(&o)
    );
    let o = translate(dir.path(), &["--provisioners", &format!("{base}:nope")]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("not found"), "{}", stderr(&o));
}

#[test]
fn validate_reads_remote_sources_and_writes_nothing() {
    let server = HttpServer::start();
    server.put("/pg.yaml", &provisioner("validated.internal"));
    let dir = project();
    let src = server.url("/pg.yaml");
    let o = run_in(
        dir.path(),
        &[
            "validate",
            "--target",
            "kubernetes",
            "--no-default-provisioners",
            "--provisioners",
            &src,
            "score.yaml",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!dir.path().join(".score-x").exists());
}

// ---- the anonymous bearer-token flow, with the registry's own token authentication ----------

fn b64(bytes: &[u8], url: bool) -> String {
    let table: &[u8] = if url {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(table[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
        if !url {
            out.push_str(&"=".repeat(3 - chunk.len()));
        }
    }
    out
}

fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let o = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

/// A self-signed certificate (`cert.pem` in `dir`) and an RS256 JWT it signs, granting
/// pull and push on `repo` to the audience `service`, as a token server would issue.
fn signed_token(dir: &Path, service: &str, repo: &str) -> String {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "1",
            "-subj",
            "/CN=score-x-test-token",
        ],
    );
    let der = openssl(dir, &["x509", "-in", "cert.pem", "-outform", "DER"]);
    let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "x5c": [b64(&der, false)]});
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = serde_json::json!({
        "iss": "score-x-test", "sub": "", "aud": service, "exp": now + 600, "nbf": now - 60,
        "iat": now, "jti": "1",
        "access": [{"type": "repository", "name": repo, "actions": ["pull", "push"]}],
    });
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes(), true),
        b64(claims.to_string().as_bytes(), true)
    );
    std::fs::write(dir.join("input"), &input).unwrap();
    let sig = openssl(dir, &["dgst", "-sha256", "-sign", "key.pem", "input"]);
    format!("{input}.{}", b64(&sig, true))
}

#[test]
fn oci_bearer_token_challenge_is_followed() {
    if !require_tool(
        Command::new("openssl")
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "openssl",
    ) {
        return;
    }
    let keys = tempfile::tempdir().unwrap();
    let token = signed_token(keys.path(), "score-x-test", "team/private");
    let tokens = HttpServer::start();
    tokens.put("/token", &serde_json::json!({ "token": token }).to_string());
    let auth = format!(
        "auth:\n  token:\n    realm: {}\n    service: score-x-test\n    issuer: score-x-test\n    rootcertbundle: {}\n",
        tokens.url("/token"),
        keys.path().join("cert.pem").display()
    );
    let Some(reg) = Registry::start_with(&auth, Some(token)) else {
        return;
    };
    reg.push(
        "team/private",
        "v1",
        &[("pg.yaml", &provisioner("behind-a-token.internal"))],
    );
    // Without a token the registry answers 401 with its challenge.
    let r = ureq::get(&reg.url("/v2/team/private/manifests/v1"))
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let dir = project();
    let src = format!("oci://127.0.0.1:{}/team/private:v1", reg.port);
    assert_host(
        &translate(dir.path(), &["--provisioners", &src]),
        "behind-a-token.internal",
    );
}
