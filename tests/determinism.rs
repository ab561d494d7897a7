//! Output is a function of the estate, not of how it is written down: the Score files given in
//! any order, and every YAML map of every file with its keys in any order, translate to
//! byte-identical bundles for kubernetes, ecs and nomad (property tests, real pipeline: load →
//! graph → provision with the default provisioners → plan → emit). Nor of how many threads run
//! it: a generated estate emits the same bytes on one thread as on several, for every target.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;
use score_x_core::{Bundle, Target};
use score_x_tests::pipeline::resolve_with_defaults;
use score_x_tests::planned;
use serde_json::json;
use serde_yaml::{Mapping, Value};

/// The example estate (three workloads sharing resources) and the workload kinds of case 05.
const FILES: &[&str] = &[
    "../examples/estate/api.score.yaml",
    "../examples/estate/web.score.yaml",
    "../examples/estate/worker.score.yaml",
];

fn estate() -> Vec<(String, String)> {
    FILES
        .iter()
        .map(|rel| {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect()
}

fn ecs_options() -> serde_json::Value {
    json!({
        "cluster": "prod",
        "region": "eu-west-1",
        "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
        "subnets": ["subnet-0123456789abcdef0"],
        "securityGroups": ["sg-0123456789abcdef0"]
    })
}

/// The bundle of `files` for `target`, as file name → bytes.
fn translate(target: Target, files: &[(String, String)]) -> BTreeMap<String, Vec<u8>> {
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let options = if target == Target::ECS {
        ecs_options()
    } else {
        json!({})
    };
    let app = resolve_with_defaults(target, &refs, options.clone())
        .unwrap_or_else(|e| panic!("{target}: provisioning failed:\n{e}"));
    let bundle: Bundle = match target.as_str() {
        "kubernetes" => planned::kubernetes(&app, &serde_json::from_value(options).unwrap())
            .unwrap_or_else(|e| panic!("kubernetes: {e}")),
        "ecs" => planned::ecs(&app, &serde_json::from_value(options).unwrap())
            .unwrap_or_else(|e| panic!("ecs: {e}")),
        "nomad" => score_x_nomad::emit(
            &app,
            &planned::plan(&app),
            &serde_json::from_value(options).unwrap(),
        )
        .unwrap_or_else(|e| panic!("nomad: {e}")),
        "helm" => score_x_helm::emit(
            &app,
            &planned::plan(&app),
            &serde_json::from_value(options).unwrap(),
        )
        .unwrap_or_else(|e| panic!("helm: {e}")),
        other => panic!("no emit for {other}"),
    };
    bundle.files
}

/// A small deterministic generator for the shuffles (the seed comes from proptest).
struct Shuffler(u64);

impl Shuffler {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = usize::try_from(self.next() % (i as u64 + 1)).unwrap();
            items.swap(i, j);
        }
    }

    /// `v` with the keys of every map (at every depth) in a shuffled order.
    fn shuffle_keys(&mut self, v: Value) -> Value {
        match v {
            Value::Mapping(m) => {
                let mut entries: Vec<(Value, Value)> = m.into_iter().collect();
                self.shuffle(&mut entries);
                let mut out = Mapping::new();
                for (k, v) in entries {
                    out.insert(k, self.shuffle_keys(v));
                }
                Value::Mapping(out)
            }
            Value::Sequence(items) => {
                Value::Sequence(items.into_iter().map(|v| self.shuffle_keys(v)).collect())
            }
            other => other,
        }
    }
}

/// `files` in a shuffled order, each with its map keys shuffled.
fn rewritten(files: &[(String, String)], seed: u64) -> Vec<(String, String)> {
    let mut s = Shuffler(seed | 1);
    let mut out: Vec<(String, String)> = files
        .iter()
        .map(|(name, text)| {
            let v: Value = serde_yaml::from_str(text).unwrap();
            (
                name.clone(),
                serde_yaml::to_string(&s.shuffle_keys(v)).unwrap(),
            )
        })
        .collect();
    s.shuffle(&mut out);
    out
}

/// Names of the files whose bytes differ, for a readable failure.
fn differing(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let mut names: Vec<String> = a.keys().chain(b.keys()).cloned().collect();
    names.dedup();
    names.retain(|n| a.get(n) != b.get(n));
    names
}

fn same_bytes_whatever_the_order(target: Target, seed: u64) -> Result<(), TestCaseError> {
    let files = estate();
    let baseline = translate(target, &files);
    let shuffled = rewritten(&files, seed);
    let again = translate(target, &shuffled);
    let diff = differing(&baseline, &again);
    prop_assert!(
        diff.is_empty(),
        "{target}: {diff:?} differ when the input is written as {:?}",
        shuffled.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn kubernetes_output_is_independent_of_file_and_key_order(seed in any::<u64>()) {
        same_bytes_whatever_the_order(Target::KUBERNETES, seed)?;
    }

    #[test]
    fn ecs_output_is_independent_of_file_and_key_order(seed in any::<u64>()) {
        same_bytes_whatever_the_order(Target::ECS, seed)?;
    }

    #[test]
    fn nomad_output_is_independent_of_file_and_key_order(seed in any::<u64>()) {
        same_bytes_whatever_the_order(Target::NOMAD, seed)?;
    }
}

#[test]
fn the_rewriting_really_changes_the_text() {
    let files = estate();
    let shuffled = rewritten(&files, 7);
    assert_ne!(
        files.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>(),
        shuffled.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>()
    );
    let order = |fs: &[(String, String)]| fs.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert!((1..20).any(|s| order(&rewritten(&files, s)) != order(&files)));
}

#[test]
fn a_real_change_of_the_input_is_seen_by_the_comparison() {
    let files = estate();
    let mut changed = files.clone();
    changed[0].1 = changed[0].1.replace("orders-api:1.4.2", "orders-api:1.4.3");
    assert_ne!(changed, files);
    for target in [Target::KUBERNETES, Target::ECS, Target::NOMAD] {
        let diff = differing(&translate(target, &files), &translate(target, &changed));
        assert!(!diff.is_empty(), "{target}");
    }
}

/// `n` workloads, each with a private redis, the shared postgres and a call to the previous one.
fn generated(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            let call = if i == 0 {
                String::new()
            } else {
                format!("  up:\n    type: service-port\n    params: {{ workload: svc-{}, port: http }}\n", i - 1)
            };
            let text = format!(
                "apiVersion: score.dev/v1b1\nmetadata:\n  name: svc-{i}\nservice:\n  ports:\n    http: {{ port: 80, targetPort: 8080 }}\ncontainers:\n  main:\n    image: ghcr.io/acme/svc:{i}\n    variables:\n      DB: postgres://${{resources.db.username}}:${{resources.db.password}}@${{resources.db.host}}\n      CACHE: ${{resources.cache.host}}:${{resources.cache.port}}\n    files:\n      /etc/svc/config.yaml:\n        content: \"name: ${{metadata.name}}\"\nresources:\n  db:\n    type: postgres\n    id: shared-db\n  cache:\n    type: redis\n{call}"
            );
            (format!("svc-{i}.yaml"), text)
        })
        .collect()
}

/// The bundle of `files` for `target` emitted on a pool of `threads` threads.
fn translate_on(
    threads: usize,
    target: Target,
    files: &[(String, String)],
) -> BTreeMap<String, Vec<u8>> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| translate(target, files))
}

#[test]
fn parallel_output_equals_sequential_output_on_every_target() {
    let files = generated(40);
    for target in [Target::KUBERNETES, Target::HELM, Target::ECS, Target::NOMAD] {
        let one = translate_on(1, target, &files);
        assert!(
            one.values().map(Vec::len).sum::<usize>() > 40 * 500,
            "{target}: too little output"
        );
        let many = translate_on(8, target, &files);
        assert_eq!(differing(&one, &many), Vec::<String>::new(), "{target}");
        assert_eq!(one, many, "{target}");
    }
}
