//! Output of findings and people for machines (JSON Lines, CSV) and for people (aligned tables,
//! coloured only on a terminal), with the end-of-run summary analysts expect.

use crate::detect::{Finding, Severity};
use crate::sanitize::visible;
use crate::score::Ranked;
use crate::time::format_ts;
use serde_json::json;

pub fn finding_json(f: &Finding) -> serde_json::Value {
    json!({
        "detector": f.detector, "title": f.title, "severity": f.severity.name(), "phase": f.phase.name(),
        "person": f.person, "accounts": f.accounts, "members": f.members,
        "first_seen": format_ts(f.first_seen), "last_seen": format_ts(f.last_seen),
        "attack": f.attack, "reason": f.reason, "figures": f.figures,
        "evidence": f.evidence.iter().map(|e| json!({"table": e.table, "row": e.row})).collect::<Vec<_>>(),
    })
}

pub fn person_json(r: &Ranked) -> serde_json::Value {
    json!({
        "person": r.person.key, "name": r.person.name, "stage": r.person.stage.name(),
        "identifiers": r.person.identifiers, "risk": r.risk, "severity": r.severity.map(|s| s.name()),
        "findings": r.findings, "explanation": r.explanation,
        "hire_date": r.person.hire_date.map(format_ts), "work_country": r.person.work_country,
        "in_roster": r.person.in_roster, "events": r.person.events,
    })
}

/// One CSV record; cells a spreadsheet would run as formulas stay text (`formula_safe`).
pub fn csv_line(fields: &[String]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let _ = w.write_record(
        fields
            .iter()
            .map(|f| crate::sanitize::formula_safe(f).into_owned()),
    );
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

pub fn findings_csv(findings: &[Finding]) -> String {
    let mut s = csv_line(
        &[
            "detector",
            "severity",
            "phase",
            "person",
            "accounts",
            "members",
            "first_seen",
            "last_seen",
            "attack",
            "reason",
            "evidence",
        ]
        .map(String::from),
    );
    for f in findings {
        s.push_str(&csv_line(&[
            f.detector.into(),
            f.severity.name().into(),
            f.phase.name().into(),
            f.person.clone(),
            f.accounts.join(";"),
            f.members.join(";"),
            format_ts(f.first_seen),
            format_ts(f.last_seen),
            f.attack.join(";"),
            f.reason.clone(),
            f.evidence
                .iter()
                .map(|e| format!("{}#{}", e.table, e.row))
                .collect::<Vec<_>>()
                .join(";"),
        ]));
    }
    s
}

pub fn people_csv(ranked: &[Ranked]) -> String {
    let mut s = csv_line(
        &[
            "person",
            "name",
            "stage",
            "identifiers",
            "risk",
            "severity",
            "findings",
            "explanation",
        ]
        .map(String::from),
    );
    for r in ranked {
        s.push_str(&csv_line(&[
            r.person.key.clone(),
            r.person.name.clone().unwrap_or_default(),
            r.person.stage.name().into(),
            r.person.identifiers.join(";"),
            r.risk.to_string(),
            r.severity.map(|s| s.name()).unwrap_or("").into(),
            r.findings.join(";"),
            r.explanation.clone(),
        ]));
    }
    s
}

/// Whether to colour: only on a terminal, and never when NO_COLOR is set.
pub fn use_colour() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn paint(s: &str, sev: Severity, colour: bool) -> String {
    if !colour {
        return s.to_string();
    }
    let code = match sev {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Info => "2",
    };
    format!("\x1b[{code}m{s}\x1b[0m")
}

/// Cuts text to a width in characters, marking the cut.
pub fn fit(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        format!("{s:<width$}")
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Word-wraps text to `width` columns, each line after the first indented by `indent`.
pub fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(indent);
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(indent);
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// A cell of a headless table: fitted to its column (cut with `…`), or, with `--wide`, whole
/// (padded when shorter, never cut).
fn cell(s: &str, width: usize, wide: bool) -> String {
    if wide && s.chars().count() > width {
        s.to_string()
    } else {
        fit(s, width)
    }
}

pub fn findings_table(findings: &[Finding], colour: bool, wide: bool) -> String {
    let mut s =
        String::from("SEVERITY  DETECTOR                    PERSON          FIRST SEEN (UTC)\n");
    for f in findings {
        let sev = paint(&fit(f.severity.name(), 8), f.severity, colour);
        s.push_str(&format!(
            "{sev}  {} {} {}\n",
            cell(f.detector, 27, wide),
            cell(&visible(&f.person), 15, wide),
            format_ts(f.first_seen)
        ));
        s.push_str(&wrap(&visible(&f.reason), 70, "          "));
    }
    s
}

pub fn people_table(ranked: &[Ranked], colour: bool, wide: bool) -> String {
    let mut s = String::from("RISK  SEVERITY  PERSON     NAME               STAGE     FINDINGS\n");
    for r in ranked {
        let sev = r
            .severity
            .map(|x| paint(&fit(x.name(), 8), x, colour))
            .unwrap_or_else(|| fit("-", 8));
        let findings = match r.findings.first() {
            Some(top) => format!("{} {top}", r.findings.len()),
            None => String::new(),
        };
        s.push_str(&format!(
            "{:>4}  {sev}  {} {} {} {}\n",
            r.risk,
            cell(&visible(&r.person.key), 10, wide),
            cell(&visible(r.person.name.as_deref().unwrap_or("-")), 18, wide),
            fit(r.person.stage.name(), 9),
            cell(&findings, 25, wide).trim_end()
        ));
    }
    s
}

/// The tenant's own system and service identities, listed apart from the ranked people (empty
/// when there are none).
pub fn services_table(people: &[crate::model::Person]) -> String {
    let mut services: Vec<&crate::model::Person> = people
        .iter()
        .filter(|p| p.stage == crate::model::Stage::Service)
        .collect();
    services.sort_by(|a, b| a.key.cmp(&b.key));
    if services.is_empty() {
        return String::new();
    }
    let mut s = format!(
        "\nSERVICES (system and service identities: not ranked, not suspects) {}\n",
        services.len()
    );
    for p in services {
        let why = p
            .identifiers
            .iter()
            .find_map(|i| crate::model::service_identity(i))
            .unwrap_or("typed as a service by the vendor");
        s.push_str(&format!(
            "  {}  {} events  ({why})\n",
            visible(&p.key),
            p.events
        ));
    }
    s
}

/// The closing summary: events read, findings per severity, top people.
pub fn summary(events: usize, rejected: usize, findings: &[Finding], ranked: &[Ranked]) -> String {
    let mut per = std::collections::BTreeMap::new();
    for f in findings {
        *per.entry(std::cmp::Reverse(f.severity)).or_insert(0usize) += 1;
    }
    let sev: Vec<String> = per
        .iter()
        .map(|(s, n)| format!("{} {n}", s.0.name()))
        .collect();
    let top: Vec<String> = ranked
        .iter()
        .filter(|r| r.risk > 0)
        .take(5)
        .map(|r| {
            format!(
                "{} ({}, risk {})",
                visible(&r.person.key),
                visible(r.person.name.as_deref().unwrap_or("?")),
                r.risk
            )
        })
        .collect();
    format!(
        "\n{events} events read, {rejected} rows rejected; {} findings ({})\ntop people: {}\n",
        findings.len(),
        if sev.is_empty() {
            "none".into()
        } else {
            sev.join(", ")
        },
        if top.is_empty() {
            "none".into()
        } else {
            top.join("; ")
        }
    )
}
