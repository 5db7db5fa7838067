//! Every view at 80x24, 120x40 and 200x50 over long identifiers (a long UPN, GUID object and
//! device ids, full IPv6 addresses): any cut cell ends in `…` (or `↩` where an identifier wraps
//! on), and every identifier shown whole is a real value, never a shortened one that looks whole.
//! Then the timeline's filters, the hint line and help following the keymap, and scopes naming
//! what they skipped.

use super::support::{screen, workspace_of};
use hirescope::detect::Config;
use hirescope::ui::app::{Action, App, Focus};
use hirescope::ui::keymap::{Cmd, Keymap};
use hirescope::ui::views::{TimelineFilter, View};
use hirescope::workspace::Workspace;
use polars::prelude::DataType;
use std::collections::BTreeSet;
use std::sync::Arc;

const UPN: &str = "alexandria.konstantinopoulou-vanderbilt@contoso-international.example";
const OBJECT_ID: &str = "a11e0767-b94e-48f8-a412-b666ca29a063";
const DEVICE: &str = "5f0c2b8e-91d4-4c7a-bf3e-0d2a6c9e8b71";
/// Written in full in the export; ingest holds (and shows) the canonical compressed form.
const IPV6_FULL: &str = "2001:0db8:85a3:0000:0000:8a2e:0370:7334";
const IPV6: &str = "2001:db8:85a3::8a2e:370:7334";
const IPV6_B: &str = "2a02:c7f:dc4e:1b00:8d3a:5e61:9f0b:c2d4";
const OTHER: &str = "bartholomew.featherstonehaugh@contoso-international.example";

/// A roster of two, sign-ins from two IPv6 addresses and an actor's IPv4 address (in the intel,
/// so findings cite rows), far apart within minutes (impossible travel), and Cloud Apps events
/// with a long object name.
fn long_identifiers() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("roster.csv"),
        format!(
            "person_id,name,stage,upn,object_id,hire_date,work_country\n\
H1,Alexandria Konstantinopoulou-Vanderbilt,hired,{UPN},{OBJECT_ID},2026-09-01,US\n\
H2,Bartholomew Featherstonehaugh,hired,{OTHER},,2026-09-01,US\n"
        ),
    )
    .unwrap();
    let mut signins = String::from(
        "Timestamp,AccountUpn,AccountObjectId,AccountDisplayName,Application,IPAddress,Country,City,Latitude,Longitude,EntraIdDeviceId,ErrorCode,ReportId\n",
    );
    let hops = [
        (
            "2026-09-02T09:00:00Z",
            IPV6_FULL,
            "US",
            "Seattle",
            "47.61",
            "-122.33",
        ),
        (
            "2026-09-02T09:20:00Z",
            "175.45.176.23",
            "KP",
            "Pyongyang",
            "39.03",
            "125.75",
        ),
        (
            "2026-09-02T09:40:00Z",
            IPV6_B,
            "US",
            "New York",
            "40.71",
            "-74.00",
        ),
        (
            "2026-09-03T09:00:00Z",
            IPV6,
            "US",
            "Seattle",
            "47.61",
            "-122.33",
        ),
    ];
    for (k, (ts, ip, cc, city, lat, lon)) in hops.iter().enumerate() {
        signins.push_str(&format!(
            "{ts},{UPN},{OBJECT_ID},Alexandria,Office 365 Exchange Online,{ip},{cc},{city},{lat},{lon},{DEVICE},0,s{k}\n"
        ));
    }
    signins.push_str(&format!(
        "2026-09-04T10:00:00Z,{OTHER},,Bartholomew,Office 365 Exchange Online,{IPV6},US,Seattle,47.61,-122.33,{DEVICE},0,o1\n"
    ));
    std::fs::write(dir.path().join("signins.csv"), signins).unwrap();
    let mut cae = String::from(
        "Timestamp,Application,ActionType,AccountObjectId,AccountId,IPAddress,CountryCode,City,ObjectName,ReportId\n",
    );
    for k in 0..30 {
        cae.push_str(&format!(
            "2026-09-{:02}T1{}:00:00Z,Microsoft SharePoint Online,FileDownloaded,{OBJECT_ID},{UPN},{},US,Seattle,https://contoso.sharepoint.com/sites/engineering-platform-architecture/Shared Documents/quarterly-roadmap-{k}-confidential.pptx,c{k}\n",
            5 + k % 20,
            k % 10,
            if k % 3 == 0 { IPV6_B } else { IPV6 }
        ));
    }
    std::fs::write(dir.path().join("cloudapp.csv"), cae).unwrap();
    std::fs::write(dir.path().join("intel.txt"), "175.45.176.0/24\n").unwrap();
    dir
}

fn app_on(ws: &Arc<Workspace>, person: &str) -> App {
    let mut app = App::new(Config::default(), Keymap::default(), "default");
    app.update(Action::Loaded(ws.clone()));
    let at = app
        .queue_rows()
        .iter()
        .position(|&i| ws.analysis.ranked[i].person.key == person)
        .expect("the person is in the queue");
    app.queue = at;
    app.update(Action::Key(Cmd::Timeline));
    // As at start: the queue has the focus, Tab moves into the view.
    app.focus = Focus::Queue;
    app
}

fn keys(app: &mut App, cmds: &[Cmd]) {
    for c in cmds {
        app.update(Action::Key(*c));
    }
}

/// Whether a token reads as an identifier: an e-mail, a GUID or an IP address.
fn looks_like_identifier(t: &str) -> bool {
    let hexish = |s: &str| s.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    t.contains('@') && t.contains('.')
        || t.len() >= 13 && t.matches('-').count() >= 3 && hexish(t)
        || t.matches(':').count() >= 3 && t.chars().all(|c| c.is_ascii_hexdigit() || c == ':')
        || t.matches('.').count() == 3 && t.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// Every identifier the data holds, whole.
fn identifiers(ws: &Workspace) -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    let events = &ws.analysis.model.events;
    for column in ["account", "object_id", "peer", "ip", "device_id"] {
        let c = events
            .column(column)
            .unwrap()
            .cast(&DataType::String)
            .unwrap();
        all.extend(c.str().unwrap().iter().flatten().map(str::to_string));
    }
    // The vendors' own spellings too (a full IPv6 address), as the row detail shows them.
    for df in ws.analysis.data.tables.values() {
        for c in df.columns() {
            let text = matches!(c.dtype(), DataType::String | DataType::Categorical(..));
            let c = c.cast(&DataType::String).unwrap();
            if let (true, Ok(t)) = (text, c.str()) {
                all.extend(t.iter().flatten().map(str::to_string));
            }
        }
    }
    for p in &ws.analysis.model.people {
        all.extend(p.identifiers.iter().cloned());
        all.insert(p.key.clone());
    }
    all
}

/// Whether `text` is a known value, or ends exactly at a space inside one (a value with spaces,
/// such as an OfficeObjectId path, splits into several tokens).
fn whole_or_word(known: &BTreeSet<String>, text: &str) -> bool {
    known.contains(text)
        || known
            .iter()
            .any(|k| k.starts_with(text) && k[text.len()..].starts_with(' '))
}

/// The screen's identifier-looking tokens that are neither marked as cut (`…`, `↩`) nor a real
/// value: each would be a value shown shorter than it is without saying so. A line that goes on
/// a wrapped identifier (the line above ended it in `↩`) must complete it.
fn shortened_identifiers(s: &str, known: &BTreeSet<String>) -> Vec<String> {
    let separator = |c: char| c.is_whitespace() || "│┃─━┌┐└┘┏┓┗┛├┤┬┴┼,;()[]{}\"'<>›→=".contains(c);
    let mut bad = Vec::new();
    // Wrapped heads from the line above: (column where the piece starts, the text so far).
    let mut wrapped: Vec<(usize, String)> = Vec::new();
    for line in s.lines() {
        let chars: Vec<char> = line.chars().collect();
        let mut tokens: Vec<(usize, String)> = Vec::new();
        let mut at = 0;
        while at < chars.len() {
            if separator(chars[at]) {
                at += 1;
                continue;
            }
            let from = at;
            while at < chars.len() && !separator(chars[at]) {
                at += 1;
            }
            tokens.push((from, chars[from..at].iter().collect()));
        }
        let mut still: Vec<(usize, String)> = Vec::new();
        // The pane a column is in: the last border before it.
        let pane = |col: usize| {
            chars[..col.min(chars.len())]
                .iter()
                .rposition(|c| matches!(c, '│' | '┃'))
        };
        let mut taken: Vec<usize> = Vec::new();
        for (col, raw) in tokens {
            let piece = raw.trim_end_matches(['↩', '…']);
            // The rest of an identifier the line above wrapped: the first token of the next line
            // in the same pane (the value column, or the pane's left edge for the row detail).
            let head = wrapped
                .iter()
                .enumerate()
                .find(|(k, (c, _))| !taken.contains(k) && pane(col) == pane(*c) && col <= *c)
                .map(|(k, (_, h))| (k, h.clone()));
            if let Some((k, head)) = head {
                taken.push(k);
                let whole = format!("{head}{piece}");
                if raw.ends_with('↩') {
                    still.push((col, whole));
                } else if !raw.ends_with('…')
                    && looks_like_identifier(&whole)
                    && !whole_or_word(known, &whole)
                {
                    bad.push(whole);
                }
                continue;
            }
            if let Some(head) = raw.strip_suffix('↩') {
                // A lone `↩` ends free text wrapped after a space: nothing to complete.
                if !head.is_empty() {
                    still.push((col, head.to_string()));
                }
                continue;
            }
            if raw.ends_with('…') || raw.starts_with('…') {
                continue;
            }
            let t = raw.trim_end_matches(['.', ':']);
            if looks_like_identifier(t) && !known.contains(t) {
                bad.push(t.to_string());
            }
        }
        wrapped = still;
    }
    bad
}

#[test]
fn every_view_at_three_sizes_cuts_with_a_mark_and_shows_identifiers_whole() {
    let dir = long_identifiers();
    let ws = workspace_of(&dir);
    let known = identifiers(&ws);
    assert!(known.contains(UPN) && known.contains(IPV6), "{known:?}");
    let walks: &[(&str, &[Cmd])] = &[
        ("queue and timeline", &[]),
        ("timeline focused", &[Cmd::NextPane]),
        ("entity", &[Cmd::Entity]),
        ("travel", &[Cmd::Travel]),
        ("findings", &[Cmd::Findings]),
        ("evidence", &[Cmd::Findings, Cmd::Enter]),
        ("detail", &[Cmd::NextPane, Cmd::Enter]),
        ("pivot", &[Cmd::NextPane, Cmd::Pivot, Cmd::Enter]),
        ("pivot from entity", &[Cmd::Entity, Cmd::Down, Cmd::Enter]),
        ("travel hop", &[Cmd::Travel, Cmd::Down, Cmd::Enter]),
        ("finder", &[Cmd::Finder]),
        ("help", &[Cmd::Help]),
    ];
    let mut seen_views = BTreeSet::new();
    for (what, cmds) in walks {
        for (w, h) in [(80, 24), (120, 40), (200, 50)] {
            let mut app = app_on(&ws, "H1");
            keys(&mut app, cmds);
            if let Some(v) = app.stack.last() {
                seen_views.insert(v.name());
            }
            let s = screen(&app, w, h);
            let bad = shortened_identifiers(&s, &known);
            assert!(
                bad.is_empty(),
                "{what} at {w}x{h} shows identifiers shorter than they are: {bad:?}\n{s}"
            );
            // The long UPN is never lost: whole, wrapped with `↩`, or cut with `…`.
            if *what == "entity" {
                assert!(
                    s.contains(UPN) || s.contains('↩'),
                    "{what} at {w}x{h}: the UPN neither whole nor wrapped\n{s}"
                );
                if w >= 200 {
                    assert!(s.contains(UPN), "{what} at {w}x{h}\n{s}");
                }
            }
            if *what == "pivot" && w >= 120 {
                assert!(
                    s.contains(IPV6) || s.contains(IPV6_B),
                    "the pivot's address whole at {w}x{h}\n{s}"
                );
            }
        }
    }
    for v in [
        "timeline", "entity", "travel", "findings", "evidence", "detail", "pivot",
    ] {
        assert!(
            seen_views.contains(v),
            "the walk never reached the {v} view"
        );
    }
}

/// The check itself can fail: a GUID one character short, as the first walk found it, is caught.
#[test]
fn a_shortened_identifier_is_caught() {
    let known: BTreeSet<String> = [OBJECT_ID.to_string()].into();
    let short = &OBJECT_ID[..OBJECT_ID.len() - 1];
    assert_eq!(
        shortened_identifiers(&format!("│ id {short} │"), &known),
        vec![short.to_string()]
    );
    assert!(shortened_identifiers(&format!("│ {short}… │ {OBJECT_ID}"), &known).is_empty());
    assert!(shortened_identifiers("daniel.kim@contoso.e", &known).len() == 1);
    // Wrapped and completed on the next line is whole; wrapped and left short is not.
    let (a, b) = OBJECT_ID.split_at(20);
    assert!(shortened_identifiers(&format!("x {a}↩\n  {b}"), &known).is_empty());
    let short_tail = &b[..b.len() - 1];
    assert_eq!(
        shortened_identifiers(&format!("x {a}↩\n  {short_tail}"), &known),
        vec![short.to_string()]
    );
}

#[test]
fn timeline_filters_by_source_phase_cited_rows_and_time_and_the_histogram_zooms() {
    let dir = long_identifiers();
    let ws = workspace_of(&dir);
    let mut app = app_on(&ws, "H1");
    keys(&mut app, &[Cmd::NextPane]);
    let all = match app.stack.last() {
        Some(View::Timeline(t)) => t.rows.len(),
        _ => panic!("a timeline"),
    };
    assert_eq!(all, 34, "four sign-ins and thirty downloads");
    // Cited rows only: the sign-in from the actor's address.
    keys(&mut app, &[Cmd::CitedOnly]);
    let Some(View::Timeline(t)) = app.stack.last() else {
        panic!()
    };
    assert!(
        !t.shown.is_empty() && t.shown.len() < all,
        "{}",
        t.shown.len()
    );
    assert!(t.shown_rows().all(|r| r.flagged > 0));
    assert!(app.message.contains("cited rows"), "{}", app.message);
    let s = screen(&app, 120, 40);
    assert!(
        s.contains("timeline (cited rows)"),
        "the breadcrumb says so:\n{s}"
    );
    // Back clears the filter before it leaves the view.
    keys(&mut app, &[Cmd::Back]);
    let Some(View::Timeline(t)) = app.stack.last() else {
        panic!()
    };
    assert_eq!(t.shown.len(), all);
    assert_eq!(app.focus, Focus::Main);
    // One source at a time, cycling through the person's sources, then all.
    keys(&mut app, &[Cmd::SourceFilter]);
    let Some(View::Timeline(t)) = app.stack.last() else {
        panic!()
    };
    let first = t.filter.source.clone().expect("a source");
    assert!(t.shown_rows().all(|r| r.app == first || r.table == first));
    let sources = t.sources().len();
    keys(&mut app, &vec![Cmd::SourceFilter; sources]);
    let Some(View::Timeline(t)) = app.stack.last() else {
        panic!()
    };
    assert_eq!(t.filter.source, None, "after the last source, every source");
    // The phase filter: everything here is after the hire date.
    keys(&mut app, &[Cmd::PhaseFilter]);
    let Some(View::Timeline(t)) = app.stack.last() else {
        panic!()
    };
    assert_eq!(t.filter.phase.as_deref(), Some("post-hire"));
    assert_eq!(t.shown.len(), all);
    // A time range from the palette's typed command; the histogram's axis shows its dates.
    app.update(Action::Key(Cmd::Palette));
    for c in "where from=2026-09-10 to=2026-09-12".chars() {
        app.update(Action::Input(c));
    }
    app.update(Action::Submit);
    let Some(View::Timeline(t)) = app.stack.last() else {
        panic!()
    };
    assert_eq!(
        t.filter,
        // `where` says the whole filter: the phase chosen before is replaced.
        TimelineFilter {
            from: hirescope::time::parse_timestamp("2026-09-10"),
            to: hirescope::time::parse_timestamp("2026-09-12").map(|t| t + 86_400_000 - 1),
            ..TimelineFilter::default()
        }
    );
    assert!(!t.shown.is_empty());
    assert!(t.shown_rows().all(|r| {
        let day = &hirescope::time::format_ts(r.ts)[..10];
        ("2026-09-10"..="2026-09-12").contains(&day)
    }));
    let s = screen(&app, 120, 40);
    assert!(
        s.contains("2026-09-10") && s.contains("2026-09-12"),
        "the axis spans the range:\n{s}"
    );
    assert!(
        !s.contains("2026-09-02 "),
        "zoomed: the first day is outside\n{s}"
    );
    // A bad word is said, and changes nothing.
    app.update(Action::Key(Cmd::Palette));
    for c in "where phse=recruiting".chars() {
        app.update(Action::Input(c));
    }
    app.update(Action::Submit);
    assert!(app.message.contains("cannot read"), "{}", app.message);
    // The range keys take the cursor's time.
    let mut app = app_on(&ws, "H1");
    keys(
        &mut app,
        &[Cmd::NextPane, Cmd::Down, Cmd::Down, Cmd::RangeFrom],
    );
    let Some(View::Timeline(t)) = app.stack.last() else {
        panic!()
    };
    assert_eq!(t.shown.len(), all - 2);
    assert_eq!(t.cursor, 0, "the cursor stays on its event, now the first");
}

#[test]
fn the_histogram_marks_the_hire_date_and_shows_dates() {
    let dir = long_identifiers();
    let ws = workspace_of(&dir);
    // Starting before the hire date: the mark falls inside.
    let mut app = app_on(&ws, "H1");
    keys(&mut app, &[Cmd::NextPane]);
    let axis = hirescope::ui::views::timeline::date_axis(
        hirescope::time::parse_timestamp("2026-08-20").unwrap(),
        hirescope::time::parse_timestamp("2026-09-20").unwrap(),
        hirescope::time::parse_timestamp("2026-09-01"),
        100,
    );
    assert!(axis.starts_with("2026-08-20"), "{axis}");
    assert!(axis.ends_with("2026-09-20"), "{axis}");
    assert!(axis.contains("▲hired 2026-09-01"), "{axis}");
    let at = axis.chars().position(|c| c == '▲').unwrap();
    assert!(
        (35..=40).contains(&at),
        "the mark stands at the hire date's column: {at}"
    );
    let s = screen(&app, 120, 40);
    assert!(
        s.contains("2026-09-02"),
        "the axis names the first day:\n{s}"
    );
}

#[test]
fn the_hint_line_follows_focus_and_help_follows_the_keymap() {
    let dir = long_identifiers();
    let ws = workspace_of(&dir);
    let mut app = app_on(&ws, "H1");
    let queue_hint = hirescope::ui::render::hint_line(&app, 200);
    assert!(queue_hint.contains("d disposition"), "{queue_hint}");
    assert!(!queue_hint.contains("c cited-only"), "{queue_hint}");
    keys(&mut app, &[Cmd::NextPane]);
    let timeline_hint = hirescope::ui::render::hint_line(&app, 200);
    assert!(
        timeline_hint.starts_with("Enter drill-in  p pivot  c cited-only"),
        "{timeline_hint}"
    );
    assert!(timeline_hint.ends_with("? help"), "{timeline_hint}");
    keys(&mut app, &[Cmd::Findings]);
    let findings_hint = hirescope::ui::render::hint_line(&app, 200);
    assert!(findings_hint.contains("r run-all"), "{findings_hint}");
    assert!(!findings_hint.contains("cited-only"), "{findings_hint}");
    // At 80 columns the line is cut to what fits and still ends with help.
    let narrow = hirescope::ui::render::hint_line(&app, 80);
    assert!(
        narrow.chars().count() <= 80 && narrow.ends_with("? help"),
        "{narrow}"
    );
    // A remap shows in the hints and the help, never the old key.
    let keys_table: toml::Table =
        toml::from_str("pivot = [\"w\"]\ntimeline = [\"F2\"]\nhelp = [\"h\"]").unwrap();
    let km = Keymap::default().with_overrides(&keys_table).unwrap();
    let mut app = App::new(Config::default(), km, "default");
    app.update(Action::Loaded(ws.clone()));
    keys(&mut app, &[Cmd::NextPane]);
    let hint = hirescope::ui::render::hint_line(&app, 200);
    assert!(
        hint.contains("w pivot") && hint.ends_with("h help"),
        "{hint}"
    );
    keys(&mut app, &[Cmd::Help]);
    let s = screen(&app, 200, 50);
    assert!(
        s.contains("timeline (F2)") && s.contains("pivot (w)"),
        "{s}"
    );
    assert!(s.contains("help (j/k scroll, h or Esc closes)"), "{s}");
    assert!(!s.contains("timeline (t)"), "{s}");
}

#[test]
fn a_person_scoped_run_names_the_detectors_it_skipped() {
    let dir = long_identifiers();
    let ws = workspace_of(&dir);
    let mut app = app_on(&ws, "H1");
    keys(&mut app, &[Cmd::Scope, Cmd::RunAll]);
    let req = app.requests.pop().expect("a run");
    let done = hirescope::ui::detect_job(&ws, &req).expect("it ran");
    app.update(done);
    for d in hirescope::detect::CROSS_PERSON {
        assert!(app.message.contains(d), "{d} not named: {}", app.message);
    }
    assert!(app.message.contains("over this person"), "{}", app.message);
    let s = screen(&app, 120, 40);
    assert!(s.contains("detector results over this person"), "{s}");
}

#[test]
fn a_search_that_matches_a_hidden_column_says_where() {
    let dir = long_identifiers();
    let ws = workspace_of(&dir);
    let mut app = app_on(&ws, "H1");
    app.update(Action::Resize {
        width: 80,
        height: 24,
    });
    keys(&mut app, &[Cmd::NextPane, Cmd::Search]);
    for c in "sharepoint online".chars() {
        app.update(Action::Input(c));
    }
    app.update(Action::Submit);
    assert!(
        app.message.contains("in source, not shown at this width"),
        "{}",
        app.message
    );
    // Wide, the source column is on screen: nothing more to say.
    app.update(Action::Resize {
        width: 200,
        height: 50,
    });
    keys(&mut app, &[Cmd::SearchNext]);
    assert!(!app.message.contains("not shown"), "{}", app.message);
}

/// The model's column constants name columns the events frame really has.
#[test]
fn column_constants_name_real_columns() {
    let dir = long_identifiers();
    let ws = workspace_of(&dir);
    let names: Vec<String> = ws
        .analysis
        .model
        .events
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    for c in hirescope::model::columns::ALL {
        assert!(
            names.iter().any(|n| n == c),
            "{c} is not a column: {names:?}"
        );
    }
}

/// The same check over shapes this test did not write: the three real public exports (a Log
/// Analytics sign-in export, a Defender union export, an OfficeActivity inbox rule), the bundled
/// samples and the hostile folder. The top three people of each, every view, three sizes.
#[test]
fn identifiers_stay_whole_on_real_exports_and_hostile_files() {
    use super::support::{external, hostile_dir};
    let real = tempfile::tempdir().unwrap();
    for f in [
        "signinlogs_loganalytics_export.csv",
        "defender_union_export.jsonl",
        "office_activity_inbox_rule.csv",
    ] {
        std::fs::copy(external(f), real.path().join(f)).unwrap();
    }
    let samples = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir("samples").unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, samples.path().join(p.file_name().unwrap())).unwrap();
    }
    let hostile = hostile_dir();
    let walks: &[&[Cmd]] = &[
        &[Cmd::NextPane],
        &[Cmd::Entity],
        &[Cmd::Travel],
        &[Cmd::Findings],
        &[Cmd::Findings, Cmd::Enter],
        &[Cmd::NextPane, Cmd::Enter],
        &[Cmd::NextPane, Cmd::Pivot, Cmd::Enter],
    ];
    for (name, dir) in [
        ("real exports", &real),
        ("samples", &samples),
        ("hostile", &hostile),
    ] {
        let ws = workspace_of(dir);
        let known = identifiers(&ws);
        assert!(!ws.analysis.ranked.is_empty(), "{name}: nobody to look at");
        for r in ws.analysis.ranked.iter().take(3) {
            for cmds in walks {
                for (w, h) in [(80, 24), (120, 40), (200, 50)] {
                    let mut app = app_on(&ws, &r.person.key);
                    keys(&mut app, cmds);
                    let s = screen(&app, w, h);
                    let bad = shortened_identifiers(&s, &known);
                    assert!(
                        bad.is_empty(),
                        "{name}, {} after {cmds:?} at {w}x{h}: {bad:?}\n{s}",
                        r.person.key
                    );
                }
            }
        }
    }
}
