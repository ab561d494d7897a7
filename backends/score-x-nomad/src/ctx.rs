//! Translation context: the estate, the options, the provisioner sections, the Nomad Variables
//! the jobs read, and the warnings and notes raised on the way.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use score_x_core::resolved::{SecretRef, Value};
use score_x_core::uid::ResourceUid;
use score_x_core::{Code, Diagnostic, Resolved, Span};
use serde::Serialize;

use crate::artifacts::Section;
use crate::gotmpl;
use crate::options::Options;

/// One Nomad Variable the platform must create (path and item names; never values).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VariableEntry {
    pub path: String,
    pub items: BTreeSet<String>,
    /// Jobs that read it.
    pub used_by: BTreeSet<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A development provisioner generated the value: create it with a random value.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub generate: bool,
}

pub struct Ctx<'a> {
    pub app: &'a Resolved,
    pub opts: &'a Options,
    /// Shared by the contexts of the workloads translated in parallel.
    pub sections: Arc<BTreeMap<ResourceUid, Section>>,
    pub variables: BTreeMap<String, VariableEntry>,
    pub warnings: Vec<Diagnostic>,
    pub notes: Vec<String>,
}

impl<'a> Ctx<'a> {
    /// A context for one workload translated on its own: the same estate, options and
    /// sections, its own variables, warnings and notes (merged back with [`Ctx::absorb`]).
    pub fn part(&self) -> Ctx<'a> {
        Ctx {
            app: self.app,
            opts: self.opts,
            sections: Arc::clone(&self.sections),
            variables: BTreeMap::new(),
            warnings: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The entry of the Nomad Variable at `path`, created empty when new.
    pub fn variable(&mut self, path: &str) -> &mut VariableEntry {
        self.variables
            .entry(path.to_string())
            .or_insert_with(|| VariableEntry {
                path: path.to_string(),
                ..Default::default()
            })
    }

    /// Take in what `part` recorded, after everything recorded before it.
    pub fn absorb(&mut self, part: Ctx<'_>) {
        for (path, v) in part.variables {
            let e = self.variable(&path);
            e.items.extend(v.items);
            e.used_by.extend(v.used_by);
            e.generate |= v.generate;
            if e.description.is_none() {
                e.description = v.description;
            }
        }
        self.warnings.extend(part.warnings);
        self.notes.extend(part.notes);
    }

    pub fn warn(&mut self, span: Option<&Span>, message: impl Into<String>) {
        let d = Diagnostic::warning(Code::Approximated, message);
        self.warnings.push(match span {
            Some(s) => d.at(s.clone()),
            None => d,
        });
    }

    /// Record that job `job` reads the secret `r` (runtime service references are not
    /// variables).
    pub fn read(&mut self, job: &str, r: &SecretRef) {
        if gotmpl::service_of(r).is_some() {
            return;
        }
        let e = self.variable(&r.name);
        e.items.insert(gotmpl::item(r).to_string());
        e.used_by.insert(job.to_string());
        e.generate |= r.value.is_some();
    }

    /// Record every secret of `v` and return its template text.
    pub fn template_text(&mut self, job: &str, v: &Value) -> String {
        for r in v.secrets() {
            self.read(job, r);
        }
        gotmpl::value(
            v,
            gotmpl::Discovery {
                provider: self.opts.service_provider,
                consul_dns: self.opts.consul_dns,
            },
        )
    }
}
