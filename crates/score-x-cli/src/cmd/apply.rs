//! `score-x apply --target ecs`: translate, then register task definitions and create or update
//! services through the ECS API.

use score_x_core::Target;

use crate::cli::ApplyArgs;
use crate::cmd::Failure;
use crate::cmd::pipeline;
use crate::printer::Printer;
use crate::project;

pub fn run(printer: &Printer, args: &ApplyArgs) -> Result<(), Failure> {
    if args.pipeline.target.target() != Target::ECS {
        return Err(Failure::Usage(format!(
            "apply supports --target ecs; for {} use the target's own tool (e.g. `score-x translate -o - | kubectl apply -f -`)",
            args.pipeline.target.target()
        )));
    }
    let _lock = project::lock(printer, &args.pipeline.state_dir).map_err(Failure::Fatal)?;
    let produced = pipeline::produce(printer, &args.pipeline)?;
    let Some(options) = produced
        .backend
        .options_any()
        .downcast_ref::<score_x_ecs::Options>()
    else {
        return Err(Failure::Fatal("the ecs backend has no ECS options".into()));
    };
    let cluster = options.cluster.clone();
    let region = args.region.clone().or_else(|| options.region.clone());
    let opts = score_x_ecs::apply::ApplyOptions {
        endpoint_url: args.endpoint_url.clone(),
        region,
        cluster,
        create_cluster: args.create_cluster,
        ..Default::default()
    };
    let report = score_x_ecs::apply::apply(&produced.bundle.files, &opts).map_err(|e| {
        let d = score_x_core::Diagnostic::from(e);
        Failure::Fatal(d.to_string())
    })?;
    printer.err(&report.to_string());
    project::save_state(&args.pipeline.state_dir, &produced.state, &produced.secrets)
        .map_err(Failure::Fatal)?;
    Ok(())
}
