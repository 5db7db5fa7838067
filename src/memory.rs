//! What the process holds, for `--verbose` and the benchmarks: resident and peak memory from
//! `/proc/self/status`, and a stage log on stderr (elapsed time, resident, peak) when asked for.

use polars::prelude::DataFrame;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

static VERBOSE: AtomicBool = AtomicBool::new(false);
static START: OnceLock<Instant> = OnceLock::new();

/// Turns the stage log on (`--verbose`) and starts its clock.
pub fn set_verbose(on: bool) {
    START.get_or_init(Instant::now);
    VERBOSE.store(on, Ordering::Relaxed);
}

pub fn verbose() -> bool {
    VERBOSE.load(Ordering::Relaxed)
}

/// A `kB` field of a `/proc` file (`VmRSS` of `/proc/self/status`, `MemAvailable` of
/// `/proc/meminfo`) in bytes; None off Linux.
fn proc_bytes(file: &str, field: &str) -> Option<usize> {
    let text = std::fs::read_to_string(file).ok()?;
    let line = text
        .lines()
        .find(|l| l.strip_prefix(field).is_some_and(|r| r.starts_with(':')))?;
    let kb: usize = line[field.len() + 1..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

fn status_bytes(field: &str) -> Option<usize> {
    proc_bytes("/proc/self/status", field)
}

/// Memory the system can give without swapping, in bytes.
pub fn available() -> Option<usize> {
    proc_bytes("/proc/meminfo", "MemAvailable")
}

/// Resident memory now, in bytes.
pub fn resident() -> Option<usize> {
    status_bytes("VmRSS")
}

/// The most resident memory so far, in bytes.
pub fn peak() -> Option<usize> {
    status_bytes("VmHWM")
}

/// Bytes as MiB with one decimal.
pub fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// Says on stderr that a stage is done, with the time since start and the memory, when verbose.
pub fn stage(what: &str) {
    if !verbose() {
        return;
    }
    let took = START.get_or_init(Instant::now).elapsed().as_secs_f64();
    let show = |b: Option<usize>| b.map_or_else(|| "-".to_string(), mib);
    eprintln!(
        "hirescope: {took:7.2} s  {what}  (resident {}, peak {})",
        show(resident()),
        show(peak())
    );
}

/// Hands memory the allocator holds but no longer uses back to the system. Parsing leaves many
/// freed buffers behind (the file's bytes, per-chunk builders), which glibc keeps mapped: at 1M
/// events 1.4 GB stayed resident where the tables held 0.6 GB.
pub fn release() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The tunable that lets glibc's allocator ask for transparent huge pages for its heap and its
/// large blocks (madvise), where the kernel offers them only on request.
const HUGE_PAGES: &str = "glibc.malloc.hugetlb=1";

/// Runs the program again with glibc's allocator asking for transparent huge pages, unless it
/// already does or `HIRESCOPE_HUGE_PAGES=0`. glibc reads its tunables only when a process starts,
/// hence the one `exec` at start. At ten million events the process holds 7 to 15 GB in 4 KiB
/// pages: the kernel then took 1.6 s to free them when hirescope ended (Q or SIGTERM during a
/// load), and 0.3 s with huge pages; faulting the pages in costs less too. Where the exec cannot
/// be made, the program simply goes on as it is.
pub fn use_huge_pages() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        if std::env::var_os("HIRESCOPE_HUGE_PAGES").is_some_and(|v| v == "0") {
            return;
        }
        let tunables = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
        if tunables.contains("glibc.malloc.hugetlb") {
            return; // already asked for (or set otherwise by the user): theirs stands
        }
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let joined = if tunables.is_empty() {
            HUGE_PAGES.to_string()
        } else {
            format!("{tunables}:{HUGE_PAGES}")
        };
        let mut args = std::env::args_os();
        let argv0 = args.next();
        let mut cmd = std::process::Command::new(exe);
        if let Some(a) = argv0 {
            cmd.arg0(a);
        }
        // exec returns only when it failed; then carry on in this process.
        let _ = cmd.args(args).env("GLIBC_TUNABLES", joined).exec();
    }
}

/// The memory a table holds: its canonical columns and the vendor's own columns, in bytes.
pub fn table_bytes(df: &DataFrame) -> (usize, usize) {
    let canonical = crate::ingest::canon::CANONICAL_COLUMNS;
    df.columns().iter().fold((0, 0), |(c, v), col| {
        let n = col.as_materialized_series().estimated_size();
        if canonical.contains(&col.name().as_str()) {
            (c + n, v)
        } else {
            (c, v + n)
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn proc_fields_read_as_bytes() {
        let (now, peak) = (super::resident().unwrap(), super::peak().unwrap());
        assert!(now > 1 << 20 && peak >= now, "{now} {peak}");
        assert!(super::available().unwrap() > 1 << 20);
        // A field that only starts like another is not taken for it.
        assert_eq!(super::proc_bytes("/proc/self/status", "VmR"), None);
    }
}
