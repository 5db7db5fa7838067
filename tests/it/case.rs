//! Case work: notes, marks and dispositions that persist through anything, the case report with
//! its chain of custody, and timeline exports.

use super::golden::{golden, root};
use hirescope::case::{self, CaseState, Disposition, Target};
use hirescope::cli::{analyse, SourceArgs};
use hirescope::detect::Config;
use hirescope::export::{self, ReportFormat};
use hirescope::workspace::Workspace;
use std::path::Path;
use std::process::Command;

/// 2026-11-02T09:30:00Z, so the golden report does not depend on the clock.
const AT: i64 = 1_793_611_800_000;

fn samples_workspace() -> Workspace {
    // Relative (tests run in the package root), as an analyst in the repository would type it: the
    // custody paths are the same in every clone.
    assert_eq!(std::env::current_dir().unwrap(), root());
    let a = analyse(
        &[Path::new("samples").to_path_buf()],
        &SourceArgs::default(),
        &Config::default(),
        &[],
    )
    .unwrap();
    Workspace::new(a)
}

fn daniel_case() -> CaseState {
    let mut c = CaseState::new("golden");
    c.add_note(
        Target::Person {
            person: "H900".into(),
        },
        "Interviewer noted the camera was off | voice did not match the onboarding call",
        AT,
    );
    c.add_note(
        Target::Finding {
            detector: "payroll-change-risky".into(),
            person: "H900".into(),
            first_seen: 1_789_095_600_000,
        },
        "Payroll confirms the bank account was changed to a prepaid card",
        AT + 60_000,
    );
    c.toggle_mark(
        Target::Row {
            table: "CloudAppEvents".into(),
            row: 6467,
        },
        AT + 120_000,
    );
    c.set_disposition("H900", Disposition::Escalated, AT + 180_000);
    c.set_disposition("H900", Disposition::Confirmed, AT + 240_000);
    c
}

#[test]
fn golden_case_report_markdown_and_json() {
    let ws = samples_workspace();
    let report = export::report(&ws, "H900", &daniel_case(), &Config::default()).unwrap();
    let md = report.render(ReportFormat::Md);
    for needed in [
        "# Case report: Daniel Kim (H900)",
        "Disposition: **confirmed**",
        "set to escalated",
        "camera was off \\| voice",
        "marked CloudAppEvents row 6467",
        "## Impossible travel (51 hops)",
        "## Chain of custody",
        "| samples/hr_roster.csv |",
        "T1078.004",
    ] {
        assert!(md.contains(needed), "the report lacks {needed:?}");
    }
    golden("report_H900.md", &md);
    let json = report.render(ReportFormat::Json);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["disposition"], "confirmed");
    assert_eq!(v["notes"].as_array().unwrap().len(), 2);
    assert!(v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["sha256"].as_str().unwrap().len() == 64));
    golden("report_H900.json", &json);
    // The same files and the same case state give the same report.
    let again = export::report(&ws, "H900", &daniel_case(), &Config::default()).unwrap();
    assert_eq!(again.render(ReportFormat::Md), md);
    // HTML: one file, nothing fetched, prints.
    let html = report.render(ReportFormat::Html);
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("@media print"));
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href="));
    assert!(html.contains("<td>samples/hr_roster.csv</td>"));
}

/// The child side of `saves_survive_kill_9`: saves a growing case forever.
#[test]
#[ignore = "run by saves_survive_kill_9 in a child process"]
fn save_forever() {
    let Some(path) = std::env::var_os("HIRESCOPE_SAVE_LOOP") else {
        return;
    };
    let mut c = case::load(Path::new(&path), "loop").unwrap();
    for i in c.notes.len().. {
        c.add_note(
            Target::Person {
                person: format!("P{i}"),
            },
            &"x".repeat(i % 5000),
            i as i64,
        );
        case::save(Path::new(&path), &c).unwrap();
    }
}

#[test]
fn saves_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases").join("loop.json");
    let mut last = 0;
    for round in 0..8u64 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["case::save_forever", "--ignored", "--exact", "--nocapture"])
            .env("HIRESCOPE_SAVE_LOOP", &path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(150 + round * 37));
        // SIGKILL: no handler, no flush, mid-write.
        child.kill().unwrap();
        child.wait().unwrap();
        let saved = case::load(&path, "loop").expect("the last saved case loads whole");
        assert!(
            saved.notes.len() >= last,
            "round {round}: the case went back"
        );
        last = saved.notes.len();
    }
    assert!(last > 0, "the child saved something");
    // Leftovers of interrupted saves never replace the case.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("cases"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(leftovers.iter().any(|n| n == "loop.json"));
}

#[test]
fn timeline_exports_csv_jsonl_and_timesketch() {
    let dir = tempfile::tempdir().unwrap();
    // A name with a comma, a quote and a formula: CSV must quote it and keep it text.
    std::fs::write(
        dir.path().join("events.csv"),
        "Timestamp,Application,ApplicationId,ActionType,AccountId,AccountDisplayName,IPAddress\n\
2026-09-01T10:00:00Z,Workday,1,Change My Account,a@b.io,\"=cmd|' /C calc'!A0, \"\"Bob\"\"\",1.2.3.4\n\
2026-09-01T11:00:00Z,Workday,1,Add Payment Election,a@b.io,Bob,1.2.3.4\n",
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let run = |format: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_hirescope"))
            .args(["timeline", "--person", "a@b.io", d, "--format", format])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let csv = run("csv");
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let name_at = headers.iter().position(|h| h == "account_name").unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][name_at], "'=cmd|' /C calc'!A0, \"Bob\"");
    assert_eq!(&rows[0][0], "2026-09-01T10:00:00Z");
    for (format, required) in [
        ("jsonl", &["time", "table", "action"][..]),
        ("timesketch", &["message", "datetime", "timestamp_desc"][..]),
    ] {
        let text = run(format);
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2, "{format}");
        for l in &lines {
            for k in required {
                assert!(
                    l.get(*k)
                        .and_then(|v| v.as_str())
                        .is_some_and(|v| !v.is_empty()),
                    "{format}: {k} missing in {l}"
                );
            }
        }
    }
    let ts = run("timesketch");
    let first: serde_json::Value = serde_json::from_str(ts.lines().next().unwrap()).unwrap();
    assert_eq!(first["datetime"], "2026-09-01T10:00:00Z");
    assert!(first["message"]
        .as_str()
        .unwrap()
        .contains("Change My Account"));
}
