//! `score-x apply --target ecs`: translate, then plan (reads only, every precondition) and
//! act through the ECS API. The plan and the result go to stdout (`--format text|json`).

use score_x_core::Target;
use score_x_ecs::apply::{ApplyOptions, ApplyReport, Session};

use crate::cli::{ApplyArgs, ApplyFormat};
use crate::cmd::Failure;
use crate::cmd::pipeline;
use crate::printer::Printer;
use crate::project;

fn fatal(e: score_x_ecs::Error) -> Failure {
    Failure::Fatal(score_x_core::Diagnostic::from(e).to_string())
}

pub fn run(printer: &Printer, args: &ApplyArgs) -> Result<(), Failure> {
    if args.pipeline.placement.is_some() {
        return Err(Failure::Usage(
            "apply deploys one target (--target ecs); --placement is for translate".into(),
        ));
    }
    let target = pipeline::single_target(&args.pipeline)?;
    if target != Target::ECS {
        return Err(Failure::Usage(format!(
            "apply supports --target ecs only; for {target} use the target's own tool (e.g. `score-x translate -o - | kubectl apply -f -`)"
        )));
    }
    let _lock = project::lock(printer, &args.pipeline.state_dir).map_err(Failure::Fatal)?;
    let produced = pipeline::produce(printer, &args.pipeline, None)?;
    let Some(options) = produced
        .backend
        .options_any()
        .downcast_ref::<score_x_ecs::Options>()
    else {
        return Err(Failure::Fatal("the ecs backend has no ECS options".into()));
    };
    let opts = ApplyOptions {
        endpoint_url: args.endpoint_url.clone(),
        region: args.region.clone(),
        create_cluster: args.create_cluster,
        allow_missing_secrets: args.allow_missing_secrets,
        ..Default::default()
    };
    let session =
        Session::open(&produced.resolved, &produced.plan, options, &opts).map_err(fatal)?;
    let plan = session.plan().clone();
    if args.format == ApplyFormat::Text {
        printer.out(&plan.to_string());
    }
    if args.dry_run {
        if args.format == ApplyFormat::Json {
            print_json(printer, &plan, None);
        }
        return Ok(());
    }
    let result = session.execute().map_err(fatal)?;
    match args.format {
        ApplyFormat::Text => printer.out(&result.to_string()),
        ApplyFormat::Json => print_json(printer, &plan, Some(&result)),
    }
    let text = produced
        .state_text
        .as_ref()
        .map_err(|e| Failure::Fatal(e.clone()))?;
    project::write_state(&args.pipeline.state_dir, text).map_err(Failure::Fatal)?;
    Ok(())
}

fn print_json(printer: &Printer, plan: &ApplyReport, result: Option<&ApplyReport>) {
    printer.json(&serde_json::json!({ "plan": plan, "result": result }));
}
