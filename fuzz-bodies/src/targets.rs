//! One function per fuzz target, and the table that names them (the fuzz
//! targets' file names, which are also the seed and artifact folders' names).

use crate::{scratch, small_ctx, split_format};
use rjepsen_checkers::elle::ElleChecker;
use rjepsen_checkers::linear::check_ops;
use rjepsen_core::history::{read_history, ReadError};
use rjepsen_core::{Checker, History, Valid};

/// How far an input got: an error from the reader, a read history (the readers'
/// targets), or a checker's verdict (the checkers' targets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reached {
    /// The reader refused it (the error named a line, or the file was unreadable).
    ReadError,
    /// The reader returned this many ops.
    Read { ops: usize },
    /// A checker ran on it to this verdict (for list-append, the streamed check's).
    Verdict(Valid),
}

/// A target's body: any bytes in, how far they got out.
pub type Body = fn(&[u8]) -> Reached;

/// Every target: its name (a file in `fuzz/fuzz_targets/`) and its body.
pub const TARGETS: &[(&str, Body)] = &[
    ("edn_reader", edn_reader),
    ("jsonl_reader", jsonl_reader),
    ("check_register", check_register),
    ("check_list_append", check_list_append),
];

/// The EDN reader must turn any bytes into ops or an error naming a line.
pub fn edn_reader(data: &[u8]) -> Reached {
    read_as(data, "edn")
}

/// The JSON Lines reader must turn any bytes into ops or an error naming a line.
pub fn jsonl_reader(data: &[u8]) -> Reached {
    read_as(data, "jsonl")
}

fn read_as(data: &[u8], ext: &str) -> Reached {
    match read_history(&scratch(data, ext)) {
        Ok(ops) => Reached::Read { ops: ops.len() },
        Err(ReadError::Parse { line, .. }) => {
            assert!(line >= 1, "a parse error names a 1-based line");
            Reached::ReadError
        }
        Err(_) => Reached::ReadError,
    }
}

/// `check --model cas-register` (plain and `--independent`) on any readable
/// file: a verdict, never a panic. Byte 0 picks the format, byte 1 independent
/// keys, the rest is the file.
pub fn check_register(data: &[u8]) -> Reached {
    let (ext, rest) = split_format(data);
    let (independent, rest) = match rest.split_first() {
        Some((b, r)) => (b % 2 == 1, r),
        None => (false, rest),
    };
    match read_history(&scratch(rest, ext)) {
        Ok(ops) => {
            let result = check_ops("cas-register", independent, &ops, &small_ctx());
            Reached::Verdict(result.valid)
        }
        Err(_) => Reached::ReadError,
    }
}

/// `check --workload list-append` on any file, both as `rjepsen check` does it
/// (streamed from the file) and through the `Checker` trait on a read history:
/// a verdict or a read error, never a panic. Byte 0 picks the format.
pub fn check_list_append(data: &[u8]) -> Reached {
    let (ext, rest) = split_format(data);
    let path = scratch(rest, ext);
    let elle = ElleChecker::new("list-append", &[]).expect("list-append checker");
    let ctx = small_ctx();
    let streamed = elle.try_check_file(&ctx, &path);
    if let Ok(ops) = read_history(&path) {
        let _ = elle.check(&ctx, &History::new(ops));
    }
    match streamed {
        Ok(result) => Reached::Verdict(result.valid),
        Err(_) => Reached::ReadError,
    }
}
