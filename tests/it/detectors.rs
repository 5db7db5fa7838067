//! Each detector on small hand-built exports: what it must find, and the look-alikes it must not.

use hirescope::detect::{self, Config, Finding, Severity};
use hirescope::ingest::{self, Inputs};
use std::fmt::Write;

const CAE: &str = "Timestamp,Application,ApplicationId,ActionType,AccountObjectId,AccountId,AccountDisplayName,IsExternalUser,IPAddress,IsAnonymousProxy,CountryCode,City,ISP,IPCategory,IPTags,ObjectName,RawEventData";
const SIGNIN: &str = "Timestamp,Application,ApplicationId,LogonType,ErrorCode,AccountUpn,AccountObjectId,IPAddress,Country,City,Latitude,Longitude,EntraIdDeviceId";
const ROSTER: &str = "person_id,name,stage,candidate_email,upn,hire_date,work_country";

/// One CloudAppEvents row with sensible defaults.
#[derive(Clone)]
struct Ev {
    ts: String,
    app: &'static str,
    action: String,
    account: String,
    external: bool,
    ip: String,
    anon: bool,
    cc: &'static str,
    city: &'static str,
    category: &'static str,
    tags: &'static str,
    object: String,
    raw: String,
}

fn ev(ts: &str, app: &'static str, action: &str, account: &str) -> Ev {
    Ev {
        ts: ts.into(),
        app,
        action: action.into(),
        account: account.into(),
        external: false,
        ip: "198.51.100.77".into(),
        anon: false,
        cc: "US",
        city: "Chicago",
        category: "",
        tags: "",
        object: String::new(),
        raw: String::new(),
    }
}

impl Ev {
    fn ext(mut self) -> Ev {
        self.external = true;
        self
    }
    fn ip(mut self, ip: &str) -> Ev {
        self.ip = ip.into();
        self
    }
    fn at(mut self, cc: &'static str, city: &'static str) -> Ev {
        self.cc = cc;
        self.city = city;
        self
    }
    fn anon(mut self) -> Ev {
        self.anon = true;
        self
    }
    fn category(mut self, c: &'static str) -> Ev {
        self.category = c;
        self
    }
    fn tags(mut self, t: &'static str) -> Ev {
        self.tags = t;
        self
    }
    fn object(mut self, o: &str) -> Ev {
        self.object = o.into();
        self
    }
    fn line(&self) -> String {
        let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        format!(
            "{},{},1,{},,{},Someone,{},{},{},{},{},ISP,{},{},{},{}",
            self.ts,
            self.app,
            q(&self.action),
            self.account,
            u8::from(self.external),
            self.ip,
            u8::from(self.anon),
            self.cc,
            self.city,
            self.category,
            q(self.tags),
            q(&self.object),
            q(&self.raw)
        )
    }
}

#[derive(Default)]
struct World {
    cae: Vec<Ev>,
    signins: Vec<String>,
    roster: Vec<String>,
    mail: Vec<String>,
    intel: Vec<&'static str>,
    extra: Vec<(String, String)>,
}

impl World {
    fn signin(
        &mut self,
        ts: &str,
        upn: &str,
        ip: &str,
        cc: &str,
        (lat, lon): (f64, f64),
        device: &str,
    ) {
        self.signins.push(format!(
            "{ts},Office,0,Interactive,0,{upn},,{ip},{cc},,{lat},{lon},{device}"
        ));
    }
    fn run(&self, config: &Config, ids: &[&str]) -> Vec<Finding> {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, header: &str, rows: &[String]| {
            if !rows.is_empty() {
                let mut s = format!("{header}\n");
                for r in rows {
                    writeln!(s, "{r}").unwrap();
                }
                std::fs::write(dir.path().join(name), s).unwrap();
            }
        };
        write(
            "cae.csv",
            CAE,
            &self.cae.iter().map(Ev::line).collect::<Vec<_>>(),
        );
        write("signins.csv", SIGNIN, &self.signins);
        write("roster.csv", ROSTER, &self.roster);
        write(
            "mail.csv",
            "Timestamp,NetworkMessageId,SenderFromAddress,RecipientEmailAddress,Subject,SenderIPv4",
            &self.mail,
        );
        for (name, text) in &self.extra {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        if !self.intel.is_empty() {
            std::fs::write(dir.path().join("intel.txt"), self.intel.join("\n")).unwrap();
        }
        let data = ingest::load(&Inputs {
            paths: vec![dir.path().to_path_buf()],
            ..Default::default()
        });
        assert_eq!(data.rejected(), 0, "{:?}", data.files);
        let model = hirescope::model::build(&data).unwrap();
        let only: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        let (findings, errors) = detect::run(&model, &data, config, &only);
        assert!(errors.is_empty(), "{errors:?}");
        findings
    }
    fn find(&self, id: &str) -> Vec<Finding> {
        self.run(&Config::default(), &[id])
            .into_iter()
            .filter(|f| f.detector == id)
            .collect()
    }
}

fn day(d: u32, h: u32, m: u32) -> String {
    format!("2026-09-{d:02}T{h:02}:{m:02}:00Z")
}

fn apply(w: &mut World, account: &str, ip: &str, d: u32, h: u32, steps: &[&str]) {
    for (k, s) in steps.iter().enumerate() {
        w.cae.push(
            ev(
                &day(d, h, k as u32 * 2),
                "Workday",
                &format!("hrrecruiting/{s}/{}", 100 + k),
                account,
            )
            .ext()
            .ip(ip)
            .object("R-1"),
        );
    }
}

const SCRIPT: &[&str] = &[
    "accounts",
    "accounts",
    "resumes",
    "resumes",
    "validateJobApplication",
    "jobApplicationPackages",
];
const HONEST: &[&str] = &[
    "accounts",
    "resumes",
    "jobApplicationPackages",
    "validateJobApplication",
    "jobApplicationPackages",
];

#[test]
fn recruiting_api_intel_matches_actor_ip_not_others() {
    let mut w = World {
        intel: vec!["203.0.113.0/24"],
        ..Default::default()
    };
    apply(&mut w, "fake@mail.example", "203.0.113.5", 1, 2, HONEST);
    apply(&mut w, "honest@mail.example", "198.51.100.9", 1, 3, HONEST);
    let f = w.find("recruiting-api-intel");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].person, "fake@mail.example");
    assert_eq!(f[0].severity, Severity::High);
    assert!(f[0].reason.contains("203.0.113.0/24"), "{}", f[0].reason);
    assert_eq!(f[0].evidence.len(), 5);
}

#[test]
fn a_cluster_of_three_that_repeats_a_script() {
    let mut w = World::default();
    for (k, a) in ["a1@x.example", "a2@y.example", "a3@z.example"]
        .iter()
        .enumerate()
    {
        apply(
            &mut w,
            a,
            &format!("192.0.2.{}", 10 + k),
            2,
            1 + k as u32,
            SCRIPT,
        );
        apply(
            &mut w,
            a,
            &format!("192.0.2.{}", 10 + k),
            9,
            1 + k as u32,
            if k == 1 { &SCRIPT[..5] } else { SCRIPT },
        );
    }
    // Honest applicants use the same endpoints, once, in their own order.
    for k in 0..5 {
        apply(
            &mut w,
            &format!("h{k}@mail.example"),
            &format!("198.51.100.{k}"),
            3 + k,
            10,
            HONEST,
        );
    }
    let f = w.find("recruiting-pattern-cluster");
    assert_eq!(f.len(), 3, "{f:#?}");
    assert!(f.iter().all(|f| f.members.len() == 3));
    assert_eq!(
        f[0].severity,
        Severity::High,
        "members share 192.0.2.0/24: {}",
        f[0].reason
    );
    // Two replaying accounts are not enough; nor three that replay on one day only.
    let mut w2 = World::default();
    for a in ["a1@x.example", "a2@y.example"] {
        apply(&mut w2, a, "192.0.2.1", 2, 1, SCRIPT);
        apply(&mut w2, a, "192.0.2.1", 9, 1, SCRIPT);
    }
    for (k, a) in ["b1@x.example", "b2@y.example", "b3@z.example"]
        .iter()
        .enumerate()
    {
        apply(&mut w2, a, "192.0.2.1", 4, 1 + k as u32, SCRIPT);
    }
    assert!(w2.find("recruiting-pattern-cluster").is_empty());
}

#[test]
fn a_cluster_without_shared_infrastructure_is_medium() {
    let mut w = World::default();
    for (k, (a, ip)) in [
        ("a1@x.example", "192.0.2.10"),
        ("a2@y.example", "198.51.100.20"),
        ("a3@z.example", "203.0.113.30"),
    ]
    .iter()
    .enumerate()
    {
        apply(&mut w, a, ip, 2, 1 + k as u32, SCRIPT);
        apply(&mut w, a, ip, 9, 1 + k as u32, SCRIPT);
    }
    let f = w.find("recruiting-pattern-cluster");
    assert_eq!(f.len(), 3);
    assert_eq!(f[0].severity, Severity::Medium, "{}", f[0].reason);
}

#[test]
fn students_behind_one_nat_are_not_a_cluster() {
    let mut w = World::default();
    let orders: [&[&str]; 3] = [
        HONEST,
        &["accounts", "jobApplicationPackages", "resumes"],
        &[
            "accounts",
            "resumes",
            "resumes",
            "validateJobApplication",
            "jobApplicationPackages",
            "jobApplicationPackages",
            "jobApplicationPackages",
        ],
    ];
    for (k, steps) in orders.iter().enumerate() {
        apply(
            &mut w,
            &format!("s{k}@u.example"),
            "129.105.18.2",
            2 + k as u32,
            14,
            steps,
        );
        apply(
            &mut w,
            &format!("s{k}@u.example"),
            "129.105.18.2",
            12 + k as u32,
            14,
            steps,
        );
    }
    assert!(w.find("recruiting-pattern-cluster").is_empty());
}

#[test]
fn recruiting_volume_stands_out_only_far_above_the_population() {
    let mut w = World::default();
    for k in 0..12 {
        apply(
            &mut w,
            &format!("h{k}@mail.example"),
            "198.51.100.1",
            1 + k,
            10,
            if k % 2 == 0 { HONEST } else { &HONEST[..4] },
        );
    }
    let mut scraper = World {
        cae: w.cae.clone(),
        ..Default::default()
    };
    for r in 0..60 {
        scraper.cae.push(
            ev(
                &day(20, 3, r % 60),
                "Workday",
                &format!("hrrecruiting/jobApplicationPackages/{r}"),
                "scraper@mail.example",
            )
            .ext()
            .object(&format!("R-{r}")),
        );
    }
    assert!(w.find("recruiting-api-volume").is_empty());
    let f = scraper.find("recruiting-api-volume");
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].person.as_str(), f[0].severity),
        ("scraper@mail.example", Severity::Low)
    );
    assert!(f[0].figures["z_calls"].as_f64().unwrap() >= 6.0);
}

#[test]
fn interview_mail_by_kql_terms() {
    let mut w = World {
        intel: vec!["persona.example"],
        ..Default::default()
    };
    w.mail.push(format!(
        "{},m1,talent@corp.example,dev@persona.example,Interview invitation,52.1.1.1",
        day(3, 10, 0)
    ));
    w.mail.push(format!(
        "{},m2,talent@corp.example,dev@persona.example,Interviews are closed,52.1.1.1",
        day(3, 11, 0)
    ));
    w.mail.push(format!(
        "{},m3,talent@corp.example,dev@persona.example,Newsletter,52.1.1.1",
        day(3, 12, 0)
    ));
    w.mail.push(format!(
        "{},m4,talent@corp.example,someone@mail.example,Interview invitation,52.1.1.1",
        day(3, 13, 0)
    ));
    let f = w.find("interview-email-risky");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::High);
    assert_eq!(
        f[0].evidence.len(),
        1,
        "only the mail whose subject has the term interview: {}",
        f[0].reason
    );
}

#[test]
fn external_meetings_from_tor_and_intel() {
    let mut w = World {
        intel: vec!["203.0.113.9"],
        ..Default::default()
    };
    w.cae.push(
        ev(
            &day(4, 16, 0),
            "Zoom",
            "MeetingParticipantDetail",
            "x@mail.example",
        )
        .ext()
        .ip("185.220.101.44")
        .tags("[\"Tor\"]"),
    );
    w.cae.push(
        ev(
            &day(5, 16, 0),
            "Cisco Webex",
            "MeetingParticipantDetail",
            "y@mail.example",
        )
        .ext()
        .ip("203.0.113.9"),
    );
    w.cae.push(
        ev(
            &day(5, 17, 0),
            "Microsoft Teams",
            "MeetingParticipantDetail",
            "z@mail.example",
        )
        .ext()
        .ip("73.42.118.9"),
    );
    w.cae.push(
        ev(
            &day(5, 18, 0),
            "Microsoft Teams",
            "MeetingParticipantDetail",
            "staff@corp.example",
        )
        .anon()
        .ip("45.133.20.79"),
    );
    let mut f = w.find("external-meeting-risky");
    f.sort_by(|a, b| a.person.cmp(&b.person));
    assert_eq!(f.len(), 2);
    assert_eq!(
        (f[0].person.as_str(), f[0].severity),
        ("x@mail.example", Severity::Medium)
    );
    assert_eq!(
        (f[1].person.as_str(), f[1].severity),
        ("y@mail.example", Severity::High)
    );
}

fn hired(w: &mut World, id: &str, email: &str, upn: &str, hire: &str, country: &str) {
    w.roster
        .push(format!("{id},Someone,hired,{email},{upn},{hire},{country}"));
}

#[test]
fn offers_signed_from_anonymising_networks_or_elsewhere() {
    let mut w = World::default();
    hired(
        &mut w,
        "P1",
        "p1@mail.example",
        "p1@corp.example",
        "2026-09-20",
        "US",
    );
    hired(
        &mut w,
        "P2",
        "p2@mail.example",
        "p2@corp.example",
        "2026-09-20",
        "US",
    );
    hired(
        &mut w,
        "P3",
        "p3@mail.example",
        "p3@corp.example",
        "2026-09-20",
        "US",
    );
    w.cae.push(
        ev(
            &day(10, 18, 0),
            "DocuSign",
            "ENVELOPE SIGNED",
            "p1@mail.example",
        )
        .ext()
        .anon()
        .ip("45.133.20.77"),
    );
    w.cae.push(
        ev(
            &day(10, 18, 0),
            "DocuSign",
            "ENVELOPE SIGNED",
            "p2@mail.example",
        )
        .ext()
        .at("LA", "Vientiane")
        .ip("115.84.99.12"),
    );
    w.cae.push(
        ev(
            &day(10, 18, 0),
            "DocuSign",
            "ENVELOPE SIGNED",
            "p3@mail.example",
        )
        .ext(),
    );
    let mut f = w.find("offer-signed-risky");
    f.sort_by(|a, b| a.person.cmp(&b.person));
    assert_eq!(
        f.iter()
            .map(|f| (f.person.as_str(), f.severity))
            .collect::<Vec<_>>(),
        vec![("P1", Severity::High), ("P2", Severity::Medium)]
    );
}

#[test]
fn new_hire_signin_intel_within_ninety_days() {
    let mut w = World {
        intel: vec!["175.45.176.0/24"],
        ..Default::default()
    };
    hired(
        &mut w,
        "P1",
        "p1@mail.example",
        "p1@corp.example",
        "2026-08-01",
        "US",
    );
    hired(
        &mut w,
        "P2",
        "p2@mail.example",
        "p2@corp.example",
        "2026-03-01",
        "US",
    );
    w.signin(
        &day(10, 9, 0),
        "p1@corp.example",
        "175.45.176.23",
        "KP",
        (39.0, 125.7),
        "d1",
    );
    w.signin(
        &day(10, 9, 0),
        "p2@corp.example",
        "175.45.176.24",
        "KP",
        (39.0, 125.7),
        "d2",
    );
    let f = w.find("new-hire-signin-intel");
    assert_eq!(f.len(), 1, "P2 was hired more than 90 days before");
    assert_eq!(
        (f[0].person.as_str(), f[0].severity),
        ("P1", Severity::Critical)
    );
    assert_eq!(f[0].accounts, vec!["p1@corp.example"]);
}

#[test]
fn payroll_tasks_follow_kql_has_any() {
    let mut w = World {
        intel: vec!["175.45.176.0/24"],
        ..Default::default()
    };
    hired(
        &mut w,
        "P1",
        "p1@mail.example",
        "p1@corp.example",
        "2026-09-01",
        "US",
    );
    hired(
        &mut w,
        "P2",
        "p2@mail.example",
        "p2@corp.example",
        "2026-09-01",
        "US",
    );
    hired(
        &mut w,
        "P3",
        "p3@mail.example",
        "p3@corp.example",
        "2026-09-01",
        "US",
    );
    w.cae.push(
        ev(
            &day(5, 3, 0),
            "Workday",
            "Change My Account",
            "p1@corp.example",
        )
        .ip("175.45.176.23")
        .at("KP", "Pyongyang"),
    );
    w.cae.push(
        ev(
            &day(5, 3, 0),
            "Workday",
            "Manage Payment Elections",
            "p2@corp.example",
        )
        .ip("175.45.176.23")
        .at("KP", "Pyongyang"),
    );
    w.cae.push(ev(
        &day(5, 3, 0),
        "Workday",
        "Add Payment Election",
        "p3@corp.example",
    ));
    let f = w.find("payroll-change-risky");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(
        (f[0].person.as_str(), f[0].severity),
        ("P1", Severity::Critical)
    );
}

fn travel_world(hours_apart: u32, second_ip: &str, vpn: bool) -> World {
    let mut w = World::default();
    hired(
        &mut w,
        "P1",
        "p1@mail.example",
        "p1@corp.example",
        "2026-09-01",
        "US",
    );
    w.cae.push(
        ev(
            &day(10, 8, 0),
            "Microsoft Teams",
            "MessageSent",
            "p1@corp.example",
        )
        .ip("24.90.12.77")
        .at("US", "New York"),
    );
    let e = ev(
        &day(10, 8 + hours_apart, 0),
        "Microsoft Teams",
        "MessageSent",
        "p1@corp.example",
    )
    .ip(second_ip)
    .at("GB", "London");
    w.cae.push(if vpn { e.category("VPN") } else { e });
    w
}

#[test]
fn impossible_travel_speed_distance_vpn_and_same_ip() {
    let f = travel_world(1, "81.2.69.160", false).find("impossible-travel");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Medium);
    assert!(
        f[0].reason.contains("New York US") && f[0].reason.contains("London GB"),
        "{}",
        f[0].reason
    );
    assert!(
        travel_world(8, "81.2.69.160", false)
            .find("impossible-travel")
            .is_empty(),
        "New York to London in 8 h is a flight"
    );
    assert!(
        travel_world(1, "24.90.12.77", false)
            .find("impossible-travel")
            .is_empty(),
        "same IP pairs are skipped"
    );
    assert_eq!(
        travel_world(1, "81.2.69.160", true).find("impossible-travel")[0].severity,
        Severity::Low,
        "a VPN side is down-ranked"
    );
}

#[test]
fn impossible_travel_three_hops_after_hire_is_high_and_corporate_is_never_a_side() {
    let mut w = World::default();
    hired(
        &mut w,
        "P1",
        "p1@mail.example",
        "p1@corp.example",
        "2026-09-01",
        "US",
    );
    for d in [3, 5, 7] {
        w.cae.push(
            ev(
                &day(d, 8, 0),
                "Microsoft Teams",
                "MessageSent",
                "p1@corp.example",
            )
            .ip("68.101.77.140")
            .at("US", "Dallas"),
        );
        w.cae.push(
            ev(
                &day(d, 10, 0),
                "Microsoft Teams",
                "MessageSent",
                "p1@corp.example",
            )
            .ip("103.97.42.18")
            .at("CN", "Shenyang"),
        );
    }
    let f = w.find("impossible-travel");
    assert_eq!(f[0].severity, Severity::High, "{}", f[0].reason);
    let weekly = &f[0].figures["weekly_since_hire"];
    assert!(weekly["week 0"].as_u64().unwrap() >= 3, "{weekly}");
    let mut corp = World::default();
    corp.cae.push(
        ev(
            &day(3, 8, 0),
            "Microsoft Teams",
            "MessageSent",
            "s@corp.example",
        )
        .ip("52.164.0.10")
        .at("US", "Ashburn")
        .category("Corporate"),
    );
    corp.cae.push(
        ev(
            &day(3, 8, 20),
            "Microsoft Teams",
            "MessageSent",
            "s@corp.example",
        )
        .ip("20.43.66.10")
        .at("JP", "Tokyo")
        .category("Corporate"),
    );
    assert!(corp.find("impossible-travel").is_empty());
}

#[test]
fn location_uncertainty_is_subtracted() {
    // Two country-level places whose centroids are ~600 km apart, but whose radii cover that.
    let mut w = World::default();
    w.cae.push(
        ev(
            &day(3, 8, 0),
            "Microsoft Teams",
            "MessageSent",
            "s@corp.example",
        )
        .ip("81.2.69.1")
        .at("DE", ""),
    );
    w.cae.push(
        ev(
            &day(3, 8, 5),
            "Microsoft Teams",
            "MessageSent",
            "s@corp.example",
        )
        .ip("81.2.69.2")
        .at("PL", ""),
    );
    assert!(w.find("impossible-travel").is_empty());
}

#[test]
fn anonymous_data_access_after_hire_only() {
    let mut w = World::default();
    hired(
        &mut w,
        "P1",
        "p1@mail.example",
        "p1@corp.example",
        "2026-09-05",
        "US",
    );
    w.cae.push(
        ev(
            &day(3, 2, 0),
            "Microsoft SharePoint Online",
            "FileDownloaded",
            "p1@corp.example",
        )
        .anon(),
    );
    assert!(w.find("anonymous-access-data").is_empty(), "before hire");
    w.cae.push(
        ev(
            &day(9, 2, 0),
            "Microsoft SharePoint Online",
            "FileDownloaded",
            "p1@corp.example",
        )
        .anon()
        .object("secrets.xlsx"),
    );
    w.cae.push(
        ev(
            &day(9, 2, 1),
            "Microsoft SharePoint Online",
            "FileDownloaded",
            "p1@corp.example",
        )
        .category("VPN")
        .ip("45.133.20.78")
        .object("plan.docx"),
    );
    w.cae.push(
        ev(
            &day(9, 2, 2),
            "Microsoft SharePoint Online",
            "FileDownloaded",
            "p1@corp.example",
        )
        .ip("73.42.118.9")
        .object("clean.docx"),
    );
    let f = w.find("anonymous-access-data");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].evidence.len(), 2);
}

#[test]
fn location_mismatch_against_work_country() {
    let mut w = World::default();
    hired(
        &mut w,
        "P1",
        "p1@mail.example",
        "p1@corp.example",
        "2026-09-01",
        "US",
    );
    hired(
        &mut w,
        "P2",
        "p2@mail.example",
        "p2@corp.example",
        "2026-09-01",
        "US",
    );
    w.cae.push(
        ev(
            &day(3, 8, 0),
            "Microsoft Teams",
            "MessageSent",
            "p1@corp.example",
        )
        .ip("115.84.99.12")
        .at("LA", "Vientiane"),
    );
    w.cae.push(
        ev(
            &day(3, 8, 0),
            "Microsoft Teams",
            "MessageSent",
            "p2@corp.example",
        )
        .ip("51.105.7.10")
        .at("DE", "Frankfurt")
        .category("Corporate"),
    );
    let f = w.find("location-mismatch");
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].person.as_str(), f[0].severity),
        ("P1", Severity::Medium)
    );
}

#[test]
fn data_access_spike_against_same_day_peers() {
    let build = |items: u32| {
        let mut w = World::default();
        hired(
            &mut w,
            "P1",
            "p1@mail.example",
            "p1@corp.example",
            "2026-09-01",
            "US",
        );
        for k in 0..10 {
            for i in 0..(4 + k % 3) {
                w.cae.push(ev(
                    &day(10, 9, i),
                    "Microsoft SharePoint Online",
                    "FileAccessed",
                    &format!("staff{k}@corp.example"),
                ));
            }
        }
        for i in 0..items {
            w.cae.push(ev(
                &day(10, 10 + i / 60, i % 60),
                "Microsoft SharePoint Online",
                "FileDownloaded",
                "p1@corp.example",
            ));
        }
        w
    };
    let f = build(120).find("data-access-spike");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].person, "P1");
    assert!(
        build(40).find("data-access-spike").is_empty(),
        "40 items is below the 50-item floor"
    );
}

#[test]
fn shared_mfa_device() {
    let mut w = World::default();
    w.signin(
        &day(3, 9, 0),
        "a@corp.example",
        "68.101.77.140",
        "US",
        (32.7, -96.8),
        "farm-1",
    );
    w.signin(
        &day(3, 9, 5),
        "b@corp.example",
        "68.101.77.140",
        "US",
        (32.7, -96.8),
        "farm-1",
    );
    w.signin(
        &day(3, 9, 5),
        "c@corp.example",
        "68.101.77.141",
        "US",
        (32.7, -96.8),
        "own-1",
    );
    let f = w.find("shared-mfa-device");
    assert_eq!(f.len(), 2);
    assert!(f
        .iter()
        .all(|f| f.members == vec!["a@corp.example".to_string(), "b@corp.example".to_string()]));
}

#[test]
fn inbox_rules_hiding_workday_mail() {
    let mut w = World::default();
    w.extra.push(("office.jsonl".into(), [
        r#"{"TimeGenerated":"2026-09-05T03:10:00Z","Operation":"New-InboxRule","OfficeWorkload":"Exchange","UserId":"a@corp.example","ClientIP":"1.2.3.4","Parameters":"-From myworkday.com -DeleteMessage $true"}"#,
        r#"{"TimeGenerated":"2026-09-05T03:10:00Z","Operation":"New-InboxRule","OfficeWorkload":"Exchange","UserId":"b@corp.example","ClientIP":"1.2.3.4","Parameters":"-From newsletter.example -DeleteMessage $true"}"#,
    ].join("\n")));
    let f = w.find("workday-mail-hiding");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].person, "a@corp.example");
}

#[test]
fn intel_match_catches_any_row_and_shared_infrastructure_links_candidates() {
    let mut w = World {
        intel: vec!["ops@persona.example"],
        ..Default::default()
    };
    apply(&mut w, "ops@persona.example", "192.0.2.1", 2, 1, HONEST);
    apply(&mut w, "other@mail.example", "192.0.2.1", 3, 1, HONEST);
    let f = w.run(
        &Config::default(),
        &["intel-match", "shared-infrastructure"],
    );
    let im: Vec<&Finding> = f.iter().filter(|f| f.detector == "intel-match").collect();
    assert_eq!(im.len(), 1);
    assert_eq!(im[0].severity, Severity::Medium);
    let si: Vec<&Finding> = f
        .iter()
        .filter(|f| f.detector == "shared-infrastructure")
        .collect();
    assert_eq!(si.len(), 2);
    assert_eq!(
        si[0].severity,
        Severity::Medium,
        "a member is flagged by intel-match"
    );
}

#[test]
fn vendor_alerts_keep_the_vendor_severity() {
    let mut w = World::default();
    w.extra.push(("alerts.csv".into(), "Timestamp,AlertId,Title,Severity,AttackTechniques,EntityType,EvidenceRole,AccountUpn\n2026-09-05T03:00:00Z,a1,Impossible travel activity,Medium,\"[\"\"T1078.004\"\"]\",,,\n2026-09-05T03:00:00Z,a1,Impossible travel activity,Medium,\"[\"\"T1078.004\"\"]\",User,Impacted,a@corp.example\n".into()));
    let f = w.find("vendor-alert");
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].person.as_str(), f[0].severity),
        ("a@corp.example", Severity::Medium)
    );
    assert_eq!(f[0].attack, vec!["T1078.004"]);
}

#[test]
fn thresholds_change_outcomes() {
    let w = travel_world(8, "81.2.69.160", false);
    let mut c = Config::default();
    c.set("travel_min_kmh=600").unwrap();
    assert_eq!(
        w.run(&c, &["impossible-travel"]).len(),
        1,
        "an 8-hour flight is impossible at a 600 km/h limit"
    );
}

/// Two applicants on a consumer mail provider, each from an address of their own, share nothing;
/// two on one small domain do, however few people the exports hold.
#[test]
fn a_free_mail_domain_is_no_shared_infrastructure() {
    let links = |a: &str, b: &str| {
        let mut w = World::default();
        apply(&mut w, a, "192.0.2.10", 2, 1, HONEST);
        apply(&mut w, b, "198.51.100.20", 3, 1, HONEST);
        w.find("shared-infrastructure")
    };
    assert!(links("ann.lee@gmail.com", "bo.kim@gmail.com").is_empty());
    let f = links("ann.lee@devs-hub.example", "bo.kim@devs-hub.example");
    assert_eq!(f.len(), 2);
    assert!(
        f[0].reason.contains("e-mail domain devs-hub.example"),
        "{}",
        f[0].reason
    );
}
