use super::evs::{collect, group_by};
use super::*;
use crate::figures;
use crate::intel::Intel;
use std::collections::{BTreeMap, BTreeSet};

pub const DETECTOR: Detector = Detector {
    id: "recruiting-pattern-cluster",
    title: "Applicant accounts replaying one script",
    phase: Phase::PreRecruitment,
    attack: &["T1585.002", "T1656"],
    run,
    kql,
};

/// Token-level edit distance (Levenshtein) between two endpoint sequences.
pub fn edit_distance(a: &[&str], b: &[&str]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, y) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(x != y))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn net24(ip: &str) -> Option<String> {
    let v4: std::net::Ipv4Addr = ip.parse().ok()?;
    let o = v4.octets();
    Some(format!("{}.{}.{}.0/24", o[0], o[1], o[2]))
}

fn run(ctx: &Context) -> PolarsResult<Vec<Finding>> {
    let c = ctx.config;
    let gap = c.session_gap_minutes * 60_000;
    // Sessions per account, in Polars: a gap longer than the limit starts a new one.
    let sessions = ctx
        .events()
        .filter(recruiting_calls().and(col("account").is_not_null()))
        .select([
            col("person"),
            col("account"),
            col("ts_ms"),
            family_expr().alias("family"),
        ])
        .sort(["account", "ts_ms"], SortMultipleOptions::default())
        .with_column(
            (col("ts_ms") - col("ts_ms").shift(lit(1)).over([col("account")])?)
                .gt(lit(gap))
                .or((col("ts_ms") - col("ts_ms").shift(lit(1)).over([col("account")])?).is_null())
                .cast(DataType::Int32)
                .cum_sum(false)
                .over([col("account")])?
                .alias("session"),
        )
        .group_by_stable([col("account"), col("session")])
        .agg([
            col("person").first(),
            col("ts_ms").min().alias("start"),
            col("family").str().join(" ", true).alias("sequence"),
        ])
        .collect()?;
    let accounts: Vec<Option<&str>> = crate::columns::borrowed_texts(&sessions, "account")?;
    let persons: Vec<Option<&str>> = crate::columns::borrowed_texts(&sessions, "person")?;
    let starts: Vec<Option<i64>> = sessions
        .column("start")?
        .cast(&DataType::Int64)?
        .i64()?
        .iter()
        .collect();
    let seqs: Vec<Option<&str>> = sessions.column("sequence")?.str()?.iter().collect();

    // Group identical sequences, then link sequences within the edit limit of one another.
    let mut by_seq: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in seqs.iter().enumerate() {
        if let Some(s) = s {
            if s.split(' ').count() >= 2 {
                by_seq.entry(s).or_default().push(i);
            }
        }
    }
    // The most replayed sequences first, so a cluster is named after its usual script.
    let mut uniq: Vec<&str> = by_seq.keys().copied().collect();
    uniq.sort_by_key(|s| std::cmp::Reverse(by_seq[s].len()));
    let toks: Vec<Vec<&str>> = uniq.iter().map(|s| s.split(' ').collect()).collect();
    // Each distinct script is a centre; its cluster is every account that ran a sequence within the
    // edit limit of it on enough days. Centres, not chains, so near-scripts do not snowball.
    let mut clusters: Vec<(String, BTreeSet<String>, Vec<usize>)> = Vec::new();
    for (ci, centre) in toks.iter().enumerate() {
        let mut days: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
        let mut rows = Vec::new();
        for (oi, other) in toks.iter().enumerate() {
            if edit_distance(centre, other) > c.script_max_edits {
                continue;
            }
            for &i in &by_seq[uniq[oi]] {
                if let (Some(a), Some(t)) = (accounts[i], starts[i]) {
                    days.entry(a).or_default().insert(t / DAY_MS);
                    rows.push(i);
                }
            }
        }
        let members: BTreeSet<String> = days
            .iter()
            .filter(|(_, d)| d.len() >= c.script_min_days)
            .map(|(a, _)| a.to_string())
            .collect();
        if members.len() >= c.cluster_min_accounts
            && !clusters.iter().any(|(_, m, _)| m.is_superset(&members))
        {
            clusters.retain(|(_, m, _)| !members.is_superset(m));
            clusters.push((uniq[ci].to_string(), members, rows));
        }
    }
    if clusters.is_empty() {
        return Ok(Vec::new());
    }
    // The members' calls, for infrastructure, intel and evidence.
    let all: BTreeSet<String> = clusters
        .iter()
        .flat_map(|(_, m, _)| m.iter().cloned())
        .collect();
    let names: Vec<String> = all.iter().cloned().collect();
    let evs = collect(
        ctx.events()
            .filter(recruiting_calls().and(is_in_list("account", names))),
    )?;
    let by_account = group_by(&evs, |e| e.account.clone());
    let mut out = Vec::new();
    for (script, members, _) in clusters {
        let member_evs: Vec<&Ev> = members
            .iter()
            .flat_map(|a| by_account.get(a).cloned().unwrap_or_default())
            .collect();
        let mut infra: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
        for e in &member_evs {
            if let (Some(ip), Some(a)) = (&e.ip, &e.account) {
                infra.entry(format!("IP {ip}")).or_default().insert(a);
                if let Some(n) = net24(ip) {
                    infra.entry(format!("network {n}")).or_default().insert(a);
                }
            }
        }
        let shared: Vec<String> = infra
            .into_iter()
            .filter(|(_, a)| a.len() >= 2)
            .map(|(k, a)| format!("{k} ({} accounts)", a.len()))
            .collect();
        let intel: BTreeSet<String> = member_evs
            .iter()
            .flat_map(|e| [e.ip_intel.clone(), e.account_intel.clone()])
            .flatten()
            .collect();
        let severity = if !shared.is_empty() || !intel.is_empty() {
            Severity::High
        } else {
            Severity::Medium
        };
        let people: BTreeSet<String> = members
            .iter()
            .filter_map(|a| {
                by_account
                    .get(a)
                    .and_then(|v| v.first())
                    .and_then(|e| e.person.clone())
                    .or(Some(a.clone()))
            })
            .collect();
        let _ = &persons;
        for person in &people {
            let mine: Vec<&Ev> = member_evs
                .iter()
                .copied()
                .filter(|e| e.person.as_ref() == Some(person))
                .collect();
            let reason = format!(
                "{} applicant accounts replayed one career-site script ({}) on {}+ days each, within {} edit; {}{}",
                members.len(),
                script.replace(' ', " > "),
                ctx.config.script_min_days,
                ctx.config.script_max_edits,
                if shared.is_empty() { "no shared infrastructure".to_string() } else { format!("sharing {}", list(shared.clone(), 3)) },
                if intel.is_empty() { String::new() } else { format!("; intel: {}", list(intel.iter().cloned(), 2)) }
            );
            let mut f = finding(
                &DETECTOR,
                severity,
                person,
                if mine.is_empty() { &member_evs } else { &mine },
                reason,
                figures! {
                    "script" => script, "accounts" => members.len(), "shared_infrastructure" => shared, "intel" => intel.iter().collect::<Vec<_>>(),
                    "max_edits" => ctx.config.script_max_edits, "min_days" => ctx.config.script_min_days,
                },
            );
            f.members = people.iter().cloned().collect();
            out.push(f);
        }
    }
    Ok(out)
}

fn kql(c: &Config, _intel: &Intel) -> String {
    format!(
        "// Sessions of external applicants' Recruiting Web Service calls ({gap} min gap), reduced to their\n// endpoint sequence; accounts repeating one sequence on {days}+ days, {min}+ accounts per sequence.\nCloudAppEvents\n| where Application == \"Workday\" and IsExternalUser == 1 and ActionType has \"hrrecruiting\"\n| extend Family = replace_regex(replace_string(ActionType, \"hrrecruiting/\", \"\"), @\"/?[^/]*[0-9][^/]*\", \"\")\n| sort by AccountId asc, Timestamp asc\n| extend NewSession = iff(prev(AccountId) != AccountId or Timestamp - prev(Timestamp) > {gap}m, 1, 0)\n| extend Session = row_cumsum(NewSession)\n| summarize Sequence = strcat_array(make_list(Family), \" > \"), Start = min(Timestamp), IPs = make_set(IPAddress) by AccountId, Session\n| summarize Days = dcount(bin(Start, 1d)), IPs = make_set(IPs) by AccountId, Sequence\n| where Days >= {days}\n| summarize Accounts = make_set(AccountId), AccountCount = dcount(AccountId), IPs = make_set(IPs) by Sequence\n| where AccountCount >= {min}\n",
        gap = c.session_gap_minutes,
        days = c.script_min_days,
        min = c.cluster_min_accounts
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance(&["a", "b", "c"], &["a", "b", "c"]), 0);
        assert_eq!(edit_distance(&["a", "b", "c"], &["a", "c"]), 1);
        assert_eq!(edit_distance(&["a", "b"], &["b", "a"]), 2);
    }
}
