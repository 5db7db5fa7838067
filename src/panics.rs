//! Panics are bugs, but no input may turn one into a crash: each file is read inside a catch
//! region, so a panic there becomes that file's error. The panic hooks (the CLI's here, the
//! workbench's in `ui`) stay quiet for panics that a catch region will handle.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

thread_local! {
    static CATCHING: Cell<bool> = const { Cell::new(false) };
}

/// Catch regions open on any thread: library worker threads (Polars') re-raise their panics in the
/// thread that called them, which may be inside one.
static ACTIVE: AtomicUsize = AtomicUsize::new(0);

/// Whether this thread is inside a catch region.
pub fn catching_here() -> bool {
    CATCHING.with(Cell::get)
}

/// Whether any thread is inside a catch region.
pub fn catching_anywhere() -> bool {
    ACTIVE.load(Ordering::SeqCst) > 0
}

/// Marks the current thread as inside a catch region until the guard drops (for threads that a
/// catch region spawns and joins).
pub struct Region {
    was: bool,
}

impl Region {
    pub fn enter() -> Region {
        ACTIVE.fetch_add(1, Ordering::SeqCst);
        Region {
            was: CATCHING.with(|c| c.replace(true)),
        }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        CATCHING.with(|c| c.set(self.was));
        ACTIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs `f`, turning a panic into an error that says what it was.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let _region = Region::enter();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|p| message(&*p))
}

/// The text of a panic payload.
pub fn message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// The hook of the headless commands: silent for panics a catch region handles (they are reported
/// as the file's error), the default report otherwise.
pub fn install_cli_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if catching_here() || catching_anywhere() && !is_main_thread() {
            return;
        }
        previous(info);
    }));
}

/// Whether the current thread is the process's main thread.
pub fn is_main_thread() -> bool {
    std::thread::current().name() == Some("main")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_a_region_is_an_error() {
        let r: Result<(), String> = catch(|| panic!("boom {}", 1));
        assert_eq!(r.unwrap_err(), "boom 1");
        assert!(!catching_here());
        assert_eq!(catch(|| 7).unwrap(), 7);
    }
}
