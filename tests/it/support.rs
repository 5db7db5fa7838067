//! Helpers shared by the integration tests.

use hirescope::ingest::{self, Dataset, Inputs, TableKind};
use polars::prelude::*;
use std::path::{Path, PathBuf};

pub fn external(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/external")
        .join(name)
}

pub fn load_paths(paths: &[PathBuf]) -> Dataset {
    ingest::load(&Inputs {
        paths: paths.to_vec(),
        ..Default::default()
    })
}

/// Writes `contents` to a file named `name` in a fresh temporary directory and loads it.
pub fn load_bytes(name: &str, contents: &[u8]) -> (tempfile::TempDir, Dataset) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, contents).unwrap();
    let data = load_paths(&[path]);
    (dir, data)
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

pub fn rows(data: &Dataset, kind: TableKind) -> usize {
    data.table(kind).map_or(0, |t| t.height())
}

/// A text column's values, as owned strings.
pub fn texts(data: &Dataset, kind: TableKind, column: &str) -> Vec<Option<String>> {
    let df = data
        .table(kind)
        .unwrap_or_else(|| panic!("no {kind} table"));
    let col = df
        .column(column)
        .unwrap_or_else(|_| panic!("no column {column}"));
    col.cast(&DataType::String)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

pub fn millis(data: &Dataset, kind: TableKind) -> Vec<Option<i64>> {
    let df = data.table(kind).unwrap();
    let ts = df.column("ts").unwrap().cast(&DataType::Int64).unwrap();
    ts.i64().unwrap().iter().collect()
}

pub fn bools(data: &Dataset, kind: TableKind, column: &str) -> Vec<Option<bool>> {
    let df = data.table(kind).unwrap();
    df.column(column).unwrap().bool().unwrap().iter().collect()
}

pub fn floats(data: &Dataset, kind: TableKind, column: &str) -> Vec<Option<f64>> {
    let df = data.table(kind).unwrap();
    df.column(column).unwrap().f64().unwrap().iter().collect()
}

/// Escape sequences an attacker would type into a display name, a subject or a user agent: set
/// the window title, write the clipboard (OSC 52), clear the screen, reset the terminal, a C1
/// CSI, and a bidi override that reverses what follows.
pub const HOSTILE: &str =
    "Eve\u{1b}]0;PWNED\u{7}\u{1b}]52;c;SGFja2Vk\u{7}\u{1b}[2J\u{1b}c\u{9b}31m\u{202e}gnp.exe\r\n";

/// A folder whose every attacker-controlled field carries `HOSTILE`: names, subjects, user
/// agents, cities, object names and raw JSON; with intel so that findings cite the rows.
pub fn hostile_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let h = HOSTILE;
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let raw =
        q(&serde_json::json!({"taskDisplayName": h, "ipAddress": "175.45.176.23"}).to_string());
    let mut cae = String::from("Timestamp,Application,ApplicationId,ActionType,AccountId,AccountDisplayName,IPAddress,IsExternalUser,CountryCode,City,UserAgent,ObjectName,RawEventData,ReportId\n");
    for (k, (ts, ip, cc)) in [
        ("2026-09-02T09:00:00Z", "175.45.176.23", "KP"),
        ("2026-09-02T09:10:00Z", "68.101.77.140", "US"),
        ("2026-09-03T09:00:00Z", "175.45.176.23", "KP"),
    ]
    .iter()
    .enumerate()
    {
        cae.push_str(&format!(
            "{ts},Workday,11161,{},eve@contoso.example,{},{ip},0,{cc},{},{},{},{raw},r{k}\n",
            q(&format!("Add Payment Election {h}")),
            q(h),
            q(h),
            q(h),
            // A NUL too: the row is kept, the cell neutralised and flagged.
            q(&format!("{h}\0after-nul")),
        ));
    }
    cae.push_str("2026-07-01T09:00:00Z,Microsoft Teams,11161,MessageSent,sam@contoso.example,Sam,52.160.10.21,0,US,Seattle,x,y,{},s1\n");
    std::fs::write(dir.path().join("cloudapp.csv"), cae).unwrap();
    let mail = format!(
        "Timestamp,NetworkMessageId,SenderFromAddress,SenderDisplayName,RecipientEmailAddress,Subject,SenderIPv4\n2026-08-20T10:00:00Z,m1,ops@devhire.example,{},eve@contoso.example,{},175.45.176.23\n",
        q(h),
        q(&format!("Interview {h}"))
    );
    std::fs::write(dir.path().join("mail.csv"), mail).unwrap();
    std::fs::write(
        dir.path().join("roster.csv"),
        format!(
            "person_id,name,stage,upn,hire_date,work_country\nH666,{},hired,eve@contoso.example,2026-09-01,US\n",
            q(h)
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("intel.txt"),
        "175.45.176.0/24\nops@devhire.example\n",
    )
    .unwrap();
    dir
}

/// Characters that must never reach a terminal from data: controls, escapes, bidi overrides.
pub fn dangerous(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

/// Runs a command to the end and insists it succeeded, naming it and its stderr if not.
pub fn succeeds(cmd: &mut std::process::Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A directory of `hirescope sample` exports: `people` people, about `events` events.
pub fn sample(people: usize, events: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    succeeds(
        std::process::Command::new(env!("CARGO_BIN_EXE_hirescope"))
            .args(["sample", "--force", "--people", &people.to_string()])
            .args(["--events", &events.to_string(), "-o"])
            .arg(dir.path()),
    );
    dir
}

/// The workbench drawn into ratatui's TestBackend at `w`x`h` (default theme, no colour), as text.
pub fn screen(app: &hirescope::ui::app::App, w: u16, h: u16) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    let theme = hirescope::ui::theme::Theme::load("default", false).unwrap();
    t.draw(|f| hirescope::ui::render::draw(f, app, &theme))
        .unwrap();
    let buf = t.backend().buffer().clone();
    let mut s = String::new();
    for y in 0..h {
        for x in 0..w {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

/// A folder analysed with the default thresholds, as the workbench holds it.
pub fn workspace_of(dir: &tempfile::TempDir) -> std::sync::Arc<hirescope::workspace::Workspace> {
    let a = hirescope::cli::analyse(
        &[dir.path().to_path_buf()],
        &hirescope::cli::SourceArgs::default(),
        &hirescope::detect::Config::default(),
        &[],
    )
    .unwrap();
    std::sync::Arc::new(hirescope::workspace::Workspace::new(a))
}
