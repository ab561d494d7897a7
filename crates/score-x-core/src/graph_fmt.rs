//! Renderings of the resource graph: JSON (stable shape), text, Graphviz dot and Mermaid.

use serde::Serialize;

use crate::graph::{EdgeKind, Node, ResourceGraph};
use crate::ir::App;

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
}

#[derive(Serialize)]
struct JsonEdge<'a> {
    from: &'a str,
    to: &'a str,
    kind: EdgeKind,
}

/// `{"workloads": [...], "resources": [...], "edges": [...], "order": [...]}` (pretty, trailing newline).
pub fn to_json(app: &App, graph: &ResourceGraph) -> String {
    let doc = JsonGraph {
        workloads: app
            .workloads
            .values()
            .map(|w| {
                let mut res: Vec<&str> = w.resources.values().map(|u| u.as_str()).collect();
                res.sort_unstable();
                res.dedup();
                JsonWorkload {
                    name: &w.name,
                    file: &w.file,
                    resources: res,
                }
            })
            .collect(),
        resources: app
            .resources
            .values()
            .map(|r| JsonResource {
                uid: r.uid.as_str(),
                type_: &r.type_,
                class: &r.class,
                id: r.uid.id(),
                shared: r.is_shared(),
                consumers: r.consumers.iter().map(String::as_str).collect(),
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
    let mut s = String::new();
    for w in app.workloads.values() {
        s.push_str(&format!("workload {} ({})\n", w.name, w.file));
        for (name, uid) in &w.resources {
            let shared = app.resources.get(uid).is_some_and(|r| r.is_shared());
            s.push_str(&format!(
                "  {name} -> {uid}{}\n",
                if shared { " [shared]" } else { "" }
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
    let mut s = String::from("digraph score {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
    for w in app.workloads.keys() {
        s.push_str(&format!(
            "  {} [shape=box, style=filled, fillcolor=\"#dbeafe\"];\n",
            quote_dot(w)
        ));
    }
    for r in app.resources.values() {
        let periph = if r.is_shared() { ", peripheries=2" } else { "" };
        s.push_str(&format!(
            "  {} [shape=ellipse{periph}, label={}];\n",
            quote_dot(r.uid.as_str()),
            quote_dot(&format!("{}\n{}", r.type_, r.uid))
        ));
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
    let ids: std::collections::BTreeMap<Node, String> = app
        .workloads
        .keys()
        .map(|w| Node::Workload(w.clone()))
        .chain(app.resources.keys().map(|u| Node::Resource(u.clone())))
        .enumerate()
        .map(|(i, n)| (n, format!("n{i}")))
        .collect();
    let lookup = |n: &Node| -> String { ids.get(n).cloned().unwrap_or_default() };
    let esc = |s: &str| s.replace('"', "#quot;");
    let mut s = String::from("```mermaid\nflowchart LR\n");
    for w in app.workloads.keys() {
        let n = Node::Workload(w.clone());
        s.push_str(&format!("  {}[\"{}\"]\n", lookup(&n), esc(w)));
    }
    for r in app.resources.values() {
        let n = Node::Resource(r.uid.clone());
        if r.is_shared() {
            s.push_str(&format!(
                "  {}((\"{}\"))\n",
                lookup(&n),
                esc(r.uid.as_str())
            ));
        } else {
            s.push_str(&format!("  {}(\"{}\")\n", lookup(&n), esc(r.uid.as_str())));
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
    s.push_str("```\n");
    s
}
