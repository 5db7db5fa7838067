//! Threat intelligence: indicators of actor infrastructure and personas, from a plain list, a CSV
//! with an indicator column, or a STIX 2.1 bundle.

use ipnet::IpNet;
use serde::Serialize;
use std::net::IpAddr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IndicatorKind {
    Ip,
    Cidr,
    Email,
    Domain,
}

#[derive(Clone, Debug, Serialize)]
pub struct Indicator {
    pub kind: IndicatorKind,
    /// Normalised value: canonical IP or network text, lower-case e-mail or domain.
    pub value: String,
    #[serde(skip)]
    pub net: Option<IpNet>,
    pub actor: Option<String>,
    pub confidence: Option<String>,
    pub description: Option<String>,
    pub source: String,
}

#[derive(Clone, Debug, Default)]
pub struct Intel {
    pub indicators: Vec<Indicator>,
}

/// Column names that hold the indicator in an intel CSV (matched without case, spaces or underscores).
pub const INDICATOR_COLUMNS: &[&str] = &[
    "indicator",
    "indicatorvalue",
    "value",
    "networkip",
    "networkcidrblock",
    "networksourceip",
    "networkdestinationip",
    "emailsenderaddress",
    "emailaddress",
    "emailsourcedomain",
    "domainname",
    "ipaddress",
    "ip",
    "cidr",
];

/// Columns of Sentinel's `ThreatIntelligenceIndicator` table that hold an indicator; one row may
/// fill several (a network address and a sender address of one campaign).
pub const TI_VALUE_COLUMNS: &[&str] = &[
    "networkip",
    "networksourceip",
    "networkdestinationip",
    "networkcidrblock",
    "emailsenderaddress",
    "emailsourcedomain",
    "domainname",
    "url",
];

/// Columns only the `ThreatIntelligenceIndicator` table has.
const TI_MARKERS: &[&str] = &[
    "indicatorid",
    "threattype",
    "tlplevel",
    "expirationdatetime",
    "externalindicatorid",
    "sourcesystem",
];

/// A header of a Sentinel `ThreatIntelligenceIndicator` export (CSV or JSON).
pub fn is_ti_header<S: AsRef<str>>(headers: &[S]) -> bool {
    let l: Vec<String> = headers.iter().map(|h| loose(h.as_ref())).collect();
    l.iter()
        .filter(|h| TI_MARKERS.contains(&h.as_str()))
        .count()
        >= 2
        && l.iter().any(|h| TI_VALUE_COLUMNS.contains(&h.as_str()))
}

/// The host of a URL indicator (`https://evil.example/path` is the domain `evil.example`).
pub fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => host.split(':').next().unwrap_or(host),
    }
}

/// A header name without case, spaces, underscores or a Log Analytics ` [UTC]` suffix.
pub fn loose(name: &str) -> String {
    let name = match name.trim_end().strip_suffix(']') {
        Some(_) => name.rsplit_once(" [").map_or(name, |(n, _)| n),
        None => name,
    };
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Ranges shorter than this would match a large part of the Internet: refused.
pub const MIN_PREFIX: u8 = 8;

/// A parsed indicator: its kind, normalised value and (for IPs and ranges) the network.
pub type Parsed = (IndicatorKind, String, Option<IpNet>);

/// Reads one indicator, or says why the text is not one or is refused (a range or a bare
/// top-level domain that would match everything).
pub fn parse_indicator(text: &str) -> Result<Parsed, String> {
    let t = text.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    let not_one = || {
        format!(
            "not an IP, CIDR, e-mail or domain: {:?}",
            crate::text::clip(t)
        )
    };
    if t.is_empty() {
        return Err(not_one());
    }
    if let Ok(ip) = t.parse::<IpAddr>() {
        if ip.is_unspecified() {
            return Err(format!("refused: {ip} is the unspecified address"));
        }
        return Ok((IndicatorKind::Ip, ip.to_string(), Some(IpNet::from(ip))));
    }
    if let Ok(net) = t.parse::<IpNet>() {
        let net = net.trunc();
        if net.prefix_len() < MIN_PREFIX {
            return Err(format!(
                "refused: {net} would match {} of all addresses (ranges shorter than /{MIN_PREFIX} are not used)",
                if net.prefix_len() == 0 { "every one".to_string() } else { format!("1/{}", 1u64 << net.prefix_len()) }
            ));
        }
        return Ok((IndicatorKind::Cidr, net.to_string(), Some(net)));
    }
    let lower = t.to_ascii_lowercase();
    if let Some((local, domain)) = lower.rsplit_once('@') {
        // The local part as mail systems write it unquoted: a line of a table (`E1;Ann;a@x.com`)
        // or of prose is no address.
        let plain_local = local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"\"(),:;<>[\\]".contains(c));
        if !local.is_empty() && plain_local && is_domain(domain) {
            return Ok((IndicatorKind::Email, lower, None));
        }
        return Err(not_one());
    }
    let domain = lower
        .trim_start_matches("*.")
        .trim_start_matches('.')
        .trim_end_matches('.');
    if is_domain(domain) {
        return Ok((IndicatorKind::Domain, domain.to_string(), None));
    }
    if !domain.is_empty() && domain.len() <= 63 && domain.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(format!(
            "refused: {domain:?} is a bare top-level domain and would match every address under it"
        ));
    }
    Err(not_one())
}

fn is_domain(d: &str) -> bool {
    d.contains('.')
        && d.len() <= 253
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && d.rsplit('.')
            .next()
            .is_some_and(|tld| tld.bytes().any(|b| b.is_ascii_alphabetic()))
}

impl Intel {
    pub fn is_empty(&self) -> bool {
        self.indicators.is_empty()
    }

    /// Adds one indicator, or says why the text is not one (or is refused).
    pub fn push(
        &mut self,
        text: &str,
        source: &str,
        actor: Option<String>,
        confidence: Option<String>,
        description: Option<String>,
    ) -> Result<(), String> {
        let (kind, value, net) = parse_indicator(text)?;
        self.indicators.push(Indicator {
            kind,
            value,
            net,
            actor,
            confidence,
            description,
            source: source.to_string(),
        });
        Ok(())
    }

    /// The indicator an IP falls under: an exact address first, then the narrowest range.
    pub fn match_ip(&self, ip: &IpAddr) -> Option<&Indicator> {
        self.indicators
            .iter()
            .filter(|i| i.net.is_some_and(|n| n.contains(ip)))
            .max_by_key(|i| i.net.map(|n| n.prefix_len()).unwrap_or(0))
    }

    /// The indicator an e-mail address matches: the address itself or its domain (or a parent domain).
    pub fn match_email(&self, email: &str) -> Option<&Indicator> {
        let e = email.trim().to_ascii_lowercase();
        if let Some(i) = self
            .indicators
            .iter()
            .find(|i| i.kind == IndicatorKind::Email && i.value == e)
        {
            return Some(i);
        }
        let domain = e.rsplit_once('@').map(|(_, d)| d)?;
        self.match_domain(domain)
    }

    pub fn match_domain(&self, domain: &str) -> Option<&Indicator> {
        let d = domain.trim().to_ascii_lowercase();
        self.indicators.iter().find(|i| {
            i.kind == IndicatorKind::Domain
                && (d == i.value || d.ends_with(&format!(".{}", i.value)))
        })
    }

    pub fn count(&self, kind: IndicatorKind) -> usize {
        self.indicators.iter().filter(|i| i.kind == kind).count()
    }

    /// Reads a plain list: one indicator per line, `#` comments and blank lines anywhere. Returns
    /// the lines that were not indicators or were refused, with why.
    pub fn read_list(&mut self, text: &str, source: &str) -> Vec<(u64, String)> {
        let mut bad = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let body = line.split('#').next().unwrap_or("").trim();
            if body.is_empty() {
                continue;
            }
            if let Err(why) = self.push(body, source, None, None, None) {
                bad.push((n as u64 + 1, why));
            }
        }
        bad
    }

    /// Reads a STIX 2.1 bundle's `indicator` objects. Returns objects whose pattern held no indicator.
    pub fn read_stix(&mut self, bundle: &serde_json::Value, source: &str) -> Vec<(u64, String)> {
        let mut bad = Vec::new();
        let objects = bundle
            .get("objects")
            .and_then(|o| o.as_array())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        // Actor names come from threat-actor / intrusion-set objects linked by relationships; keep it
        // simple and use the indicator's own name and labels, which is where most feeds put it.
        for (n, obj) in objects.iter().enumerate() {
            if obj.get("type").and_then(|t| t.as_str()) != Some("indicator") {
                continue;
            }
            let pattern = obj.get("pattern").and_then(|p| p.as_str()).unwrap_or("");
            let actor = obj.get("name").and_then(|v| v.as_str()).map(str::to_string);
            let confidence = obj.get("confidence").map(|c| c.to_string());
            let description = obj
                .get("description")
                .and_then(|v| v.as_str())
                .map(str::to_string);
            let values = stix_values(pattern);
            if values.is_empty() {
                bad.push((
                    n as u64 + 1,
                    format!(
                        "indicator object without a usable pattern: {:?}",
                        crate::text::clip(pattern)
                    ),
                ));
            }
            for v in values {
                if let Err(why) = self.push(
                    &v,
                    source,
                    actor.clone(),
                    confidence.clone(),
                    description.clone(),
                ) {
                    bad.push((n as u64 + 1, why));
                }
            }
        }
        bad
    }
}

/// The quoted values of `ipv4-addr`, `ipv6-addr`, `email-addr` and `domain-name` comparisons in a
/// STIX pattern such as `[ipv4-addr:value = '203.0.113.7'] OR [email-addr:value = 'x@y.z']`.
pub fn stix_values(pattern: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = pattern;
    while let Some(pos) = rest.find(":value") {
        let before = &rest[..pos];
        let object = before
            .rsplit(|c: char| c == '[' || c.is_whitespace() || c == '(')
            .next()
            .unwrap_or("");
        let after = &rest[pos + ":value".len()..];
        let after = after.trim_start();
        let Some(after) = after.strip_prefix('=') else {
            rest = after;
            continue;
        };
        let after = after.trim_start();
        let Some(after) = after.strip_prefix('\'') else {
            rest = after;
            continue;
        };
        let end = after.find('\'').unwrap_or(after.len());
        if matches!(
            object,
            "ipv4-addr" | "ipv6-addr" | "email-addr" | "domain-name"
        ) {
            out.push(after[..end].to_string());
        }
        rest = &after[end..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(parse_indicator("203.0.113.7").unwrap().0, IndicatorKind::Ip);
        assert_eq!(
            parse_indicator("203.0.113.0/24").unwrap().0,
            IndicatorKind::Cidr
        );
        assert_eq!(
            parse_indicator("2001:db8::/32").unwrap().0,
            IndicatorKind::Cidr
        );
        assert_eq!(
            parse_indicator("Bad.Actor@Example.COM").unwrap().1,
            "bad.actor@example.com"
        );
        assert_eq!(
            parse_indicator("evil-domain.net").unwrap().0,
            IndicatorKind::Domain
        );
        assert!(parse_indicator("hello world").is_err());
        assert!(parse_indicator("1.2.3").is_err());
        // A table's line or a display name is no address.
        assert!(parse_indicator("E1;Zoë Müller;hired;zoe@fabrikam.example").is_err());
        assert!(parse_indicator("Ann Lee <ann@x.example>").is_err());
        assert!(parse_indicator("contact ops@x.example").is_err());
        assert_eq!(
            parse_indicator("first.last+tag@x.example").unwrap().0,
            IndicatorKind::Email
        );
    }

    #[test]
    fn matching() {
        let mut i = Intel::default();
        i.read_list(
            "# actor ranges\n198.51.100.0/24\n203.0.113.7\nops@bad.example\nbadmail.net\n",
            "list.txt",
        );
        assert_eq!(
            i.match_ip(&"198.51.100.9".parse().unwrap()).unwrap().value,
            "198.51.100.0/24"
        );
        assert!(i.match_ip(&"198.51.101.9".parse().unwrap()).is_none());
        assert!(i.match_email("OPS@bad.example").is_some());
        assert!(i.match_email("anyone@mx.badmail.net").is_some());
        assert!(i.match_email("anyone@goodmail.net").is_none());
    }

    #[test]
    fn refusals() {
        for t in [
            "0.0.0.0/0",
            "::/0",
            "10.0.0.0/7",
            "com",
            ".com",
            "*.com",
            "0.0.0.0",
        ] {
            let e = parse_indicator(t).unwrap_err();
            assert!(e.starts_with("refused"), "{t}: {e}");
        }
        assert!(parse_indicator("10.0.0.0/8").is_ok());
        assert!(parse_indicator("hello world")
            .unwrap_err()
            .starts_with("not an"));
        assert_eq!(
            url_host("https://user@evil.example:8443/a?b"),
            "evil.example"
        );
        assert_eq!(url_host("http://[2001:db8::1]/x"), "2001:db8::1");
    }

    #[test]
    fn stix_patterns() {
        let v = stix_values("[ipv4-addr:value = '203.0.113.7'] OR [email-addr:value='a@b.io'] OR [file:hashes.MD5 = 'x']");
        assert_eq!(v, vec!["203.0.113.7", "a@b.io"]);
    }
}
