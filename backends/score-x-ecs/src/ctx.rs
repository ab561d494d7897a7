//! The emission context shared by the per-workload builders: inputs, warnings, notes, secrets.

use std::collections::BTreeMap;
use std::sync::Arc;

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
    /// Every resource's section, read once and shared by the workloads' contexts.
    pub sections: Arc<BTreeMap<ResourceUid, EcsSection>>,
    /// Missing option → files that hold its placeholder.
    pub missing: BTreeMap<&'static str, Vec<String>>,
}

impl<'a> Ctx<'a> {
    /// A context of its own for building one workload (in parallel with the others): the same
    /// inputs and sections, nothing recorded yet. [`Ctx::absorb`] merges it back.
    pub fn part(&self) -> Ctx<'a> {
        Ctx {
            app: self.app,
            opts: self.opts,
            warnings: Vec::new(),
            notes: Vec::new(),
            secrets: Registry::default(),
            sections: Arc::clone(&self.sections),
            missing: BTreeMap::new(),
        }
    }

    /// Merge what a [`Ctx::part`] recorded, as if it had been recorded here (parts absorbed in
    /// workload order give the context of a sequential run).
    pub fn absorb(&mut self, part: Ctx<'a>) {
        self.warnings.extend(part.warnings);
        self.notes.extend(part.notes);
        for (option, files) in part.missing {
            self.missing.entry(option).or_default().extend(files);
        }
        self.secrets.absorb(part.secrets);
    }

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
