//! Risk per person: findings across phases combined with diminishing returns per detector, and
//! always explained.

use crate::detect::{Finding, Severity};
use crate::model::Person;
use serde::Serialize;
use std::collections::BTreeMap;

/// Points a finding of each severity adds before diminishing returns.
pub fn weight(s: Severity) -> f64 {
    match s {
        Severity::Critical => 40.0,
        Severity::High => 25.0,
        Severity::Medium => 12.0,
        Severity::Low => 4.0,
        Severity::Info => 1.0,
    }
}

/// Each further finding of the same detector counts half as much as the one before.
pub const REPEAT_FACTOR: f64 = 0.5;
/// Points at which risk reaches about 63 of 100: risk = 100 * (1 - e^(-points / SCALE)).
pub const SCALE: f64 = 60.0;

#[derive(Clone, Debug, Serialize)]
pub struct Contribution {
    pub detector: &'static str,
    pub findings: usize,
    pub top_severity: Severity,
    pub points: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Ranked {
    pub person: Person,
    pub risk: u32,
    pub severity: Option<Severity>,
    pub findings: Vec<&'static str>,
    pub contributions: Vec<Contribution>,
    pub explanation: String,
}

pub fn rank(people: &[Person], findings: &[Finding]) -> Vec<Ranked> {
    let mut by_person: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_person.entry(f.person.as_str()).or_default().push(f);
    }
    let mut out: Vec<Ranked> = people
        .iter()
        // A tenant's own service identities are listed apart, never ranked.
        .filter(|p| p.stage != crate::model::Stage::Service)
        .map(|p| {
            let mine = by_person.get(p.key.as_str()).cloned().unwrap_or_default();
            let mut per_detector: BTreeMap<&'static str, Vec<Severity>> = BTreeMap::new();
            for f in &mine {
                per_detector.entry(f.detector).or_default().push(f.severity);
            }
            let mut contributions: Vec<Contribution> = per_detector
                .into_iter()
                .map(|(d, mut sevs)| {
                    sevs.sort_by(|a, b| b.cmp(a));
                    let points = sevs
                        .iter()
                        .enumerate()
                        .map(|(k, s)| weight(*s) * REPEAT_FACTOR.powi(k as i32))
                        .sum();
                    Contribution {
                        detector: d,
                        findings: sevs.len(),
                        top_severity: sevs[0],
                        points,
                    }
                })
                .collect();
            contributions.sort_by(|a, b| {
                b.points
                    .total_cmp(&a.points)
                    .then(a.detector.cmp(b.detector))
            });
            let total: f64 = contributions.iter().map(|c| c.points).sum();
            let risk = (100.0 * (1.0 - (-total / SCALE).exp())).round() as u32;
            let mut severity = mine.iter().map(|f| f.severity).max();
            let agreeing = contributions
                .iter()
                .filter(|c| c.top_severity >= Severity::Medium)
                .count();
            if agreeing >= 3 {
                severity = severity.map(Severity::raised);
            }
            let explanation = if contributions.is_empty() {
                "no findings".to_string()
            } else {
                let parts: Vec<String> = contributions
                    .iter()
                    .map(|c| {
                        format!(
                            "{} {}x{} = {:.1}",
                            c.detector,
                            c.findings,
                            c.top_severity.name(),
                            c.points
                        )
                    })
                    .collect();
                format!(
                    "{}; {:.1} points -> risk {risk}{}",
                    parts.join(" + "),
                    total,
                    if agreeing >= 3 {
                        format!("; {agreeing} detectors agree at medium or above, severity raised")
                    } else {
                        String::new()
                    }
                )
            };
            Ranked {
                person: p.clone(),
                risk,
                severity,
                findings: contributions.iter().map(|c| c.detector).collect(),
                contributions,
                explanation,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.risk
            .cmp(&a.risk)
            .then(b.severity.cmp(&a.severity))
            .then(a.person.key.cmp(&b.person.key))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{Finding, Phase};
    use crate::model::Stage;

    fn person(key: &str) -> Person {
        Person {
            key: key.into(),
            name: None,
            stage: Stage::Hired,
            identifiers: vec![],
            hire_date: None,
            work_country: None,
            in_roster: true,
            first_seen: None,
            last_seen: None,
            events: 0,
        }
    }

    fn f(person: &str, detector: &'static str, severity: Severity) -> Finding {
        Finding {
            detector,
            title: "",
            severity,
            phase: Phase::PostHire,
            person: person.into(),
            accounts: vec![],
            members: vec![],
            first_seen: 0,
            last_seen: 0,
            attack: vec![],
            reason: String::new(),
            figures: Default::default(),
            evidence: vec![],
        }
    }

    #[test]
    fn diminishing_returns_and_raise() {
        let people = [person("a"), person("b"), person("c")];
        let many_same: Vec<Finding> = (0..10)
            .map(|_| f("a", "intel-match", Severity::Medium))
            .collect();
        let mut all = many_same.clone();
        all.extend([
            f("b", "impossible-travel", Severity::Medium),
            f("b", "location-mismatch", Severity::Medium),
            f("b", "shared-mfa-device", Severity::Medium),
        ]);
        let r = rank(&people, &all);
        let get = |k: &str| r.iter().find(|x| x.person.key == k).unwrap();
        // Ten findings of one detector are worth less than two weights: 12 * (1 + 1/2 + 1/4 ...) < 24.
        assert!(get("a").contributions[0].points < 24.0);
        assert_eq!(
            get("b").severity,
            Some(Severity::High),
            "three detectors agree at medium"
        );
        assert_eq!(get("a").severity, Some(Severity::Medium));
        assert!(get("b").risk > get("a").risk);
        assert_eq!(get("c").risk, 0);
        assert_eq!(r.last().unwrap().person.key, "c");
        assert!(get("b")
            .explanation
            .contains("impossible-travel 1xmedium = 12.0"));
    }
}
