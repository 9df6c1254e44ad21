//! The body of every fuzz target in `fuzz/`, as a plain function over bytes.
//!
//! The cargo-fuzz targets are one line each around these, so that the same code
//! runs under libFuzzer (nightly, sanitizers, `scripts/fuzz.sh`, in the nightly)
//! and in this crate's replay test (stable, every file in `fuzz/seeds/TARGET/`
//! and `fuzz/artifacts/TARGET/`, in CI). A body panics only on a broken
//! invariant (what the fuzzer is looking for); it returns how far the input got,
//! so that the replay test can tell that a seed still reaches the checker.

mod scratch;
mod targets;

pub use scratch::{scratch, small_ctx, split_format};
pub use targets::{
    check_list_append, check_register, edn_reader, jsonl_reader, Body, Reached, TARGETS,
};
