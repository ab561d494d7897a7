//! Bounded HTTP(S) GETs with `ureq` (rustls, webpki roots): timeouts, size limits, and error
//! messages that name the URL.

use std::time::Duration;

use super::pin::FetchedFile;
use super::reference::HttpUrl;

/// The most bytes one fetched file, manifest or blob may have.
pub const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// A response read to the end: status, selected headers and the body.
pub struct Reply {
    pub status: u16,
    pub www_authenticate: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .timeout_connect(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .max_redirects(5)
        .user_agent(concat!("score-x/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// GET `url` with `headers`; any status is a `Reply`, transport failures an error.
pub fn get(agent: &ureq::Agent, url: &str, headers: &[(&str, &str)]) -> Result<Reply, String> {
    let mut req = agent.get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut resp = req.call().map_err(|e| format!("GET {url}: {e}"))?;
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let www_authenticate = header("www-authenticate");
    let content_type = header("content-type");
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .with_config()
        .limit(MAX_BYTES)
        .read_to_vec()
        .map_err(|e| format!("GET {url}: reading the body: {e} (at most {MAX_BYTES} bytes)"))?;
    Ok(Reply {
        status,
        www_authenticate,
        content_type,
        body,
    })
}

/// The one YAML file at `url`.
pub fn fetch(url: &HttpUrl) -> Result<Vec<FetchedFile>, String> {
    let reply = get(
        &agent(),
        url.as_str(),
        &[("Accept", "application/yaml, text/yaml, text/plain, */*")],
    )?;
    if reply.status != 200 {
        return Err(format!(
            "GET {}: HTTP status {}",
            url.as_str(),
            reply.status
        ));
    }
    Ok(vec![FetchedFile {
        name: url.file_name(),
        bytes: reply.body,
    }])
}
