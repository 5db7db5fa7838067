//! `hirescope sample`: a synthetic but realistic organisation's exports with fraudulent remote
//! workers hidden among honest staff, candidates and look-alikes. Deterministic for a seed.
//!
//! The generator describes the world; it knows nothing of the detectors or their thresholds.

// Story helpers take the who, when, where and what of an event as plain arguments: clearer here
// than a builder per call.
#![allow(clippy::too_many_arguments)]

mod rng;
mod sink;

use crate::time::format_ts;
use rng::Rng;
use serde_json::json;
use sink::{AppEvent, Mail, Net, SignIn, Sink};
use std::io::Write;
use std::path::Path;

pub struct Options {
    pub seed: u64,
    /// Ordinary staff in the organisation.
    pub people: usize,
    pub days: i64,
    /// Approximate number of background events (the story's own events come on top).
    pub events: usize,
}

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;
const MINUTE: i64 = 60_000;
/// 2026-08-03T00:00:00Z: the start of the exported window.
const START: i64 = 1_785_715_200_000;

const fn net(
    ip: &'static str,
    country: &'static str,
    city: &'static str,
    lat: f64,
    lon: f64,
    isp: &'static str,
    category: &'static str,
    tags: &'static str,
    anonymous: bool,
) -> Net {
    Net {
        ip,
        country,
        city,
        lat,
        lon,
        isp,
        category,
        tags,
        anonymous,
    }
}

const OFFICES: &[Net] = &[
    net(
        "52.160.10.21",
        "US",
        "Seattle",
        47.61,
        -122.33,
        "Contoso Ltd",
        "Corporate",
        "",
        false,
    ),
    net(
        "52.160.10.22",
        "US",
        "Seattle",
        47.61,
        -122.33,
        "Contoso Ltd",
        "Corporate",
        "",
        false,
    ),
    net(
        "52.161.40.7",
        "US",
        "Chicago",
        41.88,
        -87.63,
        "Contoso Ltd",
        "Corporate",
        "",
        false,
    ),
    net(
        "52.162.3.90",
        "US",
        "New York",
        40.71,
        -74.01,
        "Contoso Ltd",
        "Corporate",
        "",
        false,
    ),
];
const HOMES: &[Net] = &[
    net(
        "73.42.118.9",
        "US",
        "Seattle",
        47.61,
        -122.33,
        "Comcast Cable",
        "",
        "",
        false,
    ),
    net(
        "98.210.33.4",
        "US",
        "Chicago",
        41.88,
        -87.63,
        "Comcast Cable",
        "",
        "",
        false,
    ),
    net(
        "24.90.12.77",
        "US",
        "New York",
        40.71,
        -74.01,
        "Charter Communications",
        "",
        "",
        false,
    ),
    net(
        "71.14.201.56",
        "US",
        "Austin",
        30.27,
        -97.74,
        "AT&T Internet",
        "",
        "",
        false,
    ),
];
/// The corporate VPN: its egress moves between countries within minutes, and it is the company's own.
const CORP_VPN: &[Net] = &[
    net(
        "52.164.0.10",
        "US",
        "Ashburn",
        39.04,
        -77.49,
        "Contoso VPN",
        "Corporate",
        "",
        false,
    ),
    net(
        "51.105.7.10",
        "DE",
        "Frankfurt",
        50.11,
        8.68,
        "Contoso VPN",
        "Corporate",
        "",
        false,
    ),
    net(
        "20.43.66.10",
        "JP",
        "Tokyo",
        35.68,
        139.69,
        "Contoso VPN",
        "Corporate",
        "",
        false,
    ),
];
// Actor infrastructure: the intel lists the /24 and one address of the VPS range.
const ACTOR_KP: Net = net(
    "175.45.176.23",
    "KP",
    "Pyongyang",
    39.04,
    125.76,
    "Star JV",
    "Risky",
    "",
    false,
);
const ACTOR_KP2: Net = net(
    "175.45.176.71",
    "KP",
    "Pyongyang",
    39.04,
    125.76,
    "Star JV",
    "Risky",
    "",
    false,
);
const ACTOR_CN: Net = net(
    "103.97.42.18",
    "CN",
    "Shenyang",
    41.81,
    123.43,
    "China Unicom Liaoning",
    "",
    "",
    false,
);
const ACTOR_VPS: Net = net(
    "45.133.20.77",
    "RU",
    "Vladivostok",
    43.12,
    131.89,
    "Bulletproof VPS",
    "VPN",
    "Anonymous proxy",
    true,
);
const TOR: Net = net(
    "185.220.101.44",
    "DE",
    "Berlin",
    52.52,
    13.40,
    "Tor exit",
    "Risky",
    "Tor",
    true,
);
const LAOS: Net = net(
    "115.84.99.12",
    "LA",
    "Vientiane",
    17.98,
    102.63,
    "Lao Telecom",
    "",
    "",
    false,
);
/// A laptop farm: a US residential line the workers' laptops sit behind.
const FARM: Net = net(
    "68.101.77.140",
    "US",
    "Dallas",
    32.78,
    -96.80,
    "Spectrum Residential",
    "",
    "",
    false,
);
const CAMPUS_NAT: Net = net(
    "129.105.18.2",
    "US",
    "Chicago",
    41.88,
    -87.63,
    "Northwestern University",
    "",
    "",
    false,
);
const LONDON: Net = net(
    "81.2.69.160",
    "GB",
    "London",
    51.51,
    -0.13,
    "BT Public Internet",
    "",
    "",
    false,
);
const APPLICANT_NETS: &[Net] = &[
    net(
        "99.12.40.8",
        "US",
        "Houston",
        29.76,
        -95.37,
        "AT&T Internet",
        "",
        "",
        false,
    ),
    net(
        "76.103.2.71",
        "US",
        "San Jose",
        37.34,
        -121.89,
        "Comcast Cable",
        "",
        "",
        false,
    ),
    net(
        "47.185.9.30",
        "US",
        "Dallas",
        32.78,
        -96.80,
        "Frontier",
        "",
        "",
        false,
    ),
    net(
        "174.63.8.120",
        "US",
        "Atlanta",
        33.75,
        -84.39,
        "Comcast Cable",
        "",
        "",
        false,
    ),
    net(
        "70.30.11.5",
        "CA",
        "Toronto",
        43.65,
        -79.38,
        "Bell Canada",
        "",
        "",
        false,
    ),
];

const FIRST: &[&str] = &[
    "james", "mary", "robert", "linda", "michael", "susan", "david", "karen", "joseph", "nancy",
    "thomas", "lisa", "chris", "sarah", "daniel", "emily", "matthew", "anna", "mark", "laura",
    "paul", "julia", "steven", "olivia", "andrew", "grace", "kevin", "hannah", "brian", "chloe",
];
const LAST: &[&str] = &[
    "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "wilson",
    "anderson", "taylor", "thomas", "moore", "jackson", "martin", "lee", "thompson", "white",
    "harris", "clark", "lewis", "walker", "hall", "young", "allen",
];
const FILES: &[&str] = &[
    "roadmap-2027.pptx",
    "payments-api-design.docx",
    "customer-list.xlsx",
    "src-archive.zip",
    "oncall-runbook.md",
    "architecture.vsdx",
    "pricing-model.xlsx",
    "security-review.pdf",
    "sprint-notes.docx",
    "k8s-secrets-inventory.xlsx",
];
const UA_WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36";
const UA_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
const UA_SCRIPT: &str = "python-requests/2.31.0";

/// Someone in the story: staff, an applicant or a new hire.
#[derive(Clone)]
struct Person {
    id: String,
    name: String,
    stage: &'static str,
    email: String,
    upn: String,
    oid: String,
    device: String,
    hire_day: Option<i64>,
    work_country: &'static str,
    requisition: String,
    home: Net,
}

/// Another home line of a provider: the same /16 as `base`, a different address per `i`.
fn home_line(base: &str, i: usize) -> &'static str {
    let octets: Vec<&str> = base.split('.').collect();
    let ip = format!(
        "{}.{}.{}.{}",
        octets[0],
        octets[1],
        (i * 37 + 11) % 250 + 1,
        (i * 53 + 7) % 250 + 2
    );
    // Net holds &'static str; a sample run makes a few dozen of these.
    Box::leak(ip.into_boxed_str())
}

fn title(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn oid(rng: &mut Rng) -> String {
    let a = rng.next_u64();
    let b = rng.next_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

struct World {
    rng: Rng,
    sink: Sink,
    days: i64,
    roster: Vec<Person>,
}

type R = std::io::Result<()>;

impl World {
    fn person(
        &mut self,
        id: &str,
        first: &str,
        last: &str,
        stage: &'static str,
        personal: &str,
        hire_day: Option<i64>,
        work_country: &'static str,
        home: Net,
    ) -> Person {
        let upn = if hire_day.is_some() || stage == "staff" {
            format!("{first}.{last}@contoso.example")
        } else {
            String::new()
        };
        let p = Person {
            id: id.to_string(),
            name: format!("{} {}", title(first), title(last)),
            stage,
            email: personal.to_string(),
            upn,
            oid: oid(&mut self.rng),
            device: oid(&mut self.rng),
            hire_day,
            work_country,
            requisition: format!("R-{}", 1000 + self.rng.below(40)),
            home,
        };
        if stage != "staff" {
            self.roster.push(p.clone());
        }
        p
    }

    fn at(&mut self, day: i64, hour: i64) -> i64 {
        START + day * DAY + hour * HOUR + self.rng.range(0, 50) * MINUTE + self.rng.range(0, 59_000)
    }

    fn app(
        &mut self,
        p: &Person,
        ts: i64,
        app: &str,
        action: &str,
        external: bool,
        n: Net,
        object: &str,
    ) -> R {
        let account = if external {
            p.email.clone()
        } else {
            p.upn.clone()
        };
        let ua = if n.anonymous { UA_MAC } else { UA_WIN };
        let raw = if app == "Workday" {
            json!({"taskDisplayName": action, "requestTime": format_ts(ts), "systemAccount": account, "ipAddress": n.ip, "sessionId": format!("wd-{}", ts / HOUR), "activityAction": if action.starts_with("hrrecruiting") { "POST" } else { "TASK" }, "target": {"descriptor": object}})
        } else {
            json!({"Operation": action, "ObjectId": object})
        };
        let oid = if external {
            String::new()
        } else {
            p.oid.clone()
        };
        self.sink.app_event(&AppEvent {
            ts,
            app,
            action,
            object_id: &oid,
            account: &account,
            name: &p.name,
            external,
            net: n,
            user_agent: ua,
            object,
            raw,
        })
    }

    fn sign_in(&mut self, p: &Person, ts: i64, n: Net, device: &str) -> R {
        let app = *self.rng.pick(&[
            "Microsoft Teams",
            "Office 365 SharePoint Online",
            "Outlook Mobile",
            "Workday",
        ]);
        self.sink.sign_in(&SignIn {
            ts,
            upn: &p.upn,
            object_id: &p.oid,
            name: &p.name,
            app,
            net: n,
            device_id: device,
            user_agent: UA_WIN,
            success: true,
        })
    }

    /// One applicant session on the career site: the Workday Recruiting Web Service calls, in order.
    fn apply(&mut self, p: &Person, start: i64, n: Net, steps: &[&str], ua: &str) -> R {
        let mut ts = start;
        for step in steps {
            let action = format!("hrrecruiting/{step}/{}", self.rng.range(100_000, 999_999));
            let account = p.email.clone();
            let raw = json!({"taskDisplayName": step, "requestTime": format_ts(ts), "systemAccount": account, "ipAddress": n.ip, "activityAction": "POST", "target": {"descriptor": p.requisition}});
            self.sink.app_event(&AppEvent {
                ts,
                app: "Workday",
                action: &action,
                object_id: "",
                account: &account,
                name: &p.name,
                external: true,
                net: n,
                user_agent: ua,
                object: &p.requisition,
                raw,
            })?;
            ts += self.rng.range(20, 240) * 1000;
        }
        Ok(())
    }

    fn interview(&mut self, p: &Person, day: i64, n: Net, meeting_app: &str) -> R {
        let recruiter = "talent@contoso.example";
        let ts = self.at(day, 15);
        let id = format!("{:016x}", self.rng.next_u64());
        self.sink.mail(&Mail {
            ts,
            id,
            from: recruiter,
            from_name: "Contoso Talent",
            to: &p.email,
            subject: "Interview invitation: Senior Software Engineer",
            sender_ip: "52.160.10.21",
            inbound: false,
        })?;
        let id = format!("{:016x}", self.rng.next_u64());
        self.sink.mail(&Mail {
            ts: ts + 3 * HOUR,
            id,
            from: &p.email,
            from_name: &p.name,
            to: recruiter,
            subject: "RE: Interview invitation: Senior Software Engineer",
            sender_ip: n.ip,
            inbound: true,
        })?;
        let t = self.at(day + 2, 16);
        self.app(
            p,
            t,
            meeting_app,
            "MeetingParticipantDetail",
            true,
            n,
            "Technical interview",
        )
    }

    fn offer(&mut self, p: &Person, day: i64, n: Net) -> R {
        let t = self.at(day, 18);
        self.app(p, t, "DocuSign", "ENVELOPE SIGNED", true, n, "Offer letter")
    }

    /// An ordinary working day of an employee: sign-ins, mail, Teams and some files.
    fn work_day(&mut self, p: &Person, day: i64, n: Net, device: &str, downloads: usize) -> R {
        let t = self.at(day, 9);
        self.sign_in(p, t, n, device)?;
        for _ in 0..self.rng.range(1, 4) {
            let h = self.rng.range(9, 17);
            let t = self.at(day, h);
            self.app(
                p,
                t,
                "Microsoft Teams",
                "MessageSent",
                false,
                n,
                "Engineering chat",
            )?;
        }
        let t = self.at(day, 10);
        self.app(
            p,
            t,
            "Microsoft Exchange Online",
            "MailItemsAccessed",
            false,
            n,
            "Inbox",
        )?;
        for _ in 0..downloads {
            let f = *self.rng.pick(FILES);
            let h = self.rng.range(9, 18);
            let t = self.at(day, h);
            if self.rng.chance(0.5) {
                self.app(
                    p,
                    t,
                    "Microsoft SharePoint Online",
                    "FileDownloaded",
                    false,
                    n,
                    f,
                )?;
            } else {
                self.sink
                    .office(t, "FileAccessed", "SharePoint", &p.upn, n.ip, f, "")?;
            }
        }
        Ok(())
    }
}

/// The data set for `events` events in `dir`, written once and then reused (benchmarks share it,
/// so peers such as DuckDB read the very same files).
pub fn ensure(dir: &Path, events: usize) -> std::io::Result<()> {
    if dir.join("hr_roster.csv").exists() {
        return Ok(());
    }
    let people = (events / 2000).clamp(40, 4000);
    generate(
        dir,
        &Options {
            seed: 7,
            people,
            days: 90,
            events,
        },
    )
    .map(|_| ())
}

/// Writes the data set into `dir`. Returns the number of events written.
pub fn generate(dir: &Path, opts: &Options) -> std::io::Result<usize> {
    let mut w = World {
        rng: Rng::new(opts.seed),
        sink: Sink::create(dir)?,
        days: opts.days.max(70),
        roster: Vec::new(),
    };
    let days = w.days;

    // --- Ordinary staff: the background, including the corporate VPN and a heavy but honest reader.
    let mut staff = Vec::new();
    for i in 0..opts.people.max(8) {
        let first = FIRST[i % FIRST.len()];
        let last = LAST[(i * 7 + i / FIRST.len()) % LAST.len()];
        let home = HOMES[i % HOMES.len()];
        staff.push(w.person(
            &format!("S{i:03}"),
            first,
            &format!(
                "{last}{}",
                if i >= FIRST.len() {
                    (i / FIRST.len()).to_string()
                } else {
                    String::new()
                }
            ),
            "staff",
            "",
            None,
            "US",
            home,
        ));
    }
    // A working day is about four events (sign-in, Teams, mail) plus the files read; staff work on
    // weekdays and a fifth of them at weekends, 0.77 of all days. Size the reading to the target.
    let work_days = (days as f64 * staff.len() as f64 * 0.771).max(1.0);
    let reads = ((opts.events as f64 / work_days) - 4.0).max(1.0);
    for day in 0..days {
        let weekday = (day + 1) % 7 < 5; // the window starts on a Monday
        for (i, s) in staff.clone().iter().enumerate() {
            if !weekday && i % 5 != 0 {
                continue;
            }
            let office = OFFICES[i % OFFICES.len()];
            let n = if i % 3 == 0 { s.home } else { office };
            let downloads = (reads as usize + w.rng.below(3) as usize)
                .saturating_sub(1)
                .max(1);
            // Staff member 1 is an honest heavy reader: the team's documentation owner.
            let downloads = if i == 1 {
                downloads * 6 + 20
            } else {
                downloads
            };
            w.work_day(s, day, n, &s.device.clone(), downloads)?;
            // Staff member 2 works through the corporate VPN, whose egress hops countries.
            if i == 2 {
                for (k, vpn) in CORP_VPN.iter().enumerate() {
                    let t = START + day * DAY + 13 * HOUR + k as i64 * 20 * MINUTE;
                    w.sign_in(s, t, *vpn, &s.device.clone())?;
                    w.app(
                        s,
                        t + 5 * MINUTE,
                        "Microsoft Teams",
                        "MessageSent",
                        false,
                        *vpn,
                        "Engineering chat",
                    )?;
                }
            }
        }
    }

    // --- Honest applicants, with an eager one and students behind a campus NAT.
    let full = [
        "accounts",
        "resumes",
        "jobApplicationPackages",
        "validateJobApplication",
        "jobApplicationPackages",
    ];
    let mut applicants = Vec::new();
    for i in 0..(opts.people / 2).max(12) {
        let first = FIRST[(i * 7 + 5) % FIRST.len()];
        let last = LAST[(i * 11 + 3) % LAST.len()];
        let email = format!(
            "{first}.{last}{}@{}",
            10 + i,
            ["gmail.example", "outlook.example", "yahoo.example"][i % 3]
        );
        // Each applicant applies from their own home line, in their provider's address space.
        let base = APPLICANT_NETS[i % APPLICANT_NETS.len()];
        let n = Net {
            ip: home_line(base.ip, i),
            ..base
        };
        let p = w.person(
            &format!("C{i:04}"),
            first,
            last,
            "candidate",
            &email,
            None,
            "US",
            n,
        );
        let day = w.rng.range(0, days - 20);
        let mut steps: Vec<&str> = full.to_vec();
        if i % 2 == 0 {
            steps.swap(1, 2);
        }
        let t = w.at(day, 20);
        w.apply(&p, t, n, &steps, UA_WIN)?;
        applicants.push(p);
    }
    // The eager applicant: applies to many requisitions over two weeks, from home.
    let eager = w.person(
        "C9100",
        "noah",
        "fischer",
        "candidate",
        "noah.fischer.dev@gmail.example",
        None,
        "US",
        APPLICANT_NETS[1],
    );
    for k in 0..14 {
        let t = w.at(5 + k, 19);
        let steps: Vec<&str> = if k % 3 == 0 {
            full.to_vec()
        } else {
            vec![
                "jobApplicationPackages",
                "validateJobApplication",
                "jobApplicationPackages",
            ]
        };
        w.apply(&eager, t, eager.home, &steps, UA_MAC)?;
    }
    // Students sharing their campus NAT, each applying once in their own way.
    for (k, (first, last)) in [("ava", "nguyen"), ("liam", "patel"), ("mia", "kowalski")]
        .iter()
        .enumerate()
    {
        let p = w.person(
            &format!("C920{k}"),
            first,
            last,
            "candidate",
            &format!("{first}.{last}@u.northwestern.example"),
            None,
            "US",
            CAMPUS_NAT,
        );
        let t = w.at(20 + k as i64 * 3, 14);
        let steps: Vec<&str> = match k {
            0 => full.to_vec(),
            1 => vec![
                "accounts",
                "jobApplicationPackages",
                "resumes",
                "jobApplicationPackages",
            ],
            _ => vec![
                "accounts",
                "resumes",
                "validateJobApplication",
                "jobApplicationPackages",
                "jobApplicationPackages",
                "jobApplicationPackages",
            ],
        };
        w.apply(&p, t, CAMPUS_NAT, &steps, UA_WIN)?;
    }

    // --- The operator: one person behind several applicant personas, replaying one script.
    // The operator's tooling creates accounts and uploads resumes twice and validates every package
    // twice before it submits; one run in a while skips a step.
    let script = [
        "accounts",
        "accounts",
        "resumes",
        "resumes",
        "validateJobApplication",
        "validateJobApplication",
        "jobApplicationPackages",
    ];
    let script_short = &script[..6];
    let personas = [
        ("daniel", "kim", "dkim.devpro@protonmail.example"),
        ("alex", "morgan", "alex.morgan.fullstack@outlook.example"),
        ("kevin", "zhao", "kzhao.engineer@protonmail.example"),
        ("ryan", "lee", "ryan.lee.cloud@gmail.example"),
    ];
    let hire_day = 35;
    let mut fraud = Vec::new();
    for (k, (first, last, email)) in personas.iter().enumerate() {
        let hired = k < 2;
        let stage = if hired { "hired" } else { "candidate" };
        let p = w.person(
            &format!("H{}", 900 + k),
            first,
            last,
            stage,
            email,
            hired.then_some(hire_day + k as i64 * 3),
            "US",
            FARM,
        );
        for (r, day) in [3i64, 9, 16].iter().enumerate() {
            let n = if (k + r) % 2 == 0 {
                ACTOR_KP
            } else {
                ACTOR_KP2
            };
            let t = w.at(*day, 2) + k as i64 * 7 * MINUTE;
            let steps: &[&str] = if k == 2 && r == 1 {
                script_short
            } else {
                &script
            };
            w.apply(&p, t, n, steps, UA_SCRIPT)?;
        }
        fraud.push(p);
    }
    let (daniel, alex) = (fraud[0].clone(), fraud[1].clone());
    // Ryan's persona also harvests the job board: every open requisition, package by package.
    let ryan = fraud[3].clone();
    let mut t = w.at(18, 3);
    for req in 0..40 {
        for step in ["jobApplicationPackages", "validateJobApplication"] {
            let action = format!("hrrecruiting/{step}/{}", 500_000 + req * 7);
            let requisition = format!("R-{}", 1000 + req);
            let raw = json!({"taskDisplayName": step, "requestTime": format_ts(t), "systemAccount": ryan.email, "ipAddress": ACTOR_KP2.ip, "activityAction": "GET", "target": {"descriptor": requisition}});
            w.sink.app_event(&AppEvent {
                ts: t,
                app: "Workday",
                action: &action,
                object_id: "",
                account: &ryan.email,
                name: &ryan.name,
                external: true,
                net: ACTOR_KP2,
                user_agent: UA_SCRIPT,
                object: &requisition,
                raw,
            })?;
            t += 4_000;
        }
    }

    // Recruiting: interviews and offers. Daniel answers from actor infrastructure and joins over Tor;
    // Alex signs the offer from Laos while HR expects the United States.
    w.interview(&daniel, 22, ACTOR_KP, "Zoom")?;
    w.app(
        &daniel,
        START + 24 * DAY + 16 * HOUR + 5 * MINUTE,
        "Zoom",
        "MeetingParticipantDetail",
        true,
        TOR,
        "Technical interview, panel",
    )?;
    w.offer(&daniel, 30, ACTOR_VPS)?;
    w.interview(&alex, 23, FARM, "Cisco Webex")?;
    w.offer(&alex, 31, LAOS)?;
    for (k, p) in applicants.iter().take(6).enumerate() {
        let p = p.clone();
        w.interview(
            &p,
            15 + k as i64 * 4,
            p.home,
            ["Microsoft Teams", "Zoom", "Cisco Webex"][k % 3],
        )?;
    }

    // --- Honest new hires: a frequent flyer, a legitimate payroll change, an ordinary one.
    let priya = w.person(
        "H100",
        "priya",
        "shah",
        "hired",
        "priya.shah.sre@gmail.example",
        Some(33),
        "US",
        HOMES[2],
    );
    let tom = w.person(
        "H101",
        "tom",
        "becker",
        "hired",
        "tbecker@outlook.example",
        Some(36),
        "US",
        HOMES[1],
    );
    let jane = w.person(
        "H102",
        "jane",
        "okafor",
        "hired",
        "jane.okafor@yahoo.example",
        Some(40),
        "US",
        HOMES[0],
    );
    for p in [&priya, &tom, &jane] {
        let p = p.clone();
        let t = w.at(p.hire_day.unwrap_or(30) - 12, 20);
        w.apply(&p, t, p.home, &full, UA_WIN)?;
        w.interview(&p, p.hire_day.unwrap_or(30) - 9, p.home, "Microsoft Teams")?;
        w.offer(&p, p.hire_day.unwrap_or(30) - 5, p.home)?;
        for day in p.hire_day.unwrap_or(30)..days {
            if (day + 1) % 7 < 5 {
                // Priya works from the London office for a few days after her flight.
                let abroad = p.id == "H100" && (51..=54).contains(&day);
                let n = if abroad {
                    LONDON
                } else if day % 2 == 0 {
                    OFFICES[3]
                } else {
                    p.home
                };
                let d = w.rng.below(4) as usize + 1;
                w.work_day(&p, day, n, &p.device.clone(), d)?;
            }
        }
    }
    // Priya flies New York to London overnight: far, but slower than an airliner.
    let fly = START + 50 * DAY;
    w.sign_in(&priya, fly + 18 * HOUR, HOMES[2], &priya.device.clone())?;
    w.sign_in(&priya, fly + 26 * HOUR, LONDON, &priya.device.clone())?;
    w.app(
        &priya,
        fly + 27 * HOUR,
        "Microsoft Teams",
        "MessageSent",
        false,
        LONDON,
        "Landed",
    )?;
    // Tom sets up his pay at home in his first week.
    w.app(
        &tom,
        START + 38 * DAY + 19 * HOUR,
        "Workday",
        "Add Payment Election",
        false,
        HOMES[1],
        "Direct deposit",
    )?;
    w.app(
        &tom,
        START + 38 * DAY + 19 * HOUR + 4 * MINUTE,
        "Workday",
        "Manage Payment Elections",
        false,
        HOMES[1],
        "Direct deposit",
    )?;

    // --- The fraudulent hires at work.
    let shared_device = "5f3c9a10-7d2e-4b61-9a0f-3c1e7a90f001".to_string();
    for p in [&daniel, &alex] {
        let p = p.clone();
        let hd = p.hire_day.unwrap_or(hire_day);
        for day in hd..days {
            if (day + 1) % 7 >= 5 {
                continue;
            }
            // Mornings from the laptop farm in Dallas, evenings from where the worker really is.
            w.work_day(&p, day, FARM, &shared_device, 2)?;
            if day < hd + 56 && day % 3 != 2 {
                let far = if p.id == daniel.id { ACTOR_CN } else { LAOS };
                let t = START + day * DAY + 14 * HOUR + w.rng.range(0, 90) * MINUTE;
                w.sign_in(&p, t, far, &shared_device)?;
                w.app(
                    &p,
                    t + 10 * MINUTE,
                    "Microsoft SharePoint Online",
                    "SearchQueryInitiatedSharePoint",
                    false,
                    far,
                    "architecture",
                )?;
            }
        }
        // Bulk reading through an anonymising VPS in the second week.
        let bulk = START + (hd + 9) * DAY + 2 * HOUR;
        for k in 0..if p.id == daniel.id { 180 } else { 90 } {
            let f = format!(
                "{}-{k:03}.docx",
                FILES[k % FILES.len()].split('.').next().unwrap_or("doc")
            );
            if k % 2 == 0 {
                w.app(
                    &p,
                    bulk + k as i64 * 20_000,
                    "Microsoft SharePoint Online",
                    "FileDownloaded",
                    false,
                    ACTOR_VPS,
                    &f,
                )?;
            } else {
                w.sink.office(
                    bulk + k as i64 * 20_000,
                    "FileSyncDownloadedFull",
                    "OneDrive",
                    &p.upn,
                    ACTOR_VPS.ip,
                    &f,
                    "",
                )?;
            }
        }
    }
    // Daniel changes the bank account from actor infrastructure in his first week, and hides
    // Workday's notification mail.
    let d0 = START + (daniel.hire_day.unwrap_or(hire_day) + 4) * DAY;
    w.app(
        &daniel,
        d0 + 3 * HOUR,
        "Workday",
        "Change My Account",
        false,
        ACTOR_KP,
        "Bank account",
    )?;
    w.app(
        &daniel,
        d0 + 3 * HOUR + 2 * MINUTE,
        "Workday",
        "Add Payment Election",
        false,
        ACTOR_KP,
        "Direct deposit",
    )?;
    let rule =
        "-Name \"Workday\" -From \"myworkday.com\" -DeleteMessage $true -StopProcessingRules $true";
    w.sink.office(
        d0 + 3 * HOUR + 10 * MINUTE,
        "New-InboxRule",
        "Exchange",
        &daniel.upn,
        ACTOR_KP.ip,
        "",
        rule,
    )?;
    // Alex changes tax details from Laos.
    let a0 = START + (alex.hire_day.unwrap_or(hire_day) + 6) * DAY;
    w.app(
        &alex,
        a0 + 13 * HOUR,
        "Workday",
        "Change My Tax Elections",
        false,
        LAOS,
        "Federal withholding",
    )?;

    // The vendors noticed some of it too.
    w.sink.alert(
        START + 16 * DAY + 3 * HOUR,
        "ca-1001",
        "Possible Jasper Sleet threat actor activity in Workday Recruiting Web Service",
        "High",
        "T1594",
        &daniel.email,
        "",
        ACTOR_KP.ip,
    )?;
    w.sink.alert(
        d0 + 5 * HOUR,
        "ca-1002",
        "Suspicious Payroll and Finance related activity in Workday",
        "High",
        "T1657",
        &daniel.upn,
        &daniel.oid,
        ACTOR_KP.ip,
    )?;
    w.sink.alert(
        START + (hire_day + 8) * DAY + 15 * HOUR,
        "ca-1003",
        "Impossible travel activity",
        "Medium",
        "T1078.004",
        &daniel.upn,
        &daniel.oid,
        ACTOR_CN.ip,
    )?;

    write_roster(dir, &w.roster)?;
    write_intel(dir)?;
    w.sink.finish()
}

fn write_roster(dir: &Path, roster: &[Person]) -> R {
    let mut c = csv::Writer::from_path(dir.join("hr_roster.csv"))?;
    c.write_record([
        "Person ID",
        "Name",
        "Stage",
        "Candidate Email",
        "Workday Account",
        "UPN",
        "Object ID",
        "Hire Date",
        "Work Country",
        "Requisition",
    ])?;
    for p in roster {
        let hired = p.hire_day.is_some();
        let hire = p
            .hire_day
            .map(|d| format_ts(START + d * DAY)[..10].to_string())
            .unwrap_or_default();
        c.write_record([
            p.id.as_str(),
            &p.name,
            p.stage,
            &p.email,
            if hired { p.upn.as_str() } else { "" },
            if hired { p.upn.as_str() } else { "" },
            if hired { p.oid.as_str() } else { "" },
            &hire,
            p.work_country,
            &p.requisition,
        ])?;
    }
    c.flush()
}

fn write_intel(dir: &Path) -> R {
    let mut f = std::fs::File::create(dir.join("intel_jasper_sleet.txt"))?;
    writeln!(
        f,
        "# Indicators shared by the industry working group: infrastructure and personas"
    )?;
    writeln!(f, "175.45.176.0/24")?;
    writeln!(f, "45.133.20.77")?;
    writeln!(f, "kzhao.engineer@protonmail.example")?;
    let bundle = json!({
        "type": "bundle", "id": "bundle--6c2b1c9e-0000-4000-8000-000000000001",
        "objects": [
            {"type": "threat-actor", "spec_version": "2.1", "id": "threat-actor--0a1b2c3d-0000-4000-8000-000000000002", "name": "Jasper Sleet", "created": "2026-07-01T00:00:00Z", "modified": "2026-07-01T00:00:00Z"},
            {"type": "indicator", "spec_version": "2.1", "id": "indicator--0a1b2c3d-0000-4000-8000-000000000003", "name": "Jasper Sleet VPS", "pattern": "[ipv4-addr:value = '103.97.42.18']", "pattern_type": "stix", "valid_from": "2026-07-01T00:00:00Z", "confidence": 80, "created": "2026-07-01T00:00:00Z", "modified": "2026-07-01T00:00:00Z"},
            {"type": "indicator", "spec_version": "2.1", "id": "indicator--0a1b2c3d-0000-4000-8000-000000000004", "name": "Jasper Sleet persona", "pattern": "[email-addr:value = 'dkim.devpro@protonmail.example']", "pattern_type": "stix", "valid_from": "2026-07-01T00:00:00Z", "confidence": 70, "created": "2026-07-01T00:00:00Z", "modified": "2026-07-01T00:00:00Z"}
        ]
    });
    std::fs::write(
        dir.join("intel_stix_bundle.json"),
        serde_json::to_string_pretty(&bundle)? + "\n",
    )
}
