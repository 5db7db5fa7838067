//! The parse cache: what a load read from the export files, written as Parquet (one file per
//! table) with the files' accounts beside it, in the user's cache directory, under a fingerprint
//! of the inputs. Reopening the same inputs reads the Parquet instead of parsing text again.
//!
//! The fingerprint covers each input file's path, size, modification time and a hash of its
//! first and last 64 KiB, the tables forced with `--table`, the memory ceiling, and the binary
//! itself (its size and time), so a rebuilt hirescope never trusts an older one's parse. A cache
//! that is missing a piece or fails to read is rebuilt, never trusted. Roster, intel and
//! networks files are small and are always read again.

use super::spill::Spill;
use super::{source, Dataset, FileReport, Inputs, Role};
use polars::prelude::*;
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Bumped when what is written changes shape.
const FORMAT: &str = "hirescope-cache-5";

/// The entry's dictionary: the text of the codes its table files hold (`dictionary::to_codes`).
const DICTIONARY: &str = "dictionary.parquet";
/// Inputs smaller than this are parsed faster than a cache is written and read.
const MIN_BYTES: u64 = 32 << 20;
const EDGE: u64 = 64 << 10;
/// Rows per Parquet row group in the cache.
const ROW_GROUP: usize = 16_384;

/// The cache directory: `HIRESCOPE_CACHE_DIR`, else the platform's (`~/.cache/hirescope`).
pub fn dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("HIRESCOPE_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    directories::ProjectDirs::from("", "", "hirescope").map(|p| p.cache_dir().to_path_buf())
}

/// Inputs at or above this many bytes are cached (`HIRESCOPE_CACHE_MIN_BYTES` overrides it).
fn min_bytes() -> u64 {
    std::env::var("HIRESCOPE_CACHE_MIN_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(MIN_BYTES)
}

/// Every file a load of `inputs` reads, in the order it reads them.
fn files_of(inputs: &Inputs) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = inputs
        .roster
        .iter()
        .chain(&inputs.intel)
        .chain(&inputs.networks)
        .cloned()
        .collect();
    for p in &inputs.paths {
        out.extend(source::expand(p).files);
    }
    out
}

/// The fingerprint of the inputs and their total size; None when a file cannot be looked at.
fn fingerprint(inputs: &Inputs) -> Option<(String, u64)> {
    use std::os::unix::fs::MetadataExt;
    let mut h = Sha256::new();
    h.update(FORMAT);
    let exe = std::env::current_exe().ok()?.metadata().ok()?;
    h.update(format!(
        "exe {} {}\n",
        exe.len(),
        exe.mtime_nsec() + exe.mtime() * 1_000_000_000
    ));
    h.update(format!(
        "ceiling {:?}\n",
        std::env::var("HIRESCOPE_MAX_FILE_BYTES").ok()
    ));
    for (path, kind) in &inputs.tables {
        h.update(format!("table {path:?} {}\n", kind.name()));
    }
    for (what, list) in [
        ("roster", &inputs.roster),
        ("intel", &inputs.intel),
        ("networks", &inputs.networks),
    ] {
        for p in list {
            h.update(format!("{what} {}\n", p.display()));
        }
    }
    let mut total = 0;
    for f in files_of(inputs) {
        let meta = std::fs::metadata(&f).ok()?;
        total += meta.len();
        h.update(format!(
            "file {} {} {}.{}\n",
            f.display(),
            meta.len(),
            meta.mtime(),
            meta.mtime_nsec()
        ));
        let mut file = std::fs::File::open(&f).ok()?;
        let mut edge = vec![0; EDGE.min(meta.len()) as usize];
        file.read_exact(&mut edge).ok()?;
        h.update(&edge);
        if meta.len() > EDGE {
            file.seek(SeekFrom::Start(meta.len() - EDGE.min(meta.len())))
                .ok()?;
            file.read_exact(&mut edge).ok()?;
            h.update(&edge);
        }
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Some((hex, total))
}

/// Loads through the cache: the cached parse when it is whole, else `fresh`, written for next
/// time when everything was read (a file that could not be read, or was cut at the memory
/// ceiling, may read differently next time).
pub fn load(
    inputs: &Inputs,
    kept: Option<fn(&str) -> bool>,
    fresh: impl FnOnce(&Inputs, Option<Arc<Spill>>) -> Dataset,
) -> Dataset {
    match dir() {
        Some(root) => load_in(&root, min_bytes(), inputs, kept, fresh),
        None => fresh(inputs, None),
    }
}

/// Removes what earlier processes left of entries they were making (`.KEY.PID` directories of
/// processes that are gone): a load that ended early, or one whose inputs could not all be read
/// and so kept its pieces only for itself.
fn remove_abandoned(root: &Path) {
    let Ok(dir) = std::fs::read_dir(root) else {
        return;
    };
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix('.')
            .and_then(|n| n.rsplit_once('.'))
            .and_then(|(_, pid)| pid.parse::<i32>().ok())
        else {
            continue;
        };
        if ended(pid) || pid as u32 == std::process::id() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Whether no process has this id.
fn ended(pid: i32) -> bool {
    // SAFETY: kill with signal 0 only asks whether the process exists.
    let refused = unsafe { libc::kill(pid, 0) } != 0;
    refused && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

/// Removes from an entry the files a process was writing when it ended (`NAME.PID`, such as a
/// model cut short by SIGTERM): at ten million events one is about a gigabyte, never read.
pub(crate) fn remove_unfinished(entry: &Path) {
    let Ok(dir) = std::fs::read_dir(entry) else {
        return;
    };
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let pid = name
            .rsplit_once('.')
            .and_then(|(_, pid)| pid.parse::<i32>().ok());
        if pid.is_some_and(|pid| pid > 0 && ended(pid)) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// `load` with the cache in `root`, for inputs of at least `min_bytes`; a table read from it
/// holds only the columns `kept` names, when given (see `ingest::load_for_model`).
pub fn load_in(
    root: &Path,
    min_bytes: u64,
    inputs: &Inputs,
    kept: Option<fn(&str) -> bool>,
    fresh: impl FnOnce(&Inputs, Option<Arc<Spill>>) -> Dataset,
) -> Dataset {
    let Some((key, total)) = fingerprint(inputs) else {
        return fresh(inputs, None);
    };
    if total < min_bytes {
        return fresh(inputs, None);
    }
    let entry = root.join(&key);
    if entry.is_dir() {
        match read(&entry, kept) {
            Ok(mut data) => {
                data.cache_entry = Some(entry.clone());
                crate::memory::stage(&format!("read from the cache {}", entry.display()));
                return data;
            }
            Err(e) => {
                crate::memory::stage(&format!(
                    "cache {} not used ({e}); rebuilding it",
                    entry.display()
                ));
                let _ = std::fs::remove_dir_all(&entry);
            }
        }
    }
    // The entry is made beside its place as the files are read: each finished piece of a table
    // is written into it whole, and only the canonical columns are held.
    remove_abandoned(root);
    let tmp = root.join(format!(".{key}.{}", std::process::id()));
    let spill = crate::private::create_dir(root)
        .and_then(|()| crate::private::create_dir(&tmp))
        .ok()
        .map(|()| Arc::new(Spill::new(tmp.clone())));
    let mut data = fresh(inputs, spill);
    let whole = data
        .files
        .iter()
        .all(|f| f.role != Role::Unreadable && !f.rejected.iter().any(|r| r.line == 0));
    if !whole {
        // Not trusted for next time; its pieces serve this process only (removed by a later
        // load once it has ended), and their codes are read with this dictionary.
        let _ = crate::dictionary::write_dictionary(&tmp.join(DICTIONARY));
        return data;
    }
    match write(&tmp, &entry, &data) {
        Ok(true) => {
            data.vendor_columns_to(&entry);
            data.cache_entry = Some(entry.clone());
            crate::memory::stage(&format!(
                "cache written to {}; vendor columns read back from it",
                entry.display()
            ));
        }
        Ok(false) => crate::memory::stage(&format!(
            "another hirescope wrote {} first; this one reads its pieces from {}",
            entry.display(),
            tmp.display()
        )),
        Err(e) => {
            // The pieces still serve this process from `tmp`, their codes read with this.
            let _ = crate::dictionary::write_dictionary(&tmp.join(DICTIONARY));
            crate::memory::stage(&format!(
                "cache not written to {}: {}",
                root.display(),
                crate::sanitize::visible(&e.to_string())
            ));
        }
    }
    data
}

pub(super) fn table_file(entry: &Path, kind: super::TableKind) -> PathBuf {
    entry.join(format!("{}.parquet", kind.name()))
}

/// Writes the tables and the manifest into `tmp` (which holds the pieces already), then renames
/// it into place, so a reader never sees half of one. False when another process put the same
/// entry in place first: `tmp` then stays, since this process's pieces are in it.
fn write(tmp: &Path, entry: &Path, data: &Dataset) -> anyhow::Result<bool> {
    crate::private::create_dir(tmp)?;
    let result = (|| -> anyhow::Result<()> {
        // The tables on a thread each: at ten million events the two large ones took 0.7 s
        // one after the other, on one core.
        std::thread::scope(|s| {
            let handles: Vec<_> = (data.tables.iter())
                .map(|(kind, df)| s.spawn(move || write_places_or_table(tmp, *kind, df)))
                .collect();
            (handles.into_iter())
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect::<PolarsResult<Vec<()>>>()
        })?;
        let mut pieces = serde_json::Map::new();
        for kind in data.tables.keys() {
            if let Some(super::OnDisk {
                stored:
                    super::Stored::Pieces {
                        pieces: p,
                        order,
                        sources,
                        ..
                    },
                columns,
            }) = data.on_disk.get(kind)
            {
                pieces.insert(
                    kind.name().to_string(),
                    serde_json::json!({"columns": columns, "pieces": p, "order": order, "sources": sources}),
                );
            }
        }
        // After the tables: every code they hold is in it by then.
        crate::dictionary::write_dictionary(&tmp.join(DICTIONARY))?;
        let manifest = serde_json::json!({
            "format": FORMAT,
            "tables": data.tables.keys().map(|k| k.name()).collect::<Vec<_>>(),
            "pieces": pieces,
            "files": data.files,
        });
        std::fs::write(tmp.join("manifest.json"), serde_json::to_vec(&manifest)?)?;
        Ok(())
    })();
    if let Err(e) = result {
        if !data
            .on_disk
            .values()
            .any(|d| matches!(d.stored, super::Stored::Pieces { .. }))
        {
            let _ = std::fs::remove_dir_all(tmp);
        }
        return Err(e);
    }
    Ok(std::fs::rename(tmp, entry).is_ok())
}

/// Writes a table's file into the entry `tmp`. A table whose every row is in a piece keeps only
/// where (and which) rows are: its canonical columns are in the pieces too, and are gathered
/// from them on a read that needs them (`with_piece_columns`). Writing them again here took 8 s
/// of a first load at ten million events, and a reopen with a cached model never reads them.
fn write_places_or_table(tmp: &Path, kind: super::TableKind, df: &DataFrame) -> PolarsResult<()> {
    let placed = df
        .column(super::spill::AT)
        .is_ok_and(|at| at.null_count() == 0);
    let places;
    let df = match placed {
        true => {
            places = df.select(PLACES.iter().copied().filter(|c| df.column(c).is_ok()))?;
            &places
        }
        false => df,
    };
    // Encoded columns as their codes: at ten million events writing their text took 13 s, and
    // reading it back and encoding it again 6.6 s.
    let (stored, _) = crate::dictionary::to_codes(df)?;
    write_table(&stored, &table_file(tmp, kind))
}

/// Writes a table a row group at a time. Polars' `finish` first copies the whole frame into
/// row-group chunks, a second copy of the table for the length of the write (350 MB at 1M
/// events); here only one group's rows are copied at a time. Small groups, because the detail
/// view reads one row back, which decodes its group.
pub(crate) fn write_table(df: &DataFrame, path: &Path) -> PolarsResult<()> {
    write_table_in(df, path, ROW_GROUP)
}

/// Rows per group of a file only ever read whole (the model's): fewer, larger groups are less
/// work to write (each column of each group is encoded on its own), and they line up with the
/// parts `read_encoded` reads.
pub(crate) const WHOLE_ROW_GROUP: usize = READ_ROWS;

/// `write_table` with `group` rows per row group.
pub(crate) fn write_table_in(df: &DataFrame, path: &Path, group: usize) -> PolarsResult<()> {
    let file = std::fs::File::create(path)?;
    // Encoded columns are written as text, a group at a time (see `dictionary`).
    let schema = crate::dictionary::plain(&df.clear())?.schema().clone();
    let mut writer = ParquetWriter::new(file)
        .with_compression(ParquetCompression::Lz4Raw)
        .with_row_group_size(Some(group))
        // No statistics: only hirescope reads these files, whole or by row number, never
        // filtered by value, and a minimum and maximum of every text column cost time.
        .with_statistics(StatisticsOptions {
            min_value: false,
            max_value: false,
            distinct_count: false,
            null_count: false,
            binary_statistics_truncate_length: None,
        })
        .batched(&schema)?;
    let mut at = 0;
    while at < df.height().max(1) {
        // One chunk per column, so the writer's groups line up across columns.
        let mut rows = crate::dictionary::plain(&df.slice(at as i64, group))?;
        rows.rechunk_mut();
        writer.write_batch(&rows)?;
        at += group;
    }
    writer.finish()?;
    Ok(())
}

/// Reads a cache entry whole: every table it lists and the files' accounts; roster, intel and
/// networks files are read again in their roles, at their places in the list.
fn read(entry: &Path, kept: Option<fn(&str) -> bool>) -> anyhow::Result<Dataset> {
    #[derive(serde::Deserialize)]
    struct Manifest {
        format: String,
        tables: Vec<String>,
        #[serde(default)]
        pieces: std::collections::BTreeMap<String, Spilled>,
        files: Vec<FileReport>,
    }
    #[derive(serde::Deserialize)]
    struct Spilled {
        columns: usize,
        pieces: std::collections::BTreeMap<u32, (String, usize)>,
        order: Vec<String>,
        sources: Vec<super::spill::SourceFile>,
    }
    let manifest: Manifest = serde_json::from_slice(&std::fs::read(entry.join("manifest.json"))?)?;
    anyhow::ensure!(manifest.format == FORMAT, "written by another version");
    let mut data = Dataset::default();
    for name in &manifest.tables {
        let kind = super::TableKind::from_name(name)
            .ok_or_else(|| anyhow::anyhow!("unknown table {name}"))?;
        let path = table_file(entry, kind);
        // Only the canonical columns: the vendor's stay in the file, read back a row at a time.
        // A corrupt file is Polars' to reject; a panic while decoding it is caught the same way.
        // Unrecognised rows are not in the model: that table is always read whole.
        let kept = kept.filter(|_| kind != super::TableKind::Unrecognized);
        let (mut df, columns) = crate::panics::catch(|| read_canonical(&path, kept))
            .map_err(|p| anyhow::anyhow!("{p}"))??;
        let disk = match manifest.pieces.get(name) {
            // Spilled as it was read: the table file holds where each row is (`PLACES`), and
            // its canonical columns are gathered from the pieces.
            Some(sp) => {
                for (file, _) in sp.pieces.values() {
                    anyhow::ensure!(
                        !file.contains('/') && entry.join(file).is_file(),
                        "piece {file:?} is missing"
                    );
                }
                df = crate::panics::catch(|| with_piece_columns(df, entry, &sp.pieces, kept))
                    .map_err(|p| anyhow::anyhow!("{p}"))?
                    .map_err(|e| anyhow::anyhow!("{name} from its pieces: {e}"))?;
                super::OnDisk {
                    stored: super::Stored::Pieces {
                        dir: entry.to_path_buf(),
                        pieces: sp.pieces.clone(),
                        order: sp.order.clone(),
                        sources: sp.sources.clone(),
                    },
                    columns: sp.columns,
                }
            }
            None => super::OnDisk {
                stored: super::Stored::Whole(path),
                columns,
            },
        };
        data.tables.insert(kind, df);
        data.on_disk.insert(kind, disk);
    }
    let roles: Vec<(PathBuf, Role)> = manifest
        .files
        .iter()
        .filter(|f| matches!(f.role, Role::Roster | Role::Intel | Role::Networks))
        .map(|f| (PathBuf::from(&f.path), f.role))
        .collect();
    let small = super::load_roles(&roles);
    let mut again = small.files.into_iter();
    data.files = manifest
        .files
        .into_iter()
        .map(|f| {
            if matches!(f.role, Role::Roster | Role::Intel | Role::Networks) {
                again.next().unwrap_or(f)
            } else {
                f
            }
        })
        .collect();
    data.roster = small.roster;
    data.intel = small.intel;
    data.networks = small.networks;
    data.slim = kept.is_some();
    Ok(data)
}

/// The tables of the data's cache entry read again, for a model that could not be read after
/// the tables had given it their columns.
pub fn reread_tables(data: &mut Dataset) -> anyhow::Result<()> {
    let entry = data
        .cache_entry
        .clone()
        .ok_or_else(|| anyhow::anyhow!("the data has no cache entry"))?;
    data.tables = read(&entry, None)?.tables;
    data.slim = false;
    Ok(())
}

/// What a table file holds of a table whose rows are all in pieces: where each row came from
/// and where its every column is.
const PLACES: &[&str] = &["row", "file", "line", "flags", super::spill::AT];

/// A table read from a file of `PLACES` with the canonical columns it lacks (those `kept` names,
/// or all) gathered from its pieces, in the table's column order: each piece read once, for the
/// rows the table kept of it (repeats were dropped).
fn with_piece_columns(
    df: DataFrame,
    entry: &Path,
    pieces: &std::collections::BTreeMap<u32, (String, usize)>,
    kept: Option<fn(&str) -> bool>,
) -> anyhow::Result<DataFrame> {
    let wanted: Vec<&str> = super::canon::CANONICAL_COLUMNS
        .iter()
        .copied()
        .filter(|c| df.column(c).is_err() && kept.is_none_or(|k| k(c)))
        .collect();
    if wanted.is_empty() || df.height() == 0 {
        return Ok(df);
    }
    let at = df.column(super::spill::AT)?.u64()?.clone();
    let remap = crate::dictionary::read_dictionary(&entry.join(DICTIONARY))?;
    let mut parts: Vec<DataFrame> = Vec::new();
    let mut row = 0;
    while row < df.height() {
        let id = at.get(row).map(|a| (a >> 32) as u32);
        let mut end = row + 1;
        while end < df.height() && at.get(end).map(|a| (a >> 32) as u32) == id {
            end += 1;
        }
        let id = id.ok_or_else(|| anyhow::anyhow!("row {row} has no piece"))?;
        let (file, rows) = pieces
            .get(&id)
            .ok_or_else(|| anyhow::anyhow!("piece {id} is not listed"))?;
        let path = entry.join(file);
        let (piece, _) = read_encoded(
            &path,
            |n| wanted.contains(&n),
            |part| crate::dictionary::decode_stored(part, &remap),
        )?;
        anyhow::ensure!(
            piece.height() == *rows,
            "piece {file:?} holds {} rows where {rows} were written",
            piece.height()
        );
        let offsets: Vec<IdxSize> = (row..end)
            .map(|r| at.get(r).map_or(0, |a| (a & 0xffff_ffff) as IdxSize))
            .collect();
        parts.push(piece.take(&IdxCa::from_vec("offsets".into(), offsets))?);
        row = end;
    }
    let mut parts = parts.into_iter();
    let mut gathered = parts.next().unwrap_or_default();
    for p in parts {
        gathered.vstack_mut_owned(p)?;
    }
    gathered.rechunk_mut();
    let mut columns: Vec<Column> = Vec::with_capacity(df.width() + gathered.width());
    for name in super::canon::CANONICAL_COLUMNS {
        if let Ok(c) = df.column(name).or_else(|_| gathered.column(name)) {
            columns.push(c.clone());
        }
    }
    for c in df.columns() {
        if !super::canon::CANONICAL_COLUMNS.contains(&c.name().as_str()) {
            columns.push(c.clone());
        }
    }
    crate::memory::release();
    Ok(DataFrame::new(df.height(), columns)?)
}

/// Rows read and encoded at a time: the file holds text, and a whole table of it decoded at once
/// was 1.6 GB more at ten million events than the table it is encoded into.
const READ_ROWS: usize = 16 * ROW_GROUP;

/// A cached table's canonical columns (and `AT`), encoded, with the number of columns the file
/// holds.
fn read_canonical(path: &Path, kept: Option<fn(&str) -> bool>) -> PolarsResult<(DataFrame, usize)> {
    let remap = entry_dictionary(path)?;
    read_encoded(
        path,
        |n| {
            (super::canon::CANONICAL_COLUMNS.contains(&n) || n == super::spill::AT)
                && kept.is_none_or(|kept| kept(n))
        },
        |part| crate::dictionary::decode_stored(part, &remap),
    )
}

/// The dictionary of the entry a table file is in, as this process's codes.
fn entry_dictionary(table: &Path) -> PolarsResult<Vec<u32>> {
    let entry = table.parent().unwrap_or(Path::new("."));
    crate::dictionary::read_dictionary(&entry.join(DICTIONARY))
}

/// The columns of a Parquet file that `keep` names, read `READ_ROWS` at a time and each part
/// made encoded by `encode` (`dictionary`), with the number of columns the file holds.
pub(crate) fn read_encoded(
    path: &Path,
    keep: impl Fn(&str) -> bool,
    encode: impl Fn(&mut DataFrame) -> PolarsResult<()> + Sync,
) -> PolarsResult<(DataFrame, usize)> {
    read_encoded_in_turn(&[path], keep, encode)
}

/// `read_encoded` over files holding the rows of one frame in turn, with the same columns (the
/// first file's schema says which).
pub(crate) fn read_encoded_in_turn(
    paths: &[&Path],
    keep: impl Fn(&str) -> bool,
    encode: impl Fn(&mut DataFrame) -> PolarsResult<()> + Sync,
) -> PolarsResult<(DataFrame, usize)> {
    let first = paths
        .first()
        .ok_or_else(|| polars_err!(NoData: "no file to read"))?;
    let schema = ParquetReader::new(std::fs::File::open(first)?).schema()?;
    let canonical: Vec<String> = schema
        .iter_names()
        .filter(|n| keep(n.as_str()))
        .map(|n| n.to_string())
        .collect();
    // Each file's parts, in the files' order: (file, first row).
    let mut starts: Vec<(&Path, usize)> = Vec::new();
    for &path in paths {
        let rows = ParquetReader::new(std::fs::File::open(path)?).num_rows()?;
        starts.extend((0..rows.max(1)).step_by(READ_ROWS).map(|at| (path, at)));
    }
    let part_at = |path: &Path, at: usize| -> PolarsResult<DataFrame> {
        let mut part = ParquetReader::new(std::fs::File::open(path)?)
            .with_columns(Some(canonical.clone()))
            .with_slice(Some((at, READ_ROWS)))
            .finish()?;
        encode(&mut part)?;
        Ok(part)
    };
    // Two parts at a time, one per core: one part's decoding kept about one core busy. A panic
    // in either is re-raised here, where the caller catches it.
    let catching = crate::panics::catching_here();
    let mut parts = Vec::with_capacity(starts.len());
    for pair in starts.chunks(2) {
        let read: Vec<PolarsResult<DataFrame>> = std::thread::scope(|s| {
            let handles: Vec<_> = (pair.iter())
                .map(|&(path, at)| {
                    let part_at = &part_at;
                    s.spawn(move || {
                        let _region = catching.then(crate::panics::Region::enter);
                        part_at(path, at)
                    })
                })
                .collect();
            (handles.into_iter())
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        for part in read {
            parts.push(part?);
        }
    }
    let mut parts = parts.into_iter();
    let mut df = parts.next().unwrap_or_default();
    for p in parts {
        df.vstack_mut_owned(p)?;
    }
    // The parts were decoded on Polars' threads: what they freed goes back to the system.
    crate::memory::release();
    Ok((df, schema.len()))
}

/// Rows of a cached table, every column: `slice` (first row, count) or all of them. `height` is
/// the number of rows the table had when it was read; a file that now holds another number was
/// changed or replaced since, and is not trusted.
pub(super) fn read_rows(
    path: &Path,
    slice: Option<(usize, usize)>,
    height: usize,
) -> Result<DataFrame, String> {
    let gone = |e: &dyn std::fmt::Display| {
        format!(
            "the vendor columns were in the cache file {}, which cannot be read now ({}): open the inputs again to read them",
            crate::sanitize::visible(&path.display().to_string()),
            crate::sanitize::visible(&e.to_string())
        )
    };
    let file = std::fs::File::open(path).map_err(|e| gone(&e))?;
    let read = crate::panics::catch(|| {
        let mut reader = ParquetReader::new(file);
        let rows = reader.num_rows()?;
        if rows != height {
            polars_bail!(ComputeError: "it holds {rows} rows where {height} were read");
        }
        let mut df = reader.with_slice(slice).finish()?;
        if !crate::dictionary::stored_as_codes(&df).is_empty() {
            crate::dictionary::decode_stored(&mut df, &entry_dictionary(path)?)?;
        }
        Ok(df)
    });
    match read {
        Ok(Ok(df)) => Ok(df),
        Ok(Err(e)) => Err(gone(&e)),
        Err(p) => Err(gone(&p)),
    }
}
