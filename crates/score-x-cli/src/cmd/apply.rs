//! `score-x apply --target ecs`: translate, then register task definitions and create or update
//! services through the ECS API.

use crate::cli::{ApplyArgs, TargetArg};
use crate::cmd::Failure;
use crate::cmd::pipeline;
use crate::printer::Printer;
use crate::project;

pub fn run(printer: &Printer, args: &ApplyArgs) -> Result<(), Failure> {
    if args.pipeline.target != TargetArg::Ecs {
        return Err(Failure::Usage(format!(
            "apply supports --target ecs; for {} use the target's own tool (e.g. `score-x translate -o - | kubectl apply -f -`)",
            args.pipeline.target.target()
        )));
    }
    let _lock = project::lock(printer, &args.pipeline.state_dir).map_err(Failure::Fatal)?;
    let produced = pipeline::produce(printer, &args.pipeline)?;
    let options = &produced.options;
    let cluster = options
        .get("cluster")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let region = args.region.clone().or_else(|| {
        options
            .get("region")
            .and_then(|v| v.as_str())
            .map(str::to_string)
    });
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
    project::save_state(&args.pipeline.state_dir, &produced.state).map_err(Failure::Fatal)?;
    Ok(())
}
