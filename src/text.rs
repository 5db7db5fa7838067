//! Small text helpers shared across layers.

/// A value quoted in an error message, cut short so a 5 MB cell cannot flood the report.
pub fn clip(text: &str) -> String {
    let mut s: String = text.chars().take(60).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}
