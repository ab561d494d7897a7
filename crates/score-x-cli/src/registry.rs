//! The targets this binary was built with: one line per backend, each behind the Cargo feature
//! named after its target (`kubernetes`, `ecs`, …; all on by default).

use score_x_core::Target;
use score_x_core::driver::AnyBackend;
#[allow(unused_imports)]
use score_x_core::driver::Entry;

#[cfg(feature = "kubernetes")]
static KUBERNETES: Entry<score_x_kubernetes::Kubernetes> = Entry::new();
#[cfg(feature = "helm")]
static HELM: Entry<score_x_helm::Helm> = Entry::new();
#[cfg(feature = "ecs")]
static ECS: Entry<score_x_ecs::Ecs> = Entry::new();
#[cfg(feature = "nomad")]
static NOMAD: Entry<score_x_nomad::Nomad> = Entry::new();

/// Every backend of this build, in `--help` order.
pub fn backends() -> Vec<&'static dyn AnyBackend> {
    let all: Vec<Option<&'static dyn AnyBackend>> = vec![
        #[cfg(feature = "kubernetes")]
        Some(&KUBERNETES),
        #[cfg(feature = "helm")]
        Some(&HELM),
        #[cfg(feature = "ecs")]
        Some(&ECS),
        #[cfg(feature = "nomad")]
        Some(&NOMAD),
        None,
    ];
    all.into_iter().flatten().collect()
}

/// The backend of `target`, when this build has it.
pub fn backend(target: Target) -> Option<&'static dyn AnyBackend> {
    backends().into_iter().find(|b| b.target() == target)
}

/// A `--target` value: a known target name, or the alias `k8s`.
pub fn parse(s: &str) -> Result<Target, String> {
    let name = if s == "k8s" { "kubernetes" } else { s };
    name.parse::<Target>().map_err(|_| {
        let built: Vec<&str> = backends().iter().map(|b| b.target().as_str()).collect();
        let hint = score_x_core::diag::did_you_mean(s, built.iter().copied())
            .map(|m| format!(" (did you mean `{m}`?)"))
            .unwrap_or_default();
        format!(
            "unknown target `{s}`{hint}; this build translates to: {}",
            built.join(", ")
        )
    })
}

/// The `--target` help line: the targets this build has.
pub fn target_help() -> String {
    let built: Vec<&str> = backends().iter().map(|b| b.target().as_str()).collect();
    format!(
        "The target runtime: {} (`k8s` is an alias of kubernetes)",
        built.join(", ")
    )
}
