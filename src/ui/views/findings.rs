//! The findings view: a person's findings (their own and the shared ones they are a member of, each
//! saying whose it is), or the results of a detector run; the cursor's finding in full below,
//! scrolling so a long reason is never cut; Enter opens its evidence rows.

use super::{person_header, short_ts, v, Ctx, EvidenceView, Pane, View};
use crate::case::Target;
use crate::detect::Finding;
use crate::ui::keymap::Cmd;
use crate::ui::theme::Role;
use crate::workspace::Workspace;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;
use std::sync::Arc;

pub struct FindingsView {
    /// Whose findings these are; empty for a detector run's results.
    pub person: String,
    pub findings: Arc<Vec<Finding>>,
    pub cursor: usize,
    pub title: String,
}

impl FindingsView {
    pub fn of_person(ws: &Workspace, person: &str) -> FindingsView {
        FindingsView {
            person: person.to_string(),
            findings: Arc::new(ws.findings_of(person).into_iter().cloned().collect()),
            cursor: 0,
            title: format!("findings of {person}"),
        }
    }

    /// A detector run's results, titled by what ran over what.
    pub fn of_run(findings: Arc<Vec<Finding>>, title: String) -> FindingsView {
        FindingsView {
            person: String::new(),
            findings,
            cursor: 0,
            title,
        }
    }

    fn current(&self) -> Option<&Finding> {
        self.findings.get(self.cursor)
    }
}

impl Pane for FindingsView {
    fn name(&self) -> &'static str {
        "findings"
    }

    fn len(&self) -> usize {
        self.findings.len()
    }

    fn cursor(&self) -> usize {
        self.cursor
    }

    fn set_cursor(&mut self, at: usize) {
        self.cursor = at;
    }

    fn search_text(&self, i: usize) -> String {
        let f = &self.findings[i];
        format!(
            "{} {} {} {} {}",
            f.detector,
            f.severity.name(),
            f.person,
            f.members.join(" "),
            f.reason
        )
        .to_lowercase()
    }

    fn drill(&self, ws: &Workspace) -> Option<View> {
        let f = self.current()?;
        let rows = EvidenceView::new(ws, String::new(), &f.evidence);
        let title = format!(
            "{} for {}: {} evidence rows",
            f.detector,
            ws.name_of(&f.person),
            rows.rows.len()
        );
        Some(View::Evidence(EvidenceView { title, ..rows }))
    }

    fn target(&self) -> Option<Target> {
        self.current().map(|f| Target::Finding {
            detector: f.detector.to_string(),
            person: f.person.clone(),
            first_seen: f.first_seen,
        })
    }

    fn copy_text(&self) -> Option<String> {
        self.current().map(|f| f.reason.clone())
    }

    fn keys(&self) -> &'static [Cmd] {
        &[Cmd::Enter, Cmd::Mark, Cmd::Note, Cmd::RunAll, Cmd::Scope]
    }

    fn draw(&self, f: &mut Frame, cx: &Ctx, area: Rect) {
        // The detail takes what the finding needs, up to half the view.
        let detail_height = self
            .detail_height(cx, area.width)
            .clamp(4, (area.height / 2).max(4));
        let [head, list, detail] = Layout::vertical([
            Constraint::Length(if self.person.is_empty() { 1 } else { 3 }),
            Constraint::Min(3),
            Constraint::Length(detail_height),
        ])
        .areas(area);
        if self.person.is_empty() {
            f.render_widget(
                Paragraph::new(v(&self.title)).style(cx.style(Role::Header)),
                head,
            );
        } else {
            f.render_widget(
                Paragraph::new(person_header(cx, &self.person, head.width)),
                head,
            );
        }
        self.draw_list(f, cx, list);
        self.draw_detail(f, cx, detail);
    }
}

impl FindingsView {
    fn draw_list(&self, f: &mut Frame, cx: &Ctx, area: Rect) {
        // Narrow panes keep severity, detector and reason; wide ones add time and person.
        let wide = area.width >= 90;
        let shown = super::window(
            self.findings.len(),
            self.cursor,
            area.height.saturating_sub(1) as usize,
        );
        let start = shown.start;
        let cols = if wide {
            vec![
                Constraint::Length(8),
                Constraint::Length(26),
                Constraint::Length(11),
                Constraint::Length(24),
                Constraint::Fill(1),
            ]
        } else {
            vec![
                Constraint::Length(8),
                Constraint::Length(22),
                Constraint::Fill(1),
            ]
        };
        let widths = super::column_widths(area, &cols);
        let body: Vec<Row> = self.findings[shown]
            .iter()
            .map(|x| {
                let mut cells = vec![
                    Cell::from(Span::styled(
                        x.severity.name(),
                        cx.theme.severity(x.severity),
                    )),
                    Cell::from(super::fit(x.detector, widths[1])),
                ];
                if wide {
                    cells.extend([
                        Cell::from(short_ts(x.first_seen)),
                        Cell::from(super::fit(&v(&cx.name_of(&x.person)), widths[3])),
                    ]);
                }
                // A finding of someone else (a cluster or shared device this person is in)
                // says whose it is at any width.
                let reason = if !wide && !self.person.is_empty() && x.person != self.person {
                    format!("[{}] {}", cx.name_of(&x.person), x.reason)
                } else {
                    x.reason.clone()
                };
                let last = *widths.last().unwrap_or(&0);
                cells.push(Cell::from(super::fit(&v(&reason), last)));
                Row::new(cells)
            })
            .collect();
        let header = if wide {
            vec!["severity", "detector", "first", "person", "reason"]
        } else {
            vec!["severity", "detector", "reason"]
        };
        let t = Table::new(body, cols)
            .header(Row::new(header).style(cx.style(Role::Header)))
            .row_highlight_style(cx.style(Role::Selected));
        f.render_stateful_widget(
            t,
            area,
            &mut TableState::default().with_selected(if self.findings.is_empty() {
                None
            } else {
                Some(self.cursor - start)
            }),
        );
    }

    /// The cursor's finding whole: title, phase, ATT&CK, whose it is, the reason, the members
    /// of a cluster by name and the figures. The pane grows to half the view to hold it; what is
    /// still longer ends in a line that says so, never mid-sentence without a mark.
    fn detail_lines(&self, cx: &Ctx, width: usize) -> Vec<(String, Role)> {
        let Some(x) = self.current() else {
            return Vec::new();
        };
        let mut parts = vec![
            (
                format!(
                    "{} · {} · ATT&CK {} · {} evidence rows (Enter opens)",
                    x.title,
                    x.phase.name(),
                    x.attack.join(", "),
                    x.evidence.len()
                ),
                Role::Header,
            ),
            (
                format!("{}: {}", cx.name_of(&x.person), x.reason),
                Role::Base,
            ),
        ];
        if !x.members.is_empty() {
            let members: Vec<String> = x.members.iter().map(|m| cx.name_of(m)).collect();
            parts.push((format!("members: {}", members.join(", ")), Role::Base));
        }
        parts.push((
            format!(
                "figures: {}",
                serde_json::to_string(&x.figures).unwrap_or_default()
            ),
            Role::Muted,
        ));
        parts
            .into_iter()
            .flat_map(|(text, role)| {
                super::wrap_words(&v(&text), width)
                    .into_iter()
                    .map(move |l| (l, role))
            })
            .collect()
    }

    /// How many lines the finding's detail wants at this width (with its top border).
    pub fn detail_height(&self, cx: &Ctx, width: u16) -> u16 {
        self.detail_lines(cx, width as usize).len() as u16 + 1
    }

    fn draw_detail(&self, f: &mut Frame, cx: &Ctx, area: Rect) {
        let room = area.height.saturating_sub(1) as usize;
        let mut lines = self.detail_lines(cx, area.width as usize);
        if lines.len() > room && room > 0 {
            lines.truncate(room - 1);
            lines.push((
                "… (more: y copies the whole reason, Enter opens the evidence)".into(),
                Role::Muted,
            ));
        }
        let text: Vec<Line> = lines
            .into_iter()
            .map(|(l, role)| Line::styled(l, cx.style(role)))
            .collect();
        f.render_widget(
            Paragraph::new(text).block(Block::default().borders(Borders::TOP)),
            area,
        );
    }
}
