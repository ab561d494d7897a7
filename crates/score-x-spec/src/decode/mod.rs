//! Decoding a spanned YAML document into the typed AST with the Score v1b1 rules, by hand.
//!
//! Every problem is collected (never stop at the first). Policies where the schema is strict but
//! users commonly write YAML numbers: `variables`, annotation values, `cpu`, `memory` and file
//! `content` accept numbers and booleans, converted to their text with an `INVALID_TYPE` warning
//! ("quote it"). Everything else follows the schema exactly.

use std::collections::BTreeMap;

use base64::Engine as _;
use score_x_core::FlatMap;
use score_x_core::diag::did_you_mean;
use score_x_core::ir::{
    Before, HttpGet, Probe, Protocol, Quantities, Readiness, ResourceRequirements, Scheme,
};
use score_x_core::{Code, Diagnostic};

use crate::ast::{
    Container, FileSource, FileSpec, Metadata, ResourceDecl, ServicePort, Spanned, VolumeSpec,
    Workload,
};
use crate::path::child;
use crate::patterns;
use crate::quantity::{self, QuantityError};
use crate::yaml::{Key, Node, Value};

mod container;
mod limits;
mod resource;

/// The shape of a Score workload, shown in hints.
pub const SHAPE_HINT: &str = "a Score workload looks like:\n  apiVersion: score.dev/v1b1\n  metadata:\n    name: my-workload\n  containers:\n    main:\n      image: nginx:1.27";

// The keys each part of a workload accepts (also read by `score-x schema`).
pub const TOP: &[&str] = &[
    "apiVersion",
    "metadata",
    "service",
    "containers",
    "resources",
];
pub const CONTAINER: &[&str] = &[
    "image",
    "command",
    "args",
    "variables",
    "files",
    "volumes",
    "resources",
    "livenessProbe",
    "readinessProbe",
    "before",
];
pub const FILE: &[&str] = &[
    "target",
    "mode",
    "source",
    "content",
    "binaryContent",
    "noExpand",
];
pub const VOLUME: &[&str] = &["target", "source", "path", "readOnly", "read_only"];
pub const RESOURCE: &[&str] = &["type", "class", "id", "metadata", "params"];
pub const SERVICE: &[&str] = &["ports"];
pub const PORT: &[&str] = &["port", "targetPort", "protocol"];
pub const REQUIREMENTS: &[&str] = &["limits", "requests"];
pub const QUANTITIES: &[&str] = &["cpu", "memory"];
pub const PROBE: &[&str] = &["httpGet", "exec"];
pub const HTTP_GET: &[&str] = &["host", "scheme", "path", "port", "httpHeaders"];
pub const HEADER: &[&str] = &["name", "value"];
pub const EXEC: &[&str] = &["command"];
pub const BEFORE: &[&str] = &["ready"];

/// Decode one document. `None` when the document is not a workload at all.
pub fn decode_workload(root: &Node, file: &str, diags: &mut Vec<Diagnostic>) -> Option<Workload> {
    Dec { diags }.workload(root, file)
}

struct Dec<'a> {
    diags: &'a mut Vec<Diagnostic>,
}

impl Dec<'_> {
    fn error(
        &mut self,
        code: Code,
        msg: impl Into<String>,
        node: &Node,
        path: &str,
    ) -> &mut Diagnostic {
        self.push(Diagnostic::error(code, msg).at(node.pos.span(path)))
    }

    fn key_error(
        &mut self,
        code: Code,
        msg: impl Into<String>,
        key: &Key,
        path: &str,
    ) -> &mut Diagnostic {
        self.push(Diagnostic::error(code, msg).at(key.pos.span(path)))
    }

    fn warn(
        &mut self,
        code: Code,
        msg: impl Into<String>,
        node: &Node,
        path: &str,
    ) -> &mut Diagnostic {
        self.push(Diagnostic::warning(code, msg).at(node.pos.span(path)))
    }

    /// Record `d` and return it for a hint.
    fn push(&mut self, d: Diagnostic) -> &mut Diagnostic {
        self.diags.push(d);
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    fn type_error(&mut self, node: &Node, path: &str, want: &str) {
        let found = node.type_name();
        self.error(
            Code::InvalidType,
            format!("expected {want}, found {found}"),
            node,
            path,
        );
    }

    /// The entries of a map node, or an INVALID_TYPE error.
    fn map<'n>(&mut self, node: &'n Node, path: &str) -> Option<&'n [(Key, Node)]> {
        match &node.value {
            Value::Map(m) => Some(m),
            _ => {
                self.type_error(node, path, "a map");
                None
            }
        }
    }

    /// Report unknown keys of `entries` (with "did you mean").
    fn known(&mut self, entries: &[(Key, Node)], path: &str, known: &[&str], what: &str) {
        for (k, _) in entries {
            if !known.contains(&k.name.as_str()) {
                let p = child(path, &k.name);
                let hint = match did_you_mean(&k.name, known.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("{what} accepts: {}", known.join(", ")),
                };
                self.key_error(
                    Code::UnknownField,
                    format!("unknown field `{}` in {what}", k.name),
                    k,
                    &p,
                )
                .hint = Some(hint);
            }
        }
    }

    fn required<'n>(
        &mut self,
        parent: &'n Node,
        path: &str,
        field: &str,
        what: &str,
    ) -> Option<&'n Node> {
        let n = parent.get(field);
        if n.is_none() {
            self.error(
                Code::RequiredField,
                format!("{what} is missing the required field `{field}`"),
                parent,
                path,
            );
        }
        n
    }

    fn string(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            _ => {
                self.type_error(node, path, "a string");
                None
            }
        }
    }

    fn nonempty_string(&mut self, node: &Node, path: &str) -> Option<String> {
        let s = self.string(node, path)?;
        if s.is_empty() {
            self.error(Code::InvalidValue, "must not be empty", node, path);
            return None;
        }
        Some(s)
    }

    /// A string; numbers and booleans are converted with a warning.
    fn string_like(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(_) | Value::Float(..) | Value::Bool(_) => {
                let t = node.scalar_text().unwrap_or_default();
                let found = node.type_name();
                self.warn(
                    Code::InvalidType,
                    format!("expected a string, found {found}; using \"{t}\""),
                    node,
                    path,
                )
                .hint = Some(format!("quote the value to make it a string: \"{t}\""));
                Some(t)
            }
            _ => {
                self.type_error(node, path, "a string");
                None
            }
        }
    }

    fn boolean(&mut self, node: &Node, path: &str) -> Option<bool> {
        match node.value {
            Value::Bool(b) => Some(b),
            _ => {
                self.type_error(node, path, "a boolean (true or false)");
                if let Value::Str(s) = &node.value {
                    let want = match s.to_ascii_lowercase().as_str() {
                        "yes" | "y" | "on" => Some("true"),
                        "no" | "n" | "off" => Some("false"),
                        "true" | "false" => Some(if s.eq_ignore_ascii_case("true") {
                            "true"
                        } else {
                            "false"
                        }),
                        _ => None,
                    };
                    if let (Some(w), Some(d)) = (want, self.diags.last_mut()) {
                        d.hint = Some(format!(
                            "YAML 1.2 reads `{s}` as a string; write `{w}` without quotes"
                        ));
                    }
                }
                None
            }
        }
    }

    fn port(&mut self, node: &Node, path: &str) -> Option<u16> {
        match node.value {
            Value::Int(i) if (1..=65535).contains(&i) => u16::try_from(i).ok(),
            Value::Int(i) => {
                self.error(
                    Code::ValueOutOfRange,
                    format!("port {i} is out of range"),
                    node,
                    path,
                )
                .hint = Some("ports are between 1 and 65535".into());
                None
            }
            _ => {
                self.type_error(node, path, "an integer port (1-65535)");
                if let Value::Str(s) = &node.value
                    && s.parse::<u16>().is_ok()
                    && let Some(d) = self.diags.last_mut()
                {
                    d.hint = Some(format!("remove the quotes: {s}"));
                }
                None
            }
        }
    }

    fn string_list(&mut self, node: &Node, path: &str) -> Option<Vec<String>> {
        let Value::Seq(items) = &node.value else {
            self.type_error(node, path, "a list of strings");
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, it) in items.iter().enumerate() {
            match self.string(it, &child(path, &i.to_string())) {
                Some(s) => out.push(s),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn label_key(&mut self, k: &Key, path: &str, what: &str) {
        if !patterns::is_label(&k.name) {
            self.key_error(Code::PatternMismatch, format!("{what} `{}` is not a valid name", k.name), k, path)
                .hint = Some("use 2-63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit (pattern ^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$)".into());
        }
    }

    fn workload(&mut self, root: &Node, file: &str) -> Option<Workload> {
        let Value::Map(entries) = &root.value else {
            self.error(
                Code::WrongShape,
                format!("a score file must be a map, found {}", root.type_name()),
                root,
                "",
            )
            .hint = Some(SHAPE_HINT.into());
            return None;
        };
        if root.get("kind").is_some() || root.get("spec").is_some() {
            let (k, _) = entries
                .iter()
                .find(|(k, _)| k.name == "kind" || k.name == "spec")?;
            let p = child("", &k.name);
            self.key_error(
                Code::WrongShape,
                "this looks like a Kubernetes-style object (`kind`/`spec`), not a Score workload",
                k,
                &p,
            )
            .hint = Some(format!(
                "drop the `kind`/`spec` wrapper and put the workload fields at the top level; {SHAPE_HINT}"
            ));
            return None;
        }
        self.known(entries, "", TOP, "a workload");

        match self.required(root, "", "apiVersion", "the workload") {
            Some(v) => {
                if let Some(s) = self.string(v, "/apiVersion")
                    && s != "score.dev/v1b1"
                {
                    self.error(
                        Code::UnsupportedVersion,
                        format!("unsupported apiVersion `{s}`; score-x reads `score.dev/v1b1`"),
                        v,
                        "/apiVersion",
                    )
                    .hint = Some(format!("set `apiVersion: score.dev/v1b1`; {SHAPE_HINT}"));
                }
            }
            None => {
                if let Some(d) = self.diags.last_mut() {
                    d.hint = Some(SHAPE_HINT.into());
                }
            }
        }

        let metadata = match self.required(root, "", "metadata", "the workload") {
            Some(m) => self.metadata(m, "/metadata"),
            None => None,
        };
        let service_ports = match root.get("service") {
            Some(s) => self.service(s, "/service"),
            None => BTreeMap::new(),
        };
        let containers = match self.required(root, "", "containers", "the workload") {
            Some(c) => self.containers(c, "/containers"),
            None => BTreeMap::new(),
        };
        let resources = match root.get("resources") {
            Some(r) => self.resources(r, "/resources"),
            None => BTreeMap::new(),
        };
        let metadata = metadata.unwrap_or_else(|| Metadata {
            name: Spanned {
                value: String::new(),
                span: root.pos.span("/metadata/name"),
            },
            annotations: FlatMap::new(),
            json: serde_json::Value::Object(serde_json::Map::new()),
        });
        Some(Workload {
            file: file.to_string(),
            span: root.pos.span(""),
            metadata,
            service_ports: service_ports.into_iter().collect(),
            containers: containers.into_iter().collect(),
            resources: resources.into_iter().collect(),
        })
    }

    fn metadata(&mut self, node: &Node, path: &str) -> Option<Metadata> {
        self.map(node, path)?;
        let name = match self.required(node, path, "name", "`metadata`") {
            Some(n) => {
                let p = child(path, "name");
                match self.string(n, &p) {
                    Some(s) => {
                        if !patterns::is_label(&s) {
                            self.error(Code::PatternMismatch, format!("workload name `{s}` is not a valid name"), n, &p)
                                .hint = Some("use 2-63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit (pattern ^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$)".into());
                        }
                        Spanned {
                            value: s,
                            span: n.pos.span(&p),
                        }
                    }
                    None => Spanned {
                        value: String::new(),
                        span: n.pos.span(&p),
                    },
                }
            }
            None => Spanned {
                value: String::new(),
                span: node.pos.span(path),
            },
        };
        let annotations = match node.get("annotations") {
            Some(a) => self.annotations(a, &child(path, "annotations")),
            None => BTreeMap::new(),
        };
        Some(Metadata {
            name,
            annotations: annotations.into_iter().collect(),
            json: node.to_json(),
        })
    }

    fn annotations(&mut self, node: &Node, path: &str) -> BTreeMap<String, Spanned<String>> {
        self.string_map(node, path, |d, k, p| {
            if !patterns::is_annotation_key(&k.name) {
                d.key_error(Code::PatternMismatch, format!("annotation key `{}` is not valid", k.name), k, p)
                    .hint = Some("an optional DNS prefix and `/`, then 2-63 characters of A-Z, a-z, 0-9, '.', '_' and '-' starting and ending with a letter or digit, e.g. `example.com/team`".into());
            }
        })
    }

    /// A map of string-like values (`variables`, `annotations`), each key checked by `check_key`
    /// (which reports what is wrong with it).
    fn string_map(
        &mut self,
        node: &Node,
        path: &str,
        check_key: impl Fn(&mut Self, &Key, &str),
    ) -> BTreeMap<String, Spanned<String>> {
        let mut out = BTreeMap::new();
        let Some(entries) = self.map(node, path) else {
            return out;
        };
        for (k, v) in entries {
            let p = child(path, &k.name);
            check_key(self, k, &p);
            if let Some(s) = self.string_like(v, &p) {
                out.insert(
                    k.name.clone(),
                    Spanned {
                        value: s,
                        span: v.pos.span(&p),
                    },
                );
            }
        }
        out
    }

    fn service(&mut self, node: &Node, path: &str) -> BTreeMap<String, ServicePort> {
        let mut out = BTreeMap::new();
        let Some(entries) = self.map(node, path) else {
            return out;
        };
        self.known(entries, path, SERVICE, "`service`");
        let Some(ports) = node.get("ports") else {
            return out;
        };
        let pp = child(path, "ports");
        let Some(entries) = self.map(ports, &pp) else {
            return out;
        };
        for (k, v) in entries {
            let p = child(&pp, &k.name);
            self.label_key(k, &p, "port name");
            let Some(fields) = self.map(v, &p) else {
                continue;
            };
            self.known(fields, &p, PORT, "a service port");
            let port = self
                .required(v, &p, "port", "the service port")
                .and_then(|n| self.port(n, &child(&p, "port")));
            let target_port = v
                .get("targetPort")
                .and_then(|n| self.port(n, &child(&p, "targetPort")));
            let protocol = match v.get("protocol") {
                None => Some(Protocol::Tcp),
                Some(n) => {
                    let pr = child(&p, "protocol");
                    match self.string(n, &pr).as_deref() {
                        Some("TCP") => Some(Protocol::Tcp),
                        Some("UDP") => Some(Protocol::Udp),
                        Some(other) => {
                            let hint = match other.to_ascii_uppercase().as_str() {
                                "TCP" | "UDP" => format!(
                                    "protocols are upper case: `{}`",
                                    other.to_ascii_uppercase()
                                ),
                                _ => "use `TCP` or `UDP`".to_string(),
                            };
                            self.error(
                                Code::InvalidValue,
                                format!("unknown protocol `{other}`"),
                                n,
                                &pr,
                            )
                            .hint = Some(hint);
                            None
                        }
                        None => None,
                    }
                }
            };
            if let (Some(port), Some(protocol)) = (port, protocol) {
                out.insert(
                    k.name.clone(),
                    ServicePort {
                        port,
                        target_port,
                        protocol,
                        span: v.pos.span(&p),
                    },
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod schema_cross_check {
    //! The field lists above, compared with the reference JSON schema (read at test time from
    //! `../shared/data/score-v1b1.json`, never copied into the project).

    use super::*;

    fn props(schema: &serde_json::Value, pointer: &str) -> Vec<String> {
        let mut v: Vec<String> = schema
            .pointer(pointer)
            .and_then(|p| p.as_object())
            .unwrap_or_else(|| panic!("no properties at {pointer}"))
            .keys()
            .cloned()
            .collect();
        v.sort();
        v
    }

    fn sorted(list: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    }

    #[test]
    fn field_lists_match_the_reference_schema() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/score-v1b1.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!(
                "notice: {} is absent; skipping the schema cross-check",
                path.display()
            );
            return;
        };
        let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
        let cases: &[(&str, &[&str])] = &[
            ("/properties", TOP),
            ("/properties/service/properties", SERVICE),
            ("/$defs/servicePort/properties", PORT),
            ("/$defs/container/properties", CONTAINER),
            ("/$defs/containerFile/properties", FILE),
            ("/$defs/resource/properties", RESOURCE),
            (
                "/$defs/container/properties/resources/properties",
                REQUIREMENTS,
            ),
            ("/$defs/resourcesLimits/properties", QUANTITIES),
            ("/$defs/containerProbe/properties", PROBE),
            ("/$defs/httpProbe/properties", HTTP_GET),
            (
                "/$defs/httpProbe/properties/httpHeaders/items/properties",
                HEADER,
            ),
            ("/$defs/execProbe/properties", EXEC),
            (
                "/$defs/container/properties/before/additionalProperties/properties",
                BEFORE,
            ),
        ];
        for (pointer, list) in cases {
            assert_eq!(props(&schema, pointer), sorted(list), "{pointer}");
        }
        // `read_only` is the deprecated spelling upgraded by score-go; the schema has only readOnly.
        let volume: Vec<&str> = VOLUME
            .iter()
            .copied()
            .filter(|f| *f != "read_only")
            .collect();
        assert_eq!(
            props(&schema, "/$defs/containerVolume/properties"),
            sorted(&volume)
        );
    }
}
