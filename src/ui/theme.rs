//! Themes: semantic roles (title, selection, severities, map, ...) mapped to styles, read from the
//! files in themes/ (embedded), chosen by --theme or the config file; NO_COLOR strips colour.

use crate::detect::Severity;
use ratatui::style::{Color, Modifier, Style};
use std::collections::HashMap;

const THEMES: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

/// What a piece of the screen is, for the theme to style: an enum, so a misspelt role is a
/// compile error rather than text drawn unstyled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The whole screen's background and text (a theme with its own background paints it).
    Base,
    Title,
    Header,
    Selected,
    Muted,
    Border,
    Hint,
    Accent,
    Flag,
    Critical,
    High,
    Medium,
    Low,
    Info,
    Map,
    Route,
    Impossible,
}

impl Role {
    pub const ALL: [Role; 17] = [
        Role::Base,
        Role::Title,
        Role::Header,
        Role::Selected,
        Role::Muted,
        Role::Border,
        Role::Hint,
        Role::Accent,
        Role::Flag,
        Role::Critical,
        Role::High,
        Role::Medium,
        Role::Low,
        Role::Info,
        Role::Map,
        Role::Route,
        Role::Impossible,
    ];

    /// The role's key in a theme file.
    pub fn key(self) -> &'static str {
        match self {
            Role::Base => "base",
            Role::Title => "title",
            Role::Header => "header",
            Role::Selected => "selected",
            Role::Muted => "muted",
            Role::Border => "border",
            Role::Hint => "hint",
            Role::Accent => "accent",
            Role::Flag => "flag",
            Role::Critical => "critical",
            Role::High => "high",
            Role::Medium => "medium",
            Role::Low => "low",
            Role::Info => "info",
            Role::Map => "map",
            Role::Route => "route",
            Role::Impossible => "impossible",
        }
    }

    fn of_key(key: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.key() == key)
    }
}

#[derive(Clone, Debug)]
pub struct Theme {
    pub name: String,
    roles: HashMap<Role, Style>,
}

pub fn names() -> Vec<&'static str> {
    THEMES.iter().map(|(n, _)| *n).collect()
}

fn color(word: &str) -> Option<Color> {
    if let Some(hex) = word.strip_prefix('#') {
        let v = u32::from_str_radix(hex, 16).ok()?;
        return Some(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
    }
    Some(match word {
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" => Color::Gray,
        "darkgray" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        _ => return None,
    })
}

/// Parses "bold red on black", "reversed", "#rrggbb on #rrggbb".
pub fn parse_style(text: &str, with_colour: bool) -> Style {
    let mut s = Style::default();
    let mut on = false;
    for w in text.split_whitespace() {
        match w {
            "on" => on = true,
            "bold" => s = s.add_modifier(Modifier::BOLD),
            "underlined" => s = s.add_modifier(Modifier::UNDERLINED),
            "reversed" => s = s.add_modifier(Modifier::REVERSED),
            "italic" => s = s.add_modifier(Modifier::ITALIC),
            "dim" => s = s.add_modifier(Modifier::DIM),
            w if with_colour => {
                if let Some(c) = color(w) {
                    s = if on { s.bg(c) } else { s.fg(c) };
                }
            }
            _ => {}
        }
    }
    s
}

impl Theme {
    /// Loads a theme by name; without colour (NO_COLOR) only modifiers remain, and selections
    /// fall back to reverse video so they stay visible.
    pub fn load(name: &str, with_colour: bool) -> anyhow::Result<Theme> {
        let text = THEMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .ok_or_else(|| {
                anyhow::anyhow!("no theme {name:?}; themes are: {}", names().join(", "))
            })?;
        let table: toml::Table = toml::from_str(text)?;
        let mut roles = HashMap::new();
        for (k, v) in table {
            if k == "name" {
                continue;
            }
            // A key that names no role would style nothing: the theme is wrong, say so.
            let role = Role::of_key(&k)
                .ok_or_else(|| anyhow::anyhow!("theme {name}: no role named {k:?}"))?;
            let v = v
                .as_str()
                .ok_or_else(|| anyhow::anyhow!("theme {name}: {k} takes a style string"))?;
            roles.insert(role, parse_style(v, with_colour));
        }
        if !with_colour {
            for role in [Role::Selected, Role::Hint] {
                roles.insert(role, Style::default().add_modifier(Modifier::REVERSED));
            }
        }
        Ok(Theme {
            name: name.to_string(),
            roles,
        })
    }

    pub fn role(&self, role: Role) -> Style {
        self.roles.get(&role).copied().unwrap_or_default()
    }

    pub fn severity(&self, s: Severity) -> Style {
        self.role(match s {
            Severity::Critical => Role::Critical,
            Severity::High => Role::High,
            Severity::Medium => Role::Medium,
            Severity::Low => Role::Low,
            Severity::Info => Role::Info,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_theme_loads_and_no_color_keeps_selection_visible() {
        for n in names() {
            let t = Theme::load(n, true).unwrap();
            // Every theme styles every role but the background (which only light paints).
            for role in Role::ALL.into_iter().filter(|r| *r != Role::Base) {
                assert!(t.roles.contains_key(&role), "{n} lacks {}", role.key());
            }
            let mono = Theme::load(n, false).unwrap();
            assert_eq!(
                mono.role(Role::Selected),
                Style::default().add_modifier(Modifier::REVERSED)
            );
            assert_eq!(mono.role(Role::High).fg, None);
        }
        assert!(Theme::load("nope", true).is_err());
        // The light theme paints its own background; the default keeps the terminal's.
        assert!(Theme::load("light", true)
            .unwrap()
            .role(Role::Base)
            .bg
            .is_some());
        assert_eq!(
            Theme::load("default", true).unwrap().role(Role::Base).bg,
            None
        );
        assert_eq!(
            parse_style("bold #ff0000 on black", true),
            Style::default()
                .add_modifier(Modifier::BOLD)
                .fg(Color::Rgb(255, 0, 0))
                .bg(Color::Black)
        );
    }
}
