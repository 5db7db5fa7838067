//! Cells an attacker controls never cost their row: a NUL, invalid UTF-8, a cell over the size
//! limit or JSON nested past the parser's depth is neutralised (replaced, clipped), the row is
//! kept, and what was done is flagged on the row and counted in `inspect`.

use super::MAX_CELL_BYTES;
use std::borrow::Cow;

/// JSON nested deeper than this is replaced by `DEEP_MARKER` before parsing (serde_json stops at
/// 128 levels; exports nest a few).
pub const MAX_JSON_DEPTH: usize = 64;

/// What replaces a JSON value nested too deep.
pub const DEEP_MARKER: &str = "[hirescope: nested deeper than 64 levels, clipped]";

/// A cell made safe to keep, and what was done to it (None when nothing was).
pub fn cell(bytes: &[u8]) -> (Cow<'_, str>, Option<String>) {
    let mut what: Vec<String> = Vec::new();
    let mut text = match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(e) => {
            what.push(format!(
                "invalid UTF-8 from byte {} replaced with U+FFFD",
                e.valid_up_to()
            ));
            String::from_utf8_lossy(bytes)
        }
    };
    if text.contains('\0') {
        what.push("NUL characters replaced with U+FFFD".into());
        text = Cow::Owned(text.replace('\0', "\u{fffd}"));
    }
    if text.len() > MAX_CELL_BYTES {
        let len = text.len();
        let mut end = MAX_CELL_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text = Cow::Owned(text[..end].to_string());
        what.push(format!("clipped from {len} bytes to the 1 MiB limit"));
    }
    let flag = (!what.is_empty()).then(|| what.join(", "));
    (text, flag)
}

/// A cell of text already decoded (JSON): the same treatment but UTF-8.
pub fn text(s: String) -> (String, Option<String>) {
    if !s.contains('\0') && s.len() <= MAX_CELL_BYTES {
        return (s, None);
    }
    let (c, flag) = cell(s.as_bytes());
    (c.into_owned(), flag)
}

/// JSON text with every value nested deeper than `MAX_JSON_DEPTH` replaced by `DEEP_MARKER` (as a
/// JSON string), so the rest still parses. Borrowed when nothing is that deep.
pub fn shallow_json(json: &[u8]) -> Cow<'_, [u8]> {
    let mut depth = 0usize;
    let mut strings = Strings::default();
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < json.len() {
        let b = json[i];
        if strings.outside(b) {
            match b {
                b'{' | b'[' if depth >= MAX_JSON_DEPTH => {
                    let end = closing(json, i);
                    let o = out.get_or_insert_with(|| json[..i].to_vec());
                    o.extend_from_slice(format!("\"{DEEP_MARKER}\"").as_bytes());
                    i = end;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        if let Some(o) = &mut out {
            o.push(b);
        }
        i += 1;
    }
    match out {
        Some(o) => Cow::Owned(o),
        None => Cow::Borrowed(json),
    }
}

/// Where a byte of JSON text stands: inside a string (brackets there are text) or outside.
#[derive(Default)]
struct Strings {
    inside: bool,
    escaped: bool,
}

impl Strings {
    /// Takes the next byte; true when it is structure (outside any string, not a quote).
    fn outside(&mut self, b: u8) -> bool {
        if self.inside {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.inside = false;
            }
            false
        } else if b == b'"' {
            self.inside = true;
            false
        } else {
            true
        }
    }
}

/// The index just past the bracket that closes the one at `start` (or the end of the text).
fn closing(json: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut strings = Strings::default();
    for (k, &b) in json.iter().enumerate().skip(start) {
        if !strings.outside(b) {
            continue;
        }
        match b {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return k + 1;
                }
            }
            _ => {}
        }
    }
    json.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_kept_and_flagged() {
        assert_eq!(cell(b"plain"), (Cow::Borrowed("plain"), None));
        let (c, f) = cell(b"Work\0day");
        assert_eq!(c, "Work\u{fffd}day");
        assert!(f.unwrap().contains("NUL"));
        let (c, f) = cell(b"Work\xffday");
        assert_eq!(c, "Work\u{fffd}day");
        assert!(f.unwrap().contains("invalid UTF-8 from byte 4"));
        let big = "é".repeat(MAX_CELL_BYTES);
        let (c, f) = cell(big.as_bytes());
        assert!(c.len() <= MAX_CELL_BYTES && c.len() > MAX_CELL_BYTES - 2);
        assert!(f.unwrap().contains("clipped"));
    }

    #[test]
    fn deep_json_is_clipped_and_still_parses() {
        let deep = format!(
            "{{\"a\":1,\"b\":{}{},\"c\":\"x]\"}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let shallow = shallow_json(deep.as_bytes());
        let v: serde_json::Value = serde_json::from_slice(&shallow).unwrap();
        assert_eq!(v["a"], 1);
        assert_eq!(v["c"], "x]");
        assert!(v.to_string().contains(DEEP_MARKER));
        let flat = br#"{"a":[1,2,{"b":3}]}"#;
        assert!(matches!(shallow_json(flat), Cow::Borrowed(_)));
    }
}
