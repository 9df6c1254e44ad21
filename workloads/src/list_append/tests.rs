//! The txn generator of list-append and rw-register: vocabulary, per-key unique
//! values, key rotation, determinism.

use super::*;
use crate::rw_register::rw_register;
use crate::testing::{clients, take};
use std::collections::BTreeMap;

fn opts(max_writes_per_key: usize) -> WorkloadOptions {
    WorkloadOptions {
        max_writes_per_key,
        ..Default::default()
    }
}

/// Checks the shape of every txn and returns, per key, the values written in
/// order and the position of the last micro-op that touched the key.
fn shape(ops: &[Op], write_f: &str) -> BTreeMap<u64, (Vec<u64>, usize)> {
    let mut per_key: BTreeMap<u64, (Vec<u64>, usize)> = BTreeMap::new();
    let mut pos = 0;
    for op in ops {
        assert_eq!(op.f, "txn");
        let txn = op.value.as_array().expect("a txn is a list");
        assert!((MIN_TXN_LEN..=MAX_TXN_LEN).contains(&txn.len()), "{txn:?}");
        for mop in txn {
            let m = mop.as_array().expect("a micro-op is a list");
            assert_eq!(m.len(), 3, "{mop}");
            let key = m[1].as_u64().expect("keys are integers");
            let entry = per_key.entry(key).or_default();
            match m[0].as_str() {
                Some("r") => assert!(m[2].is_null(), "{mop}"),
                Some(f) if f == write_f => entry.0.push(m[2].as_u64().expect("int value")),
                other => panic!("unexpected micro-op {other:?} in {mop}"),
            }
            entry.1 = pos;
            pos += 1;
        }
    }
    per_key
}

#[test]
fn txns_have_the_vocabulary_and_keys_rotate() {
    for (name, write_f) in [("list-append", "append"), ("rw-register", "w")] {
        let max = 8;
        let mut w = crate::build(name, &opts(max)).unwrap();
        assert_eq!(w.name, name);
        assert!(w.final_generator.is_none());
        let ops = take(&mut *w.generator, &clients(5), 2_000, 3);
        let per_key = shape(&ops, write_f);
        // Values per key are 1, 2, 3, ... and never more than the maximum.
        for (k, (vals, _)) in &per_key {
            assert_eq!(
                *vals,
                (1..=vals.len() as u64).collect::<Vec<_>>(),
                "key {k}"
            );
            assert!(vals.len() <= max, "key {k}: {vals:?}");
        }
        let full: Vec<u64> = per_key
            .iter()
            .filter(|(_, (v, _))| v.len() == max)
            .map(|(k, _)| *k)
            .collect();
        assert!(full.len() > 20, "{name}: only {} keys retired", full.len());
        // Never more than ACTIVE_KEYS keys not yet retired.
        let open = per_key.values().filter(|(v, _)| v.len() < max).count();
        assert!(open <= ACTIVE_KEYS, "{open} open keys");
    }
}

#[test]
fn retired_keys_are_not_touched_again() {
    let max = 4;
    let ops = take(
        &mut *list_append(&opts(max)).unwrap().generator,
        &clients(3),
        1_000,
        8,
    );
    let mut writes: BTreeMap<u64, usize> = BTreeMap::new();
    for mop in ops.iter().flat_map(|o| o.value.as_array().unwrap()) {
        let key = mop[1].as_u64().unwrap();
        let n = writes.entry(key).or_default();
        assert!(*n < max, "key {key} used after its {max} writes: {mop}");
        if mop[0] == "append" {
            *n += 1;
        }
    }
}

#[test]
fn hot_slot_draws_most_ops() {
    let g = TxnOps::new(WriteKind::Append, 32);
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(1);
    let mut counts = [0usize; ACTIVE_KEYS];
    for _ in 0..10_000 {
        counts[g.pick_slot(&mut rng)] += 1;
    }
    // About half on slot 0, a quarter on slot 1, ...; every slot drawn.
    assert!((4_500..5_500).contains(&counts[0]), "{counts:?}");
    assert!((2_000..3_000).contains(&counts[1]), "{counts:?}");
    assert!(counts.iter().all(|&c| c > 0), "{counts:?}");
}

#[test]
fn same_seed_same_txns() {
    for make in [list_append, rw_register] {
        let gen = || make(&Default::default()).unwrap().generator;
        let a = take(&mut *gen(), &clients(4), 300, 11);
        assert_eq!(a, take(&mut *gen(), &clients(4), 300, 11));
        assert_ne!(a, take(&mut *gen(), &clients(4), 300, 12));
    }
}

#[test]
fn unknown_consistency_models_are_refused() {
    for name in ["list-append", "rw-register"] {
        let bad = WorkloadOptions {
            consistency_models: vec!["no-such-model".into()],
            ..Default::default()
        };
        assert!(crate::build(name, &bad).is_err(), "{name}");
        let good = WorkloadOptions {
            consistency_models: vec!["serializable".into()],
            ..Default::default()
        };
        assert!(crate::build(name, &good).is_ok(), "{name}");
    }
}
