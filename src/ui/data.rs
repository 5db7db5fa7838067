//! What the views show, computed from the analysis: a person's timeline, entities, travel hops,
//! findings, a pivot's rows and a row's full detail. Computed once per view, then only the visible
//! window is rendered.

use crate::analysis::Analysis;
use crate::detect::{Config, Finding};
use crate::ingest::TableKind;
use crate::sanitize::visible;
use crate::time::format_ts;
use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// The loaded investigation with indexes the views need.
pub struct Workspace {
    pub analysis: Analysis,
    /// Each person's rows in the (person, time)-sorted events frame: start and length.
    pub ranges: HashMap<String, (usize, usize)>,
    /// Findings that cite each evidence row.
    pub cited: HashMap<(TableKind, i64), Vec<usize>>,
    /// Where each IP, account and device occurs, so pivots and "who else" never scan the frame.
    pub index: Arc<EventIndex>,
}

/// Row positions of every value of the pivotable columns, built once per loaded data set.
pub struct EventIndex {
    /// Per row, the person (index into `persons`).
    person_of_row: Vec<Option<u32>>,
    persons: Vec<String>,
    ts: Vec<i64>,
    rows: HashMap<(u8, String), Vec<u32>>,
}

const IX_IP: u8 = 0;
const IX_ACCOUNT: u8 = 1;
const IX_DEVICE: u8 = 2;
const IX_ISP: u8 = 3;

impl EventIndex {
    pub fn build(events: &DataFrame) -> EventIndex {
        let persons_col = strs(events, "person");
        let mut persons: Vec<String> = Vec::new();
        let mut person_id: HashMap<String, u32> = HashMap::new();
        let person_of_row = persons_col
            .into_iter()
            .map(|p| {
                p.map(|p| {
                    let next = persons.len() as u32;
                    *person_id.entry(p.clone()).or_insert_with(|| {
                        persons.push(p);
                        next
                    })
                })
            })
            .collect();
        let mut rows: HashMap<(u8, String), Vec<u32>> = HashMap::new();
        for (kind, column) in [
            (IX_IP, "ip"),
            (IX_ACCOUNT, "account"),
            (IX_ACCOUNT, "peer"),
            (IX_ACCOUNT, "object_id"),
            (IX_DEVICE, "device_id"),
            (IX_ISP, "isp"),
        ] {
            let Ok(c) = events.column(column).and_then(|c| c.str().cloned()) else {
                continue;
            };
            for (i, v) in c.iter().enumerate() {
                if let Some(v) = v {
                    match rows.get_mut(&(kind, v.to_string())) {
                        Some(list) => {
                            if list.last() != Some(&(i as u32)) {
                                list.push(i as u32);
                            }
                        }
                        None => {
                            rows.insert((kind, v.to_string()), vec![i as u32]);
                        }
                    }
                }
            }
        }
        let ts = ints(events, "ts_ms")
            .into_iter()
            .map(|t| t.unwrap_or(0))
            .collect();
        EventIndex {
            person_of_row,
            persons,
            ts,
            rows,
        }
    }

    /// Rows where a value occurs, in time order.
    fn rows_of(&self, kind: u8, value: &str) -> Vec<u32> {
        let mut r = self
            .rows
            .get(&(kind, value.to_string()))
            .cloned()
            .unwrap_or_default();
        r.sort_by_key(|&i| (self.ts[i as usize], i));
        r.dedup();
        r
    }

    /// The people, other than `person`, whose events carry a value.
    fn others(&self, kind: u8, value: &str, person: &str) -> Vec<String> {
        let mut ids: Vec<u32> = self
            .rows
            .get(&(kind, value.to_string()))
            .map(|r| {
                r.iter()
                    .filter_map(|&i| self.person_of_row[i as usize])
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids.dedup();
        let mut out: Vec<String> = ids
            .into_iter()
            .map(|i| self.persons[i as usize].clone())
            .filter(|p| p != person)
            .collect();
        out.sort();
        out
    }
}

// Views read leniently: a column a frame lacks shows as empty, never as an error on screen.
fn strs(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    crate::columns::texts(df, name).unwrap_or_else(|_| vec![None; df.height()])
}

fn ints(df: &DataFrame, name: &str) -> Vec<Option<i64>> {
    crate::columns::ints(df, name).unwrap_or_else(|_| vec![None; df.height()])
}

fn floats(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    crate::columns::floats(df, name).unwrap_or_else(|_| vec![None; df.height()])
}

fn flags(df: &DataFrame, name: &str) -> Vec<bool> {
    crate::columns::bools(df, name)
        .map(|v| v.into_iter().map(|b| b == Some(true)).collect())
        .unwrap_or_else(|_| vec![false; df.height()])
}

impl Workspace {
    pub fn new(analysis: Analysis) -> Workspace {
        let index = Arc::new(EventIndex::build(&analysis.model.events));
        Workspace::with_index(analysis, index)
    }

    /// A workspace over the same events as an earlier one (new findings): its index still holds.
    pub fn with_index(analysis: Analysis, index: Arc<EventIndex>) -> Workspace {
        let persons = strs(&analysis.model.events, "person");
        let mut ranges: HashMap<String, (usize, usize)> = HashMap::new();
        let mut i = 0;
        while i < persons.len() {
            let start = i;
            while i < persons.len() && persons[i] == persons[start] {
                i += 1;
            }
            if let Some(p) = &persons[start] {
                ranges.insert(p.clone(), (start, i - start));
            }
        }
        let mut cited: HashMap<(TableKind, i64), Vec<usize>> = HashMap::new();
        for (k, f) in analysis.findings.iter().enumerate() {
            for e in &f.evidence {
                if let Some(kind) = TableKind::from_name(&e.table) {
                    cited.entry((kind, e.row)).or_default().push(k);
                }
            }
        }
        Workspace {
            analysis,
            ranges,
            cited,
            index,
        }
    }

    pub fn findings_of(&self, person: &str) -> Vec<&Finding> {
        self.analysis
            .findings
            .iter()
            .filter(|f| f.person == person || f.members.iter().any(|m| m == person))
            .collect()
    }

    pub fn person_frame(&self, person: &str) -> DataFrame {
        match self.ranges.get(person) {
            Some(&(start, len)) => self.analysis.model.events.slice(start as i64, len),
            None => self.analysis.model.events.clear(),
        }
    }
}

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
}

/// The text columns an `EventRow` is made of, in the order `event_rows_on` reads them.
const EVENT_ROW_TEXT: [&str; 11] = [
    "stage",
    "table",
    "person",
    "app",
    "action",
    "object",
    "account",
    "ip",
    "country",
    "device_id",
    "peer",
];
/// ... and its numeric columns.
const EVENT_ROW_NUMBERS: [&str; 3] = ["ts_ms", "row", "hire_ts"];

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
        let filter = col("table")
            .eq(lit(table.to_string()))
            .and(col("row").is_in(lit(Series::new("r".into(), rows)).implode(false), false));
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

/// Events per day across a set of rows, for the activity histogram.
pub fn histogram(rows: &[EventRow], buckets: usize) -> (Vec<u64>, i64, i64) {
    let (Some(lo), Some(hi)) = (
        rows.iter().map(|r| r.ts).min(),
        rows.iter().map(|r| r.ts).max(),
    ) else {
        return (Vec::new(), 0, 0);
    };
    let buckets = buckets.max(1);
    let span = (hi - lo).max(1);
    let mut h = vec![0u64; buckets];
    for r in rows {
        let b = (((r.ts - lo) as f64 / span as f64) * (buckets - 1) as f64).round() as usize;
        h[b.min(buckets - 1)] += 1;
    }
    (h, lo, hi)
}

#[derive(Clone, Debug)]
pub struct EntityRow {
    pub kind: &'static str,
    pub value: String,
    pub events: usize,
    pub shared_with: Vec<String>,
}

/// The person's identifiers, IPs, devices, countries, ISPs and user agents, and who else shares each.
pub fn entities(ws: &Workspace, person: &str) -> Vec<EntityRow> {
    // Mail sent to the person carries the sender's network, not theirs.
    const COUNTED: [(&str, &str); 5] = [
        ("ip", "ip"),
        ("device", "device_id"),
        ("country", "country"),
        ("isp", "isp"),
        ("user agent", "user_agent"),
    ];
    // Only the counted columns are filtered: the person's frame is some forty columns wide.
    let df = ws
        .person_frame(person)
        .lazy()
        .filter(col("via_peer").not())
        .select(COUNTED.iter().map(|(_, c)| col(*c)).collect::<Vec<_>>())
        .collect()
        .unwrap_or_default();
    let mut out = Vec::new();
    if let Some(p) = ws.analysis.model.people.iter().find(|p| p.key == person) {
        for id in &p.identifiers {
            out.push(EntityRow {
                kind: "identifier",
                value: id.clone(),
                events: 0,
                shared_with: Vec::new(),
            });
        }
    }
    for (kind, column) in COUNTED {
        // Counted on borrowed text: a busy person has tens of thousands of rows.
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        let texts = crate::columns::borrowed_texts(&df, column).unwrap_or_default();
        for v in texts.into_iter().flatten() {
            *counts.entry(v).or_default() += 1;
        }
        let values: Vec<String> = counts.keys().map(|v| v.to_string()).collect();
        let shared = if matches!(kind, "ip" | "device" | "isp") {
            sharers(ws, column, &values, person)
        } else {
            HashMap::new()
        };
        let mut rows: Vec<EntityRow> = counts
            .into_iter()
            .map(|(value, events)| EntityRow {
                kind,
                shared_with: shared.get(value).cloned().unwrap_or_default(),
                value: value.to_string(),
                events,
            })
            .collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.events));
        out.extend(rows);
    }
    out
}

/// For each value, the other people whose events carry it (from the index: no scan).
fn sharers(
    ws: &Workspace,
    column: &str,
    values: &[String],
    person: &str,
) -> HashMap<String, Vec<String>> {
    let kind = match column {
        "ip" => IX_IP,
        "device_id" => IX_DEVICE,
        "isp" => IX_ISP,
        _ => IX_ACCOUNT,
    };
    values
        .iter()
        .map(|v| (v.clone(), ws.index.others(kind, v, person)))
        .filter(|(_, o)| !o.is_empty())
        .collect()
}

#[derive(Clone, Debug)]
pub struct Hop {
    pub from_ip: String,
    pub to_ip: String,
    pub from_ts: i64,
    pub to_ts: i64,
    pub from: (f64, f64),
    pub to: (f64, f64),
    pub from_place: String,
    pub to_place: String,
    pub km: f64,
    pub hours: f64,
    pub kmh: f64,
    pub verdict: &'static str,
    /// The two events, (table, row): where the person was before and after.
    pub rows: [(String, i64); 2],
}

pub struct Travel {
    pub points: Vec<(f64, f64, String)>,
    pub hops: Vec<Hop>,
    /// Impossible hops per week since hire (week index, count).
    pub weekly: Vec<(i64, u64)>,
    pub hire: Option<i64>,
}

/// The person's located events as hops between places, each with its verdict under `config`:
/// the model's own hops (`model::travel`), the same the impossible-travel detector counts.
pub fn travel(ws: &Workspace, person: &str, config: &Config) -> Travel {
    use crate::model::travel::{self, verdict};
    let df = ws.person_frame(person);
    let hire = ints(&df, "hire_ts").into_iter().flatten().next();
    let located = travel::located(df.clone().lazy())
        .select([col("lat"), col("lon"), col("city"), col("country")])
        .collect()
        .unwrap_or_default();
    let mut points: Vec<(f64, f64, String)> = Vec::new();
    let (lat, lon) = (floats(&located, "lat"), floats(&located, "lon"));
    let (city, country) = (strs(&located, "city"), strs(&located, "country"));
    for i in 0..located.height() {
        if let (Some(la), Some(lo)) = (lat[i], lon[i]) {
            if !points.iter().any(|(a, b, _)| *a == la && *b == lo) {
                points.push((la, lo, place_name(&city[i], &country[i])));
            }
        }
    }
    let pairs = travel::hops(df.lazy())
        .and_then(|h| {
            h.with_column(travel::impossible(config).alias("impossible"))
                .collect()
        })
        .unwrap_or_default();
    let f = |n: &str| floats(&pairs, n);
    let (lat, lon, p_lat, p_lon) = (f("lat"), f("lon"), f("p_lat"), f("p_lon"));
    let (km, hours, kmh) = (f("km_adj"), f("hours"), f("kmh"));
    let (ts, p_ts) = (ints(&pairs, "ts_ms"), ints(&pairs, "p_ts"));
    let (city, country) = (strs(&pairs, "city"), strs(&pairs, "country"));
    let (p_city, p_country) = (strs(&pairs, "p_city"), strs(&pairs, "p_country"));
    let (ip, p_ip) = (strs(&pairs, "ip"), strs(&pairs, "p_ip"));
    let (table, p_table) = (strs(&pairs, "table"), strs(&pairs, "p_table"));
    let (row, p_row) = (ints(&pairs, "row"), ints(&pairs, "p_row"));
    let (same_ip, vpn, impossible) = (
        flags(&pairs, "same_ip"),
        flags(&pairs, "vpn"),
        flags(&pairs, "impossible"),
    );
    let hops: Vec<Hop> = (0..pairs.height())
        .map(|i| Hop {
            from_ip: p_ip[i].clone().unwrap_or_default(),
            to_ip: ip[i].clone().unwrap_or_default(),
            from_ts: p_ts[i].unwrap_or(0),
            to_ts: ts[i].unwrap_or(0),
            from: (p_lat[i].unwrap_or(0.0), p_lon[i].unwrap_or(0.0)),
            to: (lat[i].unwrap_or(0.0), lon[i].unwrap_or(0.0)),
            from_place: place_name(&p_city[i], &p_country[i]),
            to_place: place_name(&city[i], &country[i]),
            km: km[i].unwrap_or(0.0),
            hours: hours[i].unwrap_or(0.0),
            kmh: kmh[i].unwrap_or(0.0),
            verdict: match (same_ip[i], impossible[i], vpn[i]) {
                (true, _, _) => verdict::SAME_IP,
                (false, true, true) => verdict::IMPOSSIBLE_VPN,
                (false, true, false) => verdict::IMPOSSIBLE,
                _ => verdict::POSSIBLE,
            },
            rows: [
                (
                    p_table[i].clone().unwrap_or_default(),
                    p_row[i].unwrap_or(-1),
                ),
                (table[i].clone().unwrap_or_default(), row[i].unwrap_or(-1)),
            ],
        })
        .collect();
    let mut weekly: BTreeMap<i64, u64> = BTreeMap::new();
    if let Some(h) = hire {
        for hop in hops
            .iter()
            .filter(|h| h.verdict == verdict::IMPOSSIBLE && h.to_ts >= 0)
        {
            let w = (hop.to_ts - h).div_euclid(7 * 86_400_000);
            if w >= 0 {
                *weekly.entry(w).or_default() += 1;
            }
        }
        if let Some(&last) = weekly.keys().max() {
            for w in 0..last {
                weekly.entry(w).or_default();
            }
        }
    }
    Travel {
        points,
        hops,
        weekly: weekly.into_iter().collect(),
        hire,
    }
}

fn place_name(city: &Option<String>, country: &Option<String>) -> String {
    format!(
        "{} {}",
        city.as_deref().unwrap_or("?"),
        country.as_deref().unwrap_or("?")
    )
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
            let suffix = format!("@{v}");
            let filter = col("account")
                .str()
                .ends_with(lit(suffix.clone()))
                .or(col("peer").str().ends_with(lit(suffix)));
            ws.analysis
                .model
                .events
                .clone()
                .lazy()
                .filter(filter)
                .sort(["ts_ms"], SortMultipleOptions::default())
                .collect()
        }
        (None, _) => ws.analysis.model.events.clone().lazy().limit(0).collect(),
    };
    let rows = df.map(|d| event_rows(ws, &d)).unwrap_or_default();
    let people: BTreeSet<String> = rows.iter().filter_map(|r| r.person.clone()).collect();
    (rows, people.into_iter().collect())
}

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
    let Some(df) = TableKind::from_name(table).and_then(|k| ws.analysis.data.table(k)) else {
        return vec![format!("no table {table}")];
    };
    if row < 0 || row as usize >= df.height() {
        return vec![format!("{table} has no row {row}")];
    }
    let one = df.slice(row, 1);
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
    let canonical = crate::ingest::canon::CANONICAL_COLUMNS;
    // What hirescope derived lives in the events frame (the model took it from the table); a
    // table the model does not hold keeps its own.
    let derived = ws
        .analysis
        .model
        .events
        .clone()
        .lazy()
        .filter(col("table").eq(lit(table)).and(col("row").eq(lit(row))))
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
    out.push(String::new());
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
        } else {
            cell(&derived, name)
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
                if r.column.is_empty() {
                    String::new()
                } else {
                    format!(" column {}", visible(&r.column))
                },
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
                "    kept line {} {}: {}",
                r.line,
                visible(&r.column),
                visible(&r.reason)
            ));
        }
    }
    out
}
