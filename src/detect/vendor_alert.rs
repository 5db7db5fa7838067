use super::evs::{collect, group_by};
use super::*;
use crate::figures;
use crate::ingest::TableKind;
use crate::intel::Intel;

pub const DETECTOR: Detector = Detector {
    id: "vendor-alert",
    title: "Vendor alert or behaviour",
    phase: Phase::Lifecycle,
    attack: &[],
    run,
    kql,
};

/// The alert tables whole, vendor columns included (they may be in the cache, not in memory).
type Whole<'a> = std::collections::HashMap<&'static str, std::borrow::Cow<'a, DataFrame>>;

/// A raw column's text at a row of a table, when present.
fn raw(whole: &Whole, table: &str, column: &str, row: i64) -> Option<String> {
    let df = whole.get(table)?;
    let c = df
        .column(column)
        .ok()?
        .slice(row, 1)
        .cast(&DataType::String)
        .ok()?;
    Some(c.str().ok()?.get(0)?.to_string())
}

fn run(ctx: &Context) -> PolarsResult<Vec<Finding>> {
    let names = ["AlertEvidence", "BehaviorInfo"];
    let tables = is_in_list("table", names.iter().map(|n| n.to_string()).collect());
    let evs = collect(ctx.events().filter(tables.and(col("person").is_not_null())))?;
    // Severity and the vendor's alert id are vendor columns: when they cannot be read back the
    // detector fails with the reason rather than report every alert as medium and unnamed.
    let mut whole: Whole = Whole::new();
    for name in names {
        let Some(kind) = TableKind::from_name(name) else {
            continue;
        };
        if let Some(df) = ctx.data.table_whole(kind).map_err(
            |why| polars_err!(ComputeError: "the vendor columns of {name} cannot be read: {why}"),
        )? {
            whole.insert(name, df);
        }
    }
    let raw = |table: &str, column: &str, row: i64| raw(&whole, table, column, row);
    let mut out = Vec::new();
    for ((person, title), g) in group_by(&evs, |e| {
        Some((e.person.clone()?, e.object.clone().or(e.action.clone())?))
    }) {
        let e = g[0];
        let sev = raw(&e.table, "Severity", e.row)
            .and_then(|s| Severity::parse(&s))
            .unwrap_or(Severity::Medium);
        let id = raw(&e.table, "AlertId", e.row)
            .or(raw(&e.table, "BehaviorId", e.row))
            .unwrap_or_default();
        let techniques = e.detail.clone().unwrap_or_default();
        let reason = format!(
            "{} reported {title:?} ({}) for {}",
            if e.table == "BehaviorInfo" {
                "Defender behaviour"
            } else {
                "Defender alert"
            },
            id,
            or_dash(&e.account)
        );
        let mut f = finding(
            &DETECTOR,
            sev,
            &person,
            &g,
            reason,
            figures! {"alert_id" => id, "title" => title, "vendor_severity" => sev.name(), "techniques" => techniques},
        );
        // The vendor's technique ids, where it gave them.
        f.attack = technique_ids(&techniques);
        out.push(f);
    }
    Ok(out)
}

/// ATT&CK technique ids (T1234 or T1234.567) named in a vendor's text.
fn technique_ids(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for token in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.')) {
        let t = token.trim_end_matches('.');
        let b = t.as_bytes();
        let main = b.len() >= 5 && b[0] == b'T' && b[1..5].iter().all(u8::is_ascii_digit);
        let sub =
            b.len() == 5 || (b.len() == 9 && b[5] == b'.' && b[6..].iter().all(u8::is_ascii_digit));
        if main && sub && !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    out
}

fn kql(_c: &Config, _intel: &Intel) -> String {
    "AlertInfo\n| where Title has_any (\"Jasper Sleet\", \"Workday\", \"Impossible travel\", \"North Korean\")\n| join kind=inner AlertEvidence on AlertId\n| where EntityType == \"User\"\n| project Timestamp, AlertId, Title, Severity, AttackTechniques, AccountUpn, AccountObjectId\n".to_string()
}
