//! `ProvisionerSet`: provisioners in match order (user files, project files, defaults), with every
//! template section compiled once into one handlebars registry.

use std::collections::HashMap;
use std::sync::OnceLock;

use handlebars::Handlebars;
use score_x_core::{Code, Diagnostic, Diagnostics, Span, Target};

use crate::defaults;
use crate::format::{self, Origin, Provisioner, ProvisionerKind, Section};
use crate::helpers;
use crate::skeleton::Skeleton;

mod partials;

/// Provisioners in match order (first match wins) and their compiled templates.
pub struct ProvisionerSet {
    provisioners: Vec<Provisioner>,
    pub(crate) hb: Handlebars<'static>,
    /// Each compiled section's skeleton, built on first use ([`ProvisionerSet::skeleton`]).
    skeletons: HashMap<String, OnceLock<Option<Skeleton>>>,
}

impl std::fmt::Debug for ProvisionerSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProvisionerSet")
            .field("provisioners", &self.provisioners)
            .finish_non_exhaustive()
    }
}

impl Default for ProvisionerSet {
    fn default() -> Self {
        Self::new()
    }
}

/// The registry name of a compiled section.
pub(crate) fn template_name(uri: &str, section: Section) -> String {
    format!("{uri}::{}", section.key())
}

impl ProvisionerSet {
    pub fn new() -> Self {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::no_escape);
        helpers::register(&mut hb);
        ProvisionerSet {
            provisioners: Vec::new(),
            hb,
            skeletons: HashMap::new(),
        }
    }

    /// Add the provisioners of one file after those already added. Errors: syntax, unknown keys,
    /// bad params/outputs declarations, template syntax errors, a uri already defined.
    pub fn add_file(
        &mut self,
        file_name: &str,
        text: &str,
        origin: Origin,
    ) -> Result<(), Diagnostics> {
        self.add_file_compiling(file_name, text, origin, &|_| true)
    }

    /// [`ProvisionerSet::add_file`] compiling only the templates of the provisioners `compile`
    /// selects (the others are listed, for hints, but can never be chosen in this run).
    fn add_file_compiling(
        &mut self,
        file_name: &str,
        text: &str,
        origin: Origin,
        compile: &dyn Fn(&Provisioner) -> bool,
    ) -> Result<(), Diagnostics> {
        let decoded = format::decode_file(file_name, text, &origin)?;
        let mut diags = Diagnostics::new();
        let mut staged: Vec<Provisioner> = Vec::new();
        for p in decoded {
            let dup = self
                .provisioners
                .iter()
                .chain(staged.iter())
                .find(|q| q.uri == p.uri);
            if let Some(q) = dup {
                diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("provisioner uri `{}` is defined twice", p.uri),
                    )
                    .at(p.span.with_path(format!("{}/uri", p.span.path)))
                    .related(q.span.clone(), "first defined here")
                    .hint("every provisioner needs a unique uri; rename one of them"),
                );
                continue;
            }
            staged.push(p);
        }
        let mut compiled = Vec::new();
        for p in staged.iter().filter(|p| compile(p)) {
            let ProvisionerKind::Template { sections } = &p.kind else {
                continue;
            };
            for (section, src) in sections {
                let name = template_name(&p.uri, *section);
                match self.hb.register_template_string(&name, &src.text) {
                    Ok(()) => {
                        let problem = self.hb.get_template(&name).map(partials::check);
                        compiled.push(name);
                        if let Some(Err(problem)) = problem {
                            diags.push(
                                Diagnostic::error(
                                    Code::Provisioner,
                                    format!(
                                        "{}: section `{}`: {}",
                                        p.uri,
                                        section.key(),
                                        problem.message()
                                    ),
                                )
                                .at(src.span.clone())
                                .hint("a section may use the inline partials it defines; they must not call themselves"),
                            );
                        }
                    }
                    Err(e) => {
                        let (line, col) = e.pos().unwrap_or((1, 0));
                        let file_line =
                            src.line + u32::try_from(line.saturating_sub(1)).unwrap_or(0);
                        diags.push(
                            Diagnostic::error(
                                Code::Provisioner,
                                format!(
                                    "{}: section `{}` is not a valid handlebars template (template line {line}, column {col}): {}",
                                    p.uri,
                                    section.key(),
                                    e.reason()
                                ),
                            )
                            .at(Span { line: file_line, ..src.span.clone() }),
                        );
                    }
                }
            }
        }
        if diags.has_errors() {
            for name in compiled {
                self.hb.unregister_template(&name);
            }
            return Err(diags);
        }
        for name in compiled {
            self.skeletons.insert(name, OnceLock::new());
        }
        self.provisioners.extend(staged);
        Ok(())
    }

    /// The skeleton of compiled section `name` (built the first time it is asked for, by
    /// whichever thread asks); `None` when only the full render can read the section.
    pub(crate) fn skeleton(&self, name: &str) -> Option<&Skeleton> {
        self.skeletons
            .get(name)?
            .get_or_init(|| self.hb.get_template(name).and_then(Skeleton::of))
            .as_ref()
    }

    /// Add the embedded defaults of `target` (after everything added so far).
    pub fn add_defaults(&mut self, target: Target) -> Result<(), Diagnostics> {
        self.add_defaults_for(target, None)
    }

    /// [`ProvisionerSet::add_defaults`], compiling only the templates of the resource types
    /// `in_use` when given (the types of the estate being translated): compiling every default
    /// template was most of a one-workload run. The others stay listed (for hints) and would
    /// match no resource of the estate. The defaults' templates are all compiled by the tests.
    pub fn add_defaults_for(
        &mut self,
        target: Target,
        in_use: Option<&std::collections::BTreeSet<String>>,
    ) -> Result<(), Diagnostics> {
        let compile = |p: &Provisioner| in_use.is_none_or(|t| t.contains(&p.type_));
        let mut diags = Diagnostics::new();
        for (name, text, owner) in defaults::files(target) {
            if let Err(d) = self.add_file_compiling(&name, text, Origin::Default(owner), &compile) {
                diags.extend(d);
            }
        }
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(())
        }
    }

    /// Every provisioner, in match order.
    pub fn provisioners(&self) -> &[Provisioner] {
        &self.provisioners
    }

    /// The first provisioner that matches and supports `target`, and the ones skipped on the way
    /// because they have no section for `target`.
    pub fn find(
        &self,
        type_: &str,
        class: &str,
        id: &str,
        target: Target,
    ) -> (Option<&Provisioner>, Vec<&Provisioner>) {
        let mut skipped = Vec::new();
        for p in &self.provisioners {
            if p.matches(type_, class, id) {
                if p.supports(target) {
                    return (Some(p), skipped);
                }
                skipped.push(p);
            }
        }
        (None, skipped)
    }

    /// The resource types some provisioner supports on `target`, sorted and deduplicated.
    pub fn supported_types(&self, target: Target) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .provisioners
            .iter()
            .filter(|p| p.supports(target))
            .map(|p| p.type_.as_str())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_order_and_duplicates() {
        let mut set = ProvisionerSet::new();
        set.add_file("a.yaml", "- uri: template://a/pg\n  type: postgres\n  class: large\n- uri: template://a/pg2\n  type: postgres\n", Origin::User("a.yaml".into())).unwrap();
        set.add_file(
            "b.yaml",
            "- uri: template://b/pg\n  type: postgres\n",
            Origin::Project("b.yaml".into()),
        )
        .unwrap();
        assert_eq!(
            set.find("postgres", "large", "x", Target::ECS)
                .0
                .unwrap()
                .uri,
            "template://a/pg"
        );
        assert_eq!(
            set.find("postgres", "default", "x", Target::ECS)
                .0
                .unwrap()
                .uri,
            "template://a/pg2"
        );
        let e = set
            .add_file(
                "c.yaml",
                "- uri: template://b/pg\n  type: redis\n",
                Origin::Project("c.yaml".into()),
            )
            .unwrap_err();
        assert_eq!(e.0[0].related[0].0.file.as_ref(), "b.yaml");
        assert_eq!(set.provisioners().len(), 3);
        assert_eq!(set.supported_types(Target::KUBERNETES), vec!["postgres"]);
    }

    #[test]
    fn template_syntax_error_points_at_file_line() {
        let mut set = ProvisionerSet::new();
        let e = set
            .add_file(
                "a.yaml",
                "- uri: template://a\n  type: t\n  state: |\n    ok: 1\n    bad: {{#if x}}\n",
                Origin::User("a.yaml".into()),
            )
            .unwrap_err();
        let d = &e.0[0];
        assert!(d.message.contains("section `state`"), "{}", d.message);
        assert!(d.span.as_ref().unwrap().line >= 4, "{d}");
        assert!(set.provisioners().is_empty());
        // The uri is free again.
        set.add_file(
            "a.yaml",
            "- uri: template://a\n  type: t\n",
            Origin::User("a.yaml".into()),
        )
        .unwrap();
    }

    #[test]
    fn a_recursive_partial_is_an_error_naming_it() {
        let mut set = ProvisionerSet::new();
        let e = set
            .add_file(
                "a.yaml",
                "- uri: template://a\n  type: t\n  state: |\n    {{#*inline \"again\"}}{{> again}}{{/inline}}\n    x: {{> again}}\n",
                Origin::User("a.yaml".into()),
            )
            .unwrap_err();
        let d = &e.0[0];
        assert_eq!(
            d.message,
            "template://a: section `state`: partial `again` calls itself"
        );
        let span = d.span.as_ref().unwrap();
        assert_eq!((&*span.file, span.line), ("a.yaml", 4));
        assert!(set.provisioners().is_empty());
    }

    #[test]
    fn skipped_for_missing_target_section() {
        let mut set = ProvisionerSet::new();
        set.add_file("a.yaml", "- uri: template://k8s-only\n  type: pg\n  kubernetes: '[]'\n- uri: template://any\n  type: pg\n", Origin::User("a.yaml".into())).unwrap();
        let (p, skipped) = set.find("pg", "default", "x", Target::NOMAD);
        assert_eq!(p.unwrap().uri, "template://any");
        assert_eq!(skipped[0].uri, "template://k8s-only");
        assert_eq!(
            set.find("pg", "default", "x", Target::HELM).0.unwrap().uri,
            "template://k8s-only"
        );
    }

    #[test]
    fn embedded_defaults_load() {
        for t in Target::ALL {
            let mut set = ProvisionerSet::new();
            if let Err(e) = set.add_defaults(t) {
                panic!("defaults of {t} do not load: {e:?}");
            }
            assert!(
                set.provisioners()
                    .iter()
                    .all(|p| matches!(p.origin, Origin::Default(_)))
            );
        }
    }
}
