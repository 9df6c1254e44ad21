//! Inputs as files, and small budgets. The readers and the streaming Elle check
//! take a path (that is what `rjepsen check` calls), so each input is written to
//! one scratch file per process and read back through the real code path,
//! extension and all.

use rjepsen_core::checker::CheckContext;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Writes `data` to a scratch file ending in `.ext` and returns it. One file per
/// process and thread, so that the replay test's threads never share one.
pub fn scratch(data: &[u8], ext: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SLOT: usize = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let slot = SLOT.with(|s| *s);
    let path = dir.join(format!("rjepsen-fuzz-{}-{slot}.{ext}", std::process::id()));
    std::fs::write(&path, data).expect("write the scratch file");
    path
}

/// Small budgets, so that a hard input ends `unknown` quickly instead of looking
/// like a hang to libFuzzer.
pub fn small_ctx() -> CheckContext {
    CheckContext {
        time_limit: Some(Duration::from_millis(200)),
        memory_limit: Some(64 << 20),
        ..CheckContext::default()
    }
}

/// The first byte picks the format (odd: EDN), the rest is the file.
pub fn split_format(data: &[u8]) -> (&'static str, &[u8]) {
    match data.split_first() {
        Some((b, rest)) if b % 2 == 1 => ("edn", rest),
        Some((_, rest)) => ("jsonl", rest),
        None => ("jsonl", data),
    }
}
