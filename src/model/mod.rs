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

pub mod cached;
pub mod columns;
mod enrich;
mod identity;
pub mod travel;

pub use enrich::service_identity;
use enrich::{attribute_by_ip, service_typed, share_ip_facts};
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

/// Canonical columns only linking reads (the ASN and account type name a network or a service
/// account; the rest only the detail view shows). The events frame drops them once people are
/// linked, and the tables keep them, so the detail view still shows them: at ten million
/// events each is 160 MB held and one more column to gather into person order.
pub const LINKING_ONLY: &[&str] = &[
    "registry_country",
    "asn",
    "device_name",
    "account_type",
    "success",
];

/// Internal accounts first seen more than this long after the window begins are taken as new hires.
pub const NEW_HIRE_AFTER_MS: i64 = 14 * 86_400_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
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

#[derive(Clone, Debug, Serialize, serde::Deserialize)]
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
use crate::dictionary::{code_bound, code_of, column_of_codes, known_code, Codes, NULL_CODE};

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
    let u = u.cast(&DataType::String)?;
    Ok(u.str()?.iter().flatten().map(str::to_string).collect())
}

/// Builds the model and moves the tables' canonical columns into it: afterwards each table keeps
/// only its vendor columns with `row`, `file`, `line` and `flags` (the detail view reads the rest
/// from the events frame by table and row). Holding them in both places cost a third of the
/// memory at 1M events, and sorting the events frame while the tables still shared its buffers
/// copied every column at once.
pub fn build_taking(data: &mut Dataset) -> PolarsResult<(Model, cached::Writing)> {
    if let Some(found) = cached::find(data) {
        // The tables' copies of the model's columns go first: held while the model is read,
        // they were 1.6 GB more at ten million events.
        take_canonical(data);
        crate::memory::release();
        match cached::read(found) {
            Ok(model) => {
                crate::memory::stage("model read from the cache");
                drop_linking_only(data);
                return Ok((model, cached::Writing::none()));
            }
            Err(e) => {
                crate::memory::stage(&format!(
                    "cached model not used ({}); building it again",
                    crate::sanitize::visible(&e.to_string())
                ));
                crate::ingest::cache::reread_tables(data)
                    .map_err(|e| polars_err!(ComputeError: "{e}"))?;
            }
        }
    }
    if data.slim {
        // Read for a cached model that is not there (another roster, say): the tables whole.
        crate::ingest::cache::reread_tables(data).map_err(|e| polars_err!(ComputeError: "{e}"))?;
        crate::memory::stage("tables read again whole: no cached model for these inputs");
    }
    let events = stack_events(data)?;
    take_canonical(data);
    let model = build_from(events, data)?;
    drop_linking_only(data);
    let writing = cached::start_write(data, &model);
    Ok((model, writing))
}

/// Whether a table keeps a column beside a built (or cached) model: `take_canonical` and
/// `drop_linking_only` leave it only these (a cached table's are all on disk).
pub fn left_in_tables(name: &str) -> bool {
    matches!(name, "row" | "flags") || !event_columns().any(|c| c == name)
}

/// Drops from the tables the canonical columns the events frame holds.
fn take_canonical(data: &mut Dataset) {
    let taken: Vec<PlSmallStr> = event_columns()
        .filter(|c| !matches!(*c, "row" | "flags") && !LINKING_ONLY.contains(c))
        .map(PlSmallStr::from)
        .collect();
    for (kind, df) in data.tables.iter_mut() {
        if *kind != TableKind::Unrecognized {
            *df = df.drop_many(taken.iter().cloned());
        }
    }
}

/// Linked: a table whose every column is in the cache need not hold these either.
fn drop_linking_only(data: &mut Dataset) {
    for (kind, df) in data.tables.iter_mut() {
        if data.on_disk.contains_key(kind) {
            *df = df.drop_many(LINKING_ONLY.iter().copied());
        }
    }
}

pub fn build(data: &Dataset) -> PolarsResult<Model> {
    let events = stack_events(data)?;
    crate::memory::stage("model: tables stacked");
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
    // Each identifier's person, and whether that person is on the roster.
    let roots: Vec<usize> = ids.iter().map(|id| groups.find(groups.index[id])).collect();
    let person_of: HashMap<&str, (&str, bool)> = ids
        .iter()
        .zip(&roots)
        .map(|(id, r)| {
            (
                id.as_str(),
                (key_of_root[r].as_str(), roster_of.contains_key(r)),
            )
        })
        .collect();

    // Every derived column is computed row by row from lookups keyed by value and set on the
    // frame in place: a join would gather all thirty-odd columns of the events once per join.
    let mut events = events;
    crate::memory::stage("model: identities");
    // The three passes read the frame and share only the dictionary: what one table knows of
    // an IP (anonymous proxy, IPCategory, IPTags, a measured place) is shared with the rows of
    // the same IP in tables that only carry the address, such as OfficeActivity's ClientIP, on
    // one core, beside each row's person and then its intel matches on the other.
    let (persons, intel, ip_facts) = std::thread::scope(|s| {
        let ip_facts = s.spawn(|| share_ip_facts(&events, data));
        let persons = persons_of_rows(&events, &person_of);
        let intel = intel_of_rows(&events, &data.intel);
        let ip_facts = ip_facts
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (persons, intel, ip_facts)
    });
    let ((person, via_peer), (ip_intel, account_intel)) = (persons?, intel?);
    events.with_column(column_of_codes(columns::PERSON, &person))?;
    events.with_column(Column::new(columns::VIA_PEER.into(), via_peer))?;
    events.with_column(column_of_codes(columns::IP_INTEL, &ip_intel))?;
    events.with_column(column_of_codes(columns::ACCOUNT_INTEL, &account_intel))?;
    drop((person, ip_intel, account_intel));
    for c in ip_facts? {
        events.with_column(c)?;
    }
    crate::memory::stage("model: people, intel and facts shared by IP of each row");
    attribute_by_ip(&mut events)?;
    crate::memory::stage("model: derived columns");

    let people = build_people(&events, data, &members, &key_of_root)?;
    let window = {
        let ts = i64_values(&events, "ts")?;
        let v: Vec<i64> = ts.into_iter().flatten().collect();
        v.iter().min().copied().zip(v.iter().max().copied())
    };
    crate::memory::stage("model: people");
    // The untrimmed frame is let go first: held during the gather, it would keep every old
    // column alive beside its ordered copy.
    let trimmed = events.drop_many(LINKING_ONLY.iter().copied());
    drop(events);
    let events = attach_people(trimmed, &people)?;
    crate::memory::release();
    Ok(Model {
        events,
        people,
        window,
    })
}

/// Each row's person (as a code of the shared dictionary) and whether the person is only the
/// recipient (mail sent to them): such rows tell where the sender was, not where the person
/// was. Mail between a recruiter and a candidate belongs to the candidate's story. Identifiers
/// are looked up by code, in a table indexed by code.
fn persons_of_rows(
    events: &DataFrame,
    person_of: &HashMap<&str, (&str, bool)>,
) -> PolarsResult<(Vec<u32>, Vec<bool>)> {
    let account = Codes::of(events, "account")?;
    let object = Codes::of(events, "object_id")?;
    let peer = Codes::of(events, "peer")?;
    let mut keys: Vec<(u32, (u32, bool))> = Vec::with_capacity(person_of.len());
    for (id, (key, roster)) in person_of {
        // An identifier no row holds has no code, and no row to link.
        if let Some(k) = known_code(id) {
            keys.push((k, (code_of(key)?, *roster)));
        }
    }
    let mut of_code: Vec<Option<(u32, bool)>> = vec![None; code_bound()];
    for (k, v) in keys {
        of_code[k as usize] = Some(v);
    }
    let find = |c: &Codes, i: usize| c.get(i).and_then(|k| of_code[k as usize]);
    let mut person = Vec::with_capacity(events.height());
    let mut via_peer = Vec::with_capacity(events.height());
    for i in 0..events.height() {
        let (a, o, p) = (find(&account, i), find(&object, i), find(&peer, i));
        let to_candidate = p.is_some_and(|p| p.1) && a.is_some_and(|a| !a.1);
        let found = if to_candidate { p } else { a.or(o).or(p) };
        person.push(found.map_or(NULL_CODE, |x| x.0));
        via_peer.push(to_candidate || (a.is_none() && o.is_none() && p.is_some()));
    }
    Ok((person, via_peer))
}

/// Each row's intel matches as codes of their labels: its IP's, and its account's (else its
/// peer's), matched once per distinct value.
fn intel_of_rows(events: &DataFrame, intel: &Intel) -> PolarsResult<(Vec<u32>, Vec<u32>)> {
    let ip = Codes::of(events, "ip")?;
    let account = Codes::of(events, "account")?;
    let peer = Codes::of(events, "peer")?;
    // Per value's code, its label's code once matched (NULL_CODE: no match). Indexed by code:
    // the rows' codes are all below the bound taken here, and labels added later are not looked
    // up.
    const UNSEEN: u32 = NULL_CODE - 1;
    let bound = code_bound();
    let mut ip_hit: Vec<u32> = vec![UNSEEN; bound];
    let mut addr_hit: Vec<u32> = vec![UNSEEN; bound];
    let label = |found: Option<&crate::intel::Indicator>| -> PolarsResult<u32> {
        found.map_or(Ok(NULL_CODE), |i| code_of(&intel_label(i)))
    };
    let mut ip_out = Vec::with_capacity(events.height());
    let mut addr_out = Vec::with_capacity(events.height());
    for i in 0..events.height() {
        let hit = match ip.get(i) {
            None => NULL_CODE,
            Some(k) if ip_hit[k as usize] != UNSEEN => ip_hit[k as usize],
            Some(k) => {
                let found = ip.text(k).parse().ok().and_then(|a| intel.match_ip(&a));
                let h = label(found)?;
                ip_hit[k as usize] = h;
                h
            }
        };
        ip_out.push(hit);
        let mut addr = |c: &Codes| -> PolarsResult<u32> {
            let Some(k) = c.get(i) else {
                return Ok(NULL_CODE);
            };
            if addr_hit[k as usize] != UNSEEN {
                return Ok(addr_hit[k as usize]);
            }
            let h = label(intel.match_email(c.text(k)))?;
            addr_hit[k as usize] = h;
            Ok(h)
        };
        let a = addr(&account)?;
        addr_out.push(if a != NULL_CODE { a } else { addr(&peer)? });
    }
    Ok((ip_out, addr_out))
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

/// Orders the events by person and time, then adds each event's person facts (stage, hire time,
/// work country) and its time in milliseconds: one person's events are contiguous and in
/// time order, so views slice them without a scan.
fn attach_people(mut events: DataFrame, people: &[Person]) -> PolarsResult<DataFrame> {
    crate::memory::drop_null_buffers(&mut events);
    let at = person_order(&events, people)?;
    crate::memory::stage("model: order by person found");
    // Column by column, each old column dropped as its sorted copy replaces it, so the frame is
    // never held twice. The person facts are made after, in the new order: five columns fewer
    // to gather, and a gather by a random permutation is what costs here (every row a cache
    // miss at ten million rows).
    // Two columns at a time, one per core: each gather waits on memory, not on the CPU.
    let names = events.get_column_names_owned();
    for (i, pair) in names.chunks(2).enumerate() {
        let pair: Vec<&str> = pair.iter().map(|n| n.as_str()).collect();
        for c in gathered_in_two(&events, &pair, &at)? {
            events.with_column(c)?;
        }
        // The old columns' memory goes back to the system as it is freed: the allocator would
        // otherwise keep the freed columns for seconds beside their ordered copies.
        if i % 2 == 1 {
            crate::memory::release();
        }
    }
    drop(at);
    crate::memory::release();
    crate::memory::stage("model: events ordered");
    // Each person's facts as codes, looked up by the code of the row's person.
    let person = Codes::of(&events, "person")?;
    let mut of_code: Vec<Option<(u32, Option<i64>, u32)>> = vec![None; code_bound()];
    for p in people {
        if let Some(k) = known_code(&p.key) {
            let country = p.work_country.as_deref();
            of_code[k as usize] = Some((
                code_of(p.stage.name())?,
                p.hire_date,
                country.map_or(Ok(NULL_CODE), code_of)?,
            ));
        }
    }
    // The time in milliseconds on one core, the person facts on the other.
    let (facts, ts_ms) = std::thread::scope(|s| {
        let ts_ms = s.spawn(|| {
            let ts = events.column("ts")?.cast(&DataType::Int64)?;
            PolarsResult::Ok(ts.with_name(columns::TS_MS.into()))
        });
        let n = events.height();
        let (mut stage, mut hire, mut country) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for i in 0..n {
            let p = person
                .get(i)
                .and_then(|k| of_code.get(k as usize).copied().flatten());
            stage.push(p.map_or(NULL_CODE, |p| p.0));
            hire.push(p.and_then(|p| p.1));
            country.push(p.map_or(NULL_CODE, |p| p.2));
        }
        let facts = [
            column_of_codes(columns::STAGE, &stage),
            Column::new(columns::HIRE_TS.into(), hire),
            column_of_codes(columns::WORK_COUNTRY, &country),
        ];
        let ts_ms = ts_ms
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (facts, ts_ms)
    });
    drop(person);
    let facts = facts.into_iter().chain([ts_ms?]);
    for c in facts {
        events.with_column(c)?;
    }
    crate::memory::drop_null_buffers(&mut events);
    Ok(events)
}

/// The permutation that orders the events by person (in key order, rows with no person last)
/// and by time within a person, ties in frame order. One sort of (key, row) pairs, where the
/// key packs the person's rank above the time; the pairs are unique, so the order is stable.
fn person_order(events: &DataFrame, people: &[Person]) -> PolarsResult<IdxCa> {
    let mut keys: Vec<&str> = people.iter().map(|p| p.key.as_str()).collect();
    keys.sort_unstable();
    let rank: HashMap<&str, u64> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (*k, i as u64))
        .collect();
    // Each person's rank by the code of their key: a row's rank is an index, not a hash.
    let mut rank_of: Vec<Option<u64>> = vec![None; code_bound()];
    for (k, r) in &rank {
        if let Some(code) = known_code(k) {
            rank_of[code as usize] = Some(*r);
        }
    }
    let person = Codes::of(events, "person")?;
    let ts = events.column("ts")?.cast(&DataType::Int64)?;
    let ts = ts.i64()?;
    let first = ts.min().unwrap_or(0);
    // Times as offsets from the first, in 40 bits (34 years of milliseconds); a missing time
    // sorts last within its person, a missing person after every person.
    const TIME_BITS: u32 = 40;
    let time_max = (1u64 << TIME_BITS) - 1;
    let mut pairs: Vec<(u64, IdxSize)> = Vec::with_capacity(events.height());
    for (i, t) in ts.iter().enumerate() {
        let r = person
            .get(i)
            .and_then(|k| rank_of[k as usize])
            .unwrap_or(keys.len() as u64);
        let t = t.map_or(time_max, |t| ((t - first) as u64).min(time_max));
        pairs.push(((r << TIME_BITS) | t, i as IdxSize));
    }
    drop(person);
    sort_pairs(&mut pairs);
    Ok(IdxCa::from_vec(
        "at".into(),
        pairs.into_iter().map(|(_, i)| i).collect(),
    ))
}

/// The named columns of a frame gathered by `at`, two at a time, one per core: a gather by a
/// random permutation waits on memory, not on the CPU. Each column is made one chunk first: the
/// events frame is stacked from 65,536-row pieces, and Polars gathers from many chunks an
/// element at a time through an iterator; one sequential copy then the one-chunk gather took
/// the ordering at ten million events from 6.0 s to 3.0 s.
pub(super) fn gathered_in_two(
    frame: &DataFrame,
    names: &[&str],
    at: &IdxCa,
) -> PolarsResult<Vec<Column>> {
    let mut out = Vec::with_capacity(names.len());
    for pair in names.chunks(2) {
        let moved: Vec<PolarsResult<Column>> = std::thread::scope(|s| {
            let handles: Vec<_> = pair
                .iter()
                .map(|name| s.spawn(move || frame.column(name)?.rechunk().take(at)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        for c in moved {
            out.push(c?);
        }
    }
    Ok(out)
}

/// Sorts on the two cores: each half alone, then one merge.
fn sort_pairs(pairs: &mut Vec<(u64, IdxSize)>) {
    if pairs.len() < 1 << 16 {
        pairs.sort_unstable();
        return;
    }
    let mid = pairs.len() / 2;
    {
        let (a, b) = pairs.split_at_mut(mid);
        std::thread::scope(|s| {
            s.spawn(|| a.sort_unstable());
            b.sort_unstable();
        });
    }
    let mut merged = Vec::with_capacity(pairs.len());
    let (a, b) = pairs.split_at(mid);
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] <= b[j] {
            merged.push(a[i]);
            i += 1;
        } else {
            merged.push(b[j]);
            j += 1;
        }
    }
    merged.extend_from_slice(&a[i..]);
    merged.extend_from_slice(&b[j..]);
    *pairs = merged;
}
