//! Decoding a spanned YAML document into the typed AST with the Score v1b1 rules, by hand.
//!
//! Every problem is collected (never stop at the first). Policies where the schema is strict but
//! users commonly write YAML numbers: `variables`, annotation values, `cpu`, `memory` and file
//! `content` accept numbers and booleans, converted to their text with an `INVALID_TYPE` warning
//! ("quote it"). Everything else follows the schema exactly.

use std::collections::BTreeMap;

use base64::Engine as _;
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

/// The shape of a Score workload, shown in hints.
pub const SHAPE_HINT: &str = "a Score workload looks like:\n  apiVersion: score.dev/v1b1\n  metadata:\n    name: my-workload\n  containers:\n    main:\n      image: nginx:1.27";

const TOP: &[&str] = &[
    "apiVersion",
    "metadata",
    "service",
    "containers",
    "resources",
];
const CONTAINER: &[&str] = &[
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
const FILE: &[&str] = &[
    "target",
    "mode",
    "source",
    "content",
    "binaryContent",
    "noExpand",
];
const VOLUME: &[&str] = &["target", "source", "path", "readOnly", "read_only"];
const RESOURCE: &[&str] = &["type", "class", "id", "metadata", "params"];
const SERVICE: &[&str] = &["ports"];
const PORT: &[&str] = &["port", "targetPort", "protocol"];
const REQUIREMENTS: &[&str] = &["limits", "requests"];
const QUANTITIES: &[&str] = &["cpu", "memory"];
const PROBE: &[&str] = &["httpGet", "exec"];
const HTTP_GET: &[&str] = &["host", "scheme", "path", "port", "httpHeaders"];
const HEADER: &[&str] = &["name", "value"];
const EXEC: &[&str] = &["command"];
const BEFORE: &[&str] = &["ready"];

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
        self.diags
            .push(Diagnostic::error(code, msg).at(node.pos.span(path)));
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    fn key_error(
        &mut self,
        code: Code,
        msg: impl Into<String>,
        key: &Key,
        path: &str,
    ) -> &mut Diagnostic {
        self.diags
            .push(Diagnostic::error(code, msg).at(key.pos.span(path)));
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    fn warn(
        &mut self,
        code: Code,
        msg: impl Into<String>,
        node: &Node,
        path: &str,
    ) -> &mut Diagnostic {
        self.diags
            .push(Diagnostic::warning(code, msg).at(node.pos.span(path)));
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
            annotations: BTreeMap::new(),
            json: serde_json::Value::Object(serde_json::Map::new()),
        });
        Some(Workload {
            file: file.to_string(),
            span: root.pos.span(""),
            metadata,
            service_ports,
            containers,
            resources,
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
            annotations,
            json: node.to_json(),
        })
    }

    fn annotations(&mut self, node: &Node, path: &str) -> BTreeMap<String, Spanned<String>> {
        let mut out = BTreeMap::new();
        let Some(entries) = self.map(node, path) else {
            return out;
        };
        for (k, v) in entries {
            let p = child(path, &k.name);
            if !patterns::is_annotation_key(&k.name) {
                self.key_error(Code::PatternMismatch, format!("annotation key `{}` is not valid", k.name), k, &p)
                    .hint = Some("an optional DNS prefix and `/`, then 2-63 characters of A-Z, a-z, 0-9, '.', '_' and '-' starting and ending with a letter or digit, e.g. `example.com/team`".into());
            }
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

    fn containers(&mut self, node: &Node, path: &str) -> BTreeMap<String, Container> {
        let mut out = BTreeMap::new();
        let Some(entries) = self.map(node, path) else {
            return out;
        };
        if entries.is_empty() {
            self.error(
                Code::RequiredField,
                "a workload needs at least one container",
                node,
                path,
            );
        }
        for (k, v) in entries {
            let p = child(path, &k.name);
            self.label_key(k, &p, "container name");
            if let Some(c) = self.container(v, &p) {
                out.insert(k.name.clone(), c);
            }
        }
        out
    }

    fn container(&mut self, node: &Node, path: &str) -> Option<Container> {
        let entries = self.map(node, path)?;
        self.known(entries, path, CONTAINER, "a container");
        let image = match self.required(node, path, "image", "the container") {
            Some(n) => {
                let p = child(path, "image");
                let s = self.nonempty_string(n, &p).unwrap_or_default();
                Spanned {
                    value: s,
                    span: n.pos.span(&p),
                }
            }
            None => Spanned {
                value: String::new(),
                span: node.pos.span(path),
            },
        };
        let command = node
            .get("command")
            .and_then(|n| self.string_list(n, &child(path, "command")));
        let args = node
            .get("args")
            .and_then(|n| self.string_list(n, &child(path, "args")));
        let variables = match node.get("variables") {
            Some(v) => self.variables(v, &child(path, "variables")),
            None => BTreeMap::new(),
        };
        let files = match node.get("files") {
            Some(f) => self.files(f, &child(path, "files")),
            None => BTreeMap::new(),
        };
        let volumes = match node.get("volumes") {
            Some(v) => self.volumes(v, &child(path, "volumes")),
            None => BTreeMap::new(),
        };
        let resources = node
            .get("resources")
            .and_then(|r| self.requirements(r, &child(path, "resources")));
        let liveness_probe = node
            .get("livenessProbe")
            .and_then(|n| self.probe(n, &child(path, "livenessProbe")));
        let readiness_probe = node
            .get("readinessProbe")
            .and_then(|n| self.probe(n, &child(path, "readinessProbe")));
        let before = match node.get("before") {
            Some(b) => self.before(b, &child(path, "before")),
            None => BTreeMap::new(),
        };
        Some(Container {
            span: node.pos.span(path),
            image,
            command,
            args,
            variables,
            files,
            volumes,
            resources,
            liveness_probe,
            readiness_probe,
            before,
        })
    }

    fn variables(&mut self, node: &Node, path: &str) -> BTreeMap<String, Spanned<String>> {
        let mut out = BTreeMap::new();
        let Some(entries) = self.map(node, path) else {
            return out;
        };
        for (k, v) in entries {
            let p = child(path, &k.name);
            if k.name.is_empty() || k.name.contains('=') {
                self.key_error(
                    Code::PatternMismatch,
                    format!("variable name `{}` is not valid", k.name),
                    k,
                    &p,
                )
                .hint = Some("variable names are non-empty and contain no `=`".into());
            }
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

    fn files(&mut self, node: &Node, path: &str) -> BTreeMap<String, FileSpec> {
        let mut out = BTreeMap::new();
        match &node.value {
            Value::Seq(items) => {
                self.warn(Code::Deprecated, "the list form of `files` is deprecated", node, path).hint =
                    Some("use a map from target path to file, e.g. `files: {\"/etc/app.conf\": {content: \"…\"}}`".into());
                for (i, it) in items.iter().enumerate() {
                    let p = child(path, &i.to_string());
                    let target = match it.get("target") {
                        Some(t) => self.nonempty_string(t, &child(&p, "target")),
                        None => {
                            if matches!(it.value, Value::Map(_)) {
                                self.error(
                                    Code::RequiredField,
                                    "a file in the list form needs a `target`",
                                    it,
                                    &p,
                                );
                            }
                            None
                        }
                    };
                    let f = self.file(it, &p, true);
                    if let (Some(t), Some(f)) = (target, f) {
                        match out.entry(t) {
                            std::collections::btree_map::Entry::Occupied(e) => {
                                let msg = format!("two files have the target `{}`", e.key());
                                self.error(Code::InvalidValue, msg, it, &p);
                            }
                            std::collections::btree_map::Entry::Vacant(e) => {
                                e.insert(f);
                            }
                        }
                    }
                }
            }
            Value::Map(entries) => {
                for (k, v) in entries {
                    let p = child(path, &k.name);
                    if k.name.is_empty() {
                        self.key_error(
                            Code::InvalidValue,
                            "a file target must not be empty",
                            k,
                            &p,
                        );
                    }
                    if let Some(t) = v.get("target") {
                        self.error(
                            Code::InvalidValue,
                            "`target` is only used in the deprecated list form",
                            t,
                            &child(&p, "target"),
                        )
                        .hint = Some(
                            "in the map form the key is the target path; remove `target`".into(),
                        );
                    }
                    if let Some(f) = self.file(v, &p, false) {
                        out.insert(k.name.clone(), f);
                    }
                }
            }
            _ => self.type_error(node, path, "a map of target path to file"),
        }
        out
    }

    fn file(&mut self, node: &Node, path: &str, list_form: bool) -> Option<FileSpec> {
        let entries = self.map(node, path)?;
        let known: Vec<&str> = FILE
            .iter()
            .copied()
            .filter(|f| list_form || *f != "target")
            .collect();
        let unknown: Vec<(Key, Node)> = entries
            .iter()
            .filter(|(k, _)| k.name != "target")
            .cloned()
            .collect();
        self.known(&unknown, path, &known, "a file");
        let mode = node.get("mode").and_then(|m| {
            let p = child(path, "mode");
            match &m.value {
                Value::Str(s) => {
                    let r = patterns::file_mode(s);
                    if r.is_none() {
                        self.error(
                            Code::PatternMismatch,
                            format!("file mode `{s}` is not an octal mode"),
                            m,
                            &p,
                        )
                        .hint = Some(
                            "write three octal digits, optionally with a leading 0, e.g. \"0644\""
                                .into(),
                        );
                    }
                    r
                }
                Value::Int(i) => {
                    self.error(
                        Code::InvalidType,
                        format!("file mode must be a string, found the integer {i}"),
                        m,
                        &p,
                    )
                    .hint = Some("quote the mode so it stays octal, e.g. mode: \"0644\"".into());
                    None
                }
                _ => {
                    self.type_error(m, &p, "a string such as \"0644\"");
                    None
                }
            }
        });
        let no_expand = node
            .get("noExpand")
            .and_then(|n| self.boolean(n, &child(path, "noExpand")))
            .unwrap_or(false);
        let present: Vec<&str> = ["content", "binaryContent", "source"]
            .into_iter()
            .filter(|f| node.get(f).is_some())
            .collect();
        if present.is_empty() {
            self.error(
                Code::RequiredField,
                "a file needs one of `content`, `binaryContent` or `source`",
                node,
                path,
            );
            return None;
        }
        if present.len() > 1 {
            self.error(
                Code::InvalidValue,
                format!(
                    "a file takes exactly one of `content`, `binaryContent` or `source`, found {}",
                    present.join(", ")
                ),
                node,
                path,
            );
            return None;
        }
        let content = match present[0] {
            "content" => {
                let n = node.get("content")?;
                let p = child(path, "content");
                let text = match &n.value {
                    Value::Seq(_) => {
                        let lines = self.string_list(n, &p)?;
                        self.warn(
                            Code::Deprecated,
                            "a list of lines as file content is deprecated",
                            n,
                            &p,
                        )
                        .hint =
                            Some("write the content as one string, e.g. a `|` block scalar".into());
                        lines.join("\n")
                    }
                    _ => self.string_like(n, &p)?,
                };
                FileSource::Content(Spanned {
                    value: text,
                    span: n.pos.span(&p),
                })
            }
            "binaryContent" => {
                let n = node.get("binaryContent")?;
                let p = child(path, "binaryContent");
                let s = self.string(n, &p)?;
                match base64::engine::general_purpose::STANDARD.decode(s.trim()) {
                    Ok(b) => FileSource::Binary(b),
                    Err(e) => {
                        self.error(
                            Code::InvalidValue,
                            format!("`binaryContent` is not valid standard base64: {e}"),
                            n,
                            &p,
                        );
                        return None;
                    }
                }
            }
            _ => {
                let n = node.get("source")?;
                let p = child(path, "source");
                let s = self.nonempty_string(n, &p)?;
                FileSource::Source(Spanned {
                    value: s,
                    span: n.pos.span(&p),
                })
            }
        };
        Some(FileSpec {
            span: node.pos.span(path),
            mode,
            no_expand,
            content,
        })
    }

    fn volumes(&mut self, node: &Node, path: &str) -> BTreeMap<String, VolumeSpec> {
        let mut out = BTreeMap::new();
        match &node.value {
            Value::Seq(items) => {
                self.warn(Code::Deprecated, "the list form of `volumes` is deprecated", node, path).hint =
                    Some("use a map from target path to volume, e.g. `volumes: {/data: {source: ${resources.data}}}`".into());
                for (i, it) in items.iter().enumerate() {
                    let p = child(path, &i.to_string());
                    let target = match it.get("target") {
                        Some(t) => self.nonempty_string(t, &child(&p, "target")),
                        None => {
                            if matches!(it.value, Value::Map(_)) {
                                self.error(
                                    Code::RequiredField,
                                    "a volume in the list form needs a `target`",
                                    it,
                                    &p,
                                );
                            }
                            None
                        }
                    };
                    let v = self.volume(it, &p, true);
                    if let (Some(t), Some(v)) = (target, v) {
                        match out.entry(t) {
                            std::collections::btree_map::Entry::Occupied(e) => {
                                let msg = format!("two volumes have the target `{}`", e.key());
                                self.error(Code::InvalidValue, msg, it, &p);
                            }
                            std::collections::btree_map::Entry::Vacant(e) => {
                                e.insert(v);
                            }
                        }
                    }
                }
            }
            Value::Map(entries) => {
                for (k, v) in entries {
                    let p = child(path, &k.name);
                    if let Some(t) = v.get("target") {
                        self.error(
                            Code::InvalidValue,
                            "`target` is only used in the deprecated list form",
                            t,
                            &child(&p, "target"),
                        )
                        .hint = Some(
                            "in the map form the key is the target path; remove `target`".into(),
                        );
                    }
                    if let Some(vol) = self.volume(v, &p, false) {
                        out.insert(k.name.clone(), vol);
                    }
                }
            }
            _ => self.type_error(node, path, "a map of target path to volume"),
        }
        out
    }

    fn volume(&mut self, node: &Node, path: &str, list_form: bool) -> Option<VolumeSpec> {
        let entries = self.map(node, path)?;
        let known: Vec<&str> = VOLUME
            .iter()
            .copied()
            .filter(|f| list_form || *f != "target")
            .collect();
        let rest: Vec<(Key, Node)> = entries
            .iter()
            .filter(|(k, _)| k.name != "target")
            .cloned()
            .collect();
        self.known(&rest, path, &known, "a volume");
        let source = self
            .required(node, path, "source", "the volume")
            .and_then(|n| {
                let p = child(path, "source");
                let s = self.nonempty_string(n, &p)?;
                Some(Spanned {
                    value: s,
                    span: n.pos.span(&p),
                })
            });
        let vpath = node
            .get("path")
            .and_then(|n| self.string(n, &child(path, "path")));
        let mut read_only = node
            .get("readOnly")
            .and_then(|n| self.boolean(n, &child(path, "readOnly")));
        if let Some(n) = node.get("read_only") {
            let p = child(path, "read_only");
            if read_only.is_some() {
                self.error(
                    Code::InvalidValue,
                    "both `readOnly` and its old name `read_only` are set",
                    n,
                    &p,
                )
                .hint = Some("keep only `readOnly`".into());
            } else {
                self.warn(
                    Code::Deprecated,
                    "`read_only` is deprecated; it was renamed `readOnly`",
                    n,
                    &p,
                )
                .hint = Some("rename the field to `readOnly`".into());
                read_only = self.boolean(n, &p);
            }
        }
        Some(VolumeSpec {
            span: node.pos.span(path),
            source: source?,
            path: vpath,
            read_only: read_only.unwrap_or(false),
        })
    }

    fn requirements(&mut self, node: &Node, path: &str) -> Option<ResourceRequirements> {
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

    fn quantities(&mut self, node: &Node, path: &str) -> Option<Quantities> {
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
                    self.error(Code::PatternMismatch, format!("memory `{s}` is not a memory quantity"), n, &p).hint =
                        Some("write bytes with an optional unit: K, M, G, T, P, E or Ki, Mi, Gi, Ti, Pi, Ei (e.g. `128Mi`, `1.5G`)".into());
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

    fn probe(&mut self, node: &Node, path: &str) -> Option<Probe> {
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

    fn http_get(&mut self, node: &Node, path: &str) -> Option<HttpGet> {
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

    fn before(&mut self, node: &Node, path: &str) -> BTreeMap<String, Before> {
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

    fn resources(&mut self, node: &Node, path: &str) -> BTreeMap<String, ResourceDecl> {
        let mut out = BTreeMap::new();
        let Some(entries) = self.map(node, path) else {
            return out;
        };
        for (k, v) in entries {
            let p = child(path, &k.name);
            self.label_key(k, &p, "resource name");
            if let Some(r) = self.resource(v, &p) {
                out.insert(k.name.clone(), r);
            }
        }
        out
    }

    fn resource(&mut self, node: &Node, path: &str) -> Option<ResourceDecl> {
        let entries = self.map(node, path)?;
        self.known(entries, path, RESOURCE, "a resource");
        let type_ = match self.required(node, path, "type", "the resource") {
            Some(n) => {
                let p = child(path, "type");
                let s = self.string(n, &p).unwrap_or_default();
                if !s.is_empty() && !patterns::is_type_name(&s) {
                    self.error(Code::PatternMismatch, format!("resource type `{s}` is not valid"), n, &p).hint =
                        Some("use 2-63 characters of A-Z, a-z, 0-9 and '-', starting and ending with a letter or digit".into());
                }
                s
            }
            None => String::new(),
        };
        let class = node.get("class").and_then(|n| {
            let p = child(path, "class");
            let s = self.string(n, &p)?;
            if !patterns::is_type_name(&s) {
                self.error(Code::PatternMismatch, format!("resource class `{s}` is not valid"), n, &p).hint =
                    Some("use 2-63 characters of A-Z, a-z, 0-9 and '-', starting and ending with a letter or digit".into());
            }
            Some(s)
        });
        let id = node.get("id").and_then(|n| {
            let p = child(path, "id");
            let s = self.string(n, &p)?;
            if !patterns::is_resource_id(&s) {
                self.error(Code::PatternMismatch, format!("resource id `{s}` is not valid"), n, &p).hint =
                    Some("use 2-63 characters: dot-separated labels of a-z, 0-9 and '-', e.g. `shared.orders-db`".into());
            }
            Some(s)
        });
        let metadata = match node.get("metadata") {
            Some(m) => {
                let p = child(path, "metadata");
                if self.map(m, &p).is_some() {
                    if let Some(a) = m.get("annotations") {
                        self.annotations(a, &child(&p, "annotations"));
                    }
                    m.to_json()
                } else {
                    serde_json::Value::Null
                }
            }
            None => serde_json::Value::Null,
        };
        let metadata_span = node
            .get("metadata")
            .map(|m| m.pos.span(&child(path, "metadata")));
        let params = match node.get("params") {
            Some(n) if matches!(n.value, Value::Map(_)) => Some((n.clone(), child(path, "params"))),
            Some(n) if matches!(n.value, Value::Null) => None,
            Some(n) => {
                self.type_error(n, &child(path, "params"), "a map");
                None
            }
            None => None,
        };
        Some(ResourceDecl {
            span: node.pos.span(path),
            type_,
            class,
            id,
            metadata,
            metadata_span,
            params,
        })
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
