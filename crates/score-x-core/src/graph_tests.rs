//! Tests of the resource graph and its renderings on hand-built applications.

use std::collections::BTreeSet;

use serde_json::json;

use crate::diag::{Code, Span};
use crate::flat_map::FlatMap;
use crate::graph::ResourceGraph;
use crate::graph_fmt;
use crate::ir::{App, AppParts, Resource, Workload};
use crate::template::Template;
use crate::uid::ResourceUid;
use crate::value::TValue;

fn span() -> Span {
    Span::file_only("score.yaml")
}

fn workload(name: &str, resources: &[(&str, &ResourceUid)]) -> Workload {
    Workload {
        name: name.into(),
        file: format!("{name}.yaml"),
        span: span(),
        metadata: json!({"name": name}),
        annotations: FlatMap::new(),
        containers: FlatMap::new(),
        service_ports: FlatMap::new(),
        resources: resources
            .iter()
            .map(|(n, u)| (n.to_string(), (*u).clone()))
            .collect(),
    }
}

fn resource(
    uid: &ResourceUid,
    src: &str,
    name: &str,
    consumers: &[&str],
    params: Option<TValue>,
) -> Resource {
    Resource {
        uid: uid.clone(),
        type_: uid.type_().into(),
        class: uid.class().into(),
        id: None,
        params,
        param_spans: Default::default(),
        metadata: json!({}),
        source_workload: src.into(),
        source_name: name.into(),
        consumers: consumers
            .iter()
            .map(|c| c.to_string())
            .collect::<BTreeSet<_>>(),
        span: span(),
    }
}

fn tstr(s: &str) -> TValue {
    TValue::String(Template::parse(s).unwrap())
}

fn estate() -> App {
    let db = ResourceUid::new("postgres", None, Some("shared-db"), "api", "db");
    let user = ResourceUid::new("pg-user", None, None, "api", "user");
    let sp = ResourceUid::new("service-port", None, None, "web", "api");
    let mut app = AppParts::default();
    app.workloads.insert(
        "api".into(),
        workload("api", &[("db", &db), ("user", &user)]),
    );
    app.workloads
        .insert("web".into(), workload("web", &[("db", &db), ("api", &sp)]));
    app.resources.insert(
        db.clone(),
        resource(&db, "api", "db", &["api", "web"], None),
    );
    let params = TValue::Map([("host".to_string(), tstr("${resources.db.host}"))].into());
    app.resources.insert(
        user.clone(),
        resource(&user, "api", "user", &["api"], Some(params)),
    );
    let sp_params = TValue::Map(
        [
            ("workload".to_string(), tstr("api")),
            ("port".to_string(), tstr("web")),
        ]
        .into(),
    );
    app.resources.insert(
        sp.clone(),
        resource(&sp, "web", "api", &["web"], Some(sp_params)),
    );
    App::new(app).unwrap()
}

#[test]
fn order_puts_dependencies_first_and_ties_by_uid() {
    let app = estate();
    let g = ResourceGraph::build(&app).unwrap();
    let order: Vec<&str> = g.order().iter().map(|u| u.as_str()).collect();
    assert_eq!(
        order,
        [
            "postgres.default#shared-db",
            "pg-user.default#api.user",
            "service-port.default#web.api"
        ]
    );
    let db: ResourceUid = "postgres.default#shared-db".parse().unwrap();
    let user: ResourceUid = "pg-user.default#api.user".parse().unwrap();
    assert_eq!(g.dependencies(&user), vec![&db]);
}

#[test]
fn json_shows_shared_resource_once_with_all_consumers() {
    let app = estate();
    let g = ResourceGraph::build(&app).unwrap();
    let v: serde_json::Value = serde_json::from_str(&graph_fmt::to_json(&app, &g)).unwrap();
    let shared: Vec<_> = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["shared"] == true)
        .collect();
    assert_eq!(shared.len(), 1);
    assert_eq!(shared[0]["uid"], "postgres.default#shared-db");
    assert_eq!(shared[0]["consumers"], json!(["api", "web"]));
    let kinds: BTreeSet<String> = v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kinds,
        ["param", "service", "uses"]
            .into_iter()
            .map(String::from)
            .collect()
    );
    assert!(
        v["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["from"] == "web" && e["to"] == "api" && e["kind"] == "service")
    );
    assert_eq!(
        v.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["workloads", "resources", "edges", "order"]
    );
}

#[test]
fn cycle_is_reported_with_members_and_placeholders() {
    let mut app = estate().into_parts();
    let db: ResourceUid = "postgres.default#shared-db".parse().unwrap();
    // Make the shared db depend on the user, which depends on the db.
    let r = app.resources.get_mut(&db).unwrap();
    r.params = Some(TValue::Map(
        [("x".to_string(), tstr("${resources.user.name}"))].into(),
    ));
    let app = App::new(app).unwrap();
    let err = ResourceGraph::build(&app).unwrap_err();
    let d = &err.0[0];
    assert_eq!(d.code, Code::DependencyCycle);
    assert!(
        d.message.contains("pg-user.default#api.user")
            && d.message.contains("postgres.default#shared-db"),
        "{}",
        d.message
    );
    assert!(
        d.related
            .iter()
            .any(|(_, l)| l.contains("${resources.user.name}")),
        "{:?}",
        d.related
    );
}

#[test]
fn renderings_are_deterministic_and_well_formed() {
    let app = estate();
    let g = ResourceGraph::build(&app).unwrap();
    let dot = graph_fmt::to_dot(&app, &g);
    assert!(dot.starts_with("digraph score {") && dot.ends_with("}\n"));
    assert_eq!(
        dot,
        graph_fmt::to_dot(&app, &ResourceGraph::build(&app).unwrap())
    );
    let mm = graph_fmt::to_mermaid(&app, &g);
    assert!(mm.contains("flowchart LR") && mm.contains("-.->|param|"));
    let text = graph_fmt::to_text(&app, &g);
    assert!(
        text.contains("db -> postgres.default#shared-db [shared]"),
        "{text}"
    );
}
