//! Opening an input: read-only, gunzipped when it is gzip, and sniffed for its format.

use flate2::read::MultiGzDecoder;
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Parquet,
    Text,
    Binary,
    Empty,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Parquet => "parquet",
            Format::Text => "text",
            Format::Binary => "binary",
            Format::Empty => "empty",
        }
    }
}

/// A file's bytes after decompression. A truncated gzip keeps what was readable and says why it stopped.
pub struct Contents {
    pub bytes: Vec<u8>,
    pub gzip: bool,
    pub truncated: Option<String>,
}

pub fn read(path: &Path) -> std::io::Result<Contents> {
    let mut raw = Vec::new();
    std::fs::File::open(path)?.read_to_end(&mut raw)?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(raw.len() * 4);
        let mut dec = MultiGzDecoder::new(&raw[..]);
        let truncated = dec.read_to_end(&mut out).err().map(|e| {
            format!(
                "gzip stream ends early ({e}); rows after byte {} are lost",
                out.len()
            )
        });
        return Ok(Contents {
            bytes: out,
            gzip: true,
            truncated,
        });
    }
    Ok(Contents {
        bytes: raw,
        gzip: false,
        truncated: None,
    })
}

/// Strips a UTF-8 byte order mark.
pub fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(bytes)
}

pub fn sniff(bytes: &[u8]) -> Format {
    if bytes.starts_with(b"PAR1") {
        return Format::Parquet;
    }
    let body = without_bom(bytes);
    let Some(first) = body.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Format::Empty;
    };
    let head = &body[first..body.len().min(first + 8192)];
    // Text with a few bad bytes is still text (its bad rows are rejected one by one); a file whose
    // start is mostly invalid UTF-8 or control bytes is binary.
    let invalid: usize = head.utf8_chunks().map(|c| c.invalid().len()).sum();
    let controls = head
        .iter()
        .filter(|&&b| b < 0x09 || (b > 0x0d && b < 0x20))
        .count();
    if (invalid + controls) * 10 > head.len() {
        return Format::Binary;
    }
    match head[0] {
        b'{' | b'[' => Format::Json,
        _ => {
            // A shared list may open with `# comments`: decide from the first line that is not one.
            let line = head
                .split(|&b| b == b'\n')
                .find(|l| {
                    let t = l.trim_ascii();
                    !t.is_empty() && !t.starts_with(b"#")
                })
                .unwrap_or(head);
            if line.contains(&b',') {
                Format::Csv
            } else {
                Format::Text
            }
        }
    }
}

/// Every regular file a path names: the file itself, or all files below a directory, sorted.
pub fn expand(path: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(path, &mut out, 0);
    out
}

fn walk(path: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 32 {
        return;
    }
    if path.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else {
            out.push(path.to_path_buf());
            return;
        };
        let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        children.sort();
        for c in children {
            let hidden = c
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            let doc = c
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.eq_ignore_ascii_case("README.md"));
            if !hidden && !doc {
                walk(&c, out, depth + 1);
            }
        }
    } else {
        out.push(path.to_path_buf());
    }
}
