//! The timeline: every event of one person across tables and phases, filtered by source, phase,
//! cited rows and a time range, over a histogram of activity with dates and the hire date marked,
//! zoomed to the range shown.

use super::{event_table, person_header, v, Ctx, DetailView, Pane, View};
use crate::case::Target;
use crate::time::format_ts;
use crate::ui::keymap::Cmd;
use crate::ui::theme::Role;
use crate::workspace::{EventRow, PivotKey, Workspace};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};
use ratatui::Frame;
use std::sync::Arc;

/// Which of the person's events the timeline shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimelineFilter {
    /// An app, or a table for rows without one (`event_table::source`).
    pub source: Option<String>,
    /// A phase name (`detect::Phase::name`), or `-` for events outside the hiring story.
    pub phase: Option<String>,
    /// Only rows a finding cites.
    pub cited: bool,
    /// From this time on (ms since the epoch, inclusive).
    pub from: Option<i64>,
    /// Up to this time (inclusive).
    pub to: Option<i64>,
}

impl TimelineFilter {
    pub fn is_empty(&self) -> bool {
        *self == TimelineFilter::default()
    }

    fn keeps(&self, r: &EventRow) -> bool {
        self.source
            .as_deref()
            .is_none_or(|s| event_table::source(r) == s)
            && self.phase.as_deref().is_none_or(|p| r.phase == p)
            && (!self.cited || r.flagged > 0)
            && self.from.is_none_or(|t| r.ts >= t)
            && self.to.is_none_or(|t| r.ts <= t)
    }

    /// The filter in words, for messages and the histogram's title.
    pub fn label(&self) -> String {
        self.words(format_ts)
    }

    /// The filter in few words, for the breadcrumb: times as `MM-DD HH:MM`.
    pub fn short_label(&self) -> String {
        self.words(super::short_ts)
    }

    /// The filter in words, with times written by `time`.
    fn words(&self, time: fn(i64) -> String) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &self.source {
            parts.push(format!("source {}", v(s)));
        }
        if let Some(p) = &self.phase {
            parts.push(format!("phase {p}"));
        }
        if self.cited {
            parts.push("cited rows".into());
        }
        match (self.from, self.to) {
            (Some(a), Some(b)) => parts.push(format!("{} to {}", time(a), time(b))),
            (Some(a), None) => parts.push(format!("from {}", time(a))),
            (None, Some(b)) => parts.push(format!("up to {}", time(b))),
            (None, None) => {}
        }
        if parts.is_empty() {
            "every event".into()
        } else {
            parts.join(", ")
        }
    }

    /// Reads `source=S phase=P cited from=DATE to=DATE` (`all` clears); the words it could not
    /// read are returned.
    pub fn parse(text: &str) -> Result<TimelineFilter, String> {
        let mut f = TimelineFilter::default();
        for word in text.split_whitespace() {
            match word.split_once('=') {
                None if word == "cited" => f.cited = true,
                None if word == "all" => f = TimelineFilter::default(),
                Some(("source", s)) => f.source = Some(s.to_string()),
                Some(("phase", p)) => f.phase = Some(p.to_ascii_lowercase()),
                Some((side @ ("from" | "to"), t)) => {
                    let ms = crate::time::parse_timestamp(t)
                        .ok_or_else(|| format!("{side}: cannot read the time {t:?}"))?;
                    // A bare date as the end of a range means the whole of that day.
                    let ms = if side == "to" && !t.contains(['T', ' ', ':']) {
                        ms + 86_400_000 - 1
                    } else {
                        ms
                    };
                    if side == "from" {
                        f.from = Some(ms);
                    } else {
                        f.to = Some(ms);
                    }
                }
                _ => return Err(format!("cannot read {word:?}: the timeline filter takes source=S phase=P cited from=DATE to=DATE or all")),
            }
        }
        Ok(f)
    }
}

pub struct TimelineView {
    pub person: String,
    /// Every event of the person, in time order.
    pub rows: Arc<Vec<EventRow>>,
    /// The positions in `rows` the filter keeps, in the order shown.
    pub shown: Vec<usize>,
    pub cursor: usize,
    pub filter: TimelineFilter,
    pub newest_first: bool,
}

impl TimelineView {
    pub fn new(ws: &Workspace, person: &str, newest_first: bool) -> TimelineView {
        let mut t = TimelineView {
            person: person.to_string(),
            rows: Arc::new(crate::workspace::timeline(ws, person)),
            shown: Vec::new(),
            cursor: 0,
            filter: TimelineFilter::default(),
            newest_first,
        };
        t.refilter();
        t
    }

    /// The row under the cursor.
    pub fn current(&self) -> Option<&EventRow> {
        self.shown.get(self.cursor).map(|&i| &self.rows[i])
    }

    /// The rows shown, in order.
    pub fn shown_rows(&self) -> impl Iterator<Item = &EventRow> {
        self.shown.iter().map(|&i| &self.rows[i])
    }

    /// Applies a new filter, keeping the cursor on the same event when it is still shown.
    pub fn set_filter(&mut self, filter: TimelineFilter) {
        self.filter = filter;
        self.refilter();
    }

    pub fn set_order(&mut self, newest_first: bool) {
        self.newest_first = newest_first;
        self.refilter();
    }

    fn refilter(&mut self) {
        let at = self.shown.get(self.cursor).copied();
        self.shown = (0..self.rows.len())
            .filter(|&i| self.filter.keeps(&self.rows[i]))
            .collect();
        if self.newest_first {
            self.shown.reverse();
        }
        self.cursor = at
            .and_then(|i| self.shown.iter().position(|&k| k == i))
            .unwrap_or(0);
    }

    /// The distinct sources of the person's events, for the source filter.
    pub fn sources(&self) -> Vec<String> {
        let mut s: Vec<String> = self
            .rows
            .iter()
            .map(|r| event_table::source(r).to_string())
            .collect();
        s.sort();
        s.dedup();
        s
    }

    /// The distinct phases of the person's events, in the hiring story's order.
    pub fn phases(&self) -> Vec<&'static str> {
        ["pre-recruitment", "recruiting", "post-hire", "-"]
            .into_iter()
            .filter(|p| self.rows.iter().any(|r| r.phase == *p))
            .collect()
    }
}

impl Pane for TimelineView {
    fn name(&self) -> &'static str {
        "timeline"
    }

    fn crumb(&self) -> String {
        if self.filter.is_empty() {
            "timeline".into()
        } else {
            format!("timeline ({})", self.filter.short_label())
        }
    }

    fn len(&self) -> usize {
        self.shown.len()
    }

    fn cursor(&self) -> usize {
        self.cursor
    }

    fn set_cursor(&mut self, at: usize) {
        self.cursor = at;
    }

    fn search_text(&self, i: usize) -> String {
        self.rows[self.shown[i]].haystack()
    }

    fn drill(&self, ws: &Workspace) -> Option<View> {
        self.current()
            .map(|r| View::Detail(DetailView::of_row(ws, &r.table, r.row)))
    }

    fn pivot_keys(&self) -> Vec<PivotKey> {
        self.current().map(PivotKey::of_row).unwrap_or_default()
    }

    fn target(&self) -> Option<Target> {
        self.current().map(|r| Target::Row {
            table: r.table.clone(),
            row: r.row,
        })
    }

    fn copy_text(&self) -> Option<String> {
        self.current().map(EventRow::copy_text)
    }

    fn export_rows(&self) -> Option<(String, Vec<(String, i64)>)> {
        Some((
            format!("timeline-{}", self.person),
            self.shown_rows()
                .map(|r| (r.table.clone(), r.row))
                .collect(),
        ))
    }

    fn keys(&self) -> &'static [Cmd] {
        &[
            Cmd::Enter,
            Cmd::Pivot,
            Cmd::CitedOnly,
            Cmd::PhaseFilter,
            Cmd::SourceFilter,
            Cmd::RangeFrom,
            Cmd::RangeTo,
            Cmd::Mark,
            Cmd::Note,
            Cmd::Order,
            Cmd::Export,
        ]
    }

    fn draw(&self, f: &mut Frame, cx: &Ctx, area: Rect) {
        let [head, hist, table] = Layout::vertical([
            Constraint::Length(3),
            Constraint::Length(3),
            Constraint::Min(3),
        ])
        .areas(area);
        f.render_widget(
            Paragraph::new(person_header(cx, &self.person, head.width)),
            head,
        );
        self.draw_histogram(f, cx, hist, table.width);
        let rows = (self.shown.len(), |i| &self.rows[self.shown[i]]);
        event_table::draw(f, cx, table, rows, self.cursor, false);
    }
}

impl TimelineView {
    /// The title line (what is shown and the legend), the bars, and a date axis with the hire
    /// date marked. The histogram spans the filter's time range when it has one (a zoom), else the
    /// rows shown.
    fn draw_histogram(&self, f: &mut Frame, cx: &Ctx, area: Rect, table_width: u16) {
        let [title, bars, axis] = Layout::vertical([Constraint::Length(1); 3]).areas(area);
        let width = area.width as usize;
        let times: Vec<i64> = self.shown_rows().map(|r| r.ts).collect();
        let lo = self
            .filter
            .from
            .or_else(|| times.iter().copied().min())
            .unwrap_or(0);
        let hi = self
            .filter
            .to
            .or_else(|| times.iter().copied().max())
            .unwrap_or(0);
        let counts = histogram(&times, width, lo, hi);
        let hidden = event_table::hidden_columns(table_width);
        let mut head = format!("{} of {} events", self.shown.len(), self.rows.len());
        if !self.filter.is_empty() {
            head.push_str(&format!(" ({})", self.filter.label()));
        }
        head.push_str(" over time (log scale) · ! cited · PRE pre-recruitment, REC recruiting, POST post-hire");
        if !hidden.is_empty() {
            head.push_str(&format!(
                " · {} hidden at this width (Enter shows the row)",
                hidden.join(", ")
            ));
        }
        f.render_widget(
            Paragraph::new(super::fit(&head, width)).style(cx.style(Role::Muted)),
            title,
        );
        f.render_widget(
            Sparkline::default()
                .data(&counts)
                .style(cx.style(Role::Accent)),
            bars,
        );
        let hire = self.rows.iter().find_map(|r| r.hire);
        f.render_widget(
            Paragraph::new(Line::from(Span::styled(
                date_axis(lo, hi, hire, width),
                cx.style(Role::Muted),
            ))),
            axis,
        );
    }
}

/// Events per column across `lo..=hi`, on a log scale (so a quiet day still shows beside a bulk
/// download of thousands).
pub fn histogram(times: &[i64], buckets: usize, lo: i64, hi: i64) -> Vec<u64> {
    let buckets = buckets.max(1);
    let mut h = vec![0u64; buckets];
    if times.is_empty() {
        return h;
    }
    let span = (hi - lo).max(1) as f64;
    for &t in times.iter().filter(|&&t| t >= lo && t <= hi) {
        let b = (((t - lo) as f64 / span) * (buckets - 1) as f64).round() as usize;
        h[b.min(buckets - 1)] += 1;
    }
    h.into_iter()
        .map(|n| ((n as f64).ln_1p() * 100.0).round() as u64)
        .collect()
}

/// The histogram's axis: the first and last dates at the ends, a middle date where it fits, and
/// `▲hired DATE` under the hire date's column when it falls inside.
pub fn date_axis(lo: i64, hi: i64, hire: Option<i64>, width: usize) -> String {
    let mut line: Vec<char> = vec![' '; width];
    let put = |line: &mut Vec<char>, at: usize, text: &str| -> bool {
        let n = text.chars().count();
        if at + n > line.len() || line[at..at + n].iter().any(|c| *c != ' ') {
            return false;
        }
        for (k, c) in text.chars().enumerate() {
            line[at + k] = c;
        }
        true
    };
    let day = |t: i64| format_ts(t)[..10].to_string();
    let column = |t: i64| -> usize {
        let span = (hi - lo).max(1) as f64;
        (((t - lo) as f64 / span) * (width.saturating_sub(1)) as f64).round() as usize
    };
    // The hire mark first: it matters most, and the dates give way to it.
    if let Some(h) = hire.filter(|h| *h >= lo && *h <= hi) {
        let label = format!("▲hired {}", day(h));
        let at = column(h).min(width.saturating_sub(label.chars().count()));
        put(&mut line, at, &label);
    }
    let first = day(lo);
    let last = day(hi);
    put(&mut line, 0, &first);
    put(&mut line, width.saturating_sub(last.len()), &last);
    if hi > lo {
        let mid = lo + (hi - lo) / 2;
        let text = day(mid);
        put(&mut line, (width / 2).saturating_sub(text.len() / 2), &text);
    }
    line.into_iter().collect::<String>().trim_end().to_string()
}
