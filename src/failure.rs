//! Errors that decide the exit code, and the check every named input goes through first.

use crate::sanitize::visible;

/// Exit codes, documented in the README.
pub mod exit {
    /// It ran (whatever it found).
    pub const OK: i32 = 0;
    /// The command line is wrong: an unknown option, detector, severity or table.
    pub const USAGE: i32 = 2;
    /// An input named on the command line (a PATH, `--roster`, `--intel`, `--networks`,
    /// `--config`) does not exist or cannot be read.
    pub const INPUT: i32 = 3;
    /// Anything else went wrong inside hirescope (or an output could not be written).
    pub const INTERNAL: i32 = 4;
}

/// An error that decides the exit code: an input that cannot be read (3) or a command line that
/// asks for something that does not exist (2). Any other error exits 4.
#[derive(Debug)]
pub struct Failure {
    pub code: i32,
    pub message: String,
}

impl Failure {
    pub fn input(message: String) -> Failure {
        Failure {
            code: exit::INPUT,
            message,
        }
    }

    pub fn usage(message: String) -> Failure {
        Failure {
            code: exit::USAGE,
            message,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Fails with exit code 3 unless `path` exists and can be read (a file opened, a directory listed).
pub fn check_readable(what: &str, path: &std::path::Path) -> anyhow::Result<()> {
    let shown = visible(&path.display().to_string()).into_owned();
    let meta =
        std::fs::metadata(path).map_err(|e| Failure::input(format!("{what} {shown}: {e}")))?;
    // Opening a FIFO blocks until a writer comes: refuse special files by type first.
    if let Some(kind) = crate::ingest::source::special_kind(&meta) {
        return Err(Failure::input(format!(
            "{what} {shown}: refused: a {kind}, not a regular file"
        ))
        .into());
    }
    let opened = if meta.is_dir() {
        std::fs::read_dir(path).map(|_| ())
    } else {
        std::fs::File::open(path).map(|_| ())
    };
    opened.map_err(|e| Failure::input(format!("{what} {shown} cannot be read: {e}")).into())
}
