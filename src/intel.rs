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

pub fn loose(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Reads one indicator; None when the text is none of IP, CIDR, e-mail or domain.
pub fn parse_indicator(text: &str) -> Option<(IndicatorKind, String, Option<IpNet>)> {
    let t = text.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(ip) = t.parse::<IpAddr>() {
        return Some((IndicatorKind::Ip, ip.to_string(), Some(IpNet::from(ip))));
    }
    if let Ok(net) = t.parse::<IpNet>() {
        let net = net.trunc();
        return Some((IndicatorKind::Cidr, net.to_string(), Some(net)));
    }
    let lower = t.to_ascii_lowercase();
    if let Some((local, domain)) = lower.rsplit_once('@') {
        if !local.is_empty() && is_domain(domain) {
            return Some((IndicatorKind::Email, lower, None));
        }
        return None;
    }
    let domain = lower.trim_start_matches("*.").trim_end_matches('.');
    if is_domain(domain) {
        return Some((IndicatorKind::Domain, domain.to_string(), None));
    }
    None
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

    pub fn push(
        &mut self,
        text: &str,
        source: &str,
        actor: Option<String>,
        confidence: Option<String>,
        description: Option<String>,
    ) -> bool {
        match parse_indicator(text) {
            Some((kind, value, net)) => {
                self.indicators.push(Indicator {
                    kind,
                    value,
                    net,
                    actor,
                    confidence,
                    description,
                    source: source.to_string(),
                });
                true
            }
            None => false,
        }
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

    /// Reads a plain list: one indicator per line, `#` comments. Returns the lines that were not indicators.
    pub fn read_list(&mut self, text: &str, source: &str) -> Vec<(u64, String)> {
        let mut bad = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let body = line.split('#').next().unwrap_or("").trim();
            if body.is_empty() {
                continue;
            }
            if !self.push(body, source, None, None, None) {
                bad.push((
                    n as u64 + 1,
                    format!(
                        "not an IP, CIDR, e-mail or domain: {:?}",
                        crate::ingest::canon::clip(body)
                    ),
                ));
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
            let mut any = false;
            for v in values {
                any |= self.push(
                    &v,
                    source,
                    actor.clone(),
                    confidence.clone(),
                    description.clone(),
                );
            }
            if !any {
                bad.push((
                    n as u64 + 1,
                    format!(
                        "indicator object without a usable pattern: {:?}",
                        crate::ingest::canon::clip(pattern)
                    ),
                ));
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
        assert!(parse_indicator("hello world").is_none());
        assert!(parse_indicator("1.2.3").is_none());
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
    fn stix_patterns() {
        let v = stix_values("[ipv4-addr:value = '203.0.113.7'] OR [email-addr:value='a@b.io'] OR [file:hashes.MD5 = 'x']");
        assert_eq!(v, vec!["203.0.113.7", "a@b.io"]);
    }
}
