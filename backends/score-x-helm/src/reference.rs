//! The values reference: every value a chart can have, with its type, default and meaning. The
//! same table gives `values.schema.json` its descriptions and docs/targets/helm.md its values
//! section ([`markdown`]; a test fails when the page is stale).

use std::sync::LazyLock;

use serde_json::Value as Json;

/// One documented value. In `key`, a `<…>` segment stands for any name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub key: &'static str,
    /// Which charts have it: `workload`, `umbrella` or `both`.
    pub chart: &'static str,
    pub ty: &'static str,
    pub default: &'static str,
    pub description: &'static str,
}

const fn e(
    key: &'static str,
    chart: &'static str,
    ty: &'static str,
    default: &'static str,
    description: &'static str,
) -> Entry {
    Entry {
        key,
        chart,
        ty,
        default,
        description,
    }
}

/// The values of the charts score-x writes.
pub const VALUES: &[Entry] = &[
    e(
        "nameOverride",
        "both",
        "string",
        "`\"\"`",
        "replaces the chart name in `<chart>.name`",
    ),
    e(
        "fullnameOverride",
        "both",
        "string",
        "`\"\"`",
        "renames the workload's objects (`<workload>` → the override, `<workload>-files` → `<override>-files`, …) and the references to them inside the chart",
    ),
    e(
        "<workload>",
        "umbrella",
        "object",
        "`{}`",
        "values of that workload's chart (any key below)",
    ),
    e(
        "global",
        "both",
        "object",
        "absent",
        "Helm's values shared with every sub-chart",
    ),
    e(
        "replicaCount",
        "workload",
        "integer ≥ 0",
        "the Kubernetes target's",
        "`spec.replicas` (Deployment, StatefulSet)",
    ),
    e(
        "containers.<c>.image.repository",
        "workload",
        "string, required",
        "the Score image's",
        "container image `repository[:tag][@digest]`; split on the last `:` after the last `/`, so `registry:5000/app` keeps its port",
    ),
    e(
        "containers.<c>.image.tag",
        "workload",
        "string",
        "the Score image's",
        "image tag",
    ),
    e(
        "containers.<c>.image.digest",
        "workload",
        "string (`sha256:…`)",
        "the Score image's",
        "image digest",
    ),
    e(
        "containers.<c>.resources",
        "workload",
        "`requests`/`limits` of Kubernetes quantities",
        "the Score container's",
        "the container's `resources`",
    ),
    e(
        "containers.<c>.securityContext",
        "workload",
        "object",
        "`{}`",
        "the container's `securityContext`",
    ),
    e(
        "containers.<c>.env.<NAME>",
        "workload",
        "string, number or boolean",
        "the resolved text",
        "the plain value of env var NAME (quoted in the template); secret references and late-bound variables are not env values",
    ),
    e(
        "resources.<resource>.<output>",
        "workload",
        "the output's type (a scalar: string, number or boolean)",
        "the provisioned output",
        "a plain output of the workload's resource, bound late: every variable using `${resources.<resource>.<output>}` is assembled from it in the template; secret outputs are never values",
    ),
    e(
        "podAnnotations",
        "workload",
        "string map",
        "`{}`",
        "merged into the pod template's annotations",
    ),
    e(
        "podLabels",
        "workload",
        "string map",
        "`{}`",
        "merged into the pod template's labels",
    ),
    e(
        "nodeSelector",
        "workload",
        "string map",
        "`{}`",
        "pod `nodeSelector`",
    ),
    e(
        "tolerations",
        "workload",
        "list",
        "`[]`",
        "pod `tolerations`",
    ),
    e("affinity", "workload", "object", "`{}`", "pod `affinity`"),
    e(
        "imagePullSecrets",
        "workload",
        "list of `{name}`",
        "`[]`",
        "pod `imagePullSecrets`",
    ),
    e(
        "podSecurityContext",
        "workload",
        "object",
        "`{}`",
        "pod `securityContext`",
    ),
    e(
        "serviceAccount.name",
        "workload",
        "string",
        "`\"\"`",
        "pod `serviceAccountName` (the account is not created)",
    ),
    e(
        "service.type",
        "workload",
        "`ClusterIP`, `NodePort`, `LoadBalancer`, `ExternalName`",
        "`ClusterIP`",
        "type of the chart's Service (when it has exactly one)",
    ),
    e(
        "service.ports",
        "workload",
        "list",
        "the Score service ports",
        "ports of that Service",
    ),
    e(
        "httpRoute.enabled",
        "both",
        "boolean",
        "`true`",
        "renders the chart's Gateway API HTTPRoutes (the Score files asked for them)",
    ),
    e(
        "httpRoute.routes.<route>.hostnames",
        "both",
        "list of strings",
        "the route's `host`",
        "`spec.hostnames` of HTTPRoute `<route>`",
    ),
    e(
        "httpRoute.routes.<route>.path",
        "both",
        "string",
        "the route's `path`",
        "the path prefix of HTTPRoute `<route>` (when it has one rule with one match)",
    ),
    e(
        "ingress.enabled",
        "both",
        "boolean",
        "`true`",
        "renders the chart's Ingresses (target option `route: ingress`)",
    ),
    e(
        "ingress.routes.<route>.host",
        "both",
        "string",
        "the route's `host`",
        "the host of Ingress `<route>` (when it has one rule)",
    ),
    e(
        "ingress.routes.<route>.path",
        "both",
        "string",
        "the route's `path`",
        "the path of Ingress `<route>` (when it has one path)",
    ),
    e(
        "secrets.<secret>.existingSecret",
        "workload",
        "string",
        "`\"\"`",
        "the name of a Secret to use instead of the generated Secret `<secret>` of a resource of this workload: the chart then does not render it and every reference points at the named one",
    ),
    e(
        "global.secrets.<secret>.existingSecret",
        "umbrella",
        "string",
        "`\"\"`",
        "the name of a Secret to use instead of the generated Secret `<secret>` of a shared resource: the umbrella then does not render it and every reference in every chart points at the named one (a global value, so the workload charts see it)",
    ),
];

/// True when `pattern` (with `<…>` segments) matches `path` (no allocation: this runs for every
/// entry and every value of every chart).
fn matches(pattern: &str, path: &[&str]) -> bool {
    prefix_len(pattern, path).is_some_and(|(n, rest)| n == path.len() && !rest)
}

/// How many leading segments of `pattern` match all of `path` (`None` on a mismatch), and
/// whether `pattern` has segments after them.
fn prefix_len(pattern: &str, path: &[&str]) -> Option<(usize, bool)> {
    let mut segs = pattern.split('.');
    for s in path {
        let p = segs.next()?;
        if !((p.starts_with('<') && p.ends_with('>')) || p == *s) {
            return None;
        }
    }
    Some((path.len(), segs.next().is_some()))
}

/// The entry of a workload chart's (`workload` true) or the umbrella's value at exactly `path`;
/// a named key wins over a `<…>` one.
fn exact(workload: bool, path: &[&str]) -> Option<&'static Entry> {
    let kind = if workload { "workload" } else { "umbrella" };
    VALUES
        .iter()
        .filter(|e| e.chart == kind || e.chart == "both")
        .filter(|e| matches(e.key, path))
        .min_by_key(|e| e.key.matches('<').count())
}

/// The entry documenting the value at `path` in a workload chart (`workload` true) or the
/// umbrella, or the one whose value contains it (a key inside `containers.<c>.resources`, say).
pub fn entry(workload: bool, path: &[&str]) -> Option<&'static Entry> {
    (1..=path.len())
        .rev()
        .find_map(|n| exact(workload, &path[..n]))
}

/// True when the value at `path` is documented: by an entry of its own or of a value containing
/// it, or (an empty map, say) as the parent of documented values.
pub fn documents(workload: bool, path: &[&str]) -> bool {
    entry(workload, path).is_some()
        || VALUES.iter().any(|e| {
            !path.is_empty()
                && (e.chart == "both" || (e.chart == "workload") == workload)
                && prefix_len(e.key, path).is_some_and(|(_, longer)| longer)
        })
}

/// Put each documented value's description into the `values.schema.json` properties under
/// `schema` of a workload chart (`workload` true) or the umbrella. One walk of the schema: each
/// level keeps the set of entries whose key still matches (no path is built; the set is a bit
/// mask over [`VALUES`]).
/// A value typed by a reference (`$ref`) is described in the definition instead
/// ([`describe_at`]).
pub fn describe(schema: &mut Json, workload: bool) {
    describe_under(schema, chart_entries(workload), 0);
}

/// Describe `schema`, the schema of the value at `key` (a key of [`VALUES`], with its `<…>`
/// segments), as [`describe`] describes it in place: a definition written once and referenced.
pub fn describe_at(schema: &mut Json, workload: bool, key: &[&str]) {
    let under = entries(chart_entries(workload))
        .filter(|(i, _)| prefix_len(VALUES[*i].key, key).is_some())
        .fold(0u64, |m, (i, _)| m | (1 << i));
    describe_node(schema, under, key.len());
    describe_under(schema, under, key.len());
}

/// The entries of a workload chart (`workload` true) or of the umbrella, as a bit mask.
fn chart_entries(workload: bool) -> u64 {
    VALUES
        .iter()
        .enumerate()
        .filter(|(_, e)| e.chart == "both" || (e.chart == "workload") == workload)
        .fold(0u64, |m, (i, _)| m | (1 << i))
}

const _: () = assert!(VALUES.len() <= 64, "describe keeps its entries in a u64");

/// `describe` below the key segments already matched: `candidates` are the entries whose first
/// `depth` segments match the path of `schema`.
fn describe_under(schema: &mut Json, candidates: u64, depth: usize) {
    let Some(Json::Object(props)) = schema.get_mut("properties") else {
        return;
    };
    for (k, v) in props.iter_mut() {
        if v.get("$ref").is_some() {
            continue;
        }
        let under = entries(candidates)
            .filter(|(i, _)| {
                SEGMENTS[*i]
                    .0
                    .get(depth)
                    .is_some_and(|p| (p.starts_with('<') && p.ends_with('>')) || p == k)
            })
            .fold(0u64, |m, (i, _)| m | (1 << i));
        if under == 0 {
            continue;
        }
        describe_node(v, under, depth + 1);
        describe_under(v, under, depth + 1);
    }
}

/// Give `node`, at a path of `len` segments matched by the entries `under`, the description of
/// the entry whose key is exactly that long. A named key wins over a `<…>` one (the first in the
/// table among equals).
fn describe_node(node: &mut Json, under: u64, len: usize) {
    let exact = entries(under)
        .filter(|(i, _)| SEGMENTS[*i].0.len() == len)
        .min_by_key(|(i, _)| SEGMENTS[*i].1);
    if let Some((_, e)) = exact
        && let Json::Object(m) = node
    {
        m.entry("description")
            .or_insert_with(|| Json::String(e.description.to_string()));
    }
}

/// The key segments of each entry of [`VALUES`] and how many are `<…>`.
static SEGMENTS: LazyLock<Vec<(Vec<&'static str>, usize)>> = LazyLock::new(|| {
    VALUES
        .iter()
        .map(|e| (e.key.split('.').collect(), e.key.matches('<').count()))
        .collect()
});

/// The entries of [`VALUES`] in the bit mask `set`, in table order.
fn entries(set: u64) -> impl Iterator<Item = (usize, &'static Entry)> {
    VALUES
        .iter()
        .enumerate()
        .filter(move |(i, _)| set & (1 << i) != 0)
}

/// The values section of docs/targets/helm.md.
pub fn markdown() -> String {
    let mut s = String::from("| key | chart | type | default | meaning |\n|---|---|---|---|---|\n");
    for e in VALUES {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            e.key, e.chart, e.ty, e.default, e.description
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patterns_and_containing_entries() {
        assert_eq!(
            entry(true, &["containers", "main", "image", "tag"])
                .unwrap()
                .key,
            "containers.<c>.image.tag"
        );
        assert_eq!(
            entry(
                true,
                &["containers", "main", "resources", "limits", "memory"]
            )
            .unwrap()
            .key,
            "containers.<c>.resources"
        );
        assert!(entry(true, &["nope"]).is_none());
        assert!(documents(true, &["containers", "main", "env"]));
        assert!(!documents(true, &["containers", "main", "nope"]));
        assert_eq!(
            entry(false, &["web", "replicaCount"]).unwrap().key,
            "<workload>"
        );
        assert_eq!(entry(false, &["nameOverride"]).unwrap().key, "nameOverride");
        let mut s = json!({"properties": {"replicaCount": {"type": "integer"},
            "secrets": {"properties": {"pg": {"properties": {"existingSecret": {"type": "string"}}}}}}});
        describe(&mut s, true);
        assert!(
            s["properties"]["replicaCount"]["description"]
                .as_str()
                .unwrap()
                .contains("spec.replicas")
        );
        assert!(
            s.pointer("/properties/secrets/properties/pg/properties/existingSecret/description")
                .is_some()
        );
    }

    /// The reference `describe` is checked against: the path of every value looked up in the
    /// whole table.
    fn describe_by_paths(schema: &mut Json, workload: bool, path: &mut Vec<String>) {
        let Some(Json::Object(props)) = schema.get_mut("properties") else {
            return;
        };
        for (k, v) in props.iter_mut() {
            path.push(k.clone());
            let p: Vec<&str> = path.iter().map(String::as_str).collect();
            if let Some(e) = exact(workload, &p)
                && let Json::Object(m) = v
            {
                m.entry("description")
                    .or_insert_with(|| Json::String(e.description.to_string()));
            }
            describe_by_paths(v, workload, path);
            path.pop();
        }
    }

    /// A schema holding every key of the table (each `<…>` segment as three names, two of them
    /// also named keys elsewhere), and keys nobody documents.
    fn every_key() -> Json {
        fn put(schema: &mut Json, segs: &[&str]) {
            let Some((first, rest)) = segs.split_first() else {
                return;
            };
            let names: Vec<&str> = if first.starts_with('<') {
                vec!["a", "env", "secrets"]
            } else {
                vec![first]
            };
            for n in names {
                let props = schema
                    .as_object_mut()
                    .unwrap()
                    .entry("properties")
                    .or_insert_with(|| json!({}));
                let child = props
                    .as_object_mut()
                    .unwrap()
                    .entry(n)
                    .or_insert_with(|| json!({"type": "object"}));
                put(child, rest);
            }
        }
        let mut s = json!({});
        for e in VALUES {
            put(&mut s, &e.key.split('.').collect::<Vec<_>>());
        }
        put(&mut s, &["nope", "deeper"]);
        put(&mut s, &["containers", "a", "nope"]);
        s
    }

    #[test]
    fn one_walk_describes_as_looking_up_every_path() {
        for workload in [true, false] {
            let mut fast = every_key();
            let mut reference = fast.clone();
            describe(&mut fast, workload);
            describe_by_paths(&mut reference, workload, &mut Vec::new());
            assert_eq!(fast, reference);
            let described = fast.to_string().matches("\"description\"").count();
            assert!(described > 20, "{described}: {fast}");
        }
    }

    #[test]
    fn docs_section_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/targets/helm.md");
        let doc = std::fs::read_to_string(path).unwrap();
        let (begin, end) = ("<!-- values:begin -->\n", "<!-- values:end -->");
        let start = doc.find(begin).expect("values:begin marker") + begin.len();
        let stop = doc.find(end).expect("values:end marker");
        let table = markdown();
        if std::env::var_os("BLESS").is_some() {
            std::fs::write(path, format!("{}{table}{}", &doc[..start], &doc[stop..])).unwrap();
            return;
        }
        assert_eq!(
            &doc[start..stop],
            table,
            "docs/targets/helm.md values section is out of date; run with BLESS=1"
        );
    }
}
