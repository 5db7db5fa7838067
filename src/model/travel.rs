//! Travel, computed once: which events place a person somewhere, and the hops between them. The
//! impossible-travel detector and the travel view both read these, so a screen can never count
//! hops differently from the finding it explains.

use crate::detect::{measured_place, net_is, own_or_service_network, Config};
use polars::prelude::*;

/// Haversine distance in km between two coordinate pairs given as expressions (R = 6371 km).
pub fn haversine(lat1: Expr, lon1: Expr, lat2: Expr, lon2: Expr) -> Expr {
    let rad = std::f64::consts::PI / 180.0;
    let dlat = (lat2.clone() - lat1.clone()) * lit(rad / 2.0);
    let dlon = (lon2 - lon1) * lit(rad / 2.0);
    let s1 = dlat.sin();
    let s2 = dlon.sin();
    let a = s1.clone() * s1 + (lat1 * lit(rad)).cos() * (lat2 * lit(rad)).cos() * s2.clone() * s2;
    lit(2.0 * 6371.0) * a.sqrt().arcsin()
}

/// Events that say where their person was: located by something measured (not a registry
/// country), not mail sent to them (that places the sender), and not from the organisation's own
/// egress or a cloud service's address.
pub fn located(events: LazyFrame) -> LazyFrame {
    events.filter(
        col("person")
            .is_not_null()
            .and(col("via_peer").not())
            .and(col("lat").is_not_null())
            .and(col("lon").is_not_null())
            .and(measured_place())
            .and(own_or_service_network().not()),
    )
}

/// A hop's side is a VPN or an anonymiser: real people use them, so such hops are down-ranked.
fn through_vpn() -> Expr {
    col("ip_category")
        .eq(lit("VPN"))
        .fill_null(lit(false))
        .or(col("anon_proxy").eq(lit(true)).fill_null(lit(false)))
        .or(net_is(&["vpn", "anonymiser"]))
}

/// Every hop of every person: each located event paired with the previous located one when they
/// are at different places (`events` in the model's order, by person and time: a slice or filter
/// of the events frame; not sorted again here, which cost 2 s and 0.8 GB at 10M events), with the distance less both places' uncertainty, the hours between
/// them and the speed. `same_ip` marks hops whose two sides share an address (never travel: the
/// address was geolocated twice); `vpn` marks hops with a VPN or anonymiser side.
pub fn hops(events: LazyFrame) -> PolarsResult<LazyFrame> {
    // The row before within the same person. The model keeps each person's events together in
    // time order (and `located` keeps that order), so this is the previous row when it has the
    // same person: a plain shift, where a window over persons hashed every row once per column
    // (a third of the detectors' time at ten million events).
    let prev = |name: &str| -> PolarsResult<Expr> {
        Ok(when(col("person").shift(lit(1)).eq(col("person")))
            .then(col(name).shift(lit(1)))
            .otherwise(lit(NULL)))
    };
    Ok(located(events)
        .select([
            col("person"),
            col("ts_ms"),
            col("lat"),
            col("lon"),
            col("loc_radius_km"),
            col("ip"),
            col("city"),
            col("country"),
            col("table"),
            col("row"),
            col("hire_ts"),
            through_vpn().alias("vpn"),
        ])
        .with_columns([
            prev("ts_ms")?.alias("p_ts"),
            prev("lat")?.alias("p_lat"),
            prev("lon")?.alias("p_lon"),
            prev("loc_radius_km")?.alias("p_r"),
            prev("ip")?.alias("p_ip"),
            prev("city")?.alias("p_city"),
            prev("country")?.alias("p_country"),
            prev("table")?.alias("p_table"),
            prev("row")?.alias("p_row"),
            prev("vpn")?.alias("p_vpn"),
        ])
        .filter(
            col("p_lat").is_not_null().and(
                col("lat")
                    .neq(col("p_lat"))
                    .or(col("lon").neq(col("p_lon"))),
            ),
        )
        .with_column(
            col("ip")
                .eq(col("p_ip"))
                .fill_null(lit(false))
                .alias("same_ip"),
        )
        .with_column(col("vpn").or(col("p_vpn")).alias("vpn"))
        .with_column(haversine(col("p_lat"), col("p_lon"), col("lat"), col("lon")).alias("km_raw"))
        .with_column(
            (col("km_raw")
                - col("loc_radius_km").fill_null(lit(0.0))
                - col("p_r").fill_null(lit(0.0)))
            .clip_min(lit(0.0))
            .alias("km_adj"),
        )
        .with_column(
            ((col("ts_ms") - col("p_ts")).cast(DataType::Float64) / lit(3_600_000.0))
                .alias("hours"),
        )
        .with_column(
            when(col("hours").gt(lit(0.0)))
                .then(col("km_adj") / col("hours"))
                .otherwise(lit(f64::INFINITY))
                .alias("kmh"),
        ))
}

/// What a hop is, in one vocabulary for the view, the report and the legend.
pub mod verdict {
    /// Farther and faster than the thresholds allow, after both places' uncertainty.
    pub const IMPOSSIBLE: &str = "impossible";
    /// Impossible, but a side is a VPN or an anonymiser: down-ranked.
    pub const IMPOSSIBLE_VPN: &str = "impossible (VPN)";
    /// Both sides are one address, geolocated twice: never travel.
    pub const SAME_IP: &str = "same IP";
    pub const POSSIBLE: &str = "possible";

    /// Impossible, through a VPN or not.
    pub fn is_impossible(v: &str) -> bool {
        v == IMPOSSIBLE || v == IMPOSSIBLE_VPN
    }
}

/// The hop is impossible under the thresholds: far enough, fast enough, and not the same address.
pub fn impossible(config: &Config) -> Expr {
    col("km_adj")
        .gt_eq(lit(config.travel_min_km))
        .and(col("kmh").gt_eq(lit(config.travel_min_kmh)))
        .and(col("same_ip").not())
}
