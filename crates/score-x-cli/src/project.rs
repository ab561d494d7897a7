//! The project directory (`.score-x/`): the seed (its own git-ignored file, or `--seed-file`, or
//! `SCORE_X_SEED`), the committable state file, the lock held for a whole run, and the project
//! provisioners.

use std::collections::BTreeSet;
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use score_x_core::leak::SecretScanner;
use score_x_core::resolved::{SecretRef, SecretText};
use score_x_core::{Code, Diagnostic, Diagnostics};
use score_x_provision::{ProjectState, Seed};

use crate::cli::SeedArgs;
use crate::fsio;
use crate::printer::Printer;

/// The environment variable that provides the seed (CI, GitOps).
pub const SEED_ENV: &str = "SCORE_X_SEED";
/// Seconds to wait for the project lock (default [`DEFAULT_LOCK_TIMEOUT`]).
pub const LOCK_TIMEOUT_ENV: &str = "SCORE_X_LOCK_TIMEOUT";
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);

/// Written on first use: the seed, the lock and caches stay out of git; the state is committed.
pub const GITIGNORE: &str = "# Written by score-x. The seed derives every generated password: keep it out of git\n# (CI and GitOps provide it with SCORE_X_SEED or --seed-file; see docs/gitops.md).\n# state.yaml holds no secret: commit it.\nseed\nlock\ncache/\n.tmp*\n";

pub fn state_path(dir: &Path) -> PathBuf {
    dir.join("state.yaml")
}

pub fn seed_path(dir: &Path) -> PathBuf {
    dir.join("seed")
}

/// Where the seed of a run came from, in precedence order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedOrigin {
    /// `--seed-file F`.
    Flag(PathBuf),
    /// `SCORE_X_SEED`.
    Env,
    /// `.score-x/seed`.
    File(PathBuf),
    /// Embedded in `state.yaml` by an earlier release (moved to `.score-x/seed` when read).
    Legacy(PathBuf),
}

impl std::fmt::Display for SeedOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SeedOrigin::Flag(p) => write!(f, "--seed-file `{}`", p.display()),
            SeedOrigin::Env => write!(f, "{SEED_ENV}"),
            SeedOrigin::File(p) | SeedOrigin::Legacy(p) => write!(f, "`{}`", p.display()),
        }
    }
}

fn diag(msg: impl Into<String>) -> Diagnostics {
    Diagnostics(vec![Diagnostic::error(Code::Io, msg)])
}

fn seed_error(origin: &SeedOrigin, e: &score_x_provision::SeedError) -> String {
    format!("the seed from {origin} is not valid: {e}")
}

/// The seed given for this run or persisted in `dir`, by precedence: `--seed-file`,
/// `SCORE_X_SEED`, `.score-x/seed`, then `legacy` (from an earlier release's state file).
pub fn find_seed(
    dir: &Path,
    args: &SeedArgs,
    legacy: Option<&Seed>,
) -> Result<Option<(Seed, SeedOrigin)>, String> {
    let from_file = |path: &Path, origin: SeedOrigin| -> Result<(Seed, SeedOrigin), String> {
        let text = fsio::read_text(path)?;
        let seed = Seed::parse(&text).map_err(|e| seed_error(&origin, &e))?;
        Ok((seed, origin))
    };
    if let Some(f) = &args.seed_file {
        return from_file(f, SeedOrigin::Flag(f.clone())).map(Some);
    }
    if let Some(v) = std::env::var_os(SEED_ENV) {
        let v = v
            .into_string()
            .map_err(|_| format!("{SEED_ENV} is not valid UTF-8"))?;
        if v.trim().is_empty() {
            return Err(format!(
                "{SEED_ENV} is set but empty (a CI secret this job cannot read?); set it to the project seed or unset it"
            ));
        }
        let seed = Seed::parse(&v).map_err(|e| seed_error(&SeedOrigin::Env, &e))?;
        return Ok(Some((seed, SeedOrigin::Env)));
    }
    let path = seed_path(dir);
    if path.exists() {
        let (seed, origin) = from_file(&path, SeedOrigin::File(path.clone()))?;
        if let Some(l) = legacy
            && *l != seed
        {
            return Err(format!(
                "`{}` embeds a seed that differs from `{}`; keep the one your artifacts were made with (delete the other), or restore both from backup",
                state_path(dir).display(),
                path.display()
            ));
        }
        return Ok(Some((seed, origin)));
    }
    Ok(legacy.map(|s| (s.clone(), SeedOrigin::Legacy(state_path(dir)))))
}

/// A fresh random project seed, from the operating system's generator.
pub fn new_seed() -> Result<Seed, String> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf)
        .map_err(|e| format!("cannot get random bytes for the project seed: {e}"))?;
    Ok(Seed::from_bytes(&buf))
}

/// What `score-x init` of earlier releases wrote (the seed was then inside `state.yaml`).
const OLD_GITIGNORE: &str = "# The state holds the project seed from which generated passwords are derived: keep it private.\nstate.yaml\n";

/// Write `.score-x/.gitignore` when it is missing (first use), or still the one earlier releases
/// wrote; a file the user changed is left alone.
pub fn ensure_gitignore(dir: &Path) -> Result<(), String> {
    let path = dir.join(".gitignore");
    match std::fs::read_to_string(&path) {
        Ok(text) if text != OLD_GITIGNORE => Ok(()),
        _ if path.exists() && std::fs::symlink_metadata(&path).is_ok_and(|m| !m.is_file()) => {
            Ok(())
        }
        _ => fsio::write_atomic(&path, GITIGNORE.as_bytes(), fsio::Access::Public),
    }
}

/// Persist the seed in `.score-x/seed` (0600, synced), git-ignored, before anything uses it.
pub fn save_seed(dir: &Path, seed: &Seed) -> Result<(), String> {
    ensure_gitignore(dir)?;
    let text = format!("{}\n", seed.expose());
    fsio::write_atomic(&seed_path(dir), text.as_bytes(), fsio::Access::Private)
}

/// Read the state file, if any (commands that do not provision need no seed).
pub fn read_file(dir: &Path) -> Result<Option<score_x_provision::StateFile>, Diagnostics> {
    let path = state_path(dir);
    if !path.exists() {
        return Ok(None);
    }
    let text = fsio::read_text(&path).map_err(diag)?;
    ProjectState::parse(&text, &path.display().to_string()).map(Some)
}

/// Load the project state with its seed. A project without a seed gets a new one, persisted
/// before this returns; a seed embedded in an earlier release's state file is moved to
/// `.score-x/seed`.
pub fn load_state(dir: &Path, args: &SeedArgs) -> Result<ProjectState, Diagnostics> {
    state_from(dir, args, read_file(dir)?)
}

/// [`load_state`] from the state file [`read_file`] gave (read under the same project lock: a
/// run reads it while it loads its inputs, and parses it once).
pub fn state_from(
    dir: &Path,
    args: &SeedArgs,
    file: Option<score_x_provision::StateFile>,
) -> Result<ProjectState, Diagnostics> {
    let legacy = file.as_ref().and_then(|f| f.legacy_seed.as_ref());
    let seed = match find_seed(dir, args, legacy).map_err(diag)? {
        Some((seed, SeedOrigin::Legacy(_))) => {
            save_seed(dir, &seed).map_err(diag)?;
            seed
        }
        Some((seed, _)) => seed,
        None => {
            let seed = new_seed().map_err(diag)?;
            save_seed(dir, &seed).map_err(diag)?;
            seed
        }
    };
    Ok(match file {
        Some(f) => ProjectState::from_file(seed, f),
        None => ProjectState::new(seed),
    })
}

/// Write the state atomically (it holds no secret: 0644, meant to be committed). A legacy seed is
/// already in its own file by now (see [`load_state`]), so dropping it from here loses nothing.
/// Nothing is written when the state would hold one of `secrets` (or an encoding of it).
pub fn save_state(
    dir: &Path,
    state: &ProjectState,
    secrets: &BTreeSet<SecretText>,
) -> Result<(), String> {
    write_state(dir, &checked_state_text(state, &scanner_of(secrets))?)
}

/// The text of a project state that holds no secret value `scanner` knows: the only thing
/// [`write_state`] writes.
#[derive(Debug, Clone)]
pub struct StateText(String);

/// The state's YAML, checked against `scanner` ([`check_no_secret`]). Pure: a run computes it
/// while the backend emits.
pub fn checked_state_text(
    state: &ProjectState,
    scanner: &SecretScanner,
) -> Result<StateText, String> {
    let text = state.to_yaml().map_err(|d| d.message)?;
    check_no_secret(state, &text, scanner)?;
    Ok(StateText(text))
}

/// Write a checked state text atomically into `dir`.
pub fn write_state(dir: &Path, text: &StateText) -> Result<(), String> {
    ensure_gitignore(dir)?;
    fsio::write_atomic(&state_path(dir), text.0.as_bytes(), fsio::Access::Public)
}

/// The state is committed to git: no secret value score-x knows, nor its base64, URL-encoded or
/// case-changed form, may be in its text. The error names the resource (or section) holding it,
/// never the value.
fn check_no_secret(
    state: &ProjectState,
    text: &str,
    scanner: &SecretScanner,
) -> Result<(), String> {
    let holds = |t: &str| scanner.find_all(t.as_bytes()).next().is_some();
    if scanner.is_empty() || !holds(text) {
        return Ok(());
    }
    let mut place = String::from("the state file");
    'find: for (target, section) in &state.targets {
        for (uid, r) in &section.resources {
            if serde_yaml::to_string(r).is_ok_and(|t| holds(&t)) {
                place = format!("the {target} state of resource `{uid}`");
                break 'find;
            }
        }
    }
    if place == "the state file" && holds(&state.shared.to_string()) {
        place = String::from("the estate's `shared` state");
    }
    Err(format!(
        "not saving the state: {place} contains a secret value (or an encoding of it), and the state file is meant to be committed; nothing was written (hint: a provisioner's `state` and `shared` sections must not hold generated secrets, encoded or not: they are re-derived from the seed on every run; expose them through an output declared `secret: true`)"
    ))
}

/// The scanner of `secrets` (every encoding, as the leak check searches them).
fn scanner_of(secrets: &BTreeSet<SecretText>) -> SecretScanner {
    let refs: Vec<SecretRef> = secrets
        .iter()
        .map(|v| SecretRef {
            name: String::new(),
            key: None,
            value: Some(v.clone()),
            store: score_x_core::resolved::SecretStore::KubernetesSecret,
        })
        .collect();
    SecretScanner::new(&refs)
}

/// Write a state file read without its seed (`resources prune`); a legacy seed must already be
/// in its own file.
pub fn save_sections(dir: &Path, file: &score_x_provision::StateFile) -> Result<(), String> {
    let text = file.to_yaml().map_err(|d| d.message)?;
    fsio::write_atomic(&state_path(dir), text.as_bytes(), fsio::Access::Public)
}

/// The exclusive lock on a project directory, held until dropped (the OS releases it when the
/// process dies, even by `kill -9`).
#[derive(Debug)]
pub struct ProjectLock {
    _file: std::fs::File,
}

/// How long to wait for the lock: `SCORE_X_LOCK_TIMEOUT` seconds, else 60 s.
fn lock_timeout() -> Result<Duration, String> {
    match std::env::var(LOCK_TIMEOUT_ENV) {
        Err(_) => Ok(DEFAULT_LOCK_TIMEOUT),
        Ok(v) => v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0 && *s <= 86_400.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| {
                format!("{LOCK_TIMEOUT_ENV}={v:?} is not a number of seconds (0 to 86400)")
            }),
    }
}

/// Take the exclusive lock on `dir` (created if needed) for the whole run. A second run waits,
/// saying so on stderr, and fails after the timeout naming the process that holds it.
pub fn lock(printer: &Printer, dir: &Path) -> Result<ProjectLock, String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create `{}`: {}", dir.display(), fsio::io_reason(&e)))?;
    let path = dir.join("lock");
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| {
            format!(
                "cannot open the lock file `{}`: {}",
                path.display(),
                fsio::io_reason(&e)
            )
        })?;
    let timeout = lock_timeout()?;
    let start = Instant::now();
    let mut said = false;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(format!("cannot lock `{}`: {e}", path.display()));
            }
        }
        let holder = holder(&path);
        if start.elapsed() >= timeout {
            return Err(format!(
                "`{}` is locked by another score-x run ({holder}) and stayed locked for {} s; wait for it to finish, or set {LOCK_TIMEOUT_ENV} to wait longer",
                dir.display(),
                secs(timeout)
            ));
        }
        if !said {
            printer.err(&format!(
                "waiting for another score-x run ({holder}) to release `{}` (up to {} s; {LOCK_TIMEOUT_ENV} changes it)",
                dir.display(),
                secs(timeout)
            ));
            said = true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| writeln!(file, "pid {}", std::process::id()))
        .map_err(|e| format!("cannot write the lock file `{}`: {e}", path.display()))?;
    let lock = ProjectLock { _file: file };
    ensure_gitignore(dir)?;
    remove_temporary_leftovers(printer, dir);
    Ok(lock)
}

/// Every write into the project directory happens under the lock, so with the lock held a
/// temporary file there (`.tmp…`) is what a killed run left behind.
fn remove_temporary_leftovers(printer: &Printer, dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let is_file = e.file_type().is_ok_and(|t| t.is_file());
        if is_file && e.file_name().to_string_lossy().starts_with(".tmp") {
            let p = e.path();
            if std::fs::remove_file(&p).is_ok() {
                printer.err(&format!(
                    "note: removed `{}`, left by an interrupted run",
                    p.display()
                ));
            }
        }
    }
}

/// Who holds the lock, from the pid its holder wrote.
fn holder(path: &Path) -> String {
    let mut text = String::new();
    let _ = std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text));
    match text.trim() {
        "" => "process unknown".to_string(),
        t => t.chars().take(40).collect(),
    }
}

/// `.score-x/provisioners/*.yaml` (and `.yml`), sorted by file name.
pub fn project_provisioner_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    project_yaml_files(dir, "provisioners")
}

/// `<dir>/<sub>/*.yaml` (and `.yml`), sorted by file name; none when `<dir>/<sub>` is absent.
pub fn project_yaml_files(dir: &Path, sub: &str) -> Result<Vec<PathBuf>, String> {
    let pdir = dir.join(sub);
    if !pdir.is_dir() {
        return Ok(vec![]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&pdir)
        .map_err(|e| format!("cannot list `{}`: {e}", pdir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    Ok(files)
}

/// `60`, or `0.5` for a fraction of a second.
fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s:.1}")
    }
}
