//! score-x's allocator: mimalloc ([`Allocator`], the CLI's `#[global_allocator]`), with freed
//! memory handed back to the system after 100 ms instead of mimalloc 3's default of a second.
//!
//! A translation frees each stage's model while it builds the next one (the syntax trees once
//! lowered, the App as it is resolved, the graph once provisioned), and a whole run at 10,000
//! workloads takes two to three seconds: with a one-second delay, the pages of the stage just
//! freed were still resident when the next stage reached its peak, 15 to 20 MB of the process's
//! peak (docs/performance.md). `MIMALLOC_PURGE_DELAY` in the environment still wins.

/// The allocator type (`#[global_allocator] static A: score_x_alloc::Allocator = …`).
pub use mimalloc::MiMalloc as Allocator;

/// mimalloc's `mi_option_purge_delay`: the crate exposes no constant for it ("not exposed for
/// stability reasons"); 15 in the `mi_option_e` enumeration of the mimalloc 3 it builds (see
/// the test, which fails if a new version moves it).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Milliseconds between a page being freed and its memory handed back to the system.
pub const PURGE_DELAY_MS: std::ffi::c_long = 100;

/// Set score-x's defaults of the allocator's options; call first thing in `main`. An option
/// set in the environment (`MIMALLOC_PURGE_DELAY`) keeps its value.
pub fn configure() {
    // SAFETY: `mi_option_set_default` takes two integers and only stores the value as the
    // option's default; it is safe to call at any time, from any thread, and PURGE_DELAY is a
    // valid option of the mimalloc linked (the test checks it).
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set_default(PURGE_DELAY, PURGE_DELAY_MS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option's value as mimalloc reads it.
    fn get(option: libmimalloc_sys::mi_option_t) -> std::ffi::c_long {
        // SAFETY: reading an option's value is safe at any time.
        #[allow(unsafe_code)]
        unsafe {
            libmimalloc_sys::mi_option_get(option)
        }
    }

    #[test]
    fn the_option_set_is_the_purge_delay() {
        // Unset, option 15 holds mimalloc 3's default purge delay (1000 ms), which no
        // neighbouring option has.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(get(PURGE_DELAY), 1000);
            assert_eq!(get(PURGE_DELAY - 1), 1);
            assert_eq!(get(PURGE_DELAY + 1), 0);
        }
        configure();
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(get(PURGE_DELAY), PURGE_DELAY_MS);
        }
    }
}
