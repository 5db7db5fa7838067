//! What the model adds to each event beyond its person: the person of account-less rows, each
//! address's network category, and which identities are a tenant's own services.

use crate::ingest::Dataset;
use polars::prelude::*;

use crate::columns::texts as str_values;

/// Rows a query left without any account (`summarize ... by IPAddress, bin(Timestamp, 1d)`)
/// belong to the one person who used the same address that day, when exactly one did; such rows
/// are marked `linked_by_ip` so views and reports can say how they were placed.
pub(super) fn attribute_by_ip(events: LazyFrame) -> LazyFrame {
    let day = (col("ts").cast(DataType::Int64) / lit(86_400_000i64)).cast(DataType::Int64);
    let owners = events
        .clone()
        .filter(
            col("person")
                .is_not_null()
                .and(col("via_peer").not())
                .and(col("ip").is_not_null()),
        )
        .group_by([col("ip"), day.clone().alias("_day")])
        .agg([
            col("person").n_unique().alias("_owners"),
            col("person").first().alias("_owner"),
        ])
        .filter(col("_owners").eq(lit(1)))
        .select([col("ip"), col("_day"), col("_owner")]);
    let anonymous = col("person")
        .is_null()
        .and(col("account").is_null())
        .and(col("object_id").is_null())
        .and(col("peer").is_null());
    events
        .with_column(day.alias("_day"))
        .join(
            owners,
            [col("ip"), col("_day")],
            [col("ip"), col("_day")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([
            anonymous
                .clone()
                .and(col("_owner").is_not_null())
                .alias("linked_by_ip"),
            when(anonymous)
                .then(col("_owner"))
                .otherwise(col("person"))
                .alias("person"),
        ])
        .drop(cols(["_day", "_owner"]))
}

/// What each address is (`net_category`: corporate, vpn, cloud, hosting, anonymiser) and the
/// analyst's name for its range (`net_name`): the user's networks file first, then what the rows
/// say of the address (anonymous-proxy flag and tags, `IPCategory`, ASN, ISP).
pub(super) fn with_net_category(events: LazyFrame, data: &Dataset) -> PolarsResult<LazyFrame> {
    use crate::networks::{category_of_asn, category_of_isp, category_of_vendor, NetCategory};
    let per_ip = events
        .clone()
        .filter(col("ip").is_not_null())
        .group_by([col("ip")])
        .agg([
            col("anon_proxy").eq(lit(true)).any(true).alias("anon"),
            col("ip_category").drop_nulls().first().alias("cat"),
            col("ip_tags").drop_nulls().first().alias("tags"),
            col("isp").drop_nulls().first().alias("isp"),
            col("asn").drop_nulls().first().alias("asn"),
        ])
        .collect()?;
    let ips = str_values(&per_ip, "ip")?;
    let anon = crate::columns::bools(&per_ip, "anon")?;
    let (cat, tags) = (str_values(&per_ip, "cat")?, str_values(&per_ip, "tags")?);
    let (isp, asn) = (str_values(&per_ip, "isp")?, str_values(&per_ip, "asn")?);
    let mut keys = Vec::with_capacity(ips.len());
    let mut categories: Vec<Option<&'static str>> = Vec::with_capacity(ips.len());
    let mut names: Vec<Option<String>> = Vec::with_capacity(ips.len());
    for i in 0..ips.len() {
        let Some(ip) = &ips[i] else { continue };
        let user = ip
            .parse()
            .ok()
            .and_then(|a: std::net::IpAddr| data.networks.lookup(&a));
        let category = match user {
            Some(r) => Some(r.category),
            None if anon[i] == Some(true) => Some(NetCategory::Anonymiser),
            None => category_of_vendor(cat[i].as_deref(), tags[i].as_deref())
                .or_else(|| asn[i].as_deref().and_then(category_of_asn))
                .or_else(|| isp[i].as_deref().and_then(category_of_isp)),
        };
        keys.push(ip.clone());
        categories.push(category.map(NetCategory::name));
        names.push(user.and_then(|r| r.name.clone()));
    }
    let n = keys.len();
    let lookup = DataFrame::new(
        n,
        vec![
            Column::new("ip".into(), keys),
            Column::new("net_category".into(), categories),
            Column::new("net_name".into(), names),
        ],
    )?;
    Ok(events.join(
        lookup.lazy(),
        [col("ip")],
        [col("ip")],
        JoinArgs::new(JoinType::Left),
    ))
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
