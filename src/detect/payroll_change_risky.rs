use super::evs::{collect, group_by};
use super::*;
use crate::figures;
use crate::intel::Intel;

pub const DETECTOR: Detector = Detector {
    id: "payroll-change-risky",
    title: "Payroll or bank change by a new hire from a risky place",
    phase: Phase::PostHire,
    attack: &["T1657", "T1078.004"],
    run,
    kql,
};

use terms::{PAYROLL_OBJECTS as OBJECTS, PAYROLL_VERBS as VERBS};

fn run(ctx: &Context) -> PolarsResult<Vec<Finding>> {
    let tasks = distinct_where(ctx, "action", col("app").eq(lit("Workday")), |a| {
        terms::has_any(a, VERBS) && terms::has_any(a, OBJECTS)
    })?;
    let payroll = col("app")
        .eq(lit("Workday"))
        .and(is_in_list("action", tasks));
    let elsewhere = col("work_country")
        .is_not_null()
        .and(col("country").is_not_null())
        .and(col("country").neq(col("work_country")))
        .and(measured_place())
        .and(own_or_service_network().not());
    let evs = collect(
        ctx.events().filter(
            payroll
                .and(after_hire())
                .and(intel_hit().or(anonymising()).or(elsewhere)),
        ),
    )?;
    let crit_days = ctx.config.payroll_critical_days;
    let mut out = Vec::new();
    for (person, g) in group_by(&evs, |e| e.person.clone()) {
        let intel_early = g.iter().any(|e| {
            e.ip_intel.is_some() && e.hire_ts.is_some_and(|h| e.ts - h <= crit_days * DAY_MS)
        });
        let e = g[0];
        let since = (e.ts - e.hire_ts.unwrap_or(e.ts)) / DAY_MS;
        let mut tasks: Vec<String> = g.iter().filter_map(|e| e.action.clone()).collect();
        tasks.sort();
        tasks.dedup();
        let place = if let Some(h) = &e.ip_intel {
            format!("from {} in threat intel ({h})", or_dash(&e.ip))
        } else if e.anon_proxy {
            format!("through an anonymising network ({})", or_dash(&e.ip))
        } else {
            format!(
                "from {} ({}) while HR has the work country as {}",
                or_dash(&e.ip),
                or_dash(&e.country),
                or_dash(&e.work_country)
            )
        };
        let reason = format!(
            "new hire ran Workday payroll task(s) {} {place}, {since} days after hire",
            list(tasks.iter().map(|t| format!("{t:?}")), 4)
        );
        let sev = if intel_early {
            Severity::Critical
        } else {
            Severity::High
        };
        out.push(finding(&DETECTOR, sev, &person, &g, reason, figures! {"tasks" => tasks, "days_after_hire" => since, "ip" => e.ip, "country" => e.country, "work_country" => e.work_country, "intel" => e.ip_intel, "critical_within_days" => crit_days}));
    }
    Ok(out)
}

fn kql(c: &Config, intel: &Intel) -> String {
    format!(
        "{}CloudAppEvents\n| where Application == \"Workday\"\n| where ActionType has_any (\"Add\", \"Change\", \"Assign\", \"Create\", \"Modify\") and ActionType has_any (\"Account\", \"Bank\", \"Payment\", \"Tax\")\n| where ipv4_is_in_any_range(IPAddress, ActorRanges) or IsAnonymousProxy == 1 or IPCategory == \"Risky\"\n    or IPTags has_any (\"Tor\", \"Anonymous proxy\")\n// Join your roster to keep new hires only and compare CountryCode with the work country;\n// critical when the IP is in the intel within {} days of hire.\n| project Timestamp, AccountId, AccountDisplayName, ActionType, IPAddress, CountryCode, IsAnonymousProxy, IPCategory\n",
        kql_intel_lets(intel),
        c.payroll_critical_days
    )
}
