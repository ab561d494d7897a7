//! `score-x completions` and `score-x man`: the bash script loads in a real bash and completes
//! subcommands and flags; the other shells' scripts and the man page are generated from the
//! same clap definition.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::{code, run_in, stdout};

fn script(shell: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_in(tmp.path(), &["completions", shell]);
    assert_eq!(code(&out), 0);
    stdout(&out)
}

/// Run `body` in bash after sourcing the bash completion script.
fn bash(body: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("score-x.bash");
    std::fs::write(&file, script("bash")).unwrap();
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("source '{}'\n{body}", file.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What bash completes for the words `line` (the last one being completed).
fn complete(line: &str) -> String {
    let words: Vec<&str> = line.split(' ').collect();
    let arr: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    bash(&format!(
        "COMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{line}'\nCOMP_POINT={}\n_score__x score-x '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
        arr.join(" "),
        words.len() - 1,
        line.len(),
        words[words.len() - 1],
        words[words.len().saturating_sub(2)],
    ))
}

#[test]
fn bash_completion_loads_and_completes() {
    let shown = bash("complete -p score-x");
    assert!(shown.contains("-F _score__x score-x"), "{shown}");
    let subs = complete("score-x tr");
    assert_eq!(subs.trim(), "translate");
    let flags = complete("score-x translate --pa");
    assert!(flags.lines().any(|l| l == "--patch"), "{flags}");
    let shells = complete("score-x completions ");
    for s in ["bash", "zsh", "fish", "powershell"] {
        assert!(shells.lines().any(|l| l == s), "{shells}");
    }
}

#[test]
fn every_shell_and_the_man_page() {
    assert!(script("zsh").starts_with("#compdef score-x"));
    assert!(script("fish").contains("complete -c score-x"));
    assert!(script("powershell").contains("Register-ArgumentCompleter"));
    let tmp = tempfile::tempdir().unwrap();
    let out = run_in(tmp.path(), &["man"]);
    assert_eq!(code(&out), 0);
    let man = stdout(&out);
    assert!(man.contains(".TH score-x 1"), "{man}");
    assert!(man.contains(".SH SUBCOMMANDS"), "{man}");
    assert!(man.contains("translate"), "{man}");
    let bad = run_in(tmp.path(), &["completions", "tcsh"]);
    assert_eq!(code(&bad), 2);
}
