//! Where the text of a plain container variable came from: literal text and the plain resource
//! outputs it inserted, in order. Backends that render at install time (Helm) bind those outputs
//! late, as values; the others read the resolved text and never need this.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::resolved::{Output, ProvisionedResource, ResolvedWorkload};
use crate::template::{Part, Root};
use crate::uid::ResourceUid;
use crate::value::{lookup, to_insert_text};

type Resources = BTreeMap<ResourceUid, ProvisionedResource>;

/// One piece of a late-bound variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Piece {
    /// Literal text (metadata placeholders already substituted).
    Text(String),
    /// A plain output of the workload's resource `resource` (its local name): `keys[0]` is the
    /// output, the rest walk into it. The provisioned value is in `Resolved::resources`.
    Output { resource: String, keys: Vec<String> },
}

/// The pieces of every plain variable that uses at least one resource output, by workload,
/// container and variable name.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Bindings(BTreeMap<String, WorkloadBindings>);

impl Bindings {
    /// The bindings of each workload, as [`Candidates::check`] gave them (a variable whose
    /// pieces do not give back its resolved plain text exactly is left out).
    pub fn from_workloads(all: impl IntoIterator<Item = (String, WorkloadBindings)>) -> Bindings {
        Bindings(all.into_iter().collect())
    }

    /// The pieces of variable `var` of `container` in `workload`, when it is late-bound.
    pub fn variable(&self, workload: &str, container: &str, var: &str) -> Option<&[Piece]> {
        self.0
            .get(workload)?
            .get(container)?
            .get(var)
            .map(Vec::as_slice)
    }

    /// True when no variable is late-bound.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One workload's late-bound variables, by container, then variable name.
pub type WorkloadBindings = BTreeMap<String, BTreeMap<String, Vec<Piece>>>;

/// A workload's variables that may be late-bound, read from its templates before it is
/// resolved (resolving may consume it): by container and variable, the pieces and the text
/// they give.
#[derive(Debug, Default)]
pub struct Candidates(Vec<(String, String, Vec<Piece>, String)>);

impl Candidates {
    /// The variables of `w` whose templates use a plain resource output.
    pub fn of(w: &crate::ir::Workload, resources: &Resources) -> Candidates {
        let mut out = Vec::new();
        for (cname, c) in &w.containers {
            for (vname, var) in &c.variables {
                let Some(pieces) = pieces(w, var.value.parts(), resources) else {
                    continue;
                };
                if let Some(text) = text_of(&pieces, w, resources) {
                    out.push((cname.clone(), vname.clone(), pieces, text));
                }
            }
        }
        Candidates(out)
    }

    /// Those whose pieces give back the resolved plain text of `rw` exactly; `None` if none do.
    pub fn check(self, rw: &ResolvedWorkload) -> Option<WorkloadBindings> {
        let mut by_container = WorkloadBindings::new();
        for (cname, vname, pieces, text) in self.0 {
            let resolved = rw
                .containers
                .get(&cname)
                .and_then(|rc| rc.variables.get(&vname))
                .and_then(|v| v.value.as_plain());
            if resolved.as_deref() == Some(text.as_str()) {
                by_container.entry(cname).or_default().insert(vname, pieces);
            }
        }
        (!by_container.is_empty()).then_some(by_container)
    }
}

/// The pieces of a template, or `None` when it uses no resource output (or a secret one).
fn pieces(w: &crate::ir::Workload, parts: &[Part], resources: &Resources) -> Option<Vec<Piece>> {
    let mut out: Vec<Piece> = Vec::new();
    let mut bound = false;
    for part in parts {
        let piece = match part {
            Part::Text(t) => Piece::Text(t.clone()),
            Part::Ref(r) if r.root == Root::Metadata => {
                Piece::Text(to_insert_text(lookup(&w.metadata, &r.keys)?))
            }
            Part::Ref(r) => {
                let resource = r.resource_name()?.to_string();
                let keys = r.output_path().to_vec();
                match output(resources, w, &resource, keys.first()?)? {
                    Output::Plain(_) => {}
                    Output::Secret(_) => return None,
                }
                bound = true;
                Piece::Output { resource, keys }
            }
        };
        match (out.last_mut(), piece) {
            (Some(Piece::Text(prev)), Piece::Text(t)) => prev.push_str(&t),
            (_, p) => out.push(p),
        }
    }
    bound.then_some(out)
}

/// The text the pieces stand for with the provisioned outputs.
fn text_of(pieces: &[Piece], w: &crate::ir::Workload, resources: &Resources) -> Option<String> {
    let mut s = String::new();
    for p in pieces {
        match p {
            Piece::Text(t) => s.push_str(t),
            Piece::Output { resource, keys } => {
                let (first, rest) = keys.split_first()?;
                let Output::Plain(v) = output(resources, w, resource, first)? else {
                    return None;
                };
                s.push_str(&to_insert_text(lookup(v, rest)?));
            }
        }
    }
    Some(s)
}

/// Output `name` of the workload's resource `resource`.
fn output<'a>(
    resources: &'a Resources,
    w: &crate::ir::Workload,
    resource: &str,
    name: &str,
) -> Option<&'a Output> {
    resources.get(w.resources.get(resource)?)?.outputs.get(name)
}
