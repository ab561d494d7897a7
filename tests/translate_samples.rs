//! Conformance of whole translations: every shared sample directory (`../shared/data/score-samples`,
//! except the schema illustrations of `spec/samples`) and each of the three seed OpenAPI example
//! workloads (alone) is run through the library pipeline — load, graph, provision, capability
//! check, emit — for kubernetes and ecs; the bundle is written to a temporary directory and run
//! through the real validators (tests/conformance/k8s_validate.py, ecs_validate.py).
//!
//! Provisioners: the real defaults, with test provisioners from tests/fixtures loaded AFTER them
//! as fallbacks for the types that have no default on the target (`exotic-provisioners.yaml`),
//! and, for the seed examples only, BEFORE them for the seed resources the defaults reject
//! (`seed-class-provisioners.yaml`). A resource that a default matches must be provisioned by it,
//! except the ones listed in [`SEED_CLASS_OVERRIDES`]; a separate test proves that the defaults
//! still reject exactly those. What a target cannot express is asserted as the precise error
//! ([`EXPECTED_TARGET_ERRORS`]).
//!
//! When `../shared` is absent the tests print a notice and pass (it is not part of the project).
//! A missing validator is a skip with a notice locally, a failure under `CI`.

#![allow(clippy::unwrap_used, clippy::print_stderr, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use score_x_core::graph::ResourceGraph;
use score_x_core::resolved::Resolved;
use score_x_core::{Bundle, Diagnostics, Target, capability_check};
use score_x_provision::{
    CommandOutput, CommandRunner, Context, Origin, ProvisionerSet, State, provision,
};
use score_x_spec::{SourceFile, load, render};
use score_x_tests::samples::{self, DirReader, SCHEMA_SAMPLES, shared};
use score_x_tests::seed::{seed_examples, seed_file, seed_reader};
use score_x_tests::validators::{Validator, write_files};

const TARGETS: [Target; 2] = [Target::KUBERNETES, Target::ECS];

/// Test provisioners for the types that have no default.
const EXOTIC: &str = "fixtures/exotic-provisioners.yaml";
/// Test provisioners for the seed's resources whose params or outputs the defaults reject.
const SEED_CLASSES: &str = "fixtures/seed-class-provisioners.yaml";

/// Which targets an entry applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum On {
    Both,
    Ecs,
}

impl On {
    fn has(self, target: Target) -> bool {
        match self {
            On::Both => true,
            On::Ecs => target == Target::ECS,
        }
    }
}

/// Seed resources handled by seed-class-provisioners.yaml although their type has a default on
/// the target (uid, targets, why the default rejects them). Exactly these; each is checked.
const SEED_CLASS_OVERRIDES: &[(&str, On, &str)] = &[
    (
        "postgres.managed#ecommerce.products",
        On::Both,
        "params size, highAvailability, extensions; output connection_string",
    ),
    (
        "postgres.analytics#ml-platform.predictions",
        On::Both,
        "params extensions, partitioning; output connection_string",
    ),
    (
        "postgres.standard#ml-platform.experiments",
        On::Both,
        "param size; output connection_string",
    ),
    (
        "redis.cluster#ecommerce.session-cache",
        On::Both,
        "params maxMemoryPolicy, clusterMode",
    ),
    (
        "redis.cluster#ml-platform.inference-cache",
        On::Both,
        "params maxMemoryPolicy, maxMemory",
    ),
    (
        "s3.standard#ecommerce.assets",
        On::Both,
        "params versioning, lifecycle",
    ),
    (
        "s3.data-lake#analytics.raw-data",
        On::Both,
        "params versioning, lifecycle",
    ),
    (
        "mongodb.timeseries#analytics.metrics",
        On::Both,
        "params sharded, replicaSet, writeConcern; output uri",
    ),
    (
        "volume.configmap#shared.geoip",
        On::Both,
        "param updateSchedule",
    ),
    (
        "volume.ephemeral#data-pipeline-worker.scratch-volume",
        On::Both,
        "param size (the default takes sizeLimit)",
    ),
    (
        "volume.ephemeral#ml-inference-service.feature-cache",
        On::Both,
        "param size (the default takes sizeLimit)",
    ),
    (
        "volume.ssd#ecommerce-frontend.uploads-volume",
        On::Ecs,
        "params size, accessMode",
    ),
    (
        "volume.standard#ecommerce.static",
        On::Ecs,
        "params size, accessMode",
    ),
    (
        "volume.ssd#data-pipeline-worker.checkpoint-volume",
        On::Ecs,
        "params size, accessMode",
    ),
    (
        "volume.ssd#ml-inference-service.model-cache",
        On::Ecs,
        "params size, accessMode",
    ),
    (
        "volume.nfs#ml-platform.models",
        On::Ecs,
        "params size, accessMode",
    ),
    (
        "service.default#shared.feature-flags",
        On::Both,
        "param environment; output endpoint",
    ),
    (
        "service.default#data-platform.schema-registry",
        On::Both,
        "param compatibilityLevel; output url",
    ),
    (
        "service.default#shared.observability",
        On::Both,
        "params traces, metrics, logs, customMetrics; outputs otlp_endpoint, metrics_endpoint",
    ),
    (
        "service.default#ml-platform.model-registry",
        On::Both,
        "param version; output url",
    ),
    (
        "service.feast#ml-platform.feature-store",
        On::Both,
        "params offlineStore, onlineStore; outputs host, port",
    ),
];

/// Samples that use something the target or its defaults cannot express: the translation must
/// fail at `stage` with exactly these error messages (case, target, stage, messages).
const EXPECTED_TARGET_ERRORS: &[(&str, Target, &str, &[&str])] = &[
    (
        "examples/specification/files",
        Target::ECS,
        "emit",
        &[
            "workload `my-workload`: file `/fileA.txt` of container `my-container` is in the root directory; ECS mounts whole volumes and none can be mounted over `/` (move it to a directory of its own, e.g. `/config/fileA.txt`)",
        ],
    ),
    (
        "score-compose/examples/03-files",
        Target::ECS,
        "emit",
        &[
            "workload `hello-world`: file `/fileA.txt` of container `hello` is in the root directory; ECS mounts whole volumes and none can be mounted over `/` (move it to a directory of its own, e.g. `/config/fileA.txt`)",
        ],
    ),
    (
        // A CA certificate dropped into the image's own CA directory: a volume there would hide
        // the image's bundle, so ECS refuses it (issue 9: directories images populate).
        "seed/EcommerceFrontendExample",
        Target::ECS,
        "emit",
        &[
            "file `/etc/ssl/certs/internal-ca.crt` of container `frontend` in workload `ecommerce-frontend` lives in the system directory `/etc/ssl/certs`; ECS can only mount a whole volume there, which would hide the image's own `/etc/ssl/certs`",
        ],
    ),
];

/// Translations known to fail because of a bug outside this test (case, targets, a substring of
/// the failure, the reason). The test asserts they still fail, so it flips when they are fixed.
/// (None at the moment.)
const KNOWN_FAILURES: &[(&str, On, &str, &str)] = &[];

/// `cmd://` provisioners are not involved: any attempt to run one is refused.
struct RefusingRunner;

impl CommandRunner for RefusingRunner {
    fn run(
        &self,
        program: &str,
        _args: &[String],
        _stdin: &[u8],
        _timeout: Duration,
    ) -> Result<CommandOutput, String> {
        Err(format!(
            "translate_samples runs no commands (asked to run `{program}`)"
        ))
    }
}

/// One set of score files translated together.
struct Case {
    name: String,
    files: Vec<SourceFile>,
    reader: DirReader,
    /// Test provisioners before and after the defaults.
    provisioners: Provisioners<'static>,
}

/// Test provisioner files to put before the defaults of a target, and after them.
#[derive(Clone, Copy)]
struct Provisioners<'a> {
    before: &'a [&'a str],
    after: &'a [&'a str],
}

/// Samples: the defaults, then the fallbacks for types without a default.
const FOR_SAMPLES: Provisioners<'static> = Provisioners {
    before: &[],
    after: &[EXOTIC],
};

/// Seed examples: the seed-class overrides, the defaults, then the fallbacks.
const FOR_SEED: Provisioners<'static> = Provisioners {
    before: &[SEED_CLASSES],
    after: &[EXOTIC],
};

fn cases(shared: &Path) -> Vec<Case> {
    let mut out: Vec<Case> = samples::sample_dirs(&samples::root(shared))
        .unwrap()
        .into_iter()
        // Schema illustrations with known load errors (see tests/spec_valid.rs).
        .filter(|d| d.rel != SCHEMA_SAMPLES)
        .map(|d| Case {
            name: d.rel.clone(),
            reader: d.reader(),
            files: d.files,
            provisioners: FOR_SAMPLES,
        })
        .collect();
    for (name, v) in seed_examples(shared).unwrap() {
        out.push(Case {
            name: format!("seed/{name}"),
            files: vec![seed_file(&name, &v)],
            reader: seed_reader(),
            provisioners: FOR_SEED,
        });
    }
    out
}

fn fixture(rel: &str) -> SourceFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    SourceFile {
        name: format!("tests/{rel}"),
        text: std::fs::read_to_string(&path).unwrap(),
    }
}

fn add_fixture(set: &mut ProvisionerSet, sources: &mut Vec<SourceFile>, rel: &str) {
    let f = fixture(rel);
    if let Err(d) = set.add_file(&f.name, &f.text, Origin::User(f.name.clone())) {
        panic!("{}", render(&d.0, std::slice::from_ref(&f), false));
    }
    sources.push(f);
}

/// `p.before` (in order), the defaults of `target`, then `p.after`.
fn provisioner_set(target: Target, p: Provisioners<'_>) -> (ProvisionerSet, Vec<SourceFile>) {
    let mut set = ProvisionerSet::new();
    let mut sources = Vec::new();
    for rel in p.before {
        add_fixture(&mut set, &mut sources, rel);
    }
    set.add_defaults(target).unwrap();
    for rel in p.after {
        add_fixture(&mut set, &mut sources, rel);
    }
    (set, sources)
}

/// examples/ecs-options.yaml as JSON.
fn ecs_options_json() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ecs-options.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

/// The target options as the CLI hands them to provisioner templates.
fn options_json(target: Target) -> serde_json::Value {
    match target {
        Target::ECS => ecs_options_json(),
        _ => serde_json::json!({}),
    }
}

/// Where a translation stopped, and why.
#[derive(Debug)]
struct Failure {
    stage: &'static str,
    report: String,
    /// The messages of the errors (the report itself when the stage has no diagnostics).
    messages: Vec<String>,
}

fn failed(stage: &'static str, report: impl Into<String>) -> Failure {
    let report = report.into();
    Failure {
        stage,
        messages: vec![report.clone()],
        report,
    }
}

fn failed_with(stage: &'static str, d: &Diagnostics, sources: &[SourceFile]) -> Failure {
    Failure {
        stage,
        report: render(&d.0, sources, false),
        messages: d.errors().map(|e| e.message.clone()).collect(),
    }
}

/// Load, graph and provision `case` for `target` with the given test provisioners.
fn resolve(case: &Case, target: Target, p: Provisioners<'_>) -> Result<Resolved, Failure> {
    let loaded = load(&case.files, &case.reader, &samples::load_options())
        .map_err(|d| failed_with("load", &d, &case.files))?;
    let app = loaded.app;
    let graph = ResourceGraph::build(&app).map_err(|d| failed_with("graph", &d, &case.files))?;
    let (set, prov_sources) = provisioner_set(target, p);
    let mut sources = case.files.clone();
    sources.extend(prov_sources);
    let mut state = State::new("translate-samples-fixed-seed".into());
    let ctx = Context {
        target,
        options: options_json(target),
        runner: &RefusingRunner,
    };
    let (resolved, _warnings) = provision(&app, &graph, &set, &mut state, &ctx)
        .map_err(|d| failed_with("provision", &d, &sources))?;
    Ok(resolved)
}

/// The whole pipeline up to the bundle: resolve, capability check, emit.
fn translate(case: &Case, target: Target) -> Result<(Resolved, Bundle), Failure> {
    let resolved = resolve(case, target, case.provisioners)?;
    let (caps, emitted) = match target {
        Target::KUBERNETES => (
            score_x_kubernetes::capabilities(),
            score_x_tests::planned::kubernetes(&resolved, &score_x_kubernetes::Options::default())
                .map_err(|e| e.to_string()),
        ),
        Target::ECS => {
            let opts: score_x_ecs::Options = serde_json::from_value(ecs_options_json()).unwrap();
            (
                score_x_ecs::capabilities(),
                score_x_tests::planned::ecs(&resolved, &opts).map_err(|e| e.to_string()),
            )
        }
        other => panic!("{other} is not translated here"),
    };
    let checked = Diagnostics(capability_check::check(
        &resolved,
        &score_x_tests::planned::plan(&resolved),
        &caps,
    ));
    if checked.has_errors() {
        return Err(failed_with("capability check", &checked, &case.files));
    }
    let bundle = emitted.map_err(|e| failed("emit", e))?;
    Ok((resolved, bundle))
}

/// A bundle written into a temporary directory, and the path its validator takes.
struct Written {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

/// Write the bundle into a temporary directory (kubernetes: `manifests.yaml`; ecs: the directory).
fn write(target: Target, bundle: &Bundle) -> Result<Written, Failure> {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &bundle.files).map_err(|e| failed("write", e))?;
    let (path, must_have) = match target {
        Target::KUBERNETES => (dir.path().join("manifests.yaml"), "manifests.yaml"),
        _ => (dir.path().to_path_buf(), "cloudformation.yaml"),
    };
    if !bundle.files.contains_key(must_have) {
        return Err(failed("emit", format!("no {must_have} in the bundle")));
    }
    Ok(Written { _dir: dir, path })
}

fn validator(target: Target) -> Validator {
    match target {
        Target::KUBERNETES => Validator::Kubernetes,
        _ => Validator::Ecs,
    }
}

/// Does a default provisioner of `target` match this type, class and id?
fn default_handles(defaults: &ProvisionerSet, type_: &str, class: &str, id: &str) -> bool {
    defaults
        .provisioners()
        .iter()
        .any(|p| matches!(p.origin, Origin::Default(_)) && p.matches(type_, class, id))
}

/// Uids of resources that a test provisioner handled although a default matches them.
fn defaults_bypassed(target: Target, resolved: &Resolved) -> BTreeSet<String> {
    let mut defaults = ProvisionerSet::new();
    defaults.add_defaults(target).unwrap();
    resolved
        .resources()
        .values()
        .filter(|r| r.provisioner.starts_with("template://score-x-tests/"))
        .map(|r| r.uid.to_string())
        .filter(|uid| {
            let (tc, id) = uid.split_once('#').unwrap();
            let (type_, class) = tc.split_once('.').unwrap();
            default_handles(&defaults, type_, class, id)
        })
        .collect()
}

/// The overrides listed for `target` among the resources of `resolved`.
fn listed_overrides(target: Target, resolved: &Resolved) -> BTreeSet<String> {
    let uids: BTreeSet<String> = resolved.resources().keys().map(|u| u.to_string()).collect();
    SEED_CLASS_OVERRIDES
        .iter()
        .filter(|(uid, on, _)| on.has(target) && uids.contains(*uid))
        .map(|(uid, _, _)| uid.to_string())
        .collect()
}

/// Translate one case and write it; a bypassed default is a failure too.
fn translate_and_write(case: &Case, target: Target) -> Result<Written, Failure> {
    let (resolved, bundle) = translate(case, target)?;
    let bypassed = defaults_bypassed(target, &resolved);
    let listed = listed_overrides(target, &resolved);
    if bypassed != listed {
        return Err(failed(
            "provisioner choice",
            format!(
                "test provisioners replaced defaults for {bypassed:?}; SEED_CLASS_OVERRIDES lists {listed:?}"
            ),
        ));
    }
    write(target, &bundle)
}

/// Validate every written bundle (in place: a failed validation replaces the `Ok`). When a
/// validator is missing (locally) nothing is validated for its target. `k8s_validate.py` takes
/// many files at once (one python start); only when that run fails is each file validated
/// alone, to name the culprits.
fn validate_all(outcomes: &mut [Outcome]) {
    let k8s = Validator::Kubernetes.available();
    let ecs = Validator::Ecs.available();
    let manifests: Vec<&Path> = outcomes
        .iter()
        .filter(|o| o.target == Target::KUBERNETES)
        .filter_map(|o| o.result.as_ref().ok().map(|w| w.path.as_path()))
        .collect();
    let k8s_each = k8s && Validator::Kubernetes.run(&manifests).is_err();
    // Bundles to validate one by one, spread over the cores (each run is a python start).
    let todo: Vec<(usize, Validator, &Path)> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| match o.target {
            Target::KUBERNETES => k8s_each,
            _ => ecs,
        })
        .filter_map(|(i, o)| {
            let w = o.result.as_ref().ok()?;
            Some((i, validator(o.target), w.path.as_path()))
        })
        .collect();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let chunk = todo.len().div_ceil(workers).max(1);
    let reports: Vec<(usize, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = todo
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .filter_map(|(i, v, path)| v.run(&[*path]).err().map(|e| (*i, e)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    for (i, report) in reports {
        outcomes[i].result = Err(failed("validate", report));
    }
}

/// What became of one case on one target.
struct Outcome {
    case: String,
    target: Target,
    result: Result<Written, Failure>,
}

#[test]
fn samples_and_seed_examples_translate_to_valid_artifacts() {
    let Some(shared) = shared() else { return };
    let cases = cases(&shared);
    assert!(cases.len() >= 25, "only {} cases", cases.len());
    let mut outcomes: Vec<Outcome> = cases
        .iter()
        .flat_map(|case| {
            TARGETS.map(|target| Outcome {
                case: case.name.clone(),
                target,
                result: translate_and_write(case, target),
            })
        })
        .collect();
    validate_all(&mut outcomes);

    let mut problems = Vec::new();
    let mut passed = Vec::new();
    let mut expected_seen = 0;
    let mut known_seen = 0;
    for Outcome {
        case,
        target,
        result,
    } in outcomes
    {
        let expected = EXPECTED_TARGET_ERRORS
            .iter()
            .find(|(c, t, _, _)| *c == case && *t == target);
        let known = KNOWN_FAILURES
            .iter()
            .find(|(c, on, _, _)| *c == case && on.has(target));
        let who = format!("{case} → {target}");
        match (result, expected, known) {
            (Ok(_), None, None) => passed.push(who),
            (Ok(_), Some(_), _) => problems.push(format!(
                "{who}: translates now, but EXPECTED_TARGET_ERRORS says the target cannot express it"
            )),
            (Ok(_), None, Some((_, _, _, why))) => problems.push(format!(
                "{who}: passes now; remove it from KNOWN_FAILURES ({why})"
            )),
            (Err(f), Some((_, _, stage, messages)), _) => {
                if f.stage == *stage && f.messages == *messages {
                    expected_seen += 1;
                } else {
                    problems.push(format!(
                        "{who}: expected `{stage}` to fail with\n{messages:#?}\nbut `{}` failed with\n{}",
                        f.stage, f.report
                    ));
                }
            }
            (Err(f), None, Some((_, _, needle, _))) if f.report.contains(needle) => {
                known_seen += 1;
            }
            (Err(f), _, _) => {
                problems.push(format!("{who}: {} failed:\n{}", f.stage, f.report));
            }
        }
    }
    eprintln!(
        "translate_samples: {} translations valid:\n  {}",
        passed.len(),
        passed.join("\n  ")
    );
    assert!(problems.is_empty(), "\n{}", problems.join("\n\n"));
    assert_eq!(expected_seen, EXPECTED_TARGET_ERRORS.len());
    let known_total: usize = KNOWN_FAILURES
        .iter()
        .map(|(_, on, _, _)| TARGETS.iter().filter(|t| on.has(**t)).count())
        .sum();
    assert_eq!(known_seen, known_total);
    assert!(
        passed.len() >= 40,
        "only {} valid translations",
        passed.len()
    );
}

/// The validators see what the test writes: a broken bundle of a sample is rejected.
#[test]
fn validators_reject_a_broken_translation() {
    let Some(shared) = shared() else { return };
    let case = cases(&shared)
        .into_iter()
        .find(|c| c.name == "score-compose/examples/01-hello")
        .unwrap();
    for target in TARGETS {
        if !validator(target).available() {
            continue;
        }
        let (_, mut bundle) = translate(&case, target).unwrap();
        let (file, from, to) = match target {
            Target::KUBERNETES => ("manifests.yaml", "containers:", "containerz:"),
            _ => ("hello-world/task-definition.json", "\"image\"", "\"imag\""),
        };
        let text = String::from_utf8(bundle.files[file].clone()).unwrap();
        assert!(text.contains(from), "{target}: {file} has no {from}");
        bundle.add(file, text.replacen(from, to, 1));
        let written = write(target, &bundle).unwrap();
        let report = validator(target)
            .run(&[written.path.as_path()])
            .unwrap_err();
        assert!(
            report.contains(to.trim_matches(['"', ':'])),
            "{target}: {report}"
        );
    }
}

/// The seed overrides are needed: with only the defaults (and the fallbacks for types without
/// one), provisioning every seed example fails, and the errors name exactly the listed resources.
#[test]
fn seed_class_overrides_are_rejected_by_the_defaults() {
    let Some(shared) = shared() else { return };
    let seeds: Vec<Case> = cases(&shared)
        .into_iter()
        .filter(|c| c.name.starts_with("seed/"))
        .collect();
    assert_eq!(seeds.len(), 3);
    for target in TARGETS {
        // Params a default does not use are warnings (the file stays portable); an output the
        // default does not produce is still an error.
        let listed: BTreeSet<&str> = SEED_CLASS_OVERRIDES
            .iter()
            .filter(|(_, on, why)| on.has(target) && why.contains("output"))
            .map(|(uid, _, _)| *uid)
            .collect();
        let mut named = BTreeSet::new();
        for case in &seeds {
            let Err(f) = resolve(case, target, FOR_SAMPLES) else {
                panic!("{} → {target}: the defaults accept it", case.name);
            };
            assert_eq!(f.stage, "provision", "{}", f.report);
            // An error about a resource names its uid (`` `UID` `` or `(UID, provisioned by`)
            // and the provisioner; count those that name a default (`template://score-x/…`).
            for m in f
                .messages
                .iter()
                .filter(|m| m.contains("template://score-x/"))
            {
                for (uid, _, _) in SEED_CLASS_OVERRIDES {
                    if m.contains(&format!("`{uid}`")) || m.contains(&format!("({uid},")) {
                        named.insert(*uid);
                    }
                }
            }
            assert!(!f.messages.is_empty(), "{}", f.report);
        }
        assert_eq!(
            named, listed,
            "{target}: the defaults reject other resources than listed"
        );
    }
}
