//! Canonical, typed columns shared by every table, built row by row next to the vendor's own columns.
//!
//! Canonical names are lower snake case (`ts`, `account`, `ip`, ...); vendor columns keep their
//! names, so nothing is dropped and the detail view can show a row whole.

use super::fields::{Fields, Row, K};
use super::table::TableKind;
use super::values::{parse_bool, parse_ip, parse_timestamp};
use crate::geo;
use polars::prelude::*;
use std::collections::HashMap;

/// Canonical text columns, in output order.
#[derive(Clone, Copy)]
enum S {
    Table,
    Account,
    AccountName,
    ObjectId,
    Peer,
    Ip,
    RegistryCountry,
    Country,
    City,
    LocPrecision,
    Isp,
    Asn,
    App,
    Action,
    Object,
    UserAgent,
    DeviceId,
    DeviceName,
    IpCategory,
    IpTags,
    Detail,
    RiskEvents,
}

const TEXT_COLUMNS: &[&str] = &[
    "table",
    "account",
    "account_name",
    "object_id",
    "peer",
    "ip",
    "registry_country",
    "country",
    "city",
    "loc_precision",
    "isp",
    "asn",
    "app",
    "action",
    "object",
    "user_agent",
    "device_id",
    "device_name",
    "ip_category",
    "ip_tags",
    "detail",
    "risk_events",
];

/// Every canonical column name, so vendor columns that collide can be renamed.
pub const CANONICAL_COLUMNS: &[&str] = &[
    "row",
    "file",
    "line",
    "ts",
    "table",
    "account",
    "account_name",
    "object_id",
    "peer",
    "ip",
    "registry_country",
    "country",
    "city",
    "lat",
    "lon",
    "loc_precision",
    "loc_radius_km",
    "isp",
    "asn",
    "app",
    "action",
    "object",
    "user_agent",
    "device_id",
    "device_name",
    "ip_category",
    "ip_tags",
    "detail",
    "risk_events",
    "is_external",
    "anon_proxy",
    "success",
];

/// Why a row was not kept.
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    pub column: String,
    pub reason: String,
}

struct RawColumn {
    builder: StringChunkedBuilder,
    len: usize,
}

/// Accumulates one table's rows from any number of files.
pub struct TableBuilder {
    kind: TableKind,
    rows: usize,
    file: Vec<i64>,
    line: Vec<i64>,
    ts: Vec<Option<i64>>,
    text: Vec<StringChunkedBuilder>,
    lat: Vec<Option<f64>>,
    lon: Vec<Option<f64>>,
    radius: Vec<Option<f64>>,
    is_external: Vec<Option<bool>>,
    anon_proxy: Vec<Option<bool>>,
    success: Vec<Option<bool>>,
    raw: Vec<RawColumn>,
    raw_names: Vec<String>,
    raw_index: HashMap<String, usize>,
    /// Raw column positions for each header seen, keyed by `Fields::id`.
    layouts: HashMap<usize, Vec<usize>>,
}

fn lower(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(s.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Values pulled from a JSON cell such as SigninLogs' LocationDetails or DeviceDetail.
#[derive(Default)]
struct JsonCell {
    value: Option<serde_json::Value>,
}

impl JsonCell {
    fn parse(text: Option<&str>) -> JsonCell {
        JsonCell {
            value: text.and_then(|t| serde_json::from_str(t).ok()),
        }
    }
    fn str_at(&self, path: &[&str]) -> Option<String> {
        let mut v = self.value.as_ref()?;
        for p in path {
            v = v.get(p)?;
        }
        match v {
            serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    fn f64_at(&self, path: &[&str]) -> Option<f64> {
        let mut v = self.value.as_ref()?;
        for p in path {
            v = v.get(p)?;
        }
        v.as_f64().or_else(|| v.as_str()?.trim().parse().ok())
    }
}

impl TableBuilder {
    pub fn new(kind: TableKind) -> TableBuilder {
        TableBuilder {
            kind,
            rows: 0,
            file: Vec::new(),
            line: Vec::new(),
            ts: Vec::new(),
            text: TEXT_COLUMNS
                .iter()
                .map(|n| StringChunkedBuilder::new((*n).into(), 1024))
                .collect(),
            lat: Vec::new(),
            lon: Vec::new(),
            radius: Vec::new(),
            is_external: Vec::new(),
            anon_proxy: Vec::new(),
            success: Vec::new(),
            raw: Vec::new(),
            raw_names: Vec::new(),
            raw_index: HashMap::new(),
            layouts: HashMap::new(),
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    fn layout(&mut self, fields: &Fields) -> Vec<usize> {
        let key = fields.id;
        if let Some(l) = self.layouts.remove(&key) {
            return l; // handed back by `push` after use, so no copy per row
        }
        let mut out = Vec::with_capacity(fields.names.len());
        for name in &fields.names {
            let name = if CANONICAL_COLUMNS.contains(&name.as_str()) {
                format!("raw.{name}")
            } else {
                name.clone()
            };
            let idx = match self.raw_index.get(&name) {
                Some(&i) => i,
                None => {
                    let mut builder = StringChunkedBuilder::new(name.as_str().into(), 1024);
                    for _ in 0..self.rows {
                        builder.append_null();
                    }
                    self.raw.push(RawColumn {
                        builder,
                        len: self.rows,
                    });
                    self.raw_names.push(name.clone());
                    self.raw_index.insert(name, self.raw.len() - 1);
                    self.raw.len() - 1
                }
            };
            out.push(idx);
        }
        out
    }

    /// Adds one row, or says why it cannot be kept.
    pub fn push(&mut self, row: &Row, file: usize, line: u64) -> Result<(), RowError> {
        let ts_col = [K::Timestamp, K::TimeGenerated, K::CreatedDateTime]
            .into_iter()
            .find(|k| row.has(*k));
        let ts = match ts_col {
            Some(k) => {
                let text = row.get(k).unwrap_or_default();
                match parse_timestamp(text) {
                    Some(ms) => Some(ms),
                    None => {
                        return Err(RowError {
                            column: column_name(row.fields, k),
                            reason: format!("timestamp does not parse: {:?}", clip(text)),
                        })
                    }
                }
            }
            None if self.kind == TableKind::Unrecognized => None,
            None => {
                return Err(RowError {
                    column: "Timestamp".into(),
                    reason: format!(
                        "{} row without Timestamp, TimeGenerated or CreatedDateTime",
                        self.kind
                    ),
                })
            }
        };

        let location = JsonCell::parse(row.get(K::LocationDetails));
        let device = JsonCell::parse(row.get(K::DeviceDetail));
        let ip_text = row.first(&[
            K::IPAddress,
            K::ClientIP,
            K::SenderIPv4,
            K::SenderIPv6,
            K::RemoteIP,
        ]);
        let ip = ip_text.and_then(parse_ip);
        let (loc_city, loc_country) = split_location(row.get(K::Location));
        let country = row
            .first(&[K::CountryCode, K::Country])
            .map(str::to_string)
            .or_else(|| location.str_at(&["countryOrRegion"]))
            .or(loc_country);
        let city = row
            .get(K::City)
            .map(str::to_string)
            .or_else(|| location.str_at(&["city"]))
            .or(loc_city);
        let coords = match (row.get(K::Latitude), row.get(K::Longitude)) {
            (Some(a), Some(b)) => a.parse().ok().zip(b.parse().ok()),
            _ => location
                .f64_at(&["geoCoordinates", "latitude"])
                .zip(location.f64_at(&["geoCoordinates", "longitude"])),
        };
        let place = geo::locate(coords, city.as_deref(), country.as_deref(), ip.as_ref());
        let registry = ip.as_ref().and_then(geo::registry_country);

        let account = row.first(&[
            K::AccountId,
            K::AccountUpn,
            K::UserPrincipalName,
            K::UserId,
            K::SenderFromAddress,
            K::SenderMailFromAddress,
            K::AccountObjectId,
            K::AccountName,
        ]);
        let object_id = row.get(K::AccountObjectId).or_else(|| {
            let u = row.get(K::UserId)?;
            (self.kind == TableKind::SigninLogs).then_some(u)
        });
        let ip_tags = row.get(K::IPTags);
        let tagged_anon = ip_tags.is_some_and(|t| {
            // KQL-style whole terms: "Tor" is a tag, "Director" is not.
            let has = |needle: &str| {
                t.as_bytes()
                    .windows(needle.len())
                    .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
            };
            has("anonymous proxy") || crate::detect::terms::has(t, "tor")
        });
        let anon = row.get(K::IsAnonymousProxy).and_then(parse_bool);
        let anon = match (anon, tagged_anon) {
            (_, true) => Some(true),
            (a, false) => a,
        };
        let is_external =
            row.get(K::IsExternalUser)
                .and_then(parse_bool)
                .or(match row.get(K::UserType) {
                    Some("Guest") => Some(true),
                    Some("Member") => Some(false),
                    _ => None,
                });
        let success = if let Some(rt) = row.get(K::ResultType) {
            Some(rt == "0")
        } else if let Some(ec) = row.get(K::ErrorCode) {
            Some(ec == "0")
        } else {
            match row.get(K::ActionType) {
                Some("LogonSuccess") => Some(true),
                Some("LogonFailed") => Some(false),
                _ => None,
            }
        };
        let app = row
            .first(&[K::Application, K::AppDisplayName, K::OfficeWorkload])
            .or(if self.kind == TableKind::EmailEvents {
                Some("Exchange Online")
            } else {
                None
            });
        let action = row
            .first(&[K::ActionType, K::Operation])
            .or(match self.kind {
                TableKind::SigninLogs
                | TableKind::EntraIdSignInEvents
                | TableKind::AADSignInEventsBeta => Some("Sign-in"),
                TableKind::EmailEvents => Some("Email"),
                TableKind::AlertInfo | TableKind::AlertEvidence => Some("Alert"),
                _ => None,
            });
        let object = row.first(&[
            K::ObjectName,
            K::SourceFileName,
            K::Subject,
            K::Title,
            K::Description,
        ]);
        let device_id = row
            .first(&[K::EntraIdDeviceId, K::AadDeviceId])
            .map(str::to_string)
            .or_else(|| device.str_at(&["deviceId"]))
            .or_else(|| {
                row.get(K::DeviceId)
                    .filter(|d| !d.starts_with("00000000-"))
                    .map(str::to_string)
            });
        let device_name = row
            .get(K::DeviceName)
            .map(str::to_string)
            .or_else(|| device.str_at(&["displayName"]));
        let user_agent = row
            .get(K::UserAgent)
            .map(str::to_string)
            .or_else(|| device.str_at(&["browser"]));

        let t = &mut self.text;
        t[S::Table as usize].append_value(self.kind.name());
        t[S::Account as usize].append_option(account.map(|a| lower(a.trim())));
        t[S::AccountName as usize].append_option(row.first(&[
            K::AccountDisplayName,
            K::UserDisplayName,
            K::SenderDisplayName,
        ]));
        t[S::ObjectId as usize].append_option(object_id.map(lower));
        t[S::Peer as usize].append_option(row.get(K::RecipientEmailAddress).map(lower));
        match (&ip, ip_text) {
            // A plain IPv4 address is already in canonical form: no formatting per row.
            (Some(std::net::IpAddr::V4(_)), Some(raw))
                if raw.bytes().all(|b| b.is_ascii_digit() || b == b'.') =>
            {
                t[S::Ip as usize].append_value(raw)
            }
            (Some(ip), _) => t[S::Ip as usize].append_value(ip.to_string()),
            (None, raw) => t[S::Ip as usize].append_option(raw),
        }
        t[S::RegistryCountry as usize].append_option(registry);
        t[S::Country as usize].append_option(place.as_ref().and_then(|p| p.country.as_deref()));
        t[S::City as usize].append_option(city.as_deref());
        t[S::LocPrecision as usize].append_option(place.as_ref().map(|p| p.precision.name()));
        t[S::Isp as usize].append_option(row.get(K::Isp));
        t[S::Asn as usize].append_option(row.get(K::AutonomousSystemNumber));
        t[S::App as usize].append_option(app);
        t[S::Action as usize].append_option(action);
        t[S::Object as usize].append_option(object);
        t[S::UserAgent as usize].append_option(user_agent.as_deref());
        t[S::DeviceId as usize].append_option(device_id.as_deref().map(lower));
        t[S::DeviceName as usize].append_option(device_name.as_deref());
        t[S::IpCategory as usize].append_option(row.get(K::IPCategory));
        t[S::IpTags as usize].append_option(ip_tags);
        t[S::Detail as usize].append_option(row.first(&[
            K::Parameters,
            K::RawEventData,
            K::ActivityObjects,
            K::AdditionalFields,
            K::AttackTechniques,
        ]));
        t[S::RiskEvents as usize]
            .append_option(row.first(&[K::RiskEventTypesV2, K::RiskEventTypes]));
        self.lat.push(place.as_ref().map(|p| p.lat));
        self.lon.push(place.as_ref().map(|p| p.lon));
        self.radius.push(place.as_ref().map(|p| p.radius_km));
        self.is_external.push(is_external);
        self.anon_proxy.push(anon);
        self.success.push(success);
        self.ts.push(ts);
        self.file.push(file as i64);
        self.line.push(line as i64);

        let layout = self.layout(row.fields);
        for (i, &col) in layout.iter().enumerate() {
            let c = &mut self.raw[col];
            if c.len <= self.rows {
                c.builder
                    .append_option(row.values.get(i).copied().flatten());
                c.len = self.rows + 1;
            }
        }
        self.layouts.insert(row.fields.id, layout);
        self.rows += 1;
        for c in &mut self.raw {
            if c.len < self.rows {
                c.builder.append_null();
                c.len = self.rows;
            }
        }
        Ok(())
    }

    pub fn finish(self) -> PolarsResult<DataFrame> {
        let n = self.rows;
        let mut cols: Vec<Column> = Vec::with_capacity(32 + self.raw.len());
        cols.push(Column::new("row".into(), (0..n as i64).collect::<Vec<_>>()));
        cols.push(Column::new("file".into(), self.file));
        cols.push(Column::new("line".into(), self.line));
        let ts = Int64Chunked::from_iter_options("ts".into(), self.ts.into_iter())
            .into_datetime(TimeUnit::Milliseconds, None);
        cols.push(ts.into_series().into());
        let mut text: Vec<Column> = self
            .text
            .into_iter()
            .map(|b| b.finish().into_series().into())
            .collect();
        let mut rest = text.split_off(S::LocPrecision as usize);
        cols.append(&mut text);
        cols.push(Column::new("lat".into(), self.lat));
        cols.push(Column::new("lon".into(), self.lon));
        cols.push(rest.remove(0));
        cols.push(Column::new("loc_radius_km".into(), self.radius));
        cols.append(&mut rest);
        cols.push(Column::new("is_external".into(), self.is_external));
        cols.push(Column::new("anon_proxy".into(), self.anon_proxy));
        cols.push(Column::new("success".into(), self.success));
        for c in self.raw {
            cols.push(c.builder.finish().into_series().into());
        }
        DataFrame::new(n, cols)
    }
}

/// IdentityLogonEvents' `Location` is a text place ("Seattle, US"); a bare two-letter one is a country.
fn split_location(text: Option<&str>) -> (Option<String>, Option<String>) {
    let Some(t) = text else { return (None, None) };
    if let Some((city, cc)) = t.rsplit_once(',') {
        if geo::normalize_country(cc).is_some() {
            return (
                Some(city.trim().to_string()).filter(|c| !c.is_empty()),
                geo::normalize_country(cc),
            );
        }
    }
    (None, geo::normalize_country(t))
}

fn column_name(fields: &Fields, k: K) -> String {
    fields
        .index(k)
        .map(|i| fields.names[i].clone())
        .unwrap_or_else(|| k.name().to_string())
}

/// A value quoted in an error message, cut short so a 5 MB cell cannot flood the report.
pub fn clip(text: &str) -> String {
    let mut s: String = text.chars().take(60).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}
