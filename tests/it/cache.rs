//! The parse cache, through the real binary: a reopen reads it and gives the same answers, a
//! corrupt or stale entry is rebuilt, changed inputs get their own entry, `--no-cache` leaves none.

use std::path::Path;
use std::process::{Command, Output};

fn run(cache: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_hirescope"))
        .args(args)
        .arg("--verbose")
        .env("HIRESCOPE_CACHE_DIR", cache)
        .env("HIRESCOPE_CACHE_MIN_BYTES", "0")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn entries(cache: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(cache)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.join("manifest.json").is_file());
    v.sort();
    v
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_reopen_reads_the_cache_and_answers_the_same() {
    let data = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let st = Command::new(env!("CARGO_BIN_EXE_hirescope"))
        .args([
            "sample", "--force", "--people", "60", "--events", "20000", "-o",
        ])
        .arg(data.path())
        .status()
        .unwrap();
    assert!(st.success());
    let d = data.path().to_str().unwrap();
    let c = cache.path();

    let fresh_detect = run(c, &["detect", d, "--format", "jsonl", "--no-cache"]);
    let fresh_inspect = run(c, &["inspect", d, "--format", "json", "--no-cache"]);
    assert!(entries(c).is_empty(), "--no-cache wrote a cache");

    let first = run(c, &["inspect", d, "--format", "json"]);
    assert!(
        stderr(&first).contains("cache written"),
        "{}",
        stderr(&first)
    );
    assert_eq!(entries(c).len(), 1);
    assert_eq!(first.stdout, fresh_inspect.stdout);

    let again = run(c, &["detect", d, "--format", "jsonl"]);
    assert!(
        stderr(&again).contains("read from the cache"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        String::from_utf8_lossy(&fresh_detect.stdout),
        "findings from the cache differ from a fresh parse"
    );
    let reopened = run(c, &["inspect", d, "--format", "json"]);
    assert_eq!(reopened.stdout, fresh_inspect.stdout, "the files' accounts");

    // A corrupt table file: the entry is not trusted, the answer is the same, and it is rebuilt.
    let entry = entries(c).remove(0);
    let table = std::fs::read_dir(&entry)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "parquet"))
        .unwrap();
    std::fs::write(&table, b"PAR1 this is not parquet PAR1").unwrap();
    let repaired = run(c, &["detect", d, "--format", "jsonl"]);
    assert!(
        stderr(&repaired).contains("not used"),
        "{}",
        stderr(&repaired)
    );
    assert_eq!(repaired.stdout, fresh_detect.stdout);
    let hit = run(c, &["detect", d, "--format", "jsonl"]);
    assert!(
        stderr(&hit).contains("read from the cache"),
        "{}",
        stderr(&hit)
    );

    // A missing manifest is a miss too.
    std::fs::remove_file(entries(c)[0].join("manifest.json")).unwrap();
    let rebuilt = run(c, &["detect", d, "--format", "jsonl"]);
    assert!(
        stderr(&rebuilt).contains("cache written"),
        "{}",
        stderr(&rebuilt)
    );

    // Changed inputs are new inputs: a row appended to one export gets its own entry and is read.
    let csv = data.path().join("defender_cloudappevents.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    let last = text.lines().last().unwrap().to_string();
    std::fs::write(&csv, format!("{text}{}\n", last.replace("2026-", "2025-"))).unwrap();
    let changed = run(c, &["inspect", d, "--format", "json"]);
    assert!(
        stderr(&changed).contains("cache written"),
        "{}",
        stderr(&changed)
    );
    assert_eq!(entries(c).len(), 2);
    let v: serde_json::Value = serde_json::from_slice(&changed.stdout).unwrap();
    let before: serde_json::Value = serde_json::from_slice(&fresh_inspect.stdout).unwrap();
    assert_eq!(
        v["rows"].as_u64().unwrap(),
        before["rows"].as_u64().unwrap() + 1
    );
}
