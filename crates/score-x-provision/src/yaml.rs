//! Provisioner files are read with the one spanned YAML tree of score-x
//! ([`score_x_core::yaml_tree`]): the same positions, YAML 1.2 typing, duplicate-key errors and
//! alias, byte and depth bounds as score files. A file holds one document.

use score_x_core::yaml_tree;
pub(crate) use score_x_core::yaml_tree::{Node, Value};
use score_x_core::{Code, Diagnostic, Diagnostics};

/// The one document of `text`; an empty file is `None`.
pub(crate) fn parse(file: &str, text: &str) -> Result<Option<Node>, Diagnostics> {
    let mut docs = yaml_tree::parse(file, text)
        .map_err(Diagnostics)?
        .into_iter();
    let first = docs.next();
    if let Some(extra) = docs.next() {
        return Err(Diagnostics(vec![
            Diagnostic::error(
                Code::WrongShape,
                "a provisioner file holds one YAML document (a list of provisioners); this is a second one",
            )
            .at(extra.root.pos.span(""))
            .hint("put every provisioner in the one list, or move this document to its own file"),
        ]));
    }
    Ok(first.map(|d| d.root))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spans_and_json() {
        let text = "- uri: a\n  n: 5\n  s: |\n    hello\n- x: [true, ~, 1.5, '2']\n";
        let root = parse("f.yaml", text).unwrap().unwrap();
        let Value::Seq(items) = &root.value else {
            panic!()
        };
        assert_eq!(items[0].pos.line, 1);
        assert_eq!(items[1].pos.line, 5);
        let Value::Map(e) = &items[0].value else {
            panic!()
        };
        // A block scalar is marked at its first content line.
        assert_eq!(e[2].1.pos.line, 4);
        assert_eq!((e[1].0.pos.line, e[1].0.pos.column), (2, 3));
        assert_eq!(
            root.to_json(),
            json!([{"uri": "a", "n": 5, "s": "hello\n"}, {"x": [true, null, 1.5, "2"]}])
        );
    }

    #[test]
    fn syntax_error_has_line() {
        let e = parse("f.yaml", "- a: [1,\n- b").unwrap_err();
        assert_eq!(e.0[0].code, Code::YamlSyntax);
        assert!(e.0[0].span.as_ref().unwrap().line >= 2);
    }

    #[test]
    fn aliases_expand_within_the_bounds_of_score_files() {
        let root = parse("f.yaml", "- &p {uri: template://a, type: t}\n- *p\n")
            .unwrap()
            .unwrap();
        assert_eq!(root.to_json()[1]["type"], "t");
        let mut bomb = String::from("- a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let p = i - 1;
            bomb.push_str(&format!(
                "  a{i}: &a{i} [{}]\n",
                vec![format!("*a{p}"); 10].join(", ")
            ));
        }
        let e = parse("f.yaml", &bomb).unwrap_err();
        assert_eq!(e.0[0].code, Code::YamlTooLarge);
    }

    #[test]
    fn a_second_document_is_an_error_not_silently_dropped() {
        let e = parse("f.yaml", "- uri: a\n---\n- uri: b\n").unwrap_err();
        assert_eq!(e.0[0].code, Code::WrongShape);
        assert_eq!(e.0[0].span.as_ref().unwrap().line, 3);
        assert!(parse("f.yaml", "---\n- uri: a\n---\n").unwrap().is_some());
    }
}
