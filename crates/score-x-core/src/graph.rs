//! The resource graph: workloads and resources as nodes; `uses`, `param` and `service` edges;
//! a deterministic topological order of resources (ties broken by uid); cycles as diagnostics.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::ir::App;
use crate::uid::ResourceUid;

/// A node of the graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum Node {
    Workload(String),
    Resource(ResourceUid),
}

impl Node {
    /// Workload name or resource uid.
    pub fn name(&self) -> &str {
        match self {
            Node::Workload(w) => w,
            Node::Resource(r) => r.as_str(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EdgeKind {
    /// A workload declares (uses) a resource.
    Uses,
    /// A resource's params reference another resource's outputs.
    Param,
    /// A workload reaches another workload through a `service-port` resource.
    Service,
}

/// One edge, with the placeholders that caused it (for `param` edges).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Edge {
    pub from: Node,
    pub to: Node,
    pub kind: EdgeKind,
    #[serde(skip)]
    pub via: Vec<String>,
}

/// The graph with its deterministic provisioning order.
#[derive(Debug, Clone)]
pub struct ResourceGraph {
    graph: DiGraph<Node, EdgeKind>,
    index: BTreeMap<Node, NodeIndex>,
    edges: Vec<Edge>,
    order: Vec<ResourceUid>,
}

impl ResourceGraph {
    /// Build the graph of `app`. Errors: cycles among resource params.
    pub fn build(app: &App) -> Result<Self, Diagnostics> {
        let mut graph = DiGraph::new();
        let mut index = BTreeMap::new();
        let mut add = |g: &mut DiGraph<Node, EdgeKind>, n: Node| -> NodeIndex {
            *index.entry(n.clone()).or_insert_with(|| g.add_node(n))
        };
        for name in app.workloads().keys() {
            add(&mut graph, Node::Workload(name.clone()));
        }
        for uid in app.resources().keys() {
            add(&mut graph, Node::Resource(uid.clone()));
        }

        let mut edges: BTreeMap<(Node, Node, EdgeKind), BTreeSet<String>> = BTreeMap::new();
        for (wname, w) in app.workloads() {
            for uid in w.resources.values() {
                edges
                    .entry((
                        Node::Workload(wname.clone()),
                        Node::Resource(uid.clone()),
                        EdgeKind::Uses,
                    ))
                    .or_default();
            }
        }
        for (uid, res) in app.resources() {
            let Some(src) = app.workloads().get(&res.source_workload) else {
                continue;
            };
            if let Some(params) = &res.params {
                for r in params.refs() {
                    let Some(name) = r.resource_name() else {
                        continue;
                    };
                    let Some(dep) = src.resources.get(name) else {
                        continue;
                    };
                    edges
                        .entry((
                            Node::Resource(uid.clone()),
                            Node::Resource(dep.clone()),
                            EdgeKind::Param,
                        ))
                        .or_default()
                        .insert(format!("${{{r}}}"));
                }
                if res.type_ == "service-port"
                    && let crate::value::TValue::Map(m) = params
                    && let Some(crate::value::TValue::String(t)) = m.get("workload")
                    && let Some(target) = t.as_literal()
                    && app.workloads().contains_key(&target)
                {
                    for consumer in &res.consumers {
                        if *consumer != target {
                            edges
                                .entry((
                                    Node::Workload(consumer.clone()),
                                    Node::Workload(target.clone()),
                                    EdgeKind::Service,
                                ))
                                .or_default();
                        }
                    }
                }
            }
        }
        let edges: Vec<Edge> = edges
            .into_iter()
            .map(|((from, to, kind), via)| Edge {
                from,
                to,
                kind,
                via: via.into_iter().collect(),
            })
            .collect();
        for e in &edges {
            graph.add_edge(index[&e.from], index[&e.to], e.kind);
        }

        let order = topo_order(app, &edges)?;
        Ok(ResourceGraph {
            graph,
            index,
            edges,
            order,
        })
    }

    /// Resource uids, dependencies first; ties broken by uid.
    pub fn order(&self) -> &[ResourceUid] {
        &self.order
    }

    /// All edges, sorted.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// The underlying petgraph graph.
    pub fn petgraph(&self) -> &DiGraph<Node, EdgeKind> {
        &self.graph
    }

    /// Resources a resource's params depend on.
    pub fn dependencies(&self, uid: &ResourceUid) -> Vec<&ResourceUid> {
        let Some(&ix) = self.index.get(&Node::Resource(uid.clone())) else {
            return vec![];
        };
        let mut v: Vec<&ResourceUid> = self
            .graph
            .neighbors(ix)
            .filter_map(|n| match &self.graph[n] {
                Node::Resource(r) => Some(r),
                Node::Workload(_) => None,
            })
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

/// Kahn's algorithm over `param` edges with a sorted ready set.
fn topo_order(app: &App, edges: &[Edge]) -> Result<Vec<ResourceUid>, Diagnostics> {
    let mut deps: BTreeMap<&ResourceUid, BTreeSet<&ResourceUid>> = app
        .resources()
        .keys()
        .map(|u| (u, BTreeSet::new()))
        .collect();
    let mut dependents: BTreeMap<&ResourceUid, BTreeSet<&ResourceUid>> = BTreeMap::new();
    for e in edges.iter().filter(|e| e.kind == EdgeKind::Param) {
        if let (Node::Resource(a), Node::Resource(b)) = (&e.from, &e.to) {
            deps.entry(a).or_default().insert(b);
            dependents.entry(b).or_default().insert(a);
        }
    }
    let mut ready: BTreeSet<&ResourceUid> = deps
        .iter()
        .filter(|(_, d)| d.is_empty())
        .map(|(u, _)| *u)
        .collect();
    let mut order = Vec::with_capacity(deps.len());
    while let Some(u) = ready.pop_first() {
        order.push(u.clone());
        for d in dependents.get(u).into_iter().flatten() {
            let set = deps.get_mut(d).expect("every dependent is a node");
            set.remove(u);
            if set.is_empty() {
                ready.insert(d);
            }
        }
        deps.remove(u);
    }
    if deps.is_empty() {
        return Ok(order);
    }
    // Everything left is on or behind a cycle; report the members with their placeholders.
    let members: Vec<&ResourceUid> = deps.keys().copied().collect();
    let mut diags = Diagnostics::new();
    let mut d = Diagnostic::error(
        Code::DependencyCycle,
        format!(
            "resource params form a cycle: {}",
            members
                .iter()
                .map(|u| u.as_str())
                .collect::<Vec<_>>()
                .join(" -> ")
        ),
    )
    .hint("a resource's params may only use outputs of resources that do not depend on it");
    for e in edges.iter().filter(|e| e.kind == EdgeKind::Param) {
        if let (Node::Resource(a), Node::Resource(b)) = (&e.from, &e.to)
            && deps.contains_key(a)
            && deps.contains_key(b)
            && let Some(res) = app.resources().get(a)
        {
            if d.span.is_none() {
                d.span = Some(res.span.clone());
            }
            d = d.related(
                res.span.clone(),
                format!("{a} uses {} of {b}", e.via.join(", ")),
            );
        }
    }
    diags.push(d);
    Err(diags)
}
