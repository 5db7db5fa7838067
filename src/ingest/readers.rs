//! The format readers: CSV, JSON (lines, arrays, API responses, streaming wrapper) and Parquet.
//! Each turns a file into rows and hands them to the loader; a bad row is rejected alone.

use super::fields::{merge_twins, Fields, Row};
use super::source::{without_bom, Format};
use super::spill::{SourceFile, SourceFormat, SOURCE_SHIFT};
use super::{mapped, neutral, FileReport, Loader, Role, TableKind, MAX_CELL_BYTES};
use crate::intel::{is_ti_header, loose, url_host, INDICATOR_COLUMNS, TI_VALUE_COLUMNS};
use crate::networks::is_networks_header;
use crate::roster::is_roster_header;
use serde_json::{Map, Value};
use std::path::Path;

pub(super) fn read(
    loader: &mut Loader,
    bytes: &[u8],
    format: Format,
    forced: Option<Role>,
    file: usize,
    report: &mut FileReport,
) {
    match format {
        Format::Empty => {
            report.role = Role::Unreadable;
            report.reject(0, "", "empty file");
        }
        Format::Binary => {
            report.role = Role::Unreadable;
            report.reject(
                0,
                "",
                "binary content: not a CSV, JSON, Parquet or text export (or gzip of one)",
            );
        }
        Format::Parquet => read_parquet(loader, bytes, file, report),
        Format::Json => read_json(loader, bytes, forced, file, report),
        Format::Csv => read_csv(loader, bytes, forced, file, report),
        Format::Text => read_text(loader, bytes, forced, file, report),
    }
    let (inactive, expired) = std::mem::take(&mut loader.ti_skipped);
    if inactive + expired > 0 {
        report.notes.push(format!(
            "{inactive} indicators marked inactive (Active false) and {expired} past their ExpirationDateTime were not used"
        ));
    }
    if let Some(role) = forced {
        if report.role != Role::Unreadable && report.role != role {
            report.notes.push(
                format!(
                    "given as {role:?} but its content reads as {:?}",
                    report.role
                )
                .to_lowercase(),
            );
        }
    }
}

fn read_text(
    loader: &mut Loader,
    bytes: &[u8],
    forced: Option<Role>,
    _file: usize,
    report: &mut FileReport,
) {
    let text = String::from_utf8_lossy(without_bom(bytes));
    let source = report.path.clone();
    // A one-column intel CSV has no comma: blank out its header (after any leading comments),
    // keeping every other line where it is so line numbers stay true.
    let header_at = text
        .lines()
        .position(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .filter(|&i| {
            text.lines()
                .nth(i)
                .is_some_and(|l| INDICATOR_COLUMNS.contains(&loose(l).as_str()))
        });
    let body: String = match header_at {
        Some(at) => text
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i == at {
                    "\n".to_string()
                } else {
                    format!("{l}\n")
                }
            })
            .collect(),
        None => text.to_string(),
    };
    let mut trial = crate::intel::Intel::default();
    let bad = trial.read_list(&body, &source);
    let good = trial.indicators.len();
    let refused = bad
        .iter()
        .filter(|(_, why)| why.starts_with("refused"))
        .count();
    if forced == Some(Role::Intel) || (good + refused > 0 && bad.len() - refused <= good) {
        report.role = Role::Intel;
        report.rows += good;
        for (line, reason) in bad {
            report.reject(line, "", reason);
        }
        loader.intel.indicators.extend(trial.indicators);
    } else {
        report.role = Role::Unreadable;
        // A spreadsheet saved as CSV in a European locale separates cells with `;`: say so, so
        // the analyst knows what to change, rather than that the file is no CSV at all.
        let first = text
            .lines()
            .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .unwrap_or("");
        let why = if first.matches(';').count() >= 2 {
            "unrecognised text: its first line is separated by ';' (a spreadsheet saved in a locale that uses ';'): save or export it as CSV with ',' between cells"
        } else {
            "unrecognised text: not a CSV export and not a list of indicators"
        };
        report.reject(
            1 + text.lines().position(|l| l == first).unwrap_or(0) as u64,
            "",
            why,
        );
    }
}

fn read_csv(
    loader: &mut Loader,
    bytes: &[u8],
    forced: Option<Role>,
    file: usize,
    report: &mut FileReport,
) {
    let body = without_bom(bytes);
    // A shared list may open with `# comment` lines; only then are `#` lines comments, so an event
    // whose first cell starts with `#` is never skipped in an ordinary export.
    let commented = starts_with_comment(body);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(commented.then_some(b'#'))
        .from_reader(body);
    let mut rec = csv::ByteRecord::new();
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => {}
        Ok(false) => {
            report.role = Role::Unreadable;
            report.reject(0, "", "empty file");
            return;
        }
        Err(e) => {
            report.role = Role::Unreadable;
            report.reject(1, "", format!("header does not parse as CSV: {e}"));
            return;
        }
    }
    let headers: Vec<String> = rec
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let (name, flag) = neutral::cell(f);
            if let Some(what) = flag {
                report
                    .notes
                    .push(format!("header of column {}: {what}", i + 1));
            }
            name.into_owned()
        })
        .collect();
    let fields = Fields::new(&headers);
    report.notes.extend(fields.notes.iter().cloned());
    let role = forced.unwrap_or_else(|| role_of_header(&headers, &fields, report));
    report.role = role;
    if role == Role::Events && !fields.known_any() {
        report.role = Role::Unreadable;
        report.reject(
            1,
            "",
            format!(
                "CSV header names no column of a table hirescope reads (starts {:?})",
                crate::text::clip(&headers.join(","))
            ),
        );
        return;
    }
    // Only an events file read column by column, from its own bytes, is read again for its
    // vendor columns: the rows the row reader reads keep theirs in the pieces.
    let origin = loader
        .spill
        .as_ref()
        .filter(|_| role == Role::Events && !report.gzip)
        .filter(|_| super::columnar::suits(&fields))
        .and_then(|spill| spill.source(Path::new(&report.path), &headers, SourceFormat::Csv))
        .map(|source| Origin {
            source,
            base: bytes.as_ptr() as usize,
        });
    let header = Header {
        headers: &headers,
        fields: &fields,
        file,
        origin,
    };
    let mut body_start = rdr.position().byte() as usize;
    // The reader stops between the CR and the LF of a CRLF header: the LF belongs to the header's
    // line, or every line number after it would be one too low.
    if body.get(body_start) == Some(&b'\n') && body_start > 0 && body[body_start - 1] == b'\r' {
        body_start += 1;
    }
    let rest = &body[body_start..];
    let rows_seen = if commented {
        // Comment lines are skipped by this reader only: read the rest here, in one piece.
        let mut n = 0;
        let mut whole = LineCounter::default();
        let mut line_rec = csv::ByteRecord::new();
        while let Ok(true) = rdr.read_byte_record(&mut line_rec) {
            n += 1;
            let line = whole.at(body, line_rec.position().map_or(0, |p| p.byte() as usize));
            let raw: Vec<Option<String>> = line_rec
                .iter()
                .map(|f| Some(neutral::cell(f).0.into_owned()))
                .collect();
            match role {
                Role::Intel => intel_row(loader, &headers, &raw, line, report),
                Role::Networks => networks_row(loader, &headers, &raw, line, report),
                Role::Roster => {
                    let source = report.path.clone();
                    match loader.roster.push_row(&headers, &raw, &source, line) {
                        Ok(left_out) => report.roster_row(line, left_out),
                        Err((col, reason)) => report.reject(line, col, reason),
                    }
                }
                _ => {
                    let cells: Vec<&str> = raw.iter().map(|c| c.as_deref().unwrap_or("")).collect();
                    emit(loader, &fields, &cells, None, file, line, report);
                }
            }
        }
        n
    } else if role == Role::Events && rest.len() >= PARALLEL_MIN_BYTES && threads() > 1 {
        let header_lines = count_newlines(&body[..body_start]);
        in_parallel(
            loader,
            report,
            rest,
            &csv_chunks(rest, threads()),
            header_lines,
            |sub, chunk, offset, rep| {
                super::columnar::csv_body(sub, chunk, offset, header, role, rep)
            },
        )
    } else {
        let header_lines = count_newlines(&body[..body_start]);
        super::columnar::csv_body(loader, rest, header_lines, header, role, report)
    };
    if rows_seen == 0 {
        report
            .notes
            .push("header only: the file has no rows".into());
    }
}

/// Line numbers from byte offsets, counting LF only: the CSV reader's own count is off for CRLF
/// files (how the portals export) and counts a bare CR inside a quoted cell as a line.
#[derive(Default)]
struct LineCounter {
    byte: usize,
    newlines: u64,
}

impl LineCounter {
    /// The 1-based line of the record starting at `at` (offsets only move forward). The reader
    /// puts a record's start on the terminator before it (the LF of a CRLF): skip over it.
    fn at(&mut self, text: &[u8], at: usize) -> u64 {
        let mut at = at.min(text.len());
        while at < text.len() && (text[at] == b'\r' || text[at] == b'\n') {
            at += 1;
        }
        if at > self.byte {
            self.newlines += count_newlines(&text[self.byte..at]);
            self.byte = at;
        }
        self.newlines + 1
    }
}

/// Files larger than this are read by several threads, a chunk each.
const PARALLEL_MIN_BYTES: usize = 8 << 20;

fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8)
}

pub(super) fn count_newlines(bytes: &[u8]) -> u64 {
    count_byte(bytes, b'\n') as u64
}

/// How many times `byte` occurs in `bytes`. Counted in blocks of 255 into byte-wide tallies,
/// which the compiler turns into compares a whole vector at a time: a plain `filter().count()`
/// widened every match to 64 bits and ran four bytes per step, about 1 GB/s, on the one thread
/// that cuts a large file into chunks before the readers start.
pub(super) fn count_byte(bytes: &[u8], byte: u8) -> usize {
    bytes
        .chunks(255)
        .map(|block| block.iter().fold(0u8, |n, &b| n + (b == byte) as u8) as usize)
        .sum()
}

/// Cuts CSV text into about `n` chunks at record boundaries: a newline outside quotes (RFC 4180
/// quoting keeps the count of quote characters even outside a quoted field).
pub(super) fn csv_chunks(bytes: &[u8], n: usize) -> Vec<std::ops::Range<usize>> {
    let mut cuts = vec![0];
    let mut quotes_before = 0usize;
    let mut scanned = 0usize;
    for k in 1..n {
        let target = bytes.len() * k / n;
        if target <= *cuts.last().unwrap_or(&0) {
            continue;
        }
        quotes_before += count_byte(&bytes[scanned..target], b'"');
        let mut inside = quotes_before % 2 == 1;
        let mut i = target;
        while i < bytes.len() {
            match bytes[i] {
                b'"' => inside = !inside,
                b'\n' if !inside => break,
                _ => {}
            }
            i += 1;
        }
        quotes_before += count_byte(&bytes[target..i.min(bytes.len())], b'"');
        scanned = i.min(bytes.len());
        if i + 1 < bytes.len() {
            cuts.push(i + 1);
        }
    }
    cuts.push(bytes.len());
    cuts.windows(2)
        .map(|w| w[0]..w[1])
        .filter(|r| !r.is_empty())
        .collect()
}

/// Reads chunks of one file on several threads, each into a loader of its own, then merges the
/// frames and the accounts in chunk order. `read` gets a chunk and the number of lines before it
/// in the file, and returns the rows it saw.
fn in_parallel<F>(
    loader: &mut Loader,
    report: &mut FileReport,
    bytes: &[u8],
    chunks: &[std::ops::Range<usize>],
    first_line: u64,
    read: F,
) -> usize
where
    F: Fn(&mut Loader, &[u8], u64, &mut FileReport) -> usize + Sync,
{
    let mut offsets = Vec::with_capacity(chunks.len());
    let mut lines = first_line;
    let mut at = 0;
    for r in chunks {
        lines += count_newlines(&bytes[at..r.start]);
        at = r.start;
        offsets.push(lines);
    }
    // Cutting the chunks and counting their lines looked at the whole file: hand its pages back
    // before the rows are built (each chunk's reader hands back its own as it goes).
    mapped::release(bytes);
    let results: Vec<(Loader, FileReport, usize)> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .iter()
            .zip(offsets)
            .map(|(range, offset)| {
                let read = &read;
                let mut rep = report.empty_copy();
                let chunk = &bytes[range.clone()];
                let forced_table = loader.forced_table;
                let spill = loader.spill.clone();
                scope.spawn(move || {
                    // A panic here is re-raised by `join` in the reading thread, which catches it.
                    let _region = crate::panics::Region::enter();
                    let mut sub = Loader {
                        forced_table,
                        spill,
                        ..Loader::default()
                    };
                    let n = read(&mut sub, chunk, offset, &mut rep);
                    (sub, rep, n)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut seen = 0;
    for (sub, rep, n) in results {
        seen += n;
        report.absorb(rep);
        loader.absorb(sub);
    }
    seen
}

/// What every record of one CSV body is read through: the file's header as written and as
/// normalised, and the file's number.
#[derive(Clone, Copy)]
pub(super) struct Header<'a> {
    pub headers: &'a [String],
    pub fields: &'a Fields,
    pub file: usize,
    /// Where the body lies when its bytes are the file's own (not gunzipped) and the vendor
    /// columns may stay in it: the file's number as a source (`Spill::source`) and the address
    /// of its first byte, so a record's address gives its offset in the file.
    pub origin: Option<Origin>,
}

#[derive(Clone, Copy)]
pub(super) struct Origin {
    pub source: u32,
    pub base: usize,
}

/// The records of a CSV body (no header), with `line_offset` lines before it in the file.
pub(super) fn csv_records(
    loader: &mut Loader,
    body: &[u8],
    line_offset: u64,
    header: Header,
    role: Role,
    report: &mut FileReport,
) -> usize {
    let Header {
        headers,
        fields,
        file,
        ..
    } = header;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut rec = csv::ByteRecord::new();
    let mut rows_seen = 0usize;
    let mut lines = LineCounter::default();
    let mut behind = mapped::Behind::default();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let at = e.position().map_or(0, |p| p.byte() as usize);
                let line = lines.at(body, at) + line_offset;
                report.reject(line, "", format!("CSV does not parse: {e}"));
                continue;
            }
        }
        rows_seen += 1;
        let at = rec.position().map_or(0, |p| p.byte() as usize);
        behind.at(body, at);
        let line = lines.at(body, at) + line_offset;
        if rec.len() == 1 && rec.get(0).is_some_and(|f| f.is_empty()) {
            continue; // a blank line
        }
        if rec.len() != headers.len() {
            report.reject(
                line,
                "",
                format!("expected {} fields, found {}", headers.len(), rec.len()),
            );
            continue;
        }
        // What an attacker typed never costs the row: bad cells are neutralised and flagged.
        let mut cells: Vec<std::borrow::Cow<str>> = Vec::with_capacity(headers.len());
        let mut flags: Vec<String> = Vec::new();
        for (i, f) in rec.iter().enumerate() {
            let (c, flag) = neutral::cell(f);
            if let Some(what) = flag {
                let column = format!("{} (column {})", headers[i], i + 1);
                report.neutralise(line, column.clone(), what.clone());
                flags.push(format!("{column}: {what}"));
            }
            cells.push(c);
        }
        let raw: Vec<&str> = cells.iter().map(|c| c.as_ref()).collect();
        match role {
            Role::Roster => {
                let vals: Vec<Option<String>> = raw.iter().map(|s| Some(s.to_string())).collect();
                let source = report.path.clone();
                match loader.roster.push_row(headers, &vals, &source, line) {
                    Ok(left_out) => report.roster_row(line, left_out),
                    Err((col, reason)) => report.reject(line, col, reason),
                }
            }
            Role::Intel => intel_row(
                loader,
                headers,
                &raw.iter().map(|s| Some(s.to_string())).collect::<Vec<_>>(),
                line,
                report,
            ),
            Role::Networks => networks_row(
                loader,
                headers,
                &raw.iter().map(|s| Some(s.to_string())).collect::<Vec<_>>(),
                line,
                report,
            ),
            _ => {
                loader.row_flags = (!flags.is_empty()).then(|| flags.join("; "));
                emit(loader, fields, &raw, None, file, line, report);
                loader.row_flags = None;
            }
        }
    }
    rows_seen
}

/// Hands one row, read through its header, to the loader. A Purview audit-log export carries the
/// event as JSON in its `AuditData` column: its fields join the row's (the row's own win), so the
/// row reads like the unified audit log it is.
fn emit(
    loader: &mut Loader,
    fields: &Fields,
    raw: &[&str],
    table: Option<TableKind>,
    file: usize,
    line: u64,
    report: &mut FileReport,
) {
    let audit = fields
        .index(super::fields::K::AuditData)
        .and_then(|i| fields.sources[i].first())
        .and_then(|&i| raw.get(i))
        .filter(|t| t.trim_start().starts_with('{'))
        .and_then(|t| serde_json::from_str::<Map<String, Value>>(t).ok());
    let Some(audit) = audit else {
        return emit_row(loader, fields, raw, table, file, line, report);
    };
    let mut keys: Vec<String> = (0..raw.len())
        .map(|i| {
            fields
                .sources
                .iter()
                .position(|s| s.contains(&i))
                .map_or_else(String::new, |o| fields.names[o].clone())
        })
        .collect();
    let mut cells: Vec<String> = raw.iter().map(|c| c.to_string()).collect();
    for (k, v) in audit {
        if fields.lower.contains(&k.to_ascii_lowercase()) {
            continue;
        }
        keys.push(k);
        cells.push(cell(v).unwrap_or_default());
    }
    let key = keys.join("\u{1f}");
    let merged = loader
        .audit_fields
        .entry(key)
        .or_insert_with(|| Fields::new(&keys))
        .clone();
    let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
    emit_row(loader, &merged, &cells, table, file, line, report);
}

/// Hands one row, read through its header, to the loader (twins merged).
fn emit_row(
    loader: &mut Loader,
    fields: &Fields,
    raw: &[&str],
    table: Option<TableKind>,
    file: usize,
    line: u64,
    report: &mut FileReport,
) {
    let mut values = Vec::with_capacity(fields.names.len());
    merge_twins(fields, raw, &mut values);
    // A KQL `make_set`/`make_list` cell holds several values of one column: one event each.
    let elements = fields
        .array
        .and_then(|i| values[i])
        .and_then(array_elements);
    let each: Vec<Option<&str>> = match (&elements, fields.array) {
        (Some(e), Some(_)) => {
            // Several rows from one record: none is read again from the export by itself.
            loader.row_source = None;
            e.iter().map(|x| Some(x.as_str())).collect()
        }
        _ => vec![None],
    };
    for element in each {
        if let (Some(at), Some(v)) = (fields.array, element) {
            values[at] = Some(v);
        }
        let row = Row {
            fields,
            values: &values,
        };
        loader.event(&row, table, file, line, report);
    }
}

/// The elements of a JSON array cell as text; None when the cell is not a non-empty array.
fn array_elements(text: &str) -> Option<Vec<String>> {
    let t = text.trim();
    if !t.starts_with('[') {
        return None;
    }
    let items: Vec<Value> = serde_json::from_str(t).ok()?;
    let out: Vec<String> = items
        .into_iter()
        .filter_map(cell)
        .filter(|s| !s.is_empty())
        .collect();
    (!out.is_empty()).then_some(out)
}

/// Whether the first non-blank line of a text starts with `#`.
fn starts_with_comment(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'#')
}

/// What a CSV or JSON header says the file is: a roster, a networks map, threat intelligence, or
/// events. An events export without a time column stays events (its rows are rejected, counted
/// and explained), never taken for a list of indicators.
fn role_of_header(headers: &[String], fields: &Fields, report: &mut FileReport) -> Role {
    let timed = fields.has_time();
    if is_ti_header(headers) {
        return Role::Intel;
    }
    if !timed && is_roster_header(headers) {
        return Role::Roster;
    }
    if !timed && is_networks_header(headers) {
        return Role::Networks;
    }
    let best = fields
        .evidence
        .iter()
        .map(|(k, cols)| (*k, cols.iter().map(|(_, w)| u32::from(*w)).sum::<u32>()))
        .max_by_key(|(_, s)| *s);
    let looks_like_events = best.is_some_and(|(_, s)| s >= 2);
    let names_indicator = headers
        .iter()
        .any(|h| INDICATOR_COLUMNS.contains(&loose(h).as_str()));
    if !timed && names_indicator && !looks_like_events {
        return Role::Intel;
    }
    if !timed {
        let table = best.map_or("no known table".to_string(), |(k, _)| k.name().to_string());
        report.notes.push(format!(
            "an events export ({table} columns) without a time column ({}): its rows cannot be placed in time and are rejected",
            super::fields::TIME_COLUMN_NAMES
        ));
    }
    Role::Events
}

fn intel_row(
    loader: &mut Loader,
    headers: &[String],
    vals: &[Option<String>],
    line: u64,
    report: &mut FileReport,
) {
    let get = |names: &[&str]| {
        headers
            .iter()
            .zip(vals)
            .find(|(h, v)| {
                names.contains(&loose(h).as_str())
                    && v.as_deref().is_some_and(|v| !v.trim().is_empty())
            })
            .and_then(|(_, v)| v.clone())
    };
    let actor = get(&["actor", "threatactor", "actorname"]);
    let confidence = get(&["confidence", "confidencescore"]);
    let description = get(&["description"]);
    let source = report.path.clone();
    if is_ti_header(headers) {
        // Sentinel's ThreatIntelligenceIndicator: honour Active and ExpirationDateTime, and take
        // every indicator column the row fills.
        if get(&["active"])
            .is_some_and(|a| matches!(a.trim().to_ascii_lowercase().as_str(), "false" | "0"))
        {
            loader.ti_skipped.0 += 1;
            return;
        }
        if let Some(exp) =
            get(&["expirationdatetime"]).and_then(|t| super::values::parse_timestamp(&t))
        {
            if exp < chrono::Utc::now().timestamp_millis() {
                loader.ti_skipped.1 += 1;
                return;
            }
        }
        let mut any = false;
        for (h, v) in headers.iter().zip(vals) {
            let l = loose(h);
            let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
                continue;
            };
            if !TI_VALUE_COLUMNS.contains(&l.as_str()) {
                continue;
            }
            let value = if l == "url" { url_host(v) } else { v };
            any = true;
            match loader.intel.push(
                value,
                &source,
                actor.clone(),
                confidence.clone(),
                description.clone(),
            ) {
                Ok(()) => report.rows += 1,
                Err(why) => report.reject(line, h.clone(), why),
            }
        }
        if !any {
            report.reject(line, "indicator", "row without an indicator value");
        }
        return;
    }
    let Some(value) = get(INDICATOR_COLUMNS) else {
        report.reject(line, "indicator", "row without an indicator value");
        return;
    };
    match loader
        .intel
        .push(&value, &source, actor, confidence, description)
    {
        Ok(()) => report.rows += 1,
        Err(why) => report.reject(line, "indicator", why),
    }
}

fn networks_row(
    loader: &mut Loader,
    headers: &[String],
    vals: &[Option<String>],
    line: u64,
    report: &mut FileReport,
) {
    let source = report.path.clone();
    match loader.networks.push_row(headers, vals, &source, line) {
        Ok(n) => report.rows += n,
        Err((col, reason)) => report.reject(line, col, reason),
    }
}

/// A JSON value as a cell: text as it is (moved, not copied), numbers and booleans spelled,
/// objects and arrays as JSON text.
fn cell(v: Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

/// Reuses the header of the previous JSON row when the keys are the same, as they are in most exports.
#[derive(Default)]
struct JsonFields {
    keys: Vec<String>,
    fields: Option<Fields>,
    /// The last fast line's keys in the order the line had them, and the order that sorts them
    /// (a header's columns are the keys sorted, as a parsed object has them).
    line_keys: Vec<String>,
    sorted: Vec<usize>,
}

/// A JSON object's members in the order the line has them, keys and values borrowed: no tree
/// is built per line (a `BTreeMap` per line was a tenth of reading OfficeActivity).
struct FlatObject<'a>(Vec<(&'a str, &'a serde_json::value::RawValue)>);

impl<'de> serde::Deserialize<'de> for FlatObject<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = FlatObject<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some(m) = map.next_entry()? {
                    members.push(m);
                }
                Ok(FlatObject(members))
            }
        }
        d.deserialize_map(Members)
    }
}

impl JsonFields {
    /// The order that sorts a line's keys, or None when a key repeats (the slow path keeps the
    /// last, as a parsed object does). Worked out once per new key order.
    fn sorted_order(&mut self, keys: &[&str]) -> Option<&[usize]> {
        let same = self.line_keys.len() == keys.len()
            && self.line_keys.iter().zip(keys).all(|(a, b)| a == b);
        if !same {
            let mut order: Vec<usize> = (0..keys.len()).collect();
            order.sort_by(|&a, &b| keys[a].cmp(keys[b]));
            if order.windows(2).any(|w| keys[w[0]] == keys[w[1]]) {
                self.line_keys.clear();
                return None;
            }
            self.line_keys = keys.iter().map(|k| k.to_string()).collect();
            self.sorted = order;
        }
        Some(&self.sorted)
    }

    /// Like `for_keys`, for borrowed keys: allocates only when the header changes.
    fn for_str_keys(&mut self, keys: &[&str]) -> &Fields {
        let same = self.fields.is_some()
            && self.keys.len() == keys.len()
            && self.keys.iter().zip(keys).all(|(a, b)| a == b);
        if !same {
            self.keys = keys.iter().map(|k| k.to_string()).collect();
            self.fields = Some(Fields::new(&self.keys));
        }
        self.fields.as_ref().expect("set above")
    }

    fn for_keys(&mut self, keys: Vec<String>) -> &Fields {
        if self.fields.is_none() || self.keys != keys {
            // A new header: most files have one, so this runs once.
            self.fields = Some(Fields::new(&keys));
            self.keys = keys;
        }
        self.fields.as_ref().expect("set above")
    }
}

struct JsonRows<'a> {
    loader: &'a mut Loader,
    file: usize,
    fields: JsonFields,
    role: Option<Role>,
    /// What was neutralised in the line being read as a whole (invalid UTF-8).
    line_flag: Option<String>,
}

impl JsonRows<'_> {
    /// The common JSON Lines record, a flat event object, read without building a value tree:
    /// keys and values are borrowed from the line. Returns false when the slow path must read it
    /// (escaped keys, a streaming wrapper, a roster or intel file, a bad cell, broken JSON).
    fn fast_line(&mut self, line: &str, line_no: u64, report: &mut FileReport) -> bool {
        if self.role.is_some_and(|r| r != Role::Events) {
            return false;
        }
        let Ok(FlatObject(members)) = serde_json::from_str::<FlatObject>(line) else {
            return false;
        };
        let has = |key: &str| members.iter().any(|(k, _)| *k == key);
        if has("properties") && has("category") {
            return false;
        }
        let line_keys: Vec<&str> = members.iter().map(|(k, _)| *k).collect();
        let Some(order) = self.fields.sorted_order(&line_keys) else {
            return false;
        };
        let mut keys: Vec<&str> = Vec::with_capacity(members.len());
        let mut cells: Vec<std::borrow::Cow<str>> = Vec::with_capacity(members.len());
        for &(k, v) in order.iter().map(|&i| &members[i]) {
            let text = v.get();
            let cell: std::borrow::Cow<str> = if text == "null" {
                std::borrow::Cow::Borrowed("")
            } else if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
                if inner.contains('\\') {
                    match serde_json::from_str::<String>(text) {
                        Ok(s) => std::borrow::Cow::Owned(s),
                        Err(_) => return false,
                    }
                } else {
                    std::borrow::Cow::Borrowed(inner)
                }
            } else {
                std::borrow::Cow::Borrowed(text)
            };
            let too_deep = (cell.starts_with('[') || cell.starts_with('{'))
                && matches!(
                    neutral::shallow_json(cell.as_bytes()),
                    std::borrow::Cow::Owned(_)
                );
            if cell.len() > MAX_CELL_BYTES || cell.contains('\0') || too_deep {
                return false; // the slow path neutralises and flags the cell
            }
            keys.push(k);
            cells.push(cell);
        }
        if self.role.is_none() {
            if is_roster_header(&keys) || is_ti_header(&keys) || is_networks_header(&keys) {
                return false;
            }
            self.role = Some(Role::Events);
        }
        report.role = Role::Events;
        let fields = self.fields.for_str_keys(&keys);
        let raw: Vec<&str> = cells.iter().map(|c| c.as_ref()).collect();
        emit(self.loader, fields, &raw, None, self.file, line_no, report);
        true
    }

    fn object(
        &mut self,
        mut obj: Map<String, Value>,
        table: Option<TableKind>,
        line: u64,
        report: &mut FileReport,
    ) {
        if obj.get("properties").is_some_and(Value::is_object) {
            if let Some(cat) = obj
                .get("category")
                .and_then(Value::as_str)
                .map(str::to_string)
            {
                // Streaming export record: the category names the table.
                let time = obj.remove("time");
                let Some(Value::Object(mut props)) = obj.remove("properties") else {
                    return;
                };
                if !props.keys().any(|k| k.eq_ignore_ascii_case("timestamp")) {
                    if let Some(t) = time {
                        props.insert("Timestamp".into(), t);
                    }
                }
                let kind = TableKind::from_name(&cat);
                return self.object(props, kind, line, report);
            }
        }
        // Keys and strings move out of the parsed object: no copy per cell. What an attacker
        // typed never costs the row: bad cells are neutralised and flagged.
        let mut flags: Vec<String> = Vec::new();
        if let Some(what) = self.line_flag.take() {
            report.neutralise(line, "", what.clone());
            flags.push(what);
        }
        let (keys, cells): (Vec<String>, Vec<Option<String>>) = obj
            .into_iter()
            .map(|(k, v)| {
                let c = cell(v).map(|c| {
                    let (c, flag) = neutral::text(c);
                    let deep = c.contains(neutral::DEEP_MARKER);
                    for what in flag
                        .into_iter()
                        .chain(deep.then(|| "JSON nested too deep, clipped".to_string()))
                    {
                        report.neutralise(line, k.clone(), what.clone());
                        flags.push(format!("{k}: {what}"));
                    }
                    c
                });
                (k, c)
            })
            .unzip();
        let role = *self.role.get_or_insert_with(|| {
            if is_ti_header(&keys) {
                Role::Intel
            } else if is_roster_header(&keys) {
                Role::Roster
            } else if is_networks_header(&keys) {
                Role::Networks
            } else {
                Role::Events
            }
        });
        report.role = role;
        match role {
            Role::Roster => {
                let source = report.path.clone();
                match self.loader.roster.push_row(&keys, &cells, &source, line) {
                    Ok(left_out) => report.roster_row(line, left_out),
                    Err((col, reason)) => report.reject(line, col, reason),
                }
            }
            Role::Intel => intel_row(self.loader, &keys, &cells, line, report),
            Role::Networks => networks_row(self.loader, &keys, &cells, line, report),
            _ => {
                let fields = self.fields.for_keys(keys);
                let raw: Vec<&str> = cells.iter().map(|c| c.as_deref().unwrap_or("")).collect();
                self.loader.row_flags = (!flags.is_empty()).then(|| flags.join("; "));
                emit(self.loader, fields, &raw, table, self.file, line, report);
                self.loader.row_flags = None;
            }
        }
    }

    fn value(&mut self, v: Value, table: Option<TableKind>, line: u64, report: &mut FileReport) {
        match v {
            Value::Object(o) => self.object(o, table, line, report),
            Value::String(s) if self.role == Some(Role::Intel) => {
                let source = report.path.clone();
                match self.loader.intel.push(&s, &source, None, None, None) {
                    Ok(()) => report.rows += 1,
                    Err(why) => report.reject(line, "", why),
                }
            }
            other => report.reject(
                line,
                "",
                format!("expected a JSON object, found {}", kind_of(&other)),
            ),
        }
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn get_ci<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// Parses JSON; JSON nested past the parser's depth is parsed again with its deep parts replaced
/// by a marker, so one attacker-controlled field cannot cost the row (the marker flags it).
fn parse_json(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    match serde_json::from_slice(bytes) {
        Err(e) if e.to_string().contains("recursion limit") => {
            serde_json::from_slice(&neutral::shallow_json(bytes))
        }
        other => other,
    }
}

/// The records of a JSON Lines body, `line_offset` lines into its file: each line a record,
/// rejected alone when it does not parse. With `origin`, each row a
/// line makes on the fast path (one flat object) says where the line is in the file
/// (`spill::SRC`), and its vendor columns are read again from there when shown
/// (`json_records_at`), not written to the cache.
pub(super) fn json_lines(
    loader: &mut Loader,
    body: &[u8],
    line_offset: u64,
    forced: Option<Role>,
    file: usize,
    report: &mut FileReport,
    origin: Option<Origin>,
) -> usize {
    let mut rows = JsonRows {
        loader,
        file,
        fields: JsonFields::default(),
        role: forced,
        line_flag: None,
    };
    let mut seen = 0;
    let mut behind = mapped::Behind::default();
    for (n, (start, end)) in lines_of(body).enumerate() {
        let line = &body[start..end];
        let line_no = n as u64 + 1 + line_offset;
        behind.at(body, start);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        seen += 1;
        // Checked once here, the line's strings are not checked again one by one as it parses.
        let text = std::str::from_utf8(line).ok();
        rows.loader.row_source = origin.map(|o| {
            ((o.source as u64) << SOURCE_SHIFT) | (line.as_ptr() as usize - o.base) as u64
        });
        let fast = text.is_some_and(|t| rows.fast_line(t, line_no, report));
        rows.loader.row_source = None;
        if fast {
            continue;
        }
        // Invalid UTF-8 in one value must not cost the line: read it with replacement characters.
        let lossy = text.is_none();
        let text: std::borrow::Cow<[u8]> = if lossy {
            std::borrow::Cow::Owned(String::from_utf8_lossy(line).into_owned().into_bytes())
        } else {
            std::borrow::Cow::Borrowed(line)
        };
        rows.line_flag = lossy.then(|| "invalid UTF-8 replaced with U+FFFD".to_string());
        match parse_json(&text) {
            Ok(v) => rows.value(v, None, line_no, report),
            Err(e) => report.reject(
                line_no,
                format!("column {}", e.column()),
                format!("JSON does not parse: {e}"),
            ),
        }
    }
    seen
}

/// The vendor columns of the JSON Lines records of `source` that start at `offsets`, in that
/// order, each line read again as `json_lines` read it (an events line, one row). An error says
/// why not: the file is gone, changed since, or no longer holds such a line there.
pub(super) fn json_records_at(
    source: &SourceFile,
    offsets: &[u64],
) -> Result<polars::prelude::DataFrame, String> {
    let failed = |why: &dyn std::fmt::Display| source.failed(why);
    let file = source.open()?;
    let mut rows = Vec::with_capacity(offsets.len());
    for &offset in offsets {
        let line =
            super::source::line_at(&file, offset, MAX_CELL_BYTES * 64).map_err(|e| failed(&e))?;
        let mut loader = Loader::default();
        let mut report = FileReport::new(&source.path);
        json_lines(
            &mut loader,
            &line,
            0,
            Some(Role::Events),
            0,
            &mut report,
            None,
        );
        let mut built = loader.builders.into_values().filter(|b| b.rows() > 0);
        let row = match (built.next(), built.next()) {
            (Some(b), None) if b.rows() == 1 => b.finish().map_err(|e| failed(&e))?,
            _ => return Err(failed(&"it no longer holds the line read from it")),
        };
        let vendor: Vec<polars::prelude::Column> = row
            .columns()
            .iter()
            .filter(|c| {
                let name = c.name().as_str();
                !super::canon::CANONICAL_COLUMNS.contains(&name) && name != super::canon::KEY_COLUMN
            })
            .cloned()
            .collect();
        rows.push(polars::prelude::DataFrame::new(1, vendor).map_err(|e| failed(&e))?);
    }
    super::stack(rows).map_err(|e| failed(&e))
}

/// Where each line of a body starts and ends (without its newline), as `split` on `\n` has them,
/// found a vector at a time.
fn lines_of(body: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut from = 0;
    memchr::memchr_iter(b'\n', body)
        .chain(std::iter::once(body.len()))
        .map(move |end| {
            let start = from;
            from = end + 1;
            (start, end)
        })
}

fn read_json(
    loader: &mut Loader,
    bytes: &[u8],
    forced: Option<Role>,
    file: usize,
    report: &mut FileReport,
) {
    let body = without_bom(bytes);
    let mut lines = body
        .split(|&b| b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace));
    // JSON Lines when the first line is a whole value by itself (a pretty-printed document's first
    // line ends early instead), and more lines follow.
    let first_whole = lines
        .next()
        .map(|l| match serde_json::from_slice::<Value>(l) {
            Ok(v) => v.is_object(),
            Err(e) => !e.is_eof(),
        });
    let more_lines = lines.next().is_some();
    let mut rows = JsonRows {
        loader,
        file,
        fields: JsonFields::default(),
        role: forced,
        line_flag: None,
    };
    if first_whole == Some(true) && more_lines {
        report.format = "jsonl".into();
        // The file's own bytes (not gunzipped), read while a cache entry is written: its rows'
        // vendor columns stay in it. Events only: a role the user forced is read as it was.
        let origin = (rows.loader.spill.as_ref())
            .filter(|_| !report.gzip && forced.is_none_or(|r| r == Role::Events))
            .and_then(|spill| spill.source(Path::new(&report.path), &[], SourceFormat::JsonLines))
            .map(|source| Origin {
                source,
                base: bytes.as_ptr() as usize,
            });
        if body.len() >= PARALLEL_MIN_BYTES && threads() > 1 && forced.is_none() {
            // Records never span lines, so any newline is a chunk boundary.
            let n = threads();
            let mut cuts = vec![0];
            for k in 1..n {
                let target = body.len() * k / n;
                if let Some(nl) = body[target..].iter().position(|&b| b == b'\n') {
                    if target + nl + 1 > *cuts.last().unwrap_or(&0) {
                        cuts.push(target + nl + 1);
                    }
                }
            }
            cuts.push(body.len());
            let chunks: Vec<_> = cuts
                .windows(2)
                .map(|w| w[0]..w[1])
                .filter(|r| !r.is_empty())
                .collect();
            in_parallel(
                rows.loader,
                report,
                body,
                &chunks,
                0,
                |sub, chunk, offset, rep| json_lines(sub, chunk, offset, None, file, rep, origin),
            );
        } else {
            json_lines(rows.loader, body, 0, forced, file, report, origin);
        }
        return;
    }
    let doc: Value = match parse_json(body) {
        Ok(v) => v,
        Err(e) => {
            report.role = Role::Unreadable;
            report.reject(
                e.line() as u64,
                format!("column {}", e.column()),
                format!("JSON does not parse: {e}"),
            );
            return;
        }
    };
    match &doc {
        Value::Array(items) => {
            if items.first().is_some_and(Value::is_string) && forced.is_none() {
                rows.role = Some(Role::Intel);
                report.role = Role::Intel;
            }
            for (i, item) in items.iter().enumerate() {
                rows.value(item.clone(), None, i as u64 + 1, report);
            }
            if items.is_empty() {
                report.notes.push("empty JSON array: no rows".into());
            }
        }
        Value::Object(obj) => {
            if obj.get("type").and_then(Value::as_str) == Some("bundle") {
                report.role = Role::Intel;
                let source = report.path.clone();
                let before = rows.loader.intel.indicators.len();
                for (line, reason) in rows.loader.intel.read_stix(&doc, &source) {
                    report.reject(line, "pattern", reason);
                }
                report.rows += rows.loader.intel.indicators.len() - before;
            } else if let Some(records) = get_ci(obj, "records").and_then(Value::as_array) {
                for (i, r) in records.iter().enumerate() {
                    rows.value(r.clone(), None, i as u64 + 1, report);
                }
            } else if let Some(results) = get_ci(obj, "results").and_then(Value::as_array) {
                // Advanced hunting API: {"Schema": [{"Name": ..}], "Results": [{..}]} or rows as arrays.
                let names: Vec<String> = get_ci(obj, "schema")
                    .and_then(Value::as_array)
                    .map(|s| {
                        s.iter()
                            .filter_map(|c| {
                                c.as_object()
                                    .and_then(|c| get_ci(c, "name"))
                                    .and_then(Value::as_str)
                                    .map(str::to_string)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                for (i, r) in results.iter().enumerate() {
                    match r {
                        Value::Array(cells) if !names.is_empty() => {
                            let obj: Map<String, Value> =
                                names.iter().cloned().zip(cells.iter().cloned()).collect();
                            rows.object(obj, None, i as u64 + 1, report);
                        }
                        other => rows.value(other.clone(), None, i as u64 + 1, report),
                    }
                }
                if results.is_empty() {
                    report.notes.push("API response with no results".into());
                }
            } else if let Some(values) = get_ci(obj, "value").and_then(Value::as_array) {
                for (i, r) in values.iter().enumerate() {
                    rows.value(r.clone(), None, i as u64 + 1, report);
                }
            } else {
                rows.object(obj.clone(), None, 1, report);
            }
        }
        other => {
            report.role = Role::Unreadable;
            report.reject(
                1,
                "",
                format!("expected JSON rows, found {}", kind_of(other)),
            );
        }
    }
}

/// A Parquet file as text: its column names, notes about columns it could not read, and each
/// column's cells.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct ParquetText {
    pub headers: Vec<String>,
    pub notes: Vec<String>,
    pub columns: Vec<Vec<Option<String>>>,
    pub rows: usize,
}

/// Decodes a Parquet file in this process. Polars' reader panics on some malformed footers and
/// aborts the process on some malformed pages (an allocation it cannot make): `read_parquet` runs
/// this in a child process when it can, so such a file costs only itself.
pub fn parquet_text(bytes: &[u8]) -> Result<ParquetText, String> {
    use polars::prelude::*;
    let mut notes = Vec::new();
    // Columns of types this build cannot hold (decimals) are left out by name, before reading.
    let schema =
        match crate::panics::catch(|| ParquetReader::new(std::io::Cursor::new(bytes)).schema()) {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(format!("Parquet does not read: {e}")),
            Err(panic) => {
                return Err(format!(
                    "Parquet does not read: malformed file metadata ({panic})"
                ))
            }
        };
    let mut keep: Vec<String> = Vec::new();
    for (name, field) in schema.iter() {
        if format!("{:?}", field.dtype()).starts_with("Decimal") {
            notes.push(format!(
                "column {} is a DECIMAL and is not read",
                crate::text::clip(name)
            ));
        } else {
            keep.push(name.to_string());
        }
    }
    let read = crate::panics::catch(|| {
        ParquetReader::new(std::io::Cursor::new(bytes))
            .with_columns(Some(keep))
            .finish()
    });
    let df = match read {
        Ok(Ok(df)) => df,
        Ok(Err(e)) => return Err(format!("Parquet does not read: {e}")),
        Err(panic) => return Err(format!("Parquet does not read: malformed pages ({panic})")),
    };
    let headers: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let columns: Vec<Vec<Option<String>>> = df
        .columns()
        .iter()
        .map(|c| parquet_cells(c, &mut notes))
        .collect();
    Ok(ParquetText {
        headers,
        notes,
        columns,
        rows: df.height(),
    })
}

/// Decodes a Parquet file in a child process (`hirescope __parquet-text`, bytes on its standard
/// input, JSON on its output) when this process is the hirescope binary; in-process otherwise
/// (library use: tests, fuzzing). A child that dies is this file's error, not the run's end.
fn parquet_isolated(bytes: &[u8]) -> Result<ParquetText, String> {
    let exe = std::env::current_exe().ok();
    let is_hirescope = exe
        .as_ref()
        .and_then(|e| e.file_name())
        .is_some_and(|n| n == "hirescope");
    let (Some(exe), true) = (exe, is_hirescope) else {
        return parquet_text(bytes);
    };
    use std::io::{Read, Write};
    let mut child = std::process::Command::new(exe)
        .arg("__parquet-text")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("Parquet not read: could not start its reader: {e}"))?;
    let mut stdin = child.stdin.take().expect("piped");
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut out = Vec::new();
    if let Some(mut stdout) = child.stdout.take() {
        let _ = stdout.read_to_end(&mut out);
    }
    let _ = writer.join();
    let status = child
        .wait()
        .map_err(|e| format!("Parquet not read: its reader: {e}"))?;
    if !status.success() {
        return Err(format!(
            "Parquet does not read: the Parquet reader died on this file ({status}): malformed pages"
        ));
    }
    serde_json::from_slice::<Result<ParquetText, String>>(&out)
        .map_err(|e| format!("Parquet not read: its reader's answer did not parse: {e}"))?
}

/// The hidden `__parquet-text` command: Parquet bytes on standard input, the decoded text (or the
/// reason it does not read) as JSON on standard output.
pub fn parquet_text_command() -> i32 {
    use std::io::{Read, Write};
    let mut bytes = Vec::new();
    if std::io::stdin().read_to_end(&mut bytes).is_err() {
        return 1;
    }
    let text = parquet_text(&bytes);
    let mut out = std::io::stdout().lock();
    match serde_json::to_writer(&mut out, &text) {
        Ok(()) => {
            let _ = out.flush();
            0
        }
        Err(_) => 1,
    }
}

fn read_parquet(loader: &mut Loader, bytes: &[u8], file: usize, report: &mut FileReport) {
    let table = match parquet_isolated(bytes) {
        Ok(t) => t,
        Err(why) => {
            report.role = Role::Unreadable;
            report.reject(0, "", why);
            return;
        }
    };
    report.notes.extend(table.notes);
    let (headers, columns) = (table.headers, table.columns);
    let fields = Fields::new(&headers);
    for i in 0..table.rows {
        let mut flags: Vec<String> = Vec::new();
        let cells: Vec<String> = columns
            .iter()
            .zip(&headers)
            .map(|(c, name)| {
                let (text, flag) = neutral::text(c[i].clone().unwrap_or_default());
                if let Some(what) = flag {
                    report.neutralise(i as u64 + 1, name.clone(), what.clone());
                    flags.push(format!("{name}: {what}"));
                }
                text
            })
            .collect();
        let raw: Vec<&str> = cells.iter().map(String::as_str).collect();
        loader.row_flags = (!flags.is_empty()).then(|| flags.join("; "));
        emit(loader, &fields, &raw, None, file, i as u64 + 1, report);
        loader.row_flags = None;
    }
}

/// A Parquet column as text cells. Times are converted here, not by Polars, so a value outside
/// chrono's range becomes a readable number instead of a panic; a time zone is kept as UTC.
fn parquet_cells(c: &polars::prelude::Column, notes: &mut Vec<String>) -> Vec<Option<String>> {
    use polars::prelude::*;
    let n = c.len();
    let as_i64 = |c: &Column| -> Vec<Option<i64>> {
        c.to_physical_repr()
            .cast(&DataType::Int64)
            .ok()
            .and_then(|p| p.i64().ok().map(|ca| ca.iter().collect()))
            .unwrap_or_else(|| vec![None; n])
    };
    match c.dtype() {
        DataType::Datetime(unit, _) => {
            let per_ms = match unit {
                TimeUnit::Nanoseconds => 1_000_000,
                TimeUnit::Microseconds => 1_000,
                TimeUnit::Milliseconds => 1,
            };
            as_i64(c)
                .into_iter()
                .map(|v| v.map(|v| rfc3339_ms(v.div_euclid(per_ms))))
                .collect()
        }
        DataType::Date => as_i64(c)
            .into_iter()
            .map(|v| v.map(|d| rfc3339_ms(d.saturating_mul(86_400_000))))
            .collect(),
        _ => match crate::panics::catch(|| c.cast(&DataType::String)) {
            Ok(Ok(s)) => match s.str() {
                Ok(ca) => ca.iter().map(|v| v.map(str::to_string)).collect(),
                Err(_) => vec![None; n],
            },
            _ => {
                notes.push(format!(
                    "column {} has a type hirescope does not read ({}): left empty",
                    crate::text::clip(c.name()),
                    c.dtype()
                ));
                vec![None; n]
            }
        },
    }
}

/// Epoch milliseconds as RFC 3339 UTC with milliseconds, or the bare number when out of range.
fn rfc3339_ms(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(dt) => dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => ms.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::spill::{SourceFormat, Spill};
    use super::super::{FileReport, Loader, TableKind};
    use std::sync::Arc;

    /// A JSON Lines file read while a cache entry is written: rows of flat lines keep only where
    /// the line is, rows the slow path read (invalid UTF-8, an escaped key) keep their vendor
    /// columns in the pieces, pieces mix both, and every row read back is the row held without a
    /// cache. A file changed since is refused with a message. (KQL arrays: `tests/it/cache.rs`.)
    #[test]
    fn json_lines_vendor_columns_are_read_back_from_the_file() {
        let lines = [
            r#"{"TimeGenerated":"2026-08-03T16:21:21Z","Operation":"FileAccessed","OfficeWorkload":"SharePoint","UserId":"a@contoso.example","ClientIP":"73.42.118.9","SourceFileName":"x.md","Site_Url":"https://c/s/"}"#,
            "{\"TimeGenerated\":\"2026-08-03T16:22:21Z\",\"Operation\":\"FileAccessed\",\"OfficeWorkload\":\"SharePoint\",\"UserId\":\"b@contoso.example\",\"ClientIP\":\"73.42.118.9\",\"SourceFileName\":\"bad \u{fffd}\"}",
            r#"{"TimeGenerated":"2026-08-03T16:23:21Z","Operation":"FileDownloaded","OfficeWorkload":"SharePoint","UserId":"c@contoso.example","Client\u0049P":"10.0.0.1","Extra":"say \"hi\""}"#,
            r#"{"TimeGenerated":"2026-08-03T16:24:21Z","Operation":"FileAccessed","OfficeWorkload":"OneDrive","UserId":"d@contoso.example","ClientIP":"2001:db8::1","Parameters":"[{\"Name\":\"x\"}]"}"#,
            r#"{"TimeGenerated":"2026-08-03T16:25:21Z","Operation":"FileAccessed","OfficeWorkload":"SharePoint","UserId":"e@contoso.example","ClientIP":"10.0.0.2"}"#,
        ];
        let mut body = lines.join("\r\n").into_bytes();
        // Invalid UTF-8 in the second line's value: the slow path replaces it.
        let at = body
            .windows(3)
            .position(|w| w == "\u{fffd}".as_bytes())
            .unwrap();
        body.splice(at..at + 3, [0xff]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("office.jsonl");
        std::fs::write(&path, &body).unwrap();
        let read = |spill: Option<Arc<Spill>>| {
            let origin = spill.as_ref().map(|s| super::Origin {
                source: s.source(&path, &[], SourceFormat::JsonLines).unwrap(),
                base: body.as_ptr() as usize,
            });
            let mut loader = Loader {
                spill,
                ..Loader::default()
            };
            let mut report = FileReport::new(&path);
            super::json_lines(&mut loader, &body, 0, None, 0, &mut report, origin);
            loader.finish()
        };
        let held = read(None);
        let pieces = dir.path().join("pieces");
        std::fs::create_dir(&pieces).unwrap();
        let spill = Arc::new(Spill::new(pieces.clone()));
        spill.set_piece_rows(2);
        let spilled = read(Some(spill));
        crate::dictionary::write_dictionary(&pieces.join("dictionary.parquet")).unwrap();
        let kind = TableKind::OfficeActivity;
        let whole = held.table(kind).unwrap();
        assert_eq!(whole.height(), 5, "{whole}");
        assert!(spilled
            .table(kind)
            .unwrap()
            .column("SourceFileName")
            .is_err());
        assert_eq!(spilled.width(kind), held.width(kind));
        for row in 0..whole.height() as i64 {
            let back = spilled.row_whole(kind, row).unwrap();
            let want = held.row_whole(kind, row).unwrap();
            // A row read back lists the vendor columns its piece saw, as before: a held table
            // lists every column any row had, missing where this row has none.
            for c in want.columns() {
                match back.column(c.name()) {
                    Ok(b) => assert!(
                        b.equals_missing(c),
                        "row {row}, {}:\n{back}\n{want}",
                        c.name()
                    ),
                    Err(_) => {
                        assert_eq!(c.null_count(), 1, "row {row} lacks {}:\n{back}", c.name())
                    }
                }
            }
            assert!(back.width() > 34 && back.width() <= want.width());
        }
        let all = spilled.table_whole(kind).unwrap().unwrap();
        assert_eq!(all.height(), 5);
        // Pieces that cannot be written are held whole, their lines read again at once.
        let unwritten = read(Some(Arc::new(Spill::new(
            dir.path().join("no such folder"),
        ))));
        assert!(unwritten.on_disk.is_empty());
        let held_table = unwritten.table(kind).unwrap();
        for c in whole.columns() {
            let theirs = held_table.column(c.name()).unwrap();
            assert!(theirs.equals_missing(c), "{}:\n{held_table}", c.name());
        }
        std::fs::write(&path, [&body[..], b"\n"].concat()).unwrap();
        let changed = spilled.row_whole(kind, 0).unwrap_err();
        assert!(
            changed.contains("office.jsonl") && changed.contains("changed"),
            "{changed}"
        );
    }

    /// The block count is the plain count, across block edges and for a byte in every block.
    #[test]
    fn count_byte_counts_every_occurrence() {
        for len in [0, 1, 254, 255, 256, 511, 1000, 70_000] {
            let bytes: Vec<u8> = (0..len)
                .map(|i| if i % 3 == 0 { b'"' } else { (i % 251) as u8 })
                .collect();
            for b in [b'"', b'\n', 0, 250] {
                let plain = bytes.iter().filter(|&&x| x == b).count();
                assert_eq!(super::count_byte(&bytes, b), plain, "len {len} byte {b}");
            }
        }
        assert_eq!(super::count_byte(&[b'\n'; 600], b'\n'), 600);
    }
}
