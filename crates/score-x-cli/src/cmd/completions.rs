//! `score-x completions SHELL`: the completion script clap_complete generates from the same
//! clap definition the binary parses with, so it never drifts from the real flags.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, CompletionShell, CompletionsArgs};
use crate::cmd::Failure;
use crate::printer::Printer;

pub fn run(printer: &Printer, args: &CompletionsArgs) -> Result<(), Failure> {
    let shell = match args.shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
        CompletionShell::Powershell => Shell::PowerShell,
    };
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "score-x", &mut out);
    if shell == Shell::Bash {
        out = fix_bash(&out);
    }
    printer.out_bytes(&out);
    Ok(())
}

/// clap_complete 4.6 spells the state of a subcommand of a hyphenated binary two ways in its
/// bash script (clap-rs/clap#6421, open): the word loop sets `score__x__subcmd__translate`, the
/// case arms test `score__subcmd__x__subcmd__translate`, so no subcommand's flags complete.
/// Spell the arms as the loop does (tests/cli_completions.rs checks it in a real bash).
fn fix_bash(script: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(script)
        .replace("score__subcmd__x__", "score__x__")
        .into_bytes()
}
