//! Matching events pulled out of a Polars result into plain structs, for building findings.

use polars::prelude::*;

/// One event row of the model, with the columns findings are built from.
#[derive(Clone, Debug, Default)]
pub struct Ev {
    pub table: String,
    pub row: i64,
    pub ts: i64,
    pub person: Option<String>,
    pub account: Option<String>,
    pub object_id: Option<String>,
    pub peer: Option<String>,
    pub ip: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub app: Option<String>,
    pub action: Option<String>,
    pub object: Option<String>,
    pub device_id: Option<String>,
    pub ip_intel: Option<String>,
    pub account_intel: Option<String>,
    pub ip_category: Option<String>,
    pub anon_proxy: bool,
    pub stage: Option<String>,
    pub hire_ts: Option<i64>,
    pub work_country: Option<String>,
    pub detail: Option<String>,
}

/// Columns a query did not select read as empty: detectors select only what they need.
fn strs(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    match df.column(name) {
        Ok(_) => crate::columns::texts(df, name),
        Err(_) => Ok(vec![None; df.height()]),
    }
}

use crate::columns::ints;

/// Collects a lazy query over the events frame into `Ev`s.
pub fn collect(lf: LazyFrame) -> PolarsResult<Vec<Ev>> {
    let df = lf.collect()?;
    from_frame(&df)
}

pub fn from_frame(df: &DataFrame) -> PolarsResult<Vec<Ev>> {
    let n = df.height();
    let table = strs(df, "table")?;
    let row = ints(df, "row")?;
    let ts = ints(df, "ts_ms")?;
    let hire = ints(df, "hire_ts")?;
    let anon = crate::columns::bools(df, "anon_proxy")?;
    let mut cols: Vec<Vec<Option<String>>> = Vec::new();
    for name in [
        "person",
        "account",
        "object_id",
        "peer",
        "ip",
        "country",
        "city",
        "app",
        "action",
        "object",
        "device_id",
        "ip_intel",
        "account_intel",
        "ip_category",
        "stage",
        "work_country",
        "detail",
    ] {
        cols.push(strs(df, name)?);
    }
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut take = |k: usize| cols[k][i].take();
        out.push(Ev {
            table: table[i].clone().unwrap_or_default(),
            row: row[i].unwrap_or(-1),
            ts: ts[i].unwrap_or(0),
            person: take(0),
            account: take(1),
            object_id: take(2),
            peer: take(3),
            ip: take(4),
            country: take(5),
            city: take(6),
            app: take(7),
            action: take(8),
            object: take(9),
            device_id: take(10),
            ip_intel: take(11),
            account_intel: take(12),
            ip_category: take(13),
            anon_proxy: anon[i].unwrap_or(false),
            stage: take(14),
            hire_ts: hire[i],
            work_country: take(15),
            detail: take(16),
        });
    }
    Ok(out)
}

/// Groups events by a key, keeping key order stable.
pub fn group_by<K: Ord + Clone>(
    evs: &[Ev],
    key: impl Fn(&Ev) -> Option<K>,
) -> std::collections::BTreeMap<K, Vec<&Ev>> {
    let mut m: std::collections::BTreeMap<K, Vec<&Ev>> = std::collections::BTreeMap::new();
    for e in evs {
        if let Some(k) = key(e) {
            m.entry(k).or_default().push(e);
        }
    }
    m
}
