//! The real binary in a real terminal (tmux): walk to the top person, open timeline, travel and
//! entity views, pivot on an IP, run the detectors, open help, quit with Q; read the screen with
//! capture-pane at every step, as an analyst would see it.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
    exit_file: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is installed (.ci/run installs it)")
    }

    fn start(width: u16, height: u16) -> Tmux {
        Tmux::start_with(width, height, &[], "default")
    }

    /// The workbench with `args`, in a pane whose shell records the exit code and then the
    /// terminal's mode (`stty -a`), so a test can see what the analyst's shell got back.
    fn start_with(width: u16, height: u16, args: &[&str], name: &str) -> Tmux {
        let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
        let line = format!("'{}' {}", env!("CARGO_BIN_EXE_hirescope"), quoted.join(" "));
        Tmux::start_shell(width, height, "", &line, name)
    }

    /// A pane running `before`, then `line`, then recording its exit code and the terminal's
    /// mode; the pane stays open a while for capture.
    fn start_shell(width: u16, height: u16, before: &str, line: &str, name: &str) -> Tmux {
        let dir = tempfile::tempdir().unwrap();
        let exit_file = dir.path().join("exit");
        let t = Tmux {
            socket: format!("hirescope-e2e-{}-{width}-{name}", std::process::id()),
            exit_file,
            _dir: dir,
        };
        let e = t.exit_file.display();
        // Each pane has a data and a cache directory of its own, so no saved case, session or
        // parse leaks between tests or runs (a test may set its own in `before`).
        let data = t.exit_file.with_extension("data");
        let cmd = format!(
            "export HIRESCOPE_DATA_DIR='{}' HIRESCOPE_CACHE_DIR='{}/cache'; {before}{line}; echo $? > '{e}.tmp'; stty -a > '{e}.stty'; mv '{e}.tmp' '{e}'; sleep 30",
            data.display(),
            data.display()
        );
        let out = t.run(&[
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            &cmd,
        ]);
        assert!(
            out.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "main"]).stdout)
            .into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", "-t", "main", k]);
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Waits until the screen shows `text`, and returns it.
    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "never saw {text:?}; the screen was:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn exit_code(&self) -> Option<String> {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if let Ok(s) = std::fs::read_to_string(&self.exit_file) {
                if !s.trim().is_empty() {
                    return Some(s.trim().to_string());
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }
}

impl Tmux {
    fn format(&self, f: &str) -> String {
        String::from_utf8_lossy(&self.run(&["display-message", "-p", "-t", "main", f]).stdout)
            .trim()
            .to_string()
    }

    /// The pid of the program the pane's shell is running.
    fn child_pid(&self) -> String {
        let pid = self.format("#{pane_pid}");
        let start = Instant::now();
        loop {
            let out = Command::new("pgrep").args(["-P", &pid]).output().unwrap();
            let child = String::from_utf8_lossy(&out.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            if !child.is_empty() {
                return child;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no child of the pane shell"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The terminal as the shell got it back: cooked mode, main screen, cursor shown.
    fn assert_sane(&self) {
        let stty = std::fs::read_to_string(self.exit_file.with_extension("stty")).unwrap();
        assert!(
            stty.split_whitespace().any(|w| w == "icanon")
                && stty.split_whitespace().any(|w| w == "echo"),
            "the shell got a raw terminal back: {stty}"
        );
        assert_eq!(
            self.format("#{alternate_on}"),
            "0",
            "still on the alternate screen"
        );
        assert_eq!(self.format("#{cursor_flag}"), "1", "the cursor is hidden");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

#[test]
fn an_analyst_walks_the_samples_in_a_real_terminal() {
    let t = Tmux::start(120, 40);
    let s = t.wait_for("Daniel Kim");
    assert!(s.contains("people (risk)"), "{s}");
    // Walk down and back up to the top person.
    t.keys(&["j", "j", "g"]);
    let s = t.wait_for("timeline");
    assert!(s.contains("Daniel Kim (H900)"), "{s}");
    t.keys(&["v"]);
    let s = t.wait_for("impossible hops per week since hire");
    assert!(s.contains("impossible: over 500 km"), "{s}");
    t.keys(&["e"]);
    t.wait_for("shared with");
    // Pivot from a middle row: the menu offers the row's keys; the first is its IP.
    t.keys(&["t", "j", "j", "j", "j", "j"]);
    let s = t.wait_for("time (UTC)");
    let lines: Vec<&str> = s.lines().collect();
    let header = lines.iter().position(|l| l.contains("time (UTC)")).unwrap();
    let row = lines[header + 6];
    let ip = row
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .find(|w| w.split('.').count() == 4 && w.split('.').all(|p| !p.is_empty()))
        .unwrap_or_else(|| panic!("no IP in the sixth row: {row}\n{s}"))
        .to_string();
    t.keys(&["p"]);
    t.wait_for("pivot on");
    t.keys(&["Enter"]);
    let s = t.wait_for("everything that touched IP");
    assert!(
        s.contains(&format!("everything that touched IP {ip}")),
        "the pivot is on the row under the cursor ({ip}): {s}"
    );
    assert!(
        s.contains(&format!("timeline › IP {ip}")),
        "the breadcrumb: {s}"
    );
    assert!(
        s.contains("Kevin Zhao (H902)"),
        "the pivot names the other personas: {s}"
    );
    // Back on the timeline, the phase filter: the breadcrumb names it, the histogram's axis
    // gives dates and the hire mark, and q clears it before leaving the view.
    t.keys(&["q", "P"]);
    let s = t.wait_for("timeline (phase pre-recruitment)");
    assert!(s.contains("of 501 events (phase pre-recruitment)"), "{s}");
    assert!(
        s.contains("2026-08-06"),
        "the axis starts at the first day shown: {s}"
    );
    t.keys(&["q"]);
    t.wait_for("timeline: every event (501 of 501 events)");
    t.keys(&["r"]);
    let s = t.wait_for("findings over whole data set");
    assert!(s.contains("ms"), "{s}");
    t.keys(&["?"]);
    let s = t.wait_for("help (j/k scroll, ? or Esc closes)");
    for v in ["timeline", "entity", "travel", "findings", "pivot"] {
        assert!(s.contains(v), "help lacks {v}");
    }
    t.keys(&["Escape", "Q"]);
    assert_eq!(t.exit_code().as_deref(), Some("0"));
    // The terminal is handed back: the shell's own screen, not the alternate one, is showing.
    assert!(!t.screen().contains("people (risk)"));
}

#[test]
fn small_terminal_and_sigterm_restore() {
    let t = Tmux::start(70, 20);
    t.wait_for("terminal too small");
    // SIGTERM ends the workbench and gives the terminal back.
    let pid = String::from_utf8_lossy(
        &t.run(&["display-message", "-p", "-t", "main", "#{pane_pid}"])
            .stdout,
    )
    .trim()
    .to_string();
    let children = Command::new("pgrep").args(["-P", &pid]).output().unwrap();
    let child = String::from_utf8_lossy(&children.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    assert!(!child.is_empty(), "hirescope's pid under the pane shell");
    Command::new("kill").arg(&child).status().unwrap();
    assert_eq!(t.exit_code().as_deref(), Some("143"));
    assert!(!t.screen().contains("terminal too small"));
}

/// `--verbose` is a headless command's stage log: in the workbench it would write over the screen.
#[test]
fn verbose_never_writes_over_the_workbench() {
    let t = Tmux::start_with(80, 24, &["--verbose"], "verbose");
    let s = t.wait_for("findings");
    t.wait_for("Daniel Kim");
    let s = format!("{s}{}", t.screen());
    assert!(
        !s.contains("resident") && !s.contains("hirescope: "),
        "the stage log reached the workbench's screen:\n{s}"
    );
    t.keys(&["Q"]);
    assert_eq!(t.exit_code().as_deref(), Some("0"));
    assert!(
        t.screen()
            .contains("--verbose is for the headless commands"),
        "the analyst is told why: {}",
        t.screen()
    );
}

/// A data set that takes the debug build a few seconds to load, made once.
fn big_sample() -> &'static std::path::Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| super::support::sample(200, 300_000))
        .path()
}

#[test]
fn every_ending_signal_during_a_load_restores_the_terminal_at_once() {
    let data = big_sample().to_str().unwrap().to_string();
    for (signal, code) in [
        ("INT", "130"),
        ("QUIT", "131"),
        ("HUP", "129"),
        ("TERM", "143"),
    ] {
        let t = Tmux::start_with(100, 30, &[&data], signal);
        t.wait_for("reading");
        let pid = t.child_pid();
        let sent = Instant::now();
        Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        assert_eq!(t.exit_code().as_deref(), Some(code), "SIG{signal}");
        // Background loading is abandoned, not awaited (it takes seconds here).
        assert!(
            sent.elapsed() < Duration::from_secs(3),
            "SIG{signal}: the process took {:?} to end",
            sent.elapsed()
        );
        t.assert_sane();
    }
}

#[test]
fn q_during_a_load_quits_at_once() {
    let data = big_sample().to_str().unwrap().to_string();
    let t = Tmux::start_with(100, 30, &[&data], "q");
    t.wait_for("reading");
    let sent = Instant::now();
    t.keys(&["Q"]);
    assert_eq!(t.exit_code().as_deref(), Some("0"));
    assert!(
        sent.elapsed() < Duration::from_secs(3),
        "{:?}",
        sent.elapsed()
    );
    t.assert_sane();
}

/// Hostile names, subjects and user agents, through the workbench and every headless format on
/// a real terminal: the pane's title, the clipboard and the screen are untouched.
#[test]
fn hostile_data_cannot_retitle_clip_or_clear_the_terminal() {
    use super::support::hostile_dir;
    let dir = hostile_dir();
    let path = dir.path().to_str().unwrap().to_string();
    let t = Tmux::start_with(120, 50, &[&path], "hostile");
    t.run(&["set-option", "-g", "set-clipboard", "on"]);
    let s = t.wait_for("Eve");
    assert!(s.contains("PWNED"), "the name is shown, inert: {s}");
    // Timeline, a row whole (raw JSON), findings, evidence, entity, travel.
    t.keys(&[
        "Tab", "Enter", "Escape", "f", "Enter", "Enter", "Escape", "Escape", "e", "v",
    ]);
    t.wait_for("Eve");
    let title = t.format("#{pane_title}");
    assert!(
        !title.contains("PWNED"),
        "the workbench let data set the title: {title}"
    );
    t.keys(&["Q"]);
    assert_eq!(t.exit_code().as_deref(), Some("0"));
    t.assert_sane();
    // The headless formats, printed on a terminal (stdout is the pane).
    for args in [
        "detect --format csv",
        "detect --format jsonl",
        "detect",
        "people --format csv",
        "people --format jsonl",
        "people",
        "inspect",
        "inspect --format json",
    ] {
        let name = args.replace([' ', '-'], "");
        let t = Tmux::start_shell(
            200,
            400,
            // Time for set-clipboard to be on before anything is printed.
            "sleep 0.5; echo SENTINEL-TOP; ",
            &format!("'{}' {args} '{path}'", env!("CARGO_BIN_EXE_hirescope")),
            &name,
        );
        t.run(&["set-option", "-g", "set-clipboard", "on"]);
        assert_eq!(t.exit_code().as_deref(), Some("0"), "{args}");
        // The pane is tall enough for the whole output: a clear would wipe the sentinel.
        let s = t.screen();
        assert!(
            s.lines().filter(|l| !l.trim().is_empty()).count() < 390,
            "{args}: the output outgrew the pane, so the sentinel test means nothing"
        );
        assert!(
            s.contains("SENTINEL-TOP"),
            "{args} cleared the screen:\n{s}"
        );
        assert!(
            s.contains("PWNED") || s.contains("Eve") || s.contains("eve@"),
            "{args} printed the data:\n{s}"
        );
        let title = t.format("#{pane_title}");
        assert!(!title.contains("PWNED"), "{args} set the title: {title}");
        let buffers = String::from_utf8_lossy(&t.run(&["list-buffers"]).stdout).into_owned();
        assert!(
            buffers.trim().is_empty(),
            "{args} wrote the clipboard: {buffers}"
        );
    }
}

/// Case work in the real terminal: a note and a disposition through the palette, quit, reopen the
/// same inputs and find them (and the session), then find them in `hirescope report`.
#[test]
fn notes_and_dispositions_survive_a_restart_and_reach_the_report() {
    let data_dir = tempfile::tempdir().unwrap();
    let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let samples = samples.to_str().unwrap();
    let env = format!(
        "export HIRESCOPE_DATA_DIR='{}'; ",
        data_dir.path().display()
    );
    let line = format!("'{}' '{samples}'", env!("CARGO_BIN_EXE_hirescope"));
    let t = Tmux::start_shell(120, 40, &env, &line, "case1");
    t.wait_for("Daniel Kim");
    t.wait_for("findings");
    t.keys(&[":"]);
    t.run(&[
        "send-keys",
        "-t",
        "main",
        "-l",
        "note camera off during the interview",
    ]);
    t.keys(&["Enter"]);
    t.wait_for("(saved)");
    t.keys(&[":"]);
    t.run(&["send-keys", "-t", "main", "-l", "disposition escalated"]);
    t.keys(&["Enter"]);
    let s = t.wait_for("[escalated]");
    assert!(s.contains("✎"), "the note marker shows in the queue: {s}");
    // A note on a row with the key: the timeline's first row.
    t.keys(&["Tab", "a"]);
    t.wait_for("note on CloudAppEvents row");
    t.run(&[
        "send-keys",
        "-t",
        "main",
        "-l",
        "first call from the actor range",
    ]);
    t.wait_for("first call from the actor range");
    t.keys(&["Enter"]);
    t.wait_for("note on CloudAppEvents row 5303 (saved)");
    // `y` copies through OSC 52: tmux, told to accept it, holds the value in a buffer.
    t.run(&["set-option", "-g", "set-clipboard", "on"]);
    t.keys(&["Tab", "y"]);
    t.wait_for("copied 4 characters to the clipboard");
    let buffer = String::from_utf8_lossy(&t.run(&["show-buffer"]).stdout).into_owned();
    assert_eq!(buffer, "H900");
    t.keys(&["e", "Q"]);
    assert_eq!(t.exit_code().as_deref(), Some("0"));
    drop(t);
    // Reopen: the disposition, the note marker and the entity view are back.
    let t = Tmux::start_shell(120, 40, &env, &line, "case2");
    let s = t.wait_for("[escalated]");
    assert!(s.contains("✎"), "{s}");
    t.wait_for("entity");
    // The report and an export from the workbench land in the data directory.
    t.keys(&["R"]);
    t.wait_for("case report written to");
    let report = data_dir.path().join("reports").join("H900.md");
    assert!(std::fs::read_to_string(&report)
        .unwrap()
        .contains("camera off during the interview"));
    t.keys(&["t", "x"]);
    t.wait_for("rows exported to");
    let exports = data_dir.path().join("exports");
    assert!(exports.join("timeline-H900.timesketch.jsonl").exists());
    t.keys(&["Q"]);
    assert_eq!(t.exit_code().as_deref(), Some("0"));
    let out = Command::new(env!("CARGO_BIN_EXE_hirescope"))
        .args(["report", "--person", "H900", samples])
        .env("HIRESCOPE_DATA_DIR", data_dir.path())
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(md.contains("Disposition: **escalated**"), "{md}");
    assert!(md.contains("camera off during the interview"));
    assert!(
        md.contains("on CloudAppEvents row 5303: first call from the actor range"),
        "{md}"
    );
}
