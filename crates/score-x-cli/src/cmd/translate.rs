//! `score-x translate`: write the target's artifacts to a directory, a file or stdout, or
//! `--check` them. The project lock is held for the whole run; the seed is on disk before the
//! first provisioner runs; the state is saved before the artifacts, which are written all or
//! nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use score_x_core::Target;
use score_x_core::backend::Bundle;
use score_x_core::resolved::SecretText;

use crate::cli::{ManifestFormat, TranslateArgs};
use crate::cmd::Failure;
use crate::cmd::estate;
use crate::cmd::output;
use crate::cmd::pipeline::{self, Produced};
use crate::cmd::secrets;
use crate::cmd::staging::Staging;
use crate::fsio;
use crate::printer::Printer;
use crate::project::{self, SEED_ENV};

/// Where the artifacts go.
enum Destination {
    Stdout,
    Dir(PathBuf),
    /// `-o FILE.yaml` (kubernetes): the single manifest stream, as score-k8s writes it.
    File(PathBuf),
}

fn destination(args: &TranslateArgs, target: Target) -> Destination {
    match args.output.as_deref() {
        Some(p) if p == Path::new("-") => Destination::Stdout,
        Some(p)
            if target == Target::KUBERNETES
                && p.extension().is_some_and(|x| x == "yaml" || x == "yml")
                && !p.is_dir() =>
        {
            Destination::File(p.to_path_buf())
        }
        Some(p) => Destination::Dir(p.to_path_buf()),
        None => Destination::Dir(PathBuf::from("score-x-out").join(target.as_str())),
    }
}

/// What a translate writes (or checks): the bundle, the state, the secret values it knows.
struct Out {
    /// A hybrid estate: the bundle's paths start with `<target>/`.
    hybrid: bool,
    bundle: Bundle,
    state: score_x_provision::ProjectState,
    secrets: BTreeSet<SecretText>,
    /// The state's text, when the pipeline already wrote and checked it (with the leak
    /// check's scanner).
    state_text: Option<Result<project::StateText, String>>,
    approximated: usize,
    /// The files are in the staging directory already (`bundle` holds none).
    streamed: bool,
}

impl From<Produced> for Out {
    fn from(p: Produced) -> Self {
        crate::cmd::free_later((p.resolved, p.plan));
        Out {
            hybrid: false,
            bundle: p.bundle,
            state: p.state,
            secrets: p.secrets,
            state_text: Some(p.state_text),
            approximated: p.approximated,
            streamed: p.streamed,
        }
    }
}

/// A hybrid estate writes `DIR/<target>/…`: a directory only (default `./score-x-out`).
fn estate_destination(args: &TranslateArgs) -> Result<Destination, Failure> {
    match args.output.as_deref() {
        Some(p) if p == Path::new("-") => Err(Failure::Usage(
            "--placement writes one directory per target; give a directory with -o, not `-`".into(),
        )),
        Some(p) => Ok(Destination::Dir(p.to_path_buf())),
        None => Ok(Destination::Dir(PathBuf::from("score-x-out"))),
    }
}

pub fn run(printer: &Printer, args: &TranslateArgs) -> Result<(), Failure> {
    let hybrid = args.pipeline.placement.is_some();
    let dest = if hybrid {
        estate_destination(args)?
    } else {
        destination(args, pipeline::single_target(&args.pipeline)?)
    };
    if matches!(dest, Destination::Stdout) && args.check {
        return Err(Failure::Usage(
            "--check compares files on disk; give a directory with -o, not `-`".into(),
        ));
    }
    let state_dir = &args.pipeline.state_dir;
    // `--check` writes nothing: it needs the lock only to read a consistent state.
    let _lock = if !args.check || state_dir.is_dir() {
        Some(project::lock(printer, state_dir).map_err(Failure::Fatal)?)
    } else {
        None
    };
    if args.format == ManifestFormat::Kyaml {
        match args.pipeline.single_target() {
            Some(t) if t == Target::KUBERNETES => {}
            Some(t) => {
                return Err(Failure::Usage(format!(
                    "--format kyaml writes Kubernetes manifests; {t} writes its own formats"
                )));
            }
            None => {
                return Err(Failure::Usage(
                    "--format kyaml is for --target kubernetes, not a --placement estate".into(),
                ));
            }
        }
    }
    prepare_seed(printer, args)?;
    let staging = streaming(printer, args, &dest, hybrid)?;
    let produced: Out = if hybrid {
        let e = estate::produce(printer, &args.pipeline)?;
        Out {
            hybrid: true,
            bundle: e.bundle,
            state: e.state,
            secrets: e.secrets,
            state_text: None,
            approximated: e.approximated,
            streamed: false,
        }
    } else {
        pipeline::produce(printer, &args.pipeline, staging.as_ref())?.into()
    };
    if args.strict && produced.approximated > 0 {
        printer.err(&format!(
            "error: --strict: the target approximates {} Score feature{} (the warnings above); no artifact and no state was written",
            produced.approximated,
            if produced.approximated == 1 { "" } else { "s" }
        ));
        return Err(Failure::Invalid);
    }
    if let (true, Some(staging), Destination::Dir(dir)) = (produced.streamed, staging, &dest) {
        let result = place_staged(printer, args, dir, staging, &produced);
        crate::cmd::free_later(produced);
        return result;
    }
    let mut produced = produced;
    if args.format == ManifestFormat::Kyaml {
        to_kyaml(&mut produced.bundle)?;
    }
    let secret_files = secret_files(&produced);
    let result = write(printer, args, &dest, &produced, &secret_files);
    crate::cmd::free_later(produced);
    result
}

/// Write (or `--check`) what the run produced at `dest`; the state is saved first.
fn write(
    printer: &Printer,
    args: &TranslateArgs,
    dest: &Destination,
    produced: &Out,
    secret_files: &BTreeSet<String>,
) -> Result<(), Failure> {
    let state_dir = &args.pipeline.state_dir;
    match dest {
        Destination::Dir(dir) | Destination::File(dir) if args.check => {
            check(printer, produced, dest, dir)
        }
        Destination::Stdout => {
            check_stdout(&produced.bundle)?;
            save_state(state_dir, produced)?;
            if let Some(contents) = produced.bundle.files.values().next() {
                printer.out_bytes(contents);
            }
            Ok(())
        }
        Destination::File(path) => {
            let (rel, contents) = single_file(&produced.bundle, path)?;
            refuse_link(path)?;
            save_state(state_dir, produced)?;
            let access = if secret_files.contains(rel) {
                fsio::Access::Private
            } else {
                fsio::Access::Public
            };
            fsio::write_atomic(path, contents, access).map_err(Failure::Fatal)?;
            printer.err(&format!("wrote {}", path.display()));
            Ok(())
        }
        Destination::Dir(dir) => {
            let files = output::out_files(&produced.bundle.files, secret_files);
            output::preflight(dir, files.iter().map(|f| f.rel)).map_err(Failure::Fatal)?;
            save_state(state_dir, produced)?;
            let stale = stale(produced, dir);
            let placed = output::write_bundle(printer, dir, &files).map_err(Failure::Fatal)?;
            report_written(printer, files.len(), dir, placed, stale);
            Ok(())
        }
    }
}

/// A staging directory the backend writes into as it emits, when the files go to a directory
/// as they are (not a hybrid estate, `--check` or KYAML): the bundle is then never held whole.
fn streaming(
    printer: &Printer,
    args: &TranslateArgs,
    dest: &Destination,
    hybrid: bool,
) -> Result<Option<Staging>, Failure> {
    match dest {
        Destination::Dir(dir) if !hybrid && !args.check && args.format != ManifestFormat::Kyaml => {
            Staging::new(printer, dir).map(Some).map_err(Failure::Fatal)
        }
        _ => Ok(None),
    }
}

/// Move the files the backend wrote into `staging` to `dir`, the state saved first.
fn place_staged(
    printer: &Printer,
    args: &TranslateArgs,
    dir: &Path,
    staging: Staging,
    produced: &Out,
) -> Result<(), Failure> {
    let staged = staging.finish().map_err(Failure::Fatal)?;
    save_state(&args.pipeline.state_dir, produced)?;
    let written: BTreeSet<&str> = staged.files.iter().map(|(rel, _)| rel.as_str()).collect();
    let stale = output::stale_files(&written, dir);
    let n = written.len();
    let placed = staged.place().map_err(Failure::Fatal)?;
    report_written(printer, n, dir, placed, stale);
    Ok(())
}

/// Every `.yaml` file of the bundle in KYAML (after the leak check; files holding secrets stay
/// marked, so they are still written owner-only).
fn to_kyaml(bundle: &mut Bundle) -> Result<(), Failure> {
    for (path, bytes) in bundle.files.iter_mut() {
        if path.ends_with(".yaml") {
            *bytes = crate::cmd::kyaml::from_manifests(bytes).map_err(Failure::Fatal)?;
        }
    }
    Ok(())
}

/// Make sure a seed exists before anything depends on it: `--check` without one is an error
/// (a fresh seed would make every generated secret differ); a new one is written now, with a
/// warning under CI, where it would be lost with the runner.
fn prepare_seed(printer: &Printer, args: &TranslateArgs) -> Result<(), Failure> {
    let dir = &args.pipeline.state_dir;
    // A seed given or in its file is found without parsing the state (the pipeline parses it
    // once, and checks then that an earlier release's seed in it is the same); only without
    // one can the state file of an earlier release hold it.
    let found = project::find_seed(dir, &args.pipeline.seed, None).map_err(Failure::Fatal)?;
    if found.is_some() || legacy_seed(dir).is_some() {
        return Ok(());
    }
    if args.check {
        return Err(Failure::Fatal(format!(
            "--check needs the project seed, and there is none in `{}`: generated secrets would all differ; provide it with {SEED_ENV}=<seed> or --seed-file FILE (the seed of the run that wrote the files: `{}`), see docs/gitops.md",
            dir.display(),
            project::seed_path(dir).display()
        )));
    }
    let seed = project::new_seed().map_err(Failure::Fatal)?;
    project::save_seed(dir, &seed).map_err(Failure::Fatal)?;
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        printer.err(&format!(
            "warning: created a new project seed in `{}` on a CI runner: generated passwords will change on every run; store the seed as a CI secret and pass it with {SEED_ENV} or --seed-file (see docs/gitops.md)",
            project::seed_path(dir).display()
        ));
    }
    Ok(())
}

/// The seed an earlier release's state file in `dir` holds, if any (an unreadable state file is
/// reported by the pipeline, with its line and column).
fn legacy_seed(dir: &Path) -> Option<score_x_provision::Seed> {
    project::read_file(dir).ok().flatten()?.legacy_seed
}

/// Files holding a secret value: those the pipeline marked, and those that contain one of the
/// secret values it reported. The leak check has already marked every file holding a value of
/// [`MIN_SECRET_LEN`] bytes or more (every known value went into its scanner), so only the
/// shorter values are searched for here.
fn secret_files(p: &Out) -> BTreeSet<String> {
    let mut s = p.bundle.secret_files.clone();
    let short = pipeline::short_secrets(&p.secrets);
    s.extend(secrets::files_holding(&p.bundle.files, &short));
    s
}

fn save_state(dir: &Path, p: &Out) -> Result<(), Failure> {
    match &p.state_text {
        Some(text) => text
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|t| project::write_state(dir, t)),
        None => project::save_state(dir, &p.state, &p.secrets),
    }
    .map_err(Failure::Fatal)
}

fn refuse_link(path: &Path) -> Result<(), Failure> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(Failure::Fatal(format!(
            "`{}` is a symbolic link; score-x does not write through it: remove it, or choose another -o",
            path.display()
        ))),
        _ => Ok(()),
    }
}

/// The one file a `-o FILE.yaml` translate writes.
fn single_file<'a>(bundle: &'a Bundle, path: &Path) -> Result<(&'a str, &'a [u8]), Failure> {
    let mut it = bundle.files.iter();
    match (it.next(), it.next()) {
        (Some((rel, c)), None) => Ok((rel, c)),
        _ => Err(Failure::Usage(format!(
            "this translate writes {}; give a directory with -o instead of `{}`",
            file_list(bundle),
            path.display()
        ))),
    }
}

/// The files in `dir` this run did not produce: for one target, those named like its
/// artifacts; for an estate, every file under `DIR/<target>/` of any target.
fn stale(p: &Out, dir: &Path) -> Vec<PathBuf> {
    if p.hybrid {
        estate::stale_files(&p.bundle.files, dir)
    } else {
        output::stale_files(&p.bundle.files.keys().map(String::as_str).collect(), dir)
    }
}

/// `stale`: the files of `dir` the run did not write, looked at before the new ones moved in.
fn report_written(
    printer: &Printer,
    n: usize,
    dir: &Path,
    placed: output::Placed,
    stale: Vec<PathBuf>,
) {
    let unchanged = match placed {
        output::Placed::IntoExisting { unchanged } if unchanged > 0 => {
            format!(" ({unchanged} of them unchanged, left as they were)")
        }
        _ => String::new(),
    };
    printer.err(&format!(
        "wrote {n} file{} to {}{unchanged}",
        if n == 1 { "" } else { "s" },
        dir.display()
    ));
    // A directory the run created holds only what it wrote.
    if placed == output::Placed::NewDirectory {
        return;
    }
    for stale in stale {
        printer.err(&format!(
            "warning: {} was not written by this run (a workload that is gone?); delete it so nobody deploys it",
            stale.display()
        ));
    }
}

/// "3 files (a, b, c)" or "12 files (a, b, c, d, e and 7 more)".
fn file_list(bundle: &Bundle) -> String {
    let names: Vec<&String> = bundle.files.keys().collect();
    let n = names.len();
    let shown = score_x_core::diag::first_few(&names);
    format!("{n} file{} ({shown})", if n == 1 { "" } else { "s" })
}

/// Stdout takes a bundle of at most one file.
fn check_stdout(bundle: &Bundle) -> Result<(), Failure> {
    if bundle.files.len() <= 1 {
        return Ok(());
    }
    Err(Failure::Usage(format!(
        "this target writes {}; stdout can take one: give a directory with -o",
        file_list(bundle)
    )))
}

/// Compare the bundle with the files on disk; print a unified diff of every difference, with
/// secret values masked.
fn check(printer: &Printer, p: &Out, dest: &Destination, dir: &Path) -> Result<(), Failure> {
    let bundle = &p.bundle;
    let on_disk = |rel: &str| match dest {
        Destination::File(f) => f.clone(),
        _ => dir.join(rel),
    };
    let mut differing = Vec::new();
    for (rel, want) in &bundle.files {
        let path = on_disk(rel);
        let have = std::fs::read(&path).ok();
        if have.as_deref() == Some(want.as_slice()) {
            continue;
        }
        printer.out(&diff(have.as_deref(), want, rel, &p.secrets));
        differing.push(path.display().to_string());
    }
    let stale = match dest {
        Destination::File(_) => vec![],
        _ => stale(p, dir),
    };
    for s in &stale {
        printer.out(&format!(
            "--- a/{0}\n+++ /dev/null\n(stale: no longer produced)\n",
            s.display()
        ));
    }
    if differing.is_empty() && stale.is_empty() {
        printer.err(&format!("{} is up to date", dir.display()));
        return Ok(());
    }
    if !differing.is_empty() {
        printer.err(&format!(
            "error: {} file{} out of date: {} (run the same command without --check to update {})",
            differing.len(),
            if differing.len() == 1 { " is" } else { "s are" },
            differing.join(", "),
            if differing.len() == 1 { "it" } else { "them" }
        ));
    }
    if !stale.is_empty() {
        let names: Vec<String> = stale.iter().map(|s| s.display().to_string()).collect();
        printer.err(&format!(
            "error: {} no longer produced: delete {} (translate does not delete files)",
            names.join(", "),
            if stale.len() == 1 { "it" } else { "them" }
        ));
    }
    Err(Failure::Invalid)
}

/// A unified diff of one file, secret values masked.
fn diff(have: Option<&[u8]>, want: &[u8], rel: &str, values: &BTreeSet<SecretText>) -> String {
    let have_text = have.map(String::from_utf8_lossy).unwrap_or_default();
    let want_text = String::from_utf8_lossy(want);
    let (old, new) = secrets::mask_pair(&have_text, &want_text, values);
    let old_name = if have.is_some() {
        format!("a/{rel}")
    } else {
        "/dev/null".to_string()
    };
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header(&old_name, &format!("b/{rel}"))
        .to_string()
}
