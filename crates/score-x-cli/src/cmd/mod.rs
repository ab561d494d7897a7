//! Command dispatch and the mapping of outcomes to exit codes (0 ok, 1 invalid/failed, 2 usage).

#[cfg(feature = "ecs")]
mod apply;
mod check;
mod completions;
mod estate;
mod front_half;
mod graph;
mod init;
mod kyaml;
mod man;
mod output;
mod patches;
mod pipeline;
mod provisioners;
mod resources;
mod schema;
mod secrets;
mod staging;
mod translate;
mod validate;

use std::process::ExitCode;

use crate::cli::{Cli, Command, ProvisionersCommand, ResourcesCommand};
use crate::printer::Printer;

/// Why a command did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// Invalid input or failed check; diagnostics were already printed.
    Invalid,
    /// A fatal problem to print (exit 1).
    Fatal(String),
    /// Wrong usage (exit 2).
    Usage(String),
}

pub fn run(cli: Cli) -> ExitCode {
    let printer = Printer::new(cli.color).with_progress(wants_progress(&cli.command));
    let result = match &cli.command {
        Command::Init(a) => init::run(&printer, a),
        Command::Validate(a) => validate::run(&printer, a),
        Command::Graph(a) => graph::run(&printer, a),
        Command::Check(a) => check::run(&printer, a),
        Command::Translate(a) => translate::run(&printer, a),
        #[cfg(feature = "ecs")]
        Command::Apply(a) => apply::run(&printer, a),
        #[cfg(not(feature = "ecs"))]
        Command::Apply(_) => Err(Failure::Usage(
            "apply deploys to ECS, and this build has no ecs target".into(),
        )),
        Command::Provisioners(ProvisionersCommand::List(a)) => provisioners::list(&printer, a),
        Command::Resources(ResourcesCommand::List(a)) => resources::list(&printer, a),
        Command::Resources(ResourcesCommand::GetOutputs(a)) => resources::get_outputs(&printer, a),
        Command::Resources(ResourcesCommand::Prune(a)) => resources::prune(&printer, a),
        Command::Completions(a) => completions::run(&printer, a),
        Command::Schema(a) => schema::run(&printer, a),
        Command::Man => man::run(&printer),
    };
    printer.finish();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Invalid) => ExitCode::from(1),
        Err(Failure::Fatal(msg)) => {
            printer.err(&format!("error: {msg}"));
            ExitCode::from(1)
        }
        Err(Failure::Usage(msg)) => {
            printer.err(&format!("error: {msg}"));
            ExitCode::from(2)
        }
    }
}

/// Free `value` on another thread: an estate's model or bundle is millions of small
/// allocations, and the run does not wait for them to be given back (when the process ends
/// first, the operating system takes the whole heap back at once).
pub(crate) fn free_later<T: Send + 'static>(value: T) {
    // If no thread can be started, the closure and `value` with it are dropped here.
    let _ = std::thread::Builder::new().spawn(move || drop(value));
}

/// Commands that can run long and print no JSON get a progress line (translate, and apply in
/// text format); the quick inspection commands never do.
fn wants_progress(command: &Command) -> bool {
    match command {
        Command::Translate(_) => true,
        Command::Apply(a) => matches!(a.format, crate::cli::ApplyFormat::Text),
        _ => false,
    }
}
