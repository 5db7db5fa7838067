//! What leaves hirescope for other people and tools: the case report (Markdown, JSON, one
//! self-contained HTML file) that HR and legal read, and a person's timeline as CSV, JSON Lines or
//! a Timesketch import file. The same inputs and the same case state give the same bytes: nothing
//! here reads the clock.

use crate::case::{CaseState, Target};
use crate::detect::Config;
use crate::ingest::FileReport;
use crate::time::format_ts;
use crate::workspace::{self as data, Workspace};
use polars::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Md,
    Json,
    Html,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TimelineFormat {
    Csv,
    Jsonl,
    Timesketch,
}

/// An input file as evidence: where it was, how big, and its SHA-256.
#[derive(Clone, Debug, Serialize)]
pub struct Custody {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

/// Every input file read (or refused), with its size and digest, in the order it was read.
pub fn custody(files: &[FileReport]) -> Vec<Custody> {
    use sha2::{Digest, Sha256};
    files
        .iter()
        .map(|f| {
            let mut hasher = Sha256::new();
            let mut bytes = 0u64;
            if let Ok(mut file) = std::fs::File::open(&f.path) {
                let mut buf = vec![0u8; 1 << 16];
                while let Ok(n) = std::io::Read::read(&mut file, &mut buf) {
                    if n == 0 {
                        break;
                    }
                    bytes += n as u64;
                    hasher.update(&buf[..n]);
                }
            }
            Custody {
                path: f.path.clone(),
                bytes,
                sha256: format!("{:x}", hasher.finalize()),
            }
        })
        .collect()
}

#[derive(Serialize)]
struct ReportPerson {
    key: String,
    name: Option<String>,
    stage: String,
    identifiers: Vec<String>,
    in_roster: bool,
    hire_date: Option<String>,
    work_country: Option<String>,
    first_seen: Option<String>,
    last_seen: Option<String>,
    events: usize,
    risk: u32,
    severity: Option<String>,
    risk_explanation: String,
}

#[derive(Serialize)]
struct ReportEvent {
    time: String,
    phase: String,
    table: String,
    row: i64,
    app: String,
    action: String,
    object: String,
    account: String,
    ip: String,
    country: String,
    /// Why this event is in the report: the findings that cite it, a mark, a note.
    why: Vec<String>,
}

#[derive(Serialize)]
struct ReportFinding {
    detector: String,
    title: String,
    severity: String,
    phase: String,
    attack: Vec<String>,
    first_seen: String,
    last_seen: String,
    reason: String,
    figures: BTreeMap<String, serde_json::Value>,
    members: Vec<String>,
    evidence: Vec<String>,
}

#[derive(Serialize)]
struct ReportHop {
    from_time: String,
    to_time: String,
    from: String,
    to: String,
    km: f64,
    hours: f64,
    kmh: f64,
    verdict: String,
}

#[derive(Serialize)]
struct ReportShared {
    kind: String,
    value: String,
    events: usize,
    shared_with: Vec<String>,
}

#[derive(Serialize)]
struct ReportNote {
    time: String,
    about: String,
    text: String,
}

#[derive(Serialize)]
struct ReportMark {
    time: String,
    about: String,
}

#[derive(Serialize)]
struct ReportDisposition {
    time: String,
    disposition: String,
}

/// The case report of one person.
#[derive(Serialize)]
pub struct Report {
    hirescope_version: String,
    person: ReportPerson,
    disposition: Option<String>,
    disposition_history: Vec<ReportDisposition>,
    notes: Vec<ReportNote>,
    marks: Vec<ReportMark>,
    findings: Vec<ReportFinding>,
    timeline: Vec<ReportEvent>,
    impossible_travel: Vec<ReportHop>,
    shared_infrastructure: Vec<ReportShared>,
    thresholds: BTreeMap<String, toml::Value>,
    inputs: Vec<Custody>,
}

fn round2(x: f64) -> f64 {
    if x.is_finite() {
        (x * 100.0).round() / 100.0
    } else {
        -1.0
    }
}

/// Who each row that a note or mark is about belongs to, found in one pass over the events (a
/// lookup per note would scan every event once per note).
fn row_owners(ws: &Workspace, case: &CaseState) -> HashMap<(String, i64), String> {
    let wanted: std::collections::HashSet<(&str, i64)> = case
        .notes
        .iter()
        .map(|n| &n.target)
        .chain(case.marks.iter().map(|m| &m.target))
        .filter_map(|t| match t {
            Target::Row { table, row } => Some((table.as_str(), *row)),
            _ => None,
        })
        .collect();
    let mut out = HashMap::new();
    if wanted.is_empty() {
        return out;
    }
    let events = &ws.analysis.model.events;
    // Codes, not text, for the pass over every event: 4 bytes a row where borrowed text is 16.
    use crate::dictionary::Codes;
    let (Ok(tables), Ok(rows), Ok(persons)) = (
        Codes::of(events, "table"),
        events.column("row").and_then(|c| c.i64().cloned()),
        Codes::of(events, "person"),
    ) else {
        return out;
    };
    for i in 0..events.height() {
        if let (Some(t), Some(r), Some(p)) = (tables.text_at(i), rows.get(i), persons.text_at(i)) {
            if wanted.contains(&(t, r)) {
                out.insert((t.to_string(), r), p.to_string());
            }
        }
    }
    out
}

/// Builds the report of `person` from the loaded workspace and the case state.
pub fn report(
    ws: &Workspace,
    person: &str,
    case: &CaseState,
    config: &Config,
) -> anyhow::Result<Report> {
    let a = &ws.analysis;
    let ranked = a
        .ranked
        .iter()
        .find(|r| r.person.key == person)
        .ok_or_else(|| {
            crate::failure::Failure::usage(format!(
                "no person {:?} in the data (see `hirescope people`)",
                crate::sanitize::visible(person)
            ))
        })?;
    let p = &ranked.person;
    let findings = ws.findings_of(person);
    // The events that matter: cited by a finding, marked, or noted.
    let mut why: BTreeMap<(String, i64), Vec<String>> = BTreeMap::new();
    for f in &findings {
        for e in &f.evidence {
            why.entry((e.table.clone(), e.row))
                .or_default()
                .push(format!("cited by {}", f.detector));
        }
    }
    let owners = row_owners(ws, case);
    let owner = |t: &str, r: i64| owners.get(&(t.to_string(), r)).cloned();
    for m in case.marks_of(person, &owner) {
        if let Target::Row { table, row } = &m.target {
            why.entry((table.clone(), *row))
                .or_default()
                .push("marked".into());
        }
    }
    for n in case.notes_of(person, &owner) {
        if let Target::Row { table, row } = &n.target {
            why.entry((table.clone(), *row))
                .or_default()
                .push("noted".into());
        }
    }
    let evidence: Vec<crate::detect::Evidence> = why
        .keys()
        .map(|(table, row)| crate::detect::Evidence {
            table: table.clone(),
            row: *row,
        })
        .collect();
    // The person's own events only: a cluster finding cites every member's rows.
    let mut timeline: Vec<ReportEvent> = data::evidence_rows(ws, &evidence)
        .into_iter()
        .filter(|r| r.person.as_deref() == Some(person))
        .map(|r| ReportEvent {
            time: format_ts(r.ts),
            phase: r.phase.to_string(),
            why: why
                .get(&(r.table.clone(), r.row))
                .cloned()
                .unwrap_or_default(),
            table: r.table,
            row: r.row,
            app: r.app,
            action: r.action,
            object: r.object,
            account: r.account,
            ip: r.ip,
            country: r.country,
        })
        .collect();
    timeline.sort_by(|a, b| (&a.time, &a.table, a.row).cmp(&(&b.time, &b.table, b.row)));
    for e in &mut timeline {
        e.why.sort();
        e.why.dedup();
    }
    let travel = data::travel::travel(ws, person, config);
    let hops = travel
        .hops
        .iter()
        .filter(|h| crate::model::travel::verdict::is_impossible(h.verdict))
        .map(|h| ReportHop {
            from_time: format_ts(h.from_ts),
            to_time: format_ts(h.to_ts),
            from: format!("{} ({})", h.from_place, h.from_ip),
            to: format!("{} ({})", h.to_place, h.to_ip),
            km: round2(h.km),
            hours: round2(h.hours),
            kmh: round2(h.kmh),
            verdict: h.verdict.to_string(),
        })
        .collect();
    let name_of = |key: &str| ws.name_of(key);
    let shared = data::entities::entities(ws, person)
        .into_iter()
        .filter(|e| !e.shared_with.is_empty())
        .map(|e| ReportShared {
            kind: e.kind.to_string(),
            value: e.value,
            events: e.events,
            shared_with: e.shared_with.iter().map(|k| name_of(k)).collect(),
        })
        .collect();
    let thresholds: BTreeMap<String, toml::Value> =
        toml::from_str::<toml::Table>(&config.to_toml())
            .ok()
            .and_then(|t| t.get("detect").and_then(|d| d.as_table()).cloned())
            .map(|t| t.into_iter().collect())
            .unwrap_or_default();
    let history = case.dispositions.get(person).cloned().unwrap_or_default();
    Ok(Report {
        hirescope_version: env!("CARGO_PKG_VERSION").to_string(),
        person: ReportPerson {
            key: p.key.clone(),
            name: p.name.clone(),
            stage: p.stage.name().to_string(),
            identifiers: p.identifiers.clone(),
            in_roster: p.in_roster,
            hire_date: p.hire_date.map(format_ts),
            work_country: p.work_country.clone(),
            first_seen: p.first_seen.map(format_ts),
            last_seen: p.last_seen.map(format_ts),
            events: p.events,
            risk: ranked.risk,
            severity: ranked.severity.map(|s| s.name().to_string()),
            risk_explanation: ranked.explanation.clone(),
        },
        disposition: case.disposition(person).map(|d| d.name().to_string()),
        disposition_history: history
            .iter()
            .map(|c| ReportDisposition {
                time: format_ts(c.at),
                disposition: c.disposition.name().to_string(),
            })
            .collect(),
        notes: case
            .notes_of(person, &owner)
            .map(|n| ReportNote {
                time: format_ts(n.at),
                about: n.target.label(),
                text: n.text.clone(),
            })
            .collect(),
        marks: case
            .marks_of(person, &owner)
            .map(|m| ReportMark {
                time: format_ts(m.at),
                about: m.target.label(),
            })
            .collect(),
        findings: findings
            .iter()
            .map(|f| ReportFinding {
                detector: f.detector.to_string(),
                title: f.title.to_string(),
                severity: f.severity.name().to_string(),
                phase: f.phase.name().to_string(),
                attack: f.attack.clone(),
                first_seen: format_ts(f.first_seen),
                last_seen: format_ts(f.last_seen),
                reason: f.reason.clone(),
                figures: f.figures.clone(),
                members: f.members.iter().map(|m| name_of(m)).collect(),
                evidence: f
                    .evidence
                    .iter()
                    .map(|e| format!("{} row {}", e.table, e.row))
                    .collect(),
            })
            .collect(),
        timeline,
        impossible_travel: hops,
        shared_infrastructure: shared,
        thresholds,
        inputs: custody(&a.data.files),
    })
}

impl Report {
    pub fn render(&self, format: ReportFormat) -> String {
        match format {
            ReportFormat::Json => {
                let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
                s.push('\n');
                s
            }
            ReportFormat::Md => self.markdown(),
            ReportFormat::Html => self.html(),
        }
    }

    fn markdown(&self) -> String {
        let p = &self.person;
        let mut s = String::new();
        let title = p.name.clone().unwrap_or_else(|| p.key.clone());
        s.push_str(&format!(
            "# Case report: {} ({})\n\n",
            md(&title),
            md(&p.key)
        ));
        s.push_str(&format!(
            "Made by hirescope {} from the inputs listed under Chain of custody; another analyst with the same files and the same case state gets the same report.\n\n",
            self.hirescope_version
        ));
        s.push_str("## Person\n\n| | |\n|---|---|\n");
        let rows: Vec<(&str, String)> = vec![
            ("person", p.key.clone()),
            ("name", p.name.clone().unwrap_or_else(|| "-".into())),
            ("stage", p.stage.clone()),
            (
                "in the HR roster",
                if p.in_roster {
                    "yes".into()
                } else {
                    "no".into()
                },
            ),
            (
                "hire date",
                p.hire_date.clone().unwrap_or_else(|| "-".into()),
            ),
            (
                "work country",
                p.work_country.clone().unwrap_or_else(|| "-".into()),
            ),
            ("identifiers", p.identifiers.join(", ")),
            (
                "seen",
                format!(
                    "{} to {} ({} events)",
                    p.first_seen.clone().unwrap_or_else(|| "-".into()),
                    p.last_seen.clone().unwrap_or_else(|| "-".into()),
                    p.events
                ),
            ),
            (
                "risk",
                format!(
                    "{} ({})",
                    p.risk,
                    p.severity.clone().unwrap_or_else(|| "no findings".into())
                ),
            ),
            ("risk explained", p.risk_explanation.clone()),
        ];
        for (k, v) in rows {
            s.push_str(&format!("| {k} | {} |\n", md(&v)));
        }
        s.push_str("\n## Analyst's conclusion\n\n");
        match &self.disposition {
            Some(d) => s.push_str(&format!("Disposition: **{d}**\n\n")),
            None => s.push_str("Disposition: none recorded\n\n"),
        }
        for d in &self.disposition_history {
            s.push_str(&format!("- {} set to {}\n", d.time, d.disposition));
        }
        if !self.disposition_history.is_empty() {
            s.push('\n');
        }
        s.push_str("### Notes\n\n");
        if self.notes.is_empty() {
            s.push_str("None.\n\n");
        }
        for n in &self.notes {
            s.push_str(&format!(
                "- {} on {}: {}\n",
                n.time,
                md(&n.about),
                md(&n.text)
            ));
        }
        if !self.notes.is_empty() {
            s.push('\n');
        }
        s.push_str("### Marks\n\n");
        if self.marks.is_empty() {
            s.push_str("None.\n\n");
        }
        for m in &self.marks {
            s.push_str(&format!("- {} marked {}\n", m.time, md(&m.about)));
        }
        if !self.marks.is_empty() {
            s.push('\n');
        }
        s.push_str(&format!("## Findings ({})\n\n", self.findings.len()));
        for f in &self.findings {
            s.push_str(&format!(
                "### {} · {} · {}\n\n{}\n\n",
                f.severity,
                f.detector,
                f.phase,
                md(&f.reason)
            ));
            s.push_str(&format!(
                "- title: {}\n- seen: {} to {}\n- ATT&CK: {}\n",
                md(&f.title),
                f.first_seen,
                f.last_seen,
                if f.attack.is_empty() {
                    "as the vendor reports".into()
                } else {
                    f.attack.join(", ")
                }
            ));
            if !f.members.is_empty() {
                s.push_str(&format!("- members: {}\n", md(&f.members.join(", "))));
            }
            let figures: Vec<String> = f
                .figures
                .iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect();
            s.push_str(&format!("- figures: {}\n", md(&figures.join("; "))));
            s.push_str(&format!("- evidence: {}\n\n", f.evidence.join(", ")));
        }
        s.push_str(&format!(
            "## Timeline of the events that matter ({})\n\n| time (UTC) | phase | table | row | app | action | object | ip | country | why |\n|---|---|---|---|---|---|---|---|---|---|\n",
            self.timeline.len()
        ));
        for e in &self.timeline {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                e.time,
                e.phase,
                e.table,
                e.row,
                md(&e.app),
                md(&e.action),
                md(&e.object),
                md(&e.ip),
                md(&e.country),
                md(&e.why.join("; "))
            ));
        }
        s.push_str(&format!(
            "\n## Impossible travel ({} hops)\n\n",
            self.impossible_travel.len()
        ));
        if !self.impossible_travel.is_empty() {
            s.push_str("| from (UTC) | to (UTC) | from | to | km | hours | km/h | verdict |\n|---|---|---|---|---|---|---|---|\n");
        }
        for h in &self.impossible_travel {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
                h.from_time,
                h.to_time,
                md(&h.from),
                md(&h.to),
                h.km,
                h.hours,
                h.kmh,
                h.verdict
            ));
        }
        s.push_str("\n## Shared infrastructure\n\n");
        if self.shared_infrastructure.is_empty() {
            s.push_str("Nothing this person used was used by anyone else.\n");
        }
        for e in &self.shared_infrastructure {
            s.push_str(&format!(
                "- {} {} ({} events): also {}\n",
                e.kind,
                md(&e.value),
                e.events,
                md(&e.shared_with.join(", "))
            ));
        }
        s.push_str("\n## Thresholds in force\n\n");
        for (k, v) in &self.thresholds {
            s.push_str(&format!("- {k} = {v}\n"));
        }
        s.push_str("\n## Chain of custody\n\n| file | bytes | SHA-256 |\n|---|---|---|\n");
        for c in &self.inputs {
            s.push_str(&format!(
                "| {} | {} | `{}` |\n",
                md(&c.path),
                c.bytes,
                c.sha256
            ));
        }
        s
    }

    /// One self-contained HTML file (no script, no external resource) that prints well.
    fn html(&self) -> String {
        let body = markdown_to_html(&self.markdown());
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Case report: {}</title>\n<style>\nbody{{font:11pt/1.4 system-ui,sans-serif;max-width:60em;margin:2em auto;color:#111}}\ntable{{border-collapse:collapse;width:100%;font-size:9pt}}th,td{{border:1px solid #999;padding:2px 4px;text-align:left;vertical-align:top;word-break:break-word}}\nh1{{font-size:16pt}}h2{{font-size:13pt;border-bottom:1px solid #999;margin-top:1.5em}}h3{{font-size:11pt}}code{{font-size:8pt}}\n@media print{{body{{margin:0;max-width:none}}h2{{break-after:avoid}}tr{{break-inside:avoid}}}}\n</style></head><body>\n{body}</body></html>\n",
            html_escape(&self.person.key)
        )
    }
}

/// Text for a Markdown table cell or line: pipes escaped, line breaks folded, controls inert.
fn md(text: &str) -> String {
    crate::sanitize::visible(&text.replace('|', "\\|").replace(['\n', '\r'], " ")).into_owned()
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The report's own small Markdown (headings, tables, lists, bold, code) as HTML.
fn markdown_to_html(md: &str) -> String {
    let inline = |t: &str| -> String {
        let e = html_escape(t).replace("\\|", "|");
        let mut out = String::new();
        let mut bold = false;
        let mut code = false;
        let mut rest = e.as_str();
        while let Some(i) = rest.find(['*', '`']) {
            out.push_str(&rest[..i]);
            if rest[i..].starts_with("**") {
                out.push_str(if bold { "</strong>" } else { "<strong>" });
                bold = !bold;
                rest = &rest[i + 2..];
            } else if rest[i..].starts_with('`') {
                out.push_str(if code { "</code>" } else { "<code>" });
                code = !code;
                rest = &rest[i + 1..];
            } else {
                out.push('*');
                rest = &rest[i + 1..];
            }
        }
        out.push_str(rest);
        out
    };
    let cells = |line: &str| -> Vec<String> {
        let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
        let mut parts = Vec::new();
        let mut cur = String::new();
        let mut chars = inner.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\\' && chars.peek() == Some(&'|') {
                cur.push_str("\\|");
                chars.next();
            } else if c == '|' {
                parts.push(std::mem::take(&mut cur));
            } else {
                cur.push(c);
            }
        }
        parts.push(cur);
        parts.iter().map(|p| inline(p.trim())).collect()
    };
    let mut out = String::new();
    let mut in_list = false;
    let mut table: Option<usize> = None;
    for line in md.lines() {
        let is_table = line.starts_with('|');
        if !is_table && table.take().is_some() {
            out.push_str("</table>\n");
        }
        if !line.starts_with("- ") && in_list {
            out.push_str("</ul>\n");
            in_list = false;
        }
        if is_table {
            match table {
                None => {
                    out.push_str("<table><tr>");
                    for c in cells(line) {
                        out.push_str(&format!("<th>{c}</th>"));
                    }
                    out.push_str("</tr>\n");
                    table = Some(0);
                }
                Some(n) if n == 0 && line.contains("---") => table = Some(1),
                Some(n) => {
                    out.push_str("<tr>");
                    for c in cells(line) {
                        out.push_str(&format!("<td>{c}</td>"));
                    }
                    out.push_str("</tr>\n");
                    table = Some(n + 1);
                }
            }
        } else if let Some(h) = line.strip_prefix("### ") {
            out.push_str(&format!("<h3>{}</h3>\n", inline(h)));
        } else if let Some(h) = line.strip_prefix("## ") {
            out.push_str(&format!("<h2>{}</h2>\n", inline(h)));
        } else if let Some(h) = line.strip_prefix("# ") {
            out.push_str(&format!("<h1>{}</h1>\n", inline(h)));
        } else if let Some(item) = line.strip_prefix("- ") {
            if !in_list {
                out.push_str("<ul>\n");
                in_list = true;
            }
            out.push_str(&format!("<li>{}</li>\n", inline(item)));
        } else if !line.trim().is_empty() {
            out.push_str(&format!("<p>{}</p>\n", inline(line)));
        }
    }
    if table.is_some() {
        out.push_str("</table>\n");
    }
    if in_list {
        out.push_str("</ul>\n");
    }
    out
}

/// The canonical columns a timeline export carries for each event.
const TIMELINE_COLUMNS: &[&str] = &[
    "ts_ms",
    "table",
    "row",
    "person",
    "stage",
    "account",
    "account_name",
    "peer",
    "app",
    "action",
    "object",
    "ip",
    "country",
    "city",
    "net_category",
    "ip_category",
    "device_id",
    "user_agent",
    "ip_intel",
    "account_intel",
    "flags",
];

/// Events as text records: (column, value) in `TIMELINE_COLUMNS` order, times as RFC 3339.
fn records(events: &DataFrame) -> Vec<Vec<(&'static str, String)>> {
    let cols: Vec<(&'static str, Option<Column>)> = TIMELINE_COLUMNS
        .iter()
        .map(|c| {
            (
                *c,
                events
                    .column(c)
                    .ok()
                    .and_then(|col| col.cast(&DataType::String).ok()),
            )
        })
        .collect();
    let ts = crate::columns::ints(events, "ts_ms").unwrap_or_default();
    (0..events.height())
        .map(|i| {
            cols.iter()
                .map(|(name, c)| {
                    let v = if *name == "ts_ms" {
                        ts.get(i)
                            .copied()
                            .flatten()
                            .map(format_ts)
                            .unwrap_or_default()
                    } else {
                        c.as_ref()
                            .and_then(|c| c.str().ok().and_then(|s| s.get(i).map(str::to_string)))
                            .unwrap_or_default()
                    };
                    (if *name == "ts_ms" { "time" } else { *name }, v)
                })
                .collect()
        })
        .collect()
}

/// A set of events (a person's, or a view's rows) as CSV, JSON Lines or a Timesketch import file
/// (JSON Lines with `message`, `datetime` and `timestamp_desc` on every line, plus the fields).
pub fn timeline(events: &DataFrame, format: TimelineFormat) -> String {
    let mut out = String::new();
    let recs = records(events);
    match format {
        TimelineFormat::Csv => {
            let header: Vec<String> = TIMELINE_COLUMNS
                .iter()
                .map(|c| {
                    if *c == "ts_ms" {
                        "time".to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect();
            out.push_str(&crate::report::csv_line(&header));
            for r in &recs {
                let cells: Vec<String> = r.iter().map(|(_, v)| v.clone()).collect();
                out.push_str(&crate::report::csv_line(&cells));
            }
        }
        TimelineFormat::Jsonl | TimelineFormat::Timesketch => {
            for r in recs {
                let mut obj = serde_json::Map::new();
                let get = |k: &str| {
                    r.iter()
                        .find(|(n, _)| *n == k)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                };
                if format == TimelineFormat::Timesketch {
                    let message = [
                        get("table"),
                        get("app"),
                        get("action"),
                        get("account"),
                        get("ip"),
                        get("country"),
                    ]
                    .iter()
                    .filter(|v| !v.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" · ");
                    obj.insert("message".into(), message.into());
                    obj.insert("datetime".into(), get("time").into());
                    obj.insert(
                        "timestamp_desc".into(),
                        format!("{} event time", get("table")).into(),
                    );
                }
                for (k, v) in r {
                    if !v.is_empty() {
                        obj.insert(k.to_string(), v.into());
                    }
                }
                out.push_str(&serde_json::Value::Object(obj).to_string());
                out.push('\n');
            }
        }
    }
    out
}

/// The events of rows given by (table, row), in time order.
pub fn events_of_rows(ws: &Workspace, rows: &[(String, i64)]) -> DataFrame {
    let keys: Vec<String> = rows.iter().map(|(t, r)| format!("{t}:{r}")).collect();
    let key = concat_str([col("table"), col("row").cast(DataType::String)], ":", true);
    ws.analysis
        .model
        .events
        .clone()
        .lazy()
        .filter(key.is_in(lit(Series::new("k".into(), keys)).implode(false), false))
        .sort(["ts_ms"], SortMultipleOptions::default())
        .collect()
        .unwrap_or_default()
}
