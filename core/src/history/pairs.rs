//! A history with its invocations paired to their completions.

use crate::op::{Op, OpType, Process};
use std::collections::HashMap;

/// An ordered history. `completion[i]` gives, for the invocation at position `i`,
/// the position of its completion (if it ever completed); `invocation[j]` gives the
/// reverse. Positions are indices into `ops`, not the ops' own `index` fields, so
/// that histories with gaps or foreign indices work too.
#[derive(Clone, Debug, Default)]
pub struct History {
    pub ops: Vec<Op>,
    completion: Vec<Option<usize>>,
    invocation: Vec<Option<usize>>,
}

impl History {
    /// Builds the pairing: each completion belongs to the latest open invocation of
    /// the same process (a process performs one op at a time).
    pub fn new(ops: Vec<Op>) -> History {
        let mut completion = vec![None; ops.len()];
        let mut invocation = vec![None; ops.len()];
        let mut open: HashMap<&Process, usize> = HashMap::new();
        for (i, op) in ops.iter().enumerate() {
            if op.kind == OpType::Invoke {
                open.insert(&op.process, i);
            } else if let Some(inv) = open.remove(&op.process) {
                completion[inv] = Some(i);
                invocation[i] = Some(inv);
            }
        }
        History {
            ops,
            completion,
            invocation,
        }
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Position of the completion of the invocation at `i`.
    pub fn completion_of(&self, i: usize) -> Option<usize> {
        self.completion[i]
    }

    /// Position of the invocation that the completion at `j` completes.
    pub fn invocation_of(&self, j: usize) -> Option<usize> {
        self.invocation[j]
    }

    /// Invocation/completion pairs of client ops, in invocation order; an
    /// invocation that never completed is paired with `None` (its effect is unknown,
    /// as for `info`).
    pub fn client_pairs(&self) -> impl Iterator<Item = (&Op, Option<&Op>)> {
        self.ops
            .iter()
            .enumerate()
            .filter(|(_, op)| op.kind == OpType::Invoke && op.is_client())
            .map(move |(i, op)| (op, self.completion[i].map(|j| &self.ops[j])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pairs_by_process_and_leaves_crashed_open() {
        let a = Op::invoke(Process::Client(0), "read", json!(null));
        let b = Op::invoke(Process::Client(1), "write", json!(1));
        let ops = vec![a.clone(), b.clone(), a.ok(), b.info("timeout"), a.clone()];
        let h = History::new(ops);
        assert_eq!(h.completion_of(0), Some(2));
        assert_eq!(h.completion_of(1), Some(3));
        assert_eq!(h.invocation_of(3), Some(1));
        assert_eq!(h.completion_of(4), None);
        assert_eq!(h.client_pairs().count(), 3);
        let c = crate::op::OpCounts::of(&h.ops);
        assert_eq!((c.ok, c.fail, c.info), (1, 0, 1));
    }
}
