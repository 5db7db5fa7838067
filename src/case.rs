//! Case work that outlives a session: marks, notes and dispositions, and where the analyst was
//! (person, view, pivots, thresholds). Saved in the user's data directory, keyed by a fingerprint
//! of the loaded inputs, and written atomically on every change (temporary file, fsync, rename,
//! fsync of the directory), so a crash or `kill -9` at any moment leaves the last saved state
//! whole.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What an analyst concluded about a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Disposition {
    Open,
    Cleared,
    Escalated,
    Confirmed,
}

impl Disposition {
    pub const ALL: [Disposition; 4] = [
        Disposition::Open,
        Disposition::Cleared,
        Disposition::Escalated,
        Disposition::Confirmed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Disposition::Open => "open",
            Disposition::Cleared => "cleared",
            Disposition::Escalated => "escalated",
            Disposition::Confirmed => "confirmed",
        }
    }

    pub fn parse(text: &str) -> Option<Disposition> {
        Disposition::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(text.trim()))
    }
}

/// What a note or mark is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Target {
    Person {
        person: String,
    },
    /// An event: its table and row in that table's frame.
    Row {
        table: String,
        row: i64,
    },
    Finding {
        detector: String,
        person: String,
        first_seen: i64,
    },
}

impl Target {
    pub fn label(&self) -> String {
        match self {
            Target::Person { person } => format!("person {person}"),
            Target::Row { table, row } => format!("{table} row {row}"),
            Target::Finding {
                detector, person, ..
            } => format!("finding {detector} of {person}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub target: Target,
    pub text: String,
    /// Milliseconds since the epoch, UTC.
    pub at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    pub target: Target,
    pub at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DispositionChange {
    pub disposition: Disposition,
    pub at: i64,
}

/// Where the analyst was, restored when the same inputs are opened again.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub person: Option<String>,
    pub view: Option<String>,
    /// The open pivots, outermost first, as `kind:value` (`ip:175.45.176.23`).
    pub pivots: Vec<String>,
    /// Thresholds changed in the workbench, by name.
    pub thresholds: BTreeMap<String, String>,
}

/// Everything an analyst recorded about one set of inputs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CaseState {
    pub fingerprint: String,
    pub notes: Vec<Note>,
    pub marks: Vec<Mark>,
    /// Each person's dispositions, oldest first; the last is in force.
    pub dispositions: BTreeMap<String, Vec<DispositionChange>>,
    pub session: Session,
}

impl CaseState {
    pub fn new(fingerprint: &str) -> CaseState {
        CaseState {
            fingerprint: fingerprint.to_string(),
            ..CaseState::default()
        }
    }

    pub fn disposition(&self, person: &str) -> Option<Disposition> {
        self.dispositions
            .get(person)
            .and_then(|h| h.last())
            .map(|c| c.disposition)
    }

    pub fn set_disposition(&mut self, person: &str, d: Disposition, at: i64) {
        self.dispositions
            .entry(person.to_string())
            .or_default()
            .push(DispositionChange { disposition: d, at });
    }

    pub fn add_note(&mut self, target: Target, text: &str, at: i64) {
        self.notes.push(Note {
            target,
            text: text.to_string(),
            at,
        });
    }

    /// Marks a target, or unmarks it when it is marked. Returns whether it is marked now.
    pub fn toggle_mark(&mut self, target: Target, at: i64) -> bool {
        match self.marks.iter().position(|m| m.target == target) {
            Some(i) => {
                self.marks.remove(i);
                false
            }
            None => {
                self.marks.push(Mark { target, at });
                true
            }
        }
    }

    pub fn is_marked(&self, target: &Target) -> bool {
        self.marks.iter().any(|m| &m.target == target)
    }

    /// Notes about a person: on the person, their findings, and rows (`rows` says whose a row is).
    pub fn notes_of<'a>(
        &'a self,
        person: &'a str,
        row_owner: &'a dyn Fn(&str, i64) -> Option<String>,
    ) -> impl Iterator<Item = &'a Note> + 'a {
        self.notes
            .iter()
            .filter(move |n| concerns(&n.target, person, row_owner))
    }

    pub fn marks_of<'a>(
        &'a self,
        person: &'a str,
        row_owner: &'a dyn Fn(&str, i64) -> Option<String>,
    ) -> impl Iterator<Item = &'a Mark> + 'a {
        self.marks
            .iter()
            .filter(move |m| concerns(&m.target, person, row_owner))
    }

    pub fn has_notes(&self, person: &str) -> bool {
        self.notes.iter().any(|n| match &n.target {
            Target::Person { person: p } | Target::Finding { person: p, .. } => p == person,
            Target::Row { .. } => false,
        })
    }
}

fn concerns(t: &Target, person: &str, row_owner: &dyn Fn(&str, i64) -> Option<String>) -> bool {
    match t {
        Target::Person { person: p } | Target::Finding { person: p, .. } => p == person,
        Target::Row { table, row } => row_owner(table, *row).as_deref() == Some(person),
    }
}

/// A fingerprint of the inputs: for every file, its path, size, modification time and a hash of
/// its first and last 64 KiB. The same files give the same fingerprint; a file that changed
/// gives another (and so a case of its own).
pub fn fingerprint(files: &[PathBuf]) -> String {
    use std::hash::{Hash, Hasher};
    let mut sorted: Vec<&PathBuf> = files.iter().collect();
    sorted.sort();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for f in sorted {
        let abs = std::fs::canonicalize(f).unwrap_or_else(|_| f.clone());
        abs.hash(&mut h);
        if let Ok(meta) = std::fs::metadata(f) {
            meta.len().hash(&mut h);
            if let Ok(t) = meta.modified() {
                t.hash(&mut h);
            }
            if let Ok(mut file) = std::fs::File::open(f) {
                use std::io::{Read, Seek, SeekFrom};
                let mut block = vec![0u8; 65536];
                let n = file.read(&mut block).unwrap_or(0);
                block[..n].hash(&mut h);
                if meta.len() > 65536 && file.seek(SeekFrom::End(-65536)).is_ok() {
                    let n = file.read(&mut block).unwrap_or(0);
                    block[..n].hash(&mut h);
                }
            }
        }
    }
    format!("{:016x}", h.finish())
}

/// Where case files live: `$HIRESCOPE_DATA_DIR`, else the user's data directory
/// (`~/.local/share/hirescope` on Linux).
pub fn data_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("HIRESCOPE_DATA_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    directories::ProjectDirs::from("", "", "hirescope").map(|p| p.data_dir().to_path_buf())
}

/// The case file of a fingerprint.
pub fn case_path(fingerprint: &str) -> Option<PathBuf> {
    data_dir().map(|d| d.join("cases").join(format!("{fingerprint}.json")))
}

/// Reads a case. A missing file is an empty case; an unreadable or corrupt one is an error (the
/// caller says so and starts empty, never overwriting it until the analyst changes something).
pub fn load(path: &Path, fingerprint: &str) -> anyhow::Result<CaseState> {
    match std::fs::read(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(CaseState::new(fingerprint)),
        Err(e) => Err(anyhow::anyhow!("{}: {e}", path.display())),
        Ok(bytes) => {
            let state: CaseState = serde_json::from_slice(&bytes)
                .map_err(|e| anyhow::anyhow!("{} is not a case file: {e}", path.display()))?;
            Ok(state)
        }
    }
}

/// Writes a case atomically: a temporary file in the same directory, written and fsynced, renamed
/// over the case file, then the directory fsynced so the rename itself is durable. A crash at any
/// point leaves either the old file or the new one, whole.
pub fn save(path: &Path, state: &CaseState) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    crate::private::create_dir(dir)?;
    let bytes = serde_json::to_vec_pretty(state).map_err(std::io::Error::other)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("case"),
        std::process::id()
    ));
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

/// Now, in milliseconds since the epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_and_load_round_trip_and_leftovers_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cases").join("f.json");
        let mut s = CaseState::new("f");
        s.add_note(
            Target::Person {
                person: "H1".into(),
            },
            "called HR",
            5,
        );
        s.set_disposition("H1", Disposition::Escalated, 6);
        save(&path, &s).unwrap();
        // Notes are the analyst's conclusions: only the user may read them or enter their folder.
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert!(s.toggle_mark(
            Target::Row {
                table: "CloudAppEvents".into(),
                row: 3
            },
            7
        ));
        save(&path, &s).unwrap();
        // A partial temporary file from a crash is not the case file.
        std::fs::write(
            dir.path().join("cases").join(".f.json.999.tmp"),
            "{\"notes\": [",
        )
        .unwrap();
        let back = load(&path, "f").unwrap();
        assert_eq!(back, s);
        assert_eq!(back.disposition("H1"), Some(Disposition::Escalated));
        assert!(load(&dir.path().join("none.json"), "f")
            .unwrap()
            .notes
            .is_empty());
        std::fs::write(&path, "{\"notes\": [").unwrap();
        assert!(
            load(&path, "f").is_err(),
            "a torn case file is an error, not an empty case"
        );
    }
}
