//! The real binary, run as an analyst would.

use super::support::external;
use std::process::Command;

fn hirescope(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hirescope"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn inspect_json_reports_files_and_tables() {
    let dir = external("");
    let out = hirescope(&["inspect", "--format", "json", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tables = v["tables"].as_array().unwrap();
    let find = |name: &str| {
        tables
            .iter()
            .find(|t| t["table"] == name)
            .unwrap_or_else(|| panic!("{name} in {v}"))
    };
    assert_eq!(find("CloudAppEvents")["rows"], 2);
    assert_eq!(find("SigninLogs")["rows"], 56);
    assert_eq!(find("OfficeActivity")["rows"], 2);
    assert_eq!(find("SigninLogs")["first"], "2021-04-28T14:08:45Z");
    let files = v["files"].as_array().unwrap();
    assert_eq!(
        files.len(),
        3,
        "README.md beside the data is documentation, not input"
    );
    for f in files {
        assert!(f["path"].is_string() && f["rows"].is_number() && f["rejected"].is_array());
    }
    assert_eq!(v["roster"]["people"], 0);
    // The memory each table holds, canonical and vendor columns apart.
    let memory = &find("SigninLogs")["memory"];
    let bytes = |k: &str| {
        memory[k]
            .as_u64()
            .unwrap_or_else(|| panic!("{k} in {memory}"))
    };
    assert!(bytes("canonical_bytes") > 56 * 8, "{memory}");
    assert!(bytes("vendor_bytes") > 56 * 8, "{memory}");
}

#[test]
fn inspect_table_and_verbose_say_what_memory_is_held() {
    let dir = external("");
    let d = dir.to_str().unwrap();
    let out = hirescope(&["inspect", d]);
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("SigninLogs"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains(" MiB + ") && line.ends_with(" MiB"), "{line}");
    assert!(text.lines().any(|l| l.starts_with("all tables")), "{text}");
    // The shared dictionary of the repeated text columns is counted too.
    let dictionary = text
        .lines()
        .find(|l| l.starts_with("text dictionary"))
        .unwrap_or_else(|| panic!("{text}"));
    let values: usize = dictionary
        .split_whitespace()
        .nth(2)
        .unwrap()
        .parse()
        .unwrap();
    assert!(values > 20 && dictionary.ends_with(" MiB"), "{dictionary}");
    let out = hirescope(&["detect", d, "--format", "jsonl", "--verbose"]);
    let err = String::from_utf8(out.stderr).unwrap();
    for stage in [
        "read ",
        "table SigninLogs: 56 rows",
        "model: ",
        "detector impossible-travel: ",
        "detector shared-infrastructure: ",
        "detectors: ",
    ] {
        assert!(
            err.lines()
                .any(|l| l.contains(stage) && l.contains("resident") && l.contains("peak")),
            "{stage} in {err}"
        );
    }
    let quiet = hirescope(&["detect", d, "--format", "jsonl"]);
    assert!(
        quiet.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&quiet.stderr)
    );
    assert_eq!(quiet.stdout, out.stdout, "--verbose changes only stderr");
}

#[test]
fn inspect_table_names_rejected_rows_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.csv");
    std::fs::write(&p, "Timestamp,ApplicationId,ActionType,AccountId\n2024-01-01T00:00:00Z,1,X,a@b.io\nnot a time,1,X,\x1b]0;evil\x07@b.io\n").unwrap();
    let out = hirescope(&["inspect", p.to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("line 3 column Timestamp: timestamp does not parse"),
        "{text}"
    );
    assert!(text.contains("rows rejected: 1"));
    assert!(
        !text.contains('\x1b'),
        "escape sequences never reach the terminal"
    );
}

#[test]
fn a_missing_path_is_an_error_that_names_it() {
    let out = hirescope(&[
        "inspect",
        "/nonexistent/file.csv",
        external("defender_union_export.jsonl").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3), "unreadable input");
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("/nonexistent/file.csv") && err.contains("No such file or directory"),
        "{err}"
    );
}

#[test]
fn the_workbench_without_a_terminal_says_what_to_use_instead() {
    let out = Command::new(env!("CARGO_BIN_EXE_hirescope"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("needs a terminal") && err.contains("hirescope people"),
        "{err}"
    );
}

/// Inputs are evidence: after every command (and a workbench session), every input file has the
/// same bytes and modification time, and nothing new appeared beside them.
#[test]
fn inputs_are_never_written() {
    let dir = super::support::hostile_dir();
    let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    for e in std::fs::read_dir(&samples).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    let snapshot = || {
        let mut v: Vec<(String, Vec<u8>, std::time::SystemTime)> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                let meta = std::fs::metadata(&p).unwrap();
                (
                    p.display().to_string(),
                    std::fs::read(&p).unwrap(),
                    meta.modified().unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let before = snapshot();
    let d = dir.path().to_str().unwrap();
    let intel = dir.path().join("intel.txt");
    let intel = intel.to_str().unwrap();
    for args in [
        vec!["inspect", d],
        vec!["inspect", d, "--format", "json"],
        vec!["detect", d],
        vec!["detect", d, "--format", "jsonl"],
        vec!["detect", d, "--format", "csv"],
        vec!["detect", d, "--explain"],
        vec!["people", d],
        vec!["people", d, "--format", "csv"],
        vec!["people", d, "--format", "jsonl"],
        vec!["kql", "--intel", intel],
    ] {
        let out = hirescope(&args);
        assert!(out.status.success(), "{args:?}");
    }
    // A workbench session in a real terminal: open, run the detectors, quit.
    let socket = format!("hirescope-evidence-{}", std::process::id());
    let tmux = |a: &[&str]| {
        Command::new("tmux")
            .arg("-L")
            .arg(&socket)
            .args(a)
            .output()
            .unwrap()
    };
    let data_dir = tempfile::tempdir().unwrap();
    let cmd = format!(
        "HIRESCOPE_DATA_DIR='{}' '{}' '{d}'; sleep 5",
        data_dir.path().display(),
        env!("CARGO_BIN_EXE_hirescope")
    );
    tmux(&[
        "new-session",
        "-d",
        "-s",
        "main",
        "-x",
        "120",
        "-y",
        "40",
        &cmd,
    ]);
    let start = std::time::Instant::now();
    while !String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", "main"]).stdout)
        .contains("Daniel Kim")
    {
        assert!(
            start.elapsed().as_secs() < 60,
            "the workbench never showed the data"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    for k in ["r", "Tab", "Enter", "Q"] {
        tmux(&["send-keys", "-t", "main", k]);
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    tmux(&["kill-server"]);
    let after = snapshot();
    assert_eq!(
        before.iter().map(|f| &f.0).collect::<Vec<_>>(),
        after.iter().map(|f| &f.0).collect::<Vec<_>>(),
        "nothing is written beside the inputs"
    );
    for (b, a) in before.iter().zip(&after) {
        assert!(b.1 == a.1, "{} changed", b.0);
        assert_eq!(b.2, a.2, "{} was touched", b.0);
    }
}

/// Offline: a whole run (every command, with the samples' intel) makes no network system call.
/// Polars links an HTTP client for cloud storage; hirescope never takes that path.
#[test]
fn nothing_goes_to_the_network() {
    let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let trace = tempfile::NamedTempFile::new().unwrap();
    for args in [
        vec!["detect", samples.to_str().unwrap(), "--format", "jsonl"],
        vec!["people", samples.to_str().unwrap()],
        vec!["inspect", samples.to_str().unwrap()],
    ] {
        let out = Command::new("strace")
            .args(["-f", "-e", "trace=network", "-o"])
            .arg(trace.path())
            .arg(env!("CARGO_BIN_EXE_hirescope"))
            .args(&args)
            .output()
            .expect("strace is installed (.ci/run installs it)");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let calls: Vec<String> = std::fs::read_to_string(trace.path())
            .unwrap()
            .lines()
            // Local plumbing (a socketpair of Polars' runtime) is not the network.
            .filter(|l| l.contains("AF_INET") || l.contains("connect("))
            .map(str::to_string)
            .collect();
        assert!(calls.is_empty(), "{args:?} made network calls: {calls:?}");
    }
}

/// Headless tables cut long values with `…`; `--wide` never cuts.
#[test]
fn wide_tables_never_clip() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("events.csv"),
        "Timestamp,Application,ActionType,AccountId,AccountDisplayName,IPAddress\n\
2026-09-01T10:00:00Z,Workday,Change My Account,an.applicant.with.a.long.address@mail.example,Bartholomew Featherstonehaugh-Smythe,1.2.3.4\n",
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let narrow = String::from_utf8(hirescope(&["people", d]).stdout).unwrap();
    assert!(
        narrow.contains("an.applic…") && narrow.contains('…'),
        "{narrow}"
    );
    let wide = String::from_utf8(hirescope(&["people", d, "--wide"]).stdout).unwrap();
    assert!(
        wide.contains("an.applicant.with.a.long.address@mail.example")
            && wide.contains("Bartholomew Featherstonehaugh-Smythe"),
        "{wide}"
    );
    assert!(!wide.contains('…'), "{wide}");
}
