//! The help screen: made from the keymap alone, so a `[keys]` remap never leaves it wrong.

use super::centered;
use crate::ui::keymap::{Cmd, Keymap};
use crate::ui::theme::Role;
use crate::ui::views::Ctx;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

/// The help's two opening lines: the views and the moves that matter most, with their keys.
pub fn summary(km: &Keymap) -> [String; 2] {
    let k = |c| km.keys_of(c);
    [
        format!(
            "Views: timeline ({}), entity ({}), travel ({}), findings ({}); pivot ({}) on an IP, account, device or domain.",
            k(Cmd::Timeline),
            k(Cmd::Entity),
            k(Cmd::Travel),
            k(Cmd::Findings),
            k(Cmd::Pivot)
        ),
        format!(
            "{} drills in, {} goes back, {} quits. Detectors run in the background: {}, or {} then 'run detector'.",
            k(Cmd::Enter),
            k(Cmd::Back),
            k(Cmd::Quit),
            k(Cmd::RunAll),
            k(Cmd::Palette)
        ),
    ]
}

/// The help's lines, unstyled: the summary, a blank, then each command's keys and description.
fn texts(km: &Keymap) -> Vec<String> {
    let mut out: Vec<String> = summary(km).into();
    out.push(String::new());
    for (keys, desc) in km.help_lines() {
        out.push(format!("{keys:<16}{desc}"));
    }
    out
}

/// How far the help scrolls in `rect`: to its last page, counting lines as they wrap.
fn max_scroll(km: &Keymap, rect: Rect) -> usize {
    let inner = rect.width.saturating_sub(2).max(1) as usize;
    let wrapped: usize = texts(km)
        .iter()
        .map(|l| l.chars().count().max(1).div_ceil(inner))
        .sum();
    wrapped.saturating_sub(rect.height.saturating_sub(2) as usize)
}

/// How far the help scrolls on a terminal of this size, as the frame lays it out.
pub fn last_page(km: &Keymap, size: (u16, u16)) -> usize {
    let body = crate::ui::render::body_area(Rect::new(0, 0, size.0, size.1));
    max_scroll(km, centered(body, 94, 100))
}

pub fn draw(f: &mut Frame, cx: &Ctx, body: Rect, scroll: usize) {
    let km = &cx.app.keymap;
    let rect = centered(body, 94, 100);
    f.render_widget(Clear, rect);
    let [views, moves] = summary(km);
    let mut lines = vec![
        Line::styled(views, cx.style(Role::Header)),
        Line::styled(moves, cx.style(Role::Muted)),
        Line::from(""),
    ];
    for (keys, desc) in km.help_lines() {
        lines.push(Line::from(vec![
            Span::styled(format!("{keys:<16}"), cx.style(Role::Accent)),
            Span::raw(desc),
        ]));
    }
    // Back's last key is Esc by default: "? or Esc" reads better than "? or q".
    let back = km.keys_of(Cmd::Back);
    let title = format!(
        " help ({}/{} scroll, {} or {} closes) ",
        km.first_key(Cmd::Down),
        km.first_key(Cmd::Up),
        km.first_key(Cmd::Help),
        back.rsplit('/').next().unwrap_or("")
    );
    // The last page is as far as it scrolls.
    let scroll = scroll.min(max_scroll(km, rect));
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll.min(u16::MAX as usize) as u16, 0))
            .block(Block::default().borders(Borders::ALL).title(title)),
        rect,
    );
}
