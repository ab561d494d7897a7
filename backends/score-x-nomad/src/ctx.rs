//! Translation context: the estate, the options, the provisioner sections, the Nomad Variables
//! the jobs read, and the warnings and notes raised on the way.

use std::collections::{BTreeMap, BTreeSet};

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
    pub sections: BTreeMap<ResourceUid, Section>,
    pub variables: BTreeMap<String, VariableEntry>,
    pub warnings: Vec<Diagnostic>,
    pub notes: Vec<String>,
}

impl Ctx<'_> {
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
        let e = self
            .variables
            .entry(r.name.clone())
            .or_insert_with(|| VariableEntry {
                path: r.name.clone(),
                ..Default::default()
            });
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
