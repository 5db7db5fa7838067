//! One row whole, and the report of what was read: lines for the detail view.

use super::{ints, Workspace};
use crate::ingest::TableKind;
use crate::model::columns as C;
use crate::sanitize::visible;
use crate::time::format_ts;
use polars::prelude::*;

/// One cell as detail lines: JSON pretty-printed, multi-line text kept, everything made visible.
fn push_cell(out: &mut Vec<String>, name: &str, value: &str) {
    let trimmed = value.trim_start();
    if (trimmed.starts_with('{') || trimmed.starts_with('[')) && trimmed.len() > 2 {
        if let Ok(json) = serde_json::from_str::<serde_json::Value>(trimmed) {
            out.push(format!("{}:", visible(name)));
            for l in serde_json::to_string_pretty(&json)
                .unwrap_or_default()
                .lines()
            {
                out.push(format!("    {}", visible(l)));
            }
            return;
        }
    }
    let mut lines = value.lines();
    out.push(format!(
        "{}: {}",
        visible(name),
        visible(lines.next().unwrap_or(""))
    ));
    for l in lines {
        out.push(format!("    {}", visible(l)));
    }
}

/// One row of a vendor table, whole: every non-empty column, JSON cells pretty-printed, all text
/// made safe for the terminal.
pub fn detail(ws: &Workspace, table: &str, row: i64) -> Vec<String> {
    let Some(kind) = TableKind::from_name(table) else {
        return vec![format!("no table {}", visible(table))];
    };
    // When the vendor columns cannot be read back (the export changed or the cache went since
    // the load), the row is still shown from what is held, the canonical columns, under the
    // reason: the view never goes blank.
    let (one, unread) = match ws.analysis.data.row_whole(kind, row) {
        Ok(one) => (one, None),
        Err(why) => match ws.analysis.data.row_held(kind, row) {
            Some(held) => (held, Some(why)),
            None => return vec![visible(&why).into_owned()],
        },
    };
    let file = ints(&one, "file")
        .first()
        .copied()
        .flatten()
        .and_then(|f| ws.analysis.data.files.get(f as usize))
        .map(|f| f.path.clone())
        .unwrap_or_default();
    let line = ints(&one, "line").first().copied().flatten().unwrap_or(0);
    let mut out = vec![
        format!("{table} row {row} · {} line {line}", visible(&file)),
        String::new(),
    ];
    if let Some(why) = unread {
        out.insert(1, format!("! {}", visible(&why)));
    }
    let canonical = crate::ingest::canon::CANONICAL_COLUMNS;
    // What hirescope derived lives in the events frame (the model took it from the table); a
    // table the model does not hold keeps its own.
    let derived = ws
        .analysis
        .model
        .events
        .clone()
        .lazy()
        .filter(col(C::TABLE).eq(lit(table)).and(col(C::ROW).eq(lit(row))))
        .collect()
        .ok()
        .filter(|e| e.height() > 0)
        .unwrap_or_else(|| one.clone());
    let cell = |df: &DataFrame, name: &str| -> Option<String> {
        let c = df.column(name).ok()?.cast(&DataType::String).ok()?;
        let v = c.str().ok()?.get(0)?.to_string();
        (!v.is_empty()).then_some(v)
    };
    // A cell changed to keep the row (NUL, invalid UTF-8, clipped) is said before anything else.
    if let Some(flags) = cell(&one, "flags") {
        out.insert(
            1,
            format!("! neutralised to keep this row: {}", visible(&flags)),
        );
    }
    // The vendor's own columns first, as exported; then what hirescope derived from them.
    for c in one
        .columns()
        .iter()
        .filter(|c| !canonical.contains(&c.name().as_str()))
    {
        let name = c.name().to_string();
        if let Some(v) = cell(&one, &name) {
            push_cell(&mut out, &name, &v);
        }
    }
    if out.last().is_some_and(|l| !l.is_empty()) {
        out.push(String::new());
    }
    out.push("derived by hirescope:".into());
    for name in canonical
        .iter()
        .filter(|n| !matches!(**n, "row" | "file" | "line"))
    {
        let v = if *name == "ts" {
            ints(&derived, "ts")
                .first()
                .copied()
                .flatten()
                .map(format_ts)
        } else if derived.column(name).is_ok() {
            cell(&derived, name)
        } else {
            // A column only linking reads (`model::LINKING_ONLY`): the table keeps it.
            cell(&one, name)
        };
        if let Some(v) = v {
            push_cell(&mut out, name, &v);
        }
    }
    out
}

/// What was read, for the load report view: every file with its format, role and counts, every
/// rejected row (file, line, column, reason), every neutralised cell, duplicates and warnings.
pub fn load_report(ws: &Workspace) -> Vec<String> {
    let data = &ws.analysis.data;
    let mut out = vec![
        format!(
            "{} rows kept · {} rejected · {} duplicates dropped · {} files · roster {} people · intel {} indicators · networks {} ranges",
            data.rows(),
            data.rejected(),
            data.duplicates(),
            data.files.len(),
            data.roster.people.len(),
            data.intel.indicators.len(),
            data.networks.ranges.len()
        ),
        String::new(),
    ];
    let warnings = data.warnings();
    if !warnings.is_empty() {
        out.push(format!("warnings ({}):", warnings.len()));
        out.extend(warnings.iter().map(|w| format!("  {}", visible(w))));
        out.push(String::new());
    }
    for f in &data.files {
        out.push(f.summary());
        for n in &f.notes {
            out.push(format!("    note: {}", visible(n)));
        }
        for r in &f.rejected {
            out.push(format!(
                "    rejected line {}{}: {}",
                r.line,
                r.column_place(),
                visible(&r.reason)
            ));
        }
        if f.rejected_count > f.rejected.len() {
            out.push(format!(
                "    … and {} more rejected rows (hirescope inspect --format json lists the first {})",
                f.rejected_count - f.rejected.len(),
                f.rejected.len()
            ));
        }
        for r in &f.neutralised {
            out.push(format!(
                "    kept line {}{}: {}",
                r.line,
                r.cell_place(),
                visible(&r.reason)
            ));
        }
    }
    out
}
