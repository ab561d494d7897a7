//! `gen-estate N DIR`: write the benchmark estate of N workloads (see `score_x_bench::estate`)
//! as score files into DIR, for whole-process measurements (`scripts/growth.sh`, hyperfine).

#![allow(clippy::print_stderr, clippy::exit)]

use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(n), Some(dir)) = (args.next(), args.next()) else {
        eprintln!("usage: gen-estate N DIR");
        std::process::exit(2);
    };
    let Ok(n) = n.parse::<usize>() else {
        eprintln!("gen-estate: N must be a whole number, got `{n}`");
        std::process::exit(2);
    };
    let dir = PathBuf::from(dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("gen-estate: cannot create `{}`: {e}", dir.display());
        std::process::exit(1);
    }
    for f in score_x_bench::estate(n) {
        if let Err(e) = std::fs::write(dir.join(&f.name), f.text) {
            eprintln!("gen-estate: cannot write `{}`: {e}", f.name);
            std::process::exit(1);
        }
    }
}
