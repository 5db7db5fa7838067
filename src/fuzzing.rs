//! Entry points for the fuzz targets in `fuzz/` (and the property tests): each reads bytes as one
//! input shape; `pipeline` also links people and runs every detector over what was read. The
//! promise they check: no input panics; a bad file is reported, never fatal. The shape targets
//! stop after ingest (the attack surface, and fast enough to fuzz: the whole pipeline runs about
//! one input a second under the sanitizer).

use crate::ingest::{load_bytes, Dataset, Role};

/// Reads bytes as a file called `name`, then links people and runs every detector.
pub fn pipeline(name: &str, data: &[u8], role: Option<Role>) -> Dataset {
    quiet_caught_panics();
    let dataset = load_bytes(name, data, role);
    if let Ok(model) = crate::model::build(&dataset) {
        let _ = crate::detect::run(&model, &dataset, &crate::detect::Config::default(), &[]);
        let _ = crate::detect::explain::text(&model, &[]);
    }
    dataset
}

/// Reads bytes as a file called `name` (ingest only).
pub fn read(name: &str, data: &[u8], role: Option<Role>) -> Dataset {
    quiet_caught_panics();
    load_bytes(name, data, role)
}

/// libFuzzer's harness aborts on every panic, even one hirescope catches at a file boundary (and
/// reports as that file's error, which is the promise): chain our hook in front, so only panics
/// that escape are crashes.
fn quiet_caught_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(crate::panics::install_cli_hook);
}

pub fn csv(data: &[u8]) {
    read("fuzz.csv", data, None);
}

pub fn json(data: &[u8]) {
    read("fuzz.json", data, None);
}

/// The bytes as the rows of an advanced-hunting API response with a schema.
pub fn api(data: &[u8]) {
    let rows = String::from_utf8_lossy(data);
    let doc = format!(
        r#"{{"Schema":[{{"Name":"Timestamp","Type":"DateTime"}},{{"Name":"ActionType","Type":"String"}},{{"Name":"AccountId","Type":"String"}},{{"Name":"IPAddress","Type":"String"}}],"Results":{rows}}}"#
    );
    read("fuzz.json", doc.as_bytes(), None);
}

pub fn parquet(data: &[u8]) {
    let mut bytes = b"PAR1".to_vec();
    bytes.extend_from_slice(data);
    read("fuzz.parquet", &bytes, None);
}

/// The bytes after a gzip header, so the decoder sees them as a stream.
pub fn gzip(data: &[u8]) {
    let mut bytes = vec![0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0xff];
    bytes.extend_from_slice(data);
    read("fuzz.csv.gz", &bytes, None);
}

pub fn roster(data: &[u8]) {
    read("fuzz_roster.csv", data, Some(Role::Roster));
}

pub fn intel(data: &[u8]) {
    read("fuzz_intel.txt", data, Some(Role::Intel));
}

/// The bytes as the pattern of an indicator in a STIX 2.1 bundle.
pub fn stix(data: &[u8]) {
    let pattern = serde_json::Value::String(String::from_utf8_lossy(data).into_owned());
    let doc = format!(
        r#"{{"type":"bundle","id":"bundle--1","objects":[{{"type":"indicator","id":"indicator--1","name":"x","pattern":{pattern},"pattern_type":"stix"}}]}}"#
    );
    read("fuzz_stix.json", doc.as_bytes(), Some(Role::Intel));
}

/// Any bytes as an events export, through the whole pipeline.
pub fn everything(data: &[u8]) {
    pipeline("fuzz.csv", data, None);
}
