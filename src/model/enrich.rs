//! What the model adds to each event beyond its person: the person of account-less rows, each
//! address's network category, and which identities are a tenant's own services.

use crate::ingest::Dataset;
use polars::prelude::*;

use std::collections::HashMap;

/// Rows a query left without any account (`summarize ... by IPAddress, bin(Timestamp, 1d)`)
/// belong to the one person who used the same address that day, when exactly one did; such rows
/// are marked `linked_by_ip` so views and reports can say how they were placed.
pub(super) fn attribute_by_ip(events: &mut DataFrame) -> PolarsResult<()> {
    const DAY_MS: i64 = 86_400_000;
    let person = crate::columns::borrowed_texts(events, "person")?;
    let via_peer = crate::columns::bools(events, "via_peer")?;
    let ip = crate::columns::borrowed_texts(events, "ip")?;
    let ts = crate::columns::ints(events, "ts")?;
    let (account, object, peer) = (
        crate::columns::borrowed_texts(events, "account")?,
        crate::columns::borrowed_texts(events, "object_id")?,
        crate::columns::borrowed_texts(events, "peer")?,
    );
    // The one person seen on an address each day; None once a second one is.
    let mut owner: HashMap<(&str, Option<i64>), Option<&str>> = HashMap::new();
    for i in 0..events.height() {
        let (Some(p), Some(addr)) = (person[i], ip[i]) else {
            continue;
        };
        if via_peer[i] == Some(true) {
            continue;
        }
        let day = ts[i].map(|t| t / DAY_MS);
        owner
            .entry((addr, day))
            .and_modify(|o| {
                if *o != Some(p) {
                    *o = None
                }
            })
            .or_insert(Some(p));
    }
    let mut linked = Vec::with_capacity(events.height());
    let mut out: Vec<Option<&str>> = Vec::with_capacity(events.height());
    for i in 0..events.height() {
        let anonymous =
            person[i].is_none() && account[i].is_none() && object[i].is_none() && peer[i].is_none();
        let found = match (anonymous, ip[i]) {
            (true, Some(addr)) => owner
                .get(&(addr, ts[i].map(|t| t / DAY_MS)))
                .copied()
                .flatten(),
            _ => None,
        };
        linked.push(found.is_some());
        out.push(found.or(person[i]));
    }
    let (out, linked) = (
        Column::new(super::columns::PERSON.into(), out),
        Column::new(super::columns::LINKED_BY_IP.into(), linked),
    );
    events.with_column(out)?;
    events.with_column(linked)?;
    Ok(())
}

/// What the rows of one address say about it, first non-empty value in row order.
#[derive(Default)]
struct IpFacts<'a> {
    anonymous: bool,
    category: Option<&'a str>,
    tags: Option<&'a str>,
    isp: Option<&'a str>,
    asn: Option<&'a str>,
    /// The first row that places the address better than its registry does.
    placed_by: Option<usize>,
}

/// Shares what any row knows of an address with every row of that address: the anonymous-proxy
/// flag, IPCategory and IPTags; a measured place for rows located only by the registry (or not
/// at all), nearer the truth than a registry's country; and what the address is (`net_category`:
/// corporate, vpn, cloud, hosting, anonymiser) with the analyst's name for its range (`net_name`),
/// from the user's networks file first, then from the rows (proxy flag and tags, IPCategory, ASN,
/// ISP).
pub(super) fn share_ip_facts(events: &mut DataFrame, data: &Dataset) -> PolarsResult<()> {
    use crate::networks::{category_of_asn, category_of_isp, category_of_vendor, NetCategory};
    let n = events.height();
    let ip = crate::columns::borrowed_texts(events, "ip")?;
    let anon = crate::columns::bools(events, "anon_proxy")?;
    let (category, tags) = (
        crate::columns::borrowed_texts(events, "ip_category")?,
        crate::columns::borrowed_texts(events, "ip_tags")?,
    );
    let (isp, asn) = (
        crate::columns::borrowed_texts(events, "isp")?,
        crate::columns::borrowed_texts(events, "asn")?,
    );
    let precision = crate::columns::borrowed_texts(events, "loc_precision")?;
    let lat = crate::columns::floats(events, "lat")?;
    let mut facts: HashMap<&str, IpFacts> = HashMap::new();
    for i in 0..n {
        let Some(addr) = ip[i] else { continue };
        let f = facts.entry(addr).or_default();
        f.anonymous |= anon[i] == Some(true);
        f.category = f.category.or(category[i]);
        f.tags = f.tags.or(tags[i]);
        f.isp = f.isp.or(isp[i]);
        f.asn = f.asn.or(asn[i]);
        if f.placed_by.is_none() && precision[i].is_some_and(|p| p != "registry") {
            f.placed_by = Some(i);
        }
    }
    let mut anon_out = Vec::with_capacity(n);
    let mut category_out = Vec::with_capacity(n);
    let mut tags_out = Vec::with_capacity(n);
    let mut net_category = Vec::with_capacity(n);
    let mut net_name: Vec<Option<&str>> = Vec::with_capacity(n);
    // The row each row takes its place from: itself, or the address's measured row.
    let mut place_from: Vec<IdxSize> = Vec::with_capacity(n);
    let mut moved = false;
    let mut kind_of: HashMap<&str, (Option<&'static str>, Option<&str>)> = HashMap::new();
    for i in 0..n {
        let f = ip[i].and_then(|a| facts.get(a));
        anon_out.push(anon[i] == Some(true) || f.is_some_and(|f| f.anonymous));
        category_out.push(category[i].or(f.and_then(|f| f.category)));
        tags_out.push(tags[i].or(f.and_then(|f| f.tags)));
        let (cat, name) = match (ip[i], f) {
            (Some(addr), Some(f)) => *kind_of.entry(addr).or_insert_with(|| {
                let user = addr
                    .parse()
                    .ok()
                    .and_then(|a: std::net::IpAddr| data.networks.lookup(&a));
                let category = match user {
                    Some(r) => Some(r.category),
                    None if f.anonymous => Some(NetCategory::Anonymiser),
                    None => category_of_vendor(f.category, f.tags)
                        .or_else(|| f.asn.and_then(category_of_asn))
                        .or_else(|| f.isp.and_then(category_of_isp)),
                };
                (
                    category.map(NetCategory::name),
                    user.and_then(|r| r.name.as_deref()),
                )
            }),
            _ => (None, None),
        };
        net_category.push(cat);
        net_name.push(name);
        let weak = precision[i].is_none_or(|p| p == "registry");
        let src = match f.and_then(|f| f.placed_by) {
            Some(j) if weak && lat[j].is_some() => {
                moved = true;
                j
            }
            _ => i,
        };
        place_from.push(src as IdxSize);
    }
    let columns = [
        Column::new(super::columns::ANON_PROXY.into(), anon_out),
        Column::new(super::columns::IP_CATEGORY.into(), category_out),
        Column::new(super::columns::IP_TAGS.into(), tags_out),
        Column::new(super::columns::NET_CATEGORY.into(), net_category),
        Column::new(super::columns::NET_NAME.into(), net_name),
    ];
    for c in columns {
        events.with_column(c)?;
    }
    if moved {
        let from = IdxCa::from_vec("from".into(), place_from);
        for name in [
            "lat",
            "lon",
            "country",
            "city",
            "loc_radius_km",
            "loc_precision",
        ] {
            let taken = events.column(name)?.take(&from)?;
            events.with_column(taken)?;
        }
    }
    Ok(())
}

/// Why an account is a system or service identity, from its name alone: Windows' built-in
/// principals and well-known SIDs, SharePoint's and Exchange's own accounts, machine accounts.
pub fn service_identity(account: &str) -> Option<&'static str> {
    let a = account.trim().to_ascii_lowercase();
    if a.starts_with("nt authority\\") || a.starts_with("nt service\\") {
        return Some("a Windows built-in principal");
    }
    if let Some(rest) = a.strip_prefix("s-1-5-") {
        // S-1-5-21-... are domain users; the short ones (18 SYSTEM, 19 LOCAL SERVICE, 20 NETWORK
        // SERVICE, 32-... built-in groups) are the machine's own.
        if !rest.starts_with("21-") {
            return Some("a well-known SID");
        }
    }
    if a == "app@sharepoint" || a.starts_with("sharepoint\\") {
        return Some("SharePoint's own account");
    }
    let local = a.split('@').next().unwrap_or(&a);
    if local.ends_with('$') {
        return Some("a machine account");
    }
    if a.starts_with("servicepr") || a.ends_with("@serviceprincipal") {
        return Some("a service principal");
    }
    if a.starts_with("dlppolicy") || a.starts_with("securitycomplianceservice") {
        return Some("a Microsoft 365 service");
    }
    None
}

/// Vendor account types (CloudAppEvents `AccountType`, OfficeActivity `UserType`) that are not people.
const SERVICE_TYPES: &[&str] = &[
    "system",
    "application",
    "serviceprincipal",
    "managedidentity",
    "dcadmin",
    "systempolicy",
    "custompolicy",
    "3",
    "4",
    "5",
    "6",
    "8",
];

pub(super) fn service_typed() -> Expr {
    col("account_type")
        .str()
        .to_lowercase()
        .is_in(
            lit(Series::new(
                "types".into(),
                SERVICE_TYPES
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>(),
            ))
            .implode(false),
            false,
        )
        .fill_null(lit(false))
}
