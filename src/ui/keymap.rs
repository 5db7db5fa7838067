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
}

#[derive(Clone, Debug)]
pub struct Binding {
    pub cmd: Cmd,
    /// The name used in the config file and the command palette.
    pub name: &'static str,
    pub keys: Vec<String>,
    pub description: &'static str,
    /// Shown in the one-line hint at the bottom.
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
            true,
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
            true,
        ),
        b(
            Entity,
            "entity",
            &["e"],
            "entity: identifiers, IPs, devices, countries, ISPs and who shares them",
            true,
        ),
        b(
            Travel,
            "travel",
            &["v"],
            "impossible travel: hops on the world map, weekly counts since hire",
            true,
        ),
        b(
            Findings,
            "findings",
            &["f"],
            "findings: reasons, figures and evidence rows",
            true,
        ),
        b(
            Pivot,
            "pivot",
            &["p"],
            "pivot on the IP, account, device or domain under the cursor",
            true,
        ),
        b(
            RunAll,
            "run-all",
            &["r"],
            "run all detectors in the background over the scope",
            true,
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
            true,
        ),
        b(
            Note,
            "note",
            &["a"],
            "write a note on the row, finding or person under the cursor",
            true,
        ),
        b(
            Disposition,
            "disposition",
            &["d"],
            "set the person's disposition: open, cleared, escalated, confirmed",
            true,
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

    /// The bottom line: each hinted command's first key and name.
    pub fn hint_line(&self) -> String {
        self.bindings
            .iter()
            .filter(|b| b.hint)
            .map(|b| {
                format!(
                    "{} {}",
                    b.keys.first().map(String::as_str).unwrap_or("?"),
                    b.name
                )
            })
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
        assert!(km.hint_line().contains("T timeline"));
        let bad: toml::Table = toml::from_str("nope = \"x\"").unwrap();
        assert!(Keymap::default().with_overrides(&bad).is_err());
    }
}
