//! Reading a placement file (`apiVersion: score-x.dev/v1`, `kind: Placement`) into a
//! [`Placement`], with the position of every entry for the diagnostics that follow (unknown
//! workloads and resources, `Placement::check`).

use crate::backend::Target;
use crate::diag::{Code, Diagnostic, Diagnostics, Span, did_you_mean};
use crate::placement::{Placement, SecretBridge};
use crate::uid::ResourceUid;
use crate::yaml_tree::path::child;
use crate::yaml_tree::{self, Node, Value};

/// The `apiVersion` a placement file declares.
pub const API_VERSION: &str = "score-x.dev/v1";
/// The `kind` a placement file declares.
pub const KIND: &str = "Placement";

/// The keys of a placement file.
pub const KEYS: [&str; 7] = [
    "apiVersion",
    "kind",
    "default",
    "workloads",
    "resources",
    "crossRuntimeSecrets",
    "serviceAddresses",
];

/// Decode the placement file `text` (named `file`); `known` are the targets of this build.
/// Every problem is reported, each at its line and column with its YAML path.
pub fn decode(file: &str, text: &str, known: &[Target]) -> Result<Placement, Diagnostics> {
    let docs = yaml_tree::parse(file, text).map_err(Diagnostics)?;
    let mut docs = docs.into_iter();
    let (Some(doc), None) = (docs.next(), docs.next()) else {
        return Err(Diagnostics(vec![
            Diagnostic::error(
                Code::WrongShape,
                "a placement file holds exactly one YAML document",
            )
            .at(Span::file_only(file))
            .hint(example()),
        ]));
    };
    let mut d = Decoder {
        known,
        out: Placement::default(),
        diags: Diagnostics::new(),
    };
    d.root(&doc.root);
    if d.diags.has_errors() {
        return Err(d.diags);
    }
    Ok(d.out)
}

fn example() -> &'static str {
    "a placement file looks like:\n  apiVersion: score-x.dev/v1\n  kind: Placement\n  default: kubernetes\n  workloads:\n    payments: ecs"
}

struct Decoder<'a> {
    known: &'a [Target],
    out: Placement,
    diags: Diagnostics,
}

impl Decoder<'_> {
    fn root(&mut self, root: &Node) {
        let Some(entries) = self.map(root, "") else {
            return;
        };
        for (k, _) in entries
            .iter()
            .filter(|(k, _)| !KEYS.contains(&k.name.as_str()))
        {
            let d = Diagnostic::error(
                Code::UnknownField,
                format!("unknown key `{}` in the placement file", k.name),
            )
            .at(k.pos.span(&child("", &k.name)));
            self.diags.push(match did_you_mean(&k.name, KEYS) {
                Some(s) => d.hint(format!("did you mean `{s}`?")),
                None => d.hint(format!("the keys are: {}", KEYS.join(", "))),
            });
        }
        self.header(root, "apiVersion", API_VERSION);
        self.header(root, "kind", KIND);
        if let Some(n) = root.get("default").filter(|n| !n.is_null()) {
            self.out.default = self.target(n, "/default");
        }
        if let Some(n) = root.get("workloads") {
            self.workloads(n);
        }
        if let Some(n) = root.get("resources") {
            self.resources(n);
        }
        if let Some(n) = root.get("crossRuntimeSecrets") {
            self.bridges(n);
        }
        if let Some(n) = root.get("serviceAddresses") {
            self.addresses(n);
        }
    }

    fn header(&mut self, root: &Node, key: &str, want: &str) {
        let path = child("", key);
        match root.get(key) {
            Some(n) if n.scalar_text().as_deref() == Some(want) => {}
            Some(n) => self.diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!(
                        "`{key}` of a placement file must be `{want}`, not {}",
                        shown(n)
                    ),
                )
                .at(n.pos.span(&path))
                .hint(format!("write `{key}: {want}`")),
            ),
            None => self.diags.push(
                Diagnostic::error(
                    Code::RequiredField,
                    format!("the placement file has no `{key}`"),
                )
                .at(root.pos.span("/"))
                .hint(format!("add `{key}: {want}`")),
            ),
        }
    }

    fn map<'n>(&mut self, n: &'n Node, path: &str) -> Option<&'n [(yaml_tree::Key, Node)]> {
        match &n.value {
            Value::Map(m) => Some(m),
            Value::Null if !path.is_empty() => Some(&[]),
            _ => {
                self.diags.push(
                    Diagnostic::error(
                        Code::WrongShape,
                        format!(
                            "`{}` must be a map, found {}",
                            if path.is_empty() { "/" } else { path },
                            n.type_name()
                        ),
                    )
                    .at(n.pos.span(path))
                    .hint(example()),
                );
                None
            }
        }
    }

    fn workloads(&mut self, n: &Node) {
        let Some(entries) = self.map(n, "/workloads") else {
            return;
        };
        for (k, v) in entries {
            let path = child("/workloads", &k.name);
            if let Some(t) = self.target(v, &path) {
                self.out.workloads.insert(k.name.clone(), t);
                self.out.spans.insert(path.clone(), k.pos.span(&path));
            }
        }
    }

    fn resources(&mut self, n: &Node) {
        let Some(entries) = self.map(n, "/resources") else {
            return;
        };
        for (k, v) in entries {
            let path = child("/resources", &k.name);
            let uid = match k.name.parse::<ResourceUid>() {
                Ok(u) => u,
                Err(e) => {
                    self.diags.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            format!("`{}` is not a resource uid: {e}", k.name),
                        )
                        .at(k.pos.span(&path))
                        .hint("a uid is TYPE.CLASS#WORKLOAD.NAME, or TYPE.CLASS#ID for a resource with an `id` (see `score-x graph`)"),
                    );
                    continue;
                }
            };
            if let Some(t) = self.target(v, &path) {
                self.out.resources.insert(uid, t);
                self.out.spans.insert(path.clone(), k.pos.span(&path));
            }
        }
    }

    fn bridges(&mut self, n: &Node) {
        let Some(entries) = self.map(n, "/crossRuntimeSecrets") else {
            return;
        };
        for (k, v) in entries {
            let path = child("/crossRuntimeSecrets", &k.name);
            let Some(t) = self.target_name(&k.name, k.pos.span(&path)) else {
                continue;
            };
            match v.scalar_text().as_deref().map(str::parse::<SecretBridge>) {
                Some(Ok(b)) => {
                    self.out.secret_bridges.insert(t, b);
                }
                _ => self.diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!(
                            "`{path}` must be one of {}, not {}",
                            SecretBridge::NAMES.join(", "),
                            shown(v)
                        ),
                    )
                    .at(v.pos.span(&path))
                    .hint("see docs/hybrid.md: how a secret crosses runtimes"),
                ),
            }
        }
    }

    fn addresses(&mut self, n: &Node) {
        let Some(entries) = self.map(n, "/serviceAddresses") else {
            return;
        };
        for (k, v) in entries {
            let path = child("/serviceAddresses", &k.name);
            let Some(t) = self.target_name(&k.name, k.pos.span(&path)) else {
                continue;
            };
            match &v.value {
                Value::Str(p) if p.contains("{workload}") || p.contains("{service}") => {
                    self.out.service_addresses.insert(t, p.clone());
                }
                _ => self.diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!(
                            "`{path}` must be an address pattern with `{{workload}}` or `{{service}}`, not {}",
                            shown(v)
                        ),
                    )
                    .at(v.pos.span(&path))
                    .hint("for instance `{workload}.apps.internal` (also `{namespace}`)"),
                ),
            }
        }
    }

    fn target(&mut self, n: &Node, path: &str) -> Option<Target> {
        let Some(name) = n.scalar_text().filter(|_| matches!(n.value, Value::Str(_))) else {
            self.diags.push(
                Diagnostic::error(
                    Code::InvalidType,
                    format!("`{path}` must be a target name, found {}", n.type_name()),
                )
                .at(n.pos.span(path))
                .hint(format!("the targets are: {}", self.names().join(", "))),
            );
            return None;
        };
        self.target_name(&name, n.pos.span(path))
    }

    fn target_name(&mut self, name: &str, span: Span) -> Option<Target> {
        let name_or_alias = if name == "k8s" { "kubernetes" } else { name };
        if let Some(t) = self.known.iter().find(|t| t.as_str() == name_or_alias) {
            return Some(*t);
        }
        let names = self.names();
        let d = Diagnostic::error(
            Code::InvalidValue,
            format!(
                "unknown target `{name}`; this build translates to: {}",
                names.join(", ")
            ),
        )
        .at(span);
        self.diags
            .push(match did_you_mean(name, names.iter().copied()) {
                Some(s) => d.hint(format!("did you mean `{s}`?")),
                None => d.hint(format!("use one of: {}", names.join(", "))),
            });
        None
    }

    fn names(&self) -> Vec<&'static str> {
        self.known.iter().map(|t| t.as_str()).collect()
    }
}

fn shown(n: &Node) -> String {
    match n.scalar_text() {
        Some(s) => format!("`{s}`"),
        None => n.type_name().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Target; 4] = Target::ALL;

    fn errors(text: &str) -> Vec<(u32, u32, String, String)> {
        decode("p.yaml", text, &ALL)
            .unwrap_err()
            .0
            .into_iter()
            .map(|d| {
                let s = d.span.clone().unwrap();
                (
                    s.line,
                    s.column,
                    s.path.to_string(),
                    format!("{} / {}", d.message, d.hint.unwrap_or_default()),
                )
            })
            .collect()
    }

    #[test]
    fn a_placement_file_decodes_with_positions() {
        let p = decode(
            "p.yaml",
            "apiVersion: score-x.dev/v1\nkind: Placement\ndefault: kubernetes\nworkloads:\n  payments: ecs\n  worker: nomad\nresources:\n  postgres.default#shared.db: ecs\ncrossRuntimeSecrets:\n  ecs: ssm\nserviceAddresses:\n  nomad: \"{service}.consul.internal\"\n",
            &ALL,
        )
        .unwrap();
        assert_eq!(p.default, Some(Target::KUBERNETES));
        assert_eq!(p.workload("payments"), Some(Target::ECS));
        assert_eq!(p.workload("orders"), Some(Target::KUBERNETES));
        let uid: ResourceUid = "postgres.default#shared.db".parse().unwrap();
        assert_eq!(p.resources[&uid], Target::ECS);
        assert_eq!(p.spans["/workloads/worker"].line, 6);
        assert_eq!(p.secret_bridges[&Target::ECS], SecretBridge::Ssm);
        assert_eq!(
            p.service_addresses[&Target::NOMAD],
            "{service}.consul.internal"
        );
    }

    #[test]
    fn bad_entries_are_errors_at_their_line_with_a_did_you_mean() {
        let e = errors(
            "apiVersion: score-x.dev/v1\nkind: Placment\ndefalt: kubernetes\nworkloads:\n  payments: ec2\n  worker: [nomad]\nresources:\n  not-a-uid: ecs\n",
        );
        let at = |line: u32| e.iter().find(|x| x.0 == line).unwrap();
        assert!(at(2).3.contains("`kind`"), "{e:?}");
        assert!(at(3).3.contains("did you mean `default`?"), "{e:?}");
        assert_eq!(at(5).2, "/workloads/payments");
        assert!(at(5).3.contains("did you mean `ecs`?"), "{e:?}");
        assert!(at(6).3.contains("must be a target name"), "{e:?}");
        assert!(at(8).3.contains("not a resource uid"), "{e:?}");
        let e = errors("kind: Placement\n");
        assert!(e[0].3.contains("no `apiVersion`"), "{e:?}");
        assert!(errors("- a\n")[0].3.contains("must be a map"));
        let e = errors(
            "apiVersion: score-x.dev/v1\nkind: Placement\ncrossRuntimeSecrets:\n  ecs: vault\n",
        );
        assert!(e[0].3.contains("must be one of ssm"), "{e:?}");
    }
}
