//! Arbitrary bytes as one Score file through the whole pipeline the CLI runs for kubernetes:
//! load → resource graph → plan → provisioning with the embedded defaults (no command is run, no
//! file read) → `emit_checked` (capability check, emit, leak check). Nothing may panic or hang;
//! rendered diagnostics never hold a raw control character.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use score_x_core::Target;
use score_x_fuzz::{assert_safe_rendering, translate};
use score_x_provision::ProvisionerSet;
use score_x_spec::{SourceFile, text};

/// Compiled once: loading every default template per input would dominate the run.
static DEFAULTS: LazyLock<ProvisionerSet> = LazyLock::new(|| {
    let mut set = ProvisionerSet::new();
    set.add_defaults(Target::KUBERNETES)
        .expect("the embedded defaults load");
    set
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = text::decode("fuzz.score.yaml", data) else {
        return;
    };
    let files = [SourceFile {
        name: "fuzz.score.yaml".into(),
        text,
    }];
    if let Err(diags) = translate(&files, &DEFAULTS) {
        assert_safe_rendering(&diags, &files);
    }
});
