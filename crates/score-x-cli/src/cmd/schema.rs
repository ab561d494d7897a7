//! `score-x schema [KIND] [--target T]`: print the JSON Schema of a file score-x reads (built by
//! `crate::schema` from the decoders' own tables) to stdout.

use crate::cli::{SchemaArgs, SchemaKind};
use crate::cmd::Failure;
use crate::printer::Printer;
use crate::schema::{self, Kind};

pub fn run(printer: &Printer, args: &SchemaArgs) -> Result<(), Failure> {
    let kind = match (args.kind, args.target) {
        (SchemaKind::TargetOptions, Some(t)) => Kind::TargetOptions(t.target()),
        (SchemaKind::TargetOptions, None) => {
            return Err(Failure::Usage(
                "`schema target-options` needs --target T".into(),
            ));
        }
        (_, Some(_)) => {
            return Err(Failure::Usage(
                "--target is only for `schema target-options`".into(),
            ));
        }
        (SchemaKind::Score, None) => Kind::Score,
        (SchemaKind::Provisioners, None) => Kind::Provisioners,
        (SchemaKind::Placement, None) => Kind::Placement,
        (SchemaKind::Patches, None) => Kind::Patches,
    };
    let value = schema::schema(kind).map_err(Failure::Usage)?;
    let text = serde_json::to_string_pretty(&value)
        .map_err(|e| Failure::Fatal(format!("cannot print the schema: {e}")))?;
    printer.out(&format!("{text}\n"));
    Ok(())
}
