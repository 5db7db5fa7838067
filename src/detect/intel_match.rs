use super::evs::{collect, group_by};
use super::*;
use crate::figures;
use crate::intel::Intel;

pub const DETECTOR: Detector = Detector {
    id: "intel-match",
    title: "Activity touching a known indicator",
    phase: Phase::Lifecycle,
    attack: &["T1078"],
    run,
    kql,
};

fn run(ctx: &Context) -> PolarsResult<Vec<Finding>> {
    let evs = collect(ctx.events().filter(intel_hit()))?;
    let mut out = Vec::new();
    for ((who, indicator), g) in group_by(&evs, |e| {
        let who = e.person.clone().or(e.account.clone()).or(e.ip.clone())?;
        Some((who, e.ip_intel.clone().or(e.account_intel.clone())?))
    }) {
        let mut tables: Vec<String> = g.iter().map(|e| e.table.clone()).collect();
        tables.sort();
        tables.dedup();
        let reason = format!(
            "{} events matched indicator {indicator} across {}",
            g.len(),
            list(tables.clone(), 6)
        );
        out.push(finding(
            &DETECTOR,
            Severity::Medium,
            &who,
            &g,
            reason,
            figures! {"indicator" => indicator, "events" => g.len(), "tables" => tables},
        ));
    }
    Ok(out)
}

fn kql(_c: &Config, intel: &Intel) -> String {
    format!(
        "{}union CloudAppEvents, EntraIdSignInEvents, IdentityLogonEvents, EmailEvents\n| extend Ip = coalesce(IPAddress, SenderIPv4), Who = coalesce(AccountId, AccountUpn, SenderFromAddress)\n| where ipv4_is_in_any_range(Ip, ActorRanges) or Who has_any (ActorTerms) or RecipientEmailAddress has_any (ActorTerms)\n| summarize Events = count(), Tables = make_set(Type) by Who, Ip\n",
        kql_intel_lets(intel)
    )
}
