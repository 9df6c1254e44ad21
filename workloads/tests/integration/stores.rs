//! In-memory stores for each workload's vocabulary: correct ones (every op
//! atomic), and one that is not isolated, to show the checkers notice.

use super::sim::{Outcome, Store};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rjepsen_core::{Op, OpType};
use rjepsen_workloads::{BANK_ACCOUNTS, BANK_TOTAL};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A set; one add in twenty ends `info`, half of those having taken effect.
#[derive(Default)]
pub struct SetStore(pub BTreeSet<i64>);

impl Store for SetStore {
    fn apply(&mut self, op: &Op, rng: &mut ChaCha8Rng) -> Outcome {
        match op.f.as_str() {
            "add" => {
                let unknown = rng.gen_ratio(1, 20);
                if !unknown || rng.gen_bool(0.5) {
                    self.0
                        .insert(op.value.as_i64().expect("add takes an integer"));
                }
                let kind = if unknown { OpType::Info } else { OpType::Ok };
                (kind, op.value.clone())
            }
            "read" => (OpType::Ok, json!(self.0)),
            other => panic!("set store: unexpected f {other}"),
        }
    }
}

/// A counter; one add in twenty ends `info`, half of those having taken
/// effect, and one in twenty `fail`s without effect.
#[derive(Default)]
pub struct CounterStore(pub i64);

impl Store for CounterStore {
    fn apply(&mut self, op: &Op, rng: &mut ChaCha8Rng) -> Outcome {
        match op.f.as_str() {
            "add" => {
                let d = op.value.as_i64().expect("add takes an integer");
                let kind = match rng.gen_range(0..20) {
                    0 => OpType::Fail,
                    1 => OpType::Info,
                    _ => OpType::Ok,
                };
                if kind == OpType::Ok || (kind == OpType::Info && rng.gen_bool(0.5)) {
                    self.0 += d;
                }
                (kind, op.value.clone())
            }
            "read" => (OpType::Ok, json!(self.0)),
            other => panic!("counter store: unexpected f {other}"),
        }
    }
}

/// Accounts `0..BANK_ACCOUNTS` holding `BANK_TOTAL`, as the etcd client sets up.
pub struct BankStore(pub Vec<i64>);

impl Default for BankStore {
    fn default() -> Self {
        let mut b = vec![BANK_TOTAL / BANK_ACCOUNTS as i64; BANK_ACCOUNTS];
        b[0] += BANK_TOTAL - b.iter().sum::<i64>();
        BankStore(b)
    }
}

impl Store for BankStore {
    fn apply(&mut self, op: &Op, _rng: &mut ChaCha8Rng) -> Outcome {
        match op.f.as_str() {
            "transfer" => {
                let v = &op.value;
                let from = v["from"].as_u64().expect("from") as usize;
                let to = v["to"].as_u64().expect("to") as usize;
                let amount = v["amount"].as_i64().expect("amount");
                if self.0[from] < amount {
                    return (OpType::Fail, op.value.clone());
                }
                self.0[from] -= amount;
                self.0[to] += amount;
                (OpType::Ok, op.value.clone())
            }
            "read" => {
                let m: Map<String, Value> = self
                    .0
                    .iter()
                    .enumerate()
                    .map(|(a, b)| (a.to_string(), json!(b)))
                    .collect();
                (OpType::Ok, Value::Object(m))
            }
            other => panic!("bank store: unexpected f {other}"),
        }
    }
}

/// Lists (list-append) or registers (rw-register) by key. With `isolated`
/// false, a transaction reads at one instant and writes at completion without
/// any conflict check: read skew and lost updates follow.
pub struct TxnStore {
    lists_mode: bool,
    isolated: bool,
    lists: HashMap<u64, Vec<i64>>,
    regs: HashMap<u64, i64>,
    /// Writes held until completion, by the op's index (non-isolated mode).
    pending: BTreeMap<u64, Vec<Value>>,
}

impl TxnStore {
    /// Lists when `lists_mode` (list-append), else registers (rw-register).
    pub fn new(lists_mode: bool, isolated: bool) -> TxnStore {
        TxnStore {
            lists_mode,
            isolated,
            lists: HashMap::new(),
            regs: HashMap::new(),
            pending: BTreeMap::new(),
        }
    }

    fn write(&mut self, mop: &Value) {
        let (f, k, v) = (
            mop[0].as_str(),
            mop[1].as_u64().expect("key"),
            mop[2].as_i64(),
        );
        match f {
            Some("append") => self.lists.entry(k).or_default().push(v.expect("value")),
            Some("w") => {
                self.regs.insert(k, v.expect("value"));
            }
            other => panic!("txn store: unexpected micro-op {other:?}"),
        }
    }

    /// What micro-op `mop` reads, given the txn's own earlier writes `own`
    /// (held back in non-isolated mode).
    fn read(&self, mop: &Value, own: &[Value]) -> Value {
        let k = mop[1].as_u64().expect("key");
        let mut own = own.iter().filter(|w| w[1] == mop[1]);
        if self.lists_mode {
            let mut list = self.lists.get(&k).cloned().unwrap_or_default();
            list.extend(own.map(|w| w[2].as_i64().expect("value")));
            json!(["r", k, list])
        } else {
            let v = own.next_back().map(|w| w[2].clone());
            let v = v.or_else(|| self.regs.get(&k).map(|v| json!(v)));
            json!(["r", k, v])
        }
    }
}

impl Store for TxnStore {
    fn apply(&mut self, op: &Op, _rng: &mut ChaCha8Rng) -> Outcome {
        let mops = op.value.as_array().expect("a txn is a list");
        let mut own: Vec<Value> = Vec::new();
        let mut out = Vec::with_capacity(mops.len());
        for mop in mops {
            if mop[0] == "r" {
                out.push(self.read(mop, &own));
            } else {
                if self.isolated {
                    self.write(mop);
                } else {
                    own.push(mop.clone());
                }
                out.push(mop.clone());
            }
        }
        if !self.isolated {
            self.pending.insert(op.index, own);
        }
        (OpType::Ok, Value::Array(out))
    }

    fn complete(&mut self, op: &Op, outcome: Outcome) -> Outcome {
        for w in self.pending.remove(&op.index).unwrap_or_default() {
            self.write(&w);
        }
        outcome
    }
}
