//! What opens over the views: help, the pickers (palette, finder, pivot menu, disposition), the
//! threshold prompt, the note box and the search line. Each is drawn by its own file.

pub mod finder;
pub mod help;
pub mod palette;
pub mod picker;
pub mod prompt;

pub use picker::{Choice, Picker};

use super::views::Ctx;
use ratatui::layout::Rect;
use ratatui::Frame;

#[derive(Clone, Debug)]
pub enum Overlay {
    None,
    /// The help screen, scrolled down by this many lines.
    Help(usize),
    Picker(Picker),
    Search(String),
    /// Entering a threshold's new value.
    Prompt {
        name: String,
        input: String,
    },
    /// Writing a note on a target.
    Note {
        target: crate::case::Target,
        input: String,
    },
}

impl Overlay {
    /// Whether the overlay takes typed characters (keys are text, not commands).
    pub fn is_typing(&self) -> bool {
        matches!(
            self,
            Overlay::Picker(_) | Overlay::Search(_) | Overlay::Prompt { .. } | Overlay::Note { .. }
        )
    }
}

/// Draws the open overlay over `body` (the queue and main pane).
pub fn draw(f: &mut Frame, cx: &Ctx, body: Rect) {
    match &cx.app.overlay {
        Overlay::None => {}
        Overlay::Help(scroll) => help::draw(f, cx, body, *scroll),
        Overlay::Picker(p) => picker::draw(f, cx, body, p),
        Overlay::Search(q) => prompt::draw_search(f, cx, body, q),
        Overlay::Note { target, input } => prompt::draw_note(f, body, target, input),
        Overlay::Prompt { name, input } => prompt::draw_prompt(f, body, name, input),
    }
}

/// A rectangle of `w_pct` by `h_pct` percent in the middle of `area` (at least five lines).
pub(crate) fn centered(area: Rect, w_pct: u16, h_pct: u16) -> Rect {
    let w = area.width * w_pct / 100;
    let h = (area.height * h_pct / 100).max(5);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height.saturating_sub(h)) / 2,
        width: w,
        height: h.min(area.height),
    }
}
