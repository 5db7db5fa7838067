//! The parse cache, through the real binary: a reopen reads it and gives the same answers, a
//! corrupt or stale entry is rebuilt, changed inputs get their own entry, `--no-cache` leaves none.

use super::support::{sample, succeeds};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(cache: &Path, args: &[&str]) -> Output {
    succeeds(
        Command::new(env!("CARGO_BIN_EXE_hirescope"))
            .args(args)
            .arg("--verbose")
            .env("HIRESCOPE_CACHE_DIR", cache)
            .env("HIRESCOPE_CACHE_MIN_BYTES", "0"),
    )
}

fn entries(cache: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(cache)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.join("manifest.json").is_file());
    v.sort();
    v
}

/// The file of a cache entry whose name `pick` chooses.
fn file_in(entry: &Path, pick: impl Fn(&str) -> bool) -> PathBuf {
    std::fs::read_dir(entry)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| pick(&p.file_name().unwrap().to_string_lossy()))
        .unwrap_or_else(|| panic!("no such file in {}", entry.display()))
}

/// A command's output with what `inspect --format json` says of memory taken out: where the
/// vendor columns are (held, or left in the cache) and so what is held differ by design.
fn answer(o: &Output) -> String {
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(mut v) if v.get("tables").is_some() => {
            for t in v["tables"].as_array_mut().into_iter().flatten() {
                t.as_object_mut().map(|t| t.remove("memory"));
            }
            v.as_object_mut().map(|v| v.remove("memory"));
            v.to_string()
        }
        _ => text,
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The `--verbose` log of a run says `what` (a cache hit, write or rebuild).
fn says(o: &Output, what: &str) {
    assert!(stderr(o).contains(what), "{what:?} in {}", stderr(o));
}

#[test]
fn a_reopen_reads_the_cache_and_answers_the_same() {
    let data = sample(60, 20_000);
    let cache = tempfile::tempdir().unwrap();
    let d = data.path().to_str().unwrap();
    let c = cache.path();

    let fresh_detect = run(c, &["detect", d, "--format", "jsonl", "--no-cache"]);
    let fresh_inspect = run(c, &["inspect", d, "--format", "json", "--no-cache"]);
    assert!(entries(c).is_empty(), "--no-cache wrote a cache");

    let first = run(c, &["inspect", d, "--format", "json"]);
    says(&first, "cache written");
    assert_eq!(entries(c).len(), 1);
    assert_eq!(answer(&first), answer(&fresh_inspect));
    // The parse holds the exports' contents: only the user may enter the entry.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&entries(c)[0])
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700, "{mode:o}");

    let again = run(c, &["detect", d, "--format", "jsonl"]);
    says(&again, "read from the cache");
    // Read for a model (only the columns one leaves the tables) that is not there yet.
    says(&again, "tables read again whole");
    says(&again, "model written to the cache");
    let linked = run(c, &["detect", d, "--format", "jsonl"]);
    says(&linked, "model read from the cache");
    assert!(!stderr(&linked).contains("tables read again"));
    assert_eq!(
        linked.stdout, fresh_detect.stdout,
        "the cached model answers the same"
    );
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        String::from_utf8_lossy(&fresh_detect.stdout),
        "findings from the cache differ from a fresh parse"
    );
    // A damaged model (either file of its rows), or its dictionary, is built again from the
    // tables: the same answer.
    for damaged in [".dictionary.parquet", ".0.parquet", ".1.parquet"] {
        let entry = entries(c).remove(0);
        let file = file_in(&entry, |name| {
            name.starts_with("model-") && name.ends_with(damaged)
        });
        std::fs::write(&file, b"PAR1 this is not parquet PAR1").unwrap();
        // A model a killed process was writing (`NAME.PID` of a process that has ended) is
        // removed when the next one is written.
        let mut ended = std::process::Command::new("true").spawn().unwrap();
        ended.wait().unwrap();
        let unfinished = entry.join(format!("model-x.parquet.{}", ended.id()));
        std::fs::write(&unfinished, b"cut short").unwrap();
        let rebuilt = run(c, &["detect", d, "--format", "jsonl"]);
        says(&rebuilt, "cached model not used");
        says(&rebuilt, "model written to the cache");
        assert!(!unfinished.exists(), "{}", unfinished.display());
        assert_eq!(rebuilt.stdout, fresh_detect.stdout, "{damaged}");
        says(
            &run(c, &["detect", d, "--format", "jsonl"]),
            "model read from the cache",
        );
    }
    let reopened = run(c, &["inspect", d, "--format", "json"]);
    assert_eq!(
        answer(&reopened),
        answer(&fresh_inspect),
        "the files' accounts"
    );

    // A corrupt table file: the entry is not trusted, the answer is the same, and it is rebuilt.
    let entry = entries(c).remove(0);
    let table = file_in(&entry, |name| {
        name.ends_with(".parquet") && !name.starts_with("model-")
    });
    std::fs::write(&table, b"PAR1 this is not parquet PAR1").unwrap();
    let repaired = run(c, &["detect", d, "--format", "jsonl"]);
    says(&repaired, "not used");
    assert_eq!(repaired.stdout, fresh_detect.stdout);
    let hit = run(c, &["detect", d, "--format", "jsonl"]);
    says(&hit, "read from the cache");

    // A damaged piece: a read that gathers the canonical columns from the pieces (inspect)
    // does not trust the entry either, and answers as a fresh parse.
    let entry = entries(c).remove(0);
    let piece = file_in(&entry, |name| {
        name.starts_with("CloudAppEvents.") && name != "CloudAppEvents.parquet"
    });
    std::fs::write(&piece, b"PAR1 this is not parquet PAR1").unwrap();
    let gathered = run(c, &["inspect", d, "--format", "json"]);
    says(&gathered, "CloudAppEvents from its pieces");
    says(&gathered, "not used");
    assert_eq!(answer(&gathered), answer(&fresh_inspect));

    // A missing manifest is a miss too.
    std::fs::remove_file(entries(c)[0].join("manifest.json")).unwrap();
    let rebuilt = run(c, &["detect", d, "--format", "jsonl"]);
    says(&rebuilt, "cache written");

    // Changed inputs are new inputs: a row appended to one export gets its own entry and is read.
    let csv = data.path().join("defender_cloudappevents.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    let last = text.lines().last().unwrap().to_string();
    std::fs::write(&csv, format!("{text}{}\n", last.replace("2026-", "2025-"))).unwrap();
    let changed = run(c, &["inspect", d, "--format", "json"]);
    says(&changed, "cache written");
    assert_eq!(entries(c).len(), 2);
    let v: serde_json::Value = serde_json::from_slice(&changed.stdout).unwrap();
    let before: serde_json::Value = serde_json::from_slice(&fresh_inspect.stdout).unwrap();
    assert_eq!(
        v["rows"].as_u64().unwrap(),
        before["rows"].as_u64().unwrap() + 1
    );
    std::fs::write(&csv, text).unwrap();
    let fresh_detect = run(c, &["detect", d, "--format", "jsonl", "--no-cache"]);

    // Another roster is another model (and, the roster being an input, another entry): the
    // model is built again, and the answer is a fresh parse's with that roster.
    let roster = data.path().join("hr_roster.csv");
    let text = std::fs::read_to_string(&roster).unwrap();
    let fewer: Vec<&str> = text.lines().take(text.lines().count() / 2).collect();
    std::fs::write(&roster, fewer.join("\n") + "\n").unwrap();
    let other = run(c, &["detect", d, "--format", "jsonl"]);
    assert!(!stderr(&other).contains("model read from the cache"));
    let other_fresh = run(c, &["detect", d, "--format", "jsonl", "--no-cache"]);
    assert_eq!(other.stdout, other_fresh.stdout);
    assert_ne!(
        other.stdout, fresh_detect.stdout,
        "half the roster changed nothing"
    );
}

/// Shapes hirescope did not generate: the bundled samples, the real public exports, the hostile
/// files, an export given twice, a summarize projection without Application, service and machine
/// accounts, addresses with no location, a refused indicator, and overlapping sign-in exports.
fn outside_shapes() -> tempfile::TempDir {
    let w = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copy_all = |from: &Path, prefix: &str| {
        for e in std::fs::read_dir(from).unwrap().flatten() {
            if e.path().is_file() && !e.file_name().to_string_lossy().ends_with(".md") {
                let to = w
                    .path()
                    .join(format!("{prefix}{}", e.file_name().to_string_lossy()));
                std::fs::copy(e.path(), to).unwrap();
            }
        }
    };
    copy_all(&root.join("samples"), "");
    copy_all(&root.join("tests/data/external"), "external_");
    let hostile = super::support::hostile_dir();
    copy_all(hostile.path(), "hostile_");
    std::fs::copy(
        root.join("samples/defender_cloudappevents.csv"),
        w.path().join("defender_cloudappevents (1).csv"),
    )
    .unwrap();
    let put = |name: &str, text: &str| std::fs::write(w.path().join(name), text).unwrap();
    put(
        "recruiting_query.csv",
        "AccountId,IPAddress,Timestamp,set_ActionType\n\
ann.lee@mail.example,175.45.176.23,2026-08-03T00:00:00Z,\"[\"\"hrrecruiting/accounts/1\"\"]\"\n\
,175.45.176.23,2026-08-04T00:00:00Z,\"[\"\"hrrecruiting/accounts/3\"\"]\"\n",
    );
    put(
        "services.csv",
        "TimeGenerated,Operation,OfficeWorkload,RecordType,UserId,UserType,ClientIP\n\
2026-08-05T10:00:00Z,FileAccessed,SharePoint,SharePointFileOperation,app@sharepoint,System,52.232.229.242\n\
2026-08-05T10:00:01Z,FileModified,OneDrive,SharePointFileOperation,FILESRV01$,Regular,\n\
2026-08-05T10:00:02Z,FileAccessed,SharePoint,SharePointFileOperation,pat@contoso.example,Regular,2001:db8::7\n",
    );
    put("partner.txt", "# partner\n198.51.100.0/24\n0.0.0.0/0\n");
    // The same events exported twice, in two exports that are not identical files: the second
    // holds every sign-in of the first but its last, so its rows are dropped as repeats.
    let signins = std::fs::read_to_string(root.join("samples/sentinel_signinlogs.csv")).unwrap();
    let lines: Vec<&str> = signins.lines().collect();
    put(
        "signins_again.csv",
        &(lines[..lines.len() - 1].join("\n") + "\n"),
    );
    w
}

/// Shapes hirescope did not generate, read through the cache: real public exports, the same
/// export twice, a summarize projection without Application, service and machine accounts,
/// addresses with no location, hostile cells (NUL, escapes), a refused indicator. Every answer
/// from the cache equals a fresh parse's.
#[test]
fn every_shape_reads_the_same_from_the_cache() {
    let w = outside_shapes();

    let cache = tempfile::tempdir().unwrap();
    let (d, c) = (w.path().to_str().unwrap(), cache.path());
    let commands: [&[&str]; 4] = [
        &["inspect", d, "--format", "json"],
        &["people", d, "--format", "csv", "--wide"],
        &["detect", d, "--format", "jsonl"],
        &["timeline", "--person", "H900", d, "--format", "jsonl"],
    ];
    for args in commands {
        let fresh = run(c, &[args, &["--no-cache"]].concat());
        let written = run(c, args);
        let read = run(c, args);
        assert!(
            stderr(&read).contains("read from the cache"),
            "{args:?}: {}",
            stderr(&read)
        );
        for (what, out) in [("writing", &written), ("reading", &read)] {
            assert_eq!(
                answer(out),
                answer(&fresh),
                "{args:?} while {what} the cache"
            );
        }
    }
    assert_eq!(entries(c).len(), 1, "one entry for one set of inputs");
}

/// One set of inputs read three ways: held (`--no-cache`), written to a fresh cache in pieces of
/// `piece_rows`, and reopened from it; with a workspace over each.
struct ThreeWays {
    root: tempfile::TempDir,
    held: hirescope::ingest::Dataset,
    written: hirescope::ingest::Dataset,
    reopened: hirescope::ingest::Dataset,
    ws: [hirescope::workspace::Workspace; 3],
}

fn three_ways(dir: &Path, piece_rows: usize) -> ThreeWays {
    use hirescope::ingest::{self, cache, Inputs};
    let root = tempfile::tempdir().unwrap();
    let inputs = Inputs {
        paths: vec![dir.to_path_buf()],
        cache: true,
        ..Inputs::default()
    };
    let held = ingest::load_fresh(&inputs);
    let written = cache::load_in(root.path(), 0, &inputs, None, |i, spill| {
        if let Some(s) = &spill {
            s.set_piece_rows(piece_rows);
        }
        ingest::load_fresh_into(i, spill)
    });
    let reopened = cache::load_in(root.path(), 0, &inputs, None, |_, _| {
        panic!("not from the cache")
    });
    let config = hirescope::detect::Config::default();
    let ws = |d: &ingest::Dataset| {
        let a = hirescope::analysis::analyse_data(d.clone(), &config, &[]).unwrap();
        hirescope::workspace::Workspace::new(a)
    };
    let ws = [ws(&held), ws(&written), ws(&reopened)];
    ThreeWays {
        root,
        held,
        written,
        reopened,
        ws,
    }
}

impl ThreeWays {
    /// Every table is in the cache with all its columns counted and only canonical ones held;
    /// the detail of each row `rows_of(height)` gives is the same all three ways (and has at
    /// least `min_lines` lines); the findings are the same. Returns how many rows it compared.
    fn same_details(&self, rows_of: impl Fn(i64) -> Vec<i64>, min_lines: usize) -> usize {
        use hirescope::workspace::detail::detail;
        let mut compared = 0;
        for (kind, df) in &self.held.tables {
            assert!(self.written.on_disk.contains_key(kind), "{kind}");
            assert!(self.reopened.on_disk.contains_key(kind), "{kind}");
            assert_eq!(self.written.width(*kind), df.width(), "{kind}");
            assert_eq!(self.reopened.width(*kind), df.width(), "{kind}");
            // Held: only canonical columns; the vendor's (ActionType, RawEventData…) are not.
            let kept = self.reopened.table(*kind).unwrap();
            assert!(kept.width() < df.width(), "{kind} holds every column");
            for row in rows_of(df.height() as i64) {
                let want = detail(&self.ws[0], kind.name(), row);
                assert!(want.len() >= min_lines, "{kind} row {row}: {want:?}");
                for (what, ws) in [("written", &self.ws[1]), ("reopened", &self.ws[2])] {
                    let got = detail(ws, kind.name(), row);
                    assert_eq!(got, want, "{kind} row {row}, {what}");
                }
                compared += 1;
            }
        }
        let findings = |ws: &hirescope::workspace::Workspace| {
            serde_json::to_string(&ws.analysis.findings).unwrap()
        };
        assert_eq!(findings(&self.ws[0]), findings(&self.ws[1]));
        assert_eq!(findings(&self.ws[0]), findings(&self.ws[2]));
        compared
    }
}

/// With a cache, the vendor columns are not held but read back from it: every row's detail (all
/// of its vendor columns) is the same as when they are held, after the write and after a reopen,
/// and a cache file removed under an open investigation is said, not a crash.
#[test]
fn vendor_columns_read_back_from_the_cache_are_the_rows_read() {
    use hirescope::ingest::{self, TableKind};
    let data = sample(20, 4_000);
    // Pieces of 700 rows: many per table, across the readers' parallel chunks.
    let t = three_ways(data.path(), 700);
    let pieces = |d: &ingest::Dataset, kind: &TableKind| match &d.on_disk[kind].stored {
        ingest::Stored::Pieces { pieces, .. } => pieces.len(),
        ingest::Stored::Whole(_) => 0,
    };
    assert!(t.held.on_disk.is_empty());
    for (kind, df) in &t.held.tables {
        let want = df.height().div_ceil(700).max(1);
        let got = pieces(&t.written, kind);
        assert!(got >= want, "{kind}: {got}");
        assert_eq!(pieces(&t.reopened, kind), got, "{kind}");
    }
    let edges = |rows: i64| {
        [0, 699, 700, rows / 2, rows - 1]
            .into_iter()
            .filter(|r| *r < rows)
            .collect()
    };
    let compared = t.same_details(edges, 5);
    assert!(compared >= 9, "{compared} rows compared");
    // The alert detector reads the vendor's severity from the cache (same findings, above).
    assert!(t.ws[0]
        .analysis
        .findings
        .iter()
        .any(|f| f.detector == "vendor-alert"));

    // The cache emptied under the open investigation: the detail says where the columns were,
    // and still shows what is held of the row (its canonical columns), the same as before.
    let kind = TableKind::CloudAppEvents;
    let before = hirescope::workspace::detail::detail(&t.ws[2], kind.name(), 0);
    std::fs::remove_dir_all(t.root.path()).unwrap();
    let lines = hirescope::workspace::detail::detail(&t.ws[2], kind.name(), 0);
    assert!(lines[0].starts_with("CloudAppEvents row 0 · "), "{lines:?}");
    assert!(
        lines[1].starts_with("! ") && lines[1].contains("cannot be read now"),
        "{lines:?}"
    );
    let derived = |l: &[String]| {
        let at = l.iter().position(|l| l == "derived by hirescope:").unwrap();
        l[at..].to_vec()
    };
    // Only what linking reads from the table and the model does not keep (registry_country)
    // is in the cache alone.
    let (now, then) = (derived(&lines), derived(&before));
    assert!(now.len() > 20 && now.len() + 1 >= then.len(), "{now:?}");
    assert!(now.iter().all(|l| then.contains(l)), "{now:?}\n{then:?}");
    // The alert detector, run again, says it cannot read the vendor's severity: it does not
    // report every alert as medium and unnamed.
    let a = &t.ws[2].analysis;
    let config = hirescope::detect::Config::default();
    let (found, errors) =
        hirescope::detect::run(&a.model, &a.data, &config, &["vendor-alert".to_string()]);
    assert!(found.is_empty(), "{found:?}");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("vendor-alert: ") && errors[0].contains("cannot be read now"),
        "{errors:?}"
    );
}

/// The same over shapes hirescope did not generate (`outside_shapes`), in pieces of 50 rows:
/// overlapping exports whose repeats are dropped between pieces, projections with few columns,
/// machine accounts, rows with no location, cells neutralised to keep the row.
#[test]
fn outside_shapes_read_back_whole_from_the_cache() {
    let w = outside_shapes();
    let t = three_ways(w.path(), 50);
    let dropped: usize = t.held.files.iter().map(|f| f.duplicates).sum();
    assert!(dropped > 0, "the overlapping exports dropped no repeats");
    let neutralised: usize = t.held.files.iter().map(|f| f.neutralised_count).sum();
    assert!(neutralised > 0, "no hostile cell was neutralised");
    let spread = |rows: i64| {
        let mut v: Vec<i64> = (0..rows).step_by(37).collect();
        v.extend([49, 50, rows - 1].into_iter().filter(|r| *r < rows));
        v
    };
    let compared = t.same_details(spread, 3);
    assert!(compared >= 200, "{compared} rows compared");
}

/// An entry a load was making when it was killed (`.KEY.PID`, the pieces written so far) is
/// removed by the next load once that process has ended; one of a live process is left alone.
#[test]
fn a_killed_load_leaves_nothing_behind_for_long() {
    let data = sample(10, 1_000);
    let cache = tempfile::tempdir().unwrap();
    let mut child = Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let abandoned = cache.path().join(format!(".0123abcd.{dead}"));
    let live = cache.path().join(format!(".4567ef.{}", std::process::id()));
    for d in [&abandoned, &live] {
        std::fs::create_dir(d).unwrap();
        std::fs::write(d.join("CloudAppEvents.000000.parquet"), b"half").unwrap();
    }
    let d = data.path().to_str().unwrap();
    let out = run(cache.path(), &["detect", d, "--format", "jsonl"]);
    says(&out, "cache written");
    assert!(
        !abandoned.exists(),
        "the killed load's pieces are still there"
    );
    assert!(live.exists(), "a running load's entry was removed");
}

/// Inputs with a file that cannot be read are not cached for next time, but this load still
/// spilled its pieces (codes included) and reads every row's vendor columns back from them.
#[test]
fn an_unreadable_input_keeps_its_pieces_for_this_process() {
    use hirescope::ingest::{self, cache, Inputs, TableKind};
    let data = sample(20, 3_000);
    std::fs::write(
        data.path().join("broken.bin"),
        [0u8, 159, 146, 150, 0, 1, 2],
    )
    .unwrap();
    let root = tempfile::tempdir().unwrap();
    let inputs = Inputs {
        paths: vec![data.path().to_path_buf()],
        cache: true,
        ..Inputs::default()
    };
    let held = ingest::load_fresh(&inputs);
    let spilled = cache::load_in(root.path(), 0, &inputs, None, |i, spill| {
        if let Some(s) = &spill {
            s.set_piece_rows(100);
        }
        ingest::load_fresh_into(i, spill)
    });
    assert!(spilled.cache_entry.is_none(), "an input could not be read");
    assert!(spilled.on_disk.contains_key(&TableKind::CloudAppEvents));
    let table = &held.tables[&TableKind::CloudAppEvents];
    for row in [0, 1, 150, table.height() as i64 - 1] {
        let a = held.row_whole(TableKind::CloudAppEvents, row).unwrap();
        let b = spilled
            .row_whole(TableKind::CloudAppEvents, row)
            .unwrap_or_else(|e| panic!("row {row}: {e}"));
        for c in a.columns() {
            let theirs = b.column(c.name()).unwrap();
            assert_eq!(
                c.cast(&polars::prelude::DataType::String).unwrap(),
                theirs.cast(&polars::prelude::DataType::String).unwrap(),
                "row {row} column {}",
                c.name()
            );
        }
    }
}

/// Exports of shapes hirescope did not write, read while a cache entry is written: every row of
/// every table read back whole (vendor columns from the export file, from the pieces, or both)
/// is the row a load without a cache holds. A BOM, CRLF, a header spelling one column twice,
/// quoted commas and escaped quotes, `null`, a cell over two lines and quoting outside RFC 4180
/// in the CSV; a BOM, CRLF, invalid UTF-8, an escaped key, a KQL `set_` array and a broken line
/// in the JSON Lines; the CSV exported twice and once gzipped; a machine account; no address.
#[test]
fn rows_read_back_from_exports_of_many_shapes_are_the_held_rows() {
    use hirescope::ingest::{self, cache, Inputs};
    let dir = tempfile::tempdir().unwrap();
    let head = "Timestamp,Application,ActionType,AccountId,IPAddress,IpAddress,CountryCode,UserAgent,ObjectName,RawEventData,ReportId";
    // One clean export, read column by column (its vendor columns stay in it), and one with
    // cells the row reader takes (its vendor columns go to the pieces).
    let mut csv = format!("\u{feff}{head}\r\n");
    let mut odd = csv.clone();
    for i in 0..40 {
        let (ip, dup) = match i % 4 {
            0 => ("73.42.118.9", ""),
            1 => ("", "10.0.0.7"),
            2 => ("[2001:db8::1]:443", ""),
            _ => ("null", ""),
        };
        let account = if i % 7 == 0 {
            "WS-0142$@contoso.example"
        } else {
            "a@contoso.example"
        };
        let object = match i {
            11 => "\"two\r\nlines\"".to_string(),
            23 => "5\" screen".to_string(),
            _ => format!("\"doc {i}, draft\""),
        };
        let record = format!(
            "2026-08-03T11:{:02}:36Z,Microsoft Teams,MessageSent,{account},{ip},{dup},US,\"Mozilla/5.0 (X, Y)\",{object},\"{{\"\"n\"\":{i}}}\",r{i}\r\n",
            i % 60
        );
        match i {
            11 | 23 => odd.push_str(&record),
            _ => csv.push_str(&record),
        }
        odd.push_str(&record.replace(",r", ",o"));
    }
    std::fs::write(dir.path().join("cloud.csv"), &csv).unwrap();
    std::fs::write(dir.path().join("cloud_odd.csv"), &odd).unwrap();
    std::fs::create_dir(dir.path().join("again")).unwrap();
    std::fs::write(dir.path().join("again/cloud.csv"), &csv).unwrap();
    std::fs::write(
        dir.path().join("cloud_b.csv.gz"),
        super::support::gzip(csv.replace(",r", ",g").as_bytes()),
    )
    .unwrap();
    let mut jsonl: Vec<u8> = "\u{feff}".as_bytes().to_vec();
    for i in 0..30 {
        let line = match i {
            5 => "{\"TimeGenerated\":\"2026-08-03T16:05:00Z\",\"Operation\":\"FileAccessed\",\"OfficeWorkload\":\"SharePoint\",\"UserId\":\"b@contoso.example\",\"Client\\u0049P\":\"10.0.0.5\"}".to_string(),
            9 => "{\"TimeGenerated\":\"2026-08-03T16:09:00Z\",\"Operation\":\"FileAccessed\",\"OfficeWorkload\":\"SharePoint\",\"UserId\":\"b@contoso.example\",\"set_ClientIP\":\"[\\\"10.0.0.8\\\",\\\"10.0.0.9\\\"]\"}".to_string(),
            17 => "{\"TimeGenerated\": broken".to_string(),
            _ => format!("{{\"TimeGenerated\":\"2026-08-03T16:{i:02}:00Z\",\"Operation\":\"FileAccessed\",\"OfficeWorkload\":\"SharePoint\",\"UserId\":\"c@contoso.example\",\"ClientIP\":\"10.1.0.{i}\",\"SourceFileName\":\"f{i}.md\"}}"),
        };
        jsonl.extend_from_slice(line.as_bytes());
        if i == 13 {
            // Invalid UTF-8 in a value: the careful path replaces it and flags the row.
            let at = jsonl.len() - 4;
            jsonl.insert(at, 0xff);
        }
        jsonl.extend_from_slice(b"\r\n");
    }
    std::fs::write(dir.path().join("office.jsonl"), &jsonl).unwrap();
    let inputs = Inputs {
        paths: vec![dir.path().to_path_buf()],
        cache: true,
        ..Inputs::default()
    };
    let held = ingest::load_fresh(&inputs);
    let root = tempfile::tempdir().unwrap();
    let spilled = cache::load_in(root.path(), 0, &inputs, None, |i, spill| {
        if let Some(s) = &spill {
            s.set_piece_rows(7);
        }
        ingest::load_fresh_into(i, spill)
    });
    assert!(spilled.cache_entry.is_some(), "{:?}", spilled.files);
    let as_text = |c: &polars::prelude::Column| c.cast(&polars::prelude::DataType::String).unwrap();
    let mut compared = 0;
    for (kind, table) in &held.tables {
        assert_eq!(spilled.tables[kind].height(), table.height(), "{kind}");
        for row in 0..table.height() as i64 {
            let want = held.row_whole(*kind, row).unwrap();
            let back = spilled
                .row_whole(*kind, row)
                .unwrap_or_else(|e| panic!("{kind} row {row}: {e}"));
            for c in back.columns() {
                let theirs = want
                    .column(c.name())
                    .unwrap_or_else(|_| panic!("{kind} row {row}: {} is not held", c.name()));
                assert_eq!(as_text(c), as_text(theirs), "{kind} row {row} {}", c.name());
            }
            // A row read back lists the vendor columns of its own piece or line; a held table
            // lists every column any row had, missing where this row has none.
            for c in want.columns() {
                if back.column(c.name()).is_err() {
                    assert_eq!(c.null_count(), 1, "{kind} row {row} lacks {}", c.name());
                }
            }
            compared += 1;
        }
    }
    assert!(compared >= 100, "only {compared} rows compared");
}

/// `tests/data/projection`, written by hand: a CloudAppEvents hunting query that projected six
/// columns (CRLF; padded, mixed-case and upper-case spellings of one account; a Greek account in
/// capitals, whose last sigma lower-cases to the final form; `null` and empty cells; a row with
/// no account; a machine account; addresses with no location), the same file exported again
/// with a BOM (`again/`), OfficeActivity JSON Lines with `null` and empty `ClientIP` and
/// `OfficeWorkload`, a roster of two new hires and a commented intel list. Every answer is the
/// same held (`--no-cache`), on a first load that writes the cache, and on each reopen; every
/// spelling of an account is one identifier of its roster person, the copy's rows are dropped
/// as repeats, and the machine account is nobody's.
#[test]
fn a_hand_written_projection_answers_the_same_held_and_cached() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/projection");
    let d = dir.to_str().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path();
    let commands: [&[&str]; 3] = [
        &["detect", d, "--format", "jsonl"],
        &["people", d, "--format", "jsonl"],
        &["inspect", d, "--format", "json"],
    ];
    let held: Vec<String> = commands
        .iter()
        .map(|args| answer(&run(c, &[*args, &["--no-cache"][..]].concat())))
        .collect();
    assert!(entries(c).is_empty());
    // The first load writes the tables, the next the model, the last reads both.
    for round in 0..3 {
        for (args, want) in commands.iter().zip(&held) {
            assert_eq!(&answer(&run(c, args)), want, "{args:?}, round {round}");
        }
    }
    assert_eq!(entries(c).len(), 1);

    let people: Vec<serde_json::Value> = held[1]
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let person = |key: &str| {
        people
            .iter()
            .find(|p| p["person"] == key)
            .unwrap_or_else(|| panic!("{key} not in {people:?}"))
    };
    let ids = |key: &str| person(key)["identifiers"].to_string();
    // Alice's three spellings, in both tables, are one identifier; so are Odysseas's.
    assert_eq!(
        ids("E0001"),
        r#"["alice.s@outlook.example","alice.smith@contoso.example"]"#
    );
    assert_eq!(
        ids("E0002"),
        r#"["odysseas.p@gmail.example","οδυσσεας@contoso.example"]"#
    );
    let events = |key: &str| person(key)["events"].as_u64().unwrap();
    assert_eq!((events("E0001"), events("E0002")), (6, 3), "{people:?}");
    // The machine account is a service identity, never a ranked person nor a finding's; the
    // company domain the hires' UPNs share is no shared infrastructure; every finding has a time.
    for answer in &held[..2] {
        assert!(!answer.to_lowercase().contains("host01$"), "{answer}");
        assert!(
            !answer.contains("e-mail domain contoso.example"),
            "{answer}"
        );
        assert!(!answer.contains("1970-01-01"), "{answer}");
    }

    let inspect: serde_json::Value = serde_json::from_str(&held[2]).unwrap();
    let files = inspect["files"].as_array().unwrap();
    assert_eq!(files.len(), 5, "{files:?}");
    let counted = |what: &str| -> u64 { files.iter().map(|f| f[what].as_u64().unwrap()).sum() };
    assert_eq!(counted("duplicates"), 8, "{files:?}");
    assert_eq!(counted("rejected_count"), 0, "{files:?}");
}
