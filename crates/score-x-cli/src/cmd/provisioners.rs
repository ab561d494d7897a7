//! `score-x provisioners list`: the provisioners that will match, in match order.

use std::collections::BTreeMap;

use serde::Serialize;

use score_x_provision::{Origin, OutputSpec, ParamSpec, ProvisionerSet};
use score_x_spec::SourceFile;

use crate::cli::{ListFormat, ProvisionersListArgs};
use crate::cmd::Failure;
use crate::fsio;
use crate::inputs;
use crate::printer::Printer;
use crate::project;

#[derive(Serialize)]
struct Row<'a> {
    uri: &'a str,
    #[serde(rename = "type")]
    type_: &'a str,
    class: Option<&'a str>,
    id: Option<&'a str>,
    params: &'a BTreeMap<String, ParamSpec>,
    outputs: &'a BTreeMap<String, OutputSpec>,
    description: Option<&'a str>,
    source: String,
}

fn source_of(o: &Origin) -> String {
    match o {
        Origin::User(f) => f.clone(),
        Origin::Project(f) => f.clone(),
        Origin::Default(t) => format!("default ({t})"),
    }
}

pub fn list(printer: &Printer, args: &ProvisionersListArgs) -> Result<(), Failure> {
    let target = args.target.target();
    let mut set = ProvisionerSet::new();
    let mut sources = Vec::new();
    let mut diags = score_x_core::Diagnostics::new();
    let mut files: Vec<(std::path::PathBuf, bool)> = args
        .provisioners
        .iter()
        .map(|p| (p.clone(), true))
        .collect();
    files.extend(
        project::project_provisioner_files(&args.state_dir)
            .map_err(Failure::Fatal)?
            .into_iter()
            .map(|p| (p, false)),
    );
    for (p, user) in files {
        let text = fsio::read_text(&p).map_err(Failure::Fatal)?;
        let name = p.display().to_string();
        let origin = if user {
            Origin::User(name.clone())
        } else {
            Origin::Project(name.clone())
        };
        if let Err(d) = set.add_file(&name, &text, origin) {
            diags.extend(d);
        }
        sources.push(SourceFile { name, text });
    }
    if let Err(d) = set.add_defaults(target) {
        diags.extend(d);
    }
    if diags.has_errors() {
        inputs::report(printer, &diags, &sources);
        return Err(Failure::Invalid);
    }
    let rows: Vec<Row> = set
        .provisioners()
        .iter()
        .filter(|p| p.supports(target))
        .map(|p| Row {
            uri: &p.uri,
            type_: &p.type_,
            class: p.class.as_deref(),
            id: p.id.as_deref(),
            params: &p.params,
            outputs: &p.outputs,
            description: p.description.as_deref(),
            source: source_of(&p.origin),
        })
        .collect();
    match args.format {
        ListFormat::Json => {
            printer.json(&rows);
        }
        ListFormat::Table => {
            let table: Vec<[String; 6]> = rows
                .iter()
                .map(|r| {
                    [
                        r.type_.to_string(),
                        r.class.unwrap_or("*").to_string(),
                        r.id.unwrap_or("*").to_string(),
                        r.params.keys().cloned().collect::<Vec<_>>().join(", "),
                        r.outputs
                            .iter()
                            .map(|(k, o)| {
                                if o.secret {
                                    format!("{k} (secret)")
                                } else {
                                    k.clone()
                                }
                            })
                            .collect::<Vec<_>>()
                            .join(", "),
                        r.uri.to_string(),
                    ]
                })
                .collect();
            printer.out(&crate::table::render(
                &["TYPE", "CLASS", "ID", "PARAMS", "OUTPUTS", "URI"],
                &table,
            ));
        }
    }
    Ok(())
}
