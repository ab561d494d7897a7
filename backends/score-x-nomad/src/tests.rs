//! Unit tests of the Nomad backend on hand-built estates.

use score_x_core::ir::{Before, HttpGet, Probe, Protocol, Readiness, Scheme, ServicePort};
use score_x_core::resolved::{ResolvedContent, ResolvedFile, ResolvedVariable, Segment};
use score_x_core::testing::{app, container, mixed, secret, span, text, with_workload, workload};
use serde_json::Value as Json;

use score_x_core::plan::{Plan, for_tests};

use crate::{Options, ServiceProvider};

fn emit(
    app: &score_x_core::Resolved,
    opts: &Options,
) -> Result<score_x_core::Bundle, crate::Error> {
    crate::emit(app, &for_tests(app), opts)
}

fn var(v: score_x_core::resolved::Value) -> ResolvedVariable {
    ResolvedVariable {
        value: v,
        span: span("/containers/main/variables/X"),
    }
}

fn estate() -> score_x_core::Resolved {
    let mut main = container("main");
    main.variables
        .insert("PLAIN".into(), var(text("a ${b} %{c}")));
    main.variables.insert(
        "DSN".into(),
        var(mixed(vec![
            Segment::Text("pg://u:".into()),
            Segment::Secret(secret(
                "score-x/pg",
                Some("password"),
                Some("hunter2hunter2"),
            )),
            Segment::Text("@db".into()),
        ])),
    );
    main.files.insert(
        "/etc/app.conf".into(),
        ResolvedFile {
            target: "/etc/app.conf".into(),
            mode: Some(0o600),
            content: ResolvedContent::Text(text("x = {{ .y }}\n")),
            span: span("/containers/main/files"),
        },
    );
    main.readiness_probe = Some(Box::new(Probe {
        http_get: Some(HttpGet {
            path: "/ready".into(),
            port: 8080,
            host: None,
            scheme: Scheme::Http,
            headers: vec![],
        }),
        exec: None,
        span: span("/containers/main/readinessProbe"),
    }));
    main.liveness_probe = Some(Box::new(Probe {
        http_get: None,
        exec: Some(vec!["true".into()]),
        span: span("/containers/main/livenessProbe"),
    }));
    let mut init = container("migrate");
    init.before.insert(
        "main".into(),
        Before {
            ready: Readiness::Complete,
            span: span("/containers/migrate/before/main"),
        },
    );
    let mut w = workload("web", vec![main, init]);
    w.service_ports.insert(
        "http".into(),
        ServicePort {
            name: "http".into(),
            port: 80,
            target_port: 8080,
            protocol: Protocol::Tcp,
            span: span("/service/ports/http"),
        },
    );
    app(vec![w], vec![])
}

fn job(b: &score_x_core::Bundle) -> Json {
    serde_json::from_slice::<Json>(&b.files["web.nomad.json"]).unwrap()["Job"].clone()
}

#[test]
fn maps_network_checks_lifecycle_env_secrets_and_files() {
    let b = emit(&estate(), &Options::default()).unwrap();
    let j = job(&b);
    let g = &j["TaskGroups"][0];
    assert_eq!(g["Networks"][0]["Mode"], "bridge");
    assert_eq!(g["Networks"][0]["DynamicPorts"][0]["To"], 8080);
    assert_eq!(g["Services"][0]["Name"], "web-http");
    let check = &g["Services"][0]["Checks"][0];
    assert_eq!(check["Type"], "http");
    assert_eq!(check["Interval"], 10_000_000_000u64);
    // The exec liveness probe is dropped on the nomad provider, with a warning.
    assert_eq!(g["Services"][0]["Checks"].as_array().unwrap().len(), 1);
    assert!(
        b.warnings
            .iter()
            .any(|w| w.message.contains("exec liveness"))
    );
    let main = &g["Tasks"][0];
    assert_eq!(main["Env"]["PLAIN"], "a ${b} %{c}");
    assert!(main["Env"].get("DSN").is_none());
    let t = &main["Templates"][0];
    assert_eq!(t["Envvars"], true);
    assert_eq!(t["DestPath"], "secrets/score-x.env");
    assert!(
        t["EmbeddedTmpl"]
            .as_str()
            .unwrap()
            .contains("nomadVar \"score-x/pg\"")
    );
    let f = &main["Templates"][1];
    assert_eq!(f["Perms"], "0600");
    assert_eq!(f["EmbeddedTmpl"], "x = {{ .y }}\n");
    assert_eq!(main["Config"]["mount"][0]["target"], "/etc/app.conf");
    assert_eq!(g["Tasks"][1]["Lifecycle"]["Hook"], "prestart");
    assert_eq!(g["Tasks"][1]["Lifecycle"]["Sidecar"], false);
    // No secret value anywhere; the variable is listed by path and item.
    for f in b.files.values() {
        assert!(!String::from_utf8_lossy(f).contains("hunter2"));
    }
    let v: Json = serde_json::from_slice(&b.files["variables-to-create.json"]).unwrap();
    assert_eq!(v["variables"][0]["path"], "score-x/pg");
    assert_eq!(v["variables"][0]["items"][0], "password");
    assert_eq!(v["variables"][0]["generate"], true);
    // HCL escapes interpolation markers.
    let hcl = String::from_utf8(b.files["web.nomad.hcl"].clone()).unwrap();
    assert!(hcl.contains(r#"PLAIN = "a $${b} %%{c}""#), "{hcl}");
    assert!(hcl.contains(r#"mode = "bridge""#));
}

#[test]
fn script_checks_with_consul_and_deterministic_output() {
    let opts = Options {
        service_provider: ServiceProvider::Consul,
        ..Default::default()
    };
    let b = emit(&estate(), &opts).unwrap();
    let j = job(&b);
    let checks = j["TaskGroups"][0]["Services"][0]["Checks"]
        .as_array()
        .unwrap()
        .clone();
    let script = checks.iter().find(|c| c["Type"] == "script").unwrap();
    assert_eq!(script["Command"], "true");
    assert_eq!(script["TaskName"], "main");
    assert_eq!(script["CheckRestart"]["Limit"], 3);
    assert_eq!(b, emit(&estate(), &opts).unwrap());
}

#[test]
fn cron_needs_a_schedule() {
    let a = with_workload(estate(), "web", |w| {
        w.annotations
            .insert("score-x.dev/kind".into(), "CronJob".into());
    });
    // The shared plan refuses a CronJob without a schedule.
    assert!(Plan::of_resolved(&a).is_err());
    let a = with_workload(a, "web", |w| {
        w.annotations
            .insert("score-x.dev/schedule".into(), "*/5 * * * *".into());
    });
    let j = job(&emit(&a, &Options::default()).unwrap());
    assert_eq!(j["Type"], "batch");
    assert_eq!(j["Periodic"]["Spec"], "*/5 * * * *");
}

#[test]
fn before_chains_are_errors() {
    let mut c = container("seed");
    c.before.insert(
        "migrate".into(),
        Before {
            ready: Readiness::Complete,
            span: span("/containers/seed/before/migrate"),
        },
    );
    let a = with_workload(estate(), "web", |w| {
        w.containers.insert("seed".into(), Box::new(c));
    });
    let e = emit(&a, &Options::default()).unwrap_err();
    assert!(
        e.to_string().contains("must be ready before `migrate`"),
        "{e}"
    );
}

#[test]
fn resources_in_mhz_cores_and_memory_max() {
    use score_x_core::ir::{Cpu, Memory, Quantities, ResourceRequirements};
    let reqs = Some(ResourceRequirements {
        requests: Some(Quantities {
            cpu: Some(Cpu {
                millis: 1500,
                text: "1500m".into(),
            }),
            memory: Some(Memory {
                bytes: 100 * 1024 * 1024 + 1,
                text: "100Mi+1".into(),
            }),
        }),
        limits: Some(Quantities {
            cpu: None,
            memory: Some(Memory {
                bytes: 1 << 30,
                text: "1Gi".into(),
            }),
        }),
    });
    let a = with_workload(estate(), "web", |w| {
        w.containers.get_mut("main").unwrap().resources = reqs;
    });
    let opts = Options {
        cpu_mhz_per_core: Some(2400),
        ..Default::default()
    };
    let b = emit(&a, &opts).unwrap();
    let r = &job(&b)["TaskGroups"][0]["Tasks"][0]["Resources"];
    assert_eq!(r["CPU"], 3600);
    assert_eq!(r["MemoryMB"], 101);
    assert_eq!(r["MemoryMaxMB"], 1024);
    let opts = Options {
        cpu_mode: crate::CpuMode::Cores,
        ..Default::default()
    };
    let b = emit(&a, &opts).unwrap();
    assert_eq!(
        job(&b)["TaskGroups"][0]["Tasks"][0]["Resources"]["Cores"],
        2
    );
    assert!(b.warnings.iter().any(|w| w.message.contains("whole cores")));
}

#[test]
fn options_are_checked() {
    let bad = Options {
        consul_dns: true,
        ..Default::default()
    };
    assert!(
        emit(&estate(), &bad)
            .unwrap_err()
            .to_string()
            .contains("consulDns")
    );
    let bad = Options {
        datacenters: Some(vec![]),
        ..Default::default()
    };
    assert!(emit(&estate(), &bad).is_err());
}

#[test]
fn a_service_job_with_a_workloads_id_is_an_error_and_equal_service_jobs_are_written_once() {
    use score_x_core::testing::resource;
    let job = |id: &str, image: &str| serde_json::json!({"jobs": [{"id": id, "image": image, "port": 6379}]});
    // Two resources bringing the same service job: one pair of files.
    let a = app(
        vec![workload("web", vec![container("main")])],
        vec![
            resource("redis.default#one", vec![], job("cache", "redis:7")),
            resource("redis.default#two", vec![], job("cache", "redis:7")),
        ],
    );
    let b = emit(&a, &Options::default()).unwrap();
    assert!(b.files.contains_key("cache.nomad.hcl"));
    assert!(b.files.contains_key("web.nomad.hcl"));
    // A service job named like a workload: never one job silently replacing the other.
    let a = app(
        vec![workload("web", vec![container("main")])],
        vec![resource("redis.default#one", vec![], job("web", "redis:7"))],
    );
    let e = emit(&a, &Options::default()).unwrap_err();
    assert!(
        format!("{e:?}").contains("also written by workload `web`"),
        "{e:?}"
    );
}

#[test]
fn service_jobs_are_written_in_chunks_and_a_repeated_id_is_still_compared() {
    use score_x_core::testing::resource;
    let job = |id: &str, image: &str| serde_json::json!({"jobs": [{"id": id, "image": image}]});
    // More unique service jobs than one chunk, and one id brought by two resources.
    let mut resources: Vec<_> = (0..crate::SERVICE_CHUNK + 44)
        .map(|i| {
            resource(
                &format!("redis.default#r{i:03}"),
                vec![],
                job(&format!("svc-{i:03}"), "redis:7"),
            )
        })
        .collect();
    resources.push(resource(
        "redis.default#one",
        vec![],
        job("shared", "redis:7"),
    ));
    resources.push(resource(
        "redis.default#two",
        vec![],
        job("shared", "redis:7"),
    ));
    let a = app(
        vec![workload("web", vec![container("main")])],
        resources.clone(),
    );
    let b = emit(&a, &Options::default()).unwrap();
    let hcl = b.files.keys().filter(|p| p.ends_with(".nomad.hcl")).count();
    assert_eq!(
        hcl,
        crate::SERVICE_CHUNK + 44 + 2,
        "{:?}",
        b.files.keys().collect::<Vec<_>>()
    );
    assert!(b.files.contains_key("svc-299.nomad.json"));
    // The same id with another image: an error naming both resources' jobs.
    resources.pop();
    resources.push(resource(
        "redis.default#two",
        vec![],
        job("shared", "redis:8"),
    ));
    let a = app(vec![workload("web", vec![container("main")])], resources);
    let e = emit(&a, &Options::default()).unwrap_err();
    let e = format!("{e:?}");
    assert!(
        e.contains("also written by resource `redis.default#one`, differently"),
        "{e}"
    );
}
