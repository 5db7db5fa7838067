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

/// Text for a terminal, line by line: every line made `visible`, the line breaks kept.
pub fn visible_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_dangerous(c)) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.split('\n')
            .map(|l| visible(l).into_owned())
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// JSON for a terminal: characters JSON leaves raw but a terminal obeys (DEL, C1 controls such
/// as CSI, bidi overrides) become `\uXXXX` escapes; the JSON means the same.
pub fn json_escaped(json: &str) -> Cow<'_, str> {
    if !json.chars().any(|c| c != '\n' && is_dangerous(c)) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if c != '\n' && is_dangerous(c) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{:04x}", u));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A CSV cell that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a
/// tab or a carriage return) is prefixed with `'`, as OWASP advises, so it stays text.
pub fn formula_safe(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
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
        assert_eq!(visible_lines("a\x1b[2J\nb"), "a␛[2J\nb");
    }

    #[test]
    fn json_stays_json_and_inert() {
        let j = serde_json::json!({"name": "Bob\u{9b}2J\u{202e}\u{7f}"}).to_string();
        let safe = json_escaped(&j);
        assert!(!safe.chars().any(is_dangerous), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["name"], "Bob\u{9b}2J\u{202e}\u{7f}");
    }

    #[test]
    fn formulas_stay_text() {
        assert_eq!(formula_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(formula_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(formula_safe("Bob"), "Bob");
    }
}
