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

use super::canon::{vendor_name, TableBuilder};
use super::fields::{Fields, Row, K};
use super::readers::{count_newlines, csv_records, Header};
use super::{mapped, FileReport, Loader, Role, TableKind, MAX_CELL_BYTES};
use polars::prelude::*;

/// Bytes of CSV read at once: about a spilled piece's rows, so a reader holds one at a time.
const STRETCH_BYTES: usize = 16 << 20;

/// Whether a header's rows can be read column by column: not when a cell holds more columns
/// (a Purview `AuditData` object, a KQL `make_set` array), which the row reader unfolds.
fn suits(fields: &Fields) -> bool {
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
    } = header;
    let mut seen = 0;
    let mut lines = line_offset;
    let mut start = 0;
    while start < body.len() {
        // Each stretch is cut and checked as it is reached, so only its pages are looked at
        // before they are handed back.
        let (end, cells) = stretch_at(body, start, headers.len(), stretch_bytes);
        let stretch = &body[start..end];
        let columnar = cells
            .and_then(|c| vendor_columns(stretch, &c, headers.len(), fields))
            .and_then(|df| rows_of(loader, fields, &df, file, lines, report));
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

/// Where each cell of a stretch is: its text's start and end in the stretch (inside the quotes
/// of a quoted cell), a record's cells one after another.
struct Cells {
    records: usize,
    spans: Vec<(u32, u32)>,
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
                records += 1;
                commas = 0;
                line_start = i + 1;
                cell_start = i + 1;
                escaped = false;
                if i + 1 - start >= target {
                    return (i + 1, whole.then_some(Cells { records, spans }));
                }
            }
        }
    }
    if line_start < body.len() {
        let line = &body[line_start..];
        whole &= !inside && line.len() <= MAX_CELL_BYTES && commas + 1 == width;
        spans.push(span(cell_start, body.len(), closed, escaped));
        records += 1;
    }
    (body.len(), whole.then_some(Cells { records, spans }))
}

/// Hands a stretch's rows (its vendor columns) to their tables, a piece at a time; `first_line`
/// lines come before it in the file. Returns how many records it had, or None (before taking any
/// row) when its columns cannot be read as text, for the row reader to read it instead.
fn rows_of(
    loader: &mut Loader,
    fields: &Fields,
    vendor: &DataFrame,
    file: usize,
    first_line: u64,
    report: &mut FileReport,
) -> Option<usize> {
    let arrays: Vec<_> = vendor
        .columns()
        .iter()
        .filter_map(|c| c.str().ok()?.downcast_iter().next())
        .collect();
    if arrays.len() != fields.names.len() {
        return None;
    }
    let piece = loader
        .spill
        .as_ref()
        .map_or(vendor.height(), |s| s.piece_rows())
        .max(1);
    let mut values: Vec<Option<&str>> = vec![None; arrays.len()];
    let mut start = 0;
    while start < vendor.height() {
        let end = (start + piece).min(vendor.height());
        // Rows go to their tables in the order read; a stretch nearly always has one table.
        let mut tables: Vec<(TableKind, TableBuilder, Vec<IdxSize>)> = Vec::new();
        for i in start..end {
            for (v, a) in values.iter_mut().zip(&arrays) {
                *v = a.get(i);
            }
            let row = Row {
                fields,
                values: &values,
            };
            let line = first_line + i as u64 + 1;
            let kind = loader.table_of(&row, None);
            let at = match tables.iter().position(|(k, ..)| *k == kind) {
                Some(at) => at,
                None => {
                    tables.push((kind, TableBuilder::new(kind), Vec::new()));
                    tables.len() - 1
                }
            };
            let (_, builder, rows) = &mut tables[at];
            match builder.push_canonical(&row, file, line) {
                Ok(()) => {
                    rows.push(i as IdxSize);
                    loader.count_kept(&row, kind, None, report);
                }
                Err(e) => report.reject(line, e.column, e.reason),
            }
        }
        for (kind, builder, rows) in tables {
            if rows.is_empty() {
                continue;
            }
            let part = if rows.len() == end - start {
                Ok(vendor.slice(start as i64, end - start))
            } else {
                vendor.take(&IdxCa::from_vec("rows".into(), rows))
            };
            match part.and_then(|p| builder.finish_with_vendor(p)) {
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
    Some(vendor.height())
}

/// The vendor's columns of a stretch as the row reader keeps them: one per header name, twins
/// merged (the first present value wins), empty cells and `null` missing. None when the stretch
/// holds a bare CR, a NUL or invalid UTF-8, which the row reader neutralises and flags.
fn vendor_columns(
    stretch: &[u8],
    cells: &Cells,
    width: usize,
    fields: &Fields,
) -> Option<DataFrame> {
    let bare_cr = memchr::memchr_iter(b'\r', stretch).any(|i| stretch.get(i + 1) != Some(&b'\n'));
    if bare_cr || memchr::memchr(0, stretch).is_some() {
        return None;
    }
    let text = std::str::from_utf8(stretch).ok()?;
    // Spans hold 31-bit offsets (the top bit marks escaped quotes): a stretch is its target plus
    // at most one line of the cell limit, far below that, and a larger one is not vouched for.
    if stretch.len() >= ESCAPED as usize || cells.spans.len() != cells.records * width {
        return None;
    }
    let mut unescaped = String::new();
    let mut columns: Vec<StringChunkedBuilder> = fields
        .names
        .iter()
        .map(|name| StringChunkedBuilder::new(vendor_name(name).as_str().into(), cells.records))
        .collect();
    // Record by record, as the text lies: a column at a time would stream the whole stretch
    // through the cache once per column.
    for record in cells.spans.chunks_exact(width) {
        for (column, sources) in columns.iter_mut().zip(&fields.sources) {
            let mut found = false;
            for &source in sources {
                let &(a, b) = record.get(source)?;
                let cell = text.get(a as usize..(b & !ESCAPED) as usize)?;
                let cell = if b & ESCAPED != 0 {
                    unescape_into(cell, &mut unescaped);
                    unescaped.as_str()
                } else {
                    cell
                };
                if !cell.is_empty() && cell != "null" {
                    column.append_value(cell);
                    found = true;
                    break;
                }
            }
            if !found {
                column.append_null();
            }
        }
    }
    let columns: Vec<Column> = columns
        .into_iter()
        .map(|c| c.finish().into_column())
        .collect();
    DataFrame::new(cells.records, columns).ok()
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
        vendor_columns(body, &cells?, 10, &Fields::new(&headers))
    }

    const HEADER: &str = "Timestamp,Application,ActionType,AccountId,IPAddress,CountryCode,UserAgent,ObjectName,RawEventData,ReportId";

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
