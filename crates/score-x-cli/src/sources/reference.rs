//! `--provisioners` values parsed into a typed [`ProvisionerSource`]: a local path, an HTTP(S)
//! URL, a git reference or an OCI artifact. Malformed references are usage errors with an example.

use std::fmt;
use std::path::PathBuf;

/// Where provisioner files come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProvisionerSource {
    /// A local file, or a directory (its `*.yaml`/`*.yml`, sorted, not recursive).
    Local(PathBuf),
    /// One YAML file fetched over HTTPS (HTTP only on the loopback interface).
    Http(HttpUrl),
    /// A file or directory of a git repository at a branch, tag or commit.
    Git(GitRef),
    /// The YAML layers of an OCI artifact.
    Oci(OciRef),
}

/// An `https://` URL, or an `http://` URL whose host is a loopback address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl(String);

impl HttpUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last path segment, the name the fetched file gets.
    pub fn file_name(&self) -> String {
        let path = self.0.split(['?', '#']).next().unwrap_or_default();
        match path.rsplit('/').next() {
            Some(n) if valid_file_name(n) => n.to_string(),
            _ => "provisioners.yaml".to_string(),
        }
    }
}

/// `git+<repo-url>//<path>@<rev>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitRef {
    /// What `git clone` is given: `https://host/repo.git`, `file:///abs/repo`, `ssh://…`.
    pub repo: String,
    /// The file or directory inside the repository; empty for its root.
    pub path: String,
    /// A branch, tag or commit; `None` for the remote's default branch.
    pub rev: Option<String>,
}

impl GitRef {
    /// A commit id (7 to 40 hexadecimal digits) is fetched by id rather than cloned by name.
    pub fn rev_is_commit(&self) -> bool {
        self.rev.as_deref().is_some_and(|r| {
            (7..=40).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_hexdigit())
        })
    }
}

/// `oci://registry/repository[:tag|@sha256:…][#file.yaml]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciRef {
    pub registry: String,
    pub repository: String,
    pub reference: OciTag,
    /// Only this layer (by its `org.opencontainers.image.title`), else every YAML layer.
    pub file: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OciTag {
    Tag(String),
    /// `sha256:` and 64 lowercase hexadecimal digits.
    Digest(String),
}

impl OciTag {
    pub fn as_str(&self) -> &str {
        match self {
            OciTag::Tag(t) | OciTag::Digest(t) => t,
        }
    }
}

const FORMS: &str = "accepted forms:\n    ./provisioners.yaml or ./provisioners/   (a file or a directory)\n    https://example.com/provisioners.yaml\n    git+https://github.com/org/repo.git//provisioners@v1.2.0\n    git+file:///abs/path/repo//provisioners/postgres.yaml@main\n    oci://ghcr.io/org/provisioners:v1.2.0   (or @sha256:<64 hex>, #file.yaml for one layer)";

/// The message of a malformed source (clap prefixes it with the value and the flag).
fn bad(why: &str, example: &str) -> String {
    format!("{why}\n  hint: {example}\n  {FORMS}")
}

/// True for `127.0.0.0/8`, `localhost` and `[::1]`: the only hosts plain HTTP is used with.
pub fn is_loopback(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let name = match host.strip_prefix('[') {
        Some(v6) => return v6.starts_with("::1]"),
        None => host.split(':').next().unwrap_or_default(),
    };
    name == "localhost"
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|a| a.is_loopback())
}

/// The `host[:port]` of `rest` (what follows `scheme://`), without user information.
fn authority(rest: &str) -> &str {
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let auth = &rest[..end];
    auth.rsplit('@').next().unwrap_or(auth)
}

impl std::str::FromStr for ProvisionerSource {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s.trim().is_empty() {
            return Err(bad("it is empty", "name a file, a directory or a URL"));
        }
        if let Some(rest) = s.strip_prefix("git+") {
            return parse_git(rest).map(ProvisionerSource::Git);
        }
        if let Some(rest) = s.strip_prefix("oci://") {
            return parse_oci(rest).map(ProvisionerSource::Oci);
        }
        if s.starts_with("https://") || s.starts_with("http://") {
            return parse_http(s).map(ProvisionerSource::Http);
        }
        if let Some((scheme, _)) = s.split_once("://") {
            return Err(bad(
                &format!("the scheme `{scheme}://` is not supported"),
                "use a path, https://, git+https://, git+file:// or oci://",
            ));
        }
        Ok(ProvisionerSource::Local(PathBuf::from(s)))
    }
}

/// User information in an HTTP(S) URL would be written to the committed lock file.
fn no_credentials(rest: &str) -> Result<(), String> {
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if rest[..end].contains('@') {
        return Err(bad(
            "the URL carries credentials, which would be written to provisioners.lock.yaml",
            "drop `user:password@`; give git credentials through a credential helper",
        ));
    }
    Ok(())
}

fn parse_http(s: &str) -> Result<HttpUrl, String> {
    let (scheme, rest) = s.split_once("://").unwrap_or(("", s));
    no_credentials(rest)?;
    let host = authority(rest);
    if host.is_empty() {
        return Err(bad(
            "the URL has no host",
            "https://example.com/provisioners.yaml",
        ));
    }
    if scheme == "http" && !is_loopback(host) {
        return Err(bad(
            "plain http:// is only used for 127.0.0.1 and localhost",
            &format!("use https://{rest}"),
        ));
    }
    Ok(HttpUrl(s.to_string()))
}

fn parse_git(url: &str) -> Result<GitRef, String> {
    const EXAMPLE: &str = "git+https://github.com/org/repo.git//provisioners@v1.2.0";
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(bad("the repository is not a URL", EXAMPLE));
    };
    if !matches!(scheme, "https" | "http" | "file" | "ssh") {
        return Err(bad(
            &format!("git over `{scheme}://` is not supported (https, file or ssh)"),
            EXAMPLE,
        ));
    }
    if matches!(scheme, "https" | "http") {
        no_credentials(rest)?;
    }
    let host = authority(rest);
    if scheme == "file" && !host.is_empty() {
        return Err(bad(
            "a git+file:// repository is an absolute path (three slashes)",
            "git+file:///abs/path/repo//provisioners@main",
        ));
    }
    if scheme != "file" && host.is_empty() {
        return Err(bad("the repository URL has no host", EXAMPLE));
    }
    if scheme == "http" && !is_loopback(host) {
        return Err(bad("plain http:// is only used for 127.0.0.1", EXAMPLE));
    }
    // `file:///abs` keeps its leading `/`: the separator is the first `//` after it.
    let skip = usize::from(scheme == "file");
    let (repo_part, tail) = match rest.get(skip..).and_then(|r| r.find("//")) {
        Some(i) => (&rest[..skip + i], Some(&rest[skip + i + 2..])),
        None => (rest, None),
    };
    let (repo_part, path, rev) = match tail {
        Some(t) => {
            let (p, r) = split_rev(t);
            (repo_part, p, r)
        }
        None => {
            // No `//path`: a `@rev` may follow the repository (after its last `/`).
            let slash = repo_part.rfind('/').unwrap_or(0);
            match repo_part[slash..].rfind('@') {
                Some(at) => (
                    &repo_part[..slash + at],
                    "",
                    Some(&repo_part[slash + at + 1..]),
                ),
                None => (repo_part, "", None),
            }
        }
    };
    if rev.is_some_and(str::is_empty) {
        return Err(bad("the `@` names no branch, tag or commit", EXAMPLE));
    }
    let path = path.trim_matches('/');
    if path.split('/').any(|c| c == "..") {
        return Err(bad(
            "the path inside the repository leaves it (`..`)",
            EXAMPLE,
        ));
    }
    let trimmed_repo = repo_part.trim_end_matches('/');
    if trimmed_repo.len() <= usize::from(scheme == "file") {
        return Err(bad("the repository is missing", EXAMPLE));
    }
    Ok(GitRef {
        repo: format!("{scheme}://{trimmed_repo}"),
        path: if path == "." {
            String::new()
        } else {
            path.to_string()
        },
        rev: rev.map(str::to_string),
    })
}

/// `path@rev` → (`path`, `Some(rev)`); the rev is after the last `@`.
fn split_rev(t: &str) -> (&str, Option<&str>) {
    match t.rfind('@') {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    }
}

fn parse_oci(rest: &str) -> Result<OciRef, String> {
    const EXAMPLE: &str = "oci://ghcr.io/org/provisioners:v1.2.0";
    let (rest, file) = match rest.split_once('#') {
        Some((r, f)) if valid_file_name(f) => (r, Some(f.to_string())),
        Some(_) => {
            return Err(bad(
                "the `#` fragment must name one .yaml or .yml layer",
                "oci://ghcr.io/org/provisioners:v1#postgres.yaml",
            ));
        }
        None => (rest, None),
    };
    let Some((registry, path)) = rest.split_once('/') else {
        return Err(bad("there is no repository after the registry", EXAMPLE));
    };
    if registry.is_empty() || registry.contains('@') {
        return Err(bad("the registry host is missing", EXAMPLE));
    }
    let (repository, reference) = match path.split_once('@') {
        Some((repo, digest)) => {
            let ok = digest.strip_prefix("sha256:").is_some_and(|h| {
                h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            });
            if !ok {
                return Err(bad(
                    "a digest is `sha256:` and 64 lowercase hexadecimal digits",
                    "oci://ghcr.io/org/provisioners@sha256:<64 hex digits>",
                ));
            }
            (repo, OciTag::Digest(digest.to_string()))
        }
        None => {
            let slash = path.rfind('/').unwrap_or(0);
            match path[slash..].rfind(':') {
                Some(c) => (
                    &path[..slash + c],
                    OciTag::Tag(path[slash + c + 1..].to_string()),
                ),
                None => (path, OciTag::Tag("latest".to_string())),
            }
        }
    };
    if !valid_repository(repository) {
        return Err(bad(
            &format!(
                "`{repository}` is not a repository name (lowercase letters, digits, `._-` and `/`)"
            ),
            EXAMPLE,
        ));
    }
    if let OciTag::Tag(t) = &reference
        && !valid_tag(t)
    {
        return Err(bad(
            &format!(
                "`{t}` is not a tag (letters, digits, `._-`, at most 128, not starting with `.` or `-`)"
            ),
            EXAMPLE,
        ));
    }
    Ok(OciRef {
        registry: registry.to_string(),
        repository: repository.to_string(),
        reference,
        file,
    })
}

/// A plain `*.yaml`/`*.yml` file name: no directory, not hidden.
pub fn valid_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
        && (name.ends_with(".yaml") || name.ends_with(".yml"))
}

fn valid_repository(r: &str) -> bool {
    !r.is_empty()
        && r.split('/').all(|c| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-'))
                && c.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
                && c.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric())
        })
}

fn valid_tag(t: &str) -> bool {
    (1..=128).contains(&t.len())
        && t.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

impl fmt::Display for ProvisionerSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProvisionerSource::Local(p) => write!(f, "{}", p.display()),
            ProvisionerSource::Http(u) => f.write_str(u.as_str()),
            ProvisionerSource::Git(g) => {
                write!(f, "git+{}", g.repo)?;
                if !g.path.is_empty() {
                    write!(f, "//{}", g.path)?;
                }
                match &g.rev {
                    Some(r) => write!(f, "@{r}"),
                    None => Ok(()),
                }
            }
            ProvisionerSource::Oci(o) => {
                write!(f, "oci://{}/{}", o.registry, o.repository)?;
                match &o.reference {
                    OciTag::Tag(t) => write!(f, ":{t}")?,
                    OciTag::Digest(d) => write!(f, "@{d}")?,
                }
                match &o.file {
                    Some(file) => write!(f, "#{file}"),
                    None => Ok(()),
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<ProvisionerSource, String> {
        s.parse()
    }

    #[test]
    fn local_paths_stay_paths() {
        assert_eq!(
            parse("a/b.yaml").unwrap(),
            ProvisionerSource::Local("a/b.yaml".into())
        );
        assert_eq!(
            parse("dir/").unwrap(),
            ProvisionerSource::Local("dir/".into())
        );
    }

    #[test]
    fn git_https_with_path_and_tag() {
        let ProvisionerSource::Git(g) = parse("git+https://h.example/o/r.git//p/q@v1").unwrap()
        else {
            panic!("not git")
        };
        assert_eq!(g.repo, "https://h.example/o/r.git");
        assert_eq!(g.path, "p/q");
        assert_eq!(g.rev.as_deref(), Some("v1"));
        assert!(!g.rev_is_commit());
    }

    #[test]
    fn git_file_keeps_the_absolute_path() {
        let ProvisionerSource::Git(g) =
            parse("git+file:///tmp/x/repo//sub/f.yaml@abc1234").unwrap()
        else {
            panic!("not git")
        };
        assert_eq!(g.repo, "file:///tmp/x/repo");
        assert_eq!(g.path, "sub/f.yaml");
        assert!(g.rev_is_commit());
        assert_eq!(
            parse("git+file:///tmp/x/repo//sub/f.yaml@abc1234")
                .unwrap()
                .to_string(),
            "git+file:///tmp/x/repo//sub/f.yaml@abc1234"
        );
    }

    #[test]
    fn git_without_path_takes_the_root() {
        let ProvisionerSource::Git(g) = parse("git+https://h.example/o/r.git@main").unwrap() else {
            panic!("not git")
        };
        assert_eq!(
            (g.repo.as_str(), g.path.as_str()),
            ("https://h.example/o/r.git", "")
        );
        assert_eq!(g.rev.as_deref(), Some("main"));
        // The normal form (the lock file's key) reads back as itself.
        for s in [
            "git+https://h.example/o/r.git@main",
            "git+https://h.example/o/r.git//p@v1",
            "git+file:///r//.@v1",
        ] {
            let once = parse(s).unwrap().to_string();
            assert_eq!(parse(&once).unwrap().to_string(), once, "{s}");
        }
        assert_eq!(
            parse("git+file:///r//.@v1").unwrap().to_string(),
            "git+file:///r@v1"
        );
    }

    #[test]
    fn oci_tag_digest_and_fragment() {
        let ProvisionerSource::Oci(o) =
            parse("oci://127.0.0.1:5000/team/provs:v1#pg.yaml").unwrap()
        else {
            panic!("not oci")
        };
        assert_eq!(o.registry, "127.0.0.1:5000");
        assert_eq!(o.repository, "team/provs");
        assert_eq!(o.reference, OciTag::Tag("v1".into()));
        assert_eq!(o.file.as_deref(), Some("pg.yaml"));
        let d = format!("oci://r.example/p@sha256:{}", "a".repeat(64));
        assert!(matches!(
            parse(&d).unwrap(),
            ProvisionerSource::Oci(OciRef {
                reference: OciTag::Digest(_),
                ..
            })
        ));
        let ProvisionerSource::Oci(o) = parse("oci://r.example/p").unwrap() else {
            panic!()
        };
        assert_eq!(o.reference, OciTag::Tag("latest".into()));
    }

    #[test]
    fn malformed_references_say_what_and_show_an_example() {
        for (s, why) in [
            ("ftp://x/y.yaml", "not supported"),
            ("http://example.com/p.yaml", "only used for 127.0.0.1"),
            ("https:///p.yaml", "no host"),
            ("git+https://h/r.git//p@", "no branch, tag or commit"),
            ("git+file://host/repo//p", "absolute path"),
            ("git+https://h/r.git//../x@v1", "leaves it"),
            ("git+svn://h/r//p", "not supported"),
            ("oci://registry-only", "no repository"),
            ("oci://r.example/Upper:v1", "not a repository name"),
            ("oci://r.example/p@sha256:xyz", "64 lowercase"),
            ("oci://r.example/p:-bad", "not a tag"),
            ("oci://r.example/p:v1#../x.yaml", "fragment"),
            ("", "empty"),
            ("git+file://", "repository is missing"),
            ("https://u:p@h.example/p.yaml", "credentials"),
            ("git+https://tok@h.example/r.git//p@v1", "credentials"),
        ] {
            let e = parse(s).unwrap_err();
            assert!(e.contains(why), "{s}: {e}");
            assert!(
                e.contains("hint:") && e.contains("oci://ghcr.io"),
                "{s}: {e}"
            );
        }
    }

    #[test]
    fn http_file_names_are_plain_yaml_names() {
        let name = |s: &str| match parse(s).unwrap() {
            ProvisionerSource::Http(u) => u.file_name(),
            _ => panic!("not http"),
        };
        assert_eq!(name("https://h.example/lib/pg.yaml?x=1"), "pg.yaml");
        assert_eq!(name("https://h.example/lib/.."), "provisioners.yaml");
        assert_eq!(name("https://h.example/raw/pg"), "provisioners.yaml");
    }

    #[test]
    fn loopback_hosts() {
        for h in ["127.0.0.1:8080", "localhost", "[::1]:5000", "127.1.2.3"] {
            assert!(is_loopback(h), "{h}");
        }
        for h in [
            "example.com",
            "10.0.0.1",
            "localhost.example.com:80",
            "127.evil.example",
        ] {
            assert!(!is_loopback(h), "{h}");
        }
    }
}
