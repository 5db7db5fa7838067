//! The main pane's views, a room each: every file holds its view's state (rows, cursor), how it is
//! built from the workspace, what Enter, `p`, `/`, `y`, `m` and `x` do on it, the keys it offers the
//! hint line, and its drawing. The app sees them through one small trait, `Pane`; the `View` enum
//! is the stack's element and dispatches to it in one place.

pub mod detail;
pub mod entity;
pub mod event_table;
pub mod evidence;
pub mod findings;
pub mod pivot;
pub mod queue;
pub mod timeline;
pub mod travel;

pub use detail::DetailView;
pub use entity::EntityView;
pub use evidence::EvidenceView;
pub use findings::FindingsView;
pub use pivot::PivotView;
pub use timeline::{TimelineFilter, TimelineView};
pub use travel::TravelView;

use super::app::App;
use super::keymap::Cmd;
use super::theme::{Role, Theme};
use crate::case::Target;
use crate::sanitize::visible;
use crate::time::format_ts;
use crate::workspace::{PivotKey, Workspace};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};
use ratatui::Frame;

/// What a view draws with: the app (names, case marks, config) and the theme.
pub struct Ctx<'a> {
    pub app: &'a App,
    pub theme: &'a Theme,
}

impl Ctx<'_> {
    pub fn style(&self, role: Role) -> Style {
        self.theme.role(role)
    }

    /// A person's name with their key, or the key alone.
    pub fn name_of(&self, key: &str) -> String {
        match &self.app.ws {
            Some(ws) => ws.name_of(key),
            None => key.to_string(),
        }
    }
}

/// One view of the main pane, as the app and the hint line see it.
pub trait Pane {
    /// The view's kind, as the breadcrumb, the saved session and messages name it.
    fn name(&self) -> &'static str;
    /// This step of the breadcrumb.
    fn crumb(&self) -> String {
        self.name().to_string()
    }
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn cursor(&self) -> usize;
    fn set_cursor(&mut self, at: usize);
    /// The text `/` searches in row `i`, lower-cased.
    fn search_text(&self, i: usize) -> String;
    /// What Enter on the cursor's row opens.
    fn drill(&self, ws: &Workspace) -> Option<View>;
    /// What `p` can pivot on at the cursor, most specific first.
    fn pivot_keys(&self) -> Vec<PivotKey> {
        Vec::new()
    }
    /// What a mark or a note at the cursor is about (None: the selected person).
    fn target(&self) -> Option<Target> {
        None
    }
    /// The value or row at the cursor, for the clipboard.
    fn copy_text(&self) -> Option<String>;
    /// The view's rows (table, row), named, for an export.
    fn export_rows(&self) -> Option<(String, Vec<(String, i64)>)> {
        None
    }
    /// The commands this view adds to the hint line, most useful first.
    fn keys(&self) -> &'static [Cmd];
    fn draw(&self, f: &mut Frame, cx: &Ctx, area: Rect);
}

/// A view in the main pane. The stack's bottom is the person's view; drills and pivots push.
pub enum View {
    Timeline(TimelineView),
    Entity(EntityView),
    Travel(TravelView),
    Findings(FindingsView),
    Evidence(EvidenceView),
    Pivot(PivotView),
    Detail(DetailView),
}

impl View {
    pub fn pane(&self) -> &dyn Pane {
        match self {
            View::Timeline(v) => v,
            View::Entity(v) => v,
            View::Travel(v) => v,
            View::Findings(v) => v,
            View::Evidence(v) => v,
            View::Pivot(v) => v,
            View::Detail(v) => v,
        }
    }

    pub fn pane_mut(&mut self) -> &mut dyn Pane {
        match self {
            View::Timeline(v) => v,
            View::Entity(v) => v,
            View::Travel(v) => v,
            View::Findings(v) => v,
            View::Evidence(v) => v,
            View::Pivot(v) => v,
            View::Detail(v) => v,
        }
    }

    pub fn name(&self) -> &'static str {
        self.pane().name()
    }

    pub fn cursor(&self) -> usize {
        self.pane().cursor()
    }

    /// The person views a stack can start from, by the command that opens them.
    pub fn person_kind(&self) -> Option<Cmd> {
        match self {
            View::Timeline(_) => Some(Cmd::Timeline),
            View::Entity(_) => Some(Cmd::Entity),
            View::Travel(_) => Some(Cmd::Travel),
            View::Findings(v) if !v.person.is_empty() => Some(Cmd::Findings),
            _ => None,
        }
    }
}

/// The person's view of the kind a command opens.
pub fn person_view(ws: &Workspace, app: &App, kind: Cmd, person: &str) -> View {
    match kind {
        Cmd::Entity => View::Entity(EntityView::new(ws, person)),
        Cmd::Travel => View::Travel(TravelView::new(ws, person, &app.config)),
        Cmd::Findings => View::Findings(FindingsView::of_person(ws, person)),
        _ => View::Timeline(TimelineView::new(ws, person, app.newest_first)),
    }
}

// Helpers every view draws with.

pub(crate) fn v(s: &str) -> String {
    visible(s).into_owned()
}

pub(crate) fn short_ts(ms: i64) -> String {
    let t = format_ts(ms);
    format!("{} {}", &t[5..10], &t[11..16])
}

/// Text cut to `w` characters; a cut always ends in `…`, so nothing looks whole that is not.
pub(crate) fn fit(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(w.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The mark at the end of a wrapped identifier's line: the value goes on below.
pub const WRAPPED: char = '↩';

/// An identifier cut into lines of `width` characters, each but the last ending in `↩`, at most
/// `max` lines (the last ends in `…` when even that is not enough).
pub(crate) fn wrap_chars(text: &str, width: usize, max: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= width || width < 2 {
        return vec![fit(text, width.max(1))];
    }
    let per = width - 1;
    let mut out: Vec<String> = chars
        .chunks(per)
        .map(|c| c.iter().collect::<String>())
        .collect();
    let n = out.len();
    for l in out.iter_mut().take(n - 1) {
        l.push(WRAPPED);
    }
    // The last piece may fit the full width without its mark.
    if out.len() > max {
        out.truncate(max);
        if let Some(last) = out.last_mut() {
            last.pop();
            last.push('…');
        }
    }
    out
}

/// Text broken into lines of at most `width` characters at spaces (a word longer than a line is
/// cut into pieces), for panes that must show all of a text.
pub(crate) fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = line.chars().count();
            let gap = usize::from(used > 0);
            if used + gap + word.len() <= width {
                if gap == 1 {
                    line.push(' ');
                }
                line.extend(word.iter());
                break;
            }
            if used > 0 {
                out.push(std::mem::take(&mut line));
                continue;
            }
            // A word longer than the whole line: its first piece fills it.
            let rest = word.split_off(width);
            out.push(word.iter().collect());
            word = rest;
        }
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

/// The widths ratatui gives a table's columns in `area` (one space between columns).
pub(crate) fn column_widths(area: Rect, constraints: &[Constraint]) -> Vec<usize> {
    Layout::horizontal(constraints.to_vec())
        .spacing(1)
        .split(area)
        .iter()
        .map(|r| r.width as usize)
        .collect()
}

/// A pane's border: the focused one thick with a bold title, so focus shows without colour too.
pub(crate) fn block<'a>(title: String, focused: bool, theme: &Theme) -> Block<'a> {
    let (border, style, title) = if focused {
        (
            BorderType::Thick,
            theme.role(Role::Accent),
            Span::styled(title, Style::default().add_modifier(Modifier::BOLD)),
        )
    } else {
        (
            BorderType::Plain,
            theme.role(Role::Border),
            Span::raw(title),
        )
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(border)
        .border_style(style)
        .title(title)
}

/// Who the view is about, in three lines cut to `width` (each cut ends in `…`; the entity view
/// lists the identifiers whole): name, key, stage, hire date, work country, risk; identifiers;
/// and why the person ranks where they do.
pub(crate) fn person_header(cx: &Ctx, person: &str, width: u16) -> Vec<Line<'static>> {
    let w = width as usize;
    let Some(ws) = &cx.app.ws else {
        return Vec::new();
    };
    let Some(r) = ws.analysis.ranked.iter().find(|r| r.person.key == person) else {
        return Vec::new();
    };
    let p = &r.person;
    let hire = p
        .hire_date
        .map(|h| format!(" · hired {}", &format_ts(h)[..10]))
        .unwrap_or_default();
    let wc = p
        .work_country
        .as_ref()
        .map(|c| format!(" · works in {c}"))
        .unwrap_or_default();
    [
        format!(
            "{} ({}) · {}{hire}{wc} · risk {}",
            v(p.name.as_deref().unwrap_or("?")),
            v(&p.key),
            p.stage.name(),
            r.risk
        ),
        format!("ids: {}", v(&p.identifiers.join(", "))),
        format!("why: {}", v(&r.explanation)),
    ]
    .into_iter()
    .map(|l| Line::from(fit(&l, w)))
    .collect()
}

/// The window of `len` rows a table of `height` rows shows around `cursor`: only these become
/// widgets, however long the view.
pub(crate) fn window(len: usize, cursor: usize, height: usize) -> std::ops::Range<usize> {
    let start = cursor
        .saturating_sub(height / 2)
        .min(len.saturating_sub(height));
    start..(start + height).min(len)
}
