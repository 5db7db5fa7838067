//! The workbench: one tokio loop over terminal input, background job results and a slow tick.
//! Keys become actions, state changes only in `App::update`, the screen is redrawn only after
//! something changed, and Polars work runs on the blocking pool so typing never waits.

pub mod app;
pub mod jobs;
pub mod keymap;
pub mod overlays;
pub mod render;
pub mod theme;
pub mod views;

pub use jobs::detect_job;

use crate::detect::Config;
use crate::settings::Settings;
use app::{Action, App, Request};
use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use futures::StreamExt;
use keymap::{Cmd, Keymap};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::time::{Duration, Instant};

fn colour_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Puts the terminal back as the shell had it.
fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

fn setup() -> std::io::Result<()> {
    enable_raw_mode()?;
    execute!(
        std::io::stdout(),
        EnterAlternateScreen,
        crossterm::cursor::Hide
    )
}

/// The workbench over `inputs`, with the user's settings. Takes no command-line types: the CLI
/// (or a test) decides what to read and how.
pub fn run(inputs: crate::ingest::Inputs, settings: Settings) -> anyhow::Result<i32> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(crate::failure::Failure::usage(
            "the workbench needs a terminal on standard input and output; to write to a file or a pipe, use `hirescope people` or `hirescope detect`".into(),
        )
        .into());
    }
    let config = settings.config.clone();
    let keymap = Keymap::default().with_overrides(&settings.keys)?;
    let theme_name = settings.theme.clone();
    theme::Theme::load(&theme_name, colour_allowed())?;
    // A panic must not leave the analyst's terminal in raw mode, nor a process running on behind
    // a shell that looks free: restore the terminal, say what happened, and end. Panics inside a
    // catch region (a file being read, a background job) are that work's error instead.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if crate::panics::catching_here()
            || crate::panics::catching_anywhere() && !crate::panics::is_main_thread()
        {
            return;
        }
        restore();
        previous(info);
        std::process::exit(101);
    }));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    setup()?;
    let result = rt.block_on(event_loop(inputs, config, keymap, theme_name));
    restore();
    // Loading or a detector run may still be going on the blocking pool: it is abandoned, not
    // awaited, so the process ends at once.
    rt.shutdown_background();
    result
}

fn key_action(app: &App, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if app.overlay.is_typing() {
        return Some(
            match (key.code, key.modifiers.contains(KeyModifiers::CONTROL)) {
                (KeyCode::Esc, _) => Action::Key(Cmd::Back),
                (KeyCode::Enter, _) => Action::Submit,
                (KeyCode::Backspace, _) => Action::Backspace,
                (KeyCode::Down, _) => Action::Key(Cmd::Down),
                (KeyCode::Up, _) => Action::Key(Cmd::Up),
                (KeyCode::Char('c'), true) => Action::Key(Cmd::Cancel),
                (KeyCode::Char(c), false) => Action::Input(c),
                _ => return None,
            },
        );
    }
    app.keymap.lookup(&key).map(Action::Key)
}

async fn event_loop(
    inputs: crate::ingest::Inputs,
    config: Config,
    keymap: Keymap,
    theme_name: String,
) -> anyhow::Result<i32> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    terminal.clear()?;
    let mut app = App::new(config.clone(), keymap, &theme_name);
    let mut theme = theme::Theme::load(&theme_name, colour_allowed())?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Action>();
    {
        let tx = tx.clone();
        tokio::task::spawn_blocking(move || jobs::load(inputs, config, tx));
    }
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    // Every signal that ends a program ends this one cleanly: the terminal is restored by `run`.
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut quit = signal(SignalKind::quit())?;
    let start = Instant::now();
    let mut dirty = true;
    let size = terminal.size()?;
    app.update(Action::Resize {
        width: size.width,
        height: size.height,
    });
    let code = loop {
        if dirty {
            if app.theme_name != theme.name {
                theme = theme::Theme::load(&app.theme_name, colour_allowed()).unwrap_or(theme);
            }
            terminal.draw(|f| render::draw(f, &app, &theme))?;
            dirty = false;
        }
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) => {
                    // The clock as the key arrives: a job it starts times itself from here.
                    app.now_ms = start.elapsed().as_millis() as u64;
                    if let Some(a) = key_action(&app, k) {
                        app.update(a);
                        dirty = true;
                    }
                }
                Some(Ok(Event::Resize(width, height))) => {
                    terminal.autoresize()?;
                    app.update(Action::Resize { width, height });
                    dirty = true;
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break 0,
            },
            Some(a) = rx.recv() => {
                app.update(a);
                dirty = true;
            }
            _ = tick.tick() => {
                // The tick only animates a spinner: idle screens are never redrawn.
                if app.loading.is_some() || app.job.is_some() {
                    app.update(Action::Tick(start.elapsed().as_millis() as u64));
                    dirty = true;
                }
            }
            _ = term.recv() => { app.save_session(); break 143 }
            _ = hup.recv() => { app.save_session(); break 129 }
            _ = int.recv() => { app.save_session(); break 130 }
            _ = quit.recv() => { app.save_session(); break 131 }
        }
        // Drain whatever else is pending before drawing once.
        while let Ok(a) = rx.try_recv() {
            app.update(a);
            dirty = true;
        }
        for req in std::mem::take(&mut app.requests) {
            match req {
                Request::Suspend => {
                    restore();
                    // SAFETY: raising SIGTSTP on ourselves stops the process like the shell's ^Z would.
                    unsafe {
                        libc::raise(libc::SIGTSTP);
                    }
                    setup()?;
                    terminal.clear()?;
                    dirty = true;
                }
                Request::Copy(text) => copy_to_clipboard(&text),
                Request::Report(person) => {
                    if let Some(ws) = app.ws.clone() {
                        let tx = tx.clone();
                        let case = app
                            .case
                            .as_ref()
                            .map(|c| c.state.clone())
                            .unwrap_or_default();
                        let config = app.config.clone();
                        tokio::task::spawn_blocking(move || {
                            let said = crate::panics::catch(|| {
                                jobs::write_report(&ws, &person, &case, &config)
                            })
                            .unwrap_or_else(|p| {
                                format!("the report failed (a bug: please report it): {p}")
                            });
                            let _ = tx.send(Action::Message(said));
                        });
                    }
                }
                Request::Export { name, rows } => {
                    if let Some(ws) = app.ws.clone() {
                        let tx = tx.clone();
                        tokio::task::spawn_blocking(move || {
                            let said =
                                crate::panics::catch(|| jobs::write_export(&ws, &name, &rows))
                                    .unwrap_or_else(|p| {
                                        format!("the export failed (a bug: please report it): {p}")
                                    });
                            let _ = tx.send(Action::Message(said));
                        });
                    }
                }
                req @ Request::RunDetectors { .. } => {
                    if let Some(ws) = app.ws.clone() {
                        let tx = tx.clone();
                        tokio::task::spawn_blocking(move || {
                            let done = crate::panics::catch(|| jobs::detect_job(&ws, &req))
                                .unwrap_or_else(|panic| jobs::failed_job(&req, panic));
                            if let Some(a) = done {
                                let _ = tx.send(a);
                            }
                        });
                    }
                }
            }
        }
        if app.quit {
            app.save_session();
            break 0;
        }
    };
    // Ending must not wait on freeing the investigation (gigabytes at ten million events, over a
    // second of page returns): the process is about to end and the kernel takes it all back.
    std::mem::forget(app);
    std::mem::forget(rx);
    Ok(code)
}

/// Puts text on the analyst's clipboard through the terminal (OSC 52), which works over SSH. The
/// text travels base64-encoded, so nothing in it can act on the terminal.
fn copy_to_clipboard(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "\x1b]52;c;{}\x07", base64(text.as_bytes()));
    let _ = out.flush();
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                s.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}
