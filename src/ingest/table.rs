//! Which table a row belongs to, decided from the columns it fills (never from a file name).

use super::fields::{Row, K};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TableKind {
    CloudAppEvents,
    EmailEvents,
    EntraIdSignInEvents,
    AADSignInEventsBeta,
    IdentityLogonEvents,
    SigninLogs,
    OfficeActivity,
    AlertInfo,
    AlertEvidence,
    BehaviorInfo,
    IdentityDirectoryEvents,
    IdentityQueryEvents,
    /// Rows whose columns match no table hirescope knows: kept and counted, never dropped.
    Unrecognized,
}

pub const ALL_TABLES: &[TableKind] = &[
    TableKind::CloudAppEvents,
    TableKind::EmailEvents,
    TableKind::EntraIdSignInEvents,
    TableKind::AADSignInEventsBeta,
    TableKind::IdentityLogonEvents,
    TableKind::SigninLogs,
    TableKind::OfficeActivity,
    TableKind::AlertInfo,
    TableKind::AlertEvidence,
    TableKind::BehaviorInfo,
    TableKind::IdentityDirectoryEvents,
    TableKind::IdentityQueryEvents,
    TableKind::Unrecognized,
];

impl TableKind {
    pub fn name(self) -> &'static str {
        match self {
            TableKind::CloudAppEvents => "CloudAppEvents",
            TableKind::EmailEvents => "EmailEvents",
            TableKind::EntraIdSignInEvents => "EntraIdSignInEvents",
            TableKind::AADSignInEventsBeta => "AADSignInEventsBeta",
            TableKind::IdentityLogonEvents => "IdentityLogonEvents",
            TableKind::SigninLogs => "SigninLogs",
            TableKind::OfficeActivity => "OfficeActivity",
            TableKind::AlertInfo => "AlertInfo",
            TableKind::AlertEvidence => "AlertEvidence",
            TableKind::BehaviorInfo => "BehaviorInfo",
            TableKind::IdentityDirectoryEvents => "IdentityDirectoryEvents",
            TableKind::IdentityQueryEvents => "IdentityQueryEvents",
            TableKind::Unrecognized => "Unrecognized",
        }
    }

    pub fn from_name(name: &str) -> Option<TableKind> {
        let n = name.trim();
        let n = n.strip_prefix("AdvancedHunting-").unwrap_or(n);
        ALL_TABLES
            .iter()
            .copied()
            .find(|t| t.name().eq_ignore_ascii_case(n))
    }

    /// Sign-in tables: the ones whose rows are authentications.
    pub fn is_signin(self) -> bool {
        matches!(
            self,
            TableKind::EntraIdSignInEvents
                | TableKind::AADSignInEventsBeta
                | TableKind::SigninLogs
                | TableKind::IdentityLogonEvents
        )
    }
}

impl fmt::Display for TableKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Columns that are evidence for a table, with a weight: 3 for a column only that table has,
/// 2 for one it shares with one or two others, 1 for a common one. A query's `project` keeps any
/// subset of them, so a row is recognised from whichever it fills, never from one required column.
#[rustfmt::skip]
const EVIDENCE: &[(TableKind, &[(&str, u8)])] = {
    use TableKind as T;
    &[
        (
            T::CloudAppEvents,
            &[
                ("applicationid", 2), ("actiontype", 1), ("application", 1), ("activitytype", 3),
                ("activityobjects", 3), ("objectname", 2), ("objecttype", 2), ("objectid", 1),
                ("raweventdata", 3), ("isanonymousproxy", 2), ("ipcategory", 3), ("iptags", 3),
                ("accountid", 2), ("countrycode", 2), ("uncommonforuser", 3), ("lastseenforuser", 3),
                ("isadminoperation", 3), ("isimpersonated", 3), ("auditsource", 3), ("accounttype", 2),
                ("isexternaluser", 1), ("ipaddress", 1), ("isp", 1), ("city", 1),
            ],
        ),
        (
            T::EmailEvents,
            &[
                ("networkmessageid", 3), ("internetmessageid", 2), ("senderfromaddress", 3),
                ("sendermailfromaddress", 3), ("senderdisplayname", 2), ("senderobjectid", 3),
                ("senderfromdomain", 3), ("sendermailfromdomain", 3), ("senderipv4", 3),
                ("senderipv6", 3), ("recipientemailaddress", 3), ("recipientobjectid", 3),
                ("subject", 1), ("emailclusterid", 3), ("emaildirection", 3), ("deliveryaction", 3),
                ("deliverylocation", 3), ("threattypes", 2), ("threatnames", 2),
                ("detectionmethods", 2), ("bulkcomplaintlevel", 3), ("emailaction", 3),
                ("attachmentcount", 3), ("urlcount", 3), ("emaillanguage", 3),
            ],
        ),
        (
            T::EntraIdSignInEvents,
            &[
                ("errorcode", 3), ("logontype", 1), ("sessionid", 2), ("risklevelaggregated", 1),
                ("risklevelduringsignin", 1), ("clientappused", 1), ("authenticationrequirement", 1),
                ("entraiddeviceid", 3), ("aaddeviceid", 3), ("isguestuser", 3), ("ismanaged", 2),
                ("iscompliant", 2), ("latitude", 2), ("longitude", 2), ("state", 1), ("country", 2),
                ("accountupn", 2), ("applicationid", 1), ("application", 1), ("resourcedisplayname", 2),
                ("endpointcall", 3), ("browser", 2), ("networklocationdetails", 2),
                ("conditionalaccesspolicies", 1), ("isexternaluser", 1), ("devicetrusttype", 2),
            ],
        ),
        (
            T::SigninLogs,
            &[
                ("userprincipalname", 2), ("appdisplayname", 2), ("resulttype", 3),
                ("resultdescription", 3), ("resultsignature", 3), ("locationdetails", 3),
                ("devicedetail", 3), ("status", 2), ("isinteractive", 2), ("riskeventtypes_v2", 3),
                ("riskdetail", 2), ("autonomoussystemnumber", 2), ("userdisplayname", 1),
                ("appid", 1), ("authenticationdetails", 2), ("mfadetail", 3), ("tokenissuertype", 3),
                ("createddatetime", 2), ("conditionalaccessstatus", 2), ("originalrequestid", 3),
                ("signineventtypes", 3), ("incomingtokentype", 3), ("usertype", 1),
            ],
        ),
        (
            T::OfficeActivity,
            &[
                ("operation", 2), ("officeworkload", 3), ("workload", 2), ("recordtype", 2),
                ("clientip", 2), ("userkey", 3), ("officeobjectid", 3), ("site_url", 3),
                ("sourcefilename", 2), ("sourcerelativeurl", 3), ("organizationid", 2),
                ("resultstatus", 2), ("start_time", 3), ("creationtime", 2), ("mailboxownerupn", 3),
                ("clientinfostring", 3), ("officeid", 3), ("officetenantid", 3), ("userid", 1),
                ("auditdata", 3), ("userids", 2), ("operations", 2), ("creationdate", 1),
            ],
        ),
        (
            T::AlertInfo,
            &[
                ("alertid", 3), ("title", 1), ("category", 1), ("severity", 1),
                ("servicesource", 1), ("detectionsource", 1), ("attacktechniques", 1),
            ],
        ),
        (
            T::AlertEvidence,
            &[
                ("alertid", 3), ("entitytype", 3), ("evidencerole", 3), ("evidencedirection", 3),
                ("title", 1), ("remoteip", 1),
            ],
        ),
        (
            T::BehaviorInfo,
            &[
                ("behaviorid", 6), ("categories", 2), ("datasources", 3), ("attacktechniques", 1),
                ("description", 1),
            ],
        ),
        (
            T::IdentityLogonEvents,
            &[
                ("logontype", 1), ("protocol", 1), ("failurereason", 3), ("location", 2),
                ("destinationdevicename", 1), ("targetdevicename", 1), ("accountdomain", 1),
            ],
        ),
        (
            T::IdentityDirectoryEvents,
            &[
                ("protocol", 3), ("destinationdevicename", 3), ("destinationipaddress", 2),
                ("destinationport", 2), ("targetaccountupn", 2), ("targetaccountdisplayname", 1),
            ],
        ),
        (
            T::IdentityQueryEvents,
            &[("querytype", 3), ("query", 2), ("querytarget", 3)],
        ),
    ]
};

/// Least evidence for a table: two weights' worth (a `summarize` that keeps `IPAddress` and
/// `set_ActionType` is still CloudAppEvents).
const MIN_EVIDENCE: u32 = 2;

/// Whether a lower-case column name is evidence for any table.
pub fn is_evidence(lower: &str) -> bool {
    EVIDENCE
        .iter()
        .any(|(_, cols)| cols.iter().any(|(n, _)| *n == lower))
}

/// For a header (lower-case names), the columns that are evidence for each table.
pub fn header_evidence(lower: &[String]) -> Vec<(TableKind, Vec<(usize, u8)>)> {
    EVIDENCE
        .iter()
        .map(|(kind, cols)| {
            let present = cols
                .iter()
                .filter_map(|(n, w)| lower.iter().position(|l| l == n).map(|i| (i, *w)))
                .collect();
            (*kind, present)
        })
        .filter(|(_, p): &(TableKind, Vec<(usize, u8)>)| !p.is_empty())
        .collect()
}

/// What a value of ActionType says about the table: a decisive hint or a nudge.
fn action_hint(action: &str) -> Option<(TableKind, u32)> {
    if action == "LogonSuccess" || action == "LogonFailed" {
        return Some((TableKind::IdentityLogonEvents, 6));
    }
    if action.contains("hrrecruiting") || action.starts_with("ENVELOPE ") {
        return Some((TableKind::CloudAppEvents, 3));
    }
    if action.ends_with("Search") || action.ends_with("Query") {
        return Some((TableKind::IdentityQueryEvents, 3));
    }
    None
}

/// A table named by the row itself: Log Analytics' `Type`, a `union withsource=TableName`, or a
/// streaming export's category.
fn named_table(row: &Row) -> Option<TableKind> {
    row.first(&[K::Type, K::TableName])
        .and_then(TableKind::from_name)
        .filter(|k| *k != TableKind::Unrecognized)
}

/// The best-scoring table for a row, from the columns it fills and the values it holds; ties go
/// to the table listed first. Runs once per row, so it allocates nothing.
fn best(row: &Row) -> (TableKind, u32) {
    let hint = row.get(K::ActionType).and_then(action_hint);
    let mut best = (TableKind::Unrecognized, 0u32);
    let mut hinted = false;
    for (kind, cols) in &row.fields.evidence {
        let mut score: u32 = cols
            .iter()
            .filter(|(i, _)| filled(row, *i))
            .map(|(_, w)| u32::from(*w))
            .sum();
        if let Some((k, bonus)) = hint {
            if k == *kind {
                score += bonus;
                hinted = true;
            }
        }
        if score > best.1 {
            best = (*kind, score);
        }
    }
    match hint {
        Some((k, bonus)) if !hinted && bonus > best.1 => (k, bonus),
        _ => best,
    }
}

fn filled(row: &Row, i: usize) -> bool {
    row.values
        .get(i)
        .copied()
        .flatten()
        .map(super::fields::trimmed)
        .is_some_and(|v| !v.is_empty() && v != "null")
}

/// Recognises a row's table from the columns it fills and the values it holds, never from a file
/// name. A `union` export has every column on every row, empty where the row's table lacks it, so
/// only non-empty values count. The best score wins, ties going to the table listed first.
pub fn classify(row: &Row) -> TableKind {
    if let Some(k) = named_table(row) {
        return k;
    }
    let best = best(row);
    let kind = if best.1 >= MIN_EVIDENCE {
        best.0
    } else {
        TableKind::Unrecognized
    };
    if kind == TableKind::EntraIdSignInEvents
        && row.fields.has(K::AadDeviceId)
        && !row.fields.has(K::EntraIdDeviceId)
    {
        return TableKind::AADSignInEventsBeta;
    }
    kind
}

/// Why a row went to `kind`: the columns (and value) that were evidence for it.
pub fn explain(row: &Row, kind: TableKind) -> Vec<String> {
    if let Some(k) = named_table(row) {
        if k == kind {
            let col = if row.has(K::Type) {
                "Type"
            } else {
                "TableName"
            };
            return vec![format!("{col}={}", k.name())];
        }
    }
    let lookup = if kind == TableKind::AADSignInEventsBeta {
        TableKind::EntraIdSignInEvents
    } else {
        kind
    };
    let mut out: Vec<String> = row
        .fields
        .evidence
        .iter()
        .filter(|(k, _)| *k == lookup)
        .flat_map(|(_, cols)| cols.iter())
        .filter(|(i, _)| filled(row, *i))
        .map(|(i, _)| row.fields.names[*i].clone())
        .collect();
    if let Some(a) = row.get(K::ActionType) {
        if action_hint(a).is_some_and(|(k, _)| k == lookup) {
            out.push(format!("ActionType={}", crate::text::clip(a)));
        }
    }
    out
}
