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
