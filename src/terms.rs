//! KQL `has` / `has_any` term semantics: case-insensitive whole terms, where a term is a maximal run
//! of ASCII letters and digits.

/// The terms of a text, lower-cased.
pub fn terms(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| t.to_ascii_lowercase())
}

/// `text has term`.
pub fn has(text: &str, term: &str) -> bool {
    terms(text).any(|t| t.eq_ignore_ascii_case(term))
}

/// `text has_any (list)`.
pub fn has_any(text: &str, list: &[&str]) -> bool {
    terms(text).any(|t| list.iter().any(|l| t.eq_ignore_ascii_case(l)))
}

/// The verbs and objects of a Workday task that sets up or changes pay (DETECTIONS.md).
pub const PAYROLL_VERBS: &[&str] = &["Add", "Change", "Assign", "Create", "Modify"];
pub const PAYROLL_OBJECTS: &[&str] = &["Account", "Bank", "Payment", "Tax"];

/// `text has_any (list)` for a whole column: a term is bounded by anything but ASCII letters and
/// digits, as in `has_any`.
pub fn has_any_expr(text: polars::prelude::Expr, list: &[&str]) -> polars::prelude::Expr {
    use polars::prelude::*;
    let alternatives: Vec<String> = list.iter().map(|t| t.to_ascii_lowercase()).collect();
    let pattern = format!("(?i)(^|[^a-z0-9])({})([^a-z0-9]|$)", alternatives.join("|"));
    text.str()
        .contains(lit(pattern), false)
        .fill_null(lit(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERBS: &[&str] = PAYROLL_VERBS;
    const OBJECTS: &[&str] = PAYROLL_OBJECTS;

    #[test]
    fn workday_task_names() {
        assert!(has_any("Change My Account", VERBS) && has_any("Change My Account", OBJECTS));
        assert!(!has_any("Manage Payment Elections", VERBS));
        assert!(!has_any("Manage Payment Elections", &["Account"]));
        assert!(has_any("Add Payment Election", VERBS) && has_any("Add Payment Election", OBJECTS));
        assert!(!has("Accounts", "account"), "whole terms only");
        assert!(has("hrrecruiting/accounts/123", "accounts"));
        assert!(has("Interview invitation: Senior", "INTERVIEW"));
        assert!(!has("Interviews", "interview"));
    }
}
