//! Event rows: what the timeline, evidence and pivot views list and the report's timeline cites,
//! and what a pivot is on.

use super::{ints, strs, Workspace, IX_ACCOUNT, IX_DEVICE, IX_IP};
use crate::ingest::TableKind;
use crate::model::columns as C;
use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Where in the hiring lifecycle an event falls (`detect::Phase`), or `-` for staff.
pub fn phase(ts: i64, hire: Option<i64>, stage: &str, action: &str) -> &'static str {
    crate::detect::Phase::of_event(ts, hire, stage, action).map_or("-", crate::detect::Phase::name)
}

#[derive(Clone, Debug)]
pub struct EventRow {
    pub ts: i64,
    pub phase: &'static str,
    pub table: String,
    pub row: i64,
    pub person: Option<String>,
    pub app: String,
    pub action: String,
    pub object: String,
    pub account: String,
    pub ip: String,
    pub country: String,
    pub device: String,
    pub peer: String,
    /// The person's hire date, when the roster has one.
    pub hire: Option<i64>,
    /// How many findings cite this row.
    pub flagged: usize,
}

impl EventRow {
    /// The text searched by `/`.
    pub fn haystack(&self) -> String {
        format!(
            "{} {} {} {} {} {} {} {}",
            self.table,
            self.app,
            self.action,
            self.object,
            self.account,
            self.ip,
            self.country,
            self.device
        )
        .to_lowercase()
    }

    /// The row as one tab-separated line, for the clipboard.
    pub fn copy_text(&self) -> String {
        [
            crate::time::format_ts(self.ts),
            self.table.clone(),
            self.row.to_string(),
            self.app.clone(),
            self.action.clone(),
            self.object.clone(),
            self.account.clone(),
            self.ip.clone(),
            self.country.clone(),
        ]
        .join("\t")
    }
}

/// The text columns an `EventRow` is made of, in the order `event_rows_on` reads them.
const EVENT_ROW_TEXT: [&str; 11] = [
    C::STAGE,
    C::TABLE,
    C::PERSON,
    C::APP,
    C::ACTION,
    C::OBJECT,
    C::ACCOUNT,
    C::IP,
    C::COUNTRY,
    C::DEVICE_ID,
    C::PEER,
];
/// ... and its numeric columns.
const EVENT_ROW_NUMBERS: [&str; 3] = [C::TS_MS, C::ROW, C::HIRE_TS];

fn event_rows(ws: &Workspace, df: &DataFrame) -> Vec<EventRow> {
    // Large pivots (an office's egress address) are converted on every core.
    let n = df.height();
    let threads = std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .min(8);
    if n < 50_000 || threads < 2 {
        return event_rows_on(ws, df);
    }
    let per = n.div_ceil(threads);
    let parts: Vec<Vec<EventRow>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                let part = df.slice((k * per) as i64, per);
                scope.spawn(move || event_rows_on(ws, &part))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    parts.into_iter().flatten().collect()
}

fn event_rows_on(ws: &Workspace, df: &DataFrame) -> Vec<EventRow> {
    let [ts, row, hire] = EVENT_ROW_NUMBERS.map(|c| ints(df, c));
    // Each text column is read once and its strings moved into the rows, not copied again.
    let [stage, table, person, app, action, object, account, ip, country, device, peer] =
        EVENT_ROW_TEXT.map(|c| strs(df, c).into_iter());
    let mut out = Vec::with_capacity(df.height());
    let columns = stage
        .zip(table)
        .zip(person)
        .zip(app)
        .zip(action)
        .zip(object)
        .zip(account)
        .zip(ip)
        .zip(country)
        .zip(device)
        .zip(peer);
    for (
        i,
        (
            (((((((((stage, t), person), app), action), object), account), ip), country), device),
            peer,
        ),
    ) in columns.enumerate()
    {
        let t = t.unwrap_or_default();
        let r = row[i].unwrap_or(-1);
        let app = app.unwrap_or_default();
        let action = action.unwrap_or_default();
        let flagged = match TableKind::from_name(&t) {
            Some(kind) if !ws.cited.is_empty() => ws.cited.get(&(kind, r)).map_or(0, Vec::len),
            _ => 0,
        };
        out.push(EventRow {
            ts: ts[i].unwrap_or(0),
            phase: phase(
                ts[i].unwrap_or(0),
                hire[i],
                stage.as_deref().unwrap_or(""),
                &action,
            ),
            flagged,
            hire: hire[i],
            table: t,
            row: r,
            person,
            app,
            action,
            object: object.unwrap_or_default(),
            account: account.unwrap_or_default(),
            ip: ip.unwrap_or_default(),
            country: country.unwrap_or_default(),
            device: device.unwrap_or_default(),
            peer: peer.unwrap_or_default(),
        });
    }
    out
}

/// The event rows a finding cites, in time order: one filter per table over the whole frame.
pub fn evidence_rows(ws: &Workspace, evidence: &[crate::detect::Evidence]) -> Vec<EventRow> {
    let mut by_table: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for e in evidence {
        by_table.entry(e.table.as_str()).or_default().push(e.row);
    }
    let mut out = Vec::new();
    for (table, rows) in by_table {
        let filter = col(C::TABLE)
            .eq(lit(table.to_string()))
            .and(col(C::ROW).is_in(lit(Series::new("r".into(), rows)).implode(false), false));
        if let Ok(df) = ws
            .analysis
            .model
            .events
            .clone()
            .lazy()
            .filter(filter)
            .collect()
        {
            out.extend(event_rows(ws, &df));
        }
    }
    out.sort_by_key(|r| r.ts);
    out
}

pub fn timeline(ws: &Workspace, person: &str) -> Vec<EventRow> {
    event_rows(ws, &ws.person_frame(person))
}

/// What a pivot is on.
#[derive(Clone, Debug, PartialEq)]
pub enum PivotKey {
    Ip(String),
    Account(String),
    Device(String),
    Domain(String),
}

impl PivotKey {
    /// The pivot as `kind:value`, as a saved session holds it.
    pub fn spec(&self) -> String {
        match self {
            PivotKey::Ip(v) => format!("ip:{v}"),
            PivotKey::Account(v) => format!("account:{v}"),
            PivotKey::Device(v) => format!("device:{v}"),
            PivotKey::Domain(v) => format!("domain:{v}"),
        }
    }

    pub fn from_spec(spec: &str) -> Option<PivotKey> {
        let (kind, v) = spec.split_once(':')?;
        let v = v.to_string();
        Some(match kind {
            "ip" => PivotKey::Ip(v),
            "account" => PivotKey::Account(v),
            "device" => PivotKey::Device(v),
            "domain" => PivotKey::Domain(v),
            _ => return None,
        })
    }

    pub fn label(&self) -> String {
        match self {
            PivotKey::Ip(v) => format!("IP {v}"),
            PivotKey::Account(v) => format!("account {v}"),
            PivotKey::Device(v) => format!("device {v}"),
            PivotKey::Domain(v) => format!("domain {v}"),
        }
    }

    /// The pivot keys a row offers, most specific first.
    pub fn of_row(r: &EventRow) -> Vec<PivotKey> {
        let mut v = Vec::new();
        if !r.ip.is_empty() {
            v.push(PivotKey::Ip(r.ip.clone()));
        }
        if !r.account.is_empty() {
            v.push(PivotKey::Account(r.account.clone()));
        }
        if !r.device.is_empty() {
            v.push(PivotKey::Device(r.device.clone()));
        }
        for a in [&r.account, &r.peer] {
            if let Some((_, d)) = a.rsplit_once('@') {
                let k = PivotKey::Domain(d.to_string());
                if !v.contains(&k) {
                    v.push(k);
                }
            }
        }
        v
    }
}

/// Everything that touched a pivot value, and everyone.
pub fn pivot(ws: &Workspace, key: &PivotKey) -> (Vec<EventRow>, Vec<String>) {
    let indexed = match key {
        PivotKey::Ip(v) => Some(ws.index.rows_of(IX_IP, v)),
        PivotKey::Account(v) => Some(ws.index.rows_of(IX_ACCOUNT, v)),
        PivotKey::Device(v) => Some(ws.index.rows_of(IX_DEVICE, v)),
        PivotKey::Domain(_) => None,
    };
    let df = match (indexed, key) {
        (Some(rows), _) => {
            let idx = IdxCa::from_vec(
                "idx".into(),
                rows.into_iter().map(|r| r as IdxSize).collect(),
            );
            // Gather only the columns a row shows: a pivot can hold a fifth of all events.
            ws.analysis
                .model
                .events
                .select(EVENT_ROW_NUMBERS.iter().chain(&EVENT_ROW_TEXT).copied())
                .and_then(|d| d.take(&idx))
        }
        (None, PivotKey::Domain(v)) => {
            let filter = super::domain_filter(v);
            ws.analysis
                .model
                .events
                .clone()
                .lazy()
                .filter(filter)
                .sort([C::TS_MS], SortMultipleOptions::default())
                .collect()
        }
        (None, _) => ws.analysis.model.events.clone().lazy().limit(0).collect(),
    };
    let rows = df.map(|d| event_rows(ws, &d)).unwrap_or_default();
    let people: BTreeSet<String> = rows.iter().filter_map(|r| r.person.clone()).collect();
    (rows, people.into_iter().collect())
}
