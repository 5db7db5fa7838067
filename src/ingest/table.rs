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

/// Recognises a row's table by the columns it fills. A `union` export has every column on every row,
/// empty where the row's table lacks it, so only non-empty values count.
pub fn classify(row: &Row) -> TableKind {
    use TableKind as T;
    if row.has(K::NetworkMessageId)
        && (row.has(K::SenderFromAddress) || row.has(K::RecipientEmailAddress))
    {
        return T::EmailEvents;
    }
    if row.has(K::AlertId) {
        if row.has(K::EntityType) || row.has(K::EvidenceRole) {
            return T::AlertEvidence;
        }
        return T::AlertInfo;
    }
    if row.has(K::BehaviorId) {
        return T::BehaviorInfo;
    }
    if row.has(K::Operation) && (row.has(K::OfficeWorkload) || row.has(K::RecordType)) {
        return T::OfficeActivity;
    }
    if row.has(K::UserPrincipalName) && (row.has(K::TimeGenerated) || row.has(K::CreatedDateTime)) {
        return T::SigninLogs;
    }
    if row.fields.has(K::ErrorCode)
        && (row.has(K::AccountUpn) || row.has(K::AccountObjectId))
        && (row.has(K::LogonType)
            || row.has(K::SessionId)
            || row.has(K::RiskLevelAggregated)
            || row.has(K::ErrorCode))
    {
        if row.fields.has(K::AadDeviceId) && !row.fields.has(K::EntraIdDeviceId) {
            return T::AADSignInEventsBeta;
        }
        return T::EntraIdSignInEvents;
    }
    if row.has(K::ApplicationId) && row.has(K::ActionType) {
        return T::CloudAppEvents;
    }
    if let Some(action) = row.get(K::ActionType) {
        if (action == "LogonSuccess" || action == "LogonFailed")
            && (row.has(K::AccountUpn) || row.has(K::AccountObjectId) || row.has(K::AccountName))
        {
            return T::IdentityLogonEvents;
        }
        if row.has(K::Protocol) && row.has(K::DestinationDeviceName) {
            return T::IdentityDirectoryEvents;
        }
        if row.has(K::QueryType)
            || row.has(K::Query)
            || (action.ends_with("Search") || action.ends_with("Query"))
        {
            return T::IdentityQueryEvents;
        }
    }
    T::Unrecognized
}
