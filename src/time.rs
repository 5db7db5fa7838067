//! Time as hirescope holds and writes it: every vendor spelling parsed to epoch milliseconds in UTC,
//! and RFC 3339 UTC text out. Shared by ingest, the roster, detectors and every output.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// Milliseconds since the epoch, UTC, from any timestamp spelling in DATA.md:
/// ISO 8601 with up to 7 (or more) fractional digits, `Z` or an offset, or no zone (taken as UTC);
/// epoch seconds or milliseconds; Log Analytics' localised US form `4/28/2021, 2:08:45.221 PM`.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    // Years 1900 to 9999 only: anything else is a corrupt value, and every output can then rely
    // on a four-digit year.
    parse_any(text).filter(|ms| (-2_208_988_800_000..=253_402_300_799_999).contains(ms))
}

fn parse_any(text: &str) -> Option<i64> {
    let s = text.trim();
    if s.is_empty() {
        return None;
    }
    let first = s.as_bytes()[0];
    if first.is_ascii_digit() && s.len() >= 10 && s.as_bytes().get(4) == Some(&b'-') {
        return parse_iso(s);
    }
    if s.bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        && s.contains(|c: char| c.is_ascii_digit())
    {
        let v: f64 = s.parse().ok()?;
        // Values above ~1e11 cannot be seconds (year 5138): read them as milliseconds.
        let ms = if v.abs() >= 1e11 { v } else { v * 1000.0 };
        return if ms.is_finite() {
            Some(ms as i64)
        } else {
            None
        };
    }
    if s.contains('/') {
        return parse_us(s);
    }
    None
}

/// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The common export spelling `YYYY-MM-DDTHH:MM:SS[.fffffff]Z`, without chrono's general parser:
/// this runs once per row of every export.
fn parse_iso_utc_fast(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || (b[10] != b'T' && b[10] != b' ')
        || b[13] != b':'
        || b[16] != b':'
        || *b.last()? != b'Z'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let mut v = 0i64;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    };
    let (y, mo, d, h, mi, se) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut ms = 0;
    let rest = &b[19..b.len() - 1];
    if !rest.is_empty() {
        if rest[0] != b'.' || rest.len() < 2 || !rest[1..].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let digits = &rest[1..];
        for k in 0..3 {
            ms = ms * 10 + digits.get(k).map_or(0, |c| i64::from(c - b'0'));
        }
    }
    // Reject dates like 2021-02-30 as chrono would.
    NaiveDate::from_ymd_opt(y as i32, mo as u32, d as u32)?;
    Some((days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se) * 1000 + ms)
}

fn parse_iso(s: &str) -> Option<i64> {
    if let Some(ms) = parse_iso_utc_fast(s) {
        return Some(ms);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.timestamp_millis());
    }
    // A space instead of the T, or no zone at all: read as UTC.
    let t = s.replacen(' ', "T", 1);
    if let Ok(dt) = DateTime::parse_from_rfc3339(&t) {
        return Some(dt.timestamp_millis());
    }
    // An offset without its colon (`+0200`, as `strftime`'s `%z` writes it).
    if let Ok(dt) = DateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(dt.timestamp_millis());
    }
    let naive = t.trim_end_matches('Z');
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(naive, fmt) {
            return Some(dt.and_utc().timestamp_millis());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(naive, "%Y-%m-%d") {
        return Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis());
    }
    None
}

fn parse_us(s: &str) -> Option<i64> {
    for fmt in [
        "%m/%d/%Y, %I:%M:%S%.f %p",
        "%m/%d/%Y %I:%M:%S%.f %p",
        "%m/%d/%Y, %H:%M:%S%.f",
        "%m/%d/%Y %H:%M:%S%.f",
        "%m/%d/%Y, %I:%M %p",
        "%m/%d/%Y %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(dt.and_utc().timestamp_millis());
        }
    }
    // A date alone, as HR systems and spreadsheets export a hire date: midnight UTC.
    for fmt in ["%m/%d/%Y", "%Y/%m/%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, fmt) {
            return Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis());
        }
    }
    None
}

/// RFC 3339 UTC text of epoch milliseconds, as every output of hirescope writes times.
pub fn format_ts(ms: i64) -> String {
    match DateTime::from_timestamp_millis(ms) {
        Some(dt) => dt.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => format!("@{ms}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_with_and_without_a_colon() {
        let utc = parse_timestamp("2026-08-05T06:00:00Z");
        assert!(utc.is_some());
        for spelled in [
            "2026-08-05T08:00:00+0200",
            "2026-08-05 08:00:00+0200",
            "2026-08-05T08:00:00.000+02:00",
            "2026-08-05 01:00:00-0500",
        ] {
            let want = if spelled.ends_with("-0500") {
                parse_timestamp("2026-08-05T06:00:00Z")
            } else {
                utc
            };
            assert_eq!(parse_timestamp(spelled), want, "{spelled}");
        }
    }

    #[test]
    fn seven_digit_fraction() {
        let ms = parse_timestamp("2023-10-18T14:37:28.2012261Z").unwrap();
        assert_eq!(format_ts(ms), "2023-10-18T14:37:28Z");
        assert_eq!(ms % 1000, 201);
    }

    #[test]
    fn fast_path_agrees_with_chrono() {
        for t in [
            "2023-10-18T14:37:28.2012261Z",
            "2024-02-29T23:59:59Z",
            "1999-12-31T00:00:00.5Z",
            "2026-11-23 07:16:04.123Z",
            "1970-01-01T00:00:00Z",
            "1900-03-01T12:00:00Z",
        ] {
            let slow = DateTime::parse_from_rfc3339(&t.replacen(' ', "T", 1))
                .unwrap()
                .timestamp_millis();
            assert_eq!(parse_iso_utc_fast(t), Some(slow), "{t}");
        }
        assert_eq!(parse_iso_utc_fast("2021-02-30T00:00:00Z"), None);
        assert_eq!(
            parse_iso_utc_fast("2021-02-03T00:00:00+01:00"),
            None,
            "offsets go to chrono"
        );
    }

    #[test]
    fn offsets_and_naive() {
        assert_eq!(
            parse_timestamp("2021-04-28T16:08:45+02:00"),
            parse_timestamp("2021-04-28T14:08:45Z")
        );
        assert_eq!(
            parse_timestamp("2021-04-28 14:08:45"),
            parse_timestamp("2021-04-28T14:08:45Z")
        );
    }

    #[test]
    fn localised_us() {
        let ms = parse_timestamp("4/28/2021, 2:08:45.221 PM").unwrap();
        assert_eq!(ms, parse_timestamp("2021-04-28T14:08:45.221Z").unwrap());
        assert_eq!(
            parse_timestamp("12/1/2021, 12:00:00.000 AM").unwrap(),
            parse_timestamp("2021-12-01T00:00:00Z").unwrap()
        );
    }

    #[test]
    fn epochs() {
        assert_eq!(parse_timestamp("1619618925"), Some(1_619_618_925_000));
        assert_eq!(parse_timestamp("1619618925221"), Some(1_619_618_925_221));
    }

    #[test]
    fn garbage_is_none() {
        for t in [
            "",
            "yesterday",
            "13/45/2021, 1:00:00 PM",
            "2021-13-45T00:00:00Z",
        ] {
            assert_eq!(parse_timestamp(t), None, "{t}");
        }
    }
}
