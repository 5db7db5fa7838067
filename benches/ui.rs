//! Keypress to finished frame with a large data set loaded: scrolling, switching views and pivots,
//! each driven through App::update and rendered into ratatui's TestBackend at 120x40.
//! Prints p50 and p99 per interaction. Run: `cargo bench --bench ui` (HIRESCOPE_BENCH_EVENTS sets
//! the size, default 1,000,000).

use hirescope::cli::{analyse, SourceArgs};
use hirescope::detect::Config;
use hirescope::ui::app::{Action, App};
use hirescope::ui::keymap::{Cmd, Keymap};
use hirescope::ui::theme::Theme;
use hirescope::workspace::Workspace;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let events: usize = std::env::var("HIRESCOPE_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-data/sample-{events}"));
    hirescope::sample::ensure(&dir, events).unwrap();
    let t0 = Instant::now();
    let ws = Arc::new(Workspace::new(
        analyse(&[dir], &SourceArgs::default(), &Config::default(), &[]).unwrap(),
    ));
    println!(
        "{} events loaded, linked and detected in {:.2?}; peak resident {} MiB, resident now {} MiB",
        ws.analysis.data.rows(),
        t0.elapsed(),
        hirescope::memory::peak().unwrap_or(0) >> 20,
        hirescope::memory::resident().unwrap_or(0) >> 20,
    );
    let theme = Theme::load("default", true).unwrap();
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    // The first frame: drawn before anything is loaded.
    let blank = App::new(Config::default(), Keymap::default(), "default");
    let t = Instant::now();
    term.draw(|f| hirescope::ui::render::draw(f, &blank, &theme))
        .unwrap();
    println!("first frame (nothing loaded yet): {:.2?}", t.elapsed());
    let mut app = App::new(Config::default(), Keymap::default(), "default");
    let t = Instant::now();
    app.update(Action::Loaded(ws.clone()));
    term.draw(|f| hirescope::ui::render::draw(f, &app, &theme))
        .unwrap();
    println!("frame after the data arrives: {:.2?}", t.elapsed());
    let scenarios: &[(&str, &[Cmd])] = &[
        ("scroll timeline (j)", &[Cmd::Down]),
        ("scroll queue (j), person view rebuilt", &[Cmd::Down]),
        (
            "switch view (v travel, t timeline)",
            &[Cmd::Travel, Cmd::Timeline],
        ),
        ("switch view (e entity)", &[Cmd::Entity]),
        (
            "pivot on the top person's IP and back (p, Enter, q)",
            &[Cmd::Pivot, Cmd::Enter, Cmd::Back],
        ),
        (
            "pivot on office egress (~1/5 of rows), back",
            &[Cmd::Pivot, Cmd::Enter, Cmd::Back],
        ),
        (
            "row detail (vendor columns read back), back",
            &[Cmd::Enter, Cmd::Back],
        ),
    ];
    for (name, cmds) in scenarios {
        let mut times = Vec::new();
        for i in 0..60 {
            if name.starts_with("scroll timeline") && i == 0 {
                app.update(Action::Key(Cmd::Timeline));
            }
            if name.starts_with("scroll queue") {
                app.focus = hirescope::ui::app::Focus::Queue;
                if i % 8 == 0 {
                    app.update(Action::Key(Cmd::Top));
                }
            }
            if name.starts_with("pivot on the top") {
                app.focus = hirescope::ui::app::Focus::Queue;
                app.update(Action::Key(Cmd::Top));
                app.update(Action::Key(Cmd::Timeline));
                app.update(Action::Key(Cmd::NextPane));
            }
            if name.starts_with("pivot on office") && i == 0 {
                // A staff member's first row is at the office: its IP is shared by everyone there.
                let staff = ws
                    .analysis
                    .ranked
                    .iter()
                    .position(|r| r.person.stage == hirescope::model::Stage::Staff)
                    .unwrap_or(0);
                app.focus = hirescope::ui::app::Focus::Queue;
                app.update(Action::Key(Cmd::Top));
                for _ in 0..staff {
                    app.update(Action::Key(Cmd::Down));
                }
                app.update(Action::Key(Cmd::Timeline));
                app.update(Action::Key(Cmd::NextPane));
            }
            if name.starts_with("row detail") {
                // A different row each time: each read back decodes its own row group.
                app.focus = hirescope::ui::app::Focus::Queue;
                app.update(Action::Key(Cmd::Top));
                app.update(Action::Key(Cmd::Timeline));
                app.update(Action::Key(Cmd::NextPane));
                for _ in 0..i * 7 {
                    app.update(Action::Key(Cmd::Down));
                }
            }
            for c in cmds.iter() {
                let t = Instant::now();
                app.update(Action::Key(*c));
                term.draw(|f| hirescope::ui::render::draw(f, &app, &theme))
                    .unwrap();
                times.push(t.elapsed());
            }
        }
        let p50 = percentile(&mut times, 0.5);
        let p99 = percentile(&mut times, 0.99);
        println!(
            "{name:<42} p50 {p50:>10.2?}  p99 {p99:>10.2?}  (n={})",
            times.len()
        );
    }
}
