//! The evidence view: the event rows a finding cites (or a travel hop joins), in time order, with
//! whose each is; Enter opens a row whole.

use super::{event_table, v, Ctx, DetailView, Pane, View};
use crate::case::Target;
use crate::ui::keymap::Cmd;
use crate::ui::theme::Role;
use crate::workspace::{EventRow, PivotKey, Workspace};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use std::sync::Arc;

pub struct EvidenceView {
    pub title: String,
    pub rows: Arc<Vec<EventRow>>,
    pub cursor: usize,
}

impl EvidenceView {
    pub fn new(
        ws: &Workspace,
        title: String,
        evidence: &[crate::detect::Evidence],
    ) -> EvidenceView {
        EvidenceView {
            title,
            rows: Arc::new(crate::workspace::evidence_rows(ws, evidence)),
            cursor: 0,
        }
    }
}

/// What the three event-row views (timeline, evidence, pivot) answer alike about a row.
macro_rules! event_row_pane {
    () => {
        fn len(&self) -> usize {
            self.rows.len()
        }

        fn cursor(&self) -> usize {
            self.cursor
        }

        fn set_cursor(&mut self, at: usize) {
            self.cursor = at;
        }

        fn search_text(&self, i: usize) -> String {
            self.rows[i].haystack()
        }

        fn drill(&self, ws: &Workspace) -> Option<View> {
            self.rows
                .get(self.cursor)
                .map(|r| View::Detail(DetailView::of_row(ws, &r.table, r.row)))
        }

        fn target(&self) -> Option<Target> {
            self.rows.get(self.cursor).map(|r| Target::Row {
                table: r.table.clone(),
                row: r.row,
            })
        }

        fn copy_text(&self) -> Option<String> {
            self.rows.get(self.cursor).map(EventRow::copy_text)
        }
    };
}
pub(crate) use event_row_pane;

impl Pane for EvidenceView {
    fn name(&self) -> &'static str {
        "evidence"
    }

    event_row_pane!();

    fn pivot_keys(&self) -> Vec<PivotKey> {
        self.rows
            .get(self.cursor)
            .map(PivotKey::of_row)
            .unwrap_or_default()
    }

    fn export_rows(&self) -> Option<(String, Vec<(String, i64)>)> {
        Some((
            "evidence".into(),
            self.rows.iter().map(|r| (r.table.clone(), r.row)).collect(),
        ))
    }

    fn keys(&self) -> &'static [Cmd] {
        &[Cmd::Enter, Cmd::Pivot, Cmd::Mark, Cmd::Note, Cmd::Export]
    }

    fn draw(&self, f: &mut Frame, cx: &Ctx, area: Rect) {
        let [head, table] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
        f.render_widget(
            Paragraph::new(super::fit(&v(&self.title), head.width as usize))
                .style(cx.style(Role::Header)),
            head,
        );
        let rows = (self.rows.len(), |i| &self.rows[i]);
        event_table::draw(f, cx, table, rows, self.cursor, true);
    }
}
