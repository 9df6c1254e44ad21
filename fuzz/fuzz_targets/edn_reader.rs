//! libFuzzer around `rjepsen_fuzz_bodies::edn_reader` (what must hold is said there;
//! its replay test runs the seeds through the same function in CI).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = rjepsen_fuzz_bodies::edn_reader(data);
});
