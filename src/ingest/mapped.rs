//! Large export files mapped from disk instead of read into memory, so that a reader can hand
//! back the pages it is done with (`release`) while it goes on: a 2.4 GB export then costs a few
//! hundred MB of resident memory at a time, not 2.4 GB for the whole read.
//!
//! A mapping is read-only and private. Pages handed back are read from the file again if they
//! are looked at again, so a release never changes what a reader sees. The one risk is a file
//! cut short by another program while it is being read, which ends the process (SIGBUS) where a
//! read into memory would have seen the shorter file; exports are not written to while hunted.

use std::sync::Mutex;

/// The address ranges of the live mappings: `release` acts only inside one of them.
static LIVE: Mutex<Vec<(usize, usize)>> = Mutex::new(Vec::new());

/// Files at least this large are mapped (smaller ones are read: the saving would be small).
pub const MAP_MIN_BYTES: u64 = 64 << 20;

/// A whole file mapped read-only.
pub struct Mapping {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the mapping is read-only and owned by this value until it is dropped.
unsafe impl Send for Mapping {}
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps the first `len` bytes of `file` (its length when it was opened).
    pub fn of(file: &std::fs::File, len: usize) -> std::io::Result<Mapping> {
        use std::os::unix::io::AsRawFd;
        if len == 0 {
            return Err(std::io::Error::other("an empty file is not mapped"));
        }
        // SAFETY: a fresh read-only private mapping of an open file; checked for failure.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        let ptr = ptr as *mut u8;
        if let Ok(mut live) = LIVE.lock() {
            live.push((ptr as usize, len));
        }
        Ok(Mapping { ptr, len })
    }
}

impl std::ops::Deref for Mapping {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: `ptr` maps `len` readable bytes for as long as `self` lives.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        if let Ok(mut live) = LIVE.lock() {
            live.retain(|&(p, _)| p != self.ptr as usize);
        }
        // SAFETY: unmapping what `of` mapped, once.
        unsafe {
            libc::munmap(self.ptr as *mut libc::c_void, self.len);
        }
    }
}

/// Hands back the whole pages of `bytes` when they lie in a live mapping (a reader is done with
/// them); does nothing for bytes in memory, whose pages must stay.
pub fn release(bytes: &[u8]) {
    let (start, end) = (
        bytes.as_ptr() as usize,
        bytes.as_ptr() as usize + bytes.len(),
    );
    let mapped = LIVE
        .lock()
        .map(|live| live.iter().any(|&(p, n)| start >= p && end <= p + n))
        .unwrap_or(false);
    if !mapped {
        return;
    }
    let page = 4096;
    let (from, to) = (start.div_ceil(page) * page, end / page * page);
    if to > from {
        // SAFETY: whole pages inside a live read-only private file mapping: dropping them only
        // means they are read from the file again if touched.
        unsafe {
            libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_DONTNEED);
        }
    }
}

/// Calls `release` on what a reader has passed, a stretch at a time, as it goes.
#[derive(Default)]
pub struct Behind {
    done: usize,
}

impl Behind {
    /// Stretches smaller than this are not worth a system call.
    const STEP: usize = 32 << 20;

    /// The reader of `body` is at byte `at`: hands back what lies before, in stretches.
    pub fn at(&mut self, body: &[u8], at: usize) {
        if at >= self.done + Self::STEP && at <= body.len() {
            release(&body[self.done..at]);
            self.done = at;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Pages handed back are read from the file again: the bytes never change. Bytes in memory
    /// are never handed back (that would zero them).
    #[test]
    fn released_pages_read_the_same_and_memory_is_untouched() {
        let text: Vec<u8> = (0..3_000_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&text).unwrap();
        let map = Mapping::of(&file, text.len()).unwrap();
        assert_eq!(&map[..], &text[..]);
        release(&map[..]);
        let mut behind = Behind::default();
        for at in (0..map.len()).step_by(1 << 20) {
            behind.at(&map, at);
        }
        assert_eq!(&map[..], &text[..], "a released page read back differently");
        drop(map);
        let owned = text.clone();
        release(&owned);
        assert_eq!(owned, text, "memory that is not a mapping was released");
    }
}
