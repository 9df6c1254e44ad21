//! The list-append workload (Elle's): transactions of appends and reads over a
//! rotating set of keys, checked for dependency cycles by the Elle checker.
//!
//! Op vocabulary a client must serve: `txn` with a list of micro-ops
//! - `["append", k, v]` → appends `v` to the list at key `k`
//! - `["r", k, null]`   → the completion fills the list read: `["r", k, [1, 2]]`
//!   (`[]` or `null` for a key never written)
//!
//! ok if the transaction committed, `fail` if it definitely did not, `info` when
//! unknown. Values appended to one key are `1, 2, 3, ...`, unique per key, which is
//! what lets Elle recover the order of writes from any read.
//!
//! Keys: [`ACTIVE_KEYS`] keys are in play at once, chosen with Elle's exponential
//! distribution (a few hot keys draw most conflicts, the rest give long
//! dependency chains). A key that has had `max_writes_per_key` writes is retired
//! and its slot takes a fresh key, so that reads stay short and the checker's
//! work stays linear in the history. The rw-register workload shares this
//! generator with writes instead of appends.

use crate::{Workload, WorkloadOptions};
use rand::Rng;
use rjepsen_checkers::elle::{ElleChecker, ElleOptions};
use rjepsen_checkers::stats::Stats;
use rjepsen_core::checker::Compose;
use rjepsen_core::generator::{Context, GenOp, Generator};
use rjepsen_core::op::Op;
use rjepsen_core::Checker;
use serde_json::{json, Value};

/// Keys in play at once.
pub const ACTIVE_KEYS: usize = 10;
/// Micro-ops per transaction: uniform in `MIN_TXN_LEN..=MAX_TXN_LEN`.
pub const MIN_TXN_LEN: usize = 1;
pub const MAX_TXN_LEN: usize = 4;
/// Base of the exponential key distribution: slot `i` is drawn about
/// `KEY_DIST_BASE` times as often as slot `i + 1`.
const KEY_DIST_BASE: f64 = 2.0;

/// Builds the list-append workload; fails on a consistency model Elle does not
/// know.
pub fn list_append(opts: &WorkloadOptions) -> Result<Workload, String> {
    Ok(Workload {
        name: "list-append".into(),
        generator: Box::new(TxnOps::new(WriteKind::Append, opts.max_writes_per_key)),
        final_generator: None,
        checker: Box::new(elle_composition("list-append", opts)?),
    })
}

/// The Elle checker for `workload` and the options' consistency models, with
/// stats.
pub(crate) fn elle_composition(workload: &str, opts: &WorkloadOptions) -> Result<Compose, String> {
    // `none` is Elle's `:consistency-models nil`: no model at all.
    let models = &opts.consistency_models;
    let elle = ElleChecker::with_options(
        workload,
        &ElleOptions {
            consistency_models: (models != &["none"]).then(|| models.clone()),
            ..ElleOptions::default()
        },
    )?;
    Ok(Compose(vec![
        ("elle".to_string(), Box::new(elle) as Box<dyn Checker>),
        ("stats".to_string(), Box::new(Stats)),
    ]))
}

/// What a transaction's writes do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WriteKind {
    /// `["append", k, v]` (list-append).
    Append,
    /// `["w", k, v]` (rw-register).
    Write,
}

/// A key in play and how many writes it has had.
#[derive(Clone, Copy, Debug)]
struct Slot {
    key: u64,
    writes: usize,
}

/// Elle-style transactions over a rotating key set; see the module docs.
pub(crate) struct TxnOps {
    kind: WriteKind,
    max_writes_per_key: usize,
    slots: Vec<Slot>,
    next_key: u64,
}

impl TxnOps {
    pub(crate) fn new(kind: WriteKind, max_writes_per_key: usize) -> TxnOps {
        TxnOps {
            kind,
            max_writes_per_key: max_writes_per_key.max(1),
            slots: (0..ACTIVE_KEYS as u64)
                .map(|key| Slot { key, writes: 0 })
                .collect(),
            next_key: ACTIVE_KEYS as u64,
        }
    }

    /// A slot, slot 0 the most likely (Elle's exponential key distribution).
    fn pick_slot(&self, rng: &mut impl Rng) -> usize {
        let n = self.slots.len() as i32;
        let u: f64 = rng.gen_range(1.0..KEY_DIST_BASE.powi(n));
        let i = (u.ln() / KEY_DIST_BASE.ln()).floor() as usize;
        self.slots.len() - 1 - i.min(self.slots.len() - 1)
    }

    /// One micro-op on a random key; a write retires the key when it is full.
    fn micro_op(&mut self, rng: &mut impl Rng) -> Value {
        let s = self.pick_slot(rng);
        let slot = &mut self.slots[s];
        let key = slot.key;
        if rng.gen_bool(0.5) {
            return json!(["r", key, null]);
        }
        slot.writes += 1;
        let v = slot.writes;
        if slot.writes >= self.max_writes_per_key {
            *slot = Slot {
                key: self.next_key,
                writes: 0,
            };
            self.next_key += 1;
        }
        let f = match self.kind {
            WriteKind::Append => "append",
            WriteKind::Write => "w",
        };
        json!([f, key, v])
    }
}

impl Generator for TxnOps {
    fn op(&mut self, ctx: &mut Context) -> GenOp {
        let Some(p) = ctx.free_client() else {
            return GenOp::Pending;
        };
        let len = ctx.rng.gen_range(MIN_TXN_LEN..=MAX_TXN_LEN);
        let txn: Vec<Value> = (0..len).map(|_| self.micro_op(ctx.rng)).collect();
        let mut op = Op::invoke(p, "txn", Value::Array(txn));
        op.time = ctx.time;
        GenOp::Op(op)
    }
}

#[cfg(test)]
mod tests;
