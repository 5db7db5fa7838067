//! The workbench, driven by actions (not keys) and rendered into ratatui's TestBackend: every view
//! at 80x24 and 120x40, held in insta snapshots.

use super::support::{screen, workspace_of};
use hirescope::cli::{analyse, SourceArgs};
use hirescope::detect::Config;
use hirescope::ui::app::{Action, App, Focus, Overlay};
use hirescope::ui::keymap::{Cmd, Keymap};
use hirescope::ui::views::{EvidenceView, PivotView, TimelineView, View};
use hirescope::workspace::Workspace;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::path::Path;
use std::sync::{Arc, OnceLock};

fn workspace() -> Arc<Workspace> {
    static WS: OnceLock<Arc<Workspace>> = OnceLock::new();
    WS.get_or_init(|| {
        // Relative, so file paths shown in snapshots are the same in every clone.
        let samples = Path::new("samples").to_path_buf();
        let a = analyse(&[samples], &SourceArgs::default(), &Config::default(), &[]).unwrap();
        Arc::new(Workspace::new(a))
    })
    .clone()
}

fn app() -> App {
    let mut app = App::new(Config::default(), Keymap::default(), "default");
    app.update(Action::Loaded(workspace()));
    app
}

fn keys(app: &mut App, cmds: &[Cmd]) {
    for c in cmds {
        app.update(Action::Key(*c));
    }
}

macro_rules! both_sizes {
    ($name:literal, $app:expr) => {
        insta::assert_snapshot!(concat!($name, "_80x24"), screen(&$app, 80, 24));
        insta::assert_snapshot!(concat!($name, "_120x40"), screen(&$app, 120, 40));
    };
}

#[test]
fn first_frame_while_loading() {
    let app = App::new(Config::default(), Keymap::default(), "default");
    let s = screen(&app, 80, 24);
    assert!(s.contains("loading"));
    both_sizes!("loading", app);
}

#[test]
fn queue_and_timeline_of_the_top_person() {
    let app = app();
    assert_eq!(app.selected_person().as_deref(), Some("H900"));
    assert!(matches!(app.stack.last(), Some(View::Timeline(_))));
    both_sizes!("timeline", app);
}

#[test]
fn entity_travel_and_findings_views() {
    let mut app = app();
    keys(&mut app, &[Cmd::Entity]);
    both_sizes!("entity", app);
    keys(&mut app, &[Cmd::Travel]);
    let s = screen(&app, 120, 40);
    assert!(
        s.contains("impossible") && s.contains("impossible hops per week since hire"),
        "{s}"
    );
    both_sizes!("travel", app);
    keys(&mut app, &[Cmd::Findings]);
    both_sizes!("findings", app);
}

#[test]
fn findings_drill_to_evidence_and_detail_then_back() {
    let mut app = app();
    keys(&mut app, &[Cmd::Findings, Cmd::Enter]);
    assert!(
        matches!(app.stack.last(), Some(View::Evidence(_))),
        "Enter on a finding opens its evidence"
    );
    both_sizes!("evidence", app);
    keys(&mut app, &[Cmd::Enter]);
    assert!(matches!(app.stack.last(), Some(View::Detail(_))));
    let s = screen(&app, 120, 40);
    assert!(s.contains("row") && s.contains("Timestamp"), "{s}");
    both_sizes!("detail", app);
    keys(&mut app, &[Cmd::Back, Cmd::Back]);
    assert!(matches!(app.stack.last(), Some(View::Findings(_))));
    assert!(!app.quit);
}

#[test]
fn pivot_on_an_ip_opens_everyone_who_touched_it() {
    let mut app = app();
    keys(&mut app, &[Cmd::NextPane, Cmd::Pivot]);
    let Overlay::Picker(menu) = &app.overlay else {
        panic!("a row with an IP, an account and a device offers a menu")
    };
    assert_eq!(menu.items[0].0, "IP 175.45.176.23");
    assert!(menu.items.iter().any(|(l, _)| l.starts_with("account ")));
    keys(&mut app, &[Cmd::Enter]);
    let Some(View::Pivot(PivotView {
        key, people, rows, ..
    })) = app.stack.last()
    else {
        panic!("no pivot view")
    };
    assert_eq!(key.label(), "IP 175.45.176.23");
    assert!(
        people.len() >= 3,
        "the operator's address was used by several personas: {people:?}"
    );
    assert!(rows.iter().all(|r| r.ip == "175.45.176.23"));
    both_sizes!("pivot", app);
    keys(&mut app, &[Cmd::Back]);
    assert!(matches!(app.stack.last(), Some(View::Timeline(_))));
}

#[test]
fn queue_navigation_and_quit_rules() {
    let mut app = app();
    keys(&mut app, &[Cmd::Down, Cmd::Down]);
    assert_eq!(app.queue, 2);
    keys(&mut app, &[Cmd::Bottom]);
    assert_eq!(app.queue, workspace().analysis.ranked.len() - 1);
    keys(&mut app, &[Cmd::Top, Cmd::PageDown]);
    assert_eq!(app.queue, 10);
    keys(&mut app, &[Cmd::NextPane]);
    assert_eq!(app.focus, Focus::Main);
    keys(&mut app, &[Cmd::Back]);
    assert_eq!(
        app.focus,
        Focus::Queue,
        "q at a root view returns to the queue first"
    );
    keys(&mut app, &[Cmd::Back]);
    assert!(
        !app.quit,
        "q at the root does not quit (a pivot or threshold would be lost)"
    );
    assert!(app.message.contains("Q quits"), "{}", app.message);
    let mut app2 = self::app();
    keys(&mut app2, &[Cmd::Findings, Cmd::Enter, Cmd::Quit]);
    assert!(app2.quit, "Q quits from anywhere");
}

#[test]
fn help_names_every_view_and_key() {
    let mut app = app();
    keys(&mut app, &[Cmd::Help]);
    let s = screen(&app, 120, 40);
    for word in [
        "timeline", "entity", "travel", "findings", "pivot", "C-f", "C-c",
    ] {
        assert!(s.contains(word), "help lacks {word}");
    }
    both_sizes!("help", app);
    // At 80x24 the list is longer than the screen: scrolling reaches its last command, and
    // stops at the last page (not past it, onto an empty screen).
    assert!(!screen(&app, 80, 24).contains("suspend to the shell"));
    keys(&mut app, &[Cmd::Bottom]);
    let last = Keymap::default().bindings.last().unwrap().description;
    let head: String = last.chars().take(28).collect();
    assert!(
        screen(&app, 80, 24).contains(&head),
        "{head}: {}",
        screen(&app, 80, 24)
    );
    keys(&mut app, &[Cmd::Back]);
    assert!(matches!(app.overlay, Overlay::None));
}

#[test]
fn search_finder_and_palette() {
    let mut app = app();
    keys(&mut app, &[Cmd::Search]);
    for c in "docusign".chars() {
        app.update(Action::Input(c));
    }
    app.update(Action::Submit);
    let Some(View::Timeline(t)) = app.stack.last() else {
        panic!()
    };
    assert_eq!(t.current().unwrap().app, "DocuSign");
    keys(&mut app, &[Cmd::SearchNext]);
    keys(&mut app, &[Cmd::Finder]);
    for c in "alex morgan".chars() {
        app.update(Action::Input(c));
    }
    both_sizes!("finder", app);
    app.update(Action::Submit);
    assert_eq!(app.selected_person().as_deref(), Some("H901"));
    keys(&mut app, &[Cmd::Palette]);
    for c in "set threshold travel_min_kmh".chars() {
        app.update(Action::Input(c));
    }
    app.update(Action::Submit);
    assert!(matches!(app.overlay, Overlay::Prompt { .. }));
    for c in "700".chars() {
        app.update(Action::Input(c));
    }
    app.update(Action::Submit);
    assert_eq!(app.config.travel_min_kmh, 700.0);
}

#[test]
fn live_detectors_latest_request_wins_and_cancel() {
    let mut app = app();
    keys(&mut app, &[Cmd::RunAll]);
    keys(&mut app, &[Cmd::RunAll]);
    assert_eq!(app.requests.len(), 2);
    let reqs = std::mem::take(&mut app.requests);
    let ws = workspace();
    // The superseded run stops and reports nothing; the app waits for the newest.
    assert!(hirescope::ui::detect_job(&ws, &reqs[0]).is_none());
    assert!(app.job.is_some());
    let new = hirescope::ui::detect_job(&ws, &reqs[1]).unwrap();
    app.update(new);
    assert!(app.job.is_none());
    assert!(
        app.message.contains("findings over whole data set"),
        "{}",
        app.message
    );
    // Person scope, then cancel before the result arrives.
    keys(&mut app, &[Cmd::Scope, Cmd::RunAll, Cmd::Cancel]);
    let req = app.requests.pop().unwrap();
    assert!(
        hirescope::ui::detect_job(&ws, &req).is_none(),
        "a cancelled run stops"
    );
    assert!(app.message.contains("cancelled"), "{}", app.message);
}

#[test]
fn too_small_terminal_says_so() {
    let app = app();
    let s = screen(&app, 60, 20);
    assert!(s.contains("terminal too small"));
}

#[test]
fn hostile_text_is_made_visible() {
    let raw = "Bob\x1b]0;pwned\x07\x1b[2J\u{202e}";
    let safe = hirescope::sanitize::visible(raw);
    let mut t = Terminal::new(TestBackend::new(40, 1)).unwrap();
    t.draw(|f| f.render_widget(ratatui::widgets::Paragraph::new(safe.to_string()), f.area()))
        .unwrap();
    let row: String = (0..40)
        .map(|x| t.backend().buffer()[(x, 0)].symbol().to_string())
        .collect();
    assert!(
        !row.contains('\x1b') && !row.contains('\u{202e}'),
        "{row:?}"
    );
    assert!(row.starts_with("Bob␛]0;pwned␇␛[2J"), "{row:?}");
}

#[test]
fn findings_arriving_after_the_people_keep_the_analysts_place() {
    let full = workspace();
    let mut bare = full.analysis.clone();
    bare.findings.clear();
    bare.ranked = hirescope::score::rank(&bare.model.people, &[]);
    // Untouched, the workbench opens on the top of the ranked queue once findings arrive.
    let mut idle = App::new(Config::default(), Keymap::default(), "default");
    idle.update(Action::Loaded(Arc::new(Workspace::new(bare.clone()))));
    idle.update(Action::Loaded(full.clone()));
    assert_eq!(idle.selected_person().as_deref(), Some("H900"));
    let mut app = App::new(Config::default(), Keymap::default(), "default");
    app.update(Action::Loaded(Arc::new(Workspace::new(bare))));
    assert!(
        !app.stack.is_empty(),
        "the people and their timelines appear before the findings"
    );
    // The analyst picks Daniel Kim and drills into a row while the detectors run.
    let at = app
        .ws
        .as_ref()
        .unwrap()
        .analysis
        .ranked
        .iter()
        .position(|r| r.person.key == "H900")
        .unwrap();
    app.queue = at;
    app.update(Action::Key(Cmd::Timeline));
    app.update(Action::Key(Cmd::Enter));
    assert_eq!(app.stack.len(), 2);
    app.update(Action::Loaded(full.clone()));
    assert_eq!(
        app.selected_person().as_deref(),
        Some("H900"),
        "the same person stays selected"
    );
    assert_eq!(app.stack.len(), 2, "the drilled view stays open");
    let Some(View::Timeline(TimelineView { rows, .. })) = app.stack.first() else {
        panic!()
    };
    assert!(
        rows.iter().any(|r| r.flagged > 0),
        "the rebuilt timeline flags cited rows"
    );
}

#[test]
fn phases_mark_the_hiring_story_and_staff_have_none() {
    use hirescope::workspace::phase;
    assert_eq!(phase(10, Some(5), "hired", "MessageSent"), "post-hire");
    assert_eq!(
        phase(1, Some(5), "hired", "hrrecruiting/resumes/1"),
        "pre-recruitment"
    );
    assert_eq!(
        phase(1, None, "candidate", "MeetingParticipantDetail"),
        "recruiting"
    );
    assert_eq!(phase(1, None, "staff", "MailItemsAccessed"), "-");
}

/// Every view and overlay of a person whose every field is hostile renders only printable text:
/// no control character, escape sequence or bidi override reaches the terminal's buffer.
#[test]
fn hostile_values_never_reach_the_terminal_in_any_view() {
    use super::support::{dangerous, hostile_dir, HOSTILE};
    let dir = hostile_dir();
    let ws = workspace_of(&dir);
    assert!(
        ws.analysis.model.events.height() >= 4,
        "the hostile rows are kept: {:?}",
        ws.analysis.data.files
    );
    let mut app = App::new(Config::default(), Keymap::default(), "default");
    app.update(Action::Loaded(ws));
    let check = |app: &App, what: &str| {
        for (w, h) in [(80, 24), (120, 40)] {
            let s = screen(app, w, h);
            let bad: Vec<char> = s.chars().filter(|c| dangerous(*c)).collect();
            assert!(bad.is_empty(), "{what} at {w}x{h} shows {bad:?}:\n{s}");
        }
    };
    check(&app, "queue and timeline");
    let s = screen(&app, 120, 40);
    assert!(
        s.contains("Eve␛]0;PWNED␇"),
        "the hostile name is shown, inert:\n{s}"
    );
    // The row whose object name held a NUL is kept, and its detail says what was done.
    let mut flagged = false;
    for downs in 0..4 {
        let mut app = App::new(Config::default(), Keymap::default(), "default");
        app.update(Action::Loaded(workspace_of(&dir)));
        keys(&mut app, &[Cmd::NextPane]);
        keys(&mut app, &vec![Cmd::Down; downs]);
        keys(&mut app, &[Cmd::Enter]);
        flagged |= screen(&app, 120, 40).contains("! neutralised to keep this row: ObjectName");
    }
    assert!(flagged, "no detail said the NUL was neutralised");
    let walks: &[(&str, &[Cmd])] = &[
        ("timeline detail", &[Cmd::NextPane, Cmd::Enter]),
        ("entity", &[Cmd::Entity]),
        ("travel", &[Cmd::Travel]),
        ("findings", &[Cmd::Findings]),
        ("evidence", &[Cmd::Findings, Cmd::Enter]),
        ("evidence detail", &[Cmd::Findings, Cmd::Enter, Cmd::Enter]),
        ("pivot menu", &[Cmd::NextPane, Cmd::Pivot]),
        ("pivot", &[Cmd::NextPane, Cmd::Pivot, Cmd::Enter]),
        ("help", &[Cmd::Help]),
        ("finder", &[Cmd::Finder]),
        ("detail end", &[Cmd::NextPane, Cmd::Enter, Cmd::Bottom]),
        ("palette", &[Cmd::Palette]),
    ];
    for (what, cmds) in walks {
        let mut app = App::new(Config::default(), Keymap::default(), "default");
        app.update(Action::Loaded(workspace_of(&dir)));
        keys(&mut app, cmds);
        check(&app, what);

        // Typed text is data too: a search for the hostile text shows it inert.
        app.update(Action::Key(Cmd::Back));
        app.update(Action::Key(Cmd::Search));
        for c in HOSTILE.chars() {
            app.update(Action::Input(c));
        }
        check(&app, &format!("{what} with a hostile search"));
    }
}

/// A cancelled (or superseded) detector run stops between detectors and reports nothing.
#[test]
fn a_cancelled_detector_run_stops_and_reports_nothing() {
    use hirescope::ui::app::{Request, Scope};
    use std::sync::atomic::{AtomicU64, Ordering};
    let ws = workspace();
    let latest = Arc::new(AtomicU64::new(1));
    let req = |latest: &Arc<AtomicU64>| Request::RunDetectors {
        ids: Vec::new(),
        scope: Scope::All,
        person: None,
        pivot: None,
        config: Box::new(Config::default()),
        generation: 1,
        latest: latest.clone(),
    };
    assert!(hirescope::ui::detect_job(&ws, &req(&latest)).is_some());
    latest.store(2, Ordering::SeqCst);
    assert!(hirescope::ui::detect_job(&ws, &req(&latest)).is_none());
    // The app's own Cancel moves the generation the running job reads.
    let mut app = app();
    keys(&mut app, &[Cmd::RunAll]);
    let seen = app.latest.load(Ordering::SeqCst);
    keys(&mut app, &[Cmd::Cancel]);
    assert_eq!(app.latest.load(Ordering::SeqCst), seen + 1);
}

/// The travel view and the impossible-travel finding count the same hops (one hops rule).
#[test]
fn travel_view_agrees_with_the_impossible_travel_finding() {
    let ws = workspace();
    for f in ws
        .analysis
        .findings
        .iter()
        .filter(|f| f.detector == "impossible-travel")
    {
        let t = hirescope::workspace::travel::travel(&ws, &f.person, &Config::default());
        let impossible = t
            .hops
            .iter()
            .filter(|h| {
                h.verdict.eq_ignore_ascii_case("impossible") || h.verdict == "impossible (VPN)"
            })
            .count();
        assert_eq!(
            Some(impossible as u64),
            f.figures["impossible_pairs"].as_u64(),
            "{}: view {impossible} vs finding {}",
            f.person,
            f.figures["impossible_pairs"]
        );
    }
}

/// Notes, marks and dispositions from keys and from the palette's typed commands, saved on every
/// change, shown in the queue, filterable, and restored with the session in a new app.
#[test]
fn case_work_is_recorded_saved_and_restored() {
    use hirescope::case::{self, Disposition, Target};
    use hirescope::ui::app::CaseBook;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.json");
    let mut app = app();
    app.update(Action::CaseOpened(CaseBook {
        state: case::CaseState::new("t"),
        path: Some(path.clone()),
    }));
    let typed = |app: &mut App, text: &str| {
        app.update(Action::Key(Cmd::Palette));
        for c in text.chars() {
            app.update(Action::Input(c));
        }
        app.update(Action::Submit);
    };
    typed(&mut app, "note voice did not match the interview");
    assert!(
        app.message.contains("note on person H900 (saved)"),
        "{}",
        app.message
    );
    typed(&mut app, "disposition escalated");
    assert_eq!(app.disposition_of("H900"), Some(Disposition::Escalated));
    // A row: the first of the timeline, marked and noted with keys.
    keys(&mut app, &[Cmd::NextPane, Cmd::Mark]);
    assert!(
        app.message.starts_with("marked CloudAppEvents row"),
        "{}",
        app.message
    );
    keys(&mut app, &[Cmd::Note]);
    assert!(matches!(app.overlay, Overlay::Note { .. }));
    for c in "first call from the actor range".chars() {
        app.update(Action::Input(c));
    }
    app.update(Action::Submit);
    // The disposition picker.
    keys(&mut app, &[Cmd::NextPane, Cmd::Disposition]);
    let Overlay::Picker(p) = &app.overlay else {
        panic!("no disposition picker")
    };
    assert_eq!(p.items.len(), 4);
    keys(&mut app, &[Cmd::Down, Cmd::Down, Cmd::Down, Cmd::Enter]);
    assert_eq!(app.disposition_of("H900"), Some(Disposition::Confirmed));
    let saved = case::load(&path, "t").unwrap();
    assert_eq!(saved.notes.len(), 2);
    assert_eq!(saved.marks.len(), 1);
    assert_eq!(saved.dispositions["H900"].len(), 2);
    assert!(matches!(saved.notes[1].target, Target::Row { .. }));
    // The queue shows the disposition and the note marker.
    let s = screen(&app, 120, 40);
    assert!(s.contains("[confirmed] ✎ hired"), "{s}");
    // Filtered by disposition: only Daniel.
    typed(&mut app, "filter disposition=confirmed");
    assert_eq!(app.queue_rows().len(), 1);
    assert!(screen(&app, 120, 40).contains("people: disposition confirmed"));
    typed(&mut app, "filter stage=candidate");
    assert!(app.queue_rows().len() > 1);
    let ws = workspace();
    assert!(app
        .queue_rows()
        .iter()
        .all(|&i| ws.analysis.ranked[i].person.stage.name() == "candidate"));
    typed(&mut app, "filter");
    // Session: pick another person and a pivot, change a threshold, then "quit".
    keys(&mut app, &[Cmd::Down, Cmd::Entity]);
    let person = app.selected_person().unwrap();
    app.config.set("travel_min_kmh=800").unwrap();
    app.save_session();
    let mut next = App::new(Config::default(), Keymap::default(), "default");
    next.update(Action::Loaded(workspace()));
    next.update(Action::CaseOpened(CaseBook {
        state: case::load(&path, "t").unwrap(),
        path: Some(path.clone()),
    }));
    assert_eq!(next.selected_person(), Some(person));
    assert!(matches!(next.stack.first(), Some(View::Entity(_))));
    assert_eq!(next.config.travel_min_kmh, 800.0);
    assert_eq!(next.disposition_of("H900"), Some(Disposition::Confirmed));
}

#[test]
fn load_report_view_and_copy() {
    let mut app = app();
    keys(&mut app, &[Cmd::LoadReport]);
    let s = screen(&app, 120, 40);
    assert!(
        s.contains("what was read") && s.contains("samples/hr_roster.csv"),
        "{s}"
    );
    keys(&mut app, &[Cmd::Back, Cmd::Copy]);
    assert!(
        matches!(app.requests.last(), Some(hirescope::ui::app::Request::Copy(t)) if t.contains("hrrecruiting") || t.contains('\t')),
        "{:?}",
        app.requests.len()
    );
    assert!(app.message.contains("OSC 52"));
}

/// The same on a hand-built person whose impossible hops have corporate-egress rows between
/// them: neither the view nor the detector pairs across (or with) the corporate rows.
#[test]
fn travel_view_agrees_with_the_finding_across_corporate_rows() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("roster.csv"),
        "person_id,name,stage,upn,hire_date,work_country\nH1,Pat,hired,pat@contoso.example,2026-09-01,US\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("cae.csv"),
        "Timestamp,Application,ActionType,AccountId,IPAddress,CountryCode,City,IPCategory\n\
2026-07-01T09:00:00Z,Microsoft Teams,MessageSent,sam@contoso.example,52.160.10.21,US,Seattle,Corporate\n\
2026-09-02T09:00:00Z,Microsoft Teams,MessageSent,pat@contoso.example,73.42.118.9,US,Seattle,\n\
2026-09-02T09:10:00Z,Microsoft Teams,MessageSent,pat@contoso.example,52.160.10.21,GB,London,Corporate\n\
2026-09-02T09:20:00Z,Microsoft Teams,MessageSent,pat@contoso.example,103.97.42.18,CN,Shenyang,\n\
2026-09-02T09:30:00Z,Microsoft Teams,MessageSent,pat@contoso.example,52.160.10.22,JP,Tokyo,Corporate\n\
2026-09-02T09:40:00Z,Microsoft Teams,MessageSent,pat@contoso.example,73.42.118.9,US,Seattle,\n",
    )
    .unwrap();
    let a = analyse(
        &[dir.path().to_path_buf()],
        &SourceArgs::default(),
        &Config::default(),
        &[],
    )
    .unwrap();
    let f = a
        .findings
        .iter()
        .find(|f| f.detector == "impossible-travel" && f.person == "H1")
        .cloned()
        .expect("an impossible-travel finding");
    let ws = Workspace::new(a);
    let t = hirescope::workspace::travel::travel(&ws, "H1", &Config::default());
    let impossible = t
        .hops
        .iter()
        .filter(|h| h.verdict == "impossible" || h.verdict == "impossible (VPN)")
        .count();
    assert_eq!(
        impossible, 2,
        "Seattle -> Shenyang -> Seattle: {:?}",
        t.hops
    );
    assert_eq!(f.figures["impossible_pairs"].as_u64(), Some(2));
    assert!(t
        .hops
        .iter()
        .all(|h| !h.from_place.contains("London") && !h.to_place.contains("Tokyo")));
}

#[test]
fn small_defects_of_the_first_walk() {
    // G in a row's detail shows the last page, not one line.
    let mut app = app();
    keys(&mut app, &[Cmd::NextPane, Cmd::Enter, Cmd::Bottom]);
    let s = screen(&app, 120, 40);
    let shown = s
        .lines()
        .filter(|l| l.contains("│") && l.trim_matches(|c| c == '│' || c == ' ').len() > 2)
        .count();
    assert!(shown > 20, "a page of the detail is shown:\n{s}");
    // The finder says when nothing matched.
    let mut app = self::app();
    keys(&mut app, &[Cmd::Finder]);
    for c in "zzzzqqqxx".chars() {
        app.update(Action::Input(c));
    }
    assert!(screen(&app, 120, 40).contains("nothing matches"));
    // Palette labels do not say the command's name twice.
    let mut app = self::app();
    keys(&mut app, &[Cmd::Palette]);
    let Overlay::Picker(p) = &app.overlay else {
        panic!()
    };
    assert!(p
        .items
        .iter()
        .all(|(l, _)| !l.starts_with("timeline: timeline")));
    // C-c with no job says so.
    let mut app = self::app();
    keys(&mut app, &[Cmd::Cancel]);
    assert_eq!(app.message, "no detector job is running");
}

/// Nothing on screen is shorter than it is without saying so: in the entity view and the
/// timeline, at 80x24, 120x40 and 200x50, every value is shown whole or cut with `…`; the GUID and
/// e-mail identifiers are whole from 120 columns.
#[test]
fn clipped_values_end_in_an_ellipsis_and_identifiers_are_whole() {
    let ws = workspace();
    let shown_or_marked = |screen: &str, value: &str| {
        screen.contains(value)
            || (1..value.chars().count()).rev().any(|k| {
                let prefix: String = value.chars().take(k).collect();
                screen.contains(&format!("{prefix}…"))
            })
    };
    // Wrapped: every piece of the value on consecutive lines.
    let wrapped = |screen: &str, value: &str| {
        screen.contains(value)
            || (4..value.chars().count()).any(|k| {
                let chars: Vec<char> = value.chars().collect();
                chars
                    .chunks(k)
                    .all(|c| screen.contains(&c.iter().collect::<String>()))
            })
    };
    for (w, h) in [(80, 24), (120, 40), (200, 50)] {
        let mut app = app();
        keys(&mut app, &[Cmd::Entity]);
        let s = screen(&app, w, h);
        let rows = hirescope::workspace::entities::entities(&ws, "H900");
        for r in rows.iter().take((h as usize).saturating_sub(14)) {
            if matches!(r.kind, "identifier" | "ip" | "device") {
                assert!(wrapped(&s, &r.value), "{} is cut at {w}x{h}:\n{s}", r.value);
            } else {
                // Long free text (a user agent) wraps a few lines, then ends in `…`.
                let head: String = r.value.chars().take(8).collect();
                assert!(s.contains(&head), "{} missing at {w}x{h}", r.value);
                assert!(
                    wrapped(&s, &r.value) || s.contains('…'),
                    "{} cut without … at {w}x{h}",
                    r.value
                );
            }
        }
        for id in [
            "a11e0767-b94e-48f8-a412-b666ca29a063",
            "daniel.kim@contoso.example",
        ] {
            assert!(wrapped(&s, id), "{id} whole (or wrapped) at {w}x{h}:\n{s}");
            if w >= 120 {
                assert!(s.contains(id), "{id} on one line at {w}x{h}:\n{s}");
            }
        }
        let mut app = self::app();
        keys(&mut app, &[Cmd::Timeline]);
        let s = screen(&app, w, h);
        for r in hirescope::workspace::timeline(&ws, "H900").iter().take(5) {
            assert!(
                s.contains(&r.ip),
                "the address {} is whole at {w}x{h}",
                r.ip
            );
            let what = format!("{} · {}", r.action, r.object);
            assert!(
                shown_or_marked(&s, &what),
                "{what} cut without … at {w}x{h}:\n{s}"
            );
        }
    }
}

/// Enter on a travel hop opens the two events it joins.
#[test]
fn a_travel_hop_opens_its_two_events() {
    let mut app = app();
    keys(&mut app, &[Cmd::Travel, Cmd::Enter]);
    let Some(View::Evidence(EvidenceView { rows, title, .. })) = app.stack.last() else {
        panic!("Enter on a hop opens its events")
    };
    assert_eq!(rows.len(), 2, "{title}");
    assert!(title.starts_with("hop "), "{title}");
}

/// Scopes: "this pivot" only while a pivot is open; "this person" skips the detectors that
/// compare people, and says so.
#[test]
fn scopes_say_what_they_run() {
    use hirescope::ui::app::{Request, Scope};
    let mut app = app();
    keys(&mut app, &[Cmd::Scope]);
    assert_eq!(app.scope, Scope::Person);
    keys(&mut app, &[Cmd::Scope]);
    assert_eq!(
        app.scope,
        Scope::All,
        "no pivot open: this pivot is not offered"
    );
    keys(&mut app, &[Cmd::Scope, Cmd::RunAll]);
    assert!(
        app.message
            .contains("skipped the detectors that compare people"),
        "{}",
        app.message
    );
    let Some(Request::RunDetectors { ids, .. }) = app.requests.last() else {
        panic!("a run was requested")
    };
    assert!(!ids.is_empty());
    for d in hirescope::detect::CROSS_PERSON {
        assert!(!ids.iter().any(|i| i == d), "{d} runs over one person");
    }
    keys(
        &mut app,
        &[Cmd::NextPane, Cmd::Pivot, Cmd::Enter, Cmd::Scope],
    );
    assert_eq!(
        app.scope,
        Scope::Pivot,
        "with a pivot open, this pivot is offered"
    );
}

/// The model takes the tables' canonical columns: a table keeps its vendor columns (for the
/// detail view and vendor alerts), and the detail's derived part comes from the events frame.
#[test]
fn tables_hold_only_what_the_events_frame_does_not() {
    let ws = workspace();
    for (kind, df) in &ws.analysis.data.tables {
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        for held in [
            "ts",
            "account",
            "ip",
            "app",
            "action",
            "user_agent",
            "detail",
        ] {
            assert!(
                !names.iter().any(|n| n == held),
                "{kind} still holds {held}: {names:?}"
            );
        }
        for kept in ["row", "file", "line"] {
            assert!(
                names.iter().any(|n| n == kept),
                "{kind} lost {kept}: {names:?}"
            );
        }
    }
    let lines = hirescope::workspace::detail::detail(&ws, "EntraIdSignInEvents", 973);
    for expected in [
        "AccountUpn: daniel.kim@contoso.example",
        "ts: 2026-09-08T15:26:00Z",
        "ip: 103.97.42.18",
        "city: Shenyang",
    ] {
        assert!(
            lines.iter().any(|l| l == expected),
            "{expected} in {lines:#?}"
        );
    }
}
