use super::evs::{collect, group_by};
use super::*;
use crate::figures;
use crate::intel::Intel;

pub const DETECTOR: Detector = Detector {
    id: "external-meeting-risky",
    title: "External meeting participant from actor infrastructure or an anonymising network",
    phase: Phase::Recruiting,
    attack: &["T1656"],
    run,
    kql,
};

fn run(ctx: &Context) -> PolarsResult<Vec<Finding>> {
    let apps = is_in_list(
        "app",
        vec![
            "Microsoft Teams".into(),
            "Zoom".into(),
            "Cisco Webex".into(),
        ],
    );
    // A `summarize` of Zoom or Webex events keeps the actions but not the Application: take
    // app-less meeting actions as meetings.
    let meeting_action = col("app").is_null().and(
        crate::dictionary::per_value("action", |e| {
            e.str()
                .contains(lit(r"(?i)meeting|participant|\bjoin"), false)
        })
        .fill_null(lit(false)),
    );
    let evs = collect(
        ctx.events().filter(
            apps.or(meeting_action)
                .and(external_or_unknown())
                .and(intel_hit().or(anonymising())),
        ),
    )?;
    let mut out = Vec::new();
    for ((person, ip, day), g) in group_by(&evs, |e| {
        Some((
            e.person.clone().or(e.account.clone())?,
            e.ip.clone().unwrap_or_default(),
            day_of(e.ts),
        ))
    }) {
        let hits: std::collections::BTreeSet<String> = g
            .iter()
            .flat_map(|e| [e.ip_intel.clone(), e.account_intel.clone()])
            .flatten()
            .collect();
        let mut actions: Vec<String> = g
            .iter()
            .filter_map(|e| Some(format!("{} {}", e.app.as_deref()?, e.action.as_deref()?)))
            .collect();
        actions.sort();
        actions.dedup();
        let e = g[0];
        let (sev, why) = if hits.is_empty() {
            (
                Severity::Medium,
                format!(
                    "an anonymising network ({}{})",
                    or_dash(&e.ip_category),
                    if e.anon_proxy {
                        ", anonymous proxy"
                    } else {
                        ""
                    }
                ),
            )
        } else {
            (
                Severity::High,
                format!("threat intel ({})", list(hits.clone(), 3)),
            )
        };
        let reason = format!(
            "external participant {} joined meetings from {ip} on {day}, {why}: {}",
            or_dash(&e.account),
            list(actions.clone(), 4)
        );
        out.push(finding(&DETECTOR, sev, &person, &g, reason, figures! {"ip" => ip, "day" => day, "actions" => actions, "intel" => hits, "anonymous_proxy" => e.anon_proxy, "ip_category" => e.ip_category}));
    }
    Ok(out)
}

fn kql(_c: &Config, intel: &Intel) -> String {
    format!(
        "{}CloudAppEvents\n| where Application in (\"Microsoft Teams\", \"Zoom\", \"Cisco Webex\") and IsExternalUser == 1\n| where ipv4_is_in_any_range(IPAddress, ActorRanges) or AccountId has_any (ActorTerms)\n    or IsAnonymousProxy == 1 or IPCategory == \"Risky\" or IPTags has_any (\"Tor\", \"Anonymous proxy\")\n| summarize Actions = make_set(ActionType), Events = count() by AccountId, IPAddress, Day = bin(Timestamp, 1d)\n",
        kql_intel_lets(intel)
    )
}
