//! Decoding container resource limits/requests, liveness/readiness probes and `before`.

use std::collections::BTreeMap;

use score_x_core::Code;

use super::*;

impl Dec<'_> {
    pub(super) fn requirements(&mut self, node: &Node, path: &str) -> Option<ResourceRequirements> {
        let entries = self.map(node, path)?;
        self.known(entries, path, REQUIREMENTS, "container `resources`");
        let limits = node
            .get("limits")
            .and_then(|n| self.quantities(n, &child(path, "limits")));
        let requests = node
            .get("requests")
            .and_then(|n| self.quantities(n, &child(path, "requests")));
        Some(ResourceRequirements { requests, limits })
    }

    pub(super) fn quantities(&mut self, node: &Node, path: &str) -> Option<Quantities> {
        let entries = self.map(node, path)?;
        self.known(entries, path, QUANTITIES, "limits and requests");
        let cpu = node.get("cpu").and_then(|n| {
            let p = child(path, "cpu");
            let s = self.string_like(n, &p)?;
            match quantity::parse_cpu(&s) {
                Ok(c) => Some(c),
                Err(QuantityError::Pattern) => {
                    self.error(
                        Code::PatternMismatch,
                        format!("cpu `{s}` is not a CPU quantity"),
                        n,
                        &p,
                    )
                    .hint = Some(
                        "write whole or fractional CPUs (`2`, `0.5`) or millicores (`250m`)".into(),
                    );
                    None
                }
                Err(QuantityError::Overflow) => {
                    self.error(
                        Code::ValueOutOfRange,
                        format!("cpu `{s}` is too large"),
                        n,
                        &p,
                    );
                    None
                }
            }
        });
        let memory = node.get("memory").and_then(|n| {
            let p = child(path, "memory");
            let s = self.string_like(n, &p)?;
            match quantity::parse_memory(&s) {
                Ok(m) => Some(m),
                Err(QuantityError::Pattern) => {
                    let hint = quantity::memory_hint(&s).unwrap_or_else(|| "write bytes with an optional unit: K, M, G, T, P, E or Ki, Mi, Gi, Ti, Pi, Ei (e.g. `128Mi`, `1.5G`)".into());
                    self.error(Code::PatternMismatch, format!("memory `{s}` is not a memory quantity"), n, &p).hint = Some(hint);
                    None
                }
                Err(QuantityError::Overflow) => {
                    self.error(Code::ValueOutOfRange, format!("memory `{s}` is too large"), n, &p);
                    None
                }
            }
        });
        Some(Quantities { cpu, memory })
    }

    pub(super) fn probe(&mut self, node: &Node, path: &str) -> Option<Probe> {
        let entries = self.map(node, path)?;
        self.known(entries, path, PROBE, "a probe");
        if node.get("httpGet").is_none() && node.get("exec").is_none() {
            self.error(
                Code::RequiredField,
                "a probe needs `httpGet` or `exec`",
                node,
                path,
            );
            return None;
        }
        let http_get = node
            .get("httpGet")
            .and_then(|h| self.http_get(h, &child(path, "httpGet")));
        let exec = node.get("exec").and_then(|e| {
            let p = child(path, "exec");
            let fields = self.map(e, &p)?;
            self.known(fields, &p, EXEC, "an exec probe");
            let c = self.required(e, &p, "command", "the exec probe")?;
            self.string_list(c, &child(&p, "command"))
        });
        if http_get.is_none() && exec.is_none() {
            return None;
        }
        Some(Probe {
            http_get,
            exec,
            span: node.pos.span(path),
        })
    }

    pub(super) fn http_get(&mut self, node: &Node, path: &str) -> Option<HttpGet> {
        let entries = self.map(node, path)?;
        self.known(entries, path, HTTP_GET, "an httpGet probe");
        let hpath = self
            .required(node, path, "path", "the httpGet probe")
            .and_then(|n| self.string(n, &child(path, "path")));
        let port = self
            .required(node, path, "port", "the httpGet probe")
            .and_then(|n| self.port(n, &child(path, "port")));
        let host = node
            .get("host")
            .and_then(|n| self.nonempty_string(n, &child(path, "host")));
        let scheme = match node.get("scheme") {
            None => Some(Scheme::Http),
            Some(n) => {
                let p = child(path, "scheme");
                match self.string(n, &p).as_deref() {
                    Some("HTTP") => Some(Scheme::Http),
                    Some("HTTPS") => Some(Scheme::Https),
                    Some(other) => {
                        self.error(
                            Code::InvalidValue,
                            format!("unknown scheme `{other}`"),
                            n,
                            &p,
                        )
                        .hint = Some("use `HTTP` or `HTTPS`".into());
                        None
                    }
                    None => None,
                }
            }
        };
        let mut headers = Vec::new();
        if let Some(h) = node.get("httpHeaders") {
            let p = child(path, "httpHeaders");
            if let Value::Seq(items) = &h.value {
                for (i, it) in items.iter().enumerate() {
                    let ip = child(&p, &i.to_string());
                    let Some(fields) = self.map(it, &ip) else {
                        continue;
                    };
                    self.known(fields, &ip, HEADER, "an HTTP header");
                    let name = self.required(it, &ip, "name", "the header").and_then(|n| {
                        let np = child(&ip, "name");
                        let s = self.string(n, &np)?;
                        if !patterns::is_header_name(&s) {
                            self.error(
                                Code::PatternMismatch,
                                format!("header name `{s}` is not valid"),
                                n,
                                &np,
                            )
                            .hint = Some("use A-Z, a-z, 0-9, '_' and '-'".into());
                            return None;
                        }
                        Some(s)
                    });
                    let value = self
                        .required(it, &ip, "value", "the header")
                        .and_then(|n| self.nonempty_string(n, &child(&ip, "value")));
                    if let (Some(n), Some(v)) = (name, value) {
                        headers.push((n, v));
                    }
                }
            } else {
                self.type_error(h, &p, "a list of {name, value}");
            }
        }
        Some(HttpGet {
            path: hpath?,
            port: port?,
            host,
            scheme: scheme?,
            headers,
        })
    }

    pub(super) fn before(&mut self, node: &Node, path: &str) -> BTreeMap<String, Before> {
        let mut out = BTreeMap::new();
        let Some(entries) = self.map(node, path) else {
            return out;
        };
        for (k, v) in entries {
            let p = child(path, &k.name);
            self.label_key(k, &p, "container name");
            let Some(fields) = self.map(v, &p) else {
                continue;
            };
            self.known(fields, &p, BEFORE, "a `before` entry");
            let Some(r) = self.required(v, &p, "ready", "the `before` entry") else {
                continue;
            };
            let rp = child(&p, "ready");
            let ready = match self.string(r, &rp).as_deref() {
                Some("started") => Readiness::Started,
                Some("healthy") => Readiness::Healthy,
                Some("complete") => Readiness::Complete,
                Some(other) => {
                    let hint = match did_you_mean(other, ["started", "healthy", "complete"]) {
                        Some(s) => {
                            format!("did you mean `{s}`? (one of started, healthy, complete)")
                        }
                        None => "use one of started, healthy, complete".into(),
                    };
                    self.error(
                        Code::InvalidValue,
                        format!("unknown readiness `{other}`"),
                        r,
                        &rp,
                    )
                    .hint = Some(hint);
                    continue;
                }
                None => continue,
            };
            out.insert(
                k.name.clone(),
                Before {
                    ready,
                    span: k.pos.span(&p),
                },
            );
        }
        out
    }
}
