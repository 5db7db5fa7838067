//! A fuzzy picker (fuzzy-matcher's skim algorithm): the command palette, the finder, the pivot
//! menu and the disposition picker are all one of these, with their own items.

use super::centered;
use crate::ui::keymap::Cmd;
use crate::ui::theme::Role;
use crate::ui::views::queue::QueueFilter;
use crate::ui::views::{v, Ctx, TimelineFilter};
use crate::workspace::PivotKey;
use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, TableState};
use ratatui::Frame;

/// A picker entry's effect: what choosing it does.
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
    /// Filter the timeline.
    Timeline(TimelineFilter),
    /// A palette command with its text: `note TEXT`, `disposition D`, `mark`, `where ...`.
    Typed(String),
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
    pub fn new(title: &'static str, items: Vec<(String, Choice)>) -> Picker {
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

    pub fn refilter(&mut self) {
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

pub fn draw(f: &mut Frame, cx: &Ctx, body: Rect, p: &Picker) {
    let rect = centered(body, 90, 80);
    f.render_widget(Clear, rect);
    let [input, list] = Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(rect);
    f.render_widget(
        Paragraph::new(format!("> {}", v(&p.input))).block(
            Block::default().borders(Borders::ALL).title(format!(
                " {} (type to filter, Enter chooses, Esc closes) ",
                p.title
            )),
        ),
        input,
    );
    let width = list.width.saturating_sub(2) as usize;
    // Only the matches on screen become rows: the finder can hold a hundred thousand values.
    let shown = crate::ui::views::window(
        p.matches.len(),
        p.cursor,
        list.height.saturating_sub(2) as usize,
    );
    let start = shown.start;
    let mut rows: Vec<Row> = p.matches[shown]
        .iter()
        .map(|&i| {
            Row::new(vec![Cell::from(crate::ui::views::fit(
                &v(&p.items[i].0),
                width,
            ))])
        })
        .collect();
    if rows.is_empty() {
        // Say so, rather than show an empty list that looks broken.
        let why = if p.title == "command" && !p.input.contains(' ') {
            "nothing matches; case commands take their text: note TEXT, disposition D, filter ..., where ..."
        } else {
            "nothing matches"
        };
        rows.push(Row::new(vec![Cell::from(Span::styled(
            crate::ui::views::fit(&format!("{why} {:?}", v(&p.input)), width),
            cx.style(Role::Muted),
        ))]));
    }
    let mut st = TableState::default().with_selected(if p.matches.is_empty() {
        None
    } else {
        Some(p.cursor - start)
    });
    let t = Table::new(rows, [Constraint::Percentage(100)])
        .block(Block::default().borders(Borders::ALL))
        .row_highlight_style(cx.style(Role::Selected));
    f.render_stateful_widget(t, list, &mut st);
}
