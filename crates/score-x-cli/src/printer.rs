//! The one place that writes to stdout and stderr: artifacts to stdout, diagnostics to stderr.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{IsTerminal, Write};

use score_x_core::Diagnostic;
use score_x_spec::SourceFile;

use crate::cli::ColorChoice;

/// Writes results to stdout and diagnostics to stderr.
pub struct Printer {
    color: bool,
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
        Printer { color }
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

    /// A line to stderr.
    pub fn err(&self, s: &str) {
        eprintln!("{s}");
    }

    /// Render diagnostics with source snippets to stderr.
    pub fn diagnostics(&self, diags: &[Diagnostic], sources: &[SourceFile]) {
        if diags.is_empty() {
            return;
        }
        let text = score_x_spec::render(diags, sources, self.color);
        eprint!("{text}");
        if !text.ends_with('\n') {
            eprintln!();
        }
    }
}

/// Pretty-printed JSON with a trailing newline (serialising our own types cannot fail).
pub fn pretty_json<T: serde::Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    s
}
