//! `score-x check --target T [--from T2]`: the portability report. Per workload, every Score
//! feature it uses and how the target maps it: `native`, `approximated` (how) or `unsupported`
//! (why), from the backends' declared capabilities, over a dry provision (no `cmd://`
//! provisioner runs, nothing is read from or written to the state). `--from T2` lists what
//! changes for the estate moving from T2 to T: features whose mapping differs, addresses that
//! change (what callers on other runtimes dial, `service-port` outputs) and resources
//! provisioned differently (provisioner, outputs, secret stores). Exit 1 on an unsupported feature, and with `--strict` on an
//! approximated one too.

use score_x_core::backend::{Capabilities, Support};
use score_x_core::capability_check::{self, Use};
use score_x_core::driver::{Checked, emit_checked};
use score_x_core::graph::ResourceGraph;
use score_x_core::migration::{self, AddressChange, ResourceChange, Side};
use score_x_core::plan::Plan;
use score_x_core::{Diagnostics, Resolved, Target};
use serde::Serialize;

use crate::cli::{CheckArgs, ValidateArgs, ValidateFormat};
use crate::cmd::Failure;
use crate::cmd::front_half::{self, Dry, FrontHalf};
use crate::inputs::{self, LoadFlags};
use crate::printer::Printer;

/// One row of the report.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
struct Row {
    workload: String,
    field: &'static str,
    what: String,
    support: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    /// The mapping on `--from`, when it differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<Mapping>,
    at: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
struct Mapping {
    support: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

#[derive(Serialize)]
struct Report {
    target: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<&'static str>,
    fields: Vec<Row>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    addresses: Vec<AddressChange>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resources: Vec<ResourceChange>,
    native: usize,
    approximated: usize,
    unsupported: usize,
}

fn mapping(caps: &Capabilities, u: &Use) -> Mapping {
    match caps.support(u.feature) {
        Support::Native => Mapping {
            support: "native",
            detail: None,
        },
        Support::Approximated(how) => Mapping {
            support: "approximated",
            detail: Some(how.to_string()),
        },
        Support::Unsupported(why) => Mapping {
            support: "unsupported",
            detail: Some(why.to_string()),
        },
    }
}

pub fn run(printer: &Printer, args: &CheckArgs) -> Result<(), Failure> {
    let flags = LoadFlags {
        image: args.image.as_deref(),
        ..LoadFlags::default()
    };
    let (mut sources, loaded) = inputs::load(printer, &args.inputs, &flags)?;
    let app = loaded.app;
    let fail = |d: &Diagnostics, sources: &[score_x_spec::SourceFile]| {
        inputs::report(printer, d, sources);
        Failure::Invalid
    };
    let graph = ResourceGraph::build(&app).map_err(|d| fail(&d, &sources))?;
    let target = args.target.target();
    let mut front = FrontHalf::default();
    // Fetched (or read from the cache) once; nothing is pinned or written.
    let user = crate::sources::load(
        printer,
        &args.provisioners,
        &args.state_dir,
        crate::sources::Mode::ReadOnly,
    )
    .map_err(Failure::Fatal)?;
    let opts = args.target_options.clone();
    let on = dry(&app, &graph, target, args, opts, &user, &mut front)?;
    let from = match args.from {
        Some(t) => Some(dry(
            &app,
            &graph,
            t.target(),
            args,
            None,
            &user,
            &mut front,
        )?),
        None => None,
    };
    sources.extend(std::mem::take(&mut front.sources));
    let (on, from) = match (on, from) {
        (Err(d), _) | (_, Some(Err(d))) => return Err(fail(&d, &sources)),
        (Ok(on), from) => (on, from.and_then(Result::ok)),
    };
    let report = report(&app, &on, from.as_ref());
    match args.format {
        ValidateFormat::Json => printer.out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        )),
        ValidateFormat::Text => printer.out(&text(&report)),
    }
    for n in &front.notes {
        printer.err(&format!("note: {n}"));
    }
    if report.unsupported > 0 || (args.strict && report.approximated > 0) {
        return Err(Failure::Invalid);
    }
    Ok(())
}

/// A target's dry run, with its uses and capabilities.
struct OnTarget {
    target: Target,
    caps: Capabilities,
    uses: Vec<Use>,
    /// The backend's own approximations (what emit warns about beyond the capability table).
    backend_warnings: Vec<score_x_core::Diagnostic>,
    resolved: Resolved,
    /// The backend's decoded options, as JSON (for the addresses it exposes).
    options: serde_json::Value,
}

fn dry(
    app: &score_x_core::App,
    graph: &ResourceGraph,
    target: Target,
    args: &CheckArgs,
    target_options: Option<std::path::PathBuf>,
    user: &crate::sources::Loaded,
    front: &mut FrontHalf,
) -> Result<Result<OnTarget, Diagnostics>, Failure> {
    let v = ValidateArgs {
        inputs: args.inputs.clone(),
        format: args.format,
        target: Vec::new(),
        image: args.image.clone(),
        provisioners: args.provisioners.clone(),
        target_options,
        state_dir: args.state_dir.clone(),
        placement: None,
    };
    let Dry {
        backend, resolved, ..
    } = match front_half::dry_run(app, graph, target, &v, user, front)? {
        Ok(d) => d,
        Err(d) => return Ok(Err(d)),
    };
    let plan = match Plan::of_resolved(&resolved) {
        Ok(p) => p,
        Err(d) => return Ok(Err(d)),
    };
    let uses = capability_check::uses(&resolved, &plan);
    let caps = backend.capabilities();
    let generic: Vec<score_x_core::Diagnostic> = uses
        .iter()
        .filter_map(|u| capability_check::diagnostic(u, &caps))
        .collect();
    // What emit itself warns about beyond the capability table (a dry emit: nothing is
    // written); on an unsupported feature emit stops, and the table's rows say why.
    let backend_warnings = match emit_checked(backend.as_ref(), &resolved, &plan) {
        Ok(Checked { warnings, .. }) => warnings
            .0
            .into_iter()
            .filter(|d| !generic.contains(d))
            .collect(),
        Err(_) => Vec::new(),
    };
    Ok(Ok(OnTarget {
        target,
        caps,
        uses,
        backend_warnings,
        options: backend.options_json().clone(),
        resolved,
    }))
}

impl OnTarget {
    fn side(&self) -> Side<'_> {
        Side {
            target: self.target,
            options: Some(&self.options),
            resolved: &self.resolved,
        }
    }
}

fn report(app: &score_x_core::App, on: &OnTarget, from: Option<&OnTarget>) -> Report {
    let mut fields = Vec::new();
    for u in &on.uses {
        let m = mapping(&on.caps, u);
        let before = from.map(|f| mapping(&f.caps, u));
        if before.as_ref().is_some_and(|b| *b == m) {
            continue;
        }
        fields.push(Row {
            workload: u.workload.clone(),
            field: u.feature.describe(),
            what: u.what.clone(),
            support: m.support,
            detail: m.detail,
            from: before,
            at: format!("{} at {}", u.span, u.span.path),
        });
    }
    let known = |d: &score_x_core::Diagnostic, f: &OnTarget| {
        f.backend_warnings
            .iter()
            .any(|o| o.message == d.message && o.span == d.span)
    };
    for d in &on.backend_warnings {
        if from.is_some_and(|f| known(d, f)) {
            continue;
        }
        let workload = on
            .resolved
            .workloads()
            .values()
            .find(|w| d.span.as_ref().is_some_and(|s| *s.file == *w.file))
            .map_or_else(|| "(estate)".to_string(), |w| w.name.clone());
        fields.push(Row {
            workload,
            field: "target-specific",
            what: d.message.clone(),
            support: if d.is_error() {
                "unsupported"
            } else {
                "approximated"
            },
            detail: d.hint.clone(),
            from: None,
            at: d
                .span
                .as_ref()
                .map_or_else(String::new, |s| format!("{s} at {}", s.path)),
        });
    }
    fields.sort_by(|a, b| a.workload.cmp(&b.workload));
    let addresses = from
        .map(|f| migration::address_changes(app, &f.side(), &on.side()))
        .unwrap_or_default();
    let resources = from
        .map(|f| {
            migration::resource_changes(
                &f.resolved,
                &on.resolved,
                score_x_provision::UNKNOWN_OUTPUT,
            )
        })
        .unwrap_or_default();
    let count = |s: &str| fields.iter().filter(|r| r.support == s).count();
    Report {
        target: on.target.as_str(),
        from: from.map(|f| f.target.as_str()),
        native: count("native"),
        approximated: count("approximated"),
        unsupported: count("unsupported"),
        fields,
        addresses,
        resources,
    }
}

fn text(r: &Report) -> String {
    let mut s = match r.from {
        Some(f) => format!("moving from {f} to {}: what changes\n", r.target),
        None => format!("portability to {}\n", r.target),
    };
    let mut last = "";
    for row in &r.fields {
        if row.workload != last {
            s.push_str(&format!("workload {}\n", row.workload));
            last = &row.workload;
        }
        let was = row
            .from
            .as_ref()
            .map(|m| format!(" (was {} on {})", m.support, r.from.unwrap_or_default()))
            .unwrap_or_default();
        s.push_str(&format!(
            "  {:<12} {}: {}{was}\n",
            row.support, row.field, row.what
        ));
        if let Some(d) = &row.detail {
            s.push_str(&format!("               {d}\n"));
        }
        s.push_str(&format!("               at {}\n", row.at));
    }
    for a in &r.addresses {
        let line = match a.kind {
            "service-port" => format!(
                "address: workload {} dials {} instead of {} (resource {})",
                a.workload, a.to, a.from, a.what
            ),
            _ => format!(
                "address: other runtimes reach port {} of workload {} at {} instead of {}",
                a.what, a.workload, a.to, a.from
            ),
        };
        s.push_str(&line);
        s.push('\n');
    }
    for m in &r.resources {
        if m.from == m.to {
            s.push_str(&format!("resource {}: provisioned differently\n", m.uid));
        } else {
            s.push_str(&format!(
                "resource {}: provisioned by {} instead of {}\n",
                m.uid, m.to, m.from
            ));
        }
        for c in &m.changes {
            s.push_str(&format!("  {c}\n"));
        }
    }
    s.push_str(&format!(
        "{} native, {} approximated, {} unsupported\n",
        r.native, r.approximated, r.unsupported
    ));
    s
}
