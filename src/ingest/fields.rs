//! Column names as the vendors spell them, normalised once per header so that rows are read by index.
//!
//! Quirks handled here: Log Analytics' ` [UTC]` header suffix, a `union` export's type-suffixed twins
//! (`ReportId_long` / `ReportId_string`: the first non-empty one wins), and case differences between
//! exports (`Isp` / `ISP`, Graph's camelCase `createdDateTime`).

use std::collections::HashMap;

macro_rules! known_columns {
    ($($variant:ident = $name:literal),* $(,)?) => {
        /// Columns that table recognition and canonical columns read. Matched case-insensitively.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[allow(non_camel_case_types)]
        pub enum K { $($variant),* }
        const KNOWN_NAMES: &[&str] = &[$($name),*];
    };
}

known_columns! {
    Timestamp = "timestamp", TimeGenerated = "timegenerated", CreatedDateTime = "createddatetime",
    CreationTime = "creationtime", CreationDate = "creationdate", StartTimeU = "start_time", StartTime = "starttime", EventTime = "eventtime",
    Workload = "workload", AccountType = "accounttype", Type = "type", TableName = "tablename",
    ReportId = "reportid", Id = "id", OfficeId = "officeid", SourceRecordId = "sourcerecordid",
    CorrelationId = "correlationid", AuditData = "auditdata", UserIds = "userids",
    Operations = "operations", Status = "status",
    Application = "application", ApplicationId = "applicationid", AppDisplayName = "appdisplayname",
    ActionType = "actiontype", Operation = "operation", OfficeWorkload = "officeworkload", RecordType = "recordtype",
    AccountId = "accountid", AccountUpn = "accountupn", AccountObjectId = "accountobjectid",
    AccountDisplayName = "accountdisplayname", AccountName = "accountname",
    UserPrincipalName = "userprincipalname", UserId = "userid", UserDisplayName = "userdisplayname",
    IsExternalUser = "isexternaluser", IsAnonymousProxy = "isanonymousproxy",
    IPAddress = "ipaddress", ClientIP = "clientip", SenderIPv4 = "senderipv4", SenderIPv6 = "senderipv6",
    RemoteIP = "remoteip",
    CountryCode = "countrycode", Country = "country", City = "city", State = "state",
    Latitude = "latitude", Longitude = "longitude", Location = "location", LocationDetails = "locationdetails",
    Isp = "isp", IPCategory = "ipcategory", IPTags = "iptags", AutonomousSystemNumber = "autonomoussystemnumber",
    UserAgent = "useragent", DeviceName = "devicename", DeviceId = "deviceid",
    EntraIdDeviceId = "entraiddeviceid", AadDeviceId = "aaddeviceid", DeviceDetail = "devicedetail",
    ObjectName = "objectname", SourceFileName = "sourcefilename", Subject = "subject", Title = "title",
    NetworkMessageId = "networkmessageid", SenderFromAddress = "senderfromaddress",
    SenderMailFromAddress = "sendermailfromaddress", RecipientEmailAddress = "recipientemailaddress",
    SenderDisplayName = "senderdisplayname",
    LogonType = "logontype", ErrorCode = "errorcode", ResultType = "resulttype", SessionId = "sessionid",
    RiskLevelAggregated = "risklevelaggregated",
    AlertId = "alertid", EntityType = "entitytype", EvidenceRole = "evidencerole", BehaviorId = "behaviorid",
    Protocol = "protocol", DestinationDeviceName = "destinationdevicename", QueryType = "querytype",
    Query = "query", Category = "category", Severity = "severity", Description = "description",
    Parameters = "parameters", SiteUrl = "site_url", UserType = "usertype", RawEventData = "raweventdata", ActivityObjects = "activityobjects",
    AdditionalFields = "additionalfields", RiskEventTypesV2 = "riskeventtypes_v2", RiskEventTypes = "riskeventtypes",
    AttackTechniques = "attacktechniques",
}

impl K {
    pub fn name(self) -> &'static str {
        KNOWN_NAMES[self as usize]
    }
}

/// Other spellings of known columns, lower case, taken where the header lacks the column's own
/// name: the Entra admin center's sign-in log download (`Date (UTC)`, `IP address`, `Username`,
/// `Sign-in error code`, `Location` as `City, State, CC`, `Status` as `Success`/`Failure`).
const ALIASES: &[(&str, K)] = &[
    ("date (utc)", K::CreatedDateTime),
    ("ip address", K::IPAddress),
    ("username", K::UserPrincipalName),
    ("user id", K::UserId),
    ("user", K::UserDisplayName),
    ("user agent", K::UserAgent),
    ("user type", K::UserType),
    ("device id", K::DeviceId),
    ("sign-in error code", K::ErrorCode),
    ("autonomous system number", K::AutonomousSystemNumber),
];

/// Whether a lower-case column name is `k`, by its own name or by another spelling of it.
pub fn spells(lower: &str, k: K) -> bool {
    lower == k.name() || ALIASES.iter().any(|(a, known)| *known == k && *a == lower)
}

/// The time columns the vendors write, in the order they are preferred when a row has several:
/// Defender's `Timestamp`, Log Analytics' `TimeGenerated`, Graph's `createdDateTime`, the unified
/// audit log's `CreationTime`, OfficeActivity's `Start_Time`, and the generic `StartTime`/`EventTime`.
pub const TIME_COLUMNS: &[K] = &[
    K::Timestamp,
    K::TimeGenerated,
    K::CreatedDateTime,
    K::CreationTime,
    K::CreationDate,
    K::StartTimeU,
    K::StartTime,
    K::EventTime,
];

/// The time columns' names as a user reads them, for messages.
pub const TIME_COLUMN_NAMES: &str =
    "Timestamp, TimeGenerated, CreatedDateTime, CreationTime, CreationDate, Start_Time, StartTime or EventTime";

/// Prefixes KQL gives the columns of a `summarize`: `make_set(ActionType)` is `set_ActionType`,
/// `make_list(X)` is `list_X` (both JSON arrays), `min(Timestamp)` is `min_Timestamp`. A prefixed
/// column whose rest is a column hirescope reads stands for that column.
const SUMMARIZE_ARRAY_PREFIXES: &[&str] = &["set_", "list_"];
const SUMMARIZE_SCALAR_PREFIXES: &[&str] = &["min_", "any_", "take_any_"];

/// Suffixes Defender adds to a column that held values of several types across a `union`.
const TYPE_SUFFIXES: &[&str] = &[
    "_long",
    "_string",
    "_dynamic",
    "_int",
    "_real",
    "_bool",
    "_datetime",
    "_guid",
    "_timespan",
    "_decimal",
];

/// The output name for a raw header: trimmed, BOM and ` [UTC]`-style suffix removed, type suffix removed.
pub fn normalize_header(raw: &str) -> String {
    let mut s = raw.trim().trim_start_matches('\u{feff}').trim();
    if s.ends_with(']') {
        if let Some(pos) = s.rfind(" [") {
            s = s[..pos].trim_end();
        }
    }
    for suffix in TYPE_SUFFIXES {
        if s.len() > suffix.len() && s.to_ascii_lowercase().ends_with(suffix) {
            s = &s[..s.len() - suffix.len()];
            break;
        }
    }
    match summarized(s) {
        Some((rest, _)) => rest.to_string(),
        None => s.to_string(),
    }
}

/// `set_ActionType` -> (`ActionType`, true for an array); None unless the rest is a known column.
fn summarized(name: &str) -> Option<(&str, bool)> {
    let lower = name.to_ascii_lowercase();
    for (prefixes, array) in [
        (SUMMARIZE_ARRAY_PREFIXES, true),
        (SUMMARIZE_SCALAR_PREFIXES, false),
    ] {
        for p in prefixes {
            if let Some(rest) = lower.strip_prefix(p) {
                if KNOWN_NAMES.contains(&rest) {
                    return Some((&name[p.len()..], array));
                }
            }
        }
    }
    None
}

/// A header after normalisation: output names, the raw columns behind each, and where known columns sit.
#[derive(Debug, Clone)]
pub struct Fields {
    pub names: Vec<String>,
    /// For each output name, the raw column positions that feed it, in header order.
    pub sources: Vec<Vec<usize>>,
    known: Vec<Option<usize>>,
    /// Lower-case output names, for recognition.
    pub lower: Vec<String>,
    /// The output column that holds a KQL `make_set`/`make_list` array (one row per element).
    pub array: Option<usize>,
    /// Per table, the header's columns that are evidence for it, with their weights.
    pub evidence: Vec<(super::table::TableKind, Vec<(usize, u8)>)>,
    /// What the reader should say about the header (a column name given twice).
    pub notes: Vec<String>,
    /// Unique per header, so builders can cache where its columns go.
    pub id: usize,
}

static NEXT_FIELDS_ID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Fields {
    pub fn new<S: AsRef<str>>(raw_headers: &[S]) -> Fields {
        let mut names: Vec<String> = Vec::new();
        let mut sources: Vec<Vec<usize>> = Vec::new();
        let mut by_lower: HashMap<String, usize> = HashMap::new();
        let mut array = None;
        let mut notes = Vec::new();
        let mut raw_seen: HashMap<String, usize> = HashMap::new();
        for (i, raw) in raw_headers.iter().enumerate() {
            let mut name = normalize_header(raw.as_ref());
            let is_array = summarized(raw.as_ref().trim()).is_some_and(|(_, a)| a);
            if name.is_empty() {
                name = format!("column_{}", i + 1);
            }
            // The same name written twice is two columns, not twins: keep both, say so.
            let raw_lower = raw.as_ref().trim().to_ascii_lowercase();
            if let Some(first) = raw_seen.get(&raw_lower) {
                let renamed = format!("{name}_{}", i + 1);
                notes.push(format!(
                    "column {} repeats the name {name:?} of column {first}: kept as {renamed}",
                    i + 1
                ));
                name = renamed;
            } else {
                raw_seen.insert(raw_lower, i + 1);
            }
            let lower = name.to_ascii_lowercase();
            let at = match by_lower.get(&lower) {
                Some(&at) => {
                    sources[at].push(i);
                    at
                }
                None => {
                    by_lower.insert(lower, names.len());
                    names.push(name);
                    sources.push(vec![i]);
                    names.len() - 1
                }
            };
            if is_array && array.is_none() {
                array = Some(at);
            }
        }
        let known = KNOWN_NAMES
            .iter()
            .enumerate()
            .map(|(i, k)| {
                by_lower.get(*k).copied().or_else(|| {
                    (ALIASES.iter())
                        .filter(|(_, known)| *known as usize == i)
                        .find_map(|(alias, _)| by_lower.get(*alias).copied())
                })
            })
            .collect();
        let lower: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        let evidence = super::table::header_evidence(&lower);
        let id = NEXT_FIELDS_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Fields {
            names,
            sources,
            known,
            lower,
            array,
            evidence,
            notes,
            id,
        }
    }

    /// Whether the header has any of the vendors' time columns.
    pub fn has_time(&self) -> bool {
        TIME_COLUMNS.iter().any(|k| self.has(*k))
    }

    pub fn index(&self, k: K) -> Option<usize> {
        self.known[k as usize]
    }

    pub fn has(&self, k: K) -> bool {
        self.index(k).is_some()
    }

    /// Whether the header names any column that hirescope reads.
    pub fn known_any(&self) -> bool {
        self.known.iter().any(Option::is_some)
    }

    /// Columns that neither recognition nor any canonical column reads (they are still kept).
    pub fn unused(&self) -> Vec<String> {
        self.names
            .iter()
            .zip(&self.lower)
            .filter(|(_, l)| {
                !KNOWN_NAMES.contains(&l.as_str())
                    && !ALIASES.iter().any(|(a, _)| a == l)
                    && !super::table::is_evidence(l)
            })
            .map(|(n, _)| n.clone())
            .collect()
    }
}

/// One row, read through its header's `Fields`. Values are aligned with `Fields::names`.
pub struct Row<'a> {
    pub fields: &'a Fields,
    pub values: &'a [Option<&'a str>],
}

impl<'a> Row<'a> {
    /// The non-empty, trimmed value of a known column.
    pub fn get(&self, k: K) -> Option<&'a str> {
        let i = self.fields.index(k)?;
        let v = trimmed(self.values.get(i).copied().flatten()?);
        if v.is_empty() || v == "null" {
            None
        } else {
            Some(v)
        }
    }

    pub fn has(&self, k: K) -> bool {
        self.get(k).is_some()
    }

    /// The first non-empty value among several known columns.
    pub fn first(&self, ks: &[K]) -> Option<&'a str> {
        ks.iter().find_map(|k| self.get(*k))
    }
}

/// `text.trim()`, without its cost for the common value that starts and ends with a visible
/// ASCII character (no whitespace to remove): reading a row asks for dozens of values, and the
/// general trim was the largest cost of the row reader after the CSV parse itself.
pub fn trimmed(text: &str) -> &str {
    let visible = |b: u8| b > b' ' && b < 0x80;
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(&a), Some(&z)) if visible(a) && visible(z) => text,
        _ => text.trim(),
    }
}

/// Picks, for each output name, the first non-empty raw value among its sources (twin merging).
pub fn merge_twins<'a>(fields: &Fields, raw: &[&'a str], out: &mut Vec<Option<&'a str>>) {
    out.clear();
    for srcs in &fields.sources {
        let v = srcs
            .iter()
            .filter_map(|&i| raw.get(i).copied())
            .find(|v| !v.is_empty() && *v != "null");
        out.push(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimmed_is_trim() {
        for t in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\ta\r",
            "é",
            " é ",
            "a\u{a0}",
            "\u{2003}x",
            "x y",
            "\u{85}",
        ] {
            assert_eq!(trimmed(t), t.trim(), "{t:?}");
        }
    }

    #[test]
    fn header_quirks() {
        assert_eq!(normalize_header("CreatedDateTime [UTC]"), "CreatedDateTime");
        assert_eq!(normalize_header("\u{feff}TenantId"), "TenantId");
        assert_eq!(normalize_header("ReportId_long"), "ReportId");
        assert_eq!(
            normalize_header("AdditionalFields_dynamic"),
            "AdditionalFields"
        );
        assert_eq!(normalize_header("Site_Url"), "Site_Url");
    }

    #[test]
    fn twins_merge_first_non_empty() {
        let f = Fields::new(&["ReportId_long", "ReportId_string", "ISP"]);
        assert_eq!(f.names, vec!["ReportId", "ISP"]);
        let mut out = Vec::new();
        merge_twins(&f, &["", "abc", "Contoso"], &mut out);
        assert_eq!(out, vec![Some("abc"), Some("Contoso")]);
        let row = Row {
            fields: &f,
            values: &out,
        };
        assert_eq!(row.get(K::Isp), Some("Contoso"));
        let f2 = Fields::new(&["Isp"]);
        assert!(f2.has(K::Isp));
    }
}
