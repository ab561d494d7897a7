//! Provisioning in parallel per layer gives what a sequential run gives: shared-state patches
//! are seen in graph order, commands run once each and in graph order, and resources depending
//! on a command's outputs see them.

use std::sync::Mutex;
use std::time::Duration;

use score_x_core::{Resolved, ResourceUid};
use serde_json::json;

use crate::tests::{AppB, SpawnRunner, run_with, set_with};
use crate::{CommandOutput, CommandRunner, State};

/// Each resource adds its uid to `shared.seen` and outputs the uids it saw (its own included).
const COUNTER: &str = r#"- uri: template://test/counter
  type: counter
  outputs: { seen: {} }
  shared: |
    seen:
      {{quote uid}}: true
  outputs_template: |
    seen: '{{#each shared.seen}}{{@key}};{{/each}}'
"#;

/// `n` workloads, each with a private `counter` (one layer: nothing depends on anything).
fn counters(n: usize) -> score_x_core::App {
    let mut b = AppB::new();
    for i in 0..n {
        let w = format!("w{i:02}");
        b = b
            .workload(&w, &[("SEEN", "${resources.c.seen}")])
            .resource(&w, "c", "counter", None, None);
    }
    b.app()
}

fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

fn seen(r: &Resolved, uid: &ResourceUid) -> Vec<String> {
    let v = r.resources()[uid].plain("seen").cloned().unwrap();
    let mut keys: Vec<String> = v
        .as_str()
        .unwrap()
        .split(';')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    keys.sort();
    keys
}

#[test]
fn shared_state_patches_are_seen_in_graph_order_on_any_number_of_threads() {
    let app = counters(24);
    let set = set_with(COUNTER);
    let run = |threads| {
        on_threads(threads, || {
            let mut state = State::new("s".into());
            let (r, w) = run_with(&app, &set, &mut state, &SpawnRunner::default()).unwrap();
            (r, w, state)
        })
    };
    let (one, one_warnings, one_state) = run(1);
    let (many, many_warnings, many_state) = run(8);
    let uids: Vec<ResourceUid> = one.resources().keys().cloned().collect();
    assert_eq!(uids.len(), 24);
    for (k, uid) in uids.iter().enumerate() {
        // The k-th resource in graph order saw the k before it and itself, whatever the pool.
        let want: Vec<String> = uids[..=k].iter().map(|u| u.to_string()).collect();
        assert_eq!(seen(&one, uid), want, "{uid}");
        assert_eq!(seen(&many, uid), want, "{uid}");
    }
    assert_eq!(one_warnings, many_warnings);
    assert_eq!(one_state.shared, many_state.shared);
    assert_eq!(one_state.shared["seen"].as_object().unwrap().len(), 24);
}

/// Records the uid of each command run (in call order), then really runs it.
#[derive(Default)]
struct Recording {
    uids: Mutex<Vec<String>>,
    inner: SpawnRunner,
}

impl CommandRunner for Recording {
    fn run(
        &self,
        program: &str,
        args: &[String],
        stdin: &[u8],
        timeout: Duration,
    ) -> Result<CommandOutput, String> {
        let input: serde_json::Value = serde_json::from_slice(stdin).map_err(|e| e.to_string())?;
        let uid = input["resource_uid"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        self.uids.lock().unwrap().push(uid);
        self.inner.run(program, args, stdin, timeout)
    }
}

const CMD_HOST: &str = r#"- uri: cmd:///bin/sh#host
  type: host
  args: ["-c", "cat >/dev/null; printf '%s' '{\"resource_outputs\":{\"host\":\"h.internal\"}}'", "sh", "<mode>"]
  expected_outputs: [host]
"#;

#[test]
fn commands_run_once_in_graph_order_and_their_dependants_see_their_outputs() {
    let mut b = AppB::new();
    for i in 0..6 {
        let w = format!("w{i}");
        b = b
            .workload(&w, &[("URL", "${resources.u.url}")])
            .resource(&w, "h", "host", None, None)
            // The test set's `route` provisioner: `url` is `https://` + its `host` param.
            .resource(
                &w,
                "u",
                "route",
                None,
                Some(json!({"host": "${resources.h.host}"})),
            );
    }
    let app = b.app();
    let set = set_with(CMD_HOST);
    let runner = Recording::default();
    let (resolved, _) = on_threads(8, || {
        run_with(&app, &set, &mut State::new("s".into()), &runner).unwrap()
    });
    let hosts: Vec<String> = resolved
        .resources()
        .keys()
        .filter(|u| u.as_str().starts_with("host."))
        .map(|u| u.to_string())
        .collect();
    assert_eq!(hosts.len(), 6);
    assert_eq!(*runner.uids.lock().unwrap(), hosts);
    for i in 0..6 {
        let v = &resolved.workloads()[&format!("w{i}")].containers["main"].variables["URL"];
        assert_eq!(v.value.as_plain().unwrap(), "https://h.internal");
    }
}
