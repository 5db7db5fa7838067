use super::evs::collect;
use super::*;
use crate::figures;
use crate::intel::Intel;
use std::collections::{BTreeMap, BTreeSet};

pub const DETECTOR: Detector = Detector {
    id: "shared-infrastructure",
    title: "Candidates or hires sharing infrastructure",
    phase: Phase::Lifecycle,
    attack: &["T1585.002"],
    run,
    kql,
};

/// Consumer mail providers: millions of people share each, so two applicants on one of them
/// share nothing, however few people the exports hold.
const FREE_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.com",
    "mail.com",
    "yandex.com",
    "qq.com",
    "163.com",
];

fn run(ctx: &Context) -> PolarsResult<Vec<Finding>> {
    let outsiders = is_in_list(
        "stage",
        vec!["candidate".into(), "offer".into(), "hired".into()],
    );
    let not_corporate = own_or_service_network().not();
    // Distinct (person, ip) and (person, device) pairs: small, even over millions of events.
    let links = ctx
        .events()
        .filter(
            outsiders
                .and(col("person").is_not_null())
                .and(not_corporate),
        )
        .select([col("person"), col("ip"), col("device_id")])
        .unique(None, UniqueKeepStrategy::Any)
        .collect()?;
    let persons: Vec<Option<&str>> = crate::columns::borrowed_texts(&links, "person")?;
    let ips: Vec<Option<&str>> = crate::columns::borrowed_texts(&links, "ip")?;
    let devices: Vec<Option<&str>> = crate::columns::borrowed_texts(&links, "device_id")?;
    let mut by_thing: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for k in 0..links.height() {
        let Some(p) = persons[k] else { continue };
        if let Some(ip) = ips[k] {
            by_thing
                .entry(format!("IP {ip}"))
                .or_default()
                .insert(p.to_string());
            if let Ok(v4) = ip.parse::<std::net::Ipv4Addr>() {
                let o = v4.octets();
                by_thing
                    .entry(format!("network {}.{}.{}.0/24", o[0], o[1], o[2]))
                    .or_default()
                    .insert(p.to_string());
            }
        }
        if let Some(d) = devices[k] {
            by_thing
                .entry(format!("device {d}"))
                .or_default()
                .insert(p.to_string());
        }
    }
    // Uncommon e-mail domains among the candidates' and hires' external addresses. The tenant's
    // own domains are no link: those of its staff, and those of the UPNs the roster gives (an
    // employer issues them), so hires whose only tie is their new company account share nothing
    // even where the exports hold no staff. Service identities (machine accounts) are nobody.
    use crate::model::Stage;
    let domain_of = |id: &str| id.rsplit_once('@').map(|(_, d)| d.to_string());
    let own_domains: BTreeSet<String> = (ctx.model.people.iter())
        .filter(|p| p.stage == Stage::Staff)
        .flat_map(|p| p.identifiers.iter().filter_map(|i| domain_of(i)))
        .chain(
            (ctx.data.roster.people.iter())
                .flat_map(|p| p.upns.iter().filter_map(|u| domain_of(u))),
        )
        .collect();
    let mut domains: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in ctx
        .model
        .people
        .iter()
        .filter(|p| matches!(p.stage, Stage::Candidate | Stage::Offer | Stage::Hired))
    {
        for id in &p.identifiers {
            if let Some((_, d)) = id.rsplit_once('@') {
                if !own_domains.contains(d) && !FREE_MAIL.contains(&d) {
                    domains
                        .entry(d.to_string())
                        .or_default()
                        .insert(p.key.clone());
                }
            }
        }
    }
    for (d, people) in domains {
        if people.len() >= 2 && people.len() <= ctx.config.uncommon_domain_max_people {
            by_thing.insert(format!("e-mail domain {d}"), people);
        }
    }
    // People linked through anything shared form clusters (connected components).
    let shared: Vec<(String, BTreeSet<String>)> =
        by_thing.into_iter().filter(|(_, p)| p.len() >= 2).collect();
    let mut parent: BTreeMap<String, String> = BTreeMap::new();
    fn root(parent: &mut BTreeMap<String, String>, x: &str) -> String {
        let mut r = x.to_string();
        while let Some(p) = parent.get(&r).cloned() {
            if p == r {
                break;
            }
            r = p;
        }
        r
    }
    for (_, people) in &shared {
        let mut it = people.iter();
        let first = it.next().cloned().unwrap_or_default();
        parent.entry(first.clone()).or_insert(first.clone());
        for p in it {
            parent.entry(p.clone()).or_insert(p.clone());
            let (a, b) = (root(&mut parent, &first), root(&mut parent, p));
            if a != b {
                parent.insert(b, a);
            }
        }
    }
    let mut clusters: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in parent.keys().cloned().collect::<Vec<_>>() {
        let r = root(&mut parent, &p);
        clusters.entry(r).or_default().insert(p);
    }
    let flagged: BTreeSet<&str> = ctx
        .earlier
        .iter()
        .filter(|f| f.severity >= Severity::Medium)
        .map(|f| f.person.as_str())
        .collect();
    let mut out = Vec::new();
    for members in clusters.values() {
        let links: Vec<String> = shared
            .iter()
            .filter(|(_, p)| p.is_subset(members))
            .map(|(k, p)| format!("{k} ({})", p.len()))
            .collect();
        let hot: Vec<&String> = members
            .iter()
            .filter(|m| flagged.contains(m.as_str()))
            .collect();
        let sev = if hot.is_empty() {
            Severity::Low
        } else {
            Severity::Medium
        };
        let ips: Vec<String> = shared
            .iter()
            .filter(|(k, p)| k.starts_with("IP ") && p.is_subset(members))
            .map(|(k, _)| k[3..].to_string())
            .collect();
        let evs = collect(
            ctx.events()
                .filter(
                    is_in_list("person", members.iter().cloned().collect())
                        .and(is_in_list("ip", ips.clone())),
                )
                .limit(MAX_EVIDENCE as u32 * 4),
        )?;
        for m in members {
            let mine: Vec<&Ev> = evs
                .iter()
                .filter(|e| e.person.as_ref() == Some(m))
                .collect();
            let reason = format!(
                "{} candidates or hires share {}{}",
                members.len(),
                list(links.clone(), 4),
                if hot.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; flagged members: {}",
                        list(hot.iter().map(|s| s.to_string()), 4)
                    )
                }
            );
            let mut f = finding(
                &DETECTOR,
                sev,
                m,
                &mine,
                reason,
                figures! {"members" => members.len(), "links" => links, "flagged_members" => hot},
            );
            f.members = members.iter().cloned().collect();
            if mine.is_empty() {
                // No event of theirs on a shared address (the link is a device or a domain):
                // the cluster's shared events, else the member's own span of activity.
                let own = ctx.model.people.iter().find(|p| &p.key == m);
                let span = |shared: Option<i64>, own: Option<i64>| shared.or(own).unwrap_or(0);
                f.first_seen = span(
                    evs.iter().map(|e| e.ts).min(),
                    own.and_then(|p| p.first_seen),
                );
                f.last_seen = span(
                    evs.iter().map(|e| e.ts).max(),
                    own.and_then(|p| p.last_seen),
                );
            }
            out.push(f);
        }
    }
    Ok(out)
}

fn kql(_c: &Config, _intel: &Intel) -> String {
    "// Candidates' and hires' shared addresses and /24 networks (outside corporate egress).\nCloudAppEvents\n| where IsExternalUser == 1 or Application == \"Workday\"\n| where IPCategory != \"Corporate\"\n| extend Net24 = format_ipv4_mask(IPAddress, 24)\n| summarize Accounts = make_set(AccountId), AccountCount = dcount(AccountId) by Net24\n| where AccountCount >= 2\n".to_string()
}
