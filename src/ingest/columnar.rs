//! The body of a large events CSV read a stretch at a time into columns: one scan finds every
//! cell, the vendor's columns are built from those places at once, and only the canonical values
//! are worked out row by row. At ten million rows this is most of the reading time saved: the row
//! reader copies every cell into a builder, one at a time.
//!
//! A stretch this scan cannot vouch for is read by the row reader instead, which neutralises,
//! rejects and numbers lines cell by cell: a NUL, invalid UTF-8, a line longer than the cell
//! limit, a blank line, a record over several lines, quoting outside RFC 4180, or a row of the
//! wrong width. So a hostile or unusual file reads exactly as before; only its clean stretches are
//! faster.

use super::canon::{derived_inputs, vendor_name, TableBuilder};
use super::fields::{Fields, Row, K};
use super::readers::{count_newlines, csv_records, Header};
use super::spill::{SourceFile, SOURCE_SHIFT, SRC};
use super::{mapped, FileReport, Loader, Role, TableKind, MAX_CELL_BYTES};
use polars::prelude::*;

/// Bytes of CSV read at once: about a spilled piece's rows, so a reader holds one at a time.
const STRETCH_BYTES: usize = 16 << 20;

/// Whether a header's rows can be read column by column: not when a cell holds more columns
/// (a Purview `AuditData` object, a KQL `make_set` array), which the row reader unfolds.
pub(super) fn suits(fields: &Fields) -> bool {
    fields.array.is_none() && !fields.has(K::AuditData)
}

/// The records of a CSV body (no header), with `line_offset` lines before it in the file, as
/// `csv_records` reads them: an events export's column by column where its header allows (and
/// the row reader's for the rest), anything else row by row. Returns how many records it saw.
pub(super) fn csv_body(
    loader: &mut Loader,
    body: &[u8],
    line_offset: u64,
    header: Header,
    role: Role,
    report: &mut FileReport,
) -> usize {
    if role == Role::Events && suits(header.fields) {
        csv_body_by(loader, body, line_offset, header, report, STRETCH_BYTES)
    } else {
        csv_records(loader, body, line_offset, header, role, report)
    }
}

/// `csv_body` in stretches of about `stretch_bytes`.
fn csv_body_by(
    loader: &mut Loader,
    body: &[u8],
    line_offset: u64,
    header: Header,
    report: &mut FileReport,
    stretch_bytes: usize,
) -> usize {
    let Header {
        headers,
        fields,
        file,
        origin,
    } = header;
    let width = headers.len();
    // Where the records are in their file, when the vendor columns stay there: then only the
    // vendor columns the canonical ones are derived from are built.
    let origin = origin.filter(|_| loader.spill.is_some());
    let keep = match origin {
        Some(_) => derived_inputs(
            &fields
                .names
                .iter()
                .map(|n| vendor_name(n))
                .collect::<Vec<_>>(),
        ),
        None => vec![true; fields.names.len()],
    };
    let mut seen = 0;
    let mut lines = line_offset;
    let mut start = 0;
    while start < body.len() {
        // Each stretch is cut and checked as it is reached, so only its pages are looked at
        // before they are handed back.
        let (end, cells) = stretch_at(body, start, width, stretch_bytes);
        let stretch = &body[start..end];
        let records = origin.map(|o| (o.source, (stretch.as_ptr() as usize - o.base) as u64));
        let columnar = cells.and_then(|cells| {
            let stretch = Stretch {
                text: vouched_text(stretch, &cells, width)?,
                cells: &cells,
                width,
                records,
            };
            Some(rows_of(
                loader, fields, &stretch, &keep, file, lines, report,
            ))
        });
        seen += match columnar {
            Some(n) => n,
            None => csv_records(loader, stretch, lines, header, Role::Events, report),
        };
        lines += count_newlines(stretch);
        mapped::release(stretch);
        start = end;
    }
    seen
}

/// A vouched-for stretch: its text, where its cells are, how many a record has, and (when its
/// vendor columns stay in the file) the file's source number and the stretch's offset in it.
struct Stretch<'a> {
    text: &'a str,
    cells: &'a Cells,
    width: usize,
    records: Option<(u32, u64)>,
}

/// Where each cell of a stretch is: its text's start and end in the stretch (inside the quotes
/// of a quoted cell), a record's cells one after another.
struct Cells {
    records: usize,
    spans: Vec<(u32, u32)>,
    /// Where each record starts in the stretch.
    starts: Vec<u32>,
}

/// Marks a span's end when the quoted cell holds escaped quotes (`""`), to be unescaped.
const ESCAPED: u32 = 1 << 31;

/// Where the stretch of records from `start` ends (after the first record end at least
/// `target` bytes on, or the end of the body), and where its cells are when each record is one
/// line as wide as the header (`width` cells), none blank and none longer than the cell limit;
/// None otherwise. Quotes are followed as RFC 4180 has them (the chunk cutting does the same),
/// and only RFC 4180 quoting is vouched for: a quote inside an unquoted cell (`5" screen`) or
/// text after a closing quote (`"a" b`) is where CSV readers differ, so such a stretch goes to
/// the row reader.
fn stretch_at(body: &[u8], start: usize, width: usize, target: usize) -> (usize, Option<Cells>) {
    let mut records = 0usize;
    let mut spans: Vec<(u32, u32)> = Vec::new();
    let mut starts: Vec<u32> = Vec::new();
    let mut commas = 0usize;
    let mut inside = false;
    let mut whole = true;
    let mut line_start = start;
    let mut cell_start = start;
    let mut escaped = false;
    // Where the last quoted cell closed: a quote right after it is an escaped quote (`""`).
    let mut closed = usize::MAX;
    // A cell's text: inside its quotes when it opened with one, without a line's CR otherwise.
    // Offsets fit 31 bits: a stretch is the target plus at most one line of the cell limit.
    let span = |cell_start: usize, end: usize, closed: usize, escaped: bool| {
        let quoted = body.get(cell_start) == Some(&b'"') && closed >= cell_start && closed < end;
        let (a, b) = if quoted {
            (cell_start + 1, closed)
        } else if end > cell_start && body[end - 1] == b'\r' {
            (cell_start, end - 1)
        } else {
            (cell_start, end)
        };
        let flag = if quoted && escaped { ESCAPED } else { 0 };
        ((a - start) as u32, (b - start) as u32 | flag)
    };
    for i in memchr::memchr3_iter(b'"', b',', b'\n', &body[start..]).map(|i| i + start) {
        match body[i] {
            b'"' if inside => {
                inside = false;
                closed = i;
                whole &= matches!(body.get(i + 1), None | Some(b',' | b'\n' | b'\r' | b'"'));
            }
            b'"' => {
                inside = true;
                let again = closed.wrapping_add(1) == i && i > cell_start;
                escaped |= again;
                whole &= again || i == cell_start;
            }
            b',' if inside => {}
            b',' => {
                commas += 1;
                spans.push(span(cell_start, i, closed, escaped));
                cell_start = i + 1;
                escaped = false;
            }
            _ if inside => whole = false,
            _ => {
                let line = &body[line_start..i];
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                whole &= !line.is_empty() && line.len() <= MAX_CELL_BYTES && commas + 1 == width;
                spans.push(span(cell_start, i, closed, escaped));
                starts.push((line_start - start) as u32);
                records += 1;
                commas = 0;
                line_start = i + 1;
                cell_start = i + 1;
                escaped = false;
                if i + 1 - start >= target {
                    let cells = Cells {
                        records,
                        spans,
                        starts,
                    };
                    return (i + 1, whole.then_some(cells));
                }
            }
        }
    }
    if line_start < body.len() {
        let line = &body[line_start..];
        whole &= !inside && line.len() <= MAX_CELL_BYTES && commas + 1 == width;
        spans.push(span(cell_start, body.len(), closed, escaped));
        starts.push((line_start - start) as u32);
        records += 1;
    }
    let cells = Cells {
        records,
        spans,
        starts,
    };
    (body.len(), whole.then_some(cells))
}

/// Hands a stretch's rows to their tables, a piece at a time, with the vendor columns `keep`
/// marks and, when the rest stay in the file, where each row is in it (`spill::SRC`);
/// `first_line` lines come before the stretch in the file. Returns how many records it had.
fn rows_of(
    loader: &mut Loader,
    fields: &Fields,
    stretch: &Stretch,
    keep: &[bool],
    file: usize,
    first_line: u64,
    report: &mut FileReport,
) -> usize {
    let records = stretch.cells.records;
    let piece = loader
        .spill
        .as_ref()
        .map_or(records, |s| s.piece_rows())
        .max(1);
    // A field's unescaped text, when its cell held escaped quotes.
    let mut unescaped: Vec<String> = vec![String::new(); fields.names.len()];
    let mut chosen: Vec<Option<(usize, usize)>> = vec![None; fields.names.len()];
    let mut room: Vec<Option<&str>> = Vec::with_capacity(fields.names.len());
    let mut start = 0;
    while start < records {
        let end = (start + piece).min(records);
        // Rows go to their tables in the order read; a stretch nearly always has one table.
        let mut tables: Vec<(TableKind, TableBuilder, VendorColumns, Vec<u32>)> = Vec::new();
        for i in start..end {
            let record = &stretch.cells.spans[i * stretch.width..(i + 1) * stretch.width];
            let values = std::mem::take(&mut room);
            let values = record_values(
                stretch.text,
                record,
                fields,
                &mut unescaped,
                &mut chosen,
                values,
            );
            let row = Row {
                fields,
                values: &values,
            };
            let line = first_line + i as u64 + 1;
            let kind = loader.table_of(&row, None);
            let at = match tables.iter().position(|(k, ..)| *k == kind) {
                Some(at) => at,
                None => {
                    let vendor = VendorColumns::new(fields, keep, end - start);
                    tables.push((kind, TableBuilder::new(kind), vendor, Vec::new()));
                    tables.len() - 1
                }
            };
            let (_, builder, vendor, rows) = &mut tables[at];
            match builder.push_canonical(&row, file, line) {
                Ok(()) => {
                    vendor.push(&values);
                    rows.push(i as u32);
                    loader.count_kept(&row, kind, None, report);
                }
                Err(e) => report.reject(line, e.column, e.reason),
            }
            room = recycled(values);
        }
        for (kind, builder, vendor, rows) in tables {
            if rows.is_empty() {
                continue;
            }
            let src = stretch.records.map(|(source, offset)| {
                let base = (source as u64) << SOURCE_SHIFT | offset;
                let starts = &stretch.cells.starts;
                let at: Vec<u64> = rows
                    .iter()
                    .map(|&r| base + starts[r as usize] as u64)
                    .collect();
                Column::new(SRC.into(), at)
            });
            let frame = builder.finish_with_vendor(vendor.finish(rows.len()));
            let frame = match src {
                Some(src) => frame.and_then(|mut f| {
                    f.with_column(src)?;
                    Ok(f)
                }),
                None => frame,
            };
            match frame {
                Ok(frame) => loader.finished(kind, frame),
                Err(e) => report.reject(
                    first_line + start as u64 + 1,
                    "",
                    format!("could not build the {kind} rows from here: {e}"),
                ),
            }
        }
        start = end;
    }
    records
}

/// One record's values as `Row` has them, into `values` (emptied first, its room kept): each
/// field's first cell (of its twins) that is present, unescaped into `unescaped`.
fn record_values<'t>(
    text: &'t str,
    record: &[(u32, u32)],
    fields: &Fields,
    unescaped: &'t mut [String],
    chosen: &mut [Option<(usize, usize)>],
    values: Vec<Option<&str>>,
) -> Vec<Option<&'t str>> {
    for ((choice, sources), out) in chosen
        .iter_mut()
        .zip(&fields.sources)
        .zip(unescaped.iter_mut())
    {
        *choice = None;
        for &source in sources {
            let Some(&(a, b)) = record.get(source) else {
                continue;
            };
            let (a, b, escaped) = (a as usize, (b & !ESCAPED) as usize, b & ESCAPED != 0);
            let cell = text.get(a..b).unwrap_or_default();
            if escaped {
                unescape_into(cell, out);
            }
            let cell = if escaped { out.as_str() } else { cell };
            if !cell.is_empty() && cell != "null" {
                *choice = Some(match escaped {
                    true => (usize::MAX, 0),
                    false => (a, b),
                });
                break;
            }
        }
    }
    let mut values = recycled(values);
    for (choice, out) in chosen.iter().zip(unescaped.iter()) {
        values.push(match *choice {
            None => None,
            Some((usize::MAX, _)) => Some(out.as_str()),
            Some((a, b)) => text.get(a..b),
        });
    }
    values
}

/// An emptied vector of borrowed values, its room kept for values of another lifetime.
fn recycled<'b>(mut values: Vec<Option<&str>>) -> Vec<Option<&'b str>> {
    values.clear();
    values.into_iter().map(|_| None).collect()
}

/// The text of a stretch the scan vouched for, unless it holds a bare CR, a NUL or invalid
/// UTF-8, which the row reader neutralises and flags.
fn vouched_text<'a>(stretch: &'a [u8], cells: &Cells, width: usize) -> Option<&'a str> {
    let bare_cr = memchr::memchr_iter(b'\r', stretch).any(|i| stretch.get(i + 1) != Some(&b'\n'));
    if bare_cr || memchr::memchr(0, stretch).is_some() {
        return None;
    }
    // Spans hold 31-bit offsets (the top bit marks escaped quotes): a stretch is its target plus
    // at most one line of the cell limit, far below that, and a larger one is not vouched for.
    if stretch.len() >= ESCAPED as usize || cells.spans.len() != cells.records * width {
        return None;
    }
    std::str::from_utf8(stretch).ok()
}

/// The vendor's columns of a vouched-for stretch as the row reader keeps them, those `keep`
/// marks: one per header name, twins merged (the first present value wins), empty cells and
/// `null` missing.
fn vendor_columns(
    text: &str,
    cells: &Cells,
    width: usize,
    fields: &Fields,
    keep: &[bool],
) -> DataFrame {
    let mut columns = VendorColumns::new(fields, keep, cells.records);
    let mut unescaped: Vec<String> = vec![String::new(); fields.names.len()];
    let mut chosen: Vec<Option<(usize, usize)>> = vec![None; fields.names.len()];
    let mut room: Vec<Option<&str>> = Vec::with_capacity(fields.names.len());
    for record in cells.spans.chunks_exact(width) {
        let values = std::mem::take(&mut room);
        let values = record_values(text, record, fields, &mut unescaped, &mut chosen, values);
        columns.push(&values);
        room = recycled(values);
    }
    columns.finish(cells.records)
}

/// Builders of the vendor columns `keep` marks, filled a record's values at a time.
struct VendorColumns {
    columns: Vec<(usize, StringChunkedBuilder)>,
}

impl VendorColumns {
    fn new(fields: &Fields, keep: &[bool], rows: usize) -> VendorColumns {
        let columns = (fields.names.iter().enumerate())
            .filter(|(i, _)| keep.get(*i) == Some(&true))
            .map(|(i, name)| {
                let name = vendor_name(name);
                (i, StringChunkedBuilder::new(name.as_str().into(), rows))
            })
            .collect();
        VendorColumns { columns }
    }

    fn push(&mut self, values: &[Option<&str>]) {
        for (i, column) in &mut self.columns {
            column.append_option(values.get(*i).copied().flatten());
        }
    }

    fn finish(self, rows: usize) -> DataFrame {
        let columns: Vec<Column> = (self.columns.into_iter())
            .map(|(_, c)| c.finish().into_column())
            .collect();
        // Columns of `rows` values each, so the frame is well formed.
        DataFrame::new(rows, columns).unwrap_or_default()
    }
}

/// The vendor columns of the records of `source` that start at `offsets`, in that order, read
/// again from the file as the reader read them (`spill::SRC`). An error says why not: the file is
/// gone, changed since, or no longer holds a record there.
pub(super) fn records_at(source: &SourceFile, offsets: &[u64]) -> Result<DataFrame, String> {
    let failed = |why: &dyn std::fmt::Display| source.failed(why);
    let file = source.open()?;
    // The records, one line each as they were when read, one after another.
    let mut lines: Vec<u8> = Vec::new();
    for &offset in offsets {
        let line =
            super::source::line_at(&file, offset, MAX_CELL_BYTES + 2).map_err(|e| failed(&e))?;
        lines.extend_from_slice(&line);
        lines.push(b'\n');
    }
    let fields = Fields::new(&source.headers);
    let width = source.headers.len();
    let (_, cells) = stretch_at(&lines, 0, width, usize::MAX);
    let every = vec![true; fields.names.len()];
    cells
        .filter(|c| c.records == offsets.len())
        .and_then(|c| {
            Some(vendor_columns(
                vouched_text(&lines, &c, width)?,
                &c,
                width,
                &fields,
                &every,
            ))
        })
        .ok_or_else(|| failed(&"it no longer holds the records read from it"))
}

/// A quoted cell's text with each escaped quote (`""`) made one, into `out`. Inside a vouched-for
/// quoted cell every quote is the first of such a pair.
fn unescape_into(cell: &str, out: &mut String) {
    out.clear();
    let mut from = 0;
    for at in memchr::memchr_iter(b'"', cell.as_bytes()) {
        if at >= from {
            out.push_str(&cell[from..=at]);
            from = at + 2;
        }
    }
    out.push_str(cell.get(from..).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows the row reader and this reader keep from one body, as frames and reports.
    fn both(body: &str, stretch: usize) -> ((DataFrame, FileReport), (DataFrame, FileReport)) {
        let header_line = body.lines().next().unwrap();
        let headers: Vec<String> = header_line.split(',').map(str::to_string).collect();
        let fields = Fields::new(&headers);
        let rest = &body.as_bytes()[header_line.len() + 1..];
        let header = Header {
            headers: &headers,
            fields: &fields,
            file: 0,
            origin: None,
        };
        let read = |columnar: bool| {
            let mut loader = Loader::default();
            let mut report = FileReport::new(std::path::Path::new("t.csv"));
            if columnar {
                csv_body_by(&mut loader, rest, 1, header, &mut report, stretch);
            } else {
                csv_records(&mut loader, rest, 1, header, Role::Events, &mut report);
            }
            let data = loader.finish();
            let df = data.tables.values().next().cloned().unwrap_or_default();
            (df, report)
        };
        (read(false), read(true))
    }

    fn same(body: &str) -> (DataFrame, FileReport) {
        same_by(body, STRETCH_BYTES)
    }

    fn same_by(body: &str, stretch: usize) -> (DataFrame, FileReport) {
        let ((rows_df, rows_rep), (cols_df, cols_rep)) = both(body, stretch);
        assert_eq!(rows_df.get_column_names(), cols_df.get_column_names());
        assert!(
            rows_df.equals_missing(&cols_df),
            "row reader:\n{rows_df}\ncolumnar:\n{cols_df}"
        );
        assert_eq!(rows_rep.rows, cols_rep.rows);
        assert_eq!(rows_rep.rejected, cols_rep.rejected);
        assert_eq!(rows_rep.tables, cols_rep.tables);
        assert_eq!(rows_rep.decided_by, cols_rep.decided_by);
        (cols_df, cols_rep)
    }

    /// The stretch of a whole small body as the columnar reader takes it, if it does.
    fn vouched(body: &[u8]) -> Option<DataFrame> {
        let (end, cells) = stretch_at(body, 0, 10, usize::MAX);
        assert_eq!(end, body.len());
        let headers: Vec<String> = HEADER.split(',').map(str::to_string).collect();
        let cells = cells?;
        let text = vouched_text(body, &cells, 10)?;
        Some(vendor_columns(
            text,
            &cells,
            10,
            &Fields::new(&headers),
            &[true; 10],
        ))
    }

    const HEADER: &str = "Timestamp,Application,ActionType,AccountId,IPAddress,CountryCode,UserAgent,ObjectName,RawEventData,ReportId";

    /// With the vendor columns left in the file (a cache being written), the pieces hold only the
    /// canonical ones and where each record is; every row read back from the file is the row the
    /// row reader holds, and a file changed since is refused with a message.
    #[test]
    fn vendor_columns_are_read_back_from_the_file() {
        let body = format!(
            "{HEADER}\r\n\
             2026-08-03T11:37:36.2160000Z,Microsoft Teams,MessageSent,A@x.example,73.42.118.9,US,\"Mozilla/5.0 (X, Y)\",chat,\"{{\"\"a\"\"\"\":1}}\",r1\r\n\
             2026-08-03T11:38:36Z,Microsoft Teams,MessageSent,b@x.example,2001:DB8::1,,null,\"say \"\"hi\"\"\",,r2\r\n\
             not a time,Microsoft Teams,MessageSent,b@x.example,10.0.0.1,US,ua,o,,r3\r\n\
             2026-08-03T11:39:36Z,Workday,,c@x.example, 10.0.0.2 ,US,ua,o,,r4\r\n\
             2026-08-03T11:40:36Z,Workday,,d@x.example,10.0.0.3,US,ua,\"two\r\nlines\",,r5\r\n\
             2026-08-03T11:41:36Z,Workday,,e@x.example,10.0.0.4,US,ua,o,,r6"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cloud.csv");
        std::fs::write(&path, &body).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let headers: Vec<String> = HEADER.split(',').map(str::to_string).collect();
        let fields = Fields::new(&headers);
        let rest = &bytes[HEADER.len() + 2..];
        let read = |spill: Option<std::sync::Arc<super::super::spill::Spill>>| {
            let origin = spill.as_ref().map(|s| super::super::readers::Origin {
                source: s
                    .source(&path, &headers, super::super::spill::SourceFormat::Csv)
                    .unwrap(),
                base: bytes.as_ptr() as usize,
            });
            let header = Header {
                headers: &headers,
                fields: &fields,
                file: 0,
                origin,
            };
            let mut loader = Loader {
                spill,
                ..Loader::default()
            };
            let mut report = FileReport::new(&path);
            // A stretch a record: the one over two lines goes to the row reader, whose piece
            // keeps its vendor columns, beside pieces that point into the file.
            csv_body_by(&mut loader, rest, 1, header, &mut report, 64);
            loader.finish()
        };
        let held = read(None);
        let pieces = dir.path().join("pieces");
        std::fs::create_dir(&pieces).unwrap();
        let spilled = read(Some(std::sync::Arc::new(super::super::spill::Spill::new(
            pieces.clone(),
        ))));
        let kind = TableKind::CloudAppEvents;
        // The pieces' codes are read with the entry's dictionary, written once a load is over.
        crate::dictionary::write_dictionary(&pieces.join("dictionary.parquet")).unwrap();
        let whole = held.table(kind).unwrap();
        assert_eq!(whole.height(), 5);
        assert!(spilled.table(kind).unwrap().column("ReportId").is_err());
        assert_eq!(spilled.width(kind), held.width(kind));
        for row in 0..whole.height() as i64 {
            let back = spilled.row_whole(kind, row).unwrap();
            let names: Vec<_> = back.get_column_names().into_iter().cloned().collect();
            let want = held.row_whole(kind, row).unwrap();
            assert_eq!(
                names,
                want.get_column_names()
                    .into_iter()
                    .cloned()
                    .collect::<Vec<_>>()
            );
            assert!(
                back.equals_missing(&want),
                "read back:\n{back}\nheld:\n{want}"
            );
        }
        let all = spilled.table_whole(kind).unwrap().unwrap();
        assert_eq!(
            all.column("RawEventData").unwrap().str().unwrap().get(0),
            Some("{\"a\"\":1}")
        );
        // Pieces that cannot be written (the cache's folder is gone) are held whole: the vendor
        // columns the reader did not build are read from the export at once.
        let unwritten = read(Some(std::sync::Arc::new(super::super::spill::Spill::new(
            dir.path().join("no such folder"),
        ))));
        assert!(unwritten.on_disk.is_empty());
        assert!(
            unwritten.table(kind).unwrap().equals_missing(whole),
            "held after a failed write:\n{}\nheld:\n{whole}",
            unwritten.table(kind).unwrap()
        );
        // The export changed since: refused, with a message that names it.
        std::fs::write(&path, body.replace("r2", "r9")).unwrap();
        let changed = spilled.row_whole(kind, 1).unwrap_err();
        assert!(
            changed.contains("cloud.csv") && changed.contains("changed"),
            "{changed}"
        );
        // So is the whole table a detector reads its vendor columns from.
        let whole_changed = spilled.table_whole(kind).unwrap_err();
        assert!(
            whole_changed.contains("cloud.csv") && whole_changed.contains("changed"),
            "{whole_changed}"
        );
    }

    #[test]
    fn reads_as_the_row_reader_does() {
        let body = format!(
            "{HEADER}\n\
             2026-08-03T11:37:36.2160000Z,Microsoft Teams,MessageSent,A@x.example,73.42.118.9,US,\"Mozilla/5.0 (X, Y)\",chat,\"{{\"\"a\"\"\"\":1}}\",r1\n\
             2026-08-03T11:38:36Z,Microsoft Teams,MessageSent,b@x.example,2001:DB8::1,,null,\"say \"\"hi\"\"\",,r2\n\
             not a time,Microsoft Teams,MessageSent,b@x.example,10.0.0.1,US,ua,o,,r3\n\
             2026-08-03T11:39:36Z,Workday,,c@x.example, 10.0.0.2 ,US,ua,o,,r4"
        );
        let rest = &body.as_bytes()[HEADER.len() + 1..];
        assert!(vouched(rest).is_some(), "the columnar reader was not used");
        let (df, rep) = same(&body);
        assert_eq!(df.height(), 3);
        assert_eq!(rep.rejected.len(), 1);
        assert_eq!(rep.rejected[0].line, 4, "{:?}", rep.rejected);
    }

    #[test]
    fn crlf_lines_read_the_same() {
        let body = format!(
            "{HEADER}\r\n2026-08-03T11:37:36Z,Microsoft Teams,MessageSent,a@x.example,1.2.3.4,US,ua,o,,r1\r\n2026-08-03T11:37:37Z,Microsoft Teams,MessageSent,a@x.example,1.2.3.4,US,ua,o,,r2\r\n"
        );
        let (df, _) = same(&body);
        let last = df.column("ReportId").unwrap().str().unwrap().get(1);
        assert_eq!(last, Some("r2"));
    }

    #[test]
    fn stretches_it_cannot_vouch_for_go_to_the_row_reader() {
        let good =
            "2026-08-03T11:37:36Z,Microsoft Teams,MessageSent,a@x.example,1.2.3.4,US,ua,o,,r1";
        for bad in [
            // too few fields, too many, a blank line, a record over two lines, a NUL
            "2026-08-03T11:37:36Z,Microsoft Teams,MessageSent,a@x.example,1.2.3.4",
            "2026-08-03T11:37:36Z,Microsoft Teams,MessageSent,a@x.example,1.2.3.4,US,ua,o,,r9,extra",
            "",
            "2026-08-03T11:37:36Z,Microsoft Teams,MessageSent,a@x.example,1.2.3.4,US,ua,\"two\nlines\",,r9",
            "2026-08-03T11:37:36Z,Microsoft Teams,MessageSent,a@x.example,1.2.3.4,US,ua,nul\0here,,r9",
            // quoting outside RFC 4180, where CSV readers differ: a quote inside an unquoted
            // cell, and text after a closing quote
            "2026-08-03T11:37:36Z,Microsoft Teams,MessageSent,a@x.example,1.2.3.4,US,ua,5\" screen,,r9",
            "2026-08-03T11:37:36Z,Microsoft Teams,MessageSent,a@x.example,1.2.3.4,US,\"ua\" x,o,,r9",
        ] {
            let body = format!("{HEADER}\n{good}\n{bad}\n{good}\n");
            let rest = &body.as_bytes()[HEADER.len() + 1..];
            assert!(vouched(rest).is_none(), "{bad:?} was vouched for");
            same(&body);
        }
        let body = format!("{HEADER}\n{good}\n{good}\n");
        assert!(vouched(&body.as_bytes()[HEADER.len() + 1..]).is_some());
    }

    #[test]
    fn twins_and_canonical_names_are_kept_as_the_row_reader_keeps_them() {
        let body = "Timestamp,ReportId_long,ReportId_string,AccountId,ip,Application\n\
                    2026-08-03T11:37:36Z,,s1,a@x.example,1.2.3.4,Workday\n\
                    2026-08-03T11:37:37Z,7,,a@x.example,1.2.3.5,Workday\n";
        let (df, _) = same(body);
        assert!(df.column("raw.ip").is_ok());
    }

    #[test]
    fn stretches_keep_line_numbers_and_order_when_some_go_to_the_row_reader() {
        let mut body = format!("{HEADER}\n");
        for i in 0..400 {
            let line = match i {
                57 => "2026-08-03T11:37:36Z,Microsoft Teams,MessageSent,a@x.example".to_string(),
                58 => "2026-08-03T11:37:36Z,Workday,x,a@x.example,1.2.3.4,US,ua,\"two\nlines\",,q".into(),
                300 => "never,Workday,x,a@x.example,1.2.3.4,US,ua,o,,late".into(),
                _ => format!(
                    "2026-08-03T11:{:02}:{:02}Z,Microsoft Teams,MessageSent,u{}@x.example,10.0.{}.1,US,ua,o{i},,r{i}",
                    i / 60,
                    i % 60,
                    i % 7,
                    i % 5
                ),
            };
            body.push_str(&line);
            body.push('\n');
        }
        let (df, rep) = same_by(&body, 2_000);
        assert_eq!(df.height(), 398);
        // The header is line 1; row 57 is line 59, and row 300 comes after a record over two lines.
        let lines: Vec<u64> = rep.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![59, 303], "{:?}", rep.rejected);
    }

    /// The real public exports (Log Analytics sign-ins with JSON cells and ` [UTC]` headers, an
    /// OfficeActivity export with `_`-suffixed twins) read the same both ways, in small stretches
    /// so that some are vouched for and some not.
    #[test]
    fn real_exports_read_as_the_row_reader_reads_them() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/external");
        for name in [
            "signinlogs_loganalytics_export.csv",
            "office_activity_inbox_rule.csv",
        ] {
            let bytes = std::fs::read(dir.join(name)).unwrap();
            let text = String::from_utf8(bytes).unwrap();
            let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
            // As exported, its JSON cells span lines, so every stretch goes to the row reader;
            // the same export with each cell on one line is the columnar reader's to read.
            check_both_ways(name, &text, false);
            check_both_ways(name, &one_line_cells(&text), true);
        }
    }

    /// The CSV with the line breaks inside its cells turned into spaces (JSON whitespace).
    fn one_line_cells(text: &str) -> String {
        let mut out = csv::Writer::from_writer(Vec::new());
        for rec in csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes())
            .records()
        {
            let rec = rec.unwrap();
            out.write_record(rec.iter().map(|c| c.replace('\n', " ")))
                .unwrap();
        }
        String::from_utf8(out.into_inner().unwrap()).unwrap()
    }

    fn check_both_ways(name: &str, text: &str, columnar: bool) {
        {
            let header = text.lines().next().unwrap();
            let rest = &text.as_bytes()[header.len() + 1..];
            let mut vouched = 0;
            let mut start = 0;
            while start < rest.len() {
                let (end, records) = stretch_at(rest, start, header.split(',').count(), 4_000);
                vouched += usize::from(records.is_some());
                start = end;
            }
            let (df, rep) = same_by(text, 4_000);
            assert!(df.height() > 0, "{name}: {rep:?}");
            assert_eq!(
                vouched > 0,
                columnar,
                "{name}: {vouched} stretches vouched for"
            );
        }
    }

    /// Shapes analysts' exports take that the samples do not: a `project` that drops
    /// Application and the time, a machine account, an address with no location, and the same
    /// rows given twice in one file (two events in the same second, both kept).
    #[test]
    fn projections_and_odd_rows_read_as_the_row_reader_reads_them() {
        let bodies = [
            "AccountId,IPAddress,ActionType,Timestamp\n\
             a@x.example,1.2.3.4,hrrecruiting/accounts/1,2026-08-03T11:37:36Z\n\
             WS-0142$,10.1.2.3,LogonSuccess,2026-08-03T11:37:37Z\n\
             a@x.example,1.2.3.4,hrrecruiting/accounts/1,2026-08-03T11:37:36Z\n\
             a@x.example,1.2.3.4,hrrecruiting/accounts/1,2026-08-03T11:37:36Z\n",
            // No time column at all: every row is rejected, by both readers alike.
            "AccountId,IPAddress,ActionType\na@x.example,1.2.3.4,FileDownloaded\n",
            // An address with no location, and an IPv6 one with a zone and port-like suffix.
            "Timestamp,AccountId,IPAddress,CountryCode,City\n\
             2026-08-03T11:37:36Z,b@x.example,203.0.113.9,,\n\
             2026-08-03T11:37:37Z,b@x.example,[2001:db8::1]:443,,\n",
        ];
        for body in bodies {
            let rest = &body.as_bytes()[body.find('\n').unwrap() + 1..];
            let width = body.lines().next().unwrap().split(',').count();
            let (end, records) = stretch_at(rest, 0, width, usize::MAX);
            assert!(
                end == rest.len() && records.is_some(),
                "{body:?} was not vouched for"
            );
            let (_, rep) = same(body);
            assert_eq!(
                rep.rows + rep.rejected_count,
                body.lines().count() - 1,
                "{body:?}"
            );
        }
    }

    use proptest::prelude::*;

    /// One cell as exports write them: plain text, `null`, empty, quoted with commas, escaped
    /// quotes and non-ASCII text, padded, and now and then quoting the scan must not vouch for.
    fn cell() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[a-zA-Z0-9.@ ]{0,8}",
            1 => Just("null".to_string()),
            1 => Just(String::new()),
            3 => "[a-z ,é]{0,6}(\"\"[a-z,]{0,4}){0,3}".prop_map(|t| format!("\"{t}\"")),
            1 => Just("5\" screen".to_string()),
            1 => Just("\"a\" b".to_string()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

        /// Generated bodies read the same column by column as row by row, in stretches small
        /// enough that some are vouched for and some are not.
        #[test]
        fn generated_bodies_read_as_the_row_reader_reads_them(
            rows in proptest::collection::vec((proptest::collection::vec(cell(), 9), any::<bool>()), 1..24),
            stretch in 40usize..400,
        ) {
            let mut body = format!("{HEADER}\n");
            for (i, (cells, crlf)) in rows.iter().enumerate() {
                body.push_str(&format!("2026-08-03T11:{:02}:00Z,", i % 60));
                body.push_str(&cells.join(","));
                body.push_str(if *crlf { "\r\n" } else { "\n" });
            }
            same_by(&body, stretch);
        }
    }
}
