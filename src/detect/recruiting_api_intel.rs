use super::evs::{collect, group_by};
use super::*;
use crate::figures;
use crate::intel::Intel;

pub const DETECTOR: Detector = Detector {
    id: "recruiting-api-intel",
    title: "Career-site API calls from actor infrastructure",
    phase: Phase::PreRecruitment,
    attack: &["T1594", "T1585.002"],
    run,
    kql,
};

fn run(ctx: &Context) -> PolarsResult<Vec<Finding>> {
    let evs = collect(ctx.events().filter(recruiting_calls().and(intel_hit())))?;
    let groups = group_by(&evs, |e| {
        Some((
            e.person.clone().or(e.account.clone())?,
            e.account.clone().unwrap_or_default(),
            e.ip.clone().unwrap_or_default(),
            day_of(e.ts),
        ))
    });
    let mut out = Vec::new();
    for ((person, account, ip, day), g) in groups {
        let mut endpoints: Vec<String> = g
            .iter()
            .filter_map(|e| e.action.as_deref().map(family))
            .collect();
        endpoints.sort();
        endpoints.dedup();
        let matched: Vec<String> = g
            .iter()
            .flat_map(|e| [e.ip_intel.clone(), e.account_intel.clone()])
            .flatten()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let reason = format!(
            "{} career-site API calls by applicant {account} from {ip} on {day} match threat intel ({}); endpoints: {}",
            g.len(),
            list(matched.clone(), 3),
            list(endpoints.clone(), 6)
        );
        out.push(finding(&DETECTOR, Severity::High, &person, &g, reason, figures! {"calls" => g.len(), "ip" => ip, "day" => day, "endpoints" => endpoints, "intel" => matched}));
    }
    Ok(out)
}

fn kql(_c: &Config, intel: &Intel) -> String {
    format!(
        "{}CloudAppEvents\n| where Application == \"Workday\" and IsExternalUser == 1 and ActionType has \"hrrecruiting\"\n| where ipv4_is_in_any_range(IPAddress, ActorRanges) or AccountId has_any (ActorTerms)\n| summarize Calls = count(), Endpoints = make_set(ActionType), FirstSeen = min(Timestamp), LastSeen = max(Timestamp)\n    by AccountId, IPAddress, Day = bin(Timestamp, 1d)\n",
        kql_intel_lets(intel)
    )
}
