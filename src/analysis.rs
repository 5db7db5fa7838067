//! The pipeline, owned outside the CLI and the workbench: read, link people, detect, rank; the
//! staged load the workbench shows as it goes; the scoped rerun of its background jobs; and the
//! case saved for a set of inputs. Neither `cli` nor `ui` repeats any of it.

use crate::detect::{Config, Finding};
use crate::ingest::{self, Dataset, Inputs};
use std::path::PathBuf;

/// Everything a command or a view needs: the data, the model, the findings and the ranking.
#[derive(Clone)]
pub struct Analysis {
    pub data: Dataset,
    pub model: crate::model::Model,
    pub findings: Vec<Finding>,
    pub ranked: Vec<crate::score::Ranked>,
    pub errors: Vec<String>,
}

/// The paths to read: those given, or the bundled samples.
pub fn paths_or_samples(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    if paths.is_empty() {
        Ok(vec![crate::bundled::samples_dir()?])
    } else {
        Ok(paths.to_vec())
    }
}

/// Reads, links, detects (the detectors in `only`, all when empty) and ranks.
pub fn analyse(inputs: &Inputs, config: &Config, only: &[String]) -> anyhow::Result<Analysis> {
    analyse_data(
        ingest::load_for_model(inputs, crate::model::left_in_tables),
        config,
        only,
    )
}

/// Links, detects and ranks what was read.
pub fn analyse_data(
    mut data: Dataset,
    config: &Config,
    only: &[String],
) -> anyhow::Result<Analysis> {
    loaded(&data);
    let (model, writing) = crate::model::build_taking(&mut data)?;
    crate::memory::stage(&format!(
        "model: {} events, {} people, events frame {} + text dictionary {}",
        model.events.height(),
        model.people.len(),
        crate::memory::mib(crate::memory::frame_bytes(&model.events)),
        crate::memory::mib(crate::dictionary::dictionary_size().1)
    ));
    crate::memory::column_sizes("events frame", &model.events);
    let (findings, errors) = crate::detect::run(&model, &data, config, only);
    crate::memory::stage(&format!("detectors: {} findings", findings.len()));
    writing.wait();
    let ranked = crate::score::rank(&model.people, &findings);
    Ok(Analysis {
        data,
        model,
        findings,
        ranked,
        errors,
    })
}

/// Says, when verbose, what was read and the memory each table holds.
fn loaded(data: &Dataset) {
    if !crate::memory::verbose() {
        return;
    }
    for (kind, df) in &data.tables {
        let (canonical, vendor) = crate::memory::table_bytes(df);
        crate::memory::stage(&format!(
            "table {kind}: {} rows, canonical {} + vendor {}",
            df.height(),
            crate::memory::mib(canonical),
            crate::memory::mib(vendor)
        ));
    }
    crate::memory::stage(&format!("read {} rows", data.rows()));
}

/// What a staged load has done so far, for the workbench to show as it goes.
pub enum Stage {
    /// A step under way, said in words.
    Progress(String),
    /// People are linked and can be shown; the findings follow.
    People(Analysis),
    /// Findings and ranking are in.
    Done(Analysis),
}

/// The same as `analyse`, in stages: people as soon as they are linked, then the findings.
pub fn load_staged(
    inputs: &Inputs,
    config: &Config,
    mut stage: impl FnMut(Stage),
) -> anyhow::Result<()> {
    stage(Stage::Progress(format!(
        "reading {} path(s)",
        inputs.paths.len()
    )));
    let mut data = ingest::load_for_model(inputs, crate::model::left_in_tables);
    loaded(&data);
    stage(Stage::Progress(format!(
        "{} rows read; linking people",
        data.rows()
    )));
    // The model's cache write goes on by itself: the workbench shows the people and runs the
    // detectors meanwhile, and a quit before it ends leaves a file the next write removes.
    let (model, _writing) = crate::model::build_taking(&mut data)
        .map_err(|e| anyhow::anyhow!("building the model: {e}"))?;
    stage(Stage::People(Analysis {
        data: data.clone(),
        model: model.clone(),
        findings: Vec::new(),
        ranked: crate::score::rank(&model.people, &[]),
        errors: Vec::new(),
    }));
    stage(Stage::Progress(format!(
        "{} people; running the detectors",
        model.people.len()
    )));
    let (findings, errors) = crate::detect::run(&model, &data, config, &[]);
    let ranked = crate::score::rank(&model.people, &findings);
    stage(Stage::Done(Analysis {
        data,
        model,
        findings,
        ranked,
        errors,
    }));
    Ok(())
}

/// Detectors rerun over a subset of the events (a person, a pivot: `filter`), or all of them,
/// stopping between detectors once `keep_going` says no.
pub fn rerun(
    a: &Analysis,
    filter: Option<polars::prelude::Expr>,
    only: &[String],
    config: &Config,
    keep_going: &(dyn Fn() -> bool + Sync),
) -> anyhow::Result<(Vec<Finding>, Vec<String>)> {
    use polars::prelude::*;
    let mut model = a.model.clone();
    if let Some(f) = filter {
        model.events = model.events.clone().lazy().filter(f).collect()?;
    }
    Ok(crate::detect::run_while(
        &model, &a.data, config, only, keep_going,
    ))
}

/// The case of the loaded inputs: its fingerprint, file and saved state.
pub struct OpenCase {
    pub fingerprint: String,
    pub path: Option<PathBuf>,
    pub state: crate::case::CaseState,
}

/// Opens the case saved for exactly these inputs (an empty one when there is none).
pub fn open_case(data: &Dataset) -> anyhow::Result<OpenCase> {
    let files: Vec<PathBuf> = data.files.iter().map(|f| PathBuf::from(&f.path)).collect();
    let fingerprint = crate::case::fingerprint(&files);
    let path = crate::case::case_path(&fingerprint);
    let state = match &path {
        Some(p) => crate::case::load(p, &fingerprint)?,
        None => crate::case::CaseState::new(&fingerprint),
    };
    Ok(OpenCase {
        fingerprint,
        path,
        state,
    })
}
