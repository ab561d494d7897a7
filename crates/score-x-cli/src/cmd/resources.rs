//! `score-x resources list|get-outputs`: what the state records about provisioned resources.

use serde::Serialize;

use score_x_core::Target;
use score_x_provision::{ProjectState, ResourceState, State};

use crate::cli::{GetOutputsArgs, ListFormat, OutputsFormat, ResourcesListArgs};
use crate::cmd::Failure;
use crate::fsio;
use crate::printer::Printer;
use crate::project;

fn read_state(dir: &std::path::Path) -> Result<ProjectState, Failure> {
    let path = project::state_path(dir);
    if !path.exists() {
        return Err(Failure::Fatal(format!(
            "no state at `{}` (hint: run `score-x translate` first, or pass --state-dir)",
            path.display()
        )));
    }
    let text = fsio::read_text(&path).map_err(Failure::Fatal)?;
    ProjectState::parse(&text, &path.display().to_string()).map_err(|d| {
        Failure::Fatal(
            d.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
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
fn targets(p: &ProjectState, only: Option<Target>) -> Vec<(Target, State)> {
    p.targets
        .keys()
        .copied()
        .filter(|t| only.is_none_or(|o| o == *t))
        .map(|t| (t, p.target(t)))
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
    let holders: Vec<&(Target, State)> = states
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
