//! The command palette's entries: every command of the keymap, every detector, every threshold,
//! the themes, the case commands, the queue filters and, on a timeline, its filters.

use super::{Choice, Picker};
use crate::case::Disposition;
use crate::detect::Severity;
use crate::ui::app::App;
use crate::ui::views::queue::QueueFilter;
use crate::ui::views::{TimelineFilter, View};

pub fn open(app: &App) -> Picker {
    Picker::new("command", items(app))
}

fn items(app: &App) -> Vec<(String, Choice)> {
    let mut items: Vec<(String, Choice)> = app
        .keymap
        .bindings
        .iter()
        .map(|b| {
            (
                // "timeline: timeline: every event…" says the name twice: once is enough.
                if b.description.starts_with(b.name) {
                    format!("{} [{}]", b.description, b.keys.join(" "))
                } else {
                    format!("{}: {} [{}]", b.name, b.description, b.keys.join(" "))
                },
                Choice::Command(b.cmd),
            )
        })
        .collect();
    for d in crate::detect::registry() {
        items.push((
            format!("run detector {}: {}", d.id, d.title),
            Choice::RunDetector(d.id),
        ));
    }
    if let Ok(toml::Value::Table(t)) = toml::Value::try_from(&app.config) {
        for (k, v) in t {
            items.push((
                format!("set threshold {k} (now {v})"),
                Choice::SetThreshold(k),
            ));
        }
    }
    for t in crate::ui::theme::names() {
        items.push((format!("theme {t}"), Choice::Theme(t)));
    }
    if let Some(View::Timeline(t)) = app.stack.last() {
        let only = |f: TimelineFilter| Choice::Timeline(f);
        for s in t.sources() {
            items.push((
                format!("timeline: only source {s}"),
                only(TimelineFilter {
                    source: Some(s),
                    ..t.filter.clone()
                }),
            ));
        }
        for p in t.phases() {
            items.push((
                format!("timeline: only phase {p}"),
                only(TimelineFilter {
                    phase: Some(p.to_string()),
                    ..t.filter.clone()
                }),
            ));
        }
        items.push((
            "timeline: only cited rows".into(),
            only(TimelineFilter {
                cited: true,
                ..t.filter.clone()
            }),
        ));
        items.push((
            "timeline: every event (clear the filters)".into(),
            only(TimelineFilter::default()),
        ));
    }
    // Case work, also typed with its text: `note TEXT`, `disposition D`, `mark`.
    for d in Disposition::ALL {
        items.push((
            format!("disposition {} (of the selected person)", d.name()),
            Choice::Disposition(d),
        ));
        items.push((
            format!("filter queue: disposition {}", d.name()),
            Choice::Filter(QueueFilter {
                disposition: Some(d),
                ..QueueFilter::default()
            }),
        ));
    }
    for stage in ["candidate", "offer", "hired", "staff"] {
        items.push((
            format!("filter queue: stage {stage}"),
            Choice::Filter(QueueFilter {
                stage: Some(stage.into()),
                ..QueueFilter::default()
            }),
        ));
    }
    for sev in [Severity::Medium, Severity::High, Severity::Critical] {
        items.push((
            format!("filter queue: severity {} or above", sev.name()),
            Choice::Filter(QueueFilter {
                min_severity: Some(sev),
                ..QueueFilter::default()
            }),
        ));
    }
    items.push((
        "filter queue: everyone".into(),
        Choice::Filter(QueueFilter::default()),
    ));
    for i in &mut items {
        i.0 = crate::sanitize::visible(&i.0).into_owned();
    }
    items
}

/// Whether palette text is a command with its text rather than a fuzzy query.
pub fn is_typed_command(text: &str) -> bool {
    let verb = text.split_whitespace().next().unwrap_or("");
    matches!(verb, "note" | "disposition" | "mark" | "filter" | "where")
        && (text.contains(' ') || verb == "mark")
}
