//! Decoding containers: image, command/args, variables, files and volumes (map and deprecated
//! list forms).

use std::collections::BTreeMap;

use score_x_core::Code;

use super::*;

/// What differs between `files` and `volumes` in [`Dec::by_target`].
struct Targeted {
    plural: &'static str,
    singular: &'static str,
    /// The hint of the deprecated list form: the map form, with an example.
    map_hint: &'static str,
    /// An empty target key in the map form is an error (files: a file needs a path).
    empty_key_is_error: bool,
}

const FILES: Targeted = Targeted {
    plural: "files",
    singular: "file",
    map_hint: "use a map from target path to file, e.g. `files: {\"/etc/app.conf\": {content: \"…\"}}`",
    empty_key_is_error: true,
};

const VOLUMES: Targeted = Targeted {
    plural: "volumes",
    singular: "volume",
    map_hint: "use a map from target path to volume, e.g. `volumes: {/data: {source: ${resources.data}}}`",
    empty_key_is_error: false,
};

impl Dec<'_> {
    pub(super) fn containers(&mut self, node: &Node, path: &str) -> BTreeMap<String, Container> {
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

    pub(super) fn container(&mut self, node: &Node, path: &str) -> Option<Container> {
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
            variables: variables.into_iter().collect(),
            files: files.into_iter().collect(),
            volumes: volumes.into_iter().collect(),
            resources,
            liveness_probe,
            readiness_probe,
            before: before.into_iter().collect(),
        })
    }

    pub(super) fn variables(
        &mut self,
        node: &Node,
        path: &str,
    ) -> BTreeMap<String, Spanned<String>> {
        self.string_map(node, path, |d, k, p| {
            if k.name.is_empty() || k.name.contains('=') {
                d.key_error(
                    Code::PatternMismatch,
                    format!("variable name `{}` is not valid", k.name),
                    k,
                    p,
                )
                .hint = Some("variable names are non-empty and contain no `=`".into());
            }
        })
    }

    pub(super) fn files(&mut self, node: &Node, path: &str) -> BTreeMap<String, FileSpec> {
        self.by_target(node, path, &FILES, Self::file)
    }

    /// `files` / `volumes`: a map from target path to item, or the deprecated list of items with
    /// a `target` each (two items with one target are an error).
    fn by_target<T>(
        &mut self,
        node: &Node,
        path: &str,
        kind: &Targeted,
        item: fn(&mut Self, &Node, &str, bool) -> Option<T>,
    ) -> BTreeMap<String, T> {
        let mut out = BTreeMap::new();
        match &node.value {
            Value::Seq(items) => {
                let msg = format!("the list form of `{}` is deprecated", kind.plural);
                self.warn(Code::Deprecated, msg, node, path).hint = Some(kind.map_hint.into());
                for (i, it) in items.iter().enumerate() {
                    let p = child(path, &i.to_string());
                    let target = match it.get("target") {
                        Some(t) => self.nonempty_string(t, &child(&p, "target")),
                        None => {
                            if matches!(it.value, Value::Map(_)) {
                                let msg = format!(
                                    "a {} in the list form needs a `target`",
                                    kind.singular
                                );
                                self.error(Code::RequiredField, msg, it, &p);
                            }
                            None
                        }
                    };
                    let decoded = item(self, it, &p, true);
                    if let (Some(t), Some(d)) = (target, decoded) {
                        match out.entry(t) {
                            std::collections::btree_map::Entry::Occupied(e) => {
                                let msg =
                                    format!("two {} have the target `{}`", kind.plural, e.key());
                                self.error(Code::InvalidValue, msg, it, &p);
                            }
                            std::collections::btree_map::Entry::Vacant(e) => {
                                e.insert(d);
                            }
                        }
                    }
                }
            }
            Value::Map(entries) => {
                for (k, v) in entries {
                    let p = child(path, &k.name);
                    if kind.empty_key_is_error && k.name.is_empty() {
                        let msg = format!("a {} target must not be empty", kind.singular);
                        self.key_error(Code::InvalidValue, msg, k, &p);
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
                    if let Some(d) = item(self, v, &p, false) {
                        out.insert(k.name.clone(), d);
                    }
                }
            }
            _ => {
                let want = format!("a map of target path to {}", kind.singular);
                self.type_error(node, path, &want);
            }
        }
        out
    }

    /// The fields of a file or volume are `known` (`target` only in the list form).
    fn known_targeted(
        &mut self,
        entries: &[(Key, Node)],
        path: &str,
        known: &[&str],
        list_form: bool,
        what: &str,
    ) {
        let known: Vec<&str> = known
            .iter()
            .copied()
            .filter(|f| list_form || *f != "target")
            .collect();
        let rest: Vec<(Key, Node)> = entries
            .iter()
            .filter(|(k, _)| k.name != "target")
            .cloned()
            .collect();
        self.known(&rest, path, &known, what);
    }

    pub(super) fn file(&mut self, node: &Node, path: &str, list_form: bool) -> Option<FileSpec> {
        let entries = self.map(node, path)?;
        self.known_targeted(entries, path, FILE, list_form, "a file");
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

    pub(super) fn volumes(&mut self, node: &Node, path: &str) -> BTreeMap<String, VolumeSpec> {
        self.by_target(node, path, &VOLUMES, Self::volume)
    }

    pub(super) fn volume(
        &mut self,
        node: &Node,
        path: &str,
        list_form: bool,
    ) -> Option<VolumeSpec> {
        let entries = self.map(node, path)?;
        self.known_targeted(entries, path, VOLUME, list_form, "a volume");
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
}
