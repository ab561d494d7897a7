//! `floor FILE…`: the parse-and-serialise floor of an estate: read every file, parse it with
//! serde_yaml and write it as JSON to a sink. What `translate` is compared with in
//! `scripts/bench.sh` (no validation, no provisioning, no output files).

#![allow(clippy::print_stderr, clippy::print_stdout, clippy::exit)]

use std::io::Write as _;

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: floor FILE…");
        std::process::exit(2);
    }
    let mut sink = std::io::sink();
    let mut bytes = 0usize;
    for f in &files {
        let text = match std::fs::read_to_string(f) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("floor: cannot read `{f}`: {e}");
                std::process::exit(1);
            }
        };
        let value: serde_yaml::Value = match serde_yaml::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("floor: `{f}` is not YAML: {e}");
                std::process::exit(1);
            }
        };
        match serde_json::to_vec(&value) {
            Ok(json) => {
                bytes += json.len();
                let _ = sink.write_all(&json);
            }
            Err(e) => {
                eprintln!("floor: `{f}` has no JSON form: {e}");
                std::process::exit(1);
            }
        }
    }
    println!("{} files, {bytes} JSON bytes", files.len());
}
