//! Real tenants: the files analysts export (hunting-query projections and summaries, commented
//! intel lists, Sentinel TI, overlapping windows), a tenant's own noise (service identities,
//! service addresses with no measured place), and loud failures.

use super::support::{bools, external, load_paths, rows, texts};
use hirescope::detect::{self, Config, Finding};
use hirescope::ingest::{Dataset, TableKind as T};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A folder of files written for one test.
struct Folder {
    dir: tempfile::TempDir,
}

impl Folder {
    fn new() -> Folder {
        Folder {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn put(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn load(&self) -> Dataset {
        load_paths(&[self.path().to_path_buf()])
    }
    fn findings(&self, id: &str) -> Vec<Finding> {
        let data = self.load();
        let model = hirescope::model::build(&data).unwrap();
        let (f, errors) = detect::run(&model, &data, &Config::default(), &[id.to_string()]);
        assert!(errors.is_empty(), "{errors:?}");
        f
    }
}

fn hirescope(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hirescope"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

const INTEL: &str = "# partner list, shared 2026-09 (TLP:AMBER)\n\n175.45.176.0/24  # actor range\nops@devhire.example\n";

/// The roster of the hunting-query folders: one new hire, one candidate.
const ROSTER: &str = "person_id,name,stage,candidate_email,upn,hire_date,work_country\n\
H1,Dan Kay,hired,dkay.dev@mail.example,dan.kay@contoso.example,2026-09-01,US\n\
C1,Ann Lee,candidate,ann.lee@mail.example,,,US\n";

/// Background staff activity so the window starts well before the hire.
const STAFF: &str =
    "Timestamp,Application,ActionType,AccountId,IPAddress,IsExternalUser,CountryCode,City\n\
2026-07-01T09:00:00Z,Microsoft Teams,MessageSent,sam@contoso.example,52.160.10.21,0,US,Seattle\n\
2026-09-20T09:00:00Z,Microsoft Teams,MessageSent,sam@contoso.example,52.160.10.21,0,US,Seattle\n";

#[test]
fn real_office_activity_export_without_time_generated() {
    let data = load_paths(&[external("office_activity_inbox_rule.csv")]);
    assert_eq!(data.rejected(), 0, "{:?}", data.files[0].rejected);
    let f = &data.files[0];
    assert_eq!(f.tables.get("OfficeActivity"), Some(&2), "{f:?}");
    assert_eq!(
        f.decided_by["OfficeActivity"],
        vec!["Type=OfficeActivity".to_string()]
    );
    assert!(f.unused_columns.contains(&"ElevationApprover".to_string()));
    let df = data.table(T::OfficeActivity).unwrap();
    let ts: Vec<Option<i64>> = df
        .column("ts")
        .unwrap()
        .cast(&polars::prelude::DataType::Int64)
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .collect();
    // Start_Time [UTC]: 4/26/2021, 7:17:10.000 AM and 6:37:32.000 AM.
    assert_eq!(ts, vec![Some(1_619_421_430_000), Some(1_619_419_052_000)]);
    assert_eq!(
        texts(&data, T::OfficeActivity, "ip"),
        vec![Some("2a01:110:8068:7:9bf8:aa87:e00a:5f1f".to_string()); 2],
        "a bracketed IPv6 address with a port is the address"
    );
    assert_eq!(
        texts(&data, T::OfficeActivity, "account"),
        vec![Some("adelev@contoso.onmicrosoft.com".to_string()); 2]
    );
    assert_eq!(
        texts(&data, T::OfficeActivity, "action"),
        vec![Some("New-InboxRule".to_string()); 2]
    );
    // The rules move mail to Junk and delete covid-19 mail: nothing hides Workday's mail.
    let model = hirescope::model::build(&data).unwrap();
    let (found, _) = detect::run(
        &model,
        &data,
        &Config::default(),
        &["workday-mail-hiding".to_string()],
    );
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn recruiting_summary_of_the_published_query_finds_actor_applicants() {
    // `summarize make_set(ActionType) by AccountId, IPAddress, bin(Timestamp, 1d)`, as the
    // Defender portal exports it: no Application, no IsExternalUser.
    let w = Folder::new();
    w.put("intel.txt", INTEL);
    w.put(
        "recruiting_query.csv",
        "AccountId,IPAddress,Timestamp,set_ActionType\n\
ann.lee@mail.example,175.45.176.23,2026-08-03T00:00:00Z,\"[\"\"hrrecruiting/accounts/1\"\",\"\"hrrecruiting/resumes/2\"\"]\"\n\
bo.park@mail.example,175.45.176.23,2026-08-03T00:00:00Z,\"[\"\"hrrecruiting/accounts/3\"\"]\"\n\
cy.ng@mail.example,99.12.40.8,2026-08-03T00:00:00Z,\"[\"\"hrrecruiting/accounts/4\"\"]\"\n",
    );
    let data = w.load();
    assert_eq!(data.rejected(), 0, "{:?}", data.files);
    let report = data
        .files
        .iter()
        .find(|f| f.path.ends_with("recruiting_query.csv"))
        .unwrap();
    assert_eq!(
        report.tables.get("CloudAppEvents"),
        Some(&4),
        "one row per action"
    );
    assert_eq!(
        texts(&data, T::CloudAppEvents, "app"),
        vec![Some("Workday".to_string()); 4],
        "hrrecruiting endpoints are Workday's"
    );
    let found = w.findings("recruiting-api-intel");
    let people: Vec<&str> = found.iter().map(|f| f.person.as_str()).collect();
    assert_eq!(
        people,
        vec!["ann.lee@mail.example", "bo.park@mail.example"],
        "{found:#?}"
    );
}

#[test]
fn interview_mail_projection_of_the_published_query() {
    let w = Folder::new();
    w.put("intel.txt", INTEL);
    w.put(
        "interview_mail.csv",
        "Timestamp,SenderMailFromAddress,SenderDisplayName,SenderIPv4,SenderIPv6,RecipientEmailAddress,Subject,DeliveryAction,DeliveryLocation\n\
2026-08-10T14:00:00Z,ops@devhire.example,Dev Hire,198.51.100.7,,recruiter@contoso.example,Interview availability next week,Delivered,Inbox\n\
2026-08-10T15:00:00Z,friend@mail.example,A Friend,203.0.113.9,,recruiter@contoso.example,Interview tips,Delivered,Inbox\n",
    );
    let data = w.load();
    assert_eq!(
        data.table(T::EmailEvents).map(|t| t.height()),
        Some(2),
        "{:?}",
        data.files
    );
    let found = w.findings("interview-email-risky");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].reason.contains("ops@devhire.example"),
        "{}",
        found[0].reason
    );
}

#[test]
fn meeting_summaries_for_teams_and_zoom() {
    let w = Folder::new();
    w.put("intel.txt", INTEL);
    w.put(
        "teams_query.csv",
        "IPAddress,AccountId,Timestamp,set_ActionType\n\
175.45.176.71,ext.candidate@mail.example,2026-08-12T00:00:00Z,\"[\"\"MessageSent\"\",\"\"ChatCreated\"\"]\"\n",
    );
    w.put(
        "zoom_query.csv",
        "IPAddress,AccountId,Timestamp,set_ActionType\n\
175.45.176.72,other.candidate@mail.example,2026-08-13T00:00:00Z,\"[\"\"meeting.participant_joined\"\"]\"\n",
    );
    let data = w.load();
    assert_eq!(data.rejected(), 0, "{:?}", data.files);
    assert_eq!(data.table(T::CloudAppEvents).unwrap().height(), 3);
    let found = w.findings("external-meeting-risky");
    let mut people: Vec<&str> = found.iter().map(|f| f.person.as_str()).collect();
    people.sort();
    assert_eq!(
        people,
        vec!["ext.candidate@mail.example", "other.candidate@mail.example"],
        "{found:#?}"
    );
}

#[test]
fn docusign_projection_without_application_id() {
    let w = Folder::new();
    w.put("intel.txt", INTEL);
    w.put("roster.csv", ROSTER);
    w.put(
        "docusign.csv",
        "Timestamp,Application,ActionType,AccountId,IPAddress,IsExternalUser,CountryCode,City\n\
2026-08-20T10:00:00Z,DocuSign,ENVELOPE SIGNED,dkay.dev@mail.example,175.45.176.23,1,KP,Pyongyang\n\
2026-08-21T10:00:00Z,DocuSign,ENVELOPE SIGNED,ann.lee@mail.example,99.12.40.8,1,US,Houston\n",
    );
    let data = w.load();
    assert_eq!(data.table(T::CloudAppEvents).unwrap().height(), 2);
    let found = w.findings("offer-signed-risky");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].person, "H1");
}

#[test]
fn new_hire_sign_ins_without_error_code_and_payroll_summary_without_account() {
    let w = Folder::new();
    w.put("intel.txt", INTEL);
    w.put("roster.csv", ROSTER);
    w.put("staff.csv", STAFF);
    // A sign-in projection that dropped ErrorCode (and every device column).
    w.put(
        "signins.csv",
        "Timestamp,AccountUpn,AccountObjectId,Application,IPAddress,Country,City\n\
2026-09-03T08:00:00Z,dan.kay@contoso.example,11111111-2222-3333-4444-555555555555,Workday,175.45.176.23,KP,Pyongyang\n\
2026-09-04T08:00:00Z,dan.kay@contoso.example,11111111-2222-3333-4444-555555555555,Office 365,68.101.77.140,US,Dallas\n",
    );
    // The payroll query summarised by IPAddress and day only: no account on the row.
    w.put(
        "payroll_query.csv",
        "IPAddress,Timestamp,set_ActionType\n\
175.45.176.23,2026-09-03T00:00:00Z,\"[\"\"Add Payment Election\"\",\"\"Change My Account\"\"]\"\n",
    );
    let data = w.load();
    assert_eq!(data.rejected(), 0, "{:?}", data.files);
    assert_eq!(
        data.table(T::EntraIdSignInEvents).map(|t| t.height()),
        Some(2),
        "{:?}",
        data.files
    );
    let signin = w.findings("new-hire-signin-intel");
    assert_eq!(signin.len(), 1, "{signin:#?}");
    assert_eq!(signin[0].person, "H1");
    let payroll = w.findings("payroll-change-risky");
    assert_eq!(payroll.len(), 1, "{payroll:#?}");
    assert_eq!(
        payroll[0].person, "H1",
        "linked through the one person on that address that day"
    );
}

#[test]
fn explain_names_what_a_projection_left_out() {
    let w = Folder::new();
    w.put(
        "interview_mail.csv",
        "Timestamp,SenderMailFromAddress,RecipientEmailAddress,Subject\n\
2026-08-10T14:00:00Z,ops@devhire.example,recruiter@contoso.example,Interview\n",
    );
    let out = hirescope(&[
        "detect",
        "--explain",
        "--detector",
        "interview-email-risky",
        w.path().to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("could not check sending servers against the intel: none of the 1 EmailEvents rows has SenderIPv4 / SenderIPv6"),
        "{text}"
    );
}

#[test]
fn forced_table_and_inspect_says_why() {
    let w = Folder::new();
    let f = w.put(
        "odd.csv",
        "EventTime,Who,Where\n2026-08-01T00:00:00Z,someone,1.2.3.4\n",
    );
    let data = w.load();
    assert_eq!(data.table(T::Unrecognized).map(|t| t.height()), Some(1));
    let out = hirescope(&[
        "inspect",
        "--format",
        "json",
        "--table",
        &format!("{}=OfficeActivity", f.display()),
        w.path().to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let file = &v["files"][0];
    assert_eq!(file["tables"]["OfficeActivity"], 1, "{v}");
    assert_eq!(file["decided_by"]["OfficeActivity"][0], "--table");
    assert_eq!(file["unused_columns"], serde_json::json!(["Who", "Where"]));
    let bad = hirescope(&[
        "inspect",
        "--table",
        "NoSuchTable",
        w.path().to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn intel_as_people_share_it() {
    let w = Folder::new();
    w.put(
        "partner.txt",
        "# Partner list, shared 2026-09, TLP:AMBER\n\n203.0.113.7\n# more below\n198.51.100.0/24\n\nbad@actor.example\n0.0.0.0/0\n::/0\n10.0.0.0/7\ncom\n",
    );
    w.put(
        "ti.csv",
        "TimeGenerated [UTC],IndicatorId,ThreatType,Active,ExpirationDateTime [UTC],NetworkIP,EmailSenderAddress,DomainName,Url,ConfidenceScore,Description\n\
2026-09-01T00:00:00Z,ind-1,Botnet,True,2999-01-01T00:00:00Z,192.0.2.10,lure@phish.example,,,80,live\n\
2026-09-01T00:00:00Z,ind-2,Botnet,False,2999-01-01T00:00:00Z,192.0.2.11,,,,80,withdrawn\n\
2026-09-01T00:00:00Z,ind-3,Botnet,True,2001-01-01T00:00:00Z,192.0.2.12,,,,80,expired\n\
2026-09-01T00:00:00Z,ind-4,Phishing,True,,,,,https://evil.example/login,50,url\n",
    );
    // An events export without its time column: never a list of indicators.
    w.put(
        "cloudapp_no_time.csv",
        "Application,ActionType,AccountId,IPAddress\nWorkday,Change My Account,a@b.example,192.0.2.99\n",
    );
    let data = w.load();
    let values: Vec<&str> = data
        .intel
        .indicators
        .iter()
        .map(|i| i.value.as_str())
        .collect();
    for v in [
        "203.0.113.7",
        "198.51.100.0/24",
        "bad@actor.example",
        "192.0.2.10",
        "lure@phish.example",
        "evil.example",
    ] {
        assert!(values.contains(&v), "{v} in {values:?}");
    }
    for v in ["192.0.2.11", "192.0.2.12", "192.0.2.99", "a@b.example"] {
        assert!(!values.contains(&v), "{v} must not be intel: {values:?}");
    }
    assert_eq!(values.len(), 6, "{values:?}");
    let file = |name: &str| data.files.iter().find(|f| f.path.ends_with(name)).unwrap();
    let partner = file("partner.txt");
    let refused: Vec<(u64, &str)> = partner
        .rejected
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(
        refused.iter().map(|r| r.0).collect::<Vec<_>>(),
        vec![8, 9, 10, 11],
        "{refused:?}"
    );
    assert!(
        refused.iter().all(|r| r.1.starts_with("refused")),
        "{refused:?}"
    );
    assert!(file("ti.csv").notes.iter().any(|n| n.contains(
        "1 indicators marked inactive (Active false) and 1 past their ExpirationDateTime"
    )));
    let events = file("cloudapp_no_time.csv");
    assert_eq!(events.role, hirescope::ingest::Role::Events);
    assert_eq!(events.rejected_count, 1);
    assert!(
        events.notes[0].contains("without a time column"),
        "{:?}",
        events.notes
    );
    // The refusals reach the analyst on standard error, naming file and line.
    let out = hirescope(&["people", w.path().to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("partner.txt line 8: refused: 0.0.0.0/0"),
        "{err}"
    );
}

#[test]
fn service_identities_are_listed_apart_and_never_ranked() {
    let w = Folder::new();
    w.put(
        "office.csv",
        "TimeGenerated,Operation,OfficeWorkload,RecordType,UserId,UserType,ClientIP\n\
2026-08-01T10:00:00Z,FileAccessed,SharePoint,SharePointFileOperation,app@sharepoint,System,52.232.229.242\n\
2026-08-01T10:01:00Z,FileAccessed,SharePoint,SharePointFileOperation,SHAREPOINT\\system,System,52.232.229.242\n\
2026-08-01T10:02:00Z,FileModified,OneDrive,SharePointFileOperation,NT AUTHORITY\\SYSTEM,Regular,10.0.0.5\n\
2026-08-01T10:03:00Z,FileModified,OneDrive,SharePointFileOperation,S-1-5-18,Regular,10.0.0.5\n\
2026-08-01T10:04:00Z,FileModified,OneDrive,SharePointFileOperation,FILESRV01$,Regular,10.0.0.6\n\
2026-08-01T10:05:00Z,DLPRuleUndo,OneDrive,ComplianceDLPSharePoint,DlpPolicyEventBasedAssistantOneDriveForBusiness,System,\n\
2026-08-01T10:06:00Z,FileAccessed,SharePoint,SharePointFileOperation,svc-backup@contoso.example,ServicePrincipal,52.232.229.243\n\
2026-08-01T10:07:00Z,FileAccessed,SharePoint,SharePointFileOperation,pat@contoso.example,Regular,73.42.118.9\n",
    );
    let data = w.load();
    let model = hirescope::model::build(&data).unwrap();
    let stage = |key: &str| {
        model
            .people
            .iter()
            .find(|p| p.key == key)
            .unwrap_or_else(|| panic!("{key} in {:?}", model.people))
            .stage
    };
    use hirescope::model::Stage;
    for s in [
        "app@sharepoint",
        "sharepoint\\system",
        "nt authority\\system",
        "s-1-5-18",
        "filesrv01$",
        "dlppolicyeventbasedassistantonedriveforbusiness",
        "svc-backup@contoso.example",
    ] {
        assert_eq!(stage(s), Stage::Service, "{s}");
    }
    assert_eq!(stage("pat@contoso.example"), Stage::Staff);
    let out = hirescope(&["people", w.path().to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    let (ranked, services) = text.split_once("SERVICES").expect(&text);
    assert!(ranked.contains("pat@conto"), "{text}");
    assert!(
        !ranked.contains("sharepoint") && !ranked.contains("s-1-5-18"),
        "{text}"
    );
    assert!(
        services.contains("nt authority\\system") && services.contains("a machine account"),
        "{text}"
    );
}

/// A staff member hired into the US: sign-ins at home, and OfficeActivity rows from an address
/// whose only place is its registry country (GB).
fn travel_world(measured: bool) -> Folder {
    let w = Folder::new();
    w.put(
        "roster.csv",
        "person_id,name,stage,upn,hire_date,work_country\nH7,Pat Doe,hired,pat@contoso.example,2026-09-01,US\n",
    );
    w.put("staff.csv", STAFF);
    w.put(
        "signins.csv",
        "Timestamp,AccountUpn,Application,ErrorCode,IPAddress,Country,City,Latitude,Longitude\n\
2026-09-02T09:00:00Z,pat@contoso.example,Office 365,0,73.42.118.9,US,Seattle,47.61,-122.33\n\
2026-09-02T09:30:00Z,pat@contoso.example,Office 365,0,73.42.118.9,US,Seattle,47.61,-122.33\n\
2026-09-02T11:00:00Z,pat@contoso.example,Office 365,0,73.42.118.9,US,Seattle,47.61,-122.33\n",
    );
    w.put(
        "office.csv",
        "TimeGenerated,Operation,OfficeWorkload,RecordType,UserId,ClientIP\n\
2026-09-02T09:15:00Z,FileAccessed,OneDrive,SharePointFileOperation,pat@contoso.example,81.2.69.160\n\
2026-09-02T10:00:00Z,FileAccessed,OneDrive,SharePointFileOperation,pat@contoso.example,81.2.69.160\n",
    );
    if measured {
        w.put(
            "cloudapp.csv",
            "Timestamp,Application,ActionType,AccountId,IPAddress,CountryCode,City\n\
2026-09-02T09:20:00Z,Microsoft OneDrive for Business,FileDownloaded,pat@contoso.example,81.2.69.161,GB,London\n",
        );
    }
    w
}

#[test]
fn registry_only_places_make_no_travel_and_measured_ones_do() {
    let w = travel_world(false);
    assert!(w.findings("impossible-travel").is_empty());
    assert!(w.findings("location-mismatch").is_empty());
    let w = travel_world(true);
    assert_eq!(w.findings("impossible-travel").len(), 1);
    assert_eq!(w.findings("location-mismatch").len(), 1);
}

#[test]
fn networks_file_keeps_service_and_office_addresses_out_of_travel() {
    let w = travel_world(true);
    w.put(
        "networks.csv",
        "Name,IP address ranges,Category\nMicrosoft 365 front doors,81.2.69.0/24,Cloud provider\n",
    );
    let data = w.load();
    assert_eq!(data.networks.ranges.len(), 1, "{:?}", data.files);
    assert!(w.findings("impossible-travel").is_empty());
    assert!(w.findings("location-mismatch").is_empty());
}

#[test]
fn overlapping_exports_count_each_event_once() {
    let w = Folder::new();
    let head = "Timestamp,Application,ApplicationId,ActionType,AccountId,IPAddress,ReportId\n";
    let row = |d: u32, id: &str| {
        format!("2026-08-{d:02}T10:00:00Z,Workday,11161,Change My Account,a@contoso.example,73.42.118.9,{id}\n")
    };
    w.put(
        "week1.csv",
        &format!("{head}{}{}{}", row(1, "r1"), row(2, "r2"), row(3, "r3")),
    );
    w.put(
        "week2.csv",
        &format!("{head}{}{}{}", row(3, "r3"), row(4, "r4"), row(4, "r4")),
    );
    std::fs::create_dir(w.path().join("zcopy")).unwrap();
    w.put(
        "zcopy/week1.csv",
        &format!("{head}{}{}{}", row(1, "r1"), row(2, "r2"), row(3, "r3")),
    );
    // No id column: the same projected row twice is one event.
    w.put(
        "proj_a.csv",
        "AccountId,IPAddress,Timestamp,ActionType\na@contoso.example,73.42.118.9,2026-08-09T00:00:00Z,FileDownloaded\n",
    );
    w.put(
        "proj_b.csv",
        "ActionType,AccountId,Timestamp,IPAddress\nFileDownloaded,a@contoso.example,2026-08-09T00:00:00Z,73.42.118.9\nFileDownloaded,a@contoso.example,2026-08-10T00:00:00Z,73.42.118.9\n",
    );
    let data = w.load();
    assert_eq!(
        data.table(T::CloudAppEvents).unwrap().height(),
        6,
        "{:?}",
        data.files
    );
    let file = |name: &str| data.files.iter().find(|f| f.path.ends_with(name)).unwrap();
    assert_eq!(file("zcopy/week1.csv").rows, 0);
    assert!(
        file("zcopy/week1.csv").notes[0].starts_with("identical to"),
        "{:?}",
        file("zcopy/week1.csv")
    );
    assert_eq!(file("/week2.csv").duplicates, 2);
    assert_eq!(file("/week2.csv").rows, 1);
    assert_eq!(file("proj_b.csv").duplicates, 1);
    assert_eq!(data.duplicates(), 3);
}

#[test]
fn roster_conflicts_are_reported_and_move_no_events() {
    let w = Folder::new();
    w.put(
        "roster.csv",
        "person_id,name,candidate_email,upn\nP1,Ann One,shared@mail.example,ann@contoso.example\nP2,Bea Two,shared@mail.example,bea@contoso.example\n",
    );
    w.put(
        "events.csv",
        "Timestamp,Application,ActionType,AccountId,IPAddress\n\
2026-08-01T10:00:00Z,Workday,Change My Account,ann@contoso.example,73.42.118.9\n\
2026-08-01T11:00:00Z,Workday,Change My Account,bea@contoso.example,73.42.118.10\n\
2026-08-01T12:00:00Z,Workday,hrrecruiting/accounts/1,shared@mail.example,73.42.118.11\n",
    );
    let data = w.load();
    let conflicts = data.roster.conflicts();
    assert_eq!(conflicts.len(), 1);
    let text = conflicts[0].to_string();
    assert!(
        text.contains("shared@mail.example")
            && text.contains("P1")
            && text.contains("P2")
            && text.contains("line 2")
            && text.contains("line 3"),
        "{text}"
    );
    let model = hirescope::model::build(&data).unwrap();
    let person = |key: &str| model.people.iter().find(|p| p.key == key).unwrap();
    assert_eq!(person("P1").events, 1);
    assert_eq!(person("P2").events, 1);
    let out = hirescope(&["inspect", w.path().to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("warning: roster conflict: shared@mail.example"));
}

#[test]
fn loud_failures_have_exit_codes() {
    let w = Folder::new();
    w.put("events.csv", STAFF);
    let dir = w.path().to_str().unwrap();
    let missing = w.path().join("nope.csv");
    let missing = missing.to_str().unwrap();
    for args in [
        vec!["detect", missing],
        vec!["people", dir, "--intel", missing],
        vec!["people", dir, "--roster", missing],
        vec!["people", dir, "--networks", missing],
        vec!["people", dir, "--config", missing],
        vec!["inspect", missing],
    ] {
        let out = hirescope(&args);
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("nope.csv"), "{args:?}: {err}");
    }
    let out = hirescope(&["detect", dir, "--detector", "no-such"]);
    assert_eq!(out.status.code(), Some(2));
    let out = hirescope(&["detect", dir, "--frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    // sample refuses a folder that is not empty, unless forced.
    let out = hirescope(&["sample", "-o", dir, "--people", "4", "--events", "100"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    let out = hirescope(&[
        "sample", "-o", dir, "--people", "4", "--events", "100", "--force",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let script = format!(
        "'{}' detect '{}' --format jsonl | head -n 1 >/dev/null; echo \"status=${{PIPESTATUS[0]}}\"",
        env!("CARGO_BIN_EXE_hirescope"),
        samples.display()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("status=0"), "{stdout}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_folder_mixing_every_shape_keeps_the_samples_ranking() {
    let w = Folder::new();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    for e in std::fs::read_dir(&samples).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), w.path().join(e.file_name())).unwrap();
    }
    // The same export twice, a commented partner list, a Sentinel TI export, a networks file,
    // service identities and a real OfficeActivity export from another tenant.
    std::fs::copy(
        samples.join("defender_cloudappevents.csv"),
        w.path().join("defender_cloudappevents (1).csv"),
    )
    .unwrap();
    w.put(
        "partner.txt",
        "# partner, shared\n198.51.100.0/24\n0.0.0.0/0\n",
    );
    w.put(
        "ti.csv",
        "TimeGenerated,IndicatorId,ThreatType,Active,ExpirationDateTime,NetworkIP\n2026-09-01T00:00:00Z,i1,Botnet,True,2999-01-01T00:00:00Z,192.0.2.10\n",
    );
    w.put(
        "networks.csv",
        "Name,IP address ranges,Category\nContoso offices,52.160.0.0/14,Corporate\n",
    );
    w.put(
        "services.csv",
        "TimeGenerated,Operation,OfficeWorkload,RecordType,UserId,UserType,ClientIP\n\
2026-08-05T10:00:00Z,FileAccessed,SharePoint,SharePointFileOperation,app@sharepoint,System,52.232.229.242\n\
2026-08-05T10:00:00Z,FileAccessed,SharePoint,SharePointFileOperation,NT AUTHORITY\\SYSTEM,System,52.232.229.242\n",
    );
    std::fs::copy(
        external("office_activity_inbox_rule.csv"),
        w.path().join("office_activity_inbox_rule.csv"),
    )
    .unwrap();
    let out = hirescope(&["people", w.path().to_str().unwrap(), "--format", "csv"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<&str> = text.lines().skip(1).collect();
    let rank = |id: &str| {
        rows.iter()
            .position(|r| r.starts_with(&format!("{id},")))
            .unwrap_or_else(|| panic!("{id} in {text}"))
    };
    assert!(rows[0].starts_with("H900,Daniel Kim"), "{}", rows[0]);
    for fraud in ["H900", "H901", "H902", "H903"] {
        assert!(rank(fraud) < 4, "{fraud} in the top four: {text}");
        for innocent in ["H100", "H101", "H102", "C9100", "C9200"] {
            assert!(rank(innocent) > rank(fraud), "{innocent} above {fraud}");
        }
    }
    assert!(!text.contains("app@sharepoint") && !text.contains("nt authority"));
    // The export saved twice is read once.
    let data = load_paths(&[w.path().to_path_buf()]);
    let copies: Vec<usize> = data
        .files
        .iter()
        .filter(|f| f.path.contains("defender_cloudappevents"))
        .map(|f| f.rows)
        .collect();
    assert_eq!(copies.len(), 2);
    assert!(
        copies.contains(&0) && copies.iter().any(|&n| n > 1000),
        "{copies:?}"
    );
}

#[test]
fn other_spellings_purview_audit_export_and_graph_sign_ins() {
    let w = Folder::new();
    // Purview's audit search export: the event is JSON in AuditData (both header generations).
    let audit = r#"{"CreationTime":"2026-09-02T10:00:00","Id":"5c1b","Operation":"FileDownloaded","OrganizationId":"o1","RecordType":6,"UserKey":"i:0h.f|membership|1003","UserType":0,"Version":1,"Workload":"SharePoint","ClientIP":"185.220.101.44","ObjectId":"https://contoso.sharepoint.com/sites/hr/pay.xlsx","UserId":"dan.kay@contoso.example","SourceFileName":"pay.xlsx"}"#;
    let quoted = format!("\"{}\"", audit.replace('"', "\"\""));
    w.put(
        "purview_new.csv",
        &format!("RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,AssociatedAdminUnitsNames\n5c1b,2026-09-02T10:00:00.0000000Z,SharePointFileOperation,FileDownloaded,dan.kay@contoso.example,{quoted},,\n"),
    );
    let audit2 = audit
        .replace("5c1b", "7d2e")
        .replace("10:00:00", "11:00:00");
    let quoted2 = format!("\"{}\"", audit2.replace('"', "\"\""));
    w.put(
        "purview_old.csv",
        &format!("CreationDate,UserIds,Operations,AuditData\n9/2/2026 11:00:00 AM,dan.kay@contoso.example,FileDownloaded,{quoted2}\n"),
    );
    // Graph's auditLogs/signIns: camelCase, `location` and `status` objects.
    w.put(
        "graph_signins.json",
        r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns","value":[
{"id":"66ea54eb","createdDateTime":"2026-09-02T09:00:00Z","userDisplayName":"Dan Kay","userPrincipalName":"dan.kay@contoso.example","userId":"d1","appId":"a1","appDisplayName":"Office 365","ipAddress":"175.45.176.23","clientAppUsed":"Browser","correlationId":"c1","conditionalAccessStatus":"notApplied","isInteractive":true,"riskDetail":"none","riskLevelAggregated":"none","riskState":"none","riskEventTypes_v2":[],"resourceDisplayName":"Office 365 Exchange Online","status":{"errorCode":0,"failureReason":"Other.","additionalDetails":null},"deviceDetail":{"deviceId":"","displayName":"","operatingSystem":"Windows 10","browser":"Edge 1.1"},"location":{"city":"Pyongyang","state":"","countryOrRegion":"KP","geoCoordinates":{"altitude":null,"latitude":39.03,"longitude":125.75}},"appliedConditionalAccessPolicies":[]},
{"id":"77fb65fc","createdDateTime":"2026-09-02T09:05:00Z","userDisplayName":"Dan Kay","userPrincipalName":"dan.kay@contoso.example","userId":"d1","appId":"a1","appDisplayName":"Office 365","ipAddress":"68.101.77.140","clientAppUsed":"Browser","correlationId":"c2","isInteractive":true,"status":{"errorCode":50126,"failureReason":"Invalid username or password."},"deviceDetail":{},"location":{"city":"Dallas","state":"Texas","countryOrRegion":"US","geoCoordinates":{"latitude":32.78,"longitude":-96.8}}}
]}"#,
    );
    let data = w.load();
    assert_eq!(data.rejected(), 0, "{:?}", data.files);
    assert_eq!(
        data.table(T::OfficeActivity).map(|t| t.height()),
        Some(2),
        "{:?}",
        data.files
    );
    assert_eq!(
        texts(&data, T::OfficeActivity, "ip"),
        vec![Some("185.220.101.44".to_string()); 2]
    );
    assert_eq!(
        texts(&data, T::OfficeActivity, "app"),
        vec![Some("SharePoint".to_string()); 2]
    );
    assert_eq!(
        texts(&data, T::OfficeActivity, "account"),
        vec![Some("dan.kay@contoso.example".to_string()); 2]
    );
    assert_eq!(data.table(T::SigninLogs).map(|t| t.height()), Some(2));
    assert_eq!(
        texts(&data, T::SigninLogs, "country"),
        vec![Some("KP".to_string()), Some("US".to_string())]
    );
    assert_eq!(
        super::support::floats(&data, T::SigninLogs, "lat"),
        vec![Some(39.03), Some(32.78)]
    );
    assert_eq!(
        super::support::bools(&data, T::SigninLogs, "success"),
        vec![Some(true), Some(false)]
    );
}

/// The sign-in log as the Entra admin center downloads it (`Date (UTC)`, `Username`, `IP
/// address`, `Location` as `City, State, CC`, `Status` as `Success`/`Failure`, a blank `Sign-in
/// error code` on success, a column name given twice): every row read, linked to the roster's
/// new hire, placed, and its outcome kept; the hop from Seattle to Pyongyang is impossible.
#[test]
fn entra_admin_center_sign_in_download() {
    let f = Folder::new();
    f.put("hr_roster.csv", ROSTER);
    f.put("staff.csv", STAFF);
    let csv = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/entra_admin_center_signins.csv"),
    )
    .unwrap()
    .replace("ben.ortiz@fabrikam.example", "Dan.Kay@contoso.example");
    f.put("InteractiveSignIns_2026-09-01_2026-09-30.csv", &csv);
    let data = f.load();
    assert_eq!(data.rejected(), 0, "{:?}", data.files);
    let kind = T::EntraIdSignInEvents;
    assert_eq!(rows(&data, kind), 3);
    assert_eq!(
        texts(&data, kind, "city"),
        [Some("Seattle".into()), Some("Pyongyang".into()), None]
    );
    assert_eq!(
        bools(&data, kind, "success"),
        [Some(true), Some(true), Some(false)]
    );
    let travel = f.findings("impossible-travel");
    assert_eq!(travel.len(), 1, "{travel:?}");
    assert_eq!(travel[0].person, "H1");
    assert!(
        travel[0].reason.contains("Pyongyang KP"),
        "{}",
        travel[0].reason
    );
}
