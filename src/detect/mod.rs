//! Detectors: each a pure function of the model (events linked to people), the raw tables and the
//! intel, returning findings that explain themselves. Heavy work (filters, joins, per-day counts,
//! travel pairs, z-scores) runs as Polars lazy queries over whole frames; only the few matching
//! rows are turned into findings in Rust.

mod anonymous_access_data;
mod config;
mod data_access_spike;
mod evs;
pub mod explain;
mod external_meeting_risky;
mod impossible_travel;
mod intel_match;
mod interview_email_risky;
mod location_mismatch;
mod new_hire_signin_intel;
mod offer_signed_risky;
mod payroll_change_risky;
mod recruiting_api_intel;
mod recruiting_api_volume;
mod recruiting_pattern_cluster;
mod shared_infrastructure;
mod shared_mfa_device;
/// Term matching lives outside `detect` (ingest uses it too); detectors read it as `terms`.
pub use crate::terms;
mod vendor_alert;
mod workday_mail_hiding;

pub use config::Config;
pub use evs::Ev;

use crate::ingest::Dataset;
use crate::model::Model;
use polars::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "info" | "informational" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }

    pub fn raised(self) -> Severity {
        match self {
            Severity::Info => Severity::Low,
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            _ => Severity::Critical,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    PreRecruitment,
    Recruiting,
    PostHire,
    Lifecycle,
}

impl Phase {
    /// Where in the hiring lifecycle one event of a person falls: after the hire date it is
    /// post-hire; before it, a call to the recruiting API is pre-recruitment and anything else is
    /// recruiting. Staff have no hiring story (None).
    pub fn of_event(ts: i64, hire: Option<i64>, stage: &str, action: &str) -> Option<Phase> {
        if stage == "staff" || stage == "service" || stage.is_empty() {
            None
        } else if hire.is_some_and(|h| ts >= h) {
            Some(Phase::PostHire)
        } else if action.contains("hrrecruiting") {
            Some(Phase::PreRecruitment)
        } else {
            Some(Phase::Recruiting)
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Phase::PreRecruitment => "pre-recruitment",
            Phase::Recruiting => "recruiting",
            Phase::PostHire => "post-hire",
            Phase::Lifecycle => "lifecycle",
        }
    }
}

/// A row behind a finding: its table and its row number in that table's frame.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Evidence {
    pub table: String,
    pub row: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub detector: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub phase: Phase,
    pub person: String,
    pub accounts: Vec<String>,
    pub members: Vec<String>,
    #[serde(serialize_with = "ser_ts")]
    pub first_seen: i64,
    #[serde(serialize_with = "ser_ts")]
    pub last_seen: i64,
    pub attack: Vec<String>,
    pub reason: String,
    /// The figures that decided the finding, by name.
    pub figures: BTreeMap<String, serde_json::Value>,
    pub evidence: Vec<Evidence>,
}

fn ser_ts<S: serde::Serializer>(ms: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::time::format_ts(*ms))
}

/// Most evidence rows a finding lists; its figures still count them all.
pub const MAX_EVIDENCE: usize = 500;

/// What a detector sees.
pub struct Context<'a> {
    pub model: &'a Model,
    pub data: &'a Dataset,
    pub config: &'a Config,
    /// Findings of the detectors before this one in the registry, for those in `READS_EARLIER`
    /// (cluster links use them); empty for the rest.
    pub earlier: &'a [Finding],
}

impl Context<'_> {
    /// The events detectors see: a tenant's own service identities are not suspects.
    pub fn events(&self) -> LazyFrame {
        self.model
            .events
            .clone()
            .lazy()
            .filter(col("stage").neq(lit("service")).fill_null(lit(true)))
    }
}

pub struct Detector {
    pub id: &'static str,
    pub title: &'static str,
    pub phase: Phase,
    pub attack: &'static [&'static str],
    pub run: fn(&Context) -> PolarsResult<Vec<Finding>>,
    /// The same hunt as a Defender advanced-hunting query.
    pub kql: fn(&Config, &crate::intel::Intel) -> String,
}

/// Every detector, in the order they run (cluster detectors before those that use their result).
pub fn registry() -> Vec<Detector> {
    vec![
        recruiting_api_intel::DETECTOR,
        recruiting_pattern_cluster::DETECTOR,
        recruiting_api_volume::DETECTOR,
        interview_email_risky::DETECTOR,
        external_meeting_risky::DETECTOR,
        offer_signed_risky::DETECTOR,
        new_hire_signin_intel::DETECTOR,
        payroll_change_risky::DETECTOR,
        impossible_travel::DETECTOR,
        anonymous_access_data::DETECTOR,
        location_mismatch::DETECTOR,
        data_access_spike::DETECTOR,
        shared_mfa_device::DETECTOR,
        workday_mail_hiding::DETECTOR,
        intel_match::DETECTOR,
        vendor_alert::DETECTOR,
        shared_infrastructure::DETECTOR,
    ]
}

/// Detectors that compare people with each other (clusters, population baselines, shared
/// infrastructure): over one person's events alone they would see no one to compare with.
pub const CROSS_PERSON: &[&str] = &[
    "recruiting-pattern-cluster",
    "recruiting-api-volume",
    "data-access-spike",
    "shared-mfa-device",
    "shared-infrastructure",
];

pub fn ids() -> Vec<&'static str> {
    registry().iter().map(|d| d.id).collect()
}

/// Runs the chosen detectors (all when `only` is empty). A detector that fails is reported, not fatal.
pub fn run(
    model: &Model,
    data: &Dataset,
    config: &Config,
    only: &[String],
) -> (Vec<Finding>, Vec<String>) {
    run_while(model, data, config, only, &|| true)
}

/// Detectors that read `Context::earlier`: each runs once every detector before it in the
/// registry has finished, and sees their findings; the others see none, so they can run side by
/// side. A detector that starts reading `earlier` must be listed here.
const READS_EARLIER: &[&str] = &["interview-email-risky", "shared-infrastructure"];

/// `run`, stopping between detectors as soon as `keep_going` says no (a cancelled job). Two
/// detectors run at a time, one per core, taken in the registry's order: one detector's queries
/// kept only 1.1 of the 2 cores busy at ten million events. Findings are gathered in the
/// registry's order, so the result is the one a single thread gives.
pub fn run_while(
    model: &Model,
    data: &Dataset,
    config: &Config,
    only: &[String],
    keep_going: &(dyn Fn() -> bool + Sync),
) -> (Vec<Finding>, Vec<String>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Condvar, Mutex, MutexGuard};
    let chosen: Vec<Detector> = registry()
        .into_iter()
        .filter(|d| only.is_empty() || only.iter().any(|o| o == d.id))
        .collect();
    let results: Mutex<Vec<Option<PolarsResult<Vec<Finding>>>>> =
        Mutex::new(chosen.iter().map(|_| None).collect());
    let lock = || -> MutexGuard<'_, Vec<Option<PolarsResult<Vec<Finding>>>>> {
        results.lock().unwrap_or_else(|e| e.into_inner())
    };
    let finished = Condvar::new();
    let next = AtomicUsize::new(0);
    let panicked: Mutex<Option<Box<dyn std::any::Any + Send>>> = Mutex::new(None);
    let catching = crate::panics::catching_here();
    let work = || {
        let _region = catching.then(crate::panics::Region::enter);
        loop {
            let i = next.fetch_add(1, Ordering::SeqCst);
            let Some(d) = chosen.get(i) else { break };
            if !keep_going() {
                break;
            }
            // Every detector before this one was taken before it, and is finished or running.
            let earlier: Vec<Finding> = match READS_EARLIER.contains(&d.id) {
                true => {
                    let mut done = lock();
                    while done[..i].iter().any(Option::is_none) {
                        done = finished.wait(done).unwrap_or_else(|e| e.into_inner());
                    }
                    let ok = done[..i].iter().flatten().filter_map(|r| r.as_ref().ok());
                    ok.flatten().cloned().collect()
                }
                false => Vec::new(),
            };
            let ctx = Context {
                model,
                data,
                config,
                earlier: &earlier,
            };
            // A panic is re-raised once both threads are done; meanwhile it counts as finished,
            // so a detector waiting on this one is not left waiting.
            let found = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (d.run)(&ctx)))
                .unwrap_or_else(|p| {
                    let mut first = panicked.lock().unwrap_or_else(|e| e.into_inner());
                    first.get_or_insert(p);
                    Err(polars_err!(ComputeError: "the detector failed"))
                });
            // What a detector's queries freed goes back to the system before the next one runs:
            // the allocator would otherwise keep it for seconds (0.8 GB after impossible-travel
            // at 10M).
            crate::memory::release();
            if let Ok(f) = &found {
                // Each detector's time and memory with --verbose, so a slow one is found by name.
                crate::memory::stage(&format!("detector {}: {} findings", d.id, f.len()));
            }
            lock()[i] = Some(found);
            finished.notify_all();
        }
    };
    std::thread::scope(|s| {
        let other = s.spawn(work);
        work();
        if let Err(p) = other.join() {
            std::panic::resume_unwind(p);
        }
    });
    if let Some(p) = panicked.into_inner().unwrap_or_else(|e| e.into_inner()) {
        std::panic::resume_unwind(p);
    }
    let mut findings: Vec<Finding> = Vec::new();
    let mut errors = Vec::new();
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    for (d, found) in chosen.iter().zip(results) {
        match found {
            Some(Ok(mut f)) => findings.append(&mut f),
            Some(Err(e)) => errors.push(format!("{}: {e}", d.id)),
            None => {} // not run: cancelled
        }
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.person.cmp(&b.person))
            .then(a.first_seen.cmp(&b.first_seen))
    });
    (findings, errors)
}

/// Builds a finding from its matching events.
pub(crate) fn finding(
    d: &Detector,
    severity: Severity,
    person: &str,
    evs: &[&Ev],
    reason: String,
    figures: BTreeMap<String, serde_json::Value>,
) -> Finding {
    let mut accounts: Vec<String> = evs.iter().filter_map(|e| e.account.clone()).collect();
    accounts.extend(evs.iter().filter_map(|e| e.object_id.clone()));
    accounts.sort();
    accounts.dedup();
    let mut evidence: Vec<Evidence> = evs
        .iter()
        .map(|e| Evidence {
            table: e.table.clone(),
            row: e.row,
        })
        .collect();
    evidence.sort();
    evidence.dedup();
    evidence.truncate(MAX_EVIDENCE);
    Finding {
        detector: d.id,
        title: d.title,
        severity,
        phase: d.phase,
        person: person.to_string(),
        accounts,
        members: Vec::new(),
        first_seen: evs.iter().map(|e| e.ts).min().unwrap_or(0),
        last_seen: evs.iter().map(|e| e.ts).max().unwrap_or(0),
        attack: d.attack.iter().map(|s| s.to_string()).collect(),
        reason,
        figures,
        evidence,
    }
}

/// Figures as a map from literal pairs.
#[macro_export]
macro_rules! figures {
    ($($k:expr => $v:expr),* $(,)?) => {{
        let mut m = std::collections::BTreeMap::new();
        $( m.insert($k.to_string(), serde_json::json!($v)); )*
        m
    }};
}

pub const DAY_MS: i64 = 86_400_000;

/// A set of strings joined for a reason line, at most `n` shown.
pub fn list(items: impl IntoIterator<Item = String>, n: usize) -> String {
    let v: Vec<String> = items.into_iter().collect();
    if v.len() <= n {
        v.join(", ")
    } else {
        format!("{} and {} more", v[..n].join(", "), v.len() - n)
    }
}

/// The condition "an IP or account matched the intel" over the events frame.
pub fn intel_hit() -> Expr {
    col("ip_intel")
        .is_not_null()
        .or(col("account_intel").is_not_null())
}

/// The event is an authentication: a row of a sign-in table (`TableKind::is_signin`).
pub fn signin_rows() -> Expr {
    is_in_list(
        "table",
        crate::ingest::table::ALL_TABLES
            .iter()
            .filter(|t| t.is_signin())
            .map(|t| t.name().to_string())
            .collect(),
    )
}

/// Anonymising or risky network: anonymous proxy flag, IPCategory Risky, IPTags Tor / Anonymous
/// proxy, or an address the networks file (or its ISP or ASN) puts in hosting or anonymiser space.
pub fn anonymising() -> Expr {
    col("anon_proxy")
        .eq(lit(true))
        .or(col("ip_category").eq(lit("Risky")))
        .or(crate::dictionary::per_value("ip_tags", |e| {
            e.str().contains(lit(r"(?i)\btor\b|anonymous proxy"), false)
        }))
        .or(net_is(&["hosting", "anonymiser"]))
        .fill_null(lit(false))
}

/// The address is in one of these network categories (see `networks::NetCategory`).
pub fn net_is(categories: &[&str]) -> Expr {
    is_in_list(
        "net_category",
        categories.iter().map(|c| c.to_string()).collect(),
    )
    .fill_null(lit(false))
}

/// The organisation's own egress or a cloud service's address: never where a person is, so never
/// a side of impossible travel or a location mismatch, and never suspicious by itself.
pub fn own_or_service_network() -> Expr {
    net_is(&["corporate", "cloud"]).or(col("ip_category")
        .eq(lit("Corporate"))
        .fill_null(lit(false)))
}

/// A place someone measured: the vendor's coordinates, city or country, or a place another row
/// gave the same address. The registry country of an address block says who holds the block, not
/// where its user is, so it never makes travel or a mismatch by itself.
pub fn measured_place() -> Expr {
    col("loc_precision")
        .is_not_null()
        .and(col("loc_precision").neq(lit("registry")))
}

/// External, or not known either way: a query that filtered `where IsExternalUser` and then
/// projected the column away leaves no value, and such rows must still be hunted.
pub fn external_or_unknown() -> Expr {
    col("is_external")
        .eq(lit(true))
        .or(col("is_external").is_null())
}

/// Events of people hired (by roster or inferred) from their hire onwards.
pub fn after_hire() -> Expr {
    col("hire_ts")
        .is_not_null()
        .and(col("ts_ms").gt_eq(col("hire_ts")))
}

pub fn day_of(ms: i64) -> String {
    crate::time::format_ts(ms)[..10].to_string()
}

/// KQL for an intel set: the CIDR/IP list and the e-mail/domain list as `let` statements.
pub fn kql_intel_lets(intel: &crate::intel::Intel) -> String {
    use crate::intel::IndicatorKind as K;
    let ranges: Vec<String> = intel
        .indicators
        .iter()
        .filter(|i| matches!(i.kind, K::Ip | K::Cidr))
        .map(|i| {
            format!(
                "\"{}\"",
                i.net
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| i.value.clone())
            )
        })
        .collect();
    let terms: Vec<String> = intel
        .indicators
        .iter()
        .filter(|i| matches!(i.kind, K::Email | K::Domain))
        .map(|i| format!("\"{}\"", i.value))
        .collect();
    format!(
        "let ActorRanges = dynamic([{}]);\nlet ActorTerms = dynamic([{}]);\n",
        ranges.join(", "),
        terms.join(", ")
    )
}

/// Career-site calls: Workday Recruiting Web Service endpoints called by external applicants.
pub fn recruiting_calls() -> Expr {
    col("app")
        .eq(lit("Workday"))
        .and(external_or_unknown())
        .and(crate::dictionary::per_value("action", |e| {
            e.str().contains_literal(lit("hrrecruiting"))
        }))
}

/// The endpoint family of a recruiting call: the path without `hrrecruiting/` and without ids.
pub fn family(action: &str) -> String {
    action
        .split('/')
        .filter(|s| {
            !s.is_empty()
                && !s.eq_ignore_ascii_case("hrrecruiting")
                && !s.bytes().any(|b| b.is_ascii_digit())
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Polars form of `family`, for whole frames.
pub fn family_expr() -> Expr {
    crate::dictionary::per_value("action", |e| {
        e.str()
            .replace_all(lit("hrrecruiting/"), lit(""), true)
            .str()
            .replace_all(lit(r"/?[^/]*[0-9][^/]*"), lit(""), false)
    })
}

/// Distinct values of a string column among the events `within` that `keep` keeps, for `is_in_list`.
pub fn distinct_where(
    ctx: &Context,
    column: &str,
    within: Expr,
    keep: impl Fn(&str) -> bool,
) -> PolarsResult<Vec<String>> {
    // The rows `within` first: a free-text column's distinct values over every event were
    // half a second at ten million.
    let u = ctx
        .model
        .events
        .clone()
        .lazy()
        .filter(within)
        .select([col(column).cast(DataType::String)])
        .unique(None, UniqueKeepStrategy::Any)
        .collect()?;
    Ok(u.column(column)?
        .str()?
        .iter()
        .flatten()
        .filter(|s| keep(s))
        .map(str::to_string)
        .collect())
}

/// Text of an optional value for reasons.
pub fn or_dash(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("-")
}

/// `column is in values`, for a literal set of strings (by code on an encoded column).
pub fn is_in_list(column: &str, values: Vec<String>) -> Expr {
    crate::dictionary::among(column, values)
}
