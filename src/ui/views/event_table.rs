//! The table of event rows that the timeline, evidence and pivot views share: columns sized by what
//! they hold in the rows on screen, identifiers (addresses) never cut, every other cut cell ending
//! in `…`, and the columns a narrow pane leaves out named rather than dropped silently.

use super::{column_widths, fit, short_ts, v, window, Ctx};
use crate::case::Target;
use crate::ui::theme::Role;
use crate::workspace::EventRow;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, TableState};
use ratatui::Frame;

/// Below this inner width the table leaves out the source and country columns.
const WIDE: u16 = 90;

/// The columns a table of this width leaves out (they stay in the row's detail, Enter).
pub fn hidden_columns(width: u16) -> &'static [&'static str] {
    if width < WIDE {
        &["source", "cc"]
    } else {
        &[]
    }
}

/// Short phase marks for the narrow column; the histogram's title names them in full.
fn phase_mark(phase: &str) -> &'static str {
    match phase {
        "pre-recruitment" => "PRE",
        "recruiting" => "REC",
        "post-hire" => "POST",
        _ => "",
    }
}

/// Where an event came from: its app, or its table when it has none.
pub fn source(r: &EventRow) -> &str {
    if r.app.is_empty() {
        &r.table
    } else {
        &r.app
    }
}

/// The action and its object, as the table's widest column shows them.
pub fn what(r: &EventRow) -> String {
    if r.object.is_empty() {
        r.action.clone()
    } else {
        format!("{} · {}", r.action, r.object)
    }
}

/// The longest text of a column among the rows, in characters, within `lo..=hi`.
fn content_width<'a>(texts: impl Iterator<Item = &'a str>, lo: usize, hi: usize) -> u16 {
    texts
        .map(|t| t.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(lo, hi) as u16
}

/// Draws the view's `len` rows, `row(i)` being its i-th, with the cursor on row `cursor`; only the
/// rows on screen are read. `with_person` adds the person column (pivots and evidence mix people).
pub fn draw<'a>(
    f: &mut Frame,
    cx: &Ctx,
    area: Rect,
    (len, row): (usize, impl Fn(usize) -> &'a EventRow),
    cursor: usize,
    with_person: bool,
) {
    let height = area.height.saturating_sub(1) as usize;
    let shown = window(len, cursor, height);
    let start = shown.start;
    let window: Vec<&EventRow> = shown.map(row).collect();
    let wide = area.width >= WIDE;
    // Mixed-people rows (pivots, evidence) need the person more than the phase when narrow.
    let show_phase = wide || !with_person;
    // An address is an identifier: its column is as wide as the longest one shown (an IPv6
    // address included), so it is never cut. The person and source columns are as wide as what
    // they hold, up to a cap; the action column takes what is left.
    let ip_width = content_width(window.iter().map(|r| r.ip.as_str()), 7, 39);
    let mut widths = vec![Constraint::Length(2), Constraint::Length(11)];
    let mut header = vec!["", "time (UTC)"];
    if show_phase {
        widths.push(Constraint::Length(4));
        header.push("ph.");
    }
    if with_person {
        let w = content_width(
            window.iter().map(|r| r.person.as_deref().unwrap_or("-")),
            6,
            if wide { 24 } else { 9 },
        );
        widths.push(Constraint::Length(w));
        header.push("person");
    }
    if wide {
        // Up to a quarter of the table, never more than the longest source shown.
        let cap = (area.width as usize / 4).clamp(8, 28);
        widths.push(Constraint::Length(content_width(
            window.iter().map(|r| source(r)),
            6,
            cap,
        )));
        header.push("source");
    }
    widths.extend([Constraint::Fill(1), Constraint::Length(ip_width)]);
    header.extend(["action · object", "ip"]);
    if wide {
        widths.push(Constraint::Length(2));
        header.push("cc");
    }
    let cols = column_widths(area, &widths);
    let case = cx.app.case.as_ref().map(|c| &c.state);
    let body: Vec<Row> = window
        .iter()
        .map(|r| {
            // `!` cited by a finding, `*` marked by the analyst.
            let marked = case.is_some_and(|c| {
                c.is_marked(&Target::Row {
                    table: r.table.clone(),
                    row: r.row,
                })
            });
            let flag = Line::from(vec![
                if r.flagged > 0 {
                    Span::styled("!", cx.style(Role::Flag))
                } else {
                    Span::raw(" ")
                },
                if marked {
                    Span::styled("*", cx.style(Role::Accent))
                } else {
                    Span::raw(" ")
                },
            ]);
            let mut texts: Vec<String> = vec![short_ts(r.ts)];
            if show_phase {
                texts.push(phase_mark(r.phase).to_string());
            }
            if with_person {
                texts.push(v(r.person.as_deref().unwrap_or("-")));
            }
            if wide {
                texts.push(v(source(r)));
            }
            texts.extend([v(&what(r)), v(&r.ip)]);
            if wide {
                texts.push(v(&r.country));
            }
            let mut cells = vec![Cell::from(flag)];
            for (k, t) in texts.into_iter().enumerate() {
                let fitted = fit(&t, cols.get(k + 1).copied().unwrap_or(usize::MAX));
                cells.push(if show_phase && k == 1 {
                    Cell::from(Span::styled(fitted, cx.style(Role::Muted)))
                } else {
                    Cell::from(fitted)
                });
            }
            Row::new(cells)
        })
        .collect();
    let t = Table::new(body, widths)
        .header(Row::new(header).style(cx.style(Role::Header)))
        .row_highlight_style(cx.style(Role::Selected));
    let mut st =
        TableState::default().with_selected(if len == 0 { None } else { Some(cursor - start) });
    f.render_stateful_widget(t, area, &mut st);
}

/// The columns of an event row that hold `query` (lower-case), by the names the table uses.
pub fn matched_columns(r: &EventRow, query: &str) -> Vec<&'static str> {
    let has = |s: &str| s.to_lowercase().contains(query);
    let mut out = Vec::new();
    if has(source(r)) || has(&r.table) {
        out.push("source");
    }
    if has(&what(r)) {
        out.push("action · object");
    }
    if has(&r.account) {
        out.push("account");
    }
    if has(&r.ip) {
        out.push("ip");
    }
    if has(&r.country) {
        out.push("cc");
    }
    if has(&r.device) {
        out.push("device");
    }
    out
}
