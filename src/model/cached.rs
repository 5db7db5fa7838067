//! The model, cached beside the parse it was built from: the linked, ordered events frame and
//! the people, written into the parse cache's entry the first time and read back on a reopen.
//! Linking and ordering ten million events takes 20 s; reading them back takes a few. The model
//! also depends on the roster, intel and networks files, which the parse cache does not cover,
//! so each model is filed under a hash of their paths and bytes.
//!
//! Encoded columns are stored as their codes with the dictionary beside them
//! (`dictionary::to_codes`): writing ten million rows of text took 21 s, and reading it back
//! and encoding it again 11 s.

use super::{Model, Person};
use crate::ingest::{Dataset, Role};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Bumped when the model's columns or meaning change.
const FORMAT: &str = "hirescope-model-3";

#[derive(serde::Serialize, serde::Deserialize)]
struct Facts {
    format: String,
    people: Vec<Person>,
    window: Option<(i64, i64)>,
    rows: usize,
    /// The columns stored as codes of the dictionary file.
    encoded: Vec<String>,
}

/// A model's files in a cache entry: the frame's rows in `FRAME_FILES` files, in turn, each
/// written on a thread of its own (one file's encoding kept one core busy, and at ten million
/// events the write went on for 2 s after the detectors had finished), its dictionary and its
/// facts.
struct Files {
    frames: Vec<PathBuf>,
    dictionary: PathBuf,
    facts: PathBuf,
}

const FRAME_FILES: usize = 2;

/// The model's files in the entry, for these roster, intel and networks files; None when the
/// data did not come with a cache entry or a file cannot be read.
fn files_of(data: &Dataset) -> Option<Files> {
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
    Some(Files {
        frames: (0..FRAME_FILES)
            .map(|i| entry.join(format!("model-{key}.{i}.parquet")))
            .collect(),
        dictionary: entry.join(format!("model-{key}.dictionary.parquet")),
        facts: entry.join(format!("model-{key}.json")),
    })
}

/// A cached model that looks whole: its facts read, of this format, for as many rows as the
/// tables hold, and its files present. What is in them is checked as they are read.
pub struct Found {
    files: Files,
    facts: Facts,
}

pub fn find(data: &Dataset) -> Option<Found> {
    let files = files_of(data)?;
    let facts: Facts = serde_json::from_slice(&std::fs::read(&files.facts).ok()?).ok()?;
    let rows: usize = data
        .tables
        .iter()
        .filter(|(k, _)| **k != crate::ingest::TableKind::Unrecognized)
        .map(|(_, t)| t.height())
        .sum();
    let whole = facts.format == FORMAT
        && facts.rows == rows
        && files.frames.iter().all(|f| f.is_file())
        && files.dictionary.is_file();
    whole.then_some(Found { files, facts })
}

/// Reads a model `find` found. A damaged file (or a panic decoding one) is an error.
pub fn read(found: Found) -> anyhow::Result<Model> {
    let Found { files, facts } = found;
    let remap = crate::dictionary::read_dictionary(&files.dictionary)?;
    let read = crate::panics::catch(|| {
        crate::ingest::cache::read_encoded_in_turn(
            &files
                .frames
                .iter()
                .map(PathBuf::as_path)
                .collect::<Vec<_>>(),
            |_| true,
            |part| crate::dictionary::from_codes(part, &facts.encoded, &remap),
        )
    })
    .map_err(|p| anyhow::anyhow!("{p}"))?;
    let (mut events, _) = read?;
    anyhow::ensure!(
        events.height() == facts.rows,
        "the cached model holds {} rows where {} were written",
        events.height(),
        facts.rows
    );
    // Parquet has no constant columns: the all-null ones come back as values for every row.
    crate::memory::drop_null_buffers(&mut events);
    // One chunk per column, as a built model has: the file comes back in a chunk per row
    // group, and every query over sixty chunks a million rows cost the detectors 5x their
    // time. A column at a time, so only one is ever held twice; the parts were decoded on
    // Polars' threads, whose freed memory the main thread's copies cannot reuse, so it is
    // handed back as it goes (at ten million events the resident set otherwise doubled).
    // Two columns at a time, one per core: the copies wait on fresh pages more than on the CPU.
    let names = events.get_column_names_owned();
    for (i, pair) in names.chunks(2).enumerate() {
        let ones: Vec<polars::prelude::Column> = std::thread::scope(|s| {
            let frame = &events;
            let handles: Vec<_> = (pair.iter())
                .map(|name| {
                    s.spawn(move || frame.column(name).map(polars::prelude::Column::rechunk))
                })
                .collect();
            (handles.into_iter())
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect::<polars::prelude::PolarsResult<Vec<_>>>()
        })?;
        for one in ones {
            events.with_column(one)?;
        }
        if i % 2 == 1 {
            crate::memory::release();
        }
    }
    crate::memory::release();
    Ok(Model {
        events,
        people: facts.people,
        window: facts.window,
    })
}

/// A model being written into the cache on its own thread.
pub struct Writing(Option<std::thread::JoinHandle<()>>);

impl Writing {
    pub fn none() -> Writing {
        Writing(None)
    }

    /// Waits until the model is written (or has failed to be).
    pub fn wait(self) {
        if let Some(h) = self.0 {
            let _ = h.join();
        }
    }
}

/// Starts writing the model into the data's cache entry (nothing without one), on a thread of
/// its own: the detectors run meanwhile (at ten million events the write is 12 s). The frame's
/// columns are shared with the model, not copied. A failure only costs the next reopen its
/// speed; a process ended mid-write leaves a `NAME.PID` file the next write removes.
pub fn start_write(data: &Dataset, model: &Model) -> Writing {
    let Some(files) = files_of(data) else {
        return Writing::none();
    };
    if let Some(entry) = &data.cache_entry {
        crate::ingest::cache::remove_unfinished(entry);
    }
    let model = model.clone();
    let thread = std::thread::Builder::new()
        .name("model-cache".into())
        .spawn(move || write(&files, &model));
    Writing(thread.ok())
}

fn write(files: &Files, model: &Model) {
    let written = (|| -> anyhow::Result<()> {
        let (stored, encoded) = crate::dictionary::to_codes(&model.events)?;
        // The rows cut in whole row groups: the reader's parts are groups of the same size.
        let group = crate::ingest::cache::WHOLE_ROW_GROUP;
        let per_file = stored.height().div_ceil(group).div_ceil(FRAME_FILES) * group;
        std::thread::scope(|s| {
            let handles: Vec<_> = (files.frames.iter().enumerate())
                .map(|(i, path)| {
                    let rows = stored.slice((i * per_file) as i64, per_file);
                    s.spawn(move || -> anyhow::Result<()> {
                        let tmp = path.with_extension(format!("parquet.{}", std::process::id()));
                        crate::ingest::cache::write_table_in(&rows, &tmp, group)?;
                        std::fs::rename(&tmp, path)?;
                        Ok(())
                    })
                })
                .collect();
            (handles.into_iter())
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect::<anyhow::Result<Vec<()>>>()
        })?;
        drop(stored);
        // After the frame: every code it holds is in the dictionary by then.
        let tmp = files
            .dictionary
            .with_extension(format!("parquet.{}", std::process::id()));
        crate::dictionary::write_dictionary(&tmp)?;
        std::fs::rename(&tmp, &files.dictionary)?;
        let f = Facts {
            format: FORMAT.into(),
            people: model.people.clone(),
            window: model.window,
            rows: model.events.height(),
            encoded,
        };
        // The facts last: a reader needs all three, and finds them only once the rest is whole.
        write_atomically(&files.facts, &serde_json::to_vec(&f)?)?;
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
