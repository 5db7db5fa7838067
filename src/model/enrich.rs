//! What the model adds to each event beyond its person: the person of account-less rows, each
//! address's network category, and which identities are a tenant's own services.

use crate::dictionary::{column_of_codes, known_code, Codes, NULL_CODE};
use crate::ingest::Dataset;
use polars::prelude::*;

/// Rows a query left without any account (`summarize ... by IPAddress, bin(Timestamp, 1d)`)
/// belong to the one person who used the same address that day, when exactly one did; such rows
/// are marked `linked_by_ip` so views and reports can say how they were placed.
pub(super) fn attribute_by_ip(events: &mut DataFrame) -> PolarsResult<()> {
    const DAY_MS: i64 = 86_400_000;
    let person = Codes::of(events, "person")?;
    let via_peer = crate::columns::bools(events, "via_peer")?;
    let ip = Codes::of(events, "ip")?;
    let ts = events.column("ts")?.cast(&DataType::Int64)?;
    let day: Vec<Option<i64>> = ts.i64()?.iter().map(|t| t.map(|t| t / DAY_MS)).collect();
    drop(ts);
    let (account, object, peer) = (
        Codes::of(events, "account")?,
        Codes::of(events, "object_id")?,
        Codes::of(events, "peer")?,
    );
    // The one person seen on an address each day; None once a second one is. foldhash, not
    // SipHash: ten million rows each look their key up.
    let mut owner: foldhash::HashMap<(u32, Option<i64>), Option<u32>> = Default::default();
    for i in 0..events.height() {
        let (Some(p), Some(addr)) = (person.get(i), ip.get(i)) else {
            continue;
        };
        if via_peer[i] == Some(true) {
            continue;
        }
        owner
            .entry((addr, day[i]))
            .and_modify(|o| {
                if *o != Some(p) {
                    *o = None
                }
            })
            .or_insert(Some(p));
    }
    let mut linked = Vec::with_capacity(events.height());
    let mut out: Vec<u32> = Vec::with_capacity(events.height());
    for (i, &day) in day.iter().enumerate() {
        let anonymous = person.get(i).is_none()
            && account.get(i).is_none()
            && object.get(i).is_none()
            && peer.get(i).is_none();
        let found = match (anonymous, ip.get(i)) {
            (true, Some(addr)) => owner.get(&(addr, day)).copied().flatten(),
            _ => None,
        };
        linked.push(found.is_some());
        out.push(found.or(person.get(i)).unwrap_or(NULL_CODE));
    }
    drop((person, ip, day, account, object, peer, owner));
    events.with_column(column_of_codes(super::columns::PERSON, &out))?;
    events.with_column(Column::new(super::columns::LINKED_BY_IP.into(), linked))?;
    Ok(())
}

/// What the rows of one address say about it, first non-empty value in row order (as codes).
#[derive(Clone, Default)]
struct IpFacts {
    anonymous: bool,
    category: Option<u32>,
    tags: Option<u32>,
    isp: Option<u32>,
    asn: Option<u32>,
    /// The first row that places the address better than its registry does.
    placed_by: Option<usize>,
}

/// Shares what any row knows of an address with every row of that address: the anonymous-proxy
/// flag, IPCategory and IPTags; a measured place for rows located only by the registry (or not
/// at all), nearer the truth than a registry's country; and what the address is (`net_category`:
/// corporate, vpn, cloud, hosting, anonymiser) with the analyst's name for its range (`net_name`),
/// from the user's networks file first, then from the rows (proxy flag and tags, IPCategory, ASN,
/// ISP).
///
/// Returns the columns to set (the frame is only read), so the pass can run beside the ones
/// that find each row's person.
pub(super) fn share_ip_facts(events: &DataFrame, data: &Dataset) -> PolarsResult<Vec<Column>> {
    use crate::networks::{category_of_asn, category_of_isp, category_of_vendor, NetCategory};
    let n = events.height();
    let ip = Codes::of(events, "ip")?;
    let anon = crate::columns::bools(events, "anon_proxy")?;
    let (category, tags) = (
        Codes::of(events, "ip_category")?,
        Codes::of(events, "ip_tags")?,
    );
    let (isp, asn) = (Codes::of(events, "isp")?, Codes::of(events, "asn")?);
    let precision = Codes::of(events, "loc_precision")?;
    let registry = known_code("registry");
    let placed = |i: usize| precision.get(i).is_some_and(|p| Some(p) != registry);
    let located = events.column("lat")?.is_not_null();
    let located: Vec<bool> = located.iter().map(|v| v == Some(true)).collect();
    // Indexed by the address's code, not hashed: ten million rows look their address up
    // three times. Every row's code is below the bound taken here.
    let bound = crate::dictionary::code_bound();
    let mut facts: Vec<Option<IpFacts>> = vec![None; bound];
    let mut addresses: Vec<u32> = Vec::new();
    for (i, anonymous) in anon.iter().enumerate() {
        let Some(addr) = ip.get(i) else { continue };
        let Some(slot) = facts.get_mut(addr as usize) else {
            continue;
        };
        let f = slot.get_or_insert_with(|| {
            addresses.push(addr);
            IpFacts::default()
        });
        f.anonymous |= *anonymous == Some(true);
        f.category = f.category.or(category.get(i));
        f.tags = f.tags.or(tags.get(i));
        f.isp = f.isp.or(isp.get(i));
        f.asn = f.asn.or(asn.get(i));
        if f.placed_by.is_none() && placed(i) {
            f.placed_by = Some(i);
        }
    }
    // What each address is, once per address: (net_category, net_name) as codes.
    let mut kind_of: Vec<(u32, u32)> = vec![(NULL_CODE, NULL_CODE); bound];
    for &addr in &addresses {
        let Some(f) = &facts[addr as usize] else {
            continue;
        };
        let user = ip
            .text(addr)
            .parse()
            .ok()
            .and_then(|a: std::net::IpAddr| data.networks.lookup(&a));
        let text = |c: Option<u32>, codes: &Codes| c.map(|k| codes.text(k).to_string());
        let (vendor_category, vendor_tags) = (text(f.category, &category), text(f.tags, &tags));
        let category = match user {
            Some(r) => Some(r.category),
            None if f.anonymous => Some(NetCategory::Anonymiser),
            None => category_of_vendor(vendor_category.as_deref(), vendor_tags.as_deref())
                .or_else(|| f.asn.and_then(|k| category_of_asn(asn.text(k))))
                .or_else(|| f.isp.and_then(|k| category_of_isp(isp.text(k)))),
        };
        let code = |s: Option<&str>| s.map_or(Ok(NULL_CODE), crate::dictionary::code_of);
        kind_of[addr as usize] = (
            code(category.map(NetCategory::name))?,
            code(user.and_then(|r| r.name.as_deref()))?,
        );
    }
    let mut anon_out = Vec::with_capacity(n);
    let mut category_out = Vec::with_capacity(n);
    let mut tags_out = Vec::with_capacity(n);
    let mut net_category = Vec::with_capacity(n);
    let mut net_name = Vec::with_capacity(n);
    // The row each row takes its place from: itself, or the address's measured row.
    let mut place_from: Vec<IdxSize> = Vec::with_capacity(n);
    let mut moved = false;
    for (i, anonymous) in anon.iter().enumerate() {
        let addr = ip.get(i);
        let f = addr.and_then(|a| facts.get(a as usize)?.as_ref());
        anon_out.push(*anonymous == Some(true) || f.is_some_and(|f| f.anonymous));
        let or_shared = |own: Option<u32>, shared: Option<u32>| own.or(shared).unwrap_or(NULL_CODE);
        category_out.push(or_shared(category.get(i), f.and_then(|f| f.category)));
        tags_out.push(or_shared(tags.get(i), f.and_then(|f| f.tags)));
        let (cat, name) = addr
            .and_then(|a| kind_of.get(a as usize).copied())
            .unwrap_or((NULL_CODE, NULL_CODE));
        net_category.push(cat);
        net_name.push(name);
        let src = match f.and_then(|f| f.placed_by) {
            Some(j) if !placed(i) && located[j] => {
                moved = true;
                j
            }
            _ => i,
        };
        place_from.push(src as IdxSize);
    }
    drop((ip, anon, category, tags, isp, asn, facts, kind_of));
    let mut columns = vec![
        Column::new(super::columns::ANON_PROXY.into(), anon_out),
        column_of_codes(super::columns::IP_CATEGORY, &category_out),
        column_of_codes(super::columns::IP_TAGS, &tags_out),
        column_of_codes(super::columns::NET_CATEGORY, &net_category),
        column_of_codes(super::columns::NET_NAME, &net_name),
    ];
    if moved {
        let from = IdxCa::from_vec("from".into(), place_from);
        let names = [
            "lat",
            "lon",
            "country",
            "city",
            "loc_radius_km",
            "loc_precision",
        ];
        columns.extend(super::gathered_in_two(events, &names, &from)?);
    }
    Ok(columns)
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

/// Whether a row's account type names a service. Tested once per distinct type: a plain copy of
/// the column for every row was 160 MB and a fifth of a second at ten million events.
pub(super) fn service_typed() -> Expr {
    crate::dictionary::per_value("account_type", |e| {
        e.str().to_lowercase().is_in(
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
    })
    .fill_null(lit(false))
}
