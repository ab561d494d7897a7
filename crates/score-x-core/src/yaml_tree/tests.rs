//! Tests of the spanned YAML tree: positions, typing, aliases and their bounds, linear parsing.

use super::*;
use crate::Code;

fn one(text: &str) -> Node {
    let mut docs = parse("t.yaml", text).unwrap();
    assert_eq!(docs.len(), 1);
    docs.remove(0).root
}

#[test]
fn positions_are_one_based_and_byte_offsets() {
    let text = "a:\n  é: x\n  b: hello\n";
    let n = one(text);
    let a = n.get("a").unwrap();
    let b = a.get("b").unwrap();
    assert_eq!((b.pos.line, b.pos.column), (3, 6));
    assert_eq!(&text[b.pos.offset..b.pos.offset + b.pos.len], "hello");
    let Value::Map(m) = &a.value else { panic!() };
    assert_eq!((m[0].0.pos.line, m[0].0.pos.column), (2, 3));
    let x = a.get("é").unwrap();
    assert_eq!(&text[x.pos.offset..x.pos.offset + x.pos.len], "x");
}

#[test]
fn offsets_past_many_non_ascii_chars_are_bytes() {
    // More than one checkpoint of multi-byte chars before the node.
    let text = format!("k: \"{}\"\nz: end\n", "é".repeat(300));
    let n = one(&text);
    let z = n.get("z").unwrap();
    assert_eq!(&text[z.pos.offset..z.pos.offset + z.pos.len], "end");
    let k = n.get("k").unwrap();
    assert_eq!(k.pos.len, 302 * 2 - 2);
}

#[test]
fn byte_order_mark_is_skipped_and_offsets_stay_in_the_file() {
    let text = "\u{feff}a: 1\n";
    let n = one(text);
    let a = n.get("a").unwrap();
    assert_eq!(&text[a.pos.offset..a.pos.offset + a.pos.len], "1");
    assert_eq!(a.pos.column, 4);
}

#[test]
fn core_schema_typing() {
    let n = one("a: 1\nb: '1'\nc: true\nd: 1.5\ne:\nf: 0x10\ng: 1e3\nh: 1.2.3\n");
    assert_eq!(n.get("a").unwrap().value, Value::Int(1));
    assert_eq!(n.get("b").unwrap().value, Value::Str("1".into()));
    assert_eq!(n.get("c").unwrap().value, Value::Bool(true));
    assert!(matches!(n.get("d").unwrap().value, Value::Float(f, _) if f == 1.5));
    assert_eq!(n.get("e").unwrap().value, Value::Null);
    assert_eq!(n.get("f").unwrap().value, Value::Int(16));
    assert!(matches!(n.get("g").unwrap().value, Value::Float(..)));
    assert_eq!(n.get("h").unwrap().value, Value::Str("1.2.3".into()));
    let n = one("a: !!str 8080\n");
    assert_eq!(n.get("a").unwrap().value, Value::Str("8080".into()));
}

#[test]
fn aliases_expand() {
    let n = one("a: &x {k: v}\nb: *x\n");
    assert_eq!(
        n.get("b").unwrap().get("k").unwrap().value,
        Value::Str("v".into())
    );
}

#[test]
fn merge_keys_apply() {
    let n = one("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\nd: {<<: [*b, {z: 4}]}\n");
    assert_eq!(
        n.get("c").unwrap().to_json(),
        serde_json::json!({"y": 3, "x": 1})
    );
    assert_eq!(
        n.get("d").unwrap().to_json(),
        serde_json::json!({"x": 1, "y": 2, "z": 4})
    );
    let errs = parse("m.yaml", "a: {<<: 1}\n").unwrap_err();
    assert_eq!(errs[0].code, Code::InvalidType);
}

#[test]
fn billion_laughs_fails_fast() {
    let mut s = String::from(
        "a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..10 {
        let p = i - 1;
        s.push_str(&format!(
            "a{i}: &a{i} [*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p}]\n"
        ));
    }
    let errs = parse("lol.yaml", &s).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].code, Code::YamlTooLarge);
    assert!(errs[0].message.contains("100000"), "{}", errs[0].message);
}

#[test]
fn aliased_big_strings_are_bounded_by_bytes() {
    // 100 KB strings, 10 × 10 × 10 aliases: 100 MB of text from about 1,100 nodes.
    let big = "x".repeat(100_000);
    let mut s = format!("a0: &a0 \"{big}\"\n");
    for i in 1..4 {
        let p = i - 1;
        let refs = vec![format!("*a{p}"); 10].join(", ");
        s.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let errs = parse("bytes.yaml", &s).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].code, Code::YamlTooLarge);
    assert!(
        errs[0].message.contains(&format!("{MAX_BYTES} bytes")),
        "{}",
        errs[0].message
    );
    let span = errs[0].span.as_ref().unwrap();
    assert_eq!(span.line, 4);
}

#[test]
fn text_under_the_byte_bound_loads() {
    let big = "x".repeat(100_000);
    let s = format!("a: &a \"{big}\"\nb: [*a, *a, *a]\n");
    let n = one(&s);
    assert_eq!(n.get("b").unwrap().size(), 4);
}

#[test]
fn one_megabyte_single_line_flow_document_loads() {
    // Scanning from the line start for every node made this quadratic (33 s for 1 MB); with a
    // constant-time position per event it is linear. 10,000 entries of 100 bytes each.
    let entries: Vec<String> = (0..10_000)
        .map(|i| format!("\"VAR_{i:05}\": \"{}\"", "v".repeat(88)))
        .collect();
    let text = format!("{{\"variables\": {{{}}}}}", entries.join(", "));
    assert!(text.len() > 1_000_000 && !text.contains('\n'));
    let n = one(&text);
    let Value::Map(vars) = &n.get("variables").unwrap().value else {
        panic!()
    };
    assert_eq!(vars.len(), 10_000);
    let (k, v) = &vars[9_999];
    assert_eq!(k.name, "VAR_09999");
    assert_eq!(
        &text[v.pos.offset..v.pos.offset + v.pos.len],
        format!("\"{}\"", "v".repeat(88))
    );
    assert_eq!(v.pos.line, 1);
    assert_eq!(v.pos.column as usize, v.pos.offset + 1);
}

#[test]
fn deep_nesting_is_bounded() {
    let s = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let errs = parse("deep.yaml", &s).unwrap_err();
    assert_eq!(errs[0].code, Code::YamlTooLarge);
    let s = format!(
        "a: &a {}{}\nb: [[[[*a]]]]\n",
        "[".repeat(62),
        "]".repeat(62)
    );
    let errs = parse("deep.yaml", &s).unwrap_err();
    assert_eq!(errs[0].code, Code::YamlTooLarge);
}

#[test]
fn duplicate_keys_are_errors_pointing_at_the_first() {
    let errs = parse("d.yaml", "a: 1\nb:\n  c: 1\n  c: 2\n").unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].code, Code::InvalidValue);
    let span = errs[0].span.as_ref().unwrap();
    assert_eq!((span.line, span.column, &*span.path), (4, 3, "/b/c"));
    assert_eq!(errs[0].related[0].0.line, 3);
}

#[test]
fn syntax_error_has_line() {
    let errs = parse("s.yaml", "a: [1, 2\nb: 3\n").unwrap_err();
    assert_eq!(errs[0].code, Code::YamlSyntax);
    assert!(errs[0].span.as_ref().unwrap().line >= 2);
}

#[test]
fn multi_document_skips_empty() {
    let docs = parse("m.yaml", "---\na: 1\n---\n---\nb: 2\n").unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[1].index, 2);
}

#[test]
fn nul_in_the_middle_is_an_error_not_the_end_of_the_file() {
    let errs = parse("n.yaml", "a: 1\nb: 2\0\nc: 3\n").unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].code, Code::InvalidText);
    let span = errs[0].span.as_ref().unwrap();
    assert_eq!((span.line, span.column), (2, 5));
}

proptest::proptest! {
    #[test]
    fn parsing_never_panics(text in "(?s).{0,200}") {
        let _ = parse("p.yaml", &text);
    }

    #[test]
    fn parsing_yaml_soup_never_panics(text in "[- :a-z{}\\[\\]|>\n'\"#&*!<,\t\u{0}\u{1b}é]{0,160}") {
        let _ = parse("p.yaml", &text);
    }

    #[test]
    fn every_position_is_on_a_char_boundary(text in "[a-zé: \n{}\\[\\],\"]{0,120}") {
        fn walk(n: &Node, text: &str) -> bool {
            let ok = text.is_char_boundary(n.pos.offset)
                && text.is_char_boundary((n.pos.offset + n.pos.len).min(text.len()));
            ok && match &n.value {
                Value::Seq(l) => l.iter().all(|c| walk(c, text)),
                Value::Map(m) => m.iter().all(|(k, v)| text.is_char_boundary(k.pos.offset) && walk(v, text)),
                _ => true,
            }
        }
        if let Ok(docs) = parse("p.yaml", &text) {
            for d in &docs {
                proptest::prop_assert!(walk(&d.root, &text));
            }
        }
    }
}
