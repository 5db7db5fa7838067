//! Canonical, typed columns shared by every table, built row by row next to the vendor's own columns.
//!
//! Canonical names are lower snake case (`ts`, `account`, `ip`, ...); vendor columns keep their
//! names, so nothing is dropped and the detail view can show a row whole.

use super::fields::{Fields, Row, K, TIME_COLUMNS, TIME_COLUMN_NAMES};
use super::table::TableKind;
use super::values::{parse_bool, parse_ip, parse_timestamp};
use crate::geo;
use polars::prelude::*;
use std::collections::HashMap;

/// Canonical text columns computed row by row (the rest are derived at `finish`). The last three
/// hold only what a JSON cell supplies, as fallbacks behind the vendor's plain columns.
#[derive(Clone, Copy)]
enum S {
    Ip,
    RegistryCountry,
    Country,
    City,
    LocPrecision,
    UserAgent,
    DeviceId,
    DeviceName,
}

const TEXT_COLUMNS: &[&str] = &[
    "ip",
    "registry_country",
    "country",
    "city",
    "loc_precision",
    "user_agent",
    "device_id",
    "device_name",
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
    "account_type",
    "flags",
];

/// A fingerprint of each row's identity, to drop the same event exported twice; dropped with the
/// duplicates when a table is finished.
pub const KEY_COLUMN: &str = "_key";

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
    key: Vec<u64>,
    /// What was neutralised in the row's cells (NUL, invalid UTF-8, clipped), for the detail view.
    flags: StringChunkedBuilder,
    raw: Vec<RawColumn>,
    raw_names: Vec<String>,
    raw_index: HashMap<String, usize>,
    /// Raw column positions for each header seen, keyed by `Fields::id`.
    layouts: HashMap<usize, Vec<usize>>,
    /// For each header seen (by `Fields::id`), which of its columns derived canonical ones are
    /// made from: the only ones filled for a row its export holds (`spill::SRC`).
    derived: HashMap<usize, Vec<bool>>,
    /// Where each row is in its export, for rows read again from it.
    src: Vec<Option<u64>>,
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
            key: Vec::new(),
            flags: StringChunkedBuilder::new("flags".into(), 16),
            raw: Vec::new(),
            raw_names: Vec::new(),
            raw_index: HashMap::new(),
            layouts: HashMap::new(),
            derived: HashMap::new(),
            src: Vec::new(),
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
            let name = vendor_name(name);
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

    /// Adds one row, or says why it cannot be kept. A row with `src` (where it is in its export)
    /// fills only the vendor columns derived ones are made from: the rest are read again from
    /// the export when shown.
    pub fn push(
        &mut self,
        row: &Row,
        file: usize,
        line: u64,
        flags: Option<&str>,
        src: Option<u64>,
    ) -> Result<(), RowError> {
        self.canonical(row, file, line, flags)?;
        let layout = self.layout(row.fields);
        let derived = match src {
            Some(_) => Some(self.derived.entry(row.fields.id).or_insert_with(|| {
                let names: Vec<String> = row.fields.names.iter().map(|n| vendor_name(n)).collect();
                derived_inputs(&names)
            })),
            None => None,
        };
        for (i, &col) in layout.iter().enumerate() {
            if derived.as_ref().is_some_and(|d| d.get(i) != Some(&true)) {
                continue; // padded with a missing value below
            }
            let c = &mut self.raw[col];
            if c.len <= self.rows {
                c.builder
                    .append_option(row.values.get(i).copied().flatten());
                c.len = self.rows + 1;
            }
        }
        self.layouts.insert(row.fields.id, layout);
        if src.is_some() || !self.src.is_empty() {
            self.src.resize(self.rows, None);
            self.src.push(src);
        }
        self.rows += 1;
        for c in &mut self.raw {
            if c.len < self.rows {
                c.builder.append_null();
                c.len = self.rows;
            }
        }
        Ok(())
    }

    /// Adds one row's canonical values only: its vendor columns are already columns, handed to
    /// `finish_with_vendor` (the columnar CSV reader).
    pub fn push_canonical(&mut self, row: &Row, file: usize, line: u64) -> Result<(), RowError> {
        debug_assert!(
            self.raw.is_empty(),
            "a builder takes vendor cells or columns, not both"
        );
        self.canonical(row, file, line, None)?;
        self.rows += 1;
        Ok(())
    }

    /// The canonical values of one row, appended to their columns (everything but the vendor's
    /// cells), or why the row cannot be kept (then nothing is appended).
    fn canonical(
        &mut self,
        row: &Row,
        file: usize,
        line: u64,
        flags: Option<&str>,
    ) -> Result<(), RowError> {
        let ts_col = TIME_COLUMNS.iter().copied().find(|k| row.has(*k));
        let ts = match ts_col {
            Some(k) => {
                let text = row.get(k).unwrap_or_default();
                match parse_timestamp(text) {
                    Some(ms) => Some(ms),
                    None => {
                        return Err(RowError {
                            column: column_name(row.fields, k),
                            reason: format!(
                                "timestamp does not parse: {:?}",
                                crate::text::clip(text)
                            ),
                        })
                    }
                }
            }
            None if self.kind == TableKind::Unrecognized => None,
            None => {
                return Err(RowError {
                    column: "Timestamp".into(),
                    reason: format!(
                        "{} row without a time ({TIME_COLUMN_NAMES}): it cannot be placed",
                        self.kind
                    ),
                })
            }
        };

        // SigninLogs' LocationDetails, or Graph's `location` object of the same shape.
        let location = JsonCell::parse(
            row.get(K::LocationDetails)
                .or_else(|| row.get(K::Location).filter(|t| t.starts_with('{'))),
        );
        let device = JsonCell::parse(row.get(K::DeviceDetail));
        let ip_text = row.first(&[
            K::IPAddress,
            K::ClientIP,
            K::SenderIPv4,
            K::SenderIPv6,
            K::RemoteIP,
        ]);
        let ip = ip_text.and_then(parse_ip);
        let (loc_city, loc_country) =
            split_location(row.get(K::Location).filter(|t| !t.starts_with('{')));
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

        let ip_tags = row.get(K::IPTags);
        let tagged_anon = ip_tags.is_some_and(|t| {
            // KQL-style whole terms: "Tor" is a tag, "Director" is not.
            let has = |needle: &str| {
                t.as_bytes()
                    .windows(needle.len())
                    .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
            };
            has("anonymous proxy") || crate::terms::has(t, "tor")
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
        } else if let Some(code) = row
            .get(K::Status)
            .filter(|t| t.starts_with('{'))
            .and_then(|t| JsonCell::parse(Some(t)).str_at(&["errorCode"]))
        {
            // Graph sign-ins: `status: {"errorCode": 0, ...}`.
            Some(code == "0")
        } else if let Some(status) = row.get(K::Status).filter(|t| !t.starts_with('{')) {
            // The Entra admin center's download: `Success`, `Failure`, `Interrupted` (compared
            // in place: this runs for every row of a table with a plain Status column).
            let is = |word: &str| status.eq_ignore_ascii_case(word);
            if is("success") {
                Some(true)
            } else if is("failure") || is("interrupted") {
                Some(false)
            } else {
                None
            }
        } else {
            match row.get(K::ActionType) {
                Some("LogonSuccess") => Some(true),
                Some("LogonFailed") => Some(false),
                _ => None,
            }
        };
        // Only what a JSON cell (SigninLogs' DeviceDetail) supplies is kept per row; the plain
        // column copies are derived at `finish` by Polars, without a copy per row.
        let device_id = match row.first(&[K::EntraIdDeviceId, K::AadDeviceId]) {
            Some(_) => None,
            None => device.str_at(&["deviceId"]),
        };
        let device_name = match row.get(K::DeviceName) {
            Some(_) => None,
            None => device.str_at(&["displayName"]),
        };
        let user_agent = match row.get(K::UserAgent) {
            Some(_) => None,
            None => device.str_at(&["browser"]),
        };

        let t = &mut self.text;
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
        t[S::UserAgent as usize].append_option(user_agent.as_deref());
        t[S::DeviceId as usize].append_option(device_id.as_deref());
        t[S::DeviceName as usize].append_option(device_name.as_deref());
        self.lat.push(place.as_ref().map(|p| p.lat));
        self.lon.push(place.as_ref().map(|p| p.lon));
        self.radius.push(place.as_ref().map(|p| p.radius_km));
        self.is_external.push(is_external);
        self.anon_proxy.push(anon);
        self.success.push(success);
        self.key.push(row_key(row, ts));
        self.flags.append_option(flags);
        self.ts.push(ts);
        self.file.push(file as i64);
        self.line.push(line as i64);
        Ok(())
    }

    pub fn finish(mut self) -> PolarsResult<DataFrame> {
        let raw: Vec<Column> = std::mem::take(&mut self.raw)
            .into_iter()
            .map(|c| c.builder.finish().into_series().into())
            .collect();
        let names = std::mem::take(&mut self.raw_names);
        let mut src = std::mem::take(&mut self.src);
        let rows = self.rows;
        let mut df = self.finish_with(raw, names)?;
        if !src.is_empty() {
            src.resize(rows, None);
            df.with_column(Column::new(super::spill::SRC.into(), src))?;
        }
        Ok(df)
    }

    /// Finishes rows added by `push_canonical`, with their vendor columns (row for row, named as
    /// `vendor_name` names them).
    pub fn finish_with_vendor(self, vendor: DataFrame) -> PolarsResult<DataFrame> {
        let names: Vec<String> = vendor
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        self.finish_with(vendor.into_columns(), names)
    }

    fn finish_with(self, raw: Vec<Column>, raw_names: Vec<String>) -> PolarsResult<DataFrame> {
        let n = self.rows;
        let kind = self.kind;
        let mut cols: Vec<Column> = Vec::with_capacity(40 + raw.len());
        cols.push(Column::new("row".into(), (0..n as i64).collect::<Vec<_>>()));
        cols.push(Column::new("file".into(), self.file));
        cols.push(Column::new("line".into(), self.line));
        let ts = Int64Chunked::from_iter_options("ts".into(), self.ts.into_iter())
            .into_datetime(TimeUnit::Milliseconds, None);
        cols.push(ts.into_series().into());
        for (k, b) in self.text.into_iter().enumerate() {
            let name = TEXT_COLUMNS[k];
            if k >= S::UserAgent as usize {
                // JSON fallbacks, coalesced below behind the plain columns.
                cols.push(
                    b.finish()
                        .into_series()
                        .with_name(format!("_json_{name}").into())
                        .into(),
                );
            } else {
                cols.push(b.finish().into_series().into());
            }
        }
        cols.push(Column::new("lat".into(), self.lat));
        cols.push(Column::new("lon".into(), self.lon));
        cols.push(Column::new("loc_radius_km".into(), self.radius));
        cols.push(Column::new("is_external".into(), self.is_external));
        cols.push(Column::new("anon_proxy".into(), self.anon_proxy));
        cols.push(Column::new("success".into(), self.success));
        cols.push(Column::new(KEY_COLUMN.into(), self.key));
        cols.push(self.flags.finish().into_series().into());
        cols.extend(raw);
        let df = DataFrame::new(n, cols)?;
        let clean: std::collections::HashSet<&str> = (raw_names.iter())
            .filter(|name| df.column(name).is_ok_and(|c| !holds_missing_as_text(c)))
            .map(String::as_str)
            .collect();
        let vendor = VendorNames {
            names: &raw_names,
            clean: &clean,
        };
        let derived = derived_columns(kind, &vendor);
        let mut order: Vec<Expr> = CANONICAL_COLUMNS.iter().map(|c| col(*c)).collect();
        order.push(col(KEY_COLUMN));
        order.extend(raw_names.iter().map(|c| col(c.as_str())));
        let mut df = df.lazy().with_columns(derived).select(order).collect()?;
        for name in IDENTIFIERS {
            let matched = crate::dictionary::encoded_by(df.column(name)?, identifier)?;
            df.with_column(matched)?;
        }
        crate::dictionary::encode(&mut df)?;
        Ok(df)
    }
}

/// The column a vendor's column is kept as: its own name, unless a canonical column has it.
pub fn vendor_name(name: &str) -> String {
    if CANONICAL_COLUMNS.contains(&name) {
        format!("raw.{name}")
    } else {
        name.to_string()
    }
}

/// A vendor value as Row::get reads it: empty text and the literal `null` are missing.
pub(super) fn present(e: Expr) -> Expr {
    when(e.clone().eq(lit("")).or(e.clone().eq(lit("null"))))
        .then(lit(NULL).cast(DataType::String))
        .otherwise(e)
}

/// Whether a text column holds a value `present` takes as missing (empty, or `null`), seen in
/// its views alone: a short value's bytes are in its view.
fn holds_missing_as_text(c: &Column) -> bool {
    use polars_arrow::array::{Array, View};
    const NULL_TEXT: u32 = u32::from_le_bytes(*b"null");
    let Ok(ca) = c.str() else {
        return true; // not text: `present` decides
    };
    ca.downcast_iter().any(|arr| {
        let missing = |v: &View| v.length == 0 || (v.length == 4 && v.prefix == NULL_TEXT);
        match arr.validity() {
            None => arr.views().iter().any(missing),
            Some(valid) => (arr.views().iter().zip(valid.iter())).any(|(v, ok)| ok && missing(v)),
        }
    })
}

/// A frame's vendor columns as the derived columns read them: their names, and those known to
/// hold no value `present` would take as missing (the columnar CSV reader's, for one, makes
/// such cells missing as it reads), which are used as they are.
struct VendorNames<'a> {
    names: &'a [String],
    clean: &'a std::collections::HashSet<&'a str>,
}

/// The first present value among the vendor columns named by `ks` (any spelling of the name),
/// then `extra`, for a whole frame at once.
fn first_of(raw: &VendorNames, ks: &[K], extra: Vec<Expr>) -> Expr {
    let mut options: Vec<Expr> = Vec::new();
    for k in ks {
        for n in raw.names {
            let lower = n.to_ascii_lowercase();
            if super::fields::spells(&lower, *k) || lower.strip_prefix("raw.") == Some(k.name()) {
                // Comparing every value with "" and "null" was 0.6 s of reading ten million
                // events.
                options.push(match raw.clean.contains(n.as_str()) {
                    true => col(n.as_str()),
                    false => present(col(n.as_str())),
                });
            }
        }
    }
    options.extend(extra);
    match options.len() {
        0 => lit(NULL).cast(DataType::String),
        1 => options.remove(0),
        _ => coalesce(&options),
    }
}

/// Which of a file's vendor columns (`names`, as `vendor_name` names them) any table's derived
/// canonical columns are made from: the only ones a reader must build when the rest stay in the
/// file (`spill::SRC`).
pub(super) fn derived_inputs(names: &[String]) -> Vec<bool> {
    let mut used: std::collections::HashSet<PlSmallStr> = std::collections::HashSet::new();
    for kind in super::table::ALL_TABLES {
        let vendor = VendorNames {
            names,
            clean: &Default::default(),
        };
        for e in derived_columns(*kind, &vendor) {
            used.extend(polars_plan::utils::expr_to_leaf_column_names(&e));
        }
    }
    names.iter().map(|n| used.contains(n.as_str())).collect()
}

/// The canonical columns holding identifiers, which are matched trimmed and lower-cased
/// (`identifier`). Made so as they are encoded, once per distinct value: lower-casing ten million
/// rows was a tenth of the reading time at ten million events.
const IDENTIFIERS: [&str; 4] = ["account", "object_id", "peer", "device_id"];

/// An identifier as it is matched: trimmed and lower-cased (as Polars' `strip_chars(None)` and
/// `to_lowercase` do, which are `str::trim` and `str::to_lowercase`).
fn identifier(text: &str) -> String {
    text.trim().to_lowercase()
}

/// Canonical columns that are the vendor's own values (or constants of the table), derived for
/// the whole frame: Polars shares the strings instead of copying each one per row.
fn derived_columns(kind: TableKind, raw: &VendorNames) -> Vec<Expr> {
    let text = |s: &str| lit(s.to_string());
    let constant_app = if kind == TableKind::EmailEvents {
        vec![text("Exchange Online")]
    } else {
        vec![]
    };
    let constant_action = match kind {
        TableKind::SigninLogs | TableKind::EntraIdSignInEvents | TableKind::AADSignInEventsBeta => {
            vec![text("Sign-in")]
        }
        TableKind::EmailEvents => vec![text("Email")],
        TableKind::AlertInfo | TableKind::AlertEvidence => vec![text("Alert")],
        _ => vec![],
    };
    // The vendor's own app, then the app its action names where it has none.
    let apps = [
        K::Application,
        K::AppDisplayName,
        K::OfficeWorkload,
        K::Workload,
    ];
    let own_app = first_of(raw, &apps, constant_app.clone());
    let object_ids: &[K] = if kind == TableKind::SigninLogs {
        &[K::AccountObjectId, K::UserId]
    } else {
        &[K::AccountObjectId]
    };
    let device_fallback = first_of(raw, &[K::DeviceId], vec![]);
    let device_fallback = when(device_fallback.clone().str().starts_with(lit("00000000-")))
        .then(lit(NULL).cast(DataType::String))
        .otherwise(device_fallback);
    vec![
        text(kind.name()).alias("table"),
        first_of(
            raw,
            &[
                K::AccountId,
                K::AccountUpn,
                K::UserPrincipalName,
                K::UserId,
                K::SenderFromAddress,
                K::SenderMailFromAddress,
                K::AccountObjectId,
                K::AccountName,
                K::UserIds,
            ],
            vec![],
        )
        .alias("account"),
        first_of(
            raw,
            &[
                K::AccountDisplayName,
                K::UserDisplayName,
                K::SenderDisplayName,
            ],
            vec![],
        )
        .alias("account_name"),
        first_of(raw, object_ids, vec![]).alias("object_id"),
        first_of(raw, &[K::RecipientEmailAddress], vec![]).alias("peer"),
        first_of(raw, &[K::Isp], vec![]).alias("isp"),
        first_of(raw, &[K::AutonomousSystemNumber], vec![]).alias("asn"),
        first_of(
            raw,
            &apps,
            [constant_app, vec![app_from_action(raw, own_app.is_null())]].concat(),
        )
        .alias("app"),
        first_of(
            raw,
            &[K::ActionType, K::Operation, K::Operations],
            constant_action,
        )
        .alias("action"),
        first_of(
            raw,
            &[
                K::ObjectName,
                K::SourceFileName,
                K::Subject,
                K::Title,
                K::Description,
            ],
            vec![],
        )
        .alias("object"),
        first_of(raw, &[K::UserAgent], vec![col("_json_user_agent")]).alias("user_agent"),
        first_of(
            raw,
            &[K::EntraIdDeviceId, K::AadDeviceId],
            vec![col("_json_device_id"), device_fallback],
        )
        .alias("device_id"),
        first_of(raw, &[K::DeviceName], vec![col("_json_device_name")]).alias("device_name"),
        first_of(raw, &[K::IPCategory], vec![]).alias("ip_category"),
        first_of(raw, &[K::IPTags], vec![]).alias("ip_tags"),
        first_of(
            raw,
            &[
                K::Parameters,
                K::RawEventData,
                K::ActivityObjects,
                K::AdditionalFields,
                K::AttackTechniques,
            ],
            vec![],
        )
        .alias("detail"),
        first_of(raw, &[K::RiskEventTypesV2, K::RiskEventTypes], vec![]).alias("risk_events"),
        first_of(raw, &[K::AccountType, K::UserType], vec![]).alias("account_type"),
    ]
}

/// The app a row's action belongs to, for rows whose export dropped the Application column (a
/// `summarize ... by AccountId, IPAddress` keeps only the actions): the connectors' own action
/// names say Workday, DocuSign or Teams. Worked out only where `wanted`: elsewhere the action is
/// taken as missing, so the regex and the payroll terms do not run on rows that have their app.
fn app_from_action(raw: &VendorNames, wanted: Expr) -> Expr {
    let action = when(wanted)
        .then(first_of(raw, &[K::ActionType], vec![]))
        .otherwise(lit(NULL).cast(DataType::String));
    let teams = r"^(MessageSent|MessageCreatedHasLink|MessageEditedHasLink|MessageRead|MessagesListed|ChatCreated|ChatRetrieved|MemberAdded|MemberRemoved|MeetingDetail|MeetingParticipantDetail|TeamsSessionStarted|ReactedToMessage)$";
    let payroll = crate::terms::has_any_expr(action.clone(), crate::terms::PAYROLL_VERBS).and(
        crate::terms::has_any_expr(action.clone(), crate::terms::PAYROLL_OBJECTS),
    );
    when(
        action
            .clone()
            .str()
            .contains_literal(lit("hrrecruiting"))
            .or(payroll),
    )
    .then(lit("Workday"))
    .when(action.clone().str().starts_with(lit("ENVELOPE ")))
    .then(lit("DocuSign"))
    .when(action.str().contains(lit(teams), false))
    .then(lit("Microsoft Teams"))
    .otherwise(lit(NULL).cast(DataType::String))
}

/// Set on keys made from a vendor event id; clear on keys made from a row's values.
pub const ID_KEY: u64 = 1 << 63;

/// The identity of a row for dropping duplicates: the vendor's event id with the time, account
/// and action when the row has one (`ReportId`, `Id`, `OfficeId`, ...; marked with `ID_KEY`),
/// else every value it holds. Order-independent, so the same projection exported with columns in
/// another order still matches.
fn row_key(row: &Row, ts: Option<i64>) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    // Keys live only while a load drops its repeats, so any fixed hash will do: foldhash is
    // several times faster than SipHash on short values, once per row.
    let state = foldhash::fast::FixedState::with_seed(0x6869_7265_7363_6f70);
    let hasher = || {
        let mut h = state.build_hasher();
        ts.hash(&mut h);
        h
    };
    if let Some(id) = row.first(&[
        K::ReportId,
        K::Id,
        K::OfficeId,
        K::SourceRecordId,
        K::CorrelationId,
    ]) {
        let account = row.first(&[
            K::AccountId,
            K::AccountUpn,
            K::UserPrincipalName,
            K::UserId,
            K::SenderFromAddress,
            K::SenderMailFromAddress,
            K::AccountObjectId,
        ]);
        let mut h = hasher();
        id.hash(&mut h);
        account.hash(&mut h);
        row.get(K::RecipientEmailAddress).hash(&mut h);
        row.first(&[K::ActionType, K::Operation]).hash(&mut h);
        return h.finish() | ID_KEY;
    }
    let mut acc = hasher().finish();
    for (name, v) in row.fields.lower.iter().zip(row.values) {
        if let Some(v) = v.map(super::fields::trimmed).filter(|v| !v.is_empty()) {
            let mut h = state.build_hasher();
            name.hash(&mut h);
            v.hash(&mut h);
            acc = acc.wrapping_add(h.finish());
        }
    }
    acc & !ID_KEY
}

/// IdentityLogonEvents' `Location` is a text place ("Seattle, US"); a bare two-letter one is a country.
fn split_location(text: Option<&str>) -> (Option<String>, Option<String>) {
    let Some(t) = text else { return (None, None) };
    // `City, CC`, or the Entra admin center's `City, State, CC`: the city is the first part.
    if let Some((place, cc)) = t.rsplit_once(',') {
        if geo::normalize_country(cc).is_some() {
            let city = place.split(',').next().unwrap_or(place).trim();
            return (
                Some(city.to_string()).filter(|c| !c.is_empty()),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A row as a reader may hand it over: cells that are empty or the text `null` are kept as
    /// they are in the vendor columns, and the derived columns take them as missing.
    fn built(rows: &[[Option<&str>; 4]]) -> DataFrame {
        let fields = Fields::new(&["Timestamp", "AccountId", "AccountUpn", "ActionType"]);
        let mut b = TableBuilder::new(TableKind::CloudAppEvents);
        for (i, values) in rows.iter().enumerate() {
            let row = Row {
                fields: &fields,
                values,
            };
            b.push(&row, 0, i as u64 + 2, None, None).unwrap();
        }
        crate::dictionary::plain(&b.finish().unwrap()).unwrap()
    }

    fn texts(df: &DataFrame, name: &str) -> Vec<Option<String>> {
        (df.column(name).unwrap().str().unwrap().iter())
            .map(|v| v.map(str::to_string))
            .collect()
    }

    #[test]
    fn empty_and_null_text_in_vendor_columns_is_missing_in_derived_ones() {
        let ts = Some("2026-08-03T11:37:36Z");
        let df = built(&[
            [ts, Some(""), Some(" Bob@Contoso.Example "), Some("null")],
            [
                ts,
                Some("null"),
                Some("eve@contoso.example"),
                Some("FileDownloaded"),
            ],
            [ts, Some("Ann@X.example"), None, Some("")],
        ]);
        assert_eq!(
            texts(&df, "account"),
            [
                Some("bob@contoso.example".to_string()),
                Some("eve@contoso.example".to_string()),
                Some("ann@x.example".to_string())
            ]
        );
        assert_eq!(
            texts(&df, "action"),
            [None, Some("FileDownloaded".to_string()), None]
        );
    }

    #[test]
    fn missing_as_text_is_seen_in_short_values_only_where_valid() {
        let col = |v: &[Option<&str>]| Column::new("c".into(), v);
        assert!(holds_missing_as_text(&col(&[Some("a"), Some("")])));
        assert!(holds_missing_as_text(&col(&[None, Some("null")])));
        assert!(!holds_missing_as_text(&col(&[
            None,
            Some("nullx"),
            Some("Null")
        ])));
        assert!(!holds_missing_as_text(&col(&[
            None,
            Some("a long value, not inline")
        ])));
        assert!(holds_missing_as_text(&Column::new("n".into(), [1i64])));
    }
}
