//! Semantic checks over all decoded workloads at once (every problem collected):
//! duplicate workload names, placeholders (syntax, unknown resources, missing metadata keys),
//! volume sources, `before` (unknown containers, self references, cycles, missing probes),
//! conflicting declarations of one shared resource uid, `image: "."` without `--image`, and
//! `files.*.source` (missing or non-UTF-8 files), read through the [`FileReader`], and file
//! targets with `..`.

use std::collections::{BTreeMap, HashMap};

use petgraph::graph::DiGraph;
use score_x_core::diag::did_you_mean;
use score_x_core::ir::Readiness;
use score_x_core::template::{Part, Root, Template, TemplateError};
use score_x_core::value::lookup;
use score_x_core::{Code, Diagnostic, ResourceUid, Span};

use crate::FileReader;
use crate::ast::{FileSource, ResourceDecl, Workload};
use crate::path::child;
use crate::yaml::{Node, Value};

/// Contents read from `files.*.source`, by (workload index, container, target).
pub type SourceContents = HashMap<(usize, String, String), Vec<u8>>;

/// Where a string of the input is: (workload index, YAML path of its node).
pub type Place = (usize, std::sync::Arc<str>);

/// What the checks hand to lowering besides diagnostics: every placeholder string parsed once
/// (by its place), the resource each volume source names, and the contents of `files.*.source`.
#[derive(Debug, Default)]
pub struct Checked {
    pub contents: SourceContents,
    pub templates: HashMap<Place, Template>,
    pub volumes: HashMap<Place, String>,
}

/// Inputs shared by all checks.
pub struct Checker<'a> {
    /// Source text by file name (for placing errors inside strings).
    pub texts: &'a HashMap<&'a str, &'a str>,
    pub reader: &'a dyn FileReader,
    pub image: Option<&'a str>,
    pub diags: &'a mut Vec<Diagnostic>,
    /// What the checks parsed, for lowering.
    pub checked: Checked,
    /// Index of the workload being checked.
    pub current: usize,
}

/// The uid of a resource declaration.
pub fn uid_of(w: &Workload, name: &str, r: &ResourceDecl) -> ResourceUid {
    ResourceUid::new(
        &r.type_,
        r.class.as_deref(),
        r.id.as_deref(),
        w.name(),
        name,
    )
}

/// The resource a volume `source` names: `${resources.NAME…}` or a bare `NAME`.
pub enum VolumeRef {
    Resource(String),
    Invalid(String),
}

/// Classify a volume source string.
pub fn volume_ref(source: &str) -> Result<VolumeRef, TemplateError> {
    let t = Template::parse_with(source, true)?;
    Ok(match t.parts() {
        [Part::Ref(r)] if r.root == Root::Resources => VolumeRef::Resource(r.keys[0].clone()),
        [Part::Text(name)] if !name.contains(['$', '{', '}']) => VolumeRef::Resource(name.clone()),
        _ => VolumeRef::Invalid(source.to_string()),
    })
}

impl Checker<'_> {
    /// Run every check. Returns what lowering needs, per workload (in input order): the parsed
    /// placeholders, volume sources and the contents read from `files.*.source`.
    pub fn run(mut self, ws: &[Workload]) -> Vec<Checked> {
        use rayon::prelude::*;
        self.duplicates(ws);
        // Each workload is checked on its own (in parallel) and the results joined in input
        // order: the diagnostics and parsed strings of a sequential run.
        let (texts, reader, image) = (self.texts, self.reader, self.image);
        let parts: Vec<(Vec<Diagnostic>, Checked)> = ws
            .par_iter()
            .enumerate()
            .map(|(i, w)| {
                let mut diags = Vec::new();
                let mut one = Checker {
                    texts,
                    reader,
                    image,
                    diags: &mut diags,
                    checked: Checked::default(),
                    current: i,
                };
                one.workload(i, w);
                let checked = one.checked;
                (diags, checked)
            })
            .collect();
        // Each workload's results stay its own: lowering reads them workload by workload.
        let mut checked = Vec::with_capacity(parts.len());
        for (diags, c) in parts {
            self.diags.extend(diags);
            checked.push(c);
        }
        self.conflicts(ws);
        checked
    }

    fn duplicates(&mut self, ws: &[Workload]) {
        let mut seen: BTreeMap<&str, &Workload> = BTreeMap::new();
        for w in ws {
            if w.name().is_empty() {
                continue;
            }
            match seen.get(w.name()) {
                Some(first) => {
                    let d = Diagnostic::error(
                        Code::DuplicateWorkload,
                        format!("workload `{}` is declared twice", w.name()),
                    )
                    .at(w.metadata.name.span.clone())
                    .hint(
                        "workload names must be unique across all score files; rename one of them",
                    )
                    .related(
                        first.metadata.name.span.clone(),
                        format!("first declared in {}", first.file),
                    );
                    self.diags.push(d);
                }
                None => {
                    seen.insert(w.name(), w);
                }
            }
        }
    }

    /// A span pointing `at` bytes into string `s` whose node starts at `span`, when the
    /// string is written on one line in the source (plain or quoted); else the node's span.
    fn inner_span(&self, span: &Span, s: &str, at: usize, len: usize) -> Span {
        let Some(text) = self.texts.get(&*span.file) else {
            return span.clone();
        };
        let Some(rest) = text.get(span.offset..) else {
            return span.clone();
        };
        let shift = if rest.starts_with(s) {
            0
        } else if (rest.starts_with('"') || rest.starts_with('\'')) && rest[1..].starts_with(s) {
            1
        } else {
            return Self::block_span(span, rest, s, at, len);
        };
        let Some(prefix) = s.get(..at) else {
            return span.clone();
        };
        if prefix.contains('\n') {
            return span.clone();
        }
        let column = span.column + u32::try_from(shift + prefix.chars().count()).unwrap_or(0);
        Span {
            offset: span.offset + shift + at,
            column,
            len: len.min(s.len().saturating_sub(at)).max(1),
            ..span.clone()
        }
    }

    /// For a block scalar (`|`) starting at `span` (its first content line): the span of byte
    /// `at` of the content, when the source lines match the content lines.
    fn block_span(span: &Span, rest: &str, s: &str, at: usize, len: usize) -> Span {
        let Some(prefix) = s.get(..at) else {
            return span.clone();
        };
        let k = prefix.matches('\n').count();
        let line_start_in_s = prefix.rfind('\n').map_or(0, |i| i + 1);
        let in_line = &prefix[line_start_in_s..];
        let content_line = s[line_start_in_s..].split('\n').next().unwrap_or("");
        let indent = (span.column as usize).saturating_sub(1);
        // `rest` starts at the first content line (already indented); later lines start at
        // column 1 and carry the indentation.
        let mut off = 0usize;
        for _ in 0..k {
            match rest[off..].find('\n') {
                Some(i) => off += i + 1,
                None => return span.clone(),
            }
        }
        let src_line = rest[off..].split('\n').next().unwrap_or("");
        let skip = if k == 0 { 0 } else { indent };
        let body = src_line.get(skip..).unwrap_or("");
        if !body.starts_with(content_line)
            || (k > 0
                && !src_line
                    .get(..skip)
                    .is_some_and(|p| p.bytes().all(|b| b == b' ')))
        {
            return span.clone();
        }
        Span {
            line: span.line + u32::try_from(k).unwrap_or(0),
            column: u32::try_from(indent + 1 + in_line.chars().count()).unwrap_or(span.column),
            offset: span.offset + off + skip + in_line.len(),
            len: len
                .min(content_line.len().saturating_sub(in_line.len()))
                .max(1),
            ..span.clone()
        }
    }

    /// Check a placeholder string of workload `w`.
    fn template(
        &mut self,
        w: &Workload,
        s: &str,
        span: &Span,
        allow_bare: bool,
        what: &str,
        origin: Option<&str>,
    ) {
        // Text read from another file (`files.*.source`): spans stay on `source`, and the
        // message says where in that file.
        let place = |at: usize| match origin {
            Some(o) => {
                let before = &s[..at];
                let line = before.matches('\n').count() + 1;
                let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                format!(" (line {line}, column {col} of `{o}`)")
            }
            None => String::new(),
        };
        let locate = |this: &Self, at: usize, len: usize| {
            if origin.is_some() {
                span.clone()
            } else {
                this.inner_span(span, s, at, len)
            }
        };
        let t = match Template::parse_with(s, allow_bare) {
            Ok(t) => t,
            Err(e) => {
                let at = e.offset();
                let len = s[at..].find('}').map_or(2, |i| i + 1);
                let sp = locate(self, at, len);
                let place = place(at);
                self.diags.push(
                    Diagnostic::error(Code::InvalidPlaceholder, format!("invalid placeholder in {what}{place}: {e}"))
                        .at(sp)
                        .hint("placeholders are `${metadata.KEY}` or `${resources.NAME.OUTPUT}`; write `$${` for a literal `${` and `$$` for `$`"),
                );
                return;
            }
        };
        for r in t.refs() {
            let needle = format!("${{{r}");
            let at = s.find(&needle).unwrap_or(0);
            match r.root {
                Root::Resources => {
                    let name = r.keys.first().map_or("", String::as_str);
                    if let (Some(decl), Some(key)) = (w.resources.get(name), r.keys.get(1))
                        && decl.type_ == "environment"
                        && !is_env_key(key)
                    {
                        let sp = locate(self, at, needle.len() + 1);
                        let place = place(at);
                        self.diags.push(
                            Diagnostic::error(
                                Code::InvalidPlaceholder,
                                format!("`${{{r}}}` in {what}{place}: `{key}` is not a valid environment key; keys must match `[-._a-zA-Z0-9]+` (the rule of every target's secret and variable stores)"),
                            )
                            .at(sp)
                            .hint(format!("rename it, e.g. `{}`", env_key_fix(key))),
                        );
                    }
                    if !w.resources.contains_key(name) {
                        let sp = locate(self, at, needle.len() + 1);
                        let place = place(at);
                        let hint = suggest(name, w.resources.keys(), || {
                            if w.resources.is_empty() {
                                format!(
                                    "declare it under `resources:`, e.g. `resources: {{{name}: {{type: …}}}}`"
                                )
                            } else {
                                format!("declared resources: {}", joined(w.resources.keys()))
                            }
                        });
                        self.diags.push(
                            Diagnostic::error(
                                Code::UnknownResource,
                                format!("`${{{r}}}` in {what}{place} names resource `{name}`, which workload `{}` does not declare", w.name()),
                            )
                            .at(sp)
                            .hint(hint),
                        );
                    }
                }
                Root::Metadata => {
                    if lookup(&w.metadata.json, &r.keys).is_none() {
                        let sp = locate(self, at, needle.len() + 1);
                        let place = place(at);
                        let keys: Vec<&str> = w
                            .metadata
                            .json
                            .as_object()
                            .map(|m| m.keys().map(String::as_str).collect())
                            .unwrap_or_default();
                        let first = r.keys.first().map_or("", String::as_str);
                        let hint = match did_you_mean(first, keys.iter().copied()) {
                            Some(c) if c != first => format!("did you mean `${{metadata.{c}}}`?"),
                            _ => format!("metadata has: {}", keys.join(", ")),
                        };
                        self.diags.push(
                            Diagnostic::error(
                                Code::InvalidPlaceholder,
                                format!(
                                    "`${{{r}}}` in {what}{place}: the workload metadata has no such key"
                                ),
                            )
                            .at(sp)
                            .hint(hint),
                        );
                    }
                }
            }
        }
        self.checked
            .templates
            .insert((self.current, span.path.clone()), t);
    }

    fn params(&mut self, w: &Workload, node: &Node, path: &str, what: &str) {
        match &node.value {
            Value::Str(s) => {
                self.template(w, s, &node.pos.span(path), false, what, None);
            }
            Value::Seq(l) => {
                for (i, n) in l.iter().enumerate() {
                    self.params(w, n, &child(path, &i.to_string()), what);
                }
            }
            Value::Map(m) => {
                for (k, n) in m {
                    self.params(w, n, &child(path, &k.name), what);
                }
            }
            _ => {}
        }
    }

    fn workload(&mut self, wi: usize, w: &Workload) {
        for (rname, r) in &w.resources {
            if let Some((node, path)) = &r.params {
                self.params(w, node, path, &format!("the params of resource `{rname}`"));
                if r.type_ == "route" {
                    self.route_host(rname, node, path);
                }
            }
        }
        for (cname, c) in &w.containers {
            if c.image.value.contains("${") {
                self.diags.push(
                    Diagnostic::warning(
                        Code::InvalidValue,
                        format!("the image of container `{cname}` contains `${{`; placeholders are not expanded in `image`, so `{}` is used literally", c.image.value),
                    )
                    .at(c.image.span.clone())
                    .hint("set the tag before translating, or write `image: \".\"` and pass the built image with `--image IMAGE`"),
                );
            }
            if c.image.value == "." && self.image.is_none() {
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("container `{cname}` uses `image: \".\"` but no image was given"),
                    )
                    .at(c.image.span.clone())
                    .hint("pass `--image IMAGE` to replace `.` with the image you built"),
                );
            }
            for (k, v) in &c.variables {
                self.template(
                    w,
                    &v.value,
                    &v.span,
                    false,
                    &format!("variable `{k}`"),
                    None,
                );
            }
            for (target, f) in &c.files {
                let what = format!("file `{target}`");
                if target.split('/').any(|part| part == "..") {
                    self.diags.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            format!("{what}: a file target must not contain `..`"),
                        )
                        .at(f.span.clone())
                        .hint("write the target as a normalised absolute path in the container, e.g. `/etc/app/app.conf`"),
                    );
                }
                match &f.content {
                    FileSource::Content(s) if !f.no_expand => {
                        self.template(w, &s.value, &s.span, false, &what, None);
                    }
                    FileSource::Content(_) | FileSource::Binary(_) => {}
                    FileSource::Source(src) => match self.reader.read(&w.file, &src.value) {
                        Err(msg) => self.diags.push(
                            Diagnostic::error(
                                Code::FileNotFound,
                                format!("cannot read `{}` for {what}: {msg}", src.value),
                            )
                            .at(src.span.clone())
                            .hint("`source` is relative to the directory of the score file"),
                        ),
                        Ok(bytes) => {
                            if !f.no_expand {
                                match std::str::from_utf8(&bytes) {
                                    Ok(text) => {
                                        self.template(w, text, &src.span, false, &what, Some(&src.value));
                                    }
                                    Err(_) => self.diags.push(
                                        Diagnostic::error(
                                            Code::InvalidValue,
                                            format!("`{}` ({what}) is not UTF-8 text, so placeholders cannot be expanded in it", src.value),
                                        )
                                        .at(src.span.clone())
                                        .hint("set `noExpand: true` to mount the file as is"),
                                    ),
                                }
                            }
                            self.checked
                                .contents
                                .insert((wi, cname.clone(), target.clone()), bytes);
                        }
                    },
                }
            }
            for (target, v) in &c.volumes {
                let src = &v.source;
                match volume_ref(&src.value) {
                    Err(_) => {
                        self.template(w, &src.value, &src.span, true, &format!("the source of volume `{target}`"), None);
                    }
                    Ok(VolumeRef::Invalid(s)) => self.diags.push(
                        Diagnostic::error(Code::InvalidValue, format!("volume source `{s}` must name one resource"))
                            .at(src.span.clone())
                            .hint("write `${resources.NAME}` (or a resource name) for a resource declared under `resources:`"),
                    ),
                    Ok(VolumeRef::Resource(name)) => {
                        self.checked
                            .volumes
                            .insert((wi, src.span.path.clone()), name.clone());
                        if !w.resources.contains_key(&name) {
                            let hint = suggest(&name, w.resources.keys(), || {
                                format!("declare it under `resources:`, e.g. `resources: {{{name}: {{type: volume}}}}`")
                            });
                            self.diags.push(
                                Diagnostic::error(
                                    Code::UnknownResource,
                                    format!("volume `{target}` uses resource `{name}`, which workload `{}` does not declare", w.name()),
                                )
                                .at(src.span.clone())
                                .hint(hint),
                            );
                        }
                    }
                }
            }
        }
        self.before(w);
    }

    fn before(&mut self, w: &Workload) {
        let mut g: DiGraph<&str, ()> = DiGraph::new();
        let idx: BTreeMap<&str, _> = w
            .containers
            .keys()
            .map(|c| (c.as_str(), g.add_node(c.as_str())))
            .collect();
        for (cname, c) in &w.containers {
            for (other, b) in &c.before {
                if other == cname {
                    self.diags.push(
                        Diagnostic::error(
                            Code::DependencyCycle,
                            format!("container `{cname}` lists itself in `before`"),
                        )
                        .at(b.span.clone())
                        .hint("a container cannot start before itself; remove this entry"),
                    );
                    continue;
                }
                let Some(&to) = idx.get(other.as_str()) else {
                    let hint = suggest(other, w.containers.keys().filter(|c| *c != cname), || {
                        format!(
                            "containers of this workload: {}",
                            joined(w.containers.keys())
                        )
                    });
                    self.diags.push(
                        Diagnostic::error(
                            Code::UnknownContainer,
                            format!(
                                "`before` of container `{cname}` names unknown container `{other}`"
                            ),
                        )
                        .at(b.span.clone())
                        .hint(hint),
                    );
                    continue;
                };
                if let Some(&from) = idx.get(cname.as_str()) {
                    g.add_edge(from, to, ());
                }
                if b.ready == Readiness::Healthy
                    && c.readiness_probe.is_none()
                    && c.liveness_probe.is_none()
                {
                    self.diags.push(
                        Diagnostic::error(
                            Code::MissingProbe,
                            format!("`{other}` waits until `{cname}` is healthy, but `{cname}` has no probe"),
                        )
                        .at(b.span.clone())
                        .hint(format!("add a `readinessProbe` (or `livenessProbe`) to `{cname}`, or use `ready: started`")),
                    );
                }
            }
        }
        for scc in petgraph::algo::tarjan_scc(&g) {
            if scc.len() < 2 {
                continue;
            }
            let mut members: Vec<&str> = scc.iter().map(|i| g[*i]).collect();
            members.sort_unstable();
            let first = members[0];
            let span = w.containers[first]
                .before
                .iter()
                .find(|(o, _)| members.contains(&o.as_str()))
                .map_or_else(|| w.containers[first].span.clone(), |(_, b)| b.span.clone());
            self.diags.push(
                Diagnostic::error(
                    Code::DependencyCycle,
                    format!(
                        "containers of workload `{}` form a `before` cycle: {}",
                        w.name(),
                        members.join(", ")
                    ),
                )
                .at(span)
                .hint(
                    "`before` must describe a start order; remove one of the entries of the cycle",
                ),
            );
        }
    }

    fn conflicts(&mut self, ws: &[Workload]) {
        let mut order: Vec<&Workload> = ws.iter().collect();
        order.sort_by(|a, b| a.name().cmp(b.name()));
        let mut by_uid: BTreeMap<ResourceUid, Vec<(&Workload, &ResourceDecl)>> = BTreeMap::new();
        for w in order {
            for (name, r) in &w.resources {
                by_uid.entry(uid_of(w, name, r)).or_default().push((w, r));
            }
        }
        for (uid, decls) in &by_uid {
            if decls.len() < 2 {
                continue;
            }
            let mut first_params: Option<(&Workload, &ResourceDecl, serde_json::Value)> = None;
            let mut first_meta: Option<(&Workload, &ResourceDecl)> = None;
            for &(w, r) in decls {
                if let Some((node, path)) = &r.params {
                    let json = node.to_json();
                    match &first_params {
                        None => first_params = Some((w, r, json)),
                        Some((fw, fr, fj)) if *fj != json => {
                            let fspan = fr
                                .params
                                .as_ref()
                                .map_or_else(|| fr.span.clone(), |(n, p)| n.pos.span(p));
                            self.diags.push(
                                Diagnostic::error(
                                    Code::ParamsConflict,
                                    format!("resource `{uid}` is declared by `{}` and `{}` with different params", fw.name(), w.name()),
                                )
                                .at(node.pos.span(path))
                                .hint("declarations of one shared resource must have identical params; give params in one workload only, or make them equal")
                                .related(fspan, format!("first declared with params in {} (workload `{}`)", fw.file, fw.name())),
                            );
                        }
                        Some(_) => {}
                    }
                }
                if !r.metadata.is_null() {
                    match first_meta {
                        None => first_meta = Some((w, r)),
                        Some((fw, fr)) if fr.metadata != r.metadata => {
                            self.diags.push(
                                Diagnostic::error(
                                    Code::ParamsConflict,
                                    format!("resource `{uid}` is declared by `{}` and `{}` with different metadata", fw.name(), w.name()),
                                )
                                .at(r.metadata_span.clone().unwrap_or_else(|| r.span.clone()))
                                .hint("declarations of one shared resource must have identical metadata")
                                .related(
                                    fr.metadata_span.clone().unwrap_or_else(|| fr.span.clone()),
                                    format!("first declared in {} (workload `{}`)", fw.file, fw.name()),
                                ),
                            );
                        }
                        Some(_) => {}
                    }
                }
            }
        }
    }
}

/// "did you mean `X`?" for the closest of `candidates` to `name`, else `otherwise()`.
/// An environment key every target's store accepts (Kubernetes Secret and ConfigMap keys).
fn is_env_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}

/// `key` with every character outside `[-._a-zA-Z0-9]` replaced by `_`.
fn env_key_fix(key: &str) -> String {
    let fixed: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if fixed.is_empty() {
        "MY_KEY".into()
    } else {
        fixed
    }
}

/// A lowercase RFC 1123 hostname (labels of 1-63 `a-z0-9-`, not starting or ending with `-`,
/// 253 characters at most), optionally behind a `*.` wildcard: what HTTPRoute, ALB and Nomad
/// accept as a route host.
pub fn is_route_host(host: &str) -> bool {
    let name = host.strip_prefix("*.").unwrap_or(host);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

impl Checker<'_> {
    /// A literal `host` param of a `route` must be a valid hostname (placeholders are checked
    /// once resolved, by the target).
    fn route_host(&mut self, rname: &str, node: &Node, path: &str) {
        let Value::Map(m) = &node.value else {
            return;
        };
        for (k, n) in m {
            if k.name != "host" {
                continue;
            }
            let Value::Str(host) = &n.value else {
                continue;
            };
            if host.contains("${") || is_route_host(host) {
                continue;
            }
            self.diags.push(
                Diagnostic::error(
                    Code::InvalidParam,
                    format!("the `host` param of route `{rname}` is `{host}`, which is not a valid hostname"),
                )
                .at(n.pos.span(&child(path, "host")))
                .hint("use a lowercase RFC 1123 hostname (labels of a-z, 0-9 and '-', joined by '.'), e.g. `api.example.com`, or a wildcard `*.example.com`"),
            );
        }
    }
}

fn suggest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a String>,
    otherwise: impl FnOnce() -> String,
) -> String {
    match did_you_mean(name, candidates.into_iter().map(String::as_str)) {
        Some(c) => format!("did you mean `{c}`?"),
        None => otherwise(),
    }
}

/// Names joined with `, `.
fn joined<'a>(names: impl IntoIterator<Item = &'a String>) -> String {
    names
        .into_iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use crate::{FileReader, LoadOptions, SourceFile, load};
    use score_x_core::Code;

    struct NoFiles;

    impl FileReader for NoFiles {
        fn read(&self, _: &str, _: &str) -> Result<Vec<u8>, String> {
            Err("no such file".into())
        }
    }

    /// The file target errors of a workload with one file at `target`: (message, path, line).
    fn target_errors(target: &str) -> Vec<(String, String, u32)> {
        let text = format!(
            "apiVersion: score.dev/v1b1\nmetadata:\n  name: app\ncontainers:\n  main:\n    image: nginx\n    files:\n      {target:?}:\n        content: x\n"
        );
        let files = [SourceFile {
            name: "score.yaml".into(),
            text,
        }];
        match load(&files, &NoFiles, &LoadOptions::default()) {
            Ok(_) => vec![],
            Err(d) => d
                .errors()
                .filter(|e| e.code == Code::InvalidValue)
                .map(|e| {
                    let s = e.span.clone().unwrap();
                    (e.message.clone(), s.path.to_string(), s.line)
                })
                .collect(),
        }
    }

    #[test]
    fn file_targets_with_dot_dot_are_errors_at_the_file_entry() {
        for t in ["../../x", "/etc/../x", "a/..", ".."] {
            let e = target_errors(t);
            assert_eq!(e.len(), 1, "{t}: {e:?}");
            assert!(e[0].0.contains("must not contain `..`"), "{e:?}");
            // The path quotes a key holding `/`; the line is the entry's.
            let key = if t.contains('/') {
                format!("{t:?}")
            } else {
                t.to_string()
            };
            assert_eq!(e[0].1, format!("/containers/main/files/{key}"), "{e:?}");
            assert_eq!(e[0].2, 8, "{e:?}");
        }
    }

    #[test]
    fn normal_targets_and_dots_in_names_are_fine() {
        for t in ["/etc/app.conf", "/etc/..hidden", "/a/b../c", "rel/x"] {
            assert!(target_errors(t).is_empty(), "{t}");
        }
    }

    #[test]
    fn route_hosts_are_lowercase_rfc_1123_names_or_wildcards() {
        for ok in [
            "api.example.com",
            "*.example.com",
            "localhost",
            "a-1.b2",
            "x",
        ] {
            assert!(super::is_route_host(ok), "{ok}");
        }
        let long_label = format!("{}.com", "a".repeat(64));
        for bad in [
            "Not A Host!",
            "API.example.com",
            "-a.com",
            "a-.com",
            "a..b",
            "",
            "*.",
            "*",
            "a.*.com",
            long_label.as_str(),
        ] {
            assert!(!super::is_route_host(bad), "{bad}");
        }
        assert!(!super::is_route_host(&"a.".repeat(127)));
    }

    #[test]
    fn environment_keys_follow_the_secret_key_rule() {
        for ok in ["MY_VAR", "a.b-c", "X1"] {
            assert!(super::is_env_key(ok), "{ok}");
        }
        for bad in ["MY VAR", "a/b", "", "é"] {
            assert!(!super::is_env_key(bad), "{bad}");
        }
        assert_eq!(super::env_key_fix("MY VAR"), "MY_VAR");
    }
}
