//! `score-x resources list|get-outputs|prune`: what the state records about provisioned
//! resources, and removing what no input declares any more.

use serde::Serialize;

use score_x_core::Target;
use score_x_provision::{ResourceState, StateFile, TargetState};

use crate::cli::{GetOutputsArgs, ListFormat, OutputsFormat, PruneArgs, ResourcesListArgs};
use crate::cmd::Failure;
use crate::printer::Printer;
use crate::project;

fn read_state(dir: &std::path::Path) -> Result<StateFile, Failure> {
    let diags = |d: score_x_core::Diagnostics| {
        Failure::Fatal(
            d.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    };
    project::read_file(dir).map_err(diags)?.ok_or_else(|| {
        Failure::Fatal(format!(
            "no state at `{}` (hint: run `score-x translate` first, or pass --state-dir)",
            project::state_path(dir).display()
        ))
    })
}

/// Outputs as JSON: plain values as they are; secret outputs masked, or their locator when shown.
fn outputs_json(r: &ResourceState, show_secrets: bool) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for (k, v) in &r.outputs {
        m.insert(k.clone(), v.clone());
    }
    for (k, s) in &r.secret_outputs {
        let v = if show_secrets {
            serde_json::json!({ "secret": { "name": s.name, "key": s.key } })
        } else {
            serde_json::Value::String("<secret>".into())
        };
        m.insert(k.clone(), v);
    }
    serde_json::Value::Object(m)
}

/// Each translated target's state, optionally only one.
fn targets(p: &StateFile, only: Option<Target>) -> Vec<(Target, &TargetState)> {
    p.targets
        .iter()
        .filter(|(t, _)| only.is_none_or(|o| o == **t))
        .map(|(t, s)| (*t, s))
        .collect()
}

#[derive(Serialize)]
struct Row<'a> {
    target: Target,
    uid: &'a str,
    #[serde(rename = "type")]
    type_: &'a str,
    provisioner: &'a str,
    source_workload: &'a str,
    outputs: serde_json::Value,
    orphaned: bool,
}

pub fn list(printer: &Printer, args: &ResourcesListArgs) -> Result<(), Failure> {
    let project = read_state(&args.state_dir)?;
    let states = targets(&project, args.target.map(|t| t.target()));
    let rows: Vec<Row> = states
        .iter()
        .flat_map(|(t, state)| state.resources.iter().map(move |(uid, r)| (*t, uid, r)))
        .map(|(target, uid, r)| Row {
            target,
            uid,
            type_: &r.type_,
            provisioner: &r.provisioner,
            source_workload: &r.source_workload,
            outputs: outputs_json(r, false),
            orphaned: r.orphaned,
        })
        .collect();
    match args.format {
        ListFormat::Json => {
            printer.json(&rows);
        }
        ListFormat::Table => {
            let table: Vec<[String; 5]> = rows
                .iter()
                .map(|r| {
                    let outs = r
                        .outputs
                        .as_object()
                        .map(|m| m.keys().cloned().collect::<Vec<_>>().join(", "))
                        .unwrap_or_default();
                    [
                        r.target.to_string(),
                        r.uid.to_string(),
                        if r.orphaned {
                            "orphaned".to_string()
                        } else {
                            "active".to_string()
                        },
                        r.provisioner.to_string(),
                        outs,
                    ]
                })
                .collect();
            printer.out(&crate::table::render(
                &["TARGET", "UID", "STATUS", "PROVISIONER", "OUTPUTS"],
                &table,
            ));
        }
    }
    Ok(())
}

pub fn get_outputs(printer: &Printer, args: &GetOutputsArgs) -> Result<(), Failure> {
    let project = read_state(&args.state_dir)?;
    let states = targets(&project, args.target.map(|t| t.target()));
    let holders: Vec<&(Target, &TargetState)> = states
        .iter()
        .filter(|(_, s)| s.resources.contains_key(&args.uid))
        .collect();
    if holders.len() > 1 {
        let names: Vec<String> = holders.iter().map(|(t, _)| t.to_string()).collect();
        return Err(Failure::Usage(format!(
            "`{}` was provisioned for several targets ({}); choose one with --target",
            args.uid,
            names.join(", ")
        )));
    }
    let Some(r) = holders
        .first()
        .and_then(|(_, s)| s.resources.get(&args.uid))
    else {
        let known: Vec<&str> = states
            .iter()
            .flat_map(|(_, s)| s.resources.keys().map(String::as_str))
            .collect();
        let hint = score_x_core::diag::did_you_mean(&args.uid, known.iter().copied())
            .map(|m| format!(" (did you mean `{m}`?)"))
            .unwrap_or_default();
        return Err(Failure::Fatal(format!(
            "no resource `{}` in the state{hint}",
            args.uid
        )));
    };
    let v = outputs_json(r, args.show_secrets);
    let text = match args.format {
        OutputsFormat::Json => crate::printer::pretty_json(&v),
        OutputsFormat::Yaml => score_x_core::yaml::to_yaml(&v),
    };
    printer.out(&text);
    Ok(())
}

/// Remove the entries the last translate flagged `orphaned`, under the project lock.
pub fn prune(printer: &Printer, args: &PruneArgs) -> Result<(), Failure> {
    let _lock = if args.dry_run {
        None
    } else {
        Some(project::lock(printer, &args.state_dir).map_err(Failure::Fatal)?)
    };
    let mut file = read_state(&args.state_dir)?;
    let only = args.target.map(|t| t.target());
    let mut removed = Vec::new();
    for (target, section) in file.targets.iter_mut() {
        if only.is_some_and(|o| o != *target) {
            continue;
        }
        section.resources.retain(|uid, r| {
            if r.orphaned {
                removed.push(format!(
                    "{target}: resource `{uid}` (workload `{}`)",
                    r.source_workload
                ));
            }
            !r.orphaned
        });
        section.workloads.retain(|name, w| {
            if w.orphaned {
                removed.push(format!("{target}: workload `{name}` (from {})", w.file));
            }
            !w.orphaned
        });
    }
    let verb = if args.dry_run {
        "would remove"
    } else {
        "removed"
    };
    for r in &removed {
        printer.out(&format!("{verb} {r}\n"));
    }
    if removed.is_empty() {
        printer.err("nothing to prune: no workload or resource in the state is orphaned");
        return Ok(());
    }
    if args.dry_run {
        printer.err(&format!(
            "{} entr{} would be removed (run without --dry-run to remove them)",
            removed.len(),
            if removed.len() == 1 { "y" } else { "ies" }
        ));
        return Ok(());
    }
    if let Some(seed) = &file.legacy_seed
        && !project::seed_path(&args.state_dir).exists()
    {
        project::save_seed(&args.state_dir, seed).map_err(Failure::Fatal)?;
    }
    project::save_sections(&args.state_dir, &file).map_err(Failure::Fatal)?;
    printer.err(&format!(
        "removed {} entr{} from {}",
        removed.len(),
        if removed.len() == 1 { "y" } else { "ies" },
        project::state_path(&args.state_dir).display()
    ));
    Ok(())
}
