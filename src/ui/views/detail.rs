//! The detail view: lines read top to bottom — a row whole (vendor columns as exported, JSON
//! pretty-printed, then what hirescope derived), or the report of what was read.

use super::{v, Ctx, Pane, View};
use crate::ui::keymap::Cmd;
use crate::ui::theme::Role;
use crate::workspace::Workspace;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use std::sync::Arc;

pub struct DetailView {
    pub title: String,
    pub lines: Arc<Vec<String>>,
    /// The first line shown.
    pub cursor: usize,
}

impl DetailView {
    pub fn of_row(ws: &Workspace, table: &str, row: i64) -> DetailView {
        DetailView {
            title: format!("{table} row {row}"),
            lines: Arc::new(crate::workspace::detail::detail(ws, table, row)),
            cursor: 0,
        }
    }

    pub fn load_report(ws: &Workspace) -> DetailView {
        DetailView {
            title: "what was read".into(),
            lines: Arc::new(crate::workspace::detail::load_report(ws)),
            cursor: 0,
        }
    }
}

impl Pane for DetailView {
    fn name(&self) -> &'static str {
        "detail"
    }

    fn len(&self) -> usize {
        self.lines.len()
    }

    fn cursor(&self) -> usize {
        self.cursor
    }

    fn set_cursor(&mut self, at: usize) {
        self.cursor = at;
    }

    fn search_text(&self, i: usize) -> String {
        self.lines[i].to_lowercase()
    }

    fn drill(&self, _: &Workspace) -> Option<View> {
        None
    }

    fn copy_text(&self) -> Option<String> {
        self.lines.get(self.cursor).cloned()
    }

    fn keys(&self) -> &'static [Cmd] {
        &[Cmd::Back, Cmd::Search, Cmd::Copy]
    }

    fn draw(&self, f: &mut Frame, cx: &Ctx, area: Rect) {
        let [head, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
        // Long cells (user agents, raw JSON, a long UPN) wrap onto the next lines, each cut marked
        // `↩`, so a value broken at the edge never reads as a shorter whole one.
        let width = body.width as usize;
        let first = first_shown(&self.lines, self.cursor, width, body.height as usize);
        let text: Vec<Line> = self
            .lines
            .iter()
            .skip(first)
            .take(body.height as usize)
            .flat_map(|l| wrap_marked(l, width))
            .map(Line::from)
            .collect();
        f.render_widget(
            Paragraph::new(format!(
                "{} (line {}/{})",
                v(&self.title),
                self.cursor + 1,
                self.lines.len()
            ))
            .style(cx.style(Role::Header)),
            head,
        );
        f.render_widget(Paragraph::new(text), body);
    }
}

/// The first line shown: the cursor, but never past the last page (G shows a page), counted
/// in screen rows once lines wrap. Counted in lines, a report whose lines wrap kept its end
/// below the screen: at 80x24 the last files of the load report could not be reached.
fn first_shown(lines: &[String], cursor: usize, width: usize, height: usize) -> usize {
    let mut rows = 0;
    let mut last_page = lines.len();
    while last_page > 0 {
        rows += rows_of(&lines[last_page - 1], width);
        if rows > height {
            break;
        }
        last_page -= 1;
    }
    cursor.min(last_page)
}

/// How many screen rows `wrap_marked` makes of a line.
fn rows_of(line: &str, width: usize) -> usize {
    let n = line.chars().count();
    if n <= width || width < 2 {
        1
    } else {
        n.div_ceil(width - 1)
    }
}

/// A line cut into pieces of `width` characters, every piece but the last ending in `↩`.
fn wrap_marked(line: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= width || width < 2 {
        return vec![line.to_string()];
    }
    let pieces: Vec<&[char]> = chars.chunks(width - 1).collect();
    let last = pieces.len() - 1;
    pieces
        .into_iter()
        .enumerate()
        .map(|(k, p)| {
            let mut s: String = p.iter().collect();
            if k < last {
                s.push(super::WRAPPED);
            }
            s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_page_is_reached_when_lines_wrap() {
        // Ten lines, the last ones three rows each at width 10: a 6-row page shows the last two.
        let mut lines: Vec<String> = (0..8).map(|i| format!("line {i}")).collect();
        lines.push("x".repeat(25));
        lines.push("y".repeat(25));
        assert_eq!(rows_of(&lines[9], 10), 3);
        assert_eq!(wrap_marked(&lines[9], 10).len(), rows_of(&lines[9], 10));
        assert_eq!(first_shown(&lines, 99, 10, 6), 8);
        assert_eq!(first_shown(&lines, 3, 10, 6), 3);
        // Short lines only: the page is counted in lines, as before.
        let short: Vec<String> = (0..10).map(|i| i.to_string()).collect();
        assert_eq!(first_shown(&short, 99, 10, 6), 4);
        // Everything fits: the top.
        assert_eq!(first_shown(&short, 99, 10, 20), 0);
    }
}
