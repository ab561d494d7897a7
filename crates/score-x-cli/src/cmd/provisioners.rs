//! `score-x provisioners list`: the provisioners that will match, in match order.

use std::collections::BTreeMap;

use serde::Serialize;

use score_x_provision::{Origin, OutputSpec, ParamSpec};
use score_x_spec::SourceFile;

use crate::cli::{ListFormat, ProvisionersListArgs};
use crate::cmd::Failure;
use crate::cmd::pipeline::provisioner_set;
use crate::inputs;
use crate::printer::Printer;
use crate::sources::{self, Mode};

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
    let user = sources::load(printer, &args.provisioners, &args.state_dir, Mode::ReadOnly)
        .map_err(Failure::Fatal)?;
    let set = match provisioner_set(&user, &args.state_dir, target, None) {
        Ok((set, _)) => set,
        Err(Ok(diags)) => {
            let sources: Vec<SourceFile> = user
                .files
                .iter()
                .map(|f| SourceFile {
                    name: f.name.clone(),
                    text: f.text.clone(),
                })
                .collect();
            inputs::report(printer, &diags, &sources);
            return Err(Failure::Invalid);
        }
        Err(Err(f)) => return Err(f),
    };
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
