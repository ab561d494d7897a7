//! Go text/template semantics, each case checked against what Go 1.22 + sprig v3 print.

use serde_json::json;

use super::{Ctx, Template};

fn ctx() -> Ctx {
    Ctx {
        seed: "seed".into(),
        uid: "x.default#w.r".into(),
        section: "init".into(),
        ..Ctx::default()
    }
}

fn render(t: &str, data: serde_json::Value) -> String {
    Template::parse(t)
        .unwrap()
        .execute(&data, true, &mut ctx())
        .unwrap()
}

fn error(t: &str, data: serde_json::Value) -> super::Error {
    match Template::parse(t) {
        Err(e) => e,
        Ok(tp) => tp.execute(&data, true, &mut ctx()).unwrap_err(),
    }
}

#[test]
fn text_actions_and_trim_markers() {
    let d = json!({"Name": "api", "N": 3});
    assert_eq!(render("a {{ .Name }} b", d.clone()), "a api b");
    assert_eq!(render("a  {{- .Name -}}  \n b", d.clone()), "aapib");
    assert_eq!(render("x{{/* c */}}y {{- /* c */ -}} z", d.clone()), "xyz");
    assert_eq!(
        render(
            "{{ .N }} {{ -3 }} {{ 1.5 }} {{ \"s\\n\" }}{{ `r` }} {{ 'a' }}",
            d
        ),
        "3 -3 1.5 s\nr 97"
    );
}

#[test]
fn missing_keys_print_no_value_and_fields_of_nil_fail() {
    let d = json!({"Params": {"a": {"b": 1}}});
    assert_eq!(render("{{ .Params.x }}", d.clone()), "<no value>");
    assert_eq!(render("{{ .Params.a.b }}", d.clone()), "1");
    let e = error("{{ .Params.x.y }}", d.clone());
    assert!(
        e.msg.contains("nil pointer evaluating interface {}.y"),
        "{e:?}"
    );
    let e = error("line1\n  {{ .Parms.a }}", d);
    assert!(e.msg.contains("can't evaluate field Parms"), "{e:?}");
    assert_eq!(e.hint.as_deref(), Some("did you mean `.Params`?"));
    assert_eq!(e.line_col("line1\n  {{ .Parms.a }}"), (2, 6));
}

#[test]
fn control_flow_variables_and_ranges() {
    let d = json!({"L": ["a", "b", "c"], "M": {"z": 1, "a": 2}, "E": [], "T": true});
    assert_eq!(
        render(
            "{{ range $i, $v := .L }}{{ $i }}={{ $v }};{{ end }}",
            d.clone()
        ),
        "0=a;1=b;2=c;"
    );
    assert_eq!(
        render(
            "{{ range $k, $v := .M }}{{ $k }}{{ $v }}{{ end }}",
            d.clone()
        ),
        "a2z1"
    );
    assert_eq!(
        render("{{ range .E }}x{{ else }}empty{{ end }}", d.clone()),
        "empty"
    );
    assert_eq!(
        render(
            "{{ range .L }}{{ if eq . \"b\" }}{{ break }}{{ end }}{{ . }}{{ end }}",
            d.clone()
        ),
        "a"
    );
    assert_eq!(
        render(
            "{{ range .L }}{{ if eq . \"b\" }}{{ continue }}{{ end }}{{ . }}{{ end }}",
            d.clone()
        ),
        "ac"
    );
    assert_eq!(
        render(
            "{{ if not .T }}a{{ else if .L }}b{{ else }}c{{ end }}",
            d.clone()
        ),
        "b"
    );
    assert_eq!(
        render(
            "{{ with .M }}{{ .a }}{{ end }}{{ with .M.nope }}x{{ else }}y{{ end }}",
            json!({"M": {"a": 1}})
        ),
        "1y"
    );
    assert_eq!(
        render(
            "{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}",
            d.clone()
        ),
        "2"
    );
    assert_eq!(
        render("{{ range .L }}{{ $.T }}{{ end }}", d.clone()),
        "truetruetrue"
    );
    assert_eq!(render("{{ range 3 }}{{ . }}{{ end }}", d), "012");
}

#[test]
fn pipelines_builtins_and_sprig() {
    let d = json!({"S": {"password": "p"}, "P": {"name": "My DB"}, "W": {"api": {"Ports": {"web": {"Port": 80}}}}});
    let cases = [
        (
            "{{ dig \"password\" \"d\" .S }} {{ dig \"nope\" \"d\" .S }}",
            "p d",
        ),
        ("{{ .P.name | lower | quote }}", "\"my db\""),
        (
            "{{ default \"x\" .P.missing }} {{ .P.name | default \"y\" }}",
            "x My DB",
        ),
        (
            "{{ (index .W \"api\").Ports.web.Port }} {{ index .W \"api\" \"Ports\" \"web\" \"Port\" }}",
            "80 80",
        ),
        (
            "{{ printf \"%s-%d-%q-%05.1f-%v\" \"a\" 3 \"b\" 2.5 (list 1 \"x\") }}",
            "a-3-\"b\"-002.5-[1 x]",
        ),
        (
            "{{ b64enc \"hello\" }} {{ sha256sum \"\" | trunc 8 }}",
            "aGVsbG8= e3b0c442",
        ),
        (
            "{{ substr 0 3 \"abcdef\" }} {{ trunc -2 \"abcdef\" }} {{ cat \"a\" nil \"b\" }}",
            "abc ef a b",
        ),
        (
            "{{ splitList \",\" \"a,b\" | last }} {{ list 1 2 | first }} {{ join \"-\" (list \"a\" \"b\") }}",
            "b 1 a-b",
        ),
        (
            "{{ $d := dict \"a\" 1 }}{{ $_ := set $d \"b\" 2 }}{{ hasKey $d \"b\" }} {{ get $d \"a\" }} {{ keys $d | toJson }}",
            "true 1 [\"a\",\"b\"]",
        ),
        (
            "{{ toJson .P }} {{ toYaml .P }}",
            "{\"name\":\"My DB\"} name: My DB",
        ),
        (
            "{{ and 1 0 2 }} {{ or 0 \"\" 3 }} {{ and .P .P.name }}",
            "0 3 My DB",
        ),
        (
            "{{ add 1 2 3 }} {{ sub 5 2 | mul 3 }} {{ max 1 7 3 }} {{ div 7 2 }} {{ add1 \"4\" }}",
            "6 9 7 3 5",
        ),
        (
            "{{ regexMatch \"^[a-z]+$\" \"abc\" }} {{ regexReplaceAll \"[^a-z0-9-]\" \"My DB\" \"-\" }}",
            "true -y---",
        ),
        (
            "{{ ternary \"y\" \"n\" true }} {{ empty \"\" }} {{ coalesce \"\" nil \"c\" }} {{ quote 1 nil \"a\\\"b\" }}",
            "y true c \"1\" \"a\\\"b\"",
        ),
        (
            "{{ encodeSecretRef \"pg\" \"password\" }}",
            "🔐💬pg_password💬🔐",
        ),
        (
            "{{ print 1 2 \"a\" 3 }} {{ len .P }} {{ .P }}",
            "1 2a3 1 map[name:My DB]",
        ),
        (
            "{{ \"abc\" | upper | replace \"B\" \"x\" }} {{ title \"hello world\" }} {{ nindent 2 \"a\\nb\" }}",
            "AxC Hello World \n  a\n  b",
        ),
    ];
    for (t, want) in cases {
        assert_eq!(render(t, d.clone()), want, "{t}");
    }
}

#[test]
fn errors_carry_positions_and_messages() {
    let e = error("a\n{{ fail \"expected 'workload' param\" }}", json!({}));
    assert_eq!(e.msg, "error calling fail: expected 'workload' param");
    assert_eq!(
        e.line_col("a\n{{ fail \"expected 'workload' param\" }}"),
        (2, 4)
    );
    assert!(
        error("{{ nosuch 1 }}", json!({}))
            .msg
            .contains("function `nosuch` not defined")
    );
    assert!(
        error("{{ if 1 }}x", json!({}))
            .msg
            .contains("has no {{end}}")
    );
    assert!(
        error("{{ end }}", json!({}))
            .msg
            .contains("unexpected {{end}}")
    );
    assert!(error("{{ .A ", json!({})).msg.contains("unclosed action"));
    assert!(
        error("{{ required \"need x\" .X }}", json!({"X": null}))
            .msg
            .contains("need x")
    );
    assert!(
        error(
            "{{ range .L }}{{ range $.L }}{{ range $.L }}{{ end }}{{ end }}{{ end }}",
            json!({"L": (0..101).collect::<Vec<_>>()})
        )
        .msg
        .contains("loop iterations")
    );
}

#[test]
fn randomness_is_seeded_and_distinct_per_draw() {
    let t = Template::parse(
        "{{ randAlphaNum 16 }} {{ randAlphaNum 16 }} {{ randNumeric 4 }} {{ uuidv4 }}",
    )
    .unwrap();
    let a = t.execute(&json!({}), true, &mut ctx()).unwrap();
    let b = t.execute(&json!({}), true, &mut ctx()).unwrap();
    assert_eq!(a, b);
    let parts: Vec<&str> = a.split(' ').collect();
    assert_ne!(parts[0], parts[1]);
    assert!(parts[0].len() == 16 && parts[0].chars().all(|c| c.is_ascii_alphanumeric()));
    assert!(parts[2].len() == 4 && parts[2].chars().all(|c| c.is_ascii_digit()));
    assert_eq!(parts[3].len(), 36);
    let mut other = ctx();
    other.seed = "other".into();
    assert_ne!(t.execute(&json!({}), true, &mut other).unwrap(), a);
    let mut none = Ctx::default();
    assert!(
        t.execute(&json!({}), true, &mut none)
            .unwrap_err()
            .msg
            .contains("no seed")
    );
}
