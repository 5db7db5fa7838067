use super::evs::{collect, group_by};
use super::*;
use crate::figures;
use crate::intel::Intel;

pub const DETECTOR: Detector = Detector {
    id: "workday-mail-hiding",
    title: "Inbox rule hiding Workday notifications",
    phase: Phase::PostHire,
    attack: &["T1564.008"],
    run,
    kql,
};

fn run(ctx: &Context) -> PolarsResult<Vec<Finding>> {
    let detail = col("detail").str().to_lowercase();
    let rule = is_in_list(
        "action",
        vec!["New-InboxRule".into(), "Set-InboxRule".into()],
    );
    let hides = detail
        .clone()
        .str()
        .contains_literal(lit("delete"))
        .or(detail.clone().str().contains_literal(lit("movetofolder")))
        .or(detail.clone().str().contains_literal(lit("markasread")));
    // The inbox-rule rows first, then the text tests on them alone: Polars evaluates a whole
    // predicate over every row, and lower-casing every event's raw JSON took 3 s at 10M.
    let rules = ctx.events().filter(rule).collect()?;
    let evs = collect(
        rules.lazy().filter(
            detail
                .str()
                .contains_literal(lit("myworkday.com"))
                .and(hides),
        ),
    )?;
    let mut out = Vec::new();
    for (person, g) in group_by(&evs, |e| e.person.clone().or(e.account.clone())) {
        let e = g[0];
        let params = crate::sanitize::visible(e.detail.as_deref().unwrap_or(""))
            .chars()
            .take(160)
            .collect::<String>();
        let reason = format!("{} created inbox rule(s) that delete or move mail from myworkday.com, from {}: {params}", or_dash(&e.account), or_dash(&e.ip));
        out.push(finding(
            &DETECTOR,
            Severity::High,
            &person,
            &g,
            reason,
            figures! {"rules" => g.len(), "parameters" => params},
        ));
    }
    Ok(out)
}

fn kql(_c: &Config, _intel: &Intel) -> String {
    "CloudAppEvents\n| where Application == \"Microsoft Exchange Online\" and ActionType in (\"New-InboxRule\", \"Set-InboxRule\")\n| extend Parameters = tostring(RawEventData.Parameters)\n| where Parameters has \"myworkday.com\" and Parameters has_any (\"DeleteMessage\", \"MoveToFolder\", \"SoftDeleteMessage\", \"MarkAsRead\")\n| project Timestamp, AccountId, IPAddress, Parameters\n".to_string()
}
