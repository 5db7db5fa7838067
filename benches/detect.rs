//! The detector suite over a `hirescope sample` data set: linking people (model) and running every
//! detector, on events already loaded. Run: `cargo bench --bench detect`; HIRESCOPE_BENCH_EVENTS
//! sets the size (default 1,000,000; try 10000000). The data set is kept in target/bench-data so
//! the DuckDB peer (benches/peer/ and scripts/bench-peer) reads the very same files.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hirescope::detect::{self, Config};
use hirescope::ingest::{self, Inputs};
use std::path::{Path, PathBuf};

pub fn sample_dir(events: usize) -> PathBuf {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-data/sample-{events}"));
    hirescope::sample::ensure(&dir, events).unwrap();
    dir
}

fn bench(c: &mut Criterion) {
    let events: usize = std::env::var("HIRESCOPE_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = sample_dir(events);
    let data = ingest::load(&Inputs {
        paths: vec![dir],
        ..Default::default()
    });
    let n = data.rows();
    eprintln!("{n} events loaded");
    let config = Config::default();
    let model = hirescope::model::build(&data).unwrap();
    let mut g = c.benchmark_group(format!("detect_{events}"));
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("all_detectors", |b| {
        b.iter(|| {
            let (f, errors) = detect::run(&model, &data, &config, &[]);
            assert!(errors.is_empty(), "{errors:?}");
            f.len()
        })
    });
    g.bench_function("link_people_and_all_detectors", |b| {
        b.iter(|| {
            let model = hirescope::model::build(&data).unwrap();
            detect::run(&model, &data, &config, &[]).0.len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
