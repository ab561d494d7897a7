//! Lowering checked workloads into the core `App`: resources are interned by uid, `image: "."`
//! is replaced, and every placeholder string takes the `Template` the checks parsed (each string
//! is parsed exactly once, in `check.rs`).
//!
//! Callers run the checks first. A string the checks did not parse would be a bug of score-x:
//! it is an error naming the place, never a silently dropped field.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use rayon::prelude::*;

use score_x_core::FlatMap;
use score_x_core::ir::{self, File, FileContent, Resource, Variable, Volume};
use score_x_core::value::TValue;
use score_x_core::yaml_tree::path::child;
use score_x_core::{App, AppParts, Code, Diagnostic, Diagnostics, ResourceUid, Span, Template};

use crate::ast::{Container, FileSource, ResourceDecl, Workload};
use crate::check::{Checked, uid_of};
use crate::yaml::{Node, Value};

/// A resource's params lowered where its authoritative declaration is, and what they lacked.
type Params = (TValue, Vec<Diagnostic>);

/// Lower `ws` (names unique, checks passed) with what the checks parsed: each workload on its
/// own (in parallel), with the params of the resources it declares authoritatively, then the
/// resources interned in uid order.
pub fn lower(
    ws: &[Workload],
    checked: Vec<Checked>,
    image: Option<&str>,
) -> Result<App, Diagnostics> {
    let mut checked: Vec<Option<Checked>> = checked.into_iter().map(Some).collect();
    let mut order: Vec<(usize, &Workload)> = ws.iter().enumerate().collect();
    order.sort_by(|a, b| a.1.name().cmp(b.1.name()));

    let mut decls: BTreeMap<ResourceUid, Vec<Decl<'_>>> = BTreeMap::new();
    let mut uses = Vec::with_capacity(order.len());
    for &(wi, w) in &order {
        let mut res = BTreeMap::new();
        for (name, r) in &w.resources {
            let uid = uid_of(w, name, r);
            decls.entry(uid.clone()).or_default().push((wi, w, name, r));
            res.insert(name.clone(), uid);
        }
        uses.push(res);
    }
    // A resource's params are lowered with the workload of its authoritative declaration.
    let mut params_at: Vec<Vec<(&ResourceUid, &(Node, String))>> = vec![Vec::new(); ws.len()];
    for (uid, ds) in &decls {
        if let Some(&(wi, _, _, r)) = with_params(ds)
            && let Some(p) = &r.params
        {
            params_at[wi].push((uid, p));
        }
    }
    let jobs: Vec<_> = order
        .iter()
        .zip(uses)
        .map(|(&(wi, w), res)| {
            let c = checked
                .get_mut(wi)
                .and_then(Option::take)
                .unwrap_or_default();
            (w, res, c, std::mem::take(&mut params_at[wi]))
        })
        .collect();
    let lowered: Vec<_> = jobs
        .into_par_iter()
        .map(|(w, res, c, params)| {
            let mut l = Lowering {
                places: Places::of(c),
                image,
                missing: Vec::new(),
            };
            let workload = l.workload(w, res);
            let missing = std::mem::take(&mut l.missing);
            let params: Vec<(&ResourceUid, Params)> = params
                .into_iter()
                .map(|(uid, (n, p))| {
                    let v = l.tvalue(n, p);
                    (uid, (v, std::mem::take(&mut l.missing)))
                })
                .collect();
            (workload, missing, params)
        })
        .collect();
    // The App's maps are collected, not inserted into one by one: built from sorted entries,
    // their nodes are full (inserting in order leaves each about half empty).
    let mut workloads = Vec::with_capacity(lowered.len());
    let mut missing = Vec::new();
    let mut params: HashMap<&ResourceUid, Params> = HashMap::new();
    for (workload, mut m, p) in lowered {
        missing.append(&mut m);
        workloads.push((workload.name.clone(), workload));
        params.extend(p);
    }
    let workloads: BTreeMap<String, ir::Workload> = workloads.into_iter().collect();
    let mut resources = Vec::with_capacity(decls.len());
    for (uid, ds) in &decls {
        let p = params.remove(uid);
        if let Some(r) = resource(uid, ds, p, &mut missing) {
            resources.push((uid.clone(), r));
        }
    }
    let resources: BTreeMap<ResourceUid, ir::Resource> = resources.into_iter().collect();
    if !missing.is_empty() {
        return Err(Diagnostics(missing));
    }
    let parts = AppParts {
        workloads,
        resources,
    };
    App::new(parts).map_err(|e| Diagnostics(vec![e.into()]))
}

/// What the checks parsed for one workload, keyed by YAML path (file contents by container and
/// target).
#[derive(Default)]
struct Places {
    templates: HashMap<Arc<str>, Template>,
    contents: HashMap<(String, String), Vec<u8>>,
    volumes: HashMap<Arc<str>, String>,
}

impl Places {
    /// One workload's [`Checked`], keyed without its index.
    fn of(checked: Checked) -> Places {
        Places {
            templates: checked
                .templates
                .into_iter()
                .map(|((_, path), t)| (path, t))
                .collect(),
            contents: checked
                .contents
                .into_iter()
                .map(|((_, c, t), bytes)| ((c, t), bytes))
                .collect(),
            volumes: checked
                .volumes
                .into_iter()
                .map(|((_, path), v)| (path, v))
                .collect(),
        }
    }
}

/// A resource's declarations: (workload index, workload, resource name, declaration).
type Decl<'w> = (usize, &'w Workload, &'w str, &'w ResourceDecl);

/// The authoritative declaration of a resource with params: its first declaration with params,
/// in workload-name order.
fn with_params<'d, 'w>(ds: &'d [Decl<'w>]) -> Option<&'d Decl<'w>> {
    ds.iter().find(|d| d.3.params.is_some())
}

/// The interned resource of `uid` from its declarations (in workload-name order: the first
/// with params is authoritative).
fn resource(
    uid: &ResourceUid,
    ds: &[Decl<'_>],
    lowered: Option<Params>,
    missing: &mut Vec<Diagnostic>,
) -> Option<Resource> {
    let &(_, w, name, r) = with_params(ds).or_else(|| ds.first())?;
    let metadata = ds
        .iter()
        .map(|(_, _, _, d)| &d.metadata)
        .find(|m| !m.is_null())
        .cloned()
        .unwrap_or_else(|| serde_json::Value::Object(serde_json::Map::new()));
    let consumers: BTreeSet<String> = ds.iter().map(|(_, w, _, _)| w.name().to_string()).collect();
    // Lowered from this same declaration's params (`lower` picks it with `with_params` too).
    let params = lowered.map(|(v, mut m)| {
        missing.append(&mut m);
        v
    });
    Some(Resource {
        uid: uid.clone(),
        type_: r.type_.clone(),
        class: r.class.clone().unwrap_or_else(|| "default".to_string()),
        id: r.id.clone(),
        params,
        param_spans: r.params.as_ref().map(param_spans).unwrap_or_default(),
        metadata,
        source_workload: w.name().to_string(),
        source_name: name.to_string(),
        consumers,
        span: r.span.clone(),
    })
}

struct Lowering<'a> {
    places: Places,
    image: Option<&'a str>,
    /// Places the checks did not parse (a bug of score-x, reported rather than dropped).
    missing: Vec<Diagnostic>,
}

impl Lowering<'_> {
    /// The template the checks parsed for the string at `span`.
    fn template(&mut self, span: &Span) -> Template {
        match self.places.templates.remove(&span.path) {
            Some(t) => t,
            None => {
                self.missing.push(unparsed(span));
                Template::literal(String::new())
            }
        }
    }

    fn workload(&mut self, w: &Workload, res: BTreeMap<String, ResourceUid>) -> ir::Workload {
        let containers = w
            .containers
            .iter()
            .map(|(cname, c)| (cname.clone(), Box::new(self.container(cname, c, &res))))
            .collect();
        let service_ports = w
            .service_ports
            .iter()
            .map(|(name, p)| {
                let port = ir::ServicePort {
                    name: name.clone(),
                    port: p.port,
                    target_port: p.target_port.unwrap_or(p.port),
                    protocol: p.protocol,
                    span: p.span.clone(),
                };
                (name.clone(), port)
            })
            .collect();
        let annotations = w.metadata.annotations.iter();
        ir::Workload {
            name: w.name().to_string(),
            file: w.file.clone(),
            span: w.span.clone(),
            metadata: w.metadata.json.clone(),
            annotations: annotations
                .map(|(k, v)| (k.clone(), v.value.clone()))
                .collect(),
            containers,
            service_ports,
            resources: res.into_iter().collect(),
        }
    }

    fn container(
        &mut self,
        cname: &str,
        c: &Container,
        res: &BTreeMap<String, ResourceUid>,
    ) -> ir::Container {
        let image = match (c.image.value.as_str(), self.image) {
            (".", Some(img)) => img.to_string(),
            (v, _) => v.to_string(),
        };
        let mut variables = BTreeMap::new();
        for (k, v) in &c.variables {
            let value = self.template(&v.span);
            let span = v.span.clone();
            variables.insert(k.clone(), Variable { value, span });
        }
        let mut files = BTreeMap::new();
        for (target, f) in &c.files {
            let content = self.file_content(cname, target, f);
            let file = File {
                target: target.clone(),
                mode: f.mode,
                content,
                span: f.span.clone(),
            };
            files.insert(target.clone(), file);
        }
        let mut volumes = BTreeMap::new();
        for (target, v) in &c.volumes {
            let Some(source) =
                (self.places.volumes.get(&v.source.span.path)).and_then(|n| res.get(n))
            else {
                self.missing.push(unparsed(&v.source.span));
                continue;
            };
            let volume = Volume {
                target: target.clone(),
                source: source.clone(),
                path: v.path.clone(),
                read_only: v.read_only,
                span: v.span.clone(),
            };
            volumes.insert(target.clone(), volume);
        }
        ir::Container {
            name: cname.to_string(),
            span: c.span.clone(),
            image,
            image_span: c.image.span.clone(),
            command: c.command.clone(),
            args: c.args.clone(),
            variables: variables.into_iter().collect(),
            files: files.into_iter().collect(),
            volumes: volumes.into_iter().collect(),
            resources: c.resources.clone(),
            liveness_probe: c.liveness_probe.clone().map(Box::new),
            readiness_probe: c.readiness_probe.clone().map(Box::new),
            before: c.before.clone(),
        }
    }

    fn file_content(&mut self, cname: &str, target: &str, f: &crate::ast::FileSpec) -> FileContent {
        match &f.content {
            FileSource::Binary(b) => FileContent::Binary(b.clone()),
            FileSource::Content(s) if f.no_expand => FileContent::Literal(s.value.clone()),
            FileSource::Content(s) => FileContent::Template(self.template(&s.span)),
            FileSource::Source(src) => {
                let key = (cname.to_string(), target.to_string());
                let Some(bytes) = self.places.contents.remove(&key) else {
                    self.missing.push(unparsed(&src.span));
                    return FileContent::Binary(Vec::new());
                };
                match String::from_utf8(bytes) {
                    Ok(t) if f.no_expand => FileContent::Literal(t),
                    Ok(_) => FileContent::Template(self.template(&src.span)),
                    Err(e) => FileContent::Binary(e.into_bytes()),
                }
            }
        }
    }

    /// A params tree at `path` as a templated value.
    fn tvalue(&mut self, n: &Node, path: &str) -> TValue {
        match &n.value {
            Value::Null => TValue::Null,
            Value::Bool(b) => TValue::Bool(*b),
            Value::Int(i) => TValue::Number((*i).into()),
            Value::Float(f, t) => serde_json::Number::from_f64(*f).map_or_else(
                || TValue::String(Template::literal(t.clone())),
                TValue::Number,
            ),
            Value::Str(_) => TValue::String(self.template(&n.pos.span(path))),
            Value::Seq(l) => TValue::List(
                l.iter()
                    .enumerate()
                    .map(|(i, v)| self.tvalue(v, &child(path, &i.to_string())))
                    .collect(),
            ),
            Value::Map(m) => TValue::Map(
                m.iter()
                    .map(|(k, v)| (k.name.clone(), self.tvalue(v, &child(path, &k.name))))
                    .collect(),
            ),
        }
    }
}

/// The span of each top-level param value of a `params` map at `path`.
fn param_spans((node, path): &(Node, String)) -> FlatMap<String, Span> {
    match &node.value {
        Value::Map(m) => m
            .iter()
            .map(|(k, v)| (k.name.clone(), v.pos.span(&child(path, &k.name))))
            .collect(),
        _ => FlatMap::new(),
    }
}

/// A string the checks did not parse: a bug, reported where it is.
fn unparsed(span: &Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidPlaceholder,
        "internal error: this value was not checked before lowering",
    )
    .at(span.clone())
    .hint("please report this as a bug of score-x, with the score file")
}
