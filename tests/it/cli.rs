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
