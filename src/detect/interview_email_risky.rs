use super::evs::{collect, group_by};
use super::*;
use crate::figures;
use crate::intel::Intel;

pub const DETECTOR: Detector = Detector {
    id: "interview-email-risky",
    title: "Interview mail with a suspicious address or server",
    phase: Phase::Recruiting,
    attack: &["T1656", "T1585.002"],
    run,
    kql,
};

fn run(ctx: &Context) -> PolarsResult<Vec<Finding>> {
    let mail = col("table").eq(lit("EmailEvents"));
    let subjects = distinct_where(ctx, "object", mail.clone(), |s| terms::has(s, "interview"))?;
    let clustered: Vec<String> = ctx
        .earlier
        .iter()
        .filter(|f| f.detector == "recruiting-pattern-cluster")
        .map(|f| f.person.clone())
        .collect();
    let interview = mail.and(is_in_list("object", subjects));
    let evs = collect(
        ctx.events().filter(
            interview.clone().and(intel_hit()).or(col("table")
                .eq(lit("EmailEvents"))
                .and(is_in_list("person", clustered.clone()))),
        ),
    )?;
    let mut out = Vec::new();
    for (person, g) in group_by(&evs, |e| e.person.clone()) {
        let intel: Vec<&Ev> = g
            .iter()
            .copied()
            .filter(|e| e.ip_intel.is_some() || e.account_intel.is_some())
            .filter(|e| {
                e.object
                    .as_deref()
                    .is_some_and(|s| terms::has(s, "interview"))
            })
            .collect();
        let (sev, evs, reason) = if !intel.is_empty() {
            let hits: std::collections::BTreeSet<String> = intel
                .iter()
                .flat_map(|e| [e.ip_intel.clone(), e.account_intel.clone()])
                .flatten()
                .collect();
            let e = intel[0];
            (Severity::High, intel.clone(), format!("{} interview mail(s) matched threat intel ({}), e.g. {:?} from {} to {} sent via {}", intel.len(), list(hits, 3), or_dash(&e.object), or_dash(&e.account), or_dash(&e.peer), or_dash(&e.ip)))
        } else {
            (Severity::Medium, g.clone(), format!("{} mail(s) with a candidate whose applicant account is in a flagged script cluster", g.len()))
        };
        out.push(finding(
            &DETECTOR,
            sev,
            &person,
            &evs,
            reason,
            figures! {"mails" => evs.len(), "intel" => sev == Severity::High},
        ));
    }
    Ok(out)
}

fn kql(_c: &Config, intel: &Intel) -> String {
    format!(
        "{}EmailEvents\n| where Subject has \"interview\"\n| where SenderFromAddress has_any (ActorTerms) or RecipientEmailAddress has_any (ActorTerms)\n    or ipv4_is_in_any_range(SenderIPv4, ActorRanges) or ipv6_is_in_any_of(SenderIPv6, ActorRanges)\n| project Timestamp, NetworkMessageId, SenderFromAddress, RecipientEmailAddress, SenderIPv4, SenderIPv6, Subject\n",
        kql_intel_lets(intel)
    )
}
