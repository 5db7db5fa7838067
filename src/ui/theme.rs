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

#[derive(Clone, Debug)]
pub struct Theme {
    pub name: String,
    roles: HashMap<String, Style>,
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
            if let Some(v) = v.as_str() {
                roles.insert(k, parse_style(v, with_colour));
            }
        }
        if !with_colour {
            roles.insert(
                "selected".into(),
                Style::default().add_modifier(Modifier::REVERSED),
            );
            roles.insert(
                "hint".into(),
                Style::default().add_modifier(Modifier::REVERSED),
            );
        }
        Ok(Theme {
            name: name.to_string(),
            roles,
        })
    }

    pub fn role(&self, name: &str) -> Style {
        self.roles.get(name).copied().unwrap_or_default()
    }

    pub fn severity(&self, s: Severity) -> Style {
        self.role(s.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_theme_loads_and_no_color_keeps_selection_visible() {
        for n in names() {
            let t = Theme::load(n, true).unwrap();
            assert!(t.roles.contains_key("critical"), "{n}");
            let mono = Theme::load(n, false).unwrap();
            assert_eq!(
                mono.role("selected"),
                Style::default().add_modifier(Modifier::REVERSED)
            );
            assert_eq!(mono.role("high").fg, None);
        }
        assert!(Theme::load("nope", true).is_err());
        // The light theme paints its own background; the default keeps the terminal's.
        assert!(Theme::load("light", true)
            .unwrap()
            .role("base")
            .bg
            .is_some());
        assert_eq!(Theme::load("default", true).unwrap().role("base").bg, None);
        assert_eq!(
            parse_style("bold #ff0000 on black", true),
            Style::default()
                .add_modifier(Modifier::BOLD)
                .fg(Color::Rgb(255, 0, 0))
                .bg(Color::Black)
        );
    }
}
