//! `mem-stages N [TARGET [DIR]]`: heap bytes live after each pipeline stage, and the peak within
//! it, for a generated estate of N workloads, or the score files `DIR/*.yaml` (N then ignored)
//! (`peak_alloc`'s counting allocator; library pipeline only, no CLI state or writes). Shows
//! which stage's values are retained at the process's peak.

#![allow(clippy::print_stderr, clippy::print_stdout)]

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use peak_alloc::PeakAlloc;
use score_x_bench::{NoCommands, NoFiles, estate};
use score_x_core::Target;
use score_x_core::driver::Backend as _;
use score_x_core::graph::ResourceGraph;
use score_x_core::plan::Plan;
use score_x_core::stream::Sink;
use score_x_provision::{Context, ProvisionerSet, State};
use score_x_spec::LoadOptions;

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

/// Print the live and peak bytes since the last report, per workload, then reset the peak.
fn report(stage: &str, n: usize) {
    let live = HEAP.current_usage();
    let peak = HEAP.peak_usage();
    HEAP.reset_peak_usage();
    println!(
        "{stage:<28} live {:>8.1} MB ({:>6.1} KB/workload)  peak {:>8.1} MB ({:>6.1} KB/workload)",
        live as f64 / 1e6,
        live as f64 / 1e3 / n as f64,
        peak as f64 / 1e6,
        peak as f64 / 1e3 / n as f64,
    );
}

/// The score files `dir/*.yaml`, by name.
fn read_dir(dir: &str) -> std::io::Result<Vec<score_x_spec::SourceFile>> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let path = e?.path();
        if path.extension().is_some_and(|x| x == "yaml") {
            let text = std::fs::read_to_string(&path)?;
            let name = path.display().to_string();
            files.push(score_x_spec::SourceFile { name, text });
        }
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(n) = args.next().and_then(|a| a.parse::<usize>().ok()) else {
        eprintln!("usage: mem-stages N [kubernetes|helm|ecs|nomad [DIR]]");
        return ExitCode::from(2);
    };
    let target = match args.next().map(|a| a.parse::<Target>().ok()) {
        None => Target::KUBERNETES,
        Some(Some(t)) => t,
        Some(None) => {
            eprintln!("mem-stages: unknown target");
            return ExitCode::from(2);
        }
    };
    let files = match args.next() {
        None => estate(n),
        Some(dir) => match read_dir(&dir) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("mem-stages: cannot read `{dir}`: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    let n = files.len().max(1);
    sizes();
    report("estate text", n);
    let Ok(loaded) = score_x_spec::load(&files, &NoFiles, &LoadOptions::default()) else {
        eprintln!("mem-stages: the estate did not load");
        return ExitCode::FAILURE;
    };
    report("load (App)", n);
    let Ok(graph) = ResourceGraph::build(&loaded.app) else {
        eprintln!("mem-stages: no graph");
        return ExitCode::FAILURE;
    };
    report("graph", n);
    let mut set = ProvisionerSet::new();
    if set.add_defaults(target).is_err() {
        eprintln!("mem-stages: no default provisioners");
        return ExitCode::FAILURE;
    }
    report("provisioner set", n);
    let mut state = State::new("bench-seed".into());
    let ctx = Context {
        target,
        options: serde_json::json!({}),
        runner: &NoCommands,
    };
    // As the CLI does: the App is consumed as its workloads are resolved.
    let Ok((resolved, _)) =
        score_x_provision::provision_owned(loaded.app, &graph, &set, &mut state, &ctx)
    else {
        eprintln!("mem-stages: the estate did not resolve");
        return ExitCode::FAILURE;
    };
    report("provision+resolve (+Resolved)", n);
    drop((graph, set));
    report("graph, set dropped", n);
    let Ok(plan) = Plan::of_resolved(&resolved) else {
        eprintln!("mem-stages: no plan");
        return ExitCode::FAILURE;
    };
    report("plan", n);
    breakdown(&resolved, n);
    // Held through emit, as the CLI holds it.
    let scanner = score_x_core::leak::SecretScanner::of(&resolved);
    report("leak scanner", n);
    // As the CLI writes into a directory: the parts a backend hands over are written and
    // dropped (here counted and dropped), the rest is held until emit returns.
    let counted = Counted::default();
    let rest = match emit(&resolved, &plan, target, &counted) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("mem-stages: emit failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    report("emit", n);
    drop(scanner);
    counted.take(rest);
    println!(
        "bundle: {} files, {:.1} MB",
        counted.files.load(Ordering::Relaxed),
        counted.bytes.load(Ordering::Relaxed) as f64 / 1e6
    );
    ExitCode::SUCCESS
}

/// Counts the files handed over, then drops them.
#[derive(Default)]
struct Counted {
    files: AtomicUsize,
    bytes: AtomicUsize,
}

impl Sink for Counted {
    fn take(&self, part: score_x_core::Bundle) {
        let bytes: usize = part.files.values().map(Vec::len).sum();
        self.files.fetch_add(part.files.len(), Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    fn append(&self, _path: &str, piece: Vec<u8>, _store: Vec<std::ops::Range<usize>>) {
        self.bytes.fetch_add(piece.len(), Ordering::Relaxed);
    }
}

fn emit(
    resolved: &score_x_core::Resolved,
    plan: &Plan,
    target: Target,
    sink: &dyn Sink,
) -> Result<score_x_core::Bundle, String> {
    let fail = |e: &dyn std::fmt::Debug| format!("{e:?}");
    match target.as_str() {
        "helm" => score_x_helm::Helm::emit_into(resolved, plan, &Default::default(), sink)
            .map_err(|e| fail(&e)),
        "ecs" => {
            let opts = score_x_bench::ecs_options().map_err(|e| fail(&e))?;
            score_x_ecs::emit_into(resolved, plan, &opts, sink).map_err(|e| fail(&e))
        }
        "nomad" => score_x_nomad::Nomad::emit_into(resolved, plan, &Default::default(), sink)
            .map_err(|e| fail(&e)),
        _ => score_x_kubernetes::emit_into(resolved, plan, &Default::default(), sink)
            .map_err(|e| fail(&e)),
    }
}

/// The heap bytes of each part of the resolved model, measured as the growth of a clone of it.
fn breakdown(resolved: &score_x_core::Resolved, n: usize) {
    let part = |name: &str, clone: &dyn Fn() -> Box<dyn std::any::Any>| {
        let before = HEAP.current_usage();
        let copy = clone();
        let bytes = HEAP.current_usage().saturating_sub(before);
        drop(copy);
        println!(
            "  resolved {name:<22} {:>8.1} MB ({:>6.1} KB/workload)",
            bytes as f64 / 1e6,
            bytes as f64 / 1e3 / n as f64
        );
    };
    let res = resolved.resources();
    part("workloads", &|| Box::new(resolved.workloads().clone()));
    part("resource artifacts", &|| {
        Box::new(
            res.values()
                .map(|r| r.artifacts.clone())
                .collect::<Vec<_>>(),
        )
    });
    part("resource outputs", &|| {
        Box::new(res.values().map(|r| r.outputs.clone()).collect::<Vec<_>>())
    });
    part("resource params", &|| {
        Box::new(res.values().map(|r| r.params.clone()).collect::<Vec<_>>())
    });
    part("bindings", &|| Box::new(resolved.bindings().clone()));
}

/// The inline sizes of the model's map values (a `BTreeMap` leaf holds 11 of them).
fn sizes() {
    use std::mem::size_of;
    println!(
        "sizes: ir::Workload {} ir::Container {} ir::Variable {} Resolved workload {} container {} variable {} file {} ProvisionedResource {} Output {} Span {} Value {}",
        size_of::<score_x_core::ir::Workload>(),
        size_of::<score_x_core::ir::Container>(),
        size_of::<score_x_core::ir::Variable>(),
        size_of::<score_x_core::resolved::ResolvedWorkload>(),
        size_of::<score_x_core::resolved::ResolvedContainer>(),
        size_of::<score_x_core::resolved::ResolvedVariable>(),
        size_of::<score_x_core::resolved::ResolvedFile>(),
        size_of::<score_x_core::resolved::ProvisionedResource>(),
        size_of::<score_x_core::resolved::Output>(),
        size_of::<score_x_core::Span>(),
        size_of::<serde_json::Value>(),
    );
}
