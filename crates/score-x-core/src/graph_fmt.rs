//! Renderings of the resource graph: JSON (stable shape), text, Graphviz dot and Mermaid. With
//! a placement (`graph --placement`), each workload and resource shows its target: a `target`
//! key in JSON, `on T` in text, and in dot and Mermaid one group per target, coloured by target.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::backend::Target;
use crate::graph::{EdgeKind, Node, ResourceGraph};
use crate::ir::App;
use crate::placement::Placement;

/// Where each node of the graph runs, when a placement is given.
struct Where<'a> {
    placement: Option<&'a Placement>,
    hosts: BTreeMap<crate::uid::ResourceUid, Target>,
}

impl<'a> Where<'a> {
    fn new(app: &App, placement: Option<&'a Placement>) -> Self {
        Where {
            placement,
            hosts: placement.map(|p| p.hosts(app)).unwrap_or_default(),
        }
    }

    fn of(&self, n: &Node) -> Option<Target> {
        match n {
            Node::Workload(w) => self.placement?.workload(w),
            Node::Resource(u) => self.hosts.get(u).copied(),
        }
    }
}

/// The fill colour of a target's nodes (and the tint of its group).
fn colour(t: Target) -> &'static str {
    match t.as_str() {
        "kubernetes" => "#dbeafe",
        "helm" => "#e0e7ff",
        "ecs" => "#ffedd5",
        "nomad" => "#dcfce7",
        _ => "#f3f4f6",
    }
}

#[derive(Serialize)]
struct JsonGraph<'a> {
    workloads: Vec<JsonWorkload<'a>>,
    resources: Vec<JsonResource<'a>>,
    edges: Vec<JsonEdge<'a>>,
    order: Vec<&'a str>,
}

#[derive(Serialize)]
struct JsonWorkload<'a> {
    name: &'a str,
    file: &'a str,
    resources: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<&'static str>,
}

#[derive(Serialize)]
struct JsonResource<'a> {
    uid: &'a str,
    #[serde(rename = "type")]
    type_: &'a str,
    class: &'a str,
    id: &'a str,
    shared: bool,
    consumers: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<&'static str>,
}

#[derive(Serialize)]
struct JsonEdge<'a> {
    from: &'a str,
    to: &'a str,
    kind: EdgeKind,
}

/// `{"workloads": [...], "resources": [...], "edges": [...], "order": [...]}` (pretty, trailing newline).
pub fn to_json(app: &App, graph: &ResourceGraph) -> String {
    to_json_placed(app, graph, None)
}

/// [`to_json`] with a `"target"` key on every workload and resource placed by `placement`.
pub fn to_json_placed(app: &App, graph: &ResourceGraph, placement: Option<&Placement>) -> String {
    let at = Where::new(app, placement);
    let doc = JsonGraph {
        workloads: app
            .workloads()
            .values()
            .map(|w| {
                let mut res: Vec<&str> = w.resources.values().map(|u| u.as_str()).collect();
                res.sort_unstable();
                res.dedup();
                JsonWorkload {
                    name: &w.name,
                    file: &w.file,
                    resources: res,
                    target: at.of(&Node::Workload(w.name.clone())).map(Target::as_str),
                }
            })
            .collect(),
        resources: app
            .resources()
            .values()
            .map(|r| JsonResource {
                uid: r.uid.as_str(),
                type_: &r.type_,
                class: &r.class,
                id: r.uid.id(),
                shared: r.is_shared(),
                consumers: r.consumers.iter().map(String::as_str).collect(),
                target: at.hosts.get(&r.uid).map(|t| t.as_str()),
            })
            .collect(),
        edges: graph
            .edges()
            .iter()
            .map(|e| JsonEdge {
                from: e.from.name(),
                to: e.to.name(),
                kind: e.kind,
            })
            .collect(),
        order: graph.order().iter().map(|u| u.as_str()).collect(),
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// A human-readable tree: each workload with its resources, then the provisioning order.
pub fn to_text(app: &App, graph: &ResourceGraph) -> String {
    to_text_placed(app, graph, None)
}

/// [`to_text`] with `on T` after every workload and resource placed by `placement`.
pub fn to_text_placed(app: &App, graph: &ResourceGraph, placement: Option<&Placement>) -> String {
    let at = Where::new(app, placement);
    let on = |n: &Node| at.of(n).map(|t| format!(" on {t}")).unwrap_or_default();
    let mut s = String::new();
    for w in app.workloads().values() {
        let node = Node::Workload(w.name.clone());
        s.push_str(&format!("workload {} ({}){}\n", w.name, w.file, on(&node)));
        for (name, uid) in &w.resources {
            let shared = app.resources().get(uid).is_some_and(|r| r.is_shared());
            s.push_str(&format!(
                "  {name} -> {uid}{}{}\n",
                if shared { " [shared]" } else { "" },
                on(&Node::Resource(uid.clone()))
            ));
        }
        for e in graph
            .edges()
            .iter()
            .filter(|e| e.kind == EdgeKind::Service && e.from.name() == w.name)
        {
            s.push_str(&format!("  calls workload {}\n", e.to.name()));
        }
    }
    let params: Vec<_> = graph
        .edges()
        .iter()
        .filter(|e| e.kind == EdgeKind::Param)
        .collect();
    if !params.is_empty() {
        s.push_str("resource dependencies:\n");
        for e in params {
            s.push_str(&format!(
                "  {} needs {} ({})\n",
                e.from.name(),
                e.to.name(),
                e.via.join(", ")
            ));
        }
    }
    s.push_str("provisioning order:\n");
    for (i, u) in graph.order().iter().enumerate() {
        s.push_str(&format!("  {}. {u}\n", i + 1));
    }
    s
}

fn quote_dot(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Graphviz: workloads as boxes, resources as ellipses (shared ones doubled).
pub fn to_dot(app: &App, graph: &ResourceGraph) -> String {
    to_dot_placed(app, graph, None)
}

/// [`to_dot`] with one `cluster_<target>` subgraph per target, its nodes filled in its colour.
pub fn to_dot_placed(app: &App, graph: &ResourceGraph, placement: Option<&Placement>) -> String {
    let at = Where::new(app, placement);
    let mut groups: BTreeMap<Option<Target>, Vec<String>> = BTreeMap::new();
    for w in app.workloads().keys() {
        let t = at.of(&Node::Workload(w.clone()));
        let fill = t.map_or("#dbeafe", colour);
        groups.entry(t).or_default().push(format!(
            "{} [shape=box, style=filled, fillcolor=\"{fill}\"];",
            quote_dot(w)
        ));
    }
    for r in app.resources().values() {
        let t = at.hosts.get(&r.uid).copied();
        let periph = if r.is_shared() { ", peripheries=2" } else { "" };
        let fill = t
            .map(|t| format!(", style=filled, fillcolor=\"{}\"", colour(t)))
            .unwrap_or_default();
        groups.entry(t).or_default().push(format!(
            "{} [shape=ellipse{periph}{fill}, label={}];",
            quote_dot(r.uid.as_str()),
            quote_dot(&format!("{}\n{}", r.type_, r.uid))
        ));
    }
    let mut s = String::from("digraph score {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
    for (t, lines) in &groups {
        let indent = if t.is_some() { "    " } else { "  " };
        if let Some(t) = t {
            s.push_str(&format!(
                "  subgraph {} {{\n    label={};\n    style=\"rounded,dashed\";\n    color=\"#6b7280\";\n",
                quote_dot(&format!("cluster_{t}")),
                quote_dot(t.as_str())
            ));
        }
        for l in lines {
            s.push_str(&format!("{indent}{l}\n"));
        }
        if t.is_some() {
            s.push_str("  }\n");
        }
    }
    for e in graph.edges() {
        let style = match e.kind {
            EdgeKind::Uses => "solid",
            EdgeKind::Param => "dashed",
            EdgeKind::Service => "bold",
        };
        s.push_str(&format!(
            "  {} -> {} [style={style}, label={}];\n",
            quote_dot(e.from.name()),
            quote_dot(e.to.name()),
            quote_dot(kind_name(e.kind))
        ));
    }
    s.push_str("}\n");
    s
}

fn kind_name(k: EdgeKind) -> &'static str {
    match k {
        EdgeKind::Uses => "uses",
        EdgeKind::Param => "param",
        EdgeKind::Service => "service",
    }
}

/// Mermaid `flowchart LR`, inside a fenced block so it renders in Markdown viewers.
pub fn to_mermaid(app: &App, graph: &ResourceGraph) -> String {
    to_mermaid_placed(app, graph, None)
}

/// [`to_mermaid`] with one subgraph per target and a class (fill colour) per target.
pub fn to_mermaid_placed(
    app: &App,
    graph: &ResourceGraph,
    placement: Option<&Placement>,
) -> String {
    let at = Where::new(app, placement);
    let ids: std::collections::BTreeMap<Node, String> = app
        .workloads()
        .keys()
        .map(|w| Node::Workload(w.clone()))
        .chain(app.resources().keys().map(|u| Node::Resource(u.clone())))
        .enumerate()
        .map(|(i, n)| (n, format!("n{i}")))
        .collect();
    let lookup = |n: &Node| -> String { ids.get(n).cloned().unwrap_or_default() };
    let esc = |s: &str| s.replace('"', "#quot;");
    let mut groups: BTreeMap<Option<Target>, Vec<(String, String)>> = BTreeMap::new();
    for w in app.workloads().keys() {
        let n = Node::Workload(w.clone());
        let line = format!("{}[\"{}\"]", lookup(&n), esc(w));
        groups
            .entry(at.of(&n))
            .or_default()
            .push((lookup(&n), line));
    }
    for r in app.resources().values() {
        let n = Node::Resource(r.uid.clone());
        let line = if r.is_shared() {
            format!("{}((\"{}\"))", lookup(&n), esc(r.uid.as_str()))
        } else {
            format!("{}(\"{}\")", lookup(&n), esc(r.uid.as_str()))
        };
        groups
            .entry(at.of(&n))
            .or_default()
            .push((lookup(&n), line));
    }
    let mut s = String::from("```mermaid\nflowchart LR\n");
    let mut classes = String::new();
    for (t, nodes) in &groups {
        match t {
            None => {
                for (_, l) in nodes {
                    s.push_str(&format!("  {l}\n"));
                }
            }
            Some(t) => {
                s.push_str(&format!("  subgraph target_{t}[\"{t}\"]\n"));
                for (_, l) in nodes {
                    s.push_str(&format!("    {l}\n"));
                }
                s.push_str("  end\n");
                let members: Vec<&str> = nodes.iter().map(|(id, _)| id.as_str()).collect();
                classes.push_str(&format!(
                    "  classDef {t} fill:{}\n  class {} {t}\n",
                    colour(*t),
                    members.join(",")
                ));
            }
        }
    }
    for e in graph.edges() {
        let arrow = match e.kind {
            EdgeKind::Uses => "-->",
            EdgeKind::Param => "-.->",
            EdgeKind::Service => "==>",
        };
        s.push_str(&format!(
            "  {} {arrow}|{}| {}\n",
            lookup(&e.from),
            kind_name(e.kind),
            lookup(&e.to)
        ));
    }
    s.push_str(&classes);
    s.push_str("```\n");
    s
}
