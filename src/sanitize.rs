//! Makes attacker-typed text safe for a terminal: control characters, escape sequences and bidi
//! overrides become visible, inert placeholders, so text can never retitle, clear or recolour it.

use std::borrow::Cow;

fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

/// Text with every control, escape and bidi character replaced by a visible stand-in:
/// C0 controls by their Unicode control pictures (ESC shows as ␛), others as `\u{XXXX}`.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_dangerous) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\u{0}'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
            '\u{7f}' => out.push('␡'),
            c if is_dangerous(c) => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_inert() {
        let evil = "Bob\x1b]0;pwned\x07\x1b[2J\u{202e}gnp.exe";
        let safe = visible(evil);
        assert!(!safe.chars().any(|c| c.is_control() || c == '\u{202e}'));
        assert!(safe.contains("␛]0;pwned␇"));
        assert!(safe.contains("\\u{202e}"));
        assert_eq!(visible("plain"), "plain");
    }
}
