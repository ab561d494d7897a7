//! `gen-estate N DIR [--chart] [--extra K]`: write the benchmark estate of N workloads (see
//! `score_x_bench::estate`) as score files into DIR, for whole-process measurements
//! (`scripts/growth.sh`, `scripts/bench.sh`); with `--extra K` (0 to 3), K more private
//! resources in every workload (`score_x_bench::estate_with`); with `--chart`, write the
//! equivalent plain Helm chart instead (`score_x_bench::helm_chart`), for the `helm template`
//! comparison.

#![allow(clippy::print_stderr, clippy::exit)]

use std::path::PathBuf;

fn fail(code: i32, message: &str) -> ! {
    eprintln!("gen-estate: {message}");
    std::process::exit(code);
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let chart = args.iter().any(|a| a == "--chart");
    args.retain(|a| a != "--chart");
    let extra = match args.iter().position(|a| a == "--extra") {
        None => 0,
        Some(i) => {
            let k = args.get(i + 1).and_then(|k| k.parse::<usize>().ok());
            let Some(k) = k.filter(|k| *k <= 3) else {
                fail(2, "--extra takes a number of resources from 0 to 3");
            };
            args.drain(i..i + 2);
            k
        }
    };
    let [n, dir] = args.as_slice() else {
        fail(2, "usage: gen-estate N DIR [--chart] [--extra K]");
    };
    let Ok(n) = n.parse::<usize>() else {
        fail(2, &format!("N must be a whole number, got `{n}`"));
    };
    let dir = PathBuf::from(dir);
    let files = if chart {
        score_x_bench::helm_chart(n)
    } else {
        score_x_bench::estate_with(n, extra)
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
