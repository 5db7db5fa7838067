//! The workbench's state, changed only through `App::update(Action)`: keys become actions first,
//! background jobs report back as actions, and tests drive the app with actions alone. What a key
//! does on a view is the view's own answer (`views::Pane`); the app keeps the stack, the focus,
//! the overlays, the jobs and the case.

use super::keymap::{Cmd, Keymap};
use super::overlays::{finder, palette};
pub use super::overlays::{Choice, Overlay, Picker};
pub use super::views::queue::QueueFilter;
use super::views::{self, DetailView, FindingsView, PivotView, TimelineFilter, View};
use crate::detect::{Config, Finding};
use crate::workspace::{PivotKey, Workspace};
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

/// The case being worked: what was recorded, and where it is saved (None: not saved, as in tests
/// that do not ask for it).
#[derive(Clone, Debug)]
pub struct CaseBook {
    pub state: crate::case::CaseState,
    pub path: Option<std::path::PathBuf>,
}

#[derive(Clone, Debug)]
pub struct Job {
    pub label: String,
    pub generation: u64,
    pub started_ms: u64,
    /// The detectors the scope left out (those that compare people, over one person).
    pub skipped: Vec<&'static str>,
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
    /// The terminal's size (at start and on every resize).
    Resize {
        width: u16,
        height: u16,
    },
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
    /// The terminal's size as last told (0 until then, as in tests that draw at several sizes).
    pub size: (u16, u16),
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
            size: (0, 0),
        }
    }

    /// The people the queue shows (indices into the ranking), under the filter.
    pub fn queue_rows(&self) -> Vec<usize> {
        match &self.ws {
            Some(ws) => views::queue::rows(ws, self.case.as_ref().map(|c| &c.state), &self.filter),
            None => Vec::new(),
        }
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
        Some(views::person_view(ws, self, kind, person))
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
        let kind = self
            .stack
            .first()
            .and_then(View::person_kind)
            .unwrap_or(self.person_view);
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
        let step = |now: usize, n: usize| {
            absolute
                .unwrap_or_else(|| (now as isize + delta).clamp(0, n as isize - 1) as usize)
                .min(n - 1)
        };
        if self.focus == Focus::Queue {
            let n = self.queue_rows().len();
            if n == 0 {
                return;
            }
            let new = step(self.queue, n);
            if new != self.queue {
                self.queue = new;
                self.show_person(self.person_view);
            }
        } else if let Some(v) = self.stack.last_mut() {
            let pane = v.pane_mut();
            let n = pane.len();
            if n > 0 {
                pane.set_cursor(step(pane.cursor(), n));
            }
        }
    }

    fn search_step(&mut self, forward: bool) {
        let Some(q) = self.search.clone().filter(|q| !q.is_empty()) else {
            return;
        };
        let q = q.to_lowercase();
        let width = self.main_width();
        let Some(v) = self.stack.last_mut() else {
            return;
        };
        let pane = v.pane_mut();
        let n = pane.len();
        let start = pane.cursor();
        for k in 1..=n {
            let i = if forward {
                (start + k) % n
            } else {
                (start + n - k % n) % n
            };
            if pane.search_text(i).contains(&q) {
                pane.set_cursor(i);
                let note = search_note(v, &q, width);
                self.message = format!("/{q}: row {}{note}", i + 1);
                return;
            }
        }
        self.message = format!("/{q}: no match");
    }

    /// The main pane's inner width, when the terminal's size is known.
    fn main_width(&self) -> Option<u16> {
        let (w, _) = self.size;
        (w > 0).then(|| w.saturating_sub(super::render::queue_width(w) + 2))
    }

    fn enter(&mut self) {
        if self.focus == Focus::Queue {
            self.focus = Focus::Main;
            return;
        }
        let Some(ws) = self.ws.clone() else { return };
        if let Some(next) = self.stack.last().and_then(|v| v.pane().drill(&ws)) {
            self.stack.push(next);
        }
    }

    fn pivot_view(&self, ws: &Workspace, key: PivotKey) -> View {
        View::Pivot(PivotView::new(ws, key))
    }

    /// Pivots on the row under the cursor: at once when it offers one key, through a small menu
    /// when it offers several (IP, account, device, domain).
    fn pivot(&mut self) {
        if self.focus == Focus::Queue {
            self.message = "pivot works on a row: Tab to the view, choose a row, then p".into();
            return;
        }
        let keys: Vec<PivotKey> = self
            .stack
            .last()
            .map(|v| v.pane().pivot_keys())
            .unwrap_or_default();
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
            View::Pivot(p) => Some(p.key.clone()),
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
            skipped,
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
        if let Some(ws) = self.ws.as_ref() {
            self.overlay = Overlay::Picker(finder::open(ws));
        }
    }

    fn open_palette(&mut self) {
        self.overlay = Overlay::Picker(palette::open(self));
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
            Choice::Timeline(f) => self.filter_timeline(|_| f),
            Choice::Typed(text) => self.typed_command(&text),
        }
    }

    /// What a note, mark or copy under the cursor is about: the focused row, finding or person.
    pub fn target(&self) -> Option<crate::case::Target> {
        if self.focus == Focus::Main {
            if let Some(t) = self.stack.last().and_then(|v| v.pane().target()) {
                return Some(t);
            }
        }
        self.selected_person()
            .map(|person| crate::case::Target::Person { person })
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
            "where" => match TimelineFilter::parse(rest) {
                Ok(f) => self.filter_timeline(|_| f),
                Err(e) => self.message = e,
            },
            _ => self.message = format!("no command {verb:?}"),
        }
    }

    /// Changes the root timeline's filter (opening the timeline when another view is shown).
    fn filter_timeline(&mut self, change: impl FnOnce(&TimelineFilter) -> TimelineFilter) {
        if !matches!(self.stack.first(), Some(View::Timeline(_))) {
            self.show_person(Cmd::Timeline);
        }
        self.stack.truncate(1);
        self.focus = Focus::Main;
        let Some(View::Timeline(t)) = self.stack.first_mut() else {
            self.message = "no timeline: choose a person first".into();
            return;
        };
        let f = change(&t.filter);
        t.set_filter(f);
        self.message = format!(
            "timeline: {} ({} of {} events){}",
            t.filter.label(),
            t.shown.len(),
            t.rows.len(),
            if t.filter.is_empty() {
                String::new()
            } else {
                format!("; {} clears", self.keymap.first_key(Cmd::Back))
            }
        );
    }

    /// The timeline's filter keys: cited rows, the next phase or source, a range end at the cursor.
    fn timeline_key(&mut self, cmd: Cmd) {
        let Some(View::Timeline(t)) = self.stack.last() else {
            self.message = format!(
                "{} filters the timeline: {} opens it",
                self.keymap.first_key(cmd),
                self.keymap.first_key(Cmd::Timeline)
            );
            return;
        };
        let at = t.current().map(|r| r.ts);
        let phases = t.phases();
        let sources = t.sources();
        let next = |list: &[String], now: &Option<String>| -> Option<String> {
            match now {
                None => list.first().cloned(),
                Some(n) => list
                    .iter()
                    .position(|s| s == n)
                    .and_then(|i| list.get(i + 1).cloned()),
            }
        };
        let phases: Vec<String> = phases.into_iter().map(str::to_string).collect();
        self.filter_timeline(|f| {
            let mut f = f.clone();
            match cmd {
                Cmd::CitedOnly => f.cited = !f.cited,
                Cmd::PhaseFilter => f.phase = next(&phases, &f.phase),
                Cmd::SourceFilter => f.source = next(&sources, &f.source),
                Cmd::RangeFrom => f.from = at,
                Cmd::RangeTo => f.to = at,
                _ => {}
            }
            f
        });
    }

    /// The text of the value or row under the cursor, for the clipboard.
    fn copy_text(&self) -> Option<String> {
        if self.focus == Focus::Queue {
            return self.selected_person();
        }
        self.stack.last()?.pane().copy_text()
    }

    /// The rows of the current view, for an export.
    fn view_rows(&self) -> Option<(String, Vec<(String, i64)>)> {
        self.stack.last()?.pane().export_rows()
    }

    /// Where the analyst is, for the next session.
    pub fn session(&self) -> crate::case::Session {
        let pivots = self
            .stack
            .iter()
            .filter_map(|v| match v {
                View::Pivot(p) => Some(p.key.spec()),
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
            Action::Resize { width, height } => self.size = (width, height),
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
                let err = if errors.is_empty() {
                    String::new()
                } else {
                    format!("; {} failed: {}", errors.len(), errors.join("; "))
                };
                let skipped = match self.job.take() {
                    Some(job) if !job.skipped.is_empty() => {
                        format!(
                            "; skipped (they compare people): {}",
                            job.skipped.join(", ")
                        )
                    }
                    _ => String::new(),
                };
                self.message = format!(
                    "{} findings over {} in {} ms{skipped}{err}",
                    findings.len(),
                    scope.name(),
                    elapsed_ms
                );
                match workspace {
                    Some(ws) => self.replace_workspace(ws),
                    None => {
                        self.stack.push(View::Findings(FindingsView::of_run(
                            findings,
                            format!("detector results over {}", scope.name()),
                        )));
                        self.focus = Focus::Main;
                    }
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
                    if p.title == "command" && palette::is_typed_command(&p.input) {
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
            // Help is longer than a small terminal: it scrolls, as far as its last page (the
            // size unknown, as in tests, the drawing stops it there).
            let last = match self.size {
                (0, _) | (_, 0) => usize::MAX / 2,
                size => super::overlays::help::last_page(&self.keymap, size),
            };
            match cmd {
                Cmd::Down => *scroll = (*scroll + 1).min(last),
                Cmd::Up => *scroll = scroll.saturating_sub(1),
                Cmd::PageDown => *scroll = (*scroll + 10).min(last),
                Cmd::PageUp => *scroll = scroll.saturating_sub(10),
                Cmd::Top => *scroll = 0,
                Cmd::Bottom => *scroll = last,
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
                let filtered =
                    matches!(self.stack.as_slice(), [View::Timeline(t)] if !t.filter.is_empty());
                if self.stack.len() > 1 {
                    self.stack.pop();
                } else if filtered && self.focus == Focus::Main {
                    // Back undoes the filter before it leaves the view.
                    self.filter_timeline(|_| TimelineFilter::default());
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
                let pivot_open = self.stack.iter().any(|v| matches!(v, View::Pivot(_)));
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
                if let Some(View::Timeline(t)) = self.stack.first_mut() {
                    t.set_order(self.newest_first);
                }
            }
            Cmd::CitedOnly
            | Cmd::PhaseFilter
            | Cmd::SourceFilter
            | Cmd::RangeFrom
            | Cmd::RangeTo => self.timeline_key(cmd),
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
                    let report = View::Detail(DetailView::load_report(ws));
                    self.stack.push(report);
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

/// Where a search matched, when it is not in a column on screen (hidden at this width, or never
/// a column of the table): said, so a match never looks like a row with nothing matching.
fn search_note(view: &View, query: &str, width: Option<u16>) -> String {
    let row = match view {
        View::Timeline(t) => t.current(),
        View::Evidence(e) => e.rows.get(e.cursor),
        View::Pivot(p) => p.rows.get(p.cursor),
        _ => None,
    };
    let Some(row) = row else {
        return String::new();
    };
    let hidden = width.map_or(&[][..], views::event_table::hidden_columns);
    let columns = views::event_table::matched_columns(row, query);
    let on_screen = |c: &&str| !hidden.contains(c) && !matches!(*c, "account" | "device");
    if columns.is_empty() || columns.iter().any(on_screen) {
        return String::new();
    }
    format!(
        " (in {}, not shown at this width: Enter shows the row)",
        columns.join(", ")
    )
}
