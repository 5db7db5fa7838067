//! The travel view: the person's located hops on a world map, impossible hops per week since hire,
//! and the hop table with both times, both places and addresses, and the verdict the
//! impossible-travel detector gives (`model::travel`, one rule for both).

use super::{column_widths, fit, person_header, short_ts, v, Ctx, EvidenceView, Pane, View};
use crate::detect::Config;
use crate::model::travel::verdict;
use crate::ui::keymap::Cmd;
use crate::ui::theme::Role;
use crate::workspace::travel::Travel;
use crate::workspace::{PivotKey, Workspace};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::canvas::{Canvas, Line as CLine, Map, MapResolution, Points};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;
use std::sync::Arc;

pub struct TravelView {
    pub person: String,
    pub travel: Arc<Travel>,
    pub cursor: usize,
}

impl TravelView {
    pub fn new(ws: &Workspace, person: &str, config: &Config) -> TravelView {
        TravelView {
            person: person.to_string(),
            travel: Arc::new(crate::workspace::travel::travel(ws, person, config)),
            cursor: 0,
        }
    }
}

/// The map's bounds: the inhabited latitudes, so the map uses the pane's height.
const LAT: [f64; 2] = [-60.0, 80.0];
const LON: [f64; 2] = [-180.0, 180.0];

impl Pane for TravelView {
    fn name(&self) -> &'static str {
        "travel"
    }

    fn len(&self) -> usize {
        self.travel.hops.len()
    }

    fn cursor(&self) -> usize {
        self.cursor
    }

    fn set_cursor(&mut self, at: usize) {
        self.cursor = at;
    }

    fn search_text(&self, i: usize) -> String {
        let h = &self.travel.hops[i];
        format!(
            "{} {} {} {} {}",
            h.from_place, h.to_place, h.from_ip, h.to_ip, h.verdict
        )
        .to_lowercase()
    }

    /// A hop opens its two events: where the person was before and after.
    fn drill(&self, ws: &Workspace) -> Option<View> {
        let h = self.travel.hops.get(self.cursor)?;
        let evidence: Vec<crate::detect::Evidence> = h
            .rows
            .iter()
            .map(|(table, row)| crate::detect::Evidence {
                table: table.clone(),
                row: *row,
            })
            .collect();
        Some(View::Evidence(EvidenceView::new(
            ws,
            format!("hop {} -> {} ({})", h.from_place, h.to_place, h.verdict),
            &evidence,
        )))
    }

    fn pivot_keys(&self) -> Vec<PivotKey> {
        let Some(h) = self.travel.hops.get(self.cursor) else {
            return Vec::new();
        };
        let mut k = vec![
            PivotKey::Ip(h.from_ip.clone()),
            PivotKey::Ip(h.to_ip.clone()),
        ];
        k.retain(|k| !matches!(k, PivotKey::Ip(ip) if ip.is_empty()));
        k.dedup();
        k
    }

    fn copy_text(&self) -> Option<String> {
        let h = self.travel.hops.get(self.cursor)?;
        Some(format!(
            "{} ({}) -> {} ({}) {:.0} km/h {}",
            h.from_place, h.from_ip, h.to_place, h.to_ip, h.kmh, h.verdict
        ))
    }

    fn keys(&self) -> &'static [Cmd] {
        &[Cmd::Enter, Cmd::Pivot, Cmd::Copy]
    }

    fn draw(&self, f: &mut Frame, cx: &Ctx, area: Rect) {
        let [head, map, weekly, table] = Layout::vertical([
            Constraint::Length(3),
            Constraint::Percentage(45),
            Constraint::Length(2),
            Constraint::Min(4),
        ])
        .areas(area);
        f.render_widget(
            Paragraph::new(person_header(cx, &self.person, head.width)),
            head,
        );
        self.draw_map(f, cx, map);
        self.draw_weekly(f, cx, weekly);
        self.draw_hops(f, cx, table);
    }
}

impl TravelView {
    fn draw_map(&self, f: &mut Frame, cx: &Ctx, area: Rect) {
        let fg = |role: Role| cx.style(role).fg.unwrap_or(Color::Reset);
        let (map_colour, route, bad) = (fg(Role::Map), fg(Role::Route), fg(Role::Impossible));
        let travel = &self.travel;
        let labels = map_labels(travel, self.cursor, area);
        let canvas = Canvas::default().x_bounds(LON).y_bounds(LAT).paint(|ctx| {
            ctx.draw(&Map {
                resolution: MapResolution::High,
                color: map_colour,
            });
            ctx.layer();
            for (i, h) in travel.hops.iter().enumerate() {
                let c = if verdict::is_impossible(h.verdict) {
                    bad
                } else {
                    route
                };
                if i == self.cursor || h.verdict != verdict::POSSIBLE {
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
            for (la, lo, name) in &labels {
                ctx.print(
                    *lo,
                    *la,
                    Span::styled(name.clone(), Style::default().add_modifier(Modifier::BOLD)),
                );
            }
        });
        f.render_widget(canvas, area);
    }

    fn draw_weekly(&self, f: &mut Frame, cx: &Ctx, area: Rect) {
        let travel = &self.travel;
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
                Line::styled(fit(&line, area.width as usize), cx.style(Role::Muted)),
            ]),
            area,
        );
    }

    fn draw_hops(&self, f: &mut Frame, cx: &Ctx, area: Rect) {
        let config = &cx.app.config;
        // Narrow panes keep when, where and the verdict; wide ones add the start time and the sums.
        let wide = area.width >= 90;
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
        let legend_text = if wide {
            format!(
                "{} = over {} km and {} km/h after location uncertainty · {} = a side is a VPN or anonymiser · {} = one address geolocated twice · Enter opens the two events",
                verdict::IMPOSSIBLE,
                config.travel_min_km,
                config.travel_min_kmh,
                verdict::IMPOSSIBLE_VPN,
                verdict::SAME_IP
            )
        } else {
            format!(
                "{}: over {} km and {} km/h · (VPN): a VPN side · {}: one address twice · Enter: events",
                verdict::IMPOSSIBLE,
                config.travel_min_km,
                config.travel_min_kmh,
                verdict::SAME_IP
            )
        };
        // The legend is never cut: it takes the lines it needs at this width.
        let legend_lines = super::wrap_words(&legend_text, area.width as usize);
        let [legend, table] = Layout::vertical([
            Constraint::Length(legend_lines.len() as u16),
            Constraint::Min(3),
        ])
        .areas(area);
        f.render_widget(
            Paragraph::new(legend_lines.into_iter().map(Line::from).collect::<Vec<_>>())
                .style(cx.style(Role::Muted)),
            legend,
        );
        let cols = column_widths(table, &widths);
        let shown = super::window(
            self.travel.hops.len(),
            self.cursor,
            table.height.saturating_sub(1) as usize,
        );
        let start = shown.start;
        let body: Vec<Row> = self.travel.hops[shown]
            .iter()
            .map(|h| {
                let style = match h.verdict {
                    verdict::IMPOSSIBLE => cx.style(Role::Impossible),
                    verdict::POSSIBLE | verdict::SAME_IP => cx.style(Role::Muted),
                    _ => cx.style(Role::Medium),
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
                        Cell::from(fit(&v(&from), cols[2])),
                        Cell::from(fit(&v(&to), cols[3])),
                        Cell::from(format!("{:.0}", h.km)),
                        Cell::from(format!("{:.1}h", h.hours)),
                        Cell::from(kmh),
                        Cell::from(Span::styled(h.verdict, style)),
                    ]
                } else {
                    let hop = format!("{} → {}", h.from_place, h.to_place);
                    vec![
                        Cell::from(short_ts(h.to_ts)),
                        Cell::from(fit(&v(&hop), cols[1])),
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
            .header(Row::new(header).style(cx.style(Role::Header)))
            .row_highlight_style(cx.style(Role::Selected));
        f.render_stateful_widget(
            t,
            table,
            &mut TableState::default().with_selected(if self.travel.hops.is_empty() {
                None
            } else {
                Some(self.cursor - start)
            }),
        );
    }
}

/// The place labels the map prints, none over another: the selected hop's two places first, then
/// the others in order, each dropped when its cells would cover a label already placed.
fn map_labels(travel: &Travel, cursor: usize, area: Rect) -> Vec<(f64, f64, String)> {
    let (w, h) = (area.width.max(1) as f64, area.height.max(1) as f64);
    let cell = |la: f64, lo: f64| -> (i64, i64) {
        (
            ((lo - LON[0]) / (LON[1] - LON[0]) * w) as i64,
            ((LAT[1] - la) / (LAT[1] - LAT[0]) * h) as i64,
        )
    };
    let mut order: Vec<usize> = Vec::new();
    if let Some(hop) = travel.hops.get(cursor) {
        for end in [hop.from, hop.to] {
            if let Some(i) = travel.points.iter().position(|p| (p.0, p.1) == end) {
                order.push(i);
            }
        }
    }
    order.extend(0..travel.points.len());
    let mut taken: Vec<(i64, i64, i64)> = Vec::new(); // (row, first column, last column)
    let mut out = Vec::new();
    for i in order {
        let (la, lo, name) = &travel.points[i];
        let label = v(name.split(' ').next().unwrap_or(""));
        if label.is_empty() || out.iter().any(|(a, b, _)| a == la && b == lo) {
            continue;
        }
        let (x, y) = cell(*la, *lo);
        let end = x + label.chars().count() as i64;
        // One blank cell between labels on a row, so two names never read as one.
        if taken
            .iter()
            .any(|&(row, a, b)| row == y && x <= b + 1 && a <= end)
        {
            continue;
        }
        taken.push((y, x, end));
        out.push((*la, *lo, label));
    }
    out
}
