//! The investigation's model: one events frame across every table, each event linked to a person,
//! enriched with intel matches and the person's stage, hire date and work country; and the people.
//!
//! Identity linking: identifiers (e-mails, UPNs, object ids, Workday accounts) are trimmed and
//! lower-cased at ingest; a roster row joins all of its identifiers, and any event that carries two
//! identifiers at once (an account and its object id) joins those. Each connected group is one
//! person: the roster's `person_id` when the group holds a roster row, else an inferred identity
//! keyed by its e-mail-like identifier.

use crate::ingest::{Dataset, TableKind};
use crate::intel::Intel;

mod enrich;
mod identity;
pub mod travel;

pub use enrich::service_identity;
use enrich::{attribute_by_ip, service_typed, with_net_category};
use identity::Groups;
use polars::prelude::*;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// Canonical columns every table has, and so the unified events frame: all of ingest's canonical
/// columns but the source file and line, which the detail view reads from the table itself.
pub fn event_columns() -> impl Iterator<Item = &'static str> {
    crate::ingest::canon::CANONICAL_COLUMNS
        .iter()
        .copied()
        .filter(|c| !matches!(*c, "file" | "line"))
}

/// Internal accounts first seen more than this long after the window begins are taken as new hires.
pub const NEW_HIRE_AFTER_MS: i64 = 14 * 86_400_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Candidate,
    Offer,
    Hired,
    Staff,
    /// A system or service identity (`NT AUTHORITY\SYSTEM`, `app@sharepoint`, a service principal,
    /// a machine account): listed apart, never ranked.
    Service,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Candidate => "candidate",
            Stage::Offer => "offer",
            Stage::Hired => "hired",
            Stage::Staff => "staff",
            Stage::Service => "service",
        }
    }

    fn parse(s: &str) -> Stage {
        match s.trim().to_ascii_lowercase().as_str() {
            "candidate" | "applicant" => Stage::Candidate,
            "offer" | "offered" => Stage::Offer,
            "staff" | "employee" => Stage::Staff,
            _ => Stage::Hired,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Person {
    pub key: String,
    pub name: Option<String>,
    pub stage: Stage,
    pub identifiers: Vec<String>,
    pub hire_date: Option<i64>,
    pub work_country: Option<String>,
    pub in_roster: bool,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub events: usize,
}

#[derive(Clone)]
pub struct Model {
    /// Every event, with `person`, `stage`, `hire_ts`, `work_country`, `ip_intel`, `account_intel`.
    pub events: DataFrame,
    pub people: Vec<Person>,
    pub window: Option<(i64, i64)>,
}

use crate::columns::{ints as i64_values, texts as str_values};

/// All tables' canonical columns stacked into one frame.
pub fn stack_events(data: &Dataset) -> PolarsResult<DataFrame> {
    let cols: Vec<Expr> = event_columns().map(col).collect();
    let frames: Vec<LazyFrame> = data
        .tables
        .iter()
        .filter(|(k, _)| **k != TableKind::Unrecognized)
        .map(|(_, df)| df.clone().lazy().select(cols.clone()))
        .collect();
    if frames.is_empty() {
        return empty_events();
    }
    concat(frames, UnionArgs::default())?.collect()
}

/// An events frame with no rows but every column, so an empty data set still has a model.
fn empty_events() -> PolarsResult<DataFrame> {
    let empty = crate::ingest::canon::TableBuilder::new(TableKind::Unrecognized).finish()?;
    let cols: Vec<Expr> = event_columns().map(col).collect();
    empty.lazy().select(cols).collect()
}

/// A two-column lookup frame.
fn lookup(
    name_key: &str,
    keys: Vec<String>,
    name_val: &str,
    vals: Vec<Option<String>>,
) -> PolarsResult<DataFrame> {
    let n = keys.len();
    DataFrame::new(
        n,
        vec![
            Column::new(name_key.into(), keys),
            Column::new(name_val.into(), vals),
        ],
    )
}

/// Text naming an intel match: the indicator and the file it came from.
fn intel_label(i: &crate::intel::Indicator) -> String {
    let file = std::path::Path::new(&i.source)
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or(&i.source);
    match &i.actor {
        Some(a) => format!("{} ({a}; {file})", i.value),
        None => format!("{} ({file})", i.value),
    }
}

fn unique_strings(df: &DataFrame, name: &str) -> PolarsResult<Vec<String>> {
    let u = df.column(name)?.unique()?;
    Ok(u.str()?.iter().flatten().map(str::to_string).collect())
}

pub fn build(data: &Dataset) -> PolarsResult<Model> {
    let events = stack_events(data)?;
    build_from(events, data)
}

pub fn build_from(events: DataFrame, data: &Dataset) -> PolarsResult<Model> {
    let roster = &data.roster;
    // An identifier two roster rows claim links neither: no row's events move to another person.
    let conflicted = roster.conflicted();
    let mut groups = Groups::default();
    for p in &roster.people {
        let ids: Vec<&String> = p
            .identifiers()
            .filter(|id| !conflicted.contains(*id))
            .collect();
        for id in &ids {
            groups.id(id);
        }
        for w in ids.windows(2) {
            groups.union(w[0], w[1]);
        }
    }
    // Accounts seen with an object id are one identity.
    let pairs = events
        .clone()
        .lazy()
        .filter(
            col("account")
                .is_not_null()
                .and(col("object_id").is_not_null()),
        )
        .select([col("account"), col("object_id")])
        .unique(None, UniqueKeepStrategy::Any)
        .collect()?;
    for (a, o) in str_values(&pairs, "account")?
        .into_iter()
        .zip(str_values(&pairs, "object_id")?)
    {
        if let (Some(a), Some(o)) = (a, o) {
            groups.union(&a, &o);
        }
    }
    for name in ["account", "object_id", "peer"] {
        for v in unique_strings(&events, name)? {
            groups.id(&v);
        }
    }
    // Name each group: its roster person, else its e-mail-like (then smallest) identifier.
    let mut members: HashMap<usize, BTreeSet<String>> = HashMap::new();
    let ids: Vec<String> = groups.index.keys().cloned().collect();
    for id in &ids {
        let i = groups.index[id];
        let r = groups.find(i);
        members.entry(r).or_default().insert(id.clone());
    }
    let mut roster_of: HashMap<usize, usize> = HashMap::new();
    for (pi, p) in roster.people.iter().enumerate() {
        if let Some(id) = p.identifiers().find(|id| !conflicted.contains(*id)) {
            let i = groups.index[id];
            let r = groups.find(i);
            roster_of.entry(r).or_insert(pi);
        }
    }
    let mut key_of_root: HashMap<usize, String> = HashMap::new();
    for (r, m) in &members {
        let key = match roster_of.get(r) {
            Some(&pi) => roster.people[pi].person_id.clone(),
            None => m
                .iter()
                .find(|s| s.contains('@'))
                .or_else(|| m.iter().next())
                .cloned()
                .unwrap_or_default(),
        };
        key_of_root.insert(*r, key);
    }
    let mut keys = Vec::with_capacity(ids.len());
    let mut persons = Vec::with_capacity(ids.len());
    let mut rostered = Vec::with_capacity(ids.len());
    for id in &ids {
        let i = groups.index[id];
        let r = groups.find(i);
        keys.push(id.clone());
        persons.push(Some(key_of_root[&r].clone()));
        rostered.push(roster_of.contains_key(&r));
    }
    let n = keys.len();
    let idmap = DataFrame::new(
        n,
        vec![
            Column::new("id".into(), keys),
            Column::new("pid".into(), persons),
            Column::new("rostered".into(), rostered),
        ],
    )?;

    // Intel matches, computed once per distinct value.
    let intel: &Intel = &data.intel;
    let ips = unique_strings(&events, "ip")?;
    let ip_hits: Vec<Option<String>> = ips
        .iter()
        .map(|ip| {
            ip.parse()
                .ok()
                .and_then(|ip| intel.match_ip(&ip))
                .map(intel_label)
        })
        .collect();
    let ip_intel = lookup("ip", ips, "ip_intel", ip_hits)?;
    let mut addrs: BTreeSet<String> = unique_strings(&events, "account")?.into_iter().collect();
    addrs.extend(unique_strings(&events, "peer")?);
    let addrs: Vec<String> = addrs.into_iter().collect();
    let addr_hits: Vec<Option<String>> = addrs
        .iter()
        .map(|a| intel.match_email(a).map(intel_label))
        .collect();
    let acct_intel = lookup("addr", addrs, "account_intel", addr_hits)?;

    let by = |name: &str, suffix: &str| {
        idmap.clone().lazy().select([
            col("id").alias(name),
            col("pid").alias(format!("pid_{suffix}")),
            col("rostered").alias(format!("rostered_{suffix}")),
        ])
    };
    let joined = events
        .lazy()
        .join(
            by("account", "a"),
            [col("account")],
            [col("account")],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            by("object_id", "o"),
            [col("object_id")],
            [col("object_id")],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            by("peer", "p"),
            [col("peer")],
            [col("peer")],
            JoinArgs::new(JoinType::Left),
        )
        .with_column(
            // Mail between a recruiter and a candidate belongs to the candidate's story.
            when(
                col("rostered_p")
                    .eq(lit(true))
                    .and(col("rostered_a").neq(lit(true))),
            )
            .then(col("pid_p"))
            .otherwise(coalesce(&[col("pid_a"), col("pid_o"), col("pid_p")]))
            .alias("person"),
        )
        // Whether the person is only the recipient of the event (mail sent to them): such rows
        // tell where the sender was, not where the person was.
        .with_column(
            col("rostered_p")
                .eq(lit(true))
                .and(col("rostered_a").neq(lit(true)))
                .or(col("pid_a")
                    .is_null()
                    .and(col("pid_o").is_null())
                    .and(col("pid_p").is_not_null()))
                .fill_null(lit(false))
                .alias("via_peer"),
        )
        .join(
            ip_intel.lazy(),
            [col("ip")],
            [col("ip")],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            acct_intel.clone().lazy(),
            [col("account")],
            [col("addr")],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            acct_intel
                .lazy()
                .select([col("addr"), col("account_intel").alias("peer_intel")]),
            [col("peer")],
            [col("addr")],
            JoinArgs::new(JoinType::Left),
        )
        .with_column(coalesce(&[col("account_intel"), col("peer_intel")]).alias("account_intel"))
        .drop(cols([
            "pid_a",
            "pid_o",
            "pid_p",
            "rostered_a",
            "rostered_o",
            "rostered_p",
            "peer_intel",
        ]));
    // What one table knows of an IP (anonymous proxy, IPCategory, IPTags) holds for the same IP in
    // tables that only carry the address, such as OfficeActivity's ClientIP.
    let reputation = joined
        .clone()
        .filter(col("ip").is_not_null())
        .group_by([col("ip")])
        .agg([
            col("anon_proxy").eq(lit(true)).any(true).alias("ip_anon"),
            col("ip_category").drop_nulls().first().alias("ip_cat"),
            col("ip_tags").drop_nulls().first().alias("ip_tags_seen"),
        ]);
    let joined = joined
        .join(
            reputation,
            [col("ip")],
            [col("ip")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([
            col("anon_proxy")
                .fill_null(lit(false))
                .or(col("ip_anon").fill_null(lit(false)))
                .alias("anon_proxy"),
            coalesce(&[col("ip_category"), col("ip_cat")]).alias("ip_category"),
            coalesce(&[col("ip_tags"), col("ip_tags_seen")]).alias("ip_tags"),
        ])
        .drop(cols(["ip_anon", "ip_cat", "ip_tags_seen"]));
    // Likewise a place: a row located only by the IP's registry (or not at all) takes the place
    // another table gives the same IP, which is nearer the truth than a registry's country.
    let precise = col("loc_precision")
        .is_not_null()
        .and(col("loc_precision").neq(lit("registry")));
    let places = joined
        .clone()
        .filter(col("ip").is_not_null().and(precise))
        .group_by([col("ip")])
        .agg([
            col("lat").first().alias("ip_lat"),
            col("lon").first().alias("ip_lon"),
            col("country").first().alias("ip_country"),
            col("city").first().alias("ip_city"),
            col("loc_radius_km").first().alias("ip_radius"),
            col("loc_precision").first().alias("ip_precision"),
        ]);
    let weak = col("ip_lat").is_not_null().and(
        col("loc_precision")
            .is_null()
            .or(col("loc_precision").eq(lit("registry"))),
    );
    let pick = |own: &str, other: &str| {
        when(weak.clone())
            .then(col(other))
            .otherwise(col(own))
            .alias(own)
    };
    let joined = joined
        .join(
            places,
            [col("ip")],
            [col("ip")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([
            pick("lat", "ip_lat"),
            pick("lon", "ip_lon"),
            pick("country", "ip_country"),
            pick("city", "ip_city"),
            pick("loc_radius_km", "ip_radius"),
            pick("loc_precision", "ip_precision"),
        ])
        .drop(cols([
            "ip_lat",
            "ip_lon",
            "ip_country",
            "ip_city",
            "ip_radius",
            "ip_precision",
        ]));
    let joined = attribute_by_ip(joined);
    let joined = with_net_category(joined, data)?
        .sort(["person", "ts"], SortMultipleOptions::default())
        .collect()?;

    let people = build_people(&joined, data, &members, &key_of_root)?;
    let window = {
        let ts = i64_values(&joined, "ts")?;
        let v: Vec<i64> = ts.into_iter().flatten().collect();
        v.iter().min().copied().zip(v.iter().max().copied())
    };
    let events = attach_people(joined, &people)?;
    Ok(Model {
        events,
        people,
        window,
    })
}

fn build_people(
    events: &DataFrame,
    data: &Dataset,
    members: &HashMap<usize, BTreeSet<String>>,
    key_of_root: &HashMap<usize, String>,
) -> PolarsResult<Vec<Person>> {
    let window_start = i64_values(events, "ts")?
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(0);
    let stats = events
        .clone()
        .lazy()
        .filter(col("person").is_not_null())
        .group_by([col("person")])
        .agg([
            col("ts").min().cast(DataType::Int64).alias("first"),
            col("ts").max().cast(DataType::Int64).alias("last"),
            len().alias("n"),
            col("account_name").drop_nulls().first().alias("name"),
            col("is_external")
                .eq(lit(true))
                .and(col("app").eq(lit("Workday")))
                .any(true)
                .alias("applicant"),
            col("is_external")
                .eq(lit(false))
                .any(true)
                .alias("internal"),
            service_typed().any(true).alias("svc_typed"),
            col("account_type")
                .is_not_null()
                .and(service_typed().not())
                .any(true)
                .alias("human_typed"),
        ])
        .collect()?;
    let keys = str_values(&stats, "person")?;
    let first = i64_values(&stats, "first")?;
    let last = i64_values(&stats, "last")?;
    let n: Vec<Option<i64>> = i64_values(&stats, "n")?;
    let names = str_values(&stats, "name")?;
    let applicant = crate::columns::bools(&stats, "applicant")?;
    let internal = crate::columns::bools(&stats, "internal")?;
    let svc_typed = crate::columns::bools(&stats, "svc_typed")?;
    let human_typed = crate::columns::bools(&stats, "human_typed")?;
    let mut stat_of: HashMap<String, usize> = HashMap::new();
    for (i, k) in keys.iter().enumerate() {
        if let Some(k) = k {
            stat_of.insert(k.clone(), i);
        }
    }
    let mut ids_of: HashMap<&str, Vec<String>> = HashMap::new();
    for (r, m) in members {
        ids_of
            .entry(key_of_root[r].as_str())
            .or_default()
            .extend(m.iter().cloned());
    }
    let mut people = Vec::new();
    let mut seen = BTreeSet::new();
    for p in &data.roster.people {
        if !seen.insert(p.person_id.clone()) {
            continue;
        }
        let s = stat_of.get(&p.person_id).copied();
        let mut identifiers = ids_of
            .get(p.person_id.as_str())
            .cloned()
            .unwrap_or_default();
        identifiers.sort();
        identifiers.dedup();
        people.push(Person {
            key: p.person_id.clone(),
            name: p.name.clone().or_else(|| s.and_then(|s| names[s].clone())),
            stage: p
                .stage
                .as_deref()
                .map(Stage::parse)
                .unwrap_or(if p.hire_date.is_some() {
                    Stage::Hired
                } else {
                    Stage::Candidate
                }),
            identifiers,
            hire_date: p.hire_date,
            work_country: p.work_country.clone(),
            in_roster: true,
            first_seen: s.and_then(|s| first[s]),
            last_seen: s.and_then(|s| last[s]),
            events: s.and_then(|s| n[s]).unwrap_or(0) as usize,
        });
    }
    for (i, k) in keys.iter().enumerate() {
        let Some(k) = k else { continue };
        if seen.contains(k) {
            continue;
        }
        seen.insert(k.clone());
        let first_seen = first[i];
        let mut identifiers = ids_of.get(k.as_str()).cloned().unwrap_or_default();
        identifiers.sort();
        identifiers.dedup();
        let service = identifiers.iter().any(|id| service_identity(id).is_some())
            || (svc_typed[i] == Some(true) && human_typed[i] != Some(true));
        let (stage, hire) = if service {
            (Stage::Service, None)
        } else if applicant[i] == Some(true) && internal[i] != Some(true) {
            (Stage::Candidate, None)
        } else if first_seen.is_some_and(|f| f > window_start + NEW_HIRE_AFTER_MS) {
            (Stage::Hired, first_seen)
        } else {
            (Stage::Staff, None)
        };
        people.push(Person {
            key: k.clone(),
            name: names[i].clone(),
            stage,
            identifiers,
            hire_date: hire,
            work_country: None,
            in_roster: false,
            first_seen,
            last_seen: last[i],
            events: n[i].unwrap_or(0) as usize,
        });
    }
    Ok(people)
}

/// Adds each event's person facts: stage, hire time and work country.
fn attach_people(events: DataFrame, people: &[Person]) -> PolarsResult<DataFrame> {
    let n = people.len();
    let facts = DataFrame::new(
        n,
        vec![
            Column::new(
                "person".into(),
                people.iter().map(|p| p.key.clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                "stage".into(),
                people.iter().map(|p| p.stage.name()).collect::<Vec<_>>(),
            ),
            Column::new(
                "hire_ts".into(),
                people.iter().map(|p| p.hire_date).collect::<Vec<_>>(),
            ),
            Column::new(
                "work_country".into(),
                people
                    .iter()
                    .map(|p| p.work_country.clone())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "display_name".into(),
                people.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
            ),
        ],
    )?;
    events
        .lazy()
        .join(
            facts.lazy(),
            [col("person")],
            [col("person")],
            JoinArgs::new(JoinType::Left),
        )
        .with_column(col("ts").cast(DataType::Int64).alias("ts_ms"))
        // One person's events are contiguous and in time order: views slice them without a scan.
        .sort(
            ["person", "ts_ms"],
            SortMultipleOptions::default().with_nulls_last(true),
        )
        .collect()
}
