//! The HR roster: who is in scope, with every identifier that links their events to them.

use crate::intel::loose;
use crate::time::parse_timestamp;
use serde::Serialize;

#[derive(Clone, Debug, Default, Serialize)]
pub struct RosterPerson {
    pub person_id: String,
    pub name: Option<String>,
    pub stage: Option<String>,
    pub candidate_emails: Vec<String>,
    pub workday_accounts: Vec<String>,
    pub upns: Vec<String>,
    pub object_ids: Vec<String>,
    /// Milliseconds since the epoch, UTC.
    pub hire_date: Option<i64>,
    pub work_country: Option<String>,
    pub requisition: Option<String>,
    pub source: String,
    pub line: u64,
}

impl RosterPerson {
    /// Every normalised identifier of the person.
    pub fn identifiers(&self) -> impl Iterator<Item = &String> {
        self.candidate_emails
            .iter()
            .chain(&self.workday_accounts)
            .chain(&self.upns)
            .chain(&self.object_ids)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Roster {
    pub people: Vec<RosterPerson>,
}

/// One identifier claimed by two or more roster rows of different people.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Conflict {
    pub identifier: String,
    /// (person_id, file, line) of each row that claims it.
    pub claims: Vec<(String, String, u64)>,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let who: Vec<String> = self
            .claims
            .iter()
            .map(|(p, file, line)| format!("{p} ({file} line {line})"))
            .collect();
        write!(
            f,
            "roster conflict: {} is claimed by {}; it links none of them, so no row's events move to another",
            self.identifier,
            who.join(" and ")
        )
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Col {
    PersonId,
    Name,
    Stage,
    CandidateEmail,
    WorkdayAccount,
    Upn,
    ObjectId,
    HireDate,
    WorkCountry,
    Requisition,
}

fn column_of(header: &str) -> Option<Col> {
    Some(match loose(header).as_str() {
        "personid" | "employeeid" | "candidateid" | "workerid" => Col::PersonId,
        "name" | "fullname" | "displayname" | "legalname" => Col::Name,
        "stage" | "status" => Col::Stage,
        "candidateemail" | "email" | "emails" | "personalemail" | "applicantemail" => {
            Col::CandidateEmail
        }
        "workdayaccount" | "workdayaccounts" | "workdayuser" => Col::WorkdayAccount,
        "upn" | "upns" | "corporateupn" | "corporateemail" | "workemail" => Col::Upn,
        "objectid" | "entraobjectid" | "aadobjectid" | "accountobjectid" => Col::ObjectId,
        "hiredate" | "startdate" => Col::HireDate,
        "workcountry" | "country" => Col::WorkCountry,
        "requisition" | "requisitionid" | "jobrequisition" => Col::Requisition,
        _ => return None,
    })
}

/// A header is a roster's when it names a person id and at least one identifier column.
pub fn is_roster_header<S: AsRef<str>>(headers: &[S]) -> bool {
    let cols: Vec<Option<Col>> = headers.iter().map(|h| column_of(h.as_ref())).collect();
    cols.contains(&Some(Col::PersonId))
        && cols.iter().any(|c| {
            matches!(
                c,
                Some(Col::CandidateEmail | Col::WorkdayAccount | Col::Upn | Col::ObjectId)
            )
        })
}

fn split_ids(v: &str) -> Vec<String> {
    v.split([';', '|'])
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

impl Roster {
    /// Identifiers that two or more people's rows claim.
    pub fn conflicts(&self) -> Vec<Conflict> {
        let mut claims: std::collections::BTreeMap<&str, Vec<&RosterPerson>> = Default::default();
        for p in &self.people {
            let mut ids: Vec<&String> = p.identifiers().collect();
            ids.sort();
            ids.dedup();
            for id in ids {
                claims.entry(id.as_str()).or_default().push(p);
            }
        }
        claims
            .into_iter()
            .filter(|(_, ps)| ps.len() > 1)
            .map(|(id, ps)| Conflict {
                identifier: id.to_string(),
                claims: ps
                    .iter()
                    .map(|p| (p.person_id.clone(), p.source.clone(), p.line))
                    .collect(),
            })
            .collect()
    }

    /// The identifiers of `conflicts`, which link nobody.
    pub fn conflicted(&self) -> std::collections::HashSet<String> {
        self.conflicts().into_iter().map(|c| c.identifier).collect()
    }

    /// Adds one roster row; says why when it cannot be used. A hire date that does not parse
    /// loses the date, not the person: the row is kept, and the cell left out is returned as
    /// (column, reason) for the load report.
    pub fn push_row(
        &mut self,
        headers: &[String],
        values: &[Option<String>],
        source: &str,
        line: u64,
    ) -> Result<Option<(String, String)>, (String, String)> {
        let mut left_out = None;
        let mut p = RosterPerson {
            source: source.to_string(),
            line,
            ..Default::default()
        };
        for (h, v) in headers.iter().zip(values) {
            let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
                continue;
            };
            match column_of(h) {
                Some(Col::PersonId) => p.person_id = v.to_string(),
                Some(Col::Name) => p.name = Some(v.to_string()),
                Some(Col::Stage) => p.stage = Some(v.to_ascii_lowercase()),
                Some(Col::CandidateEmail) => p.candidate_emails.extend(split_ids(v)),
                Some(Col::WorkdayAccount) => p.workday_accounts.extend(split_ids(v)),
                Some(Col::Upn) => p.upns.extend(split_ids(v)),
                Some(Col::ObjectId) => p.object_ids.extend(split_ids(v)),
                Some(Col::HireDate) => match parse_timestamp(v) {
                    Some(ms) => p.hire_date = Some(ms),
                    None => {
                        left_out = Some((
                            h.clone(),
                            format!("hire date does not parse, left out: {v:?} (dates are read as ISO 8601 or US month/day/year)"),
                        ))
                    }
                },
                Some(Col::WorkCountry) => p.work_country = Some(v.to_ascii_uppercase()),
                Some(Col::Requisition) => p.requisition = Some(v.to_string()),
                None => {}
            }
        }
        if p.person_id.is_empty() {
            return Err(("person_id".into(), "roster row without person_id".into()));
        }
        if p.identifiers().next().is_none() {
            return Err(("candidate_email".into(), format!("roster row {} has no identifier (candidate_email, workday_account, upn or object_id)", p.person_id)));
        }
        self.add(p);
        Ok(left_out)
    }

    /// Adds a person. A person listed twice (two requisitions, a re-application, two files) is
    /// one person: the rows merge.
    pub fn add(&mut self, p: RosterPerson) {
        match self.people.iter_mut().find(|q| q.person_id == p.person_id) {
            Some(q) => {
                for (mine, theirs) in [
                    (&mut q.candidate_emails, p.candidate_emails),
                    (&mut q.workday_accounts, p.workday_accounts),
                    (&mut q.upns, p.upns),
                    (&mut q.object_ids, p.object_ids),
                ] {
                    for id in theirs {
                        if !mine.contains(&id) {
                            mine.push(id);
                        }
                    }
                }
                q.name = q.name.take().or(p.name);
                q.stage = p.stage.or(q.stage.take());
                q.hire_date = q.hire_date.or(p.hire_date);
                q.work_country = q.work_country.take().or(p.work_country);
                q.requisition = q.requisition.take().or(p.requisition);
            }
            None => self.people.push(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loose_headers_and_multiple_ids() {
        let headers: Vec<String> = [
            "Person ID",
            "Full Name",
            "Candidate_Email",
            "UPN",
            "Hire Date",
            "work country",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert!(is_roster_header(&headers));
        let mut r = Roster::default();
        let vals = [
            "P1",
            "Ann",
            "Ann@Mail.com; ann2@mail.com",
            "ann@corp.example",
            "2026-01-05",
            "us",
        ]
        .map(|s| Some(s.to_string()));
        assert_eq!(r.push_row(&headers, &vals, "roster.csv", 2), Ok(None));
        let p = &r.people[0];
        assert_eq!(p.candidate_emails, vec!["ann@mail.com", "ann2@mail.com"]);
        assert_eq!(p.work_country.as_deref(), Some("US"));
        assert!(p.hire_date.is_some());
        let bad = ["", "Bob", "bob@x.com", "", "", ""].map(|s| Some(s.to_string()));
        assert!(r.push_row(&headers, &bad, "roster.csv", 3).is_err());
        let again = ["P1", "", "ann.c@mail.com", "", "", ""].map(|s| Some(s.to_string()));
        assert_eq!(r.push_row(&headers, &again, "roster.csv", 4), Ok(None));
        assert_eq!(r.people.len(), 1, "a person listed twice is one person");
        assert_eq!(r.people[0].candidate_emails.len(), 3);
        assert_eq!(r.people[0].name.as_deref(), Some("Ann"));
        // A spreadsheet's US date is a hire date; a date that is none loses the date, not the
        // person, and says which cell it left out.
        let us = ["P2", "Cy", "cy@x.com", "", "8/1/2026", ""].map(|s| Some(s.to_string()));
        assert_eq!(r.push_row(&headers, &us, "roster.csv", 5), Ok(None));
        assert_eq!(
            r.people[1].hire_date,
            crate::time::parse_timestamp("2026-08-01T00:00:00Z")
        );
        let odd = ["P3", "Di", "di@x.com", "", "31/12/2026", ""].map(|s| Some(s.to_string()));
        let (column, why) = r
            .push_row(&headers, &odd, "roster.csv", 6)
            .unwrap()
            .unwrap();
        assert_eq!(column, "Hire Date");
        assert!(why.contains("\"31/12/2026\""), "{why}");
        assert_eq!((r.people.len(), r.people[2].hire_date), (3, None));
    }
}
