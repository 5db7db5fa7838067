//! Drawing the workbench: a pure function of the app state into a ratatui frame. Every piece of
//! data text passes through `sanitize::visible` before it reaches a cell.

use super::app::{App, Focus, Overlay, View};
use super::data::EventRow;
use super::theme::Theme;
use crate::model::travel::verdict;
use crate::sanitize::visible;
use crate::time::format_ts;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::canvas::{Canvas, Line as CLine, Map, MapResolution, Points};
use ratatui::widgets::{
    Block, Borders, Cell, Clear, Paragraph, Row, Sparkline, Table, TableState, Wrap,
};
use ratatui::Frame;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

const SPINNER: &[char] = &['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

fn v(s: &str) -> String {
    visible(s).into_owned()
}

fn short_ts(ms: i64) -> String {
    let t = format_ts(ms);
    format!("{} {}", &t[5..10], &t[11..16])
}

pub fn draw(f: &mut Frame, app: &App, theme: &Theme) {
    let area = f.area();
    // A theme with its own background (light) paints it first, so its dark text never lands on a
    // dark terminal's background; themes without one keep the terminal's.
    f.render_widget(Block::default().style(theme.role("base")), area);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "terminal too small: {}x{}; hirescope needs at least {MIN_WIDTH}x{MIN_HEIGHT}",
            area.width, area.height
        );
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
        return;
    }
    let [title, body, status, hint] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_title(f, app, theme, title);
    let queue_width = if area.width >= 120 { 40 } else { 26 };
    let [queue, main] =
        Layout::horizontal([Constraint::Length(queue_width), Constraint::Min(40)]).areas(body);
    draw_queue(f, app, theme, queue);
    draw_main(f, app, theme, main);
    f.render_widget(
        Paragraph::new(v(&app.message)).style(theme.role("muted")),
        status,
    );
    f.render_widget(
        Paragraph::new(hint_line(app, hint.width as usize)).style(theme.role("hint")),
        hint,
    );
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help(scroll) => draw_help(f, app, theme, body, *scroll),
        Overlay::Picker(p) => {
            let rect = centered(body, 90, 80);
            f.render_widget(Clear, rect);
            let [input, list] =
                Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(rect);
            f.render_widget(
                Paragraph::new(format!("> {}", v(&p.input))).block(
                    Block::default().borders(Borders::ALL).title(format!(
                        " {} (type to filter, Enter chooses, Esc closes) ",
                        p.title
                    )),
                ),
                input,
            );
            let mut rows: Vec<Row> = p
                .matches
                .iter()
                .map(|&i| Row::new(vec![Cell::from(v(&p.items[i].0))]))
                .collect();
            if rows.is_empty() {
                // Say so, rather than show an empty list that looks broken.
                let why = if p.title == "command" && !p.input.contains(' ') {
                    "nothing matches; case commands take their text: note TEXT, disposition D, filter ..."
                } else {
                    "nothing matches"
                };
                rows.push(Row::new(vec![Cell::from(Span::styled(
                    format!("{why} {:?}", v(&p.input)),
                    theme.role("muted"),
                ))]));
            }
            let mut st = TableState::default().with_selected(Some(p.cursor));
            let t = Table::new(rows, [Constraint::Percentage(100)])
                .block(Block::default().borders(Borders::ALL))
                .row_highlight_style(theme.role("selected"));
            f.render_stateful_widget(t, list, &mut st);
        }
        Overlay::Search(q) => {
            let rect = Rect {
                x: body.x,
                y: body.y + body.height.saturating_sub(1),
                width: body.width,
                height: 1,
            };
            f.render_widget(Clear, rect);
            f.render_widget(
                Paragraph::new(format!("/{}", v(q))).style(theme.role("accent")),
                rect,
            );
        }
        Overlay::Note { target, input } => {
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
        Overlay::Prompt { name, input } => {
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
    }
}

/// As many key hints as fit the width, always ending with the key for help.
fn hint_line(app: &App, width: usize) -> String {
    let help = format!(
        "{} help",
        app.keymap
            .keys_of(super::keymap::Cmd::Help)
            .split('/')
            .next()
            .unwrap_or("?")
    );
    let mut line = String::new();
    for h in app
        .keymap
        .hint_line()
        .split("  ")
        .filter(|h| !h.ends_with(" help"))
    {
        if line.chars().count() + h.chars().count() + help.chars().count() + 4 > width {
            break;
        }
        line.push_str(h);
        line.push_str("  ");
    }
    line.push_str(&help);
    line
}

/// Short phase marks for the narrow column; the header line names them in full.
fn phase_mark(phase: &str) -> &'static str {
    match phase {
        "pre-recruitment" => "PRE",
        "recruiting" => "REC",
        "post-hire" => "POST",
        _ => "",
    }
}

fn centered(area: Rect, w_pct: u16, h_pct: u16) -> Rect {
    let w = area.width * w_pct / 100;
    let h = (area.height * h_pct / 100).max(5);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height.saturating_sub(h)) / 2,
        width: w,
        height: h.min(area.height),
    }
}

fn draw_title(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let mut spans = vec![Span::styled(" hirescope ", theme.role("title"))];
    if let Some(l) = &app.loading {
        let frame = SPINNER[(app.now_ms / 100) as usize % SPINNER.len()];
        spans.push(Span::raw(format!(" {frame} loading: {}", v(l))));
    } else if let Some(e) = &app.error {
        spans.push(Span::styled(
            format!(" error: {}", v(e)),
            theme.role("critical"),
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
            format!("  {frame} {} {secs:.1}s (C-c cancels)", v(&job.label)),
            theme.role("accent"),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn block<'a>(title: String, focused: bool, theme: &Theme) -> Block<'a> {
    let style = if focused {
        theme.role("accent")
    } else {
        theme.role("border")
    };
    // Focus shows without colour too (NO_COLOR, monochrome terminals): a thick border and a bold
    // title on the focused pane.
    let (border, title) = if focused {
        (
            ratatui::widgets::BorderType::Thick,
            Span::styled(title, Style::default().add_modifier(Modifier::BOLD)),
        )
    } else {
        (ratatui::widgets::BorderType::Plain, Span::raw(title))
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(border)
        .border_style(style)
        .title(title)
}

fn draw_queue(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let title = if app.filter == Default::default() {
        " people (risk) ".to_string()
    } else {
        format!(" people: {} ", app.filter.label())
    };
    let b = block(title, app.focus == Focus::Queue, theme);
    let Some(ws) = &app.ws else {
        f.render_widget(Paragraph::new("loading…").block(b), area);
        return;
    };
    let width = area.width.saturating_sub(2) as usize;
    let rows: Vec<Row> = app
        .queue_rows()
        .into_iter()
        .map(|i| &ws.analysis.ranked[i])
        .map(|r| {
            let sev = r.severity.map(|s| s.name()).unwrap_or("-");
            let style = r
                .severity
                .map(|s| theme.severity(s))
                .unwrap_or(theme.role("muted"));
            let name = r
                .person
                .name
                .clone()
                .unwrap_or_else(|| r.person.key.clone());
            let l1 = Line::from(vec![
                Span::styled(format!("{:>3} {:<8} ", r.risk, sev), style),
                Span::raw(v(&name)),
            ]);
            let top = r.findings.first().copied().unwrap_or("no findings");
            // The analyst's conclusion and a note marker come first: they matter most in triage.
            let case = app.case.as_ref().map(|c| &c.state);
            let disposition = case
                .and_then(|c| c.disposition(&r.person.key))
                .map(|d| format!("[{}] ", d.name()))
                .unwrap_or_default();
            let noted = if case.is_some_and(|c| c.has_notes(&r.person.key)) {
                "✎ "
            } else {
                ""
            };
            let person_target = crate::case::Target::Person {
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
                theme.role("muted"),
            ));
            Row::new(vec![Cell::from(vec![l1, l2])]).height(2)
        })
        .collect();
    let mut st = TableState::default().with_selected(Some(app.queue));
    let t = Table::new(rows, [Constraint::Percentage(100)])
        .block(b)
        .row_highlight_style(theme.role("selected"));
    f.render_stateful_widget(t, area, &mut st);
}

fn v_owned(text: &str) -> String {
    v(text).to_string()
}

/// A person's name with their key, or the key alone.
fn name_of(app: &App, key: &str) -> String {
    app.ws
        .as_ref()
        .and_then(|ws| ws.analysis.model.people.iter().find(|p| p.key == key))
        .and_then(|p| p.name.clone())
        .map_or_else(|| key.to_string(), |n| format!("{n} ({key})"))
}

fn fit(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(w.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn person_header(app: &App, person: &str) -> Vec<Line<'static>> {
    let Some(ws) = &app.ws else { return Vec::new() };
    let Some(r) = ws.analysis.ranked.iter().find(|r| r.person.key == person) else {
        return Vec::new();
    };
    let p = &r.person;
    let hire = p
        .hire_date
        .map(|h| format!(" · hired {}", &format_ts(h)[..10]))
        .unwrap_or_default();
    let wc = p
        .work_country
        .as_ref()
        .map(|c| format!(" · works in {c}"))
        .unwrap_or_default();
    vec![
        Line::from(format!(
            "{} ({}) · {}{hire}{wc} · risk {}",
            v(p.name.as_deref().unwrap_or("?")),
            v(&p.key),
            p.stage.name(),
            r.risk
        )),
        Line::from(format!("ids: {}", v(&p.identifiers.join(", ")))),
        Line::from(format!("why: {}", v(&r.explanation))),
    ]
}

fn draw_main(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let focused = app.focus == Focus::Main;
    let Some(view) = app.stack.last() else {
        let text = if app.loading.is_some() {
            "the first tables are loading; views fill in as they arrive"
        } else {
            "no people in this data set"
        };
        f.render_widget(
            Paragraph::new(text).block(block(" main ".into(), focused, theme)),
            area,
        );
        return;
    };
    // The breadcrumb names each step; a pivot by what it is on.
    let crumbs: Vec<String> = app
        .stack
        .iter()
        .map(|v| match v {
            View::Pivot { key, .. } => v_owned(&key.label()),
            other => other.name().to_string(),
        })
        .collect();
    let title = format!(" {} ", crumbs.join(" › "));
    let b = block(title, focused, theme);
    let inner = b.inner(area);
    f.render_widget(b, area);
    match view {
        View::Timeline {
            person,
            rows,
            cursor,
        } => {
            let [head, hist, table] = Layout::vertical([
                Constraint::Length(3),
                Constraint::Length(3),
                Constraint::Min(3),
            ])
            .areas(inner);
            f.render_widget(
                Paragraph::new(person_header(app, person)).wrap(Wrap { trim: true }),
                head,
            );
            let (h, lo, hi) = super::data::histogram(rows, hist.width.saturating_sub(2) as usize);
            let spark = Sparkline::default().data(&h).style(theme.role("accent")).block(
                Block::default()
                    .title(format!("activity {} → {} · ! cited by a finding · PRE pre-recruitment, REC recruiting, POST post-hire", short_ts(lo), short_ts(hi)))
                    .title_style(theme.role("muted")),
            );
            f.render_widget(spark, hist);
            event_table(f, app, theme, table, rows, *cursor, false);
        }
        View::Evidence {
            title,
            rows,
            cursor,
        } => {
            let [head, table] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(inner);
            f.render_widget(Paragraph::new(v(title)).style(theme.role("header")), head);
            event_table(f, app, theme, table, rows, *cursor, true);
        }
        View::Pivot {
            key,
            rows,
            people,
            cursor,
        } => {
            let [head, table] =
                Layout::vertical([Constraint::Length(2), Constraint::Min(3)]).areas(inner);
            let names: Vec<String> = people.iter().map(|p| name_of(app, p)).collect();
            let who = format!(
                "{} events · {} people: {}",
                rows.len(),
                people.len(),
                names.join(", ")
            );
            f.render_widget(
                Paragraph::new(vec![
                    Line::styled(
                        format!("everything that touched {}", v(&key.label())),
                        theme.role("header"),
                    ),
                    Line::from(v(&who)),
                ]),
                head,
            );
            event_table(f, app, theme, table, rows, *cursor, true);
        }
        View::Entity {
            person,
            rows,
            cursor,
        } => {
            let [head, table] =
                Layout::vertical([Constraint::Length(3), Constraint::Min(3)]).areas(inner);
            f.render_widget(
                Paragraph::new(person_header(app, person)).wrap(Wrap { trim: true }),
                head,
            );
            // The value is an identifier (a GUID, an e-mail, an IPv6 address): it gets its whole
            // width first, up to what leaves the other columns room; "shared with" takes the rest.
            let longest = rows
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
            let body: Vec<Row> = rows
                .iter()
                .map(|r| {
                    let shared = if r.shared_with.is_empty() {
                        String::new()
                    } else {
                        let names: Vec<String> =
                            r.shared_with.iter().map(|p| name_of(app, p)).collect();
                        format!("{}: {}", names.len(), names.join(", "))
                    };
                    let style = if r.shared_with.is_empty() {
                        Style::default()
                    } else {
                        theme.role("flag")
                    };
                    // An identifier longer than its column wraps onto a second line rather
                    // than lose characters.
                    let value = v_owned(&r.value);
                    let lines = wrap_chars(&value, cols[1].max(1), 3);
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
                        Cell::from(Span::styled(fit(&v_owned(&shared), cols[3]), style)),
                    ])
                    .height(height)
                })
                .collect();
            let t = Table::new(body, widths)
                .header(
                    Row::new(vec!["kind", "value", "events", "shared with"])
                        .style(theme.role("header")),
                )
                .row_highlight_style(theme.role("selected"));
            f.render_stateful_widget(
                t,
                table,
                &mut TableState::default().with_selected(Some(*cursor)),
            );
        }
        View::Travel {
            person,
            travel,
            cursor,
        } => draw_travel(f, app, theme, inner, person, travel, *cursor),
        View::Findings {
            person,
            findings,
            cursor,
            title,
        } => {
            let [head, list, detail] = Layout::vertical([
                Constraint::Length(if person.is_empty() { 1 } else { 3 }),
                Constraint::Min(3),
                Constraint::Length(6),
            ])
            .areas(inner);
            if person.is_empty() {
                f.render_widget(Paragraph::new(v(title)).style(theme.role("header")), head);
            } else {
                f.render_widget(
                    Paragraph::new(person_header(app, person)).wrap(Wrap { trim: true }),
                    head,
                );
            }
            // Narrow panes keep severity, detector and reason; wide ones add time and person.
            let wide = list.width >= 90;
            let body: Vec<Row> = findings
                .iter()
                .map(|x| {
                    let mut cells = vec![
                        Cell::from(Span::styled(x.severity.name(), theme.severity(x.severity))),
                        Cell::from(x.detector),
                    ];
                    if wide {
                        cells.extend([
                            Cell::from(short_ts(x.first_seen)),
                            Cell::from(v(&name_of(app, &x.person))),
                        ]);
                    }
                    // A finding of someone else (a cluster or shared device this person is in)
                    // says whose it is at any width.
                    let reason = if !wide && !person.is_empty() && &x.person != person {
                        format!("[{}] {}", name_of(app, &x.person), x.reason)
                    } else {
                        x.reason.clone()
                    };
                    cells.push(Cell::from(v(&reason)));
                    Row::new(cells)
                })
                .collect();
            let (widths, header) = if wide {
                (
                    vec![
                        Constraint::Length(8),
                        Constraint::Length(26),
                        Constraint::Length(11),
                        Constraint::Length(12),
                        Constraint::Min(20),
                    ],
                    vec!["severity", "detector", "first", "person", "reason"],
                )
            } else {
                (
                    vec![
                        Constraint::Length(8),
                        Constraint::Length(22),
                        Constraint::Min(16),
                    ],
                    vec!["severity", "detector", "reason"],
                )
            };
            let t = Table::new(body, widths)
                .header(Row::new(header).style(theme.role("header")))
                .row_highlight_style(theme.role("selected"));
            f.render_stateful_widget(
                t,
                list,
                &mut TableState::default().with_selected(Some(*cursor)),
            );
            if let Some(x) = findings.get(*cursor) {
                let figures = serde_json::to_string(&x.figures).unwrap_or_default();
                let mut text = vec![
                    Line::styled(
                        format!(
                            "{} · {} · ATT&CK {} · {} evidence rows (Enter opens)",
                            x.title,
                            x.phase.name(),
                            x.attack.join(", "),
                            x.evidence.len()
                        ),
                        theme.role("header"),
                    ),
                    Line::from(v(&format!("{}: {}", name_of(app, &x.person), x.reason))),
                ];
                // A cluster names its members by name, not only by key.
                if !x.members.is_empty() {
                    let members: Vec<String> = x.members.iter().map(|m| name_of(app, m)).collect();
                    text.push(Line::from(v(&format!("members: {}", members.join(", ")))));
                }
                text.push(Line::styled(
                    format!("figures: {}", v(&figures)),
                    theme.role("muted"),
                ));
                f.render_widget(
                    Paragraph::new(text)
                        .wrap(Wrap { trim: true })
                        .block(Block::default().borders(Borders::TOP)),
                    detail,
                );
            }
        }
        View::Detail {
            title,
            lines,
            cursor,
        } => {
            let [head, body] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
            // The cursor is the first line shown, but never past the last page (G shows a page).
            let first = (*cursor).min(lines.len().saturating_sub(body.height as usize));
            let text: Vec<Line> = lines
                .iter()
                .skip(first)
                .map(|l| Line::from(l.clone()))
                .collect();
            f.render_widget(
                Paragraph::new(format!(
                    "{} (line {}/{})",
                    v(title),
                    cursor + 1,
                    lines.len()
                ))
                .style(theme.role("header")),
                head,
            );
            // Long cells (user agents, raw JSON lines) wrap instead of running off the pane.
            f.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), body);
        }
    }
}

fn event_table(
    f: &mut Frame,
    app: &App,
    theme: &Theme,
    area: Rect,
    rows: &[EventRow],
    cursor: usize,
    with_person: bool,
) {
    // Only the visible window becomes table rows, however long the timeline.
    let height = area.height.saturating_sub(1) as usize;
    let start = cursor
        .saturating_sub(height / 2)
        .min(rows.len().saturating_sub(height));
    let window = &rows[start..(start + height).min(rows.len())];
    // Narrow terminals drop the source and country columns before squeezing the rest.
    let wide = area.width >= 90;
    // Mixed-people rows (pivots, evidence) need the person more than the phase when narrow.
    let show_phase = wide || !with_person;
    // An address is an identifier: its column is as wide as the longest one shown (an IPv6
    // address included), so it is never cut; other columns share what is left.
    let ip_width = window
        .iter()
        .map(|r| r.ip.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(7, 39) as u16;
    let mut widths = vec![Constraint::Length(2), Constraint::Length(11)];
    let mut header = vec!["", "time (UTC)"];
    if show_phase {
        widths.push(Constraint::Length(4));
        header.push("ph.");
    }
    if with_person {
        widths.push(Constraint::Length(9));
        header.push("person");
    }
    if wide {
        widths.push(Constraint::Length(12));
        header.push("source");
    }
    widths.extend([Constraint::Min(10), Constraint::Length(ip_width)]);
    header.extend(["action · object", "ip"]);
    if wide {
        widths.push(Constraint::Length(2));
        header.push("cc");
    }
    let cols = column_widths(area, &widths);
    let body: Vec<Row> = window
        .iter()
        .map(|r| {
            // `!` cited by a finding, `*` marked by the analyst.
            let marked = app.case.as_ref().is_some_and(|c| {
                c.state.is_marked(&crate::case::Target::Row {
                    table: r.table.clone(),
                    row: r.row,
                })
            });
            let flag = Line::from(vec![
                if r.flagged > 0 {
                    Span::styled("!", theme.role("flag"))
                } else {
                    Span::raw(" ")
                },
                if marked {
                    Span::styled("*", theme.role("accent"))
                } else {
                    Span::raw(" ")
                },
            ]);
            let what = if r.object.is_empty() {
                r.action.clone()
            } else {
                format!("{} · {}", r.action, r.object)
            };
            let mut texts: Vec<String> = vec![short_ts(r.ts)];
            if show_phase {
                texts.push(phase_mark(r.phase).to_string());
            }
            if with_person {
                texts.push(v_owned(r.person.as_deref().unwrap_or("-")));
            }
            if wide {
                texts.push(v_owned(if r.app.is_empty() { &r.table } else { &r.app }));
            }
            texts.extend([v_owned(&what), v_owned(&r.ip)]);
            if wide {
                texts.push(v_owned(&r.country));
            }
            // Every cell cut to its column ends in `…`: nothing looks whole that is not.
            let mut cells = vec![Cell::from(flag)];
            for (k, t) in texts.into_iter().enumerate() {
                let fitted = fit(&t, cols.get(k + 1).copied().unwrap_or(usize::MAX));
                cells.push(if show_phase && k == 1 {
                    Cell::from(Span::styled(fitted, theme.role("muted")))
                } else {
                    Cell::from(fitted)
                });
            }
            Row::new(cells)
        })
        .collect();
    let t = Table::new(body, widths)
        .header(Row::new(header).style(theme.role("header")))
        .row_highlight_style(theme.role("selected"));
    let mut st = TableState::default().with_selected(if rows.is_empty() {
        None
    } else {
        Some(cursor - start)
    });
    f.render_stateful_widget(t, area, &mut st);
}

/// Text cut into lines of `width` characters, at most `max` lines (the last ends in `…` when even
/// that is not enough).
fn wrap_chars(text: &str, width: usize, max: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<String> = chars.chunks(width).map(|c| c.iter().collect()).collect();
    if out.len() > max {
        out.truncate(max);
        if let Some(last) = out.last_mut() {
            *last = fit(&format!("{last}…"), width);
        }
    }
    if out.is_empty() {
        out.push(String::new());
    }
    out
}

/// The widths ratatui gives a table's columns in `area` (one space between columns).
fn column_widths(area: Rect, constraints: &[Constraint]) -> Vec<usize> {
    Layout::horizontal(constraints.to_vec())
        .spacing(1)
        .split(area)
        .iter()
        .map(|r| r.width as usize)
        .collect()
}

fn draw_travel(
    f: &mut Frame,
    app: &App,
    theme: &Theme,
    area: Rect,
    person: &str,
    travel: &super::data::Travel,
    cursor: usize,
) {
    let [head, map, weekly, table] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Percentage(45),
        Constraint::Length(2),
        Constraint::Min(4),
    ])
    .areas(area);
    f.render_widget(
        Paragraph::new(person_header(app, person)).wrap(Wrap { trim: true }),
        head,
    );
    let map_style = theme.role("map").fg.unwrap_or(ratatui::style::Color::Reset);
    let route = theme
        .role("route")
        .fg
        .unwrap_or(ratatui::style::Color::Reset);
    let bad = theme
        .role("impossible")
        .fg
        .unwrap_or(ratatui::style::Color::Reset);
    let canvas = Canvas::default()
        .x_bounds([-180.0, 180.0])
        .y_bounds([-60.0, 80.0])
        .paint(|ctx| {
            ctx.draw(&Map {
                resolution: MapResolution::High,
                color: map_style,
            });
            ctx.layer();
            for (i, h) in travel.hops.iter().enumerate() {
                let c = if h.verdict == verdict::IMPOSSIBLE {
                    bad
                } else {
                    route
                };
                if i == cursor || h.verdict != verdict::POSSIBLE {
                    ctx.draw(&CLine {
                        x1: h.from.1,
                        y1: h.from.0,
                        x2: h.to.1,
                        y2: h.to.0,
                        color: c,
                    });
                }
            }
            let coords: Vec<(f64, f64)> =
                travel.points.iter().map(|(la, lo, _)| (*lo, *la)).collect();
            ctx.draw(&Points {
                coords: &coords,
                color: route,
            });
            for (la, lo, name) in &travel.points {
                ctx.print(
                    *lo,
                    *la,
                    Span::styled(
                        v(name.split(' ').next().unwrap_or("")),
                        Style::default().add_modifier(Modifier::BOLD),
                    ),
                );
            }
        });
    f.render_widget(canvas, map);
    let weeks: Vec<String> = travel
        .weekly
        .iter()
        .map(|(w, n)| format!("w{w}:{n}"))
        .collect();
    let impossible = travel
        .hops
        .iter()
        .filter(|h| verdict::is_impossible(h.verdict))
        .count();
    let line = if travel.hire.is_some() {
        format!(
            "impossible hops per week since hire: {}",
            if weeks.is_empty() {
                "none".into()
            } else {
                weeks.join(" ")
            }
        )
    } else {
        "no hire date: weekly counts since hire need one".to_string()
    };
    f.render_widget(
        Paragraph::new(vec![
            Line::from(format!(
                "{} located hops, {impossible} impossible",
                travel.hops.len()
            )),
            Line::styled(fit(&line, weekly.width as usize), theme.role("muted")),
        ]),
        weekly,
    );
    // Narrow panes keep when, where and the verdict; wide ones add the start time and the sums.
    let wide = table.width >= 90;
    let widths: Vec<Constraint> = if wide {
        vec![
            Constraint::Length(11),
            Constraint::Length(11),
            Constraint::Fill(1),
            Constraint::Fill(1),
            Constraint::Length(6),
            Constraint::Length(6),
            Constraint::Length(7),
            Constraint::Length(16),
        ]
    } else {
        vec![
            Constraint::Length(11),
            Constraint::Fill(1),
            Constraint::Length(7),
            Constraint::Length(16),
        ]
    };
    let [legend, table] = Layout::vertical([
        Constraint::Length(if wide { 1 } else { 2 }),
        Constraint::Min(3),
    ])
    .areas(table);
    let legend_text = if wide {
        format!(
            "{} = over {} km and {} km/h after location uncertainty · {} = a side is a VPN or anonymiser · {} = one address geolocated twice · Enter opens the two events",
            verdict::IMPOSSIBLE,
            app.config.travel_min_km,
            app.config.travel_min_kmh,
            verdict::IMPOSSIBLE_VPN,
            verdict::SAME_IP
        )
    } else {
        format!(
            "{}: over {} km and {} km/h · (VPN): a VPN side · {}: one address twice · Enter: events",
            verdict::IMPOSSIBLE,
            app.config.travel_min_km,
            app.config.travel_min_kmh,
            verdict::SAME_IP
        )
    };
    f.render_widget(
        Paragraph::new(legend_text)
            .wrap(Wrap { trim: true })
            .style(theme.role("muted")),
        legend,
    );
    let cols = column_widths(table, &widths);
    let body: Vec<Row> = travel
        .hops
        .iter()
        .map(|h| {
            let style = match h.verdict {
                verdict::IMPOSSIBLE => theme.role("impossible"),
                verdict::POSSIBLE | verdict::SAME_IP => theme.role("muted"),
                _ => theme.role("medium"),
            };
            let kmh = if h.kmh.is_finite() {
                format!("{:.0}", h.kmh)
            } else {
                "∞".into()
            };
            // Each side names its place and its address.
            let from = format!("{} {}", h.from_place, h.from_ip);
            let to = format!("{} {}", h.to_place, h.to_ip);
            let cells = if wide {
                vec![
                    Cell::from(short_ts(h.from_ts)),
                    Cell::from(short_ts(h.to_ts)),
                    Cell::from(fit(&v_owned(&from), cols[2])),
                    Cell::from(fit(&v_owned(&to), cols[3])),
                    Cell::from(format!("{:.0}", h.km)),
                    Cell::from(format!("{:.1}h", h.hours)),
                    Cell::from(kmh),
                    Cell::from(Span::styled(h.verdict, style)),
                ]
            } else {
                let hop = format!("{} → {}", h.from_place, h.to_place);
                vec![
                    Cell::from(short_ts(h.to_ts)),
                    Cell::from(fit(&v_owned(&hop), cols[1])),
                    Cell::from(kmh),
                    Cell::from(Span::styled(h.verdict, style)),
                ]
            };
            Row::new(cells)
        })
        .collect();
    let header = if wide {
        vec![
            "from (UTC)",
            "to (UTC)",
            "from: place, IP",
            "to: place, IP",
            "km",
            "time",
            "km/h",
            "verdict",
        ]
    } else {
        vec!["at (UTC)", "hop", "km/h", "verdict"]
    };
    let t = Table::new(body, widths)
        .header(Row::new(header).style(theme.role("header")))
        .row_highlight_style(theme.role("selected"));
    f.render_stateful_widget(
        t,
        table,
        &mut TableState::default().with_selected(if travel.hops.is_empty() {
            None
        } else {
            Some(cursor)
        }),
    );
}

fn draw_help(f: &mut Frame, app: &App, theme: &Theme, body: Rect, scroll: usize) {
    let rect = centered(body, 94, 100);
    f.render_widget(Clear, rect);
    let mut lines = vec![
        Line::styled("Views: timeline (t), entity (e), travel (v), findings (f); pivot (p) on an IP, account, device or domain.", theme.role("header")),
        Line::styled("Enter drills in, q/Esc goes back, Q quits. Detectors run in the background: r, or : then 'run detector'.", theme.role("muted")),
        Line::from(""),
    ];
    for (keys, desc) in app.keymap.help_lines() {
        lines.push(Line::from(vec![
            Span::styled(format!("{keys:<16}"), theme.role("accent")),
            Span::raw(desc),
        ]));
    }
    let title = " help (j/k scroll, ? or Esc closes) ";
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll.min(u16::MAX as usize) as u16, 0))
            .block(Block::default().borders(Borders::ALL).title(title)),
        rect,
    );
}
