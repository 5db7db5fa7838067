//! Where a load puts every column of each finished piece of a table (65,536 rows) when the
//! vendor's columns are not to be held: a Parquet file per piece in the cache entry being made.
//! The table then keeps only its canonical columns and, per row, where the rest is (`AT`: the
//! piece's number and the row's place in it). At ten million events the vendor columns are
//! some 5 GB; a piece's worth is held only while it is being built.

use super::{canon, TableKind};
use polars::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Rows per piece: what a reader holds whole (every column) before it is written.
pub const PIECE_ROWS: usize = 65_536;

/// The column that says where a row's every column is: piece number << 32 | row in the piece.
pub const AT: &str = "_at";

/// A piece's column that says where each row's vendor columns are in its export file, for rows
/// the columnar CSV reader and the JSON Lines fast path read: source number << `SOURCE_SHIFT` |
/// the record's byte offset. Such rows are written with only their canonical columns; the
/// vendor's are read again from the file (`columnar::records_at`, `readers::json_records_at`),
/// which is faster than writing them: at ten million events writing them was a quarter of
/// reading the CSV.
pub const SRC: &str = "_src";

/// Where the source number starts in a `SRC` value: offsets up to a terabyte.
pub const SOURCE_SHIFT: u32 = 40;

/// An export file whose records are read again for their vendor columns: where it is, what it
/// was when it was read (a changed file is not read again), and its header as read.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SourceFile {
    pub path: PathBuf,
    pub size: u64,
    pub modified_ns: i128,
    pub headers: Vec<String>,
    /// The vendor columns its records make, as a table names them (`canon::vendor_name`): a
    /// CSV's, from its header; a JSON Lines file's vary by line and are the pieces' own.
    pub columns: Vec<String>,
    #[serde(default)]
    pub format: SourceFormat,
}

/// How a source's records are read again.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum SourceFormat {
    /// One line each, cut into cells by the header (`columnar::records_at`).
    #[default]
    Csv,
    /// One JSON object a line, read as the JSON Lines reader reads it (`readers::json_records_at`).
    JsonLines,
}

impl SourceFile {
    /// The export at `path` as it is now, with the header it was read with (none for JSON Lines).
    pub fn of(
        path: &Path,
        headers: &[String],
        format: SourceFormat,
    ) -> std::io::Result<SourceFile> {
        let path = std::fs::canonicalize(path)?;
        let meta = std::fs::metadata(&path)?;
        let fields = super::fields::Fields::new(headers);
        Ok(SourceFile {
            size: meta.len(),
            modified_ns: modified_ns(&meta),
            path,
            headers: headers.to_vec(),
            columns: fields.names.iter().map(|n| canon::vendor_name(n)).collect(),
            format,
        })
    }

    /// Why this file's records cannot be read again, as the detail view says it.
    pub fn failed(&self, why: &dyn std::fmt::Display) -> String {
        format!(
            "the vendor columns are in {}, which cannot be read again ({why}): open the inputs again to read them",
            crate::sanitize::visible(&self.path.display().to_string()),
        )
    }

    /// The file opened to read records again, when it is still the one that was read.
    pub fn open(&self) -> Result<std::fs::File, String> {
        self.unchanged().map_err(|e| self.failed(&e))?;
        std::fs::File::open(&self.path).map_err(|e| self.failed(&e))
    }

    /// Whether the file is still the one that was read (same size and modification time).
    pub fn unchanged(&self) -> Result<(), String> {
        let now = std::fs::metadata(&self.path).map_err(|e| e.to_string())?;
        if now.len() != self.size || modified_ns(&now) != self.modified_ns {
            return Err("it changed since it was read".into());
        }
        Ok(())
    }
}

fn modified_ns(meta: &std::fs::Metadata) -> i128 {
    use std::os::unix::fs::MetadataExt;
    meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128
}

/// One piece written.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Piece {
    pub table: String,
    pub file: String,
    pub rows: usize,
    pub columns: Vec<String>,
}

pub struct Spill {
    dir: PathBuf,
    next: AtomicU32,
    piece_rows: AtomicUsize,
    written: Mutex<BTreeMap<u32, Piece>>,
    /// The export files pieces point into (`SRC`), by number.
    sources: Mutex<Vec<SourceFile>>,
    /// The first write that failed: from then on pieces are held whole.
    failed: Mutex<Option<String>>,
}

impl Spill {
    pub fn new(dir: PathBuf) -> Spill {
        Spill {
            dir,
            next: AtomicU32::new(0),
            piece_rows: AtomicUsize::new(PIECE_ROWS),
            written: Mutex::new(BTreeMap::new()),
            sources: Mutex::new(Vec::new()),
            failed: Mutex::new(None),
        }
    }

    /// Rows a builder holds before its piece is written.
    pub fn piece_rows(&self) -> usize {
        self.piece_rows.load(Ordering::Relaxed)
    }

    /// Smaller pieces, for tests that want many.
    pub fn set_piece_rows(&self, rows: usize) {
        self.piece_rows.store(rows.max(1), Ordering::Relaxed);
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Why pieces stopped being written, if they did.
    pub fn failure(&self) -> Option<String> {
        self.failed.lock().ok().and_then(|f| f.clone())
    }

    /// Registers an export file whose records pieces may point into, and gives its number; None
    /// when the file cannot be looked at (its vendor columns are then written with the pieces).
    pub fn source(&self, path: &Path, headers: &[String], format: SourceFormat) -> Option<u32> {
        let file = SourceFile::of(path, headers, format).ok()?;
        let mut sources = self.sources.lock().ok()?;
        let n = u32::try_from(sources.len()).ok()?;
        sources.push(file);
        Some(n)
    }

    /// The export files pieces point into, by number.
    pub fn sources(&self) -> Vec<SourceFile> {
        self.sources.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The export file the first row of a piece with `SRC` that has one points into.
    fn source_of(&self, df: &DataFrame) -> Option<SourceFile> {
        let first = df.column(SRC).ok()?.u64().ok()?.iter().flatten().next()?;
        let sources = self.sources.lock().ok()?;
        sources.get((first >> SOURCE_SHIFT) as usize).cloned()
    }

    /// A finished piece to be held in memory, since it cannot be written: whole. Rows that point
    /// into their export (`SRC`) were built with only the vendor columns derived ones come from,
    /// so the rest are read from the export now; if that fails too, the row keeps what it has.
    fn held_whole(&self, df: DataFrame) -> DataFrame {
        if df.column(SRC).is_err() {
            return df;
        }
        match super::with_source_columns(df.clone(), &self.sources()) {
            Ok(whole) => whole,
            Err(_) => df.drop(SRC).unwrap_or(df),
        }
    }

    /// The pieces written for a table, by number.
    pub fn pieces_of(&self, kind: TableKind) -> BTreeMap<u32, Piece> {
        self.written
            .lock()
            .map(|w| {
                w.iter()
                    .filter(|(_, p)| p.table == kind.name())
                    .map(|(id, p)| (*id, p.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Writes a finished piece whole and returns what its table keeps: the canonical columns,
    /// the duplicate key and `AT`. When it cannot be written, the piece is kept whole. A piece
    /// with a `SRC` column is written without its vendor columns, which its export file holds.
    pub fn keep_canonical(&self, kind: TableKind, df: DataFrame) -> DataFrame {
        let in_source = df.column(SRC).is_ok();
        if df.height() == 0 || self.failure().is_some() {
            return self.held_whole(df);
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let file = format!("{}.{id:06}.parquet", kind.name());
        let whole = df.drop_many([canon::KEY_COLUMN, SRC]);
        // Rows read again from their export need only their canonical columns written; a piece
        // that also has rows that cannot be (`SRC` missing) keeps its vendor columns too, and
        // those rows are read from it.
        let every_row_in_source = df.column(SRC).is_ok_and(|c| c.null_count() == 0);
        let stored = match every_row_in_source {
            true => df.select(
                whole
                    .get_column_names()
                    .into_iter()
                    .filter(|n| canon::CANONICAL_COLUMNS.contains(&n.as_str()))
                    .cloned()
                    .chain([PlSmallStr::from(SRC)]),
            ),
            false => Ok(df.drop(canon::KEY_COLUMN).unwrap_or_else(|_| df.clone())),
        };
        // Encoded columns as their codes, as the tables store them (the entry's dictionary is
        // written once the load is over): writing their text meant decoding every one first,
        // and Parquet then hashed the text again to encode it.
        let written = stored
            .and_then(|s| crate::dictionary::to_codes(&s))
            .and_then(|(codes, _)| super::cache::write_table(&codes, &self.dir.join(&file)));
        if let Err(e) = written {
            if let Ok(mut f) = self.failed.lock() {
                f.get_or_insert_with(|| e.to_string());
            }
            return self.held_whole(df);
        }
        // Every column the piece has, written or in its source, as a held piece would list them.
        // A CSV's vendor columns are all of its header's, in its order, though only some were
        // built; a JSON Lines piece has every one it saw.
        let names = |vendor: bool| {
            whole
                .get_column_names()
                .into_iter()
                .filter(move |n| canon::CANONICAL_COLUMNS.contains(&n.as_str()) != vendor)
                .map(|n| n.to_string())
        };
        let mut columns: Vec<String> = names(false).collect();
        if in_source {
            columns.extend(self.source_of(&df).map(|s| s.columns).unwrap_or_default());
        }
        for n in names(true) {
            if !columns.contains(&n) {
                columns.push(n);
            }
        }
        if let Ok(mut w) = self.written.lock() {
            let rows = df.height();
            let table = kind.name().to_string();
            w.insert(
                id,
                Piece {
                    table,
                    file,
                    rows,
                    columns,
                },
            );
        }
        let keep: Vec<PlSmallStr> = df
            .get_column_names()
            .into_iter()
            .filter(|n| {
                canon::CANONICAL_COLUMNS.contains(&n.as_str()) || n.as_str() == canon::KEY_COLUMN
            })
            .cloned()
            .collect();
        let at: Vec<u64> = (0..df.height() as u64)
            .map(|i| ((id as u64) << 32) | i)
            .collect();
        match df.select(keep) {
            Ok(mut kept) => match kept.with_column(Column::new(AT.into(), at)) {
                Ok(_) => kept,
                Err(_) => df.drop(SRC).unwrap_or(df),
            },
            Err(_) => df.drop(SRC).unwrap_or(df),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(rows: usize) -> DataFrame {
        let n = rows as u64;
        DataFrame::new(
            rows,
            vec![
                Column::new("account".into(), vec!["a@x.example"; rows]),
                Column::new("Foo".into(), vec!["vendor"; rows]),
                Column::new(canon::KEY_COLUMN.into(), (0..n).collect::<Vec<u64>>()),
            ],
        )
        .unwrap()
    }

    /// A piece written keeps its canonical columns and where it went; one that cannot be written
    /// is kept whole, and the two still stack into one table (the rows of the second with no
    /// place, the first's with no vendor column).
    #[test]
    fn written_and_unwritten_pieces_stack() {
        let dir = tempfile::tempdir().unwrap();
        let spill = Spill::new(dir.path().to_path_buf());
        let kept = spill.keep_canonical(TableKind::CloudAppEvents, piece(3));
        assert!(kept.column("Foo").is_err() && kept.column(AT).is_ok());
        assert_eq!(spill.pieces_of(TableKind::CloudAppEvents).len(), 1);

        let gone = Spill::new(dir.path().join("no such folder"));
        let whole = gone.keep_canonical(TableKind::CloudAppEvents, piece(2));
        assert!(gone.failure().is_some());
        assert!(whole.column("Foo").is_ok() && whole.column(AT).is_err());

        let table = super::super::stack(vec![kept, whole]).unwrap();
        assert_eq!(table.height(), 5);
        let at = table.column(AT).unwrap().u64().unwrap().clone();
        assert_eq!(at.null_count(), 2);
        assert_eq!(table.column("Foo").unwrap().null_count(), 3);
    }
}
