//! The one-line inputs: the search line, the threshold prompt and the note box.

use super::centered;
use crate::ui::theme::Role;
use crate::ui::views::{v, Ctx};
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

pub fn draw_search(f: &mut Frame, cx: &Ctx, body: Rect, query: &str) {
    let rect = Rect {
        x: body.x,
        y: body.y + body.height.saturating_sub(1),
        width: body.width,
        height: 1,
    };
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(format!("/{}", v(query))).style(cx.style(Role::Accent)),
        rect,
    );
}

pub fn draw_note(f: &mut Frame, body: Rect, target: &crate::case::Target, input: &str) {
    let rect = centered(body, 70, 20);
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(format!("{}▏", v(input)))
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL).title(format!(
                " note on {} (Enter keeps it, Esc cancels) ",
                v(&target.label())
            ))),
        rect,
    );
}

pub fn draw_prompt(f: &mut Frame, body: Rect, name: &str, input: &str) {
    let rect = centered(body, 60, 20);
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(format!("{name} = {}", v(input))).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" new value (Enter sets, Esc cancels) "),
        ),
        rect,
    );
}
