//! The people queue: everyone ranked by risk, with severity, stage, top finding, and the analyst's
//! disposition, mark and note marker; filterable by disposition, stage and severity.

use super::{block, fit, v, Ctx};
use crate::case::{CaseState, Disposition, Target};
use crate::detect::Severity;
use crate::ui::keymap::Cmd;
use crate::ui::theme::Role;
use crate::workspace::Workspace;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;

/// Which people the queue shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueueFilter {
    pub disposition: Option<Disposition>,
    pub stage: Option<String>,
    pub min_severity: Option<Severity>,
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

/// The commands the queue adds to the hint line.
pub const KEYS: &[Cmd] = &[
    Cmd::Enter,
    Cmd::Timeline,
    Cmd::Entity,
    Cmd::Travel,
    Cmd::Findings,
    Cmd::Disposition,
    Cmd::Note,
    Cmd::Report,
];

/// The people the queue shows (indices into the ranking), under the filter.
pub fn rows(ws: &Workspace, case: Option<&CaseState>, f: &QueueFilter) -> Vec<usize> {
    ws.analysis
        .ranked
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            f.disposition.is_none_or(|d| {
                case.and_then(|c| c.disposition(&r.person.key))
                    .unwrap_or(Disposition::Open)
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

pub fn draw(f: &mut Frame, cx: &Ctx, area: Rect, focused: bool) {
    let app = cx.app;
    let title = if app.filter == QueueFilter::default() {
        " people (risk) ".to_string()
    } else {
        format!(" people: {} ", app.filter.label())
    };
    let b = block(title, focused, cx.theme);
    let Some(ws) = &app.ws else {
        f.render_widget(Paragraph::new("loading…").block(b), area);
        return;
    };
    let width = area.width.saturating_sub(2) as usize;
    let case = app.case.as_ref().map(|c| &c.state);
    let shown = app.queue_rows();
    // Only the people on screen become rows (two lines each).
    let window = super::window(
        shown.len(),
        app.queue,
        (area.height.saturating_sub(2) / 2) as usize,
    );
    let start = window.start;
    let rows: Vec<Row> = shown[window]
        .iter()
        .map(|&i| &ws.analysis.ranked[i])
        .map(|r| {
            let sev = r.severity.map(|s| s.name()).unwrap_or("-");
            let style = r
                .severity
                .map(|s| cx.theme.severity(s))
                .unwrap_or(cx.style(Role::Muted));
            let name = r
                .person
                .name
                .clone()
                .unwrap_or_else(|| r.person.key.clone());
            let l1 = Line::from(vec![
                Span::styled(format!("{:>3} {:<8} ", r.risk, sev), style),
                Span::raw(fit(&v(&name), width.saturating_sub(13))),
            ]);
            let top = r.findings.first().copied().unwrap_or("no findings");
            // The analyst's conclusion and a note marker come first: they matter most in triage.
            let disposition = case
                .and_then(|c| c.disposition(&r.person.key))
                .map(|d| format!("[{}] ", d.name()))
                .unwrap_or_default();
            let noted = if case.is_some_and(|c| c.has_notes(&r.person.key)) {
                "✎ "
            } else {
                ""
            };
            let person_target = Target::Person {
                person: r.person.key.clone(),
            };
            let marked = if case.is_some_and(|c| c.is_marked(&person_target)) {
                "* "
            } else {
                ""
            };
            let l2 = Line::from(Span::styled(
                fit(
                    &format!(
                        "    {disposition}{marked}{noted}{} · {}",
                        r.person.stage.name(),
                        top
                    ),
                    width,
                ),
                cx.style(Role::Muted),
            ));
            Row::new(vec![Cell::from(vec![l1, l2])]).height(2)
        })
        .collect();
    let mut st = TableState::default().with_selected(if shown.is_empty() {
        None
    } else {
        Some(app.queue - start)
    });
    let t = Table::new(rows, [Constraint::Percentage(100)])
        .block(b)
        .row_highlight_style(cx.style(Role::Selected));
    f.render_stateful_widget(t, area, &mut st);
}
