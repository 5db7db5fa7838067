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

/// A file's bytes: read into memory, or mapped from the file when it is large and not gzip.
pub enum Bytes {
    Owned(Vec<u8>),
    Mapped(super::mapped::Mapping),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Owned(v) => v,
            Bytes::Mapped(m) => m,
        }
    }
}

/// A file's bytes after decompression. A truncated gzip keeps what was readable and says why it stopped.
pub struct Contents {
    pub bytes: Bytes,
    pub gzip: bool,
    pub truncated: Option<String>,
}

/// Why a path is not read at all.
#[derive(Debug)]
pub enum Refused {
    /// A FIFO, device or socket: reading one can block forever or never end.
    Special(&'static str),
    /// Larger than the ceiling, before or after decompression.
    TooLarge(String),
    Io(std::io::Error),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Special(kind) => write!(f, "refused: a {kind}, not a regular file"),
            Refused::TooLarge(why) => write!(f, "refused: {why}"),
            Refused::Io(e) => write!(f, "cannot read: {e}"),
        }
    }
}

/// The most bytes one file may hold once decompressed: half the memory available when hirescope
/// starts (at least 256 MiB, at most 16 GiB), so a gzip bomb or a huge file is stopped with a
/// message instead of exhausting the machine. `HIRESCOPE_MAX_FILE_BYTES` overrides it.
pub fn ceiling() -> u64 {
    static CEILING: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *CEILING.get_or_init(|| {
        if let Some(n) = std::env::var("HIRESCOPE_MAX_FILE_BYTES")
            .ok()
            .and_then(|v| v.trim().parse().ok())
        {
            return n;
        }
        let available = crate::memory::available().map_or(8 << 30, |b| b as u64);
        (available / 2).clamp(256 << 20, 16 << 30)
    })
}

/// What kind of special file a path is, if it is one (symlinks followed).
pub fn special_kind(meta: &std::fs::Metadata) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_fifo() {
        Some("FIFO")
    } else if t.is_char_device() {
        Some("character device")
    } else if t.is_block_device() {
        Some("block device")
    } else if t.is_socket() {
        Some("socket")
    } else {
        None
    }
}

/// Reads a regular file, refusing special files by type before opening them, and decompressing
/// gzip as a stream under the ceiling.
pub fn read(path: &Path) -> Result<Contents, Refused> {
    let meta = std::fs::metadata(path).map_err(Refused::Io)?;
    if let Some(kind) = special_kind(&meta) {
        return Err(Refused::Special(kind));
    }
    let limit = ceiling();
    if meta.len() > limit {
        return Err(Refused::TooLarge(format!(
            "{} bytes is over the {} byte ceiling for one file (half the memory available; set HIRESCOPE_MAX_FILE_BYTES to change it)",
            meta.len(),
            limit
        )));
    }
    let mut file = std::fs::File::open(path).map_err(Refused::Io)?;
    if meta.len() >= super::mapped::MAP_MIN_BYTES {
        let mut magic = [0u8; 2];
        let gzip = file.read_exact(&mut magic).is_ok() && magic == [0x1f, 0x8b];
        if !gzip {
            if let Ok(m) = super::mapped::Mapping::of(&file, meta.len() as usize) {
                return Ok(Contents {
                    bytes: Bytes::Mapped(m),
                    gzip: false,
                    truncated: None,
                });
            }
        }
        use std::io::Seek;
        file.rewind().map_err(Refused::Io)?;
    }
    let mut raw = Vec::with_capacity(meta.len() as usize);
    // `take` also stops a file that grows while it is read.
    file.take(limit + 1)
        .read_to_end(&mut raw)
        .map_err(Refused::Io)?;
    if raw.len() as u64 > limit {
        return Err(Refused::TooLarge(format!(
            "it grew past the {limit} byte ceiling while being read"
        )));
    }
    decode(raw)
}

/// A file's bytes as read: gunzipped (as a stream, under the ceiling) when they are gzip.
pub fn decode(raw: Vec<u8>) -> Result<Contents, Refused> {
    let limit = ceiling();
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity((raw.len() * 4).min(limit as usize));
        let mut dec = MultiGzDecoder::new(&raw[..]).take(limit + 1);
        let truncated = dec.read_to_end(&mut out).err().map(|e| {
            format!(
                "gzip stream ends early ({e}); rows after byte {} are lost",
                out.len()
            )
        });
        if out.len() as u64 > limit {
            return Err(Refused::TooLarge(format!(
                "it decompresses to more than {limit} bytes (from {} compressed): a gzip bomb, or a file larger than this machine can hold",
                raw.len()
            )));
        }
        return Ok(Contents {
            bytes: Bytes::Owned(out),
            gzip: true,
            truncated,
        });
    }
    Ok(Contents {
        bytes: Bytes::Owned(raw),
        gzip: false,
        truncated: None,
    })
}

/// The line of `file` that starts at byte `offset`, without its newline: up to the next LF, the
/// end of the file, or `limit` bytes, whichever comes first.
pub fn line_at(file: &std::fs::File, offset: u64, limit: usize) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let mut line = Vec::new();
    let mut window = vec![0u8; 64 << 10];
    let mut at = offset;
    loop {
        let n = file.read_at(&mut window, at)?;
        let end = memchr::memchr(b'\n', &window[..n]);
        line.extend_from_slice(&window[..end.unwrap_or(n)]);
        at += n as u64;
        if end.is_some() || n == 0 || line.len() > limit {
            return Ok(line);
        }
    }
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

/// What a path names: the files to read, and the entries refused on the way (special files,
/// directory loops, unreadable directories) with why.
#[derive(Default)]
pub struct Walk {
    pub files: Vec<PathBuf>,
    pub refused: Vec<(PathBuf, String)>,
    /// Files (device, inode) already listed, so a file reached twice through links is read once.
    seen_files: std::collections::HashSet<(u64, u64)>,
    /// Directories on the current path, so a link back to an ancestor is a loop, not a new tree.
    ancestors: Vec<(u64, u64)>,
}

/// Every regular file a path names: the file itself, or all files below a directory, sorted.
/// Links are followed, but each file is listed once and a link back into its own ancestry is
/// reported as a loop instead of walked again.
pub fn expand(path: &Path) -> Walk {
    let mut w = Walk::default();
    walk(path, &mut w);
    w
}

fn walk(path: &Path, w: &mut Walk) {
    use std::os::unix::fs::MetadataExt;
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            w.refused
                .push((path.to_path_buf(), format!("cannot read: {e}")));
            return;
        }
    };
    let id = (meta.dev(), meta.ino());
    if meta.is_dir() {
        if w.ancestors.contains(&id) {
            w.refused.push((
                path.to_path_buf(),
                "a link back to a folder that contains it: not walked again".into(),
            ));
            return;
        }
        if w.ancestors.len() > 64 {
            w.refused
                .push((path.to_path_buf(), "more than 64 folders deep".into()));
            return;
        }
        let entries = match std::fs::read_dir(path) {
            Ok(e) => e,
            Err(e) => {
                w.refused
                    .push((path.to_path_buf(), format!("cannot read: {e}")));
                return;
            }
        };
        let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        children.sort();
        w.ancestors.push(id);
        for c in children {
            let name = c.file_name().and_then(|n| n.to_str());
            let hidden = name.is_some_and(|n| n.starts_with('.'));
            let doc = name.is_some_and(|n| n.eq_ignore_ascii_case("README.md"));
            if !hidden && !doc {
                walk(&c, w);
            }
        }
        w.ancestors.pop();
    } else if let Some(kind) = special_kind(&meta) {
        w.refused
            .push((path.to_path_buf(), Refused::Special(kind).to_string()));
    } else if w.seen_files.insert(id) {
        w.files.push(path.to_path_buf());
    }
}
