//! The `score-x` binary: parse arguments, run the command, map the outcome to an exit code.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod cli;
mod cmd;
mod fsio;
mod inputs;
mod printer;
mod progress;
mod project;
mod registry;
mod runner;
mod schema;
mod source_reader;
mod sources;
mod table;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    cmd::run(cli)
}
