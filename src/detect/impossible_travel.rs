use super::evs::{collect, group_by};
use super::*;
use crate::figures;
use crate::intel::Intel;
use std::collections::BTreeMap;

pub const DETECTOR: Detector = Detector {
    id: "impossible-travel",
    title: "Impossible travel",
    phase: Phase::PostHire,
    attack: &["T1078.004"],
    run,
    kql,
};

/// One impossible hop.
struct Hop {
    from: String,
    to: String,
    km: f64,
    hours: f64,
    kmh: f64,
    vpn: bool,
    ts: i64,
    rows: [(String, i64); 2],
}

fn run(ctx: &Context) -> PolarsResult<Vec<Finding>> {
    let c = ctx.config;
    // The hops are the model's (the travel view shows the same ones); here only impossible ones.
    let pairs = crate::model::travel::hops(ctx.events())?
        .filter(crate::model::travel::impossible(c))
        .collect()?;
    use crate::columns::{floats, ints, texts};
    let s = |n: &str| texts(&pairs, n);
    let f = |n: &str| floats(&pairs, n);
    let i = |n: &str| ints(&pairs, n);
    let b = |n: &str| -> PolarsResult<Vec<bool>> {
        Ok(crate::columns::bools(&pairs, n)?
            .into_iter()
            .map(|v| v == Some(true))
            .collect())
    };
    let (person, city, country, p_city, p_country, table, p_table) = (
        s("person")?,
        s("city")?,
        s("country")?,
        s("p_city")?,
        s("p_country")?,
        s("table")?,
        s("p_table")?,
    );
    let (ip, p_ip) = (s("ip")?, s("p_ip")?);
    let (km, hours, kmh) = (f("km_adj")?, f("hours")?, f("kmh")?);
    let (ts, row, p_row, hire) = (i("ts_ms")?, i("row")?, i("p_row")?, i("hire_ts")?);
    let (v, pv) = (b("vpn")?, b("p_vpn")?);
    let place = |city: &Option<String>, country: &Option<String>, ip: &Option<String>| {
        format!("{} {} ({})", or_dash(city), or_dash(country), or_dash(ip))
    };
    let mut hops: BTreeMap<String, (Option<i64>, Vec<Hop>)> = BTreeMap::new();
    for k in 0..pairs.height() {
        let Some(p) = &person[k] else { continue };
        hops.entry(p.clone())
            .or_insert((hire[k], Vec::new()))
            .1
            .push(Hop {
                from: place(&p_city[k], &p_country[k], &p_ip[k]),
                to: place(&city[k], &country[k], &ip[k]),
                km: km[k].unwrap_or(0.0),
                hours: hours[k].unwrap_or(0.0),
                kmh: kmh[k].unwrap_or(0.0),
                vpn: v[k] || pv[k],
                ts: ts[k].unwrap_or(0),
                rows: [
                    (
                        p_table[k].clone().unwrap_or_default(),
                        p_row[k].unwrap_or(-1),
                    ),
                    (table[k].clone().unwrap_or_default(), row[k].unwrap_or(-1)),
                ],
            });
    }
    // Vendor verdicts on travel join the evidence.
    let vendor = collect(
        ctx.events().filter(
            col("object")
                .str()
                .to_lowercase()
                .str()
                .contains_literal(lit("impossible travel"))
                .or(col("action").eq(lit("ImpossibleTravelActivity")))
                .or(crate::dictionary::per_value("risk_events", |e| {
                    e.str().contains_literal(lit("impossibleTravel"))
                })),
        ),
    )?;
    let vendor_by = group_by(&vendor, |e| e.person.clone());
    let mut out = Vec::new();
    for (p, (hire, hs)) in hops {
        let solid: Vec<&Hop> = hs.iter().filter(|h| !h.vpn).collect();
        let early = solid
            .iter()
            .filter(|h| {
                hire.is_some_and(|hd| h.ts >= hd && h.ts - hd <= c.travel_early_days * DAY_MS)
            })
            .count();
        let severity = if solid.is_empty() {
            Severity::Low
        } else if early >= c.travel_high_pairs {
            Severity::High
        } else {
            Severity::Medium
        };
        let mut weekly: BTreeMap<i64, usize> = BTreeMap::new();
        if let Some(hd) = hire {
            for h in &solid {
                *weekly
                    .entry((h.ts - hd).div_euclid(7 * DAY_MS))
                    .or_default() += 1;
            }
        }
        let worst = hs
            .iter()
            .filter(|h| !h.vpn)
            .chain(hs.iter())
            .max_by(|a, b| a.kmh.total_cmp(&b.kmh))
            .expect("non-empty");
        let vendor_evs = vendor_by.get(&p).cloned().unwrap_or_default();
        let reason = format!(
            "{} impossible hop(s) ({} through VPN or anonymous proxy){}; fastest {} -> {}: {:.0} km in {:.0} min = {:.0} km/h (limits {} km, {} km/h, after location uncertainty){}",
            hs.len(),
            hs.len() - solid.len(),
            if hire.is_some() { format!(", {early} in the first {} days after hire", c.travel_early_days) } else { String::new() },
            worst.from, worst.to, worst.km, worst.hours * 60.0, if worst.kmh.is_finite() { worst.kmh } else { 99_999.0 },
            c.travel_min_km, c.travel_min_kmh,
            if vendor_evs.is_empty() { String::new() } else { format!("; {} vendor travel alert(s) agree", vendor_evs.len()) }
        );
        let evs: Vec<Ev> = hs
            .iter()
            .flat_map(|h| {
                h.rows.iter().map(move |(t, r)| Ev {
                    table: t.clone(),
                    row: *r,
                    ts: h.ts,
                    ..Default::default()
                })
            })
            .collect();
        let mut refs: Vec<&Ev> = evs.iter().collect();
        refs.extend(vendor_evs.iter().copied());
        let mut fnd = finding(
            &DETECTOR,
            severity,
            &p,
            &refs,
            reason,
            figures! {
                "impossible_pairs" => hs.len(), "through_vpn" => hs.len() - solid.len(), "in_first_days" => early,
                "weekly_since_hire" => weekly.iter().map(|(w, n)| (format!("week {w}"), *n)).collect::<BTreeMap<_, _>>(),
                "fastest_kmh" => if worst.kmh.is_finite() { worst.kmh.round() } else { -1.0 }, "min_km" => c.travel_min_km, "min_kmh" => c.travel_min_kmh,
                "vendor_alerts" => vendor_evs.len(),
            },
        );
        fnd.accounts = vendor_evs
            .iter()
            .filter_map(|e| e.account.clone())
            .collect();
        fnd.accounts.sort();
        fnd.accounts.dedup();
        out.push(fnd);
    }
    Ok(out)
}

fn kql(c: &Config, _intel: &Intel) -> String {
    format!(
        "EntraIdSignInEvents\n| where isnotempty(Latitude) and isnotempty(Longitude)\n| extend Lat = todouble(Latitude), Lon = todouble(Longitude)\n| sort by AccountUpn asc, Timestamp asc\n| extend PrevUpn = prev(AccountUpn), PrevTime = prev(Timestamp), PrevLat = prev(Lat), PrevLon = prev(Lon), PrevIP = prev(IPAddress)\n| where PrevUpn == AccountUpn and IPAddress != PrevIP and (Lat != PrevLat or Lon != PrevLon)\n| extend Km = geo_distance_2points(Lon, Lat, PrevLon, PrevLat) / 1000.0 - 50.0\n| extend Hours = datetime_diff('second', Timestamp, PrevTime) / 3600.0\n| extend Kmh = iff(Hours > 0, Km / Hours, real(+inf))\n| where Km >= {} and Kmh >= {}\n| summarize ImpossiblePairs = count(), Fastest = max(Kmh) by AccountUpn, Week = bin(Timestamp, 7d)\n",
        c.travel_min_km, c.travel_min_kmh
    )
}
