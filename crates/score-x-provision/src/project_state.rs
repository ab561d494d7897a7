//! The project state file (`.score-x/state.yaml`): one seed for the project and one section per
//! target, so translating the same estate for Kubernetes and for ECS keeps both targets'
//! provisioner state side by side instead of each run discarding the other's.

use std::collections::BTreeMap;
use std::fmt;

use score_x_core::{Diagnostics, Target};
use serde::{Deserialize, Serialize};

use crate::state::{STATE_VERSION, State};

/// What the state file holds: the seed, and each target's [`State`] without its seed.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectState {
    pub version: u32,
    /// Secret material shared by every target: generated secrets derive from it.
    pub seed: String,
    #[serde(default)]
    pub targets: BTreeMap<Target, serde_yaml::Value>,
}

impl fmt::Debug for ProjectState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProjectState")
            .field("version", &self.version)
            .field("seed", &"<redacted>")
            .field("targets", &self.targets.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl ProjectState {
    /// A new project state with this seed and no target sections.
    pub fn new(seed: String) -> Self {
        ProjectState {
            version: STATE_VERSION,
            seed,
            targets: BTreeMap::new(),
        }
    }

    /// Parse the file; each target section is checked as a [`State`].
    pub fn parse(text: &str, file: &str) -> Result<Self, Diagnostics> {
        // A YAML syntax error: let `State::parse` report it with its line and column.
        let raw: serde_yaml::Value = match serde_yaml::from_str(text) {
            Ok(v) => v,
            Err(_) => return Err(State::parse(text, file).err().unwrap_or_default()),
        };
        let mut envelope = raw;
        let sections = match envelope.as_mapping_mut().and_then(|m| m.remove("targets")) {
            Some(serde_yaml::Value::Mapping(m)) => m,
            Some(_) => {
                return Err(Diagnostics(vec![
                    score_x_core::Diagnostic::error(
                        score_x_core::Code::State,
                        "`targets` must be a map of target name to state",
                    )
                    .at(score_x_core::Span::file_only(file)),
                ]));
            }
            None => serde_yaml::Mapping::new(),
        };
        // The envelope alone is a valid (empty) State: reuse its checks for version and seed.
        let envelope_text = serde_yaml::to_string(&envelope).unwrap_or_default();
        let base = State::parse(&envelope_text, file)?;
        let mut out = ProjectState::new(base.seed.clone());
        let mut diags = Diagnostics::new();
        for (k, v) in sections {
            let Some(name) = k.as_str() else { continue };
            let target: Target = match name.parse() {
                Ok(t) => t,
                Err(e) => {
                    diags.push(
                        score_x_core::Diagnostic::error(score_x_core::Code::State, e)
                            .at(score_x_core::Span::file_only(file)),
                    );
                    continue;
                }
            };
            let mut section = v.clone();
            if let Some(m) = section.as_mapping_mut() {
                m.insert("version".into(), STATE_VERSION.into());
                m.insert("seed".into(), base.seed.clone().into());
            }
            let text = serde_yaml::to_string(&section).unwrap_or_default();
            match State::parse(&text, file) {
                Ok(_) => {
                    out.targets.insert(target, v);
                }
                Err(d) => diags.extend(d),
            }
        }
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(out)
        }
    }

    /// The state of one target (empty when the target was never translated).
    pub fn target(&self, target: Target) -> State {
        let mut section = self
            .targets
            .get(&target)
            .cloned()
            .unwrap_or(serde_yaml::Value::Mapping(Default::default()));
        if let Some(m) = section.as_mapping_mut() {
            m.insert("version".into(), STATE_VERSION.into());
            m.insert("seed".into(), self.seed.clone().into());
        }
        serde_yaml::from_value(section).unwrap_or_else(|_| State::new(self.seed.clone()))
    }

    /// Store one target's state (its seed is the project's).
    pub fn set_target(&mut self, target: Target, state: &State) {
        let text = state.to_yaml();
        let mut v: serde_yaml::Value =
            serde_yaml::from_str(&text).unwrap_or(serde_yaml::Value::Null);
        if let Some(m) = v.as_mapping_mut() {
            m.remove("version");
            m.remove("seed");
        }
        self.targets.insert(target, v);
    }

    /// Canonical YAML (sections already sorted by `State::to_yaml`).
    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_keep_their_own_sections_and_share_the_seed() {
        let mut p = ProjectState::new("abc".into());
        let mut k = p.target(Target::KUBERNETES);
        k.shared = serde_json::json!({"k": 1});
        p.set_target(Target::KUBERNETES, &k);
        let mut e = p.target(Target::ECS);
        e.shared = serde_json::json!({"e": 2});
        p.set_target(Target::ECS, &e);
        let text = p.to_yaml();
        assert!(
            text.matches("seed").nth(1).is_none(),
            "seed written once: {text}"
        );
        let back = ProjectState::parse(&text, "state.yaml").unwrap();
        assert_eq!(
            back.target(Target::KUBERNETES).shared,
            serde_json::json!({"k": 1})
        );
        assert_eq!(back.target(Target::ECS).shared, serde_json::json!({"e": 2}));
        assert_eq!(back.target(Target::ECS).seed, "abc");
        assert_eq!(back.to_yaml(), text);
    }

    #[test]
    fn bad_files_are_diagnosed() {
        assert!(ProjectState::parse("version: 1\nseed: ''\n", "s.yaml").is_err());
        assert!(
            ProjectState::parse("version: 1\nseed: x\ntargets:\n  mars: {}\n", "s.yaml").is_err()
        );
        assert!(
            ProjectState::parse(
                "version: 1\nseed: x\ntargets:\n  ecs: {resources: {bad: {}}}\n",
                "s.yaml"
            )
            .is_err()
        );
        assert!(ProjectState::parse(": : :", "s.yaml").is_err());
    }
}
