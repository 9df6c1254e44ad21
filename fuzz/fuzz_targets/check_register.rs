//! `check --model cas-register` (plain and `--independent`) on any readable file:
//! a verdict, never a panic. The second byte picks independent keys.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rjepsen_checkers::linear::check_ops;
use rjepsen_core::history::read_history;

fuzz_target!(|data: &[u8]| {
    let (ext, rest) = rjepsen_fuzz::split_format(data);
    let (independent, rest) = match rest.split_first() {
        Some((b, r)) => (b % 2 == 1, r),
        None => (false, rest),
    };
    let path = rjepsen_fuzz::scratch(rest, ext);
    if let Ok(ops) = read_history(&path) {
        let _ = check_ops("cas-register", independent, &ops, &rjepsen_fuzz::small_ctx());
    }
});
