//! Helpers shared by the integration tests.

use hirescope::ingest::{self, Dataset, Inputs, TableKind};
use polars::prelude::*;
use std::path::{Path, PathBuf};

pub fn external(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/external")
        .join(name)
}

pub fn load_paths(paths: &[PathBuf]) -> Dataset {
    ingest::load(&Inputs {
        paths: paths.to_vec(),
        ..Default::default()
    })
}

/// Writes `contents` to a file named `name` in a fresh temporary directory and loads it.
pub fn load_bytes(name: &str, contents: &[u8]) -> (tempfile::TempDir, Dataset) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, contents).unwrap();
    let data = load_paths(&[path]);
    (dir, data)
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

pub fn rows(data: &Dataset, kind: TableKind) -> usize {
    data.table(kind).map_or(0, |t| t.height())
}

/// A text column's values, as owned strings.
pub fn texts(data: &Dataset, kind: TableKind, column: &str) -> Vec<Option<String>> {
    let df = data
        .table(kind)
        .unwrap_or_else(|| panic!("no {kind} table"));
    let col = df
        .column(column)
        .unwrap_or_else(|_| panic!("no column {column}"));
    col.str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

pub fn millis(data: &Dataset, kind: TableKind) -> Vec<Option<i64>> {
    let df = data.table(kind).unwrap();
    let ts = df.column("ts").unwrap().cast(&DataType::Int64).unwrap();
    ts.i64().unwrap().iter().collect()
}

pub fn bools(data: &Dataset, kind: TableKind, column: &str) -> Vec<Option<bool>> {
    let df = data.table(kind).unwrap();
    df.column(column).unwrap().bool().unwrap().iter().collect()
}

pub fn floats(data: &Dataset, kind: TableKind, column: &str) -> Vec<Option<f64>> {
    let df = data.table(kind).unwrap();
    df.column(column).unwrap().f64().unwrap().iter().collect()
}
