//! The one place that writes to stdout and stderr: artifacts to stdout, diagnostics to stderr
//! (control characters that came from the input escaped, whatever `--color` says).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{IsTerminal, Write};

use score_x_core::Diagnostic;
use score_x_spec::SourceFile;

use crate::cli::ColorChoice;
use crate::progress::Progress;

/// Writes results to stdout and diagnostics to stderr (and the progress line of long runs).
pub struct Printer {
    color: bool,
    progress: Progress,
}

impl Printer {
    pub fn new(choice: ColorChoice) -> Self {
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        Printer {
            color,
            progress: Progress::default(),
        }
    }

    /// Show a progress line on stderr if this run lasts over a second, when `wanted` (the
    /// command's output is not JSON) and stderr is a terminal; never into a pipe or a file.
    pub fn with_progress(mut self, wanted: bool) -> Self {
        if wanted && std::io::stderr().is_terminal() {
            self.progress.enable();
        }
        self
    }

    /// Name the stage of the run on the progress line (if any).
    pub fn stage(&self, what: &str) {
        self.progress.stage(what);
    }

    /// Remove the progress line (the run is over).
    pub fn finish(&self) {
        self.progress.finish();
    }

    /// Write to stdout exactly as given.
    pub fn out(&self, s: &str) {
        let mut o = std::io::stdout().lock();
        // A closed pipe (e.g. `| head`) is not an error worth reporting.
        let _ = o.write_all(s.as_bytes());
        let _ = o.flush();
    }

    /// Pretty JSON with a trailing newline to stdout.
    pub fn json<T: serde::Serialize>(&self, value: &T) {
        self.out(&pretty_json(value));
    }

    /// Write bytes to stdout.
    pub fn out_bytes(&self, b: &[u8]) {
        let mut o = std::io::stdout().lock();
        let _ = o.write_all(b);
        let _ = o.flush();
    }

    /// A line to stderr, control characters from the input (file names, keys) escaped.
    pub fn err(&self, s: &str) {
        self.progress
            .suspend(|| eprintln!("{}", score_x_core::diag::escape_controls(s)));
    }

    /// Render diagnostics with source snippets to stderr.
    pub fn diagnostics(&self, diags: &[Diagnostic], sources: &[SourceFile]) {
        if diags.is_empty() {
            return;
        }
        let text = score_x_spec::render(diags, sources, self.color);
        self.progress.suspend(|| {
            eprint!("{text}");
            if !text.ends_with('\n') {
                eprintln!();
            }
        });
    }
}

/// Pretty-printed JSON with a trailing newline (serialising our own types cannot fail).
/// serde_json escapes C0 controls; DEL, C1 controls and bidi overrides from the input are
/// written as `\uXXXX` escapes too, so the document reads back to the same values and cannot
/// drive a terminal.
pub fn pretty_json<T: serde::Serialize>(value: &T) -> String {
    let s = serde_json::to_string_pretty(value).unwrap_or_default();
    let mut out = String::with_capacity(s.len() + 1);
    for c in s.chars() {
        if score_x_core::diag::is_unsafe(c) {
            // Never C0 here (serde_json escaped them), so always a single UTF-16 unit.
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_every_control_character_and_reads_back_the_same() {
        let v = serde_json::json!({"k\u{1b}": "a\u{7f}b\u{9b}c\u{202e}d\u{7}"});
        let s = pretty_json(&v);
        assert!(
            !s.trim_end().chars().any(score_x_core::diag::is_unsafe),
            "{s:?}"
        );
        assert!(s.contains("a\\u007fb\\u009bc\\u202ed\\u0007"), "{s}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&s).unwrap(), v);
    }
}
