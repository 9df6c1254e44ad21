//! From a flat history to per-key lists of calls the search understands.
//!
//! Pairing is by process (a process runs one op at a time); `fail` ops are dropped
//! (they did not happen), `info` ops and invocations that never completed become
//! calls without a return (they may take effect at any time after their invocation,
//! or never). With independent keys a value `[k, v]` goes to key `k` with value `v`.
//! The split only records positions; each key's ops are translated into the model's
//! vocabulary later, in parallel, with that key's own atom table.

use super::cache::FxBuild;
use super::model::{Atoms, Model};
use rjepsen_core::{Entry, OpType, Process};
use serde_json::Value;
use std::collections::HashMap;

/// One op as the search sees it: positions index into the history slice.
#[derive(Clone, Debug)]
pub(crate) struct Call<O> {
    pub op: O,
    pub invoke: usize,
    /// `None`: the outcome is unknown, so the op never forces anything.
    pub ret: Option<usize>,
}

/// The invocation/completion positions of one key's client ops.
#[derive(Debug)]
pub(crate) struct KeyOps {
    pub key: Option<Value>,
    pub pairs: Vec<(usize, Option<usize>)>,
}

#[derive(Hash, PartialEq, Eq)]
enum KeyRepr {
    Int(i64),
    Other(String),
}

fn key_of(v: &Value) -> Option<(KeyRepr, &Value)> {
    let Value::Array(kv) = v else { return None };
    if kv.len() != 2 {
        return None;
    }
    let repr = match kv[0].as_i64() {
        Some(i) => KeyRepr::Int(i),
        None => KeyRepr::Other(kv[0].to_string()),
    };
    Some((repr, &kv[0]))
}

/// Splits client ops by key (one group when not independent). Fails on an
/// independent op whose value is not a `[key, value]` pair.
pub(crate) fn split<E: Entry>(ops: &[E], independent: bool) -> Result<Vec<KeyOps>, String> {
    let mut open: HashMap<&Process, usize, FxBuild> = HashMap::default();
    let mut completion: Vec<Option<usize>> = vec![None; ops.len()];
    for (i, op) in ops.iter().enumerate() {
        if !op.is_client() {
            continue;
        }
        if op.kind() == OpType::Invoke {
            open.insert(op.process(), i);
        } else if let Some(inv) = open.remove(op.process()) {
            completion[inv] = Some(i);
        }
    }
    let mut groups: Vec<KeyOps> = Vec::new();
    let mut index: HashMap<KeyRepr, usize, FxBuild> = HashMap::default();
    for (i, op) in ops.iter().enumerate() {
        if op.kind() != OpType::Invoke || !op.is_client() {
            continue;
        }
        let comp = completion[i];
        if comp.is_some_and(|j| ops[j].kind() == OpType::Fail) {
            continue;
        }
        let g = if independent {
            let (repr, key) = key_of(op.value()).ok_or_else(|| {
                format!(
                    "failed to split op {} by key: value {} is not [key, value]",
                    op.index(),
                    op.value()
                )
            })?;
            let next = groups.len();
            let g = *index.entry(repr).or_insert(next);
            if g == next {
                groups.push(KeyOps {
                    key: Some(key.clone()),
                    pairs: Vec::new(),
                });
            }
            g
        } else {
            if groups.is_empty() {
                groups.push(KeyOps {
                    key: None,
                    pairs: Vec::new(),
                });
            }
            0
        };
        groups[g].pairs.push((i, comp));
    }
    Ok(groups)
}

fn inner(v: &Value, independent: bool) -> &Value {
    match (independent, v) {
        (true, Value::Array(kv)) if kv.len() == 2 => &kv[1],
        _ => v,
    }
}

/// Translates one key's ops into the model's calls, in invocation order.
pub(crate) fn calls<M: Model, E: Entry>(
    model: &M,
    ops: &[E],
    key: &KeyOps,
    independent: bool,
    atoms: &mut Atoms,
) -> Result<Vec<Call<M::Op>>, String> {
    let mut out = Vec::with_capacity(key.pairs.len());
    for &(i, comp) in &key.pairs {
        let inv = &ops[i];
        let ok = comp.filter(|&j| ops[j].kind() == OpType::Ok);
        let output = ok.map(|j| inner(ops[j].value(), independent));
        let parsed = model
            .parse(
                inv.f().trim_start_matches(':'),
                inner(inv.value(), independent),
                output,
                atoms,
            )
            .map_err(|e| format!("op {} (process {}): {e}", inv.index(), inv.process()))?;
        if let Some(op) = parsed {
            out.push(Call {
                op,
                invoke: i,
                ret: ok,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rjepsen_core::Op;
    use serde_json::json;

    #[test]
    fn splits_by_key_and_drops_failures() {
        let w = Op::invoke(Process::Client(0), "write", json!([1, 5]));
        let r = Op::invoke(Process::Client(1), "read", json!([2, null]));
        let c = Op::invoke(Process::Client(2), "cas", json!([1, [5, 6]]));
        let ops = vec![
            w.clone(),
            r.clone(),
            c.clone(),
            w.ok(),
            r.info("t"),
            c.fail("no"),
        ];
        let groups = split(&ops, true).unwrap();
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].key, Some(json!(1)));
        assert_eq!(groups[0].pairs, vec![(0, Some(3))]);
        assert_eq!(groups[1].pairs, vec![(1, Some(4))]);
        let bad = vec![Op::invoke(Process::Client(0), "write", json!(3))];
        assert!(split(&bad, true).unwrap_err().contains("not [key, value]"));
        assert_eq!(split(&bad, false).unwrap()[0].pairs, vec![(0, None)]);
    }
}
