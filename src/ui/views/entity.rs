//! The entity view: the person's identifiers, IPs, devices, countries, ISPs and user agents, how
//! often each occurs, and who else shares it. Identifiers get the width first and wrap, marked
//! `↩`, rather than lose characters.

use super::{column_widths, fit, person_header, v, wrap_chars, Ctx, Pane, PivotView, View};
use crate::ui::keymap::Cmd;
use crate::ui::theme::Role;
use crate::workspace::entities::EntityRow;
use crate::workspace::{PivotKey, Workspace};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;
use std::sync::Arc;

pub struct EntityView {
    pub person: String,
    pub rows: Arc<Vec<EntityRow>>,
    pub cursor: usize,
}

impl EntityView {
    pub fn new(ws: &Workspace, person: &str) -> EntityView {
        EntityView {
            person: person.to_string(),
            rows: Arc::new(crate::workspace::entities::entities(ws, person)),
            cursor: 0,
        }
    }

    fn current(&self) -> Option<&EntityRow> {
        self.rows.get(self.cursor)
    }
}

/// What an entity row pivots on: addresses, devices and identifiers (accounts, e-mails).
fn pivot_of(r: &EntityRow) -> Option<PivotKey> {
    match r.kind {
        "ip" => Some(PivotKey::Ip(r.value.clone())),
        "device" => Some(PivotKey::Device(r.value.clone())),
        "identifier" => Some(PivotKey::Account(r.value.clone())),
        _ => None,
    }
}

impl Pane for EntityView {
    fn name(&self) -> &'static str {
        "entity"
    }

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
        let r = &self.rows[i];
        format!("{} {} {}", r.kind, r.value, r.shared_with.join(" ")).to_lowercase()
    }

    fn drill(&self, ws: &Workspace) -> Option<View> {
        self.current()
            .and_then(pivot_of)
            .map(|k| View::Pivot(PivotView::new(ws, k)))
    }

    fn pivot_keys(&self) -> Vec<PivotKey> {
        self.current().and_then(pivot_of).into_iter().collect()
    }

    fn copy_text(&self) -> Option<String> {
        self.current().map(|r| r.value.clone())
    }

    fn keys(&self) -> &'static [Cmd] {
        &[Cmd::Enter, Cmd::Pivot, Cmd::Copy, Cmd::Note]
    }

    fn draw(&self, f: &mut Frame, cx: &Ctx, area: Rect) {
        let [head, table] =
            Layout::vertical([Constraint::Length(3), Constraint::Min(3)]).areas(area);
        f.render_widget(
            Paragraph::new(person_header(cx, &self.person, head.width)),
            head,
        );
        // The value is an identifier (a GUID, an e-mail, an IPv6 address): it gets its whole
        // width first, up to what leaves the other columns room; "shared with" takes the rest.
        let longest = self
            .rows
            .iter()
            .filter(|r| matches!(r.kind, "identifier" | "ip" | "device"))
            .map(|r| r.value.chars().count())
            .max()
            .unwrap_or(5);
        let value_width =
            longest.clamp(5, (table.width as usize).saturating_sub(30).max(12)) as u16;
        let widths = [
            Constraint::Length(10),
            Constraint::Length(value_width),
            Constraint::Length(6),
            Constraint::Fill(1),
        ];
        let cols = column_widths(table, &widths);
        let body: Vec<Row> = self
            .rows
            .iter()
            .map(|r| {
                let shared = if r.shared_with.is_empty() {
                    String::new()
                } else {
                    let names: Vec<String> = r.shared_with.iter().map(|p| cx.name_of(p)).collect();
                    format!("{}: {}", names.len(), names.join(", "))
                };
                let style = if r.shared_with.is_empty() {
                    Style::default()
                } else {
                    cx.style(Role::Flag)
                };
                let lines = wrap_chars(&v(&r.value), cols[1].max(1), 3);
                let height = lines.len() as u16;
                Row::new(vec![
                    Cell::from(r.kind),
                    Cell::from(Text::from(
                        lines.into_iter().map(Line::from).collect::<Vec<_>>(),
                    )),
                    Cell::from(if r.events > 0 {
                        r.events.to_string()
                    } else {
                        String::new()
                    }),
                    Cell::from(Span::styled(fit(&v(&shared), cols[3]), style)),
                ])
                .height(height)
            })
            .collect();
        let t = Table::new(body, widths)
            .header(
                Row::new(vec!["kind", "value", "events", "shared with"])
                    .style(cx.style(Role::Header)),
            )
            .row_highlight_style(cx.style(Role::Selected));
        f.render_stateful_widget(
            t,
            table,
            &mut TableState::default().with_selected(Some(self.cursor)),
        );
    }
}
