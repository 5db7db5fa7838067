use super::evs::{collect, group_by};
use super::*;
use crate::figures;
use crate::intel::Intel;

pub const DETECTOR: Detector = Detector {
    id: "new-hire-signin-intel",
    title: "New hire signing in from actor infrastructure",
    phase: Phase::PostHire,
    attack: &["T1078.004"],
    run,
    kql,
};

fn run(ctx: &Context) -> PolarsResult<Vec<Finding>> {
    let days = ctx.config.signin_intel_days;
    let within = after_hire().and(col("ts_ms").lt_eq(col("hire_ts") + lit(days * DAY_MS)));
    // Sign-ins, and CloudAppEvents (Workday and the other apps record the new hire working).
    let tables = signin_rows().or(col("table").eq(lit("CloudAppEvents")));
    let evs = collect(
        ctx.events()
            .filter(tables.and(within).and(col("ip_intel").is_not_null())),
    )?;
    let mut out = Vec::new();
    for ((person, ip), g) in group_by(&evs, |e| Some((e.person.clone()?, e.ip.clone()?))) {
        let e = g[0];
        let since = (e.ts - e.hire_ts.unwrap_or(e.ts)) / DAY_MS;
        let mut apps: Vec<String> = g.iter().filter_map(|e| e.app.clone()).collect();
        apps.sort();
        apps.dedup();
        let reason = format!(
            "new hire signed in or worked {} time(s) from {ip}, in threat intel ({}), first {since} days after hire (window {days} days); apps: {}",
            g.len(), or_dash(&e.ip_intel), list(apps.clone(), 4)
        );
        out.push(finding(&DETECTOR, Severity::Critical, &person, &g, reason, figures! {"ip" => ip, "events" => g.len(), "days_after_hire" => since, "intel" => e.ip_intel, "apps" => apps, "window_days" => days}));
    }
    Ok(out)
}

fn kql(c: &Config, intel: &Intel) -> String {
    format!(
        "{}// NewHires: your roster's new hires, e.g. externaldata or a watchlist with AccountUpn and HireDate.\nlet NewHires = datatable(AccountUpn: string, HireDate: datetime) [];\nunion\n    (EntraIdSignInEvents | project Timestamp, AccountUpn, IPAddress, Application),\n    (IdentityLogonEvents | project Timestamp, AccountUpn, IPAddress, Application),\n    (CloudAppEvents | project Timestamp, AccountUpn = tolower(AccountId), IPAddress, Application)\n| where ipv4_is_in_any_range(IPAddress, ActorRanges)\n| join kind=inner NewHires on AccountUpn\n| where Timestamp between (HireDate .. HireDate + {}d)\n| summarize SignIns = count(), Apps = make_set(Application), FirstSeen = min(Timestamp) by AccountUpn, IPAddress\n",
        kql_intel_lets(intel),
        c.signin_intel_days
    )
}
