//! Score probes → Kubernetes probes (httpGet or exec; exec wins when both are given).

use k8s_openapi::api::core::v1::{ExecAction, HTTPGetAction, HTTPHeader, Probe as K8sProbe};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use score_x_core::ir::{Probe, Scheme};
use score_x_core::{Code, Diagnostic};

/// The Kubernetes probe for `p`; a warning is pushed when both handlers were given.
pub fn probe(p: &Probe, what: &str, warnings: &mut Vec<Diagnostic>) -> K8sProbe {
    if let Some(cmd) = &p.exec {
        if p.http_get.is_some() {
            warnings.push(
                Diagnostic::warning(
                    Code::Approximated,
                    format!("{what} has both httpGet and exec; Kubernetes allows one handler, exec is used"),
                )
                .at(p.span.clone()),
            );
        }
        return K8sProbe {
            exec: Some(ExecAction {
                command: Some(cmd.clone()),
            }),
            ..Default::default()
        };
    }
    let http_get = p.http_get.as_ref().map(|h| HTTPGetAction {
        host: h.host.clone(),
        http_headers: (!h.headers.is_empty()).then(|| {
            h.headers
                .iter()
                .map(|(n, v)| HTTPHeader {
                    name: n.clone(),
                    value: v.clone(),
                })
                .collect()
        }),
        path: Some(h.path.clone()),
        port: IntOrString::Int(i32::from(h.port)),
        scheme: Some(
            match h.scheme {
                Scheme::Http => "HTTP",
                Scheme::Https => "HTTPS",
            }
            .to_string(),
        ),
    });
    K8sProbe {
        http_get,
        ..Default::default()
    }
}
