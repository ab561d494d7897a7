//! Lowering checked workloads into the core `App`: placeholder strings become `Template`s
//! here (and only here), resources are interned by uid, `image: "."` is replaced.
//!
//! Callers run the checks first; a string that still fails to parse here is skipped rather
//! than panicking (the checks have already reported it).

use std::collections::{BTreeMap, BTreeSet};

use score_x_core::ir::{self, File, FileContent, Resource, Variable, Volume};
use score_x_core::value::TValue;
use score_x_core::{App, ResourceUid, Template};

use crate::ast::{FileSource, ResourceDecl, Workload};
use crate::check::{SourceContents, VolumeRef, uid_of, volume_ref};
use crate::yaml::{Node, Value};
use score_x_core::yaml_tree::path::child;

/// Convert a params tree into a templated value.
pub fn tvalue(n: &Node) -> TValue {
    match &n.value {
        Value::Null => TValue::Null,
        Value::Bool(b) => TValue::Bool(*b),
        Value::Int(i) => TValue::Number((*i).into()),
        Value::Float(f, t) => serde_json::Number::from_f64(*f).map_or_else(
            || TValue::String(Template::literal(t.clone())),
            TValue::Number,
        ),
        Value::Str(s) => {
            TValue::String(Template::parse(s).unwrap_or_else(|_| Template::literal(s.clone())))
        }
        Value::Seq(l) => TValue::List(l.iter().map(tvalue).collect()),
        Value::Map(m) => TValue::Map(m.iter().map(|(k, v)| (k.name.clone(), tvalue(v))).collect()),
    }
}

/// The span of each top-level param value of a `params` map at `path`.
fn param_spans((node, path): &(Node, String)) -> BTreeMap<String, score_x_core::Span> {
    match &node.value {
        Value::Map(m) => m
            .iter()
            .map(|(k, v)| (k.name.clone(), v.pos.span(&child(path, &k.name))))
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// Lower `ws` (names unique, checks passed).
pub fn lower(ws: &[Workload], contents: &SourceContents, image: Option<&str>) -> App {
    let mut order: Vec<(usize, &Workload)> = ws.iter().enumerate().collect();
    order.sort_by(|a, b| a.1.name().cmp(b.1.name()));

    let mut workloads = BTreeMap::new();
    let mut decls: BTreeMap<ResourceUid, Vec<(&Workload, &str, &ResourceDecl)>> = BTreeMap::new();
    for &(wi, w) in &order {
        let mut res = BTreeMap::new();
        for (name, r) in &w.resources {
            let uid = uid_of(w, name, r);
            decls.entry(uid.clone()).or_default().push((w, name, r));
            res.insert(name.clone(), uid);
        }
        let containers = w
            .containers
            .iter()
            .map(|(cname, c)| {
                let image_value = match (c.image.value.as_str(), image) {
                    (".", Some(img)) => img.to_string(),
                    (v, _) => v.to_string(),
                };
                let variables = c
                    .variables
                    .iter()
                    .filter_map(|(k, v)| {
                        let t = Template::parse(&v.value).ok()?;
                        Some((
                            k.clone(),
                            Variable {
                                value: t,
                                span: v.span.clone(),
                            },
                        ))
                    })
                    .collect();
                let files = c
                    .files
                    .iter()
                    .filter_map(|(target, f)| {
                        let content = match &f.content {
                            FileSource::Binary(b) => FileContent::Binary(b.clone()),
                            FileSource::Content(s) if f.no_expand => {
                                FileContent::Literal(s.value.clone())
                            }
                            FileSource::Content(s) => {
                                FileContent::Template(Template::parse(&s.value).ok()?)
                            }
                            FileSource::Source(_) => {
                                let bytes = contents.get(&(wi, cname.clone(), target.clone()))?;
                                match (std::str::from_utf8(bytes), f.no_expand) {
                                    (Ok(t), true) => FileContent::Literal(t.to_string()),
                                    (Ok(t), false) => {
                                        FileContent::Template(Template::parse(t).ok()?)
                                    }
                                    (Err(_), _) => FileContent::Binary(bytes.clone()),
                                }
                            }
                        };
                        Some((
                            target.clone(),
                            File {
                                target: target.clone(),
                                mode: f.mode,
                                content,
                                span: f.span.clone(),
                            },
                        ))
                    })
                    .collect();
                let volumes = c
                    .volumes
                    .iter()
                    .filter_map(|(target, v)| {
                        let VolumeRef::Resource(name) = volume_ref(&v.source.value).ok()? else {
                            return None;
                        };
                        let source = res.get(&name)?.clone();
                        Some((
                            target.clone(),
                            Volume {
                                target: target.clone(),
                                source,
                                path: v.path.clone(),
                                read_only: v.read_only,
                                span: v.span.clone(),
                            },
                        ))
                    })
                    .collect();
                (
                    cname.clone(),
                    ir::Container {
                        name: cname.clone(),
                        span: c.span.clone(),
                        image: image_value,
                        image_span: c.image.span.clone(),
                        command: c.command.clone(),
                        args: c.args.clone(),
                        variables,
                        files,
                        volumes,
                        resources: c.resources.clone(),
                        liveness_probe: c.liveness_probe.clone(),
                        readiness_probe: c.readiness_probe.clone(),
                        before: c.before.clone(),
                    },
                )
            })
            .collect();
        let service_ports = w
            .service_ports
            .iter()
            .map(|(name, p)| {
                (
                    name.clone(),
                    ir::ServicePort {
                        name: name.clone(),
                        port: p.port,
                        target_port: p.target_port.unwrap_or(p.port),
                        protocol: p.protocol,
                        span: p.span.clone(),
                    },
                )
            })
            .collect();
        workloads.insert(
            w.name().to_string(),
            ir::Workload {
                name: w.name().to_string(),
                file: w.file.clone(),
                span: w.span.clone(),
                metadata: w.metadata.json.clone(),
                annotations: w
                    .metadata
                    .annotations
                    .iter()
                    .map(|(k, v)| (k.clone(), v.value.clone()))
                    .collect(),
                containers,
                service_ports,
                resources: res,
            },
        );
    }

    let mut resources = BTreeMap::new();
    for (uid, ds) in decls {
        // Declarations are in workload-name order: the first with params is authoritative.
        let Some(&(w, name, r)) = ds
            .iter()
            .find(|(_, _, r)| r.params.is_some())
            .or_else(|| ds.first())
        else {
            continue;
        };
        let metadata = ds
            .iter()
            .map(|(_, _, d)| &d.metadata)
            .find(|m| !m.is_null())
            .cloned()
            .unwrap_or_else(|| serde_json::Value::Object(serde_json::Map::new()));
        let consumers: BTreeSet<String> = ds.iter().map(|(w, _, _)| w.name().to_string()).collect();
        resources.insert(
            uid.clone(),
            Resource {
                uid: uid.clone(),
                type_: r.type_.clone(),
                class: r.class.clone().unwrap_or_else(|| "default".to_string()),
                id: r.id.clone(),
                params: r.params.as_ref().map(|(n, _)| tvalue(n)),
                param_spans: r.params.as_ref().map(param_spans).unwrap_or_default(),
                metadata,
                source_workload: w.name().to_string(),
                source_name: name.to_string(),
                consumers,
                span: r.span.clone(),
            },
        );
    }
    App {
        workloads,
        resources,
    }
}
