use super::evs::{collect, group_by};
use super::*;
use crate::figures;
use crate::intel::Intel;

pub const DETECTOR: Detector = Detector {
    id: "offer-signed-risky",
    title: "Offer letter signed from a suspicious place",
    phase: Phase::Recruiting,
    attack: &["T1656"],
    run,
    kql,
};

fn run(ctx: &Context) -> PolarsResult<Vec<Finding>> {
    let signed = col("app")
        .eq(lit("DocuSign"))
        .and(col("action").eq(lit("ENVELOPE SIGNED")));
    let elsewhere = col("work_country")
        .is_not_null()
        .and(col("country").is_not_null())
        .and(col("country").neq(col("work_country")))
        .and(measured_place())
        .and(own_or_service_network().not());
    let evs = collect(
        ctx.events()
            .filter(signed.and(intel_hit().or(anonymising()).or(elsewhere))),
    )?;
    let mut out = Vec::new();
    for (person, g) in group_by(&evs, |e| e.person.clone().or(e.account.clone())) {
        for e in g {
            let hit = e.ip_intel.clone().or(e.account_intel.clone());
            let (sev, why) = match (
                &hit,
                e.anon_proxy || e.ip_category.as_deref() == Some("Risky"),
            ) {
                (Some(h), _) => (
                    Severity::High,
                    format!("from infrastructure in threat intel ({h})"),
                ),
                (None, true) => (Severity::High, "through an anonymising network".to_string()),
                _ => (
                    Severity::Medium,
                    format!(
                        "from {} while HR has the work country as {}",
                        or_dash(&e.country),
                        or_dash(&e.work_country)
                    ),
                ),
            };
            let reason = format!(
                "offer envelope signed by {} on {} from {} ({}, {}) {why}",
                or_dash(&e.account),
                day_of(e.ts),
                or_dash(&e.ip),
                or_dash(&e.city),
                or_dash(&e.country)
            );
            out.push(finding(&DETECTOR, sev, &person, &[e], reason, figures! {"ip" => e.ip, "country" => e.country, "work_country" => e.work_country, "intel" => hit, "anonymous" => e.anon_proxy}));
        }
    }
    Ok(out)
}

fn kql(_c: &Config, intel: &Intel) -> String {
    format!(
        "{}// WorkCountry: join your HR roster (AccountId = candidate e-mail) to compare CountryCode.\nCloudAppEvents\n| where Application == \"DocuSign\" and ActionType == \"ENVELOPE SIGNED\"\n| where ipv4_is_in_any_range(IPAddress, ActorRanges) or AccountId has_any (ActorTerms)\n    or IsAnonymousProxy == 1 or IPCategory == \"Risky\" or IPTags has_any (\"Tor\", \"Anonymous proxy\")\n| project Timestamp, AccountId, IPAddress, CountryCode, City, ISP, IsAnonymousProxy, IPCategory\n",
        kql_intel_lets(intel)
    )
}
