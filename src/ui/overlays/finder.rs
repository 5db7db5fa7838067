//! The fuzzy finder's entries: every person, their accounts, and every address and mail
//! correspondent seen, each jumping to the person or opening a pivot.

use super::{Choice, Picker};
use crate::model::columns as C;
use crate::workspace::{PivotKey, Workspace};

/// At most this many distinct values of a column are offered (a tenant's egress can be vast).
const MAX_VALUES: usize = 50_000;

pub fn open(ws: &Workspace) -> Picker {
    Picker::new("find", items(ws))
}

fn items(ws: &Workspace) -> Vec<(String, Choice)> {
    let mut items: Vec<(String, Choice)> = Vec::new();
    for r in &ws.analysis.ranked {
        let p = &r.person;
        items.push((
            format!(
                "person {} {} ({})",
                p.key,
                p.name.as_deref().unwrap_or(""),
                p.stage.name()
            ),
            Choice::Person(p.key.clone()),
        ));
        for id in &p.identifiers {
            items.push((
                format!("account {id} -> {}", p.key),
                Choice::Pivot(PivotKey::Account(id.clone())),
            ));
        }
    }
    // Every address and every mail correspondent, from their distinct values.
    for (column, label) in [(C::IP, "ip"), (C::PEER, "e-mail")] {
        let Ok(values) = ws
            .analysis
            .model
            .events
            .column(column)
            .and_then(|c| c.unique())
            .and_then(|c| c.cast(&polars::prelude::DataType::String))
        else {
            continue;
        };
        let Ok(values) = values.str().cloned() else {
            continue;
        };
        for v in values.iter().flatten().take(MAX_VALUES) {
            let key = if column == C::IP {
                PivotKey::Ip(v.to_string())
            } else {
                PivotKey::Account(v.to_string())
            };
            items.push((format!("{label} {v}"), Choice::Pivot(key)));
        }
    }
    for i in &mut items {
        i.0 = crate::sanitize::visible(&i.0).into_owned();
    }
    items
}
