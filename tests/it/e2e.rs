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
        let dir = tempfile::tempdir().unwrap();
        let exit_file = dir.path().join("exit");
        let t = Tmux {
            socket: format!("hirescope-e2e-{}-{width}", std::process::id()),
            exit_file,
            _dir: dir,
        };
        let cmd = format!(
            "'{}'; echo $? > '{}'; sleep 30",
            env!("CARGO_BIN_EXE_hirescope"),
            t.exit_file.display()
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
    assert!(s.contains("IMPOSSIBLE"), "{s}");
    t.keys(&["e"]);
    t.wait_for("shared with");
    t.keys(&["t", "Tab", "p"]);
    let s = t.wait_for("everything that touched IP");
    assert!(
        s.contains("H902"),
        "the pivot shows the other personas: {s}"
    );
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
