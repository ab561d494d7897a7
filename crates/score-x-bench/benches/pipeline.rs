//! Each pipeline stage on generated estates of 10, 100 and 1000 workloads.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use score_x_bench::{NoFiles, estate, resolve};
use score_x_core::Target;
use score_x_core::graph::ResourceGraph;
use score_x_spec::LoadOptions;

fn stages(c: &mut Criterion) {
    let mut g = c.benchmark_group("pipeline");
    g.sample_size(10);
    for n in [10usize, 100, 1000] {
        let files = estate(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("load", n), &files, |b, f| {
            b.iter(|| score_x_spec::load(black_box(f), &NoFiles, &LoadOptions::default()).unwrap())
        });
        let app = score_x_spec::load(&files, &NoFiles, &LoadOptions::default())
            .unwrap()
            .app;
        g.bench_with_input(BenchmarkId::new("graph", n), &app, |b, a| {
            b.iter(|| ResourceGraph::build(black_box(a)).unwrap())
        });
        g.bench_with_input(
            BenchmarkId::new("provision+resolve/kubernetes", n),
            &files,
            |b, f| b.iter(|| resolve(black_box(f), Target::KUBERNETES).unwrap()),
        );
        let k8s = resolve(&files, Target::KUBERNETES).unwrap();
        let plan = score_x_core::plan::Plan::of_resolved(&k8s).unwrap();
        g.bench_with_input(BenchmarkId::new("emit/kubernetes", n), &k8s, |b, r| {
            b.iter(|| score_x_kubernetes::emit(black_box(r), &plan, &Default::default()).unwrap())
        });
        let ecs = resolve(&files, Target::ECS).unwrap();
        let opts: score_x_ecs::Options = serde_json::from_value(serde_json::json!({
            "cluster": "bench", "region": "eu-west-1", "executionRoleArn": "arn:aws:iam::123456789012:role/x",
            "subnets": ["subnet-1"], "securityGroups": ["sg-1"]
        }))
        .unwrap();
        let plan = score_x_core::plan::Plan::of_resolved(&ecs).unwrap();
        g.bench_with_input(BenchmarkId::new("emit/ecs", n), &ecs, |b, r| {
            b.iter(|| score_x_ecs::emit(black_box(r), &plan, &opts).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
