//! Ingest: every format and quirk in DATA.md, on real exports and on small hand-written ones.

use super::support::*;
use hirescope::ingest::{Role, TableKind as T};

#[test]
fn real_signinlogs_export_reads_as_it_is() {
    let data = load_paths(&[external("signinlogs_loganalytics_export.csv")]);
    assert_eq!(rows(&data, T::SigninLogs), 56);
    assert_eq!(data.rejected(), 0);
    let accounts = texts(&data, T::SigninLogs, "account");
    assert!(accounts
        .iter()
        .all(|a| a.as_deref() == Some("adelev@m365x816222.onmicrosoft.com")));
    // LocationDetails places the sign-ins in Israel with coordinates; the IP's registry says KP.
    assert!(texts(&data, T::SigninLogs, "country")
        .iter()
        .all(|c| c.as_deref() == Some("IL")));
    assert!(texts(&data, T::SigninLogs, "loc_precision")
        .iter()
        .all(|c| c.as_deref() == Some("coordinates")));
    let ips = texts(&data, T::SigninLogs, "ip");
    let registry = texts(&data, T::SigninLogs, "registry_country");
    let kp = ips
        .iter()
        .zip(&registry)
        .filter(|(ip, _)| ip.as_deref() == Some("175.45.176.99"));
    assert!(kp.clone().count() > 40, "almost all from one IP");
    assert!(kp.into_iter().all(|(_, r)| r.as_deref() == Some("KP")));
    let lat = floats(&data, T::SigninLogs, "lat");
    assert!(lat
        .iter()
        .all(|l| l.is_some_and(|l| (l - 32.03).abs() < 0.5)));
    // Localised US timestamps in `CreatedDateTime [UTC]`: 4/28/2021, 2:08:45.221 PM is 14:08:45.221Z.
    let ms = millis(&data, T::SigninLogs);
    assert!(ms.contains(&Some(1_619_618_925_221)), "{:?}", &ms[..3]);
    // Multi-line JSON cells survive: the raw column keeps the whole text.
    let auth = texts(&data, T::SigninLogs, "AuthenticationDetails");
    assert!(auth[0].as_deref().unwrap().contains("Previously satisfied"));
    // The ` [UTC]` suffix and the _dynamic/_string twins are folded into one column.
    let df = data.table(T::SigninLogs).unwrap();
    assert!(df.column("CreatedDateTime").is_ok());
    assert!(df.column("LocationDetails").is_ok());
    assert!(df.column("LocationDetails_string").is_err());
}

#[test]
fn real_union_export_has_exactly_two_cloud_app_events() {
    let data = load_paths(&[external("defender_union_export.jsonl")]);
    assert_eq!(rows(&data, T::CloudAppEvents), 2);
    assert_eq!(
        data.rows(),
        9,
        "the other 7 rows are kept in their own tables"
    );
    assert_eq!(data.rejected(), 0);
    let apps = texts(&data, T::CloudAppEvents, "ApplicationId");
    let mut apps: Vec<_> = apps.into_iter().flatten().collect();
    apps.sort();
    assert_eq!(apps, vec!["11161", "20893"]);
    // ReportId_long / ReportId_string twins: one ReportId column, filled.
    assert!(texts(&data, T::CloudAppEvents, "ReportId")
        .iter()
        .all(Option::is_some));
    // ISP spelled in capitals still feeds the canonical isp.
    assert!(texts(&data, T::CloudAppEvents, "isp")
        .iter()
        .any(|i| i.as_deref() == Some("Microsoft 365 Common and Office Online server")));
    // Seven-digit fractions elsewhere in the file parse; this table's rows have none but must be UTC.
    assert!(millis(&data, T::CloudAppEvents).iter().all(Option::is_some));
}

const CAE_HEADER: &str = "Timestamp,Application,ApplicationId,ActionType,AccountObjectId,AccountId,AccountDisplayName,IsExternalUser,IPAddress,IsAnonymousProxy,CountryCode,City,Isp,IPCategory,IPTags,UserAgent,RawEventData";

fn cae_csv(rows: &[&str], eol: &str) -> Vec<u8> {
    let mut s = String::from(CAE_HEADER);
    for r in rows {
        s.push_str(eol);
        s.push_str(r);
    }
    s.push_str(eol);
    s.into_bytes()
}

const ROW1: &str = r#"2023-10-18T14:37:28.2012261Z,Workday,12345,hrrecruiting/accounts/abc,,Applicant@Mail.com,Ann,1,203.0.113.7,True,US,Chicago,Contoso ISP,Risky,"[""Anonymous proxy""]",Mozilla/5.0,"{""taskDisplayName"":""x""}""#;
const ROW2: &str = r#"2023-10-18T15:00:00Z,Workday,12345,Change My Account,oid-1,bob@corp.example,Bob,0,198.51.100.4,false,GB,London,Other ISP,Corporate,,curl/8,"{""a"":
1}""#;

#[test]
fn csv_with_bom_crlf_json_cells_and_multiline_quotes() {
    let mut bytes = vec![0xef, 0xbb, 0xbf];
    bytes.extend(cae_csv(&[ROW1, ROW2], "\r\n"));
    let (_d, data) = load_bytes("export.csv", &bytes);
    assert_eq!(rows(&data, T::CloudAppEvents), 2, "{:?}", data.files);
    assert_eq!(
        texts(&data, T::CloudAppEvents, "account"),
        vec![
            Some("applicant@mail.com".into()),
            Some("bob@corp.example".into())
        ]
    );
    assert_eq!(
        bools(&data, T::CloudAppEvents, "is_external"),
        vec![Some(true), Some(false)]
    );
    assert_eq!(
        bools(&data, T::CloudAppEvents, "anon_proxy"),
        vec![Some(true), Some(false)]
    );
    assert_eq!(
        texts(&data, T::CloudAppEvents, "RawEventData")[1].as_deref(),
        Some("{\"a\":\n1}")
    );
    assert_eq!(
        texts(&data, T::CloudAppEvents, "loc_precision")[0].as_deref(),
        Some("city")
    );
    assert_eq!(data.files[0].tables.get("CloudAppEvents"), Some(&2));
}

fn cae_json_rows() -> Vec<serde_json::Value> {
    vec![
        serde_json::json!({"Timestamp":"2023-10-18T14:37:28.2012261Z","Application":"Zoom","ApplicationId":1,"ActionType":"MeetingParticipantDetail","AccountId":"x@y.io","IsExternalUser":true,"IPAddress":"203.0.113.9","ISP":"Tor exit","IPTags":["Tor"]}),
        serde_json::json!({"Timestamp":1697640000,"Application":"DocuSign","ApplicationId":2,"ActionType":"ENVELOPE SIGNED","AccountId":"x@y.io","IsExternalUser":1,"IPAddress":"203.0.113.9","Isp":"Other"}),
    ]
}

#[test]
fn json_lines_and_json_array() {
    let rows_ = cae_json_rows();
    let jsonl: String = rows_.iter().map(|r| format!("{r}\n")).collect();
    let (_d, data) = load_bytes("a.jsonl", jsonl.as_bytes());
    assert_eq!(rows(&data, T::CloudAppEvents), 2);
    assert_eq!(data.files[0].format, "jsonl");
    assert_eq!(
        texts(&data, T::CloudAppEvents, "isp"),
        vec![Some("Tor exit".into()), Some("Other".into())]
    );
    assert_eq!(
        bools(&data, T::CloudAppEvents, "anon_proxy")[0],
        Some(true),
        "IPTags Tor marks anonymising"
    );
    assert_eq!(
        millis(&data, T::CloudAppEvents)[1],
        Some(1_697_640_000_000),
        "epoch seconds"
    );
    let array = serde_json::to_vec(&rows_).unwrap();
    let (_d, data) = load_bytes("a.json", &array);
    assert_eq!(rows(&data, T::CloudAppEvents), 2);
}

#[test]
fn advanced_hunting_api_responses_both_shapes() {
    let schema = serde_json::json!([{"Name":"Timestamp","Type":"DateTime"},{"Name":"ApplicationId","Type":"Int32"},{"Name":"ActionType","Type":"String"},{"Name":"AccountId","Type":"String"}]);
    let api = serde_json::json!({"Schema": schema, "Results": [{"Timestamp":"2024-01-01T00:00:00Z","ApplicationId":11161,"ActionType":"FileDownloaded","AccountId":"a@b.io"}]});
    let (_d, data) = load_bytes("api.json", api.to_string().as_bytes());
    assert_eq!(rows(&data, T::CloudAppEvents), 1);
    let graph = serde_json::json!({"schema": [{"name":"Timestamp"},{"name":"ApplicationId"},{"name":"ActionType"},{"name":"AccountId"}], "results": [{"Timestamp":"2024-01-01T00:00:00Z","ApplicationId":11161,"ActionType":"FileDownloaded","AccountId":"a@b.io"}, ["2024-01-02T00:00:00Z", 11161, "FileAccessed", "c@d.io"]]});
    let (_d, data) = load_bytes("graph.json", graph.to_string().as_bytes());
    assert_eq!(rows(&data, T::CloudAppEvents), 2);
    assert_eq!(
        texts(&data, T::CloudAppEvents, "account")[1].as_deref(),
        Some("c@d.io")
    );
}

#[test]
fn streaming_export_wrapper_document_and_lines() {
    let rec = |action: &str| serde_json::json!({"time":"2024-02-01T10:00:00Z","tenantId":"t","operationName":"Publish","category":"AdvancedHunting-CloudAppEvents","properties":{"Application":"Workday","ApplicationId":1,"ActionType":action,"AccountId":"a@b.io"}});
    let doc =
        serde_json::json!({"records":[rec("Change My Account"), rec("Add Payment Election")]});
    let (_d, data) = load_bytes("stream.json", doc.to_string().as_bytes());
    assert_eq!(rows(&data, T::CloudAppEvents), 2, "{:?}", data.files);
    assert_eq!(
        millis(&data, T::CloudAppEvents)[0],
        hirescope::time::parse_timestamp("2024-02-01T10:00:00Z")
    );
    let lines = format!("{}\n{}\n", rec("A"), rec("B"));
    let (_d, data) = load_bytes("stream.jsonl", lines.as_bytes());
    assert_eq!(rows(&data, T::CloudAppEvents), 2);
}

#[test]
fn parquet_and_gzip_and_directories() {
    use polars::prelude::*;
    let mut df = df!(
        "Timestamp" => ["2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z"],
        "ApplicationId" => [1i64, 2],
        "ActionType" => ["FileDownloaded", "FileAccessed"],
        "AccountId" => ["a@b.io", "c@d.io"],
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("events.parquet");
    ParquetWriter::new(std::fs::File::create(&pq).unwrap())
        .finish(&mut df)
        .unwrap();
    std::fs::write(dir.path().join("cae.csv.gz"), gzip(&cae_csv(&[ROW1], "\n"))).unwrap();
    std::fs::create_dir(dir.path().join("nested")).unwrap();
    let lines: String = cae_json_rows().iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(
        dir.path().join("nested/zoom.jsonl.gz"),
        gzip(lines.as_bytes()),
    )
    .unwrap();
    let data = load_paths(&[dir.path().to_path_buf()]);
    assert_eq!(rows(&data, T::CloudAppEvents), 5, "{:?}", data.files);
    assert_eq!(data.files.len(), 3);
    assert!(data
        .files
        .iter()
        .filter(|f| f.path.ends_with(".gz"))
        .all(|f| f.gzip));
    assert!(data
        .files
        .iter()
        .any(|f| f.format == "parquet" && f.rows == 2));
}

#[test]
fn every_table_is_recognised_by_its_columns_not_its_name() {
    let cases: &[(&str, T)] = &[
        ("Timestamp,NetworkMessageId,SenderFromAddress,RecipientEmailAddress,Subject,SenderIPv4\n2024-01-01T00:00:00Z,m1,a@x.io,b@y.io,Interview,1.2.3.4\n", T::EmailEvents),
        ("Timestamp,Application,ApplicationId,LogonType,ErrorCode,AccountUpn,IsExternalUser,IPAddress,Country,Latitude,Longitude,EntraIdDeviceId\n2024-01-01T00:00:00Z,Office,0000,Interactive,0,a@x.io,-1,1.2.3.4,DE,52.5,13.4,dev1\n", T::EntraIdSignInEvents),
        ("Timestamp,Application,ApplicationId,LogonType,ErrorCode,AccountUpn,AadDeviceId\n2024-01-01T00:00:00Z,Office,0000,Interactive,0,a@x.io,dev1\n", T::AADSignInEventsBeta),
        ("Timestamp,ActionType,Application,LogonType,AccountUpn,IPAddress,Location,Isp\n2024-01-01T00:00:00Z,LogonSuccess,Office,Cloud,a@x.io,1.2.3.4,\"Seattle, US\",X\n", T::IdentityLogonEvents),
        ("TimeGenerated [UTC],Operation,OfficeWorkload,UserId,ClientIP,SourceFileName\n2024-01-01T00:00:00Z,FileDownloaded,SharePoint,a@x.io,1.2.3.4:5555,plan.docx\n", T::OfficeActivity),
        ("Timestamp,AlertId,Title,Severity,AttackTechniques\n2024-01-01T00:00:00Z,al1,Impossible travel,Medium,[]\n", T::AlertInfo),
        ("Timestamp,AlertId,EntityType,EvidenceRole,AccountUpn,RemoteIP\n2024-01-01T00:00:00Z,al1,User,Impacted,a@x.io,1.2.3.4\n", T::AlertEvidence),
        ("Timestamp,BehaviorId,ActionType,Description,AccountUpn\n2024-01-01T00:00:00Z,b1,ImpossibleTravelActivity,x,a@x.io\n", T::BehaviorInfo),
    ];
    for (csv, kind) in cases {
        let (_d, data) = load_bytes("whatever.txt", csv.as_bytes());
        assert_eq!(rows(&data, *kind), 1, "{kind}: {:?}", data.files);
    }
    let (_d, data) = load_bytes("o.csv", cases[4].0.as_bytes());
    assert_eq!(
        texts(&data, T::OfficeActivity, "ip")[0].as_deref(),
        Some("1.2.3.4"),
        "port stripped"
    );
    let (_d, data) = load_bytes("l.csv", cases[3].0.as_bytes());
    assert_eq!(
        texts(&data, T::IdentityLogonEvents, "country")[0].as_deref(),
        Some("US")
    );
    assert_eq!(
        texts(&data, T::IdentityLogonEvents, "loc_precision")[0].as_deref(),
        Some("city")
    );
    let (_d, data) = load_bytes("e.csv", cases[1].0.as_bytes());
    assert_eq!(
        bools(&data, T::EntraIdSignInEvents, "is_external")[0],
        None,
        "-1 is not set"
    );
    assert_eq!(
        texts(&data, T::EntraIdSignInEvents, "loc_precision")[0].as_deref(),
        Some("coordinates")
    );
    assert_eq!(
        texts(&data, T::EntraIdSignInEvents, "device_id")[0].as_deref(),
        Some("dev1")
    );
}

#[test]
fn graph_signins_camel_case() {
    let doc = serde_json::json!({"value":[{"createdDateTime":"2024-03-01T08:00:00Z","userPrincipalName":"Ann@Corp.example","ipAddress":"8.8.8.8","appDisplayName":"Teams","location":{"city":"Paris","countryOrRegion":"FR"},"status":{"errorCode":0}}]});
    let (_d, data) = load_bytes("signins.json", doc.to_string().as_bytes());
    assert_eq!(rows(&data, T::SigninLogs), 1, "{:?}", data.files);
    assert_eq!(
        texts(&data, T::SigninLogs, "account")[0].as_deref(),
        Some("ann@corp.example")
    );
    assert_eq!(
        texts(&data, T::SigninLogs, "ip")[0].as_deref(),
        Some("8.8.8.8")
    );
}

#[test]
fn roster_and_intel_recognised_by_content_in_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.csv"), "Person ID,Name,Stage,Candidate Email,UPN,Hire Date,Work Country\nP1,Ann,hired,ann@mail.com;ann.b@mail.com,ann@corp.example,2024-01-08,US\n,Nobody,candidate,x@y.io,,,\n").unwrap();
    std::fs::write(dir.path().join("b.txt"), "# actor infrastructure\n198.51.100.0/24\n203.0.113.7\nrecruiter@bad.example\nbad-domain.net\n").unwrap();
    std::fs::write(
        dir.path().join("c.csv"),
        "IndicatorValue,actor,confidence\n2001:db8::/32,Jasper Sleet,80\nnot an indicator,x,1\n",
    )
    .unwrap();
    let stix = serde_json::json!({"type":"bundle","id":"bundle--1","objects":[
        {"type":"indicator","spec_version":"2.1","id":"indicator--1","name":"Jasper Sleet VPS","pattern":"[ipv4-addr:value = '192.0.2.10']","pattern_type":"stix"},
        {"type":"indicator","spec_version":"2.1","id":"indicator--2","pattern":"[email-addr:value = 'hr@persona.example']","pattern_type":"stix"},
        {"type":"threat-actor","id":"threat-actor--1","name":"Jasper Sleet"}]});
    std::fs::write(dir.path().join("d.json"), stix.to_string()).unwrap();
    let data = load_paths(&[dir.path().to_path_buf()]);
    assert_eq!(data.roster.people.len(), 1);
    assert_eq!(data.roster.people[0].candidate_emails.len(), 2);
    let roles: Vec<Role> = data.files.iter().map(|f| f.role).collect();
    assert_eq!(
        roles,
        vec![Role::Roster, Role::Intel, Role::Intel, Role::Intel]
    );
    assert_eq!(
        data.files[0].rejected_count, 1,
        "roster row without person_id is rejected, not dropped"
    );
    assert_eq!(data.files[2].rejected_count, 1);
    assert_eq!(data.intel.indicators.len(), 4 + 1 + 2);
    let m = data.intel.match_ip(&"192.0.2.10".parse().unwrap()).unwrap();
    assert!(m.source.ends_with("d.json"));
    assert_eq!(m.actor.as_deref(), Some("Jasper Sleet VPS"));
    assert!(data
        .intel
        .match_ip(&"2001:db8::5".parse().unwrap())
        .is_some());
}

#[test]
fn large_files_read_in_chunks_keep_every_row_and_true_line_numbers() {
    // Over the 8 MiB threshold, with multi-line quoted cells that a naive newline split would cut.
    let mut csv = String::from("Timestamp,ApplicationId,ActionType,AccountId,RawEventData\n");
    let mut line = 2u64;
    let mut bad_line = 0;
    let n = 60_000;
    for i in 0..n {
        if i == n * 3 / 4 {
            bad_line = line;
            csv.push_str("not a time,1,X,a@b.io,\"{}\"\n");
            line += 1;
            continue;
        }
        csv.push_str(&format!("2024-01-01T00:00:{:02}Z,1,FileDownloaded,user{i}@b.io,\"{{\"\"k\"\":\n\"\"{}\"\"}}\"\n", i % 60, "x".repeat(120)));
        line += 2;
    }
    assert!(csv.len() > 9 << 20);
    let (_d, data) = load_bytes("big.csv", csv.as_bytes());
    assert_eq!(rows(&data, T::CloudAppEvents), n - 1);
    let f = &data.files[0];
    assert_eq!(f.rejected_count, 1);
    assert_eq!(
        f.rejected[0].line, bad_line,
        "line numbers continue across chunks"
    );
    let accounts = texts(&data, T::CloudAppEvents, "account");
    assert_eq!(accounts[0].as_deref(), Some("user0@b.io"));
    assert_eq!(
        accounts[n - 2].as_deref(),
        Some(format!("user{}@b.io", n - 1).as_str()),
        "chunks are stacked in file order"
    );
    let rows_col: Vec<i64> = data
        .table(T::CloudAppEvents)
        .unwrap()
        .column("row")
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(
        rows_col,
        (0..(n as i64 - 1)).collect::<Vec<_>>(),
        "rows are numbered afresh"
    );

    let mut jsonl = String::new();
    for i in 0..n {
        if i == n / 2 + 7 {
            jsonl.push_str("{broken\n");
            continue;
        }
        jsonl.push_str(&format!("{{\"Timestamp\":\"2024-01-01T00:00:00Z\",\"ApplicationId\":1,\"ActionType\":\"X\",\"AccountId\":\"u{i}@b.io\",\"Pad\":\"{}\"}}\n", "y".repeat(100)));
    }
    let (_d, data) = load_bytes("big.jsonl", jsonl.as_bytes());
    assert_eq!(rows(&data, T::CloudAppEvents), n - 1);
    assert_eq!(data.files[0].rejected[0].line, (n / 2 + 8) as u64);
}

#[test]
fn json_lines_escapes_nested_values_and_odd_keys_read_the_same_on_every_path() {
    let lines = [
        r#"{"Timestamp":"2024-01-01T00:00:00Z","ApplicationId":1,"ActionType":"Say \"hi\"\n","AccountId":"A@B.io","RawEventData":{"k":[1,2]},"IsExternalUser":true,"Empty":"","Nothing":null}"#,
        // An escaped key sends the row down the general path; it must land in the same columns.
        r#"{"Timest\u0061mp":"2024-01-01T00:00:01Z","ApplicationId":2,"ActionType":"X","AccountId":"c@d.io","RawEventData":{"k":[3]}}"#,
        // The same keys in another order, then a key given twice (the last one counts, as in
        // a parsed object).
        r#"{"AccountId":"e@f.io","ActionType":"Y","ApplicationId":3,"Timestamp":"2024-01-01T00:00:02Z"}"#,
        r#"{"Timestamp":"2024-01-01T00:00:03Z","ActionType":"first","ApplicationId":4,"ActionType":"last","AccountId":"g@h.io"}"#,
    ];
    let (_d, data) = load_bytes("e.jsonl", (lines.join("\n") + "\n").as_bytes());
    assert_eq!(rows(&data, T::CloudAppEvents), 4, "{:?}", data.files);
    assert_eq!(
        texts(&data, T::CloudAppEvents, "action")[2..],
        [Some("Y".to_string()), Some("last".to_string())]
    );
    assert_eq!(
        texts(&data, T::CloudAppEvents, "action")[0].as_deref(),
        Some("Say \"hi\"\n")
    );
    assert_eq!(
        texts(&data, T::CloudAppEvents, "account"),
        vec![
            Some("a@b.io".into()),
            Some("c@d.io".into()),
            Some("e@f.io".into()),
            Some("g@h.io".into())
        ]
    );
    assert_eq!(
        texts(&data, T::CloudAppEvents, "detail")[0].as_deref(),
        Some(r#"{"k":[1,2]}"#)
    );
    assert_eq!(
        bools(&data, T::CloudAppEvents, "is_external")[0],
        Some(true)
    );
    assert_eq!(
        texts(&data, T::CloudAppEvents, "Empty")[0],
        None,
        "empty text is missing, as in CSV"
    );
    assert_eq!(
        millis(&data, T::CloudAppEvents)[1],
        hirescope::time::parse_timestamp("2024-01-01T00:00:01Z")
    );
}

/// A roster saved as CSV in a locale that separates cells with `;` is not read as something
/// else: the load report says what the separator is and what to change, at its line.
#[test]
fn a_semicolon_separated_roster_says_what_to_change() {
    let (_d, data) = load_bytes(
        "roster.csv",
        "# HR export\nPerson ID;Name;Stage;UPN\r\nE1;Zoë Müller;hired;zoe@fabrikam.example\r\n"
            .as_bytes(),
    );
    assert!(data.roster.people.is_empty());
    let f = &data.files[0];
    assert_eq!((f.rows, f.rejected_count), (0, 1));
    assert_eq!(f.rejected[0].line, 2);
    assert!(
        f.rejected[0].reason.contains("separated by ';'"),
        "{:?}",
        f.rejected
    );
}
