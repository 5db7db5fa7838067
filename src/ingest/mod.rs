//! Ingest: turns the files analysts export into one Polars frame per table, plus the roster and the
//! threat intelligence, and accounts for every row it could not keep.

pub mod cache;
pub mod canon;
mod columnar;
pub mod fields;
mod mapped;
pub mod neutral;
mod readers;
pub use readers::parquet_text_command;
pub mod source;
pub mod spill;
pub mod table;
pub mod values;

use crate::intel::Intel;
use crate::networks::Networks;
use crate::roster::Roster;
use canon::TableBuilder;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
pub use table::TableKind;

/// How many rejected rows a file report lists one by one; the rest are counted.
pub const MAX_LISTED_REJECTIONS: usize = 1000;
/// Cells larger than this are rejected with their row: no export column legitimately holds more.
pub const MAX_CELL_BYTES: usize = 1 << 20;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Rejected {
    /// 1-based line (CSV, JSON Lines) or record number (JSON documents, Parquet); 0 for the whole file.
    pub line: u64,
    pub column: String,
    pub reason: String,
}

impl Rejected {
    /// Where in its line, as a message puts it after the line number: ` column Timestamp`, or
    /// nothing for the whole line. A JSON parser's place is already `column 12`, said once.
    pub fn column_place(&self) -> String {
        let column = crate::sanitize::visible(&self.column);
        if column.is_empty() {
            String::new()
        } else if column.starts_with("column ") {
            format!(" {column}")
        } else {
            format!(" column {column}")
        }
    }

    /// A neutralised cell's place, already named (`Application (column 2)`): ` Application
    /// (column 2)`, or nothing when the whole line was.
    pub fn cell_place(&self) -> String {
        let column = crate::sanitize::visible(&self.column);
        if column.is_empty() {
            String::new()
        } else {
            format!(" {column}")
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Events,
    Roster,
    Intel,
    Networks,
    Unreadable,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FileReport {
    pub path: String,
    pub format: String,
    pub gzip: bool,
    pub role: Role,
    /// Rows kept per table.
    pub tables: BTreeMap<String, usize>,
    /// Rows (or roster people, or indicators) kept.
    pub rows: usize,
    pub rejected_count: usize,
    pub rejected: Vec<Rejected>,
    /// Facts about the file that are not rejections (header only, unrecognised, ...).
    pub notes: Vec<String>,
    /// Per table, the columns (and values) that decided it, from the first row that went there.
    pub decided_by: BTreeMap<String, Vec<String>>,
    /// Columns that no table recognition or canonical column reads (kept as vendor columns).
    pub unused_columns: Vec<String>,
    /// Rows dropped because the same event was already read (from this file or an earlier one).
    pub duplicates: usize,
    /// Rows kept with a cell neutralised (NUL, invalid UTF-8, oversized, JSON nested too deep).
    pub neutralised_count: usize,
    /// The first of them: line, column and what was done.
    pub neutralised: Vec<Rejected>,
}

impl FileReport {
    fn new(path: &Path) -> FileReport {
        FileReport {
            path: path.display().to_string(),
            format: String::new(),
            gzip: false,
            role: Role::Events,
            tables: BTreeMap::new(),
            rows: 0,
            rejected_count: 0,
            rejected: Vec::new(),
            notes: Vec::new(),
            decided_by: BTreeMap::new(),
            unused_columns: Vec::new(),
            duplicates: 0,
            neutralised_count: 0,
            neutralised: Vec::new(),
        }
    }

    /// A report for the same file with nothing counted yet (for a chunk read on another thread).
    pub(crate) fn empty_copy(&self) -> FileReport {
        FileReport {
            path: self.path.clone(),
            format: self.format.clone(),
            gzip: self.gzip,
            role: self.role,
            ..FileReport::new(Path::new(""))
        }
    }

    /// Adds a chunk's counts and rejections to this report.
    pub(crate) fn absorb(&mut self, other: FileReport) {
        self.rows += other.rows;
        for (t, n) in other.tables {
            *self.tables.entry(t).or_default() += n;
        }
        self.rejected_count += other.rejected_count;
        let room = MAX_LISTED_REJECTIONS.saturating_sub(self.rejected.len());
        self.rejected.extend(other.rejected.into_iter().take(room));
        self.notes.extend(other.notes);
        for (t, cols) in other.decided_by {
            self.decided_by.entry(t).or_insert(cols);
        }
        if self.unused_columns.is_empty() {
            self.unused_columns = other.unused_columns;
        }
        self.neutralised_count += other.neutralised_count;
        let room = MAX_LISTED_REJECTIONS.saturating_sub(self.neutralised.len());
        self.neutralised
            .extend(other.neutralised.into_iter().take(room));
    }

    /// One line for people: path, format, role, what was kept, rejected, dropped and neutralised.
    pub fn summary(&self) -> String {
        let tables: Vec<String> = self
            .tables
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect();
        let mut s = format!(
            "{}  [{}{}, {:?}] kept {} rejected {}",
            crate::sanitize::visible(&self.path),
            self.format,
            if self.gzip { "+gzip" } else { "" },
            self.role,
            self.rows,
            self.rejected_count
        );
        if self.duplicates > 0 {
            s.push_str(&format!(" duplicates dropped {}", self.duplicates));
        }
        if self.neutralised_count > 0 {
            s.push_str(&format!(" neutralised {}", self.neutralised_count));
        }
        if !tables.is_empty() {
            s.push_str(&format!(" ({})", tables.join(", ")));
        }
        s
    }

    /// A roster row kept, with the cell it left out (a hire date that does not parse), if any.
    pub fn roster_row(&mut self, line: u64, left_out: Option<(String, String)>) {
        self.rows += 1;
        if let Some((column, why)) = left_out {
            self.neutralise(line, column, why);
        }
    }

    /// Counts a row kept with a neutralised cell, and lists the first ones.
    pub fn neutralise(&mut self, line: u64, column: impl Into<String>, what: impl Into<String>) {
        self.neutralised_count += 1;
        if self.neutralised.len() < MAX_LISTED_REJECTIONS {
            self.neutralised.push(Rejected {
                line,
                column: column.into(),
                reason: what.into(),
            });
        }
    }

    pub fn reject(&mut self, line: u64, column: impl Into<String>, reason: impl Into<String>) {
        self.rejected_count += 1;
        if self.rejected.len() < MAX_LISTED_REJECTIONS {
            self.rejected.push(Rejected {
                line,
                column: column.into(),
                reason: reason.into(),
            });
        }
    }
}

/// What the user asked hirescope to read.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    pub paths: Vec<PathBuf>,
    pub roster: Vec<PathBuf>,
    pub intel: Vec<PathBuf>,
    pub networks: Vec<PathBuf>,
    /// Tables the user forces: for one file (or every file below a directory), or for all PATHs.
    pub tables: Vec<(Option<PathBuf>, TableKind)>,
    /// Read what was parsed before from the cache, and write it there (`--no-cache` clears it).
    pub cache: bool,
}

impl Inputs {
    /// The table the user forced for a file, if any: a path-specific choice wins over a global one.
    fn forced_table(&self, file: &Path) -> Option<TableKind> {
        self.tables
            .iter()
            .filter_map(|(p, k)| match p {
                Some(p) if file.starts_with(p) => Some((1, *k)),
                None => Some((0, *k)),
                _ => None,
            })
            .max_by_key(|(rank, _)| *rank)
            .map(|(_, k)| k)
    }
}

/// Where a table's vendor columns are when they are not held.
#[derive(Clone, Debug)]
pub struct OnDisk {
    pub stored: Stored,
    /// How many columns the table has in all, held and not.
    pub columns: usize,
}

#[derive(Clone, Debug)]
pub enum Stored {
    /// The table's own file in the parse cache: every column, row for row.
    Whole(PathBuf),
    /// The pieces the load wrote as it read, in `dir`, by number: a row's `spill::AT` says
    /// which and where (rows whose pieces could not be written have none and are held).
    Pieces {
        dir: PathBuf,
        pieces: BTreeMap<u32, (String, usize)>,
        /// The table's vendor columns in the order a held table has them (first seen, piece by
        /// piece in the table's order), so a row read back lists them as it would held.
        order: Vec<String>,
        /// The export files that hold the vendor columns of pieces written without them.
        sources: Vec<spill::SourceFile>,
    },
}

/// The numbers of the pieces a stacked table's rows came from, in the table's order.
fn piece_order(df: &DataFrame) -> Vec<u32> {
    let Ok(at) = df.column(spill::AT).and_then(|c| c.u64().cloned()) else {
        return Vec::new();
    };
    let mut order: Vec<u32> = Vec::new();
    for id in at.iter().flatten().map(|a| (a >> 32) as u32) {
        if order.last() != Some(&id) && !order.contains(&id) {
            order.push(id);
        }
    }
    order
}

/// A table whose rows carry `spill::AT`: where its pieces are, how many columns it has, and its
/// vendor columns in order (`piece_order`, taken before repeats were dropped, as `stack` saw it).
fn spilled(
    spill: &spill::Spill,
    kind: TableKind,
    df: &DataFrame,
    piece_order: &[u32],
) -> Option<OnDisk> {
    df.column(spill::AT).ok()?;
    let written = spill.pieces_of(kind);
    let mut order: Vec<String> = Vec::new();
    for p in piece_order.iter().filter_map(|id| written.get(id)) {
        for c in &p.columns {
            if !canon::CANONICAL_COLUMNS.contains(&c.as_str()) && !order.contains(c) {
                order.push(c.clone());
            }
        }
    }
    let mut names: std::collections::BTreeSet<String> = written
        .values()
        .flat_map(|p| p.columns.iter().cloned())
        .collect();
    names.extend(df.get_column_names().iter().map(|n| n.to_string()));
    names.remove(spill::AT);
    names.remove(canon::KEY_COLUMN);
    let pieces = written
        .into_iter()
        .map(|(id, p)| (id, (p.file, p.rows)))
        .collect();
    Some(OnDisk {
        stored: Stored::Pieces {
            dir: spill.dir().to_path_buf(),
            pieces,
            order,
            sources: spill.sources(),
        },
        columns: names.len(),
    })
}

/// Everything loaded: a frame per table, the roster, the intel and the account of every file.
#[derive(Default, Clone)]
pub struct Dataset {
    pub tables: BTreeMap<TableKind, DataFrame>,
    /// Tables whose vendor columns are not held: they are in the parse cache (the table's file,
    /// or the pieces written as it was read), read back for the rows a view shows. At ten
    /// million events they are some 5 GB that only the detail view reads.
    pub on_disk: BTreeMap<TableKind, OnDisk>,
    /// The parse cache's entry these tables were written to or read from, when there is one:
    /// the model is cached in it too.
    pub cache_entry: Option<PathBuf>,
    /// The tables were read from the cache with only the columns a cached model leaves them
    /// (`load_for_model`): without such a model, `cache::reread_tables` reads them whole.
    pub slim: bool,
    pub files: Vec<FileReport>,
    pub roster: Roster,
    pub intel: Intel,
    pub networks: Networks,
}

impl Dataset {
    pub fn rows(&self) -> usize {
        self.tables.values().map(|t| t.height()).sum()
    }

    pub fn table(&self, kind: TableKind) -> Option<&DataFrame> {
        self.tables.get(&kind)
    }

    /// How many columns a table was read with, held or not.
    pub fn width(&self, kind: TableKind) -> usize {
        match (self.on_disk.get(&kind), self.tables.get(&kind)) {
            (Some(disk), _) => disk.columns,
            (None, Some(df)) => df.width(),
            (None, None) => 0,
        }
    }

    /// One row of a table with every column it was read with, the vendor's included: from
    /// memory, or read back from the cache file the vendor columns were moved to.
    pub fn row_whole(&self, kind: TableKind, row: i64) -> Result<DataFrame, String> {
        let df = self
            .tables
            .get(&kind)
            .ok_or_else(|| format!("no table {kind}"))?;
        if row < 0 || row as usize >= df.height() {
            return Err(format!("{kind} has no row {row}"));
        }
        let held = df.slice(row, 1);
        let stored = match self.on_disk.get(&kind).map(|d| &d.stored) {
            None => return Ok(held),
            Some(Stored::Whole(path)) => {
                cache::read_rows(path, Some((row as usize, 1)), df.height())?
            }
            Some(Stored::Pieces {
                dir,
                pieces,
                order,
                sources,
            }) => match at_of(df, row as usize) {
                None => return Ok(without_places(held)),
                Some((id, offset)) => {
                    let (file, rows) = pieces
                        .get(&id)
                        .ok_or_else(|| format!("{kind} row {row}: its piece {id} is not known"))?;
                    let one = cache::read_rows(&dir.join(file), Some((offset, 1)), *rows)?;
                    in_order(with_source_columns(one, sources)?, order)
                }
            },
        };
        Ok(without_places(with_columns_of(held, &stored)))
    }

    /// One row of what a table holds (its canonical columns, where the vendor's are in the
    /// cache or the export), for a view that cannot read the rest back.
    pub fn row_held(&self, kind: TableKind, row: i64) -> Option<DataFrame> {
        let df = self.tables.get(&kind)?;
        (row >= 0 && (row as usize) < df.height()).then(|| without_places(df.slice(row, 1)))
    }

    /// A table whole, the vendor's columns included (read back from the cache when they are
    /// there): for the small alert tables, whose vendor columns a detector reads. None when no
    /// such table was loaded; an error, saying why, when its vendor columns cannot be read back
    /// (an export changed since it was read, a cache file gone), so a detector reports it
    /// instead of working on the canonical columns alone.
    pub fn table_whole(
        &self,
        kind: TableKind,
    ) -> Result<Option<std::borrow::Cow<'_, DataFrame>>, String> {
        let Some(df) = self.tables.get(&kind) else {
            return Ok(None);
        };
        let stored = match self.on_disk.get(&kind).map(|d| &d.stored) {
            None => return Ok(Some(std::borrow::Cow::Borrowed(df))),
            Some(Stored::Whole(path)) => cache::read_rows(path, None, df.height())?,
            Some(Stored::Pieces {
                dir,
                pieces,
                sources,
                ..
            }) => {
                // Run by run of rows from one piece (rows keep the pieces' order), each piece
                // read once.
                let mut frames = Vec::new();
                let mut row = 0;
                while row < df.height() {
                    let first = at_of(df, row);
                    let mut end = row + 1;
                    while end < df.height() && at_of(df, end).map(|a| a.0) == first.map(|a| a.0) {
                        end += 1;
                    }
                    let part = match first {
                        None => df.slice(row as i64, end - row),
                        Some((id, _)) => {
                            let (file, rows) = pieces
                                .get(&id)
                                .ok_or_else(|| format!("{kind}: its piece {id} is not known"))?;
                            let piece = cache::read_rows(&dir.join(file), None, *rows)?;
                            let offsets: Vec<IdxSize> = (row..end)
                                .filter_map(|r| at_of(df, r).map(|a| a.1 as IdxSize))
                                .collect();
                            let rows = piece
                                .take(&IdxCa::from_vec("offsets".into(), offsets))
                                .map_err(|e| format!("{kind}: {e}"))?;
                            with_source_columns(rows, sources)?
                        }
                    };
                    frames.push(part);
                    row = end;
                }
                stack(frames).map_err(|e| format!("{kind}: {e}"))?
            }
        };
        Ok(Some(std::borrow::Cow::Owned(without_places(
            with_columns_of(df.clone(), &stored),
        ))))
    }

    /// Stops holding the vendor columns of every table, which are in the cache entry `entry`
    /// (written or read just now): each table keeps its canonical columns.
    pub fn vendor_columns_to(&mut self, entry: &Path) {
        for (kind, df) in self.tables.iter_mut() {
            let keep: Vec<PlSmallStr> = df
                .get_column_names()
                .into_iter()
                .filter(|n| canon::CANONICAL_COLUMNS.contains(&n.as_str()))
                .cloned()
                .collect();
            if let Some(OnDisk {
                stored: Stored::Pieces { dir, .. },
                ..
            }) = self.on_disk.get_mut(kind)
            {
                // Spilled as it was read: only canonical columns are held; the pieces moved
                // with the entry.
                *dir = entry.to_path_buf();
                continue;
            }
            let columns = df.width();
            if let Ok(held) = df.select(keep) {
                *df = held;
                let stored = Stored::Whole(cache::table_file(entry, *kind));
                self.on_disk.insert(*kind, OnDisk { stored, columns });
            }
        }
    }

    pub fn rejected(&self) -> usize {
        self.files.iter().map(|f| f.rejected_count).sum()
    }

    pub fn duplicates(&self) -> usize {
        self.files.iter().map(|f| f.duplicates).sum()
    }

    /// Things the analyst must hear about even without `inspect`: refused indicators, roster
    /// conflicts and unreadable files, each naming its file (and line).
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for f in &self.files {
            if f.role == Role::Unreadable {
                let why = f.rejected.first().map_or("", |r| r.reason.as_str());
                out.push(format!("{}: not read: {why}", f.path));
                continue;
            }
            for r in f
                .rejected
                .iter()
                .filter(|r| r.reason.starts_with("refused"))
            {
                out.push(format!("{} line {}: {}", f.path, r.line, r.reason));
            }
        }
        out.extend(self.roster.conflicts().iter().map(|c| c.to_string()));
        out
    }
}

/// Where row `row` of a table is among the spilled pieces: (piece, row in it).
fn at_of(df: &DataFrame, row: usize) -> Option<(u32, usize)> {
    let at = df.column(spill::AT).ok()?.u64().ok()?.get(row)?;
    Some(((at >> 32) as u32, (at & 0xffff_ffff) as usize))
}

/// Rows of a piece with the vendor columns its `spill::SRC` points to, read again from their
/// export files (and without `SRC`); rows without one keep the vendor columns the piece holds.
pub(super) fn with_source_columns(
    df: DataFrame,
    sources: &[spill::SourceFile],
) -> Result<DataFrame, String> {
    let Ok(src) = df.column(spill::SRC).and_then(|c| c.u64().cloned()) else {
        return Ok(df);
    };
    let (canonical, held): (Vec<Column>, Vec<Column>) = (df.columns().iter())
        .filter(|c| c.name().as_str() != spill::SRC)
        .cloned()
        .partition(|c| {
            let name = c.name().as_str();
            canon::CANONICAL_COLUMNS.contains(&name)
                || name == spill::AT
                || name == canon::KEY_COLUMN
        });
    let held = DataFrame::new(df.height(), held).map_err(|e| e.to_string())?;
    // Run by run of rows from one file (or from the piece itself).
    let mask = (1u64 << spill::SOURCE_SHIFT) - 1;
    let mut parts = Vec::new();
    let mut row = 0;
    while row < src.len() {
        let source = src.get(row).map(|s| s >> spill::SOURCE_SHIFT);
        let mut end = row + 1;
        while end < src.len() && src.get(end).map(|s| s >> spill::SOURCE_SHIFT) == source {
            end += 1;
        }
        let Some(source) = source else {
            parts.push(held.slice(row as i64, end - row));
            row = end;
            continue;
        };
        let file = sources
            .get(source as usize)
            .ok_or_else(|| format!("row {row} points into an export file that is not known"))?;
        let offsets: Vec<u64> = (row..end)
            .map(|r| src.get(r).map_or(0, |s| s & mask))
            .collect();
        parts.push(match file.format {
            spill::SourceFormat::Csv => columnar::records_at(file, &offsets)?,
            spill::SourceFormat::JsonLines => readers::json_records_at(file, &offsets)?,
        });
        row = end;
    }
    let vendor = stack(parts).map_err(|e| e.to_string())?;
    let mut out = DataFrame::new(df.height(), canonical).map_err(|e| e.to_string())?;
    for c in vendor.columns() {
        out.with_column(c.clone()).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// `df` with the columns named in `order` first, in that order, then the rest.
fn in_order(df: DataFrame, order: &[String]) -> DataFrame {
    let mut names: Vec<PlSmallStr> = order
        .iter()
        .filter(|n| df.column(n.as_str()).is_ok())
        .map(|n| PlSmallStr::from(n.as_str()))
        .collect();
    for n in df.get_column_names() {
        if !names.contains(n) {
            names.push(n.clone());
        }
    }
    df.select(names.clone()).unwrap_or(df)
}

/// A row without the columns that only say where it was kept.
fn without_places(df: DataFrame) -> DataFrame {
    df.drop_many([spill::AT, canon::KEY_COLUMN])
}

/// `held` with the columns of `stored` it lacks (the same rows, in the same order).
fn with_columns_of(mut held: DataFrame, stored: &DataFrame) -> DataFrame {
    for c in stored.columns() {
        if held.column(c.name()).is_err() {
            let _ = held.with_column(c.clone());
        }
    }
    held
}

/// Stacks frames of one table whose vendor columns may differ (null-filled where a piece lacks
/// one), and numbers the rows afresh.
fn stack(frames: Vec<DataFrame>) -> PolarsResult<DataFrame> {
    // Each column's name and type as the first piece that has it has it: a piece without it
    // (a vendor column it never saw, or `spill::AT` where a piece could not be written) gets
    // nulls of that type.
    let mut names: Vec<(PlSmallStr, DataType)> = Vec::new();
    for f in &frames {
        for c in f.columns() {
            if !names.iter().any(|(n, _)| n == c.name()) {
                names.push((c.name().clone(), c.dtype().clone()));
            }
        }
    }
    let mut out: Option<DataFrame> = None;
    for f in frames {
        let h = f.height();
        let cols: Vec<Column> = names
            .iter()
            .map(|(n, dtype)| {
                f.column(n)
                    .cloned()
                    .unwrap_or_else(|_| Column::full_null(n.clone(), h, dtype))
            })
            .collect();
        let aligned = DataFrame::new(h, cols)?;
        match &mut out {
            None => out = Some(aligned),
            Some(o) => {
                o.vstack_mut(&aligned)?;
            }
        }
    }
    Ok(out.unwrap_or_default())
}

/// Drops rows that repeat an event already read, counts them per file, and numbers the rows that
/// stay. A row with a vendor event id repeats one with the same id (in any file: ids are unique);
/// a row without one repeats the same projected row only from another file, since two identical
/// rows in one export can be two events in the same second.
fn dedup(df: DataFrame) -> PolarsResult<(DataFrame, BTreeMap<usize, usize>)> {
    let keys = df.column(canon::KEY_COLUMN)?.u64()?.clone();
    let file = df.column("file")?.i64()?.clone();
    // The keys are hashes already: foldhash, not SipHash, over ten million of them.
    let mut first_file: std::collections::HashMap<u64, Option<i64>, foldhash::fast::FixedState> =
        std::collections::HashMap::with_capacity_and_hasher(keys.len(), Default::default());
    let mut any_dup = false;
    let mut repeats: BTreeMap<usize, usize> = BTreeMap::new();
    let mask: BooleanChunked = keys
        .iter()
        .zip(file.iter())
        .map(|(k, f)| {
            let first = match k {
                None => true,
                Some(k) => match first_file.get(&k) {
                    None => {
                        first_file.insert(k, f);
                        true
                    }
                    Some(seen_in) => k & canon::ID_KEY == 0 && *seen_in == f,
                },
            };
            if !first {
                any_dup = true;
                if let Some(f) = f {
                    *repeats.entry(f as usize).or_default() += 1;
                }
            }
            Some(first)
        })
        .collect();
    let mut df = if any_dup { df.filter(&mask)? } else { df };
    df = df.drop(canon::KEY_COLUMN)?;
    let n = df.height() as i64;
    df.with_column(Column::new("row".into(), (0..n).collect::<Vec<i64>>()))?;
    // No rechunk: concatenating the pieces would copy every column for nothing.
    crate::memory::drop_null_buffers(&mut df);
    Ok((df, repeats))
}

/// Counts the rows of `kind` that repeated an event already read in their files' accounts:
/// `repeats` of each file's rows were dropped.
fn count_repeats(files: &mut [FileReport], kind: TableKind, repeats: &BTreeMap<usize, usize>) {
    for (&f, &n) in repeats {
        if let Some(r) = files.get_mut(f) {
            r.duplicates += n;
            r.rows = r.rows.saturating_sub(n);
            if let Some(t) = r.tables.get_mut(kind.name()) {
                *t = t.saturating_sub(n);
            }
        }
    }
}

/// Reads one file's bytes as if from a file named `name` (the fuzz targets and tests use it).
pub fn load_bytes(name: &str, bytes: &[u8], role: Option<Role>) -> Dataset {
    let mut loader = Loader::default();
    let mut report = FileReport::new(Path::new(name));
    match source::decode(bytes.to_vec()) {
        Ok(contents) => loader.contents(contents, role, report),
        Err(e) => {
            report.role = Role::Unreadable;
            report.reject(0, "", e.to_string());
            loader.files.push(report);
        }
    }
    loader.finish()
}

/// Reads every input: from the cache when these inputs were read before (and `cache` is on),
/// else from the files, writing the cache for next time. Never fails as a whole: what cannot be
/// read is reported in `files`.
pub fn load(inputs: &Inputs) -> Dataset {
    load_keeping(inputs, None)
}

/// `load`, for a caller that builds the model next: tables read from the cache hold only the
/// columns `kept` names (those a cached model leaves them), and `Dataset::slim` says so. At ten
/// million events the rest were 4 s of a 19 s reopen, read only to be dropped.
pub fn load_for_model(inputs: &Inputs, kept: fn(&str) -> bool) -> Dataset {
    load_keeping(inputs, Some(kept))
}

fn load_keeping(inputs: &Inputs, kept: Option<fn(&str) -> bool>) -> Dataset {
    let data = if inputs.cache {
        cache::load(inputs, kept, load_fresh_into)
    } else {
        load_fresh(inputs)
    };
    crate::memory::release();
    data
}

/// Reads only the named files as roster, intel or networks (each in its role), for a load whose
/// events came from the cache: these files are small and their facts are not cached.
pub(crate) fn load_roles(files: &[(PathBuf, Role)]) -> Dataset {
    let mut loader = Loader::default();
    for (p, role) in files {
        loader.file(p, Some(*role));
    }
    loader.finish()
}

/// Reads every input from its file.
pub fn load_fresh(inputs: &Inputs) -> Dataset {
    load_fresh_into(inputs, None)
}

/// Reads every input from its file, writing each finished piece of a table to `spill` (when
/// given) and holding only its canonical columns.
pub fn load_fresh_into(inputs: &Inputs, spill: Option<std::sync::Arc<spill::Spill>>) -> Dataset {
    let mut loader = Loader {
        spill,
        ..Loader::default()
    };
    for p in &inputs.roster {
        loader.file(p, Some(Role::Roster));
    }
    for p in &inputs.intel {
        loader.file(p, Some(Role::Intel));
    }
    for p in &inputs.networks {
        loader.file(p, Some(Role::Networks));
    }
    for p in &inputs.paths {
        if !p.exists() {
            let mut r = FileReport::new(p);
            r.role = Role::Unreadable;
            r.reject(0, "", "no such file or directory");
            loader.files.push(r);
            continue;
        }
        let walk = source::expand(p);
        for (path, why) in walk.refused {
            let mut r = FileReport::new(&path);
            r.role = Role::Unreadable;
            r.reject(0, "", why);
            loader.files.push(r);
        }
        for f in walk.files {
            loader.forced_table = inputs.forced_table(&f);
            loader.file(&f, None);
            crate::memory::stage(&format!(
                "read {}",
                crate::sanitize::visible(&f.display().to_string())
            ));
        }
        loader.forced_table = None;
    }
    let data = loader.finish();
    crate::memory::release();
    crate::memory::stage("tables stacked, repeated events dropped");
    data
}

#[derive(Default)]
pub(crate) struct Loader {
    builders: BTreeMap<TableKind, TableBuilder>,
    /// Frames finished by chunk readers, stacked with the builders' rows at the end.
    pieces: BTreeMap<TableKind, Vec<DataFrame>>,
    /// Pieces this loader's own builders finished as they filled (`spill::PIECE_ROWS`): they
    /// come before the builders' last rows and the chunk readers' pieces, in that order.
    flushed: BTreeMap<TableKind, Vec<DataFrame>>,
    /// Where finished pieces' columns go when the vendor's are not held (a cache is made).
    pub(crate) spill: Option<std::sync::Arc<spill::Spill>>,
    files: Vec<FileReport>,
    roster: Roster,
    intel: Intel,
    networks: Networks,
    /// The table the user forced for the file being read (`--table`).
    pub(crate) forced_table: Option<TableKind>,
    /// The files read so far, so a file given twice, or copied into two folders, is read once.
    seen_files: Vec<Seen>,
    /// Threat-intelligence rows of the file being read that were inactive or expired.
    ti_skipped: (usize, usize),
    /// Headers of Purview audit rows with their `AuditData` fields joined, by key list.
    audit_fields: std::collections::HashMap<String, fields::Fields>,
    /// What was neutralised in the row being handed over (set by the reader around `emit`).
    pub(crate) row_flags: Option<String>,
    /// Where the row being read is in its export, when its vendor columns are to be read again
    /// from there (`spill::SRC`): set by the JSON Lines reader around one line's row.
    pub(crate) row_source: Option<u64>,
}

/// A file read: its size, and its content's hash once a file of the same size needed it.
struct Seen {
    len: usize,
    hash: Option<u64>,
    name: String,
    path: Option<PathBuf>,
}

/// The hash of a file's bytes, a stretch at a time, each handed back once hashed (a mapped
/// file's pages). xxh3 runs at memory speed: SipHash took 2.5 s of the main thread over 4.6 GB.
fn content_hash(bytes: &[u8]) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3Default::new();
    for stretch in bytes.chunks(32 << 20) {
        h.update(stretch);
        mapped::release(stretch);
    }
    h.digest()
}

impl Loader {
    fn file(&mut self, path: &Path, forced: Option<Role>) {
        let mut report = FileReport::new(path);
        match source::read(path) {
            Err(e) => {
                report.role = Role::Unreadable;
                report.reject(0, "", e.to_string());
                self.files.push(report);
            }
            Ok(contents) => self.contents_of(contents, forced, report, Some(path)),
        }
    }

    /// The earlier file this one's contents repeat, if any. Only files of the same size are
    /// compared, so a load of distinct files hashes none: hashing every file cost a pass over
    /// each before it was read, on one core, seconds at ten million events. An earlier file is
    /// hashed when first needed, read again from its path.
    fn repeated(
        &mut self,
        bytes: &[u8],
        report: &FileReport,
        path: Option<&Path>,
    ) -> Option<String> {
        let mut hash = None;
        let mut first = None;
        for seen in self.seen_files.iter_mut().filter(|s| s.len == bytes.len()) {
            let h = *hash.get_or_insert_with(|| content_hash(bytes));
            if seen.hash.is_none() {
                seen.hash = (seen.path.as_deref())
                    .and_then(|p| source::read(p).ok())
                    .map(|c| content_hash(&c.bytes));
            }
            if seen.hash == Some(h) {
                first = Some(seen.name.clone());
                break;
            }
        }
        if first.is_none() {
            self.seen_files.push(Seen {
                len: bytes.len(),
                // Bytes with no path (given as bytes) cannot be read again: hashed now.
                hash: hash.or_else(|| path.is_none().then(|| content_hash(bytes))),
                name: report.path.clone(),
                path: path.map(Path::to_path_buf),
            });
        }
        first
    }

    /// Reads one file's contents into its own loader inside a catch region, then takes over what
    /// it read: a panic (a bug) costs that file, reported as its error, and nothing else.
    fn contents(&mut self, contents: source::Contents, forced: Option<Role>, report: FileReport) {
        self.contents_of(contents, forced, report, None)
    }

    /// `contents`, of the file at `path` when it came from one.
    fn contents_of(
        &mut self,
        contents: source::Contents,
        forced: Option<Role>,
        mut report: FileReport,
        path: Option<&Path>,
    ) {
        report.gzip = contents.gzip;
        let format = source::sniff(&contents.bytes);
        report.format = format.name().to_string();
        if let Some(first) = self.repeated(&contents.bytes, &report, path) {
            report.notes.push(format!(
                "identical to {first}: read once, its rows are not counted twice"
            ));
            self.files.push(report);
            return;
        }
        let index = self.files.len();
        let mut sub = Loader {
            forced_table: self.forced_table,
            spill: self.spill.clone(),
            ..Loader::default()
        };
        let mut read = report.clone();
        let outcome = crate::panics::catch(|| {
            readers::read(&mut sub, &contents.bytes, format, forced, index, &mut read);
            read
        });
        match outcome {
            Ok(read) => {
                report = read;
                self.absorb(sub);
            }
            Err(panic) => {
                report.role = Role::Unreadable;
                report.reject(
                    0,
                    "",
                    format!("hirescope failed on this file and used none of it (a bug: please report it): {panic}"),
                );
            }
        }
        if let Some(why) = contents.truncated {
            report.reject(0, "", why);
        }
        self.files.push(report);
    }

    /// Routes one event row to its table.
    pub(crate) fn event(
        &mut self,
        row: &fields::Row,
        forced: Option<TableKind>,
        file: usize,
        line: u64,
        report: &mut FileReport,
    ) {
        let kind = self.table_of(row, forced);
        let builder = self
            .builders
            .entry(kind)
            .or_insert_with(|| TableBuilder::new(kind));
        match builder.push(row, file, line, self.row_flags.as_deref(), self.row_source) {
            Ok(()) => {
                if self
                    .spill
                    .as_ref()
                    .is_some_and(|s| builder.rows() >= s.piece_rows())
                {
                    self.flush(kind);
                }
                self.count_kept(row, kind, forced, report);
            }
            Err(e) => report.reject(line, e.column, e.reason),
        }
    }

    /// The table a row goes to: the one the user forced, the one its source names, or the one
    /// its columns and values say.
    pub(crate) fn table_of(&self, row: &fields::Row, forced: Option<TableKind>) -> TableKind {
        self.forced_table
            .or(forced)
            .unwrap_or_else(|| table::classify(row))
    }

    /// Counts a row kept in `kind`; the table's first row says what decided it.
    pub(crate) fn count_kept(
        &self,
        row: &fields::Row,
        kind: TableKind,
        forced: Option<TableKind>,
        report: &mut FileReport,
    ) {
        report.rows += 1;
        // No allocation per row: the entry exists after the table's first row.
        match report.tables.get_mut(kind.name()) {
            Some(n) => *n += 1,
            None => {
                report.tables.insert(kind.name().to_string(), 1);
                let why = if self.forced_table == Some(kind) {
                    vec!["--table".to_string()]
                } else if forced == Some(kind) {
                    vec!["category".to_string()]
                } else {
                    table::explain(row, kind)
                };
                report.decided_by.insert(kind.name().to_string(), why);
                if report.unused_columns.is_empty() {
                    report.unused_columns = row.fields.unused();
                }
            }
        }
    }

    /// Takes a finished frame of a table, after any rows its builder holds (so rows keep the
    /// order they were read in).
    pub(crate) fn finished(&mut self, kind: TableKind, df: DataFrame) {
        if self.builders.get(&kind).is_some_and(|b| b.rows() > 0) {
            self.flush(kind);
        }
        let kept = self.kept(kind, df);
        self.flushed.entry(kind).or_default().push(kept);
    }

    /// A finished frame of a table as the table keeps it: whole, or its canonical columns when
    /// the rest goes to the spill.
    fn kept(&self, kind: TableKind, df: DataFrame) -> DataFrame {
        match &self.spill {
            Some(spill) => spill.keep_canonical(kind, df),
            None => df,
        }
    }

    /// Finishes a full builder into a piece (spilled), and starts it again.
    fn flush(&mut self, kind: TableKind) {
        let Some(b) = self.builders.insert(kind, TableBuilder::new(kind)) else {
            return;
        };
        if let Ok(df) = b.finish() {
            let kept = self.kept(kind, df);
            self.flushed.entry(kind).or_default().push(kept);
        }
    }

    /// Takes over a chunk reader's rows as finished frames, in the order it read them.
    pub(crate) fn absorb(&mut self, mut other: Loader) {
        let mut kinds: Vec<TableKind> = other.builders.keys().copied().collect();
        kinds.extend(other.flushed.keys().copied());
        kinds.sort();
        kinds.dedup();
        for kind in kinds {
            let mut frames = other.flushed.remove(&kind).unwrap_or_default();
            if let Some(b) = other.builders.remove(&kind) {
                if b.rows() > 0 {
                    if let Ok(df) = b.finish() {
                        frames.push(self.kept(kind, df));
                    }
                }
            }
            self.pieces.entry(kind).or_default().append(&mut frames);
        }
        for (kind, mut frames) in other.pieces {
            self.pieces.entry(kind).or_default().append(&mut frames);
        }
        self.intel.indicators.extend(other.intel.indicators);
        self.networks.ranges.extend(other.networks.ranges);
        for p in other.roster.people {
            self.roster.add(p);
        }
    }

    fn finish(mut self) -> Dataset {
        let mut tables = BTreeMap::new();
        let mut files = self.files;
        let mut kinds: Vec<TableKind> = self.builders.keys().copied().collect();
        kinds.extend(self.pieces.keys().copied());
        kinds.extend(self.flushed.keys().copied());
        kinds.sort();
        kinds.dedup();
        let mut on_disk = BTreeMap::new();
        let mut stacked: Vec<(TableKind, PolarsResult<Vec<DataFrame>>)> = Vec::new();
        for kind in kinds {
            let mut frames: Vec<PolarsResult<DataFrame>> = self
                .flushed
                .remove(&kind)
                .unwrap_or_default()
                .into_iter()
                .map(Ok)
                .collect();
            if let Some(b) = self.builders.remove(&kind) {
                if b.rows() > 0 {
                    frames.push(b.finish().map(|df| match &self.spill {
                        Some(spill) => spill.keep_canonical(kind, df),
                        None => df,
                    }));
                }
            }
            frames.extend(
                self.pieces
                    .remove(&kind)
                    .unwrap_or_default()
                    .into_iter()
                    .map(Ok),
            );
            if !frames.is_empty() {
                stacked.push((kind, frames.into_iter().collect()));
            }
        }
        // Each table stacked and its repeats dropped beside the others: the two large tables'
        // repeat maps are a second each at ten million rows, one per core.
        // A panic in one is re-raised here by `join`, caught where this thread would catch it.
        let catching = crate::panics::catching_here();
        let done: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = stacked
                .into_iter()
                .map(|(kind, frames)| {
                    s.spawn(move || {
                        let _region = catching.then(crate::panics::Region::enter);
                        let result = frames.and_then(stack).and_then(|df| {
                            let order = piece_order(&df);
                            let (df, repeats) = dedup(df)?;
                            Ok((df, order, repeats))
                        });
                        (kind, result)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        for (kind, result) in done {
            match result {
                Ok((df, order, repeats)) => {
                    count_repeats(&mut files, kind, &repeats);
                    if let Some(disk) = self
                        .spill
                        .as_deref()
                        .and_then(|sp| spilled(sp, kind, &df, &order))
                    {
                        on_disk.insert(kind, disk);
                    }
                    tables.insert(kind, df);
                }
                Err(e) => {
                    let mut r = FileReport::new(Path::new(kind.name()));
                    r.role = Role::Unreadable;
                    r.reject(0, "", format!("could not build the {kind} frame: {e}"));
                    files.push(r);
                }
            }
        }
        if let Some(why) = self.spill.as_deref().and_then(spill::Spill::failure) {
            crate::memory::stage(&format!(
                "vendor columns not written to the cache ({}): the rest are held",
                crate::sanitize::visible(&why)
            ));
        }
        Dataset {
            tables,
            on_disk,
            cache_entry: None,
            slim: false,
            files,
            roster: self.roster,
            intel: self.intel,
            networks: self.networks,
        }
    }
}
