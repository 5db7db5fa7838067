//! What the process holds, for `--verbose` and the benchmarks: resident and peak memory from
//! `/proc/self/status`, and a stage log on stderr (elapsed time, resident, peak) when asked for.

use polars::prelude::{Column, DataFrame, DataType, PlSmallStr};
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

/// The bytes a column holds. Polars' own `estimated_size` counts a text column's characters
/// only, but Arrow's view layout also stores 16 bytes for every value (short values inside it):
/// at ten million rows that is 160 MB a text column before any text, the larger part of what the
/// model holds. Buffers two columns share are counted for each.
pub fn column_bytes(col: &Column) -> usize {
    if let Column::Scalar(_) = col {
        return 0; // one value for every row (and materialising it to measure would allocate it)
    }
    if let Some(n) = crate::dictionary::codes_bytes(col) {
        return n;
    }
    let series = col.as_materialized_series();
    match series.str() {
        Ok(ca) => {
            let validity = if ca.null_count() > 0 {
                ca.len().div_ceil(8)
            } else {
                0
            };
            let views_and_text: usize = ca
                .downcast_iter()
                .map(|a| a.len() * 16 + a.total_buffer_len())
                .sum();
            views_and_text + validity
        }
        Err(_) => series.estimated_size(),
    }
}

/// The bytes a frame holds (`column_bytes` of each column).
pub fn frame_bytes(df: &DataFrame) -> usize {
    df.columns().iter().map(column_bytes).sum()
}

/// Replaces every column that is null in all rows by a constant null, which holds no memory: a
/// text column of nulls still costs 16 bytes a row in Arrow's view layout, and a tenant's exports
/// leave many canonical columns empty (no intel hits, no networks file, no ASN, no device name).
pub fn drop_null_buffers(df: &mut DataFrame) {
    let height = df.height();
    if height == 0 {
        return;
    }
    let empty: Vec<(PlSmallStr, DataType)> = df
        .columns()
        .iter()
        .filter(|c| !matches!(c, Column::Scalar(_)) && c.null_count() == height)
        .map(|c| (c.name().clone(), c.dtype().clone()))
        .collect();
    for (name, dtype) in empty {
        // The name is the frame's own, so the replacement cannot fail.
        let _ = df.with_column(Column::full_null(name, height, &dtype));
    }
}

/// The memory a table holds: its canonical columns and the vendor's own columns, in bytes.
pub fn table_bytes(df: &DataFrame) -> (usize, usize) {
    let canonical = crate::ingest::canon::CANONICAL_COLUMNS;
    df.columns().iter().fold((0, 0), |(c, v), col| {
        let n = column_bytes(col);
        // Where a row's other columns are (`spill::AT`) is held beside the canonical ones.
        if canonical.contains(&col.name().as_str()) || col.name() == crate::ingest::spill::AT {
            (c + n, v)
        } else {
            (c, v + n)
        }
    })
}

/// Says, when verbose, what each column of a frame holds, largest first: where the memory of a
/// model goes, by name.
pub fn column_sizes(what: &str, df: &DataFrame) {
    if !verbose() {
        return;
    }
    let mut sizes: Vec<(usize, String, String)> = df
        .columns()
        .iter()
        .map(|c| {
            let size = column_bytes(c);
            (size, c.name().to_string(), c.dtype().to_string())
        })
        .collect();
    sizes.sort_by_key(|s| std::cmp::Reverse(s.0));
    let line: Vec<String> = sizes
        .iter()
        .map(|(n, name, dtype)| format!("{name} ({dtype}) {}", mib(*n)))
        .collect();
    eprintln!("hirescope: {what} by column: {}", line.join(", "));
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
