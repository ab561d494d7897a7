//! Tests of the plan rules on hand-built models.

use crate::diag::Code;
use crate::ir::{HttpGet, Probe, Protocol, Readiness, Scheme};
use crate::plan::{Plan, Role, WorkloadKind};
use crate::testing::{ContainerExt, WorkloadExt, app, container, span, workload};

fn plan_of(w: crate::resolved::ResolvedWorkload) -> Result<Plan, Code> {
    Plan::of_resolved(&app(vec![w], vec![])).map_err(|d| d.0[0].code)
}

#[test]
fn before_errors() {
    let web = |cs| plan_of(workload("web", cs));
    let x = || container("x");
    let y = || container("y");
    assert_eq!(
        web(vec![x().before("nope", Readiness::Started), y()]).unwrap_err(),
        Code::UnknownContainer
    );
    assert_eq!(
        web(vec![x().before("y", Readiness::Healthy), y()]).unwrap_err(),
        Code::MissingProbe
    );
    let cycle = || {
        vec![
            x().before("y", Readiness::Complete),
            y().before("x", Readiness::Complete),
        ]
    };
    let mut with_main = cycle();
    with_main.push(container("z"));
    assert_eq!(web(with_main).unwrap_err(), Code::DependencyCycle);
    assert_eq!(web(cycle()).unwrap_err(), Code::Unsupported);
}

#[test]
fn roles_and_init_order() {
    let w = workload(
        "web",
        vec![
            container("aa").before("main", Readiness::Complete),
            container("zz").before("aa", Readiness::Started),
            container("main"),
        ],
    );
    let p = plan_of(w).unwrap();
    let wp = p.workload("web").unwrap();
    assert_eq!(wp.role("aa"), Role::Init);
    assert_eq!(wp.role("zz"), Role::Sidecar);
    assert_eq!(wp.mains().collect::<Vec<_>>(), ["main"]);
    assert_eq!(wp.init_order, ["zz", "aa"]);
}

fn probed(name: &str, port: u16) -> crate::resolved::ResolvedContainer {
    let mut c = container(name);
    c.readiness_probe = Some(Box::new(Probe {
        http_get: Some(HttpGet {
            path: "/".into(),
            port,
            host: None,
            scheme: Scheme::Http,
            headers: vec![],
        }),
        exec: None,
        span: span("/p"),
    }));
    c
}

#[test]
fn port_owner_rules_and_warning() {
    let mut w = workload(
        "app",
        vec![container("agent"), probed("web", 8080), container("zz")],
    );
    w.port("http", 80, 8080, Protocol::Tcp);
    w.port("stats", 9000, 9000, Protocol::Tcp);
    w.port("legacy", 9100, 9100, Protocol::Tcp);
    w.port("syslog", 514, 514, Protocol::Udp);
    w.annotations
        .insert("score-x.dev/port-container.stats".into(), "zz".into());
    w.annotations
        .insert("ecs.score.dev/port-container.legacy".into(), "web".into());
    let p = plan_of(w.clone()).unwrap();
    let owners = &p.workload("app").unwrap().port_owners;
    assert_eq!(owners["http"], "web");
    assert_eq!(owners["stats"], "zz");
    assert_eq!(owners["legacy"], "web");
    assert_eq!(owners["syslog"], "agent");
    assert_eq!(p.warnings().len(), 1);
    assert!(p.warnings()[0].message.contains("port `syslog`"));
    w.annotations
        .insert("score-x.dev/port-container.stats".into(), "ghost".into());
    assert_eq!(plan_of(w).unwrap_err(), Code::UnknownContainer);
}

#[test]
fn kinds() {
    let kind = |pairs: &[(&str, &str)]| {
        let mut w = workload("w", vec![container("main")]);
        for (k, v) in pairs {
            w.annotations.insert((*k).into(), (*v).into());
        }
        plan_of(w).map(|p| p.workload("w").unwrap().kind.clone())
    };
    assert_eq!(kind(&[]), Ok(WorkloadKind::Service));
    assert_eq!(
        kind(&[("k8s.score.dev/kind", "StatefulSet")]),
        Ok(WorkloadKind::Stateful)
    );
    assert_eq!(kind(&[("score-x.dev/kind", "Job")]), Ok(WorkloadKind::Job));
    assert_eq!(
        kind(&[("score-x.dev/kind", "CronJob")]),
        Err(Code::RequiredField)
    );
    assert_eq!(
        kind(&[
            ("score-x.dev/kind", "CronJob"),
            ("score-x.dev/schedule", "0 3 * * *")
        ]),
        Ok(WorkloadKind::Cron {
            schedule: "0 3 * * *".into()
        })
    );
    let mut bad = workload("odd", vec![container("main")]);
    bad.annotations
        .insert("score-x.dev/kind".into(), "DaemonSet".into());
    let d = Plan::of_resolved(&app(vec![bad], vec![])).unwrap_err();
    let d = &d.0[0];
    assert_eq!(d.code, Code::InvalidValue);
    let path = d.span.as_ref().unwrap().path.clone();
    assert_eq!(path.as_ref(), "/metadata/annotations/\"score-x.dev/kind\"");
    assert_eq!(
        crate::yaml_tree::path::json_pointer(&path),
        "/metadata/annotations/score-x.dev~1kind"
    );
}
