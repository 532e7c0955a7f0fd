//! Memory in flight: a file is admitted when its estimated working memory fits the run's
//! budget, so many large files at once cannot exhaust memory.

use super::*;

/// The memory files being parsed and checked at once may take, whatever `--jobs` is. What a
/// file takes is estimated before it is read from its size: a tree takes up to ~64 times the
/// bytes it is read from (2-byte nodes such as `[1,1,1,…]` of ~120 bytes each), and never more
/// than `Limits::max_nodes` allow (4,000,000 nodes: ~768 MiB with the text). A file waits until
/// its estimate fits; one alone always runs.
pub const MAX_MEMORY_IN_FLIGHT: u64 = 2 * 1024 * 1024 * 1024;
pub(super) const MEMORY_PER_INPUT_BYTE: u64 = 64;
pub(super) const MAX_MEMORY_PER_FILE: u64 = 768 * 1024 * 1024;

/// A counting semaphore of estimated bytes of memory.
pub(super) struct InFlight {
    pub(super) used: std::sync::Mutex<u64>,
    freed: std::sync::Condvar,
    cap: u64,
}

pub(super) struct Permit<'a> {
    of: &'a InFlight,
    bytes: u64,
}

impl InFlight {
    pub(super) fn new(cap: u64) -> Self {
        InFlight {
            used: std::sync::Mutex::new(0),
            freed: std::sync::Condvar::new(),
            cap,
        }
    }

    /// Waits until `bytes` (at most the whole cap: a bigger file runs alone) fit.
    pub(super) fn acquire(&self, bytes: u64) -> Permit<'_> {
        let bytes = bytes.min(self.cap);
        let mut used = self
            .used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *used + bytes > self.cap {
            used = self
                .freed
                .wait(used)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *used += bytes;
        Permit { of: self, bytes }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut used = self
            .of
            .used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *used -= self.bytes;
        self.of.freed.notify_all();
    }
}

/// The size of an input as far as known before reading it.
pub(super) fn input_bytes(input: &Input) -> u64 {
    match &input.origin {
        Origin::File(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
        Origin::Stdin(t) => t.len() as u64,
        Origin::Piped(b) => b.len() as u64,
        Origin::PipedOverLimit => 0,
    }
}
