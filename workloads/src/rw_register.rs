//! The rw-register workload (Elle's): transactions of writes and reads of
//! registers over a rotating set of keys, checked for dependency cycles.
//!
//! Op vocabulary a client must serve: `txn` with a list of micro-ops
//! - `["w", k, v]`    → sets register `k` to `v`
//! - `["r", k, null]` → the completion fills the value read: `["r", k, v]`
//!   (`null` for a key never written)
//!
//! ok if the transaction committed, `fail` if it definitely did not, `info` when
//! unknown. Values written to one key are `1, 2, 3, ...`, unique per key, so that
//! every read names the one write it saw. Keys rotate exactly as in
//! [list-append](crate::list_append): the two workloads share one generator.

use crate::list_append::{elle_composition, TxnOps, WriteKind};
use crate::{Workload, WorkloadOptions};

/// Builds the rw-register workload; fails on a consistency model Elle does not
/// know.
pub fn rw_register(opts: &WorkloadOptions) -> Result<Workload, String> {
    Ok(Workload {
        name: "rw-register".into(),
        generator: Box::new(TxnOps::new(WriteKind::Write, opts.max_writes_per_key)),
        final_generator: None,
        checker: Box::new(elle_composition("rw-register", opts)?),
    })
}
