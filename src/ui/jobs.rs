//! The workbench's background work, run on the blocking pool and reported back as actions: the
//! staged load, detector runs (latest request wins, by generation), and writing reports and
//! exports. Nothing here touches the terminal.

use super::app::{Action, CaseBook, Request, Scope};
use crate::analysis::{Analysis, Stage};
use crate::detect::Config;
use crate::workspace::{PivotKey, Workspace};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc::UnboundedSender;

/// The staged load on the blocking pool; a panic in it (a bug) becomes a load failure on screen.
pub(super) fn load(inputs: crate::ingest::Inputs, config: Config, tx: UnboundedSender<Action>) {
    let failed = tx.clone();
    if let Err(panic) = crate::panics::catch(|| load_staged(inputs, config, tx)) {
        let _ = failed.send(Action::LoadFailed(format!(
            "hirescope failed while loading (a bug: please report it): {panic}"
        )));
    }
}

/// Reads, links and shows the people, then runs the detectors and shows the ranking, then opens
/// the case saved for these inputs.
fn load_staged(inputs: crate::ingest::Inputs, config: Config, tx: UnboundedSender<Action>) {
    let mut index = None;
    let mut done: Option<Arc<Workspace>> = None;
    let staged = crate::analysis::load_staged(&inputs, &config, |stage| match stage {
        Stage::Progress(p) => {
            let _ = tx.send(Action::Loading(p));
        }
        Stage::People(a) => {
            let ws = Workspace::new(a);
            index = Some(ws.index.clone());
            let _ = tx.send(Action::Loaded(Arc::new(ws)));
        }
        Stage::Done(a) => {
            let ws = match index.take() {
                Some(ix) => Workspace::with_index(a, ix),
                None => Workspace::new(a),
            };
            let ws = Arc::new(ws);
            let _ = tx.send(Action::Loaded(ws.clone()));
            done = Some(ws);
        }
    });
    if let Err(e) = staged {
        let _ = tx.send(Action::LoadFailed(e.to_string()));
        return;
    }
    let Some(ws) = done else { return };
    // The case saved for exactly these inputs: notes, marks, dispositions and the session.
    match crate::analysis::open_case(&ws.analysis.data) {
        Ok(c) => {
            let _ = tx.send(Action::CaseOpened(CaseBook {
                state: c.state,
                path: c.path,
            }));
        }
        Err(e) => {
            let _ = tx.send(Action::Message(format!(
                "the saved case could not be read, so it is left as it is and nothing will be saved: {e}"
            )));
        }
    }
}

/// A detector run that panicked (a bug), as a finished run that says so.
pub(super) fn failed_job(req: &Request, panic: String) -> Option<Action> {
    let Request::RunDetectors {
        generation, scope, ..
    } = req
    else {
        return None;
    };
    Some(Action::DetectDone {
        generation: *generation,
        findings: Arc::new(Vec::new()),
        errors: vec![format!(
            "the detectors failed (a bug: please report it): {panic}"
        )],
        elapsed_ms: 0,
        scope: *scope,
        workspace: None,
    })
}

/// Runs detectors for a request on the blocking pool; the result carries its generation so a
/// stale one (superseded or cancelled) is dropped by the app.
pub fn detect_job(ws: &Workspace, req: &Request) -> Option<Action> {
    let Request::RunDetectors {
        ids,
        scope,
        person,
        pivot,
        config,
        generation,
        latest,
    } = req
    else {
        return None;
    };
    let started = Instant::now();
    let a = &ws.analysis;
    use crate::model::columns as C;
    use polars::prelude::*;
    let filter = match (scope, person, pivot) {
        (Scope::Person, Some(p), _) => Some(col(C::PERSON).eq(lit(p.clone()))),
        (Scope::Pivot, _, Some(PivotKey::Ip(v))) => Some(col(C::IP).eq(lit(v.clone()))),
        (Scope::Pivot, _, Some(PivotKey::Account(v))) => Some(
            col(C::ACCOUNT)
                .eq(lit(v.clone()))
                .or(col(C::PEER).eq(lit(v.clone()))),
        ),
        (Scope::Pivot, _, Some(PivotKey::Device(v))) => Some(col(C::DEVICE_ID).eq(lit(v.clone()))),
        (Scope::Pivot, _, Some(PivotKey::Domain(v))) => Some(crate::workspace::domain_filter(v)),
        _ => None,
    };
    let current = || latest.load(std::sync::atomic::Ordering::SeqCst) == *generation;
    let (findings, errors) = match crate::analysis::rerun(a, filter, ids, config, &current) {
        Ok(r) => r,
        Err(e) => (Vec::new(), vec![e.to_string()]),
    };
    if !current() {
        return None; // cancelled or superseded: stopped between detectors, nothing to show
    }
    let elapsed_ms = started.elapsed().as_millis() as u64;
    // A full rerun over everything replaces the investigation's findings and ranking.
    let workspace = (*scope == Scope::All && ids.is_empty()).then(|| {
        let ranked = crate::score::rank(&a.model.people, &findings);
        Arc::new(Workspace::with_index(
            Analysis {
                data: a.data.clone(),
                model: a.model.clone(),
                findings: findings.clone(),
                ranked,
                errors: errors.clone(),
            },
            ws.index.clone(),
        ))
    });
    Some(Action::DetectDone {
        generation: *generation,
        findings: Arc::new(findings),
        errors,
        elapsed_ms,
        scope: *scope,
        workspace,
    })
}

/// Where the workbench writes reports and exports: the data directory, never beside the inputs.
fn output_dir(kind: &str) -> std::io::Result<PathBuf> {
    let dir = crate::case::data_dir()
        .ok_or_else(|| std::io::Error::other("no data directory for this user"))?
        .join(kind);
    crate::private::create_dir(&dir)?;
    Ok(dir)
}

/// A file name from free text (a person key, a pivot label).
fn file_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect()
}

pub(super) fn write_report(
    ws: &Workspace,
    person: &str,
    case: &crate::case::CaseState,
    config: &Config,
) -> String {
    let report = match crate::export::report(ws, person, case, config) {
        Ok(r) => r,
        Err(e) => return format!("no report: {e}"),
    };
    let path = match output_dir("reports") {
        Ok(d) => d.join(format!("{}.md", file_safe(person))),
        Err(e) => return format!("no report: {e}"),
    };
    match std::fs::write(&path, report.render(crate::export::ReportFormat::Md)) {
        Ok(()) => format!("case report written to {}", path.display()),
        Err(e) => format!("the report could not be written to {}: {e}", path.display()),
    }
}

pub(super) fn write_export(ws: &Workspace, name: &str, rows: &[(String, i64)]) -> String {
    use crate::export::TimelineFormat as F;
    let events = crate::export::events_of_rows(ws, rows);
    let dir = match output_dir("exports") {
        Ok(d) => d,
        Err(e) => return format!("no export: {e}"),
    };
    let stem = file_safe(name);
    let mut written = Vec::new();
    for (format, ext) in [
        (F::Csv, "csv"),
        (F::Jsonl, "jsonl"),
        (F::Timesketch, "timesketch.jsonl"),
    ] {
        let path = dir.join(format!("{stem}.{ext}"));
        if let Err(e) = std::fs::write(&path, crate::export::timeline(&events, format)) {
            return format!("the export could not be written to {}: {e}", path.display());
        }
        written.push(path);
    }
    format!(
        "{} rows exported to {} (.csv, .jsonl, .timesketch.jsonl)",
        events.height(),
        dir.join(&stem).display()
    )
}
