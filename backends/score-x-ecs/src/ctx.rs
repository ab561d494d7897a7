//! The emission context shared by the per-workload builders: inputs, warnings, notes, secrets.

use std::collections::BTreeMap;

use score_x_core::resolved::{Resolved, ResolvedWorkload};
use score_x_core::{Code, Diagnostic, ResourceUid, Span};

use crate::artifacts::EcsSection;
use crate::options::Options;
use crate::secrets::Registry;

/// Prefix of the placeholders written for missing account settings.
pub const MISSING: &str = "<missing options.";

/// The placeholder for a missing option.
pub fn missing(option: &str) -> String {
    format!("{MISSING}{option}>")
}

pub struct Ctx<'a> {
    pub app: &'a Resolved,
    pub opts: &'a Options,
    pub warnings: Vec<Diagnostic>,
    pub notes: Vec<String>,
    pub secrets: Registry,
    pub sections: BTreeMap<ResourceUid, EcsSection>,
    /// Missing option → files that hold its placeholder.
    pub missing: BTreeMap<&'static str, Vec<String>>,
}

impl<'a> Ctx<'a> {
    pub fn warn(&mut self, code: Code, span: Option<&Span>, message: impl Into<String>) {
        self.warnings
            .push(Diagnostic::warning(code, message).at_opt(span.cloned()));
    }

    pub fn warn_hint(
        &mut self,
        code: Code,
        span: Option<&Span>,
        message: impl Into<String>,
        hint: &str,
    ) {
        self.warnings.push(
            Diagnostic::warning(code, message)
                .at_opt(span.cloned())
                .hint(hint),
        );
    }

    /// The option's value, or its placeholder (recorded for one loud warning per option).
    pub fn account(&mut self, option: &'static str, value: Option<&str>, file: &str) -> String {
        match value {
            Some(v) => v.to_string(),
            None => {
                self.missing
                    .entry(option)
                    .or_default()
                    .push(file.to_string());
                missing(option)
            }
        }
    }

    /// The sections of the resources a workload uses, by uid.
    pub fn sections_of(&self, w: &ResolvedWorkload) -> Vec<(&ResourceUid, &EcsSection)> {
        let mut uids: Vec<&ResourceUid> = w.resources.values().collect();
        uids.sort();
        uids.dedup();
        uids.into_iter()
            .filter_map(|u| self.sections.get_key_value(u))
            .collect()
    }
}
