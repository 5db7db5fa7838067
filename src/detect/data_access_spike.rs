use super::anonymous_access_data::data_actions;
use super::evs::{collect, group_by};
use super::recruiting_api_volume::robust_z;
use super::*;
use crate::figures;
use crate::intel::Intel;

pub const DETECTOR: Detector = Detector {
    id: "data-access-spike",
    title: "New hire reading far more than peers",
    phase: Phase::PostHire,
    attack: &["T1530", "T1213.002", "T1114.002"],
    run,
    kql,
};

fn run(ctx: &Context) -> PolarsResult<Vec<Finding>> {
    let c = ctx.config;
    let insiders = is_in_list("stage", vec!["hired".into(), "staff".into()]);
    // Daily items per person, scored against every insider's count for the same day.
    let daily = ctx
        .events()
        .filter(
            data_actions()
                .and(insiders)
                .and(col("person").is_not_null()),
        )
        .with_column((col("ts_ms") / lit(DAY_MS)).alias("day"))
        .group_by([col("person"), col("day")])
        .agg([
            len().alias("items"),
            col("stage").first(),
            col("hire_ts").first(),
        ])
        .with_columns([
            robust_z("items").over([col("day")])?.alias("z"),
            col("items")
                .median()
                .over([col("day")])?
                .alias("peer_median"),
        ])
        .filter(
            col("stage")
                .eq(lit("hired"))
                .and(col("z").gt_eq(lit(c.spike_min_z)))
                .and(col("items").gt_eq(lit(c.spike_min_items)))
                .and((col("day") * lit(DAY_MS) + lit(DAY_MS)).gt(col("hire_ts"))),
        )
        .collect()?;
    if daily.height() == 0 {
        return Ok(Vec::new());
    }
    let persons: Vec<Option<&str>> = crate::columns::borrowed_texts(&daily, "person")?;
    let days: Vec<Option<i64>> = daily
        .column("day")?
        .cast(&DataType::Int64)?
        .i64()?
        .iter()
        .collect();
    let items: Vec<Option<i64>> = daily
        .column("items")?
        .cast(&DataType::Int64)?
        .i64()?
        .iter()
        .collect();
    let z: Vec<Option<f64>> = daily.column("z")?.f64()?.iter().collect();
    let med: Vec<Option<f64>> = daily
        .column("peer_median")?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .collect();
    let mut spikes: std::collections::BTreeMap<String, Vec<(i64, i64, f64, f64)>> =
        std::collections::BTreeMap::new();
    for k in 0..daily.height() {
        if let (Some(p), Some(d)) = (persons[k], days[k]) {
            spikes.entry(p.to_string()).or_default().push((
                d,
                items[k].unwrap_or(0),
                z[k].unwrap_or(0.0),
                med[k].unwrap_or(0.0),
            ));
        }
    }
    let evs = collect(
        ctx.events()
            .filter(data_actions().and(is_in_list("person", spikes.keys().cloned().collect()))),
    )?;
    let by = group_by(&evs, |e| e.person.clone());
    let mut out = Vec::new();
    for (p, days) in spikes {
        let mine: Vec<&Ev> = by
            .get(&p)
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|e| days.iter().any(|(d, ..)| e.ts / DAY_MS == *d))
                    .collect()
            })
            .unwrap_or_default();
        let top = days.iter().max_by_key(|d| d.1).copied().unwrap_or_default();
        let reason = format!(
            "new hire read {} items on {} against a peer median of {:.0} that day (robust z {:.1}; limits z {} and {} items); {} spike day(s)",
            top.1, day_of(top.0 * DAY_MS), top.3, top.2, c.spike_min_z, c.spike_min_items, days.len()
        );
        out.push(finding(&DETECTOR, Severity::Medium, &p, &mine, reason, figures! {
            "days" => days.iter().map(|(d, n, z, m)| serde_json::json!({"day": day_of(d * DAY_MS), "items": n, "z": (z * 10.0).round() / 10.0, "peer_median": m})).collect::<Vec<_>>(),
            "min_z" => c.spike_min_z, "min_items" => c.spike_min_items,
        }));
    }
    Ok(out)
}

fn kql(c: &Config, _intel: &Intel) -> String {
    format!(
        "let Daily = CloudAppEvents\n| where ActionType in (\"FileDownloaded\", \"FileSyncDownloadedFull\", \"FileAccessed\", \"SearchQueryInitiatedSharePoint\", \"SearchQueryInitiatedExchange\", \"MailItemsAccessed\")\n| summarize Items = count() by AccountId, Day = bin(Timestamp, 1d);\nlet Peers = Daily | summarize Median = percentile(Items, 50) by Day;\nDaily\n| join kind=inner Peers on Day\n| extend Dev = abs(Items - Median)\n| join kind=inner (Daily | join kind=inner Peers on Day | extend Dev = abs(Items - Median) | summarize Mad = percentile(Dev, 50) * 1.4826 by Day) on Day\n| extend Z = iff(Mad > 0, (Items - Median) / Mad, 0.0)\n| where Z >= {} and Items >= {}\n// Keep new hires: join your roster.\n| project Day, AccountId, Items, Median, Z\n",
        c.spike_min_z, c.spike_min_items
    )
}
