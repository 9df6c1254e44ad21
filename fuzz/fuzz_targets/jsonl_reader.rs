//! The JSON Lines reader must turn any bytes into ops or an error naming a line.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rjepsen_core::history::{read_history, ReadError};

fuzz_target!(|data: &[u8]| {
    let path = rjepsen_fuzz::scratch(data, "jsonl");
    if let Err(ReadError::Parse { line, .. }) = read_history(&path) {
        assert!(line >= 1, "a parse error names a 1-based line");
    }
});
