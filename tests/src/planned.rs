//! The backends' `emit` with the plan of the model computed first, for tests that start from a
//! resolved model (the CLI plans the validated model before provisioning; the rules are the same).

use score_x_core::plan::Plan;
use score_x_core::{Bundle, Resolved};

/// The plan of `app`; a model that cannot be planned is a broken test.
pub fn plan(app: &Resolved) -> Plan {
    Plan::of_resolved(app).unwrap_or_else(|d| panic!("the test model cannot be planned: {d:?}"))
}

/// `score_x_kubernetes::emit` with the model's plan.
pub fn kubernetes(
    app: &Resolved,
    opts: &score_x_kubernetes::Options,
) -> Result<Bundle, score_x_kubernetes::Error> {
    score_x_kubernetes::emit(app, &plan(app), opts)
}

/// `score_x_kubernetes::objects` with the model's plan.
pub fn kubernetes_objects(
    app: &Resolved,
    opts: &score_x_kubernetes::Options,
) -> Result<Vec<score_x_kubernetes::Object>, score_x_kubernetes::Error> {
    score_x_kubernetes::objects(app, &plan(app), opts)
}

/// `score_x_ecs::emit` with the model's plan.
pub fn ecs(app: &Resolved, opts: &score_x_ecs::Options) -> Result<Bundle, score_x_ecs::Error> {
    score_x_ecs::emit(app, &plan(app), opts)
}
