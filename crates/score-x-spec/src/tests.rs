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
    let w = &l.app.workloads()["app"];
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
    let w = &l.app.workloads()["app"];
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

fn with_main(extra: &str) -> String {
    format!("{BASE}{extra}")
}

#[test]
fn required_field() {
    let d = errs(
        "apiVersion: score.dev/v1b1\nmetadata:\n  name: app\ncontainers:\n  main:\n    command: [a]\n",
    );
    assert_eq!(
        one(&d, Code::RequiredField),
        ("/containers/main".into(), 5, 3)
    );
    let d = errs("apiVersion: score.dev/v1b1\ncontainers:\n  main: {image: a}\n");
    assert_eq!(one(&d, Code::RequiredField).0, "/");
}

#[test]
fn pattern_mismatch() {
    let d = errs(
        "apiVersion: score.dev/v1b1\nmetadata:\n  name: My_App\ncontainers:\n  main: {image: a}\n",
    );
    assert_eq!(
        one(&d, Code::PatternMismatch),
        ("/metadata/name".into(), 3, 9)
    );
    let d = errs(&with_main("    resources: {limits: {cpu: 1.5m}}\n"));
    assert_eq!(
        one(&d, Code::PatternMismatch).0,
        "/containers/main/resources/limits/cpu"
    );
}

#[test]
fn value_out_of_range() {
    let d = errs(&with_main("service:\n  ports:\n    web: {port: 70000}\n"));
    assert_eq!(one(&d, Code::ValueOutOfRange).0, "/service/ports/web/port");
}

#[test]
fn unknown_field_suggests() {
    let d = errs(&with_main("    variabels: {A: b}\n"));
    let e = d.errors().find(|e| e.code == Code::UnknownField).unwrap();
    assert_eq!(e.hint.as_deref(), Some("did you mean `variables`?"));
}

#[test]
fn invalid_type() {
    let d = errs(&with_main("    command: /bin/sh\n"));
    assert_eq!(one(&d, Code::InvalidType).0, "/containers/main/command");
}

#[test]
fn numbers_as_strings_warn() {
    let l = ok(&[src(
        "s.yaml",
        &with_main("    variables: {PORT: 8080, ON: true, F: 1.50}\n"),
    )]);
    let v = &l.app.workloads()["app"].containers["main"].variables;
    assert_eq!(v["PORT"].value.as_literal().as_deref(), Some("8080"));
    assert_eq!(v["F"].value.as_literal().as_deref(), Some("1.50"));
    assert_eq!(l.warnings.len(), 3);
    assert!(
        l.warnings
            .iter()
            .all(|w| w.code == Code::InvalidType && w.severity == Severity::Warning)
    );
}

#[test]
fn invalid_value() {
    let d = errs(&with_main(
        "    files:\n      /a: {content: x, source: y}\n",
    ));
    assert_eq!(
        one(&d, Code::InvalidValue).0,
        "/containers/main/files/\"/a\""
    );
    let d = errs(
        "apiVersion: score.dev/v1b1\nmetadata:\n  name: app\ncontainers:\n  main:\n    image: .\n",
    );
    let e = d.errors().find(|e| e.code == Code::InvalidValue).unwrap();
    assert!(e.hint.as_deref().unwrap().contains("--image"));
}

#[test]
fn yaml_syntax_and_too_large() {
    let d = errs("apiVersion: score.dev/v1b1\nmetadata: {name: app\n");
    assert_eq!(codes(&d), vec![Code::YamlSyntax]);
    let mut lol = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..8 {
        let p = if i == 1 {
            "a".to_string()
        } else {
            format!("a{}", i - 1)
        };
        lol.push_str(&format!(
            "a{i}: &a{i} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        ));
    }
    let d = errs(&lol);
    assert_eq!(codes(&d), vec![Code::YamlTooLarge]);
}

#[test]
fn unsupported_version_and_wrong_shape() {
    let d = errs(
        "apiVersion: score.dev/v1b2\nmetadata:\n  name: app\ncontainers:\n  main: {image: a}\n",
    );
    let e = d
        .errors()
        .find(|e| e.code == Code::UnsupportedVersion)
        .unwrap();
    assert!(
        e.hint
            .as_deref()
            .unwrap()
            .contains("apiVersion: score.dev/v1b1")
    );
    let d = errs("apiVersion: score.dev/v1b1\nkind: Workload\nspec:\n  containers: {}\n");
    assert_eq!(codes(&d), vec![Code::WrongShape]);
    assert!(d.0[0].hint.as_deref().unwrap().contains("containers:"));
    let d = errs("- a\n- b\n");
    assert_eq!(codes(&d), vec![Code::WrongShape]);
}

#[test]
fn unknown_resource_in_placeholder_and_volume() {
    let d = errs(&with_main(
        "    variables: {A: \"x ${resources.dbb.host}\"}\n    volumes: {/d: {source: dat}}\nresources:\n  db: {type: postgres}\n  data: {type: volume}\n",
    ));
    let v: Vec<_> = d
        .errors()
        .filter(|e| e.code == Code::UnknownResource)
        .collect();
    assert_eq!(v.len(), 2);
    assert_eq!(v[0].hint.as_deref(), Some("did you mean `db`?"));
    // The span points into the string, at the placeholder.
    let s = v[0].span.as_ref().unwrap();
    assert_eq!((s.line, s.column), (7, 23));
    assert_eq!(v[1].hint.as_deref(), Some("did you mean `data`?"));
}

#[test]
fn invalid_placeholder() {
    let d = errs(&with_main(
        "    variables: {A: \"${env.HOME}\", B: \"${metadata.nope}\"}\n",
    ));
    let v: Vec<_> = d
        .errors()
        .filter(|e| e.code == Code::InvalidPlaceholder)
        .collect();
    assert_eq!(v.len(), 2, "{d:#?}");
    let d = errs(&with_main(
        "resources:\n  r:\n    type: x1\n    params: {a: [\"${oops\"]}\n",
    ));
    assert_eq!(
        one(&d, Code::InvalidPlaceholder).0,
        "/resources/r/params/a/0"
    );
    // noExpand disables expansion (and checking).
    ok(&[src(
        "s.yaml",
        &with_main("    files: {/a: {content: \"${oops\", noExpand: true}}\n"),
    )]);
}

#[test]
fn before_checks() {
    let text = "apiVersion: score.dev/v1b1\nmetadata: {name: app}\ncontainers:\n  aa:\n    image: x\n    before: {bb: {ready: started}, aa: {ready: started}, zz: {ready: complete}}\n  bb:\n    image: x\n    before: {aa: {ready: healthy}}\n";
    let d = errs(text);
    let c = codes(&d);
    assert_eq!(
        c.iter().filter(|c| **c == Code::DependencyCycle).count(),
        2,
        "{d:#?}"
    );
    assert_eq!(
        c.iter().filter(|c| **c == Code::UnknownContainer).count(),
        1
    );
    assert_eq!(c.iter().filter(|c| **c == Code::MissingProbe).count(), 1);
    let cyc = d.errors().find(|e| e.message.contains("cycle")).unwrap();
    assert!(cyc.message.contains("aa, bb"), "{}", cyc.message);
}

#[test]
fn duplicate_workload_names_both_files() {
    let d = errs_with(
        &[src("a.yaml", BASE), src("b.yaml", BASE)],
        &MemReader::default(),
        &LoadOptions::default(),
    );
    let e = d.errors().next().unwrap();
    assert_eq!(e.code, Code::DuplicateWorkload);
    assert_eq!(&*e.span.as_ref().unwrap().file, "b.yaml");
    assert_eq!(&*e.related[0].0.file, "a.yaml");
}

#[test]
fn params_conflict_and_sharing() {
    let a = "apiVersion: score.dev/v1b1\nmetadata: {name: aa}\ncontainers: {main: {image: x}}\nresources:\n  db: {type: postgres, id: shared-db, params: {size: 1}}\n";
    let b = "apiVersion: score.dev/v1b1\nmetadata: {name: bb}\ncontainers: {main: {image: x}}\nresources:\n  mydb: {type: postgres, id: shared-db, params: {size: 2}}\n";
    let c = "apiVersion: score.dev/v1b1\nmetadata: {name: cc}\ncontainers: {main: {image: x}}\nresources:\n  db: {type: postgres, id: shared-db}\n";
    let d = errs_with(
        &[src("a.yaml", a), src("b.yaml", b)],
        &MemReader::default(),
        &LoadOptions::default(),
    );
    let e = d.errors().next().unwrap();
    assert_eq!(e.code, Code::ParamsConflict);
    assert_eq!(&*e.span.as_ref().unwrap().file, "b.yaml");
    assert_eq!(&*e.related[0].0.file, "a.yaml");
    // c declares without params: shared, a is the source workload.
    let l = ok(&[src("c.yaml", c), src("a.yaml", a)]);
    let r = &l.app.resources()[&"postgres.default#shared-db".parse().unwrap()];
    assert_eq!(r.source_workload, "aa");
    assert_eq!(
        r.consumers.iter().map(String::as_str).collect::<Vec<_>>(),
        vec!["aa", "cc"]
    );
    // Without params anywhere the first by name is the source.
    let l = ok(&[
        src("c.yaml", c),
        src("c2.yaml", &c.replace("name: cc", "name: bb")),
    ]);
    assert_eq!(
        l.app.resources().values().next().unwrap().source_workload,
        "bb"
    );
}

#[test]
fn file_not_found_and_non_utf8() {
    let t = with_main(
        "    files:\n      /a: {source: missing.txt}\n      /b: {source: bin.dat}\n      /c: {source: bin.dat, noExpand: true}\n",
    );
    let reader = MemReader([("bin.dat".to_string(), vec![0xff, 0xfe])].into());
    let d = errs_with(&[src("s.yaml", &t)], &reader, &LoadOptions::default());
    assert_eq!(
        one(&d, Code::FileNotFound).0,
        "/containers/main/files/\"/a\"/source"
    );
    assert_eq!(
        one(&d, Code::InvalidValue).0,
        "/containers/main/files/\"/b\"/source"
    );
}

#[test]
fn deprecated_forms_are_upgraded() {
    let t = with_main(
        "    files:\n      - target: /a\n        content: [one, two]\n    volumes:\n      - target: /v\n        source: data\n        read_only: true\nresources:\n  data: {type: volume}\n",
    );
    let l = ok(&[src("s.yaml", &t)]);
    let c = &l.app.workloads()["app"].containers["main"];
    assert!(
        matches!(&c.files["/a"].content, FileContent::Template(t) if t.as_literal().as_deref() == Some("one\ntwo"))
    );
    assert!(c.volumes["/v"].read_only);
    assert_eq!(
        l.warnings
            .iter()
            .filter(|w| w.code == Code::Deprecated)
            .count(),
        4
    );
}

/// Files and volumes share the two forms: one target twice in the list form is an error naming
/// the kind, a `target` in the map form is an error, an empty file target is an error.
#[test]
fn files_and_volumes_by_target() {
    let d = errs(&with_main(
        "    files:\n      - {target: /a, content: x}\n      - {target: /a, content: y}\n    volumes:\n      - {target: /v, source: data}\n      - {target: /v, source: data}\nresources:\n  data: {type: volume}\n",
    ));
    let msgs: Vec<&str> = d.errors().map(|e| e.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "two files have the target `/a`",
            "two volumes have the target `/v`"
        ],
        "{d:#?}"
    );
    let d = errs(&with_main(
        "    files:\n      \"\": {content: x}\n    volumes:\n      /v: {target: /v, source: data}\nresources:\n  data: {type: volume}\n",
    ));
    let msgs: Vec<&str> = d.errors().map(|e| e.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "a file target must not be empty",
            "`target` is only used in the deprecated list form"
        ],
        "{d:#?}"
    );
}

/// The hints of unknown names: the closest name, else what there is.
#[test]
fn unknown_names_hint_the_closest_or_list_what_there_is() {
    let hints = |extra: &str| -> Vec<String> {
        errs(&with_main(extra))
            .errors()
            .filter_map(|e| e.hint.clone())
            .collect()
    };
    assert_eq!(
        hints(
            "    variables: {A: \"${resources.dbb.host}\"}\nresources:\n  db: {type: postgres}\n  cache: {type: redis}\n"
        ),
        ["did you mean `db`?"]
    );
    assert_eq!(
        hints(
            "    variables: {A: \"${resources.zzz.host}\"}\nresources:\n  db: {type: postgres}\n  cache: {type: redis}\n"
        ),
        ["declared resources: cache, db"]
    );
    assert_eq!(
        hints("    variables: {A: \"${resources.zzz.host}\"}\n"),
        ["declare it under `resources:`, e.g. `resources: {zzz: {type: …}}`"]
    );
    assert_eq!(
        hints("    before: {sidee: {ready: started}}\n  side:\n    image: x\n"),
        ["did you mean `side`?"]
    );
    assert_eq!(
        hints("    before: {zzz: {ready: started}}\n  side:\n    image: x\n"),
        ["containers of this workload: main, side"]
    );
}

#[test]
fn overrides_file_and_properties() {
    let opts = LoadOptions {
        image: None,
        overrides_file: Some(src(
            "over.yaml",
            "containers:\n  main:\n    variables: {A: b}\n",
        )),
        override_properties: vec![
            "containers.main.image=busybox".into(),
            "metadata.annotations.example\\.com/xy=y".into(),
        ],
    };
    let l = load(&[src("s.yaml", BASE)], &MemReader::default(), &opts).unwrap();
    let w = &l.app.workloads()["app"];
    assert_eq!(w.containers["main"].image, "busybox");
    assert!(w.containers["main"].variables.contains_key("A"));
    assert_eq!(w.annotations["example.com/xy"], "y");
    // Errors in overridden nodes point at the override file.
    let opts = LoadOptions {
        overrides_file: Some(src("over.yaml", "containers:\n  main:\n    imagee: x\n")),
        ..Default::default()
    };
    let d = errs_with(&[src("s.yaml", BASE)], &MemReader::default(), &opts);
    assert_eq!(
        &*d.errors().next().unwrap().span.as_ref().unwrap().file,
        "over.yaml"
    );
    let opts = LoadOptions {
        override_properties: vec!["nope".into()],
        ..Default::default()
    };
    let d = errs_with(&[src("s.yaml", BASE)], &MemReader::default(), &opts);
    assert_eq!(codes(&d), vec![Code::InvalidOverride]);
}

#[test]
fn multi_document_files() {
    let t = format!("{BASE}---\n{}", BASE.replace("name: app", "name: other"));
    let l = ok(&[src("s.yaml", &t)]);
    assert_eq!(l.app.workloads().len(), 2);
}

#[test]
fn all_errors_of_all_files_at_once() {
    let a = "apiVersion: score.dev/v1b1\nmetadata: {name: aa}\ncontainers: {main: {imag: x}}\n";
    let b = "apiVersion: score.dev/v1b1\nmetadata: {name: B}\ncontainers: {main: {image: x, variables: {A: \"${resources.x.y}\"}}}\n";
    let d = errs_with(
        &[src("a.yaml", a), src("b.yaml", b), src("c.yaml", "a: [")],
        &MemReader::default(),
        &LoadOptions::default(),
    );
    let files: Vec<&str> = d
        .errors()
        .map(|e| &*e.span.as_ref().unwrap().file)
        .collect();
    assert_eq!(
        files,
        vec!["a.yaml", "a.yaml", "b.yaml", "b.yaml", "c.yaml"],
        "{d:#?}"
    );
}

#[test]
fn render_is_deterministic_and_complete() {
    let t = with_main("    imag: x\n");
    let d = errs(&t);
    let files = [src("score.yaml", &t)];
    let r1 = render(&d.0, &files, false);
    assert_eq!(r1, render(&d.0, &files, false));
    assert!(
        r1.contains("error[UNKNOWN_FIELD]: score.yaml:7:5 at /containers/main/imag"),
        "{r1}"
    );
    assert!(r1.contains("help: did you mean `image`?"), "{r1}");
    assert!(!r1.contains('\u{1b}'));
    assert!(render(&d.0, &files, true).contains('\u{1b}'));
}

#[test]
fn thousand_workloads_load() {
    let files: Vec<SourceFile> = (0..1000)
        .map(|i| {
            src(
                &format!("w{i}.yaml"),
                &format!(
                    "apiVersion: score.dev/v1b1\nmetadata: {{name: w{i}}}\ncontainers:\n  main:\n    image: x\n    variables: {{DB: \"${{resources.db.host}}\"}}\nresources:\n  db: {{type: postgres, id: shared, params: {{v: 1}}}}\n  own: {{type: redis}}\n"
                ),
            )
        })
        .collect();
    let l = ok(&files);
    assert_eq!(l.app.workloads().len(), 1000);
    assert_eq!(l.app.resources().len(), 1001);
    assert_eq!(
        l.app.resources()[&"postgres.default#shared".parse().unwrap()]
            .consumers
            .len(),
        1000
    );
}

proptest! {
    #[test]
    fn load_never_panics(text in "\\PC{0,200}") {
        if let Err(d) = load(&[src("p.yaml", &text)], &MemReader::default(), &LoadOptions::default()) {
            let _ = render(&d.0, &[src("p.yaml", &text)], false);
        }
    }

    #[test]
    fn placeholder_values_never_panic(v in "[é€$\\{\\}a.\\\\ ]{0,30}", block in prop::bool::ANY) {
        // Placeholder errors inside quoted and block strings, with multi-byte text around them.
        let value = if block {
            format!("|\n        é{v}\n        x {v}\n")
        } else {
            format!("\"é{}\"\n", v.replace('\\', "\\\\"))
        };
        let text = format!("{BASE}    variables:\n      A: {value}    files:\n      /f:\n        content: {value}");
        if let Err(d) = load(&[src("p.yaml", &text)], &MemReader::default(), &LoadOptions::default()) {
            for e in d.errors() {
                let s = e.span.as_ref().unwrap();
                prop_assert!(text.is_char_boundary(s.offset) && text.is_char_boundary((s.offset + s.len).min(text.len())), "{e}");
            }
            let _ = render(&d.0, &[src("p.yaml", &text)], false);
        }
    }

    #[test]
    fn load_never_panics_on_yamlish(text in "[a-z:{}\\[\\]&*,\\- \\n\"'$.|>#!%@`]{0,120}") {
        let r = load(&[src("p.yaml", &text)], &MemReader::default(), &LoadOptions::default());
        if let Err(d) = r {
            let _ = render(&d.0, &[src("p.yaml", &text)], false);
        }
    }
}

#[test]
fn byte_order_mark_and_crlf_are_accepted() {
    let text = format!("\u{feff}{}", BASE.replace('\n', "\r\n"));
    let l = ok(&[src("bom.yaml", &text)]);
    assert_eq!(l.app.workloads()["app"].containers["main"].image, "nginx");
    let d = errs(&format!(
        "\u{feff}{}",
        with_main("    imag: x\n").replace('\n', "\r\n")
    ));
    let s = d
        .errors()
        .find(|e| e.code == Code::UnknownField)
        .unwrap()
        .span
        .clone()
        .unwrap();
    assert_eq!((s.line, s.column), (7, 5));
}
