//! The workbench's state, changed only through `App::update(Action)`: keys become actions first,
//! background jobs report back as actions, and tests drive the app with actions alone.

use super::data::{self, EntityRow, EventRow, PivotKey, Travel, Workspace};
use super::keymap::{Cmd, Keymap};
use crate::detect::{Config, Finding};
use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Queue,
    Main,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Person,
    Pivot,
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Scope::All => "whole data set",
            Scope::Person => "this person",
            Scope::Pivot => "this pivot",
        }
    }
}

/// A view in the main pane. The stack's bottom is the person's view; drills and pivots push.
#[derive(Clone)]
pub enum View {
    Timeline {
        person: String,
        rows: Arc<Vec<EventRow>>,
        cursor: usize,
    },
    Entity {
        person: String,
        rows: Arc<Vec<EntityRow>>,
        cursor: usize,
    },
    Travel {
        person: String,
        travel: Arc<Travel>,
        cursor: usize,
    },
    Findings {
        person: String,
        findings: Arc<Vec<Finding>>,
        cursor: usize,
        title: String,
    },
    Evidence {
        title: String,
        rows: Arc<Vec<EventRow>>,
        cursor: usize,
    },
    Pivot {
        key: PivotKey,
        rows: Arc<Vec<EventRow>>,
        people: Vec<String>,
        cursor: usize,
    },
    Detail {
        title: String,
        lines: Arc<Vec<String>>,
        cursor: usize,
    },
}

impl View {
    pub fn name(&self) -> &'static str {
        match self {
            View::Timeline { .. } => "timeline",
            View::Entity { .. } => "entity",
            View::Travel { .. } => "travel",
            View::Findings { .. } => "findings",
            View::Evidence { .. } => "evidence",
            View::Pivot { .. } => "pivot",
            View::Detail { .. } => "detail",
        }
    }

    fn len(&self) -> usize {
        match self {
            View::Timeline { rows, .. }
            | View::Evidence { rows, .. }
            | View::Pivot { rows, .. } => rows.len(),
            View::Entity { rows, .. } => rows.len(),
            View::Travel { travel, .. } => travel.hops.len(),
            View::Findings { findings, .. } => findings.len(),
            View::Detail { lines, .. } => lines.len(),
        }
    }

    pub fn cursor(&self) -> usize {
        match self {
            View::Timeline { cursor, .. }
            | View::Entity { cursor, .. }
            | View::Travel { cursor, .. }
            | View::Findings { cursor, .. }
            | View::Evidence { cursor, .. }
            | View::Pivot { cursor, .. }
            | View::Detail { cursor, .. } => *cursor,
        }
    }

    fn cursor_mut(&mut self) -> &mut usize {
        match self {
            View::Timeline { cursor, .. }
            | View::Entity { cursor, .. }
            | View::Travel { cursor, .. }
            | View::Findings { cursor, .. }
            | View::Evidence { cursor, .. }
            | View::Pivot { cursor, .. }
            | View::Detail { cursor, .. } => cursor,
        }
    }

    /// Searchable text of a row.
    fn text(&self, i: usize) -> String {
        match self {
            View::Timeline { rows, .. }
            | View::Evidence { rows, .. }
            | View::Pivot { rows, .. } => rows[i].haystack(),
            View::Entity { rows, .. } => format!(
                "{} {} {}",
                rows[i].kind,
                rows[i].value,
                rows[i].shared_with.join(" ")
            )
            .to_lowercase(),
            View::Travel { travel, .. } => format!(
                "{} {} {}",
                travel.hops[i].from_place, travel.hops[i].to_place, travel.hops[i].verdict
            )
            .to_lowercase(),
            View::Findings { findings, .. } => format!(
                "{} {} {}",
                findings[i].detector,
                findings[i].severity.name(),
                findings[i].reason
            )
            .to_lowercase(),
            View::Detail { lines, .. } => lines[i].to_lowercase(),
        }
    }
}

/// A fuzzy-finder or palette entry: what is shown and what choosing it does.
#[derive(Clone, Debug, PartialEq)]
pub enum Choice {
    Person(String),
    Pivot(PivotKey),
    Command(Cmd),
    RunDetector(&'static str),
    SetThreshold(String),
    Theme(&'static str),
    Disposition(crate::case::Disposition),
    Filter(QueueFilter),
    /// A palette command with its text: `note TEXT`, `disposition D`, `mark`.
    Typed(String),
}

/// Which people the queue shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueueFilter {
    pub disposition: Option<crate::case::Disposition>,
    pub stage: Option<String>,
    pub min_severity: Option<crate::detect::Severity>,
}

impl QueueFilter {
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if let Some(d) = self.disposition {
            parts.push(format!("disposition {}", d.name()));
        }
        if let Some(s) = &self.stage {
            parts.push(format!("stage {s}"));
        }
        if let Some(s) = self.min_severity {
            parts.push(format!("severity >= {}", s.name()));
        }
        if parts.is_empty() {
            "everyone".into()
        } else {
            parts.join(", ")
        }
    }
}

/// The case being worked: what was recorded, and where it is saved (None: not saved, as in tests
/// that do not ask for it).
#[derive(Clone, Debug)]
pub struct CaseBook {
    pub state: crate::case::CaseState,
    pub path: Option<std::path::PathBuf>,
}

#[derive(Clone, Debug)]
pub struct Picker {
    pub title: &'static str,
    pub input: String,
    pub items: Vec<(String, Choice)>,
    pub matches: Vec<usize>,
    pub cursor: usize,
}

impl Picker {
    fn new(title: &'static str, items: Vec<(String, Choice)>) -> Picker {
        let mut p = Picker {
            title,
            input: String::new(),
            matches: Vec::new(),
            items,
            cursor: 0,
        };
        p.refilter();
        p
    }

    fn refilter(&mut self) {
        let m = SkimMatcherV2::default();
        let mut scored: Vec<(i64, usize)> = self
            .items
            .iter()
            .enumerate()
            .filter_map(|(i, (label, _))| {
                if self.input.is_empty() {
                    Some((0, i))
                } else {
                    m.fuzzy_match(label, &self.input).map(|s| (s, i))
                }
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        self.matches = scored.into_iter().map(|(_, i)| i).collect();
        self.cursor = 0;
    }

    pub fn chosen(&self) -> Option<&Choice> {
        self.matches.get(self.cursor).map(|&i| &self.items[i].1)
    }
}

#[derive(Clone, Debug)]
pub enum Overlay {
    None,
    /// The help screen, scrolled down by this many lines.
    Help(usize),
    Picker(Picker),
    Search(String),
    /// Entering a threshold's new value.
    Prompt {
        name: String,
        input: String,
    },
    /// Writing a note on a target.
    Note {
        target: crate::case::Target,
        input: String,
    },
}

#[derive(Clone, Debug)]
pub struct Job {
    pub label: String,
    pub generation: u64,
    pub started_ms: u64,
}

/// Work the event loop must start for the app (the app itself never blocks).
#[derive(Clone, Debug)]
pub enum Request {
    RunDetectors {
        ids: Vec<String>,
        scope: Scope,
        person: Option<String>,
        pivot: Option<PivotKey>,
        config: Box<Config>,
        generation: u64,
        /// The app's newest generation: the run stops between detectors once it moves on.
        latest: Arc<std::sync::atomic::AtomicU64>,
    },
    Suspend,
    /// Put text on the analyst's clipboard (OSC 52).
    Copy(String),
    /// Write the person's case report to the data directory.
    Report(String),
    /// Write rows (table, row) as CSV, JSON Lines and a Timesketch file, named after `name`.
    Export {
        name: String,
        rows: Vec<(String, i64)>,
    },
}

#[derive(Clone)]
pub enum Action {
    Key(Cmd),
    /// A character typed into an open input (search, finder, palette, prompt).
    Input(char),
    Backspace,
    Submit,
    Loading(String),
    Loaded(Arc<Workspace>),
    LoadFailed(String),
    DetectDone {
        generation: u64,
        findings: Arc<Vec<Finding>>,
        errors: Vec<String>,
        elapsed_ms: u64,
        scope: Scope,
        workspace: Option<Arc<Workspace>>,
    },
    Tick(u64),
    Resize,
    /// The case saved for these inputs, opened after the load.
    CaseOpened(CaseBook),
    /// A message for the status line (from a background request).
    Message(String),
}

pub struct App {
    pub ws: Option<Arc<Workspace>>,
    pub loading: Option<String>,
    pub error: Option<String>,
    pub queue: usize,
    pub focus: Focus,
    pub stack: Vec<View>,
    pub overlay: Overlay,
    pub search: Option<String>,
    pub job: Option<Job>,
    pub generation: u64,
    /// `generation` as background jobs can read it, so a superseded or cancelled run stops.
    pub latest: Arc<std::sync::atomic::AtomicU64>,
    pub config: Config,
    pub scope: Scope,
    pub newest_first: bool,
    pub message: String,
    pub keymap: Keymap,
    pub theme_name: String,
    pub now_ms: u64,
    pub quit: bool,
    pub requests: Vec<Request>,
    /// The kind of person view shown when the queue cursor moves.
    pub person_view: Cmd,
    /// Whether the analyst has pressed a key yet: until then a new workspace opens at the top
    /// of the queue, after it the analyst's place is kept.
    pub touched: bool,
    pub case: Option<CaseBook>,
    pub filter: QueueFilter,
}

impl App {
    pub fn new(config: Config, keymap: Keymap, theme_name: &str) -> App {
        App {
            ws: None,
            loading: Some("starting".into()),
            error: None,
            queue: 0,
            focus: Focus::Queue,
            stack: Vec::new(),
            overlay: Overlay::None,
            search: None,
            job: None,
            generation: 0,
            latest: Arc::new(std::sync::atomic::AtomicU64::new(0)),
            config,
            scope: Scope::All,
            newest_first: false,
            message: String::new(),
            keymap,
            theme_name: theme_name.to_string(),
            now_ms: 0,
            quit: false,
            requests: Vec::new(),
            person_view: Cmd::Timeline,
            touched: false,
            case: None,
            filter: QueueFilter::default(),
        }
    }

    /// The people the queue shows (indices into the ranking), under the filter.
    pub fn queue_rows(&self) -> Vec<usize> {
        let Some(ws) = &self.ws else {
            return Vec::new();
        };
        ws.analysis
            .ranked
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                let f = &self.filter;
                f.disposition.is_none_or(|d| {
                    self.disposition_of(&r.person.key)
                        .unwrap_or(crate::case::Disposition::Open)
                        == d
                }) && f
                    .stage
                    .as_deref()
                    .is_none_or(|s| r.person.stage.name() == s)
                    && f.min_severity
                        .is_none_or(|m| r.severity.is_some_and(|s| s >= m))
            })
            .map(|(i, _)| i)
            .collect()
    }

    pub fn disposition_of(&self, person: &str) -> Option<crate::case::Disposition> {
        self.case.as_ref()?.state.disposition(person)
    }

    pub fn selected_person(&self) -> Option<String> {
        let ws = self.ws.as_ref()?;
        let i = *self.queue_rows().get(self.queue)?;
        ws.analysis.ranked.get(i).map(|r| r.person.key.clone())
    }

    /// Builds the person's view of the given kind.
    fn person_view(&self, kind: Cmd, person: &str) -> Option<View> {
        let ws = self.ws.as_ref()?;
        let p = person.to_string();
        Some(match kind {
            Cmd::Entity => View::Entity {
                person: p,
                rows: Arc::new(data::entities(ws, person)),
                cursor: 0,
            },
            Cmd::Travel => View::Travel {
                person: p,
                travel: Arc::new(data::travel(ws, person, &self.config)),
                cursor: 0,
            },
            Cmd::Findings => View::Findings {
                person: p,
                findings: Arc::new(ws.findings_of(person).into_iter().cloned().collect()),
                cursor: 0,
                title: format!("findings of {person}"),
            },
            _ => {
                let mut rows = data::timeline(ws, person);
                if self.newest_first {
                    rows.reverse();
                }
                View::Timeline {
                    person: p,
                    rows: Arc::new(rows),
                    cursor: 0,
                }
            }
        })
    }

    /// Shows the selected person's view, replacing the whole stack.
    fn show_person(&mut self, kind: Cmd) {
        self.person_view = kind;
        self.stack.clear();
        if let Some(p) = self.selected_person() {
            if let Some(v) = self.person_view(kind, &p) {
                self.stack.push(v);
            }
        }
    }

    /// Takes a new workspace (first load, findings arriving, a rerun) without losing the analyst's
    /// place: the same person stays selected, the root view is rebuilt and drilled views stay.
    fn replace_workspace(&mut self, ws: Arc<Workspace>) {
        let keep = if self.touched {
            self.selected_person()
        } else {
            None
        };
        let had = self.ws.is_some();
        self.ws = Some(ws);
        self.queue = keep
            .as_ref()
            .and_then(|p| self.queue_position(p))
            .unwrap_or(0);
        let kind = match self.stack.first().map(|v| v.name()) {
            Some("entity") => Cmd::Entity,
            Some("travel") => Cmd::Travel,
            Some("findings") => Cmd::Findings,
            _ => self.person_view,
        };
        let same = had && keep.is_some() && keep == self.selected_person();
        match (
            same,
            self.selected_person()
                .and_then(|p| self.person_view(kind, &p)),
        ) {
            (true, Some(root)) if !self.stack.is_empty() => self.stack[0] = root,
            _ => self.show_person(kind),
        }
    }

    /// Where a person is in the (filtered) queue.
    fn queue_position(&self, person: &str) -> Option<usize> {
        let ws = self.ws.as_ref()?;
        self.queue_rows()
            .iter()
            .position(|&i| ws.analysis.ranked[i].person.key == person)
    }

    fn move_cursor(&mut self, delta: isize, absolute: Option<usize>) {
        if self.focus == Focus::Queue {
            let n = self.queue_rows().len();
            if n == 0 {
                return;
            }
            let new = absolute
                .unwrap_or_else(|| (self.queue as isize + delta).clamp(0, n as isize - 1) as usize)
                .min(n - 1);
            if new != self.queue {
                self.queue = new;
                self.show_person(self.person_view);
            }
        } else if let Some(v) = self.stack.last_mut() {
            let n = v.len();
            if n == 0 {
                return;
            }
            let c = v.cursor_mut();
            *c = absolute
                .unwrap_or_else(|| (*c as isize + delta).clamp(0, n as isize - 1) as usize)
                .min(n - 1);
        }
    }

    fn search_step(&mut self, forward: bool) {
        let Some(q) = self.search.clone().filter(|q| !q.is_empty()) else {
            return;
        };
        let q = q.to_lowercase();
        let Some(v) = self.stack.last_mut() else {
            return;
        };
        let n = v.len();
        let start = v.cursor();
        for k in 1..=n {
            let i = if forward {
                (start + k) % n
            } else {
                (start + n - k % n) % n
            };
            if v.text(i).contains(&q) {
                *v.cursor_mut() = i;
                self.message = format!("/{q}: row {}", i + 1);
                return;
            }
        }
        self.message = format!("/{q}: no match");
    }

    fn enter(&mut self) {
        if self.focus == Focus::Queue {
            self.focus = Focus::Main;
            return;
        }
        let Some(ws) = self.ws.clone() else { return };
        let Some(top) = self.stack.last().cloned() else {
            return;
        };
        let next = match top {
            View::Timeline { rows, cursor, .. }
            | View::Evidence { rows, cursor, .. }
            | View::Pivot { rows, cursor, .. } => rows.get(cursor).map(|r| View::Detail {
                title: format!("{} row {}", r.table, r.row),
                lines: Arc::new(data::detail(&ws, &r.table, r.row)),
                cursor: 0,
            }),
            View::Findings {
                findings, cursor, ..
            } => findings.get(cursor).map(|f| {
                let rows = data::evidence_rows(&ws, &f.evidence);
                View::Evidence {
                    title: format!(
                        "{} for {}: {} evidence rows",
                        f.detector,
                        f.person,
                        rows.len()
                    ),
                    rows: Arc::new(rows),
                    cursor: 0,
                }
            }),
            View::Entity { rows, cursor, .. } => rows
                .get(cursor)
                .and_then(entity_pivot)
                .map(|k| self.pivot_view(&ws, k)),
            // A hop opens its two events: where the person was before and after.
            View::Travel { travel, cursor, .. } => travel.hops.get(cursor).map(|h| {
                let evidence: Vec<crate::detect::Evidence> = h
                    .rows
                    .iter()
                    .map(|(table, row)| crate::detect::Evidence {
                        table: table.clone(),
                        row: *row,
                    })
                    .collect();
                View::Evidence {
                    title: format!("hop {} -> {} ({})", h.from_place, h.to_place, h.verdict),
                    rows: Arc::new(data::evidence_rows(&ws, &evidence)),
                    cursor: 0,
                }
            }),
            View::Detail { .. } => None,
        };
        if let Some(v) = next {
            self.stack.push(v);
        }
    }

    fn pivot_view(&self, ws: &Workspace, key: PivotKey) -> View {
        let (rows, people) = data::pivot(ws, &key);
        View::Pivot {
            key,
            rows: Arc::new(rows),
            people,
            cursor: 0,
        }
    }

    /// Pivots on what is under the cursor: a row's IP (then account, device, domain on repeat).
    /// Pivots on the row under the cursor: at once when it offers one key, through a small menu
    /// when it offers several (IP, account, device, domain).
    fn pivot(&mut self) {
        if self.focus == Focus::Queue {
            self.message = "pivot works on a row: Tab to the view, choose a row, then p".into();
            return;
        }
        let keys: Vec<PivotKey> = match self.stack.last() {
            Some(
                View::Timeline { rows, cursor, .. }
                | View::Evidence { rows, cursor, .. }
                | View::Pivot { rows, cursor, .. },
            ) => rows
                .get(*cursor)
                .map(data::PivotKey::of_row)
                .unwrap_or_default(),
            Some(View::Entity { rows, cursor, .. }) => rows
                .get(*cursor)
                .and_then(entity_pivot)
                .into_iter()
                .collect(),
            Some(View::Travel { travel, cursor, .. }) => travel
                .hops
                .get(*cursor)
                .map(|h| {
                    let mut k = vec![
                        PivotKey::Ip(h.from_ip.clone()),
                        PivotKey::Ip(h.to_ip.clone()),
                    ];
                    k.retain(|k| !matches!(k, PivotKey::Ip(ip) if ip.is_empty()));
                    k.dedup();
                    k
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        // From a pivot, what it is already on is not offered again.
        let current = match self.stack.last() {
            Some(View::Pivot { key, .. }) => Some(key.clone()),
            _ => None,
        };
        let keys: Vec<PivotKey> = keys
            .into_iter()
            .filter(|k| Some(k) != current.as_ref())
            .collect();
        match keys.len() {
            0 => {
                self.message =
                    "nothing to pivot on here: choose a row with an IP, account or device".into()
            }
            1 => {
                let k = keys.into_iter().next().expect("one key");
                self.open_pivot(k);
            }
            _ => {
                let items = keys
                    .into_iter()
                    .map(|k| {
                        (
                            crate::sanitize::visible(&k.label()).into_owned(),
                            Choice::Pivot(k),
                        )
                    })
                    .collect();
                self.overlay = Overlay::Picker(Picker::new("pivot on", items));
            }
        }
    }

    fn open_pivot(&mut self, k: PivotKey) {
        let Some(ws) = self.ws.clone() else { return };
        self.message = format!("pivot on {}", k.label());
        let v = self.pivot_view(&ws, k);
        self.stack.push(v);
        self.focus = Focus::Main;
    }

    /// A new generation: results of older background runs are dropped, and the runs stop.
    fn next_generation(&mut self) {
        self.generation += 1;
        self.latest
            .store(self.generation, std::sync::atomic::Ordering::SeqCst);
    }

    fn run_detectors(&mut self, ids: Vec<String>) {
        self.next_generation();
        let person = self.selected_person();
        let pivot = self.stack.iter().rev().find_map(|v| match v {
            View::Pivot { key, .. } => Some(key.clone()),
            _ => None,
        });
        if self.scope == Scope::Pivot && pivot.is_none() {
            self.message = "no pivot open: scope is the whole data set".into();
            self.scope = Scope::All;
        }
        // Over one person, detectors that compare people have no one to compare with: run the
        // others, and say which were skipped.
        let mut skipped: Vec<&str> = Vec::new();
        let ids = if self.scope == Scope::Person {
            let wanted: Vec<String> = if ids.is_empty() {
                crate::detect::ids().iter().map(|s| s.to_string()).collect()
            } else {
                ids
            };
            let (cross, own): (Vec<String>, Vec<String>) = wanted
                .into_iter()
                .partition(|d| crate::detect::CROSS_PERSON.contains(&d.as_str()));
            skipped = crate::detect::CROSS_PERSON
                .iter()
                .copied()
                .filter(|c| cross.iter().any(|d| d == c))
                .collect();
            own
        } else {
            ids
        };
        if !skipped.is_empty() {
            self.message = format!(
                "over this person, skipped the detectors that compare people: {}",
                skipped.join(", ")
            );
        }
        let label = if ids.is_empty() {
            "all detectors".to_string()
        } else if skipped.is_empty() {
            ids.join(", ")
        } else {
            format!("{} detectors ({} skipped)", ids.len(), skipped.len())
        };
        self.job = Some(Job {
            label: format!("{label} over {}", self.scope.name()),
            generation: self.generation,
            started_ms: self.now_ms,
        });
        self.requests.push(Request::RunDetectors {
            ids,
            scope: self.scope,
            person,
            pivot,
            config: Box::new(self.config.clone()),
            generation: self.generation,
            latest: self.latest.clone(),
        });
    }

    fn open_finder(&mut self) {
        let Some(ws) = self.ws.as_ref() else { return };
        let mut items: Vec<(String, Choice)> = Vec::new();
        for r in &ws.analysis.ranked {
            let p = &r.person;
            items.push((
                format!(
                    "person {} {} ({})",
                    p.key,
                    p.name.as_deref().unwrap_or(""),
                    p.stage.name()
                ),
                Choice::Person(p.key.clone()),
            ));
            for id in &p.identifiers {
                items.push((
                    format!("account {id} -> {}", p.key),
                    Choice::Pivot(PivotKey::Account(id.clone())),
                ));
            }
        }
        // Every address and every mail correspondent, from their distinct values.
        for (column, label) in [("ip", "ip"), ("peer", "e-mail")] {
            let Ok(values) = ws
                .analysis
                .model
                .events
                .column(column)
                .and_then(|c| c.unique())
            else {
                continue;
            };
            let Ok(values) = values.str().cloned() else {
                continue;
            };
            for v in values.iter().flatten().take(50_000) {
                let key = if column == "ip" {
                    PivotKey::Ip(v.to_string())
                } else {
                    PivotKey::Account(v.to_string())
                };
                items.push((format!("{label} {v}"), Choice::Pivot(key)));
            }
        }
        for i in &mut items {
            i.0 = crate::sanitize::visible(&i.0).into_owned();
        }
        self.overlay = Overlay::Picker(Picker::new("find", items));
    }

    fn open_palette(&mut self) {
        let mut items: Vec<(String, Choice)> = self
            .keymap
            .bindings
            .iter()
            .map(|b| {
                (
                    // "timeline: timeline: every event…" says the name twice: once is enough.
                    if b.description.starts_with(b.name) {
                        format!("{} [{}]", b.description, b.keys.join(" "))
                    } else {
                        format!("{}: {} [{}]", b.name, b.description, b.keys.join(" "))
                    },
                    Choice::Command(b.cmd),
                )
            })
            .collect();
        for d in crate::detect::registry() {
            items.push((
                format!("run detector {}: {}", d.id, d.title),
                Choice::RunDetector(d.id),
            ));
        }
        if let Ok(toml::Value::Table(t)) = toml::Value::try_from(&self.config) {
            for (k, v) in t {
                items.push((
                    format!("set threshold {k} (now {v})"),
                    Choice::SetThreshold(k),
                ));
            }
        }
        for t in super::theme::names() {
            items.push((format!("theme {t}"), Choice::Theme(t)));
        }
        // Case work, also typed with its text: `note TEXT`, `disposition D`, `mark`.
        for d in crate::case::Disposition::ALL {
            items.push((
                format!("disposition {} (of the selected person)", d.name()),
                Choice::Disposition(d),
            ));
            items.push((
                format!("filter queue: disposition {}", d.name()),
                Choice::Filter(QueueFilter {
                    disposition: Some(d),
                    ..QueueFilter::default()
                }),
            ));
        }
        for stage in ["candidate", "offer", "hired", "staff"] {
            items.push((
                format!("filter queue: stage {stage}"),
                Choice::Filter(QueueFilter {
                    stage: Some(stage.into()),
                    ..QueueFilter::default()
                }),
            ));
        }
        for sev in [
            crate::detect::Severity::Medium,
            crate::detect::Severity::High,
            crate::detect::Severity::Critical,
        ] {
            items.push((
                format!("filter queue: severity {} or above", sev.name()),
                Choice::Filter(QueueFilter {
                    min_severity: Some(sev),
                    ..QueueFilter::default()
                }),
            ));
        }
        items.push((
            "filter queue: everyone".into(),
            Choice::Filter(QueueFilter::default()),
        ));
        self.overlay = Overlay::Picker(Picker::new("command", items));
    }

    fn choose(&mut self, c: Choice) {
        self.overlay = Overlay::None;
        match c {
            Choice::Person(p) => {
                if self.queue_position(&p).is_none() {
                    self.filter = QueueFilter::default(); // the finder reaches everyone
                }
                if let Some(i) = self.queue_position(&p) {
                    self.queue = i;
                    self.show_person(self.person_view);
                    self.focus = Focus::Main;
                }
            }
            Choice::Pivot(k) => self.open_pivot(k),
            Choice::Command(cmd) => self.update(Action::Key(cmd)),
            Choice::RunDetector(id) => self.run_detectors(vec![id.to_string()]),
            Choice::SetThreshold(name) => {
                self.overlay = Overlay::Prompt {
                    name,
                    input: String::new(),
                };
            }
            Choice::Theme(t) => {
                self.theme_name = t.to_string();
                self.message = format!("theme {t}");
            }
            Choice::Disposition(d) => self.set_disposition(d),
            Choice::Filter(f) => self.set_filter(f),
            Choice::Typed(text) => self.typed_command(&text),
        }
    }

    /// What a note, mark or copy under the cursor is about: the focused row, finding or person.
    pub fn target(&self) -> Option<crate::case::Target> {
        use crate::case::Target;
        let person = self.selected_person();
        if self.focus == Focus::Main {
            match self.stack.last() {
                Some(
                    View::Timeline { rows, cursor, .. }
                    | View::Evidence { rows, cursor, .. }
                    | View::Pivot { rows, cursor, .. },
                ) => {
                    if let Some(r) = rows.get(*cursor) {
                        return Some(Target::Row {
                            table: r.table.clone(),
                            row: r.row,
                        });
                    }
                }
                Some(View::Findings {
                    findings, cursor, ..
                }) => {
                    if let Some(f) = findings.get(*cursor) {
                        return Some(Target::Finding {
                            detector: f.detector.to_string(),
                            person: f.person.clone(),
                            first_seen: f.first_seen,
                        });
                    }
                }
                _ => {}
            }
        }
        person.map(|person| Target::Person { person })
    }

    /// Changes the case and saves it at once (atomically); a save that fails is said.
    fn record(&mut self, change: impl FnOnce(&mut crate::case::CaseState, i64) -> String) {
        let at = crate::case::now_ms();
        let book = self.case.get_or_insert_with(|| CaseBook {
            state: crate::case::CaseState::default(),
            path: None,
        });
        let said = change(&mut book.state, at);
        self.message = match &book.path {
            Some(path) => match crate::case::save(path, &book.state) {
                Ok(()) => format!("{said} (saved)"),
                Err(e) => format!("{said}, but NOT SAVED: {e}"),
            },
            None => format!("{said} (not saved: no case file)"),
        };
    }

    fn toggle_mark(&mut self) {
        let Some(target) = self.target() else { return };
        self.record(|c, at| {
            let label = target.label();
            if c.toggle_mark(target, at) {
                format!("marked {label}")
            } else {
                format!("unmarked {label}")
            }
        });
    }

    fn add_note(&mut self, text: &str) {
        let Some(target) = self.target() else { return };
        self.note_on(target, text);
    }

    fn note_on(&mut self, target: crate::case::Target, text: &str) {
        let text = text.trim().to_string();
        if text.is_empty() {
            self.message = "an empty note is not kept".into();
            return;
        }
        self.record(|c, at| {
            let label = target.label();
            c.add_note(target, &text, at);
            format!("note on {label}")
        });
    }

    fn set_disposition(&mut self, d: crate::case::Disposition) {
        let Some(person) = self.selected_person() else {
            return;
        };
        self.record(|c, at| {
            c.set_disposition(&person, d, at);
            format!("{person} is {}", d.name())
        });
    }

    fn set_filter(&mut self, f: QueueFilter) {
        let keep = self.selected_person();
        self.filter = f;
        self.queue = keep.and_then(|p| self.queue_position(&p)).unwrap_or(0);
        self.message = format!(
            "queue: {} ({} people)",
            self.filter.label(),
            self.queue_rows().len()
        );
        self.show_person(self.person_view);
    }

    /// A palette command typed with its text: `note TEXT`, `disposition D`, `mark`,
    /// `filter disposition=D|stage=S|severity=S|none`.
    fn typed_command(&mut self, text: &str) {
        let text = text.trim();
        let (verb, rest) = text.split_once(' ').unwrap_or((text, ""));
        match verb {
            "note" => self.add_note(rest),
            "mark" => self.toggle_mark(),
            "disposition" => match crate::case::Disposition::parse(rest) {
                Some(d) => self.set_disposition(d),
                None => {
                    self.message = format!(
                        "disposition takes open, cleared, escalated or confirmed, not {rest:?}"
                    )
                }
            },
            "filter" => {
                let mut f = QueueFilter::default();
                for part in rest.split_whitespace() {
                    match part.split_once('=') {
                        Some(("disposition", v)) => {
                            f.disposition = crate::case::Disposition::parse(v)
                        }
                        Some(("stage", v)) => f.stage = Some(v.to_ascii_lowercase()),
                        Some(("severity", v)) => f.min_severity = crate::detect::Severity::parse(v),
                        _ => {}
                    }
                }
                self.set_filter(f);
            }
            _ => self.message = format!("no command {verb:?}"),
        }
    }

    /// Whether palette text is a command with its text rather than a fuzzy query.
    fn is_typed_command(text: &str) -> bool {
        let verb = text.split_whitespace().next().unwrap_or("");
        matches!(verb, "note" | "disposition" | "mark" | "filter")
            && (text.contains(' ') || verb == "mark")
    }

    /// The text of the value or row under the cursor, for the clipboard.
    fn copy_text(&self) -> Option<String> {
        if self.focus == Focus::Queue {
            return self.selected_person();
        }
        Some(match self.stack.last()? {
            View::Timeline { rows, cursor, .. }
            | View::Evidence { rows, cursor, .. }
            | View::Pivot { rows, cursor, .. } => {
                let r = rows.get(*cursor)?;
                [
                    crate::time::format_ts(r.ts),
                    r.table.clone(),
                    r.row.to_string(),
                    r.app.clone(),
                    r.action.clone(),
                    r.object.clone(),
                    r.account.clone(),
                    r.ip.clone(),
                    r.country.clone(),
                ]
                .join("\t")
            }
            View::Entity { rows, cursor, .. } => rows.get(*cursor)?.value.clone(),
            View::Travel { travel, cursor, .. } => {
                let h = travel.hops.get(*cursor)?;
                format!(
                    "{} -> {} {:.0} km/h {}",
                    h.from_place, h.to_place, h.kmh, h.verdict
                )
            }
            View::Findings {
                findings, cursor, ..
            } => findings.get(*cursor)?.reason.clone(),
            View::Detail { lines, cursor, .. } => lines.get(*cursor)?.clone(),
        })
    }

    /// The rows of the current view, for an export.
    fn view_rows(&self) -> Option<(String, Vec<(String, i64)>)> {
        match self.stack.last()? {
            View::Timeline { rows, person, .. } => Some((
                format!("timeline-{person}"),
                rows.iter().map(|r| (r.table.clone(), r.row)).collect(),
            )),
            View::Evidence { rows, .. } => Some((
                "evidence".into(),
                rows.iter().map(|r| (r.table.clone(), r.row)).collect(),
            )),
            View::Pivot { rows, key, .. } => Some((
                format!("pivot-{}", key.label()),
                rows.iter().map(|r| (r.table.clone(), r.row)).collect(),
            )),
            _ => None,
        }
    }

    /// Where the analyst is, for the next session.
    pub fn session(&self) -> crate::case::Session {
        let pivots = self
            .stack
            .iter()
            .filter_map(|v| match v {
                View::Pivot { key, .. } => Some(key.spec()),
                _ => None,
            })
            .collect();
        crate::case::Session {
            person: self.selected_person(),
            view: self.stack.first().map(|v| v.name().to_string()),
            pivots,
            thresholds: self.config.changed_from_default().into_iter().collect(),
        }
    }

    /// Saves where the analyst is into the case (on quit and on signals).
    pub fn save_session(&mut self) {
        let session = self.session();
        if let Some(book) = &mut self.case {
            if book.state.session != session {
                book.state.session = session;
                if let Some(path) = &book.path {
                    let _ = crate::case::save(path, &book.state);
                }
            }
        }
    }

    /// Puts the analyst back where the last session ended: thresholds, person, view, pivots.
    fn restore_session(&mut self, s: &crate::case::Session) {
        for (name, value) in &s.thresholds {
            let _ = self.config.set(&format!("{name}={value}"));
        }
        let Some(person) = &s.person else { return };
        let Some(i) = self.queue_position(person) else {
            return;
        };
        self.queue = i;
        self.touched = true;
        let kind = match s.view.as_deref() {
            Some("entity") => Cmd::Entity,
            Some("travel") => Cmd::Travel,
            Some("findings") => Cmd::Findings,
            _ => Cmd::Timeline,
        };
        self.show_person(kind);
        if let Some(ws) = self.ws.clone() {
            for spec in &s.pivots {
                if let Some(k) = PivotKey::from_spec(spec) {
                    let v = self.pivot_view(&ws, k);
                    self.stack.push(v);
                }
            }
        }
        self.message = format!("session restored: {person}");
    }

    pub fn update(&mut self, action: Action) {
        match action {
            Action::Tick(now) => self.now_ms = now,
            Action::Resize => {}
            Action::Loading(s) => self.loading = Some(s),
            Action::LoadFailed(e) => {
                self.loading = None;
                self.error = Some(e);
            }
            Action::Loaded(ws) => {
                self.loading = None;
                let n = ws.analysis.findings.len();
                self.message = format!(
                    "{} events, {} people, {} findings",
                    ws.analysis.data.rows(),
                    ws.analysis.ranked.len(),
                    n
                );
                self.replace_workspace(ws);
            }
            Action::DetectDone {
                generation,
                findings,
                errors,
                elapsed_ms,
                scope,
                workspace,
            } => {
                if generation != self.generation || self.job.is_none() {
                    return; // stale: a newer request (or a cancel) replaced it
                }
                self.job = None;
                let err = if errors.is_empty() {
                    String::new()
                } else {
                    format!("; {} failed: {}", errors.len(), errors.join("; "))
                };
                let skipped = if scope == Scope::Person {
                    "; detectors that compare people were skipped".to_string()
                } else {
                    String::new()
                };
                self.message = format!(
                    "{} findings over {} in {} ms{skipped}{err}",
                    findings.len(),
                    scope.name(),
                    elapsed_ms
                );
                match workspace {
                    Some(ws) => self.replace_workspace(ws),
                    None => self.stack.push(View::Findings {
                        person: String::new(),
                        findings,
                        cursor: 0,
                        title: format!("detector results over {}", scope.name()),
                    }),
                }
            }
            Action::CaseOpened(book) => {
                let session = book.state.session.clone();
                let recorded =
                    book.state.notes.len() + book.state.marks.len() + book.state.dispositions.len();
                self.case = Some(book);
                if self.ws.is_some() {
                    self.restore_session(&session);
                }
                if recorded > 0 {
                    self.message = format!(
                        "{} (case: {recorded} notes, marks and dispositions)",
                        self.message
                    );
                }
            }
            Action::Message(m) => self.message = m,
            Action::Input(c) => match &mut self.overlay {
                Overlay::Picker(p) => {
                    p.input.push(c);
                    p.refilter();
                }
                Overlay::Search(s) => s.push(c),
                Overlay::Prompt { input, .. } | Overlay::Note { input, .. } => input.push(c),
                _ => {}
            },
            Action::Backspace => match &mut self.overlay {
                Overlay::Picker(p) => {
                    p.input.pop();
                    p.refilter();
                }
                Overlay::Search(s) => {
                    s.pop();
                }
                Overlay::Prompt { input, .. } | Overlay::Note { input, .. } => {
                    input.pop();
                }
                _ => {}
            },
            Action::Submit => match std::mem::replace(&mut self.overlay, Overlay::None) {
                Overlay::Picker(p) => {
                    if p.title == "command" && Self::is_typed_command(&p.input) {
                        self.choose(Choice::Typed(p.input.clone()));
                    } else if let Some(c) = p.chosen().cloned() {
                        self.choose(c);
                    }
                }
                Overlay::Note { target, input } => self.note_on(target, &input),
                Overlay::Search(q) => {
                    self.search = Some(q);
                    self.focus = Focus::Main;
                    self.search_step(true);
                }
                Overlay::Prompt { name, input } => {
                    match self.config.set(&format!("{name}={input}")) {
                        Ok(()) => {
                            self.message =
                                format!("{name} = {input}; press r to run the detectors again")
                        }
                        Err(e) => self.message = format!("{e}"),
                    }
                }
                other => self.overlay = other,
            },
            Action::Key(cmd) => self.key(cmd),
        }
    }

    /// Which view is showing: a message belongs to the view that made it.
    fn view_identity(&self) -> (Option<String>, usize, Option<&'static str>) {
        (
            self.selected_person(),
            self.stack.len(),
            self.stack.last().map(View::name),
        )
    }

    fn key(&mut self, cmd: Cmd) {
        let before = (self.view_identity(), self.message.clone());
        self.key_in_view(cmd);
        // A message clears when the view it was about changes (unless this key said something).
        if self.view_identity() != before.0 && self.message == before.1 {
            self.message.clear();
        }
    }

    fn key_in_view(&mut self, cmd: Cmd) {
        self.touched = true;
        // Open overlays take the navigation keys for themselves.
        if let Overlay::Picker(p) = &mut self.overlay {
            match cmd {
                Cmd::Down => p.cursor = (p.cursor + 1).min(p.matches.len().saturating_sub(1)),
                Cmd::Up => p.cursor = p.cursor.saturating_sub(1),
                Cmd::Back | Cmd::Cancel => self.overlay = Overlay::None,
                Cmd::Enter => self.update(Action::Submit),
                Cmd::Quit => self.quit = true,
                _ => {}
            }
            return;
        }
        if let Overlay::Help(scroll) = &mut self.overlay {
            // Help is longer than a small terminal: it scrolls.
            match cmd {
                Cmd::Down => *scroll += 1,
                Cmd::Up => *scroll = scroll.saturating_sub(1),
                Cmd::PageDown => *scroll += 10,
                Cmd::PageUp => *scroll = scroll.saturating_sub(10),
                Cmd::Top => *scroll = 0,
                Cmd::Bottom => *scroll = self.keymap.bindings.len(),
                _ => {}
            }
            if matches!(
                cmd,
                Cmd::Down | Cmd::Up | Cmd::PageDown | Cmd::PageUp | Cmd::Top | Cmd::Bottom
            ) {
                return;
            }
        }
        if !matches!(self.overlay, Overlay::None) {
            match cmd {
                Cmd::Back | Cmd::Help | Cmd::Cancel => self.overlay = Overlay::None,
                Cmd::Enter => self.update(Action::Submit),
                Cmd::Quit => self.quit = true,
                _ => {}
            }
            return;
        }
        match cmd {
            Cmd::Down => self.move_cursor(1, None),
            Cmd::Up => self.move_cursor(-1, None),
            Cmd::Top => self.move_cursor(0, Some(0)),
            Cmd::Bottom => self.move_cursor(0, Some(usize::MAX)),
            Cmd::PageDown => self.move_cursor(10, None),
            Cmd::PageUp => self.move_cursor(-10, None),
            Cmd::NextPane => {
                self.focus = if self.focus == Focus::Queue {
                    Focus::Main
                } else {
                    Focus::Queue
                }
            }
            Cmd::Enter => self.enter(),
            Cmd::Back => {
                if self.stack.len() > 1 {
                    self.stack.pop();
                } else if self.focus == Focus::Main {
                    self.focus = Focus::Queue;
                } else {
                    // Back never quits by accident (a pivot or a threshold is lost); Q does.
                    self.message =
                        format!("this is the root; {} quits", self.keymap.keys_of(Cmd::Quit));
                }
            }
            Cmd::Quit => self.quit = true,
            Cmd::Help => self.overlay = Overlay::Help(0),
            Cmd::Palette => self.open_palette(),
            Cmd::Finder => self.open_finder(),
            Cmd::Search => self.overlay = Overlay::Search(String::new()),
            Cmd::SearchNext => self.search_step(true),
            Cmd::SearchPrev => self.search_step(false),
            Cmd::Timeline | Cmd::Entity | Cmd::Travel | Cmd::Findings => {
                self.show_person(cmd);
                self.focus = Focus::Main;
            }
            Cmd::Pivot => self.pivot(),
            Cmd::RunAll => self.run_detectors(Vec::new()),
            Cmd::Scope => {
                // "This pivot" is offered only while a pivot is open.
                let pivot_open = self.stack.iter().any(|v| matches!(v, View::Pivot { .. }));
                self.scope = match self.scope {
                    Scope::All => Scope::Person,
                    Scope::Person if pivot_open => Scope::Pivot,
                    Scope::Person | Scope::Pivot => Scope::All,
                };
                self.message = format!("detector scope: {}", self.scope.name());
            }
            Cmd::Order => {
                self.newest_first = !self.newest_first;
                self.message = format!(
                    "timeline {}",
                    if self.newest_first {
                        "newest first"
                    } else {
                        "oldest first"
                    }
                );
                if let Some(View::Timeline { rows, cursor, .. }) = self.stack.first_mut() {
                    let mut r = rows.as_ref().clone();
                    r.reverse();
                    *cursor = r.len().saturating_sub(1) - (*cursor).min(r.len().saturating_sub(1));
                    *rows = Arc::new(r);
                }
            }
            Cmd::Cancel => {
                if self.job.take().is_some() {
                    self.next_generation();
                    self.message = "detector job cancelled".into();
                } else {
                    self.message = "no detector job is running".into();
                }
            }
            Cmd::Suspend => self.requests.push(Request::Suspend),
            Cmd::Mark => self.toggle_mark(),
            Cmd::Note => {
                if let Some(target) = self.target() {
                    self.overlay = Overlay::Note {
                        target,
                        input: String::new(),
                    };
                }
            }
            Cmd::Disposition => {
                if let Some(p) = self.selected_person() {
                    let now = self
                        .disposition_of(&p)
                        .map_or("none yet".to_string(), |d| d.name().to_string());
                    let items = crate::case::Disposition::ALL
                        .into_iter()
                        .map(|d| {
                            (
                                format!("{} ({p}; now {now})", d.name()),
                                Choice::Disposition(d),
                            )
                        })
                        .collect();
                    self.overlay = Overlay::Picker(Picker::new("disposition", items));
                }
            }
            Cmd::Copy => match self.copy_text() {
                Some(t) => {
                    self.message = format!(
                        "copied {} characters to the clipboard (OSC 52)",
                        t.chars().count()
                    );
                    self.requests.push(Request::Copy(t));
                }
                None => self.message = "nothing to copy here".into(),
            },
            Cmd::LoadReport => {
                if let Some(ws) = &self.ws {
                    let lines = data::load_report(ws);
                    self.stack.push(View::Detail {
                        title: "what was read".into(),
                        lines: Arc::new(lines),
                        cursor: 0,
                    });
                    self.focus = Focus::Main;
                }
            }
            Cmd::Report => {
                if let Some(p) = self.selected_person() {
                    self.message = format!("writing the case report of {p}…");
                    self.requests.push(Request::Report(p));
                }
            }
            Cmd::Export => match self.view_rows() {
                Some((name, rows)) => {
                    self.message = format!("exporting {} rows…", rows.len());
                    self.requests.push(Request::Export { name, rows });
                }
                None => self.message = "export works on a timeline, evidence or pivot view".into(),
            },
        }
    }
}

fn entity_pivot(r: &EntityRow) -> Option<PivotKey> {
    match r.kind {
        "ip" => Some(PivotKey::Ip(r.value.clone())),
        "device" => Some(PivotKey::Device(r.value.clone())),
        "identifier" if r.value.contains('@') => Some(PivotKey::Account(r.value.clone())),
        "identifier" => Some(PivotKey::Account(r.value.clone())),
        _ => None,
    }
}
