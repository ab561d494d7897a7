//! Score probes → the container `healthCheck` (ECS has one per container, command-only).

use score_x_core::Code;
use score_x_core::ir::{Probe, Scheme};
use score_x_core::resolved::ResolvedContainer;

use crate::ctx::Ctx;
use crate::model::HealthCheck;
use crate::shell::single_quote;

/// Kubernetes-like timings (Score has none): every 10 s, 5 s timeout, 3 retries, 10 s grace.
const INTERVAL: i32 = 10;
const TIMEOUT: i32 = 5;
const RETRIES: i32 = 3;
const START_PERIOD: i32 = 10;

/// The health check of a container: readiness first, else liveness; `exec` preferred.
pub fn health_check(
    ctx: &mut Ctx<'_>,
    workload: &str,
    c: &ResolvedContainer,
) -> Option<HealthCheck> {
    let probe = c.readiness_probe.as_ref().or(c.liveness_probe.as_ref())?;
    if let (Some(r), Some(l)) = (&c.readiness_probe, &c.liveness_probe)
        && (r.exec != l.exec || r.http_get != l.http_get)
    {
        ctx.warn(
            Code::Approximated,
            Some(&l.span),
            format!(
                "container `{}` of workload `{workload}`: ECS has a single health check per container; the readiness probe is used and the liveness probe is dropped",
                c.name
            ),
        );
    }
    Some(HealthCheck {
        command: command(probe),
        interval: INTERVAL,
        timeout: TIMEOUT,
        retries: RETRIES,
        start_period: START_PERIOD,
    })
}

/// The health check command; for httpGet the generic capability pass warns that the image
/// needs curl or wget (Feature::HttpProbe).
fn command(p: &Probe) -> Vec<String> {
    if let Some(exec) = &p.exec {
        let mut v = vec!["CMD".to_string()];
        v.extend(exec.iter().cloned());
        return v;
    }
    let Some(h) = &p.http_get else {
        return vec!["CMD-SHELL".into(), "exit 0".into()];
    };
    let scheme = match h.scheme {
        Scheme::Http => "http",
        Scheme::Https => "https",
    };
    let host = h.host.as_deref().unwrap_or("localhost");
    let path = if h.path.starts_with('/') {
        h.path.clone()
    } else {
        format!("/{}", h.path)
    };
    let url = single_quote(&format!("{scheme}://{host}:{}{path}", h.port));
    let mut curl = vec![
        "curl".to_string(),
        "-fsS".into(),
        "-o".into(),
        "/dev/null".into(),
    ];
    let mut wget = vec![
        "wget".to_string(),
        "-q".into(),
        "-O".into(),
        "/dev/null".into(),
    ];
    if h.scheme == Scheme::Https {
        curl.push("-k".into());
        wget.push("--no-check-certificate".into());
    }
    for (k, v) in &h.headers {
        let hv = single_quote(&format!("{k}: {v}"));
        curl.push("-H".into());
        curl.push(hv.clone());
        wget.push("--header".into());
        wget.push(hv);
    }
    curl.push(url.clone());
    wget.push(url);
    vec![
        "CMD-SHELL".into(),
        format!("{} || {} || exit 1", curl.join(" "), wget.join(" ")),
    ]
}

#[cfg(test)]
mod tests {
    use score_x_core::ir::HttpGet;

    use super::*;
    use crate::options::Options;
    use crate::testutil::{container, ctx, empty_app, span};

    fn probe(http: Option<HttpGet>, exec: Option<&[&str]>) -> Probe {
        Probe {
            http_get: http,
            exec: exec.map(|e| e.iter().map(|s| s.to_string()).collect()),
            span: span(),
        }
    }

    #[test]
    fn commands() {
        assert_eq!(
            command(&probe(None, Some(&["/bin/ok", "a b"]))),
            ["CMD", "/bin/ok", "a b"]
        );
        let h = HttpGet {
            path: "health".into(),
            port: 8443,
            host: Some("127.0.0.1".into()),
            scheme: Scheme::Https,
            headers: vec![("A".into(), "b".into())],
        };
        let c = command(&probe(Some(h.clone()), None));
        assert_eq!(c[0], "CMD-SHELL");
        assert_eq!(
            c[1],
            "curl -fsS -o /dev/null -k -H 'A: b' 'https://127.0.0.1:8443/health' || wget -q -O /dev/null --no-check-certificate --header 'A: b' 'https://127.0.0.1:8443/health' || exit 1"
        );
        // exec is preferred when a probe has both.
        assert_eq!(command(&probe(Some(h), Some(&["/x"])))[0], "CMD");
    }

    #[test]
    fn readiness_first_and_a_warning_for_the_dropped_liveness() {
        let mut c = container("main");
        c.liveness_probe = Some(Box::new(probe(None, Some(&["/live"]))));
        c.readiness_probe = Some(Box::new(probe(None, Some(&["/ready"]))));
        let (app, opts) = (empty_app(), Options::default());
        let mut cx = ctx(&app, &opts);
        let hc = health_check(&mut cx, "w", &c).unwrap();
        assert_eq!(hc.command, ["CMD", "/ready"]);
        assert_eq!(
            (hc.interval, hc.timeout, hc.retries, hc.start_period),
            (10, 5, 3, 10)
        );
        assert_eq!(cx.warnings.len(), 1);
        assert!(health_check(&mut cx, "w", &container("bare")).is_none());
    }
}
