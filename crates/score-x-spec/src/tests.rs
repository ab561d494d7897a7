//! Unit tests of `load` (one per diagnostic code and the main behaviours).

use std::collections::BTreeMap;

use proptest::prelude::*;
use score_x_core::ir::{FileContent, Readiness};
use score_x_core::{Code, Diagnostics, Severity};

use super::*;

/// Serves files from memory.
#[derive(Default)]
struct MemReader(BTreeMap<String, Vec<u8>>);

impl FileReader for MemReader {
    fn read(&self, _score_file: &str, path: &str) -> Result<Vec<u8>, String> {
        self.0
            .get(path)
            .cloned()
            .ok_or_else(|| "no such file".to_string())
    }
}

fn src(name: &str, text: &str) -> SourceFile {
    SourceFile {
        name: name.into(),
        text: text.into(),
    }
}

fn ok(files: &[SourceFile]) -> Loaded {
    match load(files, &MemReader::default(), &LoadOptions::default()) {
        Ok(l) => l,
        Err(d) => panic!("{}", render(&d.0, files, false)),
    }
}

fn errs_with(files: &[SourceFile], reader: &MemReader, opts: &LoadOptions) -> Diagnostics {
    match load(files, reader, opts) {
        Ok(_) => panic!("expected errors"),
        Err(d) => d,
    }
}

fn errs(text: &str) -> Diagnostics {
    errs_with(
        &[src("score.yaml", text)],
        &MemReader::default(),
        &LoadOptions::default(),
    )
}

/// The codes of the errors (not warnings), in order.
fn codes(d: &Diagnostics) -> Vec<Code> {
    d.errors().map(|e| e.code).collect()
}

/// The error with `code` (exactly one), with its path.
fn one(d: &Diagnostics, code: Code) -> (String, u32, u32) {
    let v: Vec<_> = d.errors().filter(|e| e.code == code).collect();
    assert_eq!(v.len(), 1, "{d:#?}");
    let s = v[0].span.as_ref().unwrap();
    (s.path.to_string(), s.line, s.column)
}

const BASE: &str =
    "apiVersion: score.dev/v1b1\nmetadata:\n  name: app\ncontainers:\n  main:\n    image: nginx\n";

#[test]
fn minimal_workload_lowers() {
    let l = ok(&[src("score.yaml", BASE)]);
    assert!(l.warnings.is_empty());
    let w = &l.app.workloads["app"];
    assert_eq!(w.containers["main"].image, "nginx");
    assert_eq!(w.file, "score.yaml");
}

#[test]
fn full_workload_lowers_every_field() {
    let text = r#"apiVersion: score.dev/v1b1
metadata:
  name: app
  team: core
  annotations:
    example.com/owner: me
service:
  ports:
    web: {port: 80, targetPort: 8080}
    dns: {port: 53, protocol: UDP}
containers:
  main:
    image: "."
    command: ["/bin/app"]
    args: ["--x"]
    variables:
      DB: "postgres://${resources.db.username}@${resources.db.host}"
      TEAM: ${metadata.team}
    files:
      /etc/a.conf: {content: "name=${metadata.name}", mode: "0600"}
      /etc/b.bin: {binaryContent: aGVsbG8=}
      /etc/c.txt: {source: c.txt}
      /etc/d.txt: {content: "${raw}", noExpand: true}
    volumes:
      /data: {source: "${resources.vol}", path: sub, readOnly: true}
    resources:
      limits: {cpu: 250m, memory: 128Mi}
    readinessProbe:
      httpGet: {path: /ready, port: 8080, httpHeaders: [{name: X-A, value: b}]}
    before:
      side: {ready: healthy}
  side:
    image: busybox
    livenessProbe:
      exec: {command: ["true"]}
resources:
  db:
    type: postgres
    params: {size: 1, host: "${resources.vol.source}"}
  vol:
    type: volume
"#;
    let reader = MemReader([("c.txt".to_string(), b"hi ${metadata.name}".to_vec())].into());
    let opts = LoadOptions {
        image: Some("registry/app:1".into()),
        ..Default::default()
    };
    let l = match load(&[src("score.yaml", text)], &reader, &opts) {
        Ok(l) => l,
        Err(d) => panic!("{}", render(&d.0, &[src("score.yaml", text)], false)),
    };
    let w = &l.app.workloads["app"];
    let c = &w.containers["main"];
    assert_eq!(c.image, "registry/app:1");
    assert_eq!(c.variables["DB"].value.refs().count(), 2);
    assert_eq!(c.files["/etc/a.conf"].mode, Some(0o600));
    assert_eq!(
        c.files["/etc/b.bin"].content,
        FileContent::Binary(b"hello".to_vec())
    );
    assert!(
        matches!(&c.files["/etc/c.txt"].content, FileContent::Template(t) if t.refs().count() == 1)
    );
    assert_eq!(
        c.files["/etc/d.txt"].content,
        FileContent::Literal("${raw}".into())
    );
    assert_eq!(c.volumes["/data"].source.as_str(), "volume.default#app.vol");
    assert!(c.volumes["/data"].read_only);
    let lim = c.resources.as_ref().unwrap().limits.as_ref().unwrap();
    assert_eq!(lim.cpu.as_ref().unwrap().millis, 250);
    assert_eq!(lim.memory.as_ref().unwrap().bytes, 128 << 20);
    assert_eq!(c.before["side"].ready, Readiness::Healthy);
    assert_eq!(w.service_ports["web"].target_port, 8080);
    assert_eq!(w.service_ports["dns"].target_port, 53);
    assert_eq!(w.annotations["example.com/owner"], "me");
    let db = l.app.resource_of("app", "db").unwrap();
    assert_eq!(db.uid.as_str(), "postgres.default#app.db");
    assert_eq!(db.params.as_ref().unwrap().refs().len(), 1);
}

#[test]
fn debug_render() {
    let d = errs(
        "apiVersion: score.dev/v1b1\nmetadata:\n  name: app\ncontainers:\n  main:\n    imag: nginx\n",
    );
    let r = render(
        &d.0,
        &[src(
            "score.yaml",
            "apiVersion: score.dev/v1b1\nmetadata:\n  name: app\ncontainers:\n  main:\n    imag: nginx\n",
        )],
        false,
    );
    println!("{r}");
}
