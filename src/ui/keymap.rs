//! Keys are data: one table of {command, keys, description}, from which the key handling, the help
//! screen and the hint line are all generated, so they never drift apart. The user's config file
//! overrides only the commands it names, in a `[keys]` table (`timeline = ["t", "F2"]`).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cmd {
    Down,
    Up,
    Top,
    Bottom,
    PageDown,
    PageUp,
    NextPane,
    Enter,
    Back,
    Quit,
    Help,
    Palette,
    Finder,
    Search,
    SearchNext,
    SearchPrev,
    Timeline,
    Entity,
    Travel,
    Findings,
    Pivot,
    RunAll,
    Scope,
    Order,
    Cancel,
    Suspend,
    Mark,
    Note,
    Disposition,
    Copy,
    LoadReport,
    Report,
    Export,
    CitedOnly,
    PhaseFilter,
    SourceFilter,
    RangeFrom,
    RangeTo,
}

#[derive(Clone, Debug)]
pub struct Binding {
    pub cmd: Cmd,
    /// The name used in the config file and the command palette.
    pub name: &'static str,
    pub keys: Vec<String>,
    pub description: &'static str,
    /// Shown in the one-line hint at the bottom whatever the focus (the focused view adds its own
    /// commands before these).
    pub hint: bool,
}

fn b(
    cmd: Cmd,
    name: &'static str,
    keys: &[&str],
    description: &'static str,
    hint: bool,
) -> Binding {
    Binding {
        cmd,
        name,
        keys: keys.iter().map(|k| k.to_string()).collect(),
        description,
        hint,
    }
}

pub fn defaults() -> Vec<Binding> {
    use Cmd::*;
    vec![
        b(Down, "down", &["j", "Down"], "move down", false),
        b(Up, "up", &["k", "Up"], "move up", false),
        b(Top, "top", &["g", "Home"], "go to the first row", false),
        b(Bottom, "bottom", &["G", "End"], "go to the last row", false),
        b(
            PageDown,
            "page-down",
            &["C-d", "PageDown"],
            "half a page down",
            false,
        ),
        b(
            PageUp,
            "page-up",
            &["C-u", "PageUp"],
            "half a page up",
            false,
        ),
        b(
            NextPane,
            "next-pane",
            &["Tab"],
            "switch between the people queue and the main view",
            true,
        ),
        b(
            Enter,
            "drill-in",
            &["Enter"],
            "drill in: open the row, the finding's evidence, or the pivot",
            false,
        ),
        b(
            Back,
            "back",
            &["q", "Esc"],
            "go back one view (at the root it does not quit: Q does)",
            true,
        ),
        b(Quit, "quit", &["Q"], "quit from anywhere", false),
        b(Help, "help", &["?", "F1"], "this help", true),
        b(
            Palette,
            "palette",
            &[":"],
            "command palette (fuzzy): every command, detector and threshold",
            true,
        ),
        b(
            Finder,
            "find",
            &["C-f", "F"],
            "fuzzy finder over people, accounts, IPs and e-mails",
            true,
        ),
        b(
            Search,
            "search",
            &["/"],
            "search the rows of the current view",
            true,
        ),
        b(SearchNext, "search-next", &["n"], "next match", false),
        b(SearchPrev, "search-prev", &["N"], "previous match", false),
        b(
            Timeline,
            "timeline",
            &["t"],
            "timeline: every event of the person, phases marked",
            false,
        ),
        b(
            Entity,
            "entity",
            &["e"],
            "entity: identifiers, IPs, devices, countries, ISPs and who shares them",
            false,
        ),
        b(
            Travel,
            "travel",
            &["v"],
            "impossible travel: hops on the world map, weekly counts since hire",
            false,
        ),
        b(
            Findings,
            "findings",
            &["f"],
            "findings: reasons, figures and evidence rows",
            false,
        ),
        b(
            Pivot,
            "pivot",
            &["p"],
            "pivot on the IP, account, device or domain under the cursor",
            false,
        ),
        b(
            RunAll,
            "run-all",
            &["r"],
            "run all detectors in the background over the scope",
            false,
        ),
        b(
            Scope,
            "scope",
            &["s"],
            "detector scope: whole data set, this person, or this pivot",
            false,
        ),
        b(
            Order,
            "order",
            &["o"],
            "timeline order: newest or oldest first",
            false,
        ),
        b(
            Cancel,
            "cancel",
            &["C-c"],
            "cancel the running detector job",
            false,
        ),
        b(
            Suspend,
            "suspend",
            &["C-z"],
            "suspend to the shell (fg resumes)",
            false,
        ),
        b(
            Mark,
            "mark",
            &["m"],
            "mark (or unmark) the row, finding or person under the cursor",
            false,
        ),
        b(
            Note,
            "note",
            &["a"],
            "write a note on the row, finding or person under the cursor",
            false,
        ),
        b(
            Disposition,
            "disposition",
            &["d"],
            "set the person's disposition: open, cleared, escalated, confirmed",
            false,
        ),
        b(
            Copy,
            "copy",
            &["y"],
            "copy the value or row under the cursor to the clipboard (OSC 52, works over SSH)",
            false,
        ),
        b(
            LoadReport,
            "load-report",
            &["L"],
            "what was read: files, tables, every rejected and neutralised row",
            false,
        ),
        b(
            Report,
            "report",
            &["R"],
            "write the person's case report (Markdown) to the data directory",
            false,
        ),
        b(
            Export,
            "export",
            &["x"],
            "export the rows of the view as CSV, JSON Lines and a Timesketch file",
            false,
        ),
        b(
            CitedOnly,
            "cited-only",
            &["c"],
            "timeline: only the rows a finding cites (again: every row)",
            false,
        ),
        b(
            PhaseFilter,
            "phase-filter",
            &["P"],
            "timeline: only one phase, the next each time (pre-recruitment, recruiting, post-hire, all)",
            false,
        ),
        b(
            SourceFilter,
            "source-filter",
            &["S"],
            "timeline: only one source (app or table), the next each time, then all",
            false,
        ),
        b(
            RangeFrom,
            "from-here",
            &["["],
            "timeline: start the time range at the cursor's event (the histogram zooms to it)",
            false,
        ),
        b(
            RangeTo,
            "to-here",
            &["]"],
            "timeline: end the time range at the cursor's event (q clears the filters)",
            false,
        ),
    ]
}

/// Parses "j", "G", "C-d", "Enter", "F1", "?" into a key code and modifiers.
pub fn parse_key(spec: &str) -> Option<(KeyCode, KeyModifiers)> {
    let (mods, rest) = match spec.strip_prefix("C-") {
        Some(r) => (KeyModifiers::CONTROL, r),
        None => (KeyModifiers::NONE, spec),
    };
    let code = match rest {
        "Enter" => KeyCode::Enter,
        "Esc" => KeyCode::Esc,
        "Tab" => KeyCode::Tab,
        "Up" => KeyCode::Up,
        "Down" => KeyCode::Down,
        "Left" => KeyCode::Left,
        "Right" => KeyCode::Right,
        "Home" => KeyCode::Home,
        "End" => KeyCode::End,
        "PageUp" => KeyCode::PageUp,
        "PageDown" => KeyCode::PageDown,
        "Backspace" => KeyCode::Backspace,
        f if f.len() >= 2 && f.starts_with('F') && f[1..].parse::<u8>().is_ok() => {
            KeyCode::F(f[1..].parse().ok()?)
        }
        c if c.chars().count() == 1 => KeyCode::Char(c.chars().next()?),
        _ => return None,
    };
    Some((code, mods))
}

#[derive(Clone, Debug)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        Keymap {
            bindings: defaults(),
        }
    }
}

impl Keymap {
    /// Applies a `[keys]` table: `command-name = ["key", ...]`. Unknown names or keys are errors.
    pub fn with_overrides(mut self, table: &toml::Table) -> anyhow::Result<Keymap> {
        for (name, keys) in table {
            let binding = self
                .bindings
                .iter_mut()
                .find(|b| b.name == name)
                .ok_or_else(|| anyhow::anyhow!("[keys]: no command named {name:?}"))?;
            let list: Vec<String> = match keys {
                toml::Value::String(s) => vec![s.clone()],
                toml::Value::Array(a) => a
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                _ => anyhow::bail!("[keys]: {name} takes a key or a list of keys"),
            };
            for k in &list {
                if parse_key(k).is_none() {
                    anyhow::bail!("[keys]: {name}: cannot read key {k:?}");
                }
            }
            binding.keys = list;
        }
        Ok(self)
    }

    pub fn lookup(&self, key: &KeyEvent) -> Option<Cmd> {
        let mods = key.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        self.bindings.iter().find_map(|b| {
            b.keys
                .iter()
                .any(|k| match parse_key(k) {
                    // Shifted letters arrive as the upper-case char, with or without SHIFT.
                    Some((code, m)) => code == key.code && m == mods,
                    None => false,
                })
                .then_some(b.cmd)
        })
    }

    pub fn keys_of(&self, cmd: Cmd) -> String {
        self.bindings
            .iter()
            .find(|b| b.cmd == cmd)
            .map(|b| b.keys.join("/"))
            .unwrap_or_default()
    }

    /// The first key bound to a command (what a hint shows), or `?` when it has none.
    pub fn first_key(&self, cmd: Cmd) -> &str {
        self.bindings
            .iter()
            .find(|b| b.cmd == cmd)
            .and_then(|b| b.keys.first())
            .map_or("?", String::as_str)
    }

    /// One hint: a command's first key and its name (`p pivot`); None for an unbound command.
    pub fn hint(&self, cmd: Cmd) -> Option<String> {
        let b = self.bindings.iter().find(|b| b.cmd == cmd)?;
        Some(format!("{} {}", b.keys.first()?, b.name))
    }

    /// The hints every view shares, after the focused view's own.
    pub fn global_hints(&self) -> Vec<Cmd> {
        self.bindings
            .iter()
            .filter(|b| b.hint)
            .map(|b| b.cmd)
            .collect()
    }

    /// The bottom line when nothing is focused: each hinted command's first key and name.
    pub fn hint_line(&self) -> String {
        self.global_hints()
            .into_iter()
            .filter_map(|c| self.hint(c))
            .collect::<Vec<_>>()
            .join("  ")
    }

    /// The help screen's lines: keys and description for every command.
    pub fn help_lines(&self) -> Vec<(String, &'static str)> {
        self.bindings
            .iter()
            .map(|b| (b.keys.join(", "), b.description))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_and_override() {
        let km = Keymap::default();
        let key = |c, m| KeyEvent::new(c, m);
        assert_eq!(
            km.lookup(&key(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Cmd::Down)
        );
        assert_eq!(
            km.lookup(&key(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Cmd::Bottom)
        );
        assert_eq!(
            km.lookup(&key(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            Some(Cmd::PageDown)
        );
        assert_eq!(
            km.lookup(&key(KeyCode::F(1), KeyModifiers::NONE)),
            Some(Cmd::Help)
        );
        let t: toml::Table = toml::from_str("timeline = [\"T\", \"F2\"]").unwrap();
        let km = km.with_overrides(&t).unwrap();
        assert_eq!(
            km.lookup(&key(KeyCode::F(2), KeyModifiers::NONE)),
            Some(Cmd::Timeline)
        );
        assert_eq!(
            km.lookup(&key(KeyCode::Char('t'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(km.hint(Cmd::Timeline).as_deref(), Some("T timeline"));
        assert!(km.hint_line().contains("/ search"));
        let bad: toml::Table = toml::from_str("nope = \"x\"").unwrap();
        assert!(Keymap::default().with_overrides(&bad).is_err());
    }
}
