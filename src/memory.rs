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

/// Hands the memory the allocator holds but no longer uses back to the system, between stages
/// that free much (the file's bytes, per-chunk builders, a frame's old columns).
///
/// The program runs on jemalloc (set in `lib.rs`): it keeps freed pages for the next blocks and
/// returns them over ten seconds. glibc's allocator instead maps every block over 32 MiB afresh
/// and unmaps it when freed, so each of Polars' column buffers was a fresh mapping the kernel
/// had to fault in and zero: at ten million events that zeroing was a third to four fifths of
/// the samples of every stage after reading, and a first load took 31 s instead of 28 s. The
/// pages kept between stages would raise the peak (the workbench's by some 420 MiB at 10M,
/// 4,054 MiB against 3,632), hence this purge where a stage ends.
pub fn release() {
    #[cfg(not(target_env = "msvc"))]
    // SAFETY: `arena.4096.purge` (4096 is MALLCTL_ARENAS_ALL) takes and returns nothing: no
    // pointers are read or written.
    unsafe {
        tikv_jemalloc_sys::mallctl(
            c"arena.4096.purge".as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        );
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
