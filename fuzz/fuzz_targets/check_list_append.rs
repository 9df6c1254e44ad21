//! `check --workload list-append` on any file, both as `rjepsen check` does it
//! (streamed from the file) and through the `Checker` trait on a read history:
//! a verdict or a read error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rjepsen_checkers::elle::ElleChecker;
use rjepsen_core::history::read_history;
use rjepsen_core::{Checker, History};

fuzz_target!(|data: &[u8]| {
    let (ext, rest) = rjepsen_fuzz::split_format(data);
    let path = rjepsen_fuzz::scratch(rest, ext);
    let elle = ElleChecker::new("list-append", &[]).expect("list-append checker");
    let ctx = rjepsen_fuzz::small_ctx();
    let _ = elle.try_check_file(&ctx, &path);
    if let Ok(ops) = read_history(&path) {
        let _ = elle.check(&ctx, &History::new(ops));
    }
});
