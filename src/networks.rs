//! The analyst's own map of address space: which ranges are the organisation's offices and VPN,
//! which are cloud services, hosting or anonymisers. Defender for Cloud Apps lets admins tag IP
//! ranges the same way; the rows' own `IPCategory`, `IPTags`, ISP and ASN feed the same categories
//! when no range names an address (see `model::enrich`).

use ipnet::IpNet;
use serde::Serialize;
use std::net::IpAddr;

/// What an address is, as far as hunting cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NetCategory {
    /// The organisation's own egress: offices, the corporate VPN. Never suspicious by itself.
    Corporate,
    /// A consumer or commercial VPN: real people use them, so travel through one is down-ranked.
    Vpn,
    /// A cloud provider's service addresses (Microsoft 365 acting for a user): not where anyone is.
    Cloud,
    /// Rented servers: where an operator runs tooling. Risky.
    Hosting,
    /// Tor, open proxies, anonymising services. Risky.
    Anonymiser,
}

impl NetCategory {
    pub fn name(self) -> &'static str {
        match self {
            NetCategory::Corporate => "corporate",
            NetCategory::Vpn => "vpn",
            NetCategory::Cloud => "cloud",
            NetCategory::Hosting => "hosting",
            NetCategory::Anonymiser => "anonymiser",
        }
    }

    /// Reads a category as people and vendors spell it (Defender for Cloud Apps' IP range
    /// categories included).
    pub fn parse(text: &str) -> Option<NetCategory> {
        let t: String = text
            .trim()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .flat_map(|c| c.to_lowercase())
            .collect();
        Some(match t.as_str() {
            "corporate" | "corp" | "office" | "administrative" | "internal" | "egress" => {
                NetCategory::Corporate
            }
            "vpn" => NetCategory::Vpn,
            "cloud" | "cloudprovider" | "service" | "microsoft" => NetCategory::Cloud,
            // Cloud Apps' "Risky" marks known-bad space, not an anonymiser: risky like hosting.
            "hosting" | "datacenter" | "datacentre" | "vps" | "server" | "risky" => {
                NetCategory::Hosting
            }
            "anonymiser" | "anonymizer" | "anonymous" | "anonymousproxy" | "proxy" | "tor" => {
                NetCategory::Anonymiser
            }
            _ => return None,
        })
    }

    /// Risky networks: where an operator hides or runs tooling.
    pub fn is_risky(self) -> bool {
        matches!(self, NetCategory::Hosting | NetCategory::Anonymiser)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct NetRange {
    pub net: String,
    #[serde(skip)]
    pub parsed: IpNet,
    pub category: NetCategory,
    pub name: Option<String>,
    pub source: String,
    pub line: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Networks {
    pub ranges: Vec<NetRange>,
}

/// Header names (loosely matched) of the column that holds the ranges.
const RANGE_COLUMNS: &[&str] = &[
    "cidr",
    "range",
    "ranges",
    "iprange",
    "ipranges",
    "ipaddressrange",
    "ipaddressranges",
    "subnet",
    "subnets",
    "network",
    "prefix",
];
const CATEGORY_COLUMNS: &[&str] = &["category", "type", "kind", "ipcategory"];
const NAME_COLUMNS: &[&str] = &["name", "label", "description", "organization", "owner"];

/// A networks file's header: a range column and a category column.
pub fn is_networks_header<S: AsRef<str>>(headers: &[S]) -> bool {
    let loose: Vec<String> = headers
        .iter()
        .map(|h| crate::intel::loose(h.as_ref()))
        .collect();
    loose.iter().any(|h| RANGE_COLUMNS.contains(&h.as_str()))
        && loose.iter().any(|h| CATEGORY_COLUMNS.contains(&h.as_str()))
}

impl Networks {
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Adds one row of a networks file; says why when it cannot be used. A cell may hold several
    /// ranges separated by `;`, `,` or spaces, as the Cloud Apps portal lists them.
    pub fn push_row(
        &mut self,
        headers: &[String],
        values: &[Option<String>],
        source: &str,
        line: u64,
    ) -> Result<usize, (String, String)> {
        let get = |names: &[&str]| {
            headers
                .iter()
                .zip(values)
                .find(|(h, _)| names.contains(&crate::intel::loose(h).as_str()))
                .and_then(|(h, v)| Some((h.clone(), v.clone()?)))
                .filter(|(_, v)| !v.trim().is_empty())
        };
        let Some((range_col, ranges)) = get(RANGE_COLUMNS) else {
            return Err(("cidr".into(), "row without an IP range".into()));
        };
        let Some((cat_col, cat)) = get(CATEGORY_COLUMNS) else {
            return Err(("category".into(), "row without a category".into()));
        };
        let category = NetCategory::parse(&cat).ok_or_else(|| {
            (
                cat_col,
                format!(
                    "unknown category {:?}: use corporate, vpn, cloud, hosting or anonymiser",
                    crate::text::clip(&cat)
                ),
            )
        })?;
        let name = get(NAME_COLUMNS).map(|(_, v)| v.trim().to_string());
        let mut added = 0;
        for part in ranges
            .split([';', ',', ' ', '\t'])
            .filter(|p| !p.is_empty())
        {
            let parsed = match part.parse::<IpNet>() {
                Ok(n) => n.trunc(),
                Err(_) => match part.parse::<IpAddr>() {
                    Ok(ip) => IpNet::from(ip),
                    Err(_) => {
                        return Err((
                            range_col,
                            format!("not an IP range: {:?}", crate::text::clip(part)),
                        ))
                    }
                },
            };
            self.ranges.push(NetRange {
                net: parsed.to_string(),
                parsed,
                category,
                name: name.clone(),
                source: source.to_string(),
                line,
            });
            added += 1;
        }
        Ok(added)
    }

    /// The narrowest range an address falls in.
    pub fn lookup(&self, ip: &IpAddr) -> Option<&NetRange> {
        self.ranges
            .iter()
            .filter(|r| r.parsed.contains(ip))
            .max_by_key(|r| r.parsed.prefix_len())
    }
}

/// What a row's ISP name says of the address, for rows no range names: Microsoft's own service
/// addresses are cloud, the big rental hosts are hosting.
pub fn category_of_isp(isp: &str) -> Option<NetCategory> {
    let l = isp.to_ascii_lowercase();
    if l.starts_with("microsoft") || l.contains("office 365") || l.contains("microsoft azure") {
        return Some(NetCategory::Cloud);
    }
    const HOSTS: &[&str] = &[
        "amazon",
        "aws",
        "digitalocean",
        "hetzner",
        "ovh",
        "linode",
        "vultr",
        "choopa",
        "m247",
        "leaseweb",
        "contabo",
        "colocrossing",
        "datacamp",
        "hosting",
        "vps",
    ];
    if HOSTS.iter().any(|h| l.contains(h)) {
        return Some(NetCategory::Hosting);
    }
    None
}

/// What an autonomous system number says of the address (Microsoft's ASNs are cloud service
/// space; the big rental hosts' are hosting).
pub fn category_of_asn(asn: &str) -> Option<NetCategory> {
    let n: u32 = asn
        .trim()
        .trim_start_matches(['A', 'S', 'a', 's'])
        .parse()
        .ok()?;
    match n {
        8068 | 8069 | 8070 | 8071 | 8075 | 12076 => Some(NetCategory::Cloud),
        16509 | 14618 | 14061 | 24940 | 16276 | 63949 | 20473 | 9009 | 60781 | 51167 | 36352 => {
            Some(NetCategory::Hosting)
        }
        _ => None,
    }
}

/// What a vendor's `IPCategory` says (Defender for Cloud Apps: Administrative, Cloud provider,
/// Corporate, Risky, VPN) and its `IPTags` (Tor, Anonymous proxy).
pub fn category_of_vendor(ip_category: Option<&str>, ip_tags: Option<&str>) -> Option<NetCategory> {
    if let Some(tags) = ip_tags {
        if crate::terms::has(tags, "tor") || tags.to_ascii_lowercase().contains("anonymous proxy") {
            return Some(NetCategory::Anonymiser);
        }
    }
    ip_category.and_then(NetCategory::parse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_and_lookup() {
        assert_eq!(
            NetCategory::parse("Cloud provider"),
            Some(NetCategory::Cloud)
        );
        assert_eq!(
            NetCategory::parse("Administrative"),
            Some(NetCategory::Corporate)
        );
        assert_eq!(NetCategory::parse("Risky"), Some(NetCategory::Hosting));
        assert_eq!(NetCategory::parse("nonsense"), None);
        let mut n = Networks::default();
        let h: Vec<String> = ["Name", "IP address ranges", "Category"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(is_networks_header(&h));
        let v = ["HQ", "52.160.10.0/24; 52.160.0.0/16", "Corporate"].map(|s| Some(s.to_string()));
        assert_eq!(n.push_row(&h, &v, "nets.csv", 2), Ok(2));
        let r = n.lookup(&"52.160.10.9".parse().unwrap()).unwrap();
        assert_eq!(
            (r.net.as_str(), r.category),
            ("52.160.10.0/24", NetCategory::Corporate)
        );
        assert!(n.lookup(&"8.8.8.8".parse().unwrap()).is_none());
        assert_eq!(
            category_of_isp("Microsoft Corporation"),
            Some(NetCategory::Cloud)
        );
        assert_eq!(category_of_asn("AS8075"), Some(NetCategory::Cloud));
        assert_eq!(
            category_of_vendor(Some("VPN"), Some("Tor")),
            Some(NetCategory::Anonymiser)
        );
    }
}
