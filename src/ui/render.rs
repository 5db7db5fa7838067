//! The frame: title line, the people queue, the main pane with its breadcrumb, the status line and
//! the hint line, then any overlay. A pure function of the app state; each view draws itself
//! (`views/`), and every piece of data text passes through `sanitize::visible` before a cell.

use super::app::{App, Focus};
use super::keymap::Cmd;
use super::overlays;
use super::theme::{Role, Theme};
use super::views::{self, block, fit, v, Ctx};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

const SPINNER: &[char] = &['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// The queue's width for a terminal of this width.
pub fn queue_width(width: u16) -> u16 {
    if width >= 120 {
        40
    } else {
        26
    }
}

/// The four rows of the frame: title, body (queue and main pane), status, hints.
fn rows(area: Rect) -> [Rect; 4] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// Where the queue and main pane go (and the overlays over them) in a terminal of `area`.
pub fn body_area(area: Rect) -> Rect {
    rows(area)[1]
}

pub fn draw(f: &mut Frame, app: &App, theme: &Theme) {
    let area = f.area();
    let cx = Ctx { app, theme };
    // A theme with its own background (light) paints it first, so its dark text never lands on a
    // dark terminal's background; themes without one keep the terminal's.
    f.render_widget(Block::default().style(theme.role(Role::Base)), area);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "terminal too small: {}x{}; hirescope needs at least {MIN_WIDTH}x{MIN_HEIGHT}",
            area.width, area.height
        );
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
        return;
    }
    let [title, body, status, hint] = rows(area);
    draw_title(f, &cx, title);
    let [queue, main] = Layout::horizontal([
        Constraint::Length(queue_width(area.width)),
        Constraint::Min(40),
    ])
    .areas(body);
    views::queue::draw(f, &cx, queue, app.focus == Focus::Queue);
    draw_main(f, &cx, main);
    f.render_widget(
        Paragraph::new(fit(&v(&app.message), status.width as usize)).style(theme.role(Role::Muted)),
        status,
    );
    f.render_widget(
        Paragraph::new(hint_line(app, hint.width as usize)).style(theme.role(Role::Hint)),
        hint,
    );
    overlays::draw(f, &cx, body);
}

/// The commands the focused pane offers, then the ones every pane shares, as many as fit the
/// width, always ending with the key for help: made from the keymap, so a remap shows.
pub fn hint_line(app: &App, width: usize) -> String {
    let km = &app.keymap;
    let own: &[Cmd] = match (app.focus, app.stack.last()) {
        (Focus::Main, Some(view)) => view.pane().keys(),
        _ => views::queue::KEYS,
    };
    let help = km.hint(Cmd::Help).unwrap_or_default();
    let mut line = String::new();
    let mut seen: Vec<Cmd> = vec![Cmd::Help];
    for cmd in own.iter().copied().chain(km.global_hints()) {
        if seen.contains(&cmd) {
            continue;
        }
        seen.push(cmd);
        let Some(h) = km.hint(cmd) else { continue };
        if line.chars().count() + h.chars().count() + help.chars().count() + 2 > width {
            break;
        }
        line.push_str(&h);
        line.push_str("  ");
    }
    line.push_str(&help);
    line
}

fn draw_title(f: &mut Frame, cx: &Ctx, area: Rect) {
    let app = cx.app;
    let mut spans = vec![Span::styled(" hirescope ", cx.style(Role::Title))];
    if let Some(l) = &app.loading {
        let frame = SPINNER[(app.now_ms / 100) as usize % SPINNER.len()];
        spans.push(Span::raw(format!(" {frame} loading: {}", v(l))));
    } else if let Some(e) = &app.error {
        spans.push(Span::styled(
            format!(" error: {}", v(e)),
            cx.style(Role::Critical),
        ));
    } else if let Some(ws) = &app.ws {
        spans.push(Span::raw(format!(
            " {} events · {} people · {} findings · {} rejected rows",
            ws.analysis.data.rows(),
            ws.analysis.ranked.len(),
            ws.analysis.findings.len(),
            ws.analysis.data.rejected()
        )));
    }
    if let Some(job) = &app.job {
        let frame = SPINNER[(app.now_ms / 100) as usize % SPINNER.len()];
        let secs = app.now_ms.saturating_sub(job.started_ms) as f64 / 1000.0;
        spans.push(Span::styled(
            format!(
                "  {frame} {} {secs:.1}s ({} cancels)",
                v(&job.label),
                app.keymap.first_key(Cmd::Cancel)
            ),
            cx.style(Role::Accent),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_main(f: &mut Frame, cx: &Ctx, area: Rect) {
    let app = cx.app;
    let focused = app.focus == Focus::Main;
    let Some(view) = app.stack.last() else {
        let text = if app.loading.is_some() {
            "the first tables are loading; views fill in as they arrive"
        } else {
            "no people in this data set"
        };
        f.render_widget(
            Paragraph::new(text).block(block(" main ".into(), focused, cx.theme)),
            area,
        );
        return;
    };
    // The breadcrumb names each step; a pivot by what it is on. When it is longer than the
    // border, its start gives way (the current step matters most) and says so.
    let crumbs: Vec<String> = app.stack.iter().map(|v| v.pane().crumb()).collect();
    let mut title = format!(" {} ", crumbs.join(" › "));
    let room = area.width.saturating_sub(4) as usize;
    if title.chars().count() > room {
        let keep: String = title
            .chars()
            .rev()
            .take(room.saturating_sub(1))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        title = format!("…{keep}");
    }
    let b = block(title, focused, cx.theme);
    let inner = b.inner(area);
    f.render_widget(b, area);
    view.pane().draw(f, cx, inner);
}
