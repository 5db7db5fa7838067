//! What each detector reads, and what it could not check on the files loaded: a hunting query's
//! `project` or `summarize` often drops a column a detector needs, and the analyst must hear that
//! the detector was blind there rather than believe it found nothing.

use crate::model::Model;
use polars::prelude::*;

/// A column a detector reads: in which tables, by which vendor names, and what it decides.
struct Need {
    tables: &'static [&'static str],
    column: &'static str,
    vendor: &'static str,
    what: &'static str,
}

const CLOUD: &[&str] = &["CloudAppEvents"];
const MAIL: &[&str] = &["EmailEvents"];
const SIGNINS: &[&str] = &[
    "EntraIdSignInEvents",
    "AADSignInEventsBeta",
    "SigninLogs",
    "IdentityLogonEvents",
    "CloudAppEvents",
];
const DATA: &[&str] = &["CloudAppEvents", "OfficeActivity"];
const ANY: &[&str] = &[];

const fn need(
    tables: &'static [&'static str],
    column: &'static str,
    vendor: &'static str,
    what: &'static str,
) -> Need {
    Need {
        tables,
        column,
        vendor,
        what,
    }
}

const ACTION: &str = "ActionType / Operation";
const IP: &str = "IPAddress / ClientIP / SenderIPv4 / SenderIPv6";

/// The columns each detector needs, by detector id.
#[rustfmt::skip]
const NEEDS: &[(&str, &[Need])] = &[
    ("recruiting-api-intel", &[
        need(CLOUD, "action", ACTION, "which calls are recruiting API calls"),
        need(CLOUD, "ip", IP, "caller addresses against the intel"),
        need(CLOUD, "account", "AccountId", "applicant e-mails against the intel"),
        need(CLOUD, "is_external", "IsExternalUser", "that callers are external applicants (rows without it are taken as external)"),
    ]),
    ("recruiting-pattern-cluster", &[
        need(CLOUD, "action", ACTION, "the endpoint sequences"),
        need(CLOUD, "account", "AccountId", "which applicant made each call"),
        need(CLOUD, "ip", IP, "shared infrastructure between members (severity)"),
    ]),
    ("recruiting-api-volume", &[
        need(CLOUD, "action", ACTION, "which calls are recruiting API calls"),
        need(CLOUD, "account", "AccountId", "calls per applicant"),
    ]),
    ("interview-email-risky", &[
        need(MAIL, "object", "Subject", "whether a mail is about an interview"),
        need(MAIL, "account", "SenderMailFromAddress / SenderFromAddress", "senders against the intel"),
        need(MAIL, "peer", "RecipientEmailAddress", "recipients against the intel"),
        need(MAIL, "ip", "SenderIPv4 / SenderIPv6", "sending servers against the intel"),
    ]),
    ("external-meeting-risky", &[
        need(CLOUD, "app", "Application", "which events are Teams, Zoom or Webex"),
        need(CLOUD, "ip", IP, "participant addresses against the intel and anonymisers"),
        need(CLOUD, "is_external", "IsExternalUser", "that participants are external (rows without it are taken as external)"),
    ]),
    ("offer-signed-risky", &[
        need(CLOUD, "action", ACTION, "which events are signatures (ENVELOPE SIGNED)"),
        need(CLOUD, "ip", IP, "signer addresses against the intel and anonymisers"),
        need(CLOUD, "country", "CountryCode / City", "the signer's country against the work country"),
    ]),
    ("new-hire-signin-intel", &[
        need(SIGNINS, "ip", IP, "sign-in addresses against the intel"),
        need(SIGNINS, "account", "AccountUpn / UserPrincipalName / AccountId", "which sign-ins are a new hire's"),
    ]),
    ("payroll-change-risky", &[
        need(CLOUD, "action", ACTION, "which Workday tasks change pay"),
        need(CLOUD, "ip", IP, "addresses against the intel and anonymisers"),
        need(CLOUD, "country", "CountryCode / City", "the country against the work country"),
    ]),
    ("impossible-travel", &[
        need(ANY, "lat", "Latitude / LocationDetails / City / CountryCode", "where each event happened"),
    ]),
    ("anonymous-access-data", &[
        need(DATA, "action", ACTION, "which events are searches and downloads"),
        need(DATA, "ip", IP, "the network each search or download came from"),
    ]),
    ("location-mismatch", &[
        need(ANY, "country", "Country / CountryCode / LocationDetails", "the country of each event"),
    ]),
    ("data-access-spike", &[
        need(DATA, "action", ACTION, "which events are reads, downloads and searches"),
    ]),
    ("shared-mfa-device", &[
        need(SIGNINS, "device_id", "EntraIdDeviceId / AadDeviceId / DeviceDetail", "which device completed each sign-in"),
    ]),
    ("workday-mail-hiding", &[
        need(DATA, "detail", "Parameters / RawEventData", "what an inbox rule does"),
    ]),
    ("intel-match", &[
        need(ANY, "ip", IP, "addresses against the intel"),
    ]),
    ("vendor-alert", &[
        need(&["AlertInfo", "BehaviorInfo"], "object", "Title / Description", "the vendor's verdicts"),
    ]),
    ("shared-infrastructure", &[
        need(ANY, "ip", IP, "addresses shared between people"),
        need(ANY, "device_id", "device ids", "devices shared between people"),
    ]),
];

fn needs(id: &str) -> &'static [Need] {
    NEEDS.iter().find(|(d, _)| *d == id).map_or(&[], |(_, n)| n)
}

/// For each detector (those named, or all), the tables it reads with their row counts, and each
/// thing it could not check because no row of those tables carries the column.
pub fn text(model: &Model, only: &[String]) -> String {
    let events = &model.events;
    let tables: Vec<Option<&str>> =
        crate::columns::borrowed_texts(events, "table").unwrap_or_default();
    let mut out = String::new();
    for d in super::registry() {
        if !only.is_empty() && !only.iter().any(|o| o == d.id) {
            continue;
        }
        out.push_str(&format!("{}  ({})\n", d.id, d.title));
        let ns = needs(d.id);
        let mut blind = 0;
        for n in ns {
            let rows: Vec<usize> = (0..tables.len())
                .filter(|&i| {
                    n.tables.is_empty() || tables[i].is_some_and(|t| n.tables.contains(&t))
                })
                .collect();
            let where_ = if n.tables.is_empty() {
                "any table".to_string()
            } else {
                n.tables.join(", ")
            };
            if rows.is_empty() {
                out.push_str(&format!(
                    "  no {where_} rows loaded: could not check {}\n",
                    n.what
                ));
                blind += 1;
                continue;
            }
            let filled = filled_count(events, n.column, &rows);
            if filled == 0 {
                out.push_str(&format!(
                    "  could not check {}: none of the {} {where_} rows has {}\n",
                    n.what,
                    rows.len(),
                    n.vendor
                ));
                blind += 1;
            }
        }
        if blind == 0 {
            out.push_str("  every column it needs is present\n");
        }
    }
    out
}

/// How many of `rows` have a value in `column` (false booleans count as values).
fn filled_count(events: &DataFrame, column: &str, rows: &[usize]) -> usize {
    let Ok(c) = events.column(column) else {
        return 0;
    };
    let c = c.as_materialized_series();
    rows.iter()
        .filter(|&&i| c.get(i).is_ok_and(|v| !matches!(v, AnyValue::Null)))
        .count()
}
