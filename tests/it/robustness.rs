//! Bad input: each case is reported with file, line and reason; the rest of the file still loads,
//! and nothing panics.

use super::support::*;
use hirescope::ingest::{Role, TableKind as T};
use proptest::prelude::*;

const HEADER: &str = "Timestamp,Application,ApplicationId,ActionType,AccountId,IPAddress";
const GOOD: &str = "2024-01-01T00:00:00Z,Workday,1,Change My Account,a@b.io,1.2.3.4";

fn csv(lines: &[&str]) -> Vec<u8> {
    let mut s = format!("{HEADER}\n");
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    s.into_bytes()
}

#[test]
fn a_malformed_row_is_rejected_alone() {
    let (_d, data) = load_bytes(
        "x.csv",
        &csv(&[
            GOOD,
            "2024-01-01T00:00:00Z,Workday,1",
            "yesterday,Workday,1,Change,a@b.io,1.2.3.4",
            GOOD,
        ]),
    );
    assert_eq!(rows(&data, T::CloudAppEvents), 2);
    let f = &data.files[0];
    assert_eq!(f.rejected_count, 2);
    assert_eq!(f.rejected[0].line, 3);
    assert!(f.rejected[0].reason.contains("expected 6 fields, found 3"));
    assert_eq!(f.rejected[1].line, 4);
    assert_eq!(f.rejected[1].column, "Timestamp");
    assert!(f.rejected[1].reason.contains("timestamp does not parse"));
}

#[test]
fn broken_json_line_is_rejected_alone() {
    let good = r#"{"Timestamp":"2024-01-01T00:00:00Z","ApplicationId":1,"ActionType":"X","AccountId":"a@b.io"}"#;
    let text = format!("{good}\n{{\"Timestamp\": \"2024-01-01\", broken\n[1,2]\n{good}\n");
    let (_d, data) = load_bytes("x.jsonl", text.as_bytes());
    assert_eq!(rows(&data, T::CloudAppEvents), 2);
    let f = &data.files[0];
    assert_eq!(f.rejected_count, 2);
    assert_eq!((f.rejected[0].line, f.rejected[1].line), (2, 3));
    assert!(f.rejected[0].column.starts_with("column "));
    // Said once where a message places it: "line 2 column 31: ...", not "column column".
    let place = f.rejected[0].column_place();
    assert!(
        place.starts_with(" column ") && !place.contains("column column"),
        "{place:?}"
    );
}

#[test]
fn empty_header_only_binary_and_garbage_files_are_reported() {
    let (_d, data) = load_bytes("empty.csv", b"");
    assert_eq!(data.files[0].role, Role::Unreadable);
    assert!(data.files[0].rejected[0].reason.contains("empty"));
    let (_d, data) = load_bytes("header.csv", format!("{HEADER}\r\n").as_bytes());
    assert_eq!(data.rows(), 0);
    assert!(data.files[0]
        .notes
        .iter()
        .any(|n| n.contains("header only")));
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let (_d, data) = load_bytes("garbage.bin", &garbage);
    assert_eq!(data.files[0].role, Role::Unreadable);
    assert_eq!(data.files[0].rejected_count, 1);
}

#[test]
fn truncated_gzip_keeps_what_was_read() {
    let many: Vec<&str> = std::iter::repeat_n(GOOD, 2000).collect();
    let gz = gzip(&csv(&many));
    let (_d, data) = load_bytes("cut.csv.gz", &gz[..gz.len() * 2 / 3]);
    let f = &data.files[0];
    assert!(
        f.rejected
            .iter()
            .any(|r| r.reason.contains("gzip stream ends early")),
        "{f:?}"
    );
    assert!(f.rows > 0 && f.rows < 2000, "{}", f.rows);
}

#[test]
fn attacker_cells_keep_their_row_and_are_flagged() {
    let mut bytes = csv(&[GOOD]);
    bytes.extend_from_slice(b"2024-01-01T00:00:01Z,Work\xffday,1,X,a@b.io,1.2.3.4\n");
    bytes.extend_from_slice(b"2024-01-01T00:00:02Z,Work\0day,1,X,a@b.io,1.2.3.4\n");
    bytes.extend_from_slice(
        format!(
            "2024-01-01T00:00:03Z,{},1,X,a@b.io,1.2.3.4\n",
            "A".repeat(5 << 20)
        )
        .as_bytes(),
    );
    bytes.extend_from_slice(GOOD.as_bytes());
    let (_d, data) = load_bytes("x.csv", &bytes);
    let f = &data.files[0];
    assert_eq!(f.rejected_count, 0, "{:?}", f.rejected);
    assert_eq!(
        rows(&data, T::CloudAppEvents),
        5,
        "no row is lost to a cell"
    );
    assert_eq!(f.neutralised_count, 3);
    let what: Vec<&str> = f.neutralised.iter().map(|r| r.reason.as_str()).collect();
    assert!(what[0].contains("invalid UTF-8"), "{what:?}");
    assert!(what[1].contains("NUL"), "{what:?}");
    assert!(what[2].contains("clipped from 5242880 bytes"), "{what:?}");
    assert_eq!(f.neutralised[0].column, "Application (column 2)");
    assert_eq!(f.neutralised[0].line, 3);
    let apps = texts(&data, T::CloudAppEvents, "Application");
    assert_eq!(apps[1].as_deref(), Some("Work\u{fffd}day"));
    assert_eq!(apps[2].as_deref(), Some("Work\u{fffd}day"));
    assert_eq!(apps[3].as_ref().map(|a| a.len()), Some(1 << 20));
    let flags = texts(&data, T::CloudAppEvents, "flags");
    assert_eq!(flags[0], None);
    assert!(flags[2]
        .as_deref()
        .unwrap()
        .starts_with("Application (column 2): NUL"));
}

#[test]
fn json_nested_100000_deep_keeps_its_row_or_is_an_error_not_a_crash() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let (_d, data) = load_bytes("deep.json", deep.as_bytes());
    assert_eq!(
        data.files[0].rejected_count, 1,
        "an array of arrays holds no rows"
    );
    let deep_field = format!(
        "{{\"Timestamp\":\"2024-01-01T00:00:00Z\",\"ApplicationId\":1,\"ActionType\":\"X\",\"AccountId\":\"a@b.io\",\"AdditionalFields\":{}1{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let (_d, data) = load_bytes(
        "deep.jsonl",
        format!("{deep_field}\n{deep_field}\n").as_bytes(),
    );
    let f = &data.files[0];
    assert_eq!(f.rejected_count, 0, "{:?}", f.rejected);
    assert_eq!(rows(&data, T::CloudAppEvents), 2, "both rows are kept");
    assert_eq!(f.neutralised_count, 2);
    assert!(f.neutralised[0].reason.contains("nested too deep"));
}

#[test]
fn inputs_are_never_modified() {
    let bytes = csv(&[GOOD, "bad"]);
    let (dir, _data) = load_bytes("x.csv", &bytes);
    assert_eq!(std::fs::read(dir.path().join("x.csv")).unwrap(), bytes);
}

fn valid_exports() -> Vec<Vec<u8>> {
    vec![
        csv(&[GOOD, GOOD]),
        std::fs::read(external("signinlogs_loganalytics_export.csv")).unwrap()[..20_000].to_vec(),
        std::fs::read(external("defender_union_export.jsonl")).unwrap()[..8_000].to_vec(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), name in "[a-z]{1,8}\\.(csv|json|jsonl|gz|parquet|txt)") {
        let (_d, data) = load_bytes(&name, &bytes);
        prop_assert_eq!(data.files.len(), 1);
    }

    #[test]
    fn mutated_exports_never_panic(which in 0usize..3, edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16)) {
        let mut bytes = valid_exports().swap_remove(which);
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        let (_d, data) = load_bytes("m.csv", &bytes);
        prop_assert_eq!(data.files.len(), 1);
        let gz = gzip(&bytes);
        let (_d, data) = load_bytes("m.gz", &gz[..gz.len() / 2]);
        prop_assert_eq!(data.files.len(), 1);
    }
}

proptest! {
    // Each case runs the whole pipeline 18 times (about 50 ms each in a debug build); the fuzz
    // targets in fuzz/ run the same entry points for hours.
    #![proptest_config(ProptestConfig { cases: 8, .. ProptestConfig::default() })]

    /// The fuzz targets' entry points (fuzz/), each shape through the whole pipeline, with no
    /// file read as a panic ("hirescope failed on this file").
    #[test]
    fn every_fuzz_shape_runs_the_pipeline_without_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), text in "\\PC{0,200}") {
        use hirescope::fuzzing as fz;
        for f in [fz::csv, fz::json, fz::api, fz::parquet, fz::gzip, fz::roster, fz::intel, fz::stix, fz::everything] {
            f(&bytes);
            f(text.as_bytes());
        }
        for (name, data) in [("a.csv", &bytes[..]), ("b.json", text.as_bytes())] {
            let d = fz::pipeline(name, data, None);
            prop_assert!(d.files.iter().all(|f| f.rejected.iter().all(|r| !r.reason.contains("hirescope failed"))), "{:?}", d.files);
        }
    }
}

/// Runs the binary, failing the test (instead of hanging it) if it does not end in a minute.
fn run_bounded(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_hirescope"))
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            panic!("hirescope {args:?} hung");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn special_files_are_refused_by_type_and_loops_walked_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("events.csv"), csv(&[GOOD])).unwrap();
    let fifo = d.join("pipe.csv");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    std::os::unix::fs::symlink("/dev/zero", d.join("zero.csv")).unwrap();
    std::os::unix::fs::symlink("/dev/urandom", d.join("random.json")).unwrap();
    std::os::unix::fs::symlink(d, d.join("loop_a")).unwrap();
    std::os::unix::fs::symlink(d, d.join("loop_b")).unwrap();
    let out = run_bounded(&["inspect", "--format", "json", d.to_str().unwrap()], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = v["files"].as_array().unwrap();
    let reason = |name: &str| {
        files
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(name))
            .map(|f| {
                f["rejected"][0]["reason"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            })
            .unwrap_or_else(|| panic!("{name} in {v}"))
    };
    assert!(
        reason("pipe.csv").contains("a FIFO"),
        "{}",
        reason("pipe.csv")
    );
    assert!(reason("zero.csv").contains("character device"));
    assert!(reason("random.json").contains("character device"));
    assert!(
        reason("loop_a").contains("link back"),
        "{}",
        reason("loop_a")
    );
    assert!(reason("loop_b").contains("link back"));
    assert_eq!(v["rows"], 1, "events.csv is read once: {v}");
    // Named on the command line, a special file is an unreadable input (exit 3), not a hang.
    for p in ["/dev/zero", fifo.to_str().unwrap()] {
        let out = run_bounded(&["inspect", p], &[]);
        assert_eq!(out.status.code(), Some(3), "{p}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("refused"));
    }
}

#[test]
fn a_gzip_bomb_and_an_oversized_file_are_stopped_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    // 64 MB of rows that compress to a few hundred KB.
    let mut body = format!("{HEADER}\n");
    while body.len() < 64 << 20 {
        body.push_str(GOOD);
        body.push('\n');
    }
    let bomb = dir.path().join("bomb.csv.gz");
    std::fs::write(&bomb, gzip(body.as_bytes())).unwrap();
    let big = dir.path().join("big.csv");
    std::fs::write(&big, &body).unwrap();
    std::fs::write(dir.path().join("small.csv"), csv(&[GOOD])).unwrap();
    let ceiling = [("HIRESCOPE_MAX_FILE_BYTES", "16000000")];
    let out = run_bounded(
        &["inspect", "--format", "json", dir.path().to_str().unwrap()],
        &ceiling,
    );
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = v.to_string();
    assert!(
        text.contains("decompresses to more than 16000000 bytes"),
        "{text}"
    );
    assert!(text.contains("over the 16000000 byte ceiling"), "{text}");
    assert_eq!(v["rows"], 1, "the small file still loads");
}

fn hostile(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/hostile")
        .join(name)
}

#[test]
fn parquet_decimals_zoned_and_out_of_range_times_load_without_a_panic() {
    let data = load_paths(&[hostile("decimal_tz_far.parquet")]);
    let f = &data.files[0];
    assert_eq!(f.rejected_count, 0, "{f:?}");
    assert_eq!(rows(&data, T::CloudAppEvents), 2);
    assert!(f
        .notes
        .iter()
        .any(|n| n == "column Amount is a DECIMAL and is not read"));
    // A zoned time is the same instant in UTC.
    assert_eq!(
        millis(&data, T::CloudAppEvents),
        vec![Some(1_788_256_800_000), Some(1_788_260_400_000)]
    );
    let far = texts(&data, T::CloudAppEvents, "FarFuture");
    assert_eq!(far[0].as_deref(), Some("2116-02-20T23:53:38.427Z"));
    assert_eq!(far[1].as_deref(), Some("1823-11-12T00:06:21.572Z"));
    let data = load_paths(&[hostile("time_out_of_range.parquet")]);
    let f = &data.files[0];
    assert_eq!(rows(&data, T::CloudAppEvents), 1);
    assert_eq!(
        f.rejected_count, 1,
        "a row with no placeable time is rejected, counted"
    );
    assert_eq!(
        (f.rejected[0].line, f.rejected[0].column.as_str()),
        (1, "Timestamp")
    );
}

/// Found by the parquet fuzz target: a footer whose thrift metadata makes Polars' reader panic.
/// The file is reported as malformed; nothing else is lost.
#[test]
fn parquet_with_malformed_thrift_metadata_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        hostile("fuzz_thrift_metadata.parquet"),
        dir.path().join("bad.parquet"),
    )
    .unwrap();
    std::fs::write(dir.path().join("good.csv"), csv(&[GOOD])).unwrap();
    let data = load_paths(&[dir.path().to_path_buf()]);
    let bad = data
        .files
        .iter()
        .find(|f| f.path.ends_with("bad.parquet"))
        .unwrap();
    assert_eq!(bad.role, Role::Unreadable);
    assert!(
        bad.rejected[0]
            .reason
            .starts_with("Parquet does not read: malformed file metadata"),
        "{:?}",
        bad.rejected
    );
    assert_eq!(rows(&data, T::CloudAppEvents), 1);
}

/// Found by the parquet fuzz target: a page header that makes Polars' reader try to allocate
/// 2^61 bytes, which aborts the process (no panic to catch). The binary decodes Parquet in a child
/// process, so the file is reported and the rest still loads. (Only through the binary: read in
/// this test process it would abort it.)
#[test]
fn parquet_that_aborts_its_reader_costs_only_itself() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        hostile("fuzz_page_allocation.parquet"),
        dir.path().join("bad.parquet"),
    )
    .unwrap();
    std::fs::write(dir.path().join("good.csv"), csv(&[GOOD])).unwrap();
    let out = run_bounded(
        &["inspect", "--format", "json", dir.path().to_str().unwrap()],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = v.to_string();
    assert!(
        text.contains("the Parquet reader died on this file"),
        "{text}"
    );
    assert_eq!(v["rows"], 1, "the other file still loads");
}

#[test]
fn crlf_line_numbers_bare_cr_repeated_and_invalid_headers() {
    // The portals export CRLF: the third line is reported as line 3.
    let text = format!(
        "{HEADER}\r\n{GOOD}\r\n2024-01-01T00:00:00Z,Workday,1\r\n2024-01-02T00:00:00Z,\"Work\rday\",1,X,a@b.io,1.2.3.4\r\n{GOOD}\r\n"
    );
    let (_d, data) = load_bytes("x.csv", text.as_bytes());
    let f = &data.files[0];
    assert_eq!(f.rejected_count, 1);
    assert_eq!(f.rejected[0].line, 3, "{:?}", f.rejected);
    assert_eq!(
        rows(&data, T::CloudAppEvents),
        3,
        "a bare CR inside quotes is part of its cell"
    );
    assert_eq!(
        texts(&data, T::CloudAppEvents, "Application")[1].as_deref(),
        Some("Work\rday")
    );
    // The same through the parallel reader of large files.
    let mut big = format!("{HEADER}\r\n");
    let mut n = 0;
    while big.len() < 9 << 20 {
        big.push_str(&format!(
            "2024-01-01T00:00:00Z,\"Work\rday\",1,X,a{n}@b.io,1.2.3.4\r\n"
        ));
        n += 1;
    }
    big.push_str("2024-01-01T00:00:00Z,Workday,1\r\n");
    let (_d, data) = load_bytes("big.csv", big.as_bytes());
    let f = &data.files[0];
    assert_eq!(rows(&data, T::CloudAppEvents), n);
    assert_eq!(f.rejected_count, 1);
    assert_eq!(f.rejected[0].line, n as u64 + 2);
    // A name given twice is two columns; a header with invalid UTF-8 is said.
    let (_d, data) = load_bytes(
        "dup.csv",
        b"Timestamp,ActionType,ActionType,AccountId,Na\xffme\n2024-01-01T00:00:00Z,A,B,a@b.io,x\n",
    );
    let f = &data.files[0];
    assert!(
        f.notes.iter().any(|n| n.contains(
            "column 3 repeats the name \"ActionType\" of column 2: kept as ActionType_3"
        )),
        "{:?}",
        f.notes
    );
    assert!(f
        .notes
        .iter()
        .any(|n| n.contains("header of column 5: invalid UTF-8")));
    assert_eq!(
        texts(&data, T::CloudAppEvents, "ActionType_3"),
        vec![Some("B".into())]
    );
}
