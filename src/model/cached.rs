//! The model, cached beside the parse it was built from: the linked, ordered events frame and
//! the people, written into the parse cache's entry the first time and read back on a reopen.
//! Linking and ordering ten million events takes 40 s and most of the memory; reading them back
//! takes seconds. The model also depends on the roster, intel and networks files, which the
//! parse cache does not cover, so each model is filed under a hash of their paths and bytes.

use super::{Model, Person};
use crate::ingest::{Dataset, Role};
use polars::prelude::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Bumped when the model's columns or meaning change.
const FORMAT: &str = "hirescope-model-1";

#[derive(serde::Serialize, serde::Deserialize)]
struct Facts {
    format: String,
    people: Vec<Person>,
    window: Option<(i64, i64)>,
    rows: usize,
}

/// The model's files in the entry, for these roster, intel and networks files; None when the
/// data did not come with a cache entry or a file cannot be read.
fn files_of(data: &Dataset) -> Option<(PathBuf, PathBuf)> {
    let entry = data.cache_entry.as_ref()?;
    let mut h = Sha256::new();
    h.update(FORMAT);
    for f in &data.files {
        if matches!(f.role, Role::Roster | Role::Intel | Role::Networks) {
            h.update(format!("{:?} {}\n", f.role, f.path));
            h.update(std::fs::read(&f.path).ok()?);
        }
    }
    let key: String = h.finalize()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Some((
        entry.join(format!("model-{key}.parquet")),
        entry.join(format!("model-{key}.json")),
    ))
}

/// The cached model, when one was written for this data; anything missing, damaged or of
/// another shape is a miss.
pub fn read(data: &Dataset) -> Option<Model> {
    let (frame, facts) = files_of(data)?;
    let facts: Facts = serde_json::from_slice(&std::fs::read(facts).ok()?).ok()?;
    let rows: usize = data
        .tables
        .iter()
        .filter(|(k, _)| **k != crate::ingest::TableKind::Unrecognized)
        .map(|(_, t)| t.height())
        .sum();
    if facts.format != FORMAT || facts.rows != rows {
        return None;
    }
    let file = std::fs::File::open(&frame).ok()?;
    let mut events = crate::panics::catch(|| ParquetReader::new(file).finish())
        .ok()?
        .ok()?;
    // Parquet has no constant columns: the all-null ones come back as 16 bytes a row.
    crate::memory::drop_null_buffers(&mut events);
    (events.height() == facts.rows).then_some(Model {
        events,
        people: facts.people,
        window: facts.window,
    })
}

/// Writes the model into the data's cache entry (nothing without one). A failure only costs
/// the next reopen its speed.
pub fn write(data: &Dataset, model: &Model) {
    let Some((frame, facts)) = files_of(data) else {
        return;
    };
    let written = (|| -> anyhow::Result<()> {
        let tmp = frame.with_extension(format!("parquet.{}", std::process::id()));
        crate::ingest::cache::write_table(&model.events, &tmp)?;
        std::fs::rename(&tmp, &frame)?;
        let f = Facts {
            format: FORMAT.into(),
            people: model.people.clone(),
            window: model.window,
            rows: model.events.height(),
        };
        // The facts last: a reader needs both, and finds them only once the frame is whole.
        write_atomically(&facts, &serde_json::to_vec(&f)?)?;
        Ok(())
    })();
    match written {
        Ok(()) => crate::memory::stage("model written to the cache"),
        Err(e) => crate::memory::stage(&format!(
            "model not written to the cache: {}",
            crate::sanitize::visible(&e.to_string())
        )),
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("json.{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, path)
}
