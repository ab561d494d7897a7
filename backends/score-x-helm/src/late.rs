//! Resource outputs bound late: a variable that inserts plain resource outputs
//! (`${resources.db.host}`) reads them from the values `resources.<name>.<output>` (default: the
//! provisioned output), assembled in the template, so another environment overrides the values
//! instead of translating again. Secret outputs are never values.

use std::collections::BTreeMap;

use score_x_core::Resolved;
use score_x_core::late_bound::Piece;
use serde_json::{Map, Value as Json};

use crate::slots::go_str;
use crate::values;

/// The late-bound variables of one workload and the outputs they read.
#[derive(Debug, Clone, Default)]
pub struct Late {
    /// container → variable → pieces.
    vars: BTreeMap<String, BTreeMap<String, Vec<Piece>>>,
    /// resource (local name) → output → provisioned value.
    outputs: BTreeMap<String, BTreeMap<String, Json>>,
}

impl Late {
    /// The late-bound variables of workload `w`: those whose outputs are scalars (strings,
    /// numbers, booleans), reached through maps only.
    pub fn of(app: &Resolved, w: &str) -> Late {
        let mut late = Late::default();
        let Some(rw) = app.workloads().get(w) else {
            return late;
        };
        for (c, rc) in &rw.containers {
            for v in rc.variables.keys() {
                let Some(pieces) = app.bindings().variable(w, c, v) else {
                    continue;
                };
                let found: Option<Vec<(String, String, Json)>> = pieces
                    .iter()
                    .filter_map(|p| match p {
                        Piece::Output { resource, keys } => Some(output(app, w, resource, keys)),
                        Piece::Text(_) => None,
                    })
                    .collect();
                let Some(found) = found else { continue };
                for (resource, name, value) in found {
                    late.outputs
                        .entry(resource)
                        .or_default()
                        .insert(name, value);
                }
                late.vars
                    .entry(c.clone())
                    .or_default()
                    .insert(v.clone(), pieces.to_vec());
            }
        }
        late
    }

    /// The template expression of variable `var` of `container` (a JSON string), when it is
    /// late-bound.
    pub fn env_expr(&self, chart: &str, container: &str, var: &str) -> Option<String> {
        let pieces = self.vars.get(container)?.get(var)?;
        let items: Vec<String> = pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => go_str(t),
                Piece::Output { resource, keys } => {
                    let path: Vec<String> = std::iter::once(resource.as_str())
                        .chain(keys.iter().map(String::as_str))
                        .map(go_str)
                        .collect();
                    format!("(index .Values.resources {})", path.join(" "))
                }
            })
            .collect();
        Some(format!(
            "include {} (list {}) | toJson",
            go_str(&format!("{chart}.env")),
            items.join(" ")
        ))
    }

    /// The `resources` value (default and schema), when any output is bound late.
    pub fn values(&self) -> Option<(Json, Json)> {
        if self.outputs.is_empty() {
            return None;
        }
        let mut defaults = Map::new();
        let mut schemas = Map::new();
        for (r, outs) in &self.outputs {
            let mut d = Map::new();
            let mut s = Map::new();
            for (name, v) in outs {
                d.insert(name.clone(), v.clone());
                s.insert(name.clone(), schema_of(v));
            }
            defaults.insert(r.clone(), Json::Object(d));
            schemas.insert(r.clone(), values::closed(s));
        }
        Some((Json::Object(defaults), values::closed(schemas)))
    }
}

/// The output of `resource` that `keys` name: (resource, output name, whole output value), when
/// the value reached is a scalar through maps only.
fn output(
    app: &Resolved,
    w: &str,
    resource: &str,
    keys: &[String],
) -> Option<(String, String, Json)> {
    let uid = app.workloads().get(w)?.resources.get(resource)?;
    let (first, rest) = keys.split_first()?;
    let whole = app.resources().get(uid)?.plain(first)?;
    let mut cur = whole;
    for k in rest {
        cur = cur.as_object()?.get(k)?;
    }
    matches!(cur, Json::String(_) | Json::Number(_) | Json::Bool(_))
        .then(|| (resource.to_string(), first.clone(), whole.clone()))
}

/// The schema of an output value: scalars take any scalar, maps keep their shape open.
fn schema_of(v: &Json) -> Json {
    values::late_output(v.is_object())
}

/// The `<chart>.env` helper: the items' text (strings as they are, anything else as JSON, as
/// score-x inserts outputs), with `$` escaped for the kubelet as `--target kubernetes` does
/// (`$(` → `$$(`, `$$` → `$$$`).
pub fn helper(chart: &str) -> String {
    r#"
{{/*
An env value assembled from text and late-bound resource outputs (the `resources` values):
strings as they are, other values as JSON, `$` escaped for the kubelet.
*/}}
{{- define "CHART.env" -}}
{{- $s := "" -}}
{{- range . -}}
{{- if kindIs "string" . }}{{ $s = print $s . }}{{ else }}{{ $s = print $s (toJson .) }}{{ end -}}
{{- end -}}
{{- regexReplaceAll "\\$\\$([^$(]|\\z)" (replace "$" "$$" $s) "$${1}" -}}
{{- end }}
"#
    .replace("CHART", chart)
}
