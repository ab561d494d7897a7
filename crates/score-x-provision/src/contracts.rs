//! The portable contract of each default resource type (`targets/contracts.yaml`): the params a
//! score file may give on every target and the outputs every target's default produces, declared
//! once. A contract param a target's provisioner does not use is accepted and noted.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::Deserialize;

/// The embedded contracts file.
pub const CONTRACTS_YAML: &str = include_str!("../../../targets/contracts.yaml");

/// The contract of one resource type.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    /// Params a score file may give on every target.
    pub params: BTreeMap<String, ContractParam>,
    /// The outputs every target's default provisioner produces (`*`: an open declaration).
    pub outputs: BTreeSet<String>,
    /// The outputs that are secret on every target.
    pub secret: BTreeSet<String>,
}

/// A portable param.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractParam {
    /// `string`, `integer`, `any`, … as in provisioner files.
    #[serde(rename = "type")]
    pub type_: String,
    pub description: String,
}

/// Every contract by resource type (empty if the embedded file were malformed, which a test
/// rules out).
pub fn contracts() -> &'static BTreeMap<String, Contract> {
    static ALL: OnceLock<BTreeMap<String, Contract>> = OnceLock::new();
    ALL.get_or_init(|| serde_yaml::from_str(CONTRACTS_YAML).unwrap_or_default())
}

/// The contract of resource type `type_`, if it is a default type.
pub fn contract(type_: &str) -> Option<&'static Contract> {
    contracts().get(type_)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProvisionerSet;
    use score_x_core::Target;

    const TARGETS: [Target; 4] = [Target::KUBERNETES, Target::HELM, Target::ECS, Target::NOMAD];

    #[test]
    fn the_contracts_file_decodes() {
        let all: BTreeMap<String, Contract> = serde_yaml::from_str(CONTRACTS_YAML).unwrap();
        assert_eq!(contracts(), &all);
        assert!(all.len() >= 14, "{} contracts", all.len());
        for (t, c) in &all {
            assert!(
                c.secret.is_subset(&c.outputs),
                "{t}: secret outputs not in outputs"
            );
        }
    }

    /// Every default provisioner of every target keeps its type's contract: exactly the
    /// contract's outputs, its secret outputs secret, and (default class) only contract params of
    /// the contract's type.
    #[test]
    fn every_targets_defaults_keep_the_contract() {
        let mut problems = Vec::new();
        for target in TARGETS {
            let mut set = ProvisionerSet::new();
            set.add_defaults(target).unwrap();
            for p in set.provisioners() {
                let at = format!("{target}: {} ({})", p.uri, p.type_);
                let Some(c) = contract(&p.type_) else {
                    problems.push(format!("{at}: no contract in targets/contracts.yaml"));
                    continue;
                };
                let outputs: BTreeSet<String> = p.outputs.keys().cloned().collect();
                if outputs != c.outputs {
                    problems.push(format!(
                        "{at}: outputs {outputs:?}, contract {:?}",
                        c.outputs
                    ));
                }
                for s in &c.secret {
                    if p.outputs.get(s).is_some_and(|o| !o.secret) {
                        problems.push(format!("{at}: output `{s}` must be secret"));
                    }
                }
                if p.class.is_some() {
                    continue; // A class (rds, efs, …) may take class-specific params.
                }
                for (name, spec) in &p.params {
                    match c.params.get(name) {
                        None => problems.push(format!("{at}: param `{name}` not in the contract")),
                        Some(cp) if cp.type_ != spec.type_.as_str() => problems.push(format!(
                            "{at}: param `{name}` is {}, the contract says {}",
                            spec.type_.as_str(),
                            cp.type_
                        )),
                        Some(_) => {}
                    }
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// Every contract type has a default-class provisioner on every target.
    #[test]
    fn every_contract_type_has_a_default_on_every_target() {
        for target in TARGETS {
            let mut set = ProvisionerSet::new();
            set.add_defaults(target).unwrap();
            for t in contracts().keys() {
                assert!(
                    set.provisioners()
                        .iter()
                        .any(|p| &p.type_ == t && p.class.is_none()),
                    "{target}: no default `{t}` provisioner"
                );
            }
        }
    }
}
