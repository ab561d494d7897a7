//! `gen-estate N DIR [--chart]`: write the benchmark estate of N workloads (see
//! `score_x_bench::estate`) as score files into DIR, for whole-process measurements
//! (`scripts/growth.sh`, `scripts/bench.sh`); with `--chart`, write the equivalent plain Helm
//! chart instead (`score_x_bench::helm_chart`), for the `helm template` comparison.

#![allow(clippy::print_stderr, clippy::exit)]

use std::path::PathBuf;

fn fail(code: i32, message: &str) -> ! {
    eprintln!("gen-estate: {message}");
    std::process::exit(code);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let chart = args.iter().any(|a| a == "--chart");
    let rest: Vec<&String> = args.iter().filter(|a| *a != "--chart").collect();
    let [n, dir] = rest.as_slice() else {
        fail(2, "usage: gen-estate N DIR [--chart]");
    };
    let Ok(n) = n.parse::<usize>() else {
        fail(2, &format!("N must be a whole number, got `{n}`"));
    };
    let dir = PathBuf::from(dir);
    let files = if chart {
        score_x_bench::helm_chart(n)
    } else {
        score_x_bench::estate(n)
    };
    for f in files {
        let path = dir.join(&f.name);
        if let Some(parent) = path.parent()
            && let Err(e) = std::fs::create_dir_all(parent)
        {
            fail(1, &format!("cannot create `{}`: {e}", parent.display()));
        }
        if let Err(e) = std::fs::write(&path, f.text) {
            fail(1, &format!("cannot write `{}`: {e}", path.display()));
        }
    }
}
