use super::evs::{collect, group_by};
use super::*;
use crate::figures;
use crate::intel::Intel;
use std::collections::BTreeMap;

pub const DETECTOR: Detector = Detector {
    id: "location-mismatch",
    title: "New hire working from elsewhere",
    phase: Phase::PostHire,
    attack: &["T1078.004"],
    run,
    kql,
};

fn run(ctx: &Context) -> PolarsResult<Vec<Finding>> {
    let c = ctx.config;
    let evs = collect(
        ctx.events().filter(
            after_hire()
                .and(col("via_peer").not())
                .and(col("country").is_not_null())
                .and(measured_place())
                .and(own_or_service_network().not()),
        ),
    )?;
    let mut out = Vec::new();
    for (person, g) in group_by(&evs, |e| e.person.clone()) {
        let hire = g[0].hire_ts.unwrap_or(0);
        let work = g[0].work_country.clone();
        let mut elsewhere: BTreeMap<String, usize> = BTreeMap::new();
        let mut early: BTreeMap<String, usize> = BTreeMap::new();
        for e in &g {
            let cc = e.country.clone().unwrap_or_default();
            if work.as_ref().is_some_and(|w| *w != cc) {
                *elsewhere.entry(cc.clone()).or_default() += 1;
            }
            if e.ts - hire <= c.location_early_days * DAY_MS {
                *early.entry(cc).or_default() += 1;
            }
        }
        let many = early.len() >= c.location_min_countries;
        if elsewhere.is_empty() && !many {
            continue;
        }
        let evidence: Vec<&Ev> = g
            .iter()
            .copied()
            .filter(|e| work.as_ref() != e.country.as_ref())
            .collect();
        let fmt = |m: &BTreeMap<String, usize>| {
            m.iter()
                .map(|(k, v)| format!("{k} x{v}"))
                .collect::<Vec<_>>()
        };
        let reason = match (&work, elsewhere.is_empty()) {
            (Some(w), false) => format!(
                "HR has the work country as {w}, but {} located events came from {}{}",
                elsewhere.values().sum::<usize>(),
                list(fmt(&elsewhere), 5),
                if many {
                    format!(
                        "; {} countries in the first {} days",
                        early.len(),
                        c.location_early_days
                    )
                } else {
                    String::new()
                }
            ),
            _ => format!(
                "{} distinct countries in the first {} days after hire: {}",
                early.len(),
                c.location_early_days,
                list(fmt(&early), 5)
            ),
        };
        out.push(finding(&DETECTOR, Severity::Medium, &person, &evidence, reason, figures! {
            "work_country" => work, "elsewhere" => elsewhere, "countries_first_days" => early.len(), "min_countries" => c.location_min_countries,
        }));
    }
    Ok(out)
}

fn kql(c: &Config, _intel: &Intel) -> String {
    format!(
        "// WorkCountry and HireDate from your roster.\nlet Roster = datatable(AccountUpn: string, HireDate: datetime, WorkCountry: string) [];\nEntraIdSignInEvents\n| join kind=inner Roster on AccountUpn\n| where Timestamp >= HireDate and isnotempty(Country)\n| summarize Elsewhere = countif(Country != WorkCountry), Countries = make_set(Country),\n    EarlyCountries = dcountif(Country, Timestamp <= HireDate + {}d) by AccountUpn, WorkCountry\n| where Elsewhere > 0 or EarlyCountries >= {}\n",
        c.location_early_days, c.location_min_countries
    )
}
