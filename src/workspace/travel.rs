//! A person's located events as hops between places, with the verdict the detector gives them.

use super::{flags, floats, ints, strs, Workspace};
use crate::detect::Config;
use crate::model::columns as C;
use polars::prelude::*;
use std::collections::BTreeMap;

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
    let hire = ints(&df, C::HIRE_TS).into_iter().flatten().next();
    let located = travel::located(df.clone().lazy())
        .select([col(C::LAT), col(C::LON), col(C::CITY), col(C::COUNTRY)])
        .collect()
        .unwrap_or_default();
    let mut points: Vec<(f64, f64, String)> = Vec::new();
    let (lat, lon) = (floats(&located, C::LAT), floats(&located, C::LON));
    let (city, country) = (strs(&located, C::CITY), strs(&located, C::COUNTRY));
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
    let (ts, p_ts) = (ints(&pairs, C::TS_MS), ints(&pairs, "p_ts"));
    let (city, country) = (strs(&pairs, C::CITY), strs(&pairs, C::COUNTRY));
    let (p_city, p_country) = (strs(&pairs, "p_city"), strs(&pairs, "p_country"));
    let (ip, p_ip) = (strs(&pairs, C::IP), strs(&pairs, "p_ip"));
    let (table, p_table) = (strs(&pairs, C::TABLE), strs(&pairs, "p_table"));
    let (row, p_row) = (ints(&pairs, C::ROW), ints(&pairs, "p_row"));
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
