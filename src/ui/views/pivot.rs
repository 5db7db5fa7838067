//! The pivot view: everything and everyone that touched one IP, account, device or domain, the
//! people named by name.

use super::evidence::event_row_pane;
use super::{event_table, v, Ctx, DetailView, Pane, View};
use crate::case::Target;
use crate::ui::keymap::Cmd;
use crate::ui::theme::Role;
use crate::workspace::{EventRow, PivotKey, Workspace};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use std::sync::Arc;

pub struct PivotView {
    pub key: PivotKey,
    pub rows: Arc<Vec<EventRow>>,
    /// Everyone whose events touched the value, by key.
    pub people: Vec<String>,
    pub cursor: usize,
}

impl PivotView {
    pub fn new(ws: &Workspace, key: PivotKey) -> PivotView {
        let (rows, people) = crate::workspace::pivot(ws, &key);
        PivotView {
            key,
            rows: Arc::new(rows),
            people,
            cursor: 0,
        }
    }
}

impl Pane for PivotView {
    fn name(&self) -> &'static str {
        "pivot"
    }

    fn crumb(&self) -> String {
        v(&self.key.label())
    }

    event_row_pane!();

    /// From a pivot, what it is already on is not offered again.
    fn pivot_keys(&self) -> Vec<PivotKey> {
        self.rows
            .get(self.cursor)
            .map(PivotKey::of_row)
            .unwrap_or_default()
            .into_iter()
            .filter(|k| *k != self.key)
            .collect()
    }

    fn export_rows(&self) -> Option<(String, Vec<(String, i64)>)> {
        Some((
            format!("pivot-{}", self.key.label()),
            self.rows.iter().map(|r| (r.table.clone(), r.row)).collect(),
        ))
    }

    fn keys(&self) -> &'static [Cmd] {
        &[
            Cmd::Enter,
            Cmd::Pivot,
            Cmd::Scope,
            Cmd::RunAll,
            Cmd::Mark,
            Cmd::Export,
        ]
    }

    fn draw(&self, f: &mut Frame, cx: &Ctx, area: Rect) {
        let width = area.width as usize;
        // Everyone is named, a name never split across lines, over as many as three lines;
        // more than that ends in `…`.
        let mut units = vec![format!(
            "{} events · {} people:",
            self.rows.len(),
            self.people.len()
        )];
        let last = self.people.len().saturating_sub(1);
        units.extend(self.people.iter().enumerate().map(|(k, p)| {
            let name = v(&cx.name_of(p));
            if k < last {
                format!("{name},")
            } else {
                name
            }
        }));
        let mut who: Vec<String> = Vec::new();
        for unit in units {
            match who.last_mut() {
                Some(line) if line.chars().count() + 1 + unit.chars().count() <= width => {
                    line.push(' ');
                    line.push_str(&unit);
                }
                _ => who.push(super::fit(&unit, width)),
            }
        }
        if who.len() > 3 {
            who.truncate(3);
            who[2] = super::fit(&format!("{} …", who[2]), width);
            if !who[2].ends_with('…') {
                who[2].push('…');
            }
        }
        let [head, table] =
            Layout::vertical([Constraint::Length(1 + who.len() as u16), Constraint::Min(3)])
                .areas(area);
        let mut lines = vec![Line::styled(
            super::fit(
                &format!("everything that touched {}", v(&self.key.label())),
                width,
            ),
            cx.style(Role::Header),
        )];
        lines.extend(who.into_iter().map(Line::from));
        f.render_widget(Paragraph::new(lines), head);
        let rows = (self.rows.len(), |i| &self.rows[i]);
        event_table::draw(f, cx, table, rows, self.cursor, true);
    }
}
