//! Arbitrary bytes through the front end as the CLI reads a score file: strict text decoding,
//! the spanned YAML tree, decoding and checks, and the rendering of every diagnostic. Nothing may
//! panic; rendered diagnostics never hold a raw control character.

#![no_main]

use libfuzzer_sys::fuzz_target;
use score_x_core::diag::is_unsafe;
use score_x_spec::{FileReader, LoadOptions, SourceFile, load, render, text};

/// `files.*.source` is never read from disk here.
struct NoFiles;

impl FileReader for NoFiles {
    fn read(&self, _score_file: &str, path: &str) -> Result<Vec<u8>, String> {
        Err(format!("{path}: not available while fuzzing"))
    }
}

fuzz_target!(|data: &[u8]| {
    let text = match text::decode("fuzz.yaml", data) {
        Ok(t) => t,
        Err(d) => match String::from_utf8(data.to_vec()) {
            Ok(t) => t,
            Err(_) => {
                let shown = render(&[*d], &[], false);
                assert!(!shown.chars().any(is_unsafe));
                return;
            }
        },
    };
    let files = [SourceFile {
        name: "fuzz.yaml".into(),
        text,
    }];
    let diags = match load(&files, &NoFiles, &LoadOptions::default()) {
        Ok(loaded) => loaded.warnings,
        Err(diags) => diags,
    };
    let shown = render(&diags.0, &files, false);
    assert!(!shown.chars().any(is_unsafe));
});
