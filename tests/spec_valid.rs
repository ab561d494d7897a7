//! Valid inputs must load: every sample score file under `../shared/data/score-samples` (each
//! directory's score files loaded together) and the three example workloads of the seed OpenAPI
//! document `../shared/seeds/003_2a79d8759af4c2d0.txt`.
//!
//! The seed document is stored with its whitespace collapsed (no newlines, no indentation), so
//! the examples are rebuilt at test time by a small parser guided by the Score structure (see
//! [`unflatten`]), emitted as JSON (which is YAML) and loaded. The files they name in
//! `files.source` do not exist; stand-ins live in `tests/fixtures/seed/`.
//!
//! When `../shared` is absent the tests print a notice and pass (it is not part of the project).

#![allow(clippy::unwrap_used, clippy::print_stderr, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use score_x_core::Code;
use score_x_spec::{FileReader, LoadOptions, SourceFile, load, render};
use serde_json::{Map, Value as J};

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("notice: {} is absent; skipping", p.display());
        None
    }
}

/// Reads `files.*.source` relative to a directory.
struct DirReader(PathBuf);

impl FileReader for DirReader {
    fn read(&self, _score_file: &str, path: &str) -> Result<Vec<u8>, String> {
        std::fs::read(self.0.join(path)).map_err(|e| e.to_string())
    }
}

fn sample_dirs(root: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    if entries
        .iter()
        .any(|p| p.extension().is_some_and(|e| e == "yaml"))
    {
        out.push(root.to_path_buf());
    }
    for e in entries {
        // Hidden directories (e.g. a `.score-x/` state left by a CLI run) hold no samples.
        let hidden = e.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if e.is_dir() && !hidden {
            sample_dirs(&e, out);
        }
    }
}

/// Errors the reference schema samples are expected to have: `spec/samples` are schema
/// illustrations, not deployable workloads. Their volumes name resources they do not declare
/// (`volume-name`, `volume-two`, `some-volume`) and `score-full.yaml` names a `file.txt` that is
/// not shipped. Everything else about them must decode cleanly.
const EXPECTED_SAMPLE_ERRORS: &[(&str, Code, &str)] = &[
    (
        "spec/samples/score-deprecated-files-and-volumes.yaml",
        Code::UnknownResource,
        "/containers/main/volumes/0/source",
    ),
    (
        "spec/samples/score-full.yaml",
        Code::FileNotFound,
        "/containers/container-one1/files/\"/my/file\"/source",
    ),
    (
        "spec/samples/score-full.yaml",
        Code::UnknownResource,
        "/containers/container-one1/volumes/\"/mnt/something\"/source",
    ),
    (
        "spec/samples/score-full.yaml",
        Code::UnknownResource,
        "/containers/container-one1/volumes/\"/mnt/something-else\"/source",
    ),
];

#[test]
fn every_sample_directory_loads() {
    let Some(shared) = shared() else { return };
    let root = shared.join("data/score-samples");
    let mut dirs = Vec::new();
    sample_dirs(&root, &mut dirs);
    assert!(
        dirs.len() >= 20,
        "found only {} sample directories",
        dirs.len()
    );
    let mut seen_expected = BTreeSet::new();
    let mut failures = Vec::new();
    let mut workloads = 0;
    for dir in &dirs {
        let rel = dir
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            // `overrides*.yaml` are score-compose override files, not workloads.
            .filter(|n| n.ends_with(".yaml") && !n.starts_with("overrides"))
            .collect();
        names.sort();
        let files: Vec<SourceFile> = names
            .iter()
            .map(|n| SourceFile {
                name: format!("{rel}/{n}"),
                text: std::fs::read_to_string(dir.join(n)).unwrap(),
            })
            .collect();
        let opts = LoadOptions {
            image: Some("registry.example/app:test".into()),
            ..Default::default()
        };
        match load(&files, &DirReader(dir.clone()), &opts) {
            Ok(l) => workloads += l.app.workloads.len(),
            Err(d) => {
                let unexpected: Vec<_> = d
                    .errors()
                    .filter(|e| {
                        let s = e.span.as_ref().unwrap();
                        let key = (s.file.to_string(), e.code, s.path.to_string());
                        let known = EXPECTED_SAMPLE_ERRORS
                            .iter()
                            .any(|(f, c, p)| (f.to_string(), *c, p.to_string()) == key);
                        if known {
                            seen_expected.insert(key);
                        }
                        !known
                    })
                    .cloned()
                    .collect();
                if !unexpected.is_empty() {
                    failures.push(render(&unexpected, &files, false));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        seen_expected.len(),
        EXPECTED_SAMPLE_ERRORS.len(),
        "an expected sample error disappeared: {seen_expected:?}"
    );
    assert!(workloads >= 25, "only {workloads} workloads loaded");
}

/// A token stream with lookahead.
struct P {
    t: Vec<String>,
    i: usize,
}

/// The typed object kinds of Score (used to rebuild structure from the flattened text).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum O {
    Workload,
    Metadata,
    Service,
    Port,
    Container,
    File,
    Volume,
    Requirements,
    Quantities,
    Probe,
    HttpGet,
    Header,
    Exec,
    BeforeEntry,
    Resource,
    ResourceMeta,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum K {
    Obj(O),
    /// A map with arbitrary keys whose values are objects.
    MapObj(O),
    MapScalar,
    ListScalar,
    ListObj(O),
    Scalar,
    Content,
    Any,
}

fn fields(o: O) -> &'static [(&'static str, K)] {
    use K::*;
    match o {
        O::Workload => &[
            ("apiVersion", Scalar),
            ("metadata", Obj(O::Metadata)),
            ("service", Obj(O::Service)),
            ("containers", MapObj(O::Container)),
            ("resources", MapObj(O::Resource)),
        ],
        O::Metadata => &[("name", Scalar), ("annotations", MapScalar)],
        O::Service => &[("ports", MapObj(O::Port))],
        O::Port => &[
            ("port", Scalar),
            ("targetPort", Scalar),
            ("protocol", Scalar),
        ],
        O::Container => &[
            ("image", Scalar),
            ("command", ListScalar),
            ("args", ListScalar),
            ("variables", MapScalar),
            ("files", MapObj(O::File)),
            ("volumes", MapObj(O::Volume)),
            ("resources", Obj(O::Requirements)),
            ("livenessProbe", Obj(O::Probe)),
            ("readinessProbe", Obj(O::Probe)),
            ("before", MapObj(O::BeforeEntry)),
        ],
        O::File => &[
            ("mode", Scalar),
            ("source", Scalar),
            ("content", Content),
            ("binaryContent", Scalar),
            ("noExpand", Scalar),
        ],
        O::Volume => &[("source", Scalar), ("path", Scalar), ("readOnly", Scalar)],
        O::Requirements => &[
            ("limits", Obj(O::Quantities)),
            ("requests", Obj(O::Quantities)),
        ],
        O::Quantities => &[("cpu", Scalar), ("memory", Scalar)],
        O::Probe => &[("httpGet", Obj(O::HttpGet)), ("exec", Obj(O::Exec))],
        O::HttpGet => &[
            ("host", Scalar),
            ("scheme", Scalar),
            ("path", Scalar),
            ("port", Scalar),
            ("httpHeaders", ListObj(O::Header)),
        ],
        O::Header => &[("name", Scalar), ("value", Scalar)],
        O::Exec => &[("command", ListScalar)],
        O::BeforeEntry => &[("ready", Scalar)],
        O::Resource => &[
            ("type", Scalar),
            ("class", Scalar),
            ("id", Scalar),
            ("metadata", Obj(O::ResourceMeta)),
            ("params", Any),
        ],
        O::ResourceMeta => &[("annotations", MapScalar)],
    }
}

/// A frame of the typed structure being built: it may accept a key that ends a nested value.
#[derive(Clone, Debug)]
enum Frame {
    Obj(O, Vec<&'static str>),
    Map(K),
}

fn key_of(tok: &str) -> Option<&str> {
    if tok.len() > 1 && tok.ends_with(':') && !tok.starts_with('"') && !tok.starts_with('-') {
        Some(&tok[..tok.len() - 1])
    } else {
        None
    }
}

impl P {
    fn tok(&self, i: usize) -> Option<&str> {
        self.t.get(i).map(String::as_str)
    }

    /// Can a value of kind `k` start at token `i`?
    fn fits(&self, k: K, i: usize) -> bool {
        let Some(t) = self.tok(i) else { return false };
        match k {
            K::Obj(o) => {
                key_of(t).is_some_and(|key| fields(o).iter().any(|(f, _)| *f == key))
                    && (o != O::Resource || self.resource_at(i))
            }
            K::MapObj(o) => key_of(t).is_some() && self.fits(K::Obj(o), i + 1),
            K::MapScalar => key_of(t).is_some() && self.fits(K::Scalar, i + 1),
            K::ListScalar | K::ListObj(_) => t == "-",
            K::Scalar => key_of(t).is_none() && t != "-",
            K::Content => t == "|" || key_of(t).is_none(),
            K::Any => true,
        }
    }

    /// A resource starts at `i` (its fields): `type: T` then another resource field, the end,
    /// or the next resource. This tells `partitioning: type: time interval: …` (params) apart.
    fn resource_at(&self, i: usize) -> bool {
        if self.tok(i) != Some("type:") || !self.fits(K::Scalar, i + 1) {
            return self
                .tok(i)
                .is_some_and(|t| matches!(t, "class:" | "id:" | "metadata:" | "params:"));
        }
        match self.tok(i + 2) {
            None => true,
            Some(t) => {
                matches!(t, "class:" | "id:" | "metadata:" | "params:")
                    || (key_of(t).is_some() && self.resource_at(i + 3))
            }
        }
    }

    /// Does a frame of `stack` accept the key at token `i`?
    fn accepted(&self, stack: &[Frame], i: usize) -> bool {
        let Some(t) = self.tok(i) else { return true };
        let Some(key) = key_of(t) else { return false };
        stack.iter().any(|f| match f {
            Frame::Obj(o, seen) => {
                !seen.contains(&key)
                    && fields(*o)
                        .iter()
                        .any(|(name, k)| *name == key && self.fits(*k, i + 1))
            }
            Frame::Map(k) => self.fits(*k, i),
        })
    }

    fn scalar(&mut self) -> J {
        let first = self.t[self.i].clone();
        self.i += 1;
        if first.starts_with('"') {
            let mut s = first;
            while !(s.len() > 1 && s.ends_with('"')) && self.i < self.t.len() {
                s.push(' ');
                s.push_str(&self.t[self.i]);
                self.i += 1;
            }
            return J::String(s[1..s.len() - 1].to_string());
        }
        let mut s = first;
        while let Some(t) = self.tok(self.i) {
            if key_of(t).is_some() || t == "-" {
                break;
            }
            s.push(' ');
            s.push_str(t);
            self.i += 1;
        }
        match s.as_str() {
            "true" => J::Bool(true),
            "false" => J::Bool(false),
            _ => s.parse::<i64>().map_or(J::String(s), J::from),
        }
    }

    fn value(&mut self, k: K, stack: &mut Vec<Frame>) -> J {
        match k {
            K::Scalar => self.scalar(),
            K::Content => {
                if self.tok(self.i) == Some("|") {
                    self.i += 1;
                }
                let mut words = Vec::new();
                while self.i < self.t.len() && !self.accepted(stack, self.i) {
                    words.push(self.t[self.i].clone());
                    self.i += 1;
                }
                J::String(words.join(" ") + "\n")
            }
            K::Obj(o) => self.obj(o, stack),
            K::MapObj(_) | K::MapScalar => {
                let inner = if let K::MapObj(o) = k {
                    K::Obj(o)
                } else {
                    K::Scalar
                };
                let mut m = Map::new();
                while self.fits(k, self.i) {
                    let key = key_of(&self.t[self.i]).unwrap().to_string();
                    self.i += 1;
                    stack.push(Frame::Map(k));
                    let v = self.value(inner, stack);
                    stack.pop();
                    m.insert(key, v);
                }
                J::Object(m)
            }
            K::ListScalar | K::ListObj(_) => {
                let inner = if let K::ListObj(o) = k {
                    K::Obj(o)
                } else {
                    K::Scalar
                };
                let mut l = Vec::new();
                while self.tok(self.i) == Some("-") {
                    self.i += 1;
                    l.push(self.value(inner, stack));
                }
                J::Array(l)
            }
            K::Any => self.any(stack),
        }
    }

    fn obj(&mut self, o: O, stack: &mut Vec<Frame>) -> J {
        let mut m = Map::new();
        stack.push(Frame::Obj(o, Vec::new()));
        while let Some(key) = self.tok(self.i).and_then(key_of).map(str::to_string) {
            let Some(&(name, k)) = fields(o).iter().find(|(f, _)| *f == key) else {
                break;
            };
            if m.contains_key(name) || !self.fits(k, self.i + 1) {
                break;
            }
            self.i += 1;
            if let Some(Frame::Obj(_, seen)) = stack.last_mut() {
                seen.push(name);
            }
            let v = self.value(k, stack);
            m.insert(name.to_string(), v);
        }
        stack.pop();
        J::Object(m)
    }

    /// Free-form YAML (resource params): lists, maps and scalars until a typed frame takes over.
    fn any(&mut self, stack: &mut Vec<Frame>) -> J {
        match self.tok(self.i) {
            Some("-") => {
                let mut l = Vec::new();
                while self.tok(self.i) == Some("-") {
                    self.i += 1;
                    l.push(self.any(stack));
                }
                J::Array(l)
            }
            Some(t) if key_of(t).is_some() => {
                let mut m = Map::new();
                while let Some(key) = self.tok(self.i).and_then(key_of).map(str::to_string) {
                    if self.accepted(stack, self.i) {
                        break;
                    }
                    self.i += 1;
                    let v = self.any(stack);
                    m.insert(key, v);
                }
                J::Object(m)
            }
            Some(_) => self.scalar(),
            None => J::Null,
        }
    }
}

/// Rebuild a Score workload from its whitespace-collapsed text.
fn unflatten(text: &str) -> J {
    let mut p = P {
        t: text.split_whitespace().map(str::to_string).collect(),
        i: 0,
    };
    let v = p.obj(O::Workload, &mut Vec::new());
    assert_eq!(
        p.i,
        p.t.len(),
        "unparsed tail: {:?}",
        &p.t[p.i.min(p.t.len())..]
    );
    v
}

/// The `value:` of each named example in the seed document.
fn seed_examples(shared: &Path) -> Vec<(String, J)> {
    let text = std::fs::read_to_string(shared.join("seeds/003_2a79d8759af4c2d0.txt")).unwrap();
    let names = [
        "EcommerceFrontendExample",
        "DataPipelineWorkerExample",
        "MLInferenceServiceExample",
    ];
    names
        .iter()
        .map(|name| {
            let start = text.find(&format!("{name}: summary:")).unwrap();
            let rest = &text[start..];
            let value = rest.find(" value: ").unwrap() + " value: ".len();
            let rest = &rest[value..];
            // The example ends at the next `# Comment` line of the components section.
            let end = rest.find(" # ").unwrap_or(rest.len());
            (name.to_string(), unflatten(&rest[..end]))
        })
        .collect()
}

fn seed_reader() -> DirReader {
    DirReader(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seed"))
}

fn seed_file(name: &str, v: &J) -> SourceFile {
    SourceFile {
        name: format!("{name}.yaml"),
        text: serde_json::to_string_pretty(v).unwrap(),
    }
}

#[test]
fn seed_examples_load() {
    let Some(shared) = shared() else { return };
    let examples = seed_examples(&shared);
    let expected = [
        ("ecommerce-frontend", vec!["frontend", "nginx-sidecar"], 8),
        (
            "data-pipeline-worker",
            vec!["metrics-exporter", "worker"],
            9,
        ),
        (
            "ml-inference-service",
            vec!["ab-controller", "model-server", "request-router"],
            10,
        ),
    ];
    for ((name, v), (wname, containers, resources)) in examples.iter().zip(expected) {
        let file = seed_file(name, v);
        let l = match load(
            std::slice::from_ref(&file),
            &seed_reader(),
            &LoadOptions::default(),
        ) {
            Ok(l) => l,
            Err(d) => panic!("{name}:\n{}", render(&d.0, &[file], false)),
        };
        assert!(l.warnings.is_empty(), "{name}: {:?}", l.warnings);
        let w = &l.app.workloads[wname];
        assert_eq!(
            w.containers.keys().map(String::as_str).collect::<Vec<_>>(),
            containers,
            "{name}"
        );
        assert_eq!(w.resources.len(), resources, "{name}");
    }
}

#[test]
fn seed_examples_together_conflict_on_shared_observability() {
    let Some(shared) = shared() else { return };
    let files: Vec<SourceFile> = seed_examples(&shared)
        .iter()
        .map(|(n, v)| seed_file(n, v))
        .collect();
    let d = load(&files, &seed_reader(), &LoadOptions::default()).unwrap_err();
    let errors: Vec<_> = d.errors().collect();
    assert_eq!(errors.len(), 1, "{}", render(&d.0, &files, false));
    assert_eq!(errors[0].code, Code::ParamsConflict);
    assert!(
        errors[0]
            .message
            .contains("service.default#shared.observability"),
        "{}",
        errors[0].message
    );
    assert_eq!(errors[0].related.len(), 1);
}

#[test]
fn unflatten_rebuilds_structure() {
    let v = unflatten(
        "apiVersion: score.dev/v1b1 metadata: name: a annotations: x.io/y: \"1 2\" containers: main: image: nginx \
         command: - /bin/sh - -c - test -f /tmp/x resources: limits: cpu: 1 files: /a: content: | k: v x: - y \
         mode: \"0644\" resources: db: type: pg params: p: type: time interval: d other: type: redis class: c",
    );
    let want = serde_json::json!({
        "apiVersion": "score.dev/v1b1",
        "metadata": {"name": "a", "annotations": {"x.io/y": "1 2"}},
        "containers": {"main": {"image": "nginx", "command": ["/bin/sh", "-c", "test -f /tmp/x"],
            "resources": {"limits": {"cpu": 1}},
            "files": {"/a": {"content": "k: v x: - y\n", "mode": "0644"}}}},
        "resources": {"db": {"type": "pg", "params": {"p": {"type": "time", "interval": "d"}}},
                      "other": {"type": "redis", "class": "c"}}
    });
    assert_eq!(v, want);
}

#[test]
#[ignore = "debugging aid: prints the rebuilt seed examples"]
fn print_seed_examples() {
    let Some(shared) = shared() else { return };
    for (n, v) in seed_examples(&shared) {
        eprintln!("{n}: {}", serde_json::to_string_pretty(&v).unwrap());
    }
}
