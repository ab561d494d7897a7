//! `score-x resources list|get-outputs`: what the state records about provisioned resources.

use serde::Serialize;

use score_x_provision::{ResourceState, State};

use crate::cli::{GetOutputsArgs, ListFormat, OutputsFormat, ResourcesListArgs};
use crate::cmd::Failure;
use crate::fsio;
use crate::printer::Printer;
use crate::project;

fn read_state(dir: &std::path::Path) -> Result<State, Failure> {
    let path = project::state_path(dir);
    if !path.exists() {
        return Err(Failure::Fatal(format!(
            "no state at `{}` (hint: run `score-x translate` first, or pass --state-dir)",
            path.display()
        )));
    }
    let text = fsio::read_text(&path).map_err(Failure::Fatal)?;
    State::parse(&text, &path.display().to_string()).map_err(|d| {
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

#[derive(Serialize)]
struct Row<'a> {
    uid: &'a str,
    #[serde(rename = "type")]
    type_: &'a str,
    provisioner: &'a str,
    source_workload: &'a str,
    outputs: serde_json::Value,
    orphaned: bool,
}

pub fn list(printer: &Printer, args: &ResourcesListArgs) -> Result<(), Failure> {
    let state = read_state(&args.state_dir)?;
    let rows: Vec<Row> = state
        .resources
        .iter()
        .map(|(uid, r)| Row {
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
            let mut s = serde_json::to_string_pretty(&rows).unwrap_or_default();
            s.push('\n');
            printer.out(&s);
        }
        ListFormat::Table => {
            let table: Vec<[String; 4]> = rows
                .iter()
                .map(|r| {
                    let outs = r
                        .outputs
                        .as_object()
                        .map(|m| m.keys().cloned().collect::<Vec<_>>().join(", "))
                        .unwrap_or_default();
                    [
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
                &["UID", "STATUS", "PROVISIONER", "OUTPUTS"],
                &table,
            ));
        }
    }
    Ok(())
}

pub fn get_outputs(printer: &Printer, args: &GetOutputsArgs) -> Result<(), Failure> {
    let state = read_state(&args.state_dir)?;
    let Some(r) = state.resources.get(&args.uid) else {
        let known: Vec<&str> = state.resources.keys().map(String::as_str).collect();
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
        OutputsFormat::Json => {
            let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
            s.push('\n');
            s
        }
        OutputsFormat::Yaml => serde_yaml::to_string(&v).unwrap_or_default(),
    };
    printer.out(&text);
    Ok(())
}
