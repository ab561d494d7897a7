//! A progress line on stderr for long runs (indicatif): shown only when it is enabled (stderr is a
//! terminal and the command's output is not JSON) and the run has lasted more than a second.
//! Nothing is ever drawn into a pipe or a file.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a run lasts before its progress line appears.
const DELAY: Duration = Duration::from_secs(1);

/// The progress line of one run; inert until [`Progress::enable`].
#[derive(Default)]
pub struct Progress {
    bar: Option<ProgressBar>,
    done: Arc<AtomicBool>,
}

impl Progress {
    /// Start the (still hidden) progress line; it shows itself after [`DELAY`] unless the run
    /// has finished by then.
    pub fn enable(&mut self) {
        if self.bar.is_some() {
            return;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        let shown = bar.clone();
        let done = Arc::clone(&self.done);
        std::thread::spawn(move || {
            std::thread::sleep(DELAY);
            if !done.load(Ordering::SeqCst) {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.enable_steady_tick(Duration::from_millis(120));
            }
        });
        self.bar = Some(bar);
    }

    /// Name the stage the run is in.
    pub fn stage(&self, what: &str) {
        if let Some(b) = &self.bar {
            b.set_message(what.to_string());
        }
    }

    /// Run `f` (which writes to stderr) with the line cleared, so output never interleaves.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(b) => b.suspend(f),
            None => f(),
        }
    }

    /// Remove the line for good.
    pub fn finish(&self) {
        self.done.store(true, Ordering::SeqCst);
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
