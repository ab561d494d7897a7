//! The backend contract (DESIGN §5) and its type-erased form for the CLI's registry: a target's
//! options are decoded into its typed `Options` before anything runs ([`AnyBackend::prepare`]),
//! and the prepared backend then only reports capabilities and emits.

use std::any::Any;
use std::collections::BTreeSet;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;

use crate::backend::{Bundle, Capabilities, Target};
use crate::capability_check;
use crate::diag::{Diagnostic, Diagnostics};
use crate::leak::SecretScanner;
use crate::options::{self, OptionsFile};
use crate::patch::{self, PatchSet, Renderer};
use crate::plan::Plan;
use crate::resolved::Resolved;
use crate::stream::{CheckedSink, FileSink, Sink};

/// What every backend crate implements.
pub trait Backend: 'static {
    /// The target this backend translates to.
    const TARGET: Target;
    /// Typed target options (`deny_unknown_fields`), read from `--target-options`.
    type Options: Default + DeserializeOwned + Send + Sync + 'static;
    /// Precise errors, each becoming a diagnostic with a span.
    type Error: Into<Diagnostic>;

    /// Checks of the options that serde cannot express (e.g. a namespace that is no DNS label).
    fn check_options(_opts: &Self::Options) -> Result<(), Self::Error> {
        Ok(())
    }
    /// What the target can express with these options.
    fn capabilities(opts: &Self::Options) -> Capabilities;
    /// The artifacts. Pure and deterministic.
    fn emit(app: &Resolved, plan: &Plan, opts: &Self::Options) -> Result<Bundle, Self::Error>;
    /// [`Backend::emit`], handing finished parts of the bundle to `sink` while the rest is built
    /// (the bundle returned holds the rest, and every warning and note). The files are those of
    /// `emit`, byte for byte. A backend that builds its bundle whole keeps this default.
    fn emit_into(
        app: &Resolved,
        plan: &Plan,
        opts: &Self::Options,
        sink: &dyn Sink,
    ) -> Result<Bundle, Self::Error> {
        let _ = sink;
        Self::emit(app, plan, opts)
    }
}

/// A backend with its options decoded: ready to check and emit.
pub trait Prepared: Send + Sync {
    fn target(&self) -> Target;
    fn capabilities(&self) -> Capabilities;
    fn emit(&self, app: &Resolved, plan: &Plan) -> Result<Bundle, Diagnostic>;
    /// [`Backend::emit_into`].
    fn emit_into(&self, app: &Resolved, plan: &Plan, sink: &dyn Sink)
    -> Result<Bundle, Diagnostic>;
    /// The options as JSON (provisioner templates see them as `options`).
    fn options_json(&self) -> &serde_json::Value;
    /// The typed options, for code that knows the backend (e.g. `apply`).
    fn options_any(&self) -> &dyn Any;
}

/// A registered backend, before its options are known.
pub trait AnyBackend: Send + Sync {
    fn target(&self) -> Target;
    /// Decode `file` plus the flag-given `flags` into the typed options and check them.
    fn prepare(
        &self,
        file: Option<OptionsFile<'_>>,
        flags: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Box<dyn Prepared>, Diagnostic>;
    /// Capabilities with default options (for the conversion matrix).
    fn default_capabilities(&self) -> Capabilities;
}

/// The registry entry of backend `B`.
pub struct Entry<B>(PhantomData<fn() -> B>);

impl<B> Entry<B> {
    pub const fn new() -> Self {
        Entry(PhantomData)
    }
}

impl<B> Default for Entry<B> {
    fn default() -> Self {
        Self::new()
    }
}

struct Ready<B: Backend> {
    options: B::Options,
    json: serde_json::Value,
}

impl<B: Backend> Prepared for Ready<B> {
    fn target(&self) -> Target {
        B::TARGET
    }
    fn capabilities(&self) -> Capabilities {
        B::capabilities(&self.options)
    }
    fn emit(&self, app: &Resolved, plan: &Plan) -> Result<Bundle, Diagnostic> {
        B::emit(app, plan, &self.options).map_err(Into::into)
    }
    fn emit_into(
        &self,
        app: &Resolved,
        plan: &Plan,
        sink: &dyn Sink,
    ) -> Result<Bundle, Diagnostic> {
        B::emit_into(app, plan, &self.options, sink).map_err(Into::into)
    }
    fn options_json(&self) -> &serde_json::Value {
        &self.json
    }
    fn options_any(&self) -> &dyn Any {
        &self.options
    }
}

impl<B: Backend> AnyBackend for Entry<B> {
    fn target(&self) -> Target {
        B::TARGET
    }
    fn prepare(
        &self,
        file: Option<OptionsFile<'_>>,
        flags: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Box<dyn Prepared>, Diagnostic> {
        let d = options::decode::<B::Options>(B::TARGET.as_str(), file, flags)?;
        B::check_options(&d.typed).map_err(Into::into)?;
        Ok(Box::new(Ready::<B> {
            options: d.typed,
            json: d.json,
        }))
    }
    fn default_capabilities(&self) -> Capabilities {
        B::capabilities(&B::Options::default())
    }
}

/// A bundle that passed the capability check and the leak check, with every warning of the run
/// (plan, capability check, backend), each reported once.
#[derive(Debug, Clone)]
pub struct Checked {
    pub bundle: Bundle,
    pub warnings: Diagnostics,
    /// The files went to a [`FileSink`] as they were made (`bundle` holds none).
    pub streamed: bool,
}

/// The back half every target shares: one capability check before emit (errors stop here),
/// emit, then the leak check over the bundle.
pub fn emit_checked(
    backend: &dyn Prepared,
    app: &Resolved,
    plan: &Plan,
) -> Result<Checked, Diagnostics> {
    emit_patched(backend, app, plan, None)
}

/// An edit of the whole bundle; returns warnings.
pub type BundleEdit<'a> = dyn Fn(&mut Bundle) -> Result<Vec<crate::Diagnostic>, Diagnostics> + 'a;

/// Patches for the back half: the operations and the engine that renders their values.
#[derive(Clone, Copy)]
pub struct Patching<'a> {
    pub set: &'a PatchSet,
    pub renderer: &'a dyn Renderer,
    /// Further edits of the bundle after the patches, before the leak check (score-k8s
    /// `--patch-templates`); returns warnings.
    pub post: Option<&'a BundleEdit<'a>>,
}

/// [`emit_checked`] with `patches` applied to the bundle after emit and before the leak check
/// (so a patch cannot leak a secret either).
pub fn emit_patched(
    backend: &dyn Prepared,
    app: &Resolved,
    plan: &Plan,
    patches: Option<Patching<'_>>,
) -> Result<Checked, Diagnostics> {
    emit_scanned(backend, app, plan, patches, &SecretScanner::of(app), None)
}

/// [`emit_patched`] with the leak check done by `scanner`, built once by the caller from
/// [`SecretScanner::of`]`(app)` and reused after emit (the state check, files holding secrets):
/// its automaton is the costliest part of the check to build.
///
/// With `files`, and no patch to apply (patches edit the whole bundle), the files go there as
/// the backend finishes them, each part leak-checked first ([`CheckedSink`]): the bundle is
/// never held whole, and `streamed` is set.
pub fn emit_scanned(
    backend: &dyn Prepared,
    app: &Resolved,
    plan: &Plan,
    patches: Option<Patching<'_>>,
    scanner: &SecretScanner,
    files: Option<&dyn FileSink>,
) -> Result<Checked, Diagnostics> {
    let mut checked = Diagnostics(capability_check::check(app, plan, &backend.capabilities()));
    checked.extend(plan.warnings().iter().cloned());
    if checked.has_errors() {
        checked.sort();
        return Err(checked);
    }
    let patched = patches.is_some_and(|p| !p.set.is_empty() || p.post.is_some());
    let mut bundle = match files.filter(|_| !patched) {
        Some(files) => {
            let sink = CheckedSink::new(scanner, backend.target(), files);
            let mut rest = backend
                .emit_into(app, plan, &sink)
                .map_err(|d| Diagnostics(vec![d]))?;
            sink.take(rest.take_files());
            sink.finish().map_err(|d| Diagnostics(vec![d]))?;
            let warnings = finish_warnings(checked, &mut rest);
            return Ok(Checked {
                bundle: rest,
                warnings,
                streamed: true,
            });
        }
        None => backend.emit(app, plan).map_err(|d| Diagnostics(vec![d]))?,
    };
    if let Some(p) = patches.filter(|p| !p.set.is_empty()) {
        apply_patches(backend, app, p, &mut bundle)?;
    }
    if let Some(post) = patches.and_then(|p| p.post) {
        let warnings = post(&mut bundle)?;
        bundle.warnings.extend(warnings);
    }
    scanner
        .check(backend.target(), &mut bundle)
        .map_err(|d| Diagnostics(vec![d]))?;
    let warnings = finish_warnings(checked, &mut bundle);
    Ok(Checked {
        bundle,
        warnings,
        streamed: false,
    })
}

/// The run's warnings: those of the checks before emit (`checked`), then the backend's, taken
/// from `bundle`.
fn finish_warnings(checked: Diagnostics, bundle: &mut Bundle) -> Diagnostics {
    // A backend's own warning about a field is more specific than the generic one: keep it only.
    let specific: BTreeSet<_> = bundle
        .warnings
        .iter()
        .filter_map(|d| d.span.clone())
        .collect();
    let mut warnings = Diagnostics(
        checked
            .into_iter()
            .filter(|d| d.span.as_ref().is_none_or(|s| !specific.contains(s)))
            .collect(),
    );
    warnings.extend(std::mem::take(&mut bundle.warnings));
    warnings.sort();
    warnings
}

fn apply_patches(
    backend: &dyn Prepared,
    app: &Resolved,
    p: Patching<'_>,
    bundle: &mut Bundle,
) -> Result<(), Diagnostics> {
    let workloads = patch::workloads_data(app);
    let ctx = patch::Context {
        target: backend.target(),
        options: backend.options_json(),
        workloads: &workloads,
        renderer: p.renderer,
    };
    let warnings = patch::apply(p.set, bundle, &ctx)?;
    bundle.warnings.extend(warnings);
    Ok(())
}
