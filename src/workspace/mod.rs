//! The loaded investigation and the facts every view, report and export reads: a person's event
//! rows, entities, travel hops, a pivot's rows and a row's detail. Computed here once, outside the
//! workbench and the command line, so a screen and a report never disagree.

pub mod detail;
pub mod entities;
pub mod events;
pub mod travel;

pub use events::{evidence_rows, phase, pivot, timeline, EventRow, PivotKey};

use crate::analysis::Analysis;
use crate::detect::Finding;
use crate::ingest::TableKind;
use crate::model::columns as C;
use polars::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// The loaded investigation with indexes the views need.
pub struct Workspace {
    pub analysis: Analysis,
    /// Each person's rows in the (person, time)-sorted events frame: start and length.
    pub ranges: HashMap<String, (usize, usize)>,
    /// Findings that cite each evidence row.
    pub cited: HashMap<(TableKind, i64), Vec<usize>>,
    /// Where each IP, account and device occurs, so pivots and "who else" never scan the frame.
    pub index: Arc<EventIndex>,
    /// Each person's display name, `Name (KEY)`, so a screen never scans the people per row.
    names: HashMap<String, String>,
}

/// Row positions of every value of the pivotable columns, built once per loaded data set.
pub struct EventIndex {
    persons: Vec<String>,
    ts: Vec<i64>,
    rows: HashMap<(u8, String), Vec<u32>>,
    /// The people (indexes into `persons`) whose events carry each value, sorted: "who else"
    /// on the office's egress address is a lookup, not a pass over its two million rows.
    people: HashMap<(u8, String), Vec<u32>>,
}

pub(crate) const IX_IP: u8 = 0;
pub(crate) const IX_ACCOUNT: u8 = 1;
pub(crate) const IX_DEVICE: u8 = 2;
pub(crate) const IX_ISP: u8 = 3;

impl EventIndex {
    /// Built on the columns' codes (`dictionary::Codes`): a row's value is an index into a
    /// table by code, and no text is copied per row.
    pub fn build(events: &DataFrame) -> EventIndex {
        use crate::dictionary::{code_bound, Codes};
        const NONE: u32 = u32::MAX;
        let mut persons: Vec<String> = Vec::new();
        let mut person_of_row: Vec<u32> = Vec::new();
        if let Ok(person) = Codes::of(events, C::PERSON) {
            let mut id_of_code: Vec<u32> = vec![NONE; code_bound()];
            person_of_row = (0..events.height())
                .map(|i| match person.get(i) {
                    Some(k) if id_of_code[k as usize] == NONE => {
                        id_of_code[k as usize] = persons.len() as u32;
                        persons.push(person.text(k).to_string());
                        persons.len() as u32 - 1
                    }
                    Some(k) => id_of_code[k as usize],
                    None => NONE,
                })
                .collect();
        }
        // Per kind, each code's list of rows (an account, peer or object id is one kind: the
        // same text has the same code in each of those columns).
        let mut lists: Vec<(u8, u32, Vec<u32>)> = Vec::new();
        let mut slots: HashMap<u8, Vec<u32>> = HashMap::new();
        let mut text_of: HashMap<(u8, u32), String> = HashMap::new();
        for (kind, column) in [
            (IX_IP, C::IP),
            (IX_ACCOUNT, C::ACCOUNT),
            (IX_ACCOUNT, C::PEER),
            (IX_ACCOUNT, C::OBJECT_ID),
            (IX_DEVICE, C::DEVICE_ID),
            (IX_ISP, C::ISP),
        ] {
            let Ok(c) = Codes::of(events, column) else {
                continue;
            };
            let slot = slots.entry(kind).or_default();
            slot.resize(code_bound(), NONE);
            for i in 0..events.height() {
                let Some(k) = c.get(i) else { continue };
                let s = &mut slot[k as usize];
                if *s == NONE {
                    *s = lists.len() as u32;
                    lists.push((kind, k, Vec::new()));
                    text_of.insert((kind, k), c.text(k).to_string());
                }
                let list = &mut lists[*s as usize].2;
                if list.last() != Some(&(i as u32)) {
                    list.push(i as u32);
                }
            }
        }
        let mut rows = HashMap::with_capacity(lists.len());
        let mut people = HashMap::with_capacity(lists.len());
        for (kind, k, list) in lists {
            let mut who: Vec<u32> = list
                .iter()
                .map(|&i| person_of_row[i as usize])
                .filter(|&p| p != NONE)
                .collect();
            who.sort_unstable();
            who.dedup();
            let text = text_of.remove(&(kind, k)).unwrap_or_default();
            people.insert((kind, text.clone()), who);
            rows.insert((kind, text), list);
        }
        let ts = ints(events, C::TS_MS)
            .into_iter()
            .map(|t| t.unwrap_or(0))
            .collect();
        EventIndex {
            persons,
            ts,
            rows,
            people,
        }
    }

    /// Rows where a value occurs, in time order.
    pub(crate) fn rows_of(&self, kind: u8, value: &str) -> Vec<u32> {
        let mut r = self
            .rows
            .get(&(kind, value.to_string()))
            .cloned()
            .unwrap_or_default();
        r.sort_by_key(|&i| (self.ts[i as usize], i));
        r.dedup();
        r
    }

    /// The people, other than `person`, whose events carry a value.
    pub(crate) fn others(&self, kind: u8, value: &str, person: &str) -> Vec<String> {
        let ids = self
            .people
            .get(&(kind, value.to_string()))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut out: Vec<String> = ids
            .iter()
            .map(|&i| self.persons[i as usize].clone())
            .filter(|p| p != person)
            .collect();
        out.sort();
        out
    }
}

// Views read leniently: a column a frame lacks shows as empty, never as an error on screen.
/// Rows whose account or peer is at `domain` (`…@domain`): the test runs once per distinct
/// address, not per row.
pub fn domain_filter(domain: &str) -> Expr {
    let suffix = format!("@{domain}");
    let at = move |name: &str| {
        let suffix = suffix.clone();
        crate::dictionary::per_value(name, move |e| e.str().ends_with(lit(suffix.clone())))
    };
    at(C::ACCOUNT).or(at(C::PEER))
}

pub(crate) fn strs(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    crate::columns::texts(df, name).unwrap_or_else(|_| vec![None; df.height()])
}

pub(crate) fn ints(df: &DataFrame, name: &str) -> Vec<Option<i64>> {
    crate::columns::ints(df, name).unwrap_or_else(|_| vec![None; df.height()])
}

pub(crate) fn floats(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    crate::columns::floats(df, name).unwrap_or_else(|_| vec![None; df.height()])
}

pub(crate) fn flags(df: &DataFrame, name: &str) -> Vec<bool> {
    crate::columns::bools(df, name)
        .map(|v| v.into_iter().map(|b| b == Some(true)).collect())
        .unwrap_or_else(|_| vec![false; df.height()])
}

impl Workspace {
    pub fn new(analysis: Analysis) -> Workspace {
        let index = Arc::new(EventIndex::build(&analysis.model.events));
        Workspace::with_index(analysis, index)
    }

    /// A workspace over the same events as an earlier one (new findings): its index still holds.
    pub fn with_index(analysis: Analysis, index: Arc<EventIndex>) -> Workspace {
        // Runs of one person's code: reading the column as text made ten million strings at
        // 10M events (half a GB for a moment), and their frees stalled the first frame after.
        let mut ranges: HashMap<String, (usize, usize)> = HashMap::new();
        if let Ok(persons) = crate::dictionary::Codes::of(&analysis.model.events, C::PERSON) {
            let n = persons.codes.len();
            let mut i = 0;
            while i < n {
                let start = i;
                while i < n && persons.codes[i] == persons.codes[start] {
                    i += 1;
                }
                if let Some(p) = persons.text_at(start) {
                    ranges.insert(p.to_string(), (start, i - start));
                }
            }
        }
        let mut cited: HashMap<(TableKind, i64), Vec<usize>> = HashMap::new();
        for (k, f) in analysis.findings.iter().enumerate() {
            for e in &f.evidence {
                if let Some(kind) = TableKind::from_name(&e.table) {
                    cited.entry((kind, e.row)).or_default().push(k);
                }
            }
        }
        let names = analysis
            .model
            .people
            .iter()
            .filter_map(|p| Some((p.key.clone(), format!("{} ({})", p.name.as_ref()?, p.key))))
            .collect();
        Workspace {
            analysis,
            ranges,
            cited,
            index,
            names,
        }
    }

    /// A person's name with their key, or the key alone.
    pub fn name_of(&self, key: &str) -> String {
        self.names
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_string())
    }

    pub fn findings_of(&self, person: &str) -> Vec<&Finding> {
        self.analysis
            .findings
            .iter()
            .filter(|f| f.person == person || f.members.iter().any(|m| m == person))
            .collect()
    }

    pub fn person_frame(&self, person: &str) -> DataFrame {
        match self.ranges.get(person) {
            Some(&(start, len)) => self.analysis.model.events.slice(start as i64, len),
            None => self.analysis.model.events.clear(),
        }
    }
}
