//! Parsing of the scalar spellings the vendors use for booleans and IPs (times: `crate::time`).

use std::net::IpAddr;

pub use crate::time::{format_ts, parse_timestamp};

/// `true`/`false` in any case, `1`/`0`; `-1` (the sign-in tables' "not set") and anything else is unknown.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim() {
        "1" => Some(true),
        "0" => Some(false),
        t if t.eq_ignore_ascii_case("true") => Some(true),
        t if t.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// An IP in canonical text form. Accepts a trailing port (`1.2.3.4:5678`, `[::1]:443`),
/// which the unified audit log puts in ClientIP.
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    let s = text.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    if let Some((host, port)) = s.rsplit_once(':') {
        if port.bytes().all(|b| b.is_ascii_digit()) && !host.contains(':') {
            return host.parse().ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans() {
        assert_eq!(parse_bool("True"), Some(true));
        assert_eq!(parse_bool("FALSE"), Some(false));
        assert_eq!(parse_bool("1"), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("-1"), None);
    }

    #[test]
    fn ips_with_ports() {
        assert_eq!(parse_ip("1.2.3.4:5678").unwrap().to_string(), "1.2.3.4");
        assert_eq!(
            parse_ip("[2001:db8::1]:443").unwrap().to_string(),
            "2001:db8::1"
        );
        assert_eq!(parse_ip("2001:db8::1").unwrap().to_string(), "2001:db8::1");
        assert!(parse_ip("not an ip").is_none());
    }
}
