//! The files a sample data set is written to, each in the format its vendor exports, streamed row
//! by row so memory stays bounded whatever the number of events.

use crate::time::format_ts;
use serde_json::json;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Where an event came from on the network.
#[derive(Clone, Copy)]
pub struct Net {
    pub ip: &'static str,
    pub country: &'static str,
    pub city: &'static str,
    pub lat: f64,
    pub lon: f64,
    pub isp: &'static str,
    /// IPCategory as Defender for Cloud Apps spells it ("" when none).
    pub category: &'static str,
    pub tags: &'static str,
    pub anonymous: bool,
}

/// One CloudAppEvents row.
pub struct AppEvent<'a> {
    pub ts: i64,
    pub app: &'a str,
    pub action: &'a str,
    pub object_id: &'a str,
    pub account: &'a str,
    pub name: &'a str,
    pub external: bool,
    pub net: Net,
    pub user_agent: &'a str,
    pub object: &'a str,
    pub raw: serde_json::Value,
}

pub struct SignIn<'a> {
    pub ts: i64,
    pub upn: &'a str,
    pub object_id: &'a str,
    pub name: &'a str,
    pub app: &'a str,
    pub net: Net,
    pub device_id: &'a str,
    pub user_agent: &'a str,
    pub success: bool,
}

pub struct Mail<'a> {
    pub ts: i64,
    pub id: String,
    pub from: &'a str,
    pub from_name: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub sender_ip: &'a str,
    pub inbound: bool,
}

pub struct Sink {
    cae: csv::Writer<BufWriter<File>>,
    entra: BufWriter<File>,
    signin: csv::Writer<BufWriter<File>>,
    mail: BufWriter<File>,
    mail_rows: usize,
    office: BufWriter<File>,
    alerts: csv::Writer<BufWriter<File>>,
    pub events: usize,
    report_id: u64,
}

const CAE_HEADER: &[&str] = &[
    "Timestamp",
    "Application",
    "ApplicationId",
    "ActionType",
    "AccountObjectId",
    "AccountId",
    "AccountDisplayName",
    "IsExternalUser",
    "IsAdminOperation",
    "IPAddress",
    "IsAnonymousProxy",
    "CountryCode",
    "City",
    "ISP",
    "IPCategory",
    "IPTags",
    "UserAgent",
    "ActivityType",
    "ObjectName",
    "RawEventData",
    "ReportId",
];

const SIGNIN_HEADER: &[&str] = &[
    "TenantId",
    "TimeGenerated [UTC]",
    "CreatedDateTime [UTC]",
    "UserPrincipalName",
    "UserId",
    "UserDisplayName",
    "UserType",
    "AppDisplayName",
    "IPAddress",
    "ResultType",
    "IsInteractive",
    "ClientAppUsed",
    "LocationDetails_dynamic",
    "LocationDetails_string",
    "DeviceDetail_dynamic",
    "DeviceDetail_string",
    "UserAgent",
    "RiskEventTypes_V2",
    "AutonomousSystemNumber",
    "Type",
];

fn app_id(app: &str) -> u32 {
    match app {
        "Workday" => 15600,
        "Microsoft Teams" => 11394,
        "Zoom" => 21213,
        "Cisco Webex" => 20940,
        "DocuSign" => 26055,
        "Microsoft Exchange Online" => 20893,
        "Microsoft SharePoint Online" => 20892,
        "Microsoft OneDrive for Business" => 15600 + 1,
        _ => 11161,
    }
}

/// Log Analytics' localised US timestamp, as its portal CSV export writes it.
fn us_time(ms: i64) -> String {
    let dt = chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default();
    dt.format("%-m/%-d/%Y, %-I:%M:%S%.3f %p").to_string()
}

impl Sink {
    pub fn create(dir: &Path) -> std::io::Result<Sink> {
        std::fs::create_dir_all(dir)?;
        let open = |name: &str| File::create(dir.join(name)).map(BufWriter::new);
        let mut cae = csv::Writer::from_writer(open("defender_cloudappevents.csv")?);
        cae.write_record(CAE_HEADER)?;
        let mut signin = csv::Writer::from_writer(open("sentinel_signinlogs.csv")?);
        signin.write_record(SIGNIN_HEADER)?;
        let mut mail = open("defender_emailevents_api.json")?;
        let schema: Vec<_> = [
            "Timestamp",
            "NetworkMessageId",
            "SenderFromAddress",
            "SenderMailFromAddress",
            "SenderDisplayName",
            "SenderFromDomain",
            "SenderIPv4",
            "RecipientEmailAddress",
            "Subject",
            "EmailDirection",
            "DeliveryAction",
            "ReportId",
        ]
        .iter()
        .map(|n| json!({"Name": n, "Type": if *n == "Timestamp" { "DateTime" } else { "String" }}))
        .collect();
        write!(
            mail,
            "{{\"Schema\":{},\"Results\":[",
            serde_json::Value::Array(schema)
        )?;
        let mut alerts = csv::Writer::from_writer(open("defender_alerts.csv")?);
        alerts.write_record([
            "Timestamp",
            "AlertId",
            "Title",
            "Severity",
            "Category",
            "AttackTechniques",
            "ServiceSource",
            "EntityType",
            "EvidenceRole",
            "AccountUpn",
            "AccountObjectId",
            "RemoteIP",
        ])?;
        Ok(Sink {
            cae,
            entra: open("defender_entraidsignins.jsonl")?,
            signin,
            mail,
            mail_rows: 0,
            office: open("sentinel_officeactivity.jsonl")?,
            alerts,
            events: 0,
            report_id: 0,
        })
    }

    fn next_report(&mut self) -> u64 {
        self.report_id += 1;
        self.report_id
    }

    pub fn app_event(&mut self, e: &AppEvent) -> std::io::Result<()> {
        let rid = self.next_report();
        let n = &e.net;
        self.cae.write_record([
            format_ts_precise(e.ts).as_str(),
            e.app,
            &app_id(e.app).to_string(),
            e.action,
            e.object_id,
            e.account,
            e.name,
            if e.external { "1" } else { "0" },
            "0",
            n.ip,
            if n.anonymous { "1" } else { "0" },
            n.country,
            n.city,
            n.isp,
            n.category,
            &if n.tags.is_empty() {
                String::new()
            } else {
                json!([n.tags]).to_string()
            },
            e.user_agent,
            "Basic",
            e.object,
            &e.raw.to_string(),
            &format!("{}_{}", app_id(e.app), rid),
        ])?;
        self.events += 1;
        Ok(())
    }

    /// Entra sign-ins go to Defender's EntraIdSignInEvents (JSON Lines); every third one also
    /// reaches Sentinel's SigninLogs export, as happens when both connectors run.
    pub fn sign_in(&mut self, s: &SignIn) -> std::io::Result<()> {
        let rid = self.next_report();
        let n = &s.net;
        if !rid.is_multiple_of(3) {
            let row = json!({
                "Timestamp": format_ts_precise(s.ts), "Application": s.app, "ApplicationId": "00000003-0000-0ff1-ce00-000000000000",
                "LogonType": "[\"interactiveUser\"]", "ErrorCode": if s.success { 0 } else { 50126 },
                "AccountObjectId": s.object_id, "AccountUpn": s.upn, "AccountDisplayName": s.name, "IsExternalUser": 0,
                "IsGuestUser": false, "IPAddress": n.ip, "Country": n.country, "City": n.city,
                "Latitude": format!("{:.4}", n.lat), "Longitude": format!("{:.4}", n.lon), "EntraIdDeviceId": s.device_id,
                "UserAgent": s.user_agent, "ClientAppUsed": "Browser", "RiskLevelAggregated": if n.anonymous { 50 } else { 0 },
                "SessionId": format!("s-{rid}"), "ReportId": format!("{rid}"),
            });
            writeln!(self.entra, "{row}")?;
        } else {
            let loc = json!({"city": n.city, "countryOrRegion": n.country, "geoCoordinates": {"latitude": n.lat, "longitude": n.lon}});
            let dev = json!({"deviceId": s.device_id, "operatingSystem": "Windows 10", "browser": "Edge 120.0"});
            let risk = if n.anonymous {
                "[\"anonymizedIPAddress\"]"
            } else {
                "[]"
            };
            let t = us_time(s.ts);
            self.signin.write_record([
                "2ad3fc79-1859-42fa-9011-6f8df2251b22",
                t.as_str(),
                t.as_str(),
                s.upn,
                s.object_id,
                s.name,
                "Member",
                s.app,
                n.ip,
                if s.success { "0" } else { "50126" },
                "TRUE",
                "Browser",
                &loc.to_string(),
                "",
                &dev.to_string(),
                "",
                s.user_agent,
                risk,
                "",
                "SigninLogs",
            ])?;
        }
        self.events += 1;
        Ok(())
    }

    pub fn mail(&mut self, m: &Mail) -> std::io::Result<()> {
        let domain = m.from.rsplit('@').next().unwrap_or("");
        let row = json!({
            "Timestamp": format_ts_precise(m.ts), "NetworkMessageId": m.id, "SenderFromAddress": m.from,
            "SenderMailFromAddress": m.from, "SenderDisplayName": m.from_name, "SenderFromDomain": domain,
            "SenderIPv4": m.sender_ip, "RecipientEmailAddress": m.to, "Subject": m.subject,
            "EmailDirection": if m.inbound { "Inbound" } else { "Outbound" }, "DeliveryAction": "Delivered",
            "ReportId": format!("{}", self.report_id + 1),
        });
        self.report_id += 1;
        if self.mail_rows > 0 {
            self.mail.write_all(b",\n")?;
        }
        write!(self.mail, "{row}")?;
        self.mail_rows += 1;
        self.events += 1;
        Ok(())
    }

    pub fn office(
        &mut self,
        ts: i64,
        operation: &str,
        workload: &str,
        user: &str,
        ip: &str,
        file: &str,
        params: &str,
    ) -> std::io::Result<()> {
        let row = json!({
            "TimeGenerated": format_ts_precise(ts), "Operation": operation, "OfficeWorkload": workload, "RecordType": if workload == "Exchange" { "ExchangeAdmin" } else { "SharePointFileOperation" },
            "UserId": user, "UserType": "Regular", "ClientIP": ip, "Site_Url": if workload == "Exchange" { "" } else { "https://contoso.sharepoint.com/sites/engineering/" },
            "SourceFileName": file, "OfficeObjectId": if file.is_empty() { String::new() } else { format!("https://contoso.sharepoint.com/sites/engineering/Shared Documents/{file}") },
            "Parameters": params, "Type": "OfficeActivity",
        });
        writeln!(self.office, "{row}")?;
        self.events += 1;
        Ok(())
    }

    pub fn alert(
        &mut self,
        ts: i64,
        id: &str,
        title: &str,
        severity: &str,
        technique: &str,
        upn: &str,
        oid: &str,
        ip: &str,
    ) -> std::io::Result<()> {
        let t = format_ts_precise(ts);
        let tech = json!([technique]).to_string();
        self.alerts.write_record([
            t.as_str(),
            id,
            title,
            severity,
            "InitialAccess",
            &tech,
            "Microsoft Defender for Cloud Apps",
            "",
            "",
            "",
            "",
            "",
        ])?;
        self.alerts.write_record([
            t.as_str(),
            id,
            title,
            severity,
            "InitialAccess",
            &tech,
            "Microsoft Defender for Cloud Apps",
            "User",
            "Impacted",
            upn,
            oid,
            "",
        ])?;
        if !ip.is_empty() {
            self.alerts.write_record([
                t.as_str(),
                id,
                title,
                severity,
                "InitialAccess",
                &tech,
                "Microsoft Defender for Cloud Apps",
                "Ip",
                "Related",
                "",
                "",
                ip,
            ])?;
        }
        self.events += 1;
        Ok(())
    }

    pub fn finish(mut self) -> std::io::Result<usize> {
        self.cae.flush()?;
        self.entra.flush()?;
        self.signin.flush()?;
        self.mail.write_all(b"]}\n")?;
        self.mail.flush()?;
        self.office.flush()?;
        self.alerts.flush()?;
        Ok(self.events)
    }
}

/// Defender's timestamp spelling: seven fractional digits and Z.
pub fn format_ts_precise(ms: i64) -> String {
    let base = format_ts(ms);
    format!(
        "{}.{:03}0000Z",
        base.trim_end_matches('Z'),
        ms.rem_euclid(1000)
    )
}
