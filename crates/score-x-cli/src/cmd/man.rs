//! `score-x man`: the man page score-x(1) in roff, rendered by clap_mangen from the clap
//! definition (name, synopsis, options, the subcommands, version).

use clap::CommandFactory;

use crate::cli::Cli;
use crate::cmd::Failure;
use crate::printer::Printer;

pub fn run(printer: &Printer) -> Result<(), Failure> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| Failure::Fatal(format!("cannot render the man page: {e}")))?;
    printer.out_bytes(&out);
    Ok(())
}
