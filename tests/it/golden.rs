//! Golden files of the CLI outputs on the bundled samples. Set UPDATE_GOLDEN=1 to rewrite them
//! after an intended change, then review the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_hirescope"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{args:?} printed errors: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn golden(name: &str, actual: &str) {
    let path = root().join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing: run with UPDATE_GOLDEN=1", path.display()));
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from the golden file at line {}:\n  golden: {:?}\n  actual: {:?}\n(UPDATE_GOLDEN=1 rewrites it)",
            first + 1,
            expected.lines().nth(first),
            actual.lines().nth(first)
        );
    }
}

#[test]
fn detect_jsonl_on_samples() {
    let out = run(&["detect", "samples", "--format", "jsonl"]);
    golden("detect.jsonl", &out);
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for key in [
            "detector",
            "severity",
            "person",
            "accounts",
            "members",
            "first_seen",
            "last_seen",
            "attack",
            "reason",
            "evidence",
        ] {
            assert!(v.get(key).is_some(), "{key} missing in {line}");
        }
        assert!(v["first_seen"].as_str().unwrap().ends_with('Z'));
    }
}

#[test]
fn people_csv_on_samples_ranks_the_fraudulent_hires_first() {
    let out = run(&["people", "samples", "--format", "csv"]);
    golden("people.csv", &out);
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert!(rows[0].starts_with("H900,Daniel Kim,hired"), "{}", rows[0]);
    assert!(rows[1].starts_with("H901,Alex Morgan,hired"), "{}", rows[1]);
    // The honest look-alikes stay below every fraudulent persona.
    let rank = |id: &str| {
        rows.iter()
            .position(|r| r.starts_with(&format!("{id},")))
            .unwrap()
    };
    for innocent in ["H100", "H101", "H102", "C9100", "C9200"] {
        for fraud in ["H900", "H901", "H902", "H903"] {
            assert!(
                rank(innocent) > rank(fraud),
                "{innocent} ranks above {fraud}"
            );
        }
    }
}

#[test]
fn people_table_fits_80_columns() {
    let out = run(&["people", "samples"]);
    golden("people.txt", &out);
    for line in out.lines() {
        assert!(
            line.chars().count() <= 80,
            "{line:?} is {} wide",
            line.chars().count()
        );
    }
}

#[test]
fn detect_table_and_summary() {
    let out = run(&["detect", "samples", "--min-severity", "high"]);
    assert!(out.contains("top people: H900 (Daniel Kim"), "{out}");
    assert!(
        !out.contains("\nmedium "),
        "--min-severity high hides medium findings"
    );
    for line in out.lines().filter(|l| !l.starts_with("          ")) {
        assert!(
            line.chars().count() <= 80
                || line.starts_with("top people")
                || line.contains("events read"),
            "{line:?}"
        );
    }
}

#[test]
fn print_config_round_trips() {
    let out = run(&["detect", "--print-config"]);
    golden("config.toml", &out);
    assert!(out.contains("travel_min_kmh = 900.0"));
    let changed = run(&["detect", "--print-config", "--set", "travel_min_kmh=750"]);
    assert!(changed.contains("travel_min_kmh = 750.0"));
}

/// KQL checks an analyst would otherwise find by pasting: balanced brackets and quotes, `let`
/// statements closed with `;`, and no `;` anywhere else (the vendor's Workday query had a stray one).
fn check_kql(query: &str) {
    let mut depth = 0i32;
    let mut in_str = false;
    for c in query.chars() {
        match c {
            '"' => in_str = !in_str,
            '(' | '[' if !in_str => depth += 1,
            ')' | ']' if !in_str => depth -= 1,
            _ => {}
        }
        assert!(depth >= 0, "unbalanced brackets in\n{query}");
    }
    assert_eq!(depth, 0, "unbalanced brackets in\n{query}");
    assert!(!in_str, "unclosed string in\n{query}");
    let code: Vec<&str> = query
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect();
    let mut in_let = false;
    for line in &code {
        if line.starts_with("let ") {
            in_let = true;
        }
        if line.trim_end().ends_with(';') {
            assert!(in_let, "stray ';' in {line:?}");
            in_let = false;
        } else {
            assert!(
                !line.contains(';') || line.contains("\";\""),
                "stray ';' inside {line:?}"
            );
        }
    }
    assert!(!in_let, "a let statement is not closed with ';'");
    let last = code.iter().rev().find(|l| !l.trim().is_empty()).unwrap();
    assert!(
        !last.trim_end().ends_with(';'),
        "the query must end in a tabular expression"
    );
}

#[test]
fn kql_golden_and_shape() {
    let out = run(&[
        "kql",
        "--intel",
        "samples/intel_jasper_sleet.txt",
        "--intel",
        "samples/intel_stix_bundle.json",
    ]);
    golden("detectors.kql", &out);
    let queries: Vec<&str> = out.split("\n\n").filter(|q| !q.trim().is_empty()).collect();
    assert_eq!(queries.len(), hirescope::detect::ids().len());
    for q in &queries {
        check_kql(q);
    }
    assert!(out.contains("\"175.45.176.0/24\""), "intel is inlined");
    assert!(out.contains("ipv4_is_in_any_range(IPAddress, ActorRanges)"));
    assert!(out.contains("has_any (\"Add\", \"Change\", \"Assign\", \"Create\", \"Modify\")"));
    let one = run(&["kql", "impossible-travel"]);
    assert!(one.starts_with("// impossible-travel"));
}

#[test]
fn unknown_detector_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_hirescope"))
        .args(["detect", "--detector", "nope", "samples"])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no detector \"nope\"") && err.contains("impossible-travel"),
        "{err}"
    );
}
