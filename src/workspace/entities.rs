//! A person's identifiers, IPs, devices, countries, ISPs and user agents, and who else shares each.

use super::{Workspace, IX_ACCOUNT, IX_DEVICE, IX_IP, IX_ISP};
use crate::model::columns as C;
use polars::prelude::*;
use std::collections::{BTreeMap, HashMap};

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
        ("ip", C::IP),
        ("device", C::DEVICE_ID),
        ("country", C::COUNTRY),
        ("isp", C::ISP),
        ("user agent", C::USER_AGENT),
    ];
    // Only the counted columns are filtered: the person's frame is some forty columns wide.
    let df = ws
        .person_frame(person)
        .lazy()
        .filter(col(C::VIA_PEER).not())
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
        C::IP => IX_IP,
        C::DEVICE_ID => IX_DEVICE,
        C::ISP => IX_ISP,
        _ => IX_ACCOUNT,
    };
    values
        .iter()
        .map(|v| (v.clone(), ws.index.others(kind, v, person)))
        .filter(|(_, o)| !o.is_empty())
        .collect()
}
