//! Ingest speed: rows per second reading a 1M-row CloudAppEvents CSV and the same rows as JSON Lines.
//!
//! Run: `cargo bench --bench ingest`. Set HIRESCOPE_BENCH_ROWS for another size. The generated files
//! are left in target/bench-data so a peer (DuckDB's read_csv) can be timed on the very same bytes.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hirescope::ingest::{self, Inputs, TableKind};
use std::io::Write;
use std::path::{Path, PathBuf};

const APPS: &[(&str, u32, &str)] = &[
    (
        "Workday",
        12345,
        "hrrecruiting/jobApplicationPackages/submit",
    ),
    ("Microsoft SharePoint Online", 20892, "FileDownloaded"),
    ("Microsoft Exchange Online", 20893, "MailItemsAccessed"),
    ("Microsoft Teams", 11394, "MessageSent"),
    ("DocuSign", 26055, "ENVELOPE SIGNED"),
];

fn write_files(dir: &Path, n: usize) -> (PathBuf, PathBuf) {
    let csv = dir.join(format!("cae_{n}.csv"));
    let jsonl = dir.join(format!("cae_{n}.jsonl"));
    if csv.exists() && jsonl.exists() {
        return (csv, jsonl);
    }
    let mut c = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
    let mut j = std::io::BufWriter::new(std::fs::File::create(&jsonl).unwrap());
    writeln!(c, "Timestamp,Application,ApplicationId,ActionType,AccountObjectId,AccountId,AccountDisplayName,IsExternalUser,IPAddress,IsAnonymousProxy,CountryCode,City,ISP,IPCategory,UserAgent,ObjectName,ReportId").unwrap();
    let mut x: u64 = 0x9e3779b97f4a7c15;
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let (app, app_id, action) = APPS[(x % APPS.len() as u64) as usize];
        let user = x % 5000;
        let ts = 1_700_000_000 + i as u64 * 3;
        let secs = ts % 60;
        let mins = (ts / 60) % 60;
        let hours = (ts / 3600) % 24;
        let day = 1 + (ts / 86400) % 28;
        let stamp = format!(
            "2024-03-{day:02}T{hours:02}:{mins:02}:{secs:02}.{:07}Z",
            x % 10_000_000
        );
        let ip = format!(
            "{}.{}.{}.{}",
            20 + x % 180,
            (x >> 8) % 256,
            (x >> 16) % 256,
            1 + (x >> 24) % 250
        );
        let ext = u8::from(app == "Workday");
        let country = ["US", "GB", "DE", "IN", "CN"][((x >> 32) % 5) as usize];
        let city = ["Chicago", "London", "Berlin", "Mumbai", "Shenyang"][((x >> 32) % 5) as usize];
        writeln!(c, "{stamp},{app},{app_id},{action},oid-{user},user{user}@contoso.example,User {user},{ext},{ip},0,{country},{city},Example ISP,Corporate,Mozilla/5.0 (Windows NT 10.0),doc{i}.docx,r{i}").unwrap();
        writeln!(j, r#"{{"Timestamp":"{stamp}","Application":"{app}","ApplicationId":{app_id},"ActionType":"{action}","AccountObjectId":"oid-{user}","AccountId":"user{user}@contoso.example","AccountDisplayName":"User {user}","IsExternalUser":{ext},"IPAddress":"{ip}","IsAnonymousProxy":0,"CountryCode":"{country}","City":"{city}","ISP":"Example ISP","IPCategory":"Corporate","UserAgent":"Mozilla/5.0 (Windows NT 10.0)","ObjectName":"doc{i}.docx","ReportId":"r{i}"}}"#).unwrap();
    }
    (csv, jsonl)
}

fn bench(c: &mut Criterion) {
    let n: usize = std::env::var("HIRESCOPE_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let (csv, jsonl) = write_files(&dir, n);
    let mut g = c.benchmark_group("ingest");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    for (name, path) in [("cloudappevents_csv", csv), ("cloudappevents_jsonl", jsonl)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let data = ingest::load(&Inputs {
                    paths: vec![path.clone()],
                    ..Default::default()
                });
                assert_eq!(
                    data.table(TableKind::CloudAppEvents).map(|t| t.height()),
                    Some(n)
                );
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
