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

/// mimalloc instead of the system allocator: translate allocates many small, short-lived
/// strings and maps, and glibc malloc took a quarter of its CPU at 1,000 workloads; it hands
/// freed memory back after 100 ms (docs/performance.md).
#[global_allocator]
static GLOBAL: score_x_alloc::Allocator = score_x_alloc::Allocator;

fn main() -> ExitCode {
    score_x_alloc::configure();
    let cli = cli::Cli::parse();
    cmd::run(cli)
}
