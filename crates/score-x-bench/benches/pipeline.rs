//! Each pipeline stage on generated estates of 10, 100 and 1000 workloads: load (parse,
//! validate, lower), graph, provision + resolve per provisioner section, and emit per target.
//! Whole-process figures (start-up, state, writes) come from `scripts/bench.sh`.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main,
};
use score_x_bench::{NoFiles, estate, resolve};
use score_x_core::Resolved;
use score_x_core::Target;
use score_x_core::graph::ResourceGraph;
use score_x_core::plan::Plan;
use score_x_spec::{LoadOptions, SourceFile};

fn ecs_options() -> score_x_ecs::Options {
    score_x_bench::ecs_options().unwrap()
}

fn front(g: &mut BenchmarkGroup<'_, WallTime>, n: usize, files: &[SourceFile]) {
    g.bench_with_input(BenchmarkId::new("load", n), files, |b, f| {
        b.iter(|| score_x_spec::load(black_box(f), &NoFiles, &LoadOptions::default()).unwrap())
    });
    let app = score_x_spec::load(files, &NoFiles, &LoadOptions::default())
        .unwrap()
        .app;
    g.bench_with_input(BenchmarkId::new("graph", n), &app, |b, a| {
        b.iter(|| ResourceGraph::build(black_box(a)).unwrap())
    });
    g.bench_with_input(BenchmarkId::new("plan", n), &app, |b, a| {
        b.iter(|| Plan::of_app(black_box(a)).unwrap())
    });
    for target in [Target::KUBERNETES, Target::ECS, Target::NOMAD] {
        g.bench_with_input(
            BenchmarkId::new(format!("load+graph+provision+resolve/{target}"), n),
            files,
            |b, f| b.iter(|| resolve(black_box(f), target).unwrap()),
        );
    }
}

fn emit(g: &mut BenchmarkGroup<'_, WallTime>, n: usize, files: &[SourceFile]) {
    let k8s: Resolved = resolve(files, Target::KUBERNETES).unwrap();
    let plan = Plan::of_resolved(&k8s).unwrap();
    g.bench_with_input(BenchmarkId::new("emit/kubernetes", n), &k8s, |b, r| {
        b.iter(|| score_x_kubernetes::emit(black_box(r), &plan, &Default::default()).unwrap())
    });
    g.bench_with_input(BenchmarkId::new("emit/helm", n), &k8s, |b, r| {
        b.iter(|| score_x_helm::emit(black_box(r), &plan, &Default::default()).unwrap())
    });
    let ecs = resolve(files, Target::ECS).unwrap();
    let plan = Plan::of_resolved(&ecs).unwrap();
    let opts = ecs_options();
    g.bench_with_input(BenchmarkId::new("emit/ecs", n), &ecs, |b, r| {
        b.iter(|| score_x_ecs::emit(black_box(r), &plan, &opts).unwrap())
    });
    let nomad = resolve(files, Target::NOMAD).unwrap();
    let plan = Plan::of_resolved(&nomad).unwrap();
    g.bench_with_input(BenchmarkId::new("emit/nomad", n), &nomad, |b, r| {
        b.iter(|| score_x_nomad::emit(black_box(r), &plan, &Default::default()).unwrap())
    });
    let scanner = score_x_core::leak::SecretScanner::of(&k8s);
    let bundle =
        score_x_kubernetes::emit(&k8s, &Plan::of_resolved(&k8s).unwrap(), &Default::default())
            .unwrap();
    g.bench_with_input(
        BenchmarkId::new("leak-check/kubernetes", n),
        &bundle,
        |b, bundle| {
            b.iter(|| {
                scanner
                    .check(Target::KUBERNETES, &mut bundle.clone())
                    .unwrap()
            })
        },
    );
}

fn stages(c: &mut Criterion) {
    let mut g = c.benchmark_group("pipeline");
    g.sample_size(10);
    for n in [10usize, 100, 1000] {
        let files = estate(n);
        g.throughput(Throughput::Elements(n as u64));
        front(&mut g, n, &files);
        emit(&mut g, n, &files);
    }
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
