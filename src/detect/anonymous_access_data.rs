use super::evs::{collect, group_by};
use super::*;
use crate::figures;
use crate::intel::Intel;

pub const DETECTOR: Detector = Detector {
    id: "anonymous-access-data",
    title: "Searching and downloading from anonymising networks",
    phase: Phase::PostHire,
    attack: &["T1090.003", "T1530"],
    run,
    kql,
};

pub const DATA_ACTIONS: &[&str] = &[
    "FileDownloaded",
    "FileSyncDownloadedFull",
    "FileAccessed",
    "SearchQueryInitiatedSharePoint",
    "SearchQueryInitiatedExchange",
    "SearchQueryPerformed",
    "MailItemsAccessed",
];

pub fn data_actions() -> Expr {
    is_in_list(
        "action",
        DATA_ACTIONS.iter().map(|s| s.to_string()).collect(),
    )
}

fn run(ctx: &Context) -> PolarsResult<Vec<Finding>> {
    let risky = anonymising()
        .or(col("ip_category").eq(lit("VPN")).fill_null(lit(false)))
        .or(net_is(&["vpn"]));
    let evs = collect(
        ctx.events()
            .filter(data_actions().and(after_hire()).and(risky)),
    )?;
    let mut out = Vec::new();
    for (person, g) in group_by(&evs, |e| e.person.clone()) {
        let mut by_day: std::collections::BTreeMap<String, usize> =
            std::collections::BTreeMap::new();
        for e in &g {
            *by_day.entry(day_of(e.ts)).or_default() += 1;
        }
        let mut ips: Vec<String> = g
            .iter()
            .filter_map(|e| {
                Some(format!(
                    "{} ({})",
                    e.ip.as_deref()?,
                    e.ip_category.as_deref().unwrap_or(if e.anon_proxy {
                        "anonymous proxy"
                    } else {
                        "-"
                    })
                ))
            })
            .collect();
        ips.sort();
        ips.dedup();
        let files: std::collections::BTreeSet<&str> =
            g.iter().filter_map(|e| e.object.as_deref()).collect();
        let reason = format!(
            "new hire made {} search/download actions ({} distinct items) on {} day(s) from anonymising networks: {}",
            g.len(), files.len(), by_day.len(), list(ips.clone(), 3)
        );
        out.push(finding(&DETECTOR, Severity::High, &person, &g, reason, figures! {"actions" => g.len(), "items" => files.len(), "per_day" => by_day, "networks" => ips}));
    }
    Ok(out)
}

fn kql(_c: &Config, _intel: &Intel) -> String {
    "CloudAppEvents\n| where ActionType in (\"FileDownloaded\", \"FileSyncDownloadedFull\", \"FileAccessed\", \"SearchQueryInitiatedSharePoint\", \"SearchQueryInitiatedExchange\", \"MailItemsAccessed\")\n| where IsAnonymousProxy == 1 or IPCategory in (\"Risky\", \"VPN\") or IPTags has_any (\"Tor\", \"Anonymous proxy\")\n// Keep new hires: join your roster on AccountId / AccountObjectId and Timestamp >= HireDate.\n| summarize Actions = count(), Items = dcount(ObjectName), IPs = make_set(IPAddress) by AccountId, Day = bin(Timestamp, 1d)\n".to_string()
}
