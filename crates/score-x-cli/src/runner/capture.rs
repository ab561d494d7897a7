//! Bounded capture of a child's stdout or stderr: a pipe read on a thread into a buffer that
//! never grows past its bound, so a command printing without end cannot exhaust memory.

use std::io::Read;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// What to do when a stream passes its bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// Stop reading and call the overflow action (stdout: the output would be unusable).
    Fail(usize),
    /// Keep reading to the end but keep only the last bytes (stderr: shown as a tail).
    Tail(usize),
}

/// How a capture ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Captured {
    /// The stream ended (EOF or a read error); the bytes read.
    Complete(Vec<u8>),
    /// The stream passed its [`Bound::Fail`] limit.
    TooLarge,
    /// The stream was still open after the grace period (a process outside the group holds it);
    /// the bytes read so far.
    StillOpen(Vec<u8>),
}

#[derive(Default)]
struct Buffer {
    bytes: Vec<u8>,
    too_large: bool,
}

/// A pipe being read on its own thread.
pub struct Capture {
    buf: Arc<Mutex<Buffer>>,
    done: Receiver<()>,
}

impl Capture {
    /// Read `r` on a thread within `bound`; `on_overflow` runs (on that thread) when a
    /// [`Bound::Fail`] limit is passed, e.g. to kill the process group.
    pub fn spawn<R, F>(r: Option<R>, bound: Bound, on_overflow: F) -> Capture
    where
        R: Read + Send + 'static,
        F: FnOnce() + Send + 'static,
    {
        let buf = Arc::new(Mutex::new(Buffer::default()));
        let (tx, done) = mpsc::channel();
        let sink = buf.clone();
        std::thread::spawn(move || {
            if let Some(r) = r
                && read_bounded(r, &sink, bound)
            {
                on_overflow();
            }
            let _ = tx.send(());
        });
        Capture { buf, done }
    }

    /// Wait at most `grace` for the end of the stream, then take what was read.
    pub fn finish(self, grace: Duration) -> Captured {
        let open = matches!(
            self.done.recv_timeout(grace),
            Err(RecvTimeoutError::Timeout)
        );
        let mut b = self.buf.lock().unwrap_or_else(PoisonError::into_inner);
        let bytes = std::mem::take(&mut b.bytes);
        if b.too_large {
            Captured::TooLarge
        } else if open {
            Captured::StillOpen(bytes)
        } else {
            Captured::Complete(bytes)
        }
    }
}

/// Read `r` into `sink` within `bound`. True when a [`Bound::Fail`] limit was passed.
fn read_bounded(mut r: impl Read, sink: &Mutex<Buffer>, bound: Bound) -> bool {
    let mut chunk = [0u8; 8192];
    // A read error ends the stream; the exit status tells the rest.
    while let Ok(n) = r.read(&mut chunk) {
        if n == 0 {
            break;
        }
        let mut b = sink.lock().unwrap_or_else(PoisonError::into_inner);
        b.bytes.extend_from_slice(&chunk[..n]);
        match bound {
            Bound::Fail(max) if b.bytes.len() > max => {
                b.too_large = true;
                b.bytes = Vec::new();
                return true;
            }
            // Trim in batches (when twice the bound) so that keeping the tail stays linear.
            Bound::Tail(max) if b.bytes.len() > max.saturating_mul(2) => {
                let cut = b.bytes.len() - max;
                b.bytes.drain(..cut);
            }
            _ => {}
        }
    }
    if let (Bound::Tail(max), Ok(mut b)) = (bound, sink.lock()) {
        let len = b.bytes.len();
        if len > max {
            b.bytes.drain(..len - max);
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn capture(data: Vec<u8>, bound: Bound) -> (Captured, bool) {
        let hit = Arc::new(AtomicBool::new(false));
        let flag = hit.clone();
        let c = Capture::spawn(Some(std::io::Cursor::new(data)), bound, move || {
            flag.store(true, Ordering::SeqCst)
        });
        let got = c.finish(Duration::from_secs(10));
        (got, hit.load(Ordering::SeqCst))
    }

    #[test]
    fn within_the_bound_everything_is_kept() {
        let (got, hit) = capture(vec![7; 100], Bound::Fail(100));
        assert_eq!((got, hit), (Captured::Complete(vec![7; 100]), false));
    }

    #[test]
    fn past_a_fail_bound_the_overflow_action_runs() {
        let (got, hit) = capture(vec![7; 100_000], Bound::Fail(99_999));
        assert_eq!((got, hit), (Captured::TooLarge, true));
    }

    #[test]
    fn a_tail_bound_keeps_the_last_bytes() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let (got, hit) = capture(data.clone(), Bound::Tail(1000));
        assert_eq!(
            (got, hit),
            (Captured::Complete(data[99_000..].to_vec()), false)
        );
    }

    #[test]
    fn an_open_stream_is_reported_after_the_grace_period() {
        let (reader, _keep) = std::io::pipe().unwrap();
        let c = Capture::spawn(Some(reader), Bound::Fail(10), || {});
        assert_eq!(
            c.finish(Duration::from_millis(50)),
            Captured::StillOpen(vec![])
        );
    }
}
